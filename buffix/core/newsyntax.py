"""Syntax newer than the running interpreter: LibCST's native parser (its grammar does not depend on the running
Python) reads the statements the stdlib `ast` rejects, and the constructs `ast` cannot parse here are rewritten in
place to older equivalents that keep every other character where it was, so the analyzer's positions stay true.

What each becomes, and what the analysis loses by it (nothing a response body flows through, except match captures):
- PEP 695 type parameters `def f[T]()` / `class C[T]:` -> blanked;  `type X[T] = v` -> `X = v` (padded);
- f-strings that need PEP 701 (same quotes nested, backslashes, comments, newlines) -> an empty string of the same
  size; t-strings likewise;
- `except* E` -> `except E`;  3.14's `except A, B:` -> `except (A, B):`;
- `match` (3.10, for 3.9) -> `if subject:` and each `case p if g:` -> `if 1:` (captured names are not bound).

Cost: LibCST parses ~25 times slower than `ast`, and its PositionProvider costs twice its parse again. So only the
top-level statements `ast` rejects go through LibCST: `ast`'s SyntaxError line names the first one, a split is a
statement boundary when the part before it parses alone with `ast` and the part after it parses alone with LibCST,
and offsets come from one codegen pass over that statement. A file whose statements do not split that way (rare) is
read whole by LibCST, which also decides that a file is a real syntax error. Only called after `ast.parse` failed,
so the fast path never imports LibCST.
"""

from __future__ import annotations

import ast
import io
import re
import sys
import tokenize
from bisect import bisect_right
from contextlib import contextmanager
from dataclasses import dataclass
from functools import lru_cache
from typing import Any, Dict, Iterator, List, Optional, Set, Tuple

from buffix.core.source import NEWLINE


@dataclass(frozen=True)
class Feature:
    """A construct of newer Python syntax, and the version that added it."""

    name: str
    version: Tuple[int, int]


TYPE_PARAMETERS = Feature("a PEP 695 type parameter list", (3, 12))
TYPE_STATEMENT = Feature("a PEP 695 `type` statement", (3, 12))
PEP701_FSTRING = Feature("a PEP 701 f-string (nested quotes, backslash, comment or line break in a replacement field)",
                         (3, 12))
TSTRING = Feature("a PEP 750 t-string", (3, 14))
EXCEPT_STAR = Feature("`except*` (PEP 654)", (3, 11))
EXCEPT_TUPLE = Feature("`except` with several exceptions and no parentheses (PEP 758)", (3, 14))
MATCH = Feature("a `match` statement (PEP 634)", (3, 10))


@dataclass(frozen=True)
class Use:
    feature: Feature
    line: int


@dataclass(frozen=True)
class Downgraded:
    """The rewritten text, its `ast` tree (positions as in the original) and the newer constructs rewritten."""

    text: str
    tree: ast.Module
    uses: Tuple[Use, ...]


Edit = Tuple[int, int, Optional[str], Feature]  # (start, end offset, replacement or None: blank it, what it was)

_STATEMENT_START = re.compile(r"[^\s#)\]}]")  # a line that may begin a top-level statement ...
_CONTINUATION = re.compile(r"(?:else|elif|except|finally)\b")  # ... unless it continues the one before
_LINE = re.compile(r"[^\r\n]*(?:\r\n|\r|\n)|[^\r\n]+")  # a line with its break, or the last one without
_TRIES = 8  # candidate boundaries tried on each side of an error before the whole file goes to LibCST


def downgrade(text: str) -> Optional[Downgraded]:
    """`text` rewritten so this interpreter's `ast` parses it, or None when LibCST cannot parse it either (a real
    syntax error) or the rewrite still does not parse."""
    quick = _quick(text)
    if quick is not None:
        return quick
    split = _by_statements(text)
    if split is None:
        split = _rewrite(text)
    if split is None:
        return None
    rewritten, uses = split
    try:
        tree = ast.parse(rewritten)
    except (SyntaxError, ValueError, RecursionError, MemoryError):
        return None
    return Downgraded(rewritten, tree, uses)


