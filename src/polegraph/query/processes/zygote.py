"""The processes that answer queries: a zygote holding the loaded store, and the query processes it forks.

pyoxigraph cannot interrupt a query (docs/known-limitations.md), so no client's query runs in a web
worker: it runs in a query process that can be killed at its deadline. A fork shares the loaded
store copy-on-write, so a new query process (at start, or after one was killed) is ready in
milliseconds whatever the size of the graph, and memory holds one copy of the graph however many
processes there are.

`polegraph serve` loads the release in its serving process and forks the zygote from it before it
starts the web workers. The zygote keeps a fixed number of query processes, all waiting on one
listening socket, and forks a new one for each that ends. A web worker connects for each query and
the first free process, whichever worker it serves, takes it: one queue for the whole service, so a
worker that happens to hold more of the clients' connections does not leave the other's processes
idle (docs/benchmarks.md). A zygote is known by its pid and the folder of its two sockets, plain data
a web worker can be told after it was forked (web/switch.py: a new release is served by the same
workers). It leaves when the process that started it says so or ends, and its query processes with
it. A worker whose zygote died starts one of its own with `Zygote.spawn`, which loads the release
itself.
"""

from __future__ import annotations

import contextlib
import ctypes
import gc
import logging
import os
import select
import signal
import socket
import subprocess
import sys
import tempfile
import threading
from pathlib import Path

import pyoxigraph as ox

from polegraph.errors import EngineFailure, QueryError
from polegraph.pipeline.release import Release
from polegraph.pipeline.store import load_release
from polegraph.query.backend import QueryRequest, run_on
from polegraph.query.processes.messages import read_message, write_message

log = logging.getLogger("polegraph.query")
DEMOTE = b"demote"  # a web worker to the zygote: "demote PID"
LEAVE = b"leave"  # the process that started the zygote, to it
QUERIES_SOCKET, CONTROL_SOCKET = "queries", "control"  # in the zygote's folder
DEMOTED_NICENESS = 10


# --- the side of the processes that send queries ------------------------------------------------------


class Zygote:
    """A zygote as seen by the processes that send it queries: its pid and the folder of its sockets, one
    its query processes take queries on (`address`), one it reads requests on (`control`)."""

    def __init__(self, pid: int, folder: str, *, process: subprocess.Popen | None = None, parent: int | None = None):
        self.pid, self.folder = pid, folder
        self.address = os.path.join(folder, QUERIES_SOCKET)
        self.control = os.path.join(folder, CONTROL_SOCKET)
        self._process = process  # a spawned zygote: kept, so Python reaps it when it leaves
        self._parent = parent  # a forked zygote is reaped by the process that forked it

    @classmethod
    def fork(cls, store: ox.Store, processes: int) -> Zygote:
        """A zygote forked from this process, which holds `store` (an Oxigraph store, already loaded), and
        its `processes` query processes. Call it while this process runs no other Python thread that
        could hold a lock the child needs."""
        folder, listener, control = _sockets()
        parent = os.getpid()
        pid = os.fork()
        if pid == 0:
            try:
                _keep_only(listener.fileno(), control.fileno())
                _zygote_loop(store, parent, control, listener, processes)
            finally:
                os._exit(0)
        listener.close()
        control.close()
        return cls(pid, folder, parent=parent)

    @classmethod
    def spawn(cls, release_dir: Path, processes: int) -> Zygote:
        """A zygote started as `python -m polegraph.query.processes.zygote RELEASE_DIR PROCESSES PARENT
        LISTENER CONTROL`: it loads the release, then forks its query processes."""
        folder, listener, control = _sockets()
        command = [sys.executable, "-m", "polegraph.query.processes.zygote", str(release_dir), str(processes),
                   str(os.getpid()), str(listener.fileno()), str(control.fileno())]
        process = subprocess.Popen(command, pass_fds=(listener.fileno(), control.fileno()), stdin=subprocess.DEVNULL)
        listener.close()
        control.close()
        return cls(process.pid, folder, process=process)

    def connect(self) -> socket.socket:
        """A connection to the query processes: the first one free takes it (EngineFailure when the
        zygote and its processes are gone)."""
        connection = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        try:
            connection.connect(self.address)
        except OSError as exc:
            connection.close()
            raise EngineFailure(f"the query processes are gone: {exc}") from None
        return connection

    def demote(self, pid: int) -> None:
        """Have the query process `pid`, which has run long work, yield the processors to the short
        requests of everyone (a lower priority), and be replaced at once in the queue."""
        self._tell(DEMOTE + b" %d" % pid)

    def alive(self) -> bool:
        """Whether the zygote is still there. Its pid names no other process meanwhile: it is not reaped
        before the process that started it lets go of it."""
        try:
            pidfd = os.pidfd_open(self.pid)
        except OSError:
            return False
        try:
            return not select.select([pidfd], [], [], 0)[0]  # a pidfd is readable once the process ended
        finally:
            os.close(pidfd)

    def discard(self) -> None:
        """Let go of a zygote that is gone (killed), and remove the sockets it could not remove itself."""
        self.close()
        _remove_folder(self.folder)

    def close(self) -> None:
        """Have the zygote leave, and its query processes once they have answered (in the process that
        started it: it is reaped then)."""
        self._tell(LEAVE)
        if self._parent == os.getpid():
            self._parent = None
            threading.Thread(target=_reap, args=(self.pid,), name=f"polegraph-reap-{self.pid}", daemon=True).start()

    def _tell(self, message: bytes) -> None:
        with socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM) as sender, contextlib.suppress(OSError):
            sender.sendto(message, self.control)  # gone already: nothing to tell


