"""Calls: sources, sinks, sanitizers, container mutations and calls into functions of the analyzed tree."""

from __future__ import annotations

import ast
import functools
import os
import re
from dataclasses import replace
from typing import TYPE_CHECKING, Dict, List, Optional, Tuple

from buffix.knowledge.catalog import SinkSpec
from buffix.analysis.engine import BOUND, SEED, Hit, Summary, _BYTES_TYPES, _CONTAINER_ADD, _CONTAINER_EXTEND, _ITERATING_COPIES, _PASS_THROUGH
from buffix.analysis.values import (BODY, CHUNKS, CLEAN, CLEAN_VAL, CONTAINER, OBJECT, Val, carries, is_body, merge,
                                    weakest)
from buffix.core.findings import FlowStep

if TYPE_CHECKING:
    from buffix.analysis.engine import Frame
    from buffix.analysis.module import ClassInfo, Module


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
            self.values[id(keyword.value)] = frame.ev(keyword.value)
            if keyword.arg is not None:
                self.keywords[keyword.arg] = keyword.value

    def get(self, position: Optional[int], keywords: Tuple[str, ...] = ()) -> Optional[ast.expr]:
        if position is not None and position < len(self.positional):
            return self.positional[position]
        for name in keywords:
            if name in self.keywords:
                return self.keywords[name]
        return None

    def value(self, node: Optional[ast.expr]) -> Optional[Val]:
        return self.values.get(id(node)) if node is not None else None


def evaluate(frame: "Frame", node: ast.Call) -> Optional[Val]:
    args = Args(frame, node)
    func = node.func
    qualname = frame.imported(func) if isinstance(func, ast.Attribute) else frame.qualname(func)
    if isinstance(func, ast.Attribute) and qualname is None:
        return _method(frame, node, func, args)
    if isinstance(func, ast.Name):
        bound = frame.lookup(func.id)[1]
        if bound is not None and bound.kind == OBJECT and bound.type.startswith(BOUND):
            return call_bound(frame, bound, node)
        if bound is not None and bound.kind == CLEAN and bound.type.count(".") and bound.type != BYTEARRAY.type:
            for spec in frame.module.catalog.method_sinks.get(tuple(bound.type.rsplit(".", 1)), ()):  # type: ignore
                _check(frame, spec, node, args)  # a bound method kept as a value: `find_charset(content)`
            return None
        local, scope = _local_function(frame, func.id)
        if local is not None:
            return _call_function(frame, node, args, frame.module, local, None, func.id, closure=scope)
        if func.id in frame.module.classes and frame.lookup(func.id)[1] is None:
            if _subclass_sink(frame, node, args):
                return CLEAN_VAL
            if any(carries(v) for v in args.values.values()):
                return _construct(frame, node, args, frame.module.classes[func.id])
    if qualname is None:
        frame.ev(func)
        return None
    return _qualified(frame, node, qualname, args)


def _is_bound(value: Optional[Val]) -> bool:
    return value is not None and value.kind == OBJECT and value.type.startswith(BOUND)


def call_bound(frame: "Frame", bound: Val, node: ast.Call) -> Optional[Val]:
    """Calling a catalog method kept as a value (`read = resp.read1 if ... else resp.read; read(n)`)."""
    owner, _, method = bound.type[len(BOUND):].rpartition(".")
    spec = frame.module.catalog.types.get(owner)
    result = spec.methods.get(method) if spec is not None else None
    return frame.derive(result, replace(bound, type=owner), node, f"`{method}()`") if result else None


def _label(frame: "Frame", node: ast.Call) -> str:
    text = frame.module.parsed.segment(frame.span(node.func))
    return (text if len(text) <= 40 else "…" + text[-39:]) + "()"


