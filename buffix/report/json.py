"""A JSON array of finding objects, one per finding, with the fix's edits and the flow."""

from __future__ import annotations

import json
from typing import Any, Dict, Optional, Sequence

from buffix.core.findings import FileResult, Finding
from buffix.report.common import ReportOptions, edits_of, findings_in_order


def finding_object(finding: Finding, options: ReportOptions) -> Dict[str, Any]:
    fix: Optional[Dict[str, Any]] = None
    if finding.fix is not None:
        fix = {
            "applicability": finding.fix.applicability,
            "reason": finding.fix.reason,
            "edits": [
                {
                    "line": e.span.line,
                    "column": e.span.column,
                    "end_line": e.span.end_line,
                    "end_column": e.span.end_column,
                    "replacement": e.replacement,
                }
                for e in edits_of(finding, options.edits_for)
            ],
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
            {
                "path": step.path or finding.path,
                "line": step.span.line,
                "column": step.span.column,
                "description": step.description,
            }
            for step in finding.flow
        ],
    }


def render(results: Sequence[FileResult], options: ReportOptions) -> str:
    return json.dumps([finding_object(f, options) for f in findings_in_order(results)], indent=2) + "\n"
