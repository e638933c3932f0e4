"""httpx, sync and async: Client and Response for the analyzer, Response reads and streams for the runtime."""

from buffix.knowledge.model import DELETE, HookPoint, Hooks, Library, SinkGroup

_CLIENT_METHODS = ("get", "post", "put", "patch", "delete", "head", "options", "request", "send", "stream")
_CONTENT = r"[(,]\s*(content|data)\s*=(?!=)"

LIBRARY = Library(
    name="httpx",
    types={
        "httpx.Client": {
            "annotations": ["httpx.Client", "httpx.AsyncClient"],
            "methods": {m: "httpx.Response" for m in _CLIENT_METHODS},
        },
        "httpx.Response": {
            "annotations": ["httpx.Response", "httpx._models.Response"],
            "attributes": {"content": "body"},
            "methods": {"read": "body", "aread": "body", "iter_bytes": "chunks", "aiter_bytes": "chunks",
                        "iter_raw": "chunks", "aiter_raw": "chunks"},
        },
    },
    sources={
        **{f"httpx.{m}": "httpx.Response"
           for m in ("get", "post", "put", "patch", "delete", "head", "options", "request", "stream")},
        "httpx.Client": "httpx.Client",
        "httpx.AsyncClient": "httpx.Client",
    },
    reuploads=(
        SinkGroup("BFX301", call=("httpx.post", "httpx.put", "httpx.patch", "httpx.request", "httpx.stream",
                                  "httpx.get", "httpx.delete"), keyword=("content", "data"), failing_line=_CONTENT),
        SinkGroup("BFX301", method=("httpx.Client.post", "httpx.Client.put", "httpx.Client.patch",
                                    "httpx.Client.request", "httpx.Client.stream", "httpx.Client.build_request"),
                  keyword=("content", "data"), failing_line=_CONTENT,
                  unmeasured="the runtime matrix re-uploads through httpx.post only (the same send path)"),
    ),
    hooks=(
        # the client closes the response itself right after reading it
        Hooks("httpx", packages=("httpx", "httpcore"), trigger="httpx", points=(
            HookPoint("httpx", "httpx", "Response", "content", "cached_property", "httpx Response.content",
                      "_content", DELETE),
            HookPoint("httpx", "httpx", "Response", "read", "cached_method", "httpx Response.read()", "_content",
                      DELETE),
            HookPoint("httpx", "httpx", "Response", "aread", "cached_coroutine", "httpx Response.aread()", "_content",
                      DELETE),
            HookPoint("httpx", "httpx", "Response", "iter_bytes", "chunks", "httpx Response.iter_bytes()"),
            HookPoint("httpx", "httpx", "Response", "iter_raw", "chunks", "httpx Response.iter_raw()"),
            HookPoint("httpx", "httpx", "Response", "aiter_bytes", "async_chunks", "httpx Response.aiter_bytes()"),
            HookPoint("httpx", "httpx", "Response", "aiter_raw", "async_chunks", "httpx Response.aiter_raw()"),
            HookPoint("httpx", "httpx", "Response", "close", "close"),
            HookPoint("httpx", "httpx", "Response", "aclose", "close"),
        )),
    ),
)