_SPELLED_NEWER = [pattern for version, pattern in (  # what the fast path rewrites, as this Python cannot parse it
    ((3, 12), r"(?:def|class)[ \t]+\w+[ \t]*\[|type[ \t]+\w+[ \t]*[\[=]"),  # PEP 695
    ((3, 14), r"except[ \t]+[\w.]+[ \t]*,"),  # PEP 758
) if sys.version_info < version]
_NEWER = re.compile("|".join(_SPELLED_NEWER)) if _SPELLED_NEWER else None


def downgrade_generic(text: str) -> Optional[Downgraded]:
    """The fast path (below) for a text that spells what it rewrites (`def f[T]`, `type X = v`, `except A, B:`)
    on a Python that cannot parse it, asked before `ast.parse` that would fail on it first (183 of the bench
    corpus's 617 analyzed files, a failed parse costing ~0.3 s over them); None otherwise. Its rewrite is the one
    `downgrade` would make after the failure: each rewritten place must be a statement of the result, so a text
    `ast` parses as it is (the construct inside a string) is never rewritten."""
    return _quick(text) if _NEWER is not None and _NEWER.search(text) else None


# The fast path, for the common file whose only newer syntax is PEP 695 (`def f[T]`, `class C[T]`, `type X = v`)
# or PEP 758 (`except A, B:`):
# the same rewrite as LibCST's, found by a scan of the text, kept only when the result parses with `ast` and each
# rewritten place is the statement `ast` sees there (so no text inside a string literal was touched).
_QUICK = re.compile(r"^([ \t]*)(?:(?:async[ \t]+)?(?:def|class)[ \t]+\w+[ \t]*(\[)"
                    r"|type[ \t]+(\w+)[ \t]*(\[)?|(except)(?=[ \t(]))", re.M)
_CLOSE = {"(": ")", "[": "]", "{": "}"}


def _quick(text: str) -> Optional[Downgraded]:
    edits: List[Edit] = []
    places: Set[Tuple[int, int, str]] = set()  # (line, column, "def" or the alias's name) the tree must hold
    line_starts = [0] + [match.end() for match in NEWLINE.finditer(text)]
    for match in _QUICK.finditer(text):  # a match that is not the construct is skipped: then `ast` decides
        column = len(match.group(1))
        line = bisect_right(line_starts, match.start())
        if match.group(5):
            handler = _except_tuple(text, match.end())
            if handler is not None:
                edits.append(handler)
                places.add((line, column, "except"))
            continue
        params = match.start(2) if match.group(2) else match.start(4) if match.group(4) else -1
        found: List[Edit] = []
        after = match.end()
        if params >= 0:
            after = _scan(text, params + 1, "]")
            if after < 0 or not _type_params(text[params + 1:after - 1]):
                continue
            found.append((params, after, None, TYPE_PARAMETERS))
        name = match.group(3)
        if name is not None:  # `type X[T] = v` -> `X = v`, as LibCST's TypeAlias and its value span it
            value = _skip_blanks(text, after)
            if not text.startswith("=", value) or text.startswith("==", value):
                continue
            value = _skip_blanks(text, value + 1)
            end = _scan(text, value, "")
            if end <= value:
                continue
            while text[end - 1] in " \t":
                end -= 1
            found.insert(0, (match.start() + column, end, f"{name} = {text[value:end]}", TYPE_STATEMENT))
        edits += found
        places.add((line, column, name or "def"))
    if not edits:
        return None
    rewritten = _apply(text, edits)
    try:
        tree = ast.parse(rewritten)
    except (SyntaxError, ValueError, RecursionError, MemoryError):
        return None
    seen = set()
    statements: List[ast.AST] = [tree]
    while statements:  # statements and handlers only: all the places are
        node = statements.pop()
        for name in _STATEMENT_LISTS:
            statements.extend(getattr(node, name, ()))
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
            seen.add((node.lineno, node.col_offset, "def"))
        elif isinstance(node, ast.Assign) and len(node.targets) == 1 and isinstance(node.targets[0], ast.Name):
            seen.add((node.lineno, node.col_offset, node.targets[0].id))
        elif isinstance(node, ast.ExceptHandler) and isinstance(node.type, ast.Tuple):
            seen.add((node.lineno, node.col_offset, "except"))
    if not places <= seen:
        return None
    uses = tuple(Use(feature, bisect_right(line_starts, start)) for start, _, _, feature in
                 sorted(edits, key=lambda e: e[0]))
    return Downgraded(rewritten, tree, uses)


