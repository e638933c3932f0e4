"""The classes of the analyzed tree, and what the evaluator and a class ask of the module and the tree they are in.

`ModuleContext` and `Tree` are the interfaces of `buffix.analysis.module.Module` and `buffix.analysis.project.Project`
as seen from below: the evaluator runs inside a module that runs evaluators, so one side must know the other only by
its interface.
"""

from __future__ import annotations

import ast
import re
from bisect import bisect_left
from contextlib import AbstractContextManager
from dataclasses import dataclass, field
from typing import Any, Callable, Dict, FrozenSet, List, Mapping, Optional, Protocol, Sequence, Set, Tuple, Union

from buffix.analysis.flow import known
from buffix.analysis.flow.model import (
    OBJECT,
    OTHER_CLASS,
    TREE_CLASS,
    Raw,
    Role,
    Summary,
    Val,
    carries,
    family,
    merge,
    of_family,
)
from buffix.analysis.flow.scope import Names, absolute
from buffix.analysis.parse import Parsed
from buffix.core.findings import slotted
from buffix.knowledge.catalog import Catalog

MAX_MRO = 12
MAX_SUBCLASSES = 16  # the most subclasses a call on a class's instance may dispatch to
_NONE_FOUND = ("",)  # a class's cached answer "none" (ClassInfo._catalog_type, _receiver_base)

Function = Tuple["ModuleContext", ast.AST, Optional["ClassInfo"]]  # a function of the tree: module, node, class
_Made = Union[ast.expr, str, List[Union[ast.expr, str]]]  # what builds a self.<name>: the callee(s) of its call(s)
# a word right before an `=` (ClassInfo._rebinds); `\b`: a word is tried once, not again from each of its letters
# (the same words, a third of the time)
_ASSIGNED = re.compile(r"\b(\w+)[\s\\)]*=(?!=)")
_INIT_DECORATORS = {"dataclass", "s", "attrs", "define", "frozen", "mutable"}  # dataclasses, attr.s, attrs.define


def _last_name(node: ast.AST) -> str:
    return node.attr if isinstance(node, ast.Attribute) else getattr(node, "id", "")


class Tree(Protocol):
    """What a module asks of the analyzed tree (buffix.analysis.project.Project)."""

    def consult(self, path: str) -> None: ...
    def consult_all(self, paths: Set[str]) -> None: ...
    def tracking(self) -> AbstractContextManager[Set[str]]: ...
    def find_class(self, qualname: str) -> Optional["ClassInfo"]: ...
    def find_function(self, qualname: str, tainted_args: bool = True) -> Optional[Function]: ...
    def method_by_name(self, name: str, tainted_args: bool) -> Optional[Function]: ...
    def methods_by_name(self, name: str, role: str = "", named: bool = False) -> Sequence[Function]: ...
    def gives_bodies(self, method: str, source: Optional[Callable[[], str]] = None) -> bool: ...
    def class_by_name(self, name: str, near: str) -> Optional[str]: ...
    def has_module(self, name: str) -> bool: ...
    def module(self, name: str) -> Optional["ModuleContext"]: ...
    def reexported(self, qualname: str) -> str: ...
    def subclasses(self, info: "ClassInfo") -> List["ClassInfo"]: ...
    def stored_into(self, qualname: str, attr: str) -> Optional[Val]: ...
    def built_by(self, qualname: str, index: int, name: str) -> Optional[str]: ...
    def collecting(self) -> bool: ...


