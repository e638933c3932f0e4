"""buffix as a library, without click: what the CLI, the language server and the pytest plugin call.

    results = check_paths([Path("src")])                      # one FileResult per file, sorted by path
    fixes = fix_paths([Path("src")], Options(unsafe_fixes=True))   # FileFix per file; nothing is written
    result = check_source(b"import requests\n...", "app.py")  # one text, e.g. an editor's buffer

A run is resolved first (`resolve`: each file's nearest config with the options applied, and discovery), then
checked (`check_run`: cached, parallel, crash-isolated) and, for fixes, fixed in memory (`fix_run`). The CLI calls the
steps one by one because it reports between them (`--show-files`, baselines); a usage problem is a `UsageError`,
and what the CLI prints on stderr as it goes (skipped paths, config warnings) goes to `notify`.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any, Callable, Dict, List, Optional, Sequence, Tuple, Union

from buffix.core.findings import FileError, FileResult, Finding

if TYPE_CHECKING:  # imported where used: `buffix check --help` and a warm run need little of this
    from buffix.cache import Cache
    from buffix.config import Config
    from buffix.fixer.apply import Edit
    from buffix.fixsession import FileFix

Notify = Callable[[str], None]  # one line for the user ("skipped x: excluded", "warning: ...")
Progress = Callable[[int, int], None]  # (files done, files in the run)


class UsageError(Exception):
    """A bad option, path or config file: the message is one line naming it (the CLI exits 2)."""


@dataclass(frozen=True)
class Options:
    """The caller's choices over each file's config; None keeps the config's own."""

    config_file: Optional[Path] = None  # one config for every file instead of each file's nearest
    isolated: bool = False  # no config file at all: the defaults and these options only
    select: Optional[Tuple[str, ...]] = None  # replaces the config's
    extend_select: Optional[Tuple[str, ...]] = None  # added to the config's
    ignore: Optional[Tuple[str, ...]] = None  # added to the config's
    min_confidence: Optional[str] = None
    unsafe_fixes: Optional[bool] = None
    fix_style: Optional[str] = None
    force_exclude: bool = False  # excludes and .gitignore apply to the paths given too
    stdin_filename: Optional[str] = None  # the path of a source read from stdin (paths == ["-"])


@dataclass(frozen=True)
class Group:
    """Files that share one config (the nearest config file above each, or `Options.config_file`)."""

    config: Config  # with the options applied
    roots: Tuple[Path, ...]  # where the analyzer resolves imports from: the config's directory and the paths given
    files: Tuple[str, ...]


@dataclass(frozen=True)
class Run:
    """The loaded configurations and the files each applies to."""

    groups: Tuple[Group, ...]
    stdin_name: Optional[str]  # set when the source comes from stdin ("" when --force-exclude excludes it)
    discovery_errors: Tuple[FileError, ...]
    unsafe_fixes: bool  # for reports: some group applies unsafe fixes
    fix_style: str  # for stdin and reports; each group's own is its config's

    @property
    def config(self) -> Config:  # the first group's (stdin has exactly one)
        return self.groups[0].config

    @property
    def files(self) -> Tuple[str, ...]:
        return tuple(sorted(f for g in self.groups for f in g.files))

    @property
    def roots(self) -> Tuple[Path, ...]:
        return tuple(dict.fromkeys(r for g in self.groups for r in g.roots))


# -- resolving a run ------------------------------------------------------------------------------------------------

def _one_line(error: Exception) -> str:  # one line, even when the YAML parser's message spans several
    return " ".join(line.strip() for line in str(error).splitlines() if line.strip(" ^"))


def reads_stdin(paths: Sequence[Path]) -> bool:
    """Whether `paths` is `-` (the source comes from stdin); `-` among other paths is a UsageError."""
    names = [str(p) for p in paths]
    if "-" in names and names != ["-"]:
        raise UsageError("`-` (stdin) cannot be combined with other paths")
    return names == ["-"]


