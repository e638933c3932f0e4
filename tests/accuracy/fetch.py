"""Download the pinned packages of packages/*.yaml with pip, check their sha256, extract their Python sources.

    python tests/accuracy/fetch.py [--cache DIR] [--labels DIR]

Layout under the cache (default .buffix_cache/accuracy/): downloads/<file> and src/<package>/<path>, the
tree that labels' paths are relative to. Idempotent: a verified download and a complete extraction are kept;
a file whose hash differs from its pin is refused and never extracted.
"""

from __future__ import annotations

import argparse
import hashlib
import os
import shutil
import subprocess
import sys
import tarfile
import tempfile
import zipfile
from pathlib import Path, PurePosixPath
from typing import Iterator, List, Tuple

if not __package__:  # run as a script: make `tests.accuracy` importable
    sys.path.insert(0, str(Path(__file__).resolve().parents[2]))

from tests.accuracy.labelset import PACKAGES_DIR, LabelError, LabelSet, Package, load_labelset

REPO_ROOT = Path(__file__).resolve().parents[2]
DEFAULT_CACHE = REPO_ROOT / ".buffix_cache" / "accuracy"
SOURCE_SUFFIXES = (".py", ".pyi")
MARKER = ".buffix-extracted"  # holds the sha256 of the archive the tree came from


class FetchError(RuntimeError):
    pass


def sha256_of(path: Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as f:
        for block in iter(lambda: f.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def source_root(cache: Path) -> Path:
    return cache / "src"


def fetch_all(labelset: LabelSet, cache: Path, log=print) -> List[str]:
    """Fetch and extract every package; returns one line per package that failed (the others still run)."""
    failures: List[str] = []
    for package in labelset.packages:
        try:
            archive, downloaded = download(package, cache / "downloads")
            count = extract(package, archive, source_root(cache) / package.name)
        except FetchError as exc:
            failures.append(f"{package.requirement}: {exc}")
            log(f"FAILED {package.requirement}: {exc}")
            continue
        state = "downloaded" if downloaded else "cached"
        log(f"{package.requirement}: {state}, {count} source files")
    return failures


def download(package: Package, downloads: Path) -> Tuple[Path, bool]:
    """The verified archive, and whether it had to be downloaded now."""
    target = downloads / package.file
    if target.is_file() and sha256_of(target) == package.sha256:
        return target, False
    downloads.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(dir=downloads, prefix=".pip-") as tmp:
        command = [sys.executable, "-m", "pip", "download", "--no-deps", "--disable-pip-version-check",
                   "--quiet", "--dest", tmp, *package.pip_args, package.requirement]
        result = subprocess.run(command, capture_output=True, text=True)
        fetched = Path(tmp) / package.file
        if result.returncode != 0 or not fetched.is_file():
            produced = ", ".join(sorted(os.listdir(tmp))) or "nothing"
            detail = (result.stderr.strip().splitlines() or ["no error output"])[-1]
            raise FetchError(f"pip download produced {produced}, expected {package.file} ({detail})")
        actual = sha256_of(fetched)
        if actual != package.sha256:
            raise FetchError(f"{package.file} has sha256 {actual}, but labels.yaml pins {package.sha256}")
        os.replace(fetched, target)
    return target, True


def extract(package: Package, archive: Path, destination: Path) -> int:
    """Extract the .py/.pyi members into destination (replaced atomically); returns how many there are."""
    marker = destination / MARKER
    if marker.is_file() and marker.read_text(encoding="ascii").strip() == package.sha256:
        return sum(1 for p in destination.rglob("*") if p.suffix in SOURCE_SUFFIXES)
    destination.parent.mkdir(parents=True, exist_ok=True)
    staging = Path(tempfile.mkdtemp(dir=destination.parent, prefix=f".{package.name}-"))
    try:
        count = 0
        for name, data in _source_members(archive):
            out = staging.joinpath(*PurePosixPath(name).parts)
            out.parent.mkdir(parents=True, exist_ok=True)
            out.write_bytes(data)
            count += 1
        (staging / MARKER).write_text(package.sha256 + "\n", encoding="ascii")
        if destination.exists():
            shutil.rmtree(destination)
        os.replace(staging, destination)
    except BaseException:
        shutil.rmtree(staging, ignore_errors=True)
        raise
    return count


def _source_members(archive: Path) -> Iterator[Tuple[str, bytes]]:
    try:
        if archive.name.endswith(".tar.gz"):
            with tarfile.open(archive, "r:gz") as tar:
                for member in tar.getmembers():
                    if member.isfile() and _wanted(member.name):
                        yield member.name, tar.extractfile(member).read()
        else:
            with zipfile.ZipFile(archive) as zf:
                for info in zf.infolist():
                    if not info.is_dir() and _wanted(info.filename):
                        yield info.filename, zf.read(info)
    except (OSError, zipfile.BadZipFile, tarfile.TarError) as exc:
        raise FetchError(f"cannot read {archive.name}: {exc}") from None


def _wanted(name: str) -> bool:
    path = PurePosixPath(name)
    return path.suffix in SOURCE_SUFFIXES and not path.is_absolute() and ".." not in path.parts


def main(argv: List[str] = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--cache", type=Path, default=DEFAULT_CACHE, help=f"cache folder (default {DEFAULT_CACHE})")
    parser.add_argument("--labels", type=Path, default=PACKAGES_DIR, help="label files (default: packages/ here)")
    args = parser.parse_args(argv)
    try:
        labelset = load_labelset(args.labels)
    except LabelError as exc:
        print(exc, file=sys.stderr)
        return 2
    failures = fetch_all(labelset, args.cache)
    if failures:
        print(f"{len(failures)} of {len(labelset.packages)} packages failed", file=sys.stderr)
        return 1
    print(f"sources under {source_root(args.cache)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
