"""Baselines: record today's findings, then report only new ones, so a large codebase can adopt buffix gradually.

    write_baseline("buffix-baseline.json", results, sources)
    new_results, stale = filter_new(results, load_baseline("buffix-baseline.json"), sources)

An entry is fingerprinted by content, not position: the code, the file, the enclosing function/class qualname,
the statement's source and the finding's own source with whitespace and comments normalised away, and an
occurrence index for identical duplicates. So entries survive unrelated edits and moved lines; an entry whose
finding is gone is *stale* and reported, for files checked in this run only.
"""

from __future__ import annotations

import ast
import hashlib
import io
import json
import os
import tokenize
from collections import defaultdict
from dataclasses import dataclass, replace
from typing import Dict, Iterable, List, Mapping, Optional, Sequence, Tuple, Union

from buffix import __version__
from buffix.core.findings import FileResult, Finding, Span

FORMAT = "buffix-baseline"
VERSION = 1
Sources = Mapping[str, Union[str, bytes]]
_SKIPPED_TOKENS = {tokenize.COMMENT, tokenize.NL, tokenize.NEWLINE, tokenize.INDENT, tokenize.DEDENT,
                   tokenize.ENDMARKER}


class BaselineError(ValueError):
    """A baseline file that cannot be read or is not one buffix wrote; the message names the file."""


@dataclass(frozen=True)
class Entry:
    code: str
    path: str  # relative to the baseline file's directory, forward slashes
    scope: str  # enclosing qualname, e.g. "Client.download"; "" at module level
    statement: str  # normalised source of the statement's lines
    snippet: str  # normalised source of the finding's own span
    occurrence: int  # index among entries with the same key above, in source order
    line: int = 0  # where it was when recorded: informative only, never matched
    message: str = ""

    @property
    def fingerprint(self) -> str:
        key = "\0".join((self.code, self.path, self.scope, self.statement, self.snippet, str(self.occurrence)))
        return hashlib.sha256(key.encode("utf-8")).hexdigest()[:20]

    def describe(self) -> str:
        where = f" in {self.scope}" if self.scope else ""
        return f"{self.path}:{self.line}: {self.code}{where}: {self.statement}"


@dataclass(frozen=True)
class Baseline:
    root: str  # the directory entry paths are relative to
    entries: Tuple[Entry, ...]


def _normalise(text: str) -> str:
    """Python tokens joined by single spaces: blind to whitespace, line breaks and comments."""
    tokens: List[str] = []
    try:
        for token in tokenize.generate_tokens(io.StringIO(text).readline):
            if token.type not in _SKIPPED_TOKENS:
                tokens.append(token.string)
    except (tokenize.TokenError, IndentationError, SyntaxError):
        pass  # a span cut mid-bracket: the tokens read so far are the content
    return " ".join(tokens) if tokens else " ".join(text.split())


def _text(source: Union[str, bytes]) -> str:
    if isinstance(source, bytes):
        return source.decode("utf-8", errors="replace")
    return source


def _slice(lines: List[str], span: Span) -> str:
    chosen = lines[span.line - 1 : span.end_line]
    if not chosen:
        return ""
    if len(chosen) == 1:
        return chosen[0][span.column - 1 : span.end_column - 1]
    return "".join([chosen[0][span.column - 1 :], *chosen[1:-1], chosen[-1][: span.end_column - 1]])


