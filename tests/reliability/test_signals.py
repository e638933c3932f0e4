"""Issue 12 item 9: Ctrl-C exits 130 and SIGTERM unwinds (exit 143), both without a traceback."""

import os
import signal
import subprocess
import sys

import pytest


def _blocked_reading_stdin(pid):
    """The process sits in read(0, ...): buffix is up and waiting for stdin."""
    try:
        with open(f"/proc/{pid}/syscall") as handle:
            fields = handle.read().split()
    except OSError:
        return False
    return fields[:2] == ["0", "0x0"]


@pytest.mark.skipif(not os.path.exists("/proc/self/syscall"), reason="needs /proc/<pid>/syscall")
@pytest.mark.parametrize("signum, status", [(signal.SIGINT, 130), (signal.SIGTERM, 143)])
def test_signal_while_reading_stdin(tmp_path, signum, status):
    # a SIGINT ignored here (by code an earlier test ran in this process) would be inherited: Python keeps an
    # ignored SIGINT ignored, as a program started in the background should
    process = subprocess.Popen([sys.executable, "-m", "buffix", "check", "-", "--stdin-filename", "x.py"],
                               cwd=tmp_path, stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                               preexec_fn=lambda: signal.signal(signal.SIGINT, signal.SIG_DFL))
    while not _blocked_reading_stdin(process.pid):
        assert process.poll() is None, process.stderr.read()
    process.send_signal(signum)
    process.wait(timeout=120)  # with stdin still open: closing it first races the signal with end of input
    out, err = process.communicate()
    assert process.returncode == status, err
    assert b"Traceback" not in err
    assert list(tmp_path.iterdir()) == []
