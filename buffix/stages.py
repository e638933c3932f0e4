"""The buffix analyzer as `pipeline.check_files`'s two stages (prefilter, analyze), and `prepare`, which builds the
analyzer's Project only when some file is not answered by the cache: a warm run imports none of `buffix.analysis`."""

from __future__ import annotations

from typing import Any, Callable, Sequence, Tuple

from buffix.core.findings import FileResult
from buffix.pipeline import PROFILE, Analyze, Prefilter, count_stage


def analyzer_stages(roots: Sequence[Any], config: Any) -> Tuple[Analyze, Prefilter]:
    """`analyze_one` and `prefilter` for `check_files`, from buffix.analysis (imported here, not at module load)."""
    analyze, prefilter, prepare = lazy_analyzer_stages(roots, config)
    prepare(1)
    return analyze, prefilter


def lazy_analyzer_stages(roots: Sequence[Any], config: Any, index_store: Any = None
                         ) -> Tuple[Analyze, Prefilter, Callable[[int], Any]]:
    """Like `analyzer_stages`, plus the `prepare` of `check_files`: the analyzer (its catalog, libcst) is loaded only
    when some file is not answered by the cache. `index_store` keeps the method index's per-file facts across runs
    (buffix.cache.StatStore)."""
    from functools import partial

    project = _LazyProject(roots, config, index_store)
    return partial(_analyze, config=config, project=project), partial(_prefilter, project=project), project


class _LazyProject:
    """The analyzer's Project, built on first call (picklable before that, for platforms without fork)."""

    def __init__(self, roots: Sequence[Any], config: Any, index_store: Any = None) -> None:
        self.roots = list(roots)
        self.config = config
        self.index_store = index_store
        self.project: Any = None

    def __call__(self, processes: int = 1) -> Any:
        if self.project is None:
            from buffix.analysis import Project

            self.project = Project(self.roots, self.config, self.index_store)
        if processes > 1:  # a run of many files: each worker's stage 2 needs the tree's method index; build it once
            self.project.index_methods(processes)
        return self.project


def _analyze(path: str, source: bytes, *, config: Any, project: _LazyProject) -> FileResult:
    from buffix.analysis import analyze_source

    return analyze_source(source, path, config, project())


def _prefilter(path: str, source: bytes, *, project: _LazyProject) -> Tuple[bool, Tuple[str, ...]]:
    from buffix.analysis import screen

    if not PROFILE:
        return screen(path, source, project())
    import time

    started = time.process_time()  # stage 1 is run once more on its own, to split its cost from stage 2's
    first = project().first_stage(path, source)
    between = time.process_time()
    verdict = screen(path, source, project())
    count_stage("stage 1 (byte screens)", between - started)
    count_stage("stage 1 kept", 0.0, 1 if first else 0)
    if not first:
        count_stage("stage 2 (imports a body module)", max(0.0, time.process_time() - between - (between - started)))
        count_stage("stage 2 kept", 0.0, 1 if verdict[0] else 0)
    return verdict
