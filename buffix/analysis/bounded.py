"""The tree of a large file, parsed a few statements at a time (docs/performance.md, "Memory of one large file").

`ast.parse` costs ~175 bytes of memory per byte of source, and the analyzer reads the module's tree for the whole
run. Above BOUNDED_MIN_CHARS the module is cut into pieces (runs of top-level statements up to _GROUP_CHARS,
found with `tokenize`; a top-level class, and a function larger than the cache below, is cut one level down,
its header and runs of its body's statements), and each piece is parsed alone, on its own line numbers, when the
analyzer reads it; a small cache keeps the last few parsed. A body (the module's, a cut class's or function's) is
a list that parses its pieces as it is read. Its functions and classes are stand-ins that live as long as the
module: a node of its own type (so `isinstance` and the evaluator's dispatch by type name see a `FunctionDef`)
holding only its name and where it begins (its key); its end, its piece and, when cut, its body are in the
module's arrays, every other field is read from the parsed piece. So the analyzer's caches keyed by a function
and its `is` tests hold across re-parses, and memory is bounded by the statements in use and the cache, not by
the file. Findings are those of the whole tree (tests/analyzer/test_bounded.py).
"""

from __future__ import annotations

import ast
import os
import warnings
import weakref
from array import array
from bisect import bisect_left, bisect_right
from collections import OrderedDict
from typing import Any, Dict, Iterator, List, Optional, Sequence, Tuple

from buffix.core.heap import keep_large_blocks_apart
from buffix.core.source import NEWLINE, split_lines
from buffix.core.statements import Statement, Unsplittable, pieces, statements

# Files of more characters are parsed in pieces (the fixer's piecewise proof starts at the same size).
BOUNDED_MIN_CHARS = int(os.environ.get("BUFFIX_BOUNDED_MIN_CHARS") or 256 * 1024)
_CACHE_CHARS = 16 * 1024  # source of the parsed pieces kept at once: ~3 MiB of trees
_GROUP_CHARS = 2 * 1024  # adjacent statements are parsed together up to this size: fewer, cheaper pieces
# A statement this large is parsed whole all the same (~700 MiB): refused, as files that large were before.
MAX_STATEMENT_CHARS = 4 * 1024 * 1024
_WHOLE, _HEADER, _BLOCK = 0, 1, 2  # how a piece parses: as a module, as a class header, as a class body's lines


class NotBounded(Exception):
    """The file does not cut into statements that parse alone: the whole-file parse decides (and words errors)."""


class TooLarge(NotBounded):
    """One statement (one level down for a class) is above MAX_STATEMENT_CHARS."""


class StandIn:
    """A function or class of the file, held for the whole analysis: its name, its module's `Pieces` and `key`,
    where it begins (`lineno << 32 | col_offset`, the analyzer's `node_key`: one int, shared by every set of keys
    that holds it). What else it has is in the module's arrays or read from the parsed piece. 104 bytes with its
    key (it was 128, and its two line ints and its key 96 more). It knows its `Pieces` by a weak reference (one,
    shared by all of them), as the pieces hold it: the tree is freed by reference counting when the analysis drops
    it, not left to the cycle collector beside the next stage (fix: the second analysis, the result's pickle)."""

    __slots__ = ()

    @property
    def _tree(self) -> "Pieces":
        return self._pieces()  # type: ignore[attr-defined]

    def _at(self) -> int:
        """Where it is in its module's arrays."""
        return bisect_left(self._tree.held_keys, self.key)  # type: ignore[attr-defined]

    def _real(self) -> ast.stmt:
        """The statement it stands for, parsed (or still cached)."""
        tree = self._tree
        at = self._at()
        return tree.load(tree.held_pieces[at])[tree.held_indexes[at]]


def _forward(field: str) -> property:
    if field == "body":  # a cut one's body is made from its module's arrays; any other's is read from its parse
        return property(lambda self: self._tree.body_of(self))
    if field == "decorator_list":  # held: the module's names and its top level read them, nothing else
        return property(lambda self: self._tree.decorators.get(self.key, []))
    if field == "lineno":
        return property(lambda self: self.key >> 32)
    if field == "col_offset":
        return property(lambda self: self.key & 0xFFFFFFFF)
    if field in ("end_lineno", "end_col_offset"):  # from the module's arrays: an int object per line was 32 bytes
        return property(lambda self: getattr(self._tree, field)[self._at()])
    return property(lambda self: getattr(self._real(), field))


_DEFINITIONS = (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)  # what is held as a stand-in
_KINDS: Dict[type, type] = {}


