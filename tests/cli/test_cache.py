"""buffix.cache: hits, invalidation, corruption, atomic layout."""

from __future__ import annotations

import os
from pathlib import Path

from buffix.cache import Cache, digest, read_index, signature, write_index
from buffix.core.findings import FileError, FileResult, Finding, Fix, FlowStep, Span

SPAN = Span(3, 5, 3, 17)
RESULT = FileResult("a.py", (Finding("BFX101", "memoryview of a body", "a.py", SPAN, "high",
                                     (FlowStep(Span(1, 1, 1, 9), "body = resp.content", "other.py"),),
                                     Fix("safe", (Span(3, 16, 3, 20),), "")),))


def old_file(path: Path, text: str) -> Path:
    path.write_text(text)
    os.utime(path, ns=(10**18, 10**18))  # far from "now": the stat shortcut may trust it
    return path


def test_round_trip_by_stat_and_by_content(tmp_path):
    source = old_file(tmp_path / "a.py", "x = memoryview(resp.content)\n")
    cache = Cache(tmp_path, salt="config-1")
    sig, key = signature(source.stat()), digest(source.read_bytes())
    assert cache.lookup_stat("a.py", sig) is None and cache.lookup_content("a.py", sig, key) is None
    cache.store("a.py", sig, key, RESULT)
    cache.save()
    again = Cache(tmp_path, salt="config-1")
    assert again.lookup_stat("a.py", sig) == RESULT
    copy = again.lookup_content("b.py", None, key)  # same bytes elsewhere: same result, re-bound to the path
    assert copy.path == "b.py" and copy.findings[0].path == "b.py" and copy.findings[0].flow == RESULT.findings[0].flow
    marker = tmp_path / ".buffix_cache"
    assert (marker / ".gitignore").read_text().splitlines()[-1] == "*"
    assert (marker / "CACHEDIR.TAG").read_text().startswith("Signature: 8a477f597d28d172789f06886806bc55")


def test_invalidated_by_content_salt_and_version(tmp_path):
    source = old_file(tmp_path / "a.py", "one\n")
    cache = Cache(tmp_path, salt="s")
    cache.store("a.py", signature(source.stat()), digest(b"one\n"), FileResult("a.py"))
    cache.save()
    old_file(source, "two!\n")  # same mtime, other size and content
    fresh = Cache(tmp_path, salt="s")
    assert fresh.lookup_stat("a.py", signature(source.stat())) is None
    assert fresh.lookup_content("a.py", None, digest(b"two!\n")) is None
    assert Cache(tmp_path, salt="other").lookup_content("a.py", None, digest(b"one\n")) is None
    assert Cache(tmp_path, salt="s", version="9.9").lookup_content("a.py", None, digest(b"one\n")) is None
    assert Cache(tmp_path, salt="s").lookup_content("a.py", None, digest(b"one\n")) == FileResult("a.py")


def test_recently_modified_file_is_rehashed_not_trusted_by_stat(tmp_path):
    source = tmp_path / "a.py"
    source.write_text("x\n")  # mtime is now: another write within the same tick would keep the stat
    cache = Cache(tmp_path, salt="s")
    cache.store("a.py", signature(source.stat()), digest(b"x\n"), FileResult("a.py"))
    cache.save()
    assert Cache(tmp_path, salt="s").lookup_stat("a.py", signature(source.stat())) is None


def test_corrupt_cache_and_entries_are_ignored(tmp_path):
    source = old_file(tmp_path / "a.py", "x\n")
    cache = Cache(tmp_path, salt="s")
    cache.store("a.py", signature(source.stat()), "k1", RESULT)
    cache.save()
    entries = read_index(cache.file)
    (entry,) = entries.values()
    entry[4] = {"f": [["broken"]], "e": None}
    write_index(cache.file, entries)
    assert Cache(tmp_path, salt="s").lookup_stat("a.py", signature(source.stat())) is None
    cache.file.write_text("{not json")
    assert Cache(tmp_path, salt="s").entries == {}


def test_errors_are_cached_with_their_message(tmp_path):
    cache = Cache(tmp_path, salt="s")
    failed = FileResult("a.py", error=FileError("a.py", "syntax error at line 1: invalid syntax"))
    cache.store("a.py", None, "k", failed)
    cache.save()
    assert Cache(tmp_path, salt="s").lookup_content("z.py", None, "k").error == FileError(
        "z.py", "syntax error at line 1: invalid syntax")
