"""Queries with a real deadline: a small pool of query processes that can be killed.

pyoxigraph's `Store.query` cannot be interrupted from Python (KNOWN.md), so the endpoint never runs a
client's query in the web worker. Each web worker owns a few long-lived query processes, forked from
one *zygote* process that holds the release's store already loaded: forks share it copy-on-write, so
the graph is loaded once per server, whatever the number of workers and processes. A query is a small
JSON message in and serialised bytes out over a socket. When the deadline passes the process is
killed — its CPU freed at once — the client gets a `QueryTimeout`, and a fresh process is forked in
milliseconds; the other processes go on serving other clients.
"""

from __future__ import annotations

import atexit
import contextlib
import json
import logging
import os
import queue
import select
import signal
import socket
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
    timeout_s: float | None = None  # the deadline, which the query process also enforces on itself


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


class Zygote:
    """The process that holds the loaded store and forks query processes from it on request.

    A fork shares the loaded store copy-on-write, so a new query process (at start, or after one was
    killed at the deadline) is ready in milliseconds whatever the size of the graph, and memory holds
    one copy of the graph instead of one per process. A web worker sends it one end of a fresh socket
    pair; the forked process answers queries on it. The zygote lives as long as someone holds its
    control socket (the serving process and its workers): then it reads EOF and leaves.
    """

    def __init__(self, control: socket.socket, pid: int, process: subprocess.Popen | None = None):
        self._control, self.pid = control, pid
        self._process = process  # a spawned zygote: kept, so Python reaps it when it leaves

    @classmethod
    def fork(cls, store) -> Zygote:
        """A zygote forked from this process, which holds `store` (an Oxigraph store, already loaded).

        Call it while this process runs a single thread (before the server starts its workers)."""
        ours, theirs = socket.socketpair(socket.AF_UNIX, socket.SOCK_SEQPACKET)
        pid = os.fork()
        if pid == 0:
            try:
                ours.close()
                _zygote_loop(store, theirs)
            finally:
                os._exit(0)
        theirs.close()
        return cls(ours, pid)

    @classmethod
    def spawn(cls, dataset: Path) -> Zygote:
        """A zygote started as `python -m polegraph.engine DATASET FD`, which loads the dataset itself."""
        ours, theirs = socket.socketpair(socket.AF_UNIX, socket.SOCK_SEQPACKET)
        process = subprocess.Popen([sys.executable, "-m", "polegraph.engine", str(dataset), str(theirs.fileno())],
                                   pass_fds=(theirs.fileno(),), stdin=subprocess.DEVNULL)
        theirs.close()
        return cls(ours, process.pid, process)

    def new_process(self) -> socket.socket:
        """The channel to a new query process forked by the zygote."""
        mine, theirs = socket.socketpair(socket.AF_UNIX, socket.SOCK_STREAM)
        try:
            socket.send_fds(self._control, [b"fork"], [theirs.fileno()])
        except OSError as exc:
            mine.close()
            raise EngineFailure(f"the query processes' zygote is gone: {exc}") from None
        finally:
            theirs.close()
        return mine

    def close(self) -> None:
        """Let go of the zygote: it leaves once every process holding it has too."""
        self._control.close()


_zygotes: dict[str, Zygote] = {}
_zygotes_lock = threading.Lock()


def use_zygote(dataset: Path, zygote: Zygote) -> None:
    """Serve `dataset`'s queries from `zygote` in this process and in the workers it forks from now on;
    let go of any zygote used before (it leaves once the workers still holding it have left)."""
    with _zygotes_lock:
        previous = dict(_zygotes)
        _zygotes.clear()
        _zygotes[str(dataset)] = zygote
    for old in previous.values():
        if old is not zygote:
            old.close()
            _retired.append(old.pid)
    for pid in list(_retired):  # reap those that have left since (no zombie per reload)
        with contextlib.suppress(ChildProcessError):
            if os.waitpid(pid, os.WNOHANG)[0] == 0:
                continue
        _retired.remove(pid)


_retired: list[int] = []


