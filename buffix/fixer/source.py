"""A source file as bytes and as text, with positions mapped between them.

The file is decoded as Python decodes it (BOM, PEP 263 cookie) and re-encoded piece by piece, so that every
byte outside an edit is provably the byte that was read: encoding, BOM and line endings (LF, CRLF, CR, even
mixed) are kept because they are never touched.
"""

from __future__ import annotations

from array import array
from dataclasses import dataclass
from typing import Sequence, Tuple

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
        ordered = sorted(replacements, key=lambda r: (r.start, r.end))
        old_pieces, new_pieces, cursor = [], [], 0
        for replacement in ordered:
            if replacement.start < cursor:
                raise SourceError("two edits overlap")  # callers compose nested edits first
            kept = self.text[cursor : replacement.start]
            old_pieces += [kept, self.text[replacement.start : replacement.end]]
            new_pieces += [kept, replacement.text]
            cursor = replacement.end
        old_pieces.append(self.text[cursor:])
        new_pieces.append(self.text[cursor:])
        if self.bom + b"".join(self._encode(p) for p in old_pieces) != self.data:
            raise SourceError(f"the file does not round-trip through {self.encoding} piece by piece")
        return "".join(new_pieces), self.bom + b"".join(self._encode(p) for p in new_pieces)

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
