"""Findings a run observed (`buffix run --observe FILE`, `pytest --buffix-runtime=observe`): written through buffix's
own JSON report writer, merged across the processes of a run, and read back by `check/fix --observed FILE`.

The file is the JSON report (buffix.report.json; a plain list of finding objects, the form before version 1, is read
too). Its paths are relative to the file's own directory, so the file means the same from any working directory.
"""

from __future__ import annotations

import json
import linecache
import os
import re
from typing import Any, Dict, List, Sequence, Tuple

from buffix.core.findings import FileResult, Finding, Fix, FlowStep, Span

_COUNT = re.compile(r" (\d+) time\(s\) ")


class ObservedFileError(ValueError):
    """The observed-findings file cannot be read: one line naming it and the cause."""


def read_objects(path: str) -> List[Dict[str, Any]]:
    try:
        with open(path, encoding="utf-8") as handle:
            data = json.loads(handle.read(64 << 20))
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as error:
        raise ObservedFileError(f"{path}: cannot read observed findings: {error}") from None
    items = data.get("findings") if isinstance(data, dict) else data
    if not isinstance(items, list) or not all(isinstance(item, dict) for item in items):
        raise ObservedFileError(f"{path}: not a buffix JSON report (a list of findings or an object with findings)")
    return items


def _resolve(path: str, base: str) -> str:
    return path if path == "-" or os.path.isabs(path) else os.path.normpath(os.path.join(base, path))


def finding_from_object(item: Dict[str, Any], base: str = ".") -> Finding:
    """A finding of the file's JSON; relative paths are resolved against `base`, the file's directory."""
    try:
        span = Span(int(item["line"]), int(item["column"]), int(item["end_line"]), int(item["end_column"]))
        fix = None
        if isinstance(item.get("fix"), dict):
            targets = tuple(Span(int(e["line"]), int(e["column"]), int(e["end_line"]), int(e["end_column"]))
                            for e in item["fix"].get("edits", ()))
            fix = Fix(str(item["fix"].get("applicability", "safe")), targets, str(item["fix"].get("reason", "")))
        flow = tuple(FlowStep(Span(int(s["line"]), int(s["column"]), int(s["line"]), int(s["column"])),
                              str(s.get("description", "")), _resolve(str(s["path"]), base) if s.get("path") else None)
                     for s in item.get("flow", ()))
        return Finding(str(item["code"]), str(item["message"]), _resolve(str(item["path"]), base), span,
                       str(item.get("confidence", "confirmed")), flow, fix)
    except (KeyError, TypeError, ValueError) as error:
        raise ObservedFileError(f"a finding without a usable {error}") from None


def read(path: str) -> List[Finding]:
    base = os.path.dirname(os.path.abspath(path))
    return [finding_from_object(item, base) for item in read_objects(path)]


def _slice_edit(finding: Finding) -> List[Tuple[Span, str]]:
    """The slice edit of each fix target, from the source text (`x` -> `x[:]`)."""
    edits = []
    for target in finding.fix.targets if finding.fix else ():
        lines = [linecache.getline(finding.path, n) for n in range(target.line, target.end_line + 1)]
        if len(lines) == 1:
            text = lines[0][target.column - 1:target.end_column - 1]
        else:
            text = lines[0][target.column - 1:] + "".join(lines[1:-1]) + lines[-1][:target.end_column - 1]
        edits.append((target, text + "[:]"))
    return edits


def _key(finding: Finding) -> Tuple[Any, ...]:
    return finding.path, finding.span, finding.code


def _count(finding: Finding) -> int:
    match = _COUNT.search(finding.message)
    return int(match.group(1)) if match else 1


def merge(old: Sequence[Finding], new: Sequence[Finding]) -> List[Finding]:
    """One finding per site: counts add up."""
    merged: Dict[Tuple[Any, ...], Finding] = {}
    for finding in [*old, *new]:
        seen = merged.get(_key(finding))
        if seen is not None:
            total = _count(seen) + _count(finding)
            finding = Finding(seen.code, _COUNT.sub(f" {total} time(s) ", seen.message, count=1), seen.path,
                              seen.span, seen.confidence, seen.flow, seen.fix)
        merged[_key(finding)] = finding
    return sorted(merged.values(), key=lambda f: (f.path, f.line, f.column, f.code))


def render(findings: Sequence[Finding], base: str = ".") -> str:
    """The JSON report of `findings`, paths relative to `base` (the directory of the file it is written to)."""
    from buffix.report.common import ReportOptions
    from buffix.report.json import render as render_json

    by_path: Dict[str, List[Finding]] = {}
    for finding in findings:
        by_path.setdefault(finding.path, []).append(finding)
    results = [FileResult(path, tuple(items)) for path, items in by_path.items()]
    return render_json(results, ReportOptions(unsafe_fixes=True, edits_for=_slice_edit, base=base))


def merge_write(path: str, findings: Sequence[Finding]) -> None:
    """Merge into `path` under an exclusive lock (the processes of one run), written by the project's one writer."""
    import fcntl

    folder = os.open(os.path.dirname(os.path.abspath(path)), os.O_RDONLY)
    try:
        fcntl.flock(folder, fcntl.LOCK_EX)  # the directory: no lock file left behind
        try:
            old = read(path) if os.path.exists(path) and os.path.getsize(path) else []
        except ObservedFileError:
            old = []
        from buffix.core.atomic import write_text_atomic

        write_text_atomic(path, render(merge(old, findings), os.path.dirname(os.path.abspath(path))))
    finally:
        os.close(folder)


ALSO_OBSERVED = " [confirmed at run time]"
OBSERVED_ONLY = "observed at run time, missed by the analyzer: "


def merge_into(results: Sequence[FileResult], observed: Sequence[Finding]) -> List[FileResult]:
    """Static results with the observed findings of the same files: a static finding on an observed site is
    marked confirmed; an observed site no static finding covers is added, labelled as missed by the analyzer."""
    by_file: Dict[str, List[Finding]] = {}
    for finding in observed:
        by_file.setdefault(os.path.realpath(finding.path), []).append(finding)
    merged = []
    for result in results:
        extra = by_file.get(os.path.realpath(result.path), [])
        if not extra:
            merged.append(result)
            continue
        findings = []
        matched = set()
        for finding in result.findings:
            hits = [i for i, seen in enumerate(extra) if _overlaps(finding.span, seen.span)]
            matched.update(hits)
            if hits:
                finding = Finding(finding.code, finding.message + ALSO_OBSERVED, finding.path, finding.span,
                                  finding.confidence, finding.flow, finding.fix)
            findings.append(finding)
        for i, seen in enumerate(extra):
            if i not in matched:
                findings.append(Finding(seen.code, OBSERVED_ONLY + seen.message, result.path, seen.span, "high",
                                        seen.flow, seen.fix))
        merged.append(FileResult(result.path, tuple(findings), result.error))
    return merged


def _overlaps(a: Span, b: Span) -> bool:
    return (a.line, a.column) < (b.end_line, b.end_column) and (b.line, b.column) < (a.end_line, a.end_column)


def read_or_fail(path: str) -> List[Finding]:
    """The findings in `path`, or one line naming the file and the cause, and exit 2."""
    try:
        return read(path)
    except ObservedFileError as error:
        import click

        click.echo(f"buffix: {error}", err=True)
        raise SystemExit(2) from None


def with_observed(results: Sequence[FileResult], path: str) -> List[FileResult]:
    """`check/fix --observed FILE`: the static results merged with the observed findings."""
    return merge_into(results, read_or_fail(path))
