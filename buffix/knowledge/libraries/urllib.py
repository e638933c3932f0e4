"""The standard library's clients: urllib.request (urlopen, openers, Python 2's urllib2) and http.client."""

from buffix.knowledge.model import HookPoint, Hooks, Library, SinkGroup

_DATA = r"[(,]\s*data\s*=(?!=)|\bRequest\("
_BODY = r"[(,]\s*body\s*=(?!=)"

LIBRARY = Library(
    name="urllib",
    types={
        "urllib.request.OpenerDirector": {"methods": {"open": "http.client.HTTPResponse"}},
        "http.client.HTTPConnection": {"methods": {"getresponse": "http.client.HTTPResponse"}},
        "http.client.HTTPResponse": {
            "annotations": ["http.client.HTTPResponse", "urllib.response.addinfourl"],
            # `_safe_read(amt)`: the private exact-length read that wrappers of the fp (CacheControl) forward
            "methods": {"read": "body", "read1": "body", "readline": "body", "peek": "body", "_safe_read": "body",
                        "readlines": "container"},
            "iterates": "body",
        },
    },
    sources={
        "urllib.request.urlopen": "http.client.HTTPResponse",
        "urllib.request.build_opener": "urllib.request.OpenerDirector",
        "urllib.request.OpenerDirector": "urllib.request.OpenerDirector",
        "urllib2.urlopen": "http.client.HTTPResponse",
        "http.client.HTTPConnection": "http.client.HTTPConnection",
        "http.client.HTTPSConnection": "http.client.HTTPConnection",
    },
    aliases={  # six's and future's names for the same modules, on Python 3
        "six.moves.urllib": "urllib", "six.moves.http_client": "http.client", "future.moves.urllib": "urllib",
        "future.moves.http.client": "http.client",
    },
    reuploads=(
        SinkGroup("BFX301", call=("urllib.request.Request", "urllib.request.urlopen"), arg=1, keyword=("data",),
                  failing_line=_DATA),
        SinkGroup("BFX301", method=("urllib.request.OpenerDirector.open",), arg=1, keyword=("data",),
                  failing_line=_DATA, unmeasured="the runtime matrix re-uploads through urlopen(Request(...)) only"),
        SinkGroup("BFX301", method=("http.client.HTTPConnection.request",), arg=2, keyword=("body",),
                  failing_line=_BODY, unmeasured="no http.client upload in the runtime matrix"),
    ),
    hooks=(
        # urlopen(...) returns http.client.HTTPResponse; nothing is cached (a second read() is b"")
        Hooks("urllib", packages=(), trigger="http.client", points=(  # the standard library is always library code
            HookPoint("urllib", "http.client", "HTTPResponse", "read", "method", "urlopen() HTTPResponse.read()"),
            HookPoint("urllib", "http.client", "HTTPResponse", "close", "close"),
            HookPoint("urllib", "http.client", "HTTPResponse", "readable", "c_reader_probe"),
        )),
    ),
)
