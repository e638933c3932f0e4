"""Issue 12 item 9: one hung worker does not block the run; its file is one error, every other file is answered."""

import os
import signal

import pytest

from buffix.core.findings import FileResult
from buffix.pipeline import check_files


def hang_on_one(path, source):
    if os.path.basename(path) == "hang.py":
        signal.pause()  # a worker that never answers (SIGINT is ignored in workers)
    return FileResult(path)


@pytest.mark.skipif(not hasattr(os, "fork"), reason="workers need fork")
@pytest.mark.parametrize("jobs", [1, 2])
def test_a_hung_worker_costs_only_its_file(tmp_path, jobs):
    names = ["a.py", "hang.py", "z.py"] + [f"m{i}.py" for i in range(80)]
    for name in names:
        (tmp_path / name).write_text("x = 1\n")
    results = list(check_files([tmp_path / n for n in names], hang_on_one, jobs=jobs, timeout=1))
    assert len(results) == len(names)
    errors = {os.path.basename(r.path): r.error.message for r in results if r.error}
    assert list(errors) == ["hang.py"]
    assert "did not finish within 1 s (BUFFIX_FILE_TIMEOUT)" in errors["hang.py"]


def report_pid(path, source):
    return FileResult(path, depends_on=(str(os.getpid()),))


@pytest.mark.skipif(not hasattr(os, "fork"), reason="workers need fork")
def test_jobs_are_capped_at_the_cpus(tmp_path):
    """Issue 12 item 7: `--jobs 500` on 2 cores started ~500 processes."""
    from buffix.pipeline import default_jobs

    files = []
    for i in range(300):
        files.append(tmp_path / f"m{i}.py")
        files[-1].write_text("x = 1\n")
    pids = {r.depends_on[0] for r in check_files(files, report_pid, jobs=500)}
    assert 1 <= len(pids) <= default_jobs()
