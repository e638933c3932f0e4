"""The shapes of buffix's knowledge: a client library (analyzer facts and runtime hook points), a sink group.

Plain frozen dataclasses and nothing else, so the runtime can read them in every child process (sitecustomize)
without PyYAML or the analyzer. The library files (buffix/knowledge/libraries/) and the rule modules
(buffix/knowledge/rules/) are instances of these.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Dict, Mapping, Optional, Tuple

DELETE = object()  # HookPoint.cache_empty meaning "delete the attribute" (httpx tests `hasattr(self, "_content")`)


@dataclass(frozen=True)
class SinkGroup:
    """Sinks that take a body argument the same way, under one rule code.

    Exactly one of `call` (qualified functions), `method` (`Type.method` or `*.method`) or `syntax` (an operation the
    analyzer recognises by its own rule, not through the catalog, e.g. `a + body`). `arg`/`keyword` say where the body
    goes, `accepts` whether a body or an iterable of chunks, `when` a condition ("single": one positional argument
    only, "encoded": an encoding is given). `failing_line` is a regular expression: a program line it matches, failing
    with a proxy's TypeError, is explained under this group's family at run time (runtime/diagnose.py). `unmeasured`
    says why no operation of the runtime matrix (tests/sinks.py) exercises the group; empty when one does.
    """

    code: str
    call: Tuple[str, ...] = ()
    method: Tuple[str, ...] = ()
    syntax: str = ""
    arg: Optional[int] = None
    keyword: Tuple[str, ...] = ()
    accepts: str = "body"
    when: Optional[str] = None
    failing_line: str = ""
    unmeasured: str = ""

    @property
    def targets(self) -> Tuple[str, ...]:
        """What the runtime matrix names the group by: its qualified callables, its methods, or its syntax."""
        return self.call or self.method or ((self.syntax,) if self.syntax else ())

    def entry(self) -> Optional[Dict[str, Any]]:
        """The group as a catalog sink entry (the schema user config `sinks` share), None for a `syntax` group."""
        if self.syntax:
            return None
        entry: Dict[str, Any] = {"call": list(self.call)} if self.call else {"method": list(self.method)}
        if self.arg is not None:
            entry["arg"] = self.arg
        if self.keyword:
            entry["keyword"] = list(self.keyword)
        if self.accepts != "body":
            entry["accepts"] = self.accepts
        if self.when is not None:
            entry["when"] = self.when
        entry["code"] = self.code
        return entry


@dataclass(frozen=True)
class HookPoint:
    """One attribute of a client library's class that the runtime replaces (runtime/hooks.py: WRAPPER_FACTORIES)."""

    library: str  # the name `runtime.install(libraries=...)` takes ("requests", "httpx", ...)
    module: str
    owner: str  # class name inside `module`
    attribute: str
    kind: str  # one of runtime.hooks.WRAPPER_FACTORIES
    source: str = ""  # how findings and reports name the body ("requests Response.content")
    cache_attr: str = ""  # where the response keeps the body it returns again (cleared on release)
    cache_empty: Any = None
    related: Tuple[str, ...] = ()  # "link": attributes of the response that are its body streams
    linked: bool = False  # the hooked object is a stream; its bodies belong to the response linked to it


@dataclass(frozen=True)
class Hooks:
    """What the runtime hooks for one installable name, and how it knows the library's own code."""

    library: str  # the name `runtime.install(libraries=...)` takes
    packages: Tuple[str, ...]  # code in these packages reads its own bodies and gets the real one (callsite.py)
    trigger: str  # a lazy install waits for this module's import (it imports every hooked submodule)
    points: Tuple[HookPoint, ...]


@dataclass(frozen=True)
class Library:
    """Everything buffix knows about one client library: where its bodies come from and go (the analyzer's catalog
    schema: `types`, `sources`, `aliases`, re-upload `reuploads`), and where the runtime hooks it (`hooks`), or why it
    does not (`analyzer_only`)."""

    name: str
    types: Mapping[str, Mapping[str, Any]] = field(default_factory=dict)  # type name -> members (catalog schema)
    sources: Mapping[str, str] = field(default_factory=dict)  # qualified callable -> what it returns
    # API-compatible fork -> the library it copies; or a name the library re-exports -> what it re-exports
    aliases: Mapping[str, str] = field(default_factory=dict)
    reuploads: Tuple[SinkGroup, ...] = ()  # BFX3: where a body is sent again as a request body
    hooks: Tuple[Hooks, ...] = ()
    analyzer_only: str = ""  # why the runtime does not hook it (empty when `hooks` are given)
