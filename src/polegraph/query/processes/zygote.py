"""The processes that answer queries: a zygote holding the loaded store, and the query processes it forks.

pyoxigraph cannot interrupt a query (docs/known-limitations.md), so no client's query runs in a web
worker: it runs in a query process that can be killed at its deadline. A fork shares the loaded
store copy-on-write, so a new query process (at start, or after one was killed) is ready in
milliseconds whatever the size of the graph, and memory holds one copy of the graph however many
processes there are.

`polegraph serve` loads the release in its serving process and forks the zygote from it before it
starts the web workers, which inherit the zygote's control socket: a worker asks for a query process
by sending the zygote one end of a fresh socket pair. The zygote leaves once every process holding
its control socket has let go of it (the old workers after a reload). A worker whose zygote died
starts one of its own with `Zygote.spawn`, which loads the release itself.
"""

from __future__ import annotations

import contextlib
import ctypes
import gc
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

from polegraph.errors import EngineFailure, QueryError
from polegraph.pipeline.release import Release
from polegraph.pipeline.store import load_release
from polegraph.query.backend import QueryRequest, run_on

log = logging.getLogger("polegraph.query")
_LENGTHS = struct.Struct(">II")  # header length, body length
_READ_BYTES = 1 << 16


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


def send_request(fd: int, request: QueryRequest) -> None:
    fields = dict(vars(request))
    text = fields.pop("query").encode()  # as the body: no JSON escaping of a long text
    write_message(fd, fields, text)


# --- the side of the processes that ask for query processes ---------------------------------------------


class Zygote:
    """A zygote as seen by the processes that ask it for query processes."""

    def __init__(self, control: socket.socket, pid: int, process: subprocess.Popen | None = None):
        self._control, self.pid = control, pid
        self._process = process  # a spawned zygote: kept, so Python reaps it when it leaves
        self._parent = os.getpid()  # a forked zygote is reaped by the process that forked it

    @classmethod
    def fork(cls, store: ox.Store) -> Zygote:
        """A zygote forked from this process, which holds `store` (an Oxigraph store, already loaded).
        Call it while this process runs no other Python thread that could hold a lock the child needs."""
        ours, theirs = socket.socketpair(socket.AF_UNIX, socket.SOCK_SEQPACKET)
        pid = os.fork()
        if pid == 0:
            try:
                _keep_only(theirs.fileno())
                _zygote_loop(store, theirs)
            finally:
                os._exit(0)
        theirs.close()
        return cls(ours, pid)

    @classmethod
    def spawn(cls, release_dir: Path) -> Zygote:
        """A zygote started as `python -m polegraph.query.processes.zygote RELEASE_DIR FD`: it loads the release."""
        ours, theirs = socket.socketpair(socket.AF_UNIX, socket.SOCK_SEQPACKET)
        command = [sys.executable, "-m", "polegraph.query.processes.zygote", str(release_dir), str(theirs.fileno())]
        process = subprocess.Popen(command, pass_fds=(theirs.fileno(),), stdin=subprocess.DEVNULL)
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
        """Let go of the zygote: it leaves once every process holding it has too (and is then reaped)."""
        self._control.close()
        if self._process is None and os.getpid() == self._parent:
            threading.Thread(target=_reap, args=(self.pid,), name=f"polegraph-reap-{self.pid}", daemon=True).start()


def _reap(pid: int) -> None:
    with contextlib.suppress(ChildProcessError):
        os.waitpid(pid, 0)


# --- the zygote and query process side -----------------------------------------------------------------


def _keep_only(fd: int) -> None:
    """In a newly forked zygote: close every descriptor inherited from the server but `fd` and the
    standard streams (the listening socket, other zygotes' control sockets: each of those zygotes must
    see its end when the server lets go of it)."""
    os.closerange(3, fd)
    os.closerange(fd + 1, os.sysconf("SC_OPEN_MAX"))


