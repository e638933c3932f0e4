"""Call sites inserted into drawn programs, so that every program the fuzz draws gives the fixer work.

hypothesmith's `from_node()` programs are mostly `pass`, classes and assignments: no calls, so no sites. Here a
program gets 1-4 statements that read a response body and hand it to a sink, inserted at statement positions chosen
by hypothesis: in the module, in any indented block (function, class, loop, `try`, `with`, `match` case), and after a
`;` on a simple statement line (`if x: pass; memoryview(body)`). The sinks are shapes from the buffer-sink catalog
(memoryview, bytearray, BytesIO, hashlib, `write`, `np.frombuffer`, `struct.unpack`, `join`, keyword and starred
forms) and the arguments carry the codemod's syntax traps (../shared/facts/semantics.md 3.5): await, ternary, walrus,
boolean operators, nested calls, comments inside brackets. Await and yield go inside an `async def` of their own.

LibCST places the statements (its code generation keeps every other byte); a program LibCST cannot read gets them
appended at its end. A result that Python cannot parse is retried with the statements at the module's end, then
given up (the program is fuzzed as drawn).
"""

from __future__ import annotations

import ast
from typing import Dict, List, Sequence, Tuple

import libcst as cst
from hypothesis import strategies as st

# Expressions that evaluate to a response body (or something standing in for one).
BODIES = ("resp.content", "r.read()", "requests.get(u).content", "urlopen(u).read()", "response.body",
          "chunks[0]", "données", "self.body", "d['body']", "b'ab'")
# Arguments built around a body: where the codemod must add parentheses, or must not touch.
ARGUMENTS = (
    "{b}",
    "{b} if ok else b''",
    "(y := {b})",
    "{b} or b''",
    "(  # the body\n    {b}\n)",
    "bytes({b})",
    "memoryview({b})",
    "{b} + b'tail'",
    "not {b}",
    "(lambda: {b})()",
)
# Arguments only valid inside `async def` (await) or a generator (yield).
ASYNC_ARGUMENTS = ("await {b}", "(await {b})", "await {b} if ok else b''", "(yield {b})", "(w := await {b})")
# Sinks from the catalog: `{a}` is the argument (its first positional argument, where it has one).
SINKS = (
    "memoryview({a})",
    "bytearray({a})",
    "io.BytesIO({a})",
    "hashlib.sha256({a}).hexdigest()",
    "f.write({a})",
    "np.frombuffer({a}, dtype=np.uint8)",
    "struct.unpack_from('<I', {a}, offset=0)",
    "b''.join([{a}, tail])",
    "zlib.decompress({a}, wbits=31)",
    "json.loads({a})",
    "bytes(source={a})",
    "bytearray(*{a})",
    "print({a}, sep='', end='')",
    "memoryview(bytearray({a}))",
    "PIL.Image.open(io.BytesIO({a}))",
    "sink(\n    {a},\n    key=value,\n)",
)
# Statements around the sink call: `{s}` is the call. A one-line form can also follow a `;`.
STATEMENTS = ("{s}", "data = {s}", "data: object = {s}", "first, *rest = {s}, None", "assert {s}", "del_ = [{s}]")
BLOCKS = (
    "if {s}:\n    pass",
    "with {s} as stream:\n    pass",
    "for c in chunks:\n    {s}",
    "try:\n    {s}\nexcept ValueError:\n    pass",
    "views = [{s} for c in chunks if c]",
)
ASYNC_BLOCK = "async def fetch(r, resp, u, ok, f, tail):\n    {s}\n    return None"
GENERATOR_BLOCK = "async def stream(r, resp, u, ok):\n    {s}"


def _fill(template: str, **parts: str) -> str:
    for name, value in parts.items():
        template = template.replace("{" + name + "}", value)
    return template


KEYWORD_ONLY = ("bytes(source={a})",)  # no positional argument: no site (tests/fixer/sites.py)


@st.composite
def snippets(draw, positional: bool = False) -> str:
    """One statement (or block) holding a sink call on a response body (`positional`: one that has a site)."""
    body = draw(st.sampled_from(BODIES))
    asynchronous = draw(st.integers(0, 3)) == 0
    arguments = ASYNC_ARGUMENTS if asynchronous else ARGUMENTS
    argument = _fill(draw(st.sampled_from(arguments)), b=body)
    if draw(st.booleans()):  # nest once more: a trap inside a trap
        argument = _fill(draw(st.sampled_from(ARGUMENTS)), b=argument)
    sinks = [sink for sink in SINKS if not (positional and sink in KEYWORD_ONLY)]
    call = _fill(draw(st.sampled_from(sinks)), a=argument)
    if asynchronous:
        template = GENERATOR_BLOCK if "yield" in argument else ASYNC_BLOCK
        return _fill(template, s=_fill(draw(st.sampled_from(STATEMENTS)), s=call))
    if "\n" not in call and draw(st.booleans()):
        return _fill(draw(st.sampled_from(STATEMENTS)), s=call)
    return _fill(draw(st.sampled_from(BLOCKS + STATEMENTS)), s=call)


