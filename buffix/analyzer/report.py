"""Last stage of `buffix check`: render results (text and json; other formats plug in here)."""

from __future__ import annotations

import json
from typing import Any, Dict, List, Sequence

from buffix.findings import FileResult, Finding


def finding_dict(finding: Finding) -> Dict[str, Any]:
    fix = None
    if finding.fix is not None:
        fix = {
            "applicability": finding.fix.applicability,
            "targets": [vars(t) for t in finding.fix.targets],
            "reason": finding.fix.reason,
        }
    return {
        "code": finding.code,
        "message": finding.message,
        "path": finding.path,
        "line": finding.line,
        "column": finding.column,
        "end_line": finding.end_line,
        "end_column": finding.end_column,
        "confidence": finding.confidence,
        "fix": fix,
        "flow": [
            {"path": step.path or finding.path, "line": step.span.line, "column": step.span.column,
             "description": step.description}
            for step in finding.flow
        ],
    }


def render_json(results: Sequence[FileResult]) -> str:
    return json.dumps([finding_dict(f) for r in results for f in r.findings], indent=2)


def render_text(results: Sequence[FileResult], checked: int, skipped: int) -> str:
    lines: List[str] = []
    for result in results:
        for f in result.findings:
            lines.append(f"{f.path}:{f.line}:{f.column}: {f.code} {f.message}")
    count = sum(len(r.findings) for r in results)
    files = sum(1 for r in results if r.findings)
    errors = sum(1 for r in results if r.error is not None)
    summary = f"Found {count} finding{'s' if count != 1 else ''} in {files} file{'s' if files != 1 else ''}" \
        if count else "No findings"
    summary += f" ({checked} file{'s' if checked != 1 else ''} checked, {skipped} skipped by the prefilter"
    summary += f", {errors} error{'s' if errors != 1 else ''})" if errors else ")"
    lines.append(summary)
    return "\n".join(lines)


def render_errors(results: Sequence[FileResult]) -> List[str]:
    return [f"{r.error.path}: error: {r.error.message}" for r in results if r.error is not None]