def _qualified(frame: "Frame", node: ast.Call, qualname: str, args: Args) -> Optional[Val]:
    catalog = frame.module.catalog
    if qualname in catalog.sanitizers:
        return CLEAN_VAL
    for spec in catalog.call_sinks.get(qualname, ()):
        _check(frame, spec, node, args)
    if qualname in _BYTES_TYPES or qualname == "builtins.bytearray":
        _iterating_copy(frame, node, args)
    if qualname == "builtins.isinstance":
        cls = args.get(1)
        value = args.value(args.get(0))
        if cls is not None and frame._is_bytes_type(cls) and is_body(value):
            frame.report("BFX601", node, "isinstance(..., bytes)", value, (), fixable=False)
        return CLEAN_VAL
    if qualname in ("typing.cast", "typing_extensions.cast"):
        return args.value(args.get(1))
    result = catalog.sources.get(qualname) or catalog.objects.get(qualname)
    if result is not None:
        start = Val(OBJECT, type="?")
        return frame.derive(result, start, node, f"`{qualname}()`")
    first = args.value(args.get(0))
    wrapped = _wrapped(frame, node, qualname, args)
    if wrapped is not None:
        return wrapped
    if qualname in _PASS_THROUGH and first is not None and first.kind in (CONTAINER, CHUNKS):
        kind = CHUNKS if qualname in ("builtins.iter", "builtins.reversed") else CONTAINER
        return replace(first, kind=kind)
    if qualname == "functools.partial" and _is_bound(first):  # `partial(resp.read, 1024)`: still that method
        return first
    if qualname == "builtins.iter" and len(args.positional) == 2 and _is_bound(first):  # `iter(read, b"")`
        produced = call_bound(frame, first, node)  # type: ignore[arg-type]
        if is_body(produced):
            assert produced is not None
            return frame.step(replace(produced, kind=CHUNKS, entries=()), node, "chunks read by `iter()`")
        return None
    if qualname == "builtins.iter" and len(args.positional) == 2 and isinstance(args.positional[0], ast.Lambda):
        produced = frame.ev(args.positional[0].body)  # `iter(lambda: stream.read(n), b"")`: chunks until b""
        if is_body(produced):
            assert produced is not None
            return frame.step(replace(produced, kind=CHUNKS, entries=()), node, "chunks read by `iter()`")
        return None
    if qualname == "builtins.next" and first is not None and first.kind in (CONTAINER, CHUNKS):
        return frame.step(replace(first, kind=BODY, entries=()), node, "the next chunk")
    if qualname == "builtins.bytearray":
        return BYTEARRAY
    tainted = any(carries(v) for v in args.values.values())
    if _subclass_sink(frame, node, args):
        return CLEAN_VAL
    info = frame.module.resolve_class(node.func) if tainted else None
    if info is not None:
        return _construct(frame, node, args, info)
    found = frame.module.find_function(qualname, tainted)
    if found is not None:
        module, function, cls = found
        return _call_function(frame, node, args, module, function, cls, qualname.rsplit(".", 1)[-1])
    return CLEAN_VAL if qualname.startswith("builtins.") else None


BYTEARRAY = Val(CLEAN, type="builtins.bytearray")
# Iterator wrappers yielding the items of one argument (its position): `tqdm(r.iter_content())`
_WRAPPERS = {"tqdm.tqdm": 0, "tqdm.auto.tqdm": 0, "tqdm.std.tqdm": 0, "tqdm.asyncio.tqdm": 0, "builtins.filter": 1,
             "itertools.islice": 0, "itertools.takewhile": 1, "itertools.dropwhile": 1, "itertools.chain": 0}
_PAIRING = {"builtins.enumerate", "builtins.zip"}  # items are tuples: `(index, chunk)`, `(name, chunk)`


