"""The analyzer: find response bodies that reach buffer sinks, following the data from source to sink.

    from buffix.analysis import analyze_source, might_contain_sink, Project
    result = analyze_source(data, "pkg/mod.py", config, project=Project([root], config))

LibCST is never imported here; `ast` parses, and only files that pass the byte prefilter are parsed at all.
"""

from __future__ import annotations

import os
from dataclasses import replace
from typing import TYPE_CHECKING, Optional, Tuple

from buffix.analysis.tokens import screens
from buffix.core.findings import FileError, FileResult

if TYPE_CHECKING:
    from buffix.knowledge.catalog import Catalog
    from buffix.analysis.project import Project as Project

__all__ = ["analyze_source", "might_contain_sink", "Project", "screen"]


def might_contain_sink(source: bytes, catalog: "Catalog") -> bool:
    """False means the file cannot hold a finding on its own: it names no client library, response type, body
    member or suppression, and no response-like name (`resp`) together with a member that reads one (`.read`).

    Every finding needs a body, and a body enters a file only through a token this knows. Bodies returned by
    helpers of other modules are caught by `Project.imports_body_module` (stage 2), which also sees files that
    name a response but read it only through such a helper.
    """
    screen = screens(catalog)
    return screen.named.search(source) or screen.response.search(source) and screen.response_uses.search(source)


def screen(path: str, source: bytes, project: "Project") -> Tuple[bool, Tuple[str, ...]]:
    """Both prefilter stages: (may hold a finding, the other files of the tree the answer was read from).
    `BUFFIX_NO_PREFILTER=1` keeps every file (a check that the prefilter drops no finding; run it with --no-cache)."""
    if os.environ.get("BUFFIX_NO_PREFILTER") == "1" or might_contain_sink(source, project.catalog):
        return True, ()
    with project.tracking() as used:
        keep = project.imports_body_module(path, source)
    project.trim()
    return keep, _others(used, path)


def _others(used: "set", path: str) -> Tuple[str, ...]:
    """The tree's files in `used` other than `path` itself (the tree's paths are absolute; no syscalls per file)."""
    if not used:
        return ()
    own = os.path.abspath(path)
    return tuple(sorted(p for p in used if p != own))


def analyze_source(source: bytes, path: str, config=None, project: "Optional[Project]" = None) -> FileResult:
    """Analyze one file. With a `project`, `depends_on` lists the tree's other files its result was read from."""
    if project is None:
        return _analyze(source, path, config, None)
    with project.tracking() as used:
        result = _analyze(source, path, config, project)
    project.trim()
    return replace(result, depends_on=_others(used, path))


def _analyze(source: bytes, path: str, config, project: "Optional[Project]") -> FileResult:
    from buffix.analysis.module import Module
    from buffix.analysis.parse import ParseFailure, parse
    from buffix.analysis.project import module_name
    from buffix.analysis.results import build
    from buffix.config import Config

    config = config if config is not None else Config()
    try:
        parsed = parse(source)
    except ParseFailure as exc:
        return FileResult(path, (), FileError(path, str(exc)))
    qualname, is_package = module_name(path)
    catalog = project.catalog if project is not None else config.catalog()
    module = Module(path, parsed, catalog, qualname, is_package, project)
    try:
        raws = module.analyze()
        return FileResult(path, tuple(build(raws, parsed, path, config)))
    except RecursionError:
        return FileResult(path, (), FileError(path, "code nested too deeply to analyze"))
    except Exception as exc:  # a bug in buffix must not end the run: report it against the file
        return FileResult(path, (), FileError(path, f"internal error while analyzing: {type(exc).__name__}: {exc}"))
    finally:
        module.dispose()


def __getattr__(name: str):
    if name == "Project":
        from buffix.analysis.project import Project

        return Project
    raise AttributeError(name)