def _except_tuple(text: str, at: int) -> Optional[Edit]:
    """`except A, B:` -> `except (A, B):` (what LibCST's ExceptHandler with a Tuple type without parentheses
    spans); None for anything else (`except:`, `except*`, `except (A, B):`, `except E as e:`)."""
    start = _skip_blanks(text, at)
    colon = _scan(text, start, ":")
    if colon < 0:
        return None
    types = text[start:colon - 1].rstrip(" \t")
    if not types or types[0] in "*:" or (types[0] == "(" and _scan(types, 1, ")") == len(types)):
        return None
    try:
        node = ast.parse(types, mode="eval").body
    except (SyntaxError, ValueError, RecursionError, MemoryError):
        return None
    if not isinstance(node, ast.Tuple):
        return None
    return start, start + len(types), f"({types})", EXCEPT_TUPLE


def _skip_blanks(text: str, at: int) -> int:
    while at < len(text) and text[at] in " \t":
        at += 1
    return at


def _scan(text: str, at: int, close: str) -> int:
    """The offset after `close` (a closing bracket, or `:` on this logical line) or, for "", where the logical line
    ends (a `#`, `;` or line break outside brackets), skipping nested brackets, comments and one-line string
    literals; -1 when the text is not that simple (a triple-quoted string, a backslash continuation) or `close`
    does not come."""
    stack: List[str] = []
    size = len(text)
    bracket = close in (")", "]", "}")
    while at < size:
        char = text[at]
        if not stack and char == close:
            return at + 1
        if not stack and not bracket and char in "#;\r\n":
            return -1 if close else at
        if char in _CLOSE:
            stack.append(_CLOSE[char])
        elif char in ")]}":
            if not stack or stack.pop() != char:
                return -1
        elif char == "#":
            while at < size and text[at] not in "\r\n":
                at += 1
            continue
        elif char in "'\"":
            if text.startswith(char * 3, at):
                return -1
            at += 1
            while at < size and text[at] != char:
                if text[at] in "\\\r\n":
                    return -1
                at += 1
        elif char == "\\":
            return -1
        at += 1
    return -1 if close or stack else at


def _type_params(inner: str) -> bool:
    """Does each of these type parameters parse as a function's parameter would (`T: bound = default`, `*Ts`,
    `**P`: their grammar follows it, but in any order)?"""
    parts: List[List[str]] = [[]]
    depth = 0
    try:
        for token in tokenize.generate_tokens(io.StringIO(inner).readline):
            if token.type in (tokenize.COMMENT, tokenize.NL, tokenize.NEWLINE, tokenize.ENDMARKER):
                continue
            if token.string in ("(", "[", "{"):
                depth += 1
            elif token.string in (")", "]", "}"):
                depth -= 1
            elif token.string == "," and depth == 0:
                parts.append([])
                continue
            parts[-1].append(token.string)
    except (tokenize.TokenError, SyntaxError):
        return False
    if parts[-1] == [] and len(parts) > 1:  # a trailing comma
        parts.pop()
    for part in parts:
        if not part or "lambda" in part:
            return False
        try:
            ast.parse(f"def _({' '.join(part)}): pass")
        except (SyntaxError, ValueError, RecursionError, MemoryError):
            return False
    return True


