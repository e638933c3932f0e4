"""What `check` and `fix` share: their options, loading the config, discovery, and the analysis run.

The data flows one way: discover → prefilter → parse → analyze (in buffix.pipeline, cached and parallel) → the
command reports (check) or rewrites (fix).
"""

from __future__ import annotations

import os
import sys
from contextlib import contextmanager
from dataclasses import dataclass
from functools import partial
from pathlib import Path
from typing import Callable, List, Optional, Sequence, Tuple

import click

from buffix.core.findings import FileError, FileResult

CONFIDENCE_CHOICES = ("low", "medium", "high")
STYLE_CHOICES = ("slice", "getitem", "helper")


def _codes(option: str, value: Optional[str]) -> Optional[Tuple[str, ...]]:
    """The codes of a --select-style option; an unknown code or prefix is a usage error, as in the config file."""
    if value is None:
        return None
    codes = tuple(c.strip().upper() for c in value.split(",") if c.strip())
    if not codes:  # `--select ,` would otherwise turn every rule off without a word
        fail(f"{option}: expected comma-separated rule codes or prefixes, e.g. BFX1,BFX203; got {value!r}")
    from buffix.knowledge.rules import all_rules

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
                     help="Use this config file (.buffix.yaml or pyproject.toml) for every file instead of each "
                          "file's nearest one."),
        click.option("--isolated", is_flag=True, help="Ignore every config file: the defaults and the command "
                                                       "line only."),
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
class Group:
    """Files that share one config (the nearest config file above each, or --config)."""

    config: object  # buffix.config.Config, with the command line's overrides applied
    roots: Tuple[Path, ...]  # where the analyzer resolves imports from: the config's directory and the paths given
    files: Tuple[str, ...]


@dataclass(frozen=True)
class Run:
    """The loaded configurations and the files each applies to."""

    groups: Tuple[Group, ...]
    stdin_name: Optional[str]  # set when the source comes from stdin
    discovery_errors: Tuple[FileError, ...]
    unsafe_fixes: bool  # for reports: some group applies unsafe fixes
    fix_style: str  # for stdin and reports; each group's own is its config's

    @property
    def config(self) -> object:  # the first group's (stdin has exactly one)
        return self.groups[0].config

    @property
    def files(self) -> Tuple[str, ...]:
        return tuple(sorted(f for g in self.groups for f in g.files))

    @property
    def roots(self) -> Tuple[Path, ...]:
        return tuple(dict.fromkeys(r for g in self.groups for r in g.roots))


def fail(message: str) -> None:
    click.echo(f"buffix: error: {message}", err=True)
    sys.exit(2)


def _one_line(error: Exception) -> str:  # one line, even when the YAML parser's message spans several
    return " ".join(line.strip() for line in str(error).splitlines() if line.strip(" ^"))


def prepare(paths: Sequence[Path], config_file: Optional[Path], select: Optional[str], extend_select: Optional[str],
            ignore: Optional[str], min_confidence: Optional[str], unsafe_fixes: Optional[bool],
            fix_style: Optional[str], force_exclude: bool, stdin_filename: Optional[str], quiet: bool,
            isolated: bool = False) -> Run:
    """Resolve each file's config with the command line's overrides and discover the files; exit 2 on a usage
    error. Every file uses the config nearest to it, so results do not depend on the other paths given."""
    from buffix.config import ConfigError, Resolver
    from buffix.discovery import discover, exclusion_reason

    from_stdin = [str(p) for p in paths] == ["-"]
    if "-" in [str(p) for p in paths] and not from_stdin:
        fail("`-` (stdin) cannot be combined with other paths")
    overrides = {"select": _codes("--select", select), "min_confidence": min_confidence,
                 "unsafe_fixes": unsafe_fixes, "fix_style": fix_style}
    extra_select, extra_ignore = _codes("--extend-select", extend_select), _codes("--ignore", ignore)
    try:
        resolver = Resolver(config_file, isolated)
    except ConfigError as error:
        fail(_one_line(error))
    configs: dict = {}  # id of a resolved config -> it with the overrides

    def config_for(path: object) -> object:
        try:
            base = resolver.for_path(path)
        except ConfigError as error:
            fail(_one_line(error))
        if id(base) not in configs:
            configs[id(base)] = (base, base.with_options(
                **overrides, extend_select=base.extend_select + extra_select if extra_select else None,
                ignore=base.ignore + extra_ignore if extra_ignore else None))
        return configs[id(base)][1]

    if from_stdin:
        config = config_for(Path(stdin_filename) if stdin_filename else Path.cwd())
        _warn(resolver, quiet)
        name = stdin_filename or "-"
        if force_exclude and stdin_filename:
            reason = exclusion_reason(stdin_filename, exclude=config.exclude, extend_exclude=config.extend_exclude,
                                      root=config.root)
            if reason:  # excluded: fix echoes the input unchanged, check reports nothing
                if not quiet:
                    click.echo(f"buffix: skipped {stdin_filename}: {reason}", err=True)
                name = ""
        group = Group(config, (Path(name or "."),), ())
        return Run((group,), name, (), config.unsafe_fixes, config.fix_style)
    given = tuple(paths) or (Path("."),)
    files: dict = {}  # path -> the config it was discovered with
    errors: List[FileError] = []
    for root in dict.fromkeys(given):
        walking = config_for(root)
        found = discover([str(root)], exclude=walking.exclude, extend_exclude=walking.extend_exclude,
                         force_exclude=force_exclude, root=walking.root)
        errors.extend(found.errors)
        for skipped in found.skipped:
            if skipped.reason == "does not exist":
                errors.append(FileError(skipped.path, "does not exist"))
            elif not quiet:
                click.echo(f"buffix: skipped {skipped.path}: {skipped.reason}", err=True)
        named = os.path.normpath(str(root))
        for file in found.files:
            files.setdefault(str(file), (walking, str(file) == named))
    members: dict = {}
    for file, (walking, named) in files.items():
        config = config_for(file)
        if config is not walking and (force_exclude or not named) and exclusion_reason(
                file, exclude=config.exclude, extend_exclude=config.extend_exclude, root=config.root,
                respect_gitignore=False):
            continue  # a nested config excludes it
        members.setdefault(id(config), (config, []))[1].append(file)
    _warn(resolver, quiet)
    groups = []
    for config, group_files in sorted(members.values(), key=lambda m: str(m[0].root)):
        inside = sorted(str(p) for p in given if _within(p, config.root))  # sorted: order-independent
        groups.append(Group(config, tuple(Path(p) for p in dict.fromkeys([*inside, config.root])),
                            tuple(sorted(group_files))))
    if not groups:  # nothing to check: keep the nearest config for the report
        config = config_for(given[0])
        groups.append(Group(config, (Path(config.root),), ()))
    unsafe = any(g.config.unsafe_fixes for g in groups)
    return Run(tuple(groups), None, tuple(sorted(errors, key=lambda e: e.path)), unsafe, groups[0].config.fix_style)


