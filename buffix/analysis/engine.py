"""The flow analysis: walk one scope's statements in order, track what each name holds, and check every call.

A `Frame` is one scope being analyzed (module, class body, function). Values (values.Val) say whether an
expression holds a response body, chunks, a container of bodies or a client/response object of a catalog type.
Branches are analyzed separately and merged; loops run twice so loop-carried flows are seen.
"""

from __future__ import annotations

import ast
import builtins
from dataclasses import dataclass, replace
from typing import TYPE_CHECKING, Dict, List, Optional, Sequence, Tuple

from buffix.knowledge.catalog import KINDS, Result
from buffix.analysis.scope import Names
from buffix.analysis.values import (BODY, CHUNKS, CLEAN, CLEAN_VAL, CONTAINER, OBJECT, Val, is_body, merge,
                                    weakest)
from buffix.core.findings import FlowStep, Span

if TYPE_CHECKING:
    from buffix.analysis.module import ClassInfo, Module

_CONTAINER_ADD = {"append": 0, "appendleft": 0, "insert": 1, "add": 0, "put": 0, "put_nowait": 0}
_CONTAINER_EXTEND = ("extend", "extendleft", "update")
BOUND = "bound:"  # the type of an OBJECT value that is a catalog method bound to its receiver: "bound:<type>.<m>"
_PASS_THROUGH = {"builtins.list", "builtins.tuple", "builtins.sorted", "builtins.reversed", "builtins.iter",
                 "collections.deque", "builtins.set"}
_ITERATING_COPIES = {"builtins.list", "builtins.tuple", "builtins.iter"}
_BYTES_TYPES = {"builtins.bytes"}


def _alternatives(annotation: Optional[ast.AST]) -> List[ast.expr]:
    """The types a value annotated so may have: `X`, `Optional[X]`, `X | None`, `Union[X, Y]`, `"X"`; not the
    type arguments of a container (`list[X]` holds X, it is not one)."""
    if isinstance(annotation, ast.Constant) and isinstance(annotation.value, str):
        try:
            return _alternatives(ast.parse(annotation.value, mode="eval").body)
        except SyntaxError:
            return []
    if isinstance(annotation, ast.BinOp) and isinstance(annotation.op, ast.BitOr):
        return _alternatives(annotation.left) + _alternatives(annotation.right)
    if isinstance(annotation, ast.Subscript):
        base = annotation.value
        name = base.attr if isinstance(base, ast.Attribute) else getattr(base, "id", "")
        if name in ("Optional", "Union"):
            items = annotation.slice.elts if isinstance(annotation.slice, ast.Tuple) else [annotation.slice]
            return [found for item in items for found in _alternatives(item)]
        return []
    return [annotation] if isinstance(annotation, (ast.Name, ast.Attribute)) else []


@dataclass(frozen=True)
class Raw:
    """A finding before filtering, suppression and fix-safety decisions; `path` is the module of the sink."""

    code: str
    span: Span
    label: str
    snippet: str
    value: Val
    targets: Tuple[Span, ...]
    fixable: bool
    stmt_line: int
    shadowable: bool = False
    path: str = ""


@dataclass(frozen=True)
class Hit:
    """While summarizing: a parameter's value reached a sink. A caller that passes a body completes the flow
    (source -> call -> parameter -> sink) and reports it at the sink when the callee is in the same file, else at
    its own argument (a file's findings, and the fixes they carry, stay in that file)."""

    param: int
    raw: Raw


@dataclass(frozen=True)
class Summary:
    returns: Optional[Val] = None
    hits: Tuple[Hit, ...] = ()
    stores: Tuple[Tuple[str, Val], ...] = ()  # self.<attr> given a parameter's value (what a constructor keeps)


SEED = 1000  # `param` of the instance attributes a method starts with: SEED + their index in sorted order


