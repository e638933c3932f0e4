"""The sink catalog: every SinkGroup, by rule family. Its home is the family modules (buffix/knowledge/rules/*.py,
`SINKS`) and, for re-uploads, the client library files; this module only collects them, for the analyzer's catalog,
the runtime's failure explanations (runtime/diagnose.py) and the runtime test matrix (tests/sinks.py)."""

from __future__ import annotations

from functools import lru_cache
from typing import Dict, Tuple

from buffix.knowledge.model import SinkGroup

SANITIZERS = ("buffix.safe.as_buffer",)  # callables whose result is a real buffer, whatever went in


@lru_cache(maxsize=1)
def sink_groups() -> Tuple[SinkGroup, ...]:
    """Every sink group, in family order (BFX1 first)."""
    from buffix.knowledge.rules import family_modules

    return tuple(group for module in family_modules() for group in module.SINKS)


@lru_cache(maxsize=None)
def group_of(target: str) -> SinkGroup:
    """The group naming `target` (`builtins.memoryview`, `*.write`, `a + body`); KeyError when none does."""
    for group in sink_groups():
        if target in group.targets:
            return group
    raise KeyError(f"no sink group names {target!r}")


def failing_lines() -> Dict[str, Tuple[str, ...]]:
    """Family code (`BFX2`) -> the regular expressions of its groups' failing lines, each once, in catalog order."""
    found: Dict[str, Tuple[str, ...]] = {}
    for group in sink_groups():
        family = group.code[:4]
        if group.failing_line and group.failing_line not in found.get(family, ()):
            found[family] = found.get(family, ()) + (group.failing_line,)
    return found
