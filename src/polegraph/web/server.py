"""`polegraph serve`: the app under gunicorn, a production WSGI server (never Flask's dev server)."""

from __future__ import annotations

from gunicorn.app.base import BaseApplication

from ..build import Release
from ..engine import POOL_SIZE
from ..settings import Settings


class _Gunicorn(BaseApplication):
    def __init__(self, settings: Settings, release: Release):
        self._settings, self._release = settings, release
        super().__init__()

    def load_config(self) -> None:
        s = self._settings
        for key, value in {
            "bind": f"{s.host}:{s.port}", "workers": s.workers, "accesslog": "-",
            # Threads: a worker waiting on a query process (engine.py) still serves other requests.
            "worker_class": "gthread", "threads": POOL_SIZE,
            "access_log_format": '%(h)s "%(r)s" %(s)s %(B)s %(M)sms id=%({x-request-id}o)s "%(a)s"',
            "timeout": int(s.query_timeout_s) + 30, "graceful_timeout": 10,
            "limit_request_line": 16384,
        }.items():
            self.cfg.set(key, value)

    def load(self):
        from . import create_app

        return create_app(self._settings, self._release)


def run(settings: Settings, release: Release) -> None:
    """Serve `release` until interrupted."""
    _Gunicorn(settings, release).run()
