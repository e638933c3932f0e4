"""`buffix run -- COMMAND` end to end: the real console script, real child processes, the real server.

The programs live in fixtures/runtime/run/; each reads $BUFFIX_TEST_URL (set by the `server` fixture).
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Callable, List, Optional

import pytest

pytestmark = pytest.mark.usefixtures("server")

PROGRAMS = Path(__file__).resolve().parents[2] / "fixtures" / "runtime" / "run"
PY = sys.executable


def buffix_command() -> List[str]:
    script = Path(PY).with_name("buffix")
    return [str(script)] if script.exists() else [PY, "-m", "buffix"]


def run(args: List[str], *, runtime: Optional[List[str]] = None, stdin: bytes = b"",
        env: Optional[dict] = None) -> subprocess.CompletedProcess:
    """`args` plainly, or as `buffix run [runtime options] -- args` when `runtime` is a list."""
    command = args if runtime is None else [*buffix_command(), "run", *runtime, "--", *args]
    return subprocess.run(command, input=stdin, capture_output=True, timeout=60,
                          env={**os.environ, **(env or {})})


def concurrently(*calls: Callable[[], subprocess.CompletedProcess]) -> List[subprocess.CompletedProcess]:
    """Run independent subprocess calls side by side (each is mostly interpreter start-up)."""
    with ThreadPoolExecutor(len(calls)) as pool:
        return list(pool.map(lambda call: call(), calls))


def program(name: str, *argv: str) -> List[str]:
    return [PY, str(PROGRAMS / name), *argv]


def text(raw: bytes) -> str:
    return raw.decode("utf-8", "replace")


def test_unsafe_conversion_fails_under_the_runtime_with_an_explanation_and_passes_without():
    plain, under = concurrently(lambda: run(program("bytesio_content.py")),
                                lambda: run(program("bytesio_content.py"), runtime=[]))
    assert plain.returncode == 0, text(plain.stderr)
    assert plain.stdout == b"read 1024\n"
    assert under.returncode == 1 and under.stdout == b""
    err = text(under.stderr)
    assert "TypeError" in err and "bytes-like object" in err, err
    assert "BFX1" in err and "body[:]" in err and "bytesio_content.py:7" in err, err


@pytest.mark.parametrize("status", ["0", "7"])
def test_exit_status_and_stdout_pass_through(status):
    plain, under = concurrently(lambda: run(program("exit_code.py", status)),
                                lambda: run(program("exit_code.py", status), runtime=[]))
    assert under.returncode == plain.returncode == int(status)
    assert under.stdout == plain.stdout == f"exiting with {status}\n".encode()
    assert under.stderr == plain.stderr == b""


def test_death_by_signal_passes_through():
    plain, under = concurrently(lambda: run(program("kill_self.py", "SIGTERM")),
                                lambda: run(program("kill_self.py", "SIGTERM"), runtime=[]))
    assert plain.returncode == -signal.SIGTERM
    assert under.returncode == plain.returncode and under.stdout == plain.stdout == b"about to die\n"


def test_stdin_passes_through_byte_for_byte():
    data = bytes(range(256)) * 1000 + b"\r\n\x00tail"
    under = run(program("echo_stdin.py"), runtime=["--report"], stdin=data)
    assert under.returncode == 0 and under.stdout == data


def test_report_prints_the_stats_on_stderr_only():
    plain, under, quiet = concurrently(lambda: run(program("used_after_with.py")),
                                       lambda: run(program("used_after_with.py"), runtime=["--report"]),
                                       lambda: run(program("used_after_with.py"), runtime=[]))
    assert under.returncode == 0 and under.stdout == plain.stdout == b"length 4096\n"
    lines = text(under.stderr).splitlines()
    assert lines[0] == (
        "buffix runtime: 1 bodies wrapped, 4096 bytes live, peak 4096 bytes, 0 released, 1 leak suspects"
    ), lines
    assert "leak suspect: 1 bodies, 4096 bytes from requests Response.content" in lines[1]
    assert "used_after_with.py:7" in lines[1] and "used_after_with.py:6" in lines[1]  # created, closed
    assert quiet.returncode == 0 and quiet.stderr == b""  # no --report, no stats


def test_strict_profile_refuses_bytes_of_a_body_while_the_wrapt_profile_does_not():
    wrapt, strict = concurrently(lambda: run(program("bytes_of_body.py"), runtime=["--profile", "wrapt"]),
                                 lambda: run(program("bytes_of_body.py"), runtime=["--profile", "strict"]))
    assert wrapt.returncode == 0 and wrapt.stdout == b"bytes 2048\n", text(wrapt.stderr)
    assert strict.returncode == 1
    err = text(strict.stderr)
    assert "TypeError" in err and "strict profile" in err and "BFX4" in err and "bytes(body[:])" in err, err


def test_release_on_close_makes_a_body_used_after_with_raise():
    default, leak_hunt = concurrently(lambda: run(program("used_after_with.py"), runtime=[]),
                                      lambda: run(program("used_after_with.py"), runtime=["--release-on-close"]))
    assert default.returncode == 0 and default.stdout == b"length 4096\n"
    assert leak_hunt.returncode == 1 and leak_hunt.stdout == b""
    err = text(leak_hunt.stderr)
    assert "BodyReleasedError" in err, err
    assert "created at " + str(PROGRAMS / "used_after_with.py") + ":7" in err
    assert "released at " + str(PROGRAMS / "used_after_with.py") + ":6" in err


def test_a_missing_command_exits_127_with_one_clear_line():
    missing = run(["buffix-no-such-command-xyz", "arg"], runtime=[])
    assert missing.returncode == 127 and missing.stdout == b""
    assert text(missing.stderr).splitlines() == ["buffix run: command not found: buffix-no-such-command-xyz"]


def test_child_python_processes_get_the_runtime_too():
    plain, under = concurrently(lambda: run(program("child_process.py")),
                                lambda: run(program("child_process.py"), runtime=[]))
    assert plain.stdout == b"parent\nchild body is bytes: True isinstance: True\n", text(plain.stderr)
    assert under.returncode == 0, text(under.stderr)
    assert under.stdout == b"parent\nchild body is bytes: False isinstance: True\n"


def test_a_users_own_sitecustomize_still_runs():
    env = {"PYTHONPATH": str(PROGRAMS / "user_site")}
    plain, under = concurrently(lambda: run(program("runtime_state.py"), env=env),
                                lambda: run(program("runtime_state.py"), runtime=[], env=env))
    assert plain.stdout == b"runtime installed: False\nuser sitecustomize: yes\n", text(plain.stderr)
    assert under.returncode == 0 and under.stderr == b""
    assert under.stdout == b"runtime installed: True\nuser sitecustomize: yes\n"


def test_pytest_with_warnings_as_errors_runs_under_buffix_run(tmp_path):
    """buffix is imported before pytest marks its plugin's package for assertion rewriting; a suite that turns
    warnings into errors (aiohttp's `filterwarnings = error`) must still start (issue 11)."""
    (tmp_path / "test_body.py").write_text(
        "import os\nimport requests\n\n\ndef test_safe_form():\n"
        "    body = requests.get(os.environ['BUFFIX_TEST_URL'] + '/bytes/100', timeout=10).content\n"
        "    assert len(bytes(body[:])) == 100\n")
    args = [PY, "-m", "pytest", "-W", "error", "-p", "no:cacheprovider", "-q", str(tmp_path / "test_body.py")]
    plain, under = concurrently(lambda: run(args), lambda: run(args, runtime=[]))
    assert plain.returncode == 0, text(plain.stdout)
    assert under.returncode == 0, text(under.stdout + under.stderr)
    assert b"1 passed" in under.stdout
