"""The result cache in `.buffix_cache/`: a run that changed nothing answers without reading a file.

One JSON file per fingerprint (buffix version + the caller's salt: config hash, catalog hash), holding for each
checked path its stat signature (mtime_ns, size, inode), the sha256 of its content and its result. A warm run stats
each file and answers from the index; a file whose stat changed is read and hashed, and its result reused when the
content is the same (a `git checkout` that rewrote identical bytes, or a copy of another file). One file beats one file
per key: for 10k files it loads in ~15 ms where 10k small files cost ~0.3 s to open (see the helper's note).
Writes are atomic (temp file + rename), so two runs at once never leave a torn file (the last one wins). The file
starts with the sha256 of the rest: a flipped byte (a bad disk, a partial copy) is found, the file is discarded with a
one-line warning and rebuilt, instead of answering with wrong results.

Where: `--cache-dir` or `BUFFIX_CACHE_DIR`, else `.buffix_cache/` in the project root: the directory of the config
file, else the repository root (`.git`), else the current directory, never inside a source folder. The directory is
kept under MAX_BYTES by removing the least recently written indexes; `buffix clean` removes it.
"""

from __future__ import annotations

import functools
import hashlib
import json
import os
import time
from pathlib import Path
from typing import Any, Dict, List, Optional, Tuple

from buffix import __version__
from buffix.core.findings import FileError, FileResult, Finding, Fix, FlowStep, Span

CACHE_DIR = ".buffix_cache"
ENV = "BUFFIX_CACHE_DIR"
MAX_BYTES = 256 * 1024 * 1024  # the whole directory; older indexes (other configs, versions) go first
_FORMAT = 2
_TAG = "Signature: 8a477f597d28d172789f06886806bc55\n# This directory is a cache made by buffix.\n"
# A file modified within this window of being cached may change again within the same mtime tick: trust its
# hash, not its stat (git's "racily clean" rule).
_RACY_NS = 2_000_000_000

Signature = Tuple[int, int, int]  # mtime_ns, size, inode


def signature(st: os.stat_result) -> Signature:
    return (st.st_mtime_ns, st.st_size, st.st_ino)


def digest(source: bytes) -> str:
    return hashlib.sha256(source).hexdigest()[:32]


class StatStore:
    """One index file of per-file values kept by stat signature: `get` / `put` per file, `save()` once at the end.
    The method index keeps its per-file facts so (cheap to recompute, so no content hash); Cache adds content
    digests and results on top."""

    def __init__(self, directory: Path, salt: str = "", version: str = __version__) -> None:
        self.directory = Path(directory)
        fingerprint = hashlib.sha256(f"{_FORMAT}\0{version}\0{salt}".encode()).hexdigest()[:16]
        self.file = self.directory / version / f"{fingerprint}.json"
        self.changed = False

    @functools.cached_property
    def entries(self) -> Dict[str, List[Any]]:
        """path -> [mtime_ns, size, ino, digest, value], read on first use (a warm run may never need it)."""
        return _load(self.file)

    def get(self, path: str, sig: Signature) -> Any:
        entry = self.entries.get(os.path.abspath(path))
        return entry[4] if entry is not None and (entry[0], entry[1], entry[2]) == tuple(sig) else None

    def put(self, path: str, sig: Optional[Signature], value: Any, key: str = "") -> None:
        if sig is None or time.time_ns() - sig[0] < _RACY_NS:
            sig = (-1, -1, -1)  # never matches: may change again within its mtime tick, so the next run reads it
        entry = [sig[0], sig[1], sig[2], key, value]
        path = os.path.abspath(path)  # the index survives a run from another directory
        if self.entries.get(path) != entry:
            self.entries[path] = entry
            self.changed = True

    def save(self) -> None:
        """Write the index atomically; a failure (read-only tree, full disk) only costs the next run its speed."""
        if self.changed:
            self.changed = not _save(self.directory, self.file, self.entries)