def _wrapped(frame: "Frame", node: ast.Call, qualname: str, args: Args) -> Optional[Val]:
    """Chunks through an iterator wrapper, `enumerate`/`zip` pairs, `anext`, and what `asyncio.gather` collects."""
    def chunks(value: Optional[Val]) -> bool:
        return value is not None and value.kind in (CHUNKS, CONTAINER)

    if qualname in _WRAPPERS:
        value = args.value(args.get(_WRAPPERS[qualname]))
        if chunks(value):
            assert value is not None
            return frame.step(replace(value, kind=CHUNKS), node, f"through `{qualname.rsplit('.', 1)[-1]}()`")
        return None
    if qualname in _PAIRING:
        for index, item in enumerate(args.positional):
            value = args.value(item)
            if chunks(value) and value is not None and value.slot < 0:
                slot = index + 1 if qualname == "builtins.enumerate" else index
                return frame.step(replace(value, kind=CHUNKS, slot=slot), node, f"paired by `{qualname[9:]}()`")
        return None
    if qualname == "builtins.anext":
        value = args.value(args.get(0))
        if chunks(value):
            assert value is not None
            taken = CONTAINER if value.slot >= 0 else BODY
            return frame.step(replace(value, kind=taken, entries=()), node, "the next chunk")
        return None
    if qualname == "asyncio.gather":
        if args.starred is not None and chunks(args.starred):  # `gather(*(fetch(u) for u in urls))`
            return frame.step(replace(args.starred, kind=CONTAINER if args.starred.slot < 0 else CHUNKS), node,
                              "results of `asyncio.gather()`")
        values = [args.value(a) for a in args.positional]
        bodies = [v for v in values if is_body(v)]
        if bodies:
            return frame.step(replace(bodies[0], kind=CONTAINER, entries=(), slot=-1), node,
                              "results of `asyncio.gather()`")
    return None


_TAKE = frozenset({"pop", "popleft", "get", "get_nowait"})  # list/deque/queue: take one item out
_NEXT = frozenset({"__next__", "__anext__", "get", "get_nowait"})
_SELF_ITER = frozenset({"__iter__", "__aiter__"})  # an iterator of chunks returns itself  # iterators and queues of chunks
_HTTP_VERBS = frozenset({"get", "post", "put", "patch", "delete", "head", "options", "request", "send", "stream"})
_CLIENT_NAME = re.compile(r"(?i)(?:session|client)$")


def _subclass_sink(frame: "Frame", node: ast.Call, args: Args) -> bool:
    """`MemoryFile(path, None, body)` where `class MemoryFile(io.BytesIO)` is defined in the tree: constructing a
    subclass of a buffer-consuming type feeds it the body (whatever the argument's position)."""
    bodies = [(a, v) for a, v in ((a, args.value(a)) for a in (*args.positional, *args.keywords.values()))
              if is_body(v)]
    if not bodies:
        return False
    info = frame.module.resolve_class(node.func)
    if info is None:
        return False
    catalog = frame.module.catalog
    for owner in info.mro():
        for base in owner.node.bases:
            base_name = owner.module.frame.qualname(base) if owner.module is not None else None
            for spec in catalog.call_sinks.get(base_name or "", ()):
                for arg, value in bodies:
                    frame.report(spec.code, arg, f"{_label(frame, node)} (a {base_name} subclass)", value,
                                 (frame.span(arg),))
                return True
    return False


def _check(frame: "Frame", spec: SinkSpec, node: ast.Call, args: Args) -> None:
    if spec.when == "single" and len(args.positional) + len(args.keywords) != 1:
        return
    if spec.when == "encoded" and len(args.positional) < 2 and not {"encoding", "errors"} & set(args.keywords):
        return
    target = args.get(spec.arg, spec.keywords)
    value = args.value(target)
    if target is None or value is None:
        return
    label = _label(frame, node)
    if spec.accepts == "body" and value.kind == BODY:
        frame.report(spec.code, target, label, value, (frame.span(target),))
    elif spec.accepts == "chunks" and value.kind in (CHUNKS, CONTAINER):
        frame.report(spec.code, target, label, value, value.entries, fixable=bool(value.entries))


def _iterating_copy(frame: "Frame", node: ast.Call, args: Args) -> None:
    """`bytes(list(body))`, `bytearray(tuple(body))`: the inner call iterates the body."""
    inner = args.get(0, ("source",))
    if isinstance(inner, ast.Call) and len(inner.args) == 1 and frame.qualname(inner.func) in _ITERATING_COPIES:
        value = frame.ev(inner.args[0])
        if is_body(value):
            assert value is not None
            frame.report("BFX501", inner.args[0], _label(frame, inner), value, (frame.span(inner.args[0]),))


