"""The flow analysis: walk one scope's statements in order, track what each name holds, and check every call.

A `Frame` is one scope being analyzed (module, class body, function). Values (model.Val) say whether an expression
holds a response body, chunks, a container of bodies or a client/response object of a catalog type. Branches are
analyzed separately and merged; loops run twice so loop-carried flows are seen.

Handlers are found by the node's type name, as pyflakes' checker does: `stmt_Assign` runs an `ast.Assign`,
`expr_Call` evaluates an `ast.Call`; a node without a handler has its children walked.
"""

from __future__ import annotations

import ast
import builtins
import re
from collections import Counter
from contextlib import contextmanager
from dataclasses import replace
from typing import Callable, Dict, Iterator, List, Optional, Sequence, Set, Tuple, cast

from buffix.analysis.flow import known, pyversion
from buffix.analysis.flow.classes import ClassInfo, Function, ModuleContext, family_gives_bodies
from buffix.analysis.flow.model import (
    BODY,
    BOUND_METHOD,
    BYTEARRAY,
    CATALOG_KINDS,
    CATALOG_SLOTS,
    CATALOG_TYPE,
    CHUNKS,
    CLASS,
    CLEAN,
    CLEAN_VAL,
    COLLECTION_ROLES,
    CONTAINER,
    EVERY_ITEM,
    GUESSED_RESPONSE,
    ITEM_ROLES,
    MAX_FAMILY,
    MEMORYVIEW,
    OBJECT,
    OTHER_CLASS,
    SINK_METHOD,
    TEXT,
    TREE_CLASS,
    TREE_METHOD,
    TUPLE,
    UNKNOWN,
    Hit,
    Kind,
    Param,
    Raw,
    Role,
    Steps,
    Summary,
    Val,
    carries,
    collection,
    derived_from,
    family,
    from_input,
    is_body,
    merge,
    of_family,
    weakest,
)
from buffix.analysis.flow.scope import Names, add_import
from buffix.core.findings import FlowStep, Span
from buffix.knowledge.catalog import Result, SinkSpec

Seeds = Tuple[Tuple[str, ast.expr, Val], ...]  # an instance's tainted attributes: (attribute, where from, value)
Tainted = Dict[Param, Tuple[ast.expr, Val]]  # a call's tainted inputs: where each came from and its value
_NOUNS = {BODY: "the body", CHUNKS: "chunks of the body", CONTAINER: "lines of the body"}


class Args:
    """A call's arguments, each evaluated once."""

    def __init__(self, frame: "Frame", node: ast.Call) -> None:
        self.node = node
        self.positional: List[ast.expr] = []
        self.starred: Optional[Val] = None  # the first `*items` argument's value (positions after it are unknown)
        for arg in node.args:
            if isinstance(arg, ast.Starred):
                self.starred = frame.ev(arg)
                break
            self.positional.append(arg)
        self.values: Dict[int, Optional[Val]] = {id(a): frame.ev(a) for a in self.positional}
        self.keywords: Dict[str, ast.expr] = {}
        for keyword in node.keywords:
            if keyword.arg is None and isinstance(keyword.value, ast.Dict):  # `f(**{"data": body})`
                for literal, item in zip(keyword.value.keys, keyword.value.values):
                    if literal is not None and _literal_key(literal) is None:
                        frame.ev(literal)
                    self.values[id(item)] = frame.ev(item)  # each item once: a literal key names a keyword
                    word = _literal_key(literal)
                    if word is not None:
                        self.keywords.setdefault(word, item)
                continue
            self.values[id(keyword.value)] = frame.ev(keyword.value)
            if keyword.arg is not None:
                self.keywords[keyword.arg] = keyword.value
            elif isinstance(keyword.value, ast.Name):  # `cls(**kwargs)` after `kwargs["body"] = body`
                for key, value in frame.keyed_entries(keyword.value.id).items():
                    if key not in self.keywords:  # a node of its own per key, at the `**kwargs`
                        entry = self.keywords[key] = ast.copy_location(ast.Name(id=keyword.value.id), keyword.value)
                        self.values[id(entry)] = value

    def get(self, position: Optional[int], keywords: Tuple[str, ...] = ()) -> Optional[ast.expr]:
        if position is not None and position < len(self.positional):
            return self.positional[position]
        for name in keywords:
            if name in self.keywords:
                return self.keywords[name]
        return None

    def value(self, node: Optional[ast.expr]) -> Optional[Val]:
        return self.values.get(id(node)) if node is not None else None

    def tainted(self) -> bool:
        return any(carries(v) for v in self.values.values())


def _text(value: Optional[Val]) -> bool:
    return value is not None and value.role is Role.TEXT


def _chunks(value: Optional[Val]) -> bool:
    return value is not None and value.kind in (CHUNKS, CONTAINER)


def _true_keyword(call: ast.Call, keyword: str) -> bool:
    """Does `call` pass `keyword=True` (a constant)?"""
    return any(k.arg == keyword and isinstance(k.value, ast.Constant) and k.value.value is True
               for k in call.keywords)