class Cache(StatStore):
    """`Cache(root, salt)`; `lookup_stat` / `lookup_content` / `store` per file, `save()` once at the end."""

    def __init__(self, root: Path, salt: str = "", version: str = __version__,
                 directory: Optional[Path] = None) -> None:
        super().__init__(Path(directory) if directory is not None else Path(root) / CACHE_DIR, salt, version)
        self.by_digest: Dict[str, Any] = {entry[3]: entry[4] for entry in self.entries.values()}
        self.hits = 0

    def lookup_stat(self, path: str, sig: Signature) -> Optional[FileResult]:
        encoded = self.get(path, sig)
        if encoded is None:
            return None
        result = _decode(path, encoded)
        if result is not None and _dependencies_unchanged(encoded):
            self.hits += 1
            return result
        return None

    def lookup_content(self, path: str, sig: Optional[Signature], key: str) -> Optional[FileResult]:
        """The result for content with digest `key`, re-bound to `path`; remembers `sig` for the next run."""
        if key not in self.by_digest:
            return None
        encoded = self.by_digest[key]
        result = _decode(path, encoded)
        if result is None or result.depends_on:  # a result read from other files is bound to its own path
            return None
        self.hits += 1
        self.put(path, sig, encoded, key)
        return result

    def store(self, path: str, sig: Optional[Signature], key: str, result: FileResult) -> None:
        encoded = _encode(result)
        self.by_digest[key] = encoded
        self.put(path, sig, encoded, key)


def _load(file: Path) -> Dict[str, List[Any]]:
    try:
        return read_index(file)
    except FileNotFoundError:
        return {}
    except OSError as exc:
        _warn(f"{file}: cache not readable ({exc.strerror or exc}); running without it")
    except ValueError as exc:
        _warn(f"{file}: corrupt cache discarded ({exc})")
    return {}


def _save(directory: Path, file: Path, entries: Dict[str, List[Any]]) -> bool:
    """Write an index atomically, then prune; False when it could not be written (read-only tree, full disk): that
    only costs the next run its speed."""
    try:
        file.parent.mkdir(parents=True, exist_ok=True)
        _mark(directory)
        write_index(file, entries)
        prune(directory, keep=file)
        return True
    except OSError:
        return False


def read_index(file: Path) -> Dict[str, List[Any]]:
    """The entries of an index file; ValueError saying why when it is not one this buffix wrote intact."""
    raw = file.read_bytes()
    checksum, _, payload = raw.partition(b"\n")
    if hashlib.sha256(payload).hexdigest().encode() != checksum:
        raise ValueError("checksum mismatch")
    try:
        data = json.loads(payload)
    except (ValueError, RecursionError):
        raise ValueError("not JSON") from None
    if not isinstance(data, dict) or data.get("format") != _FORMAT or not isinstance(data.get("entries"), dict):
        raise ValueError("not a buffix cache index")
    entries = data["entries"]
    for entry in entries.values():
        if not (isinstance(entry, list) and len(entry) == 5 and all(type(v) is int for v in entry[:3])
                and isinstance(entry[3], str)):
            raise ValueError("an entry has fields of the wrong type")
    return entries


def write_index(file: Path, entries: Dict[str, List[Any]]) -> None:
    """The sha256 of the payload, a newline, the payload; by the project's one writer (atomic)."""
    from buffix.core.atomic import write_bytes_atomic  # here: a warm run that changed nothing never writes

    payload = json.dumps({"format": _FORMAT, "entries": entries}, separators=(",", ":")).encode()
    write_bytes_atomic(str(file), hashlib.sha256(payload).hexdigest().encode() + b"\n" + payload)


def prune(directory: Path, keep: Optional[Path] = None, max_bytes: int = MAX_BYTES) -> int:
    """Remove the least recently written index files until the directory holds at most `max_bytes`; how many."""
    files = []
    for path in directory.glob("*/*.json"):
        try:
            info = path.stat()
        except OSError:
            continue
        files.append((info.st_mtime_ns, info.st_size, path))
    total = sum(size for _, size, _ in files)
    removed = 0
    for _, size, path in sorted(files, key=lambda f: f[0]):
        if total <= max_bytes:
            break
        if path == keep:
            continue
        try:
            path.unlink()
        except OSError:
            continue
        total -= size
        removed += 1
    return removed