def _method(frame: "Frame", node: ast.Call, func: ast.Attribute, args: Args) -> Optional[Val]:
    catalog = frame.module.catalog
    name = func.attr
    if frame._is_self(func.value) and frame.cls is not None:  # self.method(): own, inherited or overridden
        resolved, value = _dispatch(frame, node, args, frame.cls, name, (), name)
        if resolved:
            return value
    receiver = frame.ev(func.value)
    kind = receiver.kind if receiver is not None else None
    if kind == BODY and receiver is not None and isinstance(func.value, ast.Attribute) and func.value.attr == "content":
        # bytes have no .read(): `x.content.read()` is aiohttp's StreamReader, whatever `x` is
        stream = catalog.types.get("aiohttp.StreamReader")
        result = stream.methods.get(name) if stream is not None else None
        if result is not None:
            base = Val(OBJECT, confidence=weakest("medium", _raised(receiver.confidence)), flow=receiver.flow,
                       type="aiohttp.StreamReader", param=receiver.param)
            return frame.derive(result, base, node, f"`.content.{name}()` (a stream)")
    if receiver is not None and receiver.type == "builtins.bytearray" and name == "extend":
        item = args.get(0)
        value = args.value(item)
        if is_body(value):
            assert value is not None and item is not None
            frame.report("BFX501", item, _label(frame, node), value, (frame.span(item),))
        return None
    if kind == OBJECT:
        for spec in catalog.method_sinks.get((receiver.type, name), ()):  # type: ignore[union-attr]
            _check(frame, spec, node, args)
    if kind not in (BODY, CHUNKS):
        for spec in catalog.method_sinks.get(("*", name), ()):
            _check(frame, spec, node, args)
    if kind in (None, CLEAN, CONTAINER) and (name in _CONTAINER_ADD or name in _CONTAINER_EXTEND):
        _mutate(frame, func.value, receiver, name, args)
    if (receiver is None and name in _HTTP_VERBS and (node.args or "url" in args.keywords)
            and (frame.awaited is node or _looks_like_client(frame, func.value))):
        # `*session` names an HTTP session; a bare `*client` is medium only where the module imports an HTTP
        # client library with this method: a test framework's `self.client.get(...)` (Django, Starlette) is not one
        sure = "medium" if _library_method(frame, name) or _names_session(func.value) else "low"
        start = Val(OBJECT, confidence=sure, type="?response")
        why = "an awaited request" if frame.awaited is node else "a request on a client"
        return frame.step(start, node, f"`.{name}()` on an unknown value: {why}, guessed to give a response")
    if receiver is None:
        guess = catalog.types.get("?")
        result = guess.methods.get(name) if guess else None
        if result is not None:
            # `self._client.get_object(...)`; `self._orig.iter_content()` in a module importing requests
            sure = "medium" if _looks_like_client(frame, func.value) or _library_method(frame, name) else "low"
            return frame.derive(result, Val(OBJECT, confidence=sure, type="?"), node, f"`.{name}()` on an unknown value")
        return _by_name(frame, node, func, args)
    if kind == OBJECT and receiver.type.startswith("class:"):
        return _instance_method(frame, node, func, args, receiver)
    if kind == OBJECT:
        spec_type = catalog.types.get(receiver.type)
        result = spec_type.methods.get(name) if spec_type else None
        if result is None and _response_named(frame, func.value):
            # `response` holds another response type on some path (`if type(response).__name__ == ...`)
            guess = catalog.types.get("?response")
            result = guess.methods.get(name) if guess else None
            receiver = replace(receiver, type="?response").at_most("medium")
        return frame.derive(result, receiver, node, f"`.{name}()`") if result else None
    if kind == CONTAINER:
        if name in _TAKE:
            taken = replace(receiver, kind=BODY, entries=(), slot=-1)
            return frame.step(taken, node, "taken from the container")
        return receiver if name == "copy" else CLEAN_VAL
    if kind == CHUNKS and name in _SELF_ITER:
        return receiver
    if kind == CHUNKS and name in _NEXT:  # `it.__next__()`, `queue.get()`
        kind_taken = CONTAINER if receiver.slot >= 0 else BODY
        return frame.step(replace(receiver, kind=kind_taken, entries=()), node, "the next chunk")
    return CLEAN_VAL if kind in (BODY, CLEAN) else None  # a bytes method returns real bytes