def resolve(paths: Sequence[Path], options: Options = Options(), notify: Optional[Notify] = None) -> Run:
    """Each file's config with `options` applied, and the files discovered under `paths` (default: `.`; `-` is
    stdin). Every file uses the config nearest to it, so results do not depend on the other paths given."""
    from buffix.config import ConfigError, Resolver
    from buffix.discovery import discover, exclusion_reason

    tell = notify or (lambda _: None)
    from_stdin = reads_stdin(paths)
    overrides = {"select": options.select, "min_confidence": options.min_confidence,
                 "unsafe_fixes": options.unsafe_fixes, "fix_style": options.fix_style}
    extra_select, extra_ignore = options.extend_select, options.ignore
    try:
        resolver = Resolver(options.config_file, options.isolated)
    except ConfigError as error:
        raise UsageError(_one_line(error)) from None
    configs: Dict[int, Tuple[Config, Config]] = {}  # id of a resolved config -> it, and it with the overrides

    def config_for(path: Any, is_file: bool = False) -> Config:
        try:
            base = resolver.for_file(path) if is_file else resolver.for_path(path)
        except ConfigError as error:
            raise UsageError(_one_line(error)) from None
        if id(base) not in configs:
            configs[id(base)] = (base, base.with_options(
                **overrides, extend_select=base.extend_select + extra_select if extra_select else None,
                ignore=base.ignore + extra_ignore if extra_ignore else None))
        return configs[id(base)][1]

    def warn() -> None:
        for warning in resolver.warnings:
            tell(f"warning: {warning}")

    if from_stdin:
        stdin_filename = options.stdin_filename
        config = config_for(Path(stdin_filename) if stdin_filename else Path.cwd())
        warn()
        name = stdin_filename or "-"
        if options.force_exclude and stdin_filename:
            reason = exclusion_reason(stdin_filename, exclude=config.exclude, extend_exclude=config.extend_exclude,
                                      root=config.root)
            if reason:  # excluded: fix echoes the input unchanged, check reports nothing
                tell(f"skipped {stdin_filename}: {reason}")
                name = ""
        group = Group(config, (Path(name or "."),), ())
        return Run((group,), name, (), config.unsafe_fixes, config.fix_style)
    given = tuple(paths) or (Path("."),)
    files: Dict[str, Tuple[Config, bool]] = {}  # path -> the config it was discovered with; named on the command line?
    errors: List[FileError] = []
    for root in dict.fromkeys(given):
        walking = config_for(root)
        found = discover([str(root)], exclude=walking.exclude, extend_exclude=walking.extend_exclude,
                         force_exclude=options.force_exclude, root=walking.root)
        errors.extend(found.errors)
        for warning in found.warnings:
            tell(f"warning: {warning.path}: {warning.message}; skipped")
        for skipped in found.skipped:
            if skipped.reason == "does not exist":
                errors.append(FileError(skipped.path, "does not exist"))
            else:
                tell(f"skipped {skipped.path}: {skipped.reason}")
        named = os.path.normpath(str(root))
        for file in found.files:
            files.setdefault(str(file), (walking, str(file) == named))
    members: Dict[int, Tuple[Config, List[str]]] = {}
    by_directory: Dict[str, Config] = {}  # a directory's files share their config: one lookup per directory
    for name, (walking, is_named) in files.items():
        directory = os.path.dirname(name)
        if directory not in by_directory:
            by_directory[directory] = config_for(name, is_file=True)
        config = by_directory[directory]
        if config is not walking and (options.force_exclude or not is_named) and exclusion_reason(
                name, exclude=config.exclude, extend_exclude=config.extend_exclude, root=config.root,
                respect_gitignore=False):
            continue  # a nested config excludes it
        members.setdefault(id(config), (config, []))[1].append(name)
    warn()
    groups = []
    for config, group_files in sorted(members.values(), key=lambda m: str(m[0].root)):
        # the paths given inside the config's directory, or holding its files (a tree checked from elsewhere,
        # with no config of its own): imports resolve from them. Sorted: order-independent.
        inside = sorted(str(p) for p in given if _within(p, config.root)
                        or any(_within(Path(f), str(p)) for f in group_files))
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


