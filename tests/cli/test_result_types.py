"""The result types are slotted frozen dataclasses: a file can have a finding every 77 bytes, and a per-instance
dict (which pickling a plain dataclass also creates) doubled what they cost (docs/performance.md)."""

from __future__ import annotations

import dataclasses
import pickle

import pytest

from buffix.analysis import analyze_source
from buffix.core.findings import FileError, FileResult, Finding, Fix, FlowStep, Span
from buffix.core.packed import PackedFindings
from buffix.fixer.apply import Edit, Refusal
from buffix.pipeline import Reworked

SOURCE = b"import requests\n\ndef f(u):\n    data = requests.get(u).content\n    return memoryview(data)\n"


def _parts(result: FileResult) -> list:
    finding = result.findings[0]
    return [result, finding, finding.span, finding.flow[0], finding.fix, FileError("a.py", "m"),
            Edit(finding.span, "data", "data[:]"), Refusal(None, "why")]


def test_no_instance_dict_even_after_a_pickle_round_trip() -> None:
    result = analyze_source(SOURCE, "a.py")
    back = pickle.loads(pickle.dumps(result))
    assert back == result and hash(back.findings[0]) == hash(result.findings[0])
    for value in _parts(result) + _parts(back):
        assert not hasattr(value, "__dict__"), type(value).__name__


def test_still_frozen_and_a_dataclass() -> None:
    span = Span(1, 2, 1, 5)
    with pytest.raises(dataclasses.FrozenInstanceError):
        span.line = 3  # type: ignore[misc]
    finding = Finding("BFX101", "m", "a.py", span, "high", (FlowStep(span, "d"),), Fix("safe", (span,)))
    assert dataclasses.replace(finding, code="BFX102").code == "BFX102"
    assert dataclasses.asdict(span) == {"line": 1, "column": 2, "end_line": 1, "end_column": 5}


def test_a_subclass_keeps_its_own_fields_through_pickle() -> None:
    reworked = Reworked("a.py", (), payload={"x": 1}, of_bytes_read=False)
    back = pickle.loads(pickle.dumps(reworked))
    assert back == reworked and back.payload == {"x": 1} and not back.of_bytes_read
    assert not hasattr(back, "__dict__")


def test_a_files_findings_share_their_equal_parts() -> None:
    """results.build packs a file's findings (core.packed): positions as ints in one array, each equal text once."""
    source = SOURCE + b"\ndef g(u):\n    data = requests.get(u).content\n    return memoryview(data)\n"
    findings = analyze_source(source, "a.py").findings
    assert isinstance(findings, PackedFindings)
    first, second = findings
    assert first.span == first.flow[-1].span == first.fix.targets[0]  # type: ignore[union-attr]
    assert first.message is second.message
    assert first.flow[0].description is second.flow[0].description
