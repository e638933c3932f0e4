"""`buffix explain`, `buffix rules` and `buffix init` through the real executable in a subprocess."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover
    import tomli as tomllib

from buffix.config import load_config, parse_config
from buffix.knowledge.rules import all_rules

BUFFIX = str(Path(sys.executable).with_name("buffix"))


def buffix(*args: str, cwd: Path = None) -> subprocess.CompletedProcess:
    env = {k: v for k, v in os.environ.items() if k != "NO_COLOR"}
    return subprocess.run([BUFFIX, *args], cwd=cwd, capture_output=True, text=True, timeout=60, env=env)


def test_rules_table_lists_every_rule():
    done = buffix("rules")
    assert done.returncode == 0, done.stderr
    lines = done.stdout.splitlines()
    assert lines[0].split() == ["CODE", "NAME", "FIX", "SUMMARY"]
    rows = {line.split()[0]: line.split(maxsplit=3) for line in lines[1:]}
    assert list(rows) == list(all_rules())
    for code, rule in all_rules().items():
        assert rows[code][1:] == [rule.name, "yes" if rule.fixable else "no", rule.summary]


def test_rules_json():
    done = buffix("rules", "--format", "json")
    assert done.returncode == 0
    objects = json.loads(done.stdout)
    assert [(o["code"], o["name"], o["fixable"], o["summary"]) for o in objects] == [
        (r.code, r.name, r.fixable, r.summary) for r in all_rules().values()]


@pytest.mark.parametrize("code", list(all_rules()))
def test_explain_every_rule(code):
    done = buffix("explain", code.lower())
    assert done.returncode == 0, done.stderr
    for heading in ("## What it does", "## Why is this bad?", "## Example", "## Use instead", "## Fix safety"):
        assert heading in done.stdout
    assert done.stdout.startswith(f"# {code} {all_rules()[code].name}")
    assert done.stdout.rstrip().endswith(f"Fixable: {'yes' if all_rules()[code].fixable else 'no'}")


def test_explain_family_prefix_and_json():
    done = buffix("explain", "BFX2", "--format", "json")
    assert done.returncode == 0
    assert [o["code"] for o in json.loads(done.stdout)] == [c for c in all_rules() if c.startswith("BFX2")]


@pytest.mark.parametrize("code", ["BFX000", "E501", ""])
def test_explain_unknown_code_exits_2_with_the_list(code):
    done = buffix("explain", code)
    assert done.returncode == 2 and done.stdout == ""
    assert f"unknown rule code {code!r}" in done.stderr and ", ".join(all_rules()) in done.stderr


@pytest.mark.parametrize("command", ["explain", "rules", "init"])
def test_help_has_examples(command):
    done = buffix(command, "--help")
    assert done.returncode == 0 and "Examples:" in done.stdout and f"buffix {command}" in done.stdout
    assert command in buffix("--help").stdout


def uncommented(text: str, example: str) -> str:
    """The template with every commented example switched on (prose comments stay comments)."""
    return re.sub(rf"^# ({example})", r"\1", text, flags=re.M)


def test_init_writes_a_yaml_config_that_buffix_accepts(tmp_path):
    done = buffix("init", cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    written = (tmp_path / ".buffix.yaml").read_text()
    config = load_config(tmp_path)
    assert config.path == str(tmp_path / ".buffix.yaml") and config.select == ("BFX",)
    everything = yaml.safe_load(uncommented(written, r"[a-z][a-z-]*:|  "))
    assert {"ignore", "per-file-ignores", "sources", "sinks", "sanitizers", "extend-exclude", "src"} <= set(everything)
    for directory in everything["src"]:  # the example's project roots, as a monorepo would have them
        (tmp_path / directory).mkdir(parents=True)
    parse_config(everything, "uncommented .buffix.yaml", root=str(tmp_path))  # every example is a valid setting


def test_init_pyproject_appends_and_keeps_the_file(tmp_path):
    original = '[project]\nname = "demo"\nversion = "1.0"'
    (tmp_path / "pyproject.toml").write_text(original)
    done = buffix("init", "--pyproject", str(tmp_path))
    assert done.returncode == 0, done.stderr
    written = (tmp_path / "pyproject.toml").read_text()
    assert written.startswith(original + "\n\n[tool.buffix]\n")
    assert load_config(tmp_path).path == str(tmp_path / "pyproject.toml")
    everything = tomllib.loads(uncommented(written, r"[a-z][a-z-]* ="))["tool"]["buffix"]
    assert {"ignore", "per-file-ignores", "sources", "sinks", "sanitizers", "extend-exclude", "src"} <= set(everything)
    for directory in everything["src"]:
        (tmp_path / directory).mkdir(parents=True)
    parse_config(everything, "uncommented pyproject.toml", root=str(tmp_path))
    assert not (tmp_path / ".buffix.yaml").exists()


def test_init_pyproject_creates_the_file(tmp_path):
    assert buffix("init", "--pyproject", cwd=tmp_path).returncode == 0
    assert (tmp_path / "pyproject.toml").read_text().startswith("[tool.buffix]\n")
    assert load_config(tmp_path).select == ("BFX",)


@pytest.mark.parametrize(
    "files, args",
    [
        ({".buffix.yaml": "select: [BFX1]\n"}, []),
        ({".buffix.yaml": "select: [BFX1]\n"}, ["--pyproject"]),
        ({"pyproject.toml": "[tool.buffix]\nselect = ['BFX1']\n"}, []),
        ({"pyproject.toml": "[tool.buffix]\nselect = ['BFX1']\n"}, ["--pyproject"]),
        ({"pyproject.toml": "[project\nname = broken"}, ["--pyproject"]),
    ],
)
def test_init_never_overwrites(tmp_path, files, args):
    for name, text in files.items():
        (tmp_path / name).write_text(text)
    done = buffix("init", *args, cwd=tmp_path)
    assert done.returncode == 2 and done.stderr.startswith("buffix init: ") and len(done.stderr.splitlines()) == 1
    assert sorted(p.name for p in tmp_path.iterdir()) == sorted(files)
    for name, text in files.items():
        assert (tmp_path / name).read_text() == text