class ModuleContext(Protocol):
    """What a class and the evaluator ask of the module they run in (buffix.analysis.module.Module)."""

    path: str
    parsed: Parsed
    catalog: Catalog
    qualname: str
    package: str
    names: Names
    emitting: bool
    in_tests: bool
    project: Optional[Tree]
    classes: Dict[str, "ClassInfo"]
    raw: List[Raw]
    published: Dict[Tuple[str, str], Val]  # (tree class, attribute): bodies its code stores in such instances

    @property
    def functions(self) -> Mapping[str, ast.AST]: ...  # its top-level functions by name

    def defer(self, node: ast.AST, frame: Any) -> None: ...  # frame: the evaluator's Frame the node is defined in
    def qualname_of(self, node: ast.AST) -> Optional[str]: ...
    def consulted(self, computed: bool = True) -> None: ...
    def learn(self, info: "ClassInfo") -> None: ...
    def learn_body(self, info: "ClassInfo") -> None: ...
    def resolve_class(self, node: ast.AST) -> Optional["ClassInfo"]: ...
    def tree_class(self, node: ast.AST, by_name: bool = False) -> Optional[str]: ...
    def built_class(self, func: ast.AST) -> Optional[str]: ...
    def version_constant(self, qualname: str, depth: int = 0) -> Optional[bool]: ...
    def global_instance(self, name: str) -> Optional[str]: ...
    def own_version_fact(self, name: str, depth: int) -> Optional[bool]: ...
    def names_bytes(self, qualname: str, depth: int = 0) -> bool: ...
    def own_names_bytes(self, name: str, depth: int) -> bool: ...
    def builtin_alias(self, name: str) -> Optional[str]: ...
    def tree_class_named(self, qualname: str) -> Optional[str]: ...
    def find_function(self, qualname: str, tainted_args: bool) -> Optional[Function]: ...
    def parameters(self, function: ast.AST, cls: Optional["ClassInfo"]) -> List[str]: ...
    def summarize(self, function: ast.AST, cls: Optional["ClassInfo"], tainted: Dict[int, Val],
                  parent: Any = None, seeds: Tuple[Tuple[str, Val], ...] = (),
                  constants: Tuple[Tuple[str, Any], ...] = ()) -> Summary: ...
    def branching(self, function: ast.AST) -> FrozenSet[str]: ...


def _source_of(module: "ModuleContext", node: ast.AST) -> Callable[[], str]:
    """The text of `node`, taken only when asked (only common method names need it)."""
    return lambda: module.parsed.segment(module.parsed.span(node))


def _spelled_with(func: ast.expr, local: Dict[str, str]) -> Union[ast.expr, str]:
    """`objects.ProjectManager` as the qualified name a local import makes of it, else the node itself."""
    dotted: List[str] = []
    node = func
    while isinstance(node, ast.Attribute):
        dotted.insert(0, node.attr)
        node = node.value
    if isinstance(node, ast.Name) and node.id in local:
        return ".".join([local[node.id], *dotted])
    return func


def family_gives_bodies(value: Val, find_class: Callable[[str], Optional["ClassInfo"]]) -> bool:
    """Is `value` an instance of a tree class some method of which may give a body (ClassInfo.gives_bodies)?"""
    if value.kind is not OBJECT or value.role is not TREE_CLASS:
        return False
    infos = [find_class(qualname) for qualname in family(value) if qualname != OTHER_CLASS]
    return any(info is not None and info.gives_bodies() for info in infos)


