"""One module per client library, each a `LIBRARY` (buffix.knowledge.model.Library) that says everything buffix
knows about it: its types, body sources and re-upload sinks for the analyzer, and its hook points for the runtime.

Adding a client is copying a file (httpx.py is a full one, niquests.py an analyzer-only alias) and naming it in
MODULES. The files are plain Python data, so the runtime reads them in every process without yaml.
"""

from __future__ import annotations

from functools import lru_cache
from importlib import import_module
from typing import Tuple

from buffix.knowledge.model import Hooks, Library

# In this order the runtime installs its hooks and lists the libraries it knows.
MODULES = ("requests", "httpx", "aiohttp", "urllib3", "boto", "urllib", "niquests", "httpx2")


@lru_cache(maxsize=1)
def all_libraries() -> Tuple[Library, ...]:
    return tuple(import_module(f"{__name__}.{name}").LIBRARY for name in MODULES)


def all_hooks() -> Tuple[Hooks, ...]:
    """What the runtime hooks, per installable name (`botocore` and `aiobotocore` are boto.py's)."""
    return tuple(hooks for library in all_libraries() for hooks in library.hooks)
