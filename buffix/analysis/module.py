"""One module under analysis: its import table, functions and classes, and the summaries of its functions."""

from __future__ import annotations

import ast
import builtins
import re
from contextlib import contextmanager
from dataclasses import replace
from typing import Any, Callable, Dict, FrozenSet, Iterator, List, Optional, Sequence, Set, Tuple

from buffix.analysis.bounded import Flags, StandIn
from buffix.analysis.flow import known, pyversion
from buffix.analysis.flow.classes import ClassInfo, Function, Tree, call_built_class, module_functions
from buffix.analysis.flow.evaluator import Frame, forget_closures
from buffix.analysis.flow.known import is_classmethod, is_static, is_super_call
from buffix.analysis.flow.model import (
    BODY,
    CHUNKS,
    CLASS,
    CLEAN,
    CONTAINER,
    EVERY_ITEM,
    OBJECT,
    TREE_CLASS,
    TUPLE,
    Param,
    Raw,
    Role,
    Summary,
    Val,
    as_input,
    carries,
    from_input,
    merge,
    of_family,
)
from buffix.analysis.flow.scope import Names, collect
from buffix.analysis.parse import Parsed
from buffix.knowledge.catalog import Catalog

_FUNCTIONS = (ast.FunctionDef, ast.AsyncFunctionDef)


_TEST_DIRS = frozenset({"tests", "test", "testing"})


def _methods(body: List[ast.stmt]) -> Dict[str, ast.AST]:
    """A class body's methods by name; a property's setter or deleter (`@raw_html.setter`) leaves its getter."""
    methods: Dict[str, ast.AST] = {}
    for statement in body:
        if isinstance(statement, _FUNCTIONS) and not (statement.name in methods and any(
                isinstance(d, ast.Attribute) and d.attr in ("setter", "deleter") for d in statement.decorator_list)):
            methods[statement.name] = statement
    return methods


def node_key(node: ast.AST) -> int:
    """What the module's caches know a function or class by: where it begins in the file (no two begin at one
    place), which outlives the node when a large file's statements are parsed again (analysis/bounded.py: a
    nested function is a new node each time). One int: there is one per function of a file, and a stand-in holds
    its own (the caches keyed by it share that int)."""
    if isinstance(node, StandIn):
        return node.key  # type: ignore[attr-defined]
    line = getattr(node, "lineno", None)
    if line is None:  # no position: only its identity tells it apart
        return -id(node)
    return line << 32 | node.col_offset  # type: ignore[attr-defined]


class _Deferred:
    """The functions and classes a module deferred: their node_key in a set, or a flag for each of a large file's
    own (bounded.Flags: a byte where a key in a set is ~33, and there is one per function)."""

    def __init__(self, tree: ast.Module) -> None:
        self._keys: Set[int] = set()
        self._flags = Flags(tree)

    def __contains__(self, node: ast.AST) -> bool:
        index = self._flags.index(node)
        return node_key(node) in self._keys if index is None else bool(self._flags.bytes[index])

    def add(self, node: ast.AST) -> None:
        self._set(node, True)

    def discard(self, node: ast.AST) -> None:
        self._set(node, False)

    def _set(self, node: ast.AST, on: bool) -> None:
        index = self._flags.index(node)
        if index is not None:
            self._flags.bytes[index] = on
        elif on:
            self._keys.add(node_key(node))
        else:
            self._keys.discard(node_key(node))


def is_test_module(path: str, qualname: str) -> bool:
    """A test module: in a `tests`/`test` package, or named `test_*.py`, `*_test.py` or `conftest.py`. Packages
    come from the qualified name, not the absolute path: a project that sits under a folder named tests is not
    all test code."""
    name = path.replace("\\", "/").rsplit("/", 1)[-1]
    return (bool(_TEST_DIRS.intersection(qualname.split(".")[:-1])) or name.startswith("test_")
            or name.endswith("_test.py") or name == "conftest.py")


