"""A file's findings must not depend on which files a worker analyzed before it (the summaries of the tree's
functions are cached across files): recursive functions, and call chains too deep to follow."""

from __future__ import annotations

from pathlib import Path
from typing import Dict, List, Set, Tuple

from buffix.analysis import analyze_source
from buffix.analysis.project import Project

# `relay` reaches its sink only through `fetch`'s call of it: asked about `relay` first, `fetch` was summarized
# from relay's in-progress placeholder, and a later file passing a body to `fetch` saw no sink.
MUTUAL = {
    "app/__init__.py": "",
    "app/mutual.py": (
        "import hashlib\n\n\n"
        "def fetch(data, depth):\n"
        "    if depth:\n"
        "        return relay(data, depth - 1)\n"
        "    return None\n\n\n"
        "def relay(data, depth):\n"
        "    hashlib.sha256(data)\n"
        "    return fetch(data, depth)\n"
    ),
    "app/first.py": (
        "import requests\n\nfrom app.mutual import relay\n\n\n"
        "def one(url):\n"
        "    relay(requests.get(url).content, len(url))\n"
    ),
    "app/second.py": (
        "import requests\n\nfrom app.mutual import fetch\n\n\n"
        "def two(url):\n"
        "    fetch(requests.get(url).content, len(url))\n"
    ),
}


def _chain(length: int) -> str:
    lines = ["import requests\n\n"]
    for i in range(length - 1):
        lines.append(f"def f{i}(url):\n    return f{i + 1}(url)\n\n")
    lines.append(f"def f{length - 1}(url):\n    return requests.get(url).content\n")
    return "\n".join(lines)


# A chain of 200 calls: following it whole overflowed Python's stack; the RecursionError lost the file and left
# in-progress placeholders cached as answers for every later file.
DEEP = {
    "app/__init__.py": "",
    "app/chain.py": _chain(200),
    "app/deep.py": "import hashlib\n\nfrom app.chain import f0\n\n\ndef deep(url):\n    hashlib.sha256(f0(url))\n",
    "app/near.py": "import hashlib\n\nfrom app.chain import f195\n\n\ndef near(url):\n    hashlib.sha256(f195(url))\n",
}


def _write(tmp_path: Path, files: Dict[str, str]) -> None:
    for name, text in files.items():
        path = tmp_path / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text)


def _analyze_in_order(tmp_path: Path, order: List[str]) -> Tuple[Dict[str, Set[Tuple[str, int]]], List[str]]:
    project = Project([tmp_path])
    found: Dict[str, Set[Tuple[str, int]]] = {}
    errors: List[str] = []
    for name in order:
        path = tmp_path / name
        result = analyze_source(path.read_bytes(), str(path), project=project)
        found[name] = {(f.code, f.line) for f in result.findings}
        if result.error is not None:
            errors.append(result.error.message)
    return found, errors


def test_recursive_functions_give_the_same_findings_whichever_is_asked_first(tmp_path):
    _write(tmp_path, MUTUAL)
    forward, _ = _analyze_in_order(tmp_path, ["app/first.py", "app/second.py"])
    backward, _ = _analyze_in_order(tmp_path, ["app/second.py", "app/first.py"])
    assert forward == backward
    assert forward["app/second.py"] == {("BFX104", 7)}  # the sink in relay, reached through fetch
    assert forward["app/first.py"] == {("BFX104", 7)}


def test_a_chain_too_deep_to_follow_loses_no_file_and_changes_no_later_answer(tmp_path):
    _write(tmp_path, DEEP)
    alone, _ = _analyze_in_order(tmp_path, ["app/near.py"])
    after_deep, errors = _analyze_in_order(tmp_path, ["app/deep.py", "app/near.py"])
    assert errors == []
    assert alone["app/near.py"] == {("BFX104", 7)}
    assert after_deep["app/near.py"] == alone["app/near.py"]


# A recursive function with two sinks of one rule on one parameter: comparing its summary with the assumption once
# sorted their spans, which have no order, and lost the file (minio, quilt3).
TWICE = {
    "app/__init__.py": "",
    "app/twice.py": (
        "import hashlib\n\nimport requests\n\n\n"
        "def walk(data, depth):\n"
        "    hashlib.sha256(data)\n"
        "    hashlib.md5(data)\n"
        "    if depth:\n"
        "        walk(data, depth - 1)\n\n\n"
        "def top(url):\n"
        "    walk(requests.get(url).content, 3)\n"
    ),
}


def test_a_recursive_function_with_two_sinks_of_one_rule_is_summarized(tmp_path):
    _write(tmp_path, TWICE)
    found, errors = _analyze_in_order(tmp_path, ["app/twice.py"])
    assert errors == []
    assert found["app/twice.py"] == {("BFX104", 7), ("BFX104", 8)}
