"""Apply sanitizing rewrites to the argument spans of one file: minimal, composed, proven, or refused with a reason.

Only the target character ranges change (plus one import line for the `helper` style). Nested targets, such
as the outer argument `memoryview(x)` and the inner `x` of `bytes(memoryview(x))`, are composed inside out:
the outer rewrite wraps the already-rewritten inner text. Targets that partly overlap are refused, never
dropped silently. Nothing is returned for writing unless the result parses, compiles and is the original
plus sanitizers.
"""

from __future__ import annotations

import ast
from array import array
from dataclasses import dataclass
from typing import Any, Dict, List, Optional, Sequence, Set, Tuple, Union

from buffix.core.findings import Span, slotted
from buffix.core.packed import PackedSpans, PackedTuple
from buffix.fixer.imports import helper_import
from buffix.fixer.piecewise import PIECEWISE_MIN_BYTES, NotSeparable, Outline, check_pieces, read_in_pieces
from buffix.fixer.rewrite import RewriteRefused, rewrite
from buffix.fixer.source import DecodedSource, PackedReplacements, Replacement, SourceError, decode_source
from buffix.fixer.verify import check_fixed, parse_original, rebound_names
from buffix.knowledge.fix_styles import FIX_STYLES, check_style


@slotted
@dataclass(frozen=True)
class Edit:
    span: Span
    before: str
    after: str


class PackedEdits(PackedTuple[Edit]):
    """Edits in ~24 bytes each and a table of their texts (as objects ~250: a file can have an edit every 77 bytes,
    held while the fixed file is analyzed again and sent to the main process)."""

    __slots__ = ("_texts", "_data", "_numbers")

    def __init__(self, edits: Sequence[Edit] = (), texts: Tuple[str, ...] = (), data: Optional["array[int]"] = None):
        self._numbers: Dict[str, int] = {text: n for n, text in enumerate(texts)}
        self._texts: List[str] = list(texts)
        self._data = data if data is not None else array("i")
        for edit in edits:
            self.append(edit)

    def append(self, edit: Edit) -> None:
        """Add an edit (while the fix is made: the fixer packs each edit as it makes it)."""
        span = edit.span
        self._data.extend((span.line, span.column, span.end_line, span.end_column,
                           self._number(edit.before), self._number(edit.after)))

    def _number(self, text: str) -> int:
        number = self._numbers.get(text)
        if number is None:
            number = self._numbers[text] = len(self._texts)
            self._texts.append(text)
        return number

    def in_span_order(self) -> "PackedEdits":
        """The edits sorted by their spans (stable), as `sorted(edits, key=span)`; itself when they are already."""
        data = self._data
        spans = [tuple(data[i * 6:i * 6 + 4]) for i in range(len(self))] if any(
            data[i * 6:i * 6 + 4] > data[i * 6 + 6:i * 6 + 10] for i in range(len(self) - 1)) else None
        if spans is None:
            return self
        ordered = PackedEdits()
        for index in sorted(range(len(self)), key=spans.__getitem__):
            ordered.append(self.item(index))
        return ordered

    def __len__(self) -> int:
        return len(self._data) // 6

    def item(self, index: int) -> Edit:
        line, column, end_line, end_column, before, after = self._data[index * 6:index * 6 + 6]
        return Edit(Span(line, column, end_line, end_column), self._texts[before], self._texts[after])

    def __reduce__(self) -> Tuple[type, Tuple[Any, ...]]:
        return PackedEdits, ((), tuple(self._texts), self._data)


@slotted
@dataclass(frozen=True)
class Refusal:
    span: Optional[Span]  # None: the whole file
    reason: str


@dataclass(frozen=True)
class FixOutcome:
    path: str
    new_source: Optional[bytes]  # None: nothing to write
    applied: Sequence[Edit] = ()  # PackedEdits
    refused: Tuple[Refusal, ...] = ()
    unchanged: Tuple[Span, ...] = ()  # targets that already are sanitized

    @property
    def changed(self) -> bool:
        return self.new_source is not None


