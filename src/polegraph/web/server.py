"""`polegraph serve`: the app under Granian, a production server (never Flask's dev server).

Granian reads and writes HTTP in Rust: a slow or idle client holds a cheap task, not one of the few
Python threads, and the per-request cost outside the app is small (docs/benchmarks.md). The release
is loaded once, here, into a zygote that forks every query process (zygote.py); the web workers read
the graph only through their query processes (pooled_store.py). On SIGHUP the release `current`
points at is loaded (if every file matches its checksum), and the running workers switch to it.
"""

from __future__ import annotations

import json
import logging
import mmap
import os
import secrets
import socket
import struct
import sys
import threading
import time
from pathlib import Path

from granian.constants import HTTPModes, Interfaces
from granian.http import HTTP1Settings
from granian.server import Server

from polegraph.errors import PolegraphError
from polegraph.pipeline.build import Release, current_release, mark_serving, unmark_serving, verify_release
from polegraph.query.backend import Store
from polegraph.query.processes.backend import PooledStore
from polegraph.query.processes.pool import POOL_SIZE, EngineFailure, retire_pool
from polegraph.query.processes.zygote import Zygote, use_zygote
from polegraph.query.remote import check_store_holds
from polegraph.settings import Settings

log = logging.getLogger("polegraph.server")
HEADER_READ_TIMEOUT_MS = 10_000  # a client that has not sent its headers by then is disconnected
GRACEFUL_STOP_S = 10
MAX_HEAD_BYTES = 64 * 1024  # request line and headers of one request, read in Rust before any Python
RELEASE_POLL_S = 0.2  # how often a worker looks whether the serving process took a new release


class _Publication:
    """Which release the serving process serves, in memory it shares with the workers it forks.

    The serving process is the only writer. A sequence number that is odd while it writes (a seqlock)
    lets a worker read a whole record without a lock across processes."""

    _SEQUENCE = struct.Struct("Q")
    _LENGTH = struct.Struct("I")
    SIZE = 4096

    def __init__(self) -> None:
        self._memory = mmap.mmap(-1, self.SIZE)  # anonymous and shared: forked workers see every write

    def generation(self) -> int:
        return self._SEQUENCE.unpack_from(self._memory, 0)[0] // 2

    def publish(self, generation: int, record: dict) -> None:
        data = json.dumps(record).encode()
        if len(data) > self.SIZE - 16:
            raise PolegraphError(f"release record too long to publish ({len(data)} bytes)")
        self._SEQUENCE.pack_into(self._memory, 0, 2 * generation - 1)
        self._LENGTH.pack_into(self._memory, 8, len(data))
        self._memory[12:12 + len(data)] = data
        self._SEQUENCE.pack_into(self._memory, 0, 2 * generation)

    def read(self) -> tuple[int, dict]:
        while True:
            before = self._SEQUENCE.unpack_from(self._memory, 0)[0]
            length = self._LENGTH.unpack_from(self._memory, 8)[0]
            data = bytes(self._memory[12:12 + length])
            if before % 2 == 0 and self._SEQUENCE.unpack_from(self._memory, 0)[0] == before:
                return before // 2, json.loads(data) if data else {}
            time.sleep(0.001)


