"""`buffix check [PATHS...]`: discover → prefilter → parse → analyze → report."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import List, Optional, Tuple

import click

from buffix.api import report_edits
from buffix.commands.common import analyze, exit_code, fail, prepare, selection_options
from buffix.report import FORMATS, formats_help


@click.command("check")
@selection_options
@click.option("--format", "output_format", type=click.Choice(tuple(FORMATS)), default="text", show_default=True,
              help=formats_help())
@click.option("--output", "-o", type=click.Path(dir_okay=False), help="Write the report (or with --diff, the diff) "
                                                                       "to this file (atomically).")
@click.option("--output-format", "output_formats", multiple=True, metavar="FORMAT=FILE",
              help="Also write the report in FORMAT to FILE (atomically); repeatable, e.g. --output-format "
                   "sarif=buffix.sarif --output-format junit=buffix.xml.")
@click.option("--report-root", type=click.Path(file_okay=False, path_type=Path), metavar="DIR",
              help="Machine-readable reports name files relative to DIR (default: the current directory); SARIF "
                   "names it %SRCROOT%.")
@click.option("--statistics", is_flag=True, help="Print a count per rule instead of each finding (--format text or "
                                                  "json).")
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
          output_format: str, output: Optional[str], output_formats: Tuple[str, ...], report_root: Optional[Path],
          statistics: bool, show_fixes: bool, diff: bool, exit_zero: bool, write_baseline: Optional[str],
          baseline: Optional[str], show_settings: bool, show_files: bool, add_suppressions: bool = False,
          reason: Optional[str] = None, observed: Optional[str] = None) -> None:
    """Find HTTP response bodies that reach buffer sinks a proxy breaks.

    Exit status: 0 no findings, 1 findings, 2 usage, config, unreadable or unparseable input.

    \b
    Examples:
      buffix check                          # the current directory
      buffix check src/ --format github     # annotations in GitHub Actions
      buffix check --format sarif -o buffix.sarif
      buffix check --output-format gitlab=quality.json --output-format junit=buffix.xml
      buffix check --select BFX1,BFX2 --min-confidence high
      buffix check --write-baseline .buffix-baseline.json   # adopt on a large codebase...
      buffix check --baseline .buffix-baseline.json         # ...then fail only on new findings
      buffix check --add-suppressions --reason "TICKET-12"  # or suppress what is there, line by line
      cat app.py | buffix check - --stdin-filename app.py
    """
    from buffix.report import ReportOptions, emit, use_color

    outputs = _outputs(output_formats, output)
    reportless = next((option for option, given in (("--write-baseline", write_baseline),
                                                     ("--add-suppressions", add_suppressions),
                                                     ("--show-settings", show_settings), ("--show-files", show_files))
                       if given), None)
    _check_report_options(output_format, statistics, diff, outputs, report_root, output, reportless)
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
    # --diff fixes each file in the worker that analyzes it, as `fix --diff` does (observed findings merged below
    # would drop what the workers made: then fix_run fixes those files again)
    results = analyze(run, jobs, no_cache, progress=not quiet and output_format == "text", fixing=diff and not observed)
    if observed:
        from buffix.report.observed import with_observed

        results = with_observed(results, observed)
    if diff:
        from buffix.commands.fix import print_diff

        sys.exit(print_diff(run, results, output=output))
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
    carries_edits = any(FORMATS[fmt].carries_edits for fmt in (output_format, *(fmt for fmt, _ in outputs)))
    edits_for = report_edits(run.fix_style, results) if show_fixes or carries_edits else None
    checked = len(results) - len(run.discovery_errors)  # a path that does not exist was never a file checked
    options = ReportOptions(unsafe_fixes=run.unsafe_fixes, verbose=verbose, quiet=quiet, color=use_color(color),
                            show_fixes=show_fixes, edits_for=edits_for, files_checked=checked,
                            base=str(report_root or "."))
    unwritten = emit(output_format, results, options, output=output, statistics=statistics, outputs=outputs)
    for line in unwritten:
        click.echo(f"buffix: error: {line}", err=True)
    sys.exit(2 if unwritten else exit_code(results, exit_zero))


def _outputs(specs: Tuple[str, ...], output: Optional[str]) -> List[Tuple[str, str]]:
    """The (format, file) pairs of --output-format FORMAT=FILE; a malformed one is a usage error."""
    outputs: List[Tuple[str, str]] = []
    for spec in specs:
        fmt, equals, path = spec.partition("=")
        if not equals or not path:
            fail(f"--output-format: expected FORMAT=FILE, e.g. sarif=buffix.sarif, got {spec!r} "
                 f"(--format chooses the report on stdout)")
        if fmt not in FORMATS:
            fail(f"--output-format {spec}: unknown format {fmt!r}; expected one of {', '.join(FORMATS)}")
        outputs.append((fmt, path))
    files = [path for _, path in outputs] + ([output] if output else [])
    twice = sorted({path for path in files if files.count(path) > 1})
    if twice:
        fail(f"--output-format: {twice[0]} is named as the output of two reports")
    return outputs


def _check_report_options(output_format: str, statistics: bool, diff: bool, outputs: List[Tuple[str, str]],
                          report_root: Optional[Path], output: Optional[str], reportless: Optional[str]) -> None:
    """Usage errors among the report options: what a format or a run cannot carry is refused, never silently
    dropped. `reportless` is the option that makes the run print no report (--write-baseline...), if any."""
    if reportless is not None:
        given = (f"--format {output_format}" if output_format != "text" else "--statistics" if statistics
                 else "--output-format" if outputs else "--output" if output and not diff else None)
        if given is not None:
            fail(f"{reportless} writes no report; it cannot be combined with {given}")
    if statistics and FORMATS[output_format].statistics is None:
        carrying = " or ".join(f.name for f in FORMATS.values() if f.statistics)
        fail(f"--statistics cannot be shown in the {output_format} format; use --format {carrying}")
    if diff and (output_format != "text" or statistics or outputs):
        given = "--statistics" if statistics else "--output-format" if outputs else f"--format {output_format}"
        fail(f"--diff prints a unified diff, not a report; it cannot be combined with {given}")
    if report_root is not None and not report_root.is_dir():
        fail(f"--report-root {report_root}: not a directory")
