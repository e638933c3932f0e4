"""Where reports go, through the real CLI: several formats in one run (--output-format FORMAT=FILE), --statistics
refused where a format cannot carry it, `check --diff -o FILE`; each a one-line usage error when wrong."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from buffix.report import FORMATS
from tests.report.tree import buffix, make_tree


@pytest.fixture
def tree(tmp_path: Path) -> Path:
    make_tree(tmp_path)
    for broken in ("broken.py", "latin.py"):  # a clean exit status: 1 for findings
        (tmp_path / broken).unlink()
    return tmp_path


def test_several_formats_in_one_run_equal_their_single_runs(tree):
    (tree / "out").mkdir()
    args = [arg for fmt in ("sarif", "json", "gitlab", "junit") for arg in ("--output-format", f"{fmt}=out/r.{fmt}")]
    done = buffix("check", "--no-cache", *args, cwd=tree)
    assert done.returncode == 1 and done.stderr == ""
    assert done.stdout == buffix("check", "--no-cache", cwd=tree).stdout  # the text report on stdout, as ever
    for fmt in ("sarif", "json", "gitlab", "junit"):
        alone = buffix("check", "--no-cache", "--format", fmt, cwd=tree).stdout
        assert (tree / "out" / f"r.{fmt}").read_text() == alone, fmt
    assert sorted(os.listdir(tree / "out")) == ["r.gitlab", "r.json", "r.junit", "r.sarif"]  # no temporary left
    both = buffix("check", "--no-cache", "--format", "json", "-o", "out/main.json", "--output-format",
                  "text=out/r.txt", "--color", cwd=tree)
    assert both.returncode == 1 and both.stdout == ""
    assert (tree / "out" / "main.json").read_text() == (tree / "out" / "r.json").read_text()
    assert "\x1b[" not in (tree / "out" / "r.txt").read_text() and "BFX104" in (tree / "out" / "r.txt").read_text()


def test_an_unwritable_output_is_one_line_and_the_others_are_written(tree):
    done = buffix("check", "--no-cache", "--output-format", "json=missing/r.json", "--output-format", "sarif=r.sarif",
                  cwd=tree)
    assert done.returncode == 2
    assert done.stderr == "buffix: error: cannot write missing/r.json: No such file or directory\n"
    assert (tree / "r.sarif").read_text().startswith("{") and "BFX104" in done.stdout


@pytest.mark.parametrize("spec, message", [
    ("json", "--output-format: expected FORMAT=FILE, e.g. sarif=buffix.sarif, got 'json' (--format chooses the "
             "report on stdout)"),
    ("json=", "--output-format: expected FORMAT=FILE, e.g. sarif=buffix.sarif, got 'json=' (--format chooses the "
              "report on stdout)"),
    ("xml=r.xml", f"--output-format xml=r.xml: unknown format 'xml'; expected one of {', '.join(FORMATS)}"),
])
def test_a_malformed_output_format_is_a_usage_error(tree, spec, message):
    done = buffix("check", "--output-format", spec, cwd=tree)
    assert (done.returncode, done.stdout, done.stderr) == (2, "", f"buffix: error: {message}\n")


def test_one_file_named_for_two_reports_is_a_usage_error(tree):
    done = buffix("check", "--format", "json", "-o", "r.json", "--output-format", "sarif=r.json", cwd=tree)
    assert (done.returncode, done.stderr) == (2, "buffix: error: --output-format: r.json is named as the output of "
                                                 "two reports\n")
    assert not (tree / "r.json").exists()


@pytest.mark.parametrize("fmt", [f.name for f in FORMATS.values() if f.statistics is None])
def test_statistics_with_a_format_that_cannot_carry_them_is_a_usage_error(tree, fmt):
    assert fmt in ("sarif", "github", "gitlab", "junit")
    done = buffix("check", "--statistics", "--format", fmt, "-o", "report.out", cwd=tree)
    assert (done.returncode, done.stdout) == (2, "")
    assert done.stderr == (f"buffix: error: --statistics cannot be shown in the {fmt} format; use --format text or "
                           f"json\n")
    assert not (tree / "report.out").exists()


def test_statistics_where_they_fit(tree):
    assert buffix("check", "--no-cache", "--statistics", cwd=tree).stdout.splitlines()[0] == "1  BFX104  [*] hash-of-body"
    assert '"statistics"' in buffix("check", "--no-cache", "--statistics", "--format", "json", cwd=tree).stdout


def test_check_diff_writes_the_diff_to_the_output_file(tree):
    printed = buffix("check", "--no-cache", "--diff", cwd=tree)
    assert printed.returncode == 1 and printed.stdout.startswith("--- a/svc/")
    done = buffix("check", "--no-cache", "--diff", "-o", "fixes.diff", cwd=tree)
    assert (done.returncode, done.stdout) == (1, "")
    assert done.stderr == printed.stderr and done.stderr.startswith("Would fix")
    assert (tree / "fixes.diff").read_text() == printed.stdout
    assert "hashlib.sha1(fetch_bytes(url)[:])" in (tree / "fixes.diff").read_text()
    assert "[:]" not in (tree / "svc" / "app.py").read_text()  # --diff writes no source


@pytest.mark.parametrize("args, given", [(("--format", "json"), "--format json"), (("--statistics",), "--statistics"),
                                         (("--output-format", "json=r.json"), "--output-format")])
def test_diff_with_a_report_option_is_a_usage_error(tree, args, given):
    done = buffix("check", "--diff", *args, cwd=tree)
    assert (done.returncode, done.stdout) == (2, "")
    assert done.stderr == f"buffix: error: --diff prints a unified diff, not a report; it cannot be combined with {given}\n"


@pytest.mark.parametrize("reportless", [("--write-baseline", "b.json"), ("--add-suppressions",), ("--show-settings",),
                                        ("--show-files",)])
@pytest.mark.parametrize("args, given", [(("--format", "sarif"), "--format sarif"), (("--statistics",), "--statistics"),
                                         (("--output-format", "json=r.json"), "--output-format"),
                                         (("-o", "r.txt"), "--output")])
def test_a_run_that_prints_no_report_refuses_report_options(tree, reportless, args, given):
    done = buffix("check", *reportless, *args, cwd=tree)
    assert (done.returncode, done.stdout) == (2, "")
    assert done.stderr == f"buffix: error: {reportless[0]} writes no report; it cannot be combined with {given}\n"
    assert sorted(p.name for p in tree.iterdir()) == ["svc"] and "ignore" not in (tree / "svc" / "app.py").read_text()
