"""A file's findings are packed (core/packed.py) as the analyzer reports them: the sequence must be the tuple it
stands for in every way the stages use it, and small (issue 12 item 7: memory of `check` and `fix` near 10x the
file, with a finding every 77 bytes)."""

from __future__ import annotations

import pickle

from buffix.analysis import analyze_source
from buffix.config import Config
from buffix.core.findings import FileResult, Finding, Fix, FlowStep, Span
from buffix.core.packed import PackedFindings, Packer

FINDINGS = (
    Finding("BFX201", "response body `data` reaches `memoryview()`: é", "a.py", Span(3, 4, 3, 20), "high",
            (FlowStep(Span(2, 11, 2, 31), "`requests.get()` gives a response"),
             FlowStep(Span(700, 0, 701, 5), "`helper()` returns it", "b/ü.py")),
            Fix("unsafe", (Span(3, 15, 3, 19), Span(3, 0, 3, 2)), "a comment sits inside the rewritten expression"),
            ((FlowStep(Span(9, 1, 9, 2), "reaches `x`", "c.py"),), ())),
    Finding("BFX902", "suppression names no code", "a.py", Span(1, 0, 1, 9), "low"),
    Finding("BFX101", "", "a.py", Span(2**31 - 1, 0, 2**31 - 1, 1), "medium", (), Fix("safe", (), "")),
)


def packed(findings=FINDINGS) -> PackedFindings:
    packer = Packer()
    for finding in findings:
        packer.add(finding)
    return packer.packed()


def test_packed_findings_are_the_tuple_they_stand_for():
    found = packed()
    assert found == FINDINGS and FINDINGS == found and found == packed()
    assert found != FINDINGS[:2] and found != list(FINDINGS)
    assert tuple(found) == FINDINGS and list(reversed(found)) == list(reversed(FINDINGS))
    assert [found[i] for i in range(-3, 3)] == [*FINDINGS, *FINDINGS]
    assert found[1:] == FINDINGS[1:] and found[::2] == FINDINGS[::2]
    assert hash(found) == hash(FINDINGS) and len(found) == 3 and bool(found) and not packed(())
    assert found + FINDINGS[:1] == FINDINGS + FINDINGS[:1] and found + found == FINDINGS + FINDINGS
    assert FINDINGS[:1] + found == FINDINGS[:1] + FINDINGS
    assert repr(found) == repr(FINDINGS) and FINDINGS[2] in found and found.index(FINDINGS[1]) == 1
    assert pickle.loads(pickle.dumps(found)) == FINDINGS
    assert FileResult("a.py", found) == FileResult("a.py", FINDINGS)


def test_a_cut_drops_the_findings_after_the_mark():
    packer = Packer()
    for finding in FINDINGS:
        packer.add(finding)
    packer.cut(1)
    packer.add(FINDINGS[2])
    assert packer.packed() == (FINDINGS[0], FINDINGS[2])
    assert [packer.code(i) for i in range(2)] == ["BFX201", "BFX101"]
    assert packer.key(1) != packer.key(0)


def test_the_analyzer_packs_a_dense_file_small():
    function = "def f{0}(u):\n    data = requests.get(u).content\n    return memoryview(data)\n\n\n"
    source = ("import requests\n\n\n" + "".join(function.format(n) for n in range(400))).encode()
    result = analyze_source(source, "dense.py", Config())
    assert len(result.findings) == 400 and isinstance(result.findings, PackedFindings)
    assert [f.line for f in result.findings] == sorted(f.line for f in result.findings)
    # ~90 bytes a finding (its fields 2 bytes each), pickled as much (the worker sends it, the main process keeps
    # it): objects cost ~1 KB, 4-byte fields ~170
    assert len(pickle.dumps(result)) < 120 * 400


def test_a_finding_whose_fields_do_not_fit_two_bytes_is_packed_wide():
    far = Finding("BFX201", "m", "a.py", Span(3, 4, 3, 20), "high",
                  (FlowStep(Span(100_000, 70_000, 100_001, 5), "reaches `x`", "b.py"),))
    findings = (FINDINGS[0], far, FINDINGS[1], FINDINGS[2])
    found = packed(findings)
    assert found == findings and pickle.loads(pickle.dumps(found)) == findings


def test_packed_edits_are_the_tuple_they_stand_for():
    from buffix.fixer.apply import Edit, PackedEdits, fix_source

    edits = (Edit(Span(3, 15, 3, 19), "data", "data[:]"), Edit(Span(2**20, 1, 2**20 + 2, 9), "a\nb", "é[:]"),
             Edit(Span(4, 1, 4, 5), "data", "data[:]"))
    packed_edits = PackedEdits(edits)
    assert packed_edits == edits and tuple(packed_edits) == edits and packed_edits[-1] == edits[2]
    assert pickle.loads(pickle.dumps(packed_edits)) == edits and not PackedEdits()
    outcome = fix_source(b"import io\nio.BytesIO(data)\n", [Span(2, 12, 2, 16)], "slice", "a.py")
    assert isinstance(outcome.applied, PackedEdits)
    assert outcome.applied == (Edit(Span(2, 12, 2, 16), "data", "data[:]"),)


def test_packed_edits_sort_by_span_as_sorted_does():
    from buffix.fixer.apply import Edit, PackedEdits

    edits = [Edit(Span(5, 1, 5, 9), "b", "b[:]"), Edit(Span(2, 4, 2, 8), "a", "a[:]"),
             Edit(Span(2, 1, 2, 12), "f(a)", "f(a[:])[:]"), Edit(Span(2, 1, 2, 12), "g", "g[:]")]
    assert PackedEdits(edits).in_span_order() == tuple(sorted(edits, key=lambda e: (e.span.line, e.span.column,
                                                                                    e.span.end_line,
                                                                                    e.span.end_column)))
    ordered = PackedEdits(edits[1:2])
    assert ordered.in_span_order() is ordered
