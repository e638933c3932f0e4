"""What `check` and `fix` share: their options, and the command line's side of buffix.api's run (usage errors
exit 2, notes and the progress bar on stderr, stdin).

The data flows one way: discover → prefilter → parse → analyze (buffix.api, cached and parallel) → the command
reports (check) or rewrites (fix).
"""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Callable, List, NoReturn, Optional, Sequence, Tuple

import click

from buffix.api import Options, Run, UsageError, check_run, check_source, reads_stdin, resolve
from buffix.core.findings import CONFIDENCES, FileResult
from buffix.knowledge.fix_styles import STYLE_NAMES, option_help


def _codes(option: str, value: Optional[str]) -> Optional[Tuple[str, ...]]:
    """The codes of a --select-style option; an unknown code or prefix is a usage error, as in the config file."""
    if value is None:
        return None
    codes = tuple(c.strip().upper() for c in value.split(",") if c.strip())
    if not codes:  # `--select ,` would otherwise turn every rule off without a word
        fail(f"{option}: expected comma-separated rule codes or prefixes, e.g. BFX1,BFX203; got {value!r}")
    from buffix.knowledge.selectors import unknown, unknown_message

    bad = unknown(codes)
    if bad:
        fail(f"{option}: {unknown_message(bad[0])}")
    return codes


def selection_options(command: Callable) -> Callable:
    """Options shared by check and fix, applied bottom-up so --help lists them in this order."""
    options = [
        click.argument("paths", nargs=-1, type=click.Path(path_type=Path)),
        click.option("--config", "config_file", type=click.Path(path_type=Path),
                     help="Use this config file (.buffix.yaml or pyproject.toml) for every file instead of each "
                          "file's nearest one."),
        click.option("--isolated", is_flag=True, help="Ignore every config file: the defaults and the command "
                                                       "line only."),
        click.option("--select", help="Comma-separated codes or prefixes to report (replaces the config's)."),
        click.option("--extend-select", help="Comma-separated codes or prefixes to report in addition."),
        click.option("--ignore", help="Comma-separated codes or prefixes to leave out."),
        click.option("--min-confidence", type=click.Choice(CONFIDENCES),
                     help="Lowest confidence to report (default: the config's, else medium)."),
        click.option("--unsafe-fixes/--no-unsafe-fixes", default=None,
                     help="Treat fixes marked unsafe as applicable (fix applies them; check marks them [*])."),
        click.option("--fix-style", type=click.Choice(STYLE_NAMES), help=option_help()),
        click.option("--force-exclude", is_flag=True,
                     help="Apply exclude patterns and .gitignore to paths named on the command line too."),
        click.option("--no-cache", is_flag=True, help="Neither read nor write the result cache (.buffix_cache/)."),
        click.option("--cache-dir", envvar="BUFFIX_CACHE_DIR", expose_value=False, metavar="DIR",
                     callback=lambda ctx, _, value: ctx.meta.__setitem__("buffix.cache_dir", value),
                     help="The cache directory (default: .buffix_cache/ in the project root) [env: BUFFIX_CACHE_DIR]."),
        click.option("--jobs", "-j", type=click.IntRange(min=1), help="Worker processes (default: CPU count)."),
        click.option("--stdin-filename", help="The path of the file read from stdin (PATHS is `-`)."),
        click.option("--quiet", "-q", is_flag=True, help="Print findings only, no summary or skipped paths."),
        click.option("--verbose", "-v", is_flag=True,
                     help="Show each finding's source line, flow, confidence and fix safety."),
        click.option("--color/--no-color", default=None, help="Colour the text output (default: on a terminal; "
                                                              "NO_COLOR turns it off, FORCE_COLOR on)."),
    ]
    for option in reversed(options):
        command = option(command)
    return command


def fail(message: str) -> NoReturn:
    click.echo(f"buffix: error: {message}", err=True)
    sys.exit(2)


def _notify(quiet: bool) -> Optional[Callable[[str], None]]:
    """The run's notes (skipped paths, config warnings) on stderr, unless --quiet."""
    return None if quiet else lambda text: click.echo(f"buffix: {text}", err=True)


def prepare(paths: Sequence[Path], config_file: Optional[Path], select: Optional[str], extend_select: Optional[str],
            ignore: Optional[str], min_confidence: Optional[str], unsafe_fixes: Optional[bool],
            fix_style: Optional[str], force_exclude: bool, stdin_filename: Optional[str], quiet: bool,
            isolated: bool = False) -> Run:
    """The run the command line asks for (buffix.api.resolve); exit 2 on a usage error."""
    try:
        reads_stdin(paths)  # the first usage error the command line can hold
    except UsageError as error:
        fail(str(error))
    options = Options(config_file=config_file, isolated=isolated, select=_codes("--select", select),
                      extend_select=_codes("--extend-select", extend_select), ignore=_codes("--ignore", ignore),
                      min_confidence=min_confidence, unsafe_fixes=unsafe_fixes, fix_style=fix_style,
                      force_exclude=force_exclude, stdin_filename=stdin_filename)
    try:
        return resolve(paths, options, _notify(quiet))
    except UsageError as error:
        fail(str(error))


def analyze(run: Run, jobs: Optional[int], no_cache: bool, progress: bool, fixing: bool = False,
            observed: Sequence = ()) -> List[FileResult]:
    """Every file's FileResult (buffix.api.check_run, `fixing` as there), with a progress bar on a terminal for long
    runs; a stdin run reads stdin."""
    if run.stdin_name is not None:
        return _analyze_stdin(run)
    context = click.get_current_context(silent=True)
    cache_dir = context.meta.get("buffix.cache_dir") if context else None
    total = len(run.files)
    if not (progress and total > 200):
        return check_run(run, jobs=jobs, cache=not no_cache, cache_dir=cache_dir, fixing=fixing, observed=observed)
    from buffix.report import progress as progress_bar

    with progress_bar(run.files, total, enabled=True) as shown:  # a bar only on a terminal
        update = (lambda done, _total: shown.update(done - shown.pos)) if hasattr(shown, "update") else None
        return check_run(run, jobs=jobs, cache=not no_cache, cache_dir=cache_dir, progress=update, fixing=fixing,
                         observed=observed)


def _analyze_stdin(run: Run) -> List[FileResult]:
    from buffix.pipeline import read_stdin

    data, too_large = read_stdin(run.stdin_name or "-")
    if not run.stdin_name:  # excluded by --force-exclude: nothing checked
        return []
    if too_large is not None:
        return [too_large]
    # in a child process, like every file: a parser crash costs a clear error, not the run
    return [check_source(data, run.stdin_name, run.config, isolate=True)]


def exit_code(results: Sequence[FileResult], exit_zero: bool = False) -> int:
    if any(result.error is not None for result in results):
        return 2
    if exit_zero:
        return 0
    return 1 if any(result.findings for result in results) else 0
