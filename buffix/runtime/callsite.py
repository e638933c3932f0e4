"""Who is asking: the program, or a library acting on its behalf.

The runtime hands a proxy only to the program's own code. When a client library reads its own body
(`Response.text` reads `self.content`) or the standard library does (`json.load(resp)`,
`shutil.copyfileobj(resp, f)`), the real body is returned, so correct programs behave exactly as
without the runtime.
"""

from __future__ import annotations

import os
import sys
import sysconfig
from typing import Dict, Iterable, Optional, Tuple

_SITE_DIRS = ("site-packages", "dist-packages")
_RUNTIME_DIR = os.path.dirname(os.path.abspath(__file__))


def _stdlib_dirs() -> Tuple[str, ...]:
    paths = sysconfig.get_paths()
    dirs = {os.path.realpath(paths[key]) + os.sep for key in ("stdlib", "platstdlib") if key in paths}
    return tuple(sorted(dirs))


class CallerClassifier:
    """Classifies code objects as library-internal (stdlib, client libraries, buffix runtime) or program."""

    def __init__(self, library_dirs: Iterable[str] = ()) -> None:
        self._stdlib = _stdlib_dirs()
        self._libraries: Tuple[str, ...] = (_RUNTIME_DIR + os.sep,)
        self.internal_cache: Dict[str, bool] = {}
        self.add_library_dirs(library_dirs)

    def add_library_dirs(self, dirs: Iterable[str]) -> None:
        new = {os.path.realpath(d) + os.sep for d in dirs}
        self._libraries = tuple(sorted(set(self._libraries) | new))
        self.internal_cache.clear()

    def is_internal_file(self, filename: str) -> bool:
        cached = self.internal_cache.get(filename)
        if cached is None:
            cached = self.internal_cache[filename] = self._classify(filename)
        return cached

    def _classify(self, filename: str) -> bool:
        if filename.startswith("<frozen "):
            return True
        path = os.path.realpath(filename)
        if path.startswith(self._libraries):
            return True
        for stdlib in self._stdlib:
            if path.startswith(stdlib):
                rest = path[len(stdlib):]
                return not rest.startswith(_SITE_DIRS)
        return False

    def called_internally(self, depth: int = 2) -> bool:
        """True when the frame `depth` levels up (the caller of the hooked function) is library code."""
        filename = sys._getframe(depth).f_code.co_filename
        cached = self.internal_cache.get(filename)
        return self.is_internal_file(filename) if cached is None else cached

    def program_frame(self, depth: int = 2) -> Tuple[str, int]:
        """(file, line) of the nearest program frame at or above `depth`; formatting waits until a report."""
        frame = sys._getframe(depth)
        first = frame
        cache = self.internal_cache
        while frame is not None:
            filename = frame.f_code.co_filename
            internal = cache.get(filename)
            if internal is None:
                internal = self.is_internal_file(filename)
            if not internal:
                return filename, frame.f_lineno
            frame = frame.f_back
        return first.f_code.co_filename, first.f_lineno

    def program_site(self, depth: int = 2) -> str:
        """`file:line` of the nearest program frame at or above `depth`, for reports."""
        frame: Optional[object] = sys._getframe(depth)
        first = frame
        while frame is not None:
            code = frame.f_code  # type: ignore[attr-defined]
            if not self.is_internal_file(code.co_filename):
                return f"{code.co_filename}:{frame.f_lineno}"  # type: ignore[attr-defined]
            frame = frame.f_back  # type: ignore[attr-defined]
        if first is None:
            return "<unknown>"
        return f"{first.f_code.co_filename}:{first.f_lineno}"  # type: ignore[attr-defined]