def _sockets() -> tuple[str, socket.socket, socket.socket]:
    """A folder only this user can enter, with the zygote's two sockets: queries, and its control."""
    folder = tempfile.mkdtemp(prefix="polegraph-queries-")
    listener = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    listener.bind(os.path.join(folder, QUERIES_SOCKET))
    listener.listen(socket.SOMAXCONN)
    control = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
    control.bind(os.path.join(folder, CONTROL_SOCKET))
    return folder, listener, control


def _remove_folder(folder: str) -> None:
    for name in (QUERIES_SOCKET, CONTROL_SOCKET):
        with contextlib.suppress(OSError):
            os.unlink(os.path.join(folder, name))
    with contextlib.suppress(OSError):
        os.rmdir(folder)


def _reap(pid: int) -> None:
    with contextlib.suppress(ChildProcessError):
        os.waitpid(pid, 0)


# --- the zygote and query process side -----------------------------------------------------------------


def _keep_only(*kept: int) -> None:
    """In a newly forked zygote: close every descriptor inherited from the server but `kept` and the
    standard streams (the web listening socket, the sockets of other zygotes)."""
    low = 3
    for fd in sorted(kept):
        os.closerange(low, fd)
        low = fd + 1
    os.closerange(low, os.sysconf("SC_OPEN_MAX"))


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


def _zygote_loop(store: ox.Store, parent: int, control: socket.socket, listener: socket.socket,
                 processes: int) -> None:
    """Keep `processes` query processes at full priority taking queries on `listener`: a new one for each
    that ends (killed at its deadline, crashed) and for each a web worker demotes (long work), until
    the process `parent` that started the zygote tells it to leave on `control`, or ends. The query
    processes then leave too, each once it has answered (their parent-death signal)."""
    _name_process(b"polegraph-zygot")
    # Ctrl-C or a HUP sent to every process of the server (`pkill -HUP -f polegraph`) is the server's
    # business: it tells us when to leave. The query processes inherit these.
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    signal.signal(signal.SIGHUP, signal.SIG_IGN)
    signal.signal(signal.SIGTERM, signal.SIG_DFL)
    folder = os.path.dirname(listener.getsockname())
    children: dict[int, int] = {}  # pidfd (readable once the process has ended) → pid
    demoted: set[int] = set()  # replaced already: not again when they end
    try:
        starter = os.pidfd_open(parent)
        if os.getppid() != parent:  # it ended before we could watch it
            return
        inherited = (control.fileno(), starter)
        for _ in range(processes):
            _fork_query_process(store, listener, inherited, children)
        while True:
            for ready in select.select([control, starter, *children], [], [])[0]:
                if ready is starter:  # the process that started us ended
                    return
                if ready is not control:
                    pid = children.pop(ready)
                    os.close(ready)
                    with contextlib.suppress(ChildProcessError):
                        os.waitpid(pid, 0)
                    if pid in demoted:
                        demoted.discard(pid)
                    else:
                        _fork_query_process(store, listener, inherited, children)
                    continue
                command, _, argument = control.recv(64).partition(b" ")
                if command == LEAVE:
                    return
                if command == DEMOTE and argument.isdigit() and int(argument) in children.values():
                    with contextlib.suppress(OSError):
                        os.setpriority(os.PRIO_PROCESS, int(argument), DEMOTED_NICENESS)
                        demoted.add(int(argument))
                        _fork_query_process(store, listener, inherited, children)
    except ProcessLookupError:  # the process that started us has ended already
        return
    finally:
        _remove_folder(folder)


