"""Python source as bytes and as text: decoding as the interpreter does, and positions mapped between the two.

The analyzer and the fixer both read files through here, so a file means the same text, lines and columns to both:
decoding honours the BOM and a PEP 263 cookie; lines break at Python's line breaks (LF, CRLF, CR, even mixed), not at
the extra ones `str.splitlines()` knows (\\f, \\x1c, ...); `ast` counts columns in UTF-8 bytes, findings in characters.
"""

from __future__ import annotations

import codecs
import io
import re
import tokenize
from array import array
from dataclasses import dataclass
from typing import List, Optional, Sequence

from buffix.core.findings import Span

NEWLINE = re.compile(r"\r\n|\r|\n")  # Python's line breaks


class SourceError(ValueError):
    """The bytes cannot be decoded as Python source, or a position lies outside the text. `cause` is the codec's or
    the tokenizer's own error, for callers that word the failure themselves."""

    def __init__(self, message: str, cause: Optional[Exception] = None) -> None:
        super().__init__(message)
        self.cause = cause


@dataclass(frozen=True)
class Decoded:
    text: str  # without the BOM
    encoding: str  # the codec of the text, without the BOM ("utf-8" for a BOM file)
    bom: bytes


def decode(data: bytes) -> Decoded:
    """Decode as the interpreter does: BOM, then a PEP 263 cookie on line 1 or 2, else UTF-8."""
    try:
        encoding, _ = tokenize.detect_encoding(io.BytesIO(data).readline)
    except SyntaxError as error:
        raise SourceError(f"cannot detect the encoding: {error.msg}", error) from None
    bom = b""
    if encoding == "utf-8-sig":
        encoding = "utf-8"
        if data.startswith(codecs.BOM_UTF8):
            bom = codecs.BOM_UTF8
    try:
        text = data[len(bom) :].decode(encoding)
    except (UnicodeDecodeError, LookupError) as error:
        raise SourceError(f"cannot decode as {encoding}: {error}", error) from None
    return Decoded(text, encoding, bom)


def split_lines(text: str) -> List[str]:
    """The lines of `text` without their line breaks (a final break leaves an empty last line)."""
    return NEWLINE.split(text)


def line_starts(text: str) -> "array[int]":
    """The character offset where each line starts; a final line break does not open an empty line. An array:
    4 bytes a line (files are < 2 GiB; a tuple of ints is 36, ~2.3 MiB for a 1 MB file of short lines)."""
    starts = array("i", [0])
    starts.extend(match.end() for match in NEWLINE.finditer(text))
    if starts[-1] == len(text) and len(starts) > 1:
        starts.pop()
    return starts


def character_column(line_text: str, utf8_offset: int) -> int:
    """The 1-based character column of a UTF-8 byte offset into a line (how `ast` counts columns)."""
    if line_text.isascii():
        return utf8_offset + 1
    return len(line_text.encode("utf-8")[:utf8_offset].decode("utf-8", "replace")) + 1


def segment(lines: Sequence[str], span: Span) -> str:
    """The text a span covers, lines joined by "\\n"."""
    if span.line == span.end_line:
        return lines[span.line - 1][span.column - 1 : span.end_column - 1]
    first = lines[span.line - 1][span.column - 1 :]
    middle = lines[span.line : span.end_line - 1]
    last = lines[span.end_line - 1][: span.end_column - 1]
    return "\n".join([first, *middle, last])
