"""The analyzed tree as a whole: other modules are parsed and summarized only when a candidate file calls into them.

`Project` answers the questions that cross modules (which function or class a qualified name means, the one method
of the tree with a name, a class's subclasses), built on the finder (names -> files), the loader (files -> parsed
modules, within a memory budget) and the dependency tracking (which files an answer was read from).
"""

from __future__ import annotations

import ast
import os
import re
from functools import partial
from pathlib import Path
from typing import Any, Callable, Dict, FrozenSet, Iterable, List, Optional, Set, Tuple, cast

from buffix.analysis.bounded import BOUNDED_MIN_CHARS
from buffix.analysis.flow.classes import MAX_SUBCLASSES, ClassInfo
from buffix.analysis.flow.known import is_classmethod, is_static
from buffix.analysis.flow.model import GUESSED_RESPONSE, MAX_FAMILY, Val, carries, merge
from buffix.analysis.module import Module
from buffix.analysis.prefilter.index import DISPATCH_FILES, FactStore, MethodIndex
from buffix.analysis.prefilter.stage_two import StageTwo
from buffix.analysis.prefilter.tokens import might_contain_sink, screens
from buffix.analysis.project.dependencies import Dependencies
from buffix.analysis.project.finder import ModuleFinder, module_name, search_bases
from buffix.analysis.project.loader import ModuleLoader
from buffix.config import Config

_STAR = re.compile(rb"(?m)^[ \t]*from[ \t]+\S+[ \t]+import[ \t]+\*")
_MAX_REEXPORTS = 3
_MIN_ROLE = 4  # the shortest receiver name that says which classes a common method is called on (`cache`)
_ROLE_DEFINERS = 32  # the most files defining a common method searched for the classes a receiver's name names
_CLASS_STATEMENT = re.compile(rb"class[ \t]+([A-Z]\w*)")
Found = Tuple[Module, ast.AST, Optional[ClassInfo]]  # a function of the tree: its module, node and class


def _anything(text: bytes) -> bool:
    return True  # a producer all of whose functions building the class run


_WIRING_SIZE = 32 * 1024  # a module wiring a client's parts together is small: larger builders are not parsed


def _small(path: str, limit: int = BOUNDED_MIN_CHARS) -> bool:
    """Is the file below `limit` bytes (by default the size analyzed a piece at a time)? Generated modules of
    thousands of classes (dropbox's team_log.py) are searched only where they make bodies."""
    try:
        return os.path.getsize(path) < limit
    except OSError:
        return False




