"""SARIF 2.1.0: rule metadata from the rule docs, results with flows, fixes and fingerprints, file errors as
notifications.

Columns are code points (`columnKind: unicodeCodePoints`), end columns exclusive, as SARIF regions define them.
Artifact URIs are relative to the report's base directory (--report-root, default the current directory), named
`%SRCROOT%` in `originalUriBaseIds`. Each result has `partialFingerprints["buffix/v1"]` (buffix.report.fingerprint);
each rule `properties.precision` and `properties["problem.severity"]`, as GitHub code scanning reads them.
"""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any, Dict, List, Mapping, Sequence
from urllib.parse import quote

from buffix import __version__
from buffix.core.findings import FileResult, Span
from buffix.knowledge.rules import level_of, precision_of
from buffix.report.common import (
    Reported,
    ReportOptions,
    docs_reference,
    edits_of,
    errors_in_order,
    posix_relative,
    reported,
    rule_table,
)
from buffix.report.fingerprint import KEY as FINGERPRINT_KEY

SCHEMA_URI = "https://json.schemastore.org/sarif-2.1.0.json"
BASE_ID = "%SRCROOT%"
# GitHub code scanning's `problem.severity` for each SARIF level
PROBLEM_SEVERITY = {"error": "error", "warning": "warning", "note": "recommendation"}


def default_level(code: str) -> str:
    """The level its family module gives a code (buffix/knowledge/rules/*.py: LEVEL)."""
    return level_of(code)


def _descriptor(code: str, rule: Any) -> Dict[str, Any]:
    level = default_level(code)
    properties: Dict[str, Any] = {"precision": precision_of(code), "problem.severity": PROBLEM_SEVERITY[level],
                                  "docs": docs_reference(code)}
    descriptor: Dict[str, Any] = {"id": code, "defaultConfiguration": {"level": level}, "properties": properties}
    if rule is not None:
        descriptor.update(
            name=rule.name,
            shortDescription={"text": rule.summary},
            fullDescription={"text": " ".join(rule.what.split())},
            help={"text": rule.docs, "markdown": rule.docs},
        )
        properties["fixable"] = bool(rule.fixable)
    return descriptor


class _Locator:
    def __init__(self, base: str):
        self.base = base

    def artifact(self, path: str) -> Dict[str, Any]:
        relative, inside = posix_relative(path, self.base)
        if inside:
            return {"uri": quote(os.fsencode(relative)), "uriBaseId": BASE_ID}  # a non-UTF-8 name: its bytes
        return {"uri": Path(os.path.abspath(path)).as_uri()}

    def location(self, path: str, span: Span, message: str = "") -> Dict[str, Any]:
        location: Dict[str, Any] = {
            "physicalLocation": {"artifactLocation": self.artifact(path), "region": region(span)}
        }
        if message:
            location["message"] = {"text": message}
        return location


def region(span: Span) -> Dict[str, int]:
    return {"startLine": span.line, "startColumn": span.column, "endLine": span.end_line, "endColumn": span.end_column}


def _result(item: Reported, index: int, locate: _Locator, options: ReportOptions) -> Dict[str, Any]:
    finding = item.finding
    result: Dict[str, Any] = {
        "ruleId": finding.code,
        "ruleIndex": index,
        "level": item.severity,
        "message": {"text": finding.message},
        "locations": [locate.location(finding.path, finding.span)],
        "partialFingerprints": {FINGERPRINT_KEY: item.fingerprint},
        "properties": {"confidence": finding.confidence},
    }
    if finding.flow:
        steps = [
            {"location": locate.location(step.path or finding.path, step.span, step.description)}
            for step in finding.flow
        ]
        result["codeFlows"] = [{"threadFlows": [{"locations": steps}]}]
    edits = edits_of(finding, options.edits_for)
    if finding.fix is not None and edits:
        reason = f": {finding.fix.reason}" if finding.fix.reason else ""
        result["fixes"] = [
            {
                "description": {"text": f"Slice the argument ({finding.fix.applicability} fix{reason})"},
                "artifactChanges": [
                    {
                        "artifactLocation": locate.artifact(finding.path),
                        "replacements": [
                            {"deletedRegion": region(e.span), "insertedContent": {"text": e.replacement}} for e in edits
                        ],
                    }
                ],
                "properties": {"applicability": finding.fix.applicability},
            }
        ]
    return result


def sarif_log(results: Sequence[FileResult], options: ReportOptions) -> Dict[str, Any]:
    rules: Mapping[str, Any] = rule_table(options)
    findings = reported(results, options)
    codes = list(rules) + sorted({f.finding.code for f in findings} - set(rules))  # unknown codes get one too
    index = {code: i for i, code in enumerate(codes)}
    locate = _Locator(options.base)
    errors = errors_in_order(results)
    driver = {
        "name": "buffix",
        "version": __version__,
        "semanticVersion": __version__,
        "rules": [_descriptor(code, rules.get(code)) for code in codes],
    }
    invocation = {
        "executionSuccessful": not errors,
        "toolExecutionNotifications": [
            {
                "level": "error",
                "message": {"text": e.message},
                "locations": [{"physicalLocation": {"artifactLocation": locate.artifact(e.path)}}],
            }
            for e in errors
        ],
    }
    base_uri = Path(os.path.abspath(options.base)).as_uri().rstrip("/") + "/"
    run = {
        "tool": {"driver": driver},
        "invocations": [invocation],
        "originalUriBaseIds": {BASE_ID: {"uri": base_uri}},
        "columnKind": "unicodeCodePoints",
        "results": [_result(f, index[f.finding.code], locate, options) for f in findings],
    }
    return {"$schema": SCHEMA_URI, "version": "2.1.0", "runs": [run]}


def render(results: Sequence[FileResult], options: ReportOptions) -> str:
    return json.dumps(sarif_log(results, options), indent=2) + "\n"


__all__: List[str] = ["render", "sarif_log", "default_level", "region"]
