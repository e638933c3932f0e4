"""What the evaluator knows of calls and annotations by their names alone (no frame, no catalog): container
mutators, builtins that pass items through, iterator wrappers, HTTP verbs, and small syntactic tests."""

from __future__ import annotations

import ast
import functools
import os
import re
from typing import List, NamedTuple, Optional, Tuple

CONTAINER_ADD = {"append": 0, "appendleft": 0, "insert": 1, "add": 0, "put": 0, "put_nowait": 0,
                 "setdefault": 1}  # the item's position
CONTAINER_EXTEND = ("extend", "extendleft", "update")
PASS_THROUGH = {"builtins.list", "builtins.tuple", "builtins.sorted", "builtins.reversed", "builtins.iter",
                "collections.deque", "builtins.set"}  # a container or chunks in, the same items out
ITERATING_COPIES = {"builtins.list", "builtins.tuple", "builtins.iter"}
BYTES_TYPES = {"builtins.bytes", "six.binary_type", "future.utils.binary_type"}
# generators and coroutines: their `send()` hands a value to Python code, no buffer protocol (not a socket's)
GENERATOR_TYPES = frozenset(f"{module}.{name}" for module in ("typing", "collections.abc")
                            for name in ("Generator", "AsyncGenerator", "Coroutine")) | frozenset(
    {"types.GeneratorType", "types.AsyncGeneratorType", "types.CoroutineType"})
# types no catalog object (a response, a stream, a client) is an instance of: scalars, paths, in-memory files (not
# containers: boto3's get_object() gives a dict)
NEVER_CATALOG_TYPES = frozenset({*BYTES_TYPES, *(f"builtins.{t}" for t in (
    "str", "bytearray", "memoryview", "int", "float", "bool")),
    "os.PathLike", "pathlib.Path", "pathlib.PurePath", "io.StringIO", "io.BytesIO"})
# Iterator wrappers yielding the items of one argument (its position, its keyword): `tqdm(r.iter_content())`,
# `click.progressbar(length=n, iterable=chunks)`
WRAPPERS = {"tqdm.tqdm": (0, "iterable"), "tqdm.auto.tqdm": (0, "iterable"), "tqdm.std.tqdm": (0, "iterable"),
            "tqdm.asyncio.tqdm": (0, "iterable"), "builtins.filter": (1, ""), "itertools.islice": (0, ""),
            "itertools.takewhile": (1, ""), "itertools.dropwhile": (1, ""), "itertools.chain": (0, ""),
            "concurrent.futures.as_completed": (0, "fs"), "asyncio.as_completed": (0, "fs"),
            "click.progressbar": (0, "iterable"), "rich.progress.track": (0, "sequence"),
            "alive_progress.alive_it": (0, "it")}
# Tasks of a coroutine: awaiting one gives what the coroutine returns
TASKS = frozenset({"asyncio.create_task", "asyncio.ensure_future", "asyncio.shield", "asyncio.wait_for"})
TASK_METHODS = frozenset({"create_task", "ensure_future"})  # a loop's or a TaskGroup's
PAIRING = {"builtins.enumerate", "builtins.zip"}  # items are tuples: `(index, chunk)`, `(name, chunk)`
TAKE = frozenset({"pop", "popleft", "get", "get_nowait"})  # list/deque/queue: take one item out
NEXT = frozenset({"__next__", "__anext__", "send", "asend", "get", "get_nowait"})  # iterators, generators, queues
SELF_ITER = frozenset({"__iter__", "__aiter__"})  # an iterator of chunks returns itself
# Test doubles that replace a name for a block, a function or the rest of a test: calls of the name give a mock.
PATCHERS = frozenset({"unittest.mock.patch", "mock.patch", "unittest.mock.patch.object", "mock.patch.object"})
PATCH_METHODS = frozenset({"setattr", "patch"})  # pytest's `monkeypatch.setattr`, pytest-mock's `mocker.patch`
# ExitStack / AsyncExitStack: entering a context manager gives what `with cm as x` binds
ENTER_CONTEXT = frozenset({"enter_context", "enter_async_context"})
HTTP_VERBS = frozenset({"get", "post", "put", "patch", "delete", "head", "options", "request", "send", "stream"})
# Keyword arguments only HTTP clients take (requests, and the aiohttp/httpx peers that copied them)
_REQUEST_KEYWORDS = frozenset({"allow_redirects", "proxies", "cert"})


def request_keywords(call: ast.Call) -> bool:
    """Does the call pass what only an HTTP request takes: `stream=True`, `allow_redirects=`, `proxies=`, `cert=`?"""
    for keyword in call.keywords:
        if keyword.arg in _REQUEST_KEYWORDS:
            return True
        if keyword.arg == "stream" and isinstance(keyword.value, ast.Constant) and keyword.value.value is True:
            return True
    return False


_CLIENT_NAME = re.compile(r"(?i)(?:session|client|s3)$|^_?http$")  # `self.session.http.get(url)`, `s3.get_object()`


