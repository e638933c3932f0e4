"""Issue 12: workers end when their parent dies. `buffix check` killed by SIGKILL (a timeout) left its workers going
on with their chunks as orphans, ~1 GB each, still using CPU 25 minutes later."""

import os
import signal
import subprocess
import sys
import time

import pytest

FUNCTION = "def f{0}(u):\n    data = requests.get(u).content\n    return memoryview(data)\n\n\n"
FILES = 1024  # a worker's chunk is then 64 files of about a second each: it outlasts LIVENESS many times over
LIVENESS = 60  # seconds a worker may take to notice that its parent is gone: a liveness bound, not a speed bound
# The CLI with the kernel's parent-death signal, or with only the portable fallback (a thread polling os.getppid())
RUNNERS = {
    "pdeathsig": "from buffix.cli import main; main()",
    "polling": "import buffix.core.process as p; p._kill_on_parent_death = lambda: False; "
               "from buffix.cli import main; main()",
}


def _stat(pid):
    """(state, ppid, CPU ticks) of a process, or None when it is gone."""
    try:
        with open(f"/proc/{pid}/stat") as handle:
            fields = handle.read().rsplit(")", 1)[1].split()
    except OSError:
        return None
    return fields[0], int(fields[1]), int(fields[11]) + int(fields[12])


def _children(pid):
    found = []
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            stat = _stat(int(entry))
            if stat is not None and stat[1] == pid:
                found.append(int(entry))
    return found


def _alive(pid):
    stat = _stat(pid)
    return stat is not None and stat[0] not in ("Z", "X")  # a zombie has ended: only its exit status is left


def _tree(tmp_path):
    module = "import requests\n\n\n" + "".join(FUNCTION.format(i) for i in range(2000))  # ~150 KB
    first = tmp_path / "m0000.py"
    first.write_text(module)
    for index in range(1, FILES):
        os.link(first, tmp_path / f"m{index:04}.py")  # one inode: the tree costs 150 KB of disk


@pytest.mark.skipif(not os.path.exists("/proc/self/stat") or not hasattr(os, "fork"),
                    reason="finds the workers in /proc")
@pytest.mark.parametrize("runner", list(RUNNERS))
def test_workers_end_when_check_is_killed(tmp_path, runner):
    _tree(tmp_path)
    err = open(tmp_path.parent / f"{runner}-stderr.txt", "w+b")
    cli = subprocess.Popen([sys.executable, "-c", RUNNERS[runner], "check", "--no-cache", "--jobs", "2", "."],
                           cwd=tmp_path, stdout=subprocess.DEVNULL, stderr=err)
    tick = os.sysconf("SC_CLK_TCK")
    workers = []
    try:
        while not workers:  # busy: a worker has spent a second analyzing
            assert cli.poll() is None, "the run ended before its workers were busy"
            workers = [pid for pid in _children(cli.pid) if (_stat(pid) or ("", 0, 0))[2] >= tick]
            time.sleep(0.05)
        workers = _children(cli.pid)
        cli.kill()
        cli.wait()
        deadline = time.monotonic() + LIVENESS
        while any(_alive(pid) for pid in workers) and time.monotonic() < deadline:
            time.sleep(0.1)
        assert [pid for pid in workers if _alive(pid)] == []
        err.seek(0)
        assert b"Traceback" not in err.read()
    finally:
        if cli.poll() is None:
            cli.kill()
            cli.wait()
        for pid in workers:  # a failed run must not leave them behind either
            if _alive(pid):
                os.kill(pid, signal.SIGKILL)
        err.close()
