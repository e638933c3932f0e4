"""`buffix check --add-suppressions`: write a suppression comment for every finding reported, atomically, file by
file (buffix.analysis.add_suppressions decides where each goes and verifies the result)."""

from __future__ import annotations

from typing import Sequence

import click

from buffix.api import Run
from buffix.core.findings import FileResult


def write_suppressions(run: Run, results: Sequence[FileResult], reason: str, quiet: bool) -> int:
    """Add the comments, print what was done; the exit status (2 when a file had an error or was not written)."""
    from buffix.analysis.add_suppressions import add_suppressions
    from buffix.core.atomic import write_bytes_atomic
    from buffix.report import error_lines

    for line in error_lines(results):
        click.echo(line, err=True)
    failed = any(r.error is not None for r in results)
    config_of = {path: group.config for group in run.groups for path in group.files}
    comments = files = 0
    for result in results:
        if result.error is not None or not result.findings:
            continue
        try:
            with open(result.path, "rb") as handle:
                original = handle.read()
        except OSError as error:
            click.echo(f"{result.path}: error: cannot read: {error.strerror or error}", err=True)
            failed = True
            continue
        added = add_suppressions(original, result.path, result.findings, reason, config_of.get(result.path))
        for finding, why in added.refused:
            click.echo(f"{finding.path}:{finding.line}:{finding.column}: {finding.code} not suppressed: {why}",
                       err=True)
        if added.error is not None:
            click.echo(f"{result.path}: error: {added.error}", err=True)
            failed = True
            continue
        if added.data is None:
            continue
        try:
            write_bytes_atomic(result.path, added.data, expected_original=original)
        except OSError as error:  # FileChangedError and ReadOnlyError included
            failed = True
            click.echo(f"{result.path}: error: not written: {error}", err=True)
            continue
        comments += added.comments
        files += 1
    if not quiet:
        click.echo(f"Added {comments} suppression comment{'' if comments == 1 else 's'} "
                   f"in {files} file{'' if files == 1 else 's'}.", err=True)
    return 2 if failed else 0


def check_reason(reason: str) -> None:
    """A reason is written into a comment: one line only (raises click.BadParameter)."""
    if "\n" in reason or "\r" in reason:
        raise click.BadParameter("the reason must be one line", param_hint="--reason")