class Project:
    def __init__(self, roots: Iterable[Path], config: Optional[Config] = None,
                 index_store: Optional[FactStore] = None) -> None:
        """`index_store`: where the method index keeps its per-file facts across runs (buffix.cache.StatStore)."""
        roots = list(roots)
        self._index_store = index_store
        self.config = config if config is not None else Config()
        self.catalog = self.config.catalog()
        self.roots = [Path(r).resolve() for r in roots]
        self.bases = search_bases(roots, self.config.root, self.config.src)
        self._finder = ModuleFinder(self.bases)
        # where a file's namespace packages start: the bases inside what is checked (folders above it are not the
        # tree's packages, `tests/service/` checked alone is no `tests` package)
        folders = [r if r.is_dir() else r.parent for r in self.roots]
        self.base_names = tuple(str(b) for b in self.bases if any(b == f or f in b.parents for f in folders))
        self._dependencies = Dependencies()
        self._loader = ModuleLoader(self._finder, self._dependencies, self.catalog, self)
        self._stage_two = StageTwo(self, self._package_of, self.module_name)
        self._methods: Optional[MethodIndex] = None
        self._body_methods: Optional[FrozenSet[bytes]] = None
        self._bearing: Dict[str, bool] = {}
        self._handing: Dict[str, Tuple[bool, FrozenSet[str]]] = {}  # module -> hands_on_bodies
        self._subclasses: Dict[str, List[ClassInfo]] = {}
        self._reexports: Dict[str, Tuple[str, FrozenSet[str]]] = {}
        self._top_level: Dict[str, bool] = {}  # a qualname's first part -> may it be the tree's (reexported)
        self._stored: Dict[str, Tuple[Dict[str, Val], FrozenSet[str]]] = {}  # class -> attribute -> bodies
        self._storing: Set[str] = set()  # classes whose stores are being collected now
        self._builders: Dict[Tuple[str, int, str], Tuple[Optional[str], FrozenSet[str]]] = {}
        self._building: Set[Tuple[str, str]] = set()
        self._autouse: Dict[str, Tuple[Tuple[str, ...], FrozenSet[str]]] = {}  # conftest.py -> names it patches
        # the parts' answers, under the names the modules and stage 2 ask them by
        self.tracking = self._dependencies.tracking
        self.consult = self._dependencies.consult
        self.consult_all = self._dependencies.consult_all
        self.remembered = self._dependencies.remembered
        self.has_module = self._finder.has_module
        self.locate = self._finder.locate
        self.text = self._finder.text
        self.top_level_names = self._finder.top_level_names
        self.use = self._loader.use
        self.module = self._loader.module
        self.imports_body_module = self._stage_two.imports_body_module

    def autouse_patches(self, path: str) -> Tuple[str, ...]:
        """The names the autouse fixtures of the `conftest.py` files in a test file's folders (up to the checked
        roots) patch (`monkeypatch.setattr("requests.sessions.Session.send", sender)`): pytest runs them around
        every test there, so each test sees those test doubles."""
        folder = Path(path).resolve().parent
        found: List[str] = []
        while any(folder == root or root in folder.parents for root in self.roots):
            conftest = folder / "conftest.py"
            if conftest.is_file():
                found.extend(self.remembered(self._autouse, str(conftest), partial(self._patched_in, conftest)))
            folder = folder.parent
        return tuple(found)

    def _patched_in(self, conftest: Path) -> Tuple[str, ...]:
        self.consult(str(conftest))
        try:
            tree = ast.parse(conftest.read_bytes(), str(conftest))
        except (OSError, SyntaxError, ValueError):
            return ()
        return autouse_patch_targets(tree)

    def module_name(self, path: str) -> str:
        """The dotted name of the tree's file at `path`, as the tree's imports spell it (namespace packages too)."""
        return module_name(path, self.base_names)[0]

    def _package_of(self, path: str) -> str:
        """The package the relative imports of the file at `path` start from."""
        package = self.module_name(path)
        return package if path.endswith("__init__.py") else package.rpartition(".")[0]

    def trim(self) -> None:
        """Between files: forget the parsed modules once they pass the loader's budget (with what points into them);
        answers kept as plain data (stage 2's) stay."""
        if self._loader.trim():
            self._subclasses.clear()

    def index_methods(self, processes: int = 1) -> MethodIndex:
        """The tree's method index (one byte-level scan of every file, in up to `processes` processes), built once."""
        if self._methods is None:
            self._methods = MethodIndex(self.roots, screens(self.catalog), jobs=processes, config=self.config,
                                        store=self._index_store)
            if processes > 1:  # built for workers about to fork: they share the body-method closure, made once
                self._methods.body_methods(self.catalog.common_methods)
        return self._methods

    def first_stage(self, path: str, source: bytes) -> bool:
        """The prefilter's stage 1 on the file at `path` holding `source`: the method index's scan read it already
        when the file is unchanged since (MethodIndex.first_stage)."""
        known = self._methods.first_stage(path) if self._methods is not None else None
        return known if known is not None else might_contain_sink(source, self.catalog)

    def bears_bodies(self, name: str) -> bool:
        """Can module `name` of the tree make a body on its own: does it pass the prefilter's stage 1? (cached)"""
        self.use(name)
        if name not in self._bearing:
            text = self.text(name)
            self._bearing[name] = text is not None and might_contain_sink(text, self.catalog)
        return self._bearing[name]

    def hands_on_bodies(self, name: str) -> bool:
        """Can module `name` give bodies when nothing tainted is handed to it: it makes them itself (stage 1), or
        it imports from a module of the tree that does, a few imports deep (`helpers.fetch` returning
        `net.get_bytes(url)`)."""
        if self.bears_bodies(name):
            return True
        return cast(bool, self.remembered(self._handing, name, lambda: self._imports_bearing(name, 0, set())))

    def _imports_bearing(self, name: str, depth: int, seen: Set[str]) -> bool:
        if self.bears_bodies(name):
            return True
        module = self.module(name) if depth < _MAX_REEXPORTS and name not in seen else None
        seen.add(name)
        for qualname in sorted(set(module.names.imports.values())) if module is not None else ():
            for imported in (qualname, qualname.rpartition(".")[0]):  # a module, or a name of one
                if imported and self.has_module(imported) and self._imports_bearing(imported, depth + 1, seen):
                    return True
        return False

    def class_by_name(self, name: str, near: str) -> Optional[str]:
        """The qualified name of the one class of the tree named `name` (a docstring's unimported type), when it
        is in the same top-level package as module `near`."""
        file = self.index_methods().class_file(name)
        module = self.module_name(file) if file is not None else ""
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
                    module = self.module(self.module_name(file))
                    for candidate in module.classes.values() if module is not None else ():
                        if candidate.qualname not in seen and any(b.qualname == base.qualname
                                                                  for b in candidate.bases()):
                            seen.add(candidate.qualname)
                            found.append(candidate)
                            pending.append(candidate)
            self._subclasses[info.qualname] = found[:MAX_SUBCLASSES]
        for sub in self._subclasses[info.qualname]:
            if sub.module is not None:
                sub.module.consulted(computed=False)
        return self._subclasses[info.qualname]

    def stored_into(self, qualname: str, attr: str) -> Optional[Val]:
        """Bodies that code of the tree stores in `attr` of instances of class `qualname` (ClassInfo.stored_elsewhere),
        found by running once, silently, the modules that make bodies and name the class (at most DISPATCH_FILES:
        a class every module names is a framework's, not a holder of bodies)."""
        return self._stores_into(qualname).get(attr)

    def _stores_into(self, qualname: str) -> Dict[str, Val]:
        if self._storing:
            # asked while producers run: one level only (each level would run more modules), and never what an
            # earlier question left cached, else the class asked about first would decide the answer
            return {}

        def compute() -> Dict[str, Val]:
            self._storing.add(qualname)
            try:
                name = qualname.rpartition(".")[2]
                named = self._naming(name)
                found = self._run_producers(qualname, named, screens(self.catalog).any_source.search)
                if not any(map(carries, found.values())) and self._reads_what_it_is_given(qualname):
                    # `File(response, name)` in a module that gets its response from a helper of the tree: the
                    # functions there that build the class run whatever they name
                    found = self._run_producers(qualname, self._building_beyond(name, named), _anything)
                return found
            finally:
                self._storing.discard(qualname)

        return cast(Dict[str, Val], self.remembered(self._stored, qualname, compute))

    def _building_beyond(self, name: str, searched: List[str], limit: int = BOUNDED_MIN_CHARS) -> List[str]:
        """The files that call a class named `name`, besides those `searched` already, below `limit` bytes."""
        return [f for f in self.index_methods().building(name) if f not in searched and _small(f, limit)]

    def _run_producers(self, qualname: str, files: List[str], sources: Callable[[bytes], Any]) -> Dict[str, Val]:
        """What the modules of `files` store in instances of class `qualname` (Module.stores)."""
        found: Dict[str, Val] = {}
        for file in files:
            with self._dependencies.unrecorded():  # what a producer's run reads depends on what ran
                module = self.module(self.module_name(file))  # before it: the answer names its files
                made = module.stores(sources) if module is not None else {}
            self.consult(file)
            for (owner, attr), value in made.items():
                if owner == qualname:
                    kept = found.get(attr)  # (None is nothing found yet, not a value of unknown type)
                    found[attr] = (merge([kept, value]) or value) if kept is not None else value
        return found

    def _reads_what_it_is_given(self, qualname: str) -> bool:
        """Does the class's `__init__` read a body member of a parameter (`self.content = stream.content`)? Its
        builders then hand it responses, wherever those come from."""
        info = self.find_class(qualname)
        init = info.methods.get("__init__") if info is not None else None
        guess = self.catalog.types.get(GUESSED_RESPONSE)
        if init is None or guess is None:
            return False
        members = {*guess.attributes, *guess.methods}
        params = {a.arg for a in (*init.args.posonlyargs, *init.args.args)}  # type: ignore[attr-defined]
        return any(isinstance(n, ast.Attribute) and n.attr in members and isinstance(n.value, ast.Name)
                   and n.value.id in params for n in ast.walk(init))

    def collecting(self) -> bool:
        """Do the producers of some class's stores run now? What is computed then saw no stores of other classes:
        module summaries keep it apart."""
        return bool(self._storing)

    def stored_attrs(self, qualname: str) -> FrozenSet[str]:
        """The attributes of class `qualname` that code elsewhere in the tree stores bodies in."""
        return frozenset(attr for attr, value in self._stores_into(qualname).items() if carries(value))

    def holds_bodies(self, name: str) -> bool:
        """Does module `name` define a class whose instances code elsewhere in the tree fills with bodies? Parsed
        only when a file making bodies names one of its classes."""
        text = self.text(name)
        named = [c.decode("ascii") for c in _CLASS_STATEMENT.findall(text or b"") if self._naming(c.decode("ascii"))]
        module = self.module(name) if named else None
        return module is not None and any(self.stored_attrs(module.classes[c].qualname)
                                          for c in named if c in module.classes)

    def _naming(self, name: str) -> List[str]:
        """The files making bodies (MethodIndex.bearing_files) whose text builds or type-checks a class called `name`
        (`Picture(`, `isinstance(x, Picture)`; `cls(` in a class method is found when the file is parsed), if at
        most DISPATCH_FILES: what the method index's scan read (MethodIndex.naming)."""
        return self.index_methods().naming(name)

    def built_by(self, qualname: str, index: int, name: str) -> Optional[str]:
        """The class of the tree whose methods build class `qualname` handing it their own instance as its
        `__init__` parameter `name` (positional `index`, self not counted): `FilesAPI(self)` or
        `MediaAPI(client=self)` in a method of `Client` types `client` as a Client. Searched in the files making
        bodies that spell the class (`_naming`); one answer only, when every such site hands the same class."""
        key = (qualname, index, name)
        if self._building:  # a holder's builder, asked while its own is sought: not cached (the chain was cut)
            return self._builder(*key)
        return cast(Optional[str], self.remembered(self._builders, key, lambda: self._builder(*key)))

    def _builder(self, qualname: str, index: int, name: str) -> Optional[str]:
        if len(self._building) >= _MAX_REEXPORTS or (qualname, name) in self._building:
            return None  # a chain of holders handing the instance on, followed a few levels only
        self._building.add((qualname, name))
        try:
            short = qualname.rpartition(".")[2]
            named = self._naming(short)
            found = self._builders_in(named, qualname, index, name)
            if not found:  # none there: the files that build it (a client wiring its parts makes no body)
                found = self._builders_in(self._building_beyond(short, named, _WIRING_SIZE), qualname, index, name)
            return found.pop() or None if len(found) == 1 else None
        finally:
            self._building.discard((qualname, name))

    def _builders_in(self, files: List[str], qualname: str, index: int, name: str) -> Set[str]:
        """The classes (or "" for one not known) whose methods in `files` build `qualname` handing it an
        instance of theirs as parameter `name` (positional `index`)."""
        found: Set[str] = set()
        spelled = re.compile(rf"\b{re.escape(qualname.rpartition('.')[2])}\s*\(")
        for file in files:
            module = self.module(self.module_name(file))
            if module is None:
                continue
            builders: List[Tuple[Optional[ClassInfo], ast.AST]] = [
                (info, method) for info in module.classes.values() for method in info.methods.values()]
            builders.extend((None, function) for function in module.functions.values())
            for info, method in builders:
                if not module.parsed.may_contain(method, spelled):
                    continue  # no call of the class in its text: no walk (a large module's pieces stay unparsed)
                for handed in _handed(module, method, qualname, index, name):
                    found.add(self._instance_class(module, info, method, handed) or "")
        return found

    def _instance_class(self, module: Module, info: Optional[ClassInfo], method: ast.AST,
                        handed: ast.expr) -> Optional[str]:
        """The tree class of what a function (a method of `info`) hands on: a local it builds (`http = HTTP()`),
        its own `self`, or a `self.<attr>` its class's `__init__` builds (`self.http = HTTPClient()`) or fills from
        its own builder's parameter (`self._client = client`)."""
        if isinstance(handed, ast.Name):
            local = {module.built_class(n.value.func) for n in ast.walk(method)
                     if isinstance(n, ast.Assign) and isinstance(n.value, ast.Call)
                     and any(isinstance(t, ast.Name) and t.id == handed.id for t in n.targets)}
            if len(local) == 1 and None not in local:
                return local.pop()
        if info is None:
            return None
        own = _own_name(method)
        if isinstance(handed, ast.Name) and handed.id == own:
            return info.qualname
        if not (isinstance(handed, ast.Attribute) and isinstance(handed.value, ast.Name) and handed.value.id == own):
            return None
        made = info.built_in_init(handed.attr)
        if made is not None:
            return made
        init = info.methods.get("__init__")
        params = [a.arg for a in (*init.args.posonlyargs, *init.args.args)][1:] if init is not None else []  # type: ignore[attr-defined]
        for node in ast.walk(init) if init is not None else ():
            if (isinstance(node, ast.Assign) and isinstance(node.value, ast.Name) and node.value.id in params
                    and any(isinstance(t, ast.Attribute) and t.attr == handed.attr for t in node.targets)):
                return self.built_by(info.qualname, params.index(node.value.id), node.value.id)
        return None

    def reexported(self, qualname: str) -> str:
        """What `qualname` names once the tree's re-exports are followed: `pkg.compat.requests.get` is
        `requests.get` when pkg/compat.py imports requests; `pkg.File` is `pkg.files.File` when pkg/__init__.py
        imports it from there. Unchanged when it is not the tree's, or the tree defines it where it says."""
        first = qualname.partition(".")[0]
        in_tree = self._top_level.get(first)
        if in_tree is None:  # asked ~300,000 times over the bench corpus's kept files, for a few hundred names
            in_tree = self._top_level[first] = os.fsencode(first) in self.top_level_names()
        if not in_tree:
            return qualname
        return self.remembered(self._reexports, qualname, lambda: self._follow(qualname, 0))

    def _follow(self, qualname: str, depth: int) -> str:
        parts = qualname.split(".")
        for end in range(len(parts) - 1, 0, -1):
            module_part, name = ".".join(parts[:end]), parts[end]
            if not self.has_module(module_part):
                continue
            text = self.text(module_part) or b""
            word = re.escape(name.encode())
            spelled = re.search(rb"\b" + word + rb"\b", text)
            if not spelled and _STAR.search(text) and depth < _MAX_REEXPORTS:
                starred = self._through_star(module_part, word, parts[end:], depth)
                if starred is not None:  # `from .projects import *` in gitlab/v4/objects/__init__.py
                    return starred
            # decided without parsing where the text settles it: the module defines the name, or never spells it
            if not spelled or re.search(
                    rb"(?m)^[ \t]*(?:async[ \t]+)?(?:def|class)[ \t]+" + word + rb"\b", text):
                return qualname
            module = self.module(module_part)
            target = module.names.imports.get(name) if module is not None else None
            if target is None or depth >= _MAX_REEXPORTS:
                return qualname
            resolved = ".".join([target, *parts[end + 1:]])
            return self._follow(resolved, depth + 1) if resolved != qualname else qualname
        return qualname

    def _through_star(self, module_part: str, word: bytes, rest: List[str], depth: int) -> Optional[str]:
        """The name a module takes from one of its `from m import *` (the last that spells it), followed."""
        module = self.module(module_part)
        for star in reversed(module.names.star_modules if module is not None else []):
            if self.has_module(star) and re.search(rb"\b" + word + rb"\b", self.text(star) or b""):
                return self._follow(".".join([star, *rest]), depth + 1)
        return None

    def find_function(self, qualname: str, tainted_args: bool = True, depth: int = 0) -> Optional[Found]:
        """The function `qualname` of the tree; without tainted arguments only if its module can return bodies."""
        module_part, _, name = qualname.rpartition(".")
        if not module_part or depth > _MAX_REEXPORTS:
            return None
        if not tainted_args and not self.hands_on_bodies(module_part) and self.has_module(module_part):
            reexport = self._reexport(module_part, name)  # `from .util import urlopen` in a package's __init__
            return self.find_function(reexport, tainted_args, depth + 1) if reexport else None
        module = self.module(module_part)
        if module is None:
            return self._class_function(module_part, name)
        if name in module.functions:
            return module, module.functions[name], None
        reexport = module.names.imports.get(name)  # `from .net import fetch` in a package's __init__
        return self.find_function(reexport, tainted_args, depth + 1) if reexport else None

    def _class_function(self, class_part: str, name: str) -> Optional[Found]:
        """`pkg.File.read`: a static method (a class method) of a class of the tree, also one a package re-exports
        (`from .file import File` in its __init__)."""
        info = self.find_class(class_part) if "." in class_part else None
        method = info.methods.get(name) if info is not None else None
        if info is None or info.module is None or method is None:
            return None
        module = cast(Module, info.module)  # the tree's classes live in its modules
        if is_static(method):
            return module, method, None
        return (module, method, info) if is_classmethod(method) else None

    def method_by_name(self, name: str, tainted_args: bool) -> Optional[Found]:
        """The method `name` when exactly one class of the tree defines it (and it is not a common name);
        without tainted arguments only if it may return one (its own text names a body source, or it calls a
        method that may: `file_object.getData()` delegating to `self.instance.get_data()`). When a few classes
        define it, the one whose text names a body source, if only one does."""
        if name in self.catalog.common_methods or name.startswith("__"):
            return None
        index = self.index_methods()
        bearing = not tainted_args and not self.gives_bodies(name)
        file = index.unique(name, bearing=bearing) or index.sole_bearer(name)
        if file is None:
            return None
        module = self.module(self.module_name(file))
        if module is None:
            return None
        classes = [info for info in module.classes.values() if name in info.methods]
        if tainted_args and len(classes) > 1:
            return None  # a body handed to a method several classes of one file define: each (methods_by_name)
        return (module, classes[0].methods[name], classes[0]) if classes else None

    def gives_bodies(self, method: str, source: Optional[Callable[[], str]] = None) -> bool:
        """May a method of the tree named `method` return a body (MethodIndex.body_methods)? A common name (`fetch`)
        is none by its name alone; given a way to read the method's own `source`, it is one when that text names a
        body source (stage 1: `NetworkFetcher.fetch` returning `response.content`)."""
        if self._body_methods is None:
            self._body_methods = self.index_methods().body_methods(self.catalog.common_methods)
        if method.encode() in self._body_methods:
            return True
        return (source is not None and method in self.catalog.common_methods
                and might_contain_sink(source().encode("utf-8", "replace"), self.catalog))

    def methods_by_name(self, name: str, role: str = "", named: bool = False) -> List[Found]:
        """Every method `name` of the tree when a few classes define it (a body handed to `handler.deserialize(data)`
        of a handler from a registry reaches one of them), at most MAX_FAMILY. A common name, or any name when
        `named`, only of the classes the receiver's `role` names (`self.cache.add(url, body)`: `SqliteCache`,
        `InMemoryCache`; `self.transport.load(url)`: `Transport`)."""
        common = name in self.catalog.common_methods or named
        if name.startswith("__") or common and len(role) < _MIN_ROLE:
            return []
        found: List[Found] = []
        index = self.index_methods()
        files = index.definers(name, _ROLE_DEFINERS if common else MAX_FAMILY)
        if common:  # parse only the files defining a class the role names
            files = [f for f in files if f in index.role_files(role)]
        for file in files:
            module = self.module(self.module_name(file))
            if module is None:
                continue
            found.extend((module, info.methods[name], info) for info in module.classes.values()
                         if name in info.methods and (not common or info.node.name.lower().endswith(role)))
        return found[:MAX_FAMILY]

    def _reexport(self, module_part: str, name: str) -> Optional[str]:
        file = self._finder.locate(module_part)
        if file is None or file.name != "__init__.py":
            return None
        module = self.module(module_part)
        return module.names.imports.get(name) if module is not None and name not in module.functions else None

    def find_class(self, qualname: str, depth: int = 0) -> Optional[ClassInfo]:
        module_part, _, name = qualname.rpartition(".")
        if not module_part or depth > _MAX_REEXPORTS or not self.has_module(module_part):
            return None
        module = self.module(module_part)
        if module is None:
            return None
        if name in module.classes:
            return module.classes[name]
        reexport = module.names.imports.get(name)
        return self.find_class(reexport, depth + 1) if reexport else None