class Frame:
    def __init__(self, module: ModuleContext, names: Names, parent: Optional["Frame"] = None,
                 cls: Optional[ClassInfo] = None, self_name: Optional[str] = None, emit: bool = True) -> None:
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
        self.narrowing = 0  # how many `isinstance` branches that narrow an attribute (`_type_check`) are running
        self.guarded = 0  # inside `try:` bodies whose handlers catch TypeError: a proxy's failure is handled
        # while calling a function this frame was handed (`fn(body)` in `run(fn, url)`): what the sinks inside it
        # reach depends on that input, so they are its caller's to report
        self.through: Optional[Param] = None
        # calling a sink method this frame was given (`on_chunk(chunk)`): what reaches it is the caller's to report
        self.sink_param: Optional[Param] = None
        self.ended = False  # a branch that surely runs returned or raised: nothing after it runs
        self.certain: Optional[ast.AST] = None  # the last `if` whose branch was decided
        self.unpublished: Dict[str, Optional[Val]] = {}  # self.<attr> stored here, not yet visible to other methods
        self.constants: Dict[str, object] = {}  # parameters a summarized call set to a literal (until rebound)
        # `put = writer.queue_write`: a method of a value we do not track, kept as a local (until rebound); calling
        # the local is that call (the call nodes made for it are kept: their ids key values)
        self.kept_methods: Dict[str, ast.Attribute] = {}
        # locals holding a `data:` or `file:` URI: assigned one, or a test proved it (`if not u.startswith(...)`)
        self.local_uris: Set[str] = set()
        self.keyed: Dict[str, Dict[str, Val]] = {}  # `kwargs["body"] = body`: what `**kwargs` passes by keyword
        self._kept_calls: Dict[int, ast.expr] = {}  # nodes made to stand for others, by the id of those
        self._standing_in: Set[int] = set()  # nodes made for values no code spells (`map()`'s items): no fix there
        self.function: Optional[ast.AST] = None  # the function this frame runs (`super()` needs its class)
        self.seeded: Dict[str, Val] = {}  # self.<attr> as the instance's seeds gave them (Module.function_frame)
        self.filled: Set[str] = set()  # names a container mutation put bodies in (`queue.put(chunk)`): Summary.fills
        self.patched: List[str] = []  # names a test double replaces here (`mock.patch("requests.get")`)

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
        """The qualified name `node` spells, the tree's re-exports followed (`from .compat import requests`)."""
        qualname = self._spelled(node)
        project = self.module.project
        if qualname is None or project is None or qualname.startswith("builtins."):
            return qualname
        return project.reexported(qualname)

    def _spelled(self, node: ast.AST) -> Optional[str]:
        if isinstance(node, ast.Attribute):
            base = self._spelled(node.value)
            return f"{base}.{node.attr}" if base else None
        if not isinstance(node, ast.Name):
            return None
        frame: Optional[Frame] = self
        while frame is not None:
            if node.id in frame.names.imports and node.id not in frame.env:
                return frame.names.imports[node.id]
            if node.id in frame.env or node.id in frame.names.bound:
                # a module's `unicode = str` (py2/py3 compat) is the builtin
                return self.module.builtin_alias(node.id) if frame.parent is None else None
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

    def imported(self, node: ast.AST) -> Optional[str]:
        """The qualified name of `node` when its root name comes from an import (`hashlib.sha256`)."""
        root = node
        while isinstance(root, ast.Attribute):
            root = root.value
        if not isinstance(root, ast.Name):
            return None
        qualname = self.qualname(node)
        return qualname if qualname and not qualname.startswith("builtins.") else None

    def span(self, node: ast.AST) -> Span:
        return self.module.parsed.span(node)

    def step(self, value: Val, node: ast.AST, description: str) -> Val:
        return value.step(self.span(node), description, self.module.path)

    def _is_self(self, node: ast.AST) -> bool:
        return isinstance(node, ast.Name) and node.id == self.self_name

    def _is_bytes_type(self, node: ast.AST) -> bool:
        """`bytes`, `six.binary_type`, a tuple holding one, or a module-level name of the tree standing for one."""
        if isinstance(node, ast.Tuple):
            return any(self._is_bytes_type(e) for e in node.elts)
        if isinstance(node, ast.BinOp) and isinstance(node.op, ast.BitOr):  # `bytes | bytearray` (PEP 604)
            return self._is_bytes_type(node.left) or self._is_bytes_type(node.right)
        spelled = self.constant_name(node) if isinstance(node, (ast.Name, ast.Attribute)) else ""
        return spelled in known.BYTES_TYPES or (bool(spelled) and not spelled.startswith("builtins.")
                                                and self.module.names_bytes(spelled))

    # ---- statements ------------------------------------------------------------------------------------------
    def run(self, body: Sequence[ast.stmt], states: Optional[List[Dict[str, Optional[Val]]]] = None) -> None:
        """Run `body`; with `states`, append the environment after each of its statements."""
        for index, stmt in enumerate(body):
            if self.ended:
                break
            self.stmt(stmt)
            if self.unpublished:
                self._publish(self._overwritten(body[index + 1] if index + 1 < len(body) else None))
            if states is not None:
                states.append(dict(self.env))

    def _publish(self, keep: Sequence[str] = ()) -> None:
        """Make what this method stored in self.* visible to the class's other methods. A store the very next
        statement replaces is never seen by them (`self.f = urlopen(u)` then `self.f = Wrapper(self.f)`)."""
        for attr in [a for a in self.unpublished if a not in keep]:
            value = self.unpublished.pop(attr)
            # a value made from a summarized call's arguments is that call's (Summary.stores), not the class's:
            # published, it would leak into every later file's analysis
            if self.cls is not None and (value is None or not from_input(value)):
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
        handler = _STATEMENTS.get(type(node).__name__)
        if handler is not None:
            handler(self, node)
            if self.ended and not (isinstance(node, (ast.With, ast.AsyncWith)) or self.certain is node):
                self.ended = False  # a loop, a try or an undecided `if` may end here or go on
            return
        for child in ast.iter_child_nodes(node):  # assert, raise, delete, match subjects...
            if isinstance(child, ast.expr):
                self.ev(child)
            elif isinstance(child, ast.stmt):
                self.stmt(child)
            elif hasattr(child, "body"):  # match_case, excepthandler
                self._branches([child.body])

    def stmt_Expr(self, node: ast.Expr) -> None:
        target = self.patch_target(node.value)  # `monkeypatch.setattr(requests, "get", fake)`: from here on
        if target is not None:
            self.patched.append(target)
            return
        self.ev(node.value)

    def stmt_Assign(self, node: ast.Assign) -> None:
        value = self.ev(node.value)
        for target in node.targets:
            if (isinstance(target, ast.Name) and isinstance(node.value, ast.Constant)
                    and target.id in self.names.imports and self.parent is None):
                continue  # `requests = None` after a failed import keeps the import's meaning
            self.bind(target, value, node.value)
            if isinstance(target, ast.Name) and isinstance(node.value, ast.Attribute) and _untracked(value):
                self.kept_methods[target.id] = node.value
            self._keep_keyed(target, node.value, value)

    def keyed_entries(self, name: str) -> Dict[str, Val]:
        frame: Optional[Frame] = self
        while frame is not None and name not in frame.env:
            frame = frame.parent
        return frame.keyed.get(name, {}) if frame is not None else {}

    def _keep_keyed(self, target: ast.expr, source: ast.expr, value: Optional[Val]) -> None:
        """`kwargs = {"body": body}` or `kwargs["body"] = body`: a later `cls(**kwargs)` passes `body=`."""
        if isinstance(target, ast.Name) and isinstance(source, ast.Dict):
            keys = [k.value if isinstance(k, ast.Constant) and isinstance(k.value, str) else None
                    for k in source.keys]
            held = {key: item for key, v in zip(keys, source.values)
                    if key is not None and (item := self.ev(v)) is not None and item.tainted}
            if held:
                self.keyed[target.id] = held
        elif (isinstance(target, ast.Subscript) and isinstance(target.value, ast.Name)
              and _literal_key(target.slice) is not None and value is not None and value.tainted):
            self.keyed.setdefault(target.value.id, {})[_literal_key(target.slice) or ""] = value

    def stmt_AnnAssign(self, node: ast.AnnAssign) -> None:
        value = self.ev(node.value) if node.value is not None else None
        if value is None or not value.tainted:  # a tree class only types what is otherwise unknown
            value = self.annotated(node.annotation, node.target, classes=value is None) or value
        if node.value is not None or value is not None:
            self.bind(node.target, value, node.value or node.target)

    def stmt_AugAssign(self, node: ast.AugAssign) -> None:
        if isinstance(node.target, ast.Name):
            self.constants.pop(node.target.id, None)
        target = self.ev(node.target) if not isinstance(node.target, ast.Subscript) else None
        value = self.ev(node.value)
        if not isinstance(node.op, ast.Add):
            return
        if target is not None and target.kind is CONTAINER:
            if value is not None and value.kind in (CONTAINER, CHUNKS):
                self.bind(node.target, merge([target, value]), node.value)
            return
        if target is not None and is_body(target) and not _text(value):
            self.report("BFX402", node.target, "+=", target, (), fixable=False)
            return
        if value is not None and is_body(value) and not _text(target):  # `text = ""` then `text += body`
            self.report("BFX402", node.value, "+=", value, (self.span(node.value),))
        self.bind(node.target, CLEAN_VAL, node.value)

    def stmt_Return(self, node: ast.Return) -> None:
        if isinstance(node.value, ast.Name) and self.lookup(node.value.id)[1] is None:
            made = self._closure_value(node.value)
            if made is not None:  # `return downloader`: the caller calls it later
                self.returns.append(made)
                return
        self.returns.append(self.ev(node.value) if node.value is not None else CLEAN_VAL)

    def _closure_value(self, name: ast.Name) -> Optional[Val]:
        """A local function returned as a value, when calling it gives a body: what a call of it gives, kept."""
        local, scope = self._local_function(name.id)
        if local is None:
            return None
        call = ast.copy_location(ast.Call(func=name, args=[], keywords=[]), name)
        given = self._call_function(call, Args(self, call), self.module, local, None, name.id, closure=scope)
        if given is None or not given.tainted:
            return None
        return self._giving(given, name, f"what calling `{name.id}()` gives", Role.CALLABLE)

    def _giving(self, given: Val, node: ast.AST, description: str, role: Role) -> Val:
        """A callable (or a future) whose call (or result) gives `given`: an object holding it as its part 0."""
        held = self.step(given, node, description)
        return Val(OBJECT, confidence=given.confidence, flow=held.flow, role=role, parts=((0, held),))

    def stmt_If(self, node: ast.If) -> None:
        self.ev(node.test)
        tested = _local_uri_test(node.test)
        if tested is not None:  # `if not uri.startswith("data:"): raise`: uri is a data: URI after it
            name, when = tested
            ends = not when and bool(node.body) and isinstance(node.body[-1], (ast.Raise, ast.Return))
            if when:
                self.local_uris.add(name)
            self._branches([node.body, node.orelse])
            self.local_uris.discard(name)
            if ends:
                self.local_uris.add(name)
            return
        decided = self.decided(node.test)
        if decided is not None:  # `if decoded:` in a call made with `decoded=True`: only that branch runs
            taken = node.body if decided else node.orelse
            self.run(taken)
            self.ended = self.ended or bool(taken) and isinstance(taken[-1], (ast.Return, ast.Raise))
            self.certain = node  # the branch surely ran: if it ended, so does what holds this `if`
            return
        narrowed = self._type_check(node.test)
        if narrowed is not None:  # `if isinstance(r.raw, httpx.Response):` r.raw is one in that branch
            key, value, when, otherwise = narrowed
            self.narrowing += 1
            start = self._narrowed_branches(node, key, value, when, otherwise)
            self.narrowing -= 1
            if self.env.get(key) is value or key not in start:  # the narrowing ends with the `if`
                self.env.pop(key, None)
                if key in start:
                    self.env[key] = start[key]
            return
        text = self._text_check(node.test)
        if text is None:
            self._branches([node.body, node.orelse])
            return
        name, when, value = text  # `if isinstance(data, str):` data is no body in that branch
        self._narrowed_branches(node, name, value, when)

    def _narrowed_branches(self, node: ast.If, key: str, value: Val, when: bool,
                           otherwise: Optional[Val] = None) -> Dict[str, Optional[Val]]:
        """Run the branch where the test holds with `key` bound to `value`, then the other (with `key` bound to
        `otherwise`, if given), and join them. Gives the environment before the `if`."""
        bodies = [node.body, node.orelse] if when else [node.orelse, node.body]
        start = dict(self.env)
        self.env[key] = value
        self.run(bodies[0])
        ends = [self.env]
        self.env = dict(start)
        if otherwise is not None:
            self.env[key] = otherwise
        self.run(bodies[1])
        self._join([*ends, self.env])
        return start

    def _isinstance_test(self, test: ast.expr) -> Optional[Tuple[ast.Call, bool]]:
        """`isinstance(x, T)` or `not isinstance(x, T)`: (the call, negated)."""
        negated = isinstance(test, ast.UnaryOp) and isinstance(test.op, ast.Not)
        call = test.operand if isinstance(test, ast.UnaryOp) and negated else test
        if isinstance(call, ast.Call) and len(call.args) == 2 and self.qualname(call.func) == "builtins.isinstance":
            return call, negated
        return None

    def _type_check(self, test: ast.expr) -> Optional[Tuple[str, Val, bool, Optional[Val]]]:
        """`isinstance(x, httpx.Response)` or `isinstance(x.raw, ...)` with catalog types: (the name or `name.attr`,
        the value it holds where the test holds, that truth, and where it fails: clean for a name holding an object
        of one of those types, else None: unchanged). A value of unknown type becomes one of medium confidence: the
        test proves the type, not that the code at hand is what calls with it."""
        if isinstance(test, ast.BoolOp) and isinstance(test.op, ast.And):  # `httpx and isinstance(...)`
            # where a conjunction fails, any part may have: nothing is known there
            return next(((key, value, True, None) for key, value, when, _ in
                         filter(None, map(self._type_check, test.values)) if when), None)
        found = self._isinstance_test(test)
        if found is None:
            return None
        call, negated = found
        subject = call.args[0]
        if isinstance(subject, ast.Name):
            key = subject.id
        elif isinstance(subject, ast.Attribute) and isinstance(subject.value, ast.Name):
            key = f"{subject.value.id}.{subject.attr}"
        else:
            return None
        types = call.args[1].elts if isinstance(call.args[1], ast.Tuple) else [call.args[1]]
        catalog = self.module.catalog.types
        names = [self.qualname(t) for t in types]
        before = self.env.get(key) if isinstance(subject, ast.Name) else None
        if not names or any(n not in catalog or n == UNKNOWN or n == GUESSED_RESPONSE for n in names):
            return self._class_check(key, subject, call, types, before, negated)
        sure = before.confidence if before is not None and before.kind is OBJECT else "medium"
        value = merge([Val(OBJECT, confidence=sure, type=n) for n in names if n is not None])
        assert value is not None
        # `elif isinstance(fileobj, HTTPResponse): ... else:` a response is not what the `else` sees (a proxy
        # passes the test, as wrapt forwards `__class__`)
        excluded = before is not None and before.kind is OBJECT and before.catalog_type in names
        return (key, self.step(value, call, f"`{ast.unparse(subject)}` checked to be a `{names[0]}`"), not negated,
                CLEAN_VAL if excluded else None)

    def _class_check(self, key: str, subject: ast.expr, call: ast.Call, types: Sequence[ast.expr],
                     before: Optional[Val], negated: bool) -> Optional[Tuple[str, Val, bool, Optional[Val]]]:
        """`isinstance(return_type, ClientResult)` with classes of the tree, on a value of unknown type or an
        instance of a family: where it holds, an instance of those classes (calls on it run their methods)."""
        classes = [self.module.tree_class(t) for t in types]
        if not classes or None in classes or (before is not None and (before.kind is not OBJECT
                                                                       or before.role is not TREE_CLASS)):
            return None
        members = of_family(c for c in classes if c is not None)
        value = replace(before, type=members) if before is not None else Val(OBJECT, type=members, role=TREE_CLASS)
        shown = " or ".join(f"`{c.rpartition('.')[2]}`" for c in family(value))
        return key, self.step(value, call, f"`{ast.unparse(subject)}` checked to be a {shown}"), not negated, None

    def _text_check(self, test: ast.expr) -> Optional[Tuple[str, bool, Val]]:
        """`isinstance(x, str)` on a name holding a body: (name, the truth of the test where it holds text, TEXT). A
        body is bytes or a proxy of bytes, never a str. `x == ""` too (and `x == "" and ...`: where it holds).
        `isinstance(x, (str, bytes))` on a name holding a catalog object (a response, a stream): where it holds, x
        is not that object (clean). In a conjunction, any part's test holds where the whole does."""
        conjunction = isinstance(test, ast.BoolOp) and isinstance(test.op, ast.And)
        compared = test.values[0] if isinstance(test, ast.BoolOp) and conjunction else test
        literal = compared.comparators[0] if isinstance(compared, ast.Compare) else None
        if (isinstance(compared, ast.Compare) and len(compared.ops) == 1 and isinstance(compared.left, ast.Name)
                and isinstance(compared.ops[0], (ast.Eq, ast.NotEq))
                and isinstance(literal, ast.Constant) and isinstance(literal.value, str)):
            equal = isinstance(compared.ops[0], ast.Eq)
            if (equal or compared is test) and is_body(self.env.get(compared.left.id)):
                return compared.left.id, equal, TEXT
            return None
        for part in test.values if isinstance(test, ast.BoolOp) and conjunction else [test]:
            found = self._isinstance_test(part)
            subject = found[0].args[0] if found is not None else None
            if found is None or not isinstance(subject, ast.Name) or (found[1] and conjunction):
                continue
            call, negated = found
            name = subject.id
            types = [self.qualname(t) for t in (call.args[1].elts if isinstance(call.args[1], ast.Tuple)
                                                else [call.args[1]])]
            held = self.env.get(name)
            if types and all(t == "builtins.str" for t in types) and is_body(held):
                return name, not negated, TEXT
            if (types and all(t in known.NEVER_CATALOG_TYPES for t in types) and held is not None
                    and held.kind is OBJECT and held.role is CATALOG_TYPE):
                return name, not negated, CLEAN_VAL
        return None

    def _has_member(self, test: ast.Call) -> bool:
        """Is `test` `hasattr(x, "name")` where x is of a catalog type whose spec lists that member?"""
        if len(test.args) != 2 or not isinstance(test.args[1], ast.Constant) or self.qualname(test.func) != \
                "builtins.hasattr":
            return False
        subject = self.ev(test.args[0])
        catalog = self.module.catalog
        if subject is None and catalog.response_names.match(known.last_name(test.args[0])):
            subject = Val(OBJECT, type=GUESSED_RESPONSE)  # as its members are guessed (expr_Attribute)
        spec = catalog.types.get(subject.catalog_type) if subject is not None else None
        name = test.args[1].value
        return spec is not None and isinstance(name, str) and (name in spec.methods or name in spec.attributes)

    def constant_name(self, node: ast.AST) -> str:
        """What a name spells for `pyversion`: its qualified name, or a module-level name of this module."""
        spelled = self.qualname(node)
        if spelled is None and isinstance(node, ast.Name) and node.id in self.module.names.bound:
            return f"{self.module.qualname}.{node.id}"
        return spelled or ""

    def decided(self, test: ast.expr) -> Optional[bool]:
        """The truth of a condition on parameters set to literals (`decoded`, `not raw`, `mode == "bytes"`,
        `encoding is None`) or of `isinstance(body, bytes)`, else None."""
        if isinstance(test, ast.Name) and test.id in self.constants:
            return bool(self.constants[test.id])
        if isinstance(test, (ast.Name, ast.Attribute)) and self.qualname(test) == "typing.TYPE_CHECKING":
            return False  # only a type checker reads it
        if isinstance(test, (ast.Name, ast.Attribute, ast.Compare)):
            version = pyversion.truth(test, self.constant_name, self.module.version_constant)
            if version is not None:  # `if six.PY2:`, `sys.version_info[0] == 2`, `const.IS_PYTHON2`
                return version
        if isinstance(test, ast.UnaryOp) and isinstance(test.op, ast.Not):
            inner = self.decided(test.operand)
            return None if inner is None else not inner
        if isinstance(test, ast.BoolOp):
            values = [self.decided(v) for v in test.values]
            if isinstance(test.op, ast.And):
                return False if False in values else (True if all(v is True for v in values) else None)
            return True if True in values else (False if all(v is False for v in values) else None)
        if (isinstance(test, ast.Compare) and len(test.ops) == 1 and isinstance(test.left, ast.Name)
                and test.left.id in self.constants and isinstance(test.comparators[0], ast.Constant)):
            left, right, op = self.constants[test.left.id], test.comparators[0].value, test.ops[0]
            # `streamed is False`: identity with a literal flag
            if isinstance(op, (ast.Is, ast.IsNot)) and (right is None or isinstance(right, bool)):
                return (left is right) is isinstance(op, ast.Is)
            if isinstance(op, (ast.Eq, ast.NotEq)) and type(left) is type(right):
                return (left == right) is isinstance(op, ast.Eq)
        if (isinstance(test, ast.Compare) and len(test.ops) == 1 and isinstance(test.ops[0], (ast.Is, ast.IsNot))
                and isinstance(test.left, ast.Name) and isinstance(test.comparators[0], ast.Constant)
                and test.comparators[0].value is None and _given_body(self.env.get(test.left.id))):
            return isinstance(test.ops[0], ast.IsNot)  # `if text is None: return text` in a call handed a body
        if isinstance(test, ast.Call) and self._has_member(test):
            return True  # `hasattr(response, "iter_content")` on a response of a catalog type that has it
        found = self._isinstance_test(test) if isinstance(test, ast.Call) else None  # `not` is handled above
        subject = found[0].args[0] if found is not None else None
        if (found is not None and isinstance(subject, ast.Name) and is_body(self.env.get(subject.id))
                and self._is_bytes_type(found[0].args[1])):
            return True  # a body is bytes, or a proxy saying so: wrapt and its peers forward __class__ (facts)
        return None

    def stmt_While(self, node: ast.While) -> None:
        self.ev(node.test)
        self._loop(node.body, node.orelse)

    def stmt_For(self, node: "ast.For | ast.AsyncFor") -> None:
        items = self.iterate(self.ev(node.iter), node.iter)
        self.bind(node.target, items, node.iter)
        self._loop(node.body, node.orelse, rebind=(node.target, items, node.iter))

    stmt_AsyncFor = stmt_For

    def stmt_With(self, node: "ast.With | ast.AsyncWith") -> None:
        patched = len(self.patched)
        for item in node.items:
            if isinstance(node, ast.AsyncWith):
                self.awaited = item.context_expr
            target = self.patch_target(item.context_expr)
            if target is not None:
                self.patched.append(target)
                continue
            value = self.ev(item.context_expr)
            if item.optional_vars is not None:
                kept = value is None or value.tainted or value is LOCAL_URI_READ  # (a name like `response` is no guess)
                self.bind(item.optional_vars, value if kept else None, item.context_expr)
        self.run(node.body)
        del self.patched[patched:]

    stmt_AsyncWith = stmt_With

    def stmt_Try(self, node: ast.Try) -> None:  # and ast.TryStar, which has the same fields
        before = dict(self.env)
        guard = any(self._catches_type_error(h.type) and not _gives_up(h) for h in node.handlers)
        self.guarded += guard
        states: List[Dict[str, Optional[Val]]] = []
        self.run(node.body, states)
        self.guarded -= guard
        self.run(node.orelse)
        ends = [dict(self.env)]
        for handler in node.handlers:
            self.env = dict(before)
            for state in states:  # the body may raise after any of its statements (`content = json.loads(content)`)
                self.env.update({k: merge([v, self.env.get(k)]) for k, v in state.items()})
            if handler.name:
                self.env[handler.name] = None
            self.run(handler.body)
            ends.append(dict(self.env))
        self._join(ends)
        self.run(node.finalbody)

    stmt_TryStar = stmt_Try

    def _catches_type_error(self, node: Optional[ast.AST]) -> bool:
        if isinstance(node, ast.Tuple):
            return any(self._catches_type_error(e) for e in node.elts)
        return node is not None and self.qualname(node) == "builtins.TypeError"

    def stmt_FunctionDef(self, node: "ast.FunctionDef | ast.AsyncFunctionDef") -> None:
        for expr in (*node.decorator_list, *node.args.defaults, *node.args.kw_defaults):
            if expr is not None:
                self.ev(expr)
        self.functions[node.name] = node
        self.env[node.name] = None
        if self.emit and self.module.emitting:
            self.module.defer(node, self)

    stmt_AsyncFunctionDef = stmt_FunctionDef

    def stmt_ClassDef(self, node: ast.ClassDef) -> None:
        for expr in (*node.decorator_list, *node.bases):
            self.ev(expr)
        self.env[node.name] = None
        if self.emit and self.module.emitting:
            self.module.defer(node, self)

    def stmt_Import(self, node: "ast.Import | ast.ImportFrom") -> None:
        if self.parent is None:
            return  # the module's import table was collected up front
        add_import(self.names, self.module.package, node)
        for alias in node.names:
            self.env.pop((alias.asname or alias.name).split(".")[0], None)

    stmt_ImportFrom = stmt_Import

    def stmt_Match(self, node: ast.stmt) -> None:
        """`match body: case bytes() as data: ...`: each case a branch (or none matches); a class pattern of bytes is
        an isinstance check, and a capture of the whole subject (`as data`, `case bytes(data)`) binds it."""
        subject = self.ev(node.subject)  # type: ignore[attr-defined]
        start = dict(self.env)
        ends = [start]
        for case in node.cases:  # type: ignore[attr-defined]
            self.env = dict(start)
            self._match_pattern(case.pattern, subject)
            if case.guard is not None:
                self.ev(case.guard)
            self.run(case.body)
            ends.append(self.env)
        self._join(ends)

    def _match_pattern(self, pattern: ast.AST, subject: Optional[Val]) -> None:
        if type(pattern).__name__ == "MatchAs":
            if pattern.pattern is not None:  # type: ignore[attr-defined]
                self._match_pattern(pattern.pattern, subject)  # type: ignore[attr-defined]
            if pattern.name is not None:  # type: ignore[attr-defined]
                self.env[pattern.name] = subject  # type: ignore[attr-defined]
        elif type(pattern).__name__ == "MatchOr":
            for each in pattern.patterns:  # type: ignore[attr-defined]
                self._match_pattern(each, subject)
        elif type(pattern).__name__ == "MatchClass" and self._is_bytes_type(pattern.cls):  # type: ignore[attr-defined]
            if subject is not None and is_body(subject):
                self.report("BFX601", pattern, "case bytes()", subject, (), fixable=False)
            for each in pattern.patterns[:1]:  # type: ignore[attr-defined]
                self._match_pattern(each, subject)  # `case bytes(data)`: a builtin matches itself

    def _branches(self, bodies: Sequence[Sequence[ast.stmt]]) -> None:
        start = dict(self.env)
        ends = []
        for body in bodies:
            self.env = dict(start)
            self.run(body)
            ends.append(self.env)
        self._join(ends)

    def _join(self, envs: List[Dict[str, Optional[Val]]]) -> None:
        keys = dict.fromkeys(k for env in envs for k in env)  # in the order met: a summary's stores follow it
        self.env = {k: merge([env.get(k) for env in envs]) if all(k in e for e in envs)
                    else merge([env[k] for env in envs if k in env] + [None]) for k in keys}

    def _loop(self, body: Sequence[ast.stmt], orelse: Sequence[ast.stmt],
              rebind: Optional[Tuple[ast.AST, Optional[Val], ast.AST]] = None) -> None:
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
            self.constants.pop(target.id, None)
            self.kept_methods.pop(target.id, None)
            self.keyed.pop(target.id, None)
            if _starts_local_uri(source):
                self.local_uris.add(target.id)
            else:
                self.local_uris.discard(target.id)
            if value is not None and value.tainted:
                value = value.step(self.span(target), "assigned to `{}`", self.module.path, target.id)
            self.env[target.id] = value
        elif isinstance(target, (ast.Tuple, ast.List)):
            self._bind_many(target.elts, value, source)
        elif isinstance(target, ast.Starred):
            self.bind(target.value, value if value is None or value.kind is not BODY else None, source)
        elif isinstance(target, ast.Attribute) and self._is_self(target.value):
            key = "self." + target.attr
            if value is not None and value.tainted:
                value = self.step(value, target, f"stored in `self.{target.attr}`")
            self.env[key] = value
            self.unpublished[target.attr] = value
        elif isinstance(target, ast.Attribute) and isinstance(target.value, ast.Name):
            self._store_on(target.value.id, target.attr, value, target)
        elif (isinstance(target, ast.Subscript) and value is not None and value.kind is OBJECT
              and value.role in COLLECTION_ROLES):
            self._store_item(target.value, value)
        elif isinstance(target, ast.Subscript) and value is not None and is_body(value):
            base = self.ev(target.value)
            into_buffer = base is not None and base.role in (Role.MEMORYVIEW, Role.BYTEARRAY)
            if isinstance(target.slice, ast.Slice) and (into_buffer or base is None):
                # `view[i:j] = chunk`: a memoryview or bytearray takes only a buffer; a receiver of unknown type
                # sliced so is most likely one (`readinto(self, b)`: `b[:n] = data`), maybe a list
                where = self.module.parsed.segment(self.span(target))
                label = f"{where if len(where) <= 40 else '…' + where[-39:]} ="
                self.report("BFX101", source, label, value if into_buffer else value.at_most("medium"),
                            (self.span(source),))
            elif base is None or base.kind in (CONTAINER, CLEAN):
                self._add_entry(target.value, base, value, source, _literal_key(target.slice))
        elif (isinstance(target, ast.Subscript) and not isinstance(target.slice, ast.Slice) and value is not None
              and value.kind in (OBJECT, TUPLE, CHUNKS, CONTAINER) and carries(value)):
            base = self.ev(target.value)  # `responses[url] = resp`, `cache[url] = (created, body)`
            if base is None or base.kind in (TUPLE, CLEAN):
                self._collect(target.value, base, value, source)

    def _store_on(self, name: str, attr: str, value: Optional[Val], target: ast.AST) -> None:
        """`obj.content = resp.content` on an instance of a tree class held in `name`: the instance now holds it,
        so `obj.to_file()` runs with it in self.content."""
        holder = self.env.get(name)
        if holder is None or holder.kind is not OBJECT or holder.role is not TREE_CLASS:
            return
        kept = tuple((a, v) for a, v in holder.attrs if a != attr)
        if value is not None and carries(value):
            kept += ((attr, self.step(value, target, f"stored in `{name}.{attr}`")),)
            self._publish_store(family(holder), attr, kept[-1][1])
        self.env[name] = replace(holder, attrs=tuple(sorted(kept, key=lambda item: item[0])))

    def _publish_store(self, classes: Sequence[str], attr: str, value: Val) -> None:
        """A body this frame stores in an instance of a tree class (`obj.content = resp.raw`, a method or
        `__init__` keeping an argument): instances of that class may hold it, for code elsewhere that reads the
        attribute (Project.stored_into). Values made from this frame's inputs stay with its callers' flows."""
        # an instance of a tree class is kept for its type: calls on the attribute run its methods (a checksum
        # object handed to a stream's constructor, whose own update() holds the sink)
        typed = value.kind is OBJECT and value.role is TREE_CLASS
        if value.param is not None or not (carries(value) or typed):
            return
        for qualname in classes:
            if qualname != OTHER_CLASS:
                key = (qualname, attr)
                stored = self.module.published.get(key)  # (None is nothing stored yet, not a value of unknown type)
                self.module.published[key] = (merge([stored, value]) or value) if stored is not None else value

    def _add_entry(self, target: ast.AST, container: Optional[Val], value: Val, item: ast.AST,
                   key: Optional[str] = None) -> None:
        """A body enters a container (`parts.append(chunk)`, `response["data"] = body` under `key`): remember
        where, that is what the fix slices."""
        entry = self.span(item)
        name = self.module.parsed.segment(self.span(target))
        value = self.step(replace(value, kind=CONTAINER, entries=(entry,), keys=(key,) if key else ()), item,
                          f"collected in `{name}`")
        merged = merge([container if container is not None and container.kind is CONTAINER else None, value])
        if isinstance(target, ast.Subscript) and not isinstance(target.slice, ast.Slice) and merged is not None:
            outer = self.ev(target.value)  # `parts[url].append(chunk)`: a dict (defaultdict) of lists of bodies
            if outer is None or outer.kind in (TUPLE, CLEAN):
                self._collect(target.value, outer, merged, item)
        elif isinstance(target, ast.Name):
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
        if value is not None and value.kind is TUPLE:
            starred = False
            for index, target in enumerate(targets):  # `response, chunks = open_stream(url)`, `first, *rest = rs`
                if isinstance(target, ast.Starred):
                    starred = True
                    self.bind(target.value, value, source)
                    continue
                item = value.part(None if starred else index)  # after a starred target, positions count from the end
                self.bind(target, self.step(item, source, "unpacked") if item is not None else None, source)
            return
        if (value is not None and value.kind is CONTAINER and 0 <= value.slot < len(targets)
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

    def annotated(self, annotation: Optional[ast.AST], where: ast.AST, how: str = "annotated",
                  classes: bool = True) -> Optional[Val]:
        """A value typed by an annotation naming a response type (`r: requests.Response`, `Optional[...]`), else
        one naming a class of the analyzed tree (`msg: HTTPMessage`: calls on it reach that class's methods); a
        local or parameter annotated as a generator is one (`gen.send(chunk)` is no socket's)."""
        declared = known.alternatives(annotation) if how == "annotated" else []
        if declared and all(self.qualname(t) in known.GENERATOR_TYPES for t in declared):
            return GENERATOR
        names: List[ast.AST] = []
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
            if how.startswith("documented") and qualname and qualname.startswith("builtins.") and "." in qualname[9:]:
                qualname = qualname[len("builtins."):]  # a docstring spells a type in full (`~requests.Session`)
            type_name = self.module.catalog.annotations.get(qualname or "")
            if type_name is not None:
                return self.step(Val(OBJECT, type=type_name), where, f"{how} as `{qualname}`")
        by_name = how.startswith("documented")  # a docstring need not import what it names
        for base, argument in known.parameterized(annotation) if classes else ():
            cls = self.module.tree_class(base, by_name=by_name)
            item = self.module.tree_class(argument, by_name=by_name) if argument is not None else None
            if cls is not None:  # `Pages[Page]`: iterating it yields a Page
                return self.step(Val(OBJECT, type=cls, role=TREE_CLASS, items=item or ""), where,
                                 f"{how} as `{cls.rpartition('.')[2]}`")
            if item is not None and known.last_name(base) in known.ITEM_CONTAINERS:  # `list[Page]`
                return self.step(Val(OBJECT, type=item, role=Role.INSTANCES), where,
                                 f"{how} as a collection of `{item.rpartition('.')[2]}`")
        return None

    # ---- expressions ---------------------------------------------------------------------------------------
    def ev(self, node: Optional[ast.AST]) -> Optional[Val]:
        if node is None:
            return None
        handler = _EXPRESSIONS.get(type(node).__name__)
        if handler is not None:
            return handler(self, node)
        for child in ast.iter_child_nodes(node):  # evaluate sub-expressions for their sinks
            if isinstance(child, ast.expr):
                self.ev(child)
        return CLEAN_VAL if isinstance(node, (ast.UnaryOp, ast.Dict)) else None

    def expr_Constant(self, node: ast.Constant) -> Val:
        return TEXT if isinstance(node.value, str) else CLEAN_VAL

    def expr_JoinedStr(self, node: ast.JoinedStr) -> Val:
        for value in node.values:
            self.ev(value)
        return TEXT

    def expr_Name(self, node: ast.Name) -> Optional[Val]:
        found, value = self.lookup(node.id)
        if value is None and self._imported_name(node.id):
            return self._function_value(node)  # `fetch = get` after `from requests import get`
        if value is None and node.id in self.module.classes and self._names_module_class(node.id):
            return Val(OBJECT, type=self.module.classes[node.id].qualname, role=CLASS)
        if value is None:
            function = self._tree_function(node)
            if function is not None:
                return function
        if value is None and node.id not in self.names.imports and self.module.catalog.response_names.match(node.id):
            if not found or self.qualname(node) is None:
                sure = "low" if self.module.in_tests else "medium"  # in tests, mostly a mock or a fake
                guess = Val(OBJECT, confidence=sure, type=GUESSED_RESPONSE)
                return self.step(guess, node, f"`{node.id}` is guessed to be a response from its name")
        return value

    def expr_Attribute(self, node: ast.Attribute) -> Optional[Val]:
        if self.narrowing and isinstance(node.value, ast.Name) and not self._is_self(node.value):
            narrowed = self.env.get(f"{node.value.id}.{node.attr}")  # by an isinstance test (_type_check)
            if narrowed is not None:
                return narrowed
        if self._is_self(node.value):
            key = "self." + node.attr
            if key in self.env:
                return self.env[key]
            if self.cls is not None:
                found, value = self.cls.attr(node.attr)
                if found:
                    return value
                found, value = self._own_member(node)
                if found:
                    return value
        if self.imported(node.value):
            return self._function_value(node)  # `module.attr`: a module, not a value we track, or its function
        base = self.ev(node.value)
        if (base is None or base.kind is CLEAN) and self._any_receiver_sink(node):
            return Val(CLEAN, type=f"*.{node.attr}", role=SINK_METHOD)  # `write = fp.write`: calling it writes
        if base is not None and base.kind is OBJECT and base.role in (TREE_CLASS, CLASS):
            return self._member_of(node, base)
        if base is not None and base.kind is OBJECT:
            catalog = self.module.catalog
            spec = catalog.types.get(base.catalog_type)
            gives = spec is not None and node.attr in spec.methods  # `get = session.get`: a request (call_bound)
            if (base.catalog_type, node.attr) in catalog.method_sinks and not gives:  # `find = pattern.findall`
                return Val(CLEAN, type=f"{base.type}.{node.attr}", role=SINK_METHOD)
            result = spec.attributes.get(node.attr) if spec else None
            if result is not None and base.type == GUESSED_RESPONSE and self._own_response_member(node):
                return None  # `http_response.content` of botocore's AWSResponse: its property, not a client's body
            if result is None and spec is not None and node.attr in spec.methods:  # `read = resp.raw.read`
                return self.step(replace(base, type=f"{base.type}.{node.attr}", role=BOUND_METHOD), node,
                                 f"the bound method `.{node.attr}`")
            return self.derive(result, base, node, f"`.{node.attr}`") if result else None
        if base is None:
            if self.module.catalog.response_names.match(node.attr):  # `context.http_response`, as a bare name is
                sure = "low" if self.module.in_tests else "medium"
                guess_response = Val(OBJECT, confidence=sure, type=GUESSED_RESPONSE)
                return self.step(guess_response, node, f"`.{node.attr}` is guessed to be a response from its name")
            guess = self.module.catalog.types.get(UNKNOWN)
            result = guess.attributes.get(node.attr) if guess else None
            if result is not None:
                return self.derive(result, Val(OBJECT, confidence="low", type=UNKNOWN), node,
                                   f"`.{node.attr}` on a value of unknown type")
        return None

    def _own_response_member(self, node: ast.Attribute) -> bool:
        """Does the tree define `.<attr>` on its own response classes (`AWSResponse`, named as the guess was: a
        response), each as a property that returns no body (`b"".join(self.raw.stream())`, a copy)? A receiver
        guessed a response from its name is then more likely one of those than a client's response."""
        project = self.module.project
        if project is None or _OWN_RESPONSE_MEMBERS:
            return False  # asked while one of those properties is read: it reads the client's member itself
        # a test's fake response says nothing of what a receiver of the package's own code holds
        found = [m for m in project.methods_by_name(node.attr, "response", named=True) if not m[0].in_tests]
        _OWN_RESPONSE_MEMBERS.append(node.attr)
        try:
            for module, function, cls in found:
                given = _given_responses(cls) if cls is not None and known.is_property(function) else None
                if given is None or carries(module.summarize(function, cls, {}, seeds=given).returns):
                    return False
            return bool(found)
        finally:
            _OWN_RESPONSE_MEMBERS.pop()

    def _any_receiver_sink(self, node: ast.Attribute) -> bool:
        """Is `x.name` a sink whatever `x` is, as a call `x.name(...)` would be? Not when `x` is `self` and its
        class defines the method: a call of it runs that method."""
        if ("*", node.attr) not in self.module.catalog.method_sinks:
            return False
        return not (self._is_self(node.value) and self.cls is not None and self.cls.method(node.attr) is not None)

    def expr_Subscript(self, node: ast.Subscript) -> Optional[Val]:
        base = self.ev(node.value)
        self.ev(node.slice)
        if base is None:
            return None
        if isinstance(node.slice, ast.Slice):
            return base if base.kind is CONTAINER else CLEAN_VAL  # x[:] is the sanitizer
        if base.kind is CONTAINER:
            if base.keys and _literal_key(node.slice) not in (*base.keys, None):
                return CLEAN_VAL  # `data["photo"]` of a dict whose body is under "message"
            index = node.slice.value if isinstance(node.slice, ast.Constant) else None
            if base.slot >= 0 and isinstance(index, int) and 0 <= index != base.slot:
                return CLEAN_VAL  # `pair[0]` of `(created, body)`
            return self.step(replace(base, kind=BODY, entries=(), keys=()), node, "an item of the container")
        if base.kind is OBJECT and base.role in ITEM_ROLES:
            return self._item_of(base, node)
        if base.kind is TUPLE:
            index = node.slice.value if isinstance(node.slice, ast.Constant) else None
            item = base.part(index if isinstance(index, int) and index >= 0 else None)
            return self.step(item, node, "an item of the tuple") if item is not None else None
        if base.kind is OBJECT and isinstance(node.slice, ast.Constant):
            spec = self.module.catalog.types.get(base.catalog_type)
            result = spec.items.get(str(node.slice.value)) if spec else None
            return self.derive(result, base, node, f"`[{node.slice.value!r}]`") if result else None
        return CLEAN_VAL if base.kind is BODY else None

    def expr_Await(self, node: ast.Await) -> Optional[Val]:
        self.awaited = node.value  # `await x.get(url)`: an awaited request is evidence of an HTTP client
        value = self.ev(node.value)
        if value is not None and value.kind is OBJECT and value.role is Role.FUTURE:  # `await loop.run_in_executor`
            return value.part(0)
        return value

    def _function_value(self, node: ast.expr) -> Optional[Val]:
        """A catalog function named as a value, not called (`fn = requests.post if post else requests.get`):
        calling it later is calling the function. Likewise a function or a class of the tree another module
        defines (`klass = RawDownload if raw else Download`: calling it builds one)."""
        qualname = self.qualname(node)
        catalog = self.module.catalog
        if qualname is not None and (qualname in catalog.sources or qualname in catalog.objects
                                     or qualname in catalog.call_sinks):
            return Val(CLEAN, type=qualname, role=Role.FUNCTION)
        if qualname is not None and self.module.find_function(qualname, True) is not None:
            return Val(OBJECT, type=qualname, role=Role.TREE_FUNCTION)  # `PARSERS = {"xml": parse_xml}`
        named = self.module.tree_class_named(qualname) if qualname is not None else None
        return Val(OBJECT, type=named, role=CLASS) if named is not None else None

    def default_function(self, default: ast.expr) -> Optional[Val]:
        """A parameter's default naming a function of the tree (`url_fetcher=fetch`): that function as a value."""
        if not isinstance(default, (ast.Name, ast.Attribute)):
            return None
        value = self.ev(default)  # in the frame the function is defined in
        return value if value is not None and value.kind is OBJECT and value.role is Role.TREE_FUNCTION else None

    def _imported_name(self, name: str) -> bool:
        """Does `name` stand for what an enclosing scope imports (the module's `from .parsers import parse_xml`)?"""
        frame: Optional[Frame] = self
        while frame is not None:
            if name in frame.names.imports:
                return True
            if name in frame.env or name in frame.names.bound:
                return False
            frame = frame.parent
        return False

    def _tree_function(self, node: ast.Name) -> Optional[Val]:
        """A function of the tree named as a value: a module-level one of this module (`handler = parse_xml`), or
        a local one closing over this frame's values (`stream(url, on_data)`)."""
        local, scope = self._local_function(node.id)
        if local is None:
            return None
        if scope is None:
            return Val(OBJECT, type=f"{self.module.qualname}.{node.id}", role=Role.TREE_FUNCTION)
        return _closure_value(self.module, local, scope)

    def _call_functions(self, node: ast.Call, args: Args, functions: Val) -> Optional[Val]:
        """Calling functions of the tree kept as a value (`handler(body)`, `PARSERS[kind](body)`, `fn(body)` of a
        function handed one): each it may be."""
        members = family(functions)
        cap = "high" if len(members) == 1 else "medium"
        given = self._passes_bodies(args)
        results = []
        with self._handed(functions):
            for qualname in members:
                found = self.module.find_function(qualname, given) if qualname not in _CLOSURES else None
                if qualname in _CLOSURES:  # a local function or a lambda, run where it was made
                    module, function, scope = _CLOSURES[qualname]
                    results.append(self._call_function(node, args, module, function, None, "<local>", cap=cap,
                                                       closure=scope))
                elif found is not None:
                    module, function, cls = found
                    results.append(self._call_function(node, args, module, function, cls,
                                                       qualname.rpartition(".")[2], cap=cap))
        return merge(results) if results else None

    @contextmanager
    def _handed(self, callee: Val) -> Iterator[None]:
        """While calling a function value: when this frame was handed it (`fn(body)` in `run(fn, url)`), the
        sinks it reaches are its caller's to report, as those of an input."""
        previous = self.through
        if callee.param is not None:
            self.through = callee.param
        try:
            yield
        finally:
            self.through = previous

    def expr_NamedExpr(self, node: ast.NamedExpr) -> Optional[Val]:
        value = self.ev(node.value)
        self.bind(node.target, value, node.value)
        return self.env.get(node.target.id) if isinstance(node.target, ast.Name) else value

    def expr_IfExp(self, node: ast.IfExp) -> Optional[Val]:
        self.ev(node.test)
        decided = self.decided(node.test)
        if decided is not None:
            return self.ev(node.body if decided else node.orelse)
        return merge([self.ev(node.body), self.ev(node.orelse)])

    def expr_BoolOp(self, node: ast.BoolOp) -> Optional[Val]:
        return merge([self.ev(v) for v in node.values])

    def expr_Starred(self, node: ast.Starred) -> Optional[Val]:
        return self.ev(node.value)

    def expr_BinOp(self, node: ast.BinOp) -> Optional[Val]:
        left, right = self.ev(node.left), self.ev(node.right)
        if not isinstance(node.op, ast.Add):
            return CLEAN_VAL if left is not None and right is not None else None
        if left is not None and right is not None and CONTAINER in (left.kind, right.kind):
            return merge([left, right])
        for operand, value, other in ((node.left, left, right), (node.right, right, left)):
            if value is not None and is_body(value) and not _text(other):  # str + bytes fails with or without proxy
                self.report("BFX402", operand, "+", value, (self.span(operand),))
        return CLEAN_VAL if left is not None or right is not None else None

    def expr_Compare(self, node: ast.Compare) -> Val:
        operands = [node.left, *node.comparators]
        for operand in operands:
            self.ev(operand)
        # `type(x) is bytes`, `type(x) in (bytes, bytearray)`
        if any(isinstance(op, (ast.Is, ast.IsNot, ast.Eq, ast.NotEq, ast.In, ast.NotIn)) for op in node.ops):
            for operand in operands:
                if (isinstance(operand, ast.Call) and self.qualname(operand.func) == "builtins.type"
                        and len(operand.args) == 1):
                    value = self.ev(operand.args[0])
                    if value is not None and is_body(value) and any(self._is_bytes_type(o) for o in operands):
                        self.report("BFX601", node, "type() is bytes", value, (), fixable=False)
        return CLEAN_VAL

    def expr_List(self, node: "ast.List | ast.Tuple | ast.Set") -> Val:
        entries = []
        best: List[Optional[Val]] = []
        slots = []
        values = []
        others = []  # tainted items that are no bodies: `(response, chunks)`
        for index, element in enumerate(node.elts):
            value = self._element(element)
            values.append(value)
            if value is not None and value.kind in (OBJECT, TUPLE, CHUNKS, CONTAINER) and carries(value) and not (
                    isinstance(element, ast.Starred) or (value.kind is CONTAINER and value.slot >= 0)):
                others.append((index if isinstance(node, ast.Tuple) else EVERY_ITEM, value))
            if value is not None and is_body(value):
                entries.append(self.span(element))
                best.append(value)
                slots.append(index)
            elif value is not None and value.kind in (CONTAINER, CHUNKS) and isinstance(element, ast.Starred):
                best.append(value)
                entries.extend(value.entries)
                slots.append(-1)
        if not best:
            held = collection(others)
            if held is None:
                return self._collected(values) or CLEAN_VAL  # `(HTTPStorage, LocalStorage)`: a family
            return self.step(held, node, "held in a tuple" if isinstance(node, ast.Tuple) else "held in a list")
        merged = merge(best)
        assert merged is not None
        # `(body, status)`, and a list used as a record (`rows.append([name, body])`): a body at one place among others
        record = isinstance(node, ast.Tuple) or (isinstance(node, ast.List) and len(node.elts) > 1)
        slot = slots[0] if record and len(slots) == 1 else -1
        merged = replace(merged, kind=CONTAINER, entries=tuple(entries), slot=slot)
        return self.step(merged, node, "collected in a tuple" if slot >= 0 else "collected in a container")

    expr_Tuple = expr_Set = expr_List

    def expr_ListComp(self, node: "ast.ListComp | ast.SetComp | ast.GeneratorExp") -> Optional[Val]:
        saved = dict(self.env)
        for generator in node.generators:
            items = self.iterate(self.ev(generator.iter), generator.iter)
            self.bind(generator.target, items, generator.iter)
            for condition in generator.ifs:
                self.ev(condition)
        element = self.ev(node.elt)
        targets = {n.id for g in node.generators for n in ast.walk(g.target) if isinstance(n, ast.Name)}
        kept = {k: v for k, v in self.env.items()  # a walrus, or a queue the items were put in
                if (k not in saved and known.walrus_binds(node, k)) or (k in self.filled and k not in targets)}
        self.env = {**saved, **kept}
        if element is not None and element.kind is CONTAINER and _holds_items(element):
            # `[(url, body) for ...]`, `[{"url": u, "data": body} for ...]`
            return self.step(replace(element, kind=CHUNKS), node, "items collected by a comprehension")
        if element is not None and element.kind in (OBJECT, TUPLE) and carries(element):  # `[s.get(u) for u in ...]`
            each = collection(((EVERY_ITEM, element),))
            assert each is not None
            return self.step(each, node, "collected by a comprehension")
        if element is None or not is_body(element):
            return CLEAN_VAL if element is not None else None
        kind = CHUNKS if isinstance(node, ast.GeneratorExp) else CONTAINER
        value = replace(element, kind=kind, entries=(self.span(node.elt),))
        return self.step(value, node, "collected by a comprehension")

    expr_SetComp = expr_GeneratorExp = expr_ListComp

    def expr_DictComp(self, node: ast.DictComp) -> Optional[Val]:
        """`{url: fetch(url) for url in urls}`: a container of its values; of its keys when only they carry a body
        or a response (`{executor.submit(fetch, u): u for u in urls}`: iterating it gives the futures)."""
        values = self.expr_ListComp(ast.copy_location(ast.ListComp(elt=node.value, generators=node.generators), node))
        if values is not None and carries(values):
            return values
        keys = self.expr_ListComp(ast.copy_location(ast.ListComp(elt=node.key, generators=node.generators), node))
        return keys if keys is not None and carries(keys) else values

    def expr_Lambda(self, node: ast.Lambda) -> Optional[Val]:
        """`run_in_executor(None, lambda: cipher.update(data))`: the body runs later with the values it closes
        over, mostly the current ones; its sinks are checked here, its own parameters unknown."""
        spec = node.args
        params = [a.arg for a in (*spec.posonlyargs, *spec.args, *spec.kwonlyargs)]
        params += [a.arg for a in (spec.vararg, spec.kwarg) if a is not None]
        shadowed = {name: self.env[name] for name in params if name in self.env}
        for name in params:
            self.env[name] = None
        given = self.ev(node.body)
        for name in params:
            del self.env[name]
        self.env.update(shadowed)
        if params:  # `stream(url, lambda chunk: f.write(chunk))`: a callee calling it hands it its arguments
            return _closure_value(self.module, _lambda_function(node), self)
        if given is None or not given.tainted:
            return None
        # `service_call(lambda: photo.download())`: a callee that calls it gets what the body gives
        return self._giving(given, node, "what calling the lambda gives", Role.CALLABLE)

    def expr_Yield(self, node: ast.Yield) -> None:
        self.yields.append(self.ev(node.value) if node.value is not None else CLEAN_VAL)
        return None  # what `send()` passes in

    def expr_YieldFrom(self, node: ast.YieldFrom) -> None:
        self.yields.append(self.iterate(self.ev(node.value), node.value))
        return None

    def iterate(self, value: Optional[Val], node: ast.AST) -> Optional[Val]:
        """What iterating over `value` yields."""
        if value is None:
            if isinstance(node, ast.Name) and node.id == self.self_name and self.cls is not None:
                return self._typed_items(self.cls.item_family(), None, node)  # `for page in self`
            return None
        if value.kind is CHUNKS and _holds_items(value):
            return self.step(replace(value, kind=CONTAINER, entries=()), node, "each item")
        if value.kind in (CHUNKS, CONTAINER):
            return self.step(replace(value, kind=BODY, entries=(), slot=-1), node, "each chunk")
        if value.kind is OBJECT and value.role in ITEM_ROLES:
            return self._item_of(value, node)
        if value.kind is TUPLE:
            item = value.part(None)
            return self.step(item, node, "each item") if item is not None else None
        if value.kind is OBJECT and value.role is TREE_CLASS:
            iterator = (self.instance_call(node, value, "__iter__")
                        or self.instance_call(node, value, "__aiter__"))
            if iterator is not None and iterator.kind is not OBJECT and iterator.tainted:
                return self.iterate(iterator, node)
            if self._iterates_itself(value):  # an iterator class: each item is what its `__next__` gives
                item = self._next_of(value, node)
                if item is not None:
                    return item
            return self._typed_items(value.items or self._class_items(value), value, node)
        if value.kind is OBJECT:
            spec = self.module.catalog.types.get(value.catalog_type)
            if spec is not None and spec.iterates is not None:
                return self.derive(spec.iterates, value, node, "iterating it")
            return None
        return CLEAN_VAL if value.kind is BODY else None

    def _iterates_itself(self, value: Val) -> bool:
        """Does every class `value` may be an instance of return itself from `__iter__` / `__aiter__`?"""
        infos = [self._class_info(qualname) for qualname in family(value)]
        return bool(infos) and all(info is not None and info.iterates_itself() for info in infos)

    def _next_of(self, iterator: Val, node: ast.AST) -> Optional[Val]:
        """What each `__next__` (`__anext__`) of an instance of a tree class gives, when that is a body."""
        for name in ("__next__", "__anext__"):
            item = self.instance_call(node, iterator, name)
            if item is not None and item.tainted:
                return self.step(item, node, f"each `{name}()` of it")
        return None

    def _class_items(self, value: Val) -> str:
        """The items of an instance of a tree class deriving from a typed collection (`class Pages(List[Page])`)."""
        infos = [self._class_info(qualname) for qualname in family(value)]
        found = {info.item_family() if info is not None else "" for info in infos}
        return found.pop() if len(found) == 1 else ""

    def _typed_items(self, items: str, collection: Optional[Val], node: ast.AST) -> Optional[Val]:
        """Each item of a collection whose type argument names a tree class: an instance of it (a type only)."""
        if not items:
            return None
        confidence = collection.confidence if collection is not None else "high"
        flow = collection.flow if collection is not None else ()
        return self.step(Val(OBJECT, type=items, role=TREE_CLASS, confidence=confidence, flow=flow), node,
                         f"each `{items.rpartition('.')[2]}` of it")

    def derive(self, result: Optional[Result], base: Val, node: ast.AST, how: str) -> Optional[Val]:
        """What a catalog member (`result`) of `base` gives."""
        if result is None:
            return None
        owner = base.type.lstrip("?") or "response"
        kind = CATALOG_KINDS.get(result.value)
        if kind is not None:
            value = Val(kind, flow=base.flow, param=base.param, slot=CATALOG_SLOTS.get(result.value, -1))
            noun = _NOUNS[kind]
            text = f"{how} gives {noun} of {known.article(owner)}" if owner != "?" else f"{how} gives {noun}"
        else:
            value = Val(OBJECT, flow=base.flow, type=result.value, param=base.param)
            text = f"{how} gives {known.article(result.value)}"
        value = value.at_most(weakest(base.confidence, result.confidence))
        return self.step(value, node, text)

    # ---- findings --------------------------------------------------------------------------------------------
    def report(self, code: str, node: ast.AST, label: str, value: Val, targets: Tuple[Span, ...],
               fixable: bool = True, shadowable: bool = False,
               tail: Optional[Steps] = None) -> None:
        span = self.span(node)
        if tail is None:
            tail = (FlowStep(span, f"reaches `{label}`", self.module.path),)
        if id(node) in self._standing_in:
            targets, fixable = (), False
        if value.param is None and self.sink_param is not None:
            value = replace(value, param=self.sink_param)
        if (value.param is None and not self.emit) or self.guarded:
            return
        raw = Raw(code, span, label, self.module.parsed.segment(span), replace(value, flow=value.flow + tail),
                  targets, fixable, self.stmt_line, shadowable or self.names.star or self.module.names.star,
                  self.module.path)
        if value.param is not None:
            self.hits.append(Hit(value.param, raw))
        else:
            self.module.raw.append(raw)

    # ---- calls: sources, sinks, sanitizers, container mutations and calls into the tree -----------------------
    def expr_Call(self, node: ast.Call) -> Optional[Val]:
        args = Args(self, node)
        func = node.func
        later = known.CALLS_LATER.get(known.last_name(func))
        if later is not None:
            given = self._call_later(node, args, later)
            if given is not None and given.tainted and known.last_name(func) in known.FUTURES:
                return self._giving(given, node, f"run by `{known.last_name(func)}()`", Role.FUTURE)
        qualname = self.imported(func) if isinstance(func, ast.Attribute) else self.qualname(func)
        if isinstance(func, ast.Attribute) and qualname is None:
            return self._method(node, func, args)
        if isinstance(func, ast.Name):
            handled, value = self._call_name(node, func, args)
            if handled:
                return value
        if isinstance(func, ast.IfExp):  # `(client.head_object if head else client.get_object)(**params)`
            self.ev(func.test)
            return merge([self.ev(ast.copy_location(ast.Call(func=branch, args=node.args, keywords=node.keywords),
                                                    node)) for branch in (func.body, func.orelse)])
        if qualname is None:
            self._picked_by_name(node, func, args)
            dispatched = self._dispatched_by_name(node, func)
            if dispatched:
                return merge([self.ev(call) for call in dispatched])
            callee = self.ev(func)
            if callee is not None and callee.kind is OBJECT and callee.role is CLASS:  # `registry[kind]()`
                return self._instantiate(node, args, callee)
            if callee is not None and callee.kind is OBJECT and callee.role is Role.TREE_FUNCTION:
                return self._call_functions(node, args, callee)  # `PARSERS[kind](body)`
            if callee is not None and callee.kind is OBJECT and callee.role is BOUND_METHOD:
                return self.call_bound(callee, node, args)  # `getattr(self.session, method)(url)`
            if callee is not None and callee.kind is CLEAN and callee.role is Role.FUNCTION and callee.type:
                given = self._qualified(node, callee.type, args)  # `getattr(requests, verb)(url)`
                return given.at_most("medium") if given is not None and isinstance(func, ast.Call) else given
            return self._call_object(node, callee)
        return self._qualified(node, qualname, args)

    def _picked_by_name(self, node: ast.Call, func: ast.expr, args: Args) -> None:
        """`getattr(hashlib, name)(body)`: a function of a catalog module picked by a name known only at run time
        is the sink most of that module's functions are (medium: which one runs is not known)."""
        if not (isinstance(func, ast.Call) and len(func.args) == 2 and self.qualname(func.func) == "builtins.getattr"):
            return
        module = self.qualname(func.args[0])
        name = func.args[1].value if isinstance(func.args[1], ast.Constant) else None
        if isinstance(name, str):  # `getattr(hashlib, "sha256")(body)`
            for named in self.module.catalog.call_sinks.get(f"{module}.{name}", ()):
                self._check(named, node, args)
            return
        spec = self.module.catalog.sink_by_name(module) if module else None
        target = args.get(spec.arg, spec.keywords) if spec is not None else None
        value = args.value(target) if target is not None else None
        if spec is not None and target is not None and value is not None and value.kind is BODY:
            self.report(spec.code, target, self._label(node), value.at_most("medium"), (self.span(target),))

    def _dispatched_by_name(self, node: ast.Call, func: ast.expr) -> List[ast.Call]:
        """`getattr(self, f"_handle_{kind}")(body)`, `getattr(obj, kind)(body)` on an instance of tree classes: the
        calls `obj.<method>(body)` of each method of its classes the name may be (the f-string's pattern, or the
        names its module lists as string literals), when at most MAX_FAMILY are; none for anything else."""
        if not (isinstance(func, ast.Call) and len(func.args) == 2 and self.qualname(func.func) == "builtins.getattr"):
            return []
        receiver, name = func.args
        if self._is_self(receiver) and self.cls is not None:
            classes: List[Optional[ClassInfo]] = [self.cls]
        else:
            value = self.ev(receiver)
            if value is None or value.kind is not OBJECT or value.role is not TREE_CLASS:
                return []
            classes = [self._class_info(q) for q in family(value) if q != OTHER_CLASS]
        methods = dict.fromkeys(m for info in classes if info is not None for c in info.mro() for m in c.methods)
        if isinstance(name, ast.Constant):
            picked = [m for m in methods if m == name.value]
        elif isinstance(name, ast.JoinedStr):
            pattern = "".join(re.escape(str(p.value)) if isinstance(p, ast.Constant) else ".+" for p in name.values)
            picked = [m for m in methods if re.fullmatch(pattern, m)]
        else:
            listed = self.module.listed_names()
            picked = [m for m in methods if m in listed]
        if not picked or len(picked) > MAX_FAMILY:
            return []
        key = id(func)  # the calls made once per call node: caches know nodes by id
        if key not in self._kept_calls:
            calls: List[ast.expr] = []
            for method in picked:
                member = ast.copy_location(ast.Attribute(value=receiver, attr=method, ctx=ast.Load()), func)
                calls.append(ast.copy_location(ast.Call(func=member, args=node.args, keywords=node.keywords), node))
            self._kept_calls[key] = ast.Tuple(elts=calls, ctx=ast.Load())
        return cast(List[ast.Call], cast(ast.Tuple, self._kept_calls[key]).elts)

    def _call_object(self, node: ast.Call, callee: Optional[Val]) -> Optional[Val]:
        """Calling a value of a catalog type that is callable (`codecs.getincrementaldecoder(cs)(errors=...)`)."""
        spec = self.module.catalog.types.get(callee.catalog_type) if callee is not None else None
        if spec is None or "__call__" not in spec.methods:
            return None
        return self.derive(spec.methods["__call__"], callee, node, "the call")  # type: ignore[arg-type]

    def _call_later(self, node: ast.Call, args: Args, later: known.Later) -> Optional[Val]:
        """`Thread(target=fetch, args=(url, chunks))`, `executor.submit(fetch, url, chunks)`: the function runs
        with those arguments (what it puts in `chunks`, the caller then reads)."""
        function = args.get(later.function if later.function >= 0 else None, (later.keyword,))
        if not isinstance(function, (ast.Name, ast.Attribute)):
            return None
        passed: List[ast.expr] = []
        if later.spread:
            passed = args.positional[later.arguments:] if later.arguments >= 0 else []
        else:
            packed = args.get(later.arguments if later.arguments >= 0 else None, (later.arguments_keyword,))
            passed = list(packed.elts) if isinstance(packed, (ast.Tuple, ast.List)) else []
        # a closure run later (`Thread(target=producer)`) may fill the caller's containers without arguments
        closure = isinstance(function, ast.Name) and self._local_function(function.id)[1] is not None
        if passed or closure or known.last_name(node.func) in known.FUTURES:
            return self.ev(ast.copy_location(ast.Call(func=function, args=passed, keywords=[]), node))
        return None

    def _call_name(self, node: ast.Call, func: ast.Name, args: Args) -> Tuple[bool, Optional[Val]]:
        """A bare name the module binds: a method kept as a value, a local function or closure, a class of the
        module built from bodies. Gives (handled, value)."""
        bound = self.lookup(func.id)[1]
        handled, value = self._call_catalog_callable(node, bound, args)  # `read = resp.read1`, a handed `f.write`
        if handled:
            return True, value
        if bound is not None and bound.kind is OBJECT and bound.role is TREE_METHOD:
            with self._handed(bound):
                return True, self._call_tree_method(node, args, bound)
        if bound is not None and bound.kind is OBJECT and bound.role is CLASS:  # `cls(...)`, `factory = Kind`
            return True, self._instantiate(node, args, bound)
        if bound is not None and bound.kind is OBJECT and bound.role is Role.TREE_FUNCTION:  # `handler(body)`
            return True, self._call_functions(node, args, bound)
        if bound is not None and bound.kind is OBJECT and bound.role is CATALOG_TYPE:
            called = self._call_object(node, bound)  # `factory = codecs.getincrementaldecoder(cs); factory()`
            if called is not None:
                return True, called
        if bound is not None and bound.kind is OBJECT and bound.role is TREE_CLASS and self._defines(bound, "__call__"):
            return True, self.instance_call(node, bound, "__call__", args, func)  # `handlers(resp)`: its __call__
        if bound is not None and bound.kind is OBJECT and bound.role is Role.CALLABLE:  # `downloader(0)`, `fn()`
            given = bound.part(0)
            if given is not None and bound.param is not None:  # a callable the function was given: its input
                return True, replace(given, param=bound.param, flow=(FlowStep(self.span(node), f"`{func.id}()`",
                                                                              self.module.path),))
            return True, self.step(given, node, f"`{func.id}()`") if given is not None else None
        local, scope = self._local_function(func.id)
        if local is not None:
            return True, self._call_function(node, args, self.module, local, None, func.id, closure=scope)
        if _untracked(bound) and func.id in self.kept_methods:
            return True, self.ev(self._kept_call(node, self.kept_methods[func.id]))
        if func.id in self.module.classes and self.lookup(func.id)[1] is None:
            if self._subclass_sink(node, args):
                return True, CLEAN_VAL
            info = self.module.classes[func.id]
            built = self._construct(node, args, info) if self._passes_bodies(args) else None
            return True, built or self._typed_instance(node, info.qualname)
        return False, None

    def _local_uri(self, url: Optional[ast.expr]) -> bool:
        """Is `url` a `data:` or `file:` URI: a literal, an f-string or sum starting with one, or a local holding
        one?"""
        if isinstance(url, ast.Name):
            return url.id in self.local_uris
        return _starts_local_uri(url)

    def _kept_call(self, node: ast.Call, method: ast.Attribute) -> ast.Call:
        """`put(0, data)` after `put = writer.queue_write`: the call `writer.queue_write(0, data)`, at `node`."""
        if id(node) not in self._kept_calls:
            call = ast.Call(func=method, args=node.args, keywords=node.keywords)
            self._kept_calls[id(node)] = ast.copy_location(call, node)
        return cast(ast.Call, self._kept_calls[id(node)])

    def _call_sink_method(self, node: ast.Call, bound: Val, args: Args) -> None:
        """Calling a sink method kept as a value (`find_charset(content)`), also one the function or its instance
        was handed (`on_chunk(chunk)`, `self.on_data(chunk)` of a `Streamer(on_data=f.write)`): its hits are that
        input's."""
        owner, _, method = bound.type.rpartition(".")
        previous, self.sink_param = self.sink_param, bound.param
        try:
            for spec in self.module.catalog.method_sinks.get((owner, method), ()):
                self._check(spec, node, args)
        finally:
            self.sink_param = previous

    def call_bound(self, bound: Val, node: ast.Call, args: Optional[Args] = None) -> Optional[Val]:
        """Calling a catalog method kept as a value (`read = resp.read1 if ... else resp.read; read(n)`), also one
        that is a sink for some arguments (`post = session.post; post(url, data=body)`)."""
        owner, _, method = bound.type.rpartition(".")
        for sink in self.module.catalog.method_sinks.get((owner, method), ()) if args is not None else ():
            self._check(sink, node, args)  # type: ignore[arg-type]
        spec = self.module.catalog.types.get(owner)
        result = spec.methods.get(method) if spec is not None else None
        if not result:
            return None
        return self.derive(result, replace(bound, type=owner, role=CATALOG_TYPE), node, f"`{method}()`")

    def _label(self, node: ast.Call) -> str:
        text = self.module.parsed.segment(self.span(node.func))
        return (text if len(text) <= 40 else "…" + text[-39:]) + "()"

    def _qualified(self, node: ast.Call, qualname: str, args: Args) -> Optional[Val]:
        """A call of a name that resolves to a qualified name: the catalog's, a builtin's, a function of the tree."""
        catalog = self.module.catalog
        if qualname in catalog.sanitizers:
            return CLEAN_VAL
        for spec in catalog.call_sinks.get(qualname, ()):
            self._check(spec, node, args)
        before = _BEFORE_SOURCES.get(qualname)
        if before is not None:
            handled, value = before(self, node, args)
            if handled:
                return value
        result = catalog.sources.get(qualname) or catalog.objects.get(qualname)
        if result is not None and self._local_uri(args.get(0, ("url", "fullurl"))):
            return LOCAL_URI_READ  # `urlopen("data:...")` decodes the URI, `file:` reads a file: no response
        if result is not None:
            if self.mocked(qualname):  # the test replaced it: what it gives is a mock's, not a response body
                base = self.step(Val(OBJECT, type=UNKNOWN, confidence="low"), node, f"`{qualname}` is patched here")
                return self.derive(result, base, node, f"`{qualname}()`")
            return self.derive(result, Val(OBJECT, type=UNKNOWN), node, f"`{qualname}()`")
        after = _AFTER_SOURCES.get(qualname)
        if after is not None:
            handled, value = after(self, node, qualname, args)
            if handled:
                return value
        return self._tree_call(node, qualname, args)

    def _tree_call(self, node: ast.Call, qualname: str, args: Args) -> Optional[Val]:
        """A class of the tree built from bodies, or a function of the tree."""
        if self._subclass_sink(node, args):
            return CLEAN_VAL
        given = self._passes_bodies(args)
        info = self.module.resolve_class(node.func) if given else None
        if info is not None:
            return self._construct(node, args, info) or self._typed_instance(node, info.qualname)
        found = self.module.find_function(qualname, given)
        if found is not None:
            module, function, cls = found
            return self._call_function(node, args, module, function, cls, qualname.rsplit(".", 1)[-1])
        if qualname.startswith("builtins."):
            return CLEAN_VAL
        func = node.func
        instance = self._global_instance(qualname.rpartition(".")[0]) if isinstance(func, ast.Attribute) else None
        if instance is not None and isinstance(func, ast.Attribute):  # `from app.client import client; client.get()`
            return self.instance_call(node, self.step(instance, func.value, "a module-level instance"), func.attr,
                                      args, func.value)
        instance = self._global_instance(qualname) if isinstance(func, ast.Name) else None
        if instance is not None and self._defines(instance, "__call__"):  # `from .registry import handlers`
            return self.instance_call(node, self.step(instance, func, "a module-level instance"), "__call__", args,
                                      func)
        # `HTTPStorage()`: calls on it reach its methods (`qualname` also sees a function's own imports)
        named = self.module.tree_class(node.func) or self.module.tree_class_named(qualname)
        return self._typed_instance(node, named) if named is not None else None

    def _global_instance(self, qualname: str) -> Optional[Val]:
        """A module-level instance of a tree class that another module of the tree binds (`pkg.client.client`)."""
        prefix, _, name = qualname.rpartition(".")
        project = self.module.project
        if not prefix or project is None or prefix == self.module.qualname or not project.has_module(prefix):
            return None
        module = project.module(prefix)
        made = module.global_instance(name) if module is not None else None
        return Val(OBJECT, type=made, role=TREE_CLASS) if made is not None else None

    # calls handled before the catalog's sources are looked up: (handled, value)
    def _call_bytes(self, node: ast.Call, args: Args) -> Tuple[bool, Optional[Val]]:
        self._iterating_copy(node, args)
        return False, None

    def _call_isinstance(self, node: ast.Call, args: Args) -> Tuple[bool, Optional[Val]]:
        cls = args.get(1)
        value = args.value(args.get(0))
        if cls is not None and value is not None and is_body(value) and self._is_bytes_type(cls):
            self.report("BFX601", node, "isinstance(..., bytes)", value, (), fixable=False)
        return True, CLEAN_VAL

    def _call_issubclass(self, node: ast.Call, args: Args) -> Tuple[bool, Optional[Val]]:
        """`issubclass(type(x), bytes)`: as `type(x) is bytes`, False for every proxy."""
        of, cls = args.get(0), args.get(1)
        if (isinstance(of, ast.Call) and self.qualname(of.func) == "builtins.type" and len(of.args) == 1
                and cls is not None and self._is_bytes_type(cls)):
            value = self.ev(of.args[0])
            if value is not None and is_body(value):
                self.report("BFX601", node, "issubclass(type(...), bytes)", value, (), fixable=False)
        return True, CLEAN_VAL

    def _call_cast(self, node: ast.Call, args: Args) -> Tuple[bool, Optional[Val]]:
        """`cast(T, x)`: x when it holds a body; else what T declares (`cast(ClientContext, self._context)` of a
        property narrowing a base's context type)."""
        value = args.value(args.get(1))
        if carries(value):
            return True, value
        declared = self.annotated(args.get(0), node, "cast to")
        return True, declared if declared is not None else value

    def _call_closing(self, node: ast.Call, args: Args) -> Tuple[bool, Optional[Val]]:
        """`closing(resp)`: its `with` gives resp itself (`with closing(self.request(url, stream=True)) as resp`)."""
        value = args.value(args.get(0))
        return True, self.step(value, node, "`closing()` of it") if value is not None else None

    def _call_task(self, node: ast.Call, args: Args) -> Tuple[bool, Optional[Val]]:
        """`asyncio.create_task(fetch(u))`, `ensure_future`, `shield`, `wait_for`: awaiting it gives what awaiting
        the coroutine gives."""
        value = args.value(args.get(0))
        if value is None or not carries(value):
            return False, None
        return True, self._giving(value, node, "a task of it", Role.FUTURE)

    def _call_setattr(self, node: ast.Call, args: Args) -> Tuple[bool, Optional[Val]]:
        """`setattr(result, "payload", body)` with a literal name: as `result.payload = body`."""
        name = args.get(1)
        if not (len(args.positional) == 3 and isinstance(name, ast.Constant) and isinstance(name.value, str)
                and name.value.isidentifier()):
            return False, None
        target = ast.copy_location(ast.Attribute(value=args.positional[0], attr=name.value, ctx=ast.Store()), node)
        self.bind(target, args.value(args.positional[2]), args.positional[2])
        return True, CLEAN_VAL

    def _call_getattr(self, node: ast.Call, args: Args) -> Tuple[bool, Optional[Val]]:
        """`getattr(fp, "buffer", fp)` with a literal name: the member as `fp.buffer` gives it, or the default."""
        name = args.get(1)
        if len(args.positional) in (2, 3) and not isinstance(name, ast.Constant):
            return self._request_member(node, args.positional[0])
        if not (len(args.positional) in (2, 3) and isinstance(name, ast.Constant) and isinstance(name.value, str)
                and name.value.isidentifier()):
            return False, None
        member = ast.copy_location(ast.Attribute(value=args.positional[0], attr=name.value, ctx=ast.Load()), node)
        value = self.expr_Attribute(member)
        if len(args.positional) == 3:
            value = merge([value, args.value(args.positional[2])])
        return True, value

    def _request_member(self, node: ast.Call, receiver: ast.expr) -> Tuple[bool, Optional[Val]]:
        """`getattr(self.session, method.lower())`, `getattr(requests, verb)`: a member named at run time of a
        client, or of a client library's module, is taken for its request method (medium at most: the name is
        not written out)."""
        qualname = self.imported(receiver)
        if qualname is not None and f"{qualname}.request" in self.module.catalog.sources:
            return True, Val(CLEAN, type=f"{qualname}.request", role=Role.FUNCTION)  # `requests.request`
        base = self.ev(receiver)
        spec = self.module.catalog.types.get(base.catalog_type) if base is not None and base.kind is OBJECT else None
        if base is None or spec is None or "request" not in spec.methods:
            return False, None
        return True, self.step(replace(base, type=f"{base.type}.request", role=BOUND_METHOD).at_most("medium"),
                               node, "a request method named at run time")

    # calls handled after them: (handled, value)
    def _call_wrapper(self, node: ast.Call, qualname: str, args: Args) -> Tuple[bool, Optional[Val]]:
        """Chunks through an iterator wrapper (`tqdm(r.iter_content())`)."""
        position, keyword = known.WRAPPERS[qualname]
        value = args.value(args.get(position, (keyword,)))
        if value is not None and _chunks(value):
            return True, self.step(replace(value, kind=CHUNKS), node, f"through `{qualname.rsplit('.', 1)[-1]}()`")
        if value is not None and value.kind is TUPLE:
            return True, self.step(_every_item(value), node, f"through `{qualname.rsplit('.', 1)[-1]}()`")
        return False, None

    def _call_pairing(self, node: ast.Call, qualname: str, args: Args) -> Tuple[bool, Optional[Val]]:
        """`enumerate`/`zip` pairs with chunks: each item is a tuple holding a chunk."""
        for index, item in enumerate(args.positional):
            value = args.value(item)
            position = index + 1 if qualname == "builtins.enumerate" else index
            if value is not None and _chunks(value) and value.slot < 0:
                return True, self.step(replace(value, kind=CHUNKS, slot=position), node,
                                       f"paired by `{qualname[9:]}()`")
            held = None
            if value is not None and _chunks(value):  # `enumerate(parts)` of `(offset, chunk)` tuples: nested pairs
                held = replace(value, kind=CONTAINER, entries=())
            elif value is not None and value.kind is TUPLE:  # `enumerate(responses)`: (index, response) pairs
                held = value.part(None)
            if held is not None:
                pairs = collection(((EVERY_ITEM, collection(((position, held),))),))
                if pairs is not None:
                    return True, self.step(pairs, node, f"paired by `{qualname[9:]}()`")
        return False, None

    def _call_anext(self, node: ast.Call, qualname: str, args: Args) -> Tuple[bool, Optional[Val]]:
        value = args.value(args.get(0))
        if value is not None and value.kind is TUPLE:
            return True, self._next_item(value, node)
        if value is not None and _chunks(value):
            taken = CONTAINER if _holds_items(value) else BODY
            return True, self.step(replace(value, kind=taken, entries=()), node, "the next chunk")
        return self._call_next(node, qualname, args)  # `anext(reader)` on an iterator class of the tree

    def _call_gather(self, node: ast.Call, qualname: str, args: Args) -> Tuple[bool, Optional[Val]]:
        """What `asyncio.gather` collects: what awaiting each argument gives (a task: its coroutine's value)."""
        starred = args.starred
        if starred is not None and _chunks(starred):  # `gather(*(fetch(u) for u in urls))`
            return True, self.step(replace(starred, kind=CONTAINER if starred.slot < 0 else CHUNKS), node,
                                   "results of `asyncio.gather()`")
        if starred is not None and starred.kind is TUPLE:  # `gather(*[open_stream(u) for u in urls])`
            item = _awaited(starred.part(None))
            if is_body(item):  # `gather(*tasks)` of `create_task(fetch(u))`s
                assert item is not None
                return True, self.step(replace(item, kind=CONTAINER, entries=(), slot=-1), node,
                                       "results of `asyncio.gather()`")
            starred = replace(starred, parts=((EVERY_ITEM, item),)) if item is not None else starred
            return True, self.step(_every_item(starred), node, "results of `asyncio.gather()`")
        values = [_awaited(args.value(a)) for a in args.positional]
        if starred is None and not any(is_body(v) for v in values):
            held = collection(enumerate(values))  # `r1, r2 = gather(...)`
            if held is not None:
                return True, self.step(held, node, "results of `asyncio.gather()`")
        bodies = [v for v in values if v is not None and is_body(v)]
        if bodies:
            return True, self.step(replace(bodies[0], kind=CONTAINER, entries=(), slot=-1), node,
                                   "results of `asyncio.gather()`")
        return False, None

    def _call_pass_through(self, node: ast.Call, qualname: str, args: Args) -> Tuple[bool, Optional[Val]]:
        """`list(chunks)`, `iter(container)`: the same items; `iter(read, b"")`, `iter(lambda: ..., b"")`: chunks."""
        first = args.value(args.get(0))
        if first is not None and _chunks(first):
            pairs = first.kind is CHUNKS and _holds_items(first)  # `sorted(results)` of (offset, chunk) tuples
            kind = CHUNKS if qualname in ("builtins.iter", "builtins.reversed") or pairs else CONTAINER
            return True, replace(first, kind=kind)
        if first is not None and first.kind is TUPLE and len(args.positional) == 1:
            return True, first if qualname in ("builtins.list", "builtins.tuple") else _every_item(first)
        if qualname != "builtins.iter" or len(args.positional) != 2:
            return False, None
        handled, produced = self._produced(node, args)
        if produced is not None and is_body(produced):
            return True, self.step(replace(produced, kind=CHUNKS, entries=()), node, "chunks read by `iter()`")
        return handled, None

    def _call_dict(self, node: ast.Call, qualname: str, args: Args) -> Tuple[bool, Optional[Val]]:
        """`dict(body=resp.content, type=ct)`: the dict literal its keywords spell; `dict(zip(urls, bodies))`: a
        dict whose values are the pairs' bodies."""
        pairs = args.value(args.get(0)) if len(node.args) == 1 and not node.keywords else None
        if pairs is not None and _chunks(pairs) and pairs.slot == 1:
            return True, self.step(replace(pairs, kind=CONTAINER, slot=-1), node, "the values of a dict")
        if node.args or not node.keywords or any(k.arg is None for k in node.keywords):
            return False, None
        spelled = ast.Dict(keys=[ast.copy_location(ast.Constant(k.arg), k) for k in node.keywords],
                           values=[k.value for k in node.keywords])
        return True, self.ev(ast.copy_location(spelled, node))

    def _call_namespace(self, node: ast.Call, qualname: str, args: Args) -> Tuple[bool, Optional[Val]]:
        """`SimpleNamespace(data=resp.content)`: an object whose attributes are its keywords."""
        held = tuple(sorted((name, self.step(value, node, f"kept as `.{name}`")) for name, arg in args.keywords.items()
                            if (value := args.value(arg)) is not None and carries(value)))
        return True, Val(OBJECT, role=TREE_CLASS, attrs=held) if held else CLEAN_VAL

    def _call_map(self, node: ast.Call, qualname: str, args: Args) -> Tuple[bool, Optional[Val]]:
        """`map(body.read, repeat(n))`, `map(download, urls)`: each item is what the function gives;
        `map(f.write, chunks)`: the function is called with each item of the iterables."""
        mapped = self._mapped_call(node, args)
        handled, produced = (True, mapped) if mapped is not None else self._produced(node, args)
        if produced is not None and is_body(produced):
            return True, self.step(replace(produced, kind=CHUNKS, entries=()), node, "each item `map()` gives")
        each = collection(((EVERY_ITEM, produced),)) if produced is not None and produced.kind is OBJECT else None
        if each is not None:  # `map(session.get, urls)`: responses
            return True, self.step(each, node, "each item `map()` gives")
        return handled, None

    def _mapped_call(self, node: ast.Call, args: Args) -> Optional[Val]:
        """When an iterable `map()` is given holds bodies: the call of its function with an item of each (what it
        gives; a sink it reaches is reported at the iterable, with no fix: no code spells the item)."""
        iterables = args.positional[1:]
        items = [self.iterate(args.value(i), i) for i in iterables]
        if not iterables or not any(carries(i) for i in items) or isinstance(args.positional[0], ast.Lambda):
            return None
        if id(node) not in self._kept_calls:
            standing: List[ast.expr] = [ast.copy_location(ast.Name(id=f" item {n}", ctx=ast.Load()), i)
                                        for n, i in enumerate(iterables)]
            self._kept_calls[id(node)] = ast.copy_location(ast.Call(func=args.positional[0], args=standing,
                                                                    keywords=[]), node)
            self._standing_in.update(id(n) for n in standing)
        call = cast(ast.Call, self._kept_calls[id(node)])
        for name, item in zip(call.args, items):
            self.env[cast(ast.Name, name).id] = item
        try:
            return self.ev(call)
        finally:
            for name in call.args:
                del self.env[cast(ast.Name, name).id]

    def _produced(self, node: ast.Call, args: Args) -> Tuple[bool, Optional[Val]]:
        """What calling the function a call is given first gives (its other arguments unknown)."""
        first = args.value(args.get(0))
        if first is not None and first.kind is OBJECT and first.role is BOUND_METHOD:
            return True, self.call_bound(first, node)
        if args.positional and isinstance(args.positional[0], ast.Lambda):
            return True, self.ev(args.positional[0].body)  # `iter(lambda: stream.read(n), b"")`: chunks until b""
        call = self._call_of(args.positional[0]) if args.positional else None  # `iter(self.read1, b"")`
        return (True, self.ev(call)) if call is not None else (False, None)

    def _call_of(self, callable_node: ast.expr) -> Optional[ast.Call]:
        """The call that calling `callable_node` makes: `f()` for `f` or `obj.m`, `f(*a, **k)` for
        `functools.partial(f, *a, **k)`; None for anything else."""
        if isinstance(callable_node, ast.Call) and self.qualname(callable_node.func) == "functools.partial":
            if not callable_node.args or isinstance(callable_node.args[0], ast.Starred):
                return None
            call = ast.Call(func=callable_node.args[0], args=callable_node.args[1:], keywords=callable_node.keywords)
        elif isinstance(callable_node, (ast.Name, ast.Attribute)):
            call = ast.Call(func=callable_node, args=[], keywords=[])
        else:
            return None
        return ast.copy_location(call, callable_node)

    def _call_partial(self, node: ast.Call, qualname: str, args: Args) -> Tuple[bool, Optional[Val]]:
        first = args.value(args.get(0))
        if first is not None and first.kind is OBJECT and first.role is BOUND_METHOD:
            return True, first  # `partial(resp.read, 1024)`: still that method
        if first is not None and first.kind is CLEAN and first.role is Role.FUNCTION:
            return True, first  # `partial(requests.get, timeout=5)`: still that function
        return False, None

    def _call_next(self, node: ast.Call, qualname: str, args: Args) -> Tuple[bool, Optional[Val]]:
        first = args.value(args.get(0))
        if first is not None and first.kind is TUPLE:
            return True, self._next_item(first, node)
        if first is not None and _chunks(first):
            return True, self.step(replace(first, kind=BODY, entries=()), node, "the next chunk")
        if first is not None and first.kind is OBJECT and first.role is TREE_CLASS and self._iterates_itself(first):
            item = self._next_of(first, node)  # `next(reader)` on an iterator class of the tree
            if item is not None:
                return True, item
        return False, None

    def _call_heappush(self, node: ast.Call, qualname: str, args: Args) -> Tuple[bool, Optional[Val]]:
        """`heapq.heappush(heap, (index, chunk))`: the heap (a list) takes the item, as `heap.insert(i, item)`."""
        heap = args.get(0)
        if heap is None or len(args.positional) != 2:
            return False, None
        self._mutate(heap, args.value(heap), "insert", args)
        return True, None

    def _call_heappop(self, node: ast.Call, qualname: str, args: Args) -> Tuple[bool, Optional[Val]]:
        """`heapq.heappop(heap)`: an item of the heap, as `heap.pop()`."""
        heap = args.get(0)
        if heap is None or len(args.positional) != 1:
            return False, None
        taken = ast.Call(func=ast.Attribute(value=heap, attr="pop", ctx=ast.Load()), args=[], keywords=[])
        return True, self.ev(ast.copy_location(taken, node))

    def _call_bytearray(self, node: ast.Call, qualname: str, args: Args) -> Tuple[bool, Optional[Val]]:
        return True, BYTEARRAY

    def _call_memoryview(self, node: ast.Call, qualname: str, args: Args) -> Tuple[bool, Optional[Val]]:
        return True, MEMORYVIEW

    def _subclass_sink(self, node: ast.Call, args: Args) -> bool:
        """`MemoryFile(path, None, body)` where `class MemoryFile(io.BytesIO)` is defined in the tree: constructing
        a subclass of a buffer-consuming type feeds it the body (whatever the argument's position)."""
        bodies = [(a, v) for a, v in ((a, args.value(a)) for a in (*args.positional, *args.keywords.values()))
                  if v is not None and is_body(v)]
        if not bodies:
            return False
        info = self.module.resolve_class(node.func)
        if info is None:
            return False
        catalog = self.module.catalog
        for owner in info.mro():
            for base in owner.node.bases:
                base_name = owner.module.qualname_of(base) if owner.module is not None else None
                for spec in catalog.call_sinks.get(base_name or "", ()):
                    for arg, value in bodies:
                        self.report(spec.code, arg, f"{self._label(node)} (a {base_name} subclass)", value,
                                    (self.span(arg),))
                    return True
        return False

    def _check(self, spec: SinkSpec, node: ast.Call, args: Args) -> None:
        if spec.when == "single" and len(args.positional) + len(args.keywords) != 1:
            return
        if spec.when == "encoded" and len(args.positional) < 2 and not {"encoding", "errors"} & set(args.keywords):
            return
        receiver = node.func.value if isinstance(node.func, ast.Attribute) else None
        literal = getattr(receiver, "value", "") if isinstance(receiver, ast.Constant) else ""
        if isinstance(receiver, (ast.Constant, ast.JoinedStr)) and not isinstance(literal, bytes):
            return  # `"".join(parts)`: a str method takes no buffer (bytes parts fail with or without a proxy)
        target = args.get(spec.arg, spec.keywords)
        value = args.value(target)
        if target is None or value is None:
            return
        label = self._label(node)
        if spec.accepts == "body" and value.kind is BODY:
            self.report(spec.code, target, label, value, (self.span(target),))
        elif spec.accepts == "chunks" and value.kind in (CHUNKS, CONTAINER):
            self.report(spec.code, target, label, value, value.entries, fixable=bool(value.entries))

    def _iterating_copy(self, node: ast.Call, args: Args) -> None:
        """`bytes(list(body))`, `bytearray(tuple(body))`: the inner call iterates the body."""
        inner = args.get(0, ("source",))
        if (isinstance(inner, ast.Call) and len(inner.args) == 1
                and self.qualname(inner.func) in known.ITERATING_COPIES):
            value = self.ev(inner.args[0])
            if value is not None and is_body(value):
                self.report("BFX501", inner.args[0], self._label(inner), value, (self.span(inner.args[0]),))

    # ---- method calls, by what the receiver holds ------------------------------------------------------------
    def _method(self, node: ast.Call, func: ast.Attribute, args: Args) -> Optional[Val]:
        if func.attr in known.ENTER_CONTEXT and len(args.positional) == 1 and not node.keywords:
            entered = args.value(args.positional[0])  # `stack.enter_context(client.stream(...))`: as `with` gives
            if entered is not None and entered.tainted:
                return self.step(entered, node, f"`.{func.attr}()` of it")
        if self._is_super(func.value) and self.cls is not None:
            resolved, value = self._super_call(node, func, args)
            if resolved:
                return value
        if self._is_self(func.value) and self.cls is not None:  # self.method(): own, inherited or overridden
            resolved, value = self._dispatch(node, args, self.cls, func.attr, self._own_seeds(node), func.attr,
                                             keep=True)
            if not resolved:
                self._inherited_sinks(node, self.cls, func.attr, args)
            if not resolved:
                kept = self._kept_callable(node, func, args)  # `self._get = functools.partial(session.get, ...)`
                if kept is not None:
                    return kept
            rebound = self._rebound_method(node, func, args)  # `self.receive = self._receive_rate`
            if rebound is not None:
                return merge([value, rebound]) if resolved else rebound
            if resolved:
                return value
        receiver = self.ev(func.value)
        if receiver is None:
            return self._on_unknown(node, func, args)
        return _RECEIVERS[receiver.kind](self, node, func, args, receiver)

    def _inherited_sinks(self, node: ast.Call, info: ClassInfo, name: str, args: Args) -> None:
        """A method a class inherits from a catalog receiver (`self.resolve_string(content, context)` in a subclass
        of lxml's Resolver): that receiver's method sinks."""
        receiver_base = info.receiver_base() if info.method(name) is None else None
        for sink in self.module.catalog.method_sinks.get((receiver_base, name), ()) if receiver_base else ():
            self._check(sink, node, args)

    def _any_receiver_sinks(self, node: ast.Call, name: str, args: Args) -> None:
        for spec in self.module.catalog.method_sinks.get(("*", name), ()):
            self._check(spec, node, args)

    def _mutations(self, func: ast.Attribute, receiver: Optional[Val], args: Args) -> None:
        if func.attr in known.CONTAINER_ADD or func.attr in known.CONTAINER_EXTEND:
            item = self._set_default_item(func.value)
            if item is not None:  # `parts.setdefault(url, []).append(chunk)` fills `parts[url]`
                self._mutate(item, self.ev(item), func.attr, args)
            else:
                self._mutate(func.value, receiver, func.attr, args)

    def _set_default_item(self, node: ast.expr) -> Optional[ast.Subscript]:
        """`d.setdefault(key, [])` as the item it gives, `d[key]` placed at it (one node per call: caches know nodes
        by id)."""
        if not (isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute) and node.func.attr == "setdefault"
                and node.args and not node.keywords):
            return None
        if id(node) not in self._kept_calls:
            item = ast.Subscript(value=node.func.value, slice=node.args[0], ctx=ast.Load())
            self._kept_calls[id(node)] = ast.copy_location(item, node)
        return cast(ast.Subscript, self._kept_calls[id(node)])

    def _on_unknown(self, node: ast.Call, func: ast.Attribute, args: Args) -> Optional[Val]:
        """A receiver of unknown type: a request on something named like a client, a member the catalog knows on
        any receiver, or the one method of the tree with that name."""
        name = func.attr
        if name in known.MAPS and len(args.positional) >= 2 and not isinstance(args.positional[0], ast.Constant):
            handled, mapped = self._call_map(node, "builtins.map", args)  # `executor.map(download, urls)`
            if handled:
                return mapped
        self._any_receiver_sinks(node, name, args)
        self._mutations(func, None, args)
        if name in known.TASK_METHODS and args.positional:  # `loop.create_task(fetch(u))`, a TaskGroup's
            handled, task = self._call_task(node, args)
            if handled:
                return task
        fallback = args.value(args.get(1)) if name == "get" and len(args.positional) == 2 else None
        if fallback is not None and fallback.kind is OBJECT and fallback.role in CALLBACKS:
            return fallback  # `kwargs.get("url_fetcher", fetch)`: the function of the tree, unless one is given
        catalog = self.module.catalog
        requested = known.request_keywords(node)  # `stream=True`, `allow_redirects=`: a requests-style call
        if (name in known.HTTP_VERBS and (node.args or "url" in args.keywords)
                and (self.awaited is node or known.looks_like_client(func.value) or requested)):
            # `*session` names an HTTP session; a bare `*client` is medium only where the module imports an HTTP
            # client library with this method: a test framework's `self.client.get(...)` (Django, Starlette) is not
            sure = "medium" if self._library_method(name) or known.names_session(func.value) or requested else "low"
            start = Val(OBJECT, confidence=sure, type=GUESSED_RESPONSE)
            why = "an awaited request" if self.awaited is node else "a request on a client"
            return self.step(start, node, f"`.{name}()` on an unknown value: {why}, guessed to give a response")
        guess = catalog.types.get(UNKNOWN)
        result = guess.methods.get(name) if guess else None
        if result is not None:
            # `self._client.get_object(...)`; `self._orig.iter_content()` in a module importing requests
            sure = "medium" if known.looks_like_client(func.value) or self._library_method(name) else "low"
            return self.derive(result, Val(OBJECT, confidence=sure, type=UNKNOWN), node,
                               f"`.{name}()` on an unknown value")
        return self._by_name(node, func, args)

    def _on_body(self, node: ast.Call, func: ast.Attribute, args: Args, receiver: Val) -> Optional[Val]:
        """Bytes have no `.read()`: `x.content.read()` is aiohttp's StreamReader, whatever `x` is. Any other
        bytes method returns real bytes."""
        name = func.attr
        if isinstance(func.value, ast.Attribute) and func.value.attr == "content":
            stream = self.module.catalog.types.get("aiohttp.StreamReader")
            result = stream.methods.get(name) if stream is not None else None
            if result is not None:
                base = Val(OBJECT, confidence=weakest("medium", known.raised(receiver.confidence)),
                           flow=receiver.flow, type="aiohttp.StreamReader", param=receiver.param)
                return self.derive(result, base, node, f"`.content.{name}()` (a stream)")
        return CLEAN_VAL

    def _on_clean(self, node: ast.Call, func: ast.Attribute, args: Args, receiver: Val) -> Optional[Val]:
        """`buffer.extend(body)` on a bytearray copies the body; other methods of a clean value give clean ones."""
        if receiver.type == GENERATOR.type:  # `send()` resumes Python code: no sink, and what it gives is unknown
            return None
        if receiver.role is Role.BYTEARRAY and func.attr == "extend":
            item = args.get(0)
            value = args.value(item)
            if item is not None and value is not None and is_body(value):
                self.report("BFX501", item, self._label(node), value, (self.span(item),))
            return None
        self._any_receiver_sinks(node, func.attr, args)
        self._mutations(func, receiver, args)
        if func.attr not in known.BUILTIN_METHODS and any(is_body(v) for v in args.values.values()):
            # `formats[0].deserialize(data)`: an item of a list the tree fills elsewhere, of no known type
            return self._by_name(node, func, args) or CLEAN_VAL
        return CLEAN_VAL

    def _on_container(self, node: ast.Call, func: ast.Attribute, args: Args, receiver: Val) -> Optional[Val]:
        name = func.attr
        self._any_receiver_sinks(node, name, args)
        self._mutations(func, receiver, args)
        if name in known.TAKE:
            key = _literal_key(args.positional[0]) if args.positional and name in ("get", "pop") else None
            if receiver.keys and key is not None and key not in receiver.keys:
                return CLEAN_VAL  # `data.get("code")` of a dict whose body is under "message"
            taken = replace(receiver, kind=BODY, entries=(), slot=-1, keys=())
            return self.step(taken, node, "taken from the container")
        if name in ("copy", "values") and receiver.slot < 0:  # a dict's values are its items
            return receiver
        if name == "items" and receiver.slot < 0:  # `for key, body in bodies.items()`: pairs holding the body
            return self.step(replace(receiver, kind=CHUNKS, slot=1), node, "its `(key, value)` pairs")
        return CLEAN_VAL

    def _on_tuple(self, node: ast.Call, func: ast.Attribute, args: Args, receiver: Val) -> Optional[Val]:
        """A tuple or list holding responses or chunk iterators (`pairs.pop()`, `holder.__enter__()`), or an
        iterator of them (`it.__next__()`)."""
        name = func.attr
        self._any_receiver_sinks(node, name, args)
        self._mutations(func, receiver, args)
        if name in known.SELF_ITER or name in ("__enter__", "__aenter__", "copy", "values"):  # a @contextmanager's
            return receiver  # value; a dict's values are its items
        if name == "items":  # `for key, response in responses.items()`
            item = receiver.part(None)
            pair = Val(TUPLE, flow=item.flow, parts=((1, item),)) if item is not None else None
            return self.step(replace(receiver, parts=((EVERY_ITEM, pair),)), node, "its `(key, value)` pairs") \
                if pair is not None else None
        if name in known.TAKE or name in known.NEXT:
            return self._next_item(receiver, node)
        return CLEAN_VAL

    def _next_item(self, value: Val, node: ast.AST) -> Optional[Val]:
        item = value.part(None)
        return self.step(item, node, "an item") if item is not None else None

    def _on_chunks(self, node: ast.Call, func: ast.Attribute, args: Args, receiver: Val) -> Optional[Val]:
        name = func.attr
        if name in known.SELF_ITER:
            return receiver
        if name in known.NEXT or name in known.TAKE:  # `it.__next__()`, `queue.get()`, `pairs.pop()`
            kind_taken = CONTAINER if _holds_items(receiver) else BODY
            return self.step(replace(receiver, kind=kind_taken, entries=()), node, "the next chunk")
        return None

    def _on_object(self, node: ast.Call, func: ast.Attribute, args: Args, receiver: Val) -> Optional[Val]:
        """A client, response, stream... of a catalog type, or an instance of a tree class."""
        name = func.attr
        if receiver.role is Role.FUTURE:  # `future.result()`
            given = receiver.part(0) if name == "result" else None
            return self.step(given, node, "`.result()`") if given is not None else None
        catalog = self.module.catalog
        for spec in catalog.method_sinks.get((receiver.catalog_type, name), ()):
            self._check(spec, node, args)
        if receiver.role is TREE_CLASS and self._defines(receiver, name):
            # its own `write()`, not the generic; of an instance this frame was given, the sinks a body made here
            # reaches in it are the caller's to report (a helper writing chunks into the writer it is handed)
            with self._handed(receiver):
                return self.instance_call(node, receiver, name, args, func.value)
        self._any_receiver_sinks(node, name, args)
        if receiver.role is TREE_CLASS:
            return self.instance_call(node, receiver, name, args, func.value)
        if receiver.role is CLASS:
            return self._class_call(node, func, args, receiver)
        if receiver.role in ITEM_ROLES:
            return self._item_of(receiver, node) if name == "get" else None
        spec_type = catalog.types.get(receiver.catalog_type)
        result = spec_type.methods.get(name) if spec_type else None
        key = args.positional[0] if name == "get" and args.positional else None
        if result is None and spec_type and spec_type.items and isinstance(key, ast.Constant):
            result = spec_type.items.get(str(key.value))  # `resp.get("Body")` of a mapping is its `resp["Body"]`
        if result is not None and self.mocked(f"{receiver.catalog_type}.{name}"):
            receiver = self.step(receiver.at_most("low"), node, f"`{receiver.catalog_type}.{name}` is patched here")
        decoding = spec_type.decoding.get(name) if result is not None and spec_type else None
        if decoding is not None and _true_keyword(node, decoding):
            receiver = self.step(receiver.at_most("low"), node,
                                 f"`{decoding}=True`: text wherever the response declares an encoding")
        if result is None and catalog.response_names.match(known.last_name(func.value)):
            # `response` holds another response type on some path (`if type(response).__name__ == ...`)
            guess = catalog.types.get(GUESSED_RESPONSE)
            result = guess.methods.get(name) if guess else None
            receiver = replace(receiver, type=GUESSED_RESPONSE, role=CATALOG_TYPE).at_most("medium")
        return self.derive(result, receiver, node, f"`.{name}()`") if result else None

    def _defines(self, receiver: Val, name: str) -> bool:
        """Does every class of the instance's family define `name` in the tree (a ring buffer's `write()`)?"""
        infos = [self._class_info(q) for q in family(receiver)]
        return bool(infos) and all(info is not None and (found := info.method(name)) is not None
                                   and found[0].module is not None for info in infos)

    def _by_name(self, node: ast.Call, func: ast.Attribute, args: Args) -> Optional[Val]:
        """`x.get_from_cdn(url)` with `x` of unknown type: the one method of the tree with that name, at medium
        confidence (see prefilter.index.MethodIndex)."""
        project = self.module.project
        if project is None or self.imported(func.value):
            return None
        found = project.method_by_name(func.attr, args.tainted())
        if found is not None:
            module, function, cls = found
            assert cls is not None
            return self._call_function(node, args, module, function, cls, f"{cls.node.name}.{func.attr}",
                                       cap="medium")
        if not any(is_body(v) for v in args.values.values()):
            return self._by_role(node, func, args)
        # a body handed to a method a few classes define (`formats[0].deserialize(data)`, a handler from a
        # registry): it reaches one of them; medium for the family most of them belong to (they override one
        # base's method: a plugin family), low for the others
        methods = self._methods_named(func)
        roots = {id(cls): _root(cls, func.attr) for _, _, cls in methods if cls is not None}
        family_sizes = Counter(roots.values())
        largest, size = family_sizes.most_common(1)[0] if family_sizes else ("", 0)
        plugin = largest if size > 1 and size > len(roots) - size else ""  # most of them override one base's
        return merge([self._call_function(node, args, module, function, cls, f"{cls.node.name}.{func.attr}",
                                          cap="medium" if roots[id(cls)] == plugin else "low")
                      for module, function, cls in methods if cls is not None]) if methods else None

    def _methods_named(self, func: ast.Attribute, named: bool = False) -> List[Function]:
        """The tree's methods `func.attr` the receiver's name allows (Project.methods_by_name; `self._cache`: a
        cache), except the one running (the project's copy of this module is another tree)."""
        project = self.module.project
        assert project is not None
        here = (self.module.path, getattr(self.function, "lineno", -1))
        role = known.last_name(func.value).lstrip("_").lower()
        return [m for m in project.methods_by_name(func.attr, role, named)
                if (m[0].path, getattr(m[1], "lineno", 0)) != here]

    def _by_role(self, node: ast.Call, func: ast.Attribute, args: Args) -> Optional[Val]:
        """`self.transport.load(url)` on a receiver of unknown type: what the tree classes its name names
        (`Transport`, `AsyncTransport`) return from `load`, when one of them returns a body (medium at most)."""
        if self.module.project is None or not isinstance(func.value, ast.Attribute) or any(
                v is not None and v.kind is not CLEAN for v in args.values.values()):
            # a local or a parameter's name is too weak a hint (`data.read()`); what it does with values it is
            # handed (a callback: `self.context.add_query(q).before_execute(build)`) is not this guess's to say
            return None
        values = [self._call_function(node, args, module, function, cls, f"{cls.node.name}.{func.attr}",
                                      cap="medium")
                  for module, function, cls in self._methods_named(func, named=True) if cls is not None]
        returned = [v for v in values if v is not None and v.kind in (BODY, CHUNKS, CONTAINER)]
        return merge(returned) if returned else None  # a body, never an instance to dispatch on further

    def _library_method(self, name: str) -> bool:
        """Does the module import a client library one of whose types has a method `name`?"""
        catalog = self.module.catalog
        project = self.module.project
        imports = self.module.names.imports.values()
        resolved = [project.reexported(q) for q in imports] if project is not None else list(imports)
        libraries = {catalog.library(q.split(".")[0]) for q in resolved}  # `from pkg._httpx import httpx` too
        return any(not libraries.isdisjoint(catalog.type_packages.get(t.split(".")[0], (t.split(".")[0],)))
                   for t, spec in catalog.types.items() if name in spec.methods)

    def _mutate(self, target: ast.expr, receiver: Optional[Val], name: str, args: Args) -> None:
        self._fill(target, receiver, name, args)
        if isinstance(target, ast.Name) and carries(self.env.get(target.id)):
            self.filled.add(target.id)

    def _fill(self, target: ast.expr, receiver: Optional[Val], name: str, args: Args) -> None:
        if name in known.CONTAINER_ADD:
            item = args.get(known.CONTAINER_ADD[name])
            value = args.value(item)
            if item is not None and value is not None and is_body(value):
                self._add_entry(target, receiver, value, item)
            elif value is not None and value.kind is CONTAINER and _holds_items(value) and item is not None:
                # `queue.put((offset, chunk))`, `out.append({"url": u, "data": body})`: a collection of such items
                self.bind(target, self.step(replace(value, kind=CHUNKS), item, "queued"), item)
            elif (value is not None and value.kind in (OBJECT, TUPLE, CHUNKS) and carries(value) and item is not None
                  and (receiver is None or receiver.kind in (TUPLE, CLEAN)) and name != "setdefault"):
                # `responses.append(resp)`; `setdefault` only of bodies: `kwargs.setdefault("session", Session())`
                # would make every dict of keywords one of instances, each a summary more
                self._collect(target, receiver, value, item)
        else:
            item = args.get(0)
            value = args.value(item)
            if value is not None and value.kind in (CONTAINER, CHUNKS) and item is not None:
                merged = merge([receiver if receiver is not None and receiver.kind is CONTAINER else None,
                                replace(value, kind=CONTAINER)])
                self.bind(target, merged, item)

    def _collect(self, target: ast.expr, receiver: Optional[Val], value: Val, item: ast.AST) -> None:
        """`responses.append(resp)`, `responses[url] = resp`: a collection of responses (or of chunk iterators),
        any of whose items may be that one."""
        held = collection(((EVERY_ITEM, value),))
        assert held is not None
        held = replace(held, param=value.param)  # a method's `self._cache[url] = (now, content)`: a store it makes
        merged = merge([receiver if receiver is not None and receiver.kind is TUPLE else None, held])
        self.bind(target, self.step(merged, item, "collected") if merged is not None else None, item)

    # ---- calls into functions of the tree ----------------------------------------------------------------
    def _local_function(self, name: str) -> Tuple[Optional[ast.AST], Optional["Frame"]]:
        """The function a bare name calls, and the frame it was defined in when that is a function's (a closure)."""
        current: Optional[Frame] = self
        while current is not None:
            if name in current.functions:
                return current.functions[name], current if current.parent is not None else None
            if name in current.env or name in current.names.bound and current.parent is not None:
                return None, None
            if name in current.names.imports and current.parent is not None:  # a local import shadows
                return None, None
            current = current.parent
        return self.module.functions.get(name), None

    def _call_function(self, node: ast.AST, args: Optional[Args], module: ModuleContext, function: ast.AST,
                       cls: Optional[ClassInfo], name: str, cap: str = "high", closure: Optional["Frame"] = None,
                       seeds: Seeds = (), keep: bool = False) -> Optional[Val]:
        """A call into a function of the analyzed tree: apply its summary for the argument values given.
        `cap` bounds the confidence of what it gives when the callee itself is a guess; `seeds` are the tainted
        attributes of the instance a method is called on."""
        tainted = _arguments(module, function, cls, args) if args is not None else {}
        tainted.update({Param(i, attribute=True): (where, value) for i, (_, where, value) in enumerate(seeds)})
        constants = _constants(module, function, cls, args, self.constants) if args is not None else ()
        summary = module.summarize(function, cls, {p.position: v for p, (_, v) in tainted.items() if not p.attribute},
                                   closure, tuple((attr, value) for attr, _, value in seeds), constants)
        value = self._apply(node, summary, tainted, name, cap)
        if summary.fills and args is not None:
            self._filled_by(node, summary, module.parameters(function, cls), args, name, cap)
        if summary.closure_fills and closure is not None:
            self._filled_closure(node, summary, closure, name, cap)
        if summary.stores and (keep or cls is not None):
            for attr, _, stored in self._kept(node, summary, tainted, name):
                if keep:
                    self.env["self." + attr] = stored
                elif cls is not None:  # `result.set_property("__value", response.content)`
                    self._publish_store((cls.qualname,), attr, stored)
        return value

    def _filled_closure(self, node: ast.AST, summary: Summary, closure: "Frame", name: str, cap: str) -> None:
        """`producer()` (or a thread running it) filled a container of the frame it was defined in."""
        for target, filled in summary.closure_fills:
            closure.take_filled(target, self.step(filled.at_most(cap), node, f"filled by `{name}()`"))

    def take_filled(self, target: str, added: Val) -> None:
        """Name `target` of this frame now holds bodies a call put in it (besides what it held, if bodies)."""
        current = self.env.get(target)
        self.env[target] = merge([current if carries(current) else None, added])
        self.filled.add(target)

    def _filled_by(self, node: ast.AST, summary: Summary, params: List[str], args: Args, name: str,
                   cap: str) -> None:
        """`_download_part(..., io_queue)` puts bodies in the queue it is given: the caller's queue now holds them
        (a closure reading it later sees them)."""
        for position, filled in summary.fills:
            arg = args.get(position, (params[position],) if position < len(params) else ())
            for target in _named_by(arg):
                self.take_filled(target.id, self.step(filled.at_most(cap), node, f"filled by `{name}()`"))

    def _apply(self, node: ast.AST, summary: Summary, tainted: Tainted, name: str, cap: str) -> Optional[Val]:
        """Complete the summary's flows with the caller's values: report its hits, give its return value."""
        call_step = FlowStep(self.span(node), f"passed to `{name}()`", self.module.path)
        for hit in summary.hits:
            if hit.param not in tainted:
                continue
            arg, value = tainted[hit.param]
            param = value.param if value.param is not None else self.through
            reached = replace(hit.raw.value, flow=value.flow + (call_step,) + hit.raw.value.flow, param=param,
                              confidence=weakest(value.confidence, hit.raw.value.confidence, cap))
            raw = replace(hit.raw, value=reached)
            if param is not None:
                self.hits.append(Hit(param, raw))  # our own input: the caller's caller completes it
            elif known.same_file(raw.path, self.module.path):
                if self.emit and not self.guarded:
                    self.module.raw.append(replace(raw, path=self.module.path))
            else:
                sliceable = value.kind is BODY and hit.raw.value.kind is BODY and bool(hit.raw.targets)
                # a callback the body reached, or a sink method handed on (`download(url, f.write)`)
                handed = (value.kind is OBJECT and value.role in CALLBACKS) or value.role is SINK_METHOD
                self.report(raw.code, arg, f"{raw.label} in {name}()", (reached if handed else value).at_most(cap),
                            (self.span(arg),) if sliceable else (),
                            fixable=sliceable, tail=(call_step,) + hit.raw.value.flow)
        return self._returned(node, summary.returns, tainted, name, cap, call_step)

    def _returned(self, node: ast.AST, returned: Optional[Val], tainted: Tainted, name: str, cap: str,
                  call_step: FlowStep) -> Optional[Val]:
        """What a call gives: the summary's return value, completed with the caller's inputs it derives from."""
        if returned is None or not returned.tainted:
            return returned
        if returned.kind is TUPLE and any(part.param is not None for _, part in returned.parts):
            parts = [(p, self._returned(node, v, tainted, name, cap, call_step)) for p, v in returned.parts]
            held = collection(parts, flow=returned.flow)
            return held.step(self.span(node), f"returned by `{name}()`", self.module.path) if held else None
        if returned.kind is OBJECT and returned.param is None and any(v.param is not None for _, v in returned.attrs):
            returned = self._filled(node, returned, tainted, name, cap, call_step)
        if returned.param is not None:
            if returned.param not in tainted:
                return None
            _, value = tainted[returned.param]
            flow = value.flow + (call_step,) + returned.flow
            return replace(returned, flow=flow, param=value.param,
                           confidence=weakest(value.confidence, returned.confidence, cap))
        return returned.at_most(cap).step(self.span(node), f"returned by `{name}()`", self.module.path)

    def _filled(self, node: ast.AST, instance: Val, tainted: Tainted, name: str, cap: str,
                call_step: FlowStep) -> Val:
        """An instance a call builds from its arguments (`cls(body=data)` in `from_data(data)`): its attributes
        completed with the caller's values; those it now holds for sure are stored in instances of its class."""
        attrs = []
        for attr, held in instance.attrs:
            done = self._returned(node, held, tainted, name, cap, call_step) if held.param is not None else held
            if done is not None:
                attrs.append((attr, done))
                if instance.role is TREE_CLASS:
                    self._publish_store(family(instance), attr, done)
        return replace(instance, attrs=tuple(attrs))

    # ---- instances of the tree's classes -------------------------------------------------------------------------
    def _construct(self, node: ast.Call, args: Args, info: ClassInfo) -> Optional[Val]:
        """`SeekableFileObject(resp)`: a class of the tree built from bodies. What `__init__` keeps in self.* seeds
        every method; methods of a wrapper are called by code we do not see (PIL calls `read()`), so each is
        checked now, and calls on the instance later resolve to the class's methods with the same seeds."""
        found = info.method("__init__")
        name = info.node.name
        if found is None:
            kept = self._fields_kept(node, args, info)  # a dataclass: its generated __init__ keeps its fields
        else:
            owner, init = found
            module = owner.module
            if module is None:
                return None
            tainted = _arguments(module, init, info, args)
            if not tainted:
                return None
            summary = module.summarize(init, info, {p.position: v for p, (_, v) in tainted.items()})
            self._apply(node, summary, tainted, name, "high")
            kept = self._kept(node, summary, tainted, name)
        if not kept:
            return None
        for attr, _, value in kept:
            self._publish_store((info.qualname,), attr, value)
        seeds = tuple(kept)
        # an instance holding only other instances (a client handed to every constructor of an SDK) is checked in
        # the methods that name what it holds, not in every method (that is what costs, and what seeds change),
        # and only in the file being analyzed: elsewhere (stage 2, summaries) its methods run when called
        holds_bodies = any(carries(value) for _, _, value in kept)
        if not holds_bodies and not self.module.emitting:
            return self._holding(node, info, seeds=tuple(kept))
        named = re.compile("|".join(rf"\b{re.escape(attr)}\b" for attr, _, _ in kept))
        for method_name in dict.fromkeys(n for c in info.mro() for n in c.methods):  # inherited ones too
            found = info.method(method_name)
            if method_name == "__init__" or found is None or found[0].module is None:
                continue
            if holds_bodies or found[0].module.parsed.may_contain(found[1], named):
                self._call_function(node, None, found[0].module, found[1], info, f"{name}.{method_name}",
                                    seeds=seeds)
        return self._holding(node, info, seeds)

    def _holding(self, node: ast.Call, info: ClassInfo, seeds: Seeds) -> Val:
        instance = Val(OBJECT, type=info.qualname, role=TREE_CLASS, attrs=tuple((a, v) for a, _, v in seeds),
                       confidence=weakest(*(v.confidence for _, _, v in seeds)))
        return self.step(instance, node, f"an instance of `{info.node.name}` holding it")

    def instance_call(self, node: ast.AST, receiver: Val, name: str, args: Optional[Args] = None,
                      where: Optional[ast.expr] = None) -> Optional[Val]:
        """`receiver.name(...)` on an instance of a tree class (`iter(x)` is `x.__iter__()`); on an instance of a
        family, the method of each class (one of them really runs: medium at most)."""
        members = family(receiver)
        cap = "high" if len(members) == 1 else "medium"
        results = [self._member_call(node, replace(receiver, type=qualname), name, args, where, cap)
                   for qualname in members]
        return merge(results) if results else None

    def _member_call(self, node: ast.AST, receiver: Val, name: str, args: Optional[Args],
                     where: Optional[ast.expr], cap: str) -> Optional[Val]:
        qualname = receiver.type
        info = self._class_info(qualname)
        if info is None:
            return None
        class_name = qualname.rpartition(".")[2]
        known_type = info.catalog_type()
        if args is not None and isinstance(node, ast.Call):
            self._inherited_sinks(node, info, name, args)
        if known_type is not None:  # a subclass of a client type: its methods give what the client's give
            spec = self.module.catalog.types.get(known_type)
            result = spec.methods.get(name) if spec is not None else None
            if not result:
                return None
            return self.derive(result, replace(receiver, type=known_type, role=CATALOG_TYPE, attrs=()).at_most(cap),
                               node, f"`.{name}()`")
        origin: ast.expr = where or node  # type: ignore[assignment]  # `iter(x)`: the node stands for the receiver
        delegate = info.delegate() if info.method(name) is None else None
        if delegate is not None:  # a wrapper: `w.read(n)` is `w._raw.read(n)` through its `__getattr__`
            given = self._delegated(node, receiver, delegate, name, args, call=True)
        else:
            seeds = tuple((attr, origin, value) for attr, value in receiver.attrs)
            given = self._dispatch(node, args, info, name, seeds, f"{class_name}.{name}", cap)[1]
        if given is not None and given.tainted and given.param is None and receiver.param is not None:
            return replace(given, param=receiver.param)  # from an instance the function was given: its input
        if given is None and delegate is None:
            found = info.method(name)
            if found is not None and known.returns_self(found[1]):
                return receiver  # `Asset(url).fetch()` ending `return self`: the same instance
        return given

    def _delegated(self, node: ast.AST, receiver: Val, delegate: str, name: str,
                   args: Optional[Args], call: bool = False) -> Optional[Val]:
        """Member `name` of a wrapper whose `__getattr__` hands it on to `self.<delegate>`: that object's (called
        with `args` when `call`)."""
        inner = self._member_of(_member_node(delegate, node), receiver)
        if inner is None or inner.kind is not OBJECT:
            return None
        inner = self.step(inner, node, f"`{name}` handed on to `.{delegate}` by `__getattr__`")
        if inner.role is TREE_CLASS:
            if call:
                return self.instance_call(node, inner, name, args)
            return self._member_of(_member_node(name, node), inner)
        spec = self.module.catalog.types.get(inner.catalog_type) if inner.role is CATALOG_TYPE else None
        members = (spec.methods if call else spec.attributes) if spec is not None else {}
        result = members.get(name)
        return self.derive(result, inner, node, f"`.{name}()`" if call else f"`.{name}`") if result else None

    # ---- test doubles ----------------------------------------------------------------------------------------
    def patch_target(self, node: ast.AST) -> Optional[str]:
        """What `mock.patch(...)` / `patch.object(...)` (a `with` item or a decorator) or `monkeypatch.setattr(...)` /
        `mocker.patch(...)` replaces, if `node` is such a call."""
        if not isinstance(node, ast.Call):
            return None
        func = node.func
        spelled = self.qualname(func)
        if spelled in known.PATCHERS or (isinstance(func, ast.Attribute) and func.attr in known.PATCH_METHODS
                                         and known.last_name(func.value) in ("monkeypatch", "mocker")):
            return known.patch_target(node, self.qualname)
        return None

    def mocked(self, qualname: str) -> bool:
        """Is `qualname` replaced by a test double in this frame or an enclosing one?"""
        frame: Optional[Frame] = self
        while frame is not None:
            if frame.patched and known.patched_by(frame.patched, qualname):
                return True
            frame = frame.parent
        return False

    def _is_super(self, node: ast.AST) -> bool:
        """`super()` or `super(Owner, self)`, `super` not rebound."""
        return known.is_super_call(node) and not self.lookup("super")[0]

    def _super_owner(self, mro: List[ClassInfo], call: ast.Call) -> Optional[ClassInfo]:
        """The class `super()` starts after: the one named, or the class whose method this frame runs."""
        if call.args:
            named = self.module.resolve_class(call.args[0])
            return named if named in mro else None
        frame: Optional[Frame] = self
        while frame is not None and frame.function is None:
            frame = frame.parent
        function = frame.function if frame is not None else None
        return next((info for info in mro if any(m is function for m in info.methods.values())), None)

    def _super_call(self, node: ast.Call, func: ast.Attribute, args: Args) -> Tuple[bool, Optional[Val]]:
        """`super().name(...)`: the next class defining `name` in the MRO of the instance's own class, so a mixin's
        `super().read()` reaches the class it is mixed into; past the tree's classes, the catalog type a class
        derives from (`class Session(requests.Session)`). `super().__init__(...)` keeps what it stores in self.*.
        Gives (resolved, value)."""
        assert self.cls is not None and isinstance(func.value, ast.Call)
        mro = self.cls.mro()
        owner = self._super_owner(mro, func.value)
        if owner is None:
            return False, None
        name = func.attr
        for info in mro[mro.index(owner) + 1:]:
            if name in info.methods and info.module is not None:
                label = f"{info.node.name}.{name}"
                if name == "__init__":
                    self._super_init(node, args, info.module, info.methods[name], label)
                    return True, None
                return True, self._call_function(node, args, info.module, info.methods[name], self.cls, label)
        known_type = self.cls.catalog_type()
        spec = self.module.catalog.types.get(known_type) if known_type is not None else None
        result = spec.methods.get(name) if spec is not None else None
        if result is None or known_type is None:
            return False, None
        return True, self.derive(result, Val(OBJECT, type=known_type, role=CATALOG_TYPE), node, f"`super().{name}()`")

    def _super_init(self, node: ast.Call, args: Args, module: ModuleContext, init: ast.AST, label: str) -> None:
        """`super().__init__(body=...)`: the base's __init__ runs on this instance, so what it keeps in self.*
        from the arguments is now in this frame's self.*."""
        assert self.cls is not None
        tainted = _arguments(module, init, self.cls, args)
        if not tainted:
            return
        summary = module.summarize(init, self.cls, {p.position: v for p, (_, v) in tainted.items()})
        self._apply(node, summary, tainted, label, "high")
        for attr, _, value in self._kept(node, summary, tainted, label):
            self.env["self." + attr] = value

    def _fields_kept(self, node: ast.Call, args: Args, info: ClassInfo) -> List[Tuple[str, ast.expr, Val]]:
        """`DownloadResponse(content=response.content)` of a dataclass (attrs, NamedTuple): each field given a
        tainted argument, by keyword or in field order."""
        fields = info.fields()
        given = list(zip(fields, args.positional)) + [(k, a) for k, a in args.keywords.items() if k in fields]
        kept = []
        for field_name, arg in given:
            value = args.value(arg)
            if value is not None and carries(value):
                step = FlowStep(self.span(node), f"kept by `{info.node.name}()` as `{field_name}`", self.module.path)
                kept.append((field_name, arg, replace(value, flow=value.flow + (step,))))
        return kept

    def _kept(self, node: ast.AST, summary: Summary, tainted: Tainted,
              name: str) -> List[Tuple[str, ast.expr, Val]]:
        """What an `__init__` called with these arguments keeps in self.*: (attribute, argument, value)."""
        kept = []
        for attr, stored in sorted(summary.stores, key=lambda item: item[0]):
            inputs = [v.param for _, v in stored.attrs if v.param in tainted]
            if stored.param is None and stored.kind is OBJECT and inputs:  # `self._http = HTTP(session)`
                step = FlowStep(self.span(node), f"kept by `{name}()`", self.module.path)
                kept.append((attr, tainted[inputs[0]][0], self._filled(node, stored, tainted, name, "high", step)))
            elif stored.param in tainted:
                where, value = tainted[stored.param]
                flow = value.flow + (FlowStep(self.span(node), f"kept by `{name}()`", self.module.path),) + stored.flow
                kept.append((attr, where, replace(derived_from(stored, value.param), flow=flow,
                                                  confidence=weakest(value.confidence, stored.confidence))))
        return kept

    def _class_info(self, qualname: str) -> Optional[ClassInfo]:
        prefix, _, class_name = qualname.rpartition(".")
        if prefix == self.module.qualname:
            return self.module.classes.get(class_name)
        project = self.module.project
        return project.find_class(qualname) if project is not None else None

    def _dispatch(self, node: ast.AST, args: Optional[Args], info: ClassInfo, name: str, seeds: Seeds,
                  label: str, cap: str = "high", keep: bool = False) -> Tuple[bool, Optional[Val]]:
        """Call `name` on an instance of `info`: the method it finds; when that one is abstract, every override
        below it too, since one of them really runs (which one is a guess: medium at most). `keep`: the call is
        on this frame's own instance, so what the method stores in self.* from the seeds is now in this frame.
        Gives (resolved, merged value)."""
        found = info.method(name)
        if found is None or found[0].module is None:
            return False, None  # inherited from outside the tree (or a mixin's): its subclasses are not searched
        results = [self._call_function(node, args, found[0].module, found[1], info, label, cap=cap, seeds=seeds,
                                       keep=keep)]
        if not known.abstract(found[1]):
            return True, results[0]
        overrides = set()
        for sub in info.subclasses():  # an override in the subclass, or in another of its bases (a mixin)
            override = sub.method(name)
            if override is None or override[1] is found[1] or override[1] in overrides:
                continue
            owner, method = override
            if owner.module is not None and not known.abstract(method):
                overrides.add(method)
                results.append(self._call_function(node, args, owner.module, method, sub,
                                                   f"{sub.node.name}.{name}", cap="medium", seeds=seeds, keep=keep))
        return True, merge(results)

    def _own_seeds(self, node: ast.AST) -> Seeds:
        """`self.m()` in a method of an instance built from bodies: the self.* that derive from this frame's inputs
        go along (the method reads `self._raw_stream`). Values made here stay with the class analysis."""
        if not self.seeded:
            return ()
        return tuple((key[5:], cast(ast.expr, node), value) for key, value in sorted(self.env.items())
                     if key.startswith("self.") and value is not None and value.param is not None and carries(value))

    # ---- the tree's classes as values: families, class objects, members of other instances ------------------
    def _names_module_class(self, name: str) -> bool:
        """Does `name`, read here, mean the module's class of that name (not a local or parameter shadowing it)?"""
        frame: Optional[Frame] = self
        while frame is not None:
            if frame.parent is None:
                return frame.env.get(name) is None and name not in frame.names.imports
            if name in frame.env or name in frame.names.bound or name in frame.names.imports:
                return False
            frame = frame.parent
        return False

    def _element(self, node: ast.expr) -> Optional[Val]:
        """An element of a collection literal; an imported class of the tree there is that class (a registry
        `{'http': HTTPStorage}`), known by its name without loading its module."""
        value = self.ev(node)
        if value is None and isinstance(node, (ast.Name, ast.Attribute)):
            qualname = self.module.tree_class(node)
            if qualname is not None:
                return Val(OBJECT, type=qualname, role=CLASS)
        return value

    def _collected(self, values: Sequence[Optional[Val]]) -> Optional[Val]:
        """A dict, list or tuple of classes (instances) of the tree: a collection of their family."""
        items = [v for v in values if v is not None and v.kind is OBJECT
                 and (v.role in COLLECTION_ROLES or v.role in ITEM_ROLES)]
        if not items:
            return None
        first = items[0]
        role = COLLECTION_ROLES.get(first.role, first.role)
        same = [v for v in items if COLLECTION_ROLES.get(v.role, v.role) is role]
        return Val(OBJECT, type=of_family(q for v in same for q in family(v)), role=role,
                   confidence=weakest(*(v.confidence for v in same)), flow=first.flow)

    def expr_Dict(self, node: ast.Dict) -> Val:
        for key in node.keys:
            self.ev(key)
        values = [self._element(value) for value in node.values]
        collected = self._collected(values)
        if collected is not None:
            return collected
        held = [(key, element, value) for key, element, value in zip(node.keys, node.values, values)
                if is_body(value)]
        if not held:
            return CLEAN_VAL
        # `{"bytes": ts_response.content, "total": n}`: a container of the body, under the keys that spell it
        body = merge(value for _, _, value in held)
        assert body is not None
        entries = tuple(self.span(element) for _, element, _ in held)
        keys = [_literal_key(key) for key, _, _ in held]
        known_keys = tuple(sorted(k for k in keys if k)) if all(keys) else ()  # `{"message": body, "code": -1}`
        return self.step(replace(body, kind=CONTAINER, entries=entries, keys=known_keys), node, "held in a dict")

    def _item_of(self, collection: Val, node: ast.AST) -> Val:
        return self.step(replace(collection, role=ITEM_ROLES[collection.role]), node, "an item of the registry")

    def _store_item(self, target: ast.AST, value: Val) -> None:
        """`registry[kind] = Storage()`: the dict (a name, or self.<attr>) now holds an item of that family."""
        current = self.ev(target)
        collection = replace(value, role=COLLECTION_ROLES[value.role])
        if current is not None and current.kind is OBJECT and current.role is collection.role:
            collection = merge([current, collection]) or collection
        if isinstance(target, ast.Name):
            self.env[target.id] = self.step(collection, target, f"stored in `{target.id}`")
        elif isinstance(target, ast.Attribute) and self._is_self(target.value):
            self.env["self." + target.attr] = self.unpublished[target.attr] = collection

    def _typed_instance(self, node: ast.AST, qualname: str) -> Val:
        """An instance of a tree class built without a body: calls on it resolve to its methods."""
        return self.step(Val(OBJECT, type=qualname, role=TREE_CLASS), node,
                         f"an instance of `{qualname.rpartition('.')[2]}`")

    def _passes_bodies(self, args: Args) -> bool:
        """Does the call hand on a body, or an instance whose methods give bodies (`Extractor(NetworkFetcher())`)?"""
        return any(_hands_on(self.module, v) for v in args.values.values())

    def _instantiate(self, node: ast.Call, args: Args, classes: Val) -> Optional[Val]:
        """Calling a class kept as a value (`cls(...)`, `registry[kind]()`): an instance of it (of the family)."""
        members = family(classes)
        instance = replace(classes, role=TREE_CLASS, attrs=())
        if self._passes_bodies(args):  # each class of the family keeps what it is given (`klass(stream=f)`)
            infos = [self._class_info(m) if m != OTHER_CLASS else None for m in members]
            built = [self._construct(node, args, info) if info is not None else None for info in infos]
            if any(b is not None for b in built):
                return merge([b if b is not None else replace(instance, type=m) for b, m in zip(built, members)])
        return self.step(instance, node, f"an instance of `{' or '.join(q.rpartition('.')[2] for q in members)}`")

    def _class_call(self, node: ast.Call, func: ast.Attribute, args: Args, classes: Val) -> Optional[Val]:
        """`File.read(uri)`, `cls.from_data(body)`: a static or class method of the class (of each of the family);
        anything else is as on a value of unknown type."""
        members = family(classes)
        cap = "high" if len(members) == 1 else "medium"
        results: List[Optional[Val]] = []
        for qualname in members:
            info = self._class_info(qualname)
            found = info.method(func.attr) if info is not None else None
            if info is None or found is None or found[0].module is None:
                continue
            owner, method = found
            if known.is_static(method) or known.is_classmethod(method):
                results.append(self._call_function(node, args, owner.module, method, info,  # type: ignore[arg-type]
                                                   f"{info.node.name}.{func.attr}", cap=cap))
        if not results:
            return self._on_unknown(node, func, args)
        return merge(results)

    def _member_of(self, node: ast.Attribute, base: Val) -> Optional[Val]:
        """`bot.request`, `File._registry`: what the instance holds (what it was built from, a property's value) or
        the class attribute, for each class of the family."""
        held = dict(base.attrs).get(node.attr)
        if held is not None:
            return self.step(held, node, f"`.{node.attr}` of the instance")
        members = family(base)
        results: List[Optional[Val]] = []
        for qualname in members:
            info = self._class_info(qualname)
            if info is None:
                continue
            found, value = info.class_attr(node.attr)  # its methods are not run for this: learning costs
            method = info.method(node.attr)
            if found:
                results.append(value)
            elif base.role is TREE_CLASS and method is not None and known.is_property(method[1]):
                results.append(self._member_call(node, replace(base, type=qualname), node.attr, None, None,
                                                 "high" if len(members) == 1 else "medium"))
            elif base.role is TREE_CLASS and method is None:
                built = info.built_in_init(node.attr)  # `reader.buffer`: a RingBuffer, whose own write() runs
                if built is None:  # `op_output.http_response`, declared `Optional[HttpResponse]`
                    built = info.declared_class(node.attr)
                if built is not None:
                    results.append(Val(OBJECT, type=built, role=TREE_CLASS, confidence=base.confidence))
                # `d.chunks` after `d.pull(url)`: a container its methods fill with what they fetch (one they
                # rebind, `self.content = ...`, may hold something else by the time it is read)
                in_place = info.filled_in_place(node.attr)
                held = info.attr(node.attr)[1]
                own = held if in_place or is_body(held) else None
                if own is not None and carries(own) and own.param is None:
                    # one a method rebinds (`self.data = resp.content` in `fetch()`) may hold it or not when read
                    sure = base.confidence if in_place else weakest(base.confidence, "medium")
                    results.append(self.step(own.at_most(sure), node, f"`.{node.attr}` of the instance"))
                stored = info.stored_elsewhere(node.attr)  # `picture.content`, filled by another function
                if stored is not None:
                    results.append(self.step(stored.at_most(base.confidence), node, f"`.{node.attr}` of the instance"))
                delegate = info.delegate() if built is None and stored is None else None
                if delegate is not None and delegate != node.attr:  # `wrapper.content` is `wrapper._raw.content`
                    results.append(self._delegated(node, replace(base, type=qualname), delegate, node.attr, None))
        return merge(results) if results else None

    def _own_member(self, node: ast.Attribute) -> Tuple[bool, Optional[Val]]:
        """`self.raw_html` of a property of the class: the getter's value; `self._receive_rate` of a method: that
        method bound to self (calling the value runs it). Gives (found, value)."""
        assert self.cls is not None
        found = self.cls.method(node.attr)
        if found is None or found[0].module is None:
            return False, None
        if known.is_property(found[1]):  # in a method of an instance built from bodies, the getter reads them too
            return True, self._dispatch(node, None, self.cls, node.attr, self._own_seeds(node), node.attr)[1]
        return True, Val(OBJECT, type=f"{self.cls.qualname}.{node.attr}", role=TREE_METHOD)

    def _kept_callable(self, node: ast.Call, func: ast.Attribute, args: Args) -> Optional[Val]:
        """`self._get(url)` where the class keeps a catalog method or function in `self._get` (a session's bound
        `get`, `functools.partial(requests.get, timeout=5)`): that call."""
        assert self.cls is not None
        key = "self." + func.attr
        stored = self.env[key] if key in self.env else self.cls.attr(func.attr)[1]
        return self._call_catalog_callable(node, stored, args)[1]  # `self.on_data(chunk)`: a handed `f.write`

    def _call_catalog_callable(self, node: ast.Call, value: Optional[Val], args: Args) -> Tuple[bool, Optional[Val]]:
        """Calling a value that is a catalog callable: a bound method (`get = session.get`), a function
        (`fetch = requests.get`), a sink method (`on_chunk(chunk)` of a handed `f.write`). Gives (handled, value)."""
        if value is not None and value.kind is OBJECT and value.role is BOUND_METHOD:
            return True, self.call_bound(value, node, args)
        if value is not None and value.kind is CLEAN and value.role is Role.FUNCTION and value.type:
            return True, self._qualified(node, value.type, args)
        if value is not None and value.kind is CLEAN and value.role is SINK_METHOD:
            self._call_sink_method(node, value, args)
            return True, None
        return False, None

    def _rebound_method(self, node: ast.Call, func: ast.Attribute, args: Args) -> Optional[Val]:
        """`self.receive(...)` where some method did `self.receive = self._receive_rate`: that method's value."""
        assert self.cls is not None
        key = "self." + func.attr
        if key not in self.env and not self.cls.rebinds(func.attr):
            return None
        stored = self.env[key] if key in self.env else self.cls.attr(func.attr)[1]
        if stored is None or stored.kind is not OBJECT or stored.role is not TREE_METHOD:
            return None
        return self._call_tree_method(node, args, stored)

    def _call_tree_method(self, node: ast.Call, args: Args, bound: Val) -> Optional[Val]:
        owner, _, name = bound.type.rpartition(".")
        info = self.cls if self.cls is not None and self.cls.method(name) is not None else self._class_info(owner)
        if info is None:
            return None
        return self._dispatch(node, args, info, name, (), name)[1]


