"""The fuzz property, shared by the fast suite (test_fuzz.py) and the long run (fuzz_long.py).

For a source and a choice of call sites (first positional argument of a call, found with `ast`):
fix_source() does not crash, accounts for every target, and when it changes the file
  - the result parses (ast and LibCST, checked again here),
  - only the target lines change, and only by inserted text (the old line is a subsequence of the new one),
    plus the one import line of the helper style,
  - a second run on the same sites (recomputed in the fixed file) changes nothing.
"""

from __future__ import annotations

import ast
import random
from dataclasses import dataclass
from typing import List, Optional, Sequence, Tuple

import libcst as cst

from buffix.core.findings import Span
from buffix.fixer import fix_source
from buffix.knowledge.fix_styles import HELPER_IMPORT

from .cases import decode, line_starts
from .sites import call_argument_spans


@dataclass(frozen=True)
class Result:
    sites: int
    applied: int
    refused: int
    failures: List[str]
    reasons: Tuple[str, ...] = ()  # why targets were refused


def pick_sites(text: str, tree: ast.AST, rng: Optional[random.Random], limit: Optional[int]) -> List[int]:
    count = len(call_argument_spans(text, tree))
    indexes = list(range(count))
    if limit is not None and count > limit:
        indexes = sorted((rng or random.Random(0)).sample(indexes, limit))
    return indexes


def check_source(data: bytes, style: str, path: str, rng=None, limit=None) -> Optional[Result]:
    """None when Python cannot parse the input (nothing to fuzz)."""
    try:
        text = decode(data)
        tree = ast.parse(text)
    except (SyntaxError, ValueError, UnicodeDecodeError):
        return None
    sites = call_argument_spans(text, tree)
    chosen = pick_sites(text, tree, rng, limit)
    targets = [sites[i] for i in chosen]
    failures: List[str] = []
    try:
        outcome = fix_source(data, targets, style, path=path)
    except Exception as error:  # the property: never a crash
        return Result(len(targets), 0, 0, [f"{path}: crash {type(error).__name__}: {error}"])
    whole_file = [r for r in outcome.refused if r.span is None]
    if not whole_file and len(outcome.applied) + len(outcome.unchanged) + len(outcome.refused) != len(set(targets)):
        failures.append(f"{path}: targets not all accounted for")
    if outcome.refused and any(not r.reason for r in outcome.refused):
        failures.append(f"{path}: a refusal without a reason")
    if outcome.new_source is not None:
        failures += _check_fixed(data, text, outcome, style, path, chosen, len(sites))
    reasons = tuple(r.reason for r in outcome.refused)
    return Result(len(targets), len(outcome.applied), len(outcome.refused), failures, reasons)


def _check_fixed(data, text, outcome, style, path, chosen, site_count) -> List[str]:
    new_data = outcome.new_source
    try:
        new_text = decode(new_data)
        new_tree = ast.parse(new_text)
        cst.parse_module(new_text)
    except Exception as error:
        return [f"{path}: the result does not parse: {type(error).__name__}: {error}"]
    failures = _only_target_lines_changed(text, new_text, [e.span for e in outcome.applied], style, path)
    if data.startswith(b"\xef\xbb\xbf") != new_data.startswith(b"\xef\xbb\xbf"):
        failures.append(f"{path}: BOM lost or added")
    new_sites = call_argument_spans(new_text, new_tree)
    if len(new_sites) != site_count:
        return failures + [f"{path}: {site_count} call sites became {len(new_sites)}"]
    again = fix_source(new_data, [new_sites[i] for i in chosen], style, path=path)
    if again.new_source is not None or again.applied:
        failures.append(f"{path}: a second run changed {[(e.before, e.after) for e in again.applied][:3]}")
    return failures


def _lines(text: str) -> List[str]:
    starts = line_starts(text) + [len(text)]
    return [text[a:b] for a, b in zip(starts, starts[1:]) if a < b or a == 0]


def _only_target_lines_changed(old: str, new: str, spans: Sequence[Span], style: str, path: str) -> List[str]:
    old_lines, new_lines = _lines(old), _lines(new)
    if style == "helper" and len(new_lines) == len(old_lines) + 1:
        for index, line in enumerate(new_lines):
            if line.rstrip("\r\n") == HELPER_IMPORT and (index >= len(old_lines) or old_lines[index] != line):
                del new_lines[index]
                break
    if len(old_lines) != len(new_lines):
        return [f"{path}: {len(old_lines)} lines became {len(new_lines)}"]
    touched = {line for span in spans for line in range(span.line, span.end_line + 1)}
    failures = []
    for number, (before, after) in enumerate(zip(old_lines, new_lines), start=1):
        if before == after:
            continue
        if number not in touched:
            failures.append(f"{path}:{number}: a line without a target changed: {before!r} -> {after!r}")
        elif not _is_subsequence(before, after):
            failures.append(f"{path}:{number}: text was removed: {before!r} -> {after!r}")
    return failures


def _is_subsequence(short: str, long: str) -> bool:
    characters = iter(long)
    return all(character in characters for character in short)