class _Targets:
    """The spans to rewrite at their character offsets, in arrays (a file can have one every 77 bytes: as objects,
    ~330 bytes each). `order`: the located ones by start, then end descending, so that a target comes before those
    nested in it, without those that overlap another without nesting (refused)."""

    def __init__(self, spans: PackedSpans, decoded: DecodedSource, refused: List[Refusal]) -> None:
        self.spans = spans
        self.numbers, self.starts, self.ends = array("i"), array("q"), array("q")  # of the located ones
        for number, span in enumerate(spans):
            try:
                start, end = decoded.span_offsets(span)
            except SourceError as error:
                refused.append(Refusal(span, str(error)))
                continue
            self.numbers.append(number)
            self.starts.append(start)
            self.ends.append(end)
        self.order = self._nested(refused)

    def span(self, target: int) -> Span:
        return self.spans[self.numbers[target]]

    def _nested(self, refused: List[Refusal]) -> "array[int]":
        starts, ends, count = self.starts, self.ends, len(self.starts)
        if all(starts[t] < starts[t + 1] or (starts[t] == starts[t + 1] and ends[t] >= ends[t + 1])
               for t in range(count - 1)):
            ordered = array("i", range(count))  # (findings come in the order of the file: no list to sort)
        else:
            ordered = array("i", sorted(range(count), key=lambda t: (starts[t], -ends[t])))
        crossing: Set[int] = set()
        open_targets: List[int] = []
        for target in ordered:
            while open_targets and ends[open_targets[-1]] <= starts[target]:
                open_targets.pop()
            for other in open_targets:  # every earlier target that overlaps this one is still open
                if starts[target] < ends[other] < ends[target]:
                    crossing.update((target, other))
            open_targets.append(target)
        if not crossing:
            return ordered
        for target in ordered:
            if target in crossing:
                refused.append(Refusal(self.span(target), "overlaps another target without containing it"))
        return array("i", (target for target in ordered if target not in crossing))


def fix_source(source: bytes, targets: Sequence[Span], style: str = "slice", path: str = "<unknown>") -> FixOutcome:
    """Sanitize every target span of `source` in `style`; see FixOutcome for what was done and refused.
    A file above PIECEWISE_MIN_BYTES is proven one edited top-level statement at a time (buffix.fixer.piecewise)."""
    return _fix(source, targets, style, path, piecewise=len(source) > PIECEWISE_MIN_BYTES)


def fix_whole_file(source: bytes, targets: Sequence[Span], style: str = "slice", path: str = "<unknown>") -> FixOutcome:
    """`fix_source` with the proof on the whole file, whatever its size."""
    return _fix(source, targets, style, path, piecewise=False)


def fix_in_pieces(source: bytes, targets: Sequence[Span], style: str = "slice", path: str = "<unknown>") -> FixOutcome:
    """`fix_source` with the proof on the edited top-level statements, whatever the file's size (the same result)."""
    return _fix(source, targets, style, path, piecewise=True)


@dataclass(frozen=True)
class _Module:
    """What the fix needs of the file's tree; in piecewise mode the tree itself is not kept."""

    rebound: frozenset  # names the style calls that the module binds itself
    insertion: Optional[Replacement]  # the helper import, when the style needs one
    insertion_problem: Optional[str]
    proof: Union[ast.Module, Outline]  # the original's tree (whole-file proof) or its outline (piecewise)


def _read_module(decoded: DecodedSource, path: str, style: str, piecewise: bool) -> _Module:
    """Piecewise, the file is read one top-level statement at a time (its whole tree is ~190x the file)."""
    names = FIX_STYLES[style].calls
    proof: Union[ast.Module, Outline]
    if piecewise:
        facts = read_in_pieces(decoded, path, names)
        head, proof, rebound, imported = facts.head, facts.outline, facts.rebound, facts.imports_helper
    else:
        head = proof = parse_original(decoded.data, path)
        rebound, imported = rebound_names(head, names), False
    insertion, problem = None, None
    if style == "helper" and not imported:
        try:
            insertion = helper_import(decoded, head)
        except (SourceError, ValueError) as error:
            problem = _message(error)
    return _Module(rebound, insertion, problem, proof)