def _kind(kind: type) -> type:
    """The stand-in type of a statement type: same name (the evaluator dispatches on it), a subclass (isinstance),
    its name and key held, every other field a property (ast's classes give optional fields a class-level None,
    which `__getattr__` would never get to)."""
    if kind not in _KINDS:
        fields = (*kind._fields, *kind._attributes)  # type: ignore[attr-defined]
        namespace: Dict[str, Any] = {"__slots__": ("name", "_pieces", "key"), "__module__": __name__}
        namespace.update((f, _forward(f)) for f in fields if f != "name")
        _KINDS[kind] = type(kind.__name__, (kind, StandIn), namespace)
    return _KINDS[kind]


def _stand_in(real: ast.stmt, tree: "Pieces", piece: int, index: int) -> Any:
    """A stand-in of a function or class; what else it holds is in `tree`, under its key."""
    kind: Any = _kind(type(real))
    stand_in = kind.__new__(kind)
    stand_in.name = tree.name(real.name)  # type: ignore[attr-defined]
    stand_in._pieces, stand_in.key = tree.ref, tree.hold(stand_in, real, piece, index)
    if real.decorator_list:  # type: ignore[attr-defined]
        tree.decorators[stand_in.key] = real.decorator_list  # type: ignore[attr-defined]
    return stand_in


class Lines(Sequence):
    """The file's lines without their breaks, as `split_lines` gives them, cut from the text when asked for: a list
    of them costs ~4 bytes of memory per byte of a file of short lines."""

    def __init__(self, text: str) -> None:
        self.text = text
        self.starts = array("i", [0])  # where each line begins (files are < 2 GiB)
        self.starts.extend(match.end() for match in NEWLINE.finditer(text))

    def __len__(self) -> int:
        return len(self.starts)

    def __getitem__(self, index: Any) -> Any:
        if isinstance(index, slice):
            first, end, step = index.indices(len(self.starts))
            if step != 1 or first >= end:
                return [self[i] for i in range(first, end, step)]
            if end == len(self.starts):
                return split_lines(self.text[self.starts[first]:])
            return split_lines(self.text[self.starts[first]:self.starts[end]])[:-1]  # (it ends with a break)
        starts = self.starts
        index = index + len(starts) if index < 0 else index
        if index + 1 >= len(starts):
            return self.text[starts[index]:]  # the last line: no break after it (IndexError beyond it)
        line = self.text[starts[index]:starts[index + 1]]
        return line[:-2] if line.endswith("\r\n") else line[:-1]


    def joined(self, first: int, end: int) -> str:
        """`"\\n".join(self[first:end])`, cut from the text at once."""
        first, end, _ = slice(first, end).indices(len(self.starts))
        if first >= end:
            return ""
        text = self.text[self.starts[first]:self.starts[end] if end < len(self.starts) else len(self.text)]
        text = text if "\r" not in text else NEWLINE.sub("\n", text)
        return text[:-1] if end < len(self.starts) else text  # without the break that ends line `end`


