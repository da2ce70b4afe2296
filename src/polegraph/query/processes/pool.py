"""Queries with a real deadline: each web worker's small pool of query processes that can be killed.

A query goes to a free query process (processes/zygote.py) as its text and a small JSON header, and its answer
comes back serialised. When the deadline passes the process is killed — its CPU freed at once — the
client gets a `QueryTimeout`, and a fresh process is forked in milliseconds; the other processes go
on serving other clients.
"""

from __future__ import annotations

import atexit
import contextlib
import logging
import os
import queue
import signal
import sys
import threading
import time
from pathlib import Path

import pyoxigraph as ox

from polegraph.errors import EngineBusy, EngineFailure, QueryError, QueryTimeout
from polegraph.pipeline.release import Release
from polegraph.query.backend import Backend, QueryAnswer, QueryRequest, triples_from
from polegraph.query.processes.zygote import Zygote, read_message, send_request

log = logging.getLogger("polegraph.query")
ALL_ROWS = sys.maxsize - 1  # no row cap for the pages' own queries (the serialiser reads one row more)
# A query still running after this long is long work: its process yields the processors to the short
# requests of everyone (a lower priority), and is replaced once it has answered.
DEMOTE_AFTER_S = 0.5
DEMOTED_NICENESS = 10


class QueryProcess:
    """One query process, forked by the zygote, talking over a socket."""

    def __init__(self, zygote: Zygote):
        self.channel = zygote.new_process()
        self._pidfd: int | None = None
        self.pid: int | None = None
        self.network_isolated = False
        self.demoted = False

    def wait_ready(self, timeout: float = 120) -> None:
        """Wait for the process's first message (a zygote started by `spawn` first loads the release)."""
        if self._pidfd is None:
            try:
                header, _ = read_message(self.channel.fileno(), time.monotonic() + timeout)
            except TimeoutError:
                raise EngineFailure(f"query process did not start within {timeout:g} s") from None
            if header.get("status") != "ready":
                raise EngineFailure(f"query process failed to start: {header}")
            self.pid = header["pid"]
            self._pidfd = os.pidfd_open(self.pid)  # unlike a pid, never names a later process
            self.network_isolated = bool(header.get("network_isolated"))
            if not self.network_isolated:
                log.warning("query process %s could not be isolated from the network", header["pid"])

    def run(self, request: QueryRequest, deadline: float) -> tuple[dict, bytes]:
        """The answer to `request`; past DEMOTE_AFTER_S the process runs on at a lower priority."""
        self.wait_ready()
        send_request(self.channel.fileno(), request)
        try:
            return read_message(self.channel.fileno(), min(deadline, time.monotonic() + DEMOTE_AFTER_S))
        except TimeoutError:
            if time.monotonic() >= deadline:
                raise
        with contextlib.suppress(OSError):
            os.setpriority(os.PRIO_PROCESS, self.pid, DEMOTED_NICENESS)
        self.demoted = True
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

    def __init__(self, zygote: Zygote, release_dir: Path, size: int):
        self.release_dir = Path(release_dir)
        self.zygote = zygote
        self._idle: queue.SimpleQueue[QueryProcess] = queue.SimpleQueue()  # in C
        self._all: set[QueryProcess] = set()
        self._lock = threading.Lock()
        self._closed = False
        for _ in range(size):
            self._add()
        atexit.register(self.close)

    def _add(self) -> None:
        try:
            process = QueryProcess(self.zygote)
        except EngineFailure:  # killed or crashed: a zygote of our own, and the pool goes on
            with self._lock:
                log.error("the query processes' zygote is gone: starting one in process %s", os.getpid())
                self.zygote.close()
                self.zygote = Zygote.spawn(self.release_dir)
            process = QueryProcess(self.zygote)
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
            raise EngineFailure(f"the query processes of {self.release_dir.name} were stopped")
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
        if process.demoted:  # its priority cannot be raised again without privileges: a fresh one
            self._replace(process)
        else:
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


class ProcessBackend(Backend):
    """A release answered by killable query processes forked from `zygote` (`polegraph serve`).

    Made in the serving process; each web worker forked from it starts its own pool on first use, so a
    worker holds no copy of the graph. The pages' own queries get the same deadline as a client's."""

    def __init__(self, release: Release, zygote: Zygote, size: int, timeout_s: float):
        self.release, self.zygote, self.size, self.timeout_s = release, zygote, size, timeout_s
        self._pool: tuple[int, QueryPool] | None = None
        self._pool_lock = threading.Lock()
        self._graphs: list[str] | None = None
        self._quads: int | None = None

    @property
    def pool(self) -> QueryPool:
        """This process's pool, started on first use (so in each web worker)."""
        pool = self._pool
        if pool is None or pool[0] != os.getpid():
            with self._pool_lock:
                if self._pool is None or self._pool[0] != os.getpid():
                    self._pool = (os.getpid(), QueryPool(self.zygote, self.release.path, self.size))
                pool = self._pool
        return pool[1]

    def run(self, request: QueryRequest, timeout_s: float) -> QueryAnswer:
        return self.pool.run(request, timeout_s)

    def query(self, text: str, *, default_graphs: list[str] | None = None, named_graphs: list[str] | None = None,
              substitutions: dict[str, dict] | None = None):
        """Run `text`; the answer as Oxigraph result objects, as the in-process backend gives them."""
        request = QueryRequest(text, result_format="json", graph_format="ntriples", max_rows=ALL_ROWS,
                               default_graphs=default_graphs or None, named_graphs=named_graphs or None,
                               substitutions=substitutions or None)
        answer = self.run(request, self.timeout_s)
        if answer.kind == "graph":
            return triples_from(answer.body, ox.RdfFormat.N_TRIPLES)
        return ox.parse_query_results(answer.body, format=ox.QueryResultsFormat.JSON)

    def named_graphs(self) -> list[str]:
        if self._graphs is None:
            self._graphs = sorted(row["g"] for row in self.select("SELECT ?g WHERE { GRAPH ?g { } }"))
        return list(self._graphs)
