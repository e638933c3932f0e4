"""Prove the fix of a large file piece by piece: only the top-level statements that hold an edit are parsed again.

The whole-file proof holds the syntax trees of the original and of the result at once (~190 bytes of memory per
byte of source each, plus LibCST's ~430 up to LIBCST_MAX_BYTES). A top-level statement is a module by itself, and
every byte outside the edits is copied from the original, so proving each edited statement alone proves the file:
it is compiled under the module's `from __future__` flags and parsed on its own line numbers, so messages and
warnings are the ones the whole file gives. The file's tree is read once, for the outline and the module-wide
decisions (names a style must not find rebound, where the helper import goes), and dropped before the proof.
"""

from __future__ import annotations

import ast
from array import array
from bisect import bisect_left, bisect_right
from dataclasses import dataclass
from typing import Iterator, List, Optional, Sequence, Tuple

from buffix.core.heap import keep_large_blocks_apart
from buffix.core.statements import Unsplittable, statements
from buffix.fixer.imports import HeadBuilder, imports_helper
from buffix.fixer.source import DecodedSource, Replacement, in_order
from buffix.fixer.verify import (
    LIBCST_MAX_BYTES,
    check_fragment,
    future_flags,
    parse_fragment,
    parse_original,
    rebound_names,
)

# Below this size the whole-file proof is cheap (at most ~200 MiB with LibCST) and it is the proof that ran for
# years; above it the whole-file proof had to leave LibCST out, which the pieces bring back.
PIECEWISE_MIN_BYTES = LIBCST_MAX_BYTES
# Adjacent edited statements are proven together up to this size: fewer parser calls, and the two trees of a
# fragment (~175 bytes a byte each) stay ~3 MiB (at 64 KiB they were 22 MiB, twice the fix of a 1 MB file).
_FRAGMENT_CHARS = 8 * 1024


class NotSeparable(Exception):
    """A piece does not parse alone as it does in its file (a backslash continuing onto a blank line, say)."""


@dataclass(frozen=True)
class Outline:
    """The file cut into units that cover it: each unit is the top-level statements sharing lines with one another,
    with the comment and blank lines above them (the last unit runs to the end of the file)."""

    # arrays: 8 bytes a unit, where tuples of ints were ~36 (a file can have a unit every 77 bytes)
    starts: "array[int]"  # character offset where each unit begins
    first_lines: "array[int]"  # the line it begins on
    statements: "array[int]"  # how many top-level statements it holds
    future_flags: int  # of the module's `from __future__` imports


def outline(source: DecodedSource, tree: ast.Module) -> Outline:
    builder = _OutlineBuilder(source)
    for statement in tree.body:
        builder.add(statement)
    return builder.build(future_flags(tree))


class _OutlineBuilder:
    """Outline's units, from the top-level statements in order."""

    def __init__(self, source: DecodedSource) -> None:
        self.source = source
        self.starts, self.first_lines, self.counts = array("i"), array("i"), array("i")  # (files are < 2 GiB)
        self.end_line = 0

    def add(self, statement: ast.stmt) -> None:
        first = min([statement.lineno] + [d.lineno for d in getattr(statement, "decorator_list", [])])
        if self.counts and first <= self.end_line:  # `import io; io.BytesIO(x)`: one unit
            self.counts[-1] += 1
        else:
            line = self.end_line + 1
            starts = self.source.line_starts
            self.starts.append(starts[line - 1] if line <= len(starts) else len(self.source.text))
            self.first_lines.append(line)
            self.counts.append(1)
        self.end_line = max(self.end_line, statement.end_lineno or statement.lineno)

    def build(self, flags: int) -> Outline:
        return Outline(self.starts, self.first_lines, self.counts, flags)


@dataclass(frozen=True)
class ModuleFacts:
    """What the fix needs of the whole file, read one top-level statement at a time (`read_in_pieces`)."""

    outline: Outline
    rebound: frozenset  # of the names asked for, those the module binds itself (verify.rebound_names)
    imports_helper: bool  # some top-level statement imports the helper already
    head: ast.Module  # the leading docstring and imports, then a stand-in for the next statement (imports.py)


