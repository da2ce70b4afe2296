"""The web face: an app factory holding one built release, and one small blueprint per area.

The web layer only translates HTTP into calls of the core (store, engine, queries, validate…); it
holds no knowledge of the graph itself.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from functools import cached_property

from flask import Flask

from polegraph.pipeline.build import Release, current_release
from polegraph.query.backend import Reads, Store
from polegraph.query.named import NamedQuery, load_queries
from polegraph.query.remote import RemoteEngine, RemoteQueryStore
from polegraph.settings import Settings


@dataclass
class Service:
    """What every request needs: the settings, the release served and its store, the named queries."""

    settings: Settings
    release: Release
    store: Reads  # a Store, a PooledStore (under `polegraph serve`) or a RemoteQueryStore
    queries: dict[str, NamedQuery]

    _engine: tuple[int, object] | None = field(default=None, init=False, repr=False, compare=False)

    def engine(self):
        """What runs the endpoint's queries under the deadline: this worker's killable query
        processes, or the remote store (`serve --store`). Asked on every query: kept per process."""
        pid = os.getpid()
        if self._engine is None or self._engine[0] != pid:
            if isinstance(self.store, RemoteQueryStore):
                self._engine = (pid, RemoteEngine(self.store))
            else:
                from polegraph.query.processes.pool import pool_for

                self._engine = (pid, pool_for(self.release.dataset_path))
        return self._engine[1]


class _App(Flask):
    def ensure_sync(self, func):
        """Flask's, remembered per view or hook: it inspects each one on every request otherwise."""
        synced = self._synced.get(func)
        if synced is None:
            synced = self._synced[func] = super().ensure_sync(func)
        return synced

    @cached_property
    def _synced(self) -> dict:
        return {}


def create_app(settings: Settings | None = None, release: Release | None = None,
               store: Reads | None = None) -> Flask:
    """Build the Flask app over `release` (default: the current one of `settings`), reading it through
    `store` (default: the remote store of `settings`, else the release loaded in this process)."""
    from polegraph.web import errors, http, i18n, ratelimit
    from polegraph.web.views import downloads, explorer, health, home, ontology, pages, sparql, validate

    settings = settings or Settings()
    release = release or current_release(settings)
    if store is None and settings.store_url:
        store = RemoteQueryStore.for_release(settings.store_url, release, settings.query_timeout_s)
    elif store is None:
        store = Store.from_release(release)
    app = _App(__name__)
    app.config["MAX_CONTENT_LENGTH"] = settings.max_request_bytes
    app.extensions["polegraph"] = Service(settings=settings, release=release, store=store,
                                          queries=load_queries(settings.queries_dir))
    errors.register(app)
    ratelimit.register(app)  # before other hooks: a flooding client is answered 429 before any work
    http.register(app)  # CORS, ETag/304, gzip, request ids and URI limit for every route
    i18n.register(app)
    pages.register(app)
    for blueprint in (health.bp, sparql.bp, downloads.bp, validate.bp, home.bp, pages.bp, explorer.bp,
                      ontology.bp):
        app.register_blueprint(blueprint)
    from polegraph.web.query_lane import QueryLane

    app.wsgi_app = QueryLane(app)
    if settings.result_cache and settings.result_cache_bytes > 0:
        from polegraph.web.response_cache import ResponseCache

        app.wsgi_app = ResponseCache(app, settings.result_cache_bytes)
    return app