def _by_name(frame: "Frame", node: ast.Call, func: ast.Attribute, args: Args) -> Optional[Val]:
    """`x.get_from_cdn(url)` with `x` of unknown type: the one method of the tree with that name, at medium
    confidence (see index.MethodIndex)."""
    project = frame.module.project
    if project is None or frame.imported(func.value):
        return None
    tainted = any(carries(v) for v in args.values.values())
    found = project.method_by_name(func.attr, tainted)
    if found is None:
        return None
    module, function, cls = found
    return _call_function(frame, node, args, module, function, cls, f"{cls.node.name}.{func.attr}", cap="medium")


def _raised(confidence: str) -> str:
    """`.content` of an unknown value is a low guess; `.content.read()` on it is a medium one."""
    return "medium" if confidence == "low" else confidence


def _response_named(frame: "Frame", node: ast.AST) -> bool:
    name = node.attr if isinstance(node, ast.Attribute) else getattr(node, "id", "")
    return bool(frame.module.catalog.response_names.match(name))


def _library_method(frame: "Frame", name: str) -> bool:
    """Does the module import a client library one of whose types has a method `name`?"""
    catalog = frame.module.catalog
    libraries = {catalog.library(q.split(".")[0]) for q in frame.module.names.imports.values()}
    return any(t.split(".")[0] in libraries for t, spec in frame.module.catalog.types.items() if name in spec.methods)


def _names_session(node: ast.AST) -> bool:
    name = node.attr if isinstance(node, ast.Attribute) else getattr(node, "id", "")
    return name.lower().endswith("session")


def _looks_like_client(frame: "Frame", node: ast.AST) -> bool:
    name = node.attr if isinstance(node, ast.Attribute) else getattr(node, "id", "")
    return bool(_CLIENT_NAME.search(name))


def _mutate(frame: "Frame", target: ast.expr, receiver: Optional[Val], name: str, args: Args) -> None:
    if name in _CONTAINER_ADD:
        item = args.get(_CONTAINER_ADD[name])
        value = args.value(item)
        if is_body(value):
            assert value is not None and item is not None
            frame._add_entry(target, receiver, value, item)
        elif value is not None and value.kind == CONTAINER and value.slot >= 0 and item is not None:
            # `queue.put((offset, chunk))`: a collection of (offset, body) tuples
            frame.bind(target, frame.step(replace(value, kind=CHUNKS), item, "queued"), item)
    else:
        item = args.get(0)
        value = args.value(item)
        if value is not None and value.kind in (CONTAINER, CHUNKS) and item is not None:
            merged = merge([receiver if receiver is not None and receiver.kind == CONTAINER else None,
                            replace(value, kind=CONTAINER)])
            frame.bind(target, merged, item)


def _local_function(frame: "Frame", name: str) -> Tuple[Optional[ast.AST], Optional["Frame"]]:
    """The function a bare name calls, and the frame it was defined in when that is a function's (a closure)."""
    current: Optional["Frame"] = frame
    while current is not None:
        if name in current.functions:
            return current.functions[name], current if current.parent is not None else None
        if name in current.env or name in current.names.bound and current.parent is not None:
            return None, None
        if name in current.names.imports and current.parent is not None:  # a local import shadows
            return None, None
        current = current.parent
    return frame.module.functions.get(name), None


def _call_function(frame: "Frame", node: ast.Call, args: Optional[Args], module: "Module", function: ast.AST,
                   cls: Optional["ClassInfo"], name: str, cap: str = "high", closure: Optional["Frame"] = None,
                   seeds: Tuple[Tuple[str, ast.expr, Val], ...] = ()) -> Optional[Val]:
    """A call into a function of the analyzed tree: apply its summary for the argument values given.
    `cap` bounds the confidence of what it gives when the callee itself is a guess; `seeds` are the tainted
    attributes of the instance a method is called on (attribute, where the value came from, value)."""
    tainted = _arguments(module, function, cls, args) if args is not None else {}
    tainted.update({SEED + i: (where, value) for i, (_, where, value) in enumerate(seeds)})
    summary = module.summarize(function, cls, {i: v for i, (_, v) in tainted.items() if i < SEED}, closure,
                               tuple((attr, value) for attr, _, value in seeds))
    return _apply(frame, node, summary, tainted, name, cap)


