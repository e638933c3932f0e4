"""A file's findings packed into one run of small ints and a table of their texts.

A file can hold a finding every 77 bytes; as objects (the finding, its spans, flow steps, fix and line numbers)
each costs ~1 KB, packed ~90 bytes (its lines counted from its own, so that its fields fit 2 bytes each), and
the worker that analyzed the file and the main process that reports it both hold them all. A finding is made
again, equal to the one packed, each time it is read.
"""

from __future__ import annotations

from array import array
from typing import Any, Dict, Iterable, Iterator, List, Optional, Sequence, Tuple, TypeVar, Union, overload

from buffix.core.findings import Finding, Fix, FlowStep, Span

T = TypeVar("T")
_NONE = -1  # the text index of None (a flow step in the finding's own file, no fix)
# texts the packer looks up to number a text seen again (codes, paths, repeated messages): past that many it starts
# a new table, where a text gets a new number; a table of every text was ~120 bytes a finding (each one's message)
TABLE_TEXTS = 4096
# A text numbered past 2 bytes is stored relative to the finding's place in the table (each finding's own texts,
# its message, are the latest): from _AHEAD after the texts before it back to 32,766 before that; else the
# finding's fields are 4 bytes each (a file of 60,000 findings, each with a message of its own, was all 4-byte)
_NARROW = 0x8000
_AHEAD = 256


class Packer:
    """Packs findings one at a time (`add`); `packed()` is the sequence of them."""

    def __init__(self) -> None:
        self.texts: List[str] = []
        self._numbers: Dict[str, int] = {}
        self.data = bytearray()  # every finding's fields, flattened: 2 bytes each when they all fit, else 4 (`wide`)
        self.starts = array("i")  # where each finding begins in `data` (files are < 2 GiB: so are their findings)
        self.lines = array("i")  # each finding's line (its other lines are stored from it: small numbers)
        self.wide = bytearray()  # per finding, 1 when its fields are 4 bytes each
        self.anchors = array("i")  # per finding, how many texts were numbered before it (_AHEAD)
        self._anchor = 0  # that of the finding being added

    def __len__(self) -> int:
        return len(self.starts)

    def add(self, finding: Finding) -> None:
        base = finding.span.line
        self._anchor = len(self.texts)
        out: List[int] = [self._text(finding.code)]
        _put_span(out, finding.span, base)
        out += (self._text(finding.message), self._text(finding.path), self._text(finding.confidence))
        self._put_flow(out, finding.flow, base)
        fix = finding.fix
        if fix is None:
            out.append(_NONE)
        else:
            out += (self._text(fix.applicability), len(fix.targets))
            for target in fix.targets:
                _put_span(out, target, base)
            out.append(self._text(fix.reason))
        out.append(len(finding.also))
        for flow in finding.also:
            self._put_flow(out, flow, base)
        try:
            fields, wide = array("h", out), 0
        except OverflowError:
            fields, wide = array("i", out), 1
        self.starts.append(len(self.data))
        self.lines.append(base)
        self.wide.append(wide)
        self.anchors.append(self._anchor)
        self.data += fields.tobytes()

    def cut(self, count: int) -> None:
        """Drop the findings after the first `count` (their texts stay in the table)."""
        if count < len(self.starts):
            del self.data[self.starts[count]:]
            del self.starts[count:], self.lines[count:], self.wide[count:], self.anchors[count:]

    def key(self, index: int) -> bytes:
        """The finding's span and code: what tells two findings of a file apart (the code's text, not its number:
        a text gets another after the table starts again)."""
        fields = _fields(self.data, self.starts, self.wide, index)
        return array("i", (self.lines[index], *fields[1:5])).tobytes() + self.code(index).encode()

    def code(self, index: int) -> str:
        return self.texts[_number(_fields(self.data, self.starts, self.wide, index)[0], self.anchors[index])]

    def position(self, index: int) -> int:
        """(line, column) as one int, in their order."""
        return self.lines[index] << 32 | _fields(self.data, self.starts, self.wide, index)[2]

    def finding(self, index: int) -> Finding:
        return _decode(self.texts, _fields(self.data, self.starts, self.wide, index), self.lines[index],
                       self.anchors[index])

    def packed(self) -> "PackedFindings":
        return PackedFindings(tuple(self.texts), self.data, self.starts, self.lines, self.wide,  # (no copies)
                              self.anchors)

    def _text(self, text: Optional[str]) -> int:
        if text is None:
            return _NONE
        number = self._numbers.get(text)
        if number is None:
            if len(self._numbers) >= TABLE_TEXTS:
                self._numbers.clear()
            number = self._numbers[text] = len(self.texts)
            self.texts.append(text)
        if number < _NARROW:
            return number
        relative = number - self._anchor - _AHEAD - 2  # -2 and below (-1 is None)
        return relative if -0x8000 <= relative <= -2 else number

    def _put_flow(self, out: List[int], flow: Tuple[FlowStep, ...], base: int) -> None:
        out.append(len(flow))
        for step in flow:
            _put_span(out, step.span, base)
            out += (self._text(step.description), self._text(step.path))


