"""The knowledge files agree with each other and with what the runtime measures.

Every client library is hooked at run time or says why not; every sink group is exercised by an operation of the
runtime matrix (tests/sinks.py, run by tests/runtime/test_matrix.py) or says it is unmeasured.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from buffix.knowledge import libraries
from buffix.knowledge.libraries import all_hooks, all_libraries
from buffix.knowledge.rules import all_rules, family_modules
from buffix.knowledge.sinks import group_of, sink_groups
from tests import sinks

LIBRARIES = all_libraries()
GROUPS = sink_groups()


@pytest.mark.parametrize("library", LIBRARIES, ids=lambda library: library.name)
def test_every_library_has_hook_points_or_says_analyzer_only(library):
    assert bool(library.hooks) != bool(library.analyzer_only), (
        f"{library.name}: give `hooks` (runtime hook points) or `analyzer_only` (why the runtime does not hook it)")
    for hooks in library.hooks:
        assert hooks.points and {point.library for point in hooks.points} == {hooks.library}


def test_every_library_file_is_listed_once_and_names_are_unique():
    files = {path.stem for path in Path(libraries.__file__).parent.glob("*.py") if path.stem != "__init__"}
    assert sorted(files) == sorted(libraries.MODULES)
    assert len({library.name for library in LIBRARIES}) == len(LIBRARIES)
    assert len({hooks.library for hooks in all_hooks()}) == len(all_hooks())


def test_library_types_and_sources_belong_to_one_library_each():
    seen = {}
    for library in LIBRARIES:
        for name in [*library.types, *library.sources, *library.aliases]:
            assert seen.setdefault(("types" if name in library.types else "name", name), library.name) == library.name


@pytest.mark.parametrize("group", GROUPS, ids=lambda group: f"{group.code}:{group.targets[0]}")
def test_every_sink_group_has_a_runtime_proven_operation_or_says_unmeasured(group):
    proven = [op.name for op in sinks.ALL_OPS if op.sink in group.targets]
    if group.unmeasured:
        assert not proven, f"{group.targets[0]} is measured by {proven}: drop its `unmeasured`"
    else:
        assert proven, f"no op of tests/sinks.py goes through {group.targets}: add one, or say `unmeasured`"


def test_every_matrix_operation_names_a_catalogued_sink_of_its_family():
    for op in sinks.ALL_OPS:
        if op.sink is not None:
            assert op.family in (None, group_of(op.sink).code[:4])
        else:
            assert op.family is None, op.name


def test_each_family_module_names_its_family_level_and_sinks_of_its_own_codes():
    for module in family_modules():
        codes = {rule.code for rule in module.RULES}
        assert module.LEVEL in ("error", "warning", "note")
        assert module.PRECISION in ("very-high", "high", "medium", "low")  # SARIF's rule precision values
        assert {group.code for group in module.SINKS} <= codes, module.__name__
        if module.FAMILY is not None:
            assert all(code.startswith(module.FAMILY.code) for code in codes), module.__name__
    assert {group.code for group in GROUPS} <= set(all_rules())
    reuploads = {group for library in LIBRARIES for group in library.reuploads}
    assert {group.code for group in reuploads} == {"BFX301"}