def _own_name(method: ast.AST) -> Optional[str]:
    """The name of a method's own instance (`self`), None for static and class methods."""
    args: ast.arguments = method.args  # type: ignore[attr-defined]
    positional = [*args.posonlyargs, *args.args]
    return positional[0].arg if positional and not is_static(method) and not is_classmethod(method) else None


def _handed(module: Module, method: ast.AST, built: str, index: int, name: str) -> List[ast.expr]:
    """What each call in `method` that builds class `built` passes as its `__init__` parameter `name` (or
    positional `index`)."""
    short = built.rpartition(".")[2]
    handed: List[ast.expr] = []
    for node in ast.walk(method):
        if isinstance(node, ast.Call) and getattr(node.func, "id", getattr(node.func, "attr", None)) == short:
            given = [*node.args[index:index + 1], *(k.value for k in node.keywords if k.arg == name)]
            if given and module.tree_class(node.func) == built:
                handed.extend(given)
    return handed


def autouse_patch_targets(tree: ast.Module) -> Tuple[str, ...]:
    """The dotted names that the module-level `@pytest.fixture(autouse=True)` functions of a conftest patch with a
    literal target: `monkeypatch.setattr("a.b", ...)`, `mocker.patch("a.b")`, `mock.patch("a.b")`."""
    targets: List[str] = []
    for function in tree.body:
        if not isinstance(function, (ast.FunctionDef, ast.AsyncFunctionDef)) or not any(
                map(_autouse_fixture, function.decorator_list)):
            continue
        for node in ast.walk(function):
            if (isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute)
                    and node.func.attr in ("setattr", "patch") and node.args
                    and isinstance(node.args[0], ast.Constant) and isinstance(node.args[0].value, str)
                    and "." in node.args[0].value):
                targets.append(node.args[0].value)
    return tuple(targets)


def _autouse_fixture(decorator: ast.expr) -> bool:
    """`@pytest.fixture(autouse=True)` or `@fixture(autouse=True)`."""
    return (isinstance(decorator, ast.Call) and getattr(decorator.func, "attr", getattr(decorator.func, "id", ""))
            == "fixture" and any(k.arg == "autouse" and isinstance(k.value, ast.Constant) and k.value.value is True
                                 for k in decorator.keywords))