def _by_statements(text: str) -> Optional[Tuple[str, Tuple[Use, ...]]]:
    """Rewrite only the top-level statements `ast` rejects; None when the file does not split (see the docstring)."""
    starts = [0] + [match.end() for match in NEWLINE.finditer(text)]
    if starts[-1] != len(text):
        starts.append(len(text))
    count = len(starts) - 1  # lines; starts[count] is the end of the text
    pieces: List[str] = []
    uses: List[Use] = []
    first = 0  # the line the unparsed rest begins on (0-based)
    while first < count:
        rest = text[starts[first]:]
        try:
            ast.parse(rest)
        except SyntaxError as error:
            failed = min(count - 1, first + max(1, error.lineno or 1) - 1)
        except (ValueError, RecursionError, MemoryError):
            return None
        else:
            pieces.append(rest)
            break
        begin = _statement_begin(text, starts, first, failed)
        if begin is None:
            return None
        found = _statement_end(text, starts, begin, failed, count)
        if found is None:
            return None
        end, rewritten, chunk_uses = found
        pieces += [text[starts[first]:starts[begin]], rewritten]
        uses += [Use(use.feature, use.line + begin) for use in chunk_uses]
        first = end
    return "".join(pieces), tuple(uses)


def _boundary(text: str, starts: List[int], line: int) -> bool:
    at = starts[line]
    return bool(_STATEMENT_START.match(text, at)) and not _CONTINUATION.match(text, at)


def _statement_begin(text: str, starts: List[int], first: int, failed: int) -> Optional[int]:
    """Where the statement `ast` rejected at line `failed` begins: the nearest boundary at or above it such that the
    lines from `first` to it parse alone."""
    tries = 0
    for line in range(failed, first - 1, -1):
        if line == first:
            return line
        if not _boundary(text, starts, line):
            continue
        if _ast_parses(text[starts[first]:starts[line]]):
            return line
        tries += 1
        if tries == _TRIES:
            return None
    return None


def _statement_end(text: str, starts: List[int], begin: int, failed: int,
                   count: int) -> Optional[Tuple[int, str, Tuple[Use, ...]]]:
    """The nearest boundary below `failed` such that LibCST parses the lines from `begin` to it, with the rewrite of
    those lines and the uses in them (their lines counted from `begin`)."""
    tries = 0
    for line in range(failed + 1, count + 1):
        if line < count and not _boundary(text, starts, line):
            continue
        rewritten = _rewrite(text[starts[begin]:starts[line]])
        if rewritten is not None:
            return (line, *rewritten)
        tries += 1
        if tries == _TRIES:
            return None
    return None


def _ast_parses(text: str) -> bool:
    try:
        ast.parse(text)
        return True
    except (SyntaxError, ValueError, RecursionError, MemoryError):
        return False


def _rewrite(text: str) -> Optional[Tuple[str, Tuple[Use, ...]]]:
    """`text` (whole statements) parsed by LibCST and its newer constructs rewritten, with what they were (lines
    counted in `text`); None when LibCST cannot parse it."""
    import libcst as cst

    try:
        module = cst.parse_module(text)
    except Exception:  # libcst.ParserSyntaxError, or its native parser's own errors
        return None
    state = _offsets_state()(default_indent=module.default_indent, default_newline=module.default_newline)
    module._codegen(state)
    if state.offset != len(text):  # LibCST gives back every character; if not, these offsets cannot be trusted
        return None
    edits = _edits(text, state)
    line_starts = [0] + [match.end() for match in NEWLINE.finditer(text)]
    uses = tuple(Use(feature, bisect_right(line_starts, start)) for start, _, _, feature in
                 sorted(edits, key=lambda e: e[0]))
    return _apply(text, edits), uses


# The node types the rewrite looks at (by class name: older LibCST versions lack some of them).
_WATCHED = frozenset({"TypeParameters", "TypeAlias", "FormattedString", "TemplatedString", "ExceptHandler",
                      "ExceptStarHandler", "Match", "MatchCase"})
_PARTS = {"TypeAlias": "value", "ExceptHandler": "type", "MatchCase": "body"}  # a child whose offsets are needed too
# `ast` parses these from 3.10 and 3.11 on: rewriting them there would only lose what they bind
_REWRITE_MATCH = sys.version_info < (3, 10)
_REWRITE_EXCEPT_STAR = sys.version_info < (3, 11)


