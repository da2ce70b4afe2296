"""Queries with a real deadline: a small pool of query processes that can be killed.

pyoxigraph's `Store.query` cannot be interrupted from Python (KNOWN.md), so the endpoint never runs a
client's query in the web worker. Each web worker owns a few long-lived query processes, forked from
one *zygote* process (zygote.py) that holds the release's store already loaded: forks share it
copy-on-write, so the graph is loaded once per server, whatever the number of workers and processes.
A query goes out over a socket as its text and a small JSON header, and its answer comes back as
serialised bytes. When the deadline passes the process is
killed — its CPU freed at once — the client gets a `QueryTimeout`, and a fresh process is forked in
milliseconds; the other processes go on serving other clients.
"""

from __future__ import annotations

import atexit
import contextlib
import logging
import os
import queue
import signal
import threading
import time
from dataclasses import dataclass
from pathlib import Path

from polegraph.errors import PolegraphError, QueryError
from polegraph.query.processes.zygote import EngineFailure, Zygote, read_message, write_message, zygote_for

__all__ = ["POOL_SIZE", "EngineBusy", "EngineFailure", "QueryAnswer", "QueryPool", "QueryRequest", "QueryTimeout",
           "pool_for", "retire_pool"]
log = logging.getLogger("polegraph.query.processes.pool")
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
    timeout_s: float | None = None  # the deadline, which the query process also enforces on itself


@dataclass
class QueryAnswer:
    body: bytes
    kind: str  # "solutions", "boolean" or "graph"
    truncated: bool
    rows: int
    seconds: float


class QueryProcess:
    """One query process, forked by the zygote, talking over a socket."""

    def __init__(self, zygote: Zygote):
        self.channel = zygote.new_process()
        self._pidfd: int | None = None
        self.network_isolated = False

    def wait_ready(self, timeout: float = 120) -> None:
        """Wait for the process's first message (a zygote started by `spawn` first loads the dataset)."""
        if self._pidfd is None:
            try:
                header, _ = read_message(self.channel.fileno(), time.monotonic() + timeout)
            except TimeoutError:
                raise EngineFailure(f"query process did not start within {timeout:g} s") from None
            if header.get("status") != "ready":
                raise EngineFailure(f"query process failed to start: {header}")
            self._pidfd = os.pidfd_open(header["pid"])  # unlike a pid, never names a later process
            self.network_isolated = bool(header.get("network_isolated"))
            if not self.network_isolated:
                log.warning("query process %s could not be isolated from the network", header["pid"])

    def run(self, request: QueryRequest, deadline: float) -> tuple[dict, bytes]:
        self.wait_ready()
        fields = dict(request.__dict__)
        text = fields.pop("query").encode()  # as the body: no JSON escaping of a long text
        write_message(self.channel.fileno(), fields, text)
        return read_message(self.channel.fileno(), deadline)

    def kill(self) -> None:
        if self._pidfd is not None:
            with contextlib.suppress(ProcessLookupError):
                signal.pidfd_send_signal(self._pidfd, signal.SIGKILL)
            os.close(self._pidfd)
            self._pidfd = None
        self.channel.close()


class QueryPool:
    """A fixed number of query processes for one web worker; a query waits for a free one."""

    def __init__(self, dataset: Path, size: int = POOL_SIZE):
        self.dataset = Path(dataset)
        self._zygote = zygote_for(self.dataset)
        self._idle: queue.SimpleQueue[QueryProcess] = queue.SimpleQueue()  # in C
        self._all: set[QueryProcess] = set()
        self._lock = threading.Lock()
        self._closed = False
        for _ in range(size):
            self._add()
        atexit.register(self.close)

    def _add(self) -> None:
        try:
            process = QueryProcess(self._zygote)
        except EngineFailure:  # killed or crashed: a new zygote, and the pool goes on
            self._zygote = zygote_for(self.dataset, broken=self._zygote)
            process = QueryProcess(self._zygote)
        with self._lock:
            self._all.add(process)
        self._idle.put(process)

    def _replace(self, process: QueryProcess) -> None:
        with self._lock:
            self._all.discard(process)
        process.kill()
        if self._closed:
            return
        try:
            self._add()
        except EngineFailure as exc:  # nothing to start it from; queries now wait and say so
            log.error("cannot start a query process: %s", exc)

    def run(self, request: QueryRequest, timeout_s: float) -> QueryAnswer:
        """Run `request` in a free process; QueryTimeout past `timeout_s`, QueryError for a bad query."""
        started = time.monotonic()
        if self._closed:
            raise EngineFailure(f"the query processes of {self.dataset} were stopped")
        try:
            process = self._idle.get(timeout=timeout_s)
        except queue.Empty:
            raise EngineBusy(f"every query process stayed busy for {timeout_s:g} s; retry later") from None
        try:
            process.wait_ready()  # a process still starting does not eat into the query's time
            request.timeout_s = timeout_s
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
            self._closed = True
            processes, self._all = list(self._all), set()
        for process in processes:
            process.kill()


_pools: dict[tuple[int, str], QueryPool] = {}
_pools_lock = threading.Lock()


def pool_for(dataset: Path) -> QueryPool:
    """The pool of this process for `dataset`, started on first use (so in each web worker)."""
    key = (os.getpid(), str(dataset))
    with _pools_lock:
        if key not in _pools:
            _pools[key] = QueryPool(dataset)
        return _pools[key]


def retire_pool(dataset: Path, after_s: float) -> None:
    """Stop this process's query processes for `dataset` in `after_s` seconds (a newer release is
    served): requests that began on the old release finish first, each within its deadline."""

    def close() -> None:
        with _pools_lock:
            pool = _pools.pop((os.getpid(), str(dataset)), None)
        if pool is not None:
            pool.close()

    timer = threading.Timer(after_s, close)
    timer.daemon = True
    timer.start()
