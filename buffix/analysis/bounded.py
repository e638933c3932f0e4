"""The tree of a large file, parsed one statement at a time (docs/performance.md, "Memory of one large file").

`ast.parse` costs ~175 bytes of memory per byte of source, and the analyzer reads the module's tree for the whole
run. Above BOUNDED_MIN_CHARS the tree is made of stand-ins instead: each top-level statement, and each statement
of a top-level class's body (a file that is one huge class is cut one level down), is a node of its own type (so
`isinstance` and the evaluator's dispatch by type name see a `FunctionDef`) that holds only its position, its
name and, for a class, its body of stand-ins. Any other field is read from the statement parsed alone, on its own
line numbers, which a small cache of recently parsed pieces keeps. A stand-in lives as long as the module, so the
analyzer's caches keyed by a function and its `is` tests hold across re-parses; memory is bounded by the
statements in use and the cache, not by the file. Findings are those of the whole tree (tests/analyzer).
"""

from __future__ import annotations

import ast
import os
import warnings
from array import array
from collections import OrderedDict
from typing import Any, Dict, List, Optional, Sequence, Tuple

from buffix.core.source import NEWLINE
from buffix.core.statements import Unsplittable, pieces, statements

# Files of more characters are parsed in pieces (the fixer's piecewise proof starts at the same size).
BOUNDED_MIN_CHARS = int(os.environ.get("BUFFIX_BOUNDED_MIN_CHARS") or 256 * 1024)
_CACHE_CHARS = 16 * 1024  # source of the parsed pieces kept at once: ~3 MiB of trees
_WHOLE, _HEADER, _BLOCK = 0, 1, 2  # how a piece parses: as a module, as a class header, as a class body's lines


class NotBounded(Exception):
    """The file does not cut into statements that parse alone: the whole-file parse decides (and words errors)."""


class _StandIn:
    __slots__ = ()

    def _real(self) -> ast.stmt:
        """The statement it stands for, parsed (or still cached)."""
        return self._tree.load(self._piece)[self._index]  # type: ignore[attr-defined]


def _forward(field: str) -> property:
    if field == "body":  # a class's body is its stand-ins; any other statement's is read from its parse
        return property(lambda self: self._body if self._body is not None else self._real().body)
    return property(lambda self: getattr(self._real(), field))


_DEFINITIONS = (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)  # a stand-in of these holds its name
_KINDS: Dict[type, type] = {}


def _kind(kind: type) -> type:
    """The stand-in type of a statement type: same name (the evaluator dispatches on it), a subclass (isinstance),
    its position held, every other field read from the parsed statement (a property: ast's classes give optional
    fields a class-level None, which `__getattr__` would never get to)."""
    if kind not in _KINDS:
        held = (*kind._attributes, *(("name",) if issubclass(kind, _DEFINITIONS) else ()))  # type: ignore
        namespace: Dict[str, Any] = {"__slots__": (*held, "_body", "_tree", "_piece", "_index"),
                                     "__module__": __name__}
        namespace.update((f, _forward(f)) for f in kind._fields if f not in held)  # type: ignore[attr-defined]
        _KINDS[kind] = type(kind.__name__, (kind, _StandIn), namespace)
    return _KINDS[kind]


def _stand_in(real: ast.stmt, tree: "Pieces", piece: int, index: int, body: Optional[List[ast.stmt]] = None) -> Any:
    kind = _kind(type(real))
    stand_in = kind.__new__(kind)
    for attr in real._attributes:
        setattr(stand_in, attr, getattr(real, attr, None))
    if isinstance(real, _DEFINITIONS):
        stand_in.name = real.name
    stand_in._body, stand_in._tree, stand_in._piece, stand_in._index = body, tree, piece, index
    return stand_in


class Lines(Sequence):
    """The file's lines without their breaks, as `split_lines` gives them, cut from the text when asked for: a list
    of them costs ~4 bytes of memory per byte of a file of short lines."""

    def __init__(self, text: str) -> None:
        self.text = text
        self.starts = array("q", [0])  # where each line begins
        self.starts.extend(match.end() for match in NEWLINE.finditer(text))

    def __len__(self) -> int:
        return len(self.starts)

    def __getitem__(self, index: Any) -> Any:
        if isinstance(index, slice):
            return [self[i] for i in range(*index.indices(len(self.starts)))]
        starts = self.starts
        index = index + len(starts) if index < 0 else index
        if index + 1 >= len(starts):
            return self.text[starts[index]:]  # the last line: no break after it (IndexError beyond it)
        line = self.text[starts[index]:starts[index + 1]]
        return line[:-2] if line.endswith("\r\n") else line[:-1]


