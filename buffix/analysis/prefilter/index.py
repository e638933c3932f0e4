"""Which file of the analyzed tree defines a method of a given name (one byte-level scan of the tree, on demand).

`x.get_from_cdn(url)` on a receiver of unknown type can still be resolved when exactly one class of the tree defines
`get_from_cdn`: attribute chains (`self._state.http`) rarely say their type, but distinctive method names rarely lie.
Names defined more than once, and the catalog's `common_methods` (read, write, get, ...), are never resolved this way.
"""

from __future__ import annotations

import os
import re
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Dict, FrozenSet, Iterable, List, Optional, Sequence, Set, TypeVar

if TYPE_CHECKING:
    from buffix.analysis.prefilter.tokens import Screens
    from buffix.config import Config

K = TypeVar("K")  # the key of a fact table (a method name, a class name)
CALLED = re.compile(rb"\.(\w+)[ \t]*\(")  # `.name(`: a method call
PARALLEL_FILES = 2000  # a scan shard's least files: forking a process costs about what scanning 100 files does
DISPATCH_FILES = 16  # the most files a search for a class's subclasses parses (project.Project.subclasses)
_DEF = re.compile(rb"def[ \t]+(\w+)")  # a literal prefix: `re` finds it with a fast scan, `^[ \t]+` is 100x slower
_CLASS = re.compile(rb"class[ \t]+(\w+)[ \t]*(?:\(([^)]*)\))?[ \t]*:")  # `class X(Base, Mixin):`
_WORD = re.compile(rb"\w+")
_INDENT = re.compile(rb"[ \t]+(?:async[ \t]+)?")


def _python_files(roots: Iterable[Path], config: Optional["Config"]) -> List[str]:
    """The tree's `.py` files as discovery walks them (its excludes and .gitignore): an ignored `build/lib/` copy of a
    module would make its method names non-unique and lose their findings."""
    from buffix.config import Config
    from buffix.discovery import discover

    config = config if config is not None else Config()
    found = discover([str(r) for r in roots], exclude=config.exclude, extend_exclude=config.extend_exclude,
                     root=config.root)
    return [str(f) for f in found.files if f.suffix == ".py"]


def _methods(data: bytes) -> Iterable["re.Match[bytes]"]:
    """`def name` indented on its own line: a method (or a nested function)."""
    for match in _DEF.finditer(data):
        start = data.rfind(b"\n", 0, match.start()) + 1
        if start < match.start() and _INDENT.fullmatch(data, start, match.start()):
            yield match


@dataclass
class _Facts:
    """What the scan of some files of the tree learned; the scans of disjoint shards merge into one."""

    counts: Counter = field(default_factory=Counter)  # method name (bytes) -> files defining it
    file: Dict[str, str] = field(default_factory=dict)  # method -> a file defining it (the one, when unique)
    bearing: Dict[str, Set[str]] = field(default_factory=dict)  # method -> files where its own text names a body
    sure: Set[str] = field(default_factory=set)  # methods whose text names a client library or body member
    abstract: Set[str] = field(default_factory=set)  # methods some class declares abstract
    subclassing: Dict[bytes, Set[str]] = field(default_factory=dict)  # a name in a class's bases -> files
    classes: Dict[bytes, Set[str]] = field(default_factory=dict)  # a class name -> files defining a class so named

    def update(self, other: "_Facts") -> None:
        self.counts.update(other.counts)
        self.file.update(other.file)
        self.sure |= other.sure
        self.abstract |= other.abstract
        _merge(self.bearing, other.bearing)
        _merge(self.subclassing, other.subclassing)
        _merge(self.classes, other.classes)


def _merge(mine: Dict[K, Set[str]], theirs: Dict[K, Set[str]]) -> None:
    for key, files in theirs.items():
        mine.setdefault(key, set()).update(files)