def _put_span(out: List[int], span: Span, base: int) -> None:
    """Lines from the finding's (`base`), so that they fit 2 bytes (a flow step in another file's may not)."""
    out += (span.line - base, span.column, span.end_line - base, span.end_column)


def _fields(data: Any, starts: Any, wide: Any, index: int) -> "array[int]":
    """The packed fields of the `index`-th finding."""
    end = starts[index + 1] if index + 1 < len(starts) else len(data)
    return array("i" if wide[index] else "h", data[starts[index]:end])


def _number(field: int, anchor: int) -> int:
    """The number of the text a field names (not None), from its finding's `anchor`."""
    return field if field >= 0 else field + 2 + anchor + _AHEAD


def _decode(texts: Sequence[str], data: Any, base: int, anchor: int) -> Finding:
    """The finding packed as `data`, its fields; `base` its line, `anchor` its place in `texts`."""
    at = 0

    def span() -> Span:
        nonlocal at
        at += 4
        return Span(data[at - 4] + base, data[at - 3], data[at - 2] + base, data[at - 1])

    def text() -> Any:
        nonlocal at
        at += 1
        return None if data[at - 1] == _NONE else texts[_number(data[at - 1], anchor)]

    def flow() -> Tuple[FlowStep, ...]:
        nonlocal at
        at += 1
        return tuple(FlowStep(span(), text(), text()) for _ in range(data[at - 1]))

    code, where = text(), span()
    message, path, confidence, steps = text(), text(), text(), flow()
    fix = None
    if data[at] == _NONE:
        at += 1
    else:
        applicability = text()
        at += 1
        targets = tuple(span() for _ in range(data[at - 1]))
        fix = Fix(applicability, targets, text())
    at += 1
    also = tuple(flow() for _ in range(data[at - 1]))
    return Finding(code, message, path, where, confidence, steps, fix, also)


class PackedTuple(Sequence[T]):
    """A tuple packed: iterated, indexed, compared, hashed and added as the tuple it stands for (equal to it).
    A subclass says how its `index`-th item is made."""

    __slots__ = ()

    def item(self, index: int) -> T:
        raise NotImplementedError

    def __iter__(self) -> Iterator[T]:
        return (self.item(i) for i in range(len(self)))

    @overload
    def __getitem__(self, index: int) -> T: ...

    @overload
    def __getitem__(self, index: slice) -> Tuple[T, ...]: ...

    def __getitem__(self, index: Union[int, slice]) -> Any:
        if isinstance(index, slice):
            return tuple(self.item(i) for i in range(*index.indices(len(self))))
        if not -len(self) <= index < len(self):
            raise IndexError("index out of range")
        return self.item(index % len(self))

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, (tuple, PackedTuple)):
            return NotImplemented
        return len(self) == len(other) and all(a == b for a, b in zip(self, other))

    def __hash__(self) -> int:
        return hash(tuple(self))

    def __add__(self, other: Any) -> Tuple[T, ...]:
        if not isinstance(other, (tuple, PackedTuple)):
            return NotImplemented
        return (*self, *other)

    def __radd__(self, other: Any) -> Tuple[T, ...]:
        if not isinstance(other, tuple):
            return NotImplemented
        return (*other, *self)

    def __repr__(self) -> str:
        return repr(tuple(self))


class PackedFindings(PackedTuple[Finding]):
    """A file's findings in ~90 bytes each, pickled as its arrays and texts. Made by `Packer.packed()`, in the order
    added."""

    __slots__ = ("_texts", "_data", "_starts", "_lines", "_wide", "_anchors")

    def __init__(self, texts: Tuple[str, ...], data: bytearray, starts: "array[int]", lines: "array[int]",
                 wide: bytearray, anchors: "array[int]") -> None:
        self._texts, self._data, self._starts, self._lines, self._wide = texts, data, starts, lines, wide
        self._anchors = anchors

    def __len__(self) -> int:
        return len(self._starts)

    def item(self, index: int) -> Finding:
        return _decode(self._texts, _fields(self._data, self._starts, self._wide, index), self._lines[index],
                       self._anchors[index])

    def __reduce__(self) -> Tuple[type, Tuple[Any, ...]]:
        return PackedFindings, (self._texts, self._data, self._starts, self._lines, self._wide, self._anchors)


class PackedSpans(PackedTuple[Span]):
    """Spans in 16 bytes each (as objects with their line numbers ~128): the targets of a file's fixes."""

    __slots__ = ("_data",)

    def __init__(self, spans: Iterable[Span] = (), data: Optional["array[int]"] = None) -> None:
        self._data = data if data is not None else array("i")
        for span in spans:
            self._data.extend((span.line, span.column, span.end_line, span.end_column))

    def __len__(self) -> int:
        return len(self._data) // 4

    def item(self, index: int) -> Span:
        return Span(*self._data[index * 4:index * 4 + 4])

    def __reduce__(self) -> Tuple[type, Tuple[Any, ...]]:
        return PackedSpans, ((), self._data)
