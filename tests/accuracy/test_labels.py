"""packages/*.yaml are well-formed ground truth: valid schema, enough positives and look-alikes, unique sites.
Offline and fast: nothing is downloaded."""

from __future__ import annotations

from collections import Counter
from pathlib import Path

import pytest
import yaml

from buffix.knowledge.families import FAMILIES
from tests.accuracy.labelset import CODES, FLOWS, PACKAGES_DIR, SILENT, LabelError, load_labelset

MIN_POSITIVES = 300
MIN_NEGATIVES = 200


@pytest.fixture(scope="module")
def labelset():
    return load_labelset()


def test_enough_positives_and_look_alikes(labelset):
    assert len(labelset.positives) >= MIN_POSITIVES
    assert len(labelset.negatives) >= MIN_NEGATIVES


def test_every_site_is_labelled_once(labelset):
    repeated = [key for key, n in Counter(label.key for label in labelset.labels).items() if n > 1]
    assert repeated == []


def test_codes_and_flows_are_known(labelset):
    assert {label.expect for label in labelset.labels} <= set(CODES) | {SILENT}
    assert {label.flow for label in labelset.labels} <= set(FLOWS)


def test_codes_belong_to_the_rule_families():
    prefixes = {family.code for family in FAMILIES}
    assert {code[:4] for code in CODES} <= prefixes


def test_every_pinned_package_carries_labels_or_says_why_not(labelset):
    labelled = {label.package for label in labelset.labels}
    unexplained = [p.name for p in labelset.packages if p.name not in labelled and not p.note.strip()]
    assert unexplained == []


def test_the_corpus_is_large_and_both_halves_are_substantial(labelset):
    assert len(labelset.packages) >= 75
    for split in ("dev", "test"):
        half = labelset.only(split)
        assert len(half.packages) >= 30 and len(half.positives) >= 120


def test_positives_span_several_flow_kinds_and_families(labelset):
    assert len({label.flow for label in labelset.positives}) >= 6
    assert len({label.expect[:4] for label in labelset.positives}) >= 5


def _write(tmp_path: Path, mutate) -> Path:
    data = yaml.safe_load((PACKAGES_DIR / "gdown.yaml").read_text(encoding="utf-8"))
    mutate(data)
    path = tmp_path / "gdown.yaml"
    path.write_text(yaml.safe_dump(data), encoding="utf-8")
    return path


@pytest.mark.parametrize(
    "mutate, complaint",
    [
        (lambda d: d["labels"].append(dict(d["labels"][0])), "is already labelled by labels[0]"),
        (lambda d: d["labels"][0].update(expect="BFX999"), "expect must be 'silent' or one of"),
        (lambda d: d["labels"][0].update(flow="teleport"), "flow must be one of"),
        (lambda d: d["labels"][0].update(line=0), "line must be a positive integer"),
        (lambda d: d["labels"][0].update(path="../escape.py"), "path must be a relative POSIX path"),
        (lambda d: d["labels"][0].update(client="pycurl"), "client must be one of"),
        (lambda d: d["labels"][0].update(mock=True), "true only on a silent label"),
        (lambda d: d["labels"][0].pop("note"), "needs the keys"),
        (lambda d: d.update(sha256="abc"), "sha256 must be 64 lowercase hex digits"),
        (lambda d: d.update(labelling="guessed"), "labelling must be one of"),
    ],
)
def test_malformed_labels_are_refused_with_a_clear_line(tmp_path, mutate, complaint):
    path = _write(tmp_path, mutate)
    with pytest.raises(LabelError) as caught:
        load_labelset(path)
    assert complaint in str(caught.value)
    assert str(path) in str(caught.value)