def _within(path: Path, root: str) -> bool:
    absolute, base = os.path.abspath(path), os.path.abspath(root)
    return absolute == base or absolute.startswith(base.rstrip(os.sep) + os.sep)


def _warn(resolver: object, quiet: bool) -> None:
    if not quiet:
        for warning in resolver.warnings:  # type: ignore[attr-defined]
            click.echo(f"buffix: warning: {warning}", err=True)


def cache_salt(config: object) -> str:
    """Results stay valid while the config, the shipped catalog and the analyzer's code are unchanged (the
    buffix version is part of the cache key already; this also covers an edited development checkout)."""
    import hashlib

    package = Path(__file__).resolve().parent.parent
    digest = hashlib.sha256(config.fingerprint().encode())  # type: ignore[attr-defined]
    for source in sorted([*(package / "analysis").rglob("*.py"), *(package / "knowledge").rglob("*.py"),
                          *(package / "knowledge").rglob("*.yaml")]):
        info = source.stat()
        digest.update(f"{source.relative_to(package)}:{info.st_size}:{info.st_mtime_ns}".encode())
    return digest.hexdigest()[:16]


def analyze(run: Run, jobs: Optional[int], no_cache: bool, progress: bool) -> List[FileResult]:
    """Every file's FileResult (prefiltered files are empty results), discovery errors first, then each config's
    files, sorted by path."""
    if run.stdin_name is not None:
        return _analyze_stdin(run)
    results = [FileResult(error.path, (), error) for error in run.discovery_errors]
    checked: List[FileResult] = []
    total = len(run.files)
    bar = None
    if progress and total > 200:
        from buffix.report import progress as progress_bar

        bar = progress_bar(run.files, total, enabled=True)  # a bar only on a terminal
    with (bar if bar is not None else _nothing()) as shown:
        offset = 0
        for group in run.groups:
            update = None
            if shown is not None and hasattr(shown, "update"):
                update = (lambda start: lambda done, _total: shown.update(start + done - shown.pos))(offset)
            checked.extend(_analyze_group(group, jobs, no_cache, update))
            offset += len(group.files)
    results.extend(sorted(checked, key=lambda r: r.path) if len(run.groups) > 1 else checked)
    return results


@contextmanager
def _nothing():  # type: ignore[no-untyped-def]
    yield None


def _analyze_group(group: Group, jobs: Optional[int], no_cache: bool, update) -> List[FileResult]:  # type: ignore
    from buffix.pipeline import check_files
    from buffix.stages import lazy_analyzer_stages

    if not group.files:
        return []
    analyze_one, prefilter, prepare = lazy_analyzer_stages(list(group.roots), group.config)
    cache = None
    if not no_cache:
        from buffix.cache import Cache, cache_directory

        context = click.get_current_context(silent=True)
        directory = cache_directory(group.config.path, group.config.root,  # type: ignore[attr-defined]
                                    context.meta.get("buffix.cache_dir") if context else None)
        cache = Cache(Path(group.config.root), salt=cache_salt(group.config), directory=directory)  # type: ignore
    results = list(check_files(group.files, analyze_one, prefilter=prefilter, jobs=jobs, cache=cache,
                               prepare=prepare, progress=update))
    if cache is not None:
        cache.save()
    return results


def _analyze_stdin(run: Run) -> List[FileResult]:
    from buffix.core.process import WorkerCrashed, run_isolated
    from buffix.pipeline import analyze_guarded, read_stdin

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
    from buffix.analysis import analyze_source

    return analyze_source(source, path, config)


def exit_code(results: Sequence[FileResult], exit_zero: bool = False) -> int:
    if any(result.error is not None for result in results):
        return 2
    if exit_zero:
        return 0
    return 1 if any(result.findings for result in results) else 0