class Frame:
    def __init__(self, module: "Module", names: Names, parent: Optional["Frame"] = None,
                 cls: Optional["ClassInfo"] = None, self_name: Optional[str] = None, emit: bool = True) -> None:
        self.module = module
        self.names = names
        self.parent = parent
        self.cls = cls
        self.self_name = self_name
        self.emit = emit
        self.env: Dict[str, Optional[Val]] = {}
        self.functions: Dict[str, ast.AST] = {}
        self.returns: List[Optional[Val]] = []
        self.yields: List[Optional[Val]] = []
        self.hits: List[Hit] = []
        self.stmt_line = 1
        self.awaited: Optional[ast.AST] = None  # the expression of the innermost `await` / `async with`
        self.guarded = 0  # inside `try:` bodies whose handlers catch TypeError: a proxy's failure is handled
        self.unpublished: Dict[str, Optional[Val]] = {}  # self.<attr> stored here, not yet visible to other methods

    # ---- names -------------------------------------------------------------------------------------------
    def lookup(self, name: str) -> Tuple[bool, Optional[Val]]:
        frame: Optional[Frame] = self
        while frame is not None:
            if name in frame.env:
                return True, frame.env[name]
            if name in frame.names.bound or name in frame.names.imports:
                return True, None
            frame = frame.parent
        return False, None

    def qualname(self, node: ast.AST) -> Optional[str]:
        if isinstance(node, ast.Attribute):
            base = self.qualname(node.value)
            return f"{base}.{node.attr}" if base else None
        if not isinstance(node, ast.Name):
            return None
        frame: Optional[Frame] = self
        while frame is not None:
            if node.id in frame.env:
                return None
            if node.id in frame.names.imports:
                return frame.names.imports[node.id]
            if node.id in frame.names.bound:
                return None
            frame = frame.parent
        if self.module.names.star_modules and not hasattr(builtins, node.id):
            return self._starred(node.id)
        return "builtins." + node.id

    def _starred(self, name: str) -> Optional[str]:
        """A name no scope binds, in a module with `from m import *`: what the catalog knows as `m.name`
        (`from requests import *; get(url)`), else unknown, never a clean builtin."""
        catalog = self.module.catalog
        for module in reversed(self.module.names.star_modules):  # a later star import shadows an earlier one
            qualname = f"{module}.{name}"
            if qualname in catalog.sources or qualname in catalog.objects or qualname in catalog.call_sinks:
                return qualname
        return None

    def span(self, node: ast.AST) -> Span:
        return self.module.parsed.span(node)

    def step(self, value: Val, node: ast.AST, description: str) -> Val:
        return value.step(self.span(node), description, self.module.path)

    # ---- statements ------------------------------------------------------------------------------------------
    def run(self, body: Sequence[ast.stmt]) -> None:
        for index, stmt in enumerate(body):
            self.stmt(stmt)
            if self.unpublished:
                self._publish(self._overwritten(body[index + 1] if index + 1 < len(body) else None))

    def _publish(self, keep: Sequence[str] = ()) -> None:
        """Make what this method stored in self.* visible to the class's other methods. A store the very next
        statement replaces is never seen by them (`self.f = urlopen(u)` then `self.f = Wrapper(self.f)`)."""
        for attr in [a for a in self.unpublished if a not in keep]:
            value = self.unpublished.pop(attr)
            if self.cls is not None:
                self.cls.attrs[attr] = merge([self.cls.attrs.get(attr, value), value])

    def _overwritten(self, following: Optional[ast.stmt]) -> Tuple[str, ...]:
        """The self.* attributes `following` assigns without letting other code see their current value first."""
        if not isinstance(following, ast.Assign) or self.self_name is None:
            return ()
        for node in ast.walk(following.value):
            if isinstance(node, (ast.Await, ast.Yield, ast.YieldFrom, ast.Lambda, ast.NamedExpr)):
                return ()
            if isinstance(node, ast.Call) and any(isinstance(n, ast.Name) and n.id == self.self_name
                                                  for n in (*ast.walk(node.func), *node.args,
                                                            *(k.value for k in node.keywords))):
                return ()  # `self.method()` or `f(self)` may read the attribute in between
        return tuple(t.attr for t in following.targets if isinstance(t, ast.Attribute) and self._is_self(t.value))

    def stmt(self, node: ast.stmt) -> None:
        self.stmt_line = node.lineno
        handler = getattr(self, "_" + type(node).__name__, None)
        if handler is not None:
            handler(node)
            return
        for child in ast.iter_child_nodes(node):  # assert, raise, delete, match subjects...
            if isinstance(child, ast.expr):
                self.ev(child)
            elif isinstance(child, ast.stmt):
                self.stmt(child)
            elif hasattr(child, "body"):  # match_case, excepthandler
                self._branches([child.body])  # type: ignore[attr-defined]

    def _Expr(self, node: ast.Expr) -> None:
        self.ev(node.value)

    def _Assign(self, node: ast.Assign) -> None:
        value = self.ev(node.value)
        for target in node.targets:
            if (isinstance(target, ast.Name) and isinstance(node.value, ast.Constant)
                    and target.id in self.names.imports and self.parent is None):
                continue  # `requests = None` after a failed import keeps the import's meaning
            self.bind(target, value, node.value)

    def _AnnAssign(self, node: ast.AnnAssign) -> None:
        value = self.ev(node.value) if node.value is not None else None
        if value is None or not value.tainted:  # a tree class only types what is otherwise unknown
            value = self.annotated(node.annotation, node.target, classes=value is None) or value
        if node.value is not None or value is not None:
            self.bind(node.target, value, node.value or node.target)

    def _AugAssign(self, node: ast.AugAssign) -> None:
        target = self.ev(node.target) if not isinstance(node.target, ast.Subscript) else None
        value = self.ev(node.value)
        if not isinstance(node.op, ast.Add):
            return
        if target is not None and target.kind == CONTAINER:
            if value is not None and value.kind in (CONTAINER, CHUNKS):
                self.bind(node.target, merge([target, value]), node.value)
            return
        if is_body(target):
            self.report("BFX402", node.target, "+=", target, (), fixable=False)
            return
        if is_body(value):
            self.report("BFX402", node.value, "+=", value, (self.span(node.value),))
        self.bind(node.target, CLEAN_VAL, node.value)

    def _Return(self, node: ast.Return) -> None:
        self.returns.append(self.ev(node.value) if node.value is not None else CLEAN_VAL)

    def _If(self, node: ast.If) -> None:
        self.ev(node.test)
        self._branches([node.body, node.orelse])

    def _While(self, node: ast.While) -> None:
        self.ev(node.test)
        self._loop(node.body, node.orelse)

    def _For(self, node: ast.For) -> None:
        items = self.iterate(self.ev(node.iter), node.iter)
        self.bind(node.target, items, node.iter)
        self._loop(node.body, node.orelse, rebind=(node.target, items, node.iter))

    _AsyncFor = _For

    def _With(self, node: ast.With) -> None:
        for item in node.items:
            if isinstance(node, ast.AsyncWith):
                self.awaited = item.context_expr
            value = self.ev(item.context_expr)
            if item.optional_vars is not None:
                self.bind(item.optional_vars, value if value is None or value.tainted else None, item.context_expr)
        self.run(node.body)

    _AsyncWith = _With

    def _Try(self, node: ast.Try) -> None:
        before = dict(self.env)
        guard = any(self._catches_type_error(h.type) for h in node.handlers)
        self.guarded += guard
        self.run(node.body)
        self.guarded -= guard
        after_body = dict(self.env)
        self.run(node.orelse)
        ends = [dict(self.env)]
        for handler in node.handlers:
            self.env = dict(before)
            self.env.update({k: merge([v, self.env.get(k)]) for k, v in after_body.items()})
            if handler.name:
                self.env[handler.name] = None
            self.run(handler.body)
            ends.append(dict(self.env))
        self._join(ends)
        self.run(node.finalbody)

    _TryStar = _Try

    def _catches_type_error(self, node: Optional[ast.AST]) -> bool:
        if isinstance(node, ast.Tuple):
            return any(self._catches_type_error(e) for e in node.elts)
        return node is not None and self.qualname(node) == "builtins.TypeError"

    def _FunctionDef(self, node: ast.FunctionDef) -> None:
        for expr in (*node.decorator_list, *node.args.defaults, *node.args.kw_defaults):
            if expr is not None:
                self.ev(expr)
        self.functions[node.name] = node
        self.env[node.name] = None
        if self.emit and self.module.emitting:
            self.module.pending.append((node, self))

    _AsyncFunctionDef = _FunctionDef

    def _ClassDef(self, node: ast.ClassDef) -> None:
        for expr in (*node.decorator_list, *node.bases):
            self.ev(expr)
        self.env[node.name] = None
        if self.emit and self.module.emitting:
            self.module.pending.append((node, self))

    def _Import(self, node: ast.AST) -> None:
        if self.parent is None:
            return  # the module's import table was collected up front
        from buffix.analysis.scope import _Collector

        _Collector(self.names, self.module.package).visit(node)
        for alias in node.names:  # type: ignore[attr-defined]
            self.env.pop((alias.asname or alias.name).split(".")[0], None)

    _ImportFrom = _Import

    def _branches(self, bodies: Sequence[Sequence[ast.stmt]]) -> None:
        start = dict(self.env)
        ends = []
        for body in bodies:
            self.env = dict(start)
            self.run(body)
            ends.append(self.env)
        self._join(ends)

    def _join(self, envs: List[Dict[str, Optional[Val]]]) -> None:
        keys = {k for env in envs for k in env}
        self.env = {k: merge([env.get(k) for env in envs]) if all(k in e for e in envs)
                    else merge([env[k] for env in envs if k in env] + [None]) for k in keys}

    def _loop(self, body: Sequence[ast.stmt], orelse: Sequence[ast.stmt], rebind=None) -> None:
        start = dict(self.env)
        self.run(body)
        self._join([start, self.env])
        if any(v is not None and v.tainted and start.get(k) != v for k, v in self.env.items()):
            if rebind is not None:  # loop-carried values: a container filled at the end of one pass
                self.bind(*rebind)
            self.run(body)
            self._join([start, self.env])
        self.run(orelse)

    # ---- binding -----------------------------------------------------------------------------------------
    def bind(self, target: ast.AST, value: Optional[Val], source: ast.AST) -> None:
        if isinstance(target, ast.Name):
            if value is not None and value.tainted:
                value = self.step(value, target, f"assigned to `{target.id}`")
            self.env[target.id] = value
        elif isinstance(target, (ast.Tuple, ast.List)):
            self._bind_many(target.elts, value, source)
        elif isinstance(target, ast.Starred):
            self.bind(target.value, value if value is None or value.kind != BODY else None, source)
        elif isinstance(target, ast.Attribute) and self._is_self(target.value):
            key = "self." + target.attr
            if value is not None and value.tainted:
                value = self.step(value, target, f"stored in `self.{target.attr}`")
            self.env[key] = value
            self.unpublished[target.attr] = value
        elif isinstance(target, ast.Subscript) and is_body(value):
            base = self.ev(target.value)
            if base is None or base.kind in (CONTAINER, CLEAN):
                self._add_entry(target.value, base, value, source)

    def _add_entry(self, target: ast.AST, container: Optional[Val], value: Val, item: ast.AST) -> None:
        """A body enters a container (`parts.append(chunk)`): remember where, that is what the fix slices."""
        entry = self.span(item)
        name = self.module.parsed.segment(self.span(target))
        value = self.step(replace(value, kind=CONTAINER, entries=(entry,)), item, f"collected in `{name}`")
        merged = merge([container if container is not None and container.kind == CONTAINER else None, value])
        if isinstance(target, ast.Name):
            self.env[target.id] = merged
        elif isinstance(target, ast.Attribute) and self._is_self(target.value):
            self.env["self." + target.attr] = merged
            self.unpublished[target.attr] = merged

    def _bind_many(self, targets: Sequence[ast.expr], value: Optional[Val], source: ast.AST) -> None:
        sources = list(source.elts) if isinstance(source, (ast.Tuple, ast.List)) else []
        if len(sources) == len(targets) and not any(isinstance(t, ast.Starred) for t in targets):
            for target, element in zip(targets, sources):
                self.bind(target, self.ev(element), element)
            return
        if (value is not None and value.kind == CONTAINER and 0 <= value.slot < len(targets)
                and not any(isinstance(t, ast.Starred) for t in targets)):
            for index, target in enumerate(targets):  # `data, status = fetch()` where fetch returns (body, 200)
                item = replace(value, kind=BODY, entries=(), slot=-1) if index == value.slot else None
                self.bind(target, item, source)
            return
        element_value = None
        if value is not None and value.kind in (CONTAINER, CHUNKS):
            element_value = replace(value, kind=BODY, entries=(), slot=-1)
        for target in targets:
            self.bind(target, element_value, source)

    def _is_self(self, node: ast.AST) -> bool:
        return isinstance(node, ast.Name) and node.id == self.self_name

    def annotated(self, annotation: Optional[ast.AST], where: ast.AST, how: str = "annotated",
                  classes: bool = True) -> Optional[Val]:
        """A value typed by an annotation naming a response type (`r: requests.Response`, `Optional[...]`), else
        one naming a class of the analyzed tree (`msg: HTTPMessage`: calls on it reach that class's methods)."""
        names = []
        for node in ast.walk(annotation) if annotation is not None else ():
            if isinstance(node, ast.Constant) and isinstance(node.value, str):
                try:
                    parsed = ast.parse(node.value, mode="eval").body
                except SyntaxError:
                    continue
                names.extend(n for n in ast.walk(parsed) if isinstance(n, (ast.Name, ast.Attribute)))
            elif isinstance(node, (ast.Name, ast.Attribute)):
                names.append(node)
        for node in names:
            qualname = self.qualname(node)
            type_name = self.module.catalog.annotations.get(qualname or "")
            if type_name is not None:
                return self.step(Val(OBJECT, type=type_name), where, f"{how} as `{qualname}`")
        for node in _alternatives(annotation) if classes else ():
            cls = self.module.tree_class(node, by_name=how == "documented")
            if cls is not None:
                return self.step(Val(OBJECT, type="class:" + cls), where, f"{how} as `{cls.rpartition('.')[2]}`")
        return None

    # ---- expressions ---------------------------------------------------------------------------------------
    def ev(self, node: Optional[ast.AST]) -> Optional[Val]:
        if node is None:
            return None
        handler = getattr(self, "_e_" + type(node).__name__, None)
        if handler is not None:
            return handler(node)
        for child in ast.iter_child_nodes(node):  # evaluate sub-expressions for their sinks
            if isinstance(child, ast.expr):
                self.ev(child)
        return CLEAN_VAL if isinstance(node, (ast.Constant, ast.JoinedStr, ast.UnaryOp, ast.Dict)) else None

    def _e_Constant(self, node: ast.Constant) -> Val:
        return CLEAN_VAL

    def _e_Name(self, node: ast.Name) -> Optional[Val]:
        found, value = self.lookup(node.id)
        if value is None and node.id not in self.names.imports and self.module.catalog.response_names.match(node.id):
            if not found or self.qualname(node) is None:
                sure = "low" if self.module.in_tests else "medium"  # in tests, mostly a mock or a fake
                guess = Val(OBJECT, confidence=sure, type="?response")
                return self.step(guess, node, f"`{node.id}` is guessed to be a response from its name")
        return value

    def _e_Attribute(self, node: ast.Attribute) -> Optional[Val]:
        if self._is_self(node.value):
            key = "self." + node.attr
            if key in self.env:
                return self.env[key]
            if self.cls is not None:
                found, value = self.cls.attr(node.attr)
                if found:
                    return value
        if self.imported(node.value):
            return None  # `module.attr`: a module, not a value we track
        base = self.ev(node.value)
        if base is not None and base.kind == OBJECT:
            if (base.type, node.attr) in self.module.catalog.method_sinks:  # `find = pattern.findall`
                return Val(CLEAN, type=f"{base.type}.{node.attr}")
            spec = self.module.catalog.types.get(base.type)
            result = spec.attributes.get(node.attr) if spec else None
            if result is None and spec is not None and node.attr in spec.methods:  # `read = resp.raw.read`
                return self.step(replace(base, type=f"{BOUND}{base.type}.{node.attr}"), node,
                                 f"the bound method `.{node.attr}`")
            return self.derive(result, base, node, f"`.{node.attr}`") if result else None
        if base is None:
            guess = self.module.catalog.types.get("?")
            result = guess.attributes.get(node.attr) if guess else None
            if result is not None:
                return self.derive(result, Val(OBJECT, confidence="low", type="?"), node,
                                   f"`.{node.attr}` on a value of unknown type")
        return None

    def imported(self, node: ast.AST) -> Optional[str]:
        """The qualified name of `node` when its root name comes from an import (`hashlib.sha256`)."""
        root = node
        while isinstance(root, ast.Attribute):
            root = root.value
        if not isinstance(root, ast.Name):
            return None
        qualname = self.qualname(node)
        return qualname if qualname and not qualname.startswith("builtins.") else None

    def _e_Subscript(self, node: ast.Subscript) -> Optional[Val]:
        base = self.ev(node.value)
        self.ev(node.slice)
        if base is None:
            return None
        if isinstance(node.slice, ast.Slice):
            return base if base.kind == CONTAINER else CLEAN_VAL  # x[:] is the sanitizer
        if base.kind == CONTAINER:
            return self.step(replace(base, kind=BODY, entries=()), node, "an item of the container")
        if base.kind == OBJECT and isinstance(node.slice, ast.Constant):
            spec = self.module.catalog.types.get(base.type)
            result = spec.items.get(str(node.slice.value)) if spec else None
            return self.derive(result, base, node, f"`[{node.slice.value!r}]`") if result else None
        return CLEAN_VAL if base.kind == BODY else None

    def _e_Await(self, node: ast.Await) -> Optional[Val]:
        self.awaited = node.value  # `await x.get(url)`: an awaited request is evidence of an HTTP client
        return self.ev(node.value)

    def _e_NamedExpr(self, node: ast.NamedExpr) -> Optional[Val]:
        value = self.ev(node.value)
        self.bind(node.target, value, node.value)
        return self.env.get(node.target.id) if isinstance(node.target, ast.Name) else value

    def _e_IfExp(self, node: ast.IfExp) -> Optional[Val]:
        self.ev(node.test)
        return merge([self.ev(node.body), self.ev(node.orelse)])

    def _e_BoolOp(self, node: ast.BoolOp) -> Optional[Val]:
        return merge([self.ev(v) for v in node.values])

    def _e_Starred(self, node: ast.Starred) -> Optional[Val]:
        return self.ev(node.value)

    def _e_BinOp(self, node: ast.BinOp) -> Optional[Val]:
        left, right = self.ev(node.left), self.ev(node.right)
        if not isinstance(node.op, ast.Add):
            return CLEAN_VAL if left is not None and right is not None else None
        if left is not None and right is not None and CONTAINER in (left.kind, right.kind):
            return merge([left, right])
        for operand, value in ((node.left, left), (node.right, right)):
            if is_body(value):
                self.report("BFX402", operand, "+", value, (self.span(operand),))
        return CLEAN_VAL if left is not None or right is not None else None

    def _e_Compare(self, node: ast.Compare) -> Val:
        operands = [node.left, *node.comparators]
        values = [self.ev(o) for o in operands]
        if any(isinstance(op, (ast.Is, ast.IsNot, ast.Eq, ast.NotEq)) for op in node.ops):
            for operand in operands:
                if (isinstance(operand, ast.Call) and self.qualname(operand.func) == "builtins.type"
                        and len(operand.args) == 1 and any(self._is_bytes_type(o) for o in operands)):
                    value = self.ev(operand.args[0])
                    if is_body(value):
                        self.report("BFX601", node, "type() is bytes", value, (), fixable=False)
        del values
        return CLEAN_VAL

    def _is_bytes_type(self, node: ast.AST) -> bool:
        if isinstance(node, ast.Tuple):
            return any(self._is_bytes_type(e) for e in node.elts)
        return self.qualname(node) in _BYTES_TYPES

    def _e_List(self, node: ast.AST) -> Val:
        entries = []
        best: List[Optional[Val]] = []
        slots = []
        for index, element in enumerate(node.elts):  # type: ignore[attr-defined]
            value = self.ev(element)
            if is_body(value):
                entries.append(self.span(element))
                best.append(value)
                slots.append(index)
            elif value is not None and value.kind in (CONTAINER, CHUNKS) and isinstance(element, ast.Starred):
                best.append(value)
                entries.extend(value.entries)
                slots.append(-1)
        if not best:
            return CLEAN_VAL
        value = merge(best)
        assert value is not None
        slot = slots[0] if isinstance(node, ast.Tuple) and len(slots) == 1 else -1  # (body, status)
        value = replace(value, kind=CONTAINER, entries=tuple(entries), slot=slot)
        return self.step(value, node, "collected in a tuple" if slot >= 0 else "collected in a container")

    _e_Tuple = _e_Set = _e_List

    def _e_ListComp(self, node: ast.AST) -> Optional[Val]:
        saved = dict(self.env)
        for generator in node.generators:  # type: ignore[attr-defined]
            items = self.iterate(self.ev(generator.iter), generator.iter)
            self.bind(generator.target, items, generator.iter)
            for condition in generator.ifs:
                self.ev(condition)
        element = self.ev(node.elt)  # type: ignore[attr-defined]
        self.env = {**saved, **{k: v for k, v in self.env.items() if k not in saved and self._walrus(node, k)}}
        if element is not None and element.kind == CONTAINER and element.slot >= 0:  # `[(url, body) for ...]`
            return self.step(replace(element, kind=CHUNKS), node, "pairs collected by a comprehension")
        if not is_body(element):
            return CLEAN_VAL if element is not None else None
        kind = CHUNKS if isinstance(node, ast.GeneratorExp) else CONTAINER
        value = replace(element, kind=kind, entries=(self.span(node.elt),))  # type: ignore[attr-defined]
        return self.step(value, node, "collected by a comprehension")

    _e_SetComp = _e_GeneratorExp = _e_ListComp

    def _walrus(self, node: ast.AST, name: str) -> bool:
        return any(isinstance(n, ast.NamedExpr) and getattr(n.target, "id", None) == name for n in ast.walk(node))

    def _e_Lambda(self, node: ast.Lambda) -> None:
        return None

    def _e_Yield(self, node: ast.Yield) -> None:
        self.yields.append(self.ev(node.value) if node.value is not None else CLEAN_VAL)
        return None  # what `send()` passes in

    def _e_YieldFrom(self, node: ast.YieldFrom) -> None:
        self.yields.append(self.iterate(self.ev(node.value), node.value))
        return None

    def iterate(self, value: Optional[Val], node: ast.AST) -> Optional[Val]:
        """What iterating over `value` yields."""
        if value is None:
            return None
        if value.kind == CHUNKS and value.slot >= 0:
            return self.step(replace(value, kind=CONTAINER, entries=()), node, "each item")
        if value.kind in (CHUNKS, CONTAINER):
            return self.step(replace(value, kind=BODY, entries=(), slot=-1), node, "each chunk")
        if value.kind == OBJECT and value.type.startswith("class:"):
            from buffix.analysis.calls import instance_call

            iterator = instance_call(self, node, value, "__iter__") or instance_call(self, node, value, "__aiter__")
            return self.iterate(iterator, node) if iterator is not None and iterator.kind != OBJECT else None
        if value.kind == OBJECT:
            spec = self.module.catalog.types.get(value.type)
            if spec is not None and spec.iterates is not None:
                return self.derive(spec.iterates, value, node, "iterating it")
            return None
        return CLEAN_VAL if value.kind == BODY else None

    def derive(self, result: Optional[Result], base: Val, node: ast.AST, how: str) -> Optional[Val]:
        if result is None:
            return None
        owner = base.type.lstrip("?") or "response"
        if result.value in KINDS:
            noun = {BODY: "the body", CHUNKS: "chunks of the body", CONTAINER: "lines of the body"}[result.value]
            value = Val(result.value, flow=base.flow, param=base.param)
            text = f"{how} gives {noun} of {_a(owner)}" if owner != "?" else f"{how} gives {noun}"
        else:
            value = Val(OBJECT, flow=base.flow, type=result.value, param=base.param)
            text = f"{how} gives {_a(result.value)}"
        value = value.at_most(weakest(base.confidence, result.confidence))
        return self.step(value, node, text)

    # ---- calls -------------------------------------------------------------------------------------------
    def _e_Call(self, node: ast.Call) -> Optional[Val]:
        from buffix.analysis import calls

        return calls.evaluate(self, node)

    # ---- findings --------------------------------------------------------------------------------------------
    def report(self, code: str, node: ast.AST, label: str, value: Val, targets: Tuple[Span, ...],
               fixable: bool = True, shadowable: bool = False,
               tail: Optional[Tuple[FlowStep, ...]] = None) -> None:
        span = self.span(node)
        if tail is None:
            tail = (FlowStep(span, f"reaches `{label}`", self.module.path),)
        if (value.param < 0 and not self.emit) or self.guarded:
            return
        raw = Raw(code, span, label, self.module.parsed.segment(span), replace(value, flow=value.flow + tail),
                  targets, fixable, self.stmt_line, shadowable or self.names.star or self.module.names.star,
                  self.module.path)
        if value.param >= 0:
            self.hits.append(Hit(value.param, raw))
        else:
            self.module.raw.append(raw)


def _a(noun: str) -> str:
    """`a requests.Response`, `an aiohttp.StreamReader`."""
    return f"{'an' if noun[:1].lower() in 'aeiou' else 'a'} {noun}"
