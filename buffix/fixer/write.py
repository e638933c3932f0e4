"""Write a fixed file atomically, and only over the bytes that were read."""

from __future__ import annotations

import os
import stat
import tempfile


class FileChangedError(OSError):
    """The file on disk is no longer the one that was fixed; nothing was written."""


def write_atomic(path: str, data: bytes, expected_original: bytes) -> None:
    """Replace `path` by `data` (temp file in the same directory + os.replace), keeping its mode.

    Refuses with FileChangedError when the file no longer holds `expected_original`. A symlink is followed,
    so the link stays a link and its target gets the new content.
    """
    real = os.path.realpath(path)
    mode = stat.S_IMODE(os.stat(real).st_mode)
    directory, name = os.path.split(real)
    handle, temporary = tempfile.mkstemp(prefix=f".{name}.", suffix=".buffix", dir=directory)
    try:
        with os.fdopen(handle, "wb") as stream:
            stream.write(data)
            stream.flush()
            os.fsync(stream.fileno())
        os.chmod(temporary, mode)
        with open(real, "rb") as current:  # checked last, to keep the race window small
            if current.read() != expected_original:
                raise FileChangedError(f"{path}: changed since it was read; not written")
        os.replace(temporary, real)
    except BaseException:
        if os.path.exists(temporary):
            os.unlink(temporary)
        raise