def _arguments(module: "Module", function: ast.AST, cls: Optional["ClassInfo"],
               args: Args) -> Dict[int, Tuple[ast.expr, Val]]:
    """The tainted arguments of a call, by parameter index."""
    params = module.parameters(function, cls)
    tainted: Dict[int, Tuple[ast.expr, Val]] = {}
    for index, arg in enumerate(args.positional[: len(params)]):
        value = args.value(arg)
        if carries(value):
            tainted[index] = (arg, value)  # type: ignore[assignment]
    for keyword, arg in args.keywords.items():
        value = args.value(arg)
        if keyword in params and carries(value):
            tainted[params.index(keyword)] = (arg, value)
    return tainted


def _apply(frame: "Frame", node: ast.Call, summary: Summary, tainted: Dict[int, Tuple[ast.expr, Val]], name: str,
           cap: str) -> Optional[Val]:
    """Complete the summary's flows with the caller's values: report its hits, give its return value."""
    call_step = FlowStep(frame.span(node), f"passed to `{name}()`", frame.module.path)
    for hit in summary.hits:
        if hit.param not in tainted:
            continue
        _, value = tainted[hit.param]
        reached = replace(hit.raw.value, flow=value.flow + (call_step,) + hit.raw.value.flow, param=value.param,
                          confidence=weakest(value.confidence, hit.raw.value.confidence, cap))
        raw = replace(hit.raw, value=reached)
        if value.param >= 0:
            frame.hits.append(Hit(value.param, raw))  # our own parameter: the caller's caller completes it
        elif _same_file(raw.path, frame.module.path):
            if frame.emit and not frame.guarded:
                frame.module.raw.append(replace(raw, path=frame.module.path))
        else:
            arg = tainted[hit.param][0]
            sliceable = value.kind == BODY and hit.raw.value.kind == BODY and bool(hit.raw.targets)
            frame.report(raw.code, arg, f"{raw.label} in {name}()", value.at_most(cap),
                         (frame.span(arg),) if sliceable else (),
                         fixable=sliceable, tail=(call_step,) + hit.raw.value.flow)
    returned = summary.returns
    if returned is None or not returned.tainted:
        return returned
    if returned.param >= 0:
        if returned.param not in tainted:
            return None
        _, value = tainted[returned.param]
        flow = value.flow + (call_step,) + returned.flow
        return replace(returned, flow=flow, param=value.param,
                       confidence=weakest(value.confidence, returned.confidence, cap))
    return returned.at_most(cap).step(frame.span(node), f"returned by `{name}()`", frame.module.path)


def _abstract(function: ast.AST) -> bool:
    """`@abstractmethod`, or a body that only raises NotImplementedError: some subclass must override it. (An empty
    hook, `def setUp(self): pass`, is a real method: following every override of hooks costs too much.)"""
    if any((d.attr if isinstance(d, ast.Attribute) else getattr(d, "id", "")) == "abstractmethod"
           for d in getattr(function, "decorator_list", ())):
        return True
    body = [s for s in getattr(function, "body", ())
            if not (isinstance(s, ast.Expr) and isinstance(s.value, ast.Constant))]  # docstring, `...`
    return (len(body) == 1 and isinstance(body[0], ast.Raise) and body[0].exc is not None
            and "NotImplementedError" in ast.dump(body[0].exc))


@functools.lru_cache(maxsize=4096)
def _real(path: str) -> str:
    return os.path.realpath(path)


def _same_file(a: str, b: str) -> bool:
    """The tree's copy of the file being analyzed is named by another path (absolute, not as given)."""
    return a == b or _real(a) == _real(b)


# ---- instances of the tree's classes -------------------------------------------------------------------------

