"""Which files of the tree a result was computed from: what the result cache must invalidate it on."""

from __future__ import annotations

from contextlib import contextmanager
from typing import Any, Callable, Dict, FrozenSet, Iterator, Optional, Set, Tuple


class Dependencies:
    def __init__(self) -> None:
        self._consulted: Optional[Set[str]] = None

    @contextmanager
    def tracking(self) -> Iterator[Set[str]]:
        """Collect the paths of the tree's module files consulted inside the block (cached answers included)."""
        outer, self._consulted = self._consulted, set()
        try:
            yield self._consulted
        finally:
            found, self._consulted = self._consulted, outer
            if outer is not None:
                outer.update(found)

    @contextmanager
    def unrecorded(self) -> Iterator[None]:
        """What is consulted inside the block is not recorded for the enclosing result (it names its own)."""
        outer, self._consulted = self._consulted, None
        try:
            yield
        finally:
            self._consulted = outer

    def consult(self, path: str) -> None:
        if self._consulted is not None:
            self._consulted.add(path)

    def consult_all(self, paths: Set[str]) -> None:
        """`consult` each of `paths` (one set union: a class's MRO is consulted on every method lookup)."""
        if self._consulted is not None:
            self._consulted |= paths

    def remembered(self, cache: Dict[Any, Tuple[Any, FrozenSet[str]]], key: Any, compute: Callable[[], Any]) -> Any:
        """`compute()` once per key; every later answer still names the files it was read from (`consult`)."""
        if key not in cache:
            with self.tracking() as used:
                value = compute()
            cache[key] = (value, frozenset(used))
        value, files = cache[key]
        if self._consulted is not None:
            self._consulted |= files
        return value