def _fix(source: bytes, targets: Sequence[Span], style: str, path: str, piecewise: bool) -> FixOutcome:
    check_style(style)
    spans = PackedSpans(dict.fromkeys(targets))  # the same site reported twice is one edit
    if not spans:
        return FixOutcome(path, None)
    try:
        decoded = decode_source(source)
        module = _read_module(decoded, path, style, piecewise)
    except NotSeparable:  # the file does not cut into statements (a syntax error, say): read it whole
        return _fix(source, targets, style, path, piecewise=False)
    except (SourceError, SyntaxError, ValueError) as error:
        return FixOutcome(path, None, refused=(Refusal(None, f"cannot fix this file: {_message(error)}"),))

    refused: List[Refusal] = []
    if module.rebound:  # the spelling would call the module's own name
        names = ", ".join(sorted(module.rebound))
        reason = f"the file rebinds {names}, so the {style} style would call the wrong thing"
        return FixOutcome(path, None, refused=tuple(Refusal(span, reason) for span in spans))
    located = _Targets(spans, decoded, refused)
    del spans
    applied = PackedEdits()  # each edit packed as it is made
    unchanged: List[Span] = []
    replacements = PackedReplacements()
    at = 0
    while at < len(located.order):  # each outermost target, with those nested in it
        target = located.order[at]
        new_text, at = _compose(located, at, decoded.text, style, applied, refused, unchanged)
        start, end = located.starts[target], located.ends[target]
        if new_text != decoded.text[start:end]:
            replacements.add(Replacement(start, end, new_text))
    del located  # not needed by the proof, the peak of a fix
    try:
        return _finish(decoded, module, replacements, path, applied, refused, unchanged)
    except NotSeparable:  # a unit does not stand alone: the whole-file proof decides
        return _fix(source, targets, style, path, piecewise=False)


def _compose(
    targets: _Targets, at: int, text: str, style: str, applied: PackedEdits, refused: List[Refusal],
    unchanged: List[Span],
) -> Tuple[str, int]:
    """The new text of the range of the target at `targets.order[at]`: the targets nested in it (those that follow
    it in that order and begin inside it) rewritten first, then the target around them; and where the next target
    not nested in it is in that order."""
    order, starts, ends = targets.order, targets.starts, targets.ends
    target = order[at]
    start, end = starts[target], ends[target]
    pieces, cursor, at = [], start, at + 1
    while at < len(order) and starts[order[at]] < end:
        child = order[at]
        new_child, at = _compose(targets, at, text, style, applied, refused, unchanged)
        pieces += [text[cursor : starts[child]], new_child]
        cursor = ends[child]
    pieces.append(text[cursor:end])
    inner = "".join(pieces)
    span = targets.span(target)
    try:
        new = rewrite(inner, style)
    except RewriteRefused as error:
        refused.append(Refusal(span, str(error)))
        return inner, at
    if new == inner:
        unchanged.append(span)
    else:
        applied.append(Edit(span, text[start:end], new))
    return new, at


def _finish(
    decoded: DecodedSource,
    module: _Module,
    replacements: PackedReplacements,
    path: str,
    applied: PackedEdits,
    refused: List[Refusal],
    unchanged: List[Span],
) -> FixOutcome:
    edits = applied.in_span_order()

    def outcome(new_source: Optional[bytes]) -> FixOutcome:
        return FixOutcome(
            path,
            new_source,
            edits,
            tuple(sorted(refused, key=lambda r: _key(r.span))),
            tuple(sorted(unchanged, key=_key)),
        )

    if not replacements:
        return outcome(None)
    problem = module.insertion_problem
    if problem is None:
        if module.insertion is not None:
            replacements.add(module.insertion)
        try:
            if isinstance(module.proof, Outline):  # the pieces are proven from the old text: no new text made
                new_data = decoded.replaced(replacements)
                problem = check_pieces(decoded, module.proof, replacements, len(new_data), path)
            else:
                new_text, new_data = decoded.replace(replacements)
                problem = check_fixed(module.proof, decoded.data, new_text, new_data, path)
        except (SourceError, ValueError) as error:
            problem = _message(error)
    if problem is None:
        return outcome(new_data)
    refused.extend(Refusal(edit.span, f"not applied: {problem}") for edit in edits)
    edits = PackedEdits()
    return outcome(None)


def _key(span: Optional[Span]) -> Tuple[int, ...]:
    return (0,) if span is None else (1, span.line, span.column, span.end_line, span.end_column)


def _message(error: Exception) -> str:
    if isinstance(error, SyntaxError):
        return f"line {error.lineno}: {error.msg}"
    text = str(error).strip()
    return text.splitlines()[0] if text else type(error).__name__
