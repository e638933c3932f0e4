"""A hypothesis strategy for argument expressions full of the codemod's syntax traps.

Await, boolean/binary/unary operators, comparisons, conditionals, lambdas, walrus, yield, string
concatenation, comments and line breaks inside brackets, non-ASCII names: built as text, always valid
inside a call's parentheses in an `async def` generator body.
"""

from __future__ import annotations

from hypothesis import strategies as st

ATOMS = st.sampled_from(
    ["x", "resp.content", "r.read()", "body", "données", "数据", "b'ab'", "'a' 'b'", "f'{x}'", "[x, y]", "(x, y)",
     "{k: v}", "chunks[0]", "d['k']", "self.body", "x.y.z", "...", "1.5", "0x1F", "x[1:2]", "x[:]", "as_buffer(x)"]
)


def _wrap(children):
    unary = st.tuples(st.sampled_from(["not ", "-", "~", "+", "await "]), children).map("".join)
    binary = st.tuples(
        children,
        st.sampled_from([" + ", " or ", " and ", " < ", " == ", " is not ", " in ", " * ", " | ", " ** "]),
        children,
    ).map("".join)
    conditional = st.tuples(children, children, children).map(lambda t: f"{t[0]} if {t[1]} else {t[2]}")
    grouped = children.map(lambda e: f"({e})")
    commented = children.map(lambda e: f"(  # why\n    {e}\n)")
    lam = children.map(lambda e: f"(lambda: {e})")
    walrus = children.map(lambda e: f"(w := {e})")
    yielded = children.map(lambda e: f"(yield {e})")
    called = st.tuples(st.sampled_from(["f", "g.h", "bytes", "memoryview"]), children).map(lambda t: f"{t[0]}({t[1]})")
    subscripted = children.map(lambda e: f"({e})[0]")
    attribute = children.map(lambda e: f"({e}).attr")
    return st.one_of(unary, binary, conditional, grouped, commented, lam, walrus, yielded, called, subscripted,
                     attribute)


EXPRESSIONS = st.recursive(ATOMS, _wrap, max_leaves=6)

# The argument as it may stand alone in a call: unparenthesized walrus, yield in its own parentheses, lambda.
TOP_LEVEL = st.one_of(
    EXPRESSIONS,
    EXPRESSIONS.map(lambda e: f"w := {e}"),
    EXPRESSIONS.map(lambda e: f"lambda: {e}"),
    EXPRESSIONS.map(lambda e: f"await {e}"),
    EXPRESSIONS.map(lambda e: f"{e}  # trailing\n    "),
)