@st.composite
def with_sites(draw, programs) -> Tuple[str, bool]:
    """A program from `programs` with sink calls inserted, and whether they were."""
    source = draw(programs)
    chosen = [draw(snippets(positional=True))] + draw(st.lists(snippets(), max_size=3))
    positions = draw(st.lists(st.integers(0, 1 << 20), min_size=len(chosen), max_size=len(chosen)))
    inserted = insert_statements(source, chosen, positions)
    return (inserted, True) if inserted is not None else (source, False)


def insert_statements(source: str, statements: Sequence[str], positions: Sequence[int]):
    """`source` with each statement inserted at a statement position (`positions` picks, modulo their number), or
    None when no placement gives a program Python parses."""
    try:
        module = cst.parse_module(source)
    except Exception:  # LibCST cannot read it (or its parser crashed): append the statements as text
        return _parsed_or_none(_appended(source, statements))
    for placed in (True, False):
        try:
            candidate = _placed(module, statements, positions if placed else [-1] * len(statements))
        except Exception:  # code generation of an odd tree: try the plainer placement
            continue
        result = _parsed_or_none(candidate)
        if result is not None:
            return result
    return _parsed_or_none(_appended(source, statements))


def _parsed_or_none(source: str):
    try:
        ast.parse(source)
    except (SyntaxError, ValueError, MemoryError, RecursionError):
        return None
    return source


def _appended(source: str, statements: Sequence[str]) -> str:
    if source and not source.endswith(("\n", "\r")):
        source += "\n"
    return source + "".join(statement + "\n" for statement in statements)


class _Slots(cst.CSTVisitor):
    """Every statement position: (container, index) for module and block bodies, and for `;`-separated lines."""

    def __init__(self) -> None:
        self.blocks: List[Tuple[cst.CSTNode, int]] = []
        self.lines: List[Tuple[cst.CSTNode, int]] = []

    def visit_Module(self, node: cst.Module) -> None:
        self.blocks += [(node, index) for index in range(_after_future(node), len(node.body) + 1)]

    def visit_IndentedBlock(self, node: cst.IndentedBlock) -> None:
        self.blocks += [(node, index) for index in range(len(node.body) + 1)]

    def visit_SimpleStatementLine(self, node: cst.SimpleStatementLine) -> None:
        self.lines += [(node, index) for index in range(1, len(node.body) + 1)]

    def visit_SimpleStatementSuite(self, node: cst.SimpleStatementSuite) -> None:
        self.lines += [(node, index) for index in range(1, len(node.body) + 1)]


def _after_future(module: cst.Module) -> int:
    """The first index after the docstring and `from __future__` imports (nothing may precede them)."""
    index = 0
    for statement in module.body:
        if not isinstance(statement, cst.SimpleStatementLine):
            break
        small = statement.body
        is_future = all(isinstance(s, cst.ImportFrom) and isinstance(s.module, cst.Name)
                        and s.module.value == "__future__" for s in small)
        is_docstring = index == 0 and len(small) == 1 and isinstance(small[0], cst.Expr) and isinstance(
            small[0].value, (cst.SimpleString, cst.ConcatenatedString))
        if not (is_future or is_docstring):
            break
        index += 1
    return index


class _Insert(cst.CSTTransformer):
    def __init__(self, inserts: Dict[int, Dict[int, list]]) -> None:
        self.inserts = inserts  # id(original container) -> index -> nodes to insert there

    def _body(self, original, updated):
        wanted = self.inserts.get(id(original))
        if not wanted:
            return updated
        body = []
        for index in range(len(updated.body) + 1):
            body += wanted.get(index, [])
            if index < len(updated.body):
                body.append(updated.body[index])
        return updated.with_changes(body=body)

    leave_Module = leave_IndentedBlock = leave_SimpleStatementLine = leave_SimpleStatementSuite = _body


def _placed(module: cst.Module, statements: Sequence[str], positions: Sequence[int]) -> str:
    """The module with the statements at the chosen positions (-1: the module's end)."""
    slots = _Slots()
    module.visit(slots)
    inserts: Dict[int, Dict[int, list]] = {}
    for statement, position in zip(statements, positions):
        node = cst.parse_statement(statement, config=module.config_for_parsing)
        one_line = isinstance(node, cst.SimpleStatementLine) and len(node.body) == 1 and "\n" not in statement
        choices = slots.blocks + (slots.lines if one_line else [])
        if position < 0 or not choices:
            container, index = module, len(module.body)
        else:
            container, index = choices[position % len(choices)]
        item = node.body[0] if isinstance(container, (cst.SimpleStatementLine, cst.SimpleStatementSuite)) else node
        inserts.setdefault(id(container), {}).setdefault(index, []).append(item)
    return module.visit(_Insert(inserts)).code
