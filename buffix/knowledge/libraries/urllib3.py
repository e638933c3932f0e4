"""urllib3 (also what requests' `raw` is): PoolManager and HTTPResponse for the analyzer and the runtime."""

from buffix.knowledge.model import HookPoint, Hooks, Library, SinkGroup

_MANAGER_METHODS = ("request", "urlopen", "request_encode_url", "request_encode_body")
_BODY = r"[(,]\s*body\s*=(?!=)"

LIBRARY = Library(
    name="urllib3",
    types={
        "urllib3.PoolManager": {
            "annotations": ["urllib3.PoolManager", "urllib3.poolmanager.PoolManager", "urllib3.ProxyManager",
                            "urllib3.poolmanager.ProxyManager", "urllib3.contrib.socks.SOCKSProxyManager",
                            "urllib3.connectionpool.ConnectionPool", "urllib3.request.RequestMethods",
                            "urllib3._request_methods.RequestMethods",
                            "urllib3.HTTPConnectionPool", "urllib3.HTTPSConnectionPool",
                            "urllib3.connectionpool.HTTPConnectionPool", "urllib3.connectionpool.HTTPSConnectionPool"],
            "methods": {m: "urllib3.HTTPResponse" for m in _MANAGER_METHODS},
        },
        "urllib3.HTTPResponse": {
            "annotations": ["urllib3.HTTPResponse", "urllib3.BaseHTTPResponse", "urllib3.response.HTTPResponse",
                            "urllib3.response.BaseHTTPResponse"],
            "attributes": {"data": "body"},
            "methods": {"read": "body", "read1": "body", "stream": "chunks", "read_chunked": "chunks"},
            "iterates": "body",
        },
    },
    sources={
        **{f"urllib3.{name}": "urllib3.PoolManager"
           for name in ("PoolManager", "ProxyManager", "HTTPConnectionPool", "HTTPSConnectionPool",
                        "connection_from_url", "proxy_from_url", "poolmanager.PoolManager",
                        "poolmanager.ProxyManager", "poolmanager.proxy_from_url", "connectionpool.HTTPConnectionPool",
                        "connectionpool.HTTPSConnectionPool", "connectionpool.connection_from_url",
                        "contrib.socks.SOCKSProxyManager")},
        "urllib3.request": "urllib3.HTTPResponse",
    },
    reuploads=(
        SinkGroup("BFX301", method=("urllib3.PoolManager.request", "urllib3.PoolManager.urlopen"), arg=2,
                  keyword=("body",), failing_line=_BODY, unmeasured="no urllib3 upload in the runtime matrix"),
        SinkGroup("BFX301", call=("urllib3.request",), arg=2, keyword=("body",), failing_line=_BODY,
                  unmeasured="no urllib3 upload in the runtime matrix"),
    ),
    hooks=(
        Hooks("urllib3", packages=("urllib3",), trigger="urllib3", points=(
            HookPoint("urllib3", "urllib3.response", "HTTPResponse", "data", "cached_property",
                      "urllib3 HTTPResponse.data", "_body"),
            HookPoint("urllib3", "urllib3.response", "HTTPResponse", "read", "method", "urllib3 HTTPResponse.read()"),
            HookPoint("urllib3", "urllib3.response", "HTTPResponse", "stream", "chunks",
                      "urllib3 HTTPResponse.stream()"),
            HookPoint("urllib3", "urllib3.response", "HTTPResponse", "close", "close"),
            HookPoint("urllib3", "urllib3.response", "HTTPResponse", "readable", "c_reader_probe"),
        )),
    ),
)
