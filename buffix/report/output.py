"""Write a report (or any text buffix creates) atomically: a reader sees the old file or the whole new one."""

from __future__ import annotations

import os
import tempfile


def write_text_atomic(path: str, text: str, exclusive: bool = False) -> None:
    """Write `text` (UTF-8) to `path` through a temporary file in the same directory and os.replace.

    With `exclusive`, refuse with FileExistsError when `path` exists (the check and the link are one step).
    A new file gets the usual permissions (0o666 less the umask), not mkstemp's 0o600.
    """
    directory = os.path.dirname(os.path.abspath(path))
    handle, temporary = tempfile.mkstemp(prefix=f".{os.path.basename(path)}.", suffix=".tmp", dir=directory)
    try:
        with os.fdopen(handle, "w", encoding="utf-8", newline="") as stream:
            stream.write(text)
            stream.flush()
            os.fsync(stream.fileno())
        if os.path.exists(path):
            mode = os.stat(path).st_mode & 0o7777
        else:
            umask = os.umask(0)
            os.umask(umask)
            mode = 0o666 & ~umask
        os.chmod(temporary, mode)
        if exclusive:
            _link_exclusive(temporary, path)
        else:
            os.replace(temporary, path)
    except BaseException:
        if os.path.exists(temporary):
            os.unlink(temporary)
        raise


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