def _fork_query_process(store: ox.Store, listener: socket.socket, inherited: tuple[int, ...],
                        children: dict[int, int]) -> None:
    # What the query process inherits is never traversed by its garbage collector: a full collection
    # over every object of the loaded service stalled the query running, and copied the pages it wrote
    # to. Python's documented way: gc.freeze() right before fork().
    gc.freeze()
    zygote = os.getpid()
    pid = os.fork()
    if pid == 0:
        for fd in (*inherited, *children):  # the zygote's own: its control, its watch, its children
            os.close(fd)
        try:
            _answer_queries(store, listener, zygote)
        finally:
            os._exit(0)
    children[os.pidfd_open(pid)] = pid


class _ZygoteGone(Exception):
    pass


def _answer_queries(store: ox.Store, listener: socket.socket, zygote: int) -> None:
    """A query process: answer one query per connection taken from `listener`, until its zygote has
    left (at once when idle, else once it has answered) or it was demoted (a lower priority cannot be
    raised again without privileges: the zygote starts a fresh process instead)."""
    _name_process(b"polegraph-query")
    isolated = _isolate_network()
    state = {"idle": True, "leaving": False}

    def zygote_gone(_signum, _frame):
        if state["idle"]:
            raise _ZygoteGone
        state["leaving"] = True

    signal.signal(signal.SIGUSR1, zygote_gone)
    # Set after the namespaces: a change of credentials clears it (prctl(2)).
    ctypes.CDLL(None).prctl(1, signal.SIGUSR1, 0, 0, 0)  # PR_SET_PDEATHSIG
    if os.getppid() != zygote:  # the zygote left before we could ask to be told
        return
    ready = {"status": "ready", "pid": os.getpid(), "network_isolated": isolated}
    niceness = os.getpriority(os.PRIO_PROCESS, 0)
    try:
        while not state["leaving"] and os.getpriority(os.PRIO_PROCESS, 0) <= niceness:
            state["idle"] = True
            connection, _ = listener.accept()
            state["idle"] = False
            with connection:
                _answer(store, connection, ready)
    except _ZygoteGone:
        return


def _answer(store: ox.Store, connection: socket.socket, ready: dict) -> None:
    """Answer the one query of `connection`: say who answers (the web worker kills it by this pid at the
    deadline), read the query, and answer it unless the web worker stopped waiting meanwhile.

    Each query runs under an alarm a little past the endpoint's deadline, whose default action ends
    the process even while Oxigraph holds the CPU: a query whose web worker died (and so cannot kill
    it) still stops."""
    channel = connection.fileno()
    try:
        write_message(channel, ready)
        fields, text = read_message(channel, None)
    except (OSError, EOFError):
        return
    if _peer_closed(connection):  # a query that waited past its time: nobody reads the answer
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
    with contextlib.suppress(OSError):  # the web worker may be gone
        write_message(channel, header, body)


def _peer_closed(connection: socket.socket) -> bool:
    try:
        return connection.recv(1, socket.MSG_PEEK | socket.MSG_DONTWAIT) == b""
    except BlockingIOError:
        return False
    except OSError:
        return True


def serve(release_dir: str, processes: str, parent: str, listener_fd: str, control_fd: str) -> None:
    """`python -m polegraph.query.processes.zygote RELEASE_DIR PROCESSES PARENT LISTENER CONTROL`: load the
    release, then be the zygote of PARENT, with PROCESSES query processes on LISTENER."""
    listener = socket.socket(fileno=int(listener_fd))
    control = socket.socket(fileno=int(control_fd))
    store, _ = load_release(Release.open(Path(release_dir)))
    _zygote_loop(store, int(parent), control, listener, int(processes))


if __name__ == "__main__":
    serve(*sys.argv[1:6])
