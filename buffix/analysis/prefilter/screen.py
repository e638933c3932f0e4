"""Both prefilter stages for one file, as the pipeline asks them."""

from __future__ import annotations

import os
from contextlib import AbstractContextManager
from typing import Protocol, Set, Tuple

from buffix.knowledge.catalog import Catalog


class Screened(Protocol):
    """The tree a file is screened in (buffix.analysis.project.Project)."""

    catalog: Catalog

    def tracking(self) -> AbstractContextManager[Set[str]]: ...
    def first_stage(self, path: str, source: bytes) -> bool: ...
    def imports_body_module(self, path: str, data: bytes) -> bool: ...
    def trim(self) -> None: ...


def screen(path: str, source: bytes, project: Screened) -> Tuple[bool, Tuple[str, ...]]:
    """(may hold a finding, the other files of the tree the answer was read from).
    `BUFFIX_NO_PREFILTER=1` keeps every file (a check that the prefilter drops no finding; run it with --no-cache)."""
    if os.environ.get("BUFFIX_NO_PREFILTER") == "1" or project.first_stage(path, source):
        return True, ()
    with project.tracking() as used:
        keep = project.imports_body_module(path, source)
    project.trim()
    return keep, others(used, path)


def others(used: Set[str], path: str) -> Tuple[str, ...]:
    """The tree's files in `used` other than `path` itself (the tree's paths are absolute; no syscalls per file)."""
    if not used:
        return ()
    own = os.path.abspath(path)
    return tuple(sorted(p for p in used if p != own))