class _Serving:
    """The app being served: made in the serving process, then run by each worker Granian forks.

    On SIGHUP the serving process loads the new release, forks its zygote and publishes both; each
    worker then switches to the new release itself, between two requests — no worker is replaced and
    no connection is closed (a replaced worker closes the connections it accepted but had not read).
    Requests under way finish on the release they began with."""

    def __init__(self, settings: Settings, release: Release):
        self.settings = settings
        self.publication = _Publication()
        self.generation = 1
        self.app = self._start(release, self.generation)

    def __call__(self, environ, start_response):
        return self.app(environ, start_response)

    @property
    def release(self) -> Release:
        return self.app.extensions["polegraph"].release

    def _start(self, release: Release, generation: int):
        """In the serving process: the app over `release`, its store loaded once, in a zygote of its
        own; then published to the workers. Nothing changes if the release cannot be loaded."""
        from polegraph.web import create_app

        if self.settings.store_url:
            check_store_holds(self.settings.store_url, release, self.settings.query_timeout_s)
            app = create_app(self.settings, release)
            record = {"release": str(release.path)}
        else:
            loaded = Store.from_release(release)
            app = create_app(self.settings, release, loaded)  # what the app computes once is read here
            address = f"polegraph-zygote-{os.getpid()}-{generation}-{secrets.token_hex(8)}"
            use_zygote(release.dataset_path, Zygote.fork(loaded.oxigraph, address))
            # From now on the graph is read through the query processes. The loaded store is kept but
            # never read again: freeing it would write allocator data into pages this process shares
            # with the zygote, and so copy them (measured at x10: 199 MB of PSS kept, 252 MB freed).
            self._kept_for_the_zygote = loaded
            app.extensions["polegraph"].store = PooledStore(release, self.settings.query_timeout_s)
            record = {"release": str(release.path), "zygote": address}
        self.publication.publish(generation, record)
        mark_serving(self.settings, release)
        return app

    def reload(self) -> None:
        """SIGHUP, in the serving process: take the current release if it is whole and loads."""
        candidate = _newest_whole_release(self.settings, self.release)
        if candidate.id == self.release.id:
            return
        try:
            self.app = self._start(candidate, self.generation + 1)
        except (PolegraphError, OSError, SyntaxError) as exc:
            log.error("keeping release %s: %s cannot be loaded (%s)", self.release.id, candidate.id, exc)
            return
        self.generation += 1
        log.info("reload: serving release %s", candidate.id)

    def load_in_worker(self, _target: str):
        """Run in each new worker: its query processes start now, and it watches for new releases."""
        self._warm(self.app)
        threading.Thread(target=self._follow_releases, name="polegraph-releases", daemon=True).start()
        return self

    def _warm(self, app) -> None:
        if not self.settings.store_url:
            try:
                app.extensions["polegraph"].engine()
            except EngineFailure as exc:  # the worker still serves pages; its first query tries again
                log.error("worker %s: query processes not started (%s)", os.getpid(), exc)

    def _follow_releases(self) -> None:
        while True:
            time.sleep(RELEASE_POLL_S)
            published = self.publication.generation()
            if published != self.generation:
                try:
                    self._switch()
                except Exception:  # noqa: BLE001 - said once; the worker goes on with the release it has
                    log.exception("worker %s: cannot take the new release", os.getpid())
                    self.generation = published

    def _switch(self) -> None:
        """In a worker: serve the release the serving process published, from its zygote."""
        from polegraph.web import create_app

        generation, record = self.publication.read()
        release = Release.open(Path(record["release"]))
        old = self.app.extensions["polegraph"].release
        if self.settings.store_url:
            app = create_app(self.settings, release)
        else:
            try:
                zygote = Zygote.connect(record["zygote"])
            except EngineFailure as exc:  # it died meanwhile: this worker loads the release itself
                log.error("worker %s: %s; starting a zygote of its own", os.getpid(), exc)
                zygote = Zygote.spawn(release.dataset_path)
            use_zygote(release.dataset_path, zygote)
            app = create_app(self.settings, release, PooledStore(release, self.settings.query_timeout_s))
            self._warm(app)
        self.app, self.generation = app, generation
        log.info("worker %s: serving release %s", os.getpid(), release.id)
        if not self.settings.store_url and old.dataset_path != release.dataset_path:
            retire_pool(old.dataset_path, after_s=2 * self.settings.query_timeout_s + 5)


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


class _ServerSwitchingReleases(Server):
    """Granian's server, whose SIGHUP runs the reload hooks but replaces no worker (see `_Serving`)."""

    def _reload(self, spawn_target, target_loader):
        self.reload_signal = False
        self.main_loop_interrupt.clear()
        self._call_hooks(self.hooks_reload)


def configure_logging(stream) -> None:
    """Log lines (one per answer, web/http.py) with their time, and without what logging would
    otherwise find out for each record and that the lines never show (calling frame, thread and
    process names: logging's documented optimisations)."""
    logging._srcfile = None
    logging.logThreads = logging.logProcesses = logging.logMultiprocessing = False
    logging.basicConfig(stream=stream, level=logging.INFO,
                        format="[%(asctime)s] %(message)s", datefmt="%Y-%m-%d %H:%M:%S %z")


def run(settings: Settings, release: Release) -> None:
    """Serve `release` until interrupted (SIGINT/SIGTERM); SIGHUP serves the current release."""
    _check_port_free(settings.host, settings.port)
    configure_logging(sys.stderr)
    serving = _Serving(settings, release)
    log.info("serving release %s on http://%s:%s/", release.id, settings.host, settings.port)
    server = _ServerSwitchingReleases(
        "polegraph", address=settings.host, port=settings.port, interface=Interfaces.WSGI,
        workers=settings.workers, blocking_threads=POOL_SIZE, http=HTTPModes.http1, websockets=False,
        log_access=False,  # the app logs each answer with its request id (web/http.py)
        http1_settings=HTTP1Settings(header_read_timeout=HEADER_READ_TIMEOUT_MS, max_buffer_size=MAX_HEAD_BYTES),
        respawn_failed_workers=True, workers_kill_timeout=GRACEFUL_STOP_S,
    )
    server.on_reload(serving.reload)
    try:
        server.serve(target_loader=serving.load_in_worker)
    finally:
        unmark_serving(settings)
