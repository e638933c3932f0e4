"""The analyzed tree as a whole: other modules are parsed and summarized only when a candidate file calls into them."""

from __future__ import annotations

import ast
import functools
import os
import re
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Callable, Dict, FrozenSet, Iterable, Iterator, List, Optional, Set, Tuple

from buffix.analysis.flow.classes import MAX_SUBCLASSES, ClassInfo
from buffix.analysis.flow.known import is_static
from buffix.analysis.flow.model import CATALOG_TYPE, OBJECT, Val
from buffix.analysis.flow.scope import absolute
from buffix.analysis.module import Module
from buffix.analysis.parse import ParseFailure, parse
from buffix.analysis.prefilter.index import CALLED, DISPATCH_FILES, MethodIndex
from buffix.analysis.prefilter.tokens import ALWAYS, Matcher, might_contain_sink, screens

_MAX_REEXPORTS = 3
MODULE_BUDGET = 2_000_000  # characters of parsed module source kept at once (~45 bytes of memory per character)
# after a newline (the file gets one prepended): a literal first character lets `re` skip ahead; `^` with MULTILINE
# does not
_IMPORT = re.compile(rb"\n[ \t]*(?:from[ \t]+(?P<dots>\.*)(?P<module>[\w.]*)[ \t]+import(?P<names>[\w \t,]*)"
                     rb"|import[ \t]+(?P<plain>[\w.]+))")
_NAME = re.compile(rb"(\w+)(?:[ \t]+as[ \t]+\w+)?")
_ATTRIBUTE = re.compile(rb"\.[ \t]*(\w+)")  # `.name`: what a file may reach through a module or an instance
_PROTOCOL = frozenset(("__iter__", "__aiter__", "__next__", "__anext__", "__enter__", "__aenter__", "__call__",
                       "__getitem__", "__bytes__"))  # methods a file calls without naming them


class _Attributes:
    """The `.name`s a file mentions (what it may reach through a module or an instance), found on first use."""

    def __init__(self, data: bytes) -> None:
        self._data = data

    @functools.cached_property
    def names(self) -> Set[str]:
        return {n.decode("ascii", "replace") for n in _ATTRIBUTE.findall(self._data)}


@dataclass(frozen=True)
class _Imported:
    """What one import statement brings from the tree."""

    modules: Tuple[str, ...]  # the tree's modules it names (the answer depends on them)
    names: Tuple[Tuple[str, str], ...]  # (module, name): `from module import name`
    objects: Tuple[str, ...]  # modules bound as objects: `import pkg.net`, `from pkg import net`


def package_root(directory: Path) -> Path:
    """The first ancestor of `directory` that is not a package (has no __init__.py)."""
    while (directory / "__init__.py").is_file() and directory.parent != directory:
        directory = directory.parent
    return directory


def module_name(path: str) -> Tuple[str, bool]:
    """The dotted module name of a file, from its package chain (`pkg/sub/mod.py` -> `pkg.sub.mod`)."""
    stem = os.path.splitext(os.path.basename(path))[0]
    is_package = stem == "__init__"
    directory, packages = _package_chain(os.path.dirname(os.path.abspath(path)))
    parts = list(packages) if is_package else [*packages, stem]
    if is_package and not parts:
        parts = [os.path.basename(directory)]
    return ".".join(parts) or stem, is_package


@functools.lru_cache(maxsize=4096)
def _package_chain(directory: str) -> Tuple[str, Tuple[str, ...]]:
    """(first non-package ancestor, package names below it) of a directory; cached: every file of a directory
    shares it, and the stage-2 prefilter asks for every file of the tree."""
    if not os.path.isfile(os.path.join(directory, "__init__.py")) or os.path.dirname(directory) == directory:
        return directory, ()
    top, names = _package_chain(os.path.dirname(directory))
    return top, names + (os.path.basename(directory),)