GENERATOR = Val(CLEAN, type="builtins.generator")  # a value declared a generator or coroutine
LOCAL_URI_READ = Val(CLEAN)  # what a request of a `data:` or `file:` URI gives: no HTTP, never a proxy
LOCAL_SCHEMES = ("data:", "file:")  # URIs that urllib answers without HTTP (other clients refuse them)


def _starts_local_uri(node: Optional[ast.AST]) -> bool:
    if isinstance(node, ast.Constant):
        return isinstance(node.value, str) and node.value.lower().startswith(LOCAL_SCHEMES)
    if isinstance(node, ast.JoinedStr):
        return bool(node.values) and _starts_local_uri(node.values[0])
    return isinstance(node, ast.BinOp) and isinstance(node.op, ast.Add) and _starts_local_uri(node.left)


def _local_uri_test(test: ast.expr) -> Optional[Tuple[str, bool]]:
    """`name.startswith("data:")` (True) or its negation (False): (name, when)."""
    negated = isinstance(test, ast.UnaryOp) and isinstance(test.op, ast.Not)
    call = test.operand if isinstance(test, ast.UnaryOp) and negated else test
    if (isinstance(call, ast.Call) and isinstance(call.func, ast.Attribute) and call.func.attr == "startswith"
            and isinstance(call.func.value, ast.Name) and len(call.args) == 1 and _starts_local_uri(call.args[0])):
        return call.func.value.id, not negated
    return None


