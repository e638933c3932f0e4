"""boto3 / botocore and aiobotocore (issue 11): the StreamingBody the program reads is proxied, botocore's own
reads (urllib3, the CRC32 check) get real bytes; against a small S3 endpoint on 127.0.0.1."""

from __future__ import annotations

import asyncio
import io
from typing import Iterator

import pytest

from buffix import runtime
from buffix.runtime import BodyProxy
from tests import payloads
from tests.runtime.s3server import s3_server

boto3 = pytest.importorskip("boto3")
DATA = payloads.body(5000) + b"\nline two\nline three"


@pytest.fixture(scope="module")
def endpoint() -> Iterator[str]:
    with s3_server() as url:
        yield url


@pytest.fixture
def s3(endpoint, monkeypatch):
    from botocore.config import Config

    for name, value in (("AWS_ACCESS_KEY_ID", "test"), ("AWS_SECRET_ACCESS_KEY", "test"),
                        ("AWS_DEFAULT_REGION", "us-east-1")):
        monkeypatch.setenv(name, value)
    client = boto3.client("s3", endpoint_url=endpoint, config=Config(s3={"addressing_style": "path"}))
    client.put_object(Bucket="bucket", Key="key", Body=DATA)
    return client


@pytest.mark.parametrize("checksum", ["DISABLED", "ENABLED"])
def test_the_program_reads_proxies_while_botocore_keeps_working(s3, checksum):
    def get():
        return s3.get_object(Bucket="bucket", Key="key", ChecksumMode=checksum)["Body"]

    with runtime.installed():
        whole = get().read()
        assert isinstance(whole, BodyProxy) and whole[:] == DATA
        with pytest.raises(TypeError):
            io.BytesIO(whole)  # what a production proxy does there
        chunks = list(get().iter_chunks(1000))
        assert chunks and all(isinstance(c, BodyProxy) for c in chunks) and b"".join(c[:] for c in chunks) == DATA
        lines = list(get().iter_lines())
        assert all(isinstance(line, BodyProxy) for line in lines) and lines[-1] == b"line three"
        iterated = list(get())
        assert all(isinstance(c, BodyProxy) for c in iterated) and b"".join(c[:] for c in iterated) == DATA
        assert isinstance(next(get()), BodyProxy)
        s3.put_object(Bucket="bucket", Key="copy", Body=whole[:])  # the safe form re-uploads
        assert s3.get_object(Bucket="bucket", Key="copy")["Body"].read()[:] == DATA
    assert type(get().read()) is bytes  # uninstalled: as before


def test_aiobotocore_streaming_body_is_proxied(endpoint, monkeypatch):
    aiobotocore_session = pytest.importorskip("aiobotocore.session")
    from botocore.config import Config

    for name, value in (("AWS_ACCESS_KEY_ID", "test"), ("AWS_SECRET_ACCESS_KEY", "test")):
        monkeypatch.setenv(name, value)

    async def main():
        session = aiobotocore_session.get_session()
        async with session.create_client("s3", region_name="us-east-1", endpoint_url=endpoint,
                                         config=Config(s3={"addressing_style": "path"})) as client:
            await client.put_object(Bucket="bucket", Key="aio", Body=DATA)
            response = await client.get_object(Bucket="bucket", Key="aio", ChecksumMode="ENABLED")
            async with response["Body"] as body:
                whole = await body.read()
            response = await client.get_object(Bucket="bucket", Key="aio")
            chunks = [chunk async for chunk in response["Body"].iter_chunks(1000)]
            return whole, chunks

    with runtime.installed():
        whole, chunks = asyncio.run(main())
        assert isinstance(whole, BodyProxy) and whole[:] == DATA
        assert all(isinstance(c, BodyProxy) for c in chunks) and b"".join(c[:] for c in chunks) == DATA
