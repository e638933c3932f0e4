"""Each rule's VALID / INVALID examples, as addressable pytest cases (e.g. `BFX101-INVALID-1`)."""

from __future__ import annotations

import pytest

from buffix.analysis import analyze_source
from buffix.config import Config
from buffix.knowledge.rules import all_rules

CONFIG = Config()
VALID = [(code, i, src) for code, rule in all_rules().items() for i, src in enumerate(rule.valid)]
INVALID = [(code, i, ex) for code, rule in all_rules().items() for i, ex in enumerate(rule.invalid)]


def _findings(source: str):
    result = analyze_source(source.encode(), "example.py", CONFIG)
    assert result.error is None, result.error
    return result.findings


@pytest.mark.parametrize("code,index,source", VALID, ids=[f"{c}-VALID-{i}" for c, i, _ in VALID])
def test_valid(code, index, source):
    assert [f for f in _findings(source) if f.code == code] == []


@pytest.mark.parametrize("code,index,example", INVALID, ids=[f"{c}-INVALID-{i}" for c, i, _ in INVALID])
def test_invalid(code, index, example):
    hits = [f for f in _findings(example.source) if f.code == code]
    assert hits, f"no {code} finding"
    if example.line is not None:
        assert (example.line, example.column) in {(f.line, f.column) for f in hits}


@pytest.mark.parametrize("code", sorted(all_rules()))
def test_rule_docs(code):
    rule = all_rules()[code]
    for heading in ("## What it does", "## Why is this bad?", "## Example", "## Use instead", "## Fix safety"):
        assert heading in rule.docs
    assert rule.valid and rule.invalid
    assert rule.fixable == (code[3] not in "69")


FIXABLE = sorted(code for code, rule in all_rules().items() if rule.fixable)


@pytest.mark.parametrize("code", FIXABLE)
def test_fix_of_example_is_use_instead(code):
    """The docs' promise, kept by the real CLI: `buffix fix` turns the rule's example into its "use instead"."""
    import subprocess
    import sys
    import textwrap

    rule = all_rules()[code]
    example, use_instead = (textwrap.dedent(text).strip() + "\n" for text in (rule.example, rule.use_instead))
    assert any(f.code == code for f in _findings(example)), f"the example of {code} has no {code} finding"
    run = subprocess.run([sys.executable, "-m", "buffix", "fix", "--unsafe-fixes", "--min-confidence", "low", "-"],
                         input=example.encode(), capture_output=True)
    assert run.returncode == 0, run.stderr.decode()
    assert run.stdout.decode() == use_instead
