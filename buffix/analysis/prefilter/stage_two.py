"""Prefilter, stage 2: does a file without source tokens use a helper of the tree that returns a body?

Demand-driven: only the functions and classes the file imports by name, or calls through an imported module
(`net.fetch(url)`), are summarized, and only in modules that could make a body (`_may_return_bodies`). A helper
returning a session or response counts only where the file names a member that reads a body from it
(`session.get(url)` then `.read()`). A file naming a response (`resp`) also counts when it imports a module of the
tree that reads bodies through a response's members: it may hand the response over.
"""

from __future__ import annotations

import ast
import functools
import re
from contextlib import AbstractContextManager
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Callable, Dict, FrozenSet, Iterable, Optional, Protocol, Set, Tuple

from buffix.analysis.flow.classes import ClassInfo, ModuleContext, family_gives_bodies
from buffix.analysis.flow.model import CATALOG_TYPE, CLEAN, OBJECT, SINK_METHOD, Val
from buffix.analysis.flow.scope import absolute
from buffix.analysis.prefilter.index import CALLED, MethodIndex
from buffix.analysis.prefilter.tokens import ALWAYS, Matcher, screens
from buffix.knowledge.catalog import Catalog

# after a newline (the file gets one prepended): a literal first character lets `re` skip ahead; `^` with MULTILINE
# does not
_IMPORT = re.compile(rb"\n[ \t]*(?:from[ \t]+(?P<dots>\.*)(?P<module>[\w.]*)[ \t]+import(?P<names>[\w \t,]*)"
                     rb"|import[ \t]+(?P<plain>[\w.]+))")