# -- checking -------------------------------------------------------------------------------------------------------

def cache_salt(config: Config, roots: Sequence[Path] = ()) -> str:
    """Results stay valid while the config, the folders imports resolve from (`roots`: a tree checked from
    elsewhere resolves from itself), the shipped catalog and the analyzer's code are unchanged (the buffix version
    is part of the cache key already; this also covers an edited development checkout)."""
    import hashlib

    package = Path(__file__).resolve().parent
    digest = hashlib.sha256(config.fingerprint().encode())
    for root in sorted({os.path.abspath(r) for r in roots if os.path.isdir(r)}):  # files resolve nothing
        digest.update(f"root:{root}\0".encode())
    for source in sorted([*(package / "analysis").rglob("*.py"), *(package / "core").rglob("*.py"),  # newsyntax
                          *(package / "knowledge").rglob("*.py"),
                          *(package / "knowledge").rglob("*.yaml")]):
        info = source.stat()
        digest.update(f"{source.relative_to(package)}:{info.st_size}:{info.st_mtime_ns}".encode())
    return digest.hexdigest()[:16]


def check_run(run: Run, *, jobs: Optional[int] = None, cache: bool = True, cache_dir: Optional[str] = None,
              progress: Optional[Progress] = None, fixing: bool = False,
              observed: Sequence[Finding] = ()) -> List[FileResult]:
    """Every file's FileResult (prefiltered files are empty results): discovery errors first, then each config's
    files, sorted by path. `cache=False` neither reads nor writes the result cache; `progress(done, total)` counts
    the files of the whole run. A stdin run is `check_source`'s (the caller reads stdin). `fixing`: each file with a
    fix is also fixed in memory where it was analyzed (`fix_run` collects the FileFixes; nothing is written), with
    the `observed` findings joining its first analysis."""
    if run.stdin_name is not None:
        raise ValueError("a stdin run has no files: read the source and call check_source")
    results = [FileResult(error.path, (), error) for error in run.discovery_errors]
    checked: List[FileResult] = []
    total, offset = len(run.files), 0
    for group in run.groups:
        update = None
        if progress is not None:
            update = (lambda start: lambda done, _group_total: progress(start + done, total))(offset)
        checked.extend(_check_group(group, jobs, cache, cache_dir, update, fixing, observed))
        offset += len(group.files)
    results.extend(sorted(checked, key=lambda r: r.path) if len(run.groups) > 1 else checked)
    return _at_sinks(run, results)


def _at_sinks(run: Run, results: List[FileResult]) -> List[FileResult]:
    """Each sink in a checked file that bodies from other files reach gets its own finding (buffix.analysis.at_sink)."""
    if not any(f.also or (f.flow and f.flow[-1].path is not None) for r in results for f in r.findings):
        return results  # nothing crosses a file: a warm run need not import the analyzer
    from buffix.analysis.at_sink import sink_findings
    from buffix.core.source import SourceError, decode
    from buffix.pipeline import read_source

    configs = {path: group.config for group in run.groups for path in group.files}

    def read_text(path: str) -> Optional[str]:
        try:
            return decode(read_source(path)).text
        except (OSError, ValueError, SourceError):
            return None

    return sink_findings(results, configs.get, read_text)