class _Scopes:
    """Enclosing def/class qualnames by line, from the file's ast (one parse per file with findings)."""

    def __init__(self, text: str):
        self.ranges: List[Tuple[int, int, str]] = []
        self.statements: List[Tuple[int, int]] = []
        try:
            tree = ast.parse(text)
        except (SyntaxError, ValueError):
            return
        self._walk(tree, "")

    def _walk(self, node: ast.AST, prefix: str) -> None:
        for child in ast.iter_child_nodes(node):
            if isinstance(child, ast.stmt):
                self.statements.append((child.lineno, _header_end(child)))
            if isinstance(child, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
                name = f"{prefix}.{child.name}" if prefix else child.name
                self.ranges.append((child.lineno, child.end_lineno or child.lineno, name))
                self._walk(child, name)
            else:
                self._walk(child, prefix)

    def scope(self, line: int) -> str:
        inside = [(start, name) for start, end, name in self.ranges if start <= line <= end]
        return max(inside)[1] if inside else ""

    def statement(self, span: Span) -> Tuple[int, int]:
        """The innermost statement holding the span (of a compound statement, its header), else the span's lines."""
        holding = [(s, e) for s, e in self.statements if s <= span.line and span.end_line <= e]
        if not holding:
            return span.line, span.end_line
        return max(holding, key=lambda se: (se[0], -se[1]))


def _header_end(statement: ast.stmt) -> int:
    """Last line of a simple statement, or of a compound statement's header (the line before its body)."""
    body = getattr(statement, "body", None)
    if isinstance(body, list) and body and isinstance(body[0], ast.stmt):
        return max(statement.lineno, body[0].lineno - 1)
    cases = getattr(statement, "cases", None)  # ast.Match (3.10+)
    if cases:
        return max(statement.lineno, cases[0].pattern.lineno - 1)
    return statement.end_lineno or statement.lineno


def _entries_of_file(path: str, findings: Sequence[Finding], text: str, root: str) -> List[Entry]:
    lines = text.splitlines(keepends=True)
    scopes = _Scopes(text)
    relative = _relative(path, root)
    counts: Dict[Tuple[str, ...], int] = defaultdict(int)
    entries = []
    for finding in sorted(findings, key=lambda f: (f.line, f.column, f.code)):
        start, end = scopes.statement(finding.span)
        statement = _normalise("".join(lines[start - 1 : end]))
        snippet = _normalise(_slice(lines, finding.span))
        key = (finding.code, scopes.scope(finding.line), statement, snippet)
        entries.append(Entry(finding.code, relative, key[1], statement, snippet, counts[key], finding.line,
                             finding.message))
        counts[key] += 1
    return entries


def _relative(path: str, root: str) -> str:
    return os.path.relpath(os.path.abspath(path), root).replace(os.sep, "/")


def _source_of(path: str, sources: Optional[Sources]) -> Optional[str]:
    if sources is not None and path in sources:
        return _text(sources[path])
    try:
        with open(path, "rb") as stream:
            return _text(stream.read())
    except OSError:
        return None


def entries_for(results: Sequence[FileResult], root: str, sources: Optional[Sources] = None) -> List[Entry]:
    """Fingerprint every finding of `results` (paths made relative to `root`); files are read unless in `sources`."""
    entries: List[Entry] = []
    for result in results:
        if not result.findings:
            continue
        text = _source_of(result.path, sources)
        entries.extend(_entries_of_file(result.path, result.findings, text or "", root))
    return entries


def write_baseline(path: str, results: Sequence[FileResult], sources: Optional[Sources] = None) -> int:
    """Record every finding of `results` in `path` (atomically); returns the number of entries."""
    from buffix.core.atomic import write_text_atomic

    root = os.path.dirname(os.path.abspath(path))
    entries = sorted(entries_for(results, root, sources), key=lambda e: (e.path, e.line, e.code, e.occurrence))
    document = {
        "format": FORMAT,
        "version": VERSION,
        "buffix_version": __version__,
        "entries": [
            {
                "code": e.code,
                "path": e.path,
                "scope": e.scope,
                "statement": e.statement,
                "snippet": e.snippet,
                "occurrence": e.occurrence,
                "line": e.line,
                "message": e.message,
                "fingerprint": e.fingerprint,
            }
            for e in entries
        ],
    }
    write_text_atomic(path, json.dumps(document, indent=2, ensure_ascii=False) + "\n")
    return len(entries)


MAX_BYTES = 256 * 1024 * 1024  # ~1M entries
_FIELDS = {"code": str, "path": str, "scope": str, "statement": str, "snippet": str, "occurrence": int}


def load_baseline(path: str) -> Baseline:
    """Read a baseline file; BaselineError (naming the file and the problem) when it is missing or malformed."""
    try:
        with open(path, "rb") as stream:  # bounded: `--baseline /dev/zero` must not read until the OOM killer
            raw = stream.read(MAX_BYTES + 1)
        if len(raw) > MAX_BYTES:
            raise BaselineError(f"{path}: not a buffix baseline (larger than {MAX_BYTES // 1024 // 1024} MiB)")
        document = json.loads(raw.decode("utf-8"))
    except RecursionError:
        raise BaselineError(f"{path}: not a buffix baseline (JSON nested too deeply)") from None
    except OSError as error:
        raise BaselineError(f"{path}: cannot read baseline: {error.strerror or error}") from None
    except (UnicodeDecodeError, json.JSONDecodeError) as error:
        raise BaselineError(f"{path}: not a buffix baseline (invalid JSON: {error})") from None
    if not isinstance(document, dict) or document.get("format") != FORMAT:
        raise BaselineError(f"{path}: not a buffix baseline (expected a JSON object with \"format\": \"{FORMAT}\")")
    version = document.get("version")
    if type(version) is not int or version != VERSION:  # `true == 1`: a bool is not a version
        raise BaselineError(
            f"{path}: baseline format version {version!r} is not supported (this buffix reads version {VERSION}); "
            "write it again with --write-baseline"
        )
    raw_entries = document.get("entries")
    if not isinstance(raw_entries, list):
        raise BaselineError(f"{path}: \"entries\" must be a list")
    entries = []
    for number, raw in enumerate(raw_entries):
        if not isinstance(raw, dict):
            raise BaselineError(f"{path}: entry {number} must be an object")
        for name, kind in _FIELDS.items():
            if not isinstance(raw.get(name), kind) or isinstance(raw.get(name), bool):
                raise BaselineError(f"{path}: entry {number}: \"{name}\" must be a {kind.__name__}")
        line, message = raw.get("line", 0), raw.get("message", "")
        entries.append(Entry(**{name: raw[name] for name in _FIELDS},
                             line=line if isinstance(line, int) else 0,
                             message=message if isinstance(message, str) else ""))
    return Baseline(os.path.dirname(os.path.abspath(path)), tuple(entries))


def filter_new(results: Sequence[FileResult], baseline: Baseline, sources: Optional[Sources] = None,
               checked: Optional[Iterable[str]] = None) -> Tuple[List[FileResult], List[Entry]]:
    """Drop the findings the baseline records; return the results with only new findings, and the stale entries.

    Stale entries are those of files checked in this run that no finding matched: `checked` names every file
    checked (include those the prefilter skipped); by default, the paths of `results`.
    """
    remaining: Dict[str, int] = defaultdict(int)
    for entry in baseline.entries:
        remaining[entry.fingerprint] += 1
    new_results = []
    for result in results:
        if not result.findings:
            new_results.append(result)
            continue
        text = _source_of(result.path, sources) or ""
        ordered = sorted(result.findings, key=lambda f: (f.line, f.column, f.code))
        kept = []
        for finding, entry in zip(ordered, _entries_of_file(result.path, ordered, text, baseline.root)):
            if remaining[entry.fingerprint] > 0:
                remaining[entry.fingerprint] -= 1
            else:
                kept.append(finding)
        new_results.append(replace(result, findings=tuple(kept)))
    paths = checked if checked is not None else (r.path for r in results)
    checked_here = {_relative(p, baseline.root) for p in paths}
    stale = []
    for entry in baseline.entries:
        if entry.path in checked_here and remaining[entry.fingerprint] > 0:
            remaining[entry.fingerprint] -= 1
            stale.append(entry)
    return new_results, stale
