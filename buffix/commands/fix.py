"""`buffix fix [PATHS...]`: apply the analyzer's fixes (safe ones; unsafe ones with --unsafe-fixes)."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import List, Optional, Tuple

import click

STYLE_CHOICES = ("slice", "getitem", "helper")


@click.command("fix")
@click.argument("paths", nargs=-1, type=click.Path(path_type=Path))
@click.option("--diff", is_flag=True, help="Print a unified diff and write nothing; exit 1 if anything would change.")
@click.option("--fix-style", type=click.Choice(STYLE_CHOICES),
              help="x[:] (slice, default), x.__getitem__(slice(None)) (getitem), or as_buffer(x) (helper).")
@click.option("--unsafe-fixes/--no-unsafe-fixes", default=None, help="Also apply fixes marked unsafe.")
@click.option("--stdin-filename", help="The name of the file read from stdin (PATHS is `-`).")
@click.option("--config", "config_file", type=click.Path(path_type=Path), help="Config file to use.")
def fix(paths: Tuple[Path, ...], diff: bool, fix_style: Optional[str], unsafe_fixes: Optional[bool],
        stdin_filename: Optional[str], config_file: Optional[Path]) -> None:
    """Rewrite flagged arguments to a sanitized form. Exit 0: nothing remains, 1: findings remain, 2: errors."""
    from buffix.config import ConfigError, load_config
    from buffix.fixer import FileChangedError, write_atomic
    from buffix.fixer.session import fix_file, fix_paths, unified_diff

    from_stdin = [str(p) for p in paths] == ["-"]
    roots = [Path(stdin_filename).parent if stdin_filename else Path(".")] if from_stdin else list(paths) or [Path(".")]
    try:
        config = load_config(roots[0], config_file)
    except ConfigError as error:
        click.echo(f"buffix: error: {error}", err=True)
        sys.exit(2)
    style = fix_style or config.fix_style
    unsafe = config.unsafe_fixes if unsafe_fixes is None else unsafe_fixes

    if from_stdin:
        from buffix.analyzer import analyze_source

        data = sys.stdin.buffer.read()
        name = stdin_filename or "-"
        fixes = [fix_file(data, name, lambda d, p: analyze_source(d, p, config), style, unsafe)]
    else:
        fixes = list(fix_paths(roots, config, style, unsafe))

    report = click.echo if not (diff or from_stdin) else (lambda line: click.echo(line, err=True))
    errors = False
    for result in fixes:
        if result.error is not None:
            click.echo(f"{result.error.path}: error: {result.error.message}", err=True)
            errors = True
        if diff:
            click.echo(unified_diff(result), nl=False)
        elif from_stdin:
            sys.stdout.buffer.write(result.fixed if result.changed else result.original)
        elif result.changed:
            try:
                write_atomic(result.path, result.fixed, expected_original=result.original)
            except (FileChangedError, OSError) as error:
                click.echo(f"{result.path}: error: not written: {error}", err=True)
                errors = True
        for refusal in result.refused:
            where = f"{refusal.span.line}:{refusal.span.column}: " if refusal.span else ""
            report(f"{result.path}:{where}fix not applied: {refusal.reason}")
        for finding in result.remaining:
            report(f"{finding.path}:{finding.line}:{finding.column}: {finding.code} {finding.message}")
    report(_summary(fixes, diff))
    if errors:
        sys.exit(2)
    remaining = any(result.remaining for result in fixes)
    sys.exit(1 if remaining or (diff and any(result.changed for result in fixes)) else 0)


def _summary(fixes: List, diff: bool) -> str:
    edits = sum(len(f.applied) for f in fixes)
    files = sum(1 for f in fixes if f.changed)
    remaining = sum(len(f.remaining) for f in fixes)
    unsafe = sum(f.unsafe_remaining for f in fixes)
    verb = "Would fix" if diff else "Fixed"
    text = f"{verb} {edits} site{'s' if edits != 1 else ''} in {files} file{'s' if files != 1 else ''}"
    text += f"; {remaining} finding{'s remain' if remaining != 1 else ' remains'}" if remaining else "; nothing remains"
    if unsafe:
        text += f" ({unsafe} with an unsafe fix: --unsafe-fixes applies them)"
    return text