class Module:
    def __init__(self, path: str, parsed: Parsed, catalog: Catalog, qualname: str, is_package: bool = False,
                 project: Optional[Tree] = None, emitting: bool = True) -> None:
        self.path = path
        self.parsed = parsed
        self.catalog = catalog
        self.qualname = qualname
        self.package = qualname if is_package else qualname.rpartition(".")[0]
        self.project = project
        self.emitting = emitting
        self.in_tests = is_test_module(path, qualname)  # a response guessed from its name here is most likely a mock
        body = parsed.tree.body
        self.names = collect(body, self.package)
        # its top-level functions, those an `if` or `try` defines too (an optional import's handler); a
        # top-level definition wins
        self.functions = {**{f.name: f for f in module_functions(body)},  # type: ignore[attr-defined]
                          **{s.name: s for s in body if isinstance(s, _FUNCTIONS)}}
        self.classes: Dict[str, ClassInfo] = {}
        for stmt in body:
            made = stmt if isinstance(stmt, ast.ClassDef) else call_built_class(stmt)
            if made is not None:
                self.classes[made.name] = ClassInfo(made, f"{qualname}.{made.name}", _methods(made.body), module=self)
        self.raw: List[Raw] = []
        self.published: Dict[Tuple[str, str], Val] = {}  # what its code stores in instances of the tree's classes
        # what `defer` was given, not analyzed yet, and the frame of each (two lists: a tuple each was 72 bytes more)
        self.pending: List[ast.AST] = []
        self._pending_frames: List[Frame] = []
        self._summaries: Dict[tuple, Summary] = {}
        self._partial: Dict[tuple, Summary] = {}  # summaries computed while stores are collected (collecting)
        self._running: Set[tuple] = set()  # keys of _summaries whose entry is still the in-progress placeholder
        self._docstrings: Dict[int, Dict[str, ast.expr]] = {}
        self._branching: Dict[int, FrozenSet[str]] = {}
        self._type_variables: Optional[FrozenSet[str]] = None
        self._version_facts: Dict[str, Optional[bool]] = {}
        self._bytes_names: Dict[str, bool] = {}
        self._builtin_aliases: Dict[str, Optional[str]] = {}
        self._assigned: Optional[Dict[str, List[ast.expr]]] = None  # top-level name -> its Python 3 values
        self._assigning = False
        self._instances: Optional[Dict[str, str]] = None
        self.frame = Frame(self, self.names, emit=emitting)
        if self.in_tests and project is not None:  # what autouse fixtures replace, around each of its tests
            self.frame.patched.extend(project.autouse_patches(path))
        self._ran = False
        self._stored: Dict[Callable[[bytes], Any], Dict[Tuple[str, str], Val]] = {}  # `stores`, by its filter
        self._deferred = _Deferred(parsed.tree)  # pending or analyzed (a scan of `pending` per def was quadratic)
        self._makers: Optional[List[Tuple[ast.AST, Optional[ClassInfo]]]] = None
        self._listed: Optional[FrozenSet[str]] = None  # listed_names
        self.depends: Set[str] = set()  # files of the tree its cached computations consulted

    def defer(self, node: ast.AST, frame: Frame) -> None:
        """Analyze a function or class defined in `frame` once the module's top level has run (`analyze`): once,
        however often the code defining it runs (a class defined in a method of a class analyzed with its
        subclasses was deferred hundreds of times: apprise's CustomNotifyPluginWrapper)."""
        if node in self._deferred:
            return
        self.pending.append(node)
        self._pending_frames.append(frame)
        self._deferred.add(node)

    def qualname_of(self, node: ast.AST) -> Optional[str]:
        """What `node` names at the module's top level (`requests.Session` in a class's bases)."""
        return self.frame.qualname(node)

    def dispose(self) -> None:
        """Break the module's reference cycles (frames and classes point back to it) once its findings are built,
        so its syntax tree is freed at once instead of by the cycle collector, which would walk it many times."""
        self.frame = None  # type: ignore[assignment]
        forget_closures()
        self.classes.clear()
        self.pending.clear()
        self._pending_frames.clear()
        self._deferred = _Deferred(ast.Module(body=[], type_ignores=[]))
        self._summaries.clear()
        self._partial.clear()
        self._branching.clear()
        self.raw = []
        # tables of names, a key per function of the file: gone before the findings are built beside them
        self.functions, self.names, self._docstrings, self._makers = {}, Names(), {}, None

    def consulted(self, computed: bool = True) -> None:
        """Record that the file being analyzed now used this module (its summaries, classes or attributes), and,
        when it used something `computed` here, the files those computations read: a cached summary must still
        name them (result cache invalidation). A class's own lines (its bases, its methods) are only its file."""
        if self.project is not None:
            self.project.consult(self.path)
            if computed:
                self.project.consult_all(self.depends)

    @contextmanager
    def _computing(self) -> Iterator[None]:
        """Remember the files a computation of this module (top level, class learning, a summary) consulted."""
        if self.project is None:
            yield
            return
        with self.project.tracking() as used:
            yield
        self.depends |= used

    # ---- whole-module analysis --------------------------------------------------------------------------------
    def run_top_level(self) -> None:
        if not self._ran:
            self._ran = True
            with self._computing():
                self.frame.run(self.parsed.tree.body)

    def stores(self, sources: Callable[[bytes], bool]) -> Dict[Tuple[str, str], Val]:
        """What the functions and methods of this module that build or type-check a class of the tree
        (`Picture()`, `Download.from_data(...)`, `cls(...)` in a class method, `isinstance(x, ClientResult)`) and
        whose text names a body source (`sources`) store in instances of the tree's classes. All of them run at
        once, silently: which class is asked about first must not change what an answer depends on."""
        if sources in self._stored:
            return self._stored[sources]
        self.run_top_level()
        # only what these functions store: not what the module's analysis, or a run under another filter, stored
        # before (which of them ran first would decide the answer)
        outer = self.published
        self.published = self._stored[sources] = {}  # (while it runs, what it stored so far: Project knows)
        try:
            for function, cls in self._making():
                # a method's sources may be its class's (`self.pool_manager = urllib3.PoolManager()` in `__init__`)
                where = function if cls is None else cls.node
                lines = self.parsed.lines[where.lineno - 1:where.end_lineno]  # type: ignore[attr-defined]
                if sources("\n".join(lines).encode("utf-8", "replace")):  # (what the answer depends on: Project)
                    self.function_frame(function, self.frame, cls, emit=False).run(function.body)  # type: ignore
        finally:
            made, self.published = self.published, outer
        return made

    def _making(self) -> List[Tuple[ast.AST, Optional[ClassInfo]]]:
        """The functions and methods that call a name or a name's method (`Picture()`, `Download.from_data(...)`,
        `cls(...)`, `isinstance(...)`): those that may build or type-check a class of the tree, in source order
        (the order they run in decides which of two equally sure stores a merge keeps; one walk)."""
        if self._makers is None:
            owners: List[Tuple[ast.AST, Optional[ClassInfo]]] = [(f, None) for f in self.functions.values()]
            owners += [(m, info) for info in self.classes.values() for m in info.methods.values()]
            self._makers = [(function, cls) for function, cls in owners if _calls_a_name(function)]
        return self._makers

    def analyze(self) -> List[Raw]:
        self.run_top_level()
        while self.pending:
            node, parent = self.pending.pop(0), self._pending_frames.pop(0)
            waiting = len(self.pending)
            if isinstance(node, ast.ClassDef):
                self._analyze_class(node, parent)
            else:
                self.function_frame(node, parent, None, emit=True).run(node.body)  # type: ignore[attr-defined]
            if len(self.pending) > waiting:  # what it defined goes next, and the frame they were defined in with it
                # (last, every class body's and function's frame that defined one was held at once: ~2 KB each)
                self.pending[:] = self.pending[waiting:] + self.pending[:waiting]
                self._pending_frames[:] = self._pending_frames[waiting:] + self._pending_frames[:waiting]
        return self.raw

    def _analyze_class(self, node: ast.ClassDef, parent: Frame) -> None:
        info = self.classes.get(node.name) if parent is self.frame else None
        if info is None or info.node is not node:
            info = ClassInfo(node, f"{self.qualname}.{node.name}",
                             _methods(node.body), module=self)
        info.learned = True
        self._run_class_body(info, parent, emit=True)
        # Methods read what other methods store in self.*: when a pass learns a new tainted attribute, run again.
        for _ in range(3):
            known = info.carried()  # a type alone is no reason to run again
            raw_mark, pending_mark = len(self.raw), len(self.pending)
            for method in info.methods.values():
                self.function_frame(method, parent, info, emit=True).run(method.body)  # type: ignore[attr-defined]
            if info.carried() <= known:
                break
            for deferred in self.pending[pending_mark:]:
                self._deferred.discard(deferred)
            del self.raw[raw_mark:], self.pending[pending_mark:], self._pending_frames[pending_mark:]
        for base in info.mro()[1:]:  # a mixin's `super().read()` reaches the class it is mixed into
            if base.module is not self:
                continue
            for name, method in base.methods.items():
                if _calls_super(self.parsed, method) and (info.method(name) or (None, None))[1] is method:
                    self.function_frame(method, self.frame, info, emit=True).run(method.body)  # type: ignore[attr-defined]

    def _run_class_body(self, info: ClassInfo, parent: Frame, emit: bool) -> None:
        """Run the class body's statements: its class attributes (`_registry = {'http': HTTPStorage}`)."""
        node = info.node
        info.body_learned = True
        body_frame = Frame(self, collect(node.body, self.package), parent=parent, cls=info, emit=emit)
        for stmt in node.body:
            if not isinstance(stmt, _FUNCTIONS):
                body_frame.stmt(stmt)
        for name, value in body_frame.env.items():
            if value is not None and value.tainted:
                info.attrs.setdefault(name, value)
                info.class_attrs.setdefault(name, value)

    def learn_body(self, info: ClassInfo) -> None:
        """Run a class's body once, silently: its class attributes, without running its methods (on demand)."""
        self.run_top_level()
        with self._computing():
            self._run_class_body(info, self.frame, emit=False)

    def learn(self, info: ClassInfo) -> None:
        """Run a class's body and methods once, silently, to learn its class attributes and what its methods
        store in self.* (on demand only)."""
        info.learned = True
        if not info.body_learned:
            self.learn_body(info)
        with self._computing():
            for method in info.methods.values():
                self.function_frame(method, self.frame, info, emit=False).run(method.body)  # type: ignore[attr-defined]

    def resolve_class(self, node: ast.AST) -> Optional[ClassInfo]:
        """The class of the tree that a base-class or constructor expression names."""
        if isinstance(node, ast.Subscript):  # Generic[T]-style bases: `class APIResponse(BaseAPIResponse[R])`
            node = node.value
        if isinstance(node, ast.Name) and node.id in self.classes and node.id not in self.names.imports:
            return self.classes[node.id]
        qualname = self.frame.qualname(node)
        if not qualname or qualname.startswith("builtins."):
            return None
        prefix, _, name = qualname.rpartition(".")
        if prefix == self.qualname:
            return self.classes.get(name)
        return self.project.find_class(qualname) if self.project is not None else None

    def tree_class(self, node: ast.AST, by_name: bool = False) -> Optional[str]:
        """The qualified name of the tree class an annotation names, without loading its module. `by_name`: a
        docstring's type need not be imported; a name only one class of the tree has is that class."""
        if isinstance(node, ast.Name) and node.id in self.classes and node.id not in self.names.imports:
            return self.classes[node.id].qualname
        qualname = self.frame.qualname(node)
        if by_name and qualname == f"builtins.{getattr(node, 'id', '')}" and self.project is not None:
            if not hasattr(builtins, node.id) and node.id[:1].isupper():  # type: ignore[attr-defined]
                return self.project.class_by_name(node.id, self.qualname)  # type: ignore[attr-defined]
        return self.tree_class_named(qualname) if qualname else None

    def built_class(self, func: ast.AST) -> Optional[str]:
        """The tree class (or family) a call of `func` builds: the class itself, or a factory function of the tree
        each of whose `return`s builds a tree class (`get_http_client()` returning a SessionClient or an HTTPClient)."""
        named = self.tree_class(func)
        if named is not None:
            return named
        qualname = self.frame.qualname(func) if isinstance(func, (ast.Name, ast.Attribute)) else ""
        found = self.find_function(qualname, False) if qualname and not qualname.startswith("builtins.") else None
        if found is None or found[2] is not None:
            return None
        module, function = found[0], found[1]
        built: Set[str] = set()
        for node in _own_statements(function):
            if isinstance(node, ast.Return):
                made = module.tree_class(node.value.func) if isinstance(node.value, ast.Call) else None
                if made is None:
                    return None  # some return gives what no class of the tree builds: not a factory
                built.update(made.split("|"))
        return of_family(built) if built else None

    def global_instance(self, name: str) -> Optional[str]:
        """The tree class (or family) of a module-level instance (`client = Client()`, bound once), by its name."""
        if self._instances is None:
            bound: Dict[str, List[ast.expr]] = {}
            for stmt in self.parsed.tree.body:
                if isinstance(stmt, ast.Assign):
                    pairs = [(t, stmt.value) for t in stmt.targets]
                elif isinstance(stmt, ast.AnnAssign) and stmt.value is not None:
                    pairs = [(stmt.target, stmt.value)]
                else:
                    continue
                for target, value in pairs:
                    if isinstance(target, ast.Name):
                        bound.setdefault(target.id, []).append(value)
            self._instances = {}
            for bound_name, values in bound.items():
                made = self.built_class(values[0].func) if len(values) == 1 and isinstance(values[0], ast.Call) \
                    else None
                if made is not None:
                    self._instances[bound_name] = made
        return self._instances.get(name)

    def version_constant(self, qualname: str, depth: int = 0) -> Optional[bool]:
        """What a constant of the tree that tests the Python version is on every Python 3 (`const.IS_PYTHON2 =
        sys.version_info.major == 2`: False), if it is one. Only upper-case names: constants by convention."""
        prefix, _, name = qualname.rpartition(".")
        if not name.isupper() or depth > _MAX_CONSTANT_DEPTH:
            return None
        if prefix == self.qualname:
            return self.own_version_fact(name, depth)
        module = self.project.module(prefix) if self.project is not None and self.project.has_module(prefix) else None
        return module.own_version_fact(name, depth) if module is not None else None

    def own_version_fact(self, name: str, depth: int) -> Optional[bool]:
        if name not in self._version_facts:
            self._version_facts[name] = None  # a constant defined through itself is no fact
            values = [s.value for s in self.parsed.tree.body if isinstance(s, ast.Assign) and len(s.targets) == 1
                      and isinstance(s.targets[0], ast.Name) and s.targets[0].id == name]
            if len(values) == 1:
                with self._computing():
                    self._version_facts[name] = pyversion.truth(
                        values[0], self.frame.constant_name,
                        lambda q: self.version_constant(q, depth + 1))
        self.consulted()
        return self._version_facts[name]

    def names_bytes(self, qualname: str, depth: int = 0) -> bool:
        """Does a module-level name of the tree stand for `bytes` (or a tuple holding it) on every Python 3?
        (`binary_type = bytes` under `if PY3:`, `bytes_types = (bytes, bytearray)`, imported from a compat module)"""
        prefix, _, name = qualname.rpartition(".")
        if depth > _MAX_CONSTANT_DEPTH or not prefix:
            return False
        if prefix == self.qualname:
            return self.own_names_bytes(name, depth)
        module = self.project.module(prefix) if self.project is not None and self.project.has_module(prefix) else None
        return module is not None and module.own_names_bytes(name, depth)

    def own_names_bytes(self, name: str, depth: int) -> bool:
        if name not in self._bytes_names:
            self._bytes_names[name] = False  # a name defined through itself names nothing
            with self._computing():
                self._bytes_names[name] = any(self._spells_bytes(v, depth) for v in self._python3_values(name))
        self.consulted()
        return self._bytes_names[name]

    def builtin_alias(self, name: str) -> Optional[str]:
        """The builtin a module-level name stands for on Python 3 (`unicode = str` in the `except NameError:` of
        `try: unicode = unicode`), as `builtins.str`; None when it is anything else."""
        if self._assigning:
            return None  # asked by a version test while the top level is read: not cached
        if name not in self._builtin_aliases:
            others = [v for v in self._python3_values(name) if not (isinstance(v, ast.Name) and v.id == name)]
            spelled = {v.id for v in others if isinstance(v, ast.Name)}
            alias = next(iter(spelled)) if len(spelled) == 1 and len(others) == len(spelled) else ""
            self._builtin_aliases[name] = (f"builtins.{alias}" if alias and hasattr(builtins, alias)
                                           and alias not in self.names.bound else None)
        return self._builtin_aliases[name]

    def _spells_bytes(self, value: ast.expr, depth: int) -> bool:
        if isinstance(value, ast.Tuple):
            return any(self._spells_bytes(e, depth) for e in value.elts)
        spelled = self.frame.constant_name(value) if isinstance(value, (ast.Name, ast.Attribute)) else ""
        return spelled in known.BYTES_TYPES or (bool(spelled) and not spelled.startswith("builtins.")
                                                and self.names_bytes(spelled, depth + 1))

    def _python3_values(self, name: str) -> List[ast.expr]:
        """What the module's top level assigns to `name` on Python 3: branches a version test rules out skipped.
        One pass over the top level for every name (a name at a time was quadratic on a module of 10,000 classes)."""
        if self._assigned is None:
            self._assigned = {}  # while the pass runs, a version test naming a module-level name sees none
            self._assigning = True
            assigned: Dict[str, List[ast.expr]] = {}
            try:
                self._visit_assigned(self.parsed.tree.body, assigned)
            finally:
                self._assigning = False
            self._assigned = assigned
        return self._assigned.get(name, [])

    def _visit_assigned(self, body: Sequence[ast.stmt], assigned: Dict[str, List[ast.expr]]) -> None:
        """`_python3_values`' pass over the top level (a method: a local function calling itself is a cycle, which
        would keep the module and its tree for the cycle collector)."""
        for stmt in body:
            if isinstance(stmt, ast.Assign):
                for target in stmt.targets:
                    pairs = (zip(target.elts, stmt.value.elts) if isinstance(target, ast.Tuple)
                             and isinstance(stmt.value, ast.Tuple) else ((target, stmt.value),))
                    for t, v in pairs:
                        if isinstance(t, ast.Name):
                            assigned.setdefault(t.id, []).append(v)
            elif isinstance(stmt, ast.If):
                decided = pyversion.truth(stmt.test, self.frame.constant_name, self.version_constant)
                if decided is not False:
                    self._visit_assigned(stmt.body, assigned)
                if decided is not True:
                    self._visit_assigned(stmt.orelse, assigned)
            elif isinstance(stmt, ast.Try):
                self._visit_assigned(stmt.body, assigned)
                for handler in stmt.handlers:
                    self._visit_assigned(handler.body, assigned)
                self._visit_assigned(stmt.orelse, assigned)

    def tree_class_named(self, qualname: str) -> Optional[str]:
        """`qualname` when it names a class of the tree (its module is not loaded)."""
        if qualname.startswith("builtins."):
            return None
        prefix, _, name = qualname.rpartition(".")
        if prefix == self.qualname:
            return qualname if name in self.classes else None
        if (self.project is None or not prefix or not name.lstrip("_")[:1].isupper()  # `_RequestsResponse` too
                or not self.project.has_module(prefix)):
            return None
        return qualname

    # ---- functions ---------------------------------------------------------------------------------------------
    def parameters(self, function: ast.AST, cls: Optional[ClassInfo]) -> List[str]:
        args: ast.arguments = function.args  # type: ignore[attr-defined]
        names = [a.arg for a in (*args.posonlyargs, *args.args)]
        if cls is not None and names and not is_static(function):
            names = names[1:]
        return names + [a.arg for a in args.kwonlyargs]

    def function_frame(self, function: ast.AST, parent: Frame, cls: Optional[ClassInfo], emit: bool,
                       tainted: Optional[Dict[int, Val]] = None, seeds: Tuple[Tuple[str, Val], ...] = ()) -> Frame:
        args: ast.arguments = function.args  # type: ignore[attr-defined]
        positional = [*args.posonlyargs, *args.args]
        self_name = positional[0].arg if cls is not None and positional and not is_static(function) else None
        # No pre-walk of the function (it was the main cost): parameters are bound below, local imports and
        # assignments are learned as the frame executes them.
        names = Names(bound={a.arg for a in (*positional, *args.kwonlyargs, args.vararg, args.kwarg) if a})
        frame = Frame(self, names, parent=parent, cls=cls, self_name=self_name, emit=emit)
        frame.function = function
        for decorator in getattr(function, "decorator_list", ()):  # `@mock.patch("requests.get")`
            target = parent.patch_target(decorator)
            if target is not None:
                frame.patched.append(target)
        if cls is None and parent.self_name is not None and parent.self_name not in names.bound:
            frame.cls, frame.self_name = parent.cls, parent.self_name  # a nested function reading the method's self
        if self_name is not None and cls is not None and is_classmethod(function):
            frame.env[self_name] = Val(OBJECT, type=cls.qualname, role=CLASS)  # `cls(...)` builds an instance
        elif self_name is not None:
            # `class HTMLResponse(requests.Response)`: its self is that catalog type (`self.content` is the body)
            own_type = (self.catalog.annotations.get(cls.qualname) or cls.catalog_type()) if cls is not None else None
            frame.env[self_name] = Val(OBJECT, type=own_type) if own_type else None
        params = [a for a in positional if a.arg != self_name] + list(args.kwonlyargs)
        defaults = {a.arg: d for a, d in (*zip(positional[len(positional) - len(args.defaults):], args.defaults),
                                          *zip(args.kwonlyargs, args.kw_defaults)) if d is not None}
        name = getattr(function, "name", "function")
        for index, arg in enumerate(params):
            if tainted and index in tainted:
                # the caller applies its own confidence: a summary is shared by sure and guessed callers
                start = replace(as_input(tainted[index], Param(index)), attrs=tainted[index].attrs)
                frame.env[arg.arg] = frame.step(start, arg, f"parameter `{arg.arg}` of `{name}()`")
            elif arg.annotation is not None:
                frame.env[arg.arg] = frame.annotated(arg.annotation, arg)
            else:  # `storage (BaseStorage): ...` in the docstring: a weaker promise than an annotation
                stated = self._documented(function).get(arg.arg)
                if stated is None and cls is not None and getattr(function, "name", "") == "__init__":
                    stated = self._documented(cls.node).get(arg.arg)  # Google style documents __init__ there
                documented = frame.annotated(stated, arg, "documented")
                if documented is None and cls is not None and name == "__init__":
                    documented = self._built_with(frame, cls, arg, index if arg in positional else len(params))
                frame.env[arg.arg] = documented.at_most("medium") if documented is not None else None
            if frame.env[arg.arg] is None and arg.arg in defaults:  # `url_fetcher=fetch`: that function, unless given
                frame.env[arg.arg] = parent.default_function(defaults[arg.arg])
        for rest in (args.vararg, args.kwarg):
            if rest is not None:
                frame.env[rest.arg] = None
        for index, (attr, value) in enumerate(seeds):  # an instance built from bodies: its self.* hold them
            start = as_input(value, Param(index, attribute=True))
            frame.env["self." + attr] = frame.seeded[attr] = frame.step(start, function,
                                                                          f"`self.{attr}` of the instance")
        return frame

    def _built_with(self, frame: Frame, cls: ClassInfo, arg: ast.arg, index: int) -> Optional[Val]:
        """An untyped `__init__` parameter that the tree's builders of the class fill with their own instance
        (`FilesAPI(self)` in Client's `__init__`): an instance of theirs, so calls on it reach their methods."""
        if self.project is None:
            return None
        builder = self.project.built_by(cls.qualname, index, arg.arg)
        if builder is None:  # `Files(self)` of a `class Files(Resource)` using the base's `__init__`
            inheriting = [sub for sub in cls.subclasses() if _init_owner(sub) == cls.qualname]
            builders = {self.project.built_by(sub.qualname, index, arg.arg) for sub in inheriting} - {None}
            builder = builders.pop() if len(builders) == 1 else None
        if builder is None:
            return None
        return frame.step(Val(OBJECT, type=builder, role=TREE_CLASS), arg,
                          f"`{arg.arg}` is the `{builder.rpartition('.')[2]}` that builds it")

    def _documented(self, function: ast.AST) -> Dict[str, ast.expr]:
        """Parameter types a function's (or class's) docstring states (Google, Sphinx or NumPy style)."""
        documented = isinstance(function, (*_FUNCTIONS, ast.ClassDef))
        doc = ast.get_docstring(function, clean=False) if documented else None  # type: ignore[arg-type]
        if not doc:  # most have none: nothing kept for them (an entry a function was ~80 bytes)
            return _NOTHING_STATED
        key = node_key(function)
        if key not in self._docstrings:
            stated: Dict[str, ast.expr] = {}
            for match in _DOC_TYPE.finditer(doc or ""):
                name = match.group("g") or match.group("s") or match.group("n")
                text = (match.group("gt") or match.group("st") or match.group("nt") or "").split(",")[0].strip()
                try:
                    expr = ast.parse(text.strip("`~:").replace(":class:", ""), mode="eval").body
                except SyntaxError:
                    continue
                if isinstance(expr, (ast.Name, ast.Attribute)):
                    stated.setdefault(name, expr)
            returned = _DOC_RETURN.search(doc or "")  # under the key `return`, which no parameter can be named
            text = (returned.group("g") or returned.group("s") or returned.group("n")) if returned else None
            try:
                type_named = ast.parse(text.strip("`~:").replace(":class:", ""), mode="eval").body if text else None
            except SyntaxError:
                type_named = None
            if isinstance(type_named, (ast.Name, ast.Attribute)):
                stated["return"] = type_named
            self._docstrings[key] = stated or _NOTHING_STATED  # many state nothing: one dict for all of them
        return self._docstrings[key]

    def summarize(self, function: ast.AST, cls: Optional[ClassInfo], tainted: Dict[int, Val],
                  parent: Optional[Frame] = None, seeds: Tuple[Tuple[str, Val], ...] = (),
                  constants: Tuple[Tuple[str, Any], ...] = ()) -> Summary:
        """What a call returns and which parameters reach sinks, for these argument kinds (cached).
        `parent`: the frame a nested function was defined in (its closure); `constants`: the parameters the call
        sets to a literal (or leaves at a literal default) that a condition of the function tests."""
        owner = cls.qualname if cls is not None else None  # not id(cls): a dead class's id is reused
        key = (node_key(function), owner, tuple(sorted((i, v.shape) for i, v in tainted.items())),
               tuple((a, v.shape) for a, v in seeds), tuple((n, type(v), v) for n, v in constants))
        self.consulted()
        collecting = self.project is not None and self.project.collecting()
        # a collecting run (Project.stored_into) must not see the placeholder of a summary it interrupted: what it
        # finds is remembered for the whole tree
        if key in self._summaries and not (collecting and key in self._running):
            if key in self._running:
                _CYCLES.placeholder_read(self, key)
            return self._summaries[key]
        if collecting:
            cache = self._partial  # computed while stores are collected: blind to other classes' stores
            if key in cache:
                return cache[key]
            cache[key] = Summary()  # recursion: assume nothing while in progress
            cache[key] = summary = self._compute(function, cls, tainted, parent, seeds, constants)
            return summary
        self._running.add(key)
        entry = _CYCLES.enter(self, key)
        found: Optional[Summary] = None
        try:
            assumed = Summary()  # recursion: assume nothing while in progress, then what the last round gave
            for _ in range(_CYCLE_ROUNDS):
                self._summaries[key] = assumed
                summary = self._compute(function, cls, tainted, parent, seeds, constants)
                if not entry.reread or _signature(summary) == _signature(assumed):
                    break  # what was computed from the assumption holds
                _CYCLES.restart(entry)  # what the round computed from the assumption is stale
                assumed = summary
            else:
                entry.cut = True
            found = summary
        except RecursionError:  # calls nested too deep to follow (the file would be lost): unknown from here
            _CYCLES.too_deep()
        finally:
            self._running.discard(key)
            if found is None:  # no placeholder may stay behind as if it were the answer
                self._summaries.pop(key, None)
                entry.cut = True
            else:
                self._summaries[key] = found
            _CYCLES.leave(entry)
        return found if found is not None else Summary()

    def _compute(self, function: ast.AST, cls: Optional[ClassInfo], tainted: Dict[int, Val],
                 parent: Optional[Frame], seeds: Tuple[Tuple[str, Val], ...],
                 constants: Tuple[Tuple[str, Any], ...]) -> Summary:
        self.run_top_level()
        frame = self.function_frame(function, parent or self.frame, cls, emit=False, tainted=tainted, seeds=seeds)
        frame.constants.update(constants)
        with self._computing():
            frame.run(function.body)  # type: ignore[attr-defined]
        if frame.yields:
            returns = _generated(frame, function, merge(frame.yields))
        else:
            returns = merge(frame.returns) if frame.returns else None
            returns = _declared(frame, function, returns)
        stores = tuple((k[5:], v) for k, v in frame.env.items()  # also a sink method it was handed (a writer)
                       if k.startswith("self.") and v is not None and (v.tainted or v.role is Role.SINK_METHOD)
                       and from_input(v)
                       and frame.seeded.get(k[5:]) is not v)  # a seed left as it came is no store
        params = self.parameters(function, cls)
        held = {i: frame.env.get(n) for i, n in enumerate(params) if n in frame.filled}
        fills = tuple((i, v) for i, v in held.items()  # bodies made here, put in a container it is given
                      if v is not None and carries(v) and v.param is None)
        own = set(params) | frame.names.bound
        freed = {n: frame.env.get(n) for n in sorted(frame.filled - own)} if parent is not None else {}
        closure_fills = tuple((n, v) for n, v in freed.items()  # what a closure put in its definer's names
                              if v is not None and carries(v) and v.param is None)
        return Summary(returns, tuple(frame.hits), stores, fills, closure_fills)

    def forget_summary(self, key: tuple) -> None:
        self._summaries.pop(key, None)

    def type_variables(self) -> FrozenSet[str]:
        """The names the module binds to a `TypeVar(...)` at its top level."""
        if self._type_variables is None:
            self._type_variables = frozenset(
                target.id for stmt in self.parsed.tree.body if isinstance(stmt, ast.Assign)
                and isinstance(stmt.value, ast.Call) and known.last_name(stmt.value.func) == "TypeVar"
                for target in stmt.targets if isinstance(target, ast.Name))
        return self._type_variables

    def listed_names(self) -> FrozenSet[str]:
        """The identifiers its code lists as string literals: items of a list, tuple or set literal, keys of a dict
        literal (`KINDS = ("json", "file")`): the names a `getattr(self, kind)` may pick (one walk)."""
        if self._listed is None:
            items = (item for node in ast.walk(self.parsed.tree) if isinstance(node, (ast.List, ast.Tuple, ast.Set,
                                                                                      ast.Dict))
                     for item in (node.keys if isinstance(node, ast.Dict) else node.elts))
            self._listed = frozenset(i.value for i in items if isinstance(i, ast.Constant)
                                     and isinstance(i.value, str) and i.value.isidentifier())
        return self._listed

    def branching(self, function: ast.AST) -> FrozenSet[str]:
        """The parameters of `function` that a condition in its body tests (`if decoded:`, `x if raw else y`)."""
        key = node_key(function)
        if key not in self._branching:
            args: ast.arguments = function.args  # type: ignore[attr-defined]
            params = {a.arg for a in (*args.posonlyargs, *args.args, *args.kwonlyargs)}
            if not params or not (self.parsed.may_contain(function, _IF) or _flag_defaults(args)):  # no walk
                self._branching[key] = frozenset()
                return self._branching[key]
            tested = {n.id for stmt in function.body  # type: ignore[attr-defined]
                      for node in ast.walk(stmt) if isinstance(node, (ast.If, ast.IfExp))
                      for n in ast.walk(node.test) if isinstance(n, ast.Name)}
            self._branching[key] = frozenset(params & (tested | _forwarded_flags(function)))
        return self._branching[key]

    def find_function(self, qualname: str, tainted_args: bool) -> Optional[Function]:
        """A function of this module (`pkg.mod.f`) or, through the project, of another module of the tree."""
        prefix, _, name = qualname.rpartition(".")
        if prefix == self.qualname and name in self.functions:
            return self, self.functions[name], None
        if self.project is not None and not qualname.startswith("builtins."):
            return self.project.find_function(qualname, tainted_args)
        return None


