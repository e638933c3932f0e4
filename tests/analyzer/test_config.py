"""Config loading and validation."""

from __future__ import annotations

import pytest

from buffix.analysis import analyze_source, might_contain_sink
from buffix.config import Config, ConfigError, load_config, parse_config


def test_defaults_without_a_file(tmp_path):
    config = load_config(tmp_path)
    assert config.min_confidence == "medium" and config.enabled("BFX101")


def test_pyproject_is_found_walking_up(tmp_path):
    (tmp_path / "pyproject.toml").write_text("[tool.buffix]\nselect = ['BFX2']\nunsafe-fixes = true\n")
    (tmp_path / "pkg").mkdir()
    config = load_config(tmp_path / "pkg")
    assert config.enabled("BFX201") and not config.enabled("BFX101") and config.unsafe_fixes


@pytest.mark.parametrize("data,key,fragment", [
    ({"colour": 1}, "colour", "unknown setting; allowed: select"),
    ({"select": ["BFX7"]}, "select", "unknown rule code or prefix 'BFX7'"),
    ({"select": "BFX1"}, "select", "expected a list"),
    ({"fix-style": "magic"}, "fix-style", "expected one of slice, getitem, helper"),
    ({"unsafe-fixes": "yes"}, "unsafe-fixes", "expected true or false"),
    ({"target-version": "py27"}, "target-version", "expected one of py39"),
    ({"sinks": [{"call": "m.f", "arg": 0, "code": "BFX777"}]}, "sinks[0].code", "unknown rule code"),
    ({"sources": [{"call": "m.f", "returns": "gold"}]}, "sources[0].returns", "unknown type 'gold'"),
])
def test_bad_values_name_file_key_and_allowed(data, key, fragment):
    with pytest.raises(ConfigError) as info:
        parse_config(data, "cfg.yaml")
    assert info.value.file == "cfg.yaml" and info.value.key == key
    assert fragment in str(info.value)


def test_src_entries_must_be_directories(tmp_path):
    (tmp_path / "api").mkdir()
    assert parse_config({"src": ["api"]}, "cfg.yaml", root=str(tmp_path)).src == ("api",)
    with pytest.raises(ConfigError) as info:
        parse_config({"src": ["api", "wroker"]}, "cfg.yaml", root=str(tmp_path))
    assert info.value.key == "src" and "not a directory" in str(info.value) and "wroker" in str(info.value)


def test_longest_prefix_wins():
    config = parse_config({"select": ["BFX1", "BFX201"], "ignore": ["BFX2", "BFX104"]}, "x")
    assert config.enabled("BFX101") and config.enabled("BFX201")
    assert not config.enabled("BFX104") and not config.enabled("BFX202")


def test_per_file_ignores(tmp_path):
    config = parse_config({"per-file-ignores": {"tests/*": ["BFX1"]}}, "x", root=str(tmp_path))
    assert not config.enabled("BFX101", str(tmp_path / "tests" / "t.py"))
    assert config.enabled("BFX101", str(tmp_path / "src" / "t.py"))


def test_fingerprint_is_stable_and_sensitive():
    assert Config().fingerprint() == Config().fingerprint()
    assert Config().fingerprint() != Config(min_confidence="low").fingerprint()


def test_user_sources_sinks_and_sanitizers():
    config = parse_config({
        "sources": [{"call": "myapp.net.fetch_bytes"}, {"attribute": "myapp.models.Blob.data"}],
        "sinks": [{"call": "myapp.store.put", "arg": 1, "code": "BFX201"}],
        "sanitizers": ["myapp.util.real"],
    }, "x")
    source = b"""
from myapp.net import fetch_bytes
from myapp.models import Blob
from myapp import store, util
store.put("k", fetch_bytes("u"))
memoryview(Blob().data)
memoryview(util.real(fetch_bytes("u")))
def f(b: Blob):
    return bytearray(b.data)
"""
    assert might_contain_sink(source, config.catalog())
    # inside its own package a declared source is imported relatively: its name alone lets the file through
    assert might_contain_sink(b"from .net import fetch_bytes\nhashlib.sha256(fetch_bytes(u))\n", config.catalog())
    assert not might_contain_sink(b"from .net import other\n", config.catalog())
    found = [(f.code, f.line) for f in analyze_source(source, "m.py", config).findings]
    assert found == [("BFX201", 5), ("BFX101", 6), ("BFX501", 9)]
