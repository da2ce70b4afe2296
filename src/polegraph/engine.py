"""Queries with a real deadline: a small pool of query processes that can be killed.

pyoxigraph's `Store.query` cannot be interrupted from Python (KNOWN.md), so the endpoint never runs a
client's query in the web worker. Each web worker owns a few long-lived query processes, each holding
its own in-memory Oxigraph store loaded from the release's dataset.nq (~10k quads load in <0.1 s).
A query is a small JSON message in and serialised bytes out over a pipe. When the deadline passes
the process is killed — its CPU freed at once — the client gets a `QueryTimeout`, and a fresh
process is started in the background; the other processes go on serving other clients.
"""

from __future__ import annotations

import atexit
import json
import logging
import os
import queue
import select
import signal
import struct
import subprocess
import sys
import threading
import time
from dataclasses import dataclass
from pathlib import Path

from .errors import PolegraphError, QueryError

log = logging.getLogger("polegraph.engine")
_LENGTH = struct.Struct(">I")
# One query process per request thread of a web worker (web/server.py), so a request never waits
# for a process held by a long query of another client.
POOL_SIZE = int(os.environ.get("POLEGRAPH_QUERY_PROCESSES", "4"))


class QueryTimeout(PolegraphError):
    """The query ran past the deadline and was stopped."""

    kind = "query-timeout"
    http_status = 503


class EngineBusy(PolegraphError):
    """Every query process stayed busy for the whole deadline."""

    kind = "service-busy"
    http_status = 503


class EngineFailure(Exception):
    """A query process died or answered nonsense: an internal failure (logged, answered as a 500)."""


@dataclass
class QueryRequest:
    """What a query process needs: the text, the dataset, the wanted format and the row cap."""

    query: str
    result_format: str = "json"  # for SELECT / ASK
    graph_format: str = "turtle"  # for CONSTRUCT / DESCRIBE
    max_rows: int = 10000
    default_graphs: list[str] | None = None
    named_graphs: list[str] | None = None
    prefixes: dict[str, str] | None = None
    base_iri: str | None = None  # relative IRIs resolve against the endpoint's URL (SPARQL Protocol §2.1.4)
    syntax_only: bool = False  # parse (against an empty store) and report errors, nothing else


@dataclass
class QueryAnswer:
    body: bytes
    kind: str  # "solutions", "boolean" or "graph"
    truncated: bool
    rows: int
    seconds: float


def _write_message(fd: int, header: dict, body: bytes = b"") -> None:
    data = json.dumps(header).encode()
    payload = _LENGTH.pack(len(data)) + data + _LENGTH.pack(len(body)) + body
    view = memoryview(payload)
    while view:
        written = os.write(fd, view)
        view = view[written:]


def _read_exact(fd: int, n: int, deadline: float | None) -> bytes:
    chunks, remaining = [], n
    while remaining:
        if deadline is not None:
            timeout = deadline - time.monotonic()
            if timeout <= 0 or not select.select([fd], [], [], timeout)[0]:
                raise TimeoutError
        chunk = os.read(fd, min(remaining, 1 << 20))
        if not chunk:
            raise EOFError
        chunks.append(chunk)
        remaining -= len(chunk)
    return b"".join(chunks)


def _read_message(fd: int, deadline: float | None) -> tuple[dict, bytes]:
    header = json.loads(_read_exact(fd, _LENGTH.unpack(_read_exact(fd, 4, deadline))[0], deadline))
    body = _read_exact(fd, _LENGTH.unpack(_read_exact(fd, 4, deadline))[0], deadline)
    return header, body