_MAX_CONSTANT_DEPTH = 3  # constants defined through other constants, followed this far
_CYCLE_ROUNDS = 3  # a recursive summary is recomputed until its assumption holds, at most this often


class _Summarizing:
    """A summary being computed: whether a call inside read its own in-progress placeholder (`reread`), the
    outermost in-progress summary whose placeholder it read (`head`), the summaries computed inside it that read
    the placeholder of this one or of one outside it (`stale`), and whether they must be forgotten when it is done
    (`cut`: its rounds did not settle, or a call below it went too deep to follow)."""

    __slots__ = ("module", "key", "reread", "head", "stale", "cut")

    def __init__(self, module: "Module", key: tuple) -> None:
        self.module, self.key = module, key
        self.reread = self.cut = False
        self.head: Optional[int] = None
        self.stale: List[Tuple["Module", tuple]] = []


class _Cycles:
    """Summaries of mutually recursive functions, computed the same way whichever of them is asked first: a summary
    computed from another's placeholder is not kept once that other is done unless its assumption held (else the
    file analyzed first would decide what every later file sees: findings changed with --jobs)."""

    def __init__(self) -> None:
        self.stack: List[_Summarizing] = []

    def enter(self, module: "Module", key: tuple) -> _Summarizing:
        entry = _Summarizing(module, key)
        self.stack.append(entry)
        return entry

    def too_deep(self) -> None:
        """A summary failed for lack of stack: what was computed below the outermost depends on the depth it was
        asked at, so none of it is kept."""
        for index, entry in enumerate(self.stack):
            entry.cut = True
            if index:
                entry.head = 0

    def placeholder_read(self, module: "Module", key: tuple) -> None:
        for index in range(len(self.stack) - 1, -1, -1):
            entry = self.stack[index]
            if entry.key == key and entry.module is module:
                entry.reread = True
                for inner in self.stack[index + 1:]:
                    inner.head = index if inner.head is None else min(inner.head, index)
                return

    def restart(self, entry: _Summarizing) -> None:
        for module, key in entry.stale:
            module.forget_summary(key)
        entry.stale.clear()
        entry.reread = False

    def leave(self, entry: _Summarizing) -> None:
        self.stack.pop()
        if entry.cut:
            self.restart(entry)
        if entry.head is not None and entry.head < len(self.stack):
            self.stack[entry.head].stale.append((entry.module, entry.key))


