"""A file's findings are a function of the tree and the config, never of which files the same worker analyzed
before it: the real CLI with one and two workers, and the files named in different orders, gives the same JSON.

The tree reproduces httpie's case: analyzing `a_downloads.py` summarizes `HTTPMessage.__init__` with a response
argument; that summary used to publish its parameter-derived `self._orig` into the class's attributes, and a
worker that then screened or analyzed `b_writer.py` lost its finding (`BaseStream.__iter__` -> `RawStream.iter_body`
-> `HTTPResponse.iter_body` -> `iter_content`). More than the pipeline's inline limit of files, so that with two
workers the prefilter runs in the workers too, and `a_` / `b_` names put both files in the same chunk.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

MODELS = '''import requests


class HTTPMessage:
    def __init__(self, orig):
        self._orig = orig

    def iter_body(self, chunk_size):
        raise NotImplementedError


class HTTPResponse(HTTPMessage):
    def iter_body(self, chunk_size=1):
        return self._orig.iter_content(chunk_size=chunk_size)


class HTTPRequest(HTTPMessage):
    def iter_body(self, chunk_size):
        yield self._orig.body
'''
STREAMS = '''from .models import HTTPMessage


class BaseStream:
    def __init__(self, msg: HTTPMessage, on_chunk=None, **kwargs):
        self.msg = msg
        self.on_chunk = on_chunk

    def iter_body(self):
        raise NotImplementedError

    def __iter__(self):
        for chunk in self.iter_body():
            yield chunk


class RawStream(BaseStream):
    def __init__(self, chunk_size=1024, **kwargs):
        super().__init__(**kwargs)
        self.chunk_size = chunk_size

    def iter_body(self):
        return self.msg.iter_body(self.chunk_size)
'''
DOWNLOADS = '''import requests

from .models import HTTPResponse
from .streams import RawStream


class Downloader:
    def start(self, final_response: requests.Response):
        return RawStream(msg=HTTPResponse(final_response), on_chunk=self.chunk_downloaded)

    def chunk_downloaded(self, chunk):
        pass
'''
WRITER = '''from typing import IO, TextIO, Union

from .streams import BaseStream


def write_stream(stream: BaseStream, outfile: Union[IO, TextIO]):
    try:
        buf = outfile.buffer
    except AttributeError:
        buf = outfile
    for chunk in stream:
        buf.write(chunk)
'''
FILLERS = 70  # past the pipeline's INLINE_LIMIT (64)


def make_tree(root: Path) -> list:
    pkg = root / "pkg"
    pkg.mkdir()
    files = {"__init__.py": "", "a_downloads.py": DOWNLOADS, "b_writer.py": WRITER, "models.py": MODELS,
             "streams.py": STREAMS}
    files.update({f"z_filler_{n:02}.py": f"VALUE = {n}\n" for n in range(FILLERS)})
    for name, text in files.items():
        (pkg / name).write_text(text)
    return [f"pkg/{name}" for name in sorted(files)]


def check(root: Path, *args: str) -> list:
    done = subprocess.run([sys.executable, "-m", "buffix", "check", "--no-cache", "--format", "json", *args],
                          cwd=root, capture_output=True, text=True, timeout=300)
    assert done.returncode in (0, 1), done.stderr
    return json.loads(done.stdout)["findings"]


def test_findings_do_not_depend_on_workers_or_file_order(tmp_path):
    files = make_tree(tmp_path)
    one_worker = check(tmp_path, "--jobs", "1", ".")
    assert [(f["path"], f["code"]) for f in one_worker] == [("pkg/b_writer.py", "BFX201")]
    runs = {
        "two workers": check(tmp_path, "--jobs", "2", "."),
        "two workers, files named": check(tmp_path, "--jobs", "2", *files),
        "two workers, reversed": check(tmp_path, "--jobs", "2", *reversed(files)),
        "one worker, reversed": check(tmp_path, "--jobs", "1", *reversed(files)),
        "writer first": check(tmp_path, "--jobs", "1", "pkg/b_writer.py", "pkg/a_downloads.py", "pkg/models.py",
                              "pkg/streams.py"),
        "downloads first": check(tmp_path, "--jobs", "1", "pkg/a_downloads.py", "pkg/b_writer.py", "pkg/models.py",
                                 "pkg/streams.py"),
    }
    for name, findings in runs.items():
        assert findings == one_worker, name


STORES_CHAIN = Path(__file__).resolve().parents[2] / "fixtures" / "analyzer" / "stores_chain_project"


def test_stores_made_elsewhere_do_not_depend_on_which_class_was_asked_first(tmp_path):
    """`Picture.content` is filled from `ApiResponse.raw`, itself filled elsewhere: the answer about Picture used
    to read ApiResponse's answer only when an earlier file (a_raw.py) had cached it, so b_cover.py was reported
    after a_raw.py and silent alone, or in a worker that had not analyzed a_raw.py."""
    shutil.copytree(STORES_CHAIN, tmp_path / "tree")
    root = tmp_path / "tree"
    cover = "media/b_cover.py"

    def cover_findings(*args: str) -> list:
        return [f for f in check(root, *args) if f["path"] == cover]

    alone = cover_findings("--jobs", "1", cover)
    runs = {
        "after a_raw.py": cover_findings("--jobs", "1", "media/a_raw.py", cover),
        "the whole tree, one worker": cover_findings("--jobs", "1", "."),
        "the whole tree, two workers": cover_findings("--jobs", "2", "."),
    }
    for name, findings in runs.items():
        assert findings == alone, name


HASH_SEED = Path(__file__).resolve().parents[2] / "fixtures" / "analyzer" / "hash_seed_project"


def test_findings_do_not_depend_on_the_hash_seed(tmp_path):
    """`Download.raw` is filled by two functions of shop/fetchers.py with equally sure bodies; the first run keeps
    its flow. They used to run in the order of a set of the names each function calls (`start` calls Download,
    requests and urllib3), so the flow reported in save.py changed with PYTHONHASHSEED (requests' own
    `Response.raw` flow did: through `build_response()` or guessed from a name). Byte-identical JSON, with one
    and two workers."""
    shutil.copytree(HASH_SEED, tmp_path / "tree")

    def output(seed: int, jobs: str) -> str:
        done = subprocess.run([sys.executable, "-m", "buffix", "check", "--no-cache", "--format", "json",
                               "--min-confidence", "low", "--jobs", jobs, "."], cwd=tmp_path / "tree",
                              capture_output=True, text=True, timeout=300,
                              env={**os.environ, "PYTHONHASHSEED": str(seed)})
        assert done.returncode == 1, done.stderr
        return done.stdout

    first = output(0, "1")
    assert [f["path"] for f in json.loads(first)["findings"]] == ["shop/save.py"]
    for seed in range(1, 8):
        assert output(seed, "1") == first, f"PYTHONHASHSEED={seed}"
    assert output(5, "2") == first, "two workers"
