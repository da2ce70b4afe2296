"""Run CPU-bound work for a request in a child process that is killed at the deadline.

Python cannot stop a thread that is parsing or validating (rdflib, pySHACL): only a process can be
stopped for real, freeing its CPU. The child is forked, so it starts with the parent's loaded
graphs and costs no start-up; it sends back the result, or the PolegraphError it raised.
"""

from __future__ import annotations

import multiprocessing
import os
import pickle
from collections.abc import Callable
from typing import TypeVar

from polegraph.errors import DeadlineExceeded, PolegraphError

T = TypeVar("T")
NICENESS = 10


def _child(connection, function, args) -> None:
    try:
        os.nice(NICENESS)  # long work for one client yields the processors to everyone's short requests
        try:
            outcome = ("ok", function(*args))
        except PolegraphError as error:
            outcome = ("error", error)
        except RecursionError:
            outcome = ("error", PolegraphError("the input is nested too deeply to be processed"))
        connection.send_bytes(pickle.dumps(outcome))
    finally:
        connection.close()
        os._exit(0)  # no atexit handlers or inherited threads of the parent


def run_with_deadline(function: Callable[..., T], args: tuple, timeout_s: float, what: str) -> T:
    """`function(*args)` in a forked child; DeadlineExceeded (503) when it takes longer than `timeout_s`."""
    context = multiprocessing.get_context("fork")
    receiver, sender = context.Pipe(duplex=False)
    process = context.Process(target=_child, args=(sender, function, args), daemon=True)
    process.start()
    sender.close()
    try:
        if not receiver.poll(timeout_s):
            raise DeadlineExceeded(f"{what} took longer than {timeout_s:g} s and was stopped")
        try:
            status, value = pickle.loads(receiver.recv_bytes())
        except EOFError:
            raise RuntimeError(f"{what}: the worker process died") from None
    finally:
        if process.is_alive():
            process.kill()
        process.join()
        receiver.close()
    if status == "error":
        raise value
    return value
