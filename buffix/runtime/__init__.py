"""buffix runtime: wrap every HTTP response body a program sees in a tracking proxy, as production
instrumentation does, so unsafe buffer conversions fail in tests instead of in production.

    from buffix import runtime
    with runtime.installed(profile="strict"):
        body = requests.get(url).content      # a proxy
        io.BytesIO(body)                      # TypeError, as under any real proxy
        io.BytesIO(body[:])                   # the safe form works

`install()` / `uninstall()` do the same without a block; `stats()` reports the registry.
"""

from __future__ import annotations

import threading
from contextlib import contextmanager
from typing import Iterator, Optional, Sequence

from buffix.runtime.core import Runtime
from buffix.runtime.hooks import HOOK_POINTS, LIBRARY_PACKAGES, Installer
from buffix.runtime.proxy import (
    BodyProxy,
    BodyReleasedError,
    BufferBodyProxy,
    SlowCopyWarning,
    StrictBodyProxy,
)
from buffix.runtime.registry import LeakSuspect, Stats
from buffix.runtime.settings import POLICIES, PROFILES, Settings

__all__ = [
    "BodyProxy", "BodyReleasedError", "BufferBodyProxy", "HOOK_POINTS", "LIBRARY_PACKAGES", "LeakSuspect",
    "POLICIES", "PROFILES", "Settings", "SlowCopyWarning", "Stats", "StrictBodyProxy", "install", "installed",
    "is_installed", "reset_stats", "runtime", "stats", "uninstall",
]

runtime = Runtime()
_installer = Installer(runtime)
_lock = threading.Lock()


def install(
    profile: Optional[str] = None,
    policy: Optional[str] = None,
    *,
    buffer_export: Optional[bool] = None,
    gc_threshold: Optional[int] = None,
    libraries: Optional[Sequence[str]] = None,
    proxy_libraries: Optional[Sequence[str]] = None,
    settings: Optional[Settings] = None,
    lazy: bool = False,
) -> Settings:
    """Install the hooks into every importable client library (idempotent: a second call only updates the
    settings). Libraries that are not installed are skipped. With `lazy`, a library not yet imported is hooked
    when the program imports it. Returns the settings in force."""
    with _lock:
        base = settings or (runtime.settings if _installer.active else Settings())
        new = base.with_changes(profile=profile, policy=policy, buffer_export=buffer_export, gc_threshold=gc_threshold,
                                proxy_libraries=tuple(proxy_libraries) if proxy_libraries is not None else None)
        runtime.configure(new)
        _installer.install(tuple(libraries) if libraries else None, lazy=lazy)
        return new


def uninstall() -> None:
    """Restore every hooked attribute to the very object it was before install()."""
    with _lock:
        _installer.uninstall()


def is_installed() -> bool:
    return _installer.active


def installed_libraries() -> tuple:
    return _installer.libraries


@contextmanager
def installed(profile: Optional[str] = None, policy: Optional[str] = None, **options: object) -> Iterator[Runtime]:
    """Run a block under the runtime; on exit the previous state (installed or not, and its settings) returns."""
    was_installed, previous = is_installed(), runtime.settings
    install(profile, policy, **options)  # type: ignore[arg-type]
    try:
        yield runtime
    finally:
        if was_installed:
            runtime.configure(previous)
        else:
            uninstall()
            runtime.configure(previous)


def stats() -> Stats:
    return runtime.stats()


def reset_stats() -> None:
    runtime.registry.reset()
