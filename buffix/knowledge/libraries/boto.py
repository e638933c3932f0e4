"""boto3 / botocore / aiobotocore / aioboto3: an S3 object's StreamingBody, for the analyzer and the runtime.

The program reads an S3 object's StreamingBody; botocore's own reads (of urllib3, and of the body in a checksum
check) are library reads by location. aiobotocore is the async twin (its reads of aiohttp are library reads).
"""

from buffix.knowledge.model import HookPoint, Hooks, Library, SinkGroup

LIBRARY = Library(
    name="boto",
    types={
        "boto.Session": {"methods": {"client": "boto.Client", "create_client": "boto.Client",
                                     "resource": "boto.Resource"}},
        "boto.Client": {"methods": {"get_object": "boto.GetObjectOutput"}},
        "boto.Resource": {"methods": {"Object": "boto.Object"}},
        "boto.Object": {"methods": {"get": "boto.GetObjectOutput"}},
        "boto.GetObjectOutput": {"items": {"Body": "botocore.StreamingBody"}},
        "botocore.StreamingBody": {
            "annotations": ["botocore.response.StreamingBody", "aiobotocore.response.StreamingBody"],
            "methods": {"read": "body", "iter_chunks": "chunks", "iter_lines": "chunks"},
        },
    },
    sources={
        "boto3.client": "boto.Client",
        "boto3.resource": "boto.Resource",
        "boto3.Session": "boto.Session",
        "boto3.session.Session": "boto.Session",
        "botocore.session.get_session": "boto.Session",
        "aiobotocore.session.get_session": "boto.Session",
        "aioboto3.Session": "boto.Session",
    },
    aliases={  # botocore's re-exports, which aiobotocore imports from it
        "botocore.compat.ETree": "xml.etree.ElementTree",
        "botocore.handlers.ETree": "xml.etree.ElementTree",
        "botocore.retryhandler.crc32": "binascii.crc32",
        "botocore.retries.special.crc32": "binascii.crc32",
    },
    reuploads=(
        SinkGroup("BFX301", method=("boto.Client.put_object", "boto.Client.upload_part"), keyword=("Body",),
                  unmeasured="tests/runtime/test_boto.py re-uploads only the safe form; no failing upload is measured"),
    ),
    hooks=(
        Hooks("botocore", packages=("botocore",), trigger="botocore.httpchecksum", points=tuple(  # imports .response
            HookPoint("botocore", module, owner, method, kind, f"botocore StreamingBody.{method}()")
            for module, owner, method, kind in (
                ("botocore.response", "StreamingBody", "read", "method"),
                ("botocore.response", "StreamingBody", "__next__", "method"),
                ("botocore.response", "StreamingBody", "iter_chunks", "chunks"),
                ("botocore.response", "StreamingBody", "iter_lines", "chunks"),
                ("botocore.response", "StreamingBody", "__iter__", "chunks"),
                ("botocore.response", "StreamingBody", "close", "close"),
                ("botocore.response", "StreamingBody", "__exit__", "close"),
                ("botocore.httpchecksum", "StreamingChecksumBody", "read", "method"),
            )
        )),
        Hooks("aiobotocore", packages=("aiobotocore",), trigger="aiobotocore.httpchecksum", points=tuple(
            HookPoint("aiobotocore", module, owner, method, kind, f"aiobotocore StreamingBody.{method}()")
            for module, owner, method, kind in (
                ("aiobotocore.response", "AioStreamingBody", "read", "coroutine"),
                ("aiobotocore.response", "AioStreamingBodyBase", "__anext__", "coroutine"),
                ("aiobotocore.response", "AioStreamingBodyBase", "iter_chunks", "async_chunks"),
                ("aiobotocore.response", "AioStreamingBodyBase", "iter_lines", "async_chunks"),
                ("aiobotocore.response", "AioStreamingBodyBase", "__aiter__", "async_chunks"),
                ("aiobotocore.response", "AioStreamingBody", "close", "close"),
                ("aiobotocore.response", "AioStreamingBodyBase", "__aexit__", "close"),
                ("aiobotocore.httpchecksum", "_ChecksumMixin", "read", "coroutine"),
            )
        )),
    ),
)
