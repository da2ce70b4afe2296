"""`polegraph serve`: the service under Granian, a production server (never Flask's development server).

Granian reads and writes HTTP in Rust: a slow or idle client holds a cheap task, not one of the few
Python threads. The serving process loads the release once, forks the zygote of the query processes
from it (query/processes/), makes the app, and only then lets Granian fork the web workers, which
inherit all three: a worker holds no copy of the graph and reads it through its query processes.

A new release is taken on SIGHUP by the same workers (web/switch.py): the serving process loads the
release `current` points at if every file matches its checksum, forks its zygote, makes its app and
publishes it; each worker answers with it from its next request on, and the old zygote leaves once
the requests begun before could have finished (the query deadline). Granian's own reload, which
replaces the workers, is not used: it closes connections unanswered. What a reload costs is measured
in docs/reliability.md.
"""

from __future__ import annotations

import gc
import logging
import signal
import socket
import sys
import threading

from flask import Flask
from granian.constants import HTTPModes, Interfaces
from granian.http import HTTP1Settings
from granian.server import Server

from polegraph.errors import PolegraphError
from polegraph.pipeline.release import Release, current_release, mark_serving, unmark_serving, verify_release
from polegraph.query.backend import LocalBackend
from polegraph.query.processes.zygote import Zygote
from polegraph.query.remote import RemoteBackend
from polegraph.settings import Settings
from polegraph.web.admission import Admission
from polegraph.web.switch import ReleaseBoard, ReleaseSwitch, serving_app

log = logging.getLogger("polegraph.server")
HEADER_READ_TIMEOUT_MS = 10_000  # a client that has not sent its headers by then is disconnected
MAX_HEAD_BYTES = 64 * 1024  # request line and headers of one request, read in Rust before any Python


class Serving:
    """The release being served, loaded in the serving process, and the switch every worker Granian forks
    inherits."""

    def __init__(self, settings: Settings, release: Release):
        self.settings = settings
        self.admission = Admission(settings)  # the clients' shares, in memory every worker shares
        self.board = ReleaseBoard()
        self.switch = ReleaseSwitch(self.board, self._app)
        self._reloading = self._again = False
        self.release, self._zygote, self._loaded = release, *self._start(release)

    def _start(self, release: Release) -> tuple[Zygote | None, LocalBackend | None]:
        """Serve `release`: its store loaded once here (if its files match their checksums), its zygote
        forked from it, its app made and published. Nothing changes if the release cannot be served."""
        settings = self.settings
        if settings.store_url:
            verify_release(release)  # its pages and downloads are served from these files
            RemoteBackend(settings, release).check_holds_release()
            zygote = loaded = None
        else:
            loaded = LocalBackend.from_release(release)
            zygote = Zygote.fork(loaded.oxigraph, settings.query_processes)
        try:
            self.switch.serve(self._app(release, zygote), self.board.publish(release, zygote))
        except BaseException:
            if zygote is not None:
                zygote.close()
            raise
        # The loaded store is kept while the zygote lives but never read again: freeing it would write
        # allocator data into pages this process shares with the zygote, and so copy them.
        return zygote, loaded

    def _app(self, release: Release, zygote: Zygote | None) -> Flask:
        """The app of `release`, here and in every worker that switches to it."""
        return serving_app(self.settings, release, zygote, self.admission)

    def hang_up(self, _signum=None, _frame=None) -> None:
        """SIGHUP: serve the current release if it is whole and loads. A HUP during a reload is taken
        once that one is done."""
        if self._reloading:
            self._again = True
            return
        self._reloading = True
        try:
            self._again = True
            while self._again:
                self._again = False
                self._reload()
        finally:
            self._reloading = False

    def _reload(self) -> None:
        try:
            candidate = current_release(self.settings)
            if candidate.id == self.release.id:
                return
            started = self._start(candidate)
        except (PolegraphError, OSError, SyntaxError) as exc:
            log.error("keeping release %s: the current one cannot be served (%s)", self.release.id, exc)
            return
        if self._zygote is not None:  # once what the old release's requests ask of it is answered
            retire = threading.Timer(self.settings.query_timeout_s + 5, self._zygote.close)
            retire.daemon = True
            retire.start()
        self.release, (self._zygote, self._loaded) = candidate, started
        gc.unfreeze()  # the old release's objects may now go; the new ones are frozen for later forks
        gc.collect()
        gc.freeze()
        mark_serving(self.settings, candidate)
        log.info("reload: serving release %s", candidate.id)

    def take_hang_ups(self) -> None:
        """Granian's startup hook, in the serving process: SIGHUP is ours (Granian's would replace the
        workers)."""
        signal.signal(signal.SIGHUP, self.hang_up)

    def load_in_worker(self, _target: str) -> ReleaseSwitch:
        """Run in each new worker (Granian's target loader): the switch, with the app being served. A HUP
        sent to every process of the server is the serving process's business."""
        signal.signal(signal.SIGHUP, signal.SIG_IGN)
        return self.switch


def _check_port_free(host: str, port: int) -> None:
    """Refuse a port another server listens on at once, with a clear message."""
    with socket.socket(socket.AF_INET6 if ":" in host else socket.AF_INET) as probe:
        probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)  # TIME_WAIT is no server; a listener is
        try:
            probe.bind((host, port))
        except OSError as exc:
            raise PolegraphError(f"cannot listen on {host}:{port}: {exc.strerror or exc}") from None


def configure_logging(stream) -> None:
    """Log lines with their time (one per answer: web/http.py), without what logging would otherwise
    find out for each record and the lines never show (thread and process names: its documented flags)."""
    logging.logThreads = logging.logProcesses = logging.logMultiprocessing = False
    logging.basicConfig(stream=stream, level=logging.INFO,
                        format="[%(asctime)s] %(message)s", datefmt="%Y-%m-%d %H:%M:%S %z")


def run(settings: Settings, release: Release) -> None:
    """Serve `release` until interrupted (SIGINT/SIGTERM); SIGHUP serves the current release."""
    _check_port_free(settings.host, settings.port)
    configure_logging(sys.stderr)
    serving = Serving(settings, release)
    mark_serving(settings, release)
    log.info("serving release %s on http://%s:%s/", release.id, settings.host, settings.port)
    server = Server(
        "polegraph", address=settings.host, port=settings.port, interface=Interfaces.WSGI,
        # a worker may use every place for a query in the service (one queue), and two threads more answer
        # pages and refusals while all are busy
        workers=settings.workers, blocking_threads=settings.query_places + 2, http=HTTPModes.http1,
        websockets=False, log_access=False,  # the service logs each answer with its request id
        http1_settings=HTTP1Settings(header_read_timeout=HEADER_READ_TIMEOUT_MS, max_buffer_size=MAX_HEAD_BYTES),
        respawn_failed_workers=True,
        # a stopping worker finishes the queries it is answering: up to the deadline, then killed
        workers_kill_timeout=int(settings.query_timeout_s) + 5,
    )
    server.on_startup(serving.take_hang_ups)
    # The workers Granian forks never traverse what they inherit (the app, the templates, the named
    # queries) in a full garbage collection, which stalled every request the worker held.
    gc.freeze()
    try:
        server.serve(target_loader=serving.load_in_worker)
    finally:
        unmark_serving(settings)
