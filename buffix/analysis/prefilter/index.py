"""Which file of the analyzed tree defines a method of a given name (one byte-level scan of the tree, on demand).

`x.get_from_cdn(url)` on a receiver of unknown type can still be resolved when exactly one class of the tree defines
`get_from_cdn`: attribute chains (`self._state.http`) rarely say their type, but distinctive method names rarely lie.
Names defined more than once, and the catalog's `common_methods` (read, write, get, ...), are never resolved this way.
"""

from __future__ import annotations

import os
import re
import stat
from bisect import bisect_left
from collections import ChainMap, Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import (
    TYPE_CHECKING,
    Any,
    Dict,
    FrozenSet,
    Iterable,
    List,
    Mapping,
    Optional,
    Protocol,
    Sequence,
    Set,
    Tuple,
)

from buffix.analysis.prefilter.tokens import first_stage

if TYPE_CHECKING:
    from buffix.analysis.prefilter.tokens import Screens
    from buffix.config import Config

CALLED = re.compile(rb"\.(\w+)[ \t]*\(")  # `.name(`: a method call
PARALLEL_FILES = 2000  # a scan shard's least files: forking a process costs about what scanning 100 files does
CLOSURE_FILES = 2  # the most files defining a method that may join the body-method closure (MethodIndex._closure)
COMMON_BEARING_FILES = 4  # the most files defining a common name that all make bodies (MethodIndex._bearing_everywhere)
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


FileFacts = Tuple[List[Tuple[str, List[str]]], Dict[str, int], Dict[str, List[str]], bool, List[str], List[str]]
"""One file's part of the index: its class statements (name, base names), its indented defs (name -> flags, OR-ed
over the file's defs of that name), the methods each def's text calls (`.name(`, name -> sorted names, for defs
that call any), whether the file names a client library and a body source at all (its top-level functions may
make bodies), the capitalized names it calls (`File(`: the classes it may build) and, in a file naming a client
library, the capitalized names it type-checks (`isinstance(x, (File, Picture))`). Plain lists and dicts: they
are kept as JSON as they are."""
# `Picture(`, `Download.from_data(`: built (or any such call). Matched in the reversed text, where it starts with
# the literal `(`, which `re` skips ahead to (3.5x faster than `\b([A-Z]\w*)(?:\.\w+)?\(`, the same names)
MADE = re.compile(rb"\b([A-Z]\w*)(?:\.\w+)?\(")
_MADE_REVERSED = re.compile(rb"\((?:\w+\.)?(\w*[A-Z])(?!\w)")
_CHECKED = re.compile(rb"isinstance\([^,()]+,[ \t]*([\w., \t(]+)")  # `isinstance(x, (A, B))`
_CAPITALIZED = re.compile(rb"\b[A-Z]\w*")  # what a file may name a class of the tree by
_ABSTRACT, _BEARING, _SURE = 1, 2, 4  # a def's flags
_Why = Dict[str, Tuple[str, str]]  # body method -> why (MethodIndex._closure)


