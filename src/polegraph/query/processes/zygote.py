"""The processes that answer queries: a zygote holding the loaded store, and the query processes it forks.

A fork shares the loaded store copy-on-write, so a new query process (at start, or after one was
killed at its deadline) is ready in milliseconds whatever the size of the graph, and memory holds one
copy of the graph instead of one per process. A web worker sends the zygote one end of a fresh socket
pair; the forked process answers queries on it (engine.py holds the web worker's side).

A worker reaches a zygote through the control socket it inherited, or — for a zygote started after
the worker (a new release taken on SIGHUP) — by the zygote's address, an abstract Unix socket that
only processes of the same user may use. The zygote leaves once every connection to it is closed.
"""

from __future__ import annotations

import contextlib
import json
import logging
import os
import select
import signal
import socket
import struct
import subprocess
import sys
import threading
import time
from pathlib import Path

import pyoxigraph as ox

from polegraph.query.backend import load_dataset, syntax_error
from polegraph.query.results import oxigraph_json, serialise_boolean, serialise_solutions, serialise_triples

log = logging.getLogger("polegraph.query.processes.pool")
_LENGTHS = struct.Struct(">II")  # header length, body length
_READ_BYTES = 1 << 16
_PEER_CREDENTIALS = struct.Struct("3i")  # struct ucred: pid, uid, gid


class EngineFailure(Exception):
    """A query process died or answered nonsense: an internal failure (logged, answered as a 500)."""


# --- messages: both lengths, then a JSON header and a byte body ----------------------------------------
# One request and one answer are in flight on a channel at a time, so a reader may read greedily.


def write_message(fd: int, header: dict, body: bytes = b"") -> None:
    data = json.dumps(header).encode()
    view = memoryview(_LENGTHS.pack(len(data), len(body)) + data + body)
    while view:
        written = os.write(fd, view)
        view = view[written:]


def read_message(fd: int, deadline: float | None) -> tuple[dict, bytes]:
    """The next message on `fd`: usually one wait and one read. TimeoutError past `deadline`, EOFError
    when the other side has gone."""
    data, needed = bytearray(), _LENGTHS.size  # grows in place: a large answer comes in many reads
    while len(data) < needed:
        if deadline is not None:
            timeout = deadline - time.monotonic()
            if timeout <= 0 or not select.select([fd], [], [], timeout)[0]:
                raise TimeoutError
        chunk = os.read(fd, max(needed - len(data), _READ_BYTES))
        if not chunk:
            raise EOFError
        data += chunk
        if needed == _LENGTHS.size and len(data) >= needed:
            header_length, body_length = _LENGTHS.unpack_from(data)
            needed += header_length + body_length
    header_end = _LENGTHS.size + header_length
    return json.loads(data[_LENGTHS.size:header_end]), bytes(data[header_end:])


# --- the worker's side of a zygote ----------------------------------------------------------------------


class Zygote:
    """A zygote as seen by a process that asks it for query processes."""

    def __init__(self, control: socket.socket, pid: int | None = None, process: subprocess.Popen | None = None):
        self._control, self.pid = control, pid
        self._process = process  # a spawned zygote: kept, so Python reaps it when it leaves

    @classmethod
    def fork(cls, store, address: str | None = None) -> Zygote:
        """A zygote forked from this process, which holds `store` (an Oxigraph store, already loaded).

        With `address` it also accepts connections there, from processes forked before it. Call it
        while this process runs no other Python thread that could hold a lock the child needs."""
        listener = None
        if address:
            listener = socket.socket(socket.AF_UNIX, socket.SOCK_SEQPACKET)
            listener.bind("\0" + address)  # bound before the fork: connecting never races the child
            listener.listen(64)
        ours, theirs = socket.socketpair(socket.AF_UNIX, socket.SOCK_SEQPACKET)
        pid = os.fork()
        if pid == 0:
            try:
                ours.close()
                _let_go_of_other_zygotes()
                _zygote_loop(store, theirs, listener)
            finally:
                os._exit(0)
        theirs.close()
        if listener is not None:
            listener.close()
        return cls(ours, pid)

    @classmethod
    def spawn(cls, dataset: Path) -> Zygote:
        """A zygote started as `python -m polegraph.query.processes.zygote DATASET FD`: it loads the dataset."""
        ours, theirs = socket.socketpair(socket.AF_UNIX, socket.SOCK_SEQPACKET)
        command = [sys.executable, "-m", "polegraph.query.processes.zygote", str(dataset), str(theirs.fileno())]
        process = subprocess.Popen(command, pass_fds=(theirs.fileno(),), stdin=subprocess.DEVNULL)
        theirs.close()
        return cls(ours, process.pid, process)

    @classmethod
    def connect(cls, address: str) -> Zygote:
        """The zygote listening at `address` (see `fork`)."""
        control = socket.socket(socket.AF_UNIX, socket.SOCK_SEQPACKET)
        try:
            control.connect("\0" + address)
        except OSError as exc:
            control.close()
            raise EngineFailure(f"no query processes' zygote at {address}: {exc}") from None
        return cls(control)

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


# --- which zygote serves which dataset, in this process --------------------------------------------------

_zygotes: dict[str, Zygote] = {}
_retired_datasets: set[str] = set()
_zygotes_lock = threading.Lock()


def use_zygote(dataset: Path, zygote: Zygote) -> None:
    """Serve `dataset`'s queries from `zygote` in this process and in the processes it forks from now
    on. Any zygote used before is let go of (it leaves once nobody holds it), and its dataset is no
    longer served: no query process is started for it again."""
    with _zygotes_lock:
        previous = dict(_zygotes)
        _zygotes.clear()
        _zygotes[str(dataset)] = zygote
        _retired_datasets.update(previous.keys() - {str(dataset)})
        _retired_datasets.discard(str(dataset))
    for old in previous.values():
        if old is not zygote:
            old.close()
            if old.pid is not None and old._process is None:
                _reap_when_gone(old.pid)


