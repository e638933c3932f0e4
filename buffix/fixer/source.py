"""A source file as bytes and as text, with positions mapped between them.

The file is decoded as Python decodes it (BOM, PEP 263 cookie) and re-encoded piece by piece, so that every
byte outside an edit is provably the byte that was read: encoding, BOM and line endings (LF, CRLF, CR, even
mixed) are kept because they are never touched.
"""

from __future__ import annotations

import io
from array import array
from bisect import bisect_right
from dataclasses import dataclass
from typing import Dict, Iterable, Iterator, List, Sequence, Tuple

from buffix.core.findings import Span, slotted
from buffix.core.packed import PackedTuple
from buffix.core.source import NEWLINE, SourceError, decode, line_starts

__all__ = ["DecodedSource", "PackedReplacements", "Replacement", "SourceError", "decode_source", "in_order"]


@slotted
@dataclass(frozen=True)
class Replacement:
    """Replace text[start:end] (character offsets) by `text`; start == end inserts."""

    start: int
    end: int
    text: str


class PackedReplacements(PackedTuple[Replacement]):
    """Replacements kept in the order of the text (by start, then end; equal ones in the order added), 12 bytes
    each and each new text once: a file can have one every 77 bytes (as objects with their offsets, ~140)."""

    __slots__ = ("_keys", "_numbers", "_texts", "_known")

    def __init__(self, replacements: Iterable[Replacement] = ()) -> None:
        self._keys = array("q")  # start << 32 | end
        self._numbers = array("i")  # each one's text, in `_texts`
        self._texts: List[str] = []
        self._known: Dict[str, int] = {}
        for replacement in replacements:
            self.add(replacement)

    def add(self, replacement: Replacement) -> None:
        key = replacement.start << 32 | replacement.end
        at = len(self._keys) if not self._keys or key >= self._keys[-1] else bisect_right(self._keys, key)
        number = self._known.setdefault(replacement.text, len(self._texts))
        if number == len(self._texts):
            self._texts.append(replacement.text)
        self._keys.insert(at, key)
        self._numbers.insert(at, number)

    def __len__(self) -> int:
        return len(self._keys)

    def item(self, index: int) -> Replacement:
        key = self._keys[index]
        return Replacement(key >> 32, key & 0xFFFFFFFF, self._texts[self._numbers[index]])


def in_order(replacements: Sequence[Replacement]) -> Sequence[Replacement]:
    """The replacements by start, then end (packed ones are already: sorting would make every one an object)."""
    if isinstance(replacements, PackedReplacements):
        return replacements
    return sorted(replacements, key=lambda r: (r.start, r.end))


@dataclass(frozen=True)
class DecodedSource:
    data: bytes
    text: str
    encoding: str  # the codec of the text, without the BOM ("utf-8" for a BOM file)
    bom: bytes
    line_starts: "array[int]"  # core.source.line_starts

    def offset(self, line: int, column: int) -> int:
        """Character offset of a 1-based line and 1-based column; the column may point just past the line."""
        if not 1 <= line <= len(self.line_starts):
            raise SourceError(f"line {line} is outside the file (1..{len(self.line_starts)})")
        start = self.line_starts[line - 1]
        length = len(NEWLINE.sub("", self.line_text(line)))
        if not 1 <= column <= length + 1:
            raise SourceError(f"column {column} is outside line {line} (1..{length + 1})")
        return start + column - 1

    def span_offsets(self, span: Span) -> Tuple[int, int]:
        start = self.offset(span.line, span.column)
        end = self.offset(span.end_line, span.end_column)
        if end <= start:
            raise SourceError(f"the span {_span_text(span)} is empty or reversed")
        return start, end

    def line_text(self, line: int) -> str:
        """The line with its line break."""
        start = self.line_starts[line - 1]
        end = self.line_starts[line] if line < len(self.line_starts) else len(self.text)
        return self.text[start:end]

    def newline_before(self, offset: int) -> str:
        """The line break ending the line before `offset` (or the file's first one; "\\n" if it has none)."""
        breaks = list(NEWLINE.finditer(self.text, 0, offset))
        if breaks:
            return breaks[-1].group()
        first = NEWLINE.search(self.text)
        return first.group() if first else "\n"

    def replace(self, replacements: Sequence[Replacement]) -> Tuple[str, bytes]:
        """The new text and bytes; the bytes between replacements are copied from the original bytes."""
        new_data = self.replaced(replacements)
        pieces, cursor = [], 0
        for replacement in in_order(replacements):
            pieces += [self.text[cursor : replacement.start], replacement.text]
            cursor = replacement.end
        pieces.append(self.text[cursor:])
        return "".join(pieces), new_data

    def replaced(self, replacements: Sequence[Replacement]) -> bytes:
        """The new bytes alone. Every piece of text between and under the replacements is encoded and proven, in
        turn, to be the bytes read at that place (the file round-trips through its encoding piece by piece), then
        the new bytes are those pieces and the replacements' encodings; one piece at a time (lists of the pieces
        cost ~7x a file with an edit every 77 bytes). Overlaps, then round trip, then encoding are checked in
        that order, for every replacement, as they always were."""
        ordered = in_order(replacements)
        cursor = 0
        for replacement in ordered:
            if replacement.start < cursor:
                raise SourceError("two edits overlap")  # callers compose nested edits first
            cursor = replacement.end
        data, at = self.data, len(self.bom)
        for piece in self._old_pieces(ordered):
            encoded = self._encode(piece)
            if not data.startswith(encoded, at):
                raise SourceError(f"the file does not round-trip through {self.encoding} piece by piece")
            at += len(encoded)
        if at != len(data) or not data.startswith(self.bom):
            raise SourceError(f"the file does not round-trip through {self.encoding} piece by piece")
        out, cursor = io.BytesIO(), 0  # (its getvalue() is its buffer: bytes(bytearray) was a second copy)
        out.write(self.bom)
        for replacement in ordered:
            out.write(self._encode(self.text[cursor : replacement.start]))
            out.write(self._encode(replacement.text))
            cursor = replacement.end
        out.write(self._encode(self.text[cursor:]))
        return out.getvalue()

    def _old_pieces(self, ordered: Sequence[Replacement]) -> Iterator[str]:
        cursor = 0
        for replacement in ordered:
            yield self.text[cursor : replacement.start]
            yield self.text[replacement.start : replacement.end]
            cursor = replacement.end
        yield self.text[cursor:]

    def _encode(self, piece: str) -> bytes:
        try:
            return piece.encode(self.encoding)
        except UnicodeEncodeError as error:
            raise SourceError(f"the edit cannot be encoded in {self.encoding}: {error.reason}") from None


def decode_source(data: bytes) -> DecodedSource:
    """Decode as the interpreter does (buffix.core.source.decode), with the lines' start offsets."""
    decoded = decode(data)
    return DecodedSource(data, decoded.text, decoded.encoding, decoded.bom, line_starts(decoded.text))


def _span_text(span: Span) -> str:
    return f"{span.line}:{span.column}-{span.end_line}:{span.end_column}"