@dataclass
class _Facts:
    """What the scan of the tree learned: each file's FileFacts added in path order."""

    counts: Counter = field(default_factory=Counter)  # method name -> files defining it
    package: Dict[str, str] = field(default_factory=dict)  # file -> its top-level package (_packages)
    package_counts: Dict[str, Counter] = field(default_factory=dict)  # package -> method name -> its files defining it
    file: Dict[str, str] = field(default_factory=dict)  # method -> a file defining it (the one, when unique)
    bearing: Dict[str, Set[str]] = field(default_factory=dict)  # method -> files where its own text names a body
    making: Set[str] = field(default_factory=set)  # files naming a client library and a body source anywhere
    sure: Set[str] = field(default_factory=set)  # methods whose text names a client library or body member
    abstract: Set[str] = field(default_factory=set)  # methods some class declares abstract
    subclassing: Dict[str, Set[str]] = field(default_factory=dict)  # a name in a class's bases -> files
    classes: Dict[str, Set[str]] = field(default_factory=dict)  # a class name -> files defining a class so named
    calls: Dict[str, Dict[str, List[str]]] = field(default_factory=dict)  # method -> file -> the `.name(`s it calls
    first: Dict[str, Tuple[Tuple[int, int, int], bool]] = field(default_factory=dict)  # absolute file -> stat, stage 1
    definers: Dict[str, List[str]] = field(default_factory=dict)  # method -> files defining it, while a few do
    built: Dict[str, List[str]] = field(default_factory=dict)  # a capitalized name -> files calling it, while a few do
    # a capitalized name -> the files that may make bodies (MethodIndex.bearing_files) calling or type-checking
    # it, while a few do
    naming: Dict[str, List[str]] = field(default_factory=dict)

    def add(self, path: str, facts: FileFacts, package: str) -> None:
        classes, methods, calls, making, built, checked = facts
        if making or any(flags & _BEARING for flags in methods.values()):  # one of bearing_files
            for word in {*built, *checked}:
                files = self.naming.setdefault(word, [])
                if len(files) <= DISPATCH_FILES:  # past that, a name too many of them spell: never searched
                    files.append(path)
        for word in built:
            files = self.built.setdefault(word, [])
            if len(files) <= DISPATCH_FILES:  # past that, a name too many files build: never searched
                files.append(path)
        self.package[path] = package
        if making:
            self.making.add(path)
        self.package_counts.setdefault(package, Counter()).update(methods.keys())
        for name, bases in classes:
            self.classes.setdefault(name, set()).add(path)
            for base in bases:
                self.subclassing.setdefault(base, set()).add(path)
        self.counts.update(methods.keys())
        self.file.update(dict.fromkeys(methods, path))
        for method in methods:
            files = self.definers.setdefault(method, [])
            if len(files) <= DISPATCH_FILES:  # past that, a name too many classes share: never dispatched
                files.append(path)
        for method, flags in methods.items():
            if not flags:  # most defs
                continue
            if flags & _ABSTRACT:
                self.abstract.add(method)
            if flags & _BEARING:
                self.bearing.setdefault(method, set()).add(path)
            if flags & _SURE:
                self.sure.add(method)
        for method, called in calls.items():
            self.calls.setdefault(method, {})[path] = called  # only iterated: the file's sorted list as it is


def _file_facts(data: bytes, screen: "Screens", named: Optional[bool] = None) -> FileFacts:
    """`named`: `screen.named.search(data)` when the caller knows it (what `libraries` accepts, `named` does)."""
    # `\w` of a bytes pattern is ASCII: names decode losslessly
    classes = [(statement.group(1).decode("ascii"),
                [base.decode("ascii") for base in _WORD.findall(statement.group(2) or b"")])
               for statement in _CLASS.finditer(data)]
    found = list(_methods(data))
    # most files name no client library at all
    libraries = (named is not False) and screen.libraries.search(data) is not None
    bearing = found and libraries
    # most files raise no NotImplementedError and declare nothing abstract: one search each, not one per def
    raises, declares = b"NotImplementedError" in data, b"abstractmethod" in data
    methods: Dict[str, int] = {}
    calls: Dict[str, Set[str]] = {}
    for match, after in zip(found, found[1:] + [None]):
        end = after.start() if after is not None else len(data)
        flags = 0
        if raises and data.find(b"NotImplementedError", match.end(), end) >= 0 or declares and data.find(
                b"abstractmethod", max(0, match.start() - 80), match.start()) >= 0:
            flags |= _ABSTRACT
        if bearing and screen.any_source.search(data, match.end(), end):
            flags |= _BEARING | (_SURE if screen.sure.search(data, match.end(), end) else 0)
        name = match.group(1).decode("ascii")
        methods[name] = methods.get(name, 0) | flags
        called = CALLED.findall(data, match.end(), end)
        if called:
            calls.setdefault(name, set()).update(c.decode("ascii") for c in called)
    making = libraries and screen.any_source.search(data) is not None
    built = sorted({word[::-1].decode("ascii") for word in _MADE_REVERSED.findall(data[::-1])})
    # only a file naming a client library may make bodies (what the type-checked names are asked of)
    checked = sorted({word.decode("ascii") for spelled in _CHECKED.findall(data)
                      for word in _CAPITALIZED.findall(spelled)}) if libraries else []
    return classes, methods, {name: sorted(called) for name, called in calls.items()}, making, built, checked