def read_in_pieces(source: DecodedSource, path: str, names: frozenset) -> ModuleFacts:
    """The facts of `outline`, `rebound_names`, `future_flags` and `helper_import` without the file's tree: each
    top-level statement (found with `tokenize`) is parsed alone, on its own line numbers, and dropped, so memory
    is bounded by the largest statement instead of the file. Raises NotSeparable when the file does not cut into
    statements that parse alone (a syntax error, say): the whole-file reading decides, with its message."""
    keep_large_blocks_apart()
    builder = _OutlineBuilder(source)
    rebound: set = set()
    flags, helper, head, index = 0, False, HeadBuilder(), 0
    for first, last in statement_lines(source.text, len(source.line_starts)):
        tree = _parse_lines(source, first, last, path)
        if names:
            rebound |= rebound_names(tree, names)
        flags |= future_flags(tree)
        for statement in tree.body:
            builder.add(statement)
            helper = helper or imports_helper(statement)
            head.add(statement, index)
            index += 1
    return ModuleFacts(builder.build(flags), frozenset(rebound), helper, head.module())


def _parse_lines(source: DecodedSource, first: int, last: int, path: str) -> ast.Module:
    starts = source.line_starts
    end = starts[last] if last < len(starts) else len(source.text)
    try:
        tree = parse_original(source.text[starts[first - 1] : end], path)
    except (SyntaxError, ValueError) as error:
        raise NotSeparable(f"line {first}: {error}") from None
    return ast.increment_lineno(tree, first - 1)


def statement_lines(text: str, lines: int) -> Iterator[Tuple[int, int]]:
    """(first line, last line) of each top-level statement with the comment and blank lines above it (the last one
    runs to the end of the file, line `lines`); statements on one line (`;`) come as one. Raises NotSeparable
    when the text does not tokenize."""
    try:
        for statement in statements(text, lines):
            yield statement.first, statement.last
    except Unsplittable as error:
        raise NotSeparable(str(error)) from None


def check_pieces(
    source: DecodedSource, pieces: Outline, replacements: Sequence[Replacement], new_size: int, path: str
) -> Optional[str]:
    """Why the edited file (of `new_size` bytes) must not be written, or None when every edited unit is proven
    alone. Raises NotSeparable when a unit is not, alone, the module it is in the file (prove the whole file)."""
    libcst = new_size <= LIBCST_MAX_BYTES  # as check_fixed decides: LibCST's time and memory grow with the file
    if not pieces.starts:
        raise NotSeparable("the file has no statements")
    ends = pieces.starts[1:]
    ends.append(len(source.text))
    group: List = []  # [first unit, last unit, replacements]: proven when the next replacement does not join it
    for replacement in in_order(replacements):  # (one group's objects at a time: there can be one every 77 bytes)
        first = bisect_right(pieces.starts, replacement.start) - 1
        last = max(first, bisect_left(pieces.starts, replacement.end) - 1)  # an insertion at a unit's start: that unit
        if group and (
            first <= group[1] or (first == group[1] + 1 and ends[last] - pieces.starts[group[0]] <= _FRAGMENT_CHARS)
        ):
            group[1] = max(group[1], last)
            group[2].append(replacement)
            continue
        problem = _check_group(source, pieces, ends, group, path, libcst) if group else None
        if problem is not None:
            return problem
        group = [first, last, [replacement]]
    return _check_group(source, pieces, ends, group, path, libcst) if group else None


def _check_group(
    source: DecodedSource, pieces: Outline, ends: "array[int]", group: List, path: str, libcst: bool
) -> Optional[str]:
    """Why the units `group` names, with its replacements, must not be written, or None."""
    text = source.text
    first, last, edits = group
    start, end = pieces.starts[first], ends[last]
    old = text[start:end]
    new, cursor = [], start
    for edit in edits:
        new += [text[cursor : edit.start], edit.text]
        cursor = edit.end
    new.append(text[cursor:end])
    line = pieces.first_lines[first]
    try:
        old_tree = parse_fragment(old, line, path)
    except (SyntaxError, ValueError) as error:
        raise NotSeparable(str(error)) from None
    if len(old_tree.body) != sum(pieces.statements[first : last + 1]):
        raise NotSeparable(f"the statements from line {line} parse differently alone")
    return check_fragment(old_tree, old, "".join(new), line, path, pieces.future_flags, libcst)
