"""GitHub Actions workflow commands: one `::error …::message` annotation per finding and per unreadable file."""

from __future__ import annotations

from typing import Sequence

from buffix.core.findings import FileResult
from buffix.report.common import ReportOptions, errors_in_order, findings_in_order


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
                ("file", f.path),
                ("line", f.line),
                ("col", f.column),
                ("endLine", f.end_line),
                ("endColumn", f.end_column),
                ("title", f"buffix ({f.code})"),
            ),
            f.message,
        )
        for f in findings_in_order(results)
    ]
    lines += [command((("file", e.path), ("title", "buffix (error)")), e.message) for e in errors_in_order(results)]
    return "".join(line + "\n" for line in lines)
