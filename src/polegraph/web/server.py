"""`polegraph serve`: the app under gunicorn, a production WSGI server (never Flask's dev server)."""

from __future__ import annotations

import logging
import socket

from gunicorn.app.base import BaseApplication

from ..build import Release, current_release, verify_release
from ..engine import POOL_SIZE
from ..errors import PolegraphError
from ..settings import Settings

log = logging.getLogger("gunicorn.error")


class _Gunicorn(BaseApplication):
    def __init__(self, settings: Settings, release: Release):
        self._settings, self._release = settings, release
        super().__init__()

    def load_config(self) -> None:
        """Called at start and on SIGHUP: a reload takes the current release, if it is whole."""
        self._release = _newest_whole_release(self._settings, self._release)
        s = self._settings
        for key, value in {
            "bind": f"{s.host}:{s.port}", "workers": s.workers, "accesslog": "-",
            # Threads: a worker waiting on a query process (engine.py) still serves other requests.
            "worker_class": "gthread", "threads": POOL_SIZE,
            "access_log_format": '%(h)s "%(r)s" %(s)s %(B)s %(M)sms id=%({x-request-id}o)s "%(a)s"',
            "timeout": int(s.query_timeout_s) + 30, "graceful_timeout": 10,
            "limit_request_line": 16384,
            # No SO_REUSEPORT (one socket per worker): it would spread keep-alive connections over the
            # workers (with one shared socket a burst can all land on one worker), but a worker leaving on
            # SIGHUP resets the connections queued on its socket (tests/test_release_safety.py).
        }.items():
            self.cfg.set(key, value)

    def load(self):
        from . import create_app

        return create_app(self._settings, self._release)


def _newest_whole_release(settings: Settings, serving: Release) -> Release:
    """The release `current` points at if every file matches its checksum; else the one being served."""
    try:
        candidate = current_release(settings)
        verify_release(candidate)
    except PolegraphError as exc:
        log.error("keeping release %s: the current one cannot be served (%s)", serving.id, exc.message)
        return serving
    if candidate.id != serving.id:
        log.info("reload: serving release %s (was %s)", candidate.id, serving.id)
    return candidate


def _check_port_free(host: str, port: int) -> None:
    """Refuse a port another server listens on at once, with a clear message (gunicorn would retry
    for seconds, then fail)."""
    with socket.socket(socket.AF_INET6 if ":" in host else socket.AF_INET) as probe:
        probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)  # TIME_WAIT is no server; a listener is
        try:
            probe.bind((host, port))
        except OSError as exc:
            raise PolegraphError(f"cannot listen on {host}:{port}: {exc.strerror or exc}") from None


def run(settings: Settings, release: Release) -> None:
    """Serve `release` until interrupted."""
    _check_port_free(settings.host, settings.port)
    _Gunicorn(settings, release).run()
