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
    base: str = "."  # machine formats write paths relative to this directory (SARIF: uriBaseId %SRCROOT%)
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


@dataclass(frozen=True)
class Reported:
    """A finding as the machine-readable formats carry it: its report path and its rule's facts."""

    finding: Finding
    path: str  # report_path of the finding's file
    name: str  # the rule's name, "" for an unknown code
    severity: str  # the rule family's SARIF level: "error" | "warning" | "note"
    docs: str  # docs_reference
    fingerprint: str  # buffix.report.fingerprint

    @property
    def rule(self) -> str:
        """Code and name, `BFX102 bytesio-of-body` (the code alone when no rule has it)."""
        return f"{self.finding.code} {self.name}" if self.name else self.finding.code


def reported(results: Sequence[FileResult], options: ReportOptions) -> List[Reported]:
    """Every finding in report order, with what every machine-readable format says about it."""
    from buffix.knowledge.rules import level_of
    from buffix.report.fingerprint import fingerprints

    findings = [(f, report_path(f.path, options.base)) for f in findings_in_order(results)]
    return [Reported(finding, path, rule_name(finding.code, options), level_of(finding.code),
                     docs_reference(finding.code), fingerprint)
            for (finding, path), fingerprint in zip(findings, fingerprints(findings))]


def findings_in_order(results: Sequence[FileResult]) -> Iterator[Finding]:
    for result in sorted(results, key=lambda r: r.path):
        findings = result.findings
        # the analyzer's are in order already, and packed: sorted, they would all be objects at once (~1 KB each)
        yield from findings if _in_order(findings) else sorted(findings, key=_position)


def _position(finding: Finding) -> Tuple[int, int, str]:
    return finding.line, finding.column, finding.code


def _in_order(findings: Sequence[Finding]) -> bool:
    last = None
    for finding in findings:
        here = _position(finding)
        if last is not None and here < last:
            return False
        last = here
    return True


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


def report_path(path: str, base: str) -> str:
    """How a machine-readable report names `path`: relative to `base`, forward slashes (`../` when outside it);
    `-` (stdin without --stdin-filename) stays `-`."""
    return path if path == "-" else posix_relative(path, base)[0]


def rule_name(code: str, options: ReportOptions) -> str:
    """The rule's kebab-case name (`bytesio-of-body`); "" for a code no rule has."""
    return str(getattr(rule_table(options).get(code), "name", ""))


def docs_reference(code: str) -> str:
    """Where a rule's docs are, in every installation: the command that prints them."""
    return f"buffix explain {code}"


def posix_relative(path: str, base: str) -> Tuple[str, bool]:
    """`path` relative to `base` with forward slashes, and whether it lies inside `base`."""
    absolute = os.path.abspath(path)
    try:
        relative = os.path.relpath(absolute, os.path.abspath(base))
    except ValueError:  # another drive on Windows
        return absolute.replace(os.sep, "/"), False
    inside = relative != os.pardir and not relative.startswith(os.pardir + os.sep)
    return relative.replace(os.sep, "/"), inside