def _name_process(name: bytes) -> None:
    """Name this process in ps and /proc/PID/comm (15 bytes at most): forked processes would otherwise
    all carry the name of the server that forked them."""
    with contextlib.suppress(OSError, AttributeError):
        ctypes.CDLL(None).prctl(15, ctypes.c_char_p(name[:15]), 0, 0, 0)  # PR_SET_NAME


def _isolate_network() -> bool:
    """Move this process into a new network namespace with no interface: defence in depth behind the
    query checks, so that even a SERVICE call that slipped through could reach nothing.

    Needs CAP_SYS_ADMIN, or unprivileged user namespaces (then the user ids are mapped to ourselves).
    Returns whether it worked; the endpoint still refuses SERVICE/LOAD/FROM either way.
    """
    try:
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


def _zygote_loop(store: ox.Store, control: socket.socket) -> None:
    """Fork a query process for each channel received, until the control socket is closed by every holder."""
    _name_process(b"polegraph-zygot")
    signal.signal(signal.SIGCHLD, signal.SIG_IGN)  # the kernel reaps the query processes
    # Ctrl-C or a HUP sent to every process of the server (`pkill -HUP -f polegraph`) is the server's
    # business: it lets go of us when it stops (EOF). The query processes inherit these.
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    signal.signal(signal.SIGHUP, signal.SIG_IGN)
    signal.signal(signal.SIGTERM, signal.SIG_DFL)
    while True:
        try:
            message, fds, _flags, _address = socket.recv_fds(control, 16, 4)
        except OSError:
            return
        for extra in fds[1:]:
            os.close(extra)
        if not message:  # every holder let go of us
            return
        if fds:
            _fork_query_process(store, fds[0], control)


def _fork_query_process(store: ox.Store, channel: int, control: socket.socket) -> None:
    # What the query process inherits is never traversed by its garbage collector: a full collection
    # over every object of the loaded service stalled the query running, and copied the pages it wrote
    # to. Python's documented way: gc.freeze() right before fork().
    gc.freeze()
    if os.fork() == 0:
        control.close()
        signal.signal(signal.SIGCHLD, signal.SIG_DFL)
        try:
            _answer_queries(store, channel)
        finally:
            os._exit(0)
    os.close(channel)


def _answer_queries(store: ox.Store, channel: int) -> None:
    """A query process: answer the queries read from `channel` until it closes.

    Each query runs under an alarm a little past the endpoint's deadline, whose default action ends
    the process even while Oxigraph holds the CPU: a query whose web worker died (and so cannot kill
    it) still stops."""
    _name_process(b"polegraph-query")
    isolated = _isolate_network()
    write_message(channel, {"status": "ready", "pid": os.getpid(), "network_isolated": isolated})
    while True:
        try:
            fields, text = read_message(channel, None)
        except EOFError:
            return
        request = QueryRequest(query=text.decode(), **fields)
        signal.setitimer(signal.ITIMER_REAL, float(request.timeout_s or 60) + 5)
        try:
            kind, truncated, rows, body = run_on(store, request)
            header = {"status": "ok", "kind": kind, "truncated": truncated, "rows": rows}
        except QueryError as error:
            header, body = {"status": "query-error", "message": error.message, "line": error.line,
                            "column": error.column}, b""
        except Exception as exc:  # reported to the web worker, which logs it and answers a 500
            log.exception("query failed")
            header, body = {"status": "error", "message": f"{type(exc).__name__}: {exc}"}, b""
        signal.setitimer(signal.ITIMER_REAL, 0)
        try:
            write_message(channel, header, body)
        except OSError:  # the web worker is gone
            return


def serve(release_dir: str, control_fd: int) -> None:
    """`python -m polegraph.query.processes.zygote RELEASE_DIR FD`: load the release, then be the zygote on FD."""
    control = socket.socket(fileno=control_fd)
    store, _ = load_release(Release.open(Path(release_dir)))
    _zygote_loop(store, control)


if __name__ == "__main__":
    serve(sys.argv[1], int(sys.argv[2]))
