"""The one writer of files buffix creates or rewrites (reports, baselines, config, fixed sources).

A reader sees the old file or the whole new one. What the path names is kept: a symlink stays a link (its target is
written), a device, FIFO or other non-regular file is written through (`-o /dev/null`, `-o /dev/stdout`), a file's
owner, group, mode and hard links survive, and a read-only file is refused with a clear error (as root too).
"""

from __future__ import annotations

import os
import stat
import tempfile
from typing import Optional


class FileChangedError(OSError):
    """The file on disk is no longer the one that was read; nothing was written."""


class ReadOnlyError(PermissionError):
    """The file has no write permission: buffix does not rewrite it, whoever runs it."""


def write_text_atomic(path: str, text: str, exclusive: bool = False) -> None:
    """Write `text` (UTF-8) to `path`. With `exclusive`, refuse with FileExistsError when `path` exists (the check
    and the link are one step). A new file gets the usual permissions (0o666 less the umask)."""
    # backslashreplace: a file name that is not UTF-8 (a lone surrogate) is written as `\udce9`, which keeps the file
    # valid UTF-8 and, inside a JSON or SARIF string, valid JSON
    write_bytes_atomic(path, text.encode("utf-8", "backslashreplace"), exclusive=exclusive)


def write_bytes_atomic(path: str, data: bytes, expected_original: Optional[bytes] = None,
                       exclusive: bool = False) -> None:
    """Write `data` to what `path` names; see the module docstring. With `expected_original`, refuse with
    FileChangedError when the file no longer holds those bytes (checked last, to keep the race window small)."""
    real = os.path.realpath(path)
    try:
        info: Optional[os.stat_result] = os.stat(real)
    except FileNotFoundError:
        info = None
    if info is not None and exclusive:
        raise FileExistsError(f"{path}: already exists")
    if info is not None and not stat.S_ISREG(info.st_mode):
        with open(real, "wb") as stream:  # a device or a pipe: there is nothing to replace atomically
            stream.write(data)
        return
    if info is not None and not info.st_mode & 0o222:
        raise ReadOnlyError(f"read-only file (mode {stat.S_IMODE(info.st_mode):04o}); make it writable to fix it")
    if info is not None and info.st_nlink > 1:
        _write_in_place(real, path, data, expected_original)  # a rename would break the hard links
        return
    directory, name = os.path.split(real)
    handle, temporary = tempfile.mkstemp(prefix=f".{name}.", suffix=".buffix", dir=directory)
    try:
        with os.fdopen(handle, "wb") as stream:
            stream.write(data)
            stream.flush()
            os.fsync(stream.fileno())
        if info is None:
            umask = os.umask(0)
            os.umask(umask)
            os.chmod(temporary, 0o666 & ~umask)
        else:
            if (info.st_uid, info.st_gid) != _owner(temporary):
                try:
                    os.chown(temporary, info.st_uid, info.st_gid)
                except OSError:  # not ours to give away: keep the owner by writing in place
                    os.unlink(temporary)
                    _write_in_place(real, path, data, expected_original)
                    return
            os.chmod(temporary, stat.S_IMODE(info.st_mode))
        if expected_original is not None:
            _expect(real, path, expected_original)
        if exclusive:
            _link_exclusive(temporary, real)
        else:
            os.replace(temporary, real)
    except BaseException:
        if os.path.exists(temporary):
            os.unlink(temporary)
        raise


def _owner(path: str) -> "tuple[int, int]":
    info = os.stat(path)
    return info.st_uid, info.st_gid


def _expect(real: str, path: str, expected: bytes) -> None:
    with open(real, "rb") as current:
        if current.read(len(expected) + 1) != expected:
            raise FileChangedError(f"{path}: changed since it was read; not written")


def _write_in_place(real: str, path: str, data: bytes, expected: Optional[bytes]) -> None:
    """Rewrite the file's own inode (owner, group, mode and links stay); used only after the result is proven."""
    with open(real, "r+b") as stream:
        if expected is not None and stream.read(len(expected) + 1) != expected:
            raise FileChangedError(f"{path}: changed since it was read; not written")
        stream.seek(0)
        stream.write(data)
        stream.truncate()
        stream.flush()
        os.fsync(stream.fileno())


def _link_exclusive(temporary: str, path: str) -> None:
    try:
        os.link(temporary, path)  # fails when path exists: the check and the write are one step
    except FileExistsError:
        raise
    except OSError:  # a filesystem without hard links: reserve the name, then replace it
        os.close(os.open(path, os.O_CREAT | os.O_EXCL | os.O_WRONLY))
        os.replace(temporary, path)
        return
    os.unlink(temporary)