@slotted  # a file of thousands of small classes holds one each: no per-instance dict
@dataclass(eq=False)
class ClassInfo:
    node: ast.ClassDef
    qualname: str
    methods: Dict[str, ast.AST] = field(default_factory=dict)
    module: Optional[ModuleContext] = None
    learned: bool = False  # its methods ran once, so `attrs` knows what they store in self.*
    body_learned: bool = False  # its body ran, so `class_attrs` is complete
    # `attrs` and `class_attrs`, made when first written: most classes of a large file store nothing (64 bytes each)
    _attrs: Optional[Dict[str, Optional[Val]]] = None
    _class_attrs: Optional[Dict[str, Optional[Val]]] = None
    _bases: Optional[Tuple["ClassInfo", ...]] = None
    _rebound: Optional[Set[str]] = None
    _mro: Optional[Tuple["ClassInfo", ...]] = None  # after itself: holding itself, it would be a cycle (mro())
    _catalog_type: Optional[Tuple[str]] = None  # (found,), or _NONE_FOUND: one tuple for every class
    _receiver_base: Optional[Tuple[str]] = None
    _items: Optional[str] = None
    _gives: Optional[bool] = None
    _built: Optional[Dict[str, "_Made"]] = None  # self.<name> = <call> (or calls) in its own __init__
    _handed: Optional[Dict[str, List[Tuple["ClassInfo", List[ast.expr]]]]] = None  # by handed_by_super's name
    _registered: Optional[Dict[str, Tuple[str, ...]]] = None  # self.<name> -> the functions decorators put there
    _kept: Optional[Dict[str, Tuple[int, str]]] = None  # self.<name> = <parameter> in its own __init__
    _assigned: Optional[List[str]] = None  # the words its lines spell before an `=`, reversed, sorted (_rebinds)
    _reassigned: Optional[Set[str]] = None  # self.<name>s a method other than `__init__` binds (filled_in_place)

    @property
    def attrs(self) -> Dict[str, Optional[Val]]:
        """What its methods store in self.* (what they publish: `Frame._publish`)."""
        if self._attrs is None:
            self._attrs = {}
        return self._attrs

    @property
    def class_attrs(self) -> Dict[str, Optional[Val]]:
        """What its body binds (tainted only)."""
        if self._class_attrs is None:
            self._class_attrs = {}
        return self._class_attrs

    def carried(self) -> Set[str]:
        """The self.* attributes its methods store something carrying a body in (making no `attrs`)."""
        return {k for k, v in (self._attrs or {}).items() if carries(v)}

    def bases(self) -> Sequence["ClassInfo"]:
        """Base classes defined in the analyzed tree (resolved on first use)."""
        if self._bases is None:
            self._bases = ()  # (one empty tuple for every class without any)
            if self.module is not None:
                found = (self.module.resolve_class(b) for b in self.node.bases)
                self._bases = tuple(b for b in found if b is not None and b is not self)
        for base in self._bases:  # resolving them read their files: so does every later answer
            if base.module is not None:
                base.module.consulted(computed=False)
        return self._bases

    def mro(self) -> List["ClassInfo"]:
        if self._mro is None:
            order: List[ClassInfo] = []
            pending = [self]
            while pending and len(order) < MAX_MRO:
                info = pending.pop(0)
                if info not in order:
                    order.append(info)
                    pending.extend(info.bases())
            self._mro = tuple(order[1:])  # (one empty tuple for every class without bases in the tree)
        for info in (self, *self._mro):  # every answer read from these classes depends on their files
            if info.module is not None:
                info.module.consulted(computed=False)
        return [self, *self._mro]

    def method(self, name: str) -> Optional[Tuple["ClassInfo", ast.AST]]:
        for info in self.mro():
            if name in info.methods:
                return info, info.methods[name]
        return None

    def iterates_itself(self) -> bool:
        """Is it an iterator: does its `__iter__` (or `__aiter__`) only `return self`?"""
        for name in ("__iter__", "__aiter__"):
            found = self.method(name)
            if found is None:
                continue
            body = [s for s in getattr(found[1], "body", ()) if not _is_docstring(s)]
            return (len(body) == 1 and isinstance(body[0], ast.Return) and isinstance(body[0].value, ast.Name)
                    and body[0].value.id == _first_parameter(found[1]))
        return False

    def delegate(self) -> Optional[str]:
        """The attribute a `__getattr__` hands unknown members on to (`return getattr(self._raw, name)`): a wrapper
        class whose missing methods are the wrapped object's."""
        found = self.method("__getattr__")
        if found is None:
            return None
        function = found[1]
        params = [a.arg for a in (*function.args.posonlyargs, *function.args.args)]  # type: ignore[attr-defined]
        if len(params) != 2:
            return None
        returned = [n.value for n in ast.walk(function) if isinstance(n, ast.Return) and n.value is not None]
        returned += [e for v in returned if isinstance(v, ast.IfExp) for e in (v.body, v.orelse)]
        for value in returned:
            if (isinstance(value, ast.Call) and isinstance(value.func, ast.Name) and value.func.id == "getattr"
                    and len(value.args) >= 2 and isinstance(value.args[1], ast.Name) and value.args[1].id == params[1]
                    and isinstance(value.args[0], ast.Attribute) and isinstance(value.args[0].value, ast.Name)
                    and value.args[0].value.id == params[0]):
                return value.args[0].attr
        return None

    def receiver_base(self) -> Optional[str]:
        """The catalog receiver (a C parser or cipher, `class ImportResolver(etree.Resolver)`) this class derives
        from: its inherited methods are that receiver's, sinks included (found once)."""
        if self._receiver_base is None:
            found = next((made.value for info in self.mro() if info.module is not None for base in info.node.bases
                          if (made := info.module.catalog.objects.get(info.module.qualname_of(base) or ""))
                          is not None), "")
            self._receiver_base = (found,) if found else _NONE_FOUND
        else:
            self.mro()  # the answer still depends on the bases' files
        return self._receiver_base[0] or None

    def catalog_type(self) -> Optional[str]:
        """The catalog type this class derives from (`class Session(requests.Session)`), if any (found once)."""
        if self._catalog_type is None:
            found = self._find_catalog_type()
            self._catalog_type = (found,) if found else _NONE_FOUND
        else:
            self.mro()  # the answer still depends on the bases' files
        return self._catalog_type[0] or None

    def _find_catalog_type(self) -> Optional[str]:
        for info in self.mro():
            module = info.module
            if module is None:
                continue
            for base in info.node.bases:
                catalog, qualname = module.catalog, module.qualname_of(base) or ""
                made = catalog.sources.get(qualname)  # `requests.Session` builds a requests.Session
                found = catalog.annotations.get(qualname) or (made.value if made is not None and made.is_type else None)
                if found is not None:
                    return found
        return None

    def gives_bodies(self) -> bool:
        """May a method of this class (or of its bases) return a body? An instance passed to a function is followed
        only then (`getBackgroundImageReader(file_object)` calling `file_object.getData()`)."""
        if self._gives is None:
            project = self.module.project if self.module is not None else None
            self._gives = project is not None and any(
                project.gives_bodies(name, _source_of(info.module, node) if info.module is not None else None)
                for info in self.mro() for name, node in info.methods.items())
        return self._gives

    def item_family(self) -> str:
        """The tree class its instances hold, when a base names it as its type argument (`class Pages(List[Page])`,
        `class Messages(Collection[Message])`); "" if none does."""
        if self._items is None:
            self._items = ""
            for info in self.mro():
                module = info.module
                for base in info.node.bases if module is not None else ():
                    found = known.parameterized(base)
                    argument = found[0][1] if found else None
                    item = module.tree_class(argument) if argument is not None else None  # type: ignore[union-attr]
                    if item is not None:
                        self._items = item
                        return item
        else:
            self.mro()  # the answer still depends on the bases' files
        return self._items

    def subclasses(self) -> List["ClassInfo"]:
        """Classes of the tree deriving from this one, nearest first (a call on a value typed as this class may
        run any of their overrides)."""
        if self.module is None:
            return []
        if self.module.project is not None:
            return self.module.project.subclasses(self)
        found: List[ClassInfo] = []
        for info in self.module.classes.values():
            if info is not self and any(b.qualname == self.qualname for b in info.mro()[1:]):
                found.append(info)
        return found[:MAX_SUBCLASSES]

    def class_attr(self, name: str) -> Tuple[bool, Optional[Val]]:
        """What the body of this class or of its bases binds to `name` (`_registry = {...}`); methods not run."""
        for info in self.mro():
            if not info.body_learned and info.module is not None:
                info.module.learn_body(info)
            if info.module is not None:
                info.module.consulted()  # what running its body read
            if info._class_attrs is not None and name in info._class_attrs:
                return True, info._class_attrs[name]
        return False, None

    def fields(self) -> List[str]:
        """The fields of a dataclass, attrs class or NamedTuple (bases' first), which a generated `__init__`
        takes in this order and keeps in self.*; empty for any other class."""
        names: List[str] = []
        for info in reversed(self.mro()):
            if not info._generates_init():
                continue
            for statement in info.node.body:
                if (isinstance(statement, ast.AnnAssign) and isinstance(statement.target, ast.Name)
                        and "ClassVar" not in ast.dump(statement.annotation) and statement.target.id not in names):
                    names.append(statement.target.id)
        return names

    def _generates_init(self) -> bool:
        decorated = any(_last_name(d.func if isinstance(d, ast.Call) else d) in _INIT_DECORATORS
                        for d in self.node.decorator_list)
        return decorated or any(_last_name(b) == "NamedTuple" for b in self.node.bases)

    def built_in_init(self, name: str) -> Optional[str]:
        """The tree class whose instance an `__init__` of this class or of its bases stores in `self.<name>`
        (`self.buffer = RingBuffer(size)`): a syntactic answer, so that reading the attribute of another instance
        need not learn the class."""
        for info in self.mro():
            made = info._built_in_own_init().get(name)
            if made is not None and info.module is not None:
                found = [info._made_class(m) for m in (made if isinstance(made, list) else [made])]
                if any(f is None for f in found):
                    return None  # some branch builds what the tree does not define
                return of_family(q for f in found for q in f.split("|"))  # type: ignore[union-attr]
        return self.handed_by_super(name)

    def handed_by_super(self, name: str) -> Optional[str]:
        """The tree class a subclass hands to its base's `__init__`, which keeps that parameter in `self.<name>`
        (`super().__init__(HttpClient())`, or a local `http_client = HttpClient()` handed on): a syntactic answer."""
        for sub, handed in self._handed_up(name):
            made = [sub.module.built_class(e.func) if isinstance(e, ast.Call) else None
                    for e in handed] if sub.module is not None else []
            if made and None not in made:
                return of_family(q for m in made for q in m.split("|"))  # type: ignore[union-attr]
        return None

    def _handed_up(self, name: str) -> List[Tuple["ClassInfo", List[ast.expr]]]:
        """The subclasses in this class's MRO with what each hands the base `__init__` that keeps `self.<name>`
        (syntax only, so kept: `attr()` asks for every attribute read; what builds them is resolved when asked)."""
        if self._handed is None:
            self._handed = {}
        if name not in self._handed:
            chain = self.mro()
            found: List[Tuple["ClassInfo", List[ast.expr]]] = []
            for depth, info in enumerate(chain):
                kept = info._kept_parameters().get(name)
                if kept is not None:
                    found = [(sub, _handed_to_super(sub.methods.get("__init__"), *kept)) for sub in chain[:depth]]
                    break
            self._handed[name] = found
        return self._handed[name]

    def _kept_parameters(self) -> Dict[str, Tuple[int, str]]:
        if self._kept is None:  # one walk of its __init__, not one per attribute asked
            self._kept = _kept_parameters(self.methods.get("__init__"))
        return self._kept

    def _made_class(self, made: Union[ast.expr, str]) -> Optional[str]:
        assert self.module is not None
        if isinstance(made, str):  # spelled through a local import
            project = self.module.project
            return self.module.tree_class_named(project.reexported(made) if project is not None else made)
        return self.module.built_class(made)

    def _built_in_own_init(self) -> Dict[str, "_Made"]:
        if self._built is None:  # each __init__ is walked once: the question is asked for every attribute read
            self._built = {}
            init = self.methods.get("__init__")
            local: Dict[str, str] = {}  # `from gitlab.v4 import objects` inside __init__ (a cycle broken late)
            for node in ast.walk(init) if init is not None and self.module is not None else ():
                if isinstance(node, ast.ImportFrom) and self.module is not None:
                    origin = absolute(node.module or "", node.level, self.module.package)
                    local.update((a.asname or a.name, f"{origin}.{a.name}") for a in node.names if origin)
                elif isinstance(node, (ast.Assign, ast.AnnAssign)) and node.value is not None:
                    calls = _built_calls(node.value)  # `A()`, `A() if c else B()`, `session or Session()`
                    for target in node.targets if isinstance(node, ast.Assign) else [node.target]:
                        if (calls and isinstance(target, ast.Attribute) and isinstance(target.value, ast.Name)
                                and target.value.id == "self"):
                            spelled = [_spelled_with(c.func, local) for c in calls]
                            self._built.setdefault(target.attr, spelled[0] if len(spelled) == 1 else spelled)
        return self._built

    def rebinds(self, name: str) -> bool:
        """Does a method of this class or of its bases assign an attribute to `<x>.name` (`self.receive =
        self._receive_rate`)? A syntactic test, so that calls of ordinary methods need not learn the class."""
        return any(info._rebinds(name) for info in self.mro())

    def _rebinds(self, name: str) -> bool:
        if self._rebound is None and self.module is not None:  # most names are never assigned: no walk
            assigned = self._assigned_words()
            if assigned is not None:
                backwards = name[::-1]  # `name` ends a word when the reversed word starts with it
                at = bisect_left(assigned, backwards)
                if at == len(assigned) or not assigned[at].startswith(backwards):
                    return False
        return name in self._rebinding()

    def _assigned_words(self) -> Optional[List[str]]:
        """The words the class's lines spell right before an `=` (`self.name =`, `name) =`), each reversed, sorted:
        a name that ends none of them is assigned nowhere in the class (one scan of its lines, not one per name).
        None for non-ASCII lines, whose identifiers `ast` normalizes (NFKC): then its methods are walked at once."""
        if self._assigned is None and self._rebound is None and self.module is not None:
            text = self.module.parsed.lines_of(self.node)
            if not text.isascii():
                self._rebinding()
                return None
            self._assigned = sorted({word[::-1] for word in _ASSIGNED.findall(text)})
        return self._assigned

    def _rebinding(self) -> Set[str]:
        if self._rebound is None:  # each class's methods are walked once (their statements: an Assign is one)
            self._rebound = {target.attr for method in self.methods.values() for node in known.statements(method)
                             if isinstance(node, ast.Assign) and isinstance(node.value, ast.Attribute)
                             for target in node.targets if isinstance(target, ast.Attribute)}
        return self._rebound

    def filled_in_place(self, name: str) -> bool:
        """Is `self.<name>` bound only by `__init__` among its own methods (then filled by `.append(...)` or
        `[key] = ...`), never rebound by another? One walk of its methods' statements, on first use."""
        if self._reassigned is None:
            self._reassigned = set()
            for method_name, method in self.methods.items():
                own = _first_parameter(method)
                for node in known.statements(method) if method_name != "__init__" else ():
                    targets = node.targets if isinstance(node, ast.Assign) else (
                        [node.target] if isinstance(node, (ast.AugAssign, ast.AnnAssign)) else [])
                    self._reassigned.update(
                        part.attr for target in targets for part in ast.walk(target)
                        if isinstance(part, ast.Attribute) and isinstance(part.ctx, ast.Store)
                        and isinstance(part.value, ast.Name) and part.value.id == own)
        return name not in self._reassigned

    def attr(self, name: str) -> Tuple[bool, Optional[Val]]:
        """What methods of this class or its bases store in `self.<name>`, or, when that holds no body, what code
        elsewhere in the tree stores in that attribute of such instances (stored_elsewhere)."""
        found, value = False, None
        for info in self.mro():
            if not info.learned and info.module is not None:
                info.module.learn(info)
            if info.module is not None:
                info.module.consulted()  # what learning it read
            if info._attrs is not None and name in info._attrs:
                found, value = True, info._attrs[name]
                break
        if carries(value):
            return found, value
        handed = self.handed_by_super(name) if value is None else None
        if handed is not None:  # `super().__init__(HttpClient())` kept by the base in self.<name>
            return True, Val(OBJECT, type=handed, role=TREE_CLASS, confidence="medium")
        registered = self.registered(name)
        if registered:  # `self._reg.get(mimetype)(resp.content)`: one of the handlers decorators put there
            return True, Val(OBJECT, type=of_family(registered), role=Role.FUNCTIONS)
        stored = self.stored_elsewhere(name)
        return (True, merge([value, stored])) if stored is not None else (found, value)

    def registered(self, name: str) -> Tuple[str, ...]:
        """The functions of its module that a decorator one of its methods makes puts in `self.<name>`: siphon's
        `@response_handlers.register('application/xml')`, whose `register(mimetype)` returns a `dec(func)` doing
        `self._reg[mimetype] = func` (or `.append(func)`), on a module-level instance of this class."""
        if self._registered is None:
            self._registered = {}
            makers = {m: attrs for m, attrs in ((m, _registering(f)) for m, f in self.methods.items()) if attrs}
            module = self.module
            functions = module_functions(module.parsed.tree.body) if makers and module is not None else []
            for function in functions:
                assert module is not None
                for decorator in getattr(function, "decorator_list", ()):
                    made = decorator.func if isinstance(decorator, ast.Call) else decorator
                    if (isinstance(made, ast.Attribute) and made.attr in makers and isinstance(made.value, ast.Name)
                            and module.global_instance(made.value.id) == self.qualname):
                        for attr in makers[made.attr]:
                            kept = self._registered.get(attr, ())
                            self._registered[attr] = (*kept, f"{module.qualname}.{getattr(function, 'name', '')}")
        return self._registered.get(name, ())

    def stored_elsewhere(self, name: str) -> Optional[Val]:
        """Bodies that code of the tree outside this class stores in `<instance>.<name>` of it or its bases
        (`obj.content = resp.raw` after `obj = Picture()`; `result.set_property("__value", response.content)`
        storing `self._value`): any instance may hold one, so reading the attribute may give a body."""
        project = self.module.project if self.module is not None else None
        if project is None:
            return None
        # a method of a base runs on instances of its subclasses too (`FileResponse.__str__` of a DownloadResponse)
        found = [project.stored_into(info.qualname, name) for info in (*self.mro(), *self.subclasses())]
        stored = merge(found) if any(v is not None for v in found) else None
        return stored.at_most("medium") if stored is not None else None  # some instances hold one, maybe not this