Scanned = Tuple[FileFacts, bool]  # a file's facts and the prefilter's stage 1 on the bytes read (first_stage)


def _scan(paths: Sequence[str], screen: "Screens") -> Dict[str, Scanned]:
    scanned = {}
    for path in paths:
        try:
            with open(path, "rb") as handle:
                data = handle.read()
        except OSError:
            continue
        named = bool(screen.named.search(data))  # stage 1 reads the same bytes: asked here, the workers need not
        scanned[path] = _file_facts(data, screen, named), first_stage(screen, data, named)
    return scanned


def _scan_all(paths: List[str], screen: "Screens", jobs: int) -> Dict[str, Scanned]:
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
    scanned = _scan(paths[0::shards], screen)
    for shard, (conn, process) in enumerate(children, 1):
        try:
            scanned.update(conn.recv())
        except EOFError:  # the child died (killed, out of memory): scan its shard here
            scanned.update(_scan(paths[shard::shards], screen))
        conn.close()
        process.join()
    return scanned


class FactStore(Protocol):
    """Per-file facts kept across runs by stat signature (buffix.cache.StatStore): a file whose signature is
    unchanged is not read again."""

    def get(self, path: str, signature: Tuple[int, int, int]) -> Any: ...
    def put(self, path: str, signature: Tuple[int, int, int], value: Any) -> None: ...
    def save(self) -> None: ...


def _known(value: Any) -> Optional[FileFacts]:
    """A stored FileFacts (JSON turned its tuples into lists), or None when the entry has another shape."""
    if isinstance(value, list) and len(value) == 6 and isinstance(value[0], list) and isinstance(value[1], dict) \
            and isinstance(value[2], dict) and isinstance(value[3], bool) and isinstance(value[4], list) \
            and isinstance(value[5], list):
        return value[0], value[1], value[2], value[3], value[4], value[5]
    return None


def _packages(roots: Iterable[Path], paths: List[str]) -> Dict[str, str]:
    """Each file's top-level package: the first component of its path under the (innermost) root holding it
    (`telegram`, `django`), "" for a file directly in a root."""
    bases = _bases(roots)
    return {path: _package(bases, path) for path in paths}


def _bases(roots: Iterable[Path]) -> List[str]:
    return sorted({os.path.join(os.path.abspath(r), "") for r in roots}, key=len, reverse=True)  # innermost first


def _package(bases: List[str], path: str) -> str:
    absolute = os.path.abspath(path)
    base = next((b for b in bases if absolute.startswith(b)), "")
    first, separator, _ = absolute[len(base):].partition(os.sep)
    return first if separator and base else ""


def _facts_of_tree(paths: List[str], screen: "Screens", jobs: int, store: Optional[FactStore],
                   packages: Dict[str, str]) -> _Facts:
    """The tree's facts, merged in `paths` order; files the store knows unchanged are not read. Stage 1's verdicts
    on the files read go in `facts.first`, by stat signature."""
    per_file: Dict[str, FileFacts] = {}
    missing: Dict[str, Tuple[int, int, int]] = {}
    for path in paths:
        try:
            info = os.stat(path)
        except OSError:
            continue
        if not stat.S_ISREG(info.st_mode):  # a named pipe would block the whole run
            continue
        signature = (info.st_mtime_ns, info.st_size, info.st_ino)
        known = _known(store.get(path, signature)) if store is not None else None
        if known is not None:
            per_file[path] = known
        else:
            missing[path] = signature
    scanned = _scan_all(list(missing), screen, jobs)
    if store is not None:
        for path, (read, _) in scanned.items():
            store.put(path, missing[path], list(read))
        store.save()
    facts = _Facts()
    for path, (read, first) in scanned.items():
        per_file[path] = read
        facts.first[os.path.abspath(path)] = (missing[path], first)  # as the pipeline spells it or not
    for path in paths:
        if path in per_file:
            facts.add(path, per_file[path], packages.get(path, ""))
    return facts