@lru_cache(maxsize=None)
def _offsets_state() -> type:
    """LibCST's codegen state, recording the character offsets of the watched nodes as PositionProvider would (a
    statement's syntactic start skips its leading lines) without its per-token line arithmetic. Built on first use:
    the fast path never imports LibCST."""
    from libcst._nodes.internal import CodegenState

    class Offsets(CodegenState):
        def __init__(self, default_indent: str, default_newline: str) -> None:
            super().__init__(default_indent=default_indent, default_newline=default_newline)
            self.offset = 0
            self.spans: Dict[int, Tuple[int, int]] = {}  # id(node) -> (start, end)
            self.nodes: List[object] = []  # the watched nodes
            self._stack: List[int] = []
            self._parts: Set[int] = set()  # id() of the children named by _PARTS

        def add_indent_tokens(self) -> None:
            self.tokens.extend(self.indent_tokens)
            self.offset += sum(map(len, self.indent_tokens))

        def add_token(self, value: str) -> None:
            self.tokens.append(value)
            self.offset += len(value)

        def before_codegen(self, node: object) -> None:
            self._stack.append(self.offset)
            part = _PARTS.get(type(node).__name__)
            if part is not None:
                self._parts.add(id(getattr(node, part)))

        def after_codegen(self, node: object) -> None:
            start = self._stack.pop()
            watched = type(node).__name__ in _WATCHED
            if (watched or id(node) in self._parts) and id(node) not in self.spans:
                self.spans[id(node)] = (start, self.offset)
            if watched:
                self.nodes.append(node)

        @contextmanager
        def record_syntactic_position(self, node: object, *, start_node: object = None,
                                      end_node: object = None) -> Iterator[None]:
            start = self.offset
            try:
                yield
            finally:
                if type(node).__name__ in _WATCHED or id(node) in self._parts:
                    end = self.offset
                    if start_node is not None and id(start_node) in self.spans:
                        start = self.spans[id(start_node)][0]
                    if end_node is not None and id(end_node) in self.spans:
                        end = self.spans[id(end_node)][1]
                    self.spans[id(node)] = (start, end)

    return Offsets


def _edits(text: str, state: Any) -> List[Edit]:
    import libcst as cst

    edits: List[Edit] = []
    spans = state.spans
    for node in state.nodes:
        kind = type(node).__name__
        start, end = spans[id(node)]
        if kind == "TypeParameters":
            edits.append((start, end, None, TYPE_PARAMETERS))
        elif kind == "TypeAlias":
            value = text[slice(*spans[id(node.value)])]
            edits.append((start, end, f"{node.name.value} = {value}", TYPE_STATEMENT))
        elif kind == "FormattedString":
            if not _parses(text[start:end]):
                edits.append((start, end, None, PEP701_FSTRING))
        elif kind == "TemplatedString":
            edits.append((start, end, None, TSTRING))
        elif kind == "ExceptHandler":
            kind_node = node.type
            if isinstance(kind_node, cst.Tuple) and not kind_node.lpar:
                tuple_start, tuple_end = spans[id(kind_node)]
                edits.append((tuple_start, tuple_end, f"({text[tuple_start:tuple_end]})", EXCEPT_TUPLE))
        elif kind == "ExceptStarHandler" and _REWRITE_EXCEPT_STAR:
            star = text.index("*", start)
            edits.append((star, star + 1, " ", EXCEPT_STAR))
        elif kind == "Match" and _REWRITE_MATCH:
            edits.append((start, start + len("match"), "if   ", MATCH))
            for case in node.cases:
                begin, _ = spans[id(case)]
                body, _ = spans[id(case.body)]  # the header's `:` is the last one before the body
                colon = text.rfind(":", begin, body)
                edits.append((begin, colon, "if 1", MATCH))
    return edits


def _parses(snippet: str) -> bool:
    try:
        ast.parse(snippet, mode="eval")
        return True
    except (SyntaxError, ValueError):
        return False


def _blank(segment: str) -> str:
    """An empty string literal of the same size (it still concatenates with string literals next to it); across
    lines, continued by backslashes so the line breaks stay and later lines do not move."""
    if "\n" not in segment and "\r" not in segment:
        return '""' + " " * (len(segment) - 2)
    return '""' + _continued(segment[2:])


