"""`path:line:col: CODE [*] message` lines; under --verbose the source line with carets under the finding (as ruff's
full output shows it), the flow, confidence and fix safety; and a summary line."""

from __future__ import annotations

import os
from typing import Dict, List, Optional, Sequence

import click

from buffix.core.findings import FileResult, Finding
from buffix.report.common import (
    ReportOptions,
    applies,
    count,
    docs_reference,
    edits_of,
    findings_in_order,
    report_path,
    rule_name,
)


def render(results: Sequence[FileResult], options: ReportOptions) -> str:
    def style(text: str, **how) -> str:
        return click.style(text, **how) if options.color else text

    lines: List[str] = []
    sources: Dict[str, Optional[List[str]]] = {}
    for finding in findings_in_order(results):
        marker = style("[*] ", fg="cyan") if applies(finding, options.unsafe_fixes) else ""
        where = style(f"{finding.path}:{finding.line}:{finding.column}:", bold=True)
        lines.append(f"{where} {style(finding.code, fg='red', bold=True)} {marker}{finding.message}")
        if options.verbose:
            if finding.path not in sources:
                sources[finding.path] = _source_lines(finding.path)
            lines.extend(_snippet(finding, sources[finding.path], style))
            lines.extend(_details(finding, options))
        if options.show_fixes and applies(finding, options.unsafe_fixes):
            for edit in edits_of(finding, options.edits_for):
                span = edit.span
                where = f"{span.line}:{span.column}-{span.end_line}:{span.end_column}"
                lines.append(f"    fix: {where} -> {edit.replacement!r}")
    if not options.quiet:
        lines.extend(summary(results, options))
    lines.append("")  # each line ends with a break; joined from the list, not from a copy of every line
    return "\n".join(lines)


def _source_lines(path: str) -> Optional[List[str]]:
    from buffix.core.source import SourceError, decode, split_lines

    try:
        with open(path, "rb") as handle:
            return split_lines(decode(handle.read()).text)
    except (OSError, SourceError):  # changed or gone since it was checked: no snippet, the finding still stands
        return None


def _snippet(finding: Finding, source: Optional[List[str]], style) -> List[str]:
    """The finding's first line with `^` under its columns (to the line's end when the finding spans lines)."""
    if source is None or not 0 < finding.line <= len(source):
        return []
    text = source[finding.line - 1]
    end = finding.end_column if finding.end_line == finding.line else len(text) + 1
    start = len(text[: finding.column - 1].expandtabs(4))
    width = max(1, len(text[: end - 1].expandtabs(4)) - start)
    number = str(finding.line)
    gutter = style(" " * len(number) + " |", fg="blue", bold=True)
    return [gutter, style(f"{number} |", fg="blue", bold=True) + " " + text.expandtabs(4),
            gutter + " " + " " * start + style("^" * width, fg="red", bold=True)]


def _details(finding: Finding, options: ReportOptions) -> List[str]:
    lines = []
    for number, step in enumerate(finding.flow, 1):
        lead = "    flow: " if number == 1 else "          "
        where = f"{_step_path(step.path, finding.path)}:{step.span.line}:{step.span.column}"
        lines.append(f"{lead}{number}. {where} {step.description}")
    lines.append(f"    confidence: {finding.confidence}")
    if finding.fix is not None:
        reason = f" ({finding.fix.reason})" if finding.fix.reason else ""
        hidden = "" if applies(finding, options.unsafe_fixes) else ", enable with --unsafe-fixes"
        lines.append(f"    fix: {finding.fix.applicability}{reason}{hidden}")
    name = rule_name(finding.code, options)
    lines.append(f"    rule: {finding.code}{' ' + name if name else ''} (docs: {docs_reference(finding.code)})")
    return lines


def _step_path(step: Optional[str], finding: str) -> str:
    """A hop in another module is named like the finding's file: relative to the current directory unless the
    finding's own path was given absolute."""
    if step is None:
        return finding
    return step if os.path.isabs(finding) else report_path(step, ".")


def summary(results: Sequence[FileResult], options: ReportOptions) -> List[str]:
    found = fixable = hidden = 0  # counted one finding at a time: packed findings are made again as they are read
    for result in results:
        for f in result.findings:
            found += 1
            fixable += applies(f, options.unsafe_fixes)
            hidden += f.fix is not None and not applies(f, options.unsafe_fixes)
    errors = sum(r.error is not None for r in results)
    files = len(results) if options.files_checked is None else options.files_checked
    lines = [
        f"{count(files, 'file')} checked, {count(found, 'finding')} ({fixable} fixable), "
        f"{count(errors, 'error')}"
    ]
    if hidden:
        lines.append(f"{count(hidden, 'more fix', 'more fixes')} available with --unsafe-fixes.")
    return lines
