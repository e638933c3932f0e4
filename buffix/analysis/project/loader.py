"""Parsed modules of the tree, loaded on demand and forgotten together once their source passes a memory budget."""

from __future__ import annotations

from typing import Dict, Optional

from buffix.analysis.flow.classes import Tree
from buffix.analysis.module import Module
from buffix.analysis.parse import ParseFailure, parse
from buffix.analysis.project.dependencies import Dependencies
from buffix.analysis.project.finder import ModuleFinder
from buffix.knowledge.catalog import Catalog

# Characters of parsed module source kept at once (~20-25 bytes of memory per character with their summaries).
# Forgetting is dear: every summary goes with the modules, so a budget below a package's working set re-parses it
# for each file (discord.py, 3.1 M characters: 196 s at 2 M, 6 s at 4 M, stop 23; apache-libcloud, 8.9 M: 600 s of
# CPU at 4 M, 26 s at 8 M, 21 s at 12 M, peak RSS 214-221 MiB alike; kubernetes, 74 M: 82 s and 427 MiB at 12 M,
# 69 s and 735 MiB unbounded; the bench corpus never reaches 4 M: 117 MiB either way. Stop 31).
MODULE_BUDGET = 12_000_000


class ModuleLoader:
    def __init__(self, finder: ModuleFinder, dependencies: Dependencies, catalog: Catalog, tree: Tree) -> None:
        self._finder = finder
        self._dependencies = dependencies
        self._catalog = catalog
        self._tree = tree  # what the loaded modules ask of the tree
        self._modules: Dict[str, Optional[Module]] = {}
        self._loaded_bytes = 0  # source size of the parsed modules in `_modules`

    def use(self, name: str) -> None:
        """Record that the result being computed depends on module `name` (when it is in the tree)."""
        file = self._finder.locate(name)
        if file is not None:
            self._dependencies.consult(str(file))

    def module(self, name: str) -> Optional[Module]:
        self.use(name)
        if name not in self._modules:
            module = self._modules[name] = self._load(name)
            self._loaded_bytes += len(module.parsed.text) if module is not None else 0
        return self._modules[name]

    def trim(self) -> bool:
        """Forget every parsed module once their source passes MODULE_BUDGET (call between files, never during
        one): a worker's memory stays bounded on a tree of thousands of modules. All at once, because modules
        point into each other (base classes, summaries keyed by a class's identity). True when it forgot them."""
        if self._loaded_bytes <= MODULE_BUDGET:
            return False
        for module in self._modules.values():
            if module is not None:
                module.dispose()  # frames and classes point back to it: free it by reference counting
        self._modules.clear()
        self._loaded_bytes = 0
        return True

    def _load(self, name: str) -> Optional[Module]:
        file = self._finder.locate(name)
        if file is None:
            return None
        try:
            parsed = parse(file.read_bytes())
        except (OSError, ParseFailure):
            return None  # reported when that file itself is checked
        return Module(str(file), parsed, self._catalog, name, file.name == "__init__.py", self._tree, emitting=False)