class Pieces:
    """The file's text cut into pieces (line ranges), each parsed on demand; the last few parsed are kept."""

    def __init__(self, text: str, lines: Lines) -> None:
        self.text = text
        self.ref = weakref.ref(self)  # what its stand-ins hold
        self._starts = lines.starts
        # each piece's lines, how it parses and how many statements it has
        self._firsts, self._lasts, self._kinds, self._counts = array("i"), array("i"), array("b"), array("i")
        # each stand-in (made in the order of the file, so their pieces ascend), its key, piece, index in it and
        # end; by key, any decorators
        self.held: List[Any] = []
        self.held_keys, self.held_pieces, self.held_indexes = array("q"), array("i"), array("i")
        self.end_lineno, self.end_col_offset = array("i"), array("i")
        self.decorators: Dict[int, List[ast.expr]] = {}
        self._names: Dict[str, str] = {}  # while the file is cut: one copy of each name of its stand-ins
        self._cache: "OrderedDict[int, List[ast.stmt]]" = OrderedDict()
        self._cached_chars = 0

    def module(self) -> ast.Module:
        """The module whose body parses its pieces as it is read. Raises NotBounded."""
        body = _Body(self)
        group: List[int] = []  # [first line, last line] of the run of statements being gathered
        for statement in _statements(self.text, len(self._starts)):  # one at a time (a list was ~200 bytes each)
            if self._cuts(statement):  # the run before it first: stand-ins in file order
                self._gather(body, group, _WHOLE)
                group = []
                header = self._cut(statement)
                if header is not None:
                    body.add(header)
                    continue
            elif group and self._chars(group[0], statement.last) > _GROUP_CHARS:
                self._gather(body, group, _WHOLE)
                group = []
            if group:
                group[1] = statement.last
            else:
                group = [statement.first, statement.last]
        self._gather(body, group, _WHOLE)
        self._names = {}
        return ast.Module(body=body, type_ignores=[])

    def name(self, parsed: str) -> str:
        """A stand-in's name: one copy of each (methods' names repeat from class to class), and not the parser's
        string, which it interns: held, each would stay an entry in the interpreter's table of them, which never
        shrinks (a table keyed by them was ~45 bytes a function for good)."""
        copy = parsed.encode().decode()
        return self._names.setdefault(copy, copy)

    def _cuts(self, statement: Statement) -> bool:
        """A top-level class is cut one level down, and so is a function larger than the parsed pieces kept: parsed
        whole, it would be held whole while it runs (~100 bytes a byte). When every file is cut (the threshold at
        0, as tests set it), every function is."""
        if not statement.cuts or statement.keyword not in ("class", "def", "async"):
            return False
        return statement.keyword == "class" or self._chars(statement.first, statement.last) > min(
            BOUNDED_MIN_CHARS, _CACHE_CHARS)

    def _cut(self, statement: Statement) -> Optional[int]:
        """A top-level class or function cut one level down: its header's piece (its one statement, the stand-in),
        or None when the statement is neither."""
        ranges = pieces(statement)
        header = self._add(*ranges[0], _HEADER)
        real = self.parse(header)
        if len(real) != 1 or not isinstance(real[0], _DEFINITIONS):
            return None
        self._counts[header] = 1
        cut = _stand_in(real[0], self, header, 0)  # before its body's: stand-ins are held in file order
        group = [ranges[1][0], ranges[1][1]]
        for first, last in ranges[2:]:  # its body: the _BLOCK pieces right after its header (body_of)
            if self._chars(group[0], last) > _GROUP_CHARS:
                self._gather(None, group, _BLOCK)
                group = [first, last]
            else:
                group[1] = last
        end = self._gather(None, group, _BLOCK)[-1]
        at = cut._at()
        self.end_lineno[at], self.end_col_offset[at] = end.end_lineno or 0, end.end_col_offset or 0  # not `pass`'s
        return header

    def body_of(self, stand_in: Any) -> List[ast.stmt]:
        """The body of a function or class of the file: for a cut one, a list made of its pieces (no list is kept
        per class: ~480 bytes each), for any other, the parsed statement's."""
        header = self.held_pieces[stand_in._at()]
        if self._kinds[header] != _HEADER:
            return stand_in._real().body
        end = header + 1
        while end < len(self._kinds) and self._kinds[end] == _BLOCK:
            end += 1
        return _Body(self, range(header + 1, end))

    def held_in(self, piece: int) -> Tuple[int, int]:
        """Where the stand-ins of a piece are in `held` (first, end)."""
        return bisect_left(self.held_pieces, piece), bisect_right(self.held_pieces, piece)

    def hold(self, stand_in: Any, real: ast.stmt, piece: int, index: int) -> int:
        """Keep a stand-in, its piece, index and end; its key."""
        key = real.lineno << 32 | real.col_offset
        if self.held_keys and key <= self.held_keys[-1]:  # (two definitions on one line cannot be)
            raise NotBounded(f"line {real.lineno}: a definition that does not follow the one before it")
        self.held_keys.append(key)
        self.held.append(stand_in)
        self.held_pieces.append(piece)
        self.held_indexes.append(index)
        self.end_lineno.append(real.end_lineno)  # type: ignore[arg-type]
        self.end_col_offset.append(real.end_col_offset)  # type: ignore[arg-type]
        return key

    def _gather(self, body: Optional["_Body"], group: List[int], kind: int) -> List[ast.stmt]:
        """Make a run of statements one piece, hold its functions and classes and add it to `body` (a cut class's or
        function's body is made from the pieces after its header); its statements."""
        if not group:
            return []
        piece = self._add(group[0], group[1], kind)
        parsed = self.parse(piece)
        self._counts[piece] = len(parsed)
        for index, statement in enumerate(parsed):
            if isinstance(statement, _DEFINITIONS):
                _stand_in(statement, self, piece, index)
        if body is not None:
            body.add(piece)
        return parsed

    def _chars(self, first: int, last: int) -> int:
        return _length(self._lines_span(first, last))

    def _add(self, first: int, last: int, kind: int) -> int:
        if self._chars(first, last) > MAX_STATEMENT_CHARS:
            raise TooLarge(f"the statement at line {first} is {self._chars(first, last) / 1024 / 1024:.1f} MiB")
        self._firsts.append(first)
        self._lasts.append(last)
        self._kinds.append(kind)
        self._counts.append(0)
        return len(self._firsts) - 1

    def _span(self, piece: int) -> Tuple[int, int]:
        """Where the piece's lines begin and end in the text."""
        return self._lines_span(self._firsts[piece], self._lasts[piece])

    def _lines_span(self, first: int, last: int) -> Tuple[int, int]:
        return self._starts[first - 1], self._starts[last] if last < len(self._starts) else len(self.text)

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
        _shift(tree, first - 1)
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


