"""`polegraph serve`: the app under Granian, a production server (never Flask's dev server).

Granian reads and writes HTTP in Rust: a slow or idle client holds a cheap task, not one of the few
Python threads, and the per-request cost outside the app is small (docs/benchmarks.md). The release
is loaded once, here, before the workers are forked: they share it copy-on-write, and so does the
zygote that forks their query processes (engine.py). On SIGHUP the release `current` points at is
loaded (if every file matches its checksum) before Granian replaces the workers one by one.
"""

from __future__ import annotations

import logging
import os
import socket
import sys

from granian.constants import HTTPModes, Interfaces
from granian.http import HTTP1Settings
from granian.server import Server

from ..build import Release, current_release, verify_release
from ..engine import POOL_SIZE, EngineFailure, Zygote, use_zygote
from ..errors import PolegraphError
from ..settings import Settings

log = logging.getLogger("polegraph.server")
HEADER_READ_TIMEOUT_MS = 10_000  # a client that has not sent its headers by then is disconnected
GRACEFUL_STOP_S = 10
MAX_HEAD_BYTES = 64 * 1024  # request line and headers of one request, read in Rust before any Python


class _Serving:
    """The app being served, made in the serving process and handed to each worker Granian forks."""

    def __init__(self, settings: Settings, release: Release):
        self.settings = settings
        self.app = self._make(release)

    def _make(self, release: Release):
        from . import create_app

        app = create_app(self.settings, release)
        if not self.settings.store_url:  # the local engine: one loaded store, forked to every process
            use_zygote(release.dataset_path, Zygote.fork(app.extensions["polegraph"].store.oxigraph))
        return app

    @property
    def release(self) -> Release:
        return self.app.extensions["polegraph"].release

    def reload(self) -> None:
        """Granian's reload hook (SIGHUP), run before the workers are replaced."""
        candidate = _newest_whole_release(self.settings, self.release)
        if candidate.id != self.release.id:
            try:
                self.app = self._make(candidate)
            except PolegraphError as exc:
                log.error("keeping release %s: %s cannot be loaded (%s)", self.release.id, candidate.id, exc.message)
                return
            log.info("reload: serving release %s", candidate.id)

    def load_in_worker(self, _target: str):
        """Run in each new worker: its query processes start now, not on its first query."""
        if not self.settings.store_url:
            try:
                self.app.extensions["polegraph"].engine()
            except EngineFailure as exc:  # the worker still serves pages; its first query tries again
                log.error("worker %s: query processes not started (%s)", os.getpid(), exc)
        return self.app


def _newest_whole_release(settings: Settings, serving: Release) -> Release:
    """The release `current` points at if every file matches its checksum; else the one being served."""
    try:
        candidate = current_release(settings)
        verify_release(candidate)
    except PolegraphError as exc:
        log.error("keeping release %s: the current one cannot be served (%s)", serving.id, exc.message)
        return serving
    return candidate


def _check_port_free(host: str, port: int) -> None:
    """Refuse a port another server listens on at once, with a clear message."""
    with socket.socket(socket.AF_INET6 if ":" in host else socket.AF_INET) as probe:
        probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)  # TIME_WAIT is no server; a listener is
        try:
            probe.bind((host, port))
        except OSError as exc:
            raise PolegraphError(f"cannot listen on {host}:{port}: {exc.strerror or exc}") from None


def run(settings: Settings, release: Release) -> None:
    """Serve `release` until interrupted (SIGINT/SIGTERM); SIGHUP serves the current release."""
    _check_port_free(settings.host, settings.port)
    logging.basicConfig(stream=sys.stderr, level=logging.INFO,
                        format="[%(asctime)s] %(message)s", datefmt="%Y-%m-%d %H:%M:%S %z")
    serving = _Serving(settings, release)
    server = Server(
        "polegraph", address=settings.host, port=settings.port, interface=Interfaces.WSGI,
        workers=settings.workers, blocking_threads=POOL_SIZE, http=HTTPModes.http1, websockets=False,
        log_access=False,  # the app logs each answer with its request id (web/http.py)
        http1_settings=HTTP1Settings(header_read_timeout=HEADER_READ_TIMEOUT_MS, max_buffer_size=MAX_HEAD_BYTES),
        # On SIGHUP each worker is replaced at once (no pause between them): the old and the new release
        # are both served only for the moment the old workers take to finish their requests.
        respawn_failed_workers=True, respawn_interval=0, workers_kill_timeout=GRACEFUL_STOP_S,
    )
    server.on_reload(serving.reload)
    server.serve(target_loader=serving.load_in_worker)