class QueryProcess:
    """One query process: `python -m polegraph.engine DATASET`, talking over its stdin and stdout."""

    def __init__(self, dataset: Path):
        self.process = subprocess.Popen(
            [sys.executable, "-m", "polegraph.engine", str(dataset)],
            stdin=subprocess.PIPE, stdout=subprocess.PIPE, close_fds=True,
        )
        self._ready = False
        self.network_isolated = False

    def wait_ready(self, timeout: float = 60) -> None:
        if not self._ready:
            try:
                header, _ = _read_message(self.process.stdout.fileno(), time.monotonic() + timeout)
            except TimeoutError:
                raise EngineFailure(f"query process did not start within {timeout:g} s") from None
            if header.get("status") != "ready":
                raise EngineFailure(f"query process failed to start: {header}")
            self.network_isolated = bool(header.get("network_isolated"))
            if not self.network_isolated:
                log.warning("query process %s could not be isolated from the network", self.process.pid)
            self._ready = True

    def run(self, request: QueryRequest, deadline: float) -> tuple[dict, bytes]:
        self.wait_ready()
        _write_message(self.process.stdin.fileno(), request.__dict__)
        return _read_message(self.process.stdout.fileno(), deadline)

    def kill(self) -> None:
        if self.process.poll() is None:
            self.process.kill()
        self.process.wait()
        for stream in (self.process.stdin, self.process.stdout):
            stream.close()


class QueryPool:
    """A fixed number of query processes for one web worker; a query waits for a free one."""

    def __init__(self, dataset: Path, size: int = POOL_SIZE):
        self.dataset = Path(dataset)
        self._idle: queue.Queue[QueryProcess] = queue.Queue()
        self._all: set[QueryProcess] = set()
        self._lock = threading.Lock()
        for _ in range(size):
            self._add()
        atexit.register(self.close)

    def _add(self) -> None:
        process = QueryProcess(self.dataset)
        with self._lock:
            self._all.add(process)
        self._idle.put(process)

    def _replace(self, process: QueryProcess) -> None:
        with self._lock:
            self._all.discard(process)
        process.kill()
        # Started from this (long-lived) request thread, never a short-lived one: Linux sends the
        # parent-death signal when the *thread* that started a process exits.
        self._add()

    def run(self, request: QueryRequest, timeout_s: float) -> QueryAnswer:
        """Run `request` in a free process; QueryTimeout past `timeout_s`, QueryError for a bad query."""
        started = time.monotonic()
        try:
            process = self._idle.get(timeout=timeout_s)
        except queue.Empty:
            raise EngineBusy(f"every query process stayed busy for {timeout_s:g} s; retry later") from None
        try:
            process.wait_ready()  # a fresh process still loading does not eat into the query's time
            header, body = process.run(request, time.monotonic() + timeout_s)
        except TimeoutError:
            self._replace(process)
            raise QueryTimeout(f"the query was stopped after the {timeout_s:g} s limit of this endpoint; "
                               "make it more selective (LIMIT, more specific patterns)") from None
        except (EOFError, OSError, ValueError, EngineFailure) as exc:
            self._replace(process)
            raise EngineFailure(f"query process failed: {exc!r}") from None
        except BaseException:
            self._replace(process)
            raise
        self._idle.put(process)
        if header["status"] == "query-error":
            raise QueryError(header["message"], line=header.get("line"), column=header.get("column"))
        if header["status"] != "ok":
            raise EngineFailure(header.get("message", "query process error"))
        return QueryAnswer(body=body, kind=header["kind"], truncated=header["truncated"], rows=header["rows"],
                           seconds=time.monotonic() - started)

    def close(self) -> None:
        with self._lock:
            processes, self._all = list(self._all), set()
        for process in processes:
            process.kill()


_pools: dict[tuple[int, str], QueryPool] = {}
_pools_lock = threading.Lock()


def pool_for(dataset: Path) -> QueryPool:
    """The pool of this process for `dataset`, started on first use (so after gunicorn forks a worker)."""
    key = (os.getpid(), str(dataset))
    with _pools_lock:
        if key not in _pools:
            _pools[key] = QueryPool(dataset)
        return _pools[key]


# --- the query process side -------------------------------------------------------------------------


