"""Forked children for work that may kill its process (LibCST's native parser dies by SIGSEGV on code nested deep
enough): the parent survives and says how the child died. Every child ends when its parent does (`end_with_parent`)."""

from __future__ import annotations

import os
import signal
import sys
import threading
from typing import TYPE_CHECKING, Any, Callable

if TYPE_CHECKING:
    from multiprocessing.connection import Connection

FORK = hasattr(os, "fork")  # multiprocessing is imported only when a child starts: it costs a one-file run ~6 ms
PARENT_POLL = 1.0  # seconds between two looks at os.getppid() where the kernel cannot kill the child for us
_PR_SET_PDEATHSIG = 1  # <linux/prctl.h>
_forked_from_main = False  # in a child: whether the thread that forked it was its parent's main thread


def _note_forking_thread() -> None:
    global _forked_from_main
    _forked_from_main = threading.current_thread() is threading.main_thread()


if FORK:
    os.register_at_fork(before=_note_forking_thread)


def end_with_parent() -> None:
    """First thing in a child: end it when its parent ends. A parent killed by SIGKILL (a timeout) cannot stop its
    workers, and they went on with their chunks as orphans (~1 GB each, 25 minutes later); forked siblings hold each
    other's pipe ends, so the pipe does not tell either. On Linux the kernel kills the child (PR_SET_PDEATHSIG: it
    fires when the forking *thread* ends, so only for a fork from the main thread); otherwise a thread polls
    os.getppid()."""
    import multiprocessing

    parent = multiprocessing.parent_process()  # its pid was taken in the parent, before the fork
    expected = parent.pid if parent is not None and parent.pid is not None else os.getppid()
    if not (_forked_from_main and _kill_on_parent_death()):
        try:
            threading.Thread(target=_watch_parent, args=(expected,), name="buffix-parent", daemon=True).start()
        except RuntimeError:  # at the process limit (threads count): a worker still ends at its pipe's EOF
            pass
    if os.getppid() != expected:  # it was gone before the signal was armed
        os._exit(1)


def _kill_on_parent_death() -> bool:
    """Ask Linux to SIGKILL this process when the thread that forked it ends; False where that cannot be done."""
    if not sys.platform.startswith("linux"):
        return False
    try:
        import ctypes

        libc = ctypes.CDLL(None, use_errno=True)
        return bool(libc.prctl(_PR_SET_PDEATHSIG, int(signal.SIGKILL), 0, 0, 0) == 0)
    except (OSError, AttributeError):  # no libc to load, or no prctl in it
        return False


def _watch_parent(expected: int) -> None:
    import time

    while os.getppid() == expected:
        time.sleep(PARENT_POLL)
    os._exit(1)  # reparented: the parent is gone


def crash_message(process: Any) -> str:
    code = process.exitcode
    if code is not None and code < 0:
        try:
            cause = f"killed by {signal.Signals(-code).name}"
        except ValueError:
            cause = f"killed by signal {-code}"
    else:
        cause = f"the worker exited with status {code}"
    return f"crashed the parser: {cause}; code nested too deeply is the usual cause"


class WorkerCrashed(Exception):
    """The child running `run_isolated` died; the message says how."""


def run_isolated(function: Callable[..., Any], *args: Any) -> Any:
    """`function(*args)` in a forked child (for stdin, which no pool serves): a parser killed by SIGSEGV raises
    WorkerCrashed here instead of ending buffix. Runs in this process where there is no fork, or where fork fails
    (the process limit): unprotected from a native crash, but the work gets done."""
    if not FORK:
        return function(*args)
    import multiprocessing

    context = multiprocessing.get_context("fork")
    ours, theirs = context.Pipe()
    process = context.Process(target=run_and_send, args=(theirs, function, args), daemon=True)
    try:
        process.start()
    except OSError:
        ours.close()
        theirs.close()
        return function(*args)
    theirs.close()
    try:
        answer = ours.recv()
    except (EOFError, OSError):
        process.join()
        raise WorkerCrashed(crash_message(process)) from None
    finally:
        ours.close()
    process.join()
    return answer


def run_and_send(conn: Connection, function: Callable[..., Any], args: "tuple[Any, ...]") -> None:
    """A forked child's whole life: send `function(*args)` to the parent (Ctrl-C is the parent's to handle)."""
    end_with_parent()
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    conn.send(function(*args))
    conn.close()
