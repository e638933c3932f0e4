"""What the analyzer holds for the values a module keeps (issue 12 item 7: `check` and `fix` within 10x any file).
A module's top-level names live as long as its analysis, each with its value and that value's flow; a module of
module-level sites (`dataN = requests.get(u).content`) holds one per 68 bytes of source."""

from __future__ import annotations

import gc
import os
import pickle
import subprocess
import sys
import tracemalloc
from pathlib import Path
from typing import List

import buffix
from buffix.analysis import analyze_source, bounded
from buffix.analysis.flow.model import BODY, Flow, Val, replace
from buffix.analysis.module import Module
from buffix.config import Config
from buffix.core import packed
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


def test_an_assignments_step_holds_the_name_not_a_description_of_its_own():
    name = "".join(["da", "ta"])
    value = stepped().step(Span(302, 0, 302, 4), "assigned to `{}`", None, name)
    assert value.flow[-1] == FlowStep(Span(302, 0, 302, 4), "assigned to `data`", None)
    assert value.flow.name is name and value.flow == (*STEPS, value.flow[-1])
    assert pickle.loads(pickle.dumps(value)) == value


def in_a_fresh_process(measure: str, *args: int) -> float:
    """A figure this file measures (`__main__` below) in a process of its own: what ran before in this one (the
    interpreter's table of interned strings, grown and never shrunk, the analyzer's caches) would move it."""
    tree = str(Path(buffix.__file__).resolve().parents[1])  # the buffix under test, not the installed one
    env = {**os.environ, "PYTHONPATH": tree, "PYTHONHASHSEED": "0"}
    done = subprocess.run([sys.executable, __file__, measure, *map(str, args)], env=env, capture_output=True,
                          text=True, check=False)
    assert done.returncode == 0, done.stderr
    return float(done.stdout)


def test_the_packers_table_of_texts_is_bounded_and_its_findings_stay_whole():
    held = in_a_fresh_process("packer", TABLE_TEXTS + 500)
    # ~245 bytes a finding made and dropped once packed: its fields and its two texts of its own (its message and
    # its last description, which the table keeps); more with every text in the lookup table too
    assert held < 300, held


def test_a_modules_top_level_names_hold_little_each():
    per_site = in_a_fresh_process("top", 600)
    print(f"bytes a module-level site holds: {per_site:.0f}")
    # the body's value and its flow of three steps, the two names' entries in the module's tables and the
    # frame's, its finding packed (whose message and last description name the site): ~940 bytes; main before
    # stop 32 (each flow a tuple of FlowSteps and Spans, Vals with dicts, a description string per step, every
    # text in the packer's table): 1,605. (Over sizes 400-800 the figure moves with where the tables double:
    # 780-1,360 now, 1,400-1,970 on main.)
    assert per_site < 1300, per_site


def measure_the_packer(count: int) -> float:
    """Bytes the packer keeps a finding, each with two texts of its own (its message and its last step), made one
    at a time and dropped once packed, as the analysis reports them."""

    def made(n: int) -> Finding:
        return Finding("BFX201", f"response body `data{n}` reaches `memoryview()`", "a.py", Span(n + 1, 4, n + 1, 9),
                       "high", (FlowStep(Span(n + 1, 0, n + 1, 3), f"assigned to `data{n}`"),))

    tracemalloc.start()
    try:
        packer = Packer()
        for n in range(count):
            packer.add(made(n))
        packer.add(made(0))  # the same code and span, after the table started again
        held = tracemalloc.get_traced_memory()[0]
    finally:
        tracemalloc.stop()
    assert packer.packed() == tuple(made(n) for n in range(count)) + (made(0),)
    assert packer.key(count) == packer.key(0) and packer.key(1) != packer.key(0)
    return held / (count + 1)


def top_source(sites: int) -> bytes:
    return ("import requests\n" + "".join(f"data{n} = requests.get(u).content\nview{n} = memoryview(data{n})\n"
                                          for n in range(sites))).encode()


def measure_the_top(sites: int) -> float:
    """Bytes a module-level site holds at the end of the analysis (before `dispose`), in pieces as a large file is
    analyzed: the difference between `sites` and twice as many, after a first analysis of the same shape, so that
    what does not grow with the file (catalogs, caches, the parsed pieces kept) cancels."""
    bounded.BOUNDED_MIN_CHARS = 0
    # the packer's lookup table is bounded (tested above); a small bound keeps its sawtooth out of the difference
    packed.TABLE_TEXTS = 64  # (main before stop 32 has no bound: every text stays, and counts)
    # The names, interned by the parser, already in the interpreter's table: that table doubles as it grows, at a
    # point that depends on all the process made before, and the doubling would land in one size or the other.
    names = [sys.intern(f"{prefix}{n}") for n in range(2 * sites) for prefix in ("data", "view")]
    held: List[int] = []
    dispose = Module.dispose

    def measured(module: Module) -> None:
        gc.collect()
        held.append(tracemalloc.get_traced_memory()[0])
        dispose(module)

    Module.dispose = measured  # type: ignore[method-assign]

    def at_the_end(count: int) -> int:
        held.clear()
        tracemalloc.start()
        try:
            result = analyze_source(top_source(count), "top.py", Config())
        finally:
            tracemalloc.stop()
        assert len(result.findings) == count
        return held[0]  # (`dispose` runs again once the findings are built)

    at_the_end(sites)
    per_site = (at_the_end(2 * sites) - at_the_end(sites)) / sites
    assert names
    return per_site


if __name__ == "__main__":
    MEASURES = {"packer": measure_the_packer, "top": measure_the_top}
    print(MEASURES[sys.argv[1]](*map(int, sys.argv[2:])))
