"""Write a fixed file: buffix.core.atomic is the one writer (atomic, metadata kept, read-only refused)."""

from __future__ import annotations

from buffix.core.atomic import FileChangedError, ReadOnlyError, write_bytes_atomic

__all__ = ["FileChangedError", "ReadOnlyError", "write_atomic"]


def write_atomic(path: str, data: bytes, expected_original: bytes) -> None:
    """Replace what `path` names by `data`, only if it still holds `expected_original`."""
    write_bytes_atomic(path, data, expected_original=expected_original)