_CYCLES = _Cycles()  # one worker analyzes one file at a time


def _signature(summary: Summary) -> tuple:
    """What decides a caller's result: the shapes a summary gives, without flows."""
    returns = summary.returns.shape if summary.returns is not None else None
    hits = frozenset((h.param, h.raw.code, h.raw.span) for h in summary.hits)
    return (returns, hits, tuple((a, v.shape) for a, v in summary.stores),
            tuple((i, v.shape) for i, v in summary.fills), tuple((n, v.shape) for n, v in summary.closure_fills))


_DOC_TYPE = re.compile(
    r"^[ \t]*(?:(?P<g>\w+)[ \t]*\((?P<gt>[\w.`~:, ]+)\)[ \t]*:"  # Google: `storage (BaseStorage): ...`
    r"|:type[ \t]+(?P<s>\w+)[ \t]*:[ \t]*(?P<st>[\w.`~: ]+)$"  # Sphinx: `:type storage: BaseStorage`
    r"|(?P<n>\w+)[ \t]+:[ \t]+(?P<nt>[\w.`~]+)[ \t]*$)",  # NumPy: `storage : BaseStorage`
    re.MULTILINE)
_DOC_RETURN = re.compile(
    r"^[ \t]*Returns?:[ \t]*\n[ \t]+(?P<g>[\w.`~]+)[ \t]*(?::|$)"  # Google: `Returns:` then `BaseStorage: ...`
    r"|:rtype:[ \t]*(?P<s>[\w.`~:]+)[ \t]*$"  # Sphinx: `:rtype: BaseStorage`
    r"|^[ \t]*Returns\n[ \t]*-{3,}\n[ \t]*(?:\w+[ \t]+:[ \t]+)?(?P<n>[\w.`~]+)[ \t]*$",  # NumPy: `Returns` `---`
    re.MULTILINE)
