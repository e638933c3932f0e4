"""`buffix check [PATHS...]`: discover → prefilter → parse → analyze → report."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import List, Optional, Sequence, Tuple

import click

from buffix.findings import FileError, FileResult

CONFIDENCE_CHOICES = ("low", "medium", "high")


def _codes(value: Optional[str]) -> Optional[List[str]]:
    return [c.strip() for c in value.split(",") if c.strip()] if value else None


def check_paths(paths: Sequence[Path], config) -> Tuple[List[FileResult], int, int]:
    """Run the pipeline; returns (results, files checked, files skipped by the prefilter)."""
    from buffix.analyzer import analyze_source, finish, might_contain_sink
    from buffix.analyzer.discover import discover
    from buffix.analyzer.project import Project

    project = Project(paths, config)
    results: List[FileResult] = []
    checked = skipped = 0
    names: List[str] = []
    for path in discover(paths, config):
        checked += 1
        name = str(path)
        names.append(name)
        try:
            data = path.read_bytes()
        except OSError as exc:
            results.append(FileResult(name, (), FileError(name, f"cannot read: {exc.strerror or exc}")))
            continue
        if not might_contain_sink(data, project.catalog) and not project.imports_body_module(name, data):
            skipped += 1
            continue
        results.append(analyze_source(data, name, config, project))
    return finish(results, project, config, names), checked, skipped


@click.command("check")
@click.argument("paths", nargs=-1, type=click.Path(path_type=Path))
@click.option("--format", "output_format", type=click.Choice(["text", "json"]), default="text", show_default=True)
@click.option("--min-confidence", type=click.Choice(CONFIDENCE_CHOICES), help="Lowest confidence to report.")
@click.option("--select", help="Comma-separated rule codes or prefixes to report (replaces the config's).")
@click.option("--ignore", help="Comma-separated rule codes or prefixes to leave out (added to the config's).")
@click.option("--config", "config_file", type=click.Path(path_type=Path), help="Config file to use.")
def check(paths: Tuple[Path, ...], output_format: str, min_confidence: Optional[str], select: Optional[str],
          ignore: Optional[str], config_file: Optional[Path]) -> None:
    """Find response bodies that reach buffer sinks. Exit 0: clean, 1: findings, 2: errors."""
    from buffix.analyzer.report import render_errors, render_json, render_text
    from buffix.config import ConfigError, load_config, parse_config

    roots = list(paths) or [Path(".")]
    try:
        config = load_config(roots[0], config_file)
        overrides = parse_config(
            {k: v for k, v in (("select", _codes(select)), ("ignore", _codes(ignore))) if v is not None},
            "command line")
        config = config.with_options(
            select=overrides.select if select else None,
            ignore=config.ignore + overrides.ignore if ignore else None,
            min_confidence=min_confidence)
    except ConfigError as exc:
        click.echo(f"buffix: error: {exc}", err=True)
        sys.exit(2)
    results, checked, skipped = check_paths(roots, config)
    for line in render_errors(results):
        click.echo(line, err=True)
    if output_format == "json":
        click.echo(render_json(results))
    else:
        click.echo(render_text(results, checked, skipped))
    if any(r.error is not None for r in results):
        sys.exit(2)
    sys.exit(1 if any(r.findings for r in results) else 0)
