"""A progress bar on stderr for long runs, only when stderr is a terminal; a no-op otherwise (CI, pipes)."""

from __future__ import annotations

import contextlib
import sys
from typing import Iterable, Iterator, Optional, TypeVar

import click

T = TypeVar("T")


@contextlib.contextmanager
def progress(items: Iterable[T], length: Optional[int] = None, label: str = "Checking", enabled: bool = True,
             stream=None) -> Iterator[Iterable[T]]:
    """`with progress(paths, len(paths)) as items: for p in items: ...` — bar only on a TTY stderr."""
    stream = stream if stream is not None else sys.stderr
    if not (enabled and stream.isatty()):
        yield items
        return
    with click.progressbar(items, length=length, label=label, file=stream, show_pos=True) as bar:
        yield bar
