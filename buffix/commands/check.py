"""`buffix check [PATHS...]`: discover → prefilter → parse → analyze → report."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Optional, Tuple

import click

from buffix.api import report_edits
from buffix.commands.common import analyze, exit_code, fail, prepare, selection_options
from buffix.report import FORMATS, formats_help


@click.command("check")
@selection_options
@click.option("--format", "output_format", type=click.Choice(tuple(FORMATS)), default="text", show_default=True,
              help=formats_help())
@click.option("--output", "-o", type=click.Path(dir_okay=False), help="Write the report to this file (atomically).")
@click.option("--statistics", is_flag=True, help="Print a count per rule instead of each finding.")
@click.option("--show-fixes", is_flag=True, help="Show the edits each applicable fix would make.")
@click.option("--observed", type=click.Path(dir_okay=False), default=None,
              help="Merge the findings a `buffix run --observe FILE` recorded (confirmed at run time).")
@click.option("--diff", is_flag=True, help="Print the fixes as a unified diff instead of findings (writes nothing).")
@click.option("--exit-zero", is_flag=True, help="Exit 0 even when findings remain (errors still exit 2).")
@click.option("--write-baseline", type=click.Path(dir_okay=False),
              help="Record the current findings in this file; later runs with --baseline report only new ones.")
@click.option("--baseline", type=click.Path(dir_okay=False), help="Report only findings not in this baseline file.")
@click.option("--show-settings", is_flag=True, help="Print the settings each checked file uses and the config file "
                                                     "they came from, then exit.")
@click.option("--show-files", is_flag=True, help="List the files that would be checked, with their config, then exit.")
@click.option("--add-suppressions", is_flag=True,
              help="Write a `# buffix: ignore[CODE]  # reason: TODO` comment for each finding instead of reporting it.")
@click.option("--reason", default=None, metavar="TEXT",
              help="The reason --add-suppressions writes after the codes (default: TODO; \"\" for none).")
def check(paths: Tuple[Path, ...], config_file: Optional[Path], isolated: bool, select: Optional[str],
          extend_select: Optional[str], ignore: Optional[str], min_confidence: Optional[str],
          unsafe_fixes: Optional[bool], fix_style: Optional[str], force_exclude: bool, no_cache: bool,
          jobs: Optional[int], stdin_filename: Optional[str], quiet: bool, verbose: bool, color: Optional[bool],
          output_format: str, output: Optional[str], statistics: bool, show_fixes: bool, diff: bool, exit_zero: bool,
          write_baseline: Optional[str], baseline: Optional[str], show_settings: bool, show_files: bool,
          add_suppressions: bool = False, reason: Optional[str] = None, observed: Optional[str] = None) -> None:
    """Find HTTP response bodies that reach buffer sinks a proxy breaks.

    Exit status: 0 no findings, 1 findings, 2 usage, config, unreadable or unparseable input.

    \b
    Examples:
      buffix check                          # the current directory
      buffix check src/ --format github     # annotations in GitHub Actions
      buffix check --format sarif -o buffix.sarif
      buffix check --select BFX1,BFX2 --min-confidence high
      buffix check --write-baseline .buffix-baseline.json   # adopt on a large codebase...
      buffix check --baseline .buffix-baseline.json         # ...then fail only on new findings
      buffix check --add-suppressions --reason "TICKET-12"  # or suppress what is there, line by line
      cat app.py | buffix check - --stdin-filename app.py
    """
    from buffix.report import ReportOptions, emit, use_color

    if reason is not None and not add_suppressions:
        fail("--reason needs --add-suppressions")
    if add_suppressions:
        from buffix.commands.add_suppressions import check_reason

        if diff or write_baseline:
            fail(f"--add-suppressions cannot be combined with {'--diff' if diff else '--write-baseline'}")
        check_reason(reason or "")
    run = prepare(paths, config_file, select, extend_select, ignore, min_confidence, unsafe_fixes, fix_style,
                  force_exclude, stdin_filename, quiet, isolated)
    if add_suppressions and run.stdin_name is not None:
        fail("--add-suppressions writes files: it cannot read stdin")
    if show_settings or show_files:
        from buffix.commands.settings import print_files, print_settings

        sys.exit(print_settings(run) if show_settings else print_files(run))
    results = analyze(run, jobs, no_cache, progress=not quiet and output_format == "text")
    if observed:
        from buffix.report.observed import with_observed

        results = with_observed(results, observed)
    if diff:
        from buffix.commands.fix import print_diff

        sys.exit(print_diff(run, results))
    if write_baseline:
        from buffix.baseline import write_baseline as write

        try:
            count = write(write_baseline, results)
        except OSError as error:
            fail(f"cannot write baseline {write_baseline}: {error.strerror or error}")
        if not quiet:
            click.echo(f"buffix: wrote {count} finding{'' if count == 1 else 's'} to the baseline {write_baseline}",
                       err=True)
        sys.exit(2 if any(r.error for r in results) else 0)
    if baseline:
        from buffix.baseline import BaselineError, filter_new, load_baseline

        try:
            known = load_baseline(baseline)
        except BaselineError as error:
            fail(str(error))
        results, stale = filter_new(results, known, checked=[r.path for r in results])
        if not quiet:
            for entry in stale:
                click.echo(f"buffix: stale baseline entry (no longer found): {entry.describe()}", err=True)
    if add_suppressions:
        from buffix.commands.add_suppressions import write_suppressions

        sys.exit(write_suppressions(run, results, "TODO" if reason is None else reason, quiet))
    edits_for = report_edits(run.fix_style, results) if show_fixes or FORMATS[output_format].carries_edits else None
    checked = len(results) - len(run.discovery_errors)  # a path that does not exist was never a file checked
    options = ReportOptions(unsafe_fixes=run.unsafe_fixes, verbose=verbose, quiet=quiet, color=use_color(color),
                            show_fixes=show_fixes, edits_for=edits_for, files_checked=checked)
    try:
        emit(output_format, results, options, output=output, statistics=statistics)
    except OSError as error:
        fail(f"cannot write {output}: {error.strerror or error}")
    sys.exit(exit_code(results, exit_zero))