def _registering(method: ast.AST) -> Set[str]:
    """The self.<name>s a method's nested decorator keeps the function it decorates in (`def dec(func):
    self._reg[key] = func; return func`, returned by the method)."""
    own = _first_parameter(method)
    body = getattr(method, "body", ())
    returned = {s.value.id for s in body if isinstance(s, ast.Return) and isinstance(s.value, ast.Name)}
    kept: Set[str] = set()
    for inner in body:
        if not isinstance(inner, (ast.FunctionDef, ast.AsyncFunctionDef)) or inner.name not in returned:
            continue
        params = [a.arg for a in inner.args.args]
        if not params or not own:
            continue
        for node in ast.walk(inner):
            holder = None
            if (isinstance(node, ast.Assign) and isinstance(node.value, ast.Name) and node.value.id == params[0]
                    and isinstance(node.targets[0], ast.Subscript)):
                holder = node.targets[0].value  # self._reg[key] = func
            elif (isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute) and node.func.attr == "append"
                  and len(node.args) == 1 and isinstance(node.args[0], ast.Name) and node.args[0].id == params[0]):
                holder = node.func.value  # self._handlers.append(func)
            if (isinstance(holder, ast.Attribute) and isinstance(holder.value, ast.Name)
                    and holder.value.id == own):
                kept.add(holder.attr)
    return kept


