"""The analyzer's shortcuts over the syntax tree answer what the plain walks they replace answered: the statement
walk is `ast.walk` without the expressions, `ClassInfo._rebinds` is the regex test of the class's lines then the
walk of its methods, `_kept_parameters` holds each name's first `self.<name> = <parameter>` of `ast.walk`."""

from __future__ import annotations

import ast
import re
from pathlib import Path
from typing import Dict, Optional, Tuple

import pytest

from buffix.analysis.flow import known
from buffix.analysis.flow.classes import ClassInfo, _kept_parameters
from buffix.analysis.module import Module
from buffix.analysis.parse import parse
from buffix.config import Config

FIXTURES = sorted((Path(__file__).resolve().parents[2] / "fixtures" / "analyzer").glob("*.py"))
TRICKY = '''
class A(Base):
    def __init__(self, client, other, *, key=None):
        self.client = other if key else client
        try:
            pass
        except Error:
            self.late = other
        else:
            self.client = client
        for x in y:
            self.looped = client
        match key:
            case 1:
                self.matched = other
        self.receive = self._receive_rate
        self.call(lambda: None)
        (self.paren) = other
        self.spaced \\
            = self.x
        self.prefixed_receive = self.y
        if self.equal == other:
            pass
        self.a = self.b = client
    def m(self):
        x.attr = y.attr
        def nested():
            self.inner = self.outer
        return [v for v in w if (z := v)]
'''


def _old_rebinds(info: ClassInfo, name: str) -> bool:
    assert info.module is not None
    if not info.module.parsed.may_contain(info.node, re.compile(rf"{re.escape(name)}[\s\\)]*=(?!=)")):
        return False
    return name in {t.attr for method in info.methods.values() for node in ast.walk(method)
                    if isinstance(node, ast.Assign) and isinstance(node.value, ast.Attribute)
                    for t in node.targets if isinstance(t, ast.Attribute)}


def _old_kept(init: Optional[ast.AST], name: str) -> Optional[Tuple[int, str]]:
    if init is None:
        return None
    params = [a.arg for a in (*init.args.posonlyargs, *init.args.args)][1:]  # type: ignore[attr-defined]
    for node in ast.walk(init):
        if (isinstance(node, ast.Assign) and isinstance(node.value, ast.Name) and node.value.id in params
                and any(isinstance(t, ast.Attribute) and t.attr == name and isinstance(t.value, ast.Name)
                        and t.value.id == "self" for t in node.targets)):
            return params.index(node.value.id), node.value.id
    return None


def _sources() -> Dict[str, bytes]:
    found = {"tricky": TRICKY.encode(), "non-ascii": TRICKY.replace("receive", "récéive").encode()}
    found.update((path.name, path.read_bytes()) for path in FIXTURES)
    return found


@pytest.mark.parametrize("name", list(_sources()))
def test_shortcuts_answer_what_the_walks_did(name: str) -> None:
    source = _sources()[name]
    parsed = parse(source)
    statements = [n for n in ast.walk(parsed.tree) if isinstance(n, (ast.stmt, ast.excepthandler, ast.match_case))]
    assert known.statements(parsed.tree) == [parsed.tree, *statements]
    module = Module(name, parsed, Config().catalog(), "m", False, None)
    words = set(re.findall(r"\w+", parsed.text))
    classes = [n for n in ast.walk(parsed.tree) if isinstance(n, ast.ClassDef)]
    assert classes or name not in ("tricky", "non-ascii")
    for node in classes:
        methods = {s.name: s for s in node.body if isinstance(s, (ast.FunctionDef, ast.AsyncFunctionDef))}
        info = ClassInfo(node, f"m.{node.name}", methods, module=module)
        kept = _kept_parameters(methods.get("__init__"))
        for word in sorted(words):  # in order: the first name that passes fills the walk's set for the rest
            assert info._rebinds(word) is _old_rebinds(info, word), (node.name, word)
            assert kept.get(word) == _old_kept(methods.get("__init__"), word), (node.name, word)


def test_the_tricky_class_is_tricky() -> None:
    """The cases the comparison above covers: the first keeping statement wins, assignments under try, match and
    a line break count, a name ending another assigned word passes the line test but is not rebound."""
    parsed = parse(TRICKY.encode())
    node = next(n for n in ast.walk(parsed.tree) if isinstance(n, ast.ClassDef))
    methods = {s.name: s for s in node.body if isinstance(s, ast.FunctionDef)}
    kept = _kept_parameters(methods["__init__"])
    assert kept == {"late": (1, "other"), "client": (0, "client"), "looped": (0, "client"),
                    "matched": (1, "other"), "paren": (1, "other"), "a": (0, "client"), "b": (0, "client")}
    info = ClassInfo(node, "m.A", methods, module=Module("t", parsed, Config().catalog(), "m", False, None))
    assert info._rebinds("receive") and info._rebinds("spaced") and info._rebinds("inner")
    assert not info._rebinds("equal") and not info._rebinds("call")
