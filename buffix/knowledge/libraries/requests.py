"""requests: Session and Response for the analyzer, Response.content / iter_content for the runtime."""

from buffix.knowledge.model import HookPoint, Hooks, Library, SinkGroup

_SESSION_METHODS = ("get", "post", "put", "patch", "delete", "head", "options", "request", "send")
_DATA = r"[(,]\s*data\s*=(?!=)"  # a failing line passing `data=` (not `data = io.BytesIO(body)`)

LIBRARY = Library(
    name="requests",
    types={
        "requests.Session": {"annotations": ["requests.Session", "requests.sessions.Session"],
                             "methods": {m: "requests.Response" for m in _SESSION_METHODS}},
        "requests.Response": {
            "annotations": ["requests.Response", "requests.models.Response"],
            "attributes": {"content": "body", "raw": "urllib3.HTTPResponse"},
            "methods": {"iter_content": "chunks", "iter_lines": "chunks"},
            # str chunks whenever response.encoding is set (a charset, text/*, JSON); bytes only without one
            "decoding": {"iter_content": "decode_unicode", "iter_lines": "decode_unicode"},
            "iterates": "body",
        },
    },
    sources={
        **{f"requests.{m}": "requests.Response"
           for m in ("get", "post", "put", "patch", "delete", "head", "options", "request")},
        "requests.api.get": "requests.Response",
        "requests.api.request": "requests.Response",
        "requests.Session": "requests.Session",
        "requests.session": "requests.Session",
        "requests.sessions.Session": "requests.Session",
    },
    reuploads=(
        SinkGroup("BFX301", call=("requests.post", "requests.put", "requests.patch", "requests.api.post"), arg=1,
                  keyword=("data",), failing_line=_DATA),
        SinkGroup("BFX301", call=("requests.request", "requests.get", "requests.delete", "requests.options",
                                  "requests.head"), keyword=("data",), failing_line=_DATA,
                  unmeasured="the runtime matrix re-uploads through requests.post only"),
        SinkGroup("BFX301", method=("requests.Session.post", "requests.Session.put", "requests.Session.patch"), arg=1,
                  keyword=("data",), failing_line=_DATA,
                  unmeasured="the runtime matrix re-uploads through requests.post only (the same send path)"),
        SinkGroup("BFX301", method=("requests.Session.request", "requests.Session.get", "requests.Session.delete"),
                  keyword=("data",), failing_line=_DATA,
                  unmeasured="the runtime matrix re-uploads through requests.post only (the same send path)"),
    ),
    hooks=(
        Hooks("requests", packages=("requests",), trigger="requests", points=(
            # the body is cached in _content; raw.read() is urllib3's and hooked there
            HookPoint("requests", "requests.models", "Response", "content", "cached_property",
                      "requests Response.content", "_content"),
            HookPoint("requests", "requests.models", "Response", "iter_content", "chunks",
                      "requests Response.iter_content()"),
            HookPoint("requests", "requests.models", "Response", "close", "close"),
        )),
    ),
)