_NOTHING_STATED: Dict[str, ast.expr] = {}  # shared: never written to
_CONTEXT_MANAGERS = ("contextmanager", "asynccontextmanager")
_IF, _SUPER = re.compile(r"if\b"), re.compile(r"super\b")  # what an `if`/`x if c else y` and `super()` must spell


def _flag_defaults(args: ast.arguments) -> Set[str]:
    """The parameters defaulting to True, False or None (`streamed=False`)."""
    positional = [*args.posonlyargs, *args.args][-len(args.defaults):] if args.defaults else []
    pairs = [*zip(positional, args.defaults), *zip(args.kwonlyargs, args.kw_defaults)]
    return {a.arg for a, d in pairs if isinstance(d, ast.Constant) and (d.value is None or isinstance(d.value, bool))}


def _forwarded_flags(function: ast.AST) -> Set[str]:
    """Flag parameters the function hands on unchanged to a call (`response_content(result, streamed, ...)`): the
    callee's branch on them is decided by this call's literal too."""
    flags = _flag_defaults(function.args)  # type: ignore[attr-defined]
    if not flags:
        return set()
    forwarded = set()
    for node in ast.walk(function):
        if isinstance(node, ast.Call):
            for arg in (*node.args, *(k.value for k in node.keywords)):
                if isinstance(arg, ast.Name) and arg.id in flags:
                    forwarded.add(arg.id)
    return forwarded