class _Body(list):
    """A statement list (a list, so `ast.walk` and visitors go through it) that parses its pieces as it is read:
    its functions and classes are the module's stand-ins, held; any other statement is the parsed piece's, for as
    long as the reader keeps it. The module's body is added to piece by piece; a cut class's or function's is made
    when read, of the pieces after its header (`Pieces.body_of`)."""

    __slots__ = ("_tree", "_pieces", "_ends")

    def __init__(self, tree: Pieces, pieces: Sequence[int] = ()) -> None:
        super().__init__()
        self._tree = tree
        self._pieces: Any = array("i")  # each piece, and the index after its last statement
        self._ends = array("i")
        for piece in pieces:
            self.add(piece)

    def add(self, piece: int) -> None:
        self._ends.append(len(self) + self._tree._counts[piece])
        self._pieces.append(piece)

    def __len__(self) -> int:
        return self._ends[-1] if self._ends else 0

    def __bool__(self) -> bool:
        return len(self) > 0

    def __iter__(self) -> Iterator[Any]:
        tree = self._tree
        for piece in self._pieces:
            first, end = tree.held_in(piece)
            if end - first == tree._counts[piece]:  # only stand-ins: nothing to parse
                yield from tree.held[first:end]
                continue
            for index, statement in enumerate(tree.load(piece)):
                if first < end and tree.held_indexes[first] == index:
                    yield tree.held[first]
                    first += 1
                else:
                    yield statement

    def __reversed__(self) -> Iterator[Any]:
        return reversed(list(self))

    def __contains__(self, item: object) -> bool:
        return any(statement is item or statement == item for statement in self)

    def __getitem__(self, index: Any) -> Any:
        if isinstance(index, slice):
            return list(self)[index]
        index = index + len(self) if index < 0 else index
        if not 0 <= index < len(self):
            raise IndexError("statement index out of range")
        number = bisect_right(self._ends, index)
        index -= self._ends[number - 1] if number else 0
        tree, piece = self._tree, self._pieces[number]
        first, end = tree.held_in(piece)
        at = bisect_left(tree.held_indexes, index, first, end)
        if at < end and tree.held_indexes[at] == index:
            return tree.held[at]
        return tree.load(piece)[index]


def _statements(text: str, lines: int) -> Iterator[Statement]:
    """`core.statements.statements`, raising NotBounded."""
    try:
        yield from statements(text, lines)
    except Unsplittable as error:
        raise NotBounded(str(error)) from None


def _shift(tree: ast.AST, lines: int) -> None:
    """`ast.increment_lineno`, three times faster (it was a third of the analysis of a large file): a node's
    fields and positions are its `__dict__`. Above 256 an int is an object of its own: a line's is made once."""
    stack, node_type = [tree], ast.AST
    moved: Dict[int, int] = {}  # each line's new number, one object for all its nodes (and the spans made of them)
    while stack:
        node = stack.pop()
        fields = node.__dict__
        if "lineno" in fields:
            line = fields["lineno"]
            new = moved.get(line)
            node.lineno = new if new is not None else moved.setdefault(line, line + lines)  # type: ignore
            end = fields.get("end_lineno")
            if end is not None:
                new = moved.get(end)
                node.end_lineno = new if new is not None else moved.setdefault(end, end + lines)  # type: ignore
        for value in fields.values():
            if type(value) is list:
                stack.extend(item for item in value if isinstance(item, node_type))
            elif isinstance(value, node_type):
                stack.append(value)


def _length(span: Tuple[int, int]) -> int:
    return span[1] - span[0]


class Flags:
    """A flag per function and class of a module parsed in pieces, a byte each (a set of their keys costs ~33
    bytes a key, and there is one per function); `index` is None for a node that is none of its stand-ins."""

    def __init__(self, tree: ast.Module) -> None:
        body = tree.body
        self._pieces = body._tree if isinstance(body, _Body) else None
        self.bytes = bytearray(len(self._pieces.held_keys) if self._pieces is not None else 0)

    def index(self, node: ast.AST) -> Optional[int]:
        if self._pieces is None or not isinstance(node, StandIn) or node._tree is not self._pieces:
            return None
        return node._at()


def parse_in_pieces(text: str) -> Tuple[ast.Module, Lines]:
    """The module of stand-ins for `text`, and its lines. Raises NotBounded."""
    keep_large_blocks_apart()
    lines = Lines(text)
    return Pieces(text, lines).module(), lines
