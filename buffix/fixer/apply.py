"""Apply sanitizing rewrites to the argument spans of one file: minimal, composed, proven, or refused with a reason.

Only the target character ranges change (plus one import line for the `helper` style). Nested targets, such
as the outer argument `memoryview(x)` and the inner `x` of `bytes(memoryview(x))`, are composed inside out:
the outer rewrite wraps the already-rewritten inner text. Targets that partly overlap are refused, never
dropped silently. Nothing is returned for writing unless the result parses, compiles and is the original
plus sanitizers.
"""

from __future__ import annotations

import ast
from dataclasses import dataclass, field
from typing import List, Optional, Sequence, Set, Tuple

from buffix.core.findings import Span
from buffix.fixer.imports import helper_import
from buffix.fixer.rewrite import RewriteRefused, rewrite
from buffix.fixer.source import DecodedSource, Replacement, SourceError, decode_source
from buffix.fixer.verify import check_fixed, parse_original, rebound_names
from buffix.knowledge.fix_styles import FIX_STYLES, check_style


@dataclass(frozen=True)
class Edit:
    span: Span
    before: str
    after: str


@dataclass(frozen=True)
class Refusal:
    span: Optional[Span]  # None: the whole file
    reason: str


@dataclass(frozen=True)
class FixOutcome:
    path: str
    new_source: Optional[bytes]  # None: nothing to write
    applied: Tuple[Edit, ...] = ()
    refused: Tuple[Refusal, ...] = ()
    unchanged: Tuple[Span, ...] = ()  # targets that already are sanitized

    @property
    def changed(self) -> bool:
        return self.new_source is not None


@dataclass
class _Target:
    span: Span
    start: int
    end: int
    children: List["_Target"] = field(default_factory=list)


def fix_source(source: bytes, targets: Sequence[Span], style: str = "slice", path: str = "<unknown>") -> FixOutcome:
    """Sanitize every target span of `source` in `style`; see FixOutcome for what was done and refused."""
    check_style(style)
    spans = tuple(dict.fromkeys(targets))  # the same site reported twice is one edit
    if not spans:
        return FixOutcome(path, None)
    try:
        decoded = decode_source(source)
        old_tree = parse_original(source, path)
    except (SourceError, SyntaxError, ValueError) as error:
        return FixOutcome(path, None, refused=(Refusal(None, f"cannot fix this file: {_message(error)}"),))

    refused: List[Refusal] = []
    rebound = rebound_names(old_tree, FIX_STYLES[style].calls)  # names the spelling calls: the file must not rebind
    if rebound:
        reason = f"the file rebinds {', '.join(sorted(rebound))}, so the {style} style would call the wrong thing"
        return FixOutcome(path, None, refused=tuple(Refusal(span, reason) for span in spans))
    located = []
    for span in spans:
        try:
            located.append(_Target(span, *decoded.span_offsets(span)))
        except SourceError as error:
            refused.append(Refusal(span, str(error)))
    roots = _nest(located, refused)

    applied: List[Edit] = []
    unchanged: List[Span] = []
    replacements = []
    for root in roots:
        new_text = _compose(root, decoded.text, style, applied, refused, unchanged)
        if new_text != decoded.text[root.start : root.end]:
            replacements.append(Replacement(root.start, root.end, new_text))
    return _finish(decoded, old_tree, replacements, style, path, applied, refused, unchanged)


def _nest(targets: List[_Target], refused: List[Refusal]) -> List[_Target]:
    """Arrange targets as a forest by containment; refuse the pairs that overlap without nesting."""
    ordered = sorted(targets, key=lambda t: (t.start, -t.end))
    crossing: Set[int] = set()
    open_targets: List[_Target] = []
    for target in ordered:
        while open_targets and open_targets[-1].end <= target.start:
            open_targets.pop()
        for other in open_targets:  # every earlier target that overlaps this one is still open
            if target.start < other.end < target.end:
                crossing.update((id(target), id(other)))
        open_targets.append(target)
    roots: List[_Target] = []
    open_targets = []
    for target in ordered:
        if id(target) in crossing:
            refused.append(Refusal(target.span, "overlaps another target without containing it"))
            continue
        while open_targets and open_targets[-1].end <= target.start:
            open_targets.pop()
        (open_targets[-1].children if open_targets else roots).append(target)
        open_targets.append(target)
    return roots


def _compose(
    target: _Target, text: str, style: str, applied: List[Edit], refused: List[Refusal], unchanged: List[Span]
) -> str:
    """The new text of the target's range: its nested targets rewritten first, then the target around them."""
    pieces, cursor = [], target.start
    for child in target.children:
        pieces += [text[cursor : child.start], _compose(child, text, style, applied, refused, unchanged)]
        cursor = child.end
    pieces.append(text[cursor : target.end])
    inner = "".join(pieces)
    try:
        new = rewrite(inner, style)
    except RewriteRefused as error:
        refused.append(Refusal(target.span, str(error)))
        return inner
    if new == inner:
        unchanged.append(target.span)
    else:
        applied.append(Edit(target.span, text[target.start : target.end], new))
    return new


def _finish(
    decoded: DecodedSource,
    old_tree: ast.Module,
    replacements: List[Replacement],
    style: str,
    path: str,
    applied: List[Edit],
    refused: List[Refusal],
    unchanged: List[Span],
) -> FixOutcome:
    def outcome(new_source: Optional[bytes]) -> FixOutcome:
        return FixOutcome(
            path,
            new_source,
            tuple(sorted(applied, key=lambda e: _key(e.span))),
            tuple(sorted(refused, key=lambda r: _key(r.span))),
            tuple(sorted(unchanged, key=_key)),
        )

    if not replacements:
        return outcome(None)
    try:
        if style == "helper":
            insertion = helper_import(decoded, old_tree)
            if insertion is not None:
                replacements.append(insertion)
        new_text, new_data = decoded.replace(replacements)
        problem = check_fixed(old_tree, decoded.data, new_text, new_data, path)
    except (SourceError, ValueError) as error:
        problem = _message(error)
    if problem is None:
        return outcome(new_data)
    refused.extend(Refusal(edit.span, f"not applied: {problem}") for edit in applied)
    applied.clear()
    return outcome(None)


def _key(span: Optional[Span]) -> Tuple[int, ...]:
    return (0,) if span is None else (1, span.line, span.column, span.end_line, span.end_column)


def _message(error: Exception) -> str:
    if isinstance(error, SyntaxError):
        return f"line {error.lineno}: {error.msg}"
    text = str(error).strip()
    return text.splitlines()[0] if text else type(error).__name__