def _calls_super(parsed: Parsed, function: ast.AST) -> bool:
    return parsed.may_contain(function, _SUPER) and any(is_super_call(node) for node in ast.walk(function))


def _declared(frame: Frame, function: ast.AST, returns: Optional[Val]) -> Optional[Val]:
    """What a function returns when the flow does not say: what its return annotation names (`-> "Bot"`, a
    property's `-> BaseRequest`). A tree class only types a value known to hold nothing more."""
    annotation = getattr(function, "returns", None)
    if returns is not None and returns.tainted:
        return returns
    if annotation is None:  # `Returns: BaseStorageBackend: ...` in the docstring: a weaker promise
        stated = frame.module._documented(function).get("return")  # type: ignore[attr-defined]
        documented = frame.annotated(stated, function, "documented to return") if stated is not None else None
        return documented.at_most("medium") if documented is not None and returns is None else returns
    declared = _type_argument(frame, annotation) or frame.annotated(annotation, function, "declared to return",
                                                                     classes=True)
    if declared is None or (returns is not None and declared.catalog_type):
        return returns  # a response type does not override what the flow found clean
    if frame.module.in_tests and declared.catalog_type:  # a test's helper declared to give a response builds a fake
        return declared.at_most("low")
    return declared


def _type_argument(frame: Frame, annotation: ast.expr) -> Optional[Val]:
    """`-> TObjCls` in a method of a generic base names a type variable: on an instance of `ProjectManager(
    CRUDMixin[Project])` it is the type argument, `Project`."""
    if isinstance(annotation, ast.Constant) and isinstance(annotation.value, str):  # `-> "TObj"`
        annotation = ast.Name(id=annotation.value)
    if isinstance(annotation, ast.Name):
        qualname: Optional[str] = f"{frame.module.qualname}.{annotation.id}"  # bound here: not an import
    else:
        qualname = frame.qualname(annotation) if isinstance(annotation, ast.Attribute) else None
    item = frame.cls.item_family() if frame.cls is not None and qualname else ""
    if not item or not qualname:
        return None
    prefix, _, name = qualname.rpartition(".")
    project = frame.module.project
    module = frame.module if prefix == frame.module.qualname else (
        project.module(prefix) if project is not None and project.has_module(prefix) else None)
    if not isinstance(module, Module) or name not in module.type_variables():
        return None
    return frame.step(Val(OBJECT, type=item, role=TREE_CLASS), annotation, f"declared to return `{name}`")


