"""GitHub Actions workflow commands: one annotation per finding, `::error` or `::warning` as the rule family's SARIF
level says (buffix/knowledge/rules/*.py: LEVEL; a `note` is `::notice`), and one `::error` per file buffix could not
check. Paths are relative to the report's base (the repository root in Actions, where the runner resolves them)."""

from __future__ import annotations

from typing import Sequence

from buffix.core.findings import FileResult
from buffix.report.common import ReportOptions, errors_in_order, report_path, reported

# workflow command for each SARIF level
COMMANDS = {"error": "error", "warning": "warning", "note": "notice"}


def escape_data(text: str) -> str:
    """Message text, escaped as the Actions runner expects (actions/toolkit `escapeData`)."""
    return text.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")


def escape_property(text: str) -> str:
    """A property value: also `:` and `,`, which separate properties (actions/toolkit `escapeProperty`)."""
    return escape_data(text).replace(":", "%3A").replace(",", "%2C")


def command(properties: Sequence[tuple], message: str, level: str = "error") -> str:
    joined = ",".join(f"{key}={escape_property(str(value))}" for key, value in properties)
    return f"::{level} {joined}::{escape_data(message)}"


def render(results: Sequence[FileResult], options: ReportOptions) -> str:
    lines = [
        command(
            (
                ("file", item.path),
                ("line", item.finding.line),
                ("col", item.finding.column),
                ("endLine", item.finding.end_line),
                ("endColumn", item.finding.end_column),
                ("title", f"buffix ({item.rule})"),
            ),
            f"{item.finding.message}\nDocs: {item.docs}",
            COMMANDS[item.severity],
        )
        for item in reported(results, options)
    ]
    lines += [command((("file", report_path(e.path, options.base)), ("title", "buffix (error)")), e.message)
              for e in errors_in_order(results)]
    return "".join(line + "\n" for line in lines)
