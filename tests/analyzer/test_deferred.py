"""A function or class defined inside code that runs many times is analyzed once. apprise's plugin wrapper class is
defined in a static method whose text calls `super()` (in the wrapper's `__init__`): analyzing the wrapper ran its
base's super-calling methods in its context, which defined the wrapper again, without end (> 300 s)."""
from __future__ import annotations

import ast
from collections import Counter

from buffix.analysis import analyze_source
from buffix.analysis import module as module_module
from buffix.config import Config

SOURCE = b'''
import requests


class Base:
    def __init__(self, **kwargs):
        self.kwargs = kwargs

    @staticmethod
    def instantiate(url, send):
        class Wrapper(Base):
            def __init__(self, **kwargs):
                super().__init__(**kwargs)

            def send(self, body):
                return send(body)

        return Wrapper(url=url)

    def fetch(self, url):
        self.body = requests.get(url).content
        return self.instantiate(url, memoryview)


class Child(Base):
    def again(self, url):
        return self.instantiate(url, bytes)


def run(url):
    for kind in (Base, Child):
        kind().fetch(url)
        kind.instantiate(url, print)
    return memoryview(requests.get(url).content)
'''


def test_a_nested_class_is_analyzed_once_however_often_its_definition_runs(monkeypatch):
    analyzed: Counter = Counter()
    original = module_module.Module._analyze_class

    def counting(self, node: ast.ClassDef, parent):
        analyzed[node.name] += 1
        return original(self, node, parent)

    monkeypatch.setattr(module_module.Module, "_analyze_class", counting)
    result = analyze_source(SOURCE, "app.py", Config(min_confidence="low"))
    assert analyzed["Wrapper"] == 1
    assert [f.code for f in result.findings] == ["BFX101"]