def _check_group(group: Group, jobs: Optional[int], use_cache: bool, cache_dir: Optional[str],
                 progress: Optional[Progress], fixing: bool = False,
                 observed: Sequence[Finding] = ()) -> List[FileResult]:
    from buffix.pipeline import check_files
    from buffix.stages import lazy_analyzer_stages

    if not group.files:
        return []
    cache: Optional[Cache] = None
    index_store = None
    if use_cache:
        from buffix.cache import Cache, StatStore, cache_directory

        directory = cache_directory(group.config.path, group.config.root, cache_dir)
        salt = cache_salt(group.config, group.roots)
        cache = Cache(Path(group.config.root), salt=salt, directory=directory)
        index_store = StatStore(directory, salt="method index\0" + salt)
    analyze_one, prefilter, prepare = lazy_analyzer_stages(list(group.roots), group.config, index_store)
    refresh = None
    if fixing:
        from buffix.fixsession import Fixing, needs_fix

        config = group.config
        analyze_one = Fixing(analyze_one, config.fix_style, config.unsafe_fixes, tuple(observed))
        refresh = needs_fix(config.unsafe_fixes, observed)
        if observed:  # a file observed at run time may have no static finding: the prefilter must not drop it
            prefilter = _keeping(prefilter, {os.path.realpath(f.path) for f in observed})
    results = list(check_files(group.files, analyze_one, prefilter=prefilter, jobs=jobs, cache=cache,
                               prepare=prepare, progress=progress, refresh=refresh))
    if cache is not None:
        cache.save()
    return results


@dataclass(frozen=True)
class _keeping:
    """A prefilter that keeps the `kept` files (real paths) whatever `prefilter` says."""

    prefilter: Any
    kept: Any

    def __call__(self, path: str, source: bytes) -> Any:
        return True if os.path.realpath(path) in self.kept else self.prefilter(path, source)


def check_paths(paths: Sequence[Path], options: Options = Options(), *, jobs: Optional[int] = None,
                cache: bool = True, cache_dir: Optional[str] = None, progress: Optional[Progress] = None,
                notify: Optional[Notify] = None) -> List[FileResult]:
    """`buffix check PATHS`: one FileResult per file found (and per path that could not be walked)."""
    return check_run(resolve(paths, options, notify), jobs=jobs, cache=cache, cache_dir=cache_dir,
                     progress=progress)


def _config_or_nearest(config: Optional[Config], path: str) -> Config:
    if config is not None:
        return config
    from buffix.config import ConfigError, Resolver

    try:
        return Resolver().for_path(Path(path))
    except ConfigError as error:
        raise UsageError(_one_line(error)) from None


def check_source(source: Union[bytes, str], path: str, config: Optional[Config] = None, *,
                 isolate: bool = False) -> FileResult:
    """The findings of one source text (str is taken as UTF-8) as if it were the file `path`, with `config` (default:
    the config nearest to `path`). Guarded like a pipeline worker: an analyzer failure is the result's error.
    `isolate` runs it in a forked child, so that a parser killed by deep nesting costs only a clear error (a
    process with threads should not fork: the language server leaves it off)."""
    from buffix.pipeline import analyze_guarded

    data = source.encode("utf-8") if isinstance(source, str) else source
    analyze = _SourceAnalyzer(_config_or_nearest(config, path))
    if not isolate:
        return analyze_guarded(analyze, path, data)
    from buffix.core.process import WorkerCrashed, run_isolated

    try:
        return run_isolated(analyze_guarded, analyze, path, data)
    except WorkerCrashed as crash:
        return FileResult(path, error=FileError(path, str(crash)))


@dataclass(frozen=True)
class _SourceAnalyzer:
    """`analyze_one` for one text outside a project (picklable, for a child process)."""

    config: Config

    def __call__(self, path: str, source: bytes) -> FileResult:
        from buffix.analysis import analyze_source

        return analyze_source(source, path, self.config)


# -- fixing ---------------------------------------------------------------------------------------------------------