def _die_with_parent() -> None:
    """Ask Linux to kill this process when the web worker that started it dies (PR_SET_PDEATHSIG)."""
    try:
        import ctypes

        ctypes.CDLL(None).prctl(1, signal.SIGKILL)
    except (OSError, AttributeError):
        pass


def _isolate_network() -> bool:
    """Move this process into a new network namespace with no interface: defence in depth behind the
    query checks, so that even a SERVICE call that slipped through could reach nothing.

    Needs CAP_SYS_ADMIN, or unprivileged user namespaces (then the user ids are mapped to ourselves).
    Returns whether it worked; the endpoint still refuses SERVICE/LOAD/FROM either way.
    """
    try:
        import ctypes

        libc = ctypes.CDLL(None, use_errno=True)
        if libc.unshare(0x40000000) == 0:  # CLONE_NEWNET
            return True
        uid, gid = os.getuid(), os.getgid()
        if libc.unshare(0x10000000 | 0x40000000) != 0:  # CLONE_NEWUSER | CLONE_NEWNET
            return False
        for name, text in (("setgroups", "deny"), ("uid_map", f"{uid} {uid} 1"), ("gid_map", f"{gid} {gid} 1")):
            with open(f"/proc/self/{name}", "w") as handle:
                handle.write(text)
        return True
    except (OSError, AttributeError):
        return False


def _execute(store, empty_store, request: dict) -> tuple[dict, bytes]:
    import pyoxigraph as ox

    from .serialise import serialise_boolean, serialise_solutions, serialise_triples
    from .store import syntax_error

    kwargs: dict = {"base_iri": request.get("base_iri")}
    if request["default_graphs"] is not None:
        kwargs["default_graph"] = [ox.NamedNode(g) for g in request["default_graphs"]]
    if request["named_graphs"] is not None:
        kwargs["named_graphs"] = [ox.NamedNode(g) for g in request["named_graphs"]]
    if request.get("syntax_only"):
        store, kwargs = empty_store, {"base_iri": request.get("base_iri")}
    try:
        results = store.query(request["query"], **kwargs)
    except SyntaxError as exc:
        error = syntax_error(exc)
        return {"status": "query-error", "message": error.message, "line": error.line, "column": error.column}, b""
    max_rows = request["max_rows"]
    if request.get("syntax_only"):
        return {"status": "ok", "kind": "none", "truncated": False, "rows": 0}, b""
    if isinstance(results, ox.QueryBoolean):
        body = serialise_boolean(bool(results), request["result_format"])
        return {"status": "ok", "kind": "boolean", "truncated": False, "rows": 1}, body
    if isinstance(results, ox.QueryTriples):
        out = serialise_triples(results, request["graph_format"], max_rows, request.get("prefixes"))
        kind = "graph"
    else:
        out = serialise_solutions(results, request["result_format"], max_rows)
        kind = "solutions"
    return {"status": "ok", "kind": kind, "truncated": out.truncated, "rows": out.rows}, out.body


def serve(dataset: str) -> None:
    """Answer queries read from stdin until it closes; the protocol channel is the real stdout."""
    _die_with_parent()
    isolated = _isolate_network()
    channel_in, channel_out = sys.stdin.fileno(), os.dup(sys.stdout.fileno())
    os.dup2(sys.stderr.fileno(), sys.stdout.fileno())  # a stray print must not corrupt the channel
    import pyoxigraph as ox

    from .store import load_dataset

    store, _ = load_dataset(Path(dataset))
    empty_store = ox.Store()
    _write_message(channel_out, {"status": "ready", "quads": len(store), "network_isolated": isolated})
    while True:
        try:
            request, _ = _read_message(channel_in, None)
        except EOFError:
            return
        try:
            header, body = _execute(store, empty_store, request)
        except Exception as exc:  # reported to the parent, which logs it and answers a 500
            log.exception("query failed")
            header, body = {"status": "error", "message": f"{type(exc).__name__}: {exc}"}, b""
        _write_message(channel_out, header, body)


if __name__ == "__main__":
    serve(sys.argv[1])