def _untracked(value: Optional[Val]) -> bool:
    """A method's value the evaluator keeps nothing of (`writer.queue_write`), or a container's (`self.queue.get`)."""
    return value is None or value.kind in (CONTAINER, CHUNKS)


def _holds_items(value: Val) -> bool:
    """Are the items of these chunks (or this one item) tuples or dicts holding the body, `(url, body)` or
    `{"url": u, "data": body}`, rather than the bodies themselves?"""
    return value.slot >= 0 or bool(value.keys)


def _awaited(value: Optional[Val]) -> Optional[Val]:
    """What awaiting `value` gives: a future's or task's result, else the value itself (a coroutine's)."""
    if value is not None and value.kind is OBJECT and value.role is Role.FUTURE:
        return value.part(0)
    return value


def _every_item(value: Val) -> Val:
    """A TUPLE whose items lost their positions (`sorted(pairs)`, `gather(*tasks)`): every item may be any part."""
    item = value.part(None)
    return replace(value, parts=((EVERY_ITEM, item),)) if item is not None else value


def _root(info: ClassInfo, name: str) -> str:
    """The farthest class of `info`'s MRO defining `name`: what the classes overriding one base's `name` share."""
    defining = [c for c in info.mro() if name in c.methods]
    return defining[-1].qualname if defining else info.qualname


