"""GitLab Code Quality: a JSON array of issues (`artifacts: reports: codequality:`), one per finding and one per file
buffix could not check. The fields are those GitLab reads (description, check_name, fingerprint, severity,
location.path, location.lines.begin) plus Code Climate's `type` and `categories`; the shape is
docs/schemas/gitlab-code-quality.schema.json, explained in docs/output.md.
"""

from __future__ import annotations

import hashlib
import json
from typing import Any, Dict, List, Sequence

from buffix.core.findings import FileResult
from buffix.report.common import Reported, ReportOptions, errors_in_order, report_path, reported

# GitLab's severity for each SARIF level (GitLab: info, minor, major, critical, blocker); a file buffix could not
# check is `critical`: nothing in it was checked
SEVERITY = {"error": "major", "warning": "minor", "note": "info"}
ERROR_SEVERITY = "critical"


def issue(item: Reported) -> Dict[str, Any]:
    finding = item.finding
    return {
        "type": "issue",
        "check_name": finding.code,
        "description": f"{item.rule}: {finding.message} (docs: {item.docs})",
        "categories": ["Bug Risk"],
        "fingerprint": item.fingerprint,
        "severity": SEVERITY[item.severity],
        "location": {"path": item.path, "lines": {"begin": finding.line, "end": finding.end_line}},
    }


def error_issue(path: str, message: str) -> Dict[str, Any]:
    fingerprint = hashlib.sha256("\0".join(("buffix error", path, message)).encode("utf-8", "backslashreplace"))
    return {
        "type": "issue",
        "check_name": "buffix error",
        "description": f"buffix could not check this file: {message}",
        "categories": ["Bug Risk"],
        "fingerprint": fingerprint.hexdigest()[:32],
        "severity": ERROR_SEVERITY,
        "location": {"path": path, "lines": {"begin": 1}},
    }


def render(results: Sequence[FileResult], options: ReportOptions) -> str:
    issues: List[Dict[str, Any]] = [issue(item) for item in reported(results, options)]
    issues += [error_issue(report_path(e.path, options.base), e.message) for e in errors_in_order(results)]
    return json.dumps(issues, indent=2) + "\n"
