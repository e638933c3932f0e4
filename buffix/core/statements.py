"""A file's top-level statements as line ranges, found with `tokenize` (nothing parsed), and the statements one
level down: what the fixer proves piece by piece and what the analyzer of a large file parses one at a time."""

from __future__ import annotations

import tokenize
from dataclasses import dataclass
from typing import Iterator, List, Tuple

from buffix.core.findings import slotted
from buffix.core.source import NEWLINE


class Unsplittable(ValueError):
    """The text does not tokenize, so it cannot be cut into statements."""


@slotted
@dataclass(frozen=True)
class Statement:
    """Lines `first`..`last` of the file: one top-level statement (or several sharing a line, `a; b`) with the
    comment and blank lines above it. `keyword` is its first word after any decorators (`class`, `def`...);
    `cuts` are the last lines of the pieces of its indented block: `first`..`cuts[0]` is the header (`class A:`),
    then each statement of the block with the lines above it, the last one running to `last`."""

    first: int
    last: int
    keyword: str
    cuts: Tuple[int, ...]


_CONTINUES = frozenset(("else", "elif", "except", "finally"))  # clauses of the compound statement above them
_UNCOUNTED = frozenset((tokenize.NL, tokenize.COMMENT, tokenize.INDENT, tokenize.DEDENT, tokenize.NEWLINE,
                        tokenize.ENDMARKER))


def statements(text: str, lines: int) -> Iterator[Statement]:
    """The top-level statements of `text` (of `lines` lines; the last statement runs to the end of the file).
    Raises Unsplittable when the text does not tokenize."""
    depth, start, last_newline = 0, 1, 0
    decorator = [False, False]  # the logical line before, at depth 0 and 1, was a decorator
    keyword = ""  # the first word of the statement being read
    cuts: List[int] = []  # and its `Statement.cuts`
    at_line_start = True  # the next counted token begins a logical line
    try:
        for token in tokenize.generate_tokens(_lines(text).__next__):
            kind = token.type
            if kind == tokenize.INDENT:
                depth += 1
            elif kind == tokenize.DEDENT:
                depth -= 1
            elif kind == tokenize.NEWLINE:
                last_newline, at_line_start = token.start[0], True
            elif kind not in _UNCOUNTED and at_line_start:
                at_line_start = False
                if depth > 1:
                    continue
                joins = decorator[depth] or (kind == tokenize.NAME and token.string in _CONTINUES)
                if depth == 0:
                    if last_newline and not joins:
                        yield Statement(start, last_newline, keyword, tuple(cuts))
                        start, keyword, cuts = last_newline + 1, "", []
                    if not keyword and token.string != "@":
                        keyword = token.string
                elif last_newline >= start and not joins:
                    cuts.append(last_newline)
                decorator[depth] = token.string == "@"
    except (tokenize.TokenError, SyntaxError) as error:
        raise Unsplittable(f"the file does not tokenize: {error}") from None
    yield Statement(start, max(start, lines), keyword, tuple(cuts))


def _lines(text: str) -> Iterator[str]:
    """The lines of `text` with their breaks, as `io.StringIO(text, newline="").readline` reads them, without
    its copy of the text (4 bytes a character: 4 MiB for a 1 MB file)."""
    start = 0
    for match in NEWLINE.finditer(text):
        yield text[start:match.end()]
        start = match.end()
    if start < len(text):
        yield text[start:]


def pieces(statement: Statement) -> List[Tuple[int, int]]:
    """(first line, last line) of the header and of each statement of the indented block (`Statement.cuts`)."""
    bounds = [statement.first - 1, *statement.cuts, statement.last]
    return [(bounds[i] + 1, bounds[i + 1]) for i in range(len(bounds) - 1)]
