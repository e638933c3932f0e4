"""BFX6: type checks that cannot see through a proxy (report only)."""

from buffix.knowledge.families import TYPE_CHECK
from buffix.knowledge.model import SinkGroup
from buffix.knowledge.rules.rule import Invalid, Rule

RULES = (
    Rule(
        code="BFX601",
        name="proxy-blind-type-check",
        summary="type checks cannot tell a proxied body: type(x) is bytes is always False, "
        "isinstance(x, bytes) is True through wrapt-like proxies",
        what="Finds `type(body) is bytes` / `==` and `isinstance(body, bytes)` on a response body.",
        why="`type(p) is bytes` is False for every proxy, so the bytes branch is silently skipped. "
        "`isinstance(p, bytes)` is True for wrapt, lazy-object-proxy, werkzeug and Django proxies (they forward "
        "`__class__`), so the guard lets a proxy into code that then fails in `memoryview`, `write`, ...",
        example="import requests\nbody = requests.get(url).content\nif isinstance(body, bytes):\n"
        "    view = memoryview(body[:])",
        use_instead="import requests\nbody = requests.get(url).content[:]\nif isinstance(body, bytes):\n"
        "    view = memoryview(body)",
        fix_safety="No automatic fix: the right change depends on what the check was meant to decide. Take `x[:]` "
        "first, then test the real body.",
        fixable=False,
        valid=("if isinstance(data, bytes):\n    pass",
               "import requests\nbody = requests.get(url).content[:]\nok = isinstance(body, bytes)"),
        invalid=(
            Invalid("import requests\nbody = requests.get(url).content\nif type(body) is bytes:\n    pass", 3, 4),
            Invalid("import requests\nbody = requests.get(url).content\nif isinstance(body, (bytes, bytearray)):\n"
                    "    pass", 3, 4),
        ),
    ),
)

FAMILY = TYPE_CHECK
LEVEL = "warning"  # a wrong branch, not an exception
PRECISION = "high"  # wrong on every proxy: a false positive is a value that is not a body

SINKS = (
    SinkGroup("BFX601", syntax="isinstance(body, bytes)"),
    SinkGroup("BFX601", syntax="type(body) is bytes", unmeasured="not in the runtime matrix (tests/sinks.py)"),
)