def module_functions(body: Sequence[ast.stmt]) -> List[ast.AST]:
    """The functions a module defines at its top level, also inside `if` and `try` blocks (an optional import's
    handler)."""
    found: List[ast.AST] = []
    for statement in body:
        if isinstance(statement, (ast.FunctionDef, ast.AsyncFunctionDef)):
            found.append(statement)
        elif isinstance(statement, ast.If):
            found += [*module_functions(statement.body), *module_functions(statement.orelse)]
        elif isinstance(statement, ast.Try):
            for block in (statement.body, *(h.body for h in statement.handlers), statement.orelse,
                          statement.finalbody):
                found += module_functions(block)
    return found


def _is_docstring(statement: ast.stmt) -> bool:
    return isinstance(statement, ast.Expr) and isinstance(statement.value, ast.Constant) \
        and isinstance(statement.value.value, str)


def _first_parameter(function: ast.AST) -> str:
    arguments = getattr(function, "args", None)
    positional = [*arguments.posonlyargs, *arguments.args] if arguments is not None else []
    return positional[0].arg if positional else ""


def _built_calls(value: ast.expr) -> List[ast.Call]:
    """The calls an assigned value builds its result with: `A()`; each branch of `A() if c else B()`; the call of
    `given or A()` (what is given is the caller's, typed elsewhere); empty when some branch is no call."""
    if isinstance(value, ast.Call):
        return [value]
    if isinstance(value, ast.IfExp):
        body, orelse = _built_calls(value.body), _built_calls(value.orelse)
        return body + orelse if body and orelse else []
    if isinstance(value, ast.BoolOp) and isinstance(value.op, ast.Or) and isinstance(value.values[-1], ast.Call):
        return [value.values[-1]]
    return []


