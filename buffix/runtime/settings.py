"""How the runtime behaves: one frozen value, built from arguments or from the environment of `buffix run`."""

from __future__ import annotations

import os
from dataclasses import dataclass, replace
from typing import Any, Mapping, Optional, Tuple

PROFILES = ("wrapt", "strict")
POLICIES = ("track", "release_on_close")

ENV_PROFILE = "BUFFIX_RUNTIME_PROFILE"
ENV_POLICY = "BUFFIX_RUNTIME_POLICY"
ENV_REPORT = "BUFFIX_RUNTIME_REPORT"
ENV_BUFFER_EXPORT = "BUFFIX_RUNTIME_BUFFER_EXPORT"
ENV_GC_THRESHOLD = "BUFFIX_RUNTIME_GC_THRESHOLD"
ENV_PROXY_LIBRARIES = "BUFFIX_RUNTIME_PROXY_LIBRARIES"
ENV_OBSERVE = "BUFFIX_RUNTIME_OBSERVE"

MIB = 1 << 20


class RuntimeUnavailable(RuntimeError):
    """The runtime asked for cannot run in this interpreter (buffer-export mode before Python 3.12)."""


@dataclass(frozen=True)
class Settings:
    profile: str = "wrapt"  # "wrapt": behaves like wrapt.ObjectProxy; "strict": also refuses bytes(), +, iteration
    policy: str = "track"  # "track": account only; "release_on_close": free bodies when their response closes
    buffer_export: bool = False  # Python 3.12+ root-cause mode: the proxy exports the buffer protocol (PEP 688)
    gc_threshold: int = MIB  # releasing a body this large triggers a (rate-limited) gc.collect()
    gc_min_interval: float = 1.0  # seconds between two such collections
    slow_copy_warn_bytes: int = 64 * 1024  # iterating a body this large byte by byte warns (wrapt profile)
    proxy_libraries: Tuple[str, ...] = ()  # installed packages whose code gets proxies like the program's
    observe: str = ""  # observe mode: the findings file every export is recorded into

    def __post_init__(self) -> None:
        if self.profile not in PROFILES:
            raise ValueError(f"unknown runtime profile {self.profile!r}; expected one of {', '.join(PROFILES)}")
        if self.policy not in POLICIES:
            raise ValueError(f"unknown cleanup policy {self.policy!r}; expected one of {', '.join(POLICIES)}")
        if self.gc_threshold < 0 or self.slow_copy_warn_bytes < 0 or self.gc_min_interval < 0:
            raise ValueError("runtime thresholds must not be negative")

    def with_changes(self, **changes: Any) -> "Settings":
        return replace(self, **{key: value for key, value in changes.items() if value is not None})

    def to_env(self) -> dict:
        return {
            ENV_PROFILE: self.profile,
            ENV_POLICY: self.policy,
            ENV_BUFFER_EXPORT: "1" if self.buffer_export else "0",
            ENV_GC_THRESHOLD: str(self.gc_threshold),
            ENV_PROXY_LIBRARIES: ",".join(self.proxy_libraries),
            ENV_OBSERVE: self.observe,
        }

    @classmethod
    def from_env(cls, environ: Optional[Mapping[str, str]] = None) -> "Settings":
        env = os.environ if environ is None else environ
        threshold = env.get(ENV_GC_THRESHOLD)
        return cls(
            profile=env.get(ENV_PROFILE) or "wrapt",
            policy=env.get(ENV_POLICY) or "track",
            buffer_export=env.get(ENV_BUFFER_EXPORT, "0") == "1",
            gc_threshold=int(threshold) if threshold else MIB,
            proxy_libraries=parse_names(env.get(ENV_PROXY_LIBRARIES, "")),
            observe=env.get(ENV_OBSERVE, ""),
        )


def parse_names(text: str) -> Tuple[str, ...]:
    """"pkg_a, pkg_b" -> ("pkg_a", "pkg_b")."""
    return tuple(name.strip() for name in text.split(",") if name.strip())