def _reap_when_gone(pid: int) -> None:
    """Collect a forked zygote once it has left (no zombie per reload)."""

    def wait() -> None:
        with contextlib.suppress(ChildProcessError):  # not our child: a worker let go of the server's zygote
            os.waitpid(pid, 0)

    threading.Thread(target=wait, name=f"polegraph-reap-{pid}", daemon=True).start()


def zygote_for(dataset: Path, broken: Zygote | None = None) -> Zygote:
    """The zygote of `dataset`: the one the server started, else (or once `broken`) one of our own."""
    with _zygotes_lock:
        if str(dataset) in _retired_datasets:
            raise EngineFailure(f"{dataset} is no longer served (a newer release was taken)")
        current = _zygotes.get(str(dataset))
        if current is None or current is broken:
            if broken is not None:
                log.error("the query processes' zygote is gone: starting one in process %s", os.getpid())
                broken.close()
            current = _zygotes[str(dataset)] = Zygote.spawn(dataset)
        return current


def _let_go_of_other_zygotes() -> None:
    """In a newly forked zygote: close the control sockets of the other zygotes, inherited from the
    parent, so that each of them still sees its end when the server lets go of it."""
    for zygote in _zygotes.values():
        zygote._control.close()


# --- the zygote and query process side -----------------------------------------------------------------


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
        out = oxigraph_json(results, max_rows) if request["result_format"] == "json" else None
        if out is None:  # another format, or (rarely) solutions Oxigraph's JSON does not let us count
            if request["result_format"] == "json":
                results = store.query(request["query"], **kwargs)
            out = serialise_solutions(results, request["result_format"], max_rows)
        kind = "solutions"
    return {"status": "ok", "kind": kind, "truncated": out.truncated, "rows": out.rows}, out.body


def _same_user(connection: socket.socket) -> bool:
    """Whether the peer runs as our user (an abstract socket has no file permissions to say so)."""
    credentials = connection.getsockopt(socket.SOL_SOCKET, socket.SO_PEERCRED, _PEER_CREDENTIALS.size)
    return _PEER_CREDENTIALS.unpack(credentials)[1] == os.getuid()


def _zygote_loop(store, control: socket.socket, listener: socket.socket | None = None) -> None:
    """Fork a query process for each channel received, until every connection to us is closed."""
    _name_process(b"polegraph-zygot")
    signal.signal(signal.SIGCHLD, signal.SIG_IGN)  # the kernel reaps the query processes
    # Ctrl-C or a HUP sent to every process of the server (`pkill -HUP -f polegraph`) is the server's
    # business: it lets go of us when it stops (EOF). The query processes inherit these.
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    signal.signal(signal.SIGHUP, signal.SIG_IGN)
    signal.signal(signal.SIGTERM, signal.SIG_DFL)
    empty_store = ox.Store()
    connections = [control]
    while connections:
        waiting = connections + ([listener] if listener is not None else [])
        for ready in select.select(waiting, [], [])[0]:
            if ready is listener:
                connection, _ = listener.accept()
                if _same_user(connection):
                    connections.append(connection)
                else:
                    connection.close()
                continue
            try:
                message, fds, _flags, _address = socket.recv_fds(ready, 16, 4)
            except OSError:
                message, fds = b"", []
            for extra in fds[1:]:
                os.close(extra)
            if not message:  # that holder let go of us
                connections.remove(ready)
                ready.close()
                continue
            if fds:
                _fork_query_process(store, empty_store, fds[0], [*connections, listener])


def _fork_query_process(store, empty_store, channel: int, zygote_sockets: list) -> None:
    if os.fork() == 0:
        for sock in zygote_sockets:
            if sock is not None:
                sock.close()
        signal.signal(signal.SIGCHLD, signal.SIG_DFL)
        try:
            _answer_queries(store, empty_store, channel)
        finally:
            os._exit(0)
    os.close(channel)


def _answer_queries(store, empty_store, channel: int) -> None:
    """A query process: answer the queries read from `channel` until it closes.

    Each query runs under an alarm a little past the endpoint's deadline, whose default action ends
    the process even while Oxigraph holds the CPU: a query whose web worker died (and so cannot kill
    it) still stops."""
    _name_process(b"polegraph-query")
    isolated = _isolate_network()
    write_message(channel, {"status": "ready", "pid": os.getpid(), "network_isolated": isolated})
    while True:
        try:
            request, text = read_message(channel, None)
        except EOFError:
            return
        request["query"] = text.decode()
        signal.setitimer(signal.ITIMER_REAL, float(request.get("timeout_s") or 60) + 5)
        try:
            header, body = _execute(store, empty_store, request)
        except Exception as exc:  # reported to the parent, which logs it and answers a 500
            log.exception("query failed")
            header, body = {"status": "error", "message": f"{type(exc).__name__}: {exc}"}, b""
        signal.setitimer(signal.ITIMER_REAL, 0)
        try:
            write_message(channel, header, body)
        except OSError:  # the web worker is gone
            return


def serve(dataset: str, control_fd: int) -> None:
    """`python -m polegraph.query.processes.zygote DATASET FD`: load the dataset, then be the zygote on socket FD."""
    control = socket.socket(fileno=control_fd)
    store, _ = load_dataset(Path(dataset))
    _zygote_loop(store, control)


if __name__ == "__main__":
    serve(sys.argv[1], int(sys.argv[2]))
