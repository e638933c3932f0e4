"""Who is asking: the program, or a library acting on its behalf.

The runtime hands a proxy only to the program's own code. When a client library reads its own body
(`Response.text` reads `self.content`) or the standard library does (`json.load(resp)`,
`shutil.copyfileobj(resp, f)`), the real body is returned, so correct programs behave exactly as
without the runtime.
"""

from __future__ import annotations

import os
import site
import sys
import sysconfig
from types import CodeType, FrameType
from typing import Dict, Iterable, Optional, Tuple

_SITE_DIRS = ("site-packages", "dist-packages")
_RUNTIME_DIR = os.path.dirname(os.path.abspath(__file__))


def _spellings(path: str) -> Tuple[str, ...]:
    """`path` as code objects may name it: as given and with its links resolved (looked up once, at start-up)."""
    found = {os.path.normpath(os.path.abspath(path)) + os.sep}
    try:
        found.add(os.path.realpath(path) + os.sep)
    except (OSError, ValueError):
        pass
    return tuple(found)


def _interpreter_dirs() -> Tuple[str, ...]:
    """The standard library and every directory the interpreter installs distributions into."""
    paths = sysconfig.get_paths()
    dirs = [paths[key] for key in ("stdlib", "platstdlib", "purelib", "platlib") if key in paths]
    try:
        dirs += site.getsitepackages() + [site.getusersitepackages()]
    except AttributeError:  # an old virtualenv's site module
        pass
    return tuple(sorted({spelling for d in dirs for spelling in _spellings(d)}))


def _top_package(path: str) -> str:
    """The distribution's top-level package of a file under site-packages/dist-packages ("" when not)."""
    for marker in _SITE_DIRS:
        at = path.rfind(os.sep + marker + os.sep)
        if at >= 0:
            rest = path[at + len(marker) + 2:]
            return rest.split(os.sep, 1)[0].split(".", 1)[0]
    return ""


class CallerClassifier:
    """Decides, by where code lives, whether it is library code (gets real bodies) or the program (gets proxies).

    Library: the standard library, anything installed (site-packages, dist-packages, the interpreter's install
    directories), frozen modules, the buffix runtime and the hooked client libraries. Program: everything else,
    and the installed packages named in `proxy_libraries` (a team checking a library it maintains).
    Classifying never touches the filesystem (an asyncio program under blockbuster must not block), never
    raises, and each file's answer is cached.

    The answer is a function of the code's file name alone, so caching it per file name is caching it per code
    object, with a key whose hash the string keeps. The one exception is a made-up name ("<string>", "<attrs
    generated init ...>", "<doctest ...>"): code compiled from text shares it with every other such code, whoever
    compiled it. For those the module the code runs in (the frame's `__file__`) decides, and nothing is cached
    under the shared name. docs/runtime.md has the whole argument.
    """

    def __init__(self, library_dirs: Iterable[str] = (), proxy_libraries: Iterable[str] = ()) -> None:
        self._interpreter = _interpreter_dirs()
        self._libraries: Tuple[str, ...] = _spellings(_RUNTIME_DIR)
        self._proxied: Tuple[str, ...] = ()
        self.internal_cache: Dict[str, bool] = {}
        self.add_library_dirs(library_dirs)
        self.set_proxy_libraries(proxy_libraries)

    def add_library_dirs(self, dirs: Iterable[str]) -> None:
        new = {spelling for d in dirs if d for spelling in _spellings(d)}
        self._libraries = tuple(sorted(set(self._libraries) | new))
        self.internal_cache.clear()

    def set_proxy_libraries(self, names: Iterable[str]) -> None:
        """Top-level package names whose code gets proxies like the program's."""
        self._proxied = tuple(sorted({name.strip() for name in names if name.strip()}))
        self.internal_cache.clear()

    def is_internal_frame(self, frame: FrameType) -> bool:
        """Whether the code running in `frame` is library code (the hooks' question)."""
        filename = frame.f_code.co_filename
        cached = self.internal_cache.get(filename)
        if cached is not None:
            return cached
        if filename.startswith("<") and not filename.startswith("<frozen "):
            return self._compiled_text_is_internal(frame)
        return self.is_internal_file(filename)

    def _compiled_text_is_internal(self, frame: FrameType) -> bool:
        """Code compiled from text (exec, eval, generated methods) is the module's it runs in; with no module file
        (`python -c`, a fresh namespace) it is the program's, as code the program runs itself."""
        try:
            module_file = frame.f_globals.get("__file__")
        except Exception:  # an odd globals mapping: answered, not raised
            return False
        if isinstance(module_file, str) and module_file and not module_file.startswith("<"):
            return self.is_internal_file(module_file)
        return False

    def is_internal_file(self, filename: str) -> bool:
        """Whether code of `filename` is library code; a made-up name ("<string>") counts as the program's here
        and is not cached (is_internal_frame knows better)."""
        cached = self.internal_cache.get(filename)
        if cached is None:
            if filename.startswith("<") and not filename.startswith("<frozen "):
                return False
            try:
                cached = self._classify(filename)
            except Exception:  # never let a classification break a read; library code gets the real body
                cached = True
            self.internal_cache[filename] = cached
        return cached

    def _classify(self, filename: str) -> bool:
        if filename.startswith("<frozen "):
            return True
        if filename.startswith("<"):  # <string>, <stdin>: code the program runs itself
            return False
        path = os.path.normpath(filename) if os.path.isabs(filename) else filename
        if self._proxied and self._in_proxied(path):
            return False
        if path.startswith(self._libraries) or path.startswith(self._interpreter):
            return True
        return _top_package(path) != ""

    def _in_proxied(self, path: str) -> bool:
        package = _top_package(path)
        if package:
            return package in self._proxied
        return any(f"{os.sep}{name}{os.sep}" in path for name in self._proxied)  # an editable checkout

    def program_frame(self, depth: int = 2) -> Tuple[CodeType, int]:
        """(code, f_lasti) of the nearest program frame at or above `depth`; the line waits until a report."""
        first = sys._getframe(depth)
        frame: Optional[FrameType] = first
        cache = self.internal_cache
        while frame is not None:
            filename = frame.f_code.co_filename
            internal = cache.get(filename)
            if internal is None:
                internal = self.is_internal_frame(frame)
            if not internal:
                return frame.f_code, frame.f_lasti
            frame = frame.f_back
        return first.f_code, first.f_lasti
