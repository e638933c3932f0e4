"""BFX3: a response body sent again as a request body. The sinks are the client libraries' own
(buffix/knowledge/libraries/: each file's `reuploads`)."""

from buffix.knowledge.families import REUPLOAD
from buffix.knowledge.libraries import all_libraries
from buffix.knowledge.rules.rule import Invalid, Rule

RULES = (
    Rule(
        code="BFX301",
        name="reupload-of-body",
        summary="HTTP clients send only real buffers; re-uploading a proxied response body raises TypeError",
        what="Finds response bodies passed as request data: requests/aiohttp `data=`, httpx `content=`, "
        "urllib `Request(url, data)`, http.client `request(..., body)`, urllib3 `body=`, boto3 `Body=`.",
        why="requests and urllib try `memoryview(data)`, then iterate the proxy and send ints (TypeError); httpx "
        "trusts `isinstance(content, bytes)` (which a wrapt proxy fakes) and fails later inside h11's `b\"\".join`.",
        example="import requests\nbody = requests.get(src).content\nrequests.put(dst, data=body)",
        use_instead="import requests\nbody = requests.get(src).content\nrequests.put(dst, data=body[:])",
        fix_safety="The fix slices the argument. httpx also rejects real `bytearray`/`memoryview` content, so a body "
        "that may be one needs `bytes(x[:])`; buffix marks such fixes unsafe. Unsafe too when provenance is guessed.",
        valid=(
            "import requests\nrequests.post(url, data={'a': 1})",
            "import requests\nbody = requests.get(src).content\nrequests.put(dst, data=body[:])",
        ),
        invalid=(
            Invalid("import requests\nbody = requests.get(src).content\nrequests.put(dst, data=body)", 3, 24),
            Invalid("import httpx\nasync def f(c: httpx.AsyncClient):\n    r = await c.get(u)\n"
                    "    await c.post(v, content=r.content)", 4, 29),
        ),
    ),
)

FAMILY = REUPLOAD
LEVEL = "error"  # TypeError on every proxy
PRECISION = "high"  # the sink fails on every proxy: a false positive is a value that is not a body
SINKS = tuple(group for library in all_libraries() for group in library.reuploads)