class Pieces:
    """The file's text cut into pieces (line ranges), each parsed on demand; the last few parsed are kept."""

    def __init__(self, text: str, lines: Lines) -> None:
        self.text = text
        self._starts = lines.starts
        self._firsts, self._lasts, self._kinds = array("q"), array("q"), array("b")
        self._cache: "OrderedDict[int, List[ast.stmt]]" = OrderedDict()
        self._cached_chars = 0

    def module(self) -> ast.Module:
        """The module of stand-ins. Raises NotBounded."""
        body: List[ast.stmt] = []
        try:
            found = list(statements(self.text, len(self._starts)))
        except Unsplittable as error:
            raise NotBounded(str(error)) from None
        for statement in found:
            if statement.keyword == "class" and statement.cuts:
                ranges = pieces(statement)
                header = self._add(*ranges[0], _HEADER)
                real = self.parse(header)
                if len(real) == 1 and isinstance(real[0], ast.ClassDef):
                    block = [s for first, last in ranges[1:] for s in self._stand_ins(self._add(first, last, _BLOCK))]
                    cut = _stand_in(real[0], self, header, 0, block)
                    cut.end_lineno, cut.end_col_offset = block[-1].end_lineno, block[-1].end_col_offset  # not `pass`'s
                    body.append(cut)
                    continue
            body += self._stand_ins(self._add(statement.first, statement.last, _WHOLE))
        return ast.Module(body=body, type_ignores=[])

    def _add(self, first: int, last: int, kind: int) -> int:
        self._firsts.append(first)
        self._lasts.append(last)
        self._kinds.append(kind)
        return len(self._firsts) - 1

    def _stand_ins(self, piece: int) -> List[ast.stmt]:
        return [_stand_in(real, self, piece, index) for index, real in enumerate(self.parse(piece))]

    def _span(self, piece: int) -> Tuple[int, int]:
        """Where the piece's lines begin and end in the text."""
        last = self._lasts[piece]
        return self._starts[self._firsts[piece] - 1], self._starts[last] if last < len(self._starts) else len(self.text)

    def source(self, piece: int) -> str:
        start, end = self._span(piece)
        return self.text[start:end]

    def parse(self, piece: int) -> List[ast.stmt]:
        """The statements of one piece, on their lines in the file. Raises NotBounded."""
        text, kind, first = self.source(piece), self._kinds[piece], self._firsts[piece]
        if kind == _BLOCK:
            text, first = "if 1:\n" + text, first - 1  # its statements keep their columns
        elif kind == _HEADER:
            text += "\n pass\n"  # the header alone (the body's statements are pieces of their own)
        try:
            with warnings.catch_warnings():  # the whole-file parse warns once; pieces are parsed again and again
                warnings.simplefilter("ignore")
                tree = ast.parse(text)
        except (SyntaxError, ValueError, RecursionError) as error:
            raise NotBounded(f"line {first}: {error}") from None
        ast.increment_lineno(tree, first - 1)
        if kind != _BLOCK:
            return tree.body
        if len(tree.body) != 1 or not isinstance(tree.body[0], ast.If):
            raise NotBounded(f"line {first + 1}: a class body's statement does not parse alone")
        return tree.body[0].body

    def load(self, piece: int) -> List[ast.stmt]:
        """The parsed statements of a piece, from the cache when they are still there."""
        cached = self._cache.get(piece)
        if cached is not None:
            self._cache.move_to_end(piece)
            return cached
        statements = self._cache[piece] = self.parse(piece)
        self._cached_chars += _length(self._span(piece))
        while self._cached_chars > _CACHE_CHARS and len(self._cache) > 1:
            dropped, _ = self._cache.popitem(last=False)
            self._cached_chars -= _length(self._span(dropped))
        return statements


def _length(span: Tuple[int, int]) -> int:
    return span[1] - span[0]


def parse_in_pieces(text: str) -> Tuple[ast.Module, Lines]:
    """The module of stand-ins for `text`, and its lines. Raises NotBounded."""
    lines = Lines(text)
    return Pieces(text, lines).module(), lines
