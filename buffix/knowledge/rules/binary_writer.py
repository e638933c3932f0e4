"""BFX2: writers that copy raw buffers out: binary writes, os.write / socket sends, bytes.join."""

from buffix.knowledge.families import BINARY_WRITER
from buffix.knowledge.model import SinkGroup
from buffix.knowledge.rules.rule import Invalid, Rule

_WHY = """{subject} copies the argument's raw buffer, which no proxy provides: a proxied response body raises
`TypeError` (on wrapt, lazy-object-proxy, werkzeug and Django proxies alike)."""

_SAFETY = """The fix slices the written value: `f.write(body)` becomes `f.write(body[:])`. For chunk flows the fix
slices each chunk where it enters the container (`parts.append(chunk[:])`), so the later `b"".join(parts)` receives
real buffers. Unsafe when the provenance is guessed or a comment sits inside the argument."""

RULES = (
    Rule(
        code="BFX201",
        name="binary-write-of-body",
        summary="a binary write needs a real buffer; a proxied response body raises TypeError",
        what="Finds response bodies or chunks passed to `.write()`, `.writelines()`, `Path.write_bytes()` or "
        "`ZipFile.writestr()` on files and streams.",
        why=_WHY.format(subject="A binary `write`"),
        example="import requests\nwith open(path, 'wb') as f:\n    f.write(requests.get(url).content)",
        use_instead="import requests\nwith open(path, 'wb') as f:\n    f.write(requests.get(url).content[:])",
        fix_safety=_SAFETY,
        valid=(
            "with open(path, 'w') as f:\n    f.write('hello')",
            "import requests\nwith open(path, 'w') as f:\n    f.write(requests.get(url).text)",
        ),
        invalid=(
            Invalid("import requests\nwith open(path, 'wb') as f:\n    f.write(requests.get(url).content)", 3, 13),
            Invalid("import requests\nr = requests.get(u, stream=True)\nwith open(p, 'wb') as fh:\n"
                    "    for chunk in r.iter_content(chunk_size=8192):\n        fh.write(chunk)", 5, 18),
        ),
    ),
    Rule(
        code="BFX202",
        name="os-or-socket-write-of-body",
        summary="os.write / socket send needs a real buffer; a proxied response body raises TypeError",
        what="Finds response bodies passed to `os.write()` or to a socket's `send`, `sendall` or `sendto`.",
        why=_WHY.format(subject="`os.write` / `socket.send*`"),
        example="import os, requests\nos.write(fd, requests.get(url).content)",
        use_instead="import os, requests\nos.write(fd, requests.get(url).content[:])",
        fix_safety=_SAFETY,
        valid=("import os\nos.write(fd, b'ping')",),
        invalid=(
            Invalid("import os, requests\nos.write(fd, requests.get(url).content)", 2, 14),
            Invalid("import httpx\nbody = httpx.get(u).content\nsock.sendall(body)", 3, 14),
        ),
    ),
    Rule(
        code="BFX203",
        name="join-of-bodies",
        summary="bytes.join needs real buffers; a proxied body or chunk raises TypeError",
        what="Finds `sep.join(...)` over response bodies or chunks (a list built from chunks, a generator, a literal).",
        why=_WHY.format(subject='`b"".join`'),
        example="import requests\nparts = []\nfor chunk in requests.get(u, stream=True).iter_content(1024):\n"
        "    parts.append(chunk)\ndata = b''.join(parts)",
        use_instead="import requests\nparts = []\nfor chunk in requests.get(u, stream=True).iter_content(1024):\n"
        "    parts.append(chunk[:])\ndata = b''.join(parts)",
        fix_safety=_SAFETY,
        valid=(
            "parts = [b'a', b'b']\ndata = b''.join(parts)",
            "import requests\nparts = []\nfor chunk in requests.get(u, stream=True).iter_content(1024):\n"
            "    parts.append(chunk[:])\ndata = b''.join(parts)",
        ),
        invalid=(
            Invalid("import requests\nparts = []\nfor chunk in requests.get(u, stream=True).iter_content(1024):\n"
                    "    parts.append(chunk)\ndata = b''.join(parts)", 5, 17),
            Invalid("import httpx\nr = httpx.get(u)\ndata = b''.join([r.content, b'\\n'])", 3, 17),
        ),
    ),
)

FAMILY = BINARY_WRITER
LEVEL = "error"  # TypeError on every proxy
PRECISION = "high"  # the sink fails on every proxy: a false positive is a value that is not a body

SINKS = (
    SinkGroup("BFX201", method=("*.write",), arg=0, failing_line=r"\.write\("),
    SinkGroup("BFX201", call=("sys.stdout.buffer.write", "sys.stderr.buffer.write"), arg=0,
              unmeasured="not in the runtime matrix (tests/sinks.py)"),  # the binary streams under the text ones
    SinkGroup("BFX201", method=("*.writelines",), arg=0, accepts="chunks", failing_line=r"\.writelines\(",
              unmeasured="not in the runtime matrix (tests/sinks.py)"),
    SinkGroup("BFX201", method=("*.write_bytes",), arg=0, keyword=("data",),
              unmeasured="not in the runtime matrix (tests/sinks.py)"),
    SinkGroup("BFX201", method=("*.writestr",), arg=1, keyword=("data",),
              unmeasured="not in the runtime matrix (tests/sinks.py)"),
    SinkGroup("BFX202", call=("os.write",), arg=1, keyword=("data",), failing_line=r"\bos\.write\("),
    SinkGroup("BFX202", method=("*.send", "*.sendall", "*.sendto"), arg=0, keyword=("data",),
              failing_line=r"\.(send|sendall|sendto)\("),
    SinkGroup("BFX203", method=("*.join",), arg=0, accepts="chunks", failing_line=r"\.join\("),
)
