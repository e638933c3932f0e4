"""A cheap import table per scope: which local name means which qualified name, and which names are rebound.

This is what QualifiedNameProvider would tell, at a fraction of its cost (docs/performance.md): one walk per scope.
"""

from __future__ import annotations

import ast
from dataclasses import dataclass, field
from typing import Dict, List, Set

_SCOPES = (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef, ast.Lambda)
_COMPREHENSIONS = (ast.ListComp, ast.SetComp, ast.DictComp, ast.GeneratorExp)


@dataclass
class Names:
    imports: Dict[str, str] = field(default_factory=dict)  # local name -> qualified name
    bound: Set[str] = field(default_factory=set)  # names bound otherwise (assignment, def, parameter...)
    star: bool = False  # `from x import *`: any builtin may be shadowed
    star_modules: List[str] = field(default_factory=list)  # the modules of those imports, in order
    declared_global: Set[str] = field(default_factory=set)


def absolute(module: str, level: int, package: str) -> str:
    """The absolute module of `from <level dots><module> import ...` inside package `package`."""
    if level == 0:
        return module
    parts = package.split(".") if package else []
    base = parts[: len(parts) - (level - 1)] if level - 1 <= len(parts) else []
    return ".".join([*base, module] if module else base)


class _Collector(ast.NodeVisitor):
    def __init__(self, names: Names, package: str) -> None:
        self.names = names
        self.package = package

    def _bind(self, name: str) -> None:
        if name not in self.names.declared_global:
            self.names.bound.add(name)

    def visit_Import(self, node: ast.Import) -> None:
        for alias in node.names:
            if alias.asname:
                self.names.imports.setdefault(alias.asname, alias.name)
            else:
                top = alias.name.split(".")[0]
                self.names.imports.setdefault(top, top)

    def visit_ImportFrom(self, node: ast.ImportFrom) -> None:
        module = absolute(node.module or "", node.level, self.package)
        for alias in node.names:
            if alias.name == "*":
                self.names.star = True
                self.names.star_modules.append(module)
            else:
                qualname = f"{module}.{alias.name}" if module else alias.name
                self.names.imports.setdefault(alias.asname or alias.name, qualname)

    def visit_Global(self, node: ast.Global) -> None:
        self.names.declared_global.update(node.names)

    def visit_Nonlocal(self, node: ast.Nonlocal) -> None:
        self.names.declared_global.update(node.names)

    def _scope(self, node: ast.AST) -> None:
        if not isinstance(node, ast.Lambda):
            self._bind(node.name)  # type: ignore[attr-defined]
            for decorator in node.decorator_list:  # type: ignore[attr-defined]
                self.visit(decorator)

    visit_FunctionDef = visit_AsyncFunctionDef = visit_ClassDef = visit_Lambda = _scope

    def visit_Name(self, node: ast.Name) -> None:
        if isinstance(node.ctx, (ast.Store, ast.Del)):
            self._bind(node.id)

    def visit_Assign(self, node: ast.Assign) -> None:
        # `requests = None` in an `except ImportError:` keeps the import's meaning for the analysis
        if isinstance(node.value, ast.Constant) and all(isinstance(t, ast.Name) for t in node.targets):
            return
        self.generic_visit(node)

    def visit_ExceptHandler(self, node: ast.ExceptHandler) -> None:
        if node.name:
            self._bind(node.name)
        self.generic_visit(node)

    def visit_MatchAs(self, node: ast.AST) -> None:
        name = getattr(node, "name", None)
        if name:
            self._bind(name)
        self.generic_visit(node)

    visit_MatchStar = visit_MatchAs

    def _comprehension(self, node: ast.AST) -> None:
        # comprehension targets are local to it; only a walrus inside leaks out
        for child in ast.walk(node):
            if isinstance(child, ast.NamedExpr) and isinstance(child.target, ast.Name):
                self._bind(child.target.id)

    visit_ListComp = visit_SetComp = visit_DictComp = visit_GeneratorExp = _comprehension


def collect(body: list, package: str) -> Names:
    """Names bound directly in a scope made of `body` (nested scopes excluded)."""
    names = Names()
    collector = _Collector(names, package)
    for stmt in body:
        collector.visit(stmt)
    for name in _rebound(body) & set(names.imports):
        del names.imports[name]
    # a set grown name by name has up to 4 slots a name; a copy is sized for what it holds (a module of 30,000
    # top-level names: 2 MiB -> 1 MiB, held for the whole analysis)
    names.bound = set(names.bound)
    return names


def add_import(names: Names, package: str, node: ast.AST) -> None:
    """Learn an import statement met while a function runs (function scopes are not walked up front)."""
    _Collector(names, package).visit(node)


def _rebound(body: list) -> Set[str]:
    """Imported names that are also bound by def/class at the same level (the later definition wins)."""
    return {s.name for s in body if isinstance(s, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef))}