def _named_by(arg: Optional[ast.expr]) -> List[ast.Name]:
    """The local names an argument passes (`queue`, `queue if ordered else None`)."""
    if isinstance(arg, ast.Name):
        return [arg]
    if isinstance(arg, ast.IfExp):
        return _named_by(arg.body) + _named_by(arg.orelse)
    if isinstance(arg, ast.BoolOp):
        return [name for value in arg.values for name in _named_by(value)]
    return []


def _arguments(module: ModuleContext, function: ast.AST, cls: Optional[ClassInfo], args: Args) -> Tainted:
    """The tainted arguments of a call, by parameter."""
    params = module.parameters(function, cls)
    tainted: Tainted = {}
    for index, arg in enumerate(args.positional[: len(params)]):
        value = args.value(arg)
        if value is not None and _hands_on(module, value):
            tainted[Param(index)] = (arg, value)
    for keyword, arg in args.keywords.items():
        value = args.value(arg)
        if keyword in params and value is not None and _hands_on(module, value):
            tainted[Param(params.index(keyword))] = (arg, value)
    return tainted


def _hands_on(module: ModuleContext, value: Optional[Val]) -> bool:
    """Worth following into a callee: a value carrying a body, or an instance of a tree class some method of which
    may give one."""
    if value is None:
        return False
    if value.role is Role.FUNCTION and value.type in module.catalog.sources:
        return True  # `with_retry(requests.get, url)`: calling the parameter makes a response
    return (carries(value) or value.role is SINK_METHOD or _uses_its_arguments(module, value)
            or (module.project is not None and family_gives_bodies(value, module.project.find_class))
            or _sinks_what_it_is_given(module, value))


