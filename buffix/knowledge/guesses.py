"""What the analyzer assumes about a value it cannot resolve: the `?response` and `?` types, which names look like a
response, and which method names are too common to resolve by name alone."""

# `?response`: a name that looks like a response (RESPONSE_NAMES) whose value is unknown.
# `?`: any other receiver whose value is unknown. Library-specific member names still say "HTTP response".
GUESSED_TYPES = {
    "?response": {
        "attributes": {"content": "body@medium", "raw": "urllib3.HTTPResponse@medium"},
        "methods": {"read": "body@medium", "aread": "body@medium", "read1": "body@medium",
                    "iter_content": "chunks@medium", "iter_bytes": "chunks@medium", "aiter_bytes": "chunks@medium",
                    "iter_raw": "chunks@medium", "aiter_raw": "chunks@medium", "iter_chunked": "chunks@medium",
                    "iter_any": "chunks@medium", "stream": "chunks@medium"},  # urllib3's `resp.stream(amt)`
        "items": {"Body": "botocore.StreamingBody@medium"},  # `resp["Body"].read()`: an S3 get_object response
        "decoding": {"iter_content": "decode_unicode"},  # as requests'
    },
    "?": {
        "attributes": {"content": "body@low"},
        "methods": {"iter_content": "chunks@medium", "iter_bytes": "chunks@medium", "aiter_bytes": "chunks@medium",
                    "iter_chunked": "chunks@medium", "iter_any": "chunks@medium", "iter_raw": "chunks@medium",
                    "aiter_raw": "chunks@medium", "urlopen": "urllib3.HTTPResponse@medium",
                    "get_object": "boto.GetObjectOutput@medium"},
        "decoding": {"iter_content": "decode_unicode"},
    },
}

# Un-annotated names matching this regex are guessed to hold a response (`?response`).
RESPONSE_NAMES = r"^(?:.*_)?(?:resp|response|http_response)$"

# Methods called on a receiver of unknown type are resolved by name when exactly one class of the analyzed tree
# defines that name (at medium confidence) — except these names, which many unrelated types share.
COMMON_METHODS = (
    "read", "read1", "readline", "readlines", "readinto", "write", "writelines", "get", "set", "put", "post", "send",
    "recv", "close", "open", "update", "join", "split", "append", "extend", "insert", "pop", "remove", "clear", "copy",
    "items", "keys", "values", "run", "start", "stop", "call", "execute", "process", "handle", "fetch", "load", "save",
    "dump", "dumps", "loads", "parse", "decode", "encode", "format", "render", "request", "response", "download",
    "upload", "iter_content", "iter_lines", "iter_bytes", "iter_chunks", "stream", "flush", "seek", "tell", "next",
    "wait", "result", "done", "cancel", "submit", "add", "delete", "exists", "convert", "transform", "apply", "build",
    "create", "init", "setup", "reset", "connect", "to_dict", "from_dict", "copy_to", "main", "filter", "map", "sort",
    "check", "validate", "log", "emit",
)
