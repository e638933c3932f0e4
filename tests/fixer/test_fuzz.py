"""Property tests of the fixer: generated expressions, hypothesmith programs, and a seeded stdlib sample.

The long run over every stdlib file is tests/fixer/fuzz_long.py.
"""

from __future__ import annotations

import ast
import random
import sysconfig
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from buffix.core.findings import Span
from buffix.fixer import STYLES, fix_source

from .expressions import TOP_LEVEL
from .fuzzing import check_source
from .injection import insert_statements, with_sites
from .sites import call_argument_spans

FAST = settings(max_examples=60, deadline=None, derandomize=True, suppress_health_check=list(HealthCheck))


def _module(argument: str) -> str:
    return f"async def handler(x, y, r, resp, body, chunks, d, k, v, f, g):\n    yield sink(\n        {argument}, tail)\n"


def _argument_span(argument: str) -> Span:
    argument = argument.rstrip()
    if "#" in argument.splitlines()[-1]:  # "e  # trailing": the expression ends before its comment
        argument = argument[: argument.rindex("#")].rstrip()
    lines = argument.split("\n")
    end_line = 3 + len(lines) - 1
    end_column = (9 + len(lines[0]) if len(lines) == 1 else len(lines[-1]) + 1)
    return Span(3, 9, end_line, end_column)


@FAST
@given(argument=TOP_LEVEL, style=st.sampled_from(STYLES))
def test_generated_arguments(argument, style):
    source = _module(argument)
    try:
        ast.parse(source)
    except SyntaxError:
        return  # e.g. `await` inside a lambda: not a program to fix
    data = source.encode()
    outcome = fix_source(data, [_argument_span(argument)], style, path="generated.py")
    assert len(outcome.applied) + len(outcome.unchanged) + len(outcome.refused) == 1
    if outcome.refused:
        reason = outcome.refused[0].reason
        assert any(word in reason for word in ("compiler", "generator", "does not compile")), reason
        return
    if outcome.new_source is None:
        return  # already sanitized
    fixed = ast.parse(outcome.new_source)
    call = fixed.body[-1].body[0].value.value
    assert call.func.id == "sink" and len(call.args) == 2 and ast.unparse(call.args[1]) == "tail"
    result = check_source(data, style, "generated.py")
    assert result is not None and not result.failures, result.failures


try:
    import hypothesmith
except ImportError:  # optional: the generated-expressions test above still runs
    hypothesmith = None


@pytest.mark.skipif(hypothesmith is None, reason="hypothesmith is not installed")
@settings(max_examples=25, deadline=None, derandomize=True, suppress_health_check=list(HealthCheck))
@given(source=st.one_of(hypothesmith.from_node(), hypothesmith.from_grammar()) if hypothesmith else st.nothing(),
       style=st.sampled_from(STYLES))
def test_hypothesmith_programs(source, style):
    try:
        data = source.encode("utf-8")
    except UnicodeEncodeError:
        return  # lone surrogates: not a file anyone can save
    result = check_source(data, style, "hypothesmith.py")
    assert result is None or not result.failures, result.failures


@pytest.mark.skipif(hypothesmith is None, reason="hypothesmith is not installed")
@settings(max_examples=25, deadline=None, derandomize=True, suppress_health_check=list(HealthCheck))
@given(program=with_sites(hypothesmith.from_node()) if hypothesmith else st.nothing(), style=st.sampled_from(STYLES))
def test_cst_programs_get_call_sites_inserted(program, style):
    """hypothesmith's CST-based programs have no calls of their own: the fuzz inserts sink calls into each."""
    source, inserted = program
    assert inserted
    assert call_argument_spans(source)
    result = check_source(source.encode("utf-8", "surrogatepass"), style, "inserted.py")
    assert result is not None and result.sites and not result.failures, result


def test_statements_are_inserted_at_every_kind_of_position():
    program = "import os\nclass C:\n    x = 1\nif a: pass\n"
    statement = "memoryview(resp.content)"
    placed = {insert_statements(program, [statement], [index]) for index in range(12)}
    assert "class C:\n    memoryview(resp.content)\n    x = 1\n" in "".join(placed)  # an indented block
    assert "if a: pass; memoryview(resp.content)\n" in "".join(placed)  # after a `;`
    assert "import os\nmemoryview(resp.content)\n" in "".join(placed)  # the module
    assert insert_statements("from __future__ import annotations\n", [statement], [0]).startswith("from __future__")
    assert insert_statements("x = (\n", [statement], [0]) is None  # nothing Python parses


def _stdlib_sample(count: int, seed: int):
    root = Path(sysconfig.get_paths()["stdlib"])
    files = sorted(p for p in root.rglob("*.py") if "site-packages" not in p.parts)
    return random.Random(seed).sample(files, count)


@pytest.mark.parametrize("index, path", list(enumerate(_stdlib_sample(12, seed=20240601))),
                         ids=lambda v: v.name if isinstance(v, Path) else str(v))
def test_stdlib_sample(index, path):
    style = STYLES[index % len(STYLES)]
    result = check_source(path.read_bytes(), style, str(path), random.Random(index), limit=60)
    assert result is None or not result.failures, result.failures[:5]
