"""What `check` and `fix` share: their options, loading the config, discovery, and the analysis run.

The data flows one way: discover → prefilter → parse → analyze (in buffix.pipeline, cached and parallel) → the
command reports (check) or rewrites (fix).
"""

from __future__ import annotations

import sys
from dataclasses import dataclass
from functools import partial
from pathlib import Path
from typing import Callable, List, Optional, Sequence, Tuple

import click

from buffix.findings import FileError, FileResult

CONFIDENCE_CHOICES = ("low", "medium", "high")
STYLE_CHOICES = ("slice", "getitem", "helper")


def _codes(option: str, value: Optional[str]) -> Optional[Tuple[str, ...]]:
    """The codes of a --select-style option; an unknown code or prefix is a usage error, as in the config file."""
    if not value:
        return None
    codes = tuple(c.strip().upper() for c in value.split(",") if c.strip())
    from buffix.rules import all_rules

    known = all_rules()
    for code in codes:
        if not code.startswith("BFX") or not any(k.startswith(code) for k in known):
            fail(f"{option}: unknown rule code or prefix {code!r}; known codes: {', '.join(known)}")
    return codes


def selection_options(command: Callable) -> Callable:
    """Options shared by check and fix, applied bottom-up so --help lists them in this order."""
    options = [
        click.argument("paths", nargs=-1, type=click.Path(path_type=Path)),
        click.option("--config", "config_file", type=click.Path(path_type=Path),
                     help="Use this config file (.buffix.yaml or pyproject.toml) instead of searching for one."),
        click.option("--select", help="Comma-separated codes or prefixes to report (replaces the config's)."),
        click.option("--extend-select", help="Comma-separated codes or prefixes to report in addition."),
        click.option("--ignore", help="Comma-separated codes or prefixes to leave out."),
        click.option("--min-confidence", type=click.Choice(CONFIDENCE_CHOICES),
                     help="Lowest confidence to report (default: the config's, else medium)."),
        click.option("--unsafe-fixes/--no-unsafe-fixes", default=None,
                     help="Treat fixes marked unsafe as applicable (fix applies them; check marks them [*])."),
        click.option("--fix-style", type=click.Choice(STYLE_CHOICES),
                     help="slice: x[:] (default); getitem: x.__getitem__(slice(None)); helper: as_buffer(x)."),
        click.option("--force-exclude", is_flag=True,
                     help="Apply exclude patterns and .gitignore to paths named on the command line too."),
        click.option("--no-cache", is_flag=True, help="Neither read nor write the result cache (.buffix_cache/)."),
        click.option("--cache-dir", envvar="BUFFIX_CACHE_DIR", expose_value=False, metavar="DIR",
                     callback=lambda ctx, _, value: ctx.meta.__setitem__("buffix.cache_dir", value),
                     help="The cache directory (default: .buffix_cache/ in the project root) [env: BUFFIX_CACHE_DIR]."),
        click.option("--jobs", "-j", type=click.IntRange(min=1), help="Worker processes (default: CPU count)."),
        click.option("--stdin-filename", help="The path of the file read from stdin (PATHS is `-`)."),
        click.option("--quiet", "-q", is_flag=True, help="Print findings only, no summary or skipped paths."),
        click.option("--verbose", "-v", is_flag=True, help="Show each finding's flow, confidence and fix safety."),
        click.option("--color/--no-color", default=None, help="Colour the text output (default: on a terminal, "
                                                              "unless NO_COLOR is set)."),
    ]
    for option in reversed(options):
        command = option(command)
    return command


@dataclass(frozen=True)
class Run:
    """A loaded configuration and the files it applies to."""

    config: object  # buffix.config.Config
    roots: Tuple[Path, ...]
    files: Tuple[str, ...]
    stdin_name: Optional[str]  # set when the source comes from stdin
    discovery_errors: Tuple[FileError, ...]
    unsafe_fixes: bool
    fix_style: str


def fail(message: str) -> None:
    click.echo(f"buffix: error: {message}", err=True)
    sys.exit(2)


