"""BFX5: copies that silently iterate a proxied body int by int."""

from buffix.knowledge.families import SLOW_COPY
from buffix.knowledge.model import SinkGroup
from buffix.knowledge.rules.rule import Invalid, Rule

RULES = (
    Rule(
        code="BFX501",
        name="iterating-copy-of-body",
        summary="this copy iterates a proxied body byte by byte (80-670x slower than a memcpy)",
        what="Finds `bytearray(body)`, `array.array(code, body)`, `bytes(list(body))` and similar copies of a "
        "response body.",
        why="Without the buffer protocol these constructors fall back to iterating the proxy one int at a time: "
        "5 ms instead of 23 µs for 1 MB, 1.6 s for 50 MB with `array.array`. Nothing fails, it is just slow.",
        example="import requests\nbuf = bytearray(requests.get(url).content)",
        use_instead="import requests\nbuf = bytearray(requests.get(url).content[:])",
        fix_safety="The fix slices the argument; the result is the same new mutable copy. Unsafe when provenance "
        "is guessed.",
        valid=("buf = bytearray(16)", "buf = bytearray(local_bytes)",
               "import requests\nbuf = bytearray(requests.get(url).content[:])"),
        invalid=(
            Invalid("import requests\nbuf = bytearray(requests.get(url).content)", 2, 17),
            Invalid("import array, requests\na = array.array('B', requests.get(url).content)", 2, 22),
            Invalid("import requests\nb = bytes(list(requests.get(url).content))", 2, 16),
        ),
    ),
)

FAMILY = SLOW_COPY
LEVEL = "warning"  # nothing fails, it is only slow
PRECISION = "high"  # slow on every proxy: a false positive is a value that is not a body

SINKS = (
    SinkGroup("BFX501", call=("builtins.bytearray",), arg=0, keyword=("source",), when="single",
              failing_line=r"\bbytearray\("),
    SinkGroup("BFX501", call=("array.array",), arg=1, keyword=("initializer",), failing_line=r"\barray\.array\("),
    SinkGroup("BFX501", syntax="bytes(list(body))", failing_line=r"\bbytes\(\s*list\(",
              unmeasured="not in the runtime matrix (tests/sinks.py)"),
)