def _continued(segment: str) -> str:
    """Spaces, keeping the line breaks; each line that breaks inside the segment ends in a backslash, so the
    statement stays one logical line (an empty line gains that character: nothing else is on it). Type parameters
    across lines become this."""
    pieces = []
    for line in _LINE.findall(segment):
        content = line.rstrip("\r\n")
        if len(content) == len(line):  # the last line: the segment ends on it
            pieces.append(" " * len(content))
        else:
            pieces.append(" " * max(0, len(content) - 1) + "\\" + line[len(content):])
    return "".join(pieces)


def _apply(text: str, edits: List[Edit]) -> str:
    pieces, last = [], 0
    for start, end, new, _ in sorted(edits, key=lambda e: e[0]):
        if start < last:  # nested in an edit already made
            continue
        segment = text[start:end]
        if new is None:  # blank: a string literal for an expression, spaces for type parameters
            new = _continued(segment) if segment.startswith("[") else _blank(segment)
        elif len(new) < len(segment) and "\n" not in segment:
            new = new + " " * (len(segment) - len(new))
        pieces.append(text[last:start])
        pieces.append(new)
        last = end
    pieces.append(text[last:])
    return "".join(pieces)


# Newer constructs that this interpreter's `ast` parses itself (so no rewrite names them): each with a cheap screen
# of the text that must match before the tree is walked for it, and the test of a node.
@dataclass(frozen=True)
class _Parsed:
    feature: Feature
    screen: "re.Pattern[str]"
    node: str  # the ast class (absent on older Pythons: then `ast` cannot have parsed it)


_PARSED = (
    _Parsed(MATCH, re.compile(r"^[ \t]*match\b", re.M), "Match"),
    _Parsed(EXCEPT_STAR, re.compile(r"\bexcept[ \t]*\*"), "TryStar"),
    _Parsed(TYPE_STATEMENT, re.compile(r"^[ \t]*type\b", re.M), "TypeAlias"),
    _Parsed(TYPE_PARAMETERS, re.compile(r"\b(?:def|class)[ \t]+\w+[ \t]*\["), "type_params"),
    _Parsed(TSTRING, re.compile(r"\b(?:[tT][rR]?|[rR][tT])['\"]"), "TemplateStr"),
)
_STATEMENT_LISTS = ("body", "orelse", "finalbody", "handlers", "cases")


def first_newer(text: str, tree: ast.Module, rewritten: Tuple[Use, ...],
                version: Tuple[int, int]) -> Optional[Use]:
    """The first use (by line) in the file of syntax added after Python `version`: among the constructs `rewritten`
    for this interpreter and, found in `tree`, those it parsed itself. (PEP 701 f-strings and PEP 758 `except`
    are found only where this interpreter rejects them: on 3.12+, resp. 3.14, they parse like any other.)"""
    uses = [use for use in rewritten if use.feature.version > version]
    wanted = [p for p in _PARSED if p.feature.version > version and (p.node == "type_params" or hasattr(ast, p.node))
              and p.screen.search(text)]
    if wanted:
        uses += _walk(tree, wanted)
    return min(uses, key=lambda use: use.line, default=None)


def _walk(tree: ast.Module, wanted: List[_Parsed]) -> List[Use]:
    kinds = {p.node: p.feature for p in wanted}
    expressions = "TemplateStr" in kinds  # the only one that is not a statement: walk everything
    found = []
    nodes: List[ast.AST] = [tree]
    while nodes:
        node = nodes.pop()
        feature = kinds.get(type(node).__name__)
        if feature is not None:  # `except*` is where its handler is, as when it is rewritten
            handlers = getattr(node, "handlers", None) if type(node).__name__ == "TryStar" else None
            found.append(Use(feature, getattr(handlers[0] if handlers else node, "lineno", 1)))
        if "type_params" in kinds and getattr(node, "type_params", None):
            found.append(Use(kinds["type_params"], getattr(node, "lineno", 1)))
        if expressions:
            nodes.extend(ast.iter_child_nodes(node))
        else:
            for name in _STATEMENT_LISTS:
                nodes.extend(getattr(node, name, ()))
    return found