class Project:
    def __init__(self, roots: Iterable[Path], config=None) -> None:
        from buffix.config import Config

        self.config = config if config is not None else Config()
        self.catalog = self.config.catalog()
        bases: List[Path] = []
        for entry in self.config.src:  # the config's own first: it names what the defaults cannot guess
            base = (Path(self.config.root) / entry).resolve()
            if base.is_dir() and base not in bases:
                bases.append(base)
        for root in roots:
            root = Path(root).resolve()
            directory = root if root.is_dir() else root.parent
            for base in (package_root(directory), directory, directory / "src"):
                if base.is_dir() and base not in bases:
                    bases.append(base)
        self.bases = bases
        self.roots = [Path(r).resolve() for r in roots]
        self._methods: Optional[MethodIndex] = None
        self._body_calls: Optional[FrozenSet[bytes]] = None
        self._modules: Dict[str, Optional[Module]] = {}
        self._loaded_bytes = 0  # source size of the parsed modules in `_modules`
        self._returners: Dict[Tuple[str, str], Tuple[Optional[Val], Tuple[str, ...]]] = {}  # (module, f or C.m)
        self._readers: Dict[FrozenSet[str], Matcher] = {}
        self._definitions: Dict[str, Tuple[FrozenSet[str], Tuple[str, ...]]] = {}
        self._listings: Dict[str, FrozenSet[str]] = {}
        self._top_level: Optional[FrozenSet[bytes]] = None
        self._reading: Dict[str, bool] = {}
        self._bearing: Dict[str, bool] = {}
        self._files: Dict[str, Optional[Path]] = {}
        self._consulted: Optional[Set[str]] = None
        self._subclasses: Dict[str, List[ClassInfo]] = {}
        self._imports: Dict[Tuple[str, bytes], _Imported] = {}

    # ---- dependencies: which files of the tree a result was computed from ----------------------------------
    @contextmanager
    def tracking(self) -> Iterator[Set[str]]:
        """Collect the paths of the tree's module files consulted inside the block (cached answers included)."""
        outer, self._consulted = self._consulted, set()
        try:
            yield self._consulted
        finally:
            found, self._consulted = self._consulted, outer
            if outer is not None:
                outer.update(found)

    def consult(self, path: str) -> None:
        if self._consulted is not None:
            self._consulted.add(path)

    def _use(self, name: str) -> Optional[Path]:
        file = self._locate(name)
        if file is not None:
            self.consult(str(file))
        return file

    def module(self, name: str) -> Optional[Module]:
        self._use(name)
        if name not in self._modules:
            module = self._modules[name] = self._load(name)
            self._loaded_bytes += len(module.parsed.text) if module is not None else 0
        return self._modules[name]

    def trim(self) -> None:
        """Forget every parsed module once their source passes MODULE_BUDGET (call between files, never during
        one): a worker's memory stays bounded on a tree of thousands of modules. All at once, because modules
        point into each other (base classes, summaries keyed by a class's identity); answers kept as plain data
        (`_returners`, `_definitions`) stay."""
        if self._loaded_bytes <= MODULE_BUDGET:
            return
        for module in self._modules.values():
            if module is not None:
                module.dispose()  # frames and classes point back to it: free it by reference counting
        self._modules.clear()
        self._subclasses.clear()
        self._loaded_bytes = 0

    def _load(self, name: str) -> Optional[Module]:
        file = self._locate(name)
        if file is None:
            return None
        try:
            parsed = parse(file.read_bytes())
        except (OSError, ParseFailure):
            return None  # reported when that file itself is checked
        return Module(str(file), parsed, self.catalog, name, file.name == "__init__.py", self, emitting=False)

    def imports_body_module(self, path: str, data: bytes) -> bool:
        """Prefilter, stage 2: does a file without source tokens use a helper of the tree that returns a body?

        Demand-driven: only the functions and classes the file imports by name, or calls through an imported module
        (`net.fetch(url)`), are summarized, and only in modules that could make a body (`_may_return_bodies`).
        A helper returning a session or response counts only where the file names a member that reads a body
        from it (`session.get(url)` then `.read()`). A file naming a response (`resp`) also counts when it imports
        a module of the tree that reads bodies through a response's members: it may hand the response over.
        """
        package = module_name(path)[0]
        if not path.endswith("__init__.py"):
            package = package.rpartition(".")[0]
        attributes = _Attributes(data)
        tree = self._top_level_names()
        passes_response = screens(self.catalog).response.search(data)  # `save(response, path)`: read elsewhere
        for match in _IMPORT.finditer(b"\n" + data):
            if not match.group("dots") and (match.group("plain") or match.group("module")).split(b".")[0] not in tree:
                continue  # `import os`, `from aiohttp import web`: nothing of the tree
            imported = self._imported(package, match)
            for module in imported.modules:
                self._use(module)
            if passes_response and any(self._reads_responses(module) for module in imported.modules):
                return True
            uses = list(imported.names)
            uses += [(module, name) for module in imported.objects
                     for name in sorted(attributes.names.intersection(self._defined(module)))]
            for module, name in uses:
                reads = self._body_reads(module, name, attributes)
                if reads is not None and reads.search(data):
                    return True
        return self._calls_body_method(data)

    def _imported(self, package: str, match: "re.Match[bytes]") -> "_Imported":
        """What one import statement of a module in `package` brings from the tree. Cached: thousands of files share
        each import line."""
        statement = match.group(0).lstrip()
        key = (package if match.group("dots") else "", statement)  # an absolute import means the same everywhere
        if key not in self._imports:
            plain = match.group("plain")
            dots, names = (b"", plain) if plain is not None else (match.group("dots"), match.group("module"))
            name = absolute(names.decode("ascii", "replace"), len(dots), package)
            objects, pairs = [], []
            if plain is not None:
                objects.append(name)
            else:
                for item in (n.decode("ascii", "replace") for n in _NAME.findall(match.group("names") or b"")):
                    submodule = f"{name}.{item}" if name else item
                    if self.has_module(submodule):  # `from pkg import net`, used as `net.stream(url)`
                        objects.append(submodule)
                    elif name:
                        pairs.append((name, item))
            modules = tuple(m for m in {*objects, *(m for m, _ in pairs)} if self._locate(m) is not None)
            pairs = [(m, n) for m, n in pairs if m in modules]
            self._imports[key] = _Imported(modules, tuple(pairs), tuple(m for m in objects if m in modules))
        return self._imports[key]

    def _defined(self, name: str) -> FrozenSet[str]:
        """Names of the functions and classes of module `name` that may return a body (none if it cannot)."""
        def compute() -> FrozenSet[str]:
            module = self.module(name) if self._may_return_bodies(name) else None
            return frozenset((*module.functions, *module.classes) if module is not None else ())

        return self._remembered(self._definitions, name, compute)

    def _remembered(self, cache: Dict[Any, Tuple[Any, Tuple[str, ...]]], key: Any, compute: Callable[[], Any]) -> Any:
        """`compute()` once per key; every later answer still names the files it was read from (`consult`)."""
        if key not in cache:
            with self.tracking() as used:
                value = compute()
            cache[key] = (value, tuple(used))
        value, files = cache[key]
        for file in files:
            self.consult(file)
        return value

    def _body_reads(self, module_part: str, name: str, attributes: "_Attributes") -> Optional[Matcher]:
        """What a file using function `name` of module `module_part` must name to get a body from it: nothing
        (ALWAYS) for a body, the reading members for a session or response; None: no body at all. For a class,
        the same over the methods the file may call (`attributes`) and the protocol ones (iterating a `BaseStream`
        whose `__iter__` yields an override's chunks)."""
        module = self.module(module_part) if name in self._defined(module_part) else None
        if module is None:
            return None
        if name in module.functions:
            return self._reads_of([self._returned(module, name, None)])
        info = module.classes[name]
        methods = sorted(m for m in info.methods if m in attributes.names or m in _PROTOCOL)
        return self._reads_of([self._returned(module, m, info) for m in methods])

    def _returned(self, module: Module, name: str, cls: Optional[ClassInfo]) -> Optional[Val]:
        """What function `name` (a method of `cls`) returns when called with nothing tainted (summarized once)."""
        key = (module.qualname, f"{cls.node.name}.{name}" if cls is not None else name)
        function = cls.methods[name] if cls is not None else module.functions[name]
        return self._remembered(self._returners, key, lambda: module.summarize(function, cls, {}).returns)

    def _reads_of(self, values: Iterable[Optional[Val]]) -> Optional[Matcher]:
        members: Set[str] = set()
        found = False
        for value in values:
            if value is None or not value.tainted:
                continue
            found = True
            needed = None
            if value.kind is OBJECT and value.type:  # a tree class or a bound method: no member to name
                needed = self.catalog.reading_members(value.type) if value.role is CATALOG_TYPE else frozenset()
            if needed is None:
                return ALWAYS
            members |= needed
        if not found or not members:
            return None
        key = frozenset(members)
        if key not in self._readers:
            self._readers[key] = Matcher(members=key)
        return self._readers[key]

    def _reads_responses(self, name: str) -> bool:
        """Does module `name` read a body through a member of a response (`.read()`, `.content`): may a
        response-like value the file hands it reach a sink there? (cheap, cached)"""
        if name not in self._reading:
            text = self._text(name)
            self._reading[name] = text is not None and screens(self.catalog).response_uses.search(text)
        return self._reading[name]

    def _may_return_bodies(self, name: str) -> bool:
        """Can module `name` hand out a body: does it make one itself, or call a body method of the tree?"""
        if self.bears_bodies(name):
            return True
        text = self._text(name)
        return text is not None and self._calls_body_method(text)

    def _text(self, name: str) -> Optional[bytes]:
        """The bytes of module `name` of the tree; None when it is not in the tree or cannot be read (that file
        reports it when it is checked itself)."""
        file = self._locate(name)
        try:
            return file.read_bytes() if file is not None else None
        except OSError:
            return None

    def _calls_body_method(self, data: bytes) -> bool:
        """Does the file call a method of the tree whose text names a body?"""
        methods = self.index_methods()
        if self._body_calls is None:
            self._body_calls = methods.body_methods(self.catalog.common_methods)
        for name in self._body_calls.intersection(CALLED.findall(data)):
            for file in methods.bearing_files(name.decode("ascii")):
                self.consult(file)
            return True
        return False

    def index_methods(self, processes: int = 1) -> MethodIndex:
        """The tree's method index (one byte-level scan of every file, in up to `processes` processes), built once."""
        if self._methods is None:
            self._methods = MethodIndex(self.roots, screens(self.catalog), jobs=processes,
                                        config=self.config)
        return self._methods

    def bears_bodies(self, name: str) -> bool:
        """Can module `name` of the tree make a body on its own: does it pass the prefilter's stage 1? (cached)"""
        self._use(name)
        if name not in self._bearing:
            text = self._text(name)
            self._bearing[name] = text is not None and might_contain_sink(text, self.catalog)
        return self._bearing[name]

    def _locate(self, name: str) -> Optional[Path]:
        if name not in self._files:
            self._files[name] = self._find_file(name)
        return self._files[name]

    def _find_file(self, name: str) -> Optional[Path]:
        if not name:
            return None
        *packages, last = name.split(".")
        for base in map(str, self.bases):  # strings and cached listings, not Paths: stage 2 asks ~8 names per file
            directory = os.path.join(base, *packages)
            entries = self._listing(directory)
            if f"{last}.py" in entries and os.path.isfile(os.path.join(directory, f"{last}.py")):
                return Path(directory, f"{last}.py")
            if last in entries and "__init__.py" in self._listing(os.path.join(directory, last)):
                return Path(directory, last, "__init__.py")
        return None

    def _top_level_names(self) -> FrozenSet[bytes]:
        """What an absolute import of the tree can start with: the entries of the bases (modules, packages, namespace
        packages; a superset). An import of anything else (`os`, `aiohttp`) is not the tree's."""
        if self._top_level is None:
            entries = (e for base in map(str, self.bases) for e in self._listing(base))
            # fsencode: a file name that is not UTF-8 keeps its bytes (it can never be imported, but must not crash)
            self._top_level = frozenset(os.fsencode(e[:-3] if e.endswith(".py") else e) for e in entries)
        return self._top_level

    def _listing(self, directory: str) -> FrozenSet[str]:
        """A directory's entry names, listed once: module lookups ask the same directories again and again."""
        if directory not in self._listings:
            try:
                self._listings[directory] = frozenset(os.listdir(directory))
            except OSError:
                self._listings[directory] = frozenset()
        return self._listings[directory]

    def has_module(self, name: str) -> bool:
        """Is `name` a module of the analyzed tree? (a file lookup, nothing parsed)"""
        return self._locate(name) is not None

    def class_by_name(self, name: str, near: str) -> Optional[str]:
        """The qualified name of the one class of the tree named `name` (a docstring's unimported type), when it
        is in the same top-level package as module `near`."""
        file = self.index_methods().class_file(name)
        module = module_name(file)[0] if file is not None else ""
        return f"{module}.{name}" if module.split(".")[0] == near.split(".")[0] else None

    def subclasses(self, info: ClassInfo) -> List[ClassInfo]:
        """Classes of the tree deriving from `info`, nearest first: files whose `class X(...)` lines name the base
        (the method index's scan) are parsed, and each of their classes is kept if its bases really lead there."""
        if info.qualname not in self._subclasses:
            found: List[ClassInfo] = []
            seen = {info.qualname}
            pending = [info]
            budget = DISPATCH_FILES  # files parsed for this search: a framework base (TestCase) is not followed
            while pending and len(found) < MAX_SUBCLASSES:
                base = pending.pop(0)
                files = self.index_methods().subclassing(base.node.name)
                if len(files) > budget:
                    break
                budget -= len(files)
                for file in files:
                    module = self.module(module_name(file)[0])
                    for candidate in module.classes.values() if module is not None else ():
                        if candidate.qualname not in seen and any(b.qualname == base.qualname
                                                                  for b in candidate.bases()):
                            seen.add(candidate.qualname)
                            found.append(candidate)
                            pending.append(candidate)
            self._subclasses[info.qualname] = found[:MAX_SUBCLASSES]
        for sub in self._subclasses[info.qualname]:
            sub.module.consulted()  # type: ignore[union-attr]
        return self._subclasses[info.qualname]

    def find_function(self, qualname: str, tainted_args: bool = True,
                      depth: int = 0) -> Optional[Tuple[Module, ast.AST, Optional[ClassInfo]]]:
        """The function `qualname` of the tree; without tainted arguments only if its module can return bodies."""
        module_part, _, name = qualname.rpartition(".")
        if not module_part or depth > _MAX_REEXPORTS:
            return None
        if not tainted_args and not self.bears_bodies(module_part) and self._locate(module_part) is not None:
            reexport = self._reexport(module_part, name)  # `from .util import urlopen` in a package's __init__
            return self.find_function(reexport, tainted_args, depth + 1) if reexport else None
        module = self.module(module_part)
        if module is None:
            owner, _, cls_name = module_part.rpartition(".")
            outer = self.module(owner) if owner else None
            info = outer.classes.get(cls_name) if outer is not None else None
            if info is not None and name in info.methods and is_static(info.methods[name]):
                return outer, info.methods[name], None
            return None
        if name in module.functions:
            return module, module.functions[name], None
        reexport = module.names.imports.get(name)  # `from .net import fetch` in a package's __init__
        return self.find_function(reexport, tainted_args, depth + 1) if reexport else None

    def method_by_name(self, name: str, tainted_args: bool) -> Optional[Tuple[Module, ast.AST, ClassInfo]]:
        """The method `name` when exactly one class of the tree defines it (and it is not a common name);
        without tainted arguments only if its module can return bodies."""
        if name in self.catalog.common_methods or name.startswith("__"):
            return None
        file = self.index_methods().unique(name, bearing=not tainted_args)
        if file is None:
            return None
        qualname = module_name(file)[0]
        module = self.module(qualname)
        for info in module.classes.values() if module is not None else ():
            if name in info.methods:
                return module, info.methods[name], info
        return None

    def _reexport(self, module_part: str, name: str) -> Optional[str]:
        file = self._locate(module_part)
        if file is None or file.name != "__init__.py":
            return None
        module = self.module(module_part)
        return module.names.imports.get(name) if module is not None and name not in module.functions else None

    def find_class(self, qualname: str, depth: int = 0) -> Optional[ClassInfo]:
        module_part, _, name = qualname.rpartition(".")
        if not module_part or depth > _MAX_REEXPORTS or self._locate(module_part) is None:
            return None
        module = self.module(module_part)
        if module is None:
            return None
        if name in module.classes:
            return module.classes[name]
        reexport = module.names.imports.get(name)
        return self.find_class(reexport, depth + 1) if reexport else None
