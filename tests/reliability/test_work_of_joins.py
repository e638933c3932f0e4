"""What the analyzer does at a join grows with what changed, not with the frame (issue 12 item 7: a module of
module-level chunk loops, each joining the whole top frame, was quadratic: 0.3 MB `check` 148 s)."""

from __future__ import annotations

from buffix.analysis import analyze_source
from buffix.analysis.flow import model
from buffix.analysis.flow.model import BODY, CONTAINER, TUPLE, Val, merge
from buffix.config import Config
from buffix.core.findings import Span

LOOP = "for chunk{0} in requests.get(u, stream=True).iter_content():\n    view{0} = memoryview(chunk{0})\n"


def values_made(loops: int, monkeypatch) -> int:
    """How many values `model.replace` made in the analysis of a module of `loops` module-level chunk loops."""
    made = []
    replace = model.replace

    def counted(*args, **changes):
        made.append(1)
        return replace(*args, **changes)

    monkeypatch.setattr(model, "replace", counted)
    try:
        result = analyze_source(("import requests\n" + "".join(LOOP.format(n) for n in range(loops))).encode(),
                                "loops.py", Config())
    finally:
        monkeypatch.setattr(model, "replace", replace)
    assert len(result.findings) == loops
    return len(made)


def test_a_value_joined_with_itself_is_not_copied():
    value = Val(BODY).step(Span(1, 0, 1, 15), "`requests.get()` gives a requests.Response", None)
    assert merge([value, value, value]) is value and merge([None, None]) is None and merge([]) is None
    # a dict's keys are made sorted and unique, a TUPLE's parts joined: those are joined as before
    keyed = Val(CONTAINER, keys=("b", "a"))
    assert merge([keyed, keyed]).keys == ("a", "b")
    parts = Val(TUPLE, parts=((0, keyed),))
    assert merge([parts, parts]).parts[0][1].keys == ("a", "b")


def test_each_loop_copies_what_it_changed_not_the_frame(monkeypatch):
    # every module-level loop joins the top frame (its names before the loop, and after it); each name a loop left
    # alone was copied at each join: 200 loops made 41,200 values, 400 162,400 (now 1,200 and 2,400)
    few, more = values_made(200, monkeypatch), values_made(400, monkeypatch)
    assert more < 2.5 * few, (few, more)