def _kept_parameters(init: Optional[ast.AST]) -> Dict[str, Tuple[int, str]]:
    """The parameters (position after self, name) an `__init__` keeps as they are in `self.<name>`, by name: the
    first statement (in `ast.walk`'s order) that keeps one there."""
    if init is None:
        return {}
    params = [a.arg for a in (*init.args.posonlyargs, *init.args.args)][1:]  # type: ignore[attr-defined]
    kept: Dict[str, Tuple[int, str]] = {}
    for node in known.statements(init):
        if isinstance(node, ast.Assign) and isinstance(node.value, ast.Name) and node.value.id in params:
            for target in node.targets:
                if (isinstance(target, ast.Attribute) and isinstance(target.value, ast.Name)
                        and target.value.id == "self"):
                    kept.setdefault(target.attr, (params.index(node.value.id), node.value.id))
    return kept


def _handed_to_super(init: Optional[ast.AST], position: int, keyword: str) -> List[ast.expr]:
    """What an `__init__` hands its base's `__init__` at `position` (or as `keyword`): the expressions it may be,
    a local name followed to the calls assigned to it (`if c is None: c = HttpClient()`)."""
    if init is None:
        return []
    for node in ast.walk(init):
        if not (isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute) and node.func.attr == "__init__"):
            continue
        args = list(node.args)
        if not known.is_super_call(node.func.value):
            if not (args and isinstance(args[0], ast.Name) and args[0].id == "self"):
                continue
            args = args[1:]  # `Base.__init__(self, client)`
        given = args[position] if position < len(args) else next(
            (k.value for k in node.keywords if k.arg == keyword), None)
        if given is None or not isinstance(given, ast.Name):
            return [given] if given is not None else []
        return [n.value for n in ast.walk(init) if isinstance(n, ast.Assign)
                and any(isinstance(t, ast.Name) and t.id == given.id for t in n.targets)]
    return []
