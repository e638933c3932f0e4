"""aiohttp: ClientSession, ClientResponse and its StreamReader for the analyzer and the runtime."""

from buffix.knowledge.model import HookPoint, Hooks, Library, SinkGroup

_SESSION_METHODS = ("get", "post", "put", "patch", "delete", "head", "options", "request")
_DATA = r"[(,]\s*data\s*=(?!=)"

LIBRARY = Library(
    name="aiohttp",
    types={
        "aiohttp.ClientSession": {
            "annotations": ["aiohttp.ClientSession"],
            "methods": {m: "aiohttp.ClientResponse" for m in _SESSION_METHODS},
        },
        "aiohttp.ClientResponse": {
            "annotations": ["aiohttp.ClientResponse", "aiohttp.client_reqrep.ClientResponse"],
            "attributes": {"content": "aiohttp.StreamReader", "_body": "body"},
            "methods": {"read": "body"},
        },
        "aiohttp.StreamReader": {
            "annotations": ["aiohttp.StreamReader", "aiohttp.streams.StreamReader"],
            "methods": {"read": "body", "readany": "body", "readexactly": "body", "readline": "body",
                        "readuntil": "body", "iter_chunked": "chunks", "iter_any": "chunks",
                        "iter_chunks": "pairs"},  # (data, end_of_http_chunk)
            "iterates": "body",
        },
    },
    sources={
        "aiohttp.ClientSession": "aiohttp.ClientSession",
        "aiohttp.client.ClientSession": "aiohttp.ClientSession",
        "aiohttp.request": "aiohttp.ClientResponse",
    },
    reuploads=(
        # measured: works through a wrapt-like proxy (FORWARDED_OPS in tests/sinks.py), aiohttp slices the body itself
        SinkGroup("BFX301", method=("aiohttp.ClientSession.post", "aiohttp.ClientSession.put",
                                    "aiohttp.ClientSession.patch", "aiohttp.ClientSession.request"),
                  keyword=("data",), failing_line=_DATA),
        SinkGroup("BFX301", call=("aiohttp.request",), keyword=("data",), failing_line=_DATA,
                  unmeasured="the runtime matrix re-uploads through ClientSession.post only (the same send path)"),
    ),
    hooks=(
        # ClientResponse caches _body; resp.content is a StreamReader
        Hooks("aiohttp", packages=("aiohttp",), trigger="aiohttp", points=(
            HookPoint("aiohttp", "aiohttp", "ClientResponse", "read", "cached_coroutine",
                      "aiohttp ClientResponse.read()", "_body"),
            HookPoint("aiohttp", "aiohttp", "ClientResponse", "start", "link", related=("content",)),
            HookPoint("aiohttp", "aiohttp", "ClientResponse", "close", "close"),
            HookPoint("aiohttp", "aiohttp", "ClientResponse", "release", "close"),
            *(
                HookPoint("aiohttp", "aiohttp.streams", reader, method, kind, f"aiohttp resp.content.{method}()",
                          linked=True)
                for reader, method, kind in (
                    ("StreamReader", "read", "coroutine"),
                    ("StreamReader", "readany", "coroutine"),
                    ("StreamReader", "readexactly", "coroutine"),
                    ("StreamReader", "iter_chunked", "async_chunks"),
                    ("StreamReader", "iter_any", "async_chunks"),
                    ("EmptyStreamReader", "read", "coroutine"),
                    ("EmptyStreamReader", "readany", "coroutine"),
                    ("EmptyStreamReader", "readexactly", "coroutine"),
                )
            ),
        )),
    ),
)
