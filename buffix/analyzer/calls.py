"""Calls: sources, sinks, sanitizers, container mutations and calls into functions of the analyzed tree."""

from __future__ import annotations

import ast
import re
from dataclasses import replace
from typing import TYPE_CHECKING, Dict, List, Optional, Tuple

from buffix.analyzer.catalog import SinkSpec
from buffix.analyzer.engine import Hit, _BYTES_TYPES, _CONTAINER_ADD, _CONTAINER_EXTEND, _ITERATING_COPIES, _PASS_THROUGH
from buffix.analyzer.values import BODY, CHUNKS, CLEAN, CLEAN_VAL, CONTAINER, OBJECT, Val, is_body, merge, weakest
from buffix.findings import FlowStep

if TYPE_CHECKING:
    from buffix.analyzer.engine import Frame
    from buffix.analyzer.module import ClassInfo, Module


class Args:
    """A call's arguments, each evaluated once."""

    def __init__(self, frame: "Frame", node: ast.Call) -> None:
        self.node = node
        self.positional: List[ast.expr] = []
        for arg in node.args:
            if isinstance(arg, ast.Starred):
                frame.ev(arg)
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
        local = _local_function(frame, func.id)
        if local is not None:
            return _call_function(frame, node, args, frame.module, local, None, func.id)
        if func.id in frame.module.classes and _subclass_sink(frame, node, args):
            return CLEAN_VAL
    if qualname is None:
        frame.ev(func)
        return None
    return _qualified(frame, node, qualname, args)


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
    if qualname in _PASS_THROUGH and first is not None and first.kind in (CONTAINER, CHUNKS):
        kind = CHUNKS if qualname in ("builtins.iter", "builtins.reversed") else CONTAINER
        return replace(first, kind=kind)
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
    tainted = any(v is not None and v.tainted for v in args.values.values())
    if _subclass_sink(frame, node, args):
        return CLEAN_VAL
    found = frame.module.find_function(qualname, tainted)
    if found is not None:
        module, function, cls = found
        return _call_function(frame, node, args, module, function, cls, qualname.rsplit(".", 1)[-1])
    return CLEAN_VAL if qualname.startswith("builtins.") else None


BYTEARRAY = Val(CLEAN, type="builtins.bytearray")
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
    found = frame.cls.method(name) if frame._is_self(func.value) and frame.cls is not None else None
    if found is not None and found[0].module is not None:  # self.method(): the class's own or an inherited one
        return _call_function(frame, node, args, found[0].module, found[1], frame.cls, name)
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
        start = Val(OBJECT, confidence="medium", type="?response")
        why = "an awaited request" if frame.awaited is node else "a request on a client"
        return frame.step(start, node, f"`.{name}()` on an unknown value: {why}, guessed to give a response")
    if receiver is None:
        guess = catalog.types.get("?")
        result = guess.methods.get(name) if guess else None
        if result is not None:
            return frame.derive(result, Val(OBJECT, confidence="low", type="?"), node, f"`.{name}()` on an unknown value")
        return None
    if kind == OBJECT:
        spec_type = catalog.types.get(receiver.type)
        result = spec_type.methods.get(name) if spec_type else None
        return frame.derive(result, receiver, node, f"`.{name}()`") if result else None
    if kind == CONTAINER:
        if name == "pop":
            return frame.step(replace(receiver, kind=BODY, entries=()), node, "taken from the container")
        return receiver if name == "copy" else CLEAN_VAL
    return CLEAN_VAL if kind in (BODY, CLEAN) else None  # a bytes method returns real bytes


def _raised(confidence: str) -> str:
    """`.content` of an unknown value is a low guess; `.content.read()` on it is a medium one."""
    return "medium" if confidence == "low" else confidence


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
    else:
        item = args.get(0)
        value = args.value(item)
        if value is not None and value.kind in (CONTAINER, CHUNKS) and item is not None:
            merged = merge([receiver if receiver is not None and receiver.kind == CONTAINER else None,
                            replace(value, kind=CONTAINER)])
            frame.bind(target, merged, item)


def _local_function(frame: "Frame", name: str) -> Optional[ast.AST]:
    current: Optional["Frame"] = frame
    while current is not None:
        if name in current.functions:
            return current.functions[name]
        if name in current.env or name in current.names.bound and current.parent is not None:
            return None
        current = current.parent
    return frame.module.functions.get(name)


def _call_function(frame: "Frame", node: ast.Call, args: Args, module: "Module", function: ast.AST,
                   cls: Optional["ClassInfo"], name: str) -> Optional[Val]:
    """A call into a function of the analyzed tree: apply its summary for the argument values given."""
    params = module.parameters(function, cls)
    tainted: Dict[int, Tuple[ast.expr, Val]] = {}
    for index, arg in enumerate(args.positional[: len(params)]):
        value = args.value(arg)
        if value is not None and value.tainted:
            tainted[index] = (arg, value)
    for keyword, arg in args.keywords.items():
        value = args.value(arg)
        if keyword in params and value is not None and value.tainted:
            tainted[params.index(keyword)] = (arg, value)
    summary = module.summarize(function, cls, {i: v for i, (_, v) in tainted.items()})
    call_step = FlowStep(frame.span(node), f"passed to `{name}()`", frame.module.path)
    for hit in summary.hits:
        if hit.param not in tainted:
            continue
        _, value = tainted[hit.param]
        reached = replace(hit.raw.value, flow=value.flow + (call_step,) + hit.raw.value.flow, param=value.param,
                          confidence=weakest(value.confidence, hit.raw.value.confidence))
        raw = replace(hit.raw, value=reached)
        if value.param >= 0:
            frame.hits.append(Hit(value.param, raw))  # our own parameter: the caller's caller completes it
        elif raw.path == frame.module.path:
            if frame.emit and not frame.guarded:
                frame.module.raw.append(raw)
        else:
            arg = tainted[hit.param][0]
            sliceable = value.kind == BODY and hit.raw.value.kind == BODY and bool(hit.raw.targets)
            frame.report(raw.code, arg, f"{raw.label} in {name}()", value, (frame.span(arg),) if sliceable else (),
                         fixable=sliceable, tail=(call_step,) + hit.raw.value.flow)
    returned = summary.returns
    if returned is None or not returned.tainted:
        return returned
    if returned.param >= 0:
        if returned.param not in tainted:
            return None
        _, value = tainted[returned.param]
        flow = value.flow + (call_step,) + returned.flow
        return replace(returned, flow=flow, param=value.param, confidence=weakest(value.confidence, returned.confidence))
    return returned.step(frame.span(node), f"returned by `{name}()`", frame.module.path)