def _constants(module: ModuleContext, function: ast.AST, cls: Optional[ClassInfo], args: Args,
               given_constants: Dict[str, object]) -> Tuple[Tuple[str, object], ...]:
    """The parameters a condition of `function` tests that this call sets to a literal, or leaves at a literal
    default (`get_content(url, decoded=True)`), or hands on from the caller's own (`response_content(result,
    streamed)` in a call that left `streamed=False`): (name, value), by name."""
    tested = module.branching(function)
    if not tested:
        return ()
    params = module.parameters(function, cls)
    spec: ast.arguments = function.args  # type: ignore[attr-defined]
    positional = [a.arg for a in (*spec.posonlyargs, *spec.args)][-len(spec.defaults):] if spec.defaults else []
    defaults = {**dict(zip(positional, spec.defaults)),
                **{a.arg: d for a, d in zip(spec.kwonlyargs, spec.kw_defaults) if d is not None}}
    unpacked = args.starred is not None or any(k.arg is None for k in args.node.keywords)  # `*a`, `**kw`
    found: List[Tuple[str, object]] = []
    for name in sorted(tested):
        index = params.index(name) if name in params else -1
        given = args.get(index if 0 <= index < len(args.positional) else None, (name,))
        if given is None and unpacked:
            continue
        literal = given if given is not None else defaults.get(name)
        if isinstance(literal, ast.Constant):
            found.append((name, literal.value))
        elif isinstance(literal, ast.Name) and literal.id in given_constants:
            found.append((name, given_constants[literal.id]))
    return tuple(found)