def fix_run(run: Run, results: Sequence[FileResult], observed: Sequence[Finding] = ()) -> List[FileFix]:
    """Fix, in memory, the files of `results` (from `check_run`) with each group's own fix style and unsafe-fixes;
    `observed` findings (`--observed`) join each file's first analysis. Results of `check_run(fixing=True)` carry
    their fixes; the files of plain ones are analyzed and fixed again, in workers, as `check_run(fixing=True)` does."""
    from buffix.fixsession import Fixing, fix_results
    from buffix.stages import lazy_analyzer_stages

    group_of = {path: group for group in run.groups for path in group.files}
    fixes: List[FileFix] = []
    for group in run.groups:
        mine = [r for r in results if group_of.get(r.path, run.groups[0]) is group]
        config = group.config
        analyze_one, _, project = lazy_analyzer_stages(list(group.roots), config)
        fixing = Fixing(analyze_one, config.fix_style, config.unsafe_fixes, tuple(observed))
        fixes.extend(fix_results(mine, fixing, prepare=_Unindexed(project)))
    return sorted(fixes, key=lambda f: f.path) if len(run.groups) > 1 else fixes


@dataclass(frozen=True)
class _Unindexed:
    """A `prepare` that builds the Project without the method index: that is the prefilter's, and no prefilter runs."""

    project: Callable[[int], Any]

    def __call__(self, processes: int) -> Any:
        return self.project(1)


def fix_paths(paths: Sequence[Path], options: Options = Options(), *, observed: Sequence[Finding] = (),
              jobs: Optional[int] = None, cache: bool = True, cache_dir: Optional[str] = None,
              progress: Optional[Progress] = None, notify: Optional[Notify] = None) -> List[FileFix]:
    """`buffix fix PATHS` without writing: a FileFix per file with an error, a fix or a finding."""
    run = resolve(paths, options, notify)
    results = check_run(run, jobs=jobs, cache=cache, cache_dir=cache_dir, progress=progress, fixing=True,
                        observed=observed)  # as `buffix fix`: each file fixed in the worker that analyzed it
    return fix_run(run, results, observed)


def fix_source(source: bytes, path: str, config: Optional[Config] = None, *, isolate: bool = False) -> FileFix:
    """One source text fixed in memory with `config`'s fix style and unsafe-fixes (default: the config nearest to
    `path`); `isolate` as in `check_source`."""
    chosen = _config_or_nearest(config, path)
    if not isolate:
        return _fix_source(source, path, chosen)
    from buffix.core.process import WorkerCrashed, run_isolated
    from buffix.fixsession import FileFix

    try:
        return run_isolated(_fix_source, source, path, chosen)
    except WorkerCrashed as crash:
        return FileFix(path, source, None, error=FileError(path, str(crash)))


def _fix_source(source: bytes, path: str, config: Config) -> FileFix:
    from buffix.fixsession import fix_file
    from buffix.pipeline import analyze_guarded

    analyze = _SourceAnalyzer(config)
    return fix_file(source, path, lambda data, name: analyze_guarded(analyze, name, data), config.fix_style,
                    config.unsafe_fixes)


def fix_edits(source: Union[bytes, str], path: str, findings: Sequence[Finding], style: str) -> Tuple[Edit, ...]:
    """The edits that fixing `findings` (whatever their safety) in `source` makes, each verified."""
    from buffix.fixer.apply import fix_source as apply

    targets = tuple(t for f in findings if f.fix is not None for t in f.fix.targets)
    if not targets:
        return ()
    data = source.encode("utf-8") if isinstance(source, str) else source
    return tuple(apply(data, targets, style, path).applied)


def report_edits(style: str, results: Sequence[FileResult]) -> Callable[[Finding], Tuple[Edit, ...]]:
    """For reports: the edits each finding's fix makes in `style`, computed once per file. The fixer (and libcst,
    ~0.2 s) is imported at the first finding asked about, so a clean run does not pay for it."""
    edits: List[Callable[[Finding], Tuple[Edit, ...]]] = []  # built at the first call

    def edits_for(finding: Finding) -> Tuple[Edit, ...]:
        if not edits:
            from buffix.fixsession import edits_by_target

            edits.append(edits_by_target(style, results))
        return edits[0](finding)

    return edits_for


def unified_diff(fix: FileFix) -> str:
    """The change a FileFix makes, as a unified diff of the decoded text."""
    from buffix.fixsession import unified_diff as diff

    return diff(fix)
