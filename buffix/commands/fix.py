"""`buffix fix [PATHS...]`: rewrite each fixable finding to the safe slice form (safe fixes; unsafe ones with
--unsafe-fixes), writing atomically, never a file that does not parse."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Optional, Sequence, Tuple

import click

from buffix.api import Run, fix_run, fix_source, unified_diff
from buffix.commands.common import analyze, prepare, selection_options
from buffix.core.findings import FileResult


@click.command("fix")
@selection_options
@click.option("--observed", type=click.Path(dir_okay=False), default=None,
              help="Merge the findings a `buffix run --observe FILE` recorded (confirmed at run time).")
@click.option("--diff", is_flag=True, help="Print a unified diff and write nothing; exit 1 if anything would change.")
@click.option("--exit-non-zero-on-fix", is_flag=True, help="Exit 1 when a file was fixed, even if nothing remains.")
def fix(paths: Tuple[Path, ...], config_file: Optional[Path], isolated: bool, select: Optional[str],
        extend_select: Optional[str], ignore: Optional[str], min_confidence: Optional[str],
        unsafe_fixes: Optional[bool], fix_style: Optional[str],
        force_exclude: bool, no_cache: bool, jobs: Optional[int], stdin_filename: Optional[str], quiet: bool,
        verbose: bool, color: Optional[bool], diff: bool, exit_non_zero_on_fix: bool,
        observed: Optional[str] = None) -> None:
    """Rewrite flagged arguments to a sanitized form: sink(body) becomes sink(body[:]).

    Only the argument expressions change; every other byte of the file (comments, formatting, encoding, line
    endings) stays as it was. A fixed file is re-parsed and re-analyzed before it is written, atomically.

    Exit status: 0 nothing remains, 1 findings remain (or --diff would change something), 2 errors.

    \b
    Examples:
      buffix fix                            # safe fixes in the current directory
      buffix fix --diff src/                # show what would change, write nothing
      buffix fix --unsafe-fixes --fix-style getitem
      cat app.py | buffix fix - --stdin-filename app.py > fixed.py
    """
    from buffix.core.atomic import FileChangedError, write_bytes_atomic
    from buffix.report import ReportOptions, emit, use_color

    run = prepare(paths, config_file, select, extend_select, ignore, min_confidence, unsafe_fixes, fix_style,
                  force_exclude, stdin_filename, quiet, isolated)
    if run.stdin_name is not None:
        sys.exit(_fix_stdin(run))
    seen: Sequence = ()
    if observed:
        from buffix.report.observed import read_or_fail

        seen = read_or_fail(observed)
    # each file is fixed in the worker that analyzed it; this process only writes what the workers proved
    results = analyze(run, jobs, no_cache, progress=not quiet, fixing=True, observed=seen)
    if diff:
        sys.exit(print_diff(run, results, seen))
    fixes = fix_run(run, results, seen)
    errors = False
    written = set()
    for result in fixes:
        if result.error is not None:
            errors = True
        elif result.fixed is not None:
            try:
                write_bytes_atomic(result.path, result.fixed, expected_original=result.original)
                written.add(result.path)
            except (FileChangedError, OSError) as error:
                click.echo(f"{result.path}: error: not written: {error}", err=True)
                errors = True
        for refusal in result.refused:
            where = f"{refusal.span.line}:{refusal.span.column}: " if refusal.span else ""
            click.echo(f"{result.path}:{where}fix not applied: {refusal.reason}", err=True)
    remaining = [FileResult(f.path, f.remaining, f.error) for f in fixes if f.remaining or f.error]
    options = ReportOptions(unsafe_fixes=run.unsafe_fixes, verbose=verbose, quiet=True, color=use_color(color))
    if remaining:
        emit("text", remaining, options)
    if not quiet:
        click.echo(summary([f for f in fixes if f.path in written or not f.changed], diff=False))
    if errors or any(r.error for r in results):
        sys.exit(2)
    changed = any(f.changed for f in fixes)
    sys.exit(1 if any(f.remaining for f in fixes) or (exit_non_zero_on_fix and changed) else 0)


def print_diff(run: Run, results: Sequence[FileResult], observed: Sequence = (), output: Optional[str] = None) -> int:
    """Print what fixing would change as a unified diff (to stdout, or atomically to `output`); the exit status for
    `--diff`."""
    fixes = fix_run(run, results, observed)
    diffs = []
    for result in fixes:
        if result.error is not None:
            click.echo(f"{result.error.path}: error: {result.error.message}", err=True)
        diffs.append(unified_diff(result))
    if output is None:
        click.echo("".join(diffs), nl=False)
    else:
        from buffix.core.atomic import write_text_atomic

        try:
            write_text_atomic(output, "".join(diffs))
        except OSError as error:
            click.echo(f"buffix: error: cannot write {output}: {error.strerror or error}", err=True)
            return 2
    click.echo(summary(fixes, diff=True), err=True)
    if any(f.error for f in fixes) or any(r.error for r in results):
        return 2
    return 1 if any(f.changed for f in fixes) else 0


def _fix_stdin(run: Run) -> int:
    """Read a file from stdin, print the fixed source on stdout, findings that remain on stderr."""
    from buffix.pipeline import read_stdin

    data, too_large = read_stdin(run.stdin_name or "-")
    if not run.stdin_name or too_large is not None:  # excluded by --force-exclude, or too large: pass it through
        sys.stdout.buffer.write(data)
        sys.stdout.buffer.flush()
        while True:
            block = sys.stdin.buffer.read(1 << 20)
            if not block:
                break
            sys.stdout.buffer.write(block)
        if too_large is not None and too_large.error is not None:
            click.echo(f"{too_large.path}: error: {too_large.error.message}", err=True)
            return 2
        return 0
    # in a child process: code nested deep enough kills the parser, which must cost only a clear error
    result = fix_source(data, run.stdin_name, run.config, isolate=True)
    sys.stdout.buffer.write(result.fixed if result.fixed is not None else data)
    sys.stdout.flush()
    if result.error is not None:
        click.echo(f"{result.error.path}: error: {result.error.message}", err=True)
        return 2
    for finding in result.remaining:
        click.echo(f"{finding.path}:{finding.line}:{finding.column}: {finding.code} {finding.message}", err=True)
    return 1 if result.remaining else 0


def summary(fixes: Sequence, diff: bool) -> str:
    edits = sum(len(f.applied) for f in fixes)
    files = sum(1 for f in fixes if f.changed)
    remaining = sum(len(f.remaining) for f in fixes)
    unsafe = sum(f.unsafe_remaining for f in fixes)
    verb = "Would fix" if diff else "Fixed"
    text = f"{verb} {edits} site{'s' if edits != 1 else ''} in {files} file{'s' if files != 1 else ''}"
    text += f"; {remaining} finding{'s remain' if remaining != 1 else ' remains'}" if remaining else "; nothing remains"
    if unsafe:
        text += f" ({unsafe} with an unsafe fix: --unsafe-fixes applies them)"
    errors = sum(1 for f in fixes if f.error is not None)
    if errors:  # "nothing remains" must not hide the files that were never checked
        text += f"; {errors} file{'s' if errors != 1 else ''} with errors left as they were"
    return text
