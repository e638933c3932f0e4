"""The JSON report, version 1: `{"version": 1, "findings": [...], "errors": [...]}` (docs/output.md; its schema is
docs/schemas/buffix-report-v1.schema.json). With --statistics, `statistics` replaces `findings`.

VERSION changes only when a field is removed, renamed or changes meaning; new fields are added without a change,
so a reader ignores keys it does not know.
"""

from __future__ import annotations

import json
from typing import Any, Dict, List, Optional, Sequence

from buffix.core.findings import FileResult
from buffix.report.common import Reported, ReportOptions, edits_of, errors_in_order, report_path, reported

VERSION = 1


def finding_object(item: Reported, options: ReportOptions) -> Dict[str, Any]:
    finding = item.finding
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
        "name": item.name,
        "severity": item.severity,
        "docs": item.docs,
        "message": finding.message,
        "path": item.path,
        "line": finding.line,
        "column": finding.column,
        "end_line": finding.end_line,
        "end_column": finding.end_column,
        "confidence": finding.confidence,
        "fingerprint": item.fingerprint,
        "fix": fix,
        "flow": _flow(finding.flow, item.path, options),
        **({"other_flows": [_flow(flow, item.path, options) for flow in finding.also]} if finding.also else {}),
    }


def _flow(flow, path: str, options: ReportOptions) -> List[Dict[str, Any]]:
    return [
        {
            "path": report_path(step.path, options.base) if step.path else path,
            "line": step.span.line,
            "column": step.span.column,
            "description": step.description,
        }
        for step in flow
    ]


def error_objects(results: Sequence[FileResult], options: ReportOptions) -> List[Dict[str, str]]:
    return [{"path": report_path(e.path, options.base), "message": e.message} for e in errors_in_order(results)]


def dumps(document: Dict[str, Any]) -> str:
    return json.dumps(document, indent=2) + "\n"


def render(results: Sequence[FileResult], options: ReportOptions) -> str:
    findings = [finding_object(item, options) for item in reported(results, options)]
    return dumps({"version": VERSION, "findings": findings, "errors": error_objects(results, options)})