def _scan(paths: Sequence[str], screen: "Screens") -> _Facts:
    facts = _Facts()
    for path in paths:
        try:
            if not os.path.isfile(path):  # a named pipe would block the whole run
                continue
            with open(path, "rb") as handle:
                data = handle.read()
        except OSError:
            continue
        for statement in _CLASS.finditer(data):
            facts.classes.setdefault(statement.group(1), set()).add(path)
            for base in _WORD.findall(statement.group(2) or b""):
                facts.subclassing.setdefault(base, set()).add(path)
        found = list(_methods(data))
        facts.counts.update({m.group(1) for m in found})
        bearing = screen.libraries.search(data)  # most files name no client library at all
        for match, after in zip(found, found[1:] + [None]):
            name = match.group(1).decode("ascii", "replace")
            facts.file[name] = path
            end = after.start() if after is not None else len(data)
            if data.find(b"NotImplementedError", match.end(), end) >= 0 or data.find(
                    b"abstractmethod", max(0, match.start() - 80), match.start()) >= 0:
                facts.abstract.add(name)
            if bearing and screen.any_source.search(data, match.end(), end):
                facts.bearing.setdefault(name, set()).add(path)
                if screen.sure.search(data, match.end(), end):
                    facts.sure.add(name)
    return facts


def _scan_all(paths: List[str], screen: "Screens", jobs: int) -> _Facts:
    """Scan here and in `jobs - 1` forked processes when the tree is large enough to pay for them."""
    shards = min(jobs, len(paths) // PARALLEL_FILES) if hasattr(os, "fork") else 1
    if shards <= 1:
        return _scan(paths, screen)
    import multiprocessing

    from buffix.core.process import run_and_send

    context = multiprocessing.get_context("fork")
    children = []
    for shard in range(1, shards):
        ours, theirs = context.Pipe(duplex=False)
        process = context.Process(target=run_and_send, args=(theirs, _scan, (paths[shard::shards], screen)),
                                  daemon=True)
        process.start()
        theirs.close()
        children.append((ours, process))
    facts = _scan(paths[0::shards], screen)
    for shard, (conn, process) in enumerate(children, 1):
        try:
            facts.update(conn.recv())
        except EOFError:  # the child died (killed, out of memory): scan its shard here
            facts.update(_scan(paths[shard::shards], screen))
        conn.close()
        process.join()
    return facts



class MethodIndex:
    def __init__(self, roots: Iterable[Path], screen: "Screens", jobs: int = 1,
                 config: Optional["Config"] = None) -> None:
        """A method counts as bearing when its file names a client library or response type (`screen.libraries`)
        and its own text names a body source, possibly guessed (`resp.read()`); it counts even when several classes
        define it when that text names no guess (`screen.sure`). `jobs`: processes the scan may use; `config`: the
        excludes the walk honours."""
        facts = _scan_all(_python_files(roots, config), screen, jobs)
        self._file = facts.file
        self._bearing = facts.bearing
        self._sure = facts.sure
        self._abstract = facts.abstract
        self._subclassing = facts.subclassing
        self._classes = facts.classes
        self._unique = {n.decode("ascii", "replace") for n, c in facts.counts.items() if c == 1}
        self._few = {n.decode("ascii", "replace") for n, c in facts.counts.items() if c <= DISPATCH_FILES}

    def body_methods(self, common: FrozenSet[str]) -> FrozenSet[bytes]:
        """Names of the methods that may return a body (prefilter, stage 2), as bytes: unique ones, and those a
        call on a typed value may reach (`self.msg.iter_body()` dispatched to an override whose own text calls
        `.iter_content()`)."""
        names = (self._unique & set(self._bearing)) | (self._sure & self._abstract & self._few)
        return frozenset(n.encode() for n in names if n not in common and not n.startswith("__"))

    def bearing_files(self, name: str) -> List[str]:
        return sorted(self._bearing.get(name, ()))

    def subclassing(self, name: str) -> List[str]:
        """Files with a class statement naming `name` among its bases (a superset: the caller checks)."""
        return sorted(self._subclassing.get(name.encode(), ()))

    def class_file(self, name: str) -> Optional[str]:
        """The one file defining a class named `name`, or None when none or several do."""
        files = self._classes.get(name.encode(), ())
        return next(iter(files)) if len(files) == 1 else None

    def unique(self, name: str, bearing: bool = False) -> Optional[str]:
        """The one file defining an indented `def name` (a method), or None when none or several do;
        with `bearing`, only if that method's own text names a body source."""
        if name not in self._unique or bearing and name not in self._bearing:
            return None
        return self._file[name]