def cache_directory(config_path: Optional[str], start: str, explicit: Optional[str] = None) -> Path:
    """Where the cache lives: `explicit` (--cache-dir), $BUFFIX_CACHE_DIR, else `.buffix_cache` in the project root
    (the config file's directory, else the repository root above `start`, else the current directory)."""
    chosen = explicit or os.environ.get(ENV)
    if chosen:
        return Path(chosen)
    if config_path:
        return Path(os.path.dirname(os.path.abspath(config_path))) / CACHE_DIR
    here = Path(os.path.abspath(start))
    for directory in (here, *here.parents):
        if (directory / ".git").exists():
            return directory / CACHE_DIR
    return Path.cwd() / CACHE_DIR


def is_cache(directory: Path) -> bool:
    """Whether buffix made this directory (its CACHEDIR.TAG says so): only such a directory is removed."""
    try:
        return (directory / "CACHEDIR.TAG").read_text(encoding="utf-8") == _TAG
    except (OSError, UnicodeDecodeError):
        return False


def _warn(message: str) -> None:
    import sys

    print(f"buffix: warning: {message}", file=sys.stderr)


def _mark(directory: Path) -> None:
    """`.gitignore` with `*` and a CACHEDIR.TAG, so git and backup tools skip the cache, as ruff does. Each is
    written atomically, and again whenever it is not what it should be (a full disk once left it empty)."""
    from buffix.core.atomic import write_text_atomic

    for name, text in ((".gitignore", "# Automatically created by buffix.\n*\n"), ("CACHEDIR.TAG", _TAG)):
        target = directory / name
        try:
            if target.read_text(encoding="utf-8") == text:
                continue
        except (OSError, UnicodeDecodeError):
            pass
        write_text_atomic(str(target), text)


# -- compact JSON for results: a clean file is 0; positions are 4-lists --------------------------------------------

def _encode(result: FileResult) -> Any:
    if result.error is None and not result.findings and not result.depends_on:
        return 0
    encoded: Dict[str, Any] = {
        "e": result.error.message if result.error else None,
        "f": [_finding(f) for f in result.findings],
    }
    if result.depends_on:  # the other files the result was read from, as they were: any change is a miss
        encoded["d"] = {dep: _dependency_signature(dep) for dep in result.depends_on}
    return encoded


def _dependency_signature(path: str) -> Optional[List[int]]:
    try:
        info = os.stat(path)
    except OSError:
        return None
    return [info.st_mtime_ns, info.st_size]


def _dependencies_unchanged(encoded: Any) -> bool:
    if not isinstance(encoded, dict) or "d" not in encoded:
        return True
    try:
        return all(_dependency_signature(dep) == sig for dep, sig in encoded["d"].items())
    except (AttributeError, TypeError, ValueError):  # a corrupt entry is a miss
        return False


def _finding(f: Finding) -> Any:
    return [f.code, f.message, _span(f.span), f.confidence, _flow(f.flow),
            None if f.fix is None else [f.fix.applicability, [_span(t) for t in f.fix.targets], f.fix.reason],
            [_flow(flow) for flow in f.also]]


def _flow(flow: Tuple[FlowStep, ...]) -> Any:
    return [[_span(s.span), s.description, s.path] for s in flow]


def _unflow(encoded: Any) -> Tuple[FlowStep, ...]:
    return tuple(FlowStep(Span(*s), d, p) for s, d, p in encoded)


def _span(s: Span) -> List[int]:
    return [s.line, s.column, s.end_line, s.end_column]


def _decode(path: str, encoded: Any) -> Optional[FileResult]:
    try:
        if encoded == 0:
            return FileResult(path)
        findings = tuple(
            Finding(code, message, path, Span(*span), confidence, _unflow(flow),
                    None if fix is None else Fix(fix[0], tuple(Span(*t) for t in fix[1]), fix[2]),
                    tuple(_unflow(other) for other in also))
            for code, message, span, confidence, flow, fix, also in encoded["f"])
        error = FileError(path, encoded["e"]) if encoded["e"] is not None else None
        return FileResult(path, findings, error, tuple(encoded.get("d", ())))
    except (TypeError, ValueError, KeyError, IndexError, AttributeError):
        return None  # a corrupt entry is a miss
