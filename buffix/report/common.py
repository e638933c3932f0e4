"""What every formatter shares: the options of one report, which fixes apply, and the edits of a fix."""

from __future__ import annotations

import os
from dataclasses import dataclass
from typing import Any, Callable, Iterator, List, Mapping, Optional, Sequence, Tuple

from buffix.core.findings import FileError, FileResult, Finding, Span

# The fixer supplies the concrete edits of a finding's fix; reporters do not depend on it.
EditsFor = Callable[[Finding], Sequence[Any]]


@dataclass(frozen=True)
class TextEdit:
    """Replace the characters of `span` by `replacement` (positions as in buffix.core.findings)."""

    span: Span
    replacement: str


@dataclass(frozen=True)
class ReportOptions:
    unsafe_fixes: bool = False  # whether unsafe fixes would be applied (decides the [*] marker and "fixable")
    verbose: bool = False  # text: show each finding's flow, confidence and fix safety
    quiet: bool = False  # text: findings only, no summary
    color: bool = False  # text: ANSI colour through click.style
    show_fixes: bool = False  # text: list the edits of each applicable fix
    base: str = "."  # SARIF: artifact URIs are relative to this directory (uriBaseId %SRCROOT%)
    edits_for: Optional[EditsFor] = None
    rules: Optional[Mapping[str, Any]] = None  # code -> buffix.knowledge.rules.Rule; None: all shipped rules
    files_checked: Optional[int] = None  # text summary: files checked, when results omit prefilter-skipped files


def applies(finding: Finding, unsafe_fixes: bool) -> bool:
    """True when `buffix fix` would apply this finding's fix under the current --unsafe-fixes setting."""
    return finding.fix is not None and (finding.fix.applicability == "safe" or unsafe_fixes)


def edits_of(finding: Finding, edits_for: Optional[EditsFor]) -> List[TextEdit]:
    """The concrete edits of a finding's fix: TextEdit, the fixer's Edit (span, after) or (span, text) pairs."""
    if finding.fix is None or edits_for is None:
        return []
    edits = []
    for item in edits_for(finding) or ():
        if isinstance(item, TextEdit):
            edits.append(item)
        elif isinstance(item, tuple):
            span, text = item
            edits.append(TextEdit(span, text))
        else:
            replacement = getattr(item, "replacement", None)
            edits.append(TextEdit(item.span, item.after if replacement is None else replacement))
    return edits


def findings_in_order(results: Sequence[FileResult]) -> Iterator[Finding]:
    for result in sorted(results, key=lambda r: r.path):
        yield from sorted(result.findings, key=lambda f: (f.line, f.column, f.code))


def errors_in_order(results: Sequence[FileResult]) -> List[FileError]:
    return [r.error for r in sorted(results, key=lambda r: r.path) if r.error is not None]


def rule_table(options: ReportOptions) -> Mapping[str, Any]:
    if options.rules is not None:
        return options.rules
    from buffix.knowledge.rules import all_rules

    return all_rules()


def count(number: int, noun: str, plural: Optional[str] = None) -> str:
    return f"{number} {noun if number == 1 else (plural or noun + 's')}"


def error_line(error: FileError) -> str:
    """The one line that names a file buffix could not check and why (printed on stderr)."""
    return f"{error.path}: error: {error.message}"


def posix_relative(path: str, base: str) -> Tuple[str, bool]:
    """`path` relative to `base` with forward slashes, and whether it lies inside `base`."""
    absolute = os.path.abspath(path)
    try:
        relative = os.path.relpath(absolute, os.path.abspath(base))
    except ValueError:  # another drive on Windows
        return absolute.replace(os.sep, "/"), False
    inside = relative != os.pardir and not relative.startswith(os.pardir + os.sep)
    return relative.replace(os.sep, "/"), inside
