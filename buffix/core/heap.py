"""The C heap of a process that analyzes or fixes a large file (docs/reliability.md, "Memory of check and fix").

glibc serves a block above its mmap threshold (128 KiB) from pages of its own and unmaps them when the block is
freed, but it raises that threshold to the size of every such block freed (up to 32 MiB). After the first few
MiB-sized blocks of a large file (its text, its arrays, the tables of its functions) the later ones come from
the heap, and what the first analysis freed there is holes that the fixer and the second analysis do not fit
into: `fix` of a 4 MB file peaked 37 MiB above a one-site run, 26 with the threshold held (MALLOC_MMAP_THRESHOLD_).
Elsewhere than glibc these do nothing.
"""

from __future__ import annotations

from functools import lru_cache
from typing import Any, Optional

_M_MMAP_THRESHOLD = -3  # <malloc.h>
_MMAP_THRESHOLD = 128 * 1024  # glibc's default: held, no longer raised
_held = False


def keep_large_blocks_apart() -> None:
    """Hold glibc's mmap threshold at its default for the rest of the process (once: a large file is read)."""
    global _held
    if _held:
        return
    _held = True
    libc = _libc()
    if libc is not None:
        libc.mallopt(_M_MMAP_THRESHOLD, _MMAP_THRESHOLD)


def trim() -> None:
    """Give the heap's free memory back to the system: the analysis's freed blocks are scattered, and the fixer's
    and the next analysis's would otherwise be laid beside them (a 1 MB file: ~6 MiB)."""
    libc = _libc()
    if libc is not None:
        libc.malloc_trim(0)


@lru_cache(maxsize=None)  # loaded once: each load is a cycle of ctypes objects
def _libc() -> Optional[Any]:
    """glibc, or None (another C library, another system)."""
    try:
        import ctypes

        libc = ctypes.CDLL("libc.so.6")
        return libc if hasattr(libc, "mallopt") and hasattr(libc, "malloc_trim") else None
    except OSError:
        return None