def prepare(paths: Sequence[Path], config_file: Optional[Path], select: Optional[str], extend_select: Optional[str],
            ignore: Optional[str], min_confidence: Optional[str], unsafe_fixes: Optional[bool],
            fix_style: Optional[str], force_exclude: bool, stdin_filename: Optional[str], quiet: bool) -> Run:
    """Load the config with the command line's overrides and discover the files; exit 2 on a usage error."""
    from buffix.config import ConfigError, load_config
    from buffix.discovery import discover

    from_stdin = [str(p) for p in paths] == ["-"]
    if "-" in [str(p) for p in paths] and not from_stdin:
        fail("`-` (stdin) cannot be combined with other paths")
    start = Path(stdin_filename).parent if from_stdin and stdin_filename else (list(paths) or [Path(".")])[0]
    try:
        start.resolve()
    except (RuntimeError, OSError):  # a symlink loop: its config is its directory's; discovery reports the loop
        start = start.absolute().parent
    try:
        config = load_config(start, config_file)
    except ConfigError as error:  # one line, even when the YAML parser's message spans several
        fail(" ".join(line.strip() for line in str(error).splitlines() if line.strip(" ^")))
    overrides = {}
    if select:
        overrides["select"] = _codes("--select", select)
    if extend_select:
        overrides["extend_select"] = config.extend_select + _codes("--extend-select", extend_select)
    if ignore:
        overrides["ignore"] = config.ignore + _codes("--ignore", ignore)
    if min_confidence:
        overrides["min_confidence"] = min_confidence
    config = config.with_options(**overrides)
    unsafe = config.unsafe_fixes if unsafe_fixes is None else unsafe_fixes
    style = fix_style or config.fix_style
    if from_stdin:
        name = stdin_filename or "-"
        if force_exclude and stdin_filename:
            from buffix.discovery import exclusion_reason

            reason = exclusion_reason(stdin_filename, exclude=config.exclude, extend_exclude=config.extend_exclude,
                                      root=config.root)
            if reason:  # excluded: fix echoes the input unchanged, check reports nothing
                if not quiet:
                    click.echo(f"buffix: skipped {stdin_filename}: {reason}", err=True)
                name = ""
        return Run(config, (Path(name or "."),), (), name, (), unsafe, style)
    roots = tuple(paths) or (Path("."),)
    found = discover([str(p) for p in roots], exclude=config.exclude, extend_exclude=config.extend_exclude,
                     force_exclude=force_exclude, root=config.root)
    errors = list(found.errors)
    for skipped in found.skipped:
        if skipped.reason == "does not exist":
            errors.append(FileError(skipped.path, "does not exist"))
        elif not quiet:
            click.echo(f"buffix: skipped {skipped.path}: {skipped.reason}", err=True)
    return Run(config, roots, tuple(str(f) for f in found.files), None, tuple(errors), unsafe, style)


def cache_salt(config: object) -> str:
    """Results stay valid while the config, the shipped catalog and the analyzer's code are unchanged (the
    buffix version is part of the cache key already; this also covers an edited development checkout)."""
    import hashlib

    package = Path(__file__).resolve().parent.parent
    digest = hashlib.sha256(config.fingerprint().encode())  # type: ignore[attr-defined]
    digest.update((package / "catalog.yaml").read_bytes())
    for source in sorted((package / "analyzer").glob("*.py")):
        info = source.stat()
        digest.update(f"{source.name}:{info.st_size}:{info.st_mtime_ns}".encode())
    return digest.hexdigest()[:16]


def analyze(run: Run, jobs: Optional[int], no_cache: bool, progress: bool) -> List[FileResult]:
    """Every file's FileResult (prefiltered files are empty results), discovery errors first."""
    from buffix.pipeline import check_files, lazy_analyzer_stages

    if run.stdin_name is not None:
        return _analyze_stdin(run)
    analyze_one, prefilter, prepare = lazy_analyzer_stages(list(run.roots), run.config)
    cache = None
    if not no_cache:
        from buffix.cache import Cache, cache_directory

        context = click.get_current_context(silent=True)
        directory = cache_directory(run.config.path, run.config.root,  # type: ignore[attr-defined]
                                    context.meta.get("buffix.cache_dir") if context else None)
        cache = Cache(Path(run.config.root), salt=cache_salt(run.config), directory=directory)  # type: ignore
    results = [FileResult(error.path, (), error) for error in run.discovery_errors]
    if progress and len(run.files) > 200:
        from buffix.report import progress as progress_bar

        with progress_bar(run.files, len(run.files), enabled=True) as bar:  # a bar only on a terminal
            update = (lambda done, total: bar.update(done - bar.pos)) if hasattr(bar, "update") else None
            results.extend(check_files(run.files, analyze_one, prefilter=prefilter, jobs=jobs, cache=cache,
                                       prepare=prepare, progress=update))
    else:
        results.extend(check_files(run.files, analyze_one, prefilter=prefilter, jobs=jobs, cache=cache,
                                   prepare=prepare))
    if cache is not None:
        cache.save()
    return results


def _analyze_stdin(run: Run) -> List[FileResult]:
    from buffix.pipeline import WorkerCrashed, analyze_guarded, read_stdin, run_isolated

    data, too_large = read_stdin(run.stdin_name or "-")
    if not run.stdin_name:  # excluded by --force-exclude: nothing checked
        return []
    if too_large is not None:
        return [too_large]
    analyze = partial(_analyze_source, config=run.config)
    try:  # in a child process, like every file: a parser crash costs a clear error, not the run
        return [run_isolated(analyze_guarded, analyze, run.stdin_name, data)]
    except WorkerCrashed as crash:
        return [FileResult(run.stdin_name, error=FileError(run.stdin_name, str(crash)))]


def _analyze_source(path: str, source: bytes, *, config: object) -> FileResult:
    from buffix.analyzer import analyze_source

    return analyze_source(source, path, config)


def exit_code(results: Sequence[FileResult], exit_zero: bool = False) -> int:
    if any(result.error is not None for result in results):
        return 2
    if exit_zero:
        return 0
    return 1 if any(result.findings for result in results) else 0