def alternatives(annotation: Optional[ast.AST]) -> List[ast.expr]:
    """The types a value annotated so may have: `X`, `Optional[X]`, `X | None`, `Union[X, Y]`, `"X"`, a generic
    `X[T]`; not the type arguments of a container (`list[X]` holds X, it is not one)."""
    return [base for base, _ in parameterized(annotation)]




class Later(NamedTuple):
    """A call that runs a function later with arguments it is given (`Thread(target=f, args=(url, q))`)."""

    function: int  # the function's position (-1: keyword only)
    keyword: str  # its keyword
    arguments: int  # where its arguments start (-1: keyword only)
    spread: bool  # True: they follow as positional arguments; False: one tuple
    arguments_keyword: str = "args"


CALLS_LATER = {  # by the callee's last name: the receiver (an executor, a loop, a pool) is rarely known
    "Thread": Later(1, "target", -1, False), "Process": Later(1, "target", -1, False),
    "Timer": Later(1, "function", 2, False), "start_new_thread": Later(0, "function", 1, False),
    "submit": Later(0, "fn", 1, True), "to_thread": Later(0, "func", 1, True), "spawn": Later(0, "", 1, True),
    "run_in_executor": Later(1, "func", 2, True), "call_soon": Later(0, "callback", 1, True),
    "call_soon_threadsafe": Later(0, "callback", 1, True), "apply_async": Later(0, "func", 1, False),
    # anyio's and trio's `to_thread.run_sync(fn, *args)`, starlette's `run_in_threadpool(fn, *args)`
    "run_sync": Later(0, "func", 1, True), "run_in_threadpool": Later(0, "func", 1, True),
}

# of CALLS_LATER, those giving a future of the call's value (`.result()`, or awaited)
FUTURES = frozenset({"submit", "to_thread", "run_in_executor", "apply_async", "spawn", "run_sync",
                     "run_in_threadpool"})
MAPS = frozenset({"map", "imap", "imap_unordered"})  # `executor.map(f, items)`, `pool.imap(f, items)`

# methods of the builtin types a clean value mostly is: a call of another name on one may be on an object of the tree
BUILTIN_METHODS = frozenset(n for t in (str, bytes, bytearray, list, dict, set, tuple, int, float) for n in dir(t))

# generic containers whose items are their (first) type argument: `list[Page]` holds Page instances
ITEM_CONTAINERS = frozenset({
    "list", "List", "Sequence", "MutableSequence", "Iterable", "Iterator", "AsyncIterable", "AsyncIterator",
    "Collection", "Set", "set", "FrozenSet", "frozenset", "AbstractSet", "MutableSet", "Deque", "deque", "tuple",
    "Tuple", "Generator", "AsyncGenerator",
})


def parameterized(annotation: Optional[ast.AST]) -> List[Tuple[ast.expr, Optional[ast.expr]]]:
    """Like `alternatives`, each with its first type argument (`Pages[Page]` -> (Pages, Page)); the alternatives
    of a container count too (`Optional[list[Page]]` -> (list, Page))."""
    if isinstance(annotation, ast.Constant) and isinstance(annotation.value, str):
        try:
            return parameterized(ast.parse(annotation.value, mode="eval").body)
        except SyntaxError:
            return []
    if isinstance(annotation, ast.BinOp) and isinstance(annotation.op, ast.BitOr):
        return parameterized(annotation.left) + parameterized(annotation.right)
    if isinstance(annotation, ast.Subscript) and isinstance(annotation.value, (ast.Name, ast.Attribute)):
        base = annotation.value
        items = annotation.slice.elts if isinstance(annotation.slice, ast.Tuple) else [annotation.slice]
        if last_name(base) in ("Optional", "Union"):
            return [found for item in items for found in parameterized(item)]
        first = items[0] if items else None
        if isinstance(first, ast.Constant) and isinstance(first.value, str):
            try:
                first = ast.parse(first.value, mode="eval").body
            except SyntaxError:
                first = None
        return [(base, first if isinstance(first, (ast.Name, ast.Attribute)) else None)]
    return [(annotation, None)] if isinstance(annotation, (ast.Name, ast.Attribute)) else []


def abstract(function: ast.AST) -> bool:
    """`@abstractmethod`, or a body that only raises NotImplementedError: some subclass must override it. (An empty
    hook, `def setUp(self): pass`, is a real method: following every override of hooks costs too much.)"""
    if any((d.attr if isinstance(d, ast.Attribute) else getattr(d, "id", "")) == "abstractmethod"
           for d in getattr(function, "decorator_list", ())):
        return True
    body = [s for s in getattr(function, "body", ())
            if not (isinstance(s, ast.Expr) and isinstance(s.value, ast.Constant))]  # docstring, `...`
    return (len(body) == 1 and isinstance(body[0], ast.Raise) and body[0].exc is not None
            and "NotImplementedError" in ast.dump(body[0].exc))


def is_static(function: ast.AST) -> bool:
    return any(isinstance(d, ast.Name) and d.id == "staticmethod" for d in getattr(function, "decorator_list", ()))


def _decorated(function: ast.AST, names: frozenset) -> bool:
    return any(last_name(d) in names for d in getattr(function, "decorator_list", ()))


