"""Golden before/after pairs for every syntax trap and rule family, in every style.

Set BUFFIX_REGENERATE=1 to rewrite the `.after.py` files from the fixer (then review the diff by hand).
"""

from __future__ import annotations

import os

import libcst as cst
import pytest

from buffix.fixer import STYLES, fix_source, is_sanitized

from .cases import case_names, decode, load_case
from .sites import sanitized_spans

REGENERATE = os.environ.get("BUFFIX_REGENERATE") == "1"
CASES = case_names()


def _fixed_cases():
    return [(name, style) for name in CASES for style in STYLES if load_case(name).after_path(style).exists()]


@pytest.mark.parametrize("style", STYLES)
@pytest.mark.parametrize("name", CASES)
def test_golden(name, style):
    case = load_case(name)
    outcome = fix_source(case.before, case.targets, style, path=f"{name}.before.py")
    assert len(outcome.refused) == case.refused_for(style), outcome.refused
    assert all(refusal.reason for refusal in outcome.refused)
    assert len(outcome.applied) + len(outcome.unchanged) + len(outcome.refused) == len(set(case.targets))
    after = case.after_path(style)
    if REGENERATE and outcome.new_source is not None:
        after.write_bytes(outcome.new_source)
    if case.unchanged or case.refused_for(style) == len(case.targets):
        assert outcome.new_source is None and not after.exists()
        assert not outcome.applied
    else:
        assert outcome.new_source == after.read_bytes()


@pytest.mark.parametrize("name, style", _fixed_cases())
def test_second_run_changes_nothing(name, style):
    """Re-run on the fixed file with the spans of the same (now sanitized) sites."""
    fixed = load_case(name).after_path(style).read_bytes()
    spans = sanitized_spans(decode(fixed))
    assert spans, "the fixed file shows no sanitized site"
    outcome = fix_source(fixed, spans, style, path=f"{name}.{style}.after.py")
    assert outcome.new_source is None and not outcome.refused
    assert len(outcome.unchanged) == len(spans)


@pytest.mark.parametrize("name, style", _fixed_cases())
def test_edits_are_sanitizers_of_the_original_text(name, style):
    case = load_case(name)
    outcome = fix_source(case.before, case.targets, style)
    cst.parse_module(decode(outcome.new_source))
    for edit in outcome.applied:
        assert is_sanitized(edit.after) and not is_sanitized(edit.before), edit
