"""Analyze one file: parse it, run the flow analysis over its module, and turn what it found into findings."""

from __future__ import annotations

from dataclasses import replace
from typing import Optional

from buffix.analysis.module import Module
from buffix.analysis.parse import Parsed, ParseFailure, parse
from buffix.analysis.prefilter.screen import others
from buffix.analysis.project.finder import module_name
from buffix.analysis.project.queries import Project
from buffix.analysis.results import Collected, build
from buffix.config import Config
from buffix.core.findings import FileError, FileResult


def analyze_source(source: bytes, path: str, config: Optional[Config] = None,
                   project: Optional[Project] = None) -> FileResult:
    """Analyze one file. With a `project`, `depends_on` lists the tree's other files its result was read from."""
    if project is None:
        return _analyze(source, path, config, None)
    with project.tracking() as used:
        result = _analyze(source, path, config, project)
    project.trim()
    return replace(result, depends_on=others(used, path))


def _analyze(source: bytes, path: str, config: Optional[Config], project: Optional[Project]) -> FileResult:
    config = config if config is not None else Config()
    try:
        parsed = parse(source)
    except ParseFailure as exc:
        return FileResult(path, (), FileError(path, str(exc)))
    qualname, is_package = module_name(path, project.base_names if project is not None else ())
    catalog = project.catalog if project is not None else config.catalog()
    module = Module(path, parsed, catalog, qualname, is_package, project)
    collected = Collected(parsed, path)
    module.raw = collected  # type: ignore[assignment]  # each hit is packed as it is reported
    try:
        module.analyze()
        module.dispose()  # its frames, summaries and trees go before the findings are built
        return FileResult(path, build(collected, parsed, path, config), _too_new(parsed, path, config))
    except RecursionError:
        return FileResult(path, (), FileError(path, "code nested too deeply to analyze"))
    except Exception as exc:  # a bug in buffix must not end the run: report it against the file
        return FileResult(path, (), FileError(path, f"internal error while analyzing: {type(exc).__name__}: {exc}"))
    finally:
        module.dispose()


def _too_new(parsed: Parsed, path: str, config: Config) -> Optional[FileError]:
    """Syntax that `target-version` cannot run, as ruff reports it: a syntax error of the file, which is analyzed
    all the same."""
    version = config.python_version
    use = parsed.newer_than(version) if version is not None else None
    if use is None:
        return None
    added = ".".join(map(str, use.feature.version))
    return FileError(path, f"syntax error at line {use.line}: {use.feature.name} needs Python {added}, "
                           f"target-version is {config.target_version}")