_NAME = re.compile(rb"(\w+)(?:[ \t]+as[ \t]+\w+)?")
_ATTRIBUTE = re.compile(rb"\.[ \t]*(\w+)")  # `.name`: what a file may reach through a module or an instance
_MAX_REEXPORTS = 3  # the most packages a name is followed through (`from .file import File` in an __init__)
_WORD = frozenset(b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789_")
_PROTOCOL = frozenset(("__iter__", "__aiter__", "__next__", "__anext__", "__enter__", "__aenter__", "__call__",
                       "__getitem__", "__bytes__"))  # methods a file calls without naming them


class Modules(Protocol):
    """What stage 2 asks of the analyzed tree (buffix.analysis.project.Project)."""

    catalog: Catalog

    def module(self, name: str) -> Optional[ModuleContext]: ...
    def use(self, name: str) -> None: ...
    def has_module(self, name: str) -> bool: ...
    def locate(self, name: str) -> Optional[Path]: ...
    def reexported(self, qualname: str) -> str: ...
    def text(self, name: str) -> Optional[bytes]: ...
    def top_level_names(self) -> FrozenSet[bytes]: ...
    def consult(self, path: str) -> None: ...
    def tracking(self) -> AbstractContextManager[Set[str]]: ...
    def remembered(self, cache: Dict[Any, Tuple[Any, FrozenSet[str]]], key: Any,
                   compute: Callable[[], Any]) -> Any: ...
    def bears_bodies(self, name: str) -> bool: ...
    def index_methods(self, processes: int = 1) -> MethodIndex: ...
    def holds_bodies(self, name: str) -> bool: ...
    def stored_attrs(self, qualname: str) -> FrozenSet[str]: ...
    def find_class(self, qualname: str) -> Optional[ClassInfo]: ...


_CALLED_BACK = Val(CLEAN, type="*.write", role=SINK_METHOD)  # a parameter seeded as a callback that sinks


def _calls_a_parameter(function: ast.AST) -> bool:
    """Does the function call one of its own parameters by name?"""
    spec: ast.arguments = function.args  # type: ignore[attr-defined]
    params = {a.arg for a in (*spec.posonlyargs, *spec.args, *spec.kwonlyargs)}
    return any(isinstance(node, ast.Call) and isinstance(node.func, ast.Name) and node.func.id in params
               for node in ast.walk(function))


class _Attributes:
    """The `.name`s a file mentions (what it may reach through a module or an instance), found on first use."""

    def __init__(self, data: bytes) -> None:
        self._data = data

    @functools.cached_property
    def names(self) -> Set[str]:
        return {n.decode("ascii", "replace") for n in _ATTRIBUTE.findall(self._data)}

    def calls(self, name: str) -> bool:
        """Does the file call `name(`, a class it builds?"""
        return re.search(rb"\b" + re.escape(name.encode()) + rb"\s*\(", self._data) is not None


@dataclass(frozen=True)
class _Imported:
    """What one import statement brings from the tree."""

    modules: Tuple[str, ...]  # the tree's modules it names (the answer depends on them)
    names: Tuple[Tuple[str, str], ...]  # (module, name): `from module import name`
    objects: Tuple[str, ...]  # modules bound as objects: `import pkg.net`, `from pkg import net`


class StageTwo:
    """Stage 2 over one tree; its answers are kept as plain data, so they outlive the tree's parsed modules."""

    def __init__(self, tree: Modules, package_of: Callable[[str], str], module_of: Callable[[str], str]) -> None:
        self._tree = tree
        self._catalog = tree.catalog
        self._package_of = package_of  # the package a file's relative imports start from
        self._module_of = module_of  # the module a file is
        self._returners: Dict[Tuple[str, str], Tuple[Optional[Val], FrozenSet[str]]] = {}  # (module, f or C.m)
        self._callers_back: Dict[Tuple[str, str], Tuple[bool, FrozenSet[str]]] = {}  # (module, function)
        self._readers: Dict[FrozenSet[str], Matcher] = {}
        self._definitions: Dict[str, Tuple[FrozenSet[str], FrozenSet[str]]] = {}
        self._reading: Dict[str, bool] = {}
        self._imports: Dict[Tuple[str, bytes], _Imported] = {}
        self._reexports: Dict[Tuple[str, str], Tuple[Optional[Tuple[str, str]], FrozenSet[str]]] = {}

    def imports_body_module(self, path: str, data: bytes) -> bool:
        """Does the file at `path`, holding `data`, use a helper of the tree that returns a body? (module docstring)"""
        attributes = _Attributes(data)
        tree = self._tree.top_level_names()
        package = passes_response = None  # asked once an import of the tree needs them: most files have none
        for match in _IMPORT.finditer(b"\n" + data):
            if not match.group("dots") and (match.group("plain") or match.group("module")).split(b".")[0] not in tree:
                continue  # `import os`, `from aiohttp import web`: nothing of the tree
            if package is None:
                package = self._package_of(path)
            imported = self._imported(package, match)
            for module in imported.modules:
                self._tree.use(module)
            if imported.modules and passes_response is None:  # `save(response, path)`: read elsewhere
                passes_response = screens(self._catalog).response.search(data)
            if passes_response and any(self._reads_responses(module) for module in imported.modules):
                return True
            uses = list(imported.names)
            uses += [(module, name) for module in imported.objects
                     for name in sorted(attributes.names.intersection(self._defined(module)))]
            for module, name in uses:
                reads = self._body_reads(module, name, attributes)
                if reads is not None and reads.search(data):
                    return True
        # `WriterThread.run` writing what `writer.queue_write(0, chunk)` in another module queued in self.queue
        return self.calls_body_method(data, path) or self._tree.holds_bodies(self._module_of(path))

    def _imported(self, package: str, match: "re.Match[bytes]") -> _Imported:
        """What one import statement of a module in `package` brings from the tree. Cached: thousands of files share
        each import line."""
        statement = match.group(0).lstrip()
        key = (package if match.group("dots") else "", statement)  # an absolute import means the same everywhere
        if key not in self._imports:
            plain = match.group("plain")
            dots, names = (b"", plain) if plain is not None else (match.group("dots"), match.group("module"))
            name = absolute(names.decode("ascii", "replace"), len(dots), package)
            objects, pairs, passed = [], [], []
            if plain is not None:
                objects.append(name)
            else:
                for item in (n.decode("ascii", "replace") for n in _NAME.findall(match.group("names") or b"")):
                    submodule = f"{name}.{item}" if name else item
                    if self._tree.has_module(submodule):  # `from pkg import net`, used as `net.stream(url)`
                        objects.append(submodule)
                    elif name:
                        # `from pkg import File` where pkg/__init__.py imports it from pkg.files: that module's
                        module_part, _, last = self._tree.reexported(submodule).rpartition(".")
                        pairs.append((module_part, last) if module_part else (name, item))
                        passed.append(name)
            modules = tuple(m for m in {*objects, *(m for m, _ in pairs), *passed} if self._tree.has_module(m))
            pairs = [(m, n) for m, n in pairs if m in modules]
            self._imports[key] = _Imported(modules, tuple(pairs), tuple(m for m in objects if m in modules))
        return self._imports[key]

    def _defined(self, name: str) -> FrozenSet[str]:
        """Names of the functions and classes of module `name` that may return a body (none if it cannot)."""
        def compute() -> FrozenSet[str]:
            module = self._tree.module(name) if self._may_return_bodies(name) else None
            return frozenset((*module.functions, *module.classes) if module is not None else ())

        return self._tree.remembered(self._definitions, name, compute)

    def _body_reads(self, module_part: str, name: str, attributes: _Attributes) -> Optional[Matcher]:
        """What a file using function `name` of module `module_part` must name to get a body from it: nothing
        (ALWAYS) for a body, the reading members for a session or response; None: no body at all. For a class,
        the same over the methods the file may call (`attributes`) and the protocol ones (iterating a `BaseStream`
        whose `__iter__` yields an override's chunks)."""
        if name not in self._defined(module_part):
            origin = self._reexport(module_part, name)  # `from pkg import File`, pkg's __init__ importing it
            if origin is not None:
                return self._body_reads(*origin, attributes)
            return self._instance_reads(module_part, name, attributes)
        module = self._tree.module(module_part)
        if module is None:
            return None
        if name in module.functions:
            reads = self._reads_of([self._returned(module, name, None)])
            return ALWAYS if reads is None and self._calls_back(module, name) else reads
        return self._class_reads(module.classes[name], name, attributes)

    def _instance_reads(self, module_part: str, name: str, attributes: _Attributes) -> Optional[Matcher]:
        """`from app.client import client` where app/client.py binds `client = Client()`: what its class's
        methods the file calls give."""
        module = self._tree.module(module_part) if self._may_return_bodies(module_part) else None
        made = module.global_instance(name) if module is not None else None
        infos = [self._tree.find_class(q) for q in made.split("|")] if made else []
        found = [self._class_reads(info, "", attributes) for info in infos if info is not None]
        return ALWAYS if ALWAYS in found else next((m for m in found if m is not None), None)

    def _class_reads(self, info: ClassInfo, name: str, attributes: _Attributes) -> Optional[Matcher]:
        """What a file using class `info` (spelled `name`; "" for an instance it imports) must name to get a body."""
        if attributes.names.intersection(self._tree.stored_attrs(info.qualname)):
            return ALWAYS  # `picture.content`, filled by code elsewhere in the tree (Project.stored_into)
        if name and attributes.calls(name) and info.gives_bodies():
            return ALWAYS  # `Extractor(NetworkFetcher(config))`: an instance whose methods give bodies, handed on
        # its own methods and those it inherits from the tree's bases (`self._request(...)` of a subclass)
        index = self._tree.index_methods()
        found = [(m, info.method(m)) for m in sorted(attributes.names | _PROTOCOL)]
        methods = [(m, owner) for m, hit in found if hit is not None and (owner := hit[0]).module is not None
                   and (owner is info or m in info.methods or index.bears(m))]  # an inherited one: if it may make one
        return self._reads_of([self._returned(owner.module, m, owner) for m, owner in methods])  # type: ignore[arg-type]

    def _reexport(self, module_part: str, name: str, depth: int = 0) -> Optional[Tuple[str, str]]:
        """The (module, name) of the tree that module `module_part` imports `name` from, when it does (cached)."""
        def compute() -> Optional[Tuple[str, str]]:
            text = self._tree.text(module_part)
            module = self._tree.module(module_part) if text is not None and name.encode() in text else None
            qualname = module.names.imports.get(name, "") if module is not None else ""
            origin, _, original = qualname.rpartition(".")
            return (origin, original) if origin and origin != module_part and self._tree.has_module(origin) else None

        if depth >= _MAX_REEXPORTS:
            return None
        found = self._tree.remembered(self._reexports, (module_part, name), compute)
        if found is None or found[1] in self._defined(found[0]):
            return found
        return self._reexport(found[0], found[1], depth + 1)

    def _returned(self, module: ModuleContext, name: str, cls: Optional[ClassInfo]) -> Optional[Val]:
        """What function `name` (a method of `cls`) returns when called with nothing tainted (summarized once)."""
        key = (module.qualname, f"{cls.node.name}.{name}" if cls is not None else name)
        function = cls.methods[name] if cls is not None else module.functions[name]
        return self._tree.remembered(self._returners, key, lambda: module.summarize(function, cls, {}).returns)

    def _calls_back(self, module: ModuleContext, name: str) -> bool:
        """Does function `name` call a parameter with a body it makes (`on_chunk(chunk)`): a callback the file hands
        it (`download(url, f.write)`, a lambda) is then a sink? Summarized only when it calls a parameter."""
        function = module.functions[name]
        if not _calls_a_parameter(function):
            return False
        sinks = {i: _CALLED_BACK for i in range(len(module.parameters(function, None)))}
        return self._tree.remembered(self._callers_back, (module.qualname, name),
                                     lambda: bool(module.summarize(function, None, sinks).hits))

    def _reads_of(self, values: Iterable[Optional[Val]]) -> Optional[Matcher]:
        members: Set[str] = set()
        found = False
        for value in values:
            if value is None or not value.tainted:
                continue
            found = True
            needed = None
            if family_gives_bodies(value, self._tree.find_class):
                return ALWAYS  # `reader(getFile(name))`: an instance whose methods give bodies, handed on
            if value.kind is OBJECT and value.type:  # a tree class or a bound method: no member to name
                needed = self._catalog.reading_members(value.type) if value.role is CATALOG_TYPE else frozenset()
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
            text = self._tree.text(name)
            self._reading[name] = text is not None and screens(self._catalog).response_uses.search(text)
        return self._reading[name]

    def _may_return_bodies(self, name: str) -> bool:
        """Can module `name` hand out a body: does it make one itself, call a body method of the tree, or define a
        class whose instances code elsewhere fills with bodies?"""
        if self._tree.bears_bodies(name):
            return True
        text = self._tree.text(name)
        file = self._tree.locate(name)
        return text is not None and (self.calls_body_method(text, str(file)) or self._tree.holds_bodies(name))

    def calls_body_method(self, data: bytes, path: str) -> bool:
        """Does the file at `path` call a method of the tree whose text names a body (as its package counts)? A
        call whose receiver is rooted in a name imported from outside the tree (`mock.patch(`, `time.sleep(`) does
        not count: the analyzer resolves by name only receivers of unknown type, never an imported one."""
        methods = self._tree.index_methods()
        package, common = methods.package(path), self._catalog.common_methods
        roots: Optional[_ExternalRoots] = None
        for name in sorted(methods.body_methods(common, package).intersection(CALLED.findall(data))):
            roots = roots or _ExternalRoots(data, self._tree.top_level_names())
            if roots.only_on_external(name):
                continue
            for file in methods.body_files(name.decode("ascii"), common, package):
                self._tree.consult(file)
            return True
        return False


_IMPORT_LINE = re.compile(rb"[ \t]*(?:from[ \t]+(?P<module>[\w.]+)[ \t]+import[ \t]+(?P<names>[\w, \t]+)"
                          rb"|import[ \t]+(?P<plain>[\w., \t]+))")
_BEFORE_ROOT = frozenset(b" \t\r\n([{,=:;+-*/%<>!&|^~@")  # what may precede a name that starts an expression


class _ExternalRoots:
    """Which receivers of a file's method calls are rooted in a name only ever bound by imports from outside the
    tree, read from the bytes. Conservative: a root counts only when a column-0 import binds it, every occurrence
    of the word on an import line is a name that line binds from outside the tree (absolute, a top-level name the
    tree lacks), and every other occurrence is followed by `.` (no assignment, parameter, `as` target or `def`
    rebinds it)."""

    def __init__(self, data: bytes, tree: FrozenSet[bytes]) -> None:
        self._data = data
        self._tree = tree
        self._roots: Dict[bytes, bool] = {}

    def only_on_external(self, name: bytes) -> bool:
        """Is every `.name(` of the file called on a receiver `root.a.b` whose root is such a name?"""
        data = self._data
        for call in re.finditer(rb"\." + re.escape(name) + rb"[ \t]*\(", data):
            start = call.start()
            while start > 0 and (data[start - 1] in _WORD or data[start - 1] == 0x2E):  # back over `root.a.b`
                start -= 1
            if start > 0 and data[start - 1] not in _BEFORE_ROOT:  # `f().x.name(`, `"s".name(`, non-ASCII
                return False
            root = data[start:call.start()].split(b".", 1)[0]
            if not root or root[:1].isdigit() or not self._external(root):
                return False
        return True

    def _external(self, root: bytes) -> bool:
        if root not in self._roots:
            self._roots[root] = self._only_imported(root)
        return self._roots[root]

    def _only_imported(self, root: bytes) -> bool:
        data, top_level = self._data, False
        for word in re.finditer(rb"(?<![\w.])" + re.escape(root) + rb"\b", data):
            line_start = data.rfind(b"\n", 0, word.start()) + 1
            line = _IMPORT_LINE.match(data, line_start)
            if line is None or line.end() < word.end():  # not on an import line (or past its names)
                if data[word.end():word.end() + 1] != b".":
                    return False
                continue
            if line.group("module") is not None and word.start() < line.start("names"):
                continue  # `from root.x import y`: the module's name, no binding
            if root not in self._bound(line):
                return False
            # at column 0 and outside a triple-quoted string: a module-level import
            top_level = top_level or data[line_start:line_start + 1] in (b"f", b"i") and all(
                data.count(quotes, 0, line_start) % 2 == 0 for quotes in (b'"""', b"\'\'\'"))
        return top_level

    def _bound(self, line: "re.Match[bytes]") -> Set[bytes]:
        """The names an import line binds, when it imports only from outside the tree (else none)."""
        module, listed = (line.group("module"), line.group("names")) if line.group("module") else (None,
                                                                                                 line.group("plain"))
        bound, modules = set(), [module] if module is not None else []
        for part in listed.split(b","):
            words = part.split()
            if not words:
                continue
            if module is None:
                modules.append(words[0])
            bound.add(words[2] if len(words) == 3 and words[1] == b"as" else words[0].split(b".")[0])
        if any(m.startswith(b".") or m.split(b".")[0] in self._tree or m.split(b".")[0] == b"builtins"
               for m in modules):
            return set()
        return bound