def _construct(frame: "Frame", node: ast.Call, args: Args, info: "ClassInfo") -> Optional[Val]:
    """`SeekableFileObject(resp)`: a class of the tree built from bodies. What `__init__` keeps in self.* seeds
    every method; methods of a wrapper are called by code we do not see (PIL calls `read()`), so each is checked
    now, and calls on the instance later resolve to the class's methods with the same seeds."""
    found = info.method("__init__")
    if found is None or found[0].module is None:
        return None
    owner, init = found
    module = owner.module
    tainted = _arguments(module, init, info, args)
    if not tainted:
        return None
    summary = module.summarize(init, info, {i: v for i, (_, v) in tainted.items()})
    name = info.node.name
    _apply(frame, node, summary, tainted, name, "high")
    kept = []
    for attr, stored in sorted(summary.stores, key=lambda item: item[0]):
        if stored.param in tainted:
            where, value = tainted[stored.param]
            flow = value.flow + (FlowStep(frame.span(node), f"kept by `{name}()`", frame.module.path),) + stored.flow
            kept.append((attr, where, replace(stored, flow=flow, param=value.param,
                                              confidence=weakest(value.confidence, stored.confidence))))
    if not kept:
        return None
    seeds = tuple(kept)
    for method_name, method in info.methods.items():
        if method_name != "__init__" and info.module is not None:
            _call_function(frame, node, None, info.module, method, info, f"{name}.{method_name}", seeds=seeds)
    instance = Val(OBJECT, type="class:" + info.qualname, attrs=tuple((a, v) for a, _, v in seeds),
                   confidence=weakest(*(v.confidence for _, _, v in seeds)))
    return frame.step(instance, node, f"an instance of `{name}` holding it")


def _instance_method(frame: "Frame", node: ast.Call, func: ast.Attribute, args: Args,
                     receiver: Val) -> Optional[Val]:
    return instance_call(frame, node, receiver, func.attr, args, func.value)


def instance_call(frame: "Frame", node: ast.AST, receiver: Val, name: str, args: Optional[Args] = None,
                  where: Optional[ast.AST] = None) -> Optional[Val]:
    """`receiver.name(...)` on an instance of a tree class (`iter(x)` is `x.__iter__()`)."""
    qualname = receiver.type[len("class:"):]
    prefix, _, class_name = qualname.rpartition(".")
    if prefix == frame.module.qualname:
        info = frame.module.classes.get(class_name)
    else:
        project = frame.module.project
        info = project.find_class(qualname) if project is not None else None
    if info is None:
        return None
    known = info.catalog_type()
    if known is not None:  # a subclass of a client type: its methods give what the client's give
        spec = frame.module.catalog.types.get(known)
        result = spec.methods.get(name) if spec is not None else None
        return frame.derive(result, replace(receiver, type=known, attrs=()), node, f"`.{name}()`") if result else None
    seeds = tuple((attr, where or node, value) for attr, value in receiver.attrs)
    return _dispatch(frame, node, args, info, name, seeds, f"{class_name}.{name}")[1]


def _dispatch(frame: "Frame", node: ast.AST, args: Optional[Args], info: "ClassInfo", name: str,
              seeds: Tuple[Tuple[str, ast.expr, Val], ...], label: str) -> Tuple[bool, Optional[Val]]:
    """Call `name` on an instance of `info`: the method it finds; when that one is abstract, every override below
    it too, since one of them really runs (which one is a guess: medium at most).
    Gives (resolved, merged value)."""
    found = info.method(name)
    if found is None or found[0].module is None:
        return False, None  # inherited from outside the tree (or a mixin's): its subclasses are not searched
    results = [_call_function(frame, node, args, found[0].module, found[1], info, label, seeds=seeds)]
    if not _abstract(found[1]):
        return True, results[0]
    for sub in info.subclasses():
        if name in sub.methods and sub.module is not None:
            results.append(_call_function(frame, node, args, sub.module, sub.methods[name], sub,
                                          f"{sub.node.name}.{name}", cap="medium", seeds=seeds))
    return True, merge(results)