def _generated(frame: Frame, function: ast.AST, item: Optional[Val]) -> Optional[Val]:
    """What calling a generator gives: its chunks, or (a @contextmanager) the value it yields to the `with`."""
    if any((d.attr if isinstance(d, ast.Attribute) else getattr(d, "id", "")) in _CONTEXT_MANAGERS
           for d in getattr(function, "decorator_list", ())):
        return item
    if item is None or item.kind is CLEAN:
        return item
    name = getattr(function, "name", "generator")
    if item.kind is BODY or (item.kind is CONTAINER and item.slot >= 0):
        return frame.step(replace(item, kind=CHUNKS, entries=()), function, f"yielded by `{name}()`")
    if item.kind in (OBJECT, TUPLE, CONTAINER):  # responses, `(name, chunks)` pairs, dicts: an iterable of them
        each = Val(TUPLE, confidence=item.confidence, param=item.param, parts=((EVERY_ITEM, item),))
        return frame.step(each, function, f"yielded by `{name}()`")
    return None


def _own_statements(function: ast.AST) -> Iterator[ast.AST]:
    """The nodes of a function's body, not those of functions, lambdas or classes defined inside it."""
    stack: List[ast.AST] = list(getattr(function, "body", ()))
    while stack:
        node = stack.pop()
        yield node
        stack.extend(c for c in ast.iter_child_nodes(node)
                     if not isinstance(c, (ast.FunctionDef, ast.AsyncFunctionDef, ast.Lambda, ast.ClassDef)))


def _init_owner(info: ClassInfo) -> str:
    """The class whose `__init__` builds instances of `info` (its own, or the nearest base's)."""
    found = info.method("__init__")
    return found[0].qualname if found is not None else ""


def _calls_a_name(function: ast.AST) -> bool:
    return any(isinstance(node, ast.Call) and (isinstance(node.func, ast.Name) or (
        isinstance(node.func, ast.Attribute) and isinstance(node.func.value, ast.Name))) for node in ast.walk(function))