def is_classmethod(function: ast.AST) -> bool:
    return _decorated(function, frozenset({"classmethod"}))


def is_property(function: ast.AST) -> bool:
    """`@property`, `@functools.cached_property`: reading the attribute runs the method."""
    return _decorated(function, frozenset({"property", "cached_property"}))


def last_name(node: ast.AST) -> str:
    """`b` of `a.b`, `a` of `a`, else ""."""
    return node.attr if isinstance(node, ast.Attribute) else getattr(node, "id", "")


def names_session(node: ast.AST) -> bool:
    return last_name(node).lower().endswith("session")


def looks_like_client(node: ast.AST) -> bool:
    return bool(_CLIENT_NAME.search(last_name(node)))


_STATEMENT_LISTS = ("body", "handlers", "orelse", "finalbody", "cases")  # in the order of every node's `_fields`


def statements(node: ast.AST) -> List[ast.AST]:
    """`node` and the statements (and except handlers, match cases) below it, in `ast.walk`'s order: no expression
    holds a statement, so expressions are not walked (most of a function's nodes)."""
    found = [node]
    for each in found:  # breadth first, as ast.walk: what is appended is visited in turn
        for name in _STATEMENT_LISTS:
            children = getattr(each, name, None)
            if isinstance(children, list):  # a Lambda's or IfExp's `body` is an expression: never reached here
                found.extend(children)
    return found


def returns_self(method: ast.AST) -> bool:
    """Does every `return` of the method itself give its own instance (a fluent `fetch()` ending `return self`)?"""
    args = getattr(method, "args", None)
    positional = [*args.posonlyargs, *args.args] if args is not None else []
    if not positional:
        return False
    own, returned = positional[0].arg, []
    pending = list(getattr(method, "body", ()))
    while pending:
        node = pending.pop()
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
            continue  # a nested function's returns are its own
        if isinstance(node, ast.Return):
            returned.append(node.value)
        for name in _STATEMENT_LISTS:
            children = getattr(node, name, None)
            if isinstance(children, list):
                pending.extend(children)
    return bool(returned) and all(isinstance(v, ast.Name) and v.id == own for v in returned)


def walrus_binds(node: ast.AST, name: str) -> bool:
    return any(isinstance(n, ast.NamedExpr) and getattr(n.target, "id", None) == name for n in ast.walk(node))


def raised(confidence: str) -> str:
    """`.content` of an unknown value is a low guess; `.content.read()` on it is a medium one."""
    return "medium" if confidence == "low" else confidence


def article(noun: str) -> str:
    """`a requests.Response`, `an aiohttp.StreamReader`."""
    return f"{'an' if noun[:1].lower() in 'aeiou' else 'a'} {noun}"


@functools.lru_cache(maxsize=4096)
def _real(path: str) -> str:
    return os.path.realpath(path)


def same_file(a: str, b: str) -> bool:
    """The tree's copy of the file being analyzed is named by another path (absolute, not as given)."""
    return a == b or _real(a) == _real(b)


def is_super_call(node: ast.AST) -> bool:
    """`super()` or `super(Owner, self)` (whether `super` is rebound is the frame's question)."""
    return (isinstance(node, ast.Call) and isinstance(node.func, ast.Name) and node.func.id == "super"
            and len(node.args) in (0, 2))


def patch_target(call: ast.Call, qualname_of) -> Optional[str]:
    """The dotted name a patching call replaces: `patch("pkg.mod.requests.get")`, `patch.object(requests, "get")`,
    `monkeypatch.setattr(requests, "get", fake)`, `monkeypatch.setattr("requests.get", fake)`. `qualname_of(node)`
    resolves an object argument."""
    args = call.args
    if not args:
        return None
    first = args[0]
    if isinstance(first, ast.Constant) and isinstance(first.value, str):
        return first.value
    if len(args) >= 2 and isinstance(args[1], ast.Constant) and isinstance(args[1].value, str):
        owner = qualname_of(first)
        return f"{owner}.{args[1].value}" if owner else None
    return None


# methods of a client's classes every request goes through: patched, the whole library answers with a test double
TRANSPORT_METHODS = frozenset({"send", "request", "urlopen", "open", "handle_request", "handle_async_request"})


def patched_by(targets, qualname: str) -> bool:
    """Does one of the patched dotted names replace `qualname` (`pkg.api.requests.get` replaces `requests.get`, as
    does `pkg.api.get` after `from requests import get`; `requests.sessions.Session.send` replaces every request of
    requests)?"""
    last = qualname.rpartition(".")[2]
    library = qualname.partition(".")[0]
    return any(t == qualname or t.endswith("." + qualname) or t.rpartition(".")[2] == last
               or _transport_of(t, library) for t in targets)


def _transport_of(target: str, library: str) -> bool:
    """Is `target` a transport method of a class of `library` (`requests.sessions.Session.send`)?"""
    parts = target.split(".")
    return (len(parts) >= 3 and parts[0] == library and parts[-1] in TRANSPORT_METHODS
            and parts[-2][:1].isupper())
