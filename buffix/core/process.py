"""Forked children for work that may kill its process (LibCST's native parser dies by SIGSEGV on code nested deep
enough): the parent survives and says how the child died."""

from __future__ import annotations

import os
import signal
from typing import TYPE_CHECKING, Any, Callable

if TYPE_CHECKING:
    from multiprocessing.connection import Connection

FORK = hasattr(os, "fork")  # multiprocessing is imported only when a child starts: it costs a one-file run ~6 ms


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
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    conn.send(function(*args))
    conn.close()
