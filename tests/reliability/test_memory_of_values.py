"""What the analyzer holds for the values a module keeps (issue 12 item 7: `check` and `fix` within 10x any file).
A module's top-level names live as long as its analysis, each with its value and that value's flow; a module of
module-level sites (`dataN = requests.get(u).content`) holds one per 68 bytes of source."""

from __future__ import annotations

import pickle
import tracemalloc

from buffix.analysis import analyze_source, bounded
from buffix.analysis.flow.model import BODY, Flow, Val, replace
from buffix.analysis.module import Module
from buffix.config import Config
from buffix.core.findings import Finding, FlowStep, Span
from buffix.core.packed import TABLE_TEXTS, Packer

STEPS = (FlowStep(Span(1, 0, 1, 15), "`requests.get()` gives a requests.Response", "a.py"),
         FlowStep(Span(300, 4, 301, 9), "assigned to `data`", None))


def stepped(steps=STEPS) -> Val:
    value = Val(BODY)
    for step in steps:
        value = value.step(step.span, step.description, step.path)
    return value


def test_a_flow_is_the_tuple_of_its_steps():
    value = stepped()
    flow = value.flow
    assert isinstance(flow, Flow) and flow == STEPS and STEPS == flow and tuple(flow) == STEPS
    assert flow != STEPS[:1] and flow != list(STEPS) and flow != stepped(STEPS[:1]).flow
    assert hash(flow) == hash(STEPS) and len(flow) == 2 and bool(flow) and flow[-1] == STEPS[1]
    assert [flow[i] for i in range(-2, 2)] == [*STEPS, *STEPS] and flow[1:] == STEPS[1:]
    assert list(reversed(flow)) == list(reversed(STEPS)) and STEPS[1] in flow and repr(flow) == repr(STEPS)
    assert flow + STEPS[:1] == STEPS + STEPS[:1] and STEPS[:1] + flow == STEPS[:1] + STEPS
    assert flow + flow == STEPS + STEPS and flow + () is flow and () + flow is flow
    assert pickle.loads(pickle.dumps(value)) == value
    # a Val whose flow is the tuple (the evaluator makes some) is the same value
    assert value == replace(value, flow=STEPS) and hash(value) == hash(replace(value, flow=STEPS))


def test_a_step_shares_the_flow_before_it_and_equal_descriptions():
    value = stepped()
    name = "".join(["da", "ta"])  # a new string, as the evaluator's f-strings make one at each site
    again = value.step(Span(302, 0, 302, 4), f"assigned to `{name}`", None)
    assert isinstance(again.flow, Flow) and again.flow.before is value.flow
    assert again.flow.description is value.flow.description
    assert value.step(STEPS[1].span, "a step where the last one is", None) is value
    assert not hasattr(value, "__dict__")  # slotted: ~140 bytes, with a dict ~250


def test_the_packers_table_of_texts_is_bounded_and_its_findings_stay_whole():
    count = TABLE_TEXTS + 500
    findings = [Finding("BFX201", f"response body `data{n}` reaches `memoryview()`", "a.py", Span(n + 1, 4, n + 1, 9),
                        "high", (FlowStep(Span(n + 1, 0, n + 1, 3), f"assigned to `data{n}`"),))
                for n in range(count)]
    findings.append(findings[0])  # the same code and span, after the table started again
    tracemalloc.start()
    try:
        packer = Packer()
        for finding in findings:
            packer.add(finding)
        held = tracemalloc.get_traced_memory()[0]
    finally:
        tracemalloc.stop()
    assert packer.packed() == tuple(findings)
    assert packer.key(count) == packer.key(0) and packer.key(1) != packer.key(0)
    # ~40 bytes a finding of its fields and its two texts' places in the table; with every text in the lookup
    # table too, ~160
    assert held / len(findings) < 100


def test_findings_past_32768_texts_keep_2_byte_fields():
    count = 40_000  # each with two texts of its own (its message, its last step), as module-level sites have
    findings = [Finding("BFX201", f"response body `data{n}` reaches `memoryview()`", "a.py", Span(n + 1, 4, n + 1, 9),
                        "high", (FlowStep(Span(n + 1, 0, n + 1, 3), f"assigned to `data{n}`"),))
                for n in range(count)]
    packer = Packer()
    for finding in findings:
        packer.add(finding)
    assert packer.packed() == tuple(findings) and pickle.loads(pickle.dumps(packer.packed())) == tuple(findings)
    assert [packer.code(i) for i in (0, count - 1)] == ["BFX201", "BFX201"]
    # 17 fields: 34 bytes a finding, where the texts numbered past 2 bytes made them 4 bytes each (68)
    assert len(packer.data) / count < 40


def held_at_the_end_of_the_analysis(sites: int, monkeypatch) -> int:
    """Bytes traced at the end of the analysis (before `dispose`) of a module of `sites` module-level sites."""
    source = "import requests\n" + "".join(f"data{n} = requests.get(u).content\nview{n} = memoryview(data{n})\n"
                                          for n in range(sites))
    held = []
    dispose = Module.dispose

    def measured(module: Module) -> None:
        held.append(tracemalloc.get_traced_memory()[0])
        dispose(module)

    monkeypatch.setattr(Module, "dispose", measured)
    tracemalloc.start()
    try:
        result = analyze_source(source.encode(), "top.py", Config())
    finally:
        tracemalloc.stop()
        monkeypatch.setattr(Module, "dispose", dispose)
    assert len(result.findings) == sites
    return held[0]  # (`dispose` runs again once the findings are built)


def test_a_modules_top_level_names_hold_little_each(monkeypatch):
    monkeypatch.setattr(bounded, "BOUNDED_MIN_CHARS", 0)  # in pieces, as a large file is: no whole tree held
    analyze_source(b"import requests\n", "warm.py", Config())  # what any analysis makes once (catalogs)
    # the cost of a site: two sizes apart (what does not grow with the file, the cache of parsed pieces, cancels)
    per_site = (held_at_the_end_of_the_analysis(3000, monkeypatch) - held_at_the_end_of_the_analysis(1000, monkeypatch)) / 2000
    # its two names (in the module's tables and the frame's), the body's value and its flow of three steps, its
    # finding packed (whose message and last description name the site): ~1.2 KB; ~1.9 KB with each flow a tuple
    # of FlowSteps and Spans, Vals with dicts, a description string per step, every text in the packer's table
    assert per_site < 1500, per_site
