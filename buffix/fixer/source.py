"""A source file as bytes and as text, with positions mapped between them.

The file is decoded as Python decodes it (BOM, PEP 263 cookie) and re-encoded piece by piece, so that every
byte outside an edit is provably the byte that was read: encoding, BOM and line endings (LF, CRLF, CR, even
mixed) are kept because they are never touched.
"""

from __future__ import annotations

from array import array
from dataclasses import dataclass
from typing import Iterator, Sequence, Tuple

from buffix.core.findings import Span, slotted
from buffix.core.source import NEWLINE, SourceError, decode, line_starts

__all__ = ["DecodedSource", "Replacement", "SourceError", "decode_source"]


@slotted
@dataclass(frozen=True)
class Replacement:
    """Replace text[start:end] (character offsets) by `text`; start == end inserts."""

    start: int
    end: int
    text: str


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
        for replacement in sorted(replacements, key=lambda r: (r.start, r.end)):
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
        ordered = sorted(replacements, key=lambda r: (r.start, r.end))
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
        out, cursor = bytearray(self.bom), 0
        for replacement in ordered:
            out += self._encode(self.text[cursor : replacement.start])
            out += self._encode(replacement.text)
            cursor = replacement.end
        out += self._encode(self.text[cursor:])
        return bytes(out)

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
