"""The analyzed tree as a whole: `finder` (module names <-> files), `loader` (parsed modules within a memory
budget), `dependencies` (which files an answer was read from), `queries` (the Project and its cross-module
questions)."""

from buffix.analysis.project.finder import module_name, package_root
from buffix.analysis.project.queries import Project

__all__ = ["Project", "module_name", "package_root"]