def _handlers(prefix: str) -> Dict[str, Callable]:
    return {name[len(prefix):]: handler for name, handler in vars(Frame).items() if name.startswith(prefix)}


_STATEMENTS: Dict[str, Callable] = _handlers("stmt_")  # ast node type name -> handler
_EXPRESSIONS: Dict[str, Callable] = _handlers("expr_")
_BEFORE_SOURCES: Dict[str, Callable] = {
    "builtins.bytes": Frame._call_bytes, "builtins.bytearray": Frame._call_bytes,
    "builtins.isinstance": Frame._call_isinstance, "builtins.issubclass": Frame._call_issubclass,
    "typing.cast": Frame._call_cast, "typing_extensions.cast": Frame._call_cast,
    "builtins.getattr": Frame._call_getattr, "builtins.setattr": Frame._call_setattr,
    "contextlib.closing": Frame._call_closing,
    **dict.fromkeys(known.TASKS, Frame._call_task),
}
_AFTER_SOURCES: Dict[str, Callable] = {
    **dict.fromkeys(known.WRAPPERS, Frame._call_wrapper),
    **dict.fromkeys(known.PAIRING, Frame._call_pairing),
    "builtins.anext": Frame._call_anext,
    "asyncio.gather": Frame._call_gather,
    **dict.fromkeys(known.PASS_THROUGH, Frame._call_pass_through),
    "functools.partial": Frame._call_partial,
    "builtins.next": Frame._call_next,
    "heapq.heappush": Frame._call_heappush, "heapq.heappop": Frame._call_heappop,
    "builtins.map": Frame._call_map,
    "builtins.dict": Frame._call_dict,
    "types.SimpleNamespace": Frame._call_namespace, "argparse.Namespace": Frame._call_namespace,
    "builtins.bytearray": Frame._call_bytearray,
    "builtins.memoryview": Frame._call_memoryview,
}
_RECEIVERS: Dict[Kind, Callable] = {BODY: Frame._on_body, CLEAN: Frame._on_clean, CONTAINER: Frame._on_container,
                                    CHUNKS: Frame._on_chunks, OBJECT: Frame._on_object, TUPLE: Frame._on_tuple}


