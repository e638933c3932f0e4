"""BFX4: conversions that work only on proxies forwarding __bytes__ / __add__ / __radd__."""

from buffix.knowledge.families import PROXY_DEPENDENT
from buffix.knowledge.model import SinkGroup
from buffix.knowledge.rules.rule import Invalid, Rule

_WHY = """wrapt, lazy-object-proxy, werkzeug and Django proxies forward `__bytes__`, `__add__` and `__radd__`, so this
works with them, but it raises `TypeError` on a proxy that forwards only attribute access, and wrapt changed
`__bytes__` across versions. Whether it works depends on the proxy, not on your code."""

RULES = (
    Rule(
        code="BFX401",
        name="bytes-of-body",
        summary="bytes(body) depends on the proxy forwarding __bytes__",
        what="Finds `bytes(x)` (one argument, no encoding) where `x` is a response body.",
        why=_WHY,
        example="import requests\ndata = bytes(requests.get(url).content)",
        use_instead="import requests\ndata = bytes(requests.get(url).content[:])",
        fix_safety="The fix slices the argument (`bytes(x[:])`), which works on every proxy that forwards "
        "`__getitem__`. Unsafe when provenance is guessed.",
        valid=("data = bytes(local_list)", "import requests\ndata = bytes(requests.get(url).content[:])",
               "import requests\ntext = bytes(requests.get(url).text, 'utf-8')"),
        invalid=(Invalid("import requests\ndata = bytes(requests.get(url).content)", 2, 14),),
    ),
    Rule(
        code="BFX402",
        name="concatenation-with-body",
        summary="concatenating a body depends on the proxy forwarding __add__ / __radd__",
        what="Finds `a + body`, `body + b` and `acc += chunk` where an operand is a response body or chunk.",
        why=_WHY,
        example="import requests\ndata = b''\nfor chunk in requests.get(u, stream=True).iter_content(1024):\n"
        "    data += chunk",
        use_instead="import requests\ndata = b''\nfor chunk in requests.get(u, stream=True).iter_content(1024):\n"
        "    data += chunk[:]",
        fix_safety="The fix slices the body operand. `body += x` (the body itself on the left) has no fix: "
        "rewrite it by hand as `body = body[:] + x`.",
        valid=("data = b'a' + b'b'", "import requests\ndata = b'>' + requests.get(u).content[:]"),
        invalid=(
            Invalid("import requests\ndata = b'>' + requests.get(u).content", 2, 15),
            Invalid("import requests\ndata = b''\nfor chunk in requests.get(u, stream=True).iter_content(1024):\n"
                    "    data += chunk", 4, 13),
        ),
    ),
)

FAMILY = PROXY_DEPENDENT
LEVEL = "warning"  # works or fails depending on the proxy
PRECISION = "medium"  # fails on getattr-only proxies, works on wrapt-like ones

# No failing_line: the wrapt profile never refuses bytes() or +, and the strict profile names BFX4 in its message;
# a bare `+` (URL building on the failing line) would otherwise misfile buffer consumers.
SINKS = (
    SinkGroup("BFX401", call=("builtins.bytes",), arg=0, keyword=("source",), when="single"),
    SinkGroup("BFX402", syntax="a + body"),
)
