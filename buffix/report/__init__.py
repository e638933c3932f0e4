"""Reports over `Sequence[FileResult]`: the formats of FORMATS, --statistics, --output, --output-format, progress.

    options = ReportOptions(unsafe_fixes=False, verbose=False, color=use_color(None), edits_for=None)
    emit("sarif", results, options, output="buffix.sarif")   # report to the file, error lines on stderr

Each format is a module with `render(results, options) -> str` and an entry in FORMATS, which `check --format` and
`--output-format` offer. File errors always get one line each on stderr (`error_lines`); every format but text also
carries them in the report. docs/output.md describes each format.
"""

from __future__ import annotations

import dataclasses
import importlib
import os
import sys
from dataclasses import dataclass
from typing import IO, Dict, List, Optional, Sequence, Tuple

import click

from buffix.core.findings import FileResult
from buffix.report.common import EditsFor, ReportOptions, TextEdit, applies, error_line, errors_in_order


@dataclass(frozen=True)
class Format:
    name: str  # also the module under buffix.report that renders it
    purpose: str  # for `--format`'s help: "<name> <purpose>"
    carries_edits: bool = False  # the report holds each fix's edits (ReportOptions.edits_for)
    statistics: Optional[str] = None  # the --statistics rendering, "text" or "json"; None: it cannot carry them


FORMATS: Dict[str, Format] = {f.name: f for f in (
    Format("text", "for people", statistics="text"),
    Format("json", "for tools (versioned, docs/output.md)", carries_edits=True, statistics="json"),
    Format("sarif", "for code scanning", carries_edits=True),
    Format("github", "for Actions annotations"),
    Format("gitlab", "for GitLab Code Quality"),
    Format("junit", "for CI test reports"),
)}


def formats_help() -> str:
    """`--format`'s help, from FORMATS."""
    return "; ".join(f"{f.name} {f.purpose}" for f in FORMATS.values()) + "."


def render(fmt: str, results: Sequence[FileResult], options: ReportOptions) -> str:
    if fmt not in FORMATS:
        raise ValueError(f"unknown output format {fmt!r}; expected one of {', '.join(FORMATS)}")
    return importlib.import_module(f"buffix.report.{fmt}").render(results, options)


def render_statistics(results: Sequence[FileResult], options: ReportOptions, fmt: str = "text") -> str:
    from buffix.report import statistics

    return statistics.render_json(results, options) if fmt == "json" else statistics.render(results, options)


def error_lines(results: Sequence[FileResult]) -> List[str]:
    return [error_line(e) for e in errors_in_order(results)]


def use_color(flag: Optional[bool], stream: Optional[IO] = None) -> bool:
    """--color/--no-color wins; then NO_COLOR (no-color.org) turns colour off and FORCE_COLOR (force-color.org) on,
    each when set and not empty, NO_COLOR first, as ruff reads them; otherwise colour only on a terminal."""
    if flag is not None:
        return flag
    if os.environ.get("NO_COLOR"):
        return False
    if os.environ.get("FORCE_COLOR"):
        return True
    stream = stream if stream is not None else sys.stdout
    return bool(getattr(stream, "isatty", lambda: False)())


def emit(fmt: str, results: Sequence[FileResult], options: ReportOptions, output: Optional[str] = None,
         statistics: bool = False, outputs: Sequence[Tuple[str, str]] = ()) -> List[str]:
    """Print file errors on stderr, then the report (or the statistics table) to stdout or, atomically, to `output`,
    and write each (format, file) of `outputs`. Returns one line per file that could not be written (the others
    are written all the same)."""
    for line in error_lines(results):
        click.echo(line, err=True)
    plain = dataclasses.replace(options, color=False)  # a file never gets ANSI codes
    if statistics:
        text = render_statistics(results, plain if output else options, FORMATS[fmt].statistics or "text")
    else:
        text = render(fmt, results, plain if output else options)
    unwritten = []
    for path, report in [*([(output, text)] if output is not None else []),
                         *((path, render(extra, results, plain)) for extra, path in outputs)]:
        try:
            write_text_atomic(path, report)
        except OSError as error:
            unwritten.append(f"cannot write {path}: {error.strerror or error}")
    if output is None and text:
        click.echo(text, nl=False, color=options.color)
    return unwritten


def write_text_atomic(path: str, text: str, exclusive: bool = False) -> None:
    """buffix.core.atomic.write_text_atomic, imported on use (tempfile costs a one-file run ~8 ms)."""
    from buffix.core.atomic import write_text_atomic as write

    write(path, text, exclusive)


def progress(*args, **kwargs):
    """buffix.report.progress.progress, imported on use."""
    from buffix.report.progress import progress as bar

    return bar(*args, **kwargs)


__all__ = [
    "FORMATS",
    "Format",
    "EditsFor",
    "ReportOptions",
    "TextEdit",
    "applies",
    "emit",
    "error_lines",
    "formats_help",
    "progress",
    "render",
    "render_statistics",
    "use_color",
    "write_text_atomic",
]
