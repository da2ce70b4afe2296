"""`polegraph serve`: the service under Granian, a production server (never Flask's development server).

Granian reads and writes HTTP in Rust: a slow or idle client holds a cheap task, not one of the few
Python threads. The serving process loads the release once, forks the zygote of the query processes
from it (query/processes/), makes the app, and only then lets Granian fork the web workers, which
inherit all three: a worker holds no copy of the graph and reads it through its query processes.

A new release is taken on SIGHUP by Granian's documented reload: its `on_reload` hook (here
`Serving.reload`, in the serving process) loads the release `current` points at if every file matches
its checksum, forks its zygote and makes its app; Granian then starts new workers, which inherit the
new app, and stops each old one gracefully, letting the requests it is answering finish (up to the
query deadline). What a reload costs is measured in docs/reliability.md.
"""

from __future__ import annotations

import gc
import logging
import socket
import sys

from granian.constants import HTTPModes, Interfaces
from granian.http import HTTP1Settings
from granian.server import Server

from polegraph.errors import PolegraphError
from polegraph.pipeline.release import Release, current_release, mark_serving, unmark_serving, verify_release
from polegraph.query.backend import LocalBackend
from polegraph.query.processes.pool import ProcessBackend
from polegraph.query.processes.zygote import Zygote
from polegraph.query.remote import RemoteBackend
from polegraph.settings import Settings
from polegraph.web.app import create_app

log = logging.getLogger("polegraph.server")
HEADER_READ_TIMEOUT_MS = 10_000  # a client that has not sent its headers by then is disconnected
MAX_HEAD_BYTES = 64 * 1024  # request line and headers of one request, read in Rust before any Python
RESPAWN_INTERVAL_S = 1.0  # on a reload, how long a new worker gets to start before the old one stops


class Serving:
    """The app being served, made in the serving process and inherited by every worker Granian forks."""

    def __init__(self, settings: Settings, release: Release):
        self.settings = settings
        self.app, self._zygote, self._loaded = self._start(release)

    @property
    def release(self) -> Release:
        return self.app.extensions["polegraph"].release

    def _start(self, release: Release):
        """The app over `release`, its store loaded once here (if its files match their checksums) and its
        zygote forked from it. Nothing changes if the release cannot be loaded."""
        settings = self.settings
        if settings.store_url:
            verify_release(release)  # its pages and downloads are served from these files
            backend = RemoteBackend(settings, release)
            backend.check_holds_release()
            return create_app(settings, release, backend), None, None
        loaded = LocalBackend.from_release(release)
        app = create_app(settings, release, loaded)  # what the app computes once is read from the loaded store
        zygote = Zygote.fork(loaded.oxigraph, settings.query_processes)
        app.extensions["polegraph"].backend = ProcessBackend(release, zygote, settings.query_processes,
                                                             settings.query_timeout_s)
        # The loaded store is kept while the zygote lives but never read again: freeing it would write
        # allocator data into pages this process shares with the zygote, and so copy them.
        return app, zygote, loaded

    def reload(self) -> None:
        """Granian's `on_reload` hook (SIGHUP), in the serving process: take the current release if it is
        whole and loads; the workers Granian starts next serve it."""
        try:
            candidate = current_release(self.settings)
            if candidate.id == self.release.id:
                return
            started = self._start(candidate)  # loaded only if every file matches its checksum
        except (PolegraphError, OSError, SyntaxError) as exc:
            log.error("keeping release %s: the current one cannot be served (%s)", self.release.id, exc)
            return
        if self._zygote is not None:
            self._zygote.close()  # it leaves once the old workers, its last holders, have stopped
        self.app, self._zygote, self._loaded = started
        gc.unfreeze()  # the old release's objects may now go; the new ones are frozen for the new workers
        gc.collect()
        gc.freeze()
        mark_serving(self.settings, candidate)
        log.info("reload: serving release %s", candidate.id)

    def load_in_worker(self, _target: str):
        """Run in each new worker (Granian's target loader): the app of the release being served."""
        return self.app


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
        respawn_failed_workers=True, respawn_interval=RESPAWN_INTERVAL_S,
        # a worker being replaced finishes the queries it is answering: up to the deadline, then killed
        workers_kill_timeout=int(settings.query_timeout_s) + 5,
    )
    server.on_reload(serving.reload)
    # The workers Granian forks never traverse what they inherit (the app, the templates, the named
    # queries) in a full garbage collection, which stalled every request the worker held.
    gc.freeze()
    try:
        server.serve(target_loader=serving.load_in_worker)
    finally:
        unmark_serving(settings)