class MethodIndex:
    def __init__(self, roots: Iterable[Path], screen: "Screens", jobs: int = 1,
                 config: Optional["Config"] = None, store: Optional[FactStore] = None) -> None:
        """A method counts as bearing when its file names a client library or response type (`screen.libraries`)
        and its own text names a body source, possibly guessed (`resp.read()`); it counts even when several classes
        define it when that text names no guess (`screen.sure`). `jobs`: processes the scan may use; `config`: the
        excludes the walk honours; `store`: per-file facts of earlier runs."""
        roots = list(roots)
        paths = _python_files(roots, config)
        facts = _facts_of_tree(paths, screen, jobs, store, _packages(roots, paths))
        self._file = facts.file
        self._bearing = facts.bearing
        self._making = facts.making
        self._sure = facts.sure
        self._abstract = facts.abstract
        self._subclassing = facts.subclassing
        self._classes = facts.classes
        self._role_files: Dict[str, Set[str]] = {}
        self._reversed_classes: Optional[Tuple[List[str], List[Set[str]]]] = None  # role_files
        self._unique = {n for n, c in facts.counts.items() if c == 1}
        self._few = {n for n, c in facts.counts.items() if c <= DISPATCH_FILES}
        self._defined = facts.counts  # method name -> files defining it
        self._calls = facts.calls
        self._definers = facts.definers
        self._built = {word: files for word, files in facts.built.items() if word in facts.classes}
        self._naming = facts.naming
        self._package = facts.package
        self._package_counts = facts.package_counts
        self._first = facts.first
        self._bases = _bases(roots)
        self._directories: Dict[str, str] = {}  # a directory -> the package of its files (package)
        self._body: Optional[Tuple[_Why, Dict[str, _Why]]] = None  # the tree's closure, each package's own
        self._body_names: Dict[str, FrozenSet[bytes]] = {}  # package -> body_methods

    def first_stage(self, path: str) -> Optional[bool]:
        """Stage 1's verdict on the file at `path` as the scan read it (tokens.first_stage), when its stat signature
        is unchanged since (a worker then need not screen it again); None when the scan did not read it."""
        known = self._first.get(os.path.abspath(path))
        if known is None:
            return None
        try:
            info = os.stat(path)
        except OSError:
            return None
        return known[1] if known[0] == (info.st_mtime_ns, info.st_size, info.st_ino) else None

    def package(self, path: str) -> str:
        """The top-level package of the file at `path` (_packages), known to the index or not."""
        found = self._package.get(path)
        if found is None:  # the files of one directory share their package: one abspath per directory
            directory = os.path.dirname(path)
            found = self._directories.get(directory)
            if found is None:
                found = self._directories[directory] = _package(self._bases, os.path.join(directory, "-"))
        return found

    def body_methods(self, common: FrozenSet[str], package: str = "") -> FrozenSet[bytes]:
        """Names of the methods that may return a body when called from a file of top-level `package` (prefilter,
        stage 2), as bytes: unique ones, those a call on a typed value may reach (`self.msg.iter_body()` dispatched
        to an override whose own text calls `.iter_content()`), and, closed transitively, a method defined once
        whose own text calls one of those (`retrieve` returning `self._request_wrapper(...)`, which returns the
        abstract `do_request`'s body). Only names defined in at most CLOSURE_FILES files join: closing over every
        def makes half of a large tree's methods body methods (homeassistant + django: 17,127 names from 234); up
        to 2 files a name adds 152 names, and 46 files that call one, to what names defined once add (4 files a
        name: 616 more files)."""
        if package not in self._body_names:
            self._body_names[package] = frozenset(n.encode() for n in self._closure(common, package))
        return self._body_names[package]

    def _closure(self, common: FrozenSet[str], package: str) -> Mapping[str, Tuple[str, str]]:
        """Body method -> why: ("", "") for a seed, else (a callee that is a body method, the file of the def calling
        it). One reason per name is enough to say which files an answer was read from (body_files). The closure
        over the whole tree, joined by the one of `package` counting defs in that package only: a package beside it
        defining `retrieve` twice must not drop python-telegram-bot's `retrieve` (issue 10 §2.8), and a name that
        is a body method only by another package's count stays that package's: calls by name from elsewhere do
        not resolve to it (MethodIndex.unique counts the tree)."""
        if self._body is None:
            self._body = self._closures(common)
        tree, packages = self._body
        own = packages.get(package)
        return ChainMap(tree, own) if own else tree  # the tree's reason first: its chain ends at a tree seed

    def _closures(self, common: FrozenSet[str]) -> Tuple[_Why, Dict[str, _Why]]:
        def eligible(name: str) -> bool:
            return name not in common and not name.startswith("__")

        tree_callers: Dict[str, List[Tuple[str, str]]] = {}  # callee -> (caller, the caller's file)
        callers: Dict[str, Dict[str, List[Tuple[str, str]]]] = {}  # the same per package
        for caller, by_file in self._calls.items():
            if not eligible(caller):
                continue
            for path, called in by_file.items():
                package = self._package.get(path, "")
                if self._package_counts[package][caller] > CLOSURE_FILES:
                    continue  # then the tree counts more too
                edges = [callers.setdefault(package, {})]
                if self._defined[caller] <= CLOSURE_FILES:  # a call by name may reach it
                    edges.append(tree_callers)
                for callee in called:
                    for edge in edges:
                        edge.setdefault(callee, []).append((caller, path))
        seeds = (self._unique & set(self._bearing)) | (self._sure & self._abstract & self._few)
        seeds = {n for n in seeds if eligible(n)} | self._bearing_everywhere(common)
        tree = self._close({n: ("", "") for n in seeds}, tree_callers)
        bearing_in: Dict[str, Set[str]] = {}  # package -> the names its files bear a body in
        for name, files in self._bearing.items():
            for path in files:
                bearing_in.setdefault(self._package.get(path, ""), set()).add(name)
        packages: Dict[str, _Why] = {}
        for package, package_callers in sorted(callers.items()):
            counts = self._package_counts[package]
            seeds = {n for n in bearing_in.get(package, ()) if counts[n] == 1} | {
                n for n in self._sure & self._abstract if 0 < counts[n] <= DISPATCH_FILES}
            found = self._close({n: ("", "") for n in seeds if eligible(n)}, package_callers)
            own = {name: why for name, why in found.items() if name not in tree}
            if own:
                packages[package] = own
        return tree, packages

    def _bearing_everywhere(self, common: FrozenSet[str]) -> Set[str]:
        """Common names (`download`) defined in a few files, each of whose defs names a body source: a call of one
        gives a body whichever runs (python-gitlab's four `download` methods return `response.content`)."""
        return {name for name in common if 0 < self._defined.get(name, 0) <= COMMON_BEARING_FILES
                and len(self._bearing.get(name, ())) == self._defined[name]}

    @staticmethod
    def _close(body: Dict[str, Tuple[str, str]],
               callers: Dict[str, List[Tuple[str, str]]]) -> Dict[str, Tuple[str, str]]:
        pending = list(body)
        while pending:
            callee = pending.pop()
            for caller, path in callers.get(callee, ()):
                if caller not in body:
                    body[caller] = (callee, path)
                    pending.append(caller)
        return body

    def body_files(self, name: str, common: FrozenSet[str], package: str = "") -> List[str]:
        """The files that make method `name` a body method for a file of `package` (body_methods): along its chain
        of calls, the calling defs' files and, at its end, the files whose own text names a body."""
        body = self._closure(common, package)
        files: Set[str] = set()
        while name in body:
            callee, path = body[name]
            if not callee:
                files.update(self._bearing.get(name, ()))
                break
            files.add(path)
            name = callee
        return sorted(files)

    def bearing_files(self) -> List[str]:
        """The files that may make bodies: a method's own text names a body source, or the file names a client
        library and a body source (a top-level function making one)."""
        return sorted(self._making.union(*self._bearing.values()))

    def sole_bearer(self, name: str) -> Optional[str]:
        """The one file whose `def name` names a body source when a few files define `name` (goose3's
        `NetworkFetcher.fetch` beside a classmethod `fetch` that delegates to it), else None."""
        files = self._bearing.get(name, ())
        if len(files) != 1 or self._defined.get(name, 0) > DISPATCH_FILES:
            return None
        return next(iter(files))

    def bears(self, name: str) -> bool:
        """Does some def of `name` in the tree name a body source in its own text?"""
        return name in self._bearing

    def building(self, name: str) -> List[str]:
        """The files that call a class of the tree named `name` (`File(...)`: they may build one), when at most
        DISPATCH_FILES do."""
        files = self._built.get(name, [])
        return list(files) if len(files) <= DISPATCH_FILES else []

    def naming(self, name: str) -> List[str]:
        """The files that may make bodies (bearing_files) and call or type-check a name `name` (`Picture(`,
        `isinstance(x, Picture)`), sorted, when at most DISPATCH_FILES do."""
        files = self._naming.get(name, [])
        return sorted(files) if len(files) <= DISPATCH_FILES else []

    def subclassing(self, name: str) -> List[str]:
        """Files with a class statement naming `name` among its bases (a superset: the caller checks)."""
        return sorted(self._subclassing.get(name, ()))

    def class_file(self, name: str) -> Optional[str]:
        """The one file defining a class named `name`, or None when none or several do."""
        files = self._classes.get(name, ())
        return next(iter(files)) if len(files) == 1 else None

    def role_files(self, role: str) -> Set[str]:
        """The files defining a class whose name ends with `role` in any case (`transport`: `Transport`,
        `AsyncTransport`): the classes a receiver so named may be."""
        if role not in self._role_files:
            # the names ending with `role` are the reversed names starting with it: one bisected run of the sorted
            # reversed names, not a pass over every class of the tree per role (~700 roles on the bench corpus)
            names, files = self._reversed_class_names()
            suffix, found = role[::-1], set()
            for at in range(bisect_left(names, suffix), len(names)):
                if not names[at].startswith(suffix):
                    break
                found |= files[at]
            self._role_files[role] = found
        return self._role_files[role]

    def _reversed_class_names(self) -> Tuple[List[str], List[Set[str]]]:
        """The tree's class names lowercased and reversed, sorted, and the files defining a class of each."""
        if self._reversed_classes is None:
            merged: Dict[str, Set[str]] = {}
            for name, files in self._classes.items():
                merged.setdefault(name.lower()[::-1], set()).update(files)
            names = sorted(merged)
            self._reversed_classes = names, [merged[name] for name in names]
        return self._reversed_classes

    def definers(self, name: str, most: int) -> List[str]:
        """The files defining an indented `def name`, when at most `most` do (else none)."""
        files = self._definers.get(name, [])
        return files if len(files) <= most else []

    def unique(self, name: str, bearing: bool = False) -> Optional[str]:
        """The one file defining an indented `def name` (a method), or None when none or several do;
        with `bearing`, only if that method's own text names a body source."""
        if name not in self._unique or bearing and name not in self._bearing:
            return None
        return self._file[name]
