"""Queries with a real deadline: the killable query processes of the zygote, seen from a web worker.

A query goes to the first free query process (processes/zygote.py) as its text and a small JSON
header, and its answer comes back serialised. When the deadline passes the process is killed — its
CPU freed at once — the client gets a `QueryTimeout`, and the zygote forks a fresh process in
milliseconds; the other processes go on serving other clients.
"""

from __future__ import annotations

import contextlib
import logging
import os
import signal
import socket
import sys
import threading
import time
from pathlib import Path

import pyoxigraph as ox

from polegraph.errors import EngineBusy, EngineFailure, QueryError, QueryTimeout
from polegraph.pipeline.release import Release
from polegraph.query.backend import Backend, QueryAnswer, QueryRequest, triples_from
from polegraph.query.processes.messages import read_message, send_request
from polegraph.query.processes.zygote import Zygote

log = logging.getLogger("polegraph.query")
ALL_ROWS = sys.maxsize - 1  # no row cap for the pages' own queries (the serialiser reads one row more)
# A query still running after this long is long work: its process yields the processors to the short
# requests of everyone (a lower priority), and the zygote starts another in its place.
DEMOTE_AFTER_S = 0.5


class QueryPool:
    """A web worker's way to the query processes, which every worker shares: a query waits for the
    first free one. If the zygote is gone (killed), the worker starts one of its own from the release."""

    def __init__(self, zygote: Zygote, release_dir: Path, processes: int):
        self.zygote, self.release_dir, self.processes = zygote, Path(release_dir), processes
        self.network_isolated: bool | None = None  # as the last process that answered said
        self._lock = threading.Lock()
        self._closed = False

    def run(self, request: QueryRequest, timeout_s: float) -> QueryAnswer:
        """Run `request` in a free process; QueryTimeout past `timeout_s`, QueryError for a bad query.
        Waiting for a free process is bounded by `timeout_s` too, and does not eat into the query's time."""
        started = time.monotonic()
        if self._closed:
            raise EngineFailure(f"the query processes of {self.release_dir.name} were stopped")
        request.timeout_s = timeout_s
        zygote, connection, pid = self._taken(request, timeout_s)
        try:
            process = os.pidfd_open(pid)  # unlike a pid, never names a later process
        except ProcessLookupError:
            connection.close()
            raise EngineFailure(f"query process {pid} ended before it answered") from None
        try:
            header, body = self._answer(zygote, connection, pid, time.monotonic() + timeout_s)
        except TimeoutError:
            with contextlib.suppress(ProcessLookupError):
                signal.pidfd_send_signal(process, signal.SIGKILL)  # the zygote forks another
            raise QueryTimeout(f"the query was stopped after the {timeout_s:g} s limit of this endpoint; "
                               "make it more selective (LIMIT, more specific patterns)") from None
        except (EOFError, OSError, ValueError) as exc:
            raise EngineFailure(f"query process failed: {exc!r}") from None
        finally:
            connection.close()
            os.close(process)
        if header["status"] == "query-error":
            raise QueryError(header["message"], line=header.get("line"), column=header.get("column"))
        if header["status"] != "ok":
            raise EngineFailure(header.get("message", "query process error"))
        return QueryAnswer(body=body, kind=header["kind"], truncated=header["truncated"], rows=header["rows"],
                           seconds=time.monotonic() - started)

    def _taken(self, request: QueryRequest, timeout_s: float) -> tuple[Zygote, socket.socket, int]:
        """`request` sent, and taken by a process within `timeout_s`: its zygote, the connection, its pid."""
        wait_until = time.monotonic() + timeout_s
        for attempt in range(2):
            zygote = self.zygote
            try:
                connection = zygote.connect()
                try:
                    send_request(connection.fileno(), request)
                    ready, _ = read_message(connection.fileno(), wait_until, more_follows=True)
                except BaseException:
                    connection.close()
                    raise
            except TimeoutError:
                raise EngineBusy(f"every query process stayed busy for {timeout_s:g} s; retry later") from None
            except (EngineFailure, EOFError, OSError) as exc:  # gone before taking it: is their zygote?
                if attempt or zygote.alive():
                    failure = exc if isinstance(exc, EngineFailure) else EngineFailure(f"query process failed: {exc!r}")
                    raise failure from None
                self._replace(zygote)
                continue
            if ready.get("network_isolated") is False and self.network_isolated is not False:
                log.warning("query process %s could not be isolated from the network", ready["pid"])
            self.network_isolated = ready.get("network_isolated")
            return zygote, connection, ready["pid"]
        raise AssertionError("unreachable")  # pragma: no cover

    @staticmethod
    def _answer(zygote: Zygote, connection: socket.socket, pid: int, deadline: float) -> tuple[dict, bytes]:
        """The answer; past DEMOTE_AFTER_S the process runs on at a lower priority (and then leaves)."""
        try:
            return read_message(connection.fileno(), min(deadline, time.monotonic() + DEMOTE_AFTER_S))
        except TimeoutError:
            if time.monotonic() >= deadline:
                raise
        zygote.demote(pid)
        return read_message(connection.fileno(), deadline)

    def _replace(self, gone: Zygote) -> None:
        with self._lock:
            if self.zygote is gone:
                log.error("the query processes' zygote is gone: starting one in process %s", os.getpid())
                gone.discard()
                self.zygote = Zygote.spawn(self.release_dir, self.processes)

    def close(self) -> None:
        self._closed = True


class ProcessBackend(Backend):
    """A release answered by killable query processes forked from `zygote` (`polegraph serve`).

    Made in the serving process; each web worker forked from it makes its own `QueryPool` on first use,
    so a worker holds no copy of the graph. `processes` is how many the zygote keeps (a zygote a worker
    must start itself keeps as many). The pages' own queries get the same deadline as a client's."""

    def __init__(self, release: Release, zygote: Zygote, processes: int, timeout_s: float):
        self.release, self.zygote, self.processes, self.timeout_s = release, zygote, processes, timeout_s
        self._pool: tuple[int, QueryPool] | None = None
        self._pool_lock = threading.Lock()
        self._graphs: list[str] | None = None
        self._quads: int | None = None

    @property
    def pool(self) -> QueryPool:
        """This process's way to the query processes, made on first use (so in each web worker)."""
        pool = self._pool
        if pool is None or pool[0] != os.getpid():
            with self._pool_lock:
                if self._pool is None or self._pool[0] != os.getpid():
                    self._pool = (os.getpid(), QueryPool(self.zygote, self.release.path, self.processes))
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