def _zygote_for(dataset: Path, broken: Zygote | None = None) -> Zygote:
    """The zygote of `dataset`: the one the server forked, else (or once `broken`) one of our own."""
    with _zygotes_lock:
        current = _zygotes.get(str(dataset))
        if current is None or current is broken:
            if broken is not None:
                log.error("the query processes' zygote is gone: starting one in process %s", os.getpid())
                broken.close()
            current = _zygotes[str(dataset)] = Zygote.spawn(dataset)
        return current


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
                header, _ = _read_message(self.channel.fileno(), time.monotonic() + timeout)
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
        _write_message(self.channel.fileno(), request.__dict__)
        return _read_message(self.channel.fileno(), deadline)

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
        self._zygote = _zygote_for(self.dataset)
        self._idle: queue.Queue[QueryProcess] = queue.Queue()
        self._all: set[QueryProcess] = set()
        self._lock = threading.Lock()
        for _ in range(size):
            self._add()
        atexit.register(self.close)

    def _add(self) -> None:
        try:
            process = QueryProcess(self._zygote)
        except EngineFailure:  # killed or crashed: a new zygote, and the pool goes on
            self._zygote = _zygote_for(self.dataset, broken=self._zygote)
            process = QueryProcess(self._zygote)
        with self._lock:
            self._all.add(process)
        self._idle.put(process)

    def _replace(self, process: QueryProcess) -> None:
        with self._lock:
            self._all.discard(process)
        process.kill()
        try:
            self._add()
        except EngineFailure as exc:  # nothing to start it from; queries now wait and say so
            log.error("cannot start a query process: %s", exc)

    def run(self, request: QueryRequest, timeout_s: float) -> QueryAnswer:
        """Run `request` in a free process; QueryTimeout past `timeout_s`, QueryError for a bad query."""
        started = time.monotonic()
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


# --- the zygote and query process side ---------------------------------------------------------------


def _name_process(name: bytes) -> None:
    """Name this process in ps and /proc/PID/comm (15 bytes at most): forked processes would otherwise
    all carry the name of the server that forked them."""
    try:
        import ctypes

        ctypes.CDLL(None).prctl(15, ctypes.c_char_p(name[:15]), 0, 0, 0)  # PR_SET_NAME
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




def _zygote_loop(store, control: socket.socket) -> None:
    """Fork a query process for each channel received, until every holder of the control socket is gone."""
    _name_process(b"polegraph-zygot")
    signal.signal(signal.SIGCHLD, signal.SIG_IGN)  # the kernel reaps the query processes
    # Ctrl-C or a HUP sent to every process of the server (`pkill -HUP -f polegraph`) is the server's
    # business: it lets go of us when it stops (EOF). The query processes inherit these.
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    signal.signal(signal.SIGHUP, signal.SIG_IGN)
    signal.signal(signal.SIGTERM, signal.SIG_DFL)
    import pyoxigraph as ox

    empty_store = ox.Store()
    while True:
        try:
            message, fds, _flags, _address = socket.recv_fds(control, 16, 4)
        except InterruptedError:
            continue
        if not message:
            return
        for extra in fds[1:]:
            os.close(extra)
        if not fds:
            continue
        if os.fork() == 0:
            control.close()
            signal.signal(signal.SIGCHLD, signal.SIG_DFL)
            try:
                _answer_queries(store, empty_store, fds[0])
            finally:
                os._exit(0)
        os.close(fds[0])


def _answer_queries(store, empty_store, channel: int) -> None:
    """A query process: answer the queries read from `channel` until it closes.

    Each query runs under an alarm a little past the endpoint's deadline, whose default action ends
    the process even while Oxigraph holds the CPU: a query whose web worker died (and so cannot kill
    it) still stops."""
    _name_process(b"polegraph-query")
    isolated = _isolate_network()
    _write_message(channel, {"status": "ready", "pid": os.getpid(), "network_isolated": isolated})
    while True:
        try:
            request, _ = _read_message(channel, None)
        except EOFError:
            return
        signal.setitimer(signal.ITIMER_REAL, float(request.get("timeout_s") or 60) + 5)
        try:
            header, body = _execute(store, empty_store, request)
        except Exception as exc:  # reported to the parent, which logs it and answers a 500
            log.exception("query failed")
            header, body = {"status": "error", "message": f"{type(exc).__name__}: {exc}"}, b""
        signal.setitimer(signal.ITIMER_REAL, 0)
        try:
            _write_message(channel, header, body)
        except OSError:  # the web worker is gone
            return


def serve(dataset: str, control_fd: int) -> None:
    """`python -m polegraph.engine DATASET FD`: load the dataset, then be the zygote on socket FD."""
    from .store import load_dataset

    control = socket.socket(fileno=control_fd)
    store, _ = load_dataset(Path(dataset))
    _zygote_loop(store, control)


if __name__ == "__main__":
    serve(sys.argv[1], int(sys.argv[2]))