def _gives_up(handler: ast.ExceptHandler) -> bool:
    """Does an `except` only log and then return nothing, raise or skip the item? Then a proxy's TypeError is not
    handled, only hidden (`except (OSError, TypeError): log.debug(...); return`)."""
    *before, last = handler.body
    ends = isinstance(last, (ast.Raise, ast.Continue)) or (
        isinstance(last, ast.Return) and (last.value is None or isinstance(last.value, ast.Constant)))
    return ends and all(isinstance(s, ast.Expr) and isinstance(s.value, ast.Call) for s in before)


CALLBACKS = (Role.TREE_FUNCTION, TREE_METHOD)  # functions of the tree handed on as values, followed into callees

# Local functions and lambdas named as values, by the `type` of their TREE_FUNCTION value: the function and the frame
# it closes over. Forgotten with the analyzed module (forget_closures), whose frames they keep.
_CLOSURES: Dict[str, Tuple[ModuleContext, ast.AST, "Frame"]] = {}
_LAMBDAS: Dict[int, Tuple[ast.Lambda, ast.FunctionDef]] = {}  # by id; the lambda kept so its id stays its own


def _closure_value(module: ModuleContext, function: ast.AST, scope: "Frame") -> Val:
    # named by where it begins, not by id(): a family of closures is sorted by these names, and the order its
    # members are called in must not depend on memory addresses
    where = f"{getattr(function, 'lineno', 0)}:{getattr(function, 'col_offset', 0)}"
    key = f"{module.qualname}.<local {getattr(function, 'name', 'lambda')} {where}>"
    _CLOSURES[key] = (module, function, scope)
    return Val(OBJECT, type=key, role=Role.TREE_FUNCTION)


def _lambda_function(node: ast.Lambda) -> ast.FunctionDef:
    """A lambda as the function it is (`def <lambda>(args): return body`), made once per lambda."""
    if id(node) not in _LAMBDAS or _LAMBDAS[id(node)][0] is not node:
        function = ast.FunctionDef(name="<lambda>", args=node.args, body=[ast.copy_location(ast.Return(node.body),
                                                                                              node.body)],
                                   decorator_list=[], returns=None, type_comment=None)
        if "type_params" in ast.FunctionDef._fields:  # Python 3.12+
            function.type_params = []  # type: ignore[attr-defined]
        _LAMBDAS[id(node)] = (node, ast.copy_location(function, node))
    return _LAMBDAS[id(node)][1]


_OWN_RESPONSE_MEMBERS: List[str] = []  # the members `_own_response_member` is reading the tree's properties of


def _given_responses(cls: ClassInfo) -> Optional[Tuple[Tuple[str, Val], ...]]:
    """The attributes the class's `__init__` sets from its parameters (`self.raw = raw`), each as a guessed response:
    what a response class of the tree may hold of a client's (its property hands that on, or copies it). None when
    its `__init__` is not the tree's (aiobotocore's AioAWSResponse is built by botocore's): what it holds is unknown."""
    owner = next((info for info in cls.mro() if "__init__" in info.methods), None)
    if owner is None or owner.module is None:
        return None
    init = owner.methods["__init__"]
    args: ast.arguments = init.args  # type: ignore[attr-defined]
    params = {a.arg for a in (*args.posonlyargs, *args.args, *args.kwonlyargs)}
    given = sorted({t.attr for n in ast.walk(init) if isinstance(n, ast.Assign) and isinstance(n.value, ast.Name)
                    and n.value.id in params for t in n.targets
                    if isinstance(t, ast.Attribute) and isinstance(t.value, ast.Name) and t.value.id != n.value.id})
    return tuple((attr, Val(OBJECT, type=GUESSED_RESPONSE, confidence="medium")) for attr in given)


_USES_ARGUMENTS: Dict[str, bool] = {}  # by function: does a body it is called with reach a sink, or come back?


def _uses_its_arguments(module: ModuleContext, value: Val) -> bool:
    """A function value worth following into the functions it is handed to: a method bound to self, or a
    function that, called with bodies, sinks, keeps or returns one (most callbacks take counts and statuses, and
    each one followed is a summary of every function it passes through)."""
    if value.kind is not OBJECT or value.role not in CALLBACKS:
        return False
    if module.project is not None and module.project.collecting():
        return False  # collecting the stores into a class (Project.stored_into) runs every producer: not through these
    if value.role is TREE_METHOD:
        return True
    for qualname in family(value):
        if qualname not in _USES_ARGUMENTS:
            _USES_ARGUMENTS[qualname] = False  # a function handed itself
            found = _CLOSURES.get(qualname)
            scope = found[2] if found is not None else None
            target = (found[0], found[1], None) if found is not None else module.find_function(qualname, True)
            if target is not None:
                owner, function, cls = target
                given = {i: Val(BODY, param=Param(i)) for i in range(len(owner.parameters(function, cls)))}
                summary = owner.summarize(function, cls, given, scope)
                _USES_ARGUMENTS[qualname] = bool(summary.hits or summary.fills or summary.stores
                                                 or carries(summary.returns))
        if _USES_ARGUMENTS[qualname]:
            return True
    return False


_SINKS_GIVEN: Dict[str, bool] = {}  # by tree class: does one of its sink-named methods sink what it is given?


def _sinks_what_it_is_given(module: ModuleContext, value: Val) -> bool:
    """An instance of a tree class whose own method of a sink's name (`write()` of a file-like wrapper, `update()`
    of a hasher) hands its argument to a buffer consumer: a helper that writes body chunks into it, seeing only a
    parameter, reaches that consumer (cached-path's progress writer, a checksumming file wrapper)."""
    project = module.project
    if value.kind is not OBJECT or value.role is not TREE_CLASS or project is None:
        return False
    sink_names = {name for receiver, name in module.catalog.method_sinks if receiver == "*"}
    if project.collecting():
        # while the stores of a class are collected, summaries run nothing new: a method of a sink's name is
        # enough to keep the instance's type for the attribute it is stored in (whose methods then run its own)
        return any(sink_names & set(info.methods) for info in map(project.find_class, family(value))
                   if info is not None)
    for qualname in family(value):
        if qualname not in _SINKS_GIVEN:
            _SINKS_GIVEN[qualname] = False  # a method handing its own instance on
            info = project.find_class(qualname)
            for name in sorted(sink_names & {n for c in (info.mro() if info is not None else ()) for n in c.methods}):
                found = info.method(name) if info is not None else None
                where = found[0].module if found is not None else None
                if found is None or where is None:
                    continue
                method = found[1]
                given = {i: Val(BODY, param=Param(i)) for i in range(len(where.parameters(method, info)))}
                if where.summarize(method, info, given).hits:
                    _SINKS_GIVEN[qualname] = True
                    break
        if _SINKS_GIVEN[qualname]:
            return True
    return False


def forget_closures() -> None:
    _CLOSURES.clear()
    _LAMBDAS.clear()
    _USES_ARGUMENTS.clear()
    _SINKS_GIVEN.clear()


def _given_body(value: Optional[Val]) -> bool:
    """Is `value` the body (or response) a caller hands this function? It is no None in that call."""
    return (value is not None and value.param is not None and not value.param.attribute
            and (value.kind in (BODY, CHUNKS, CONTAINER) or (value.kind is OBJECT and value.role is CATALOG_TYPE)))


def _literal_key(node: Optional[ast.AST]) -> Optional[str]:
    """The key a subscript or a dict literal spells as a string literal, else None."""
    return node.value if isinstance(node, ast.Constant) and isinstance(node.value, str) else None


def _member_node(name: str, at: ast.AST) -> ast.Attribute:
    """`_.name` placed at `at`: the member read `_member_of` answers for a value already in hand."""
    return ast.copy_location(ast.Attribute(value=ast.Name(id="_", ctx=ast.Load()), attr=name, ctx=ast.Load()), at)
