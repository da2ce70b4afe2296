"""The web face: an app factory holding one built release, and one small blueprint per area.

The web layer only translates HTTP into calls of the core (store, engine, queries, validate…); it
holds no knowledge of the graph itself.
"""

from __future__ import annotations

from dataclasses import dataclass

from flask import Flask

from ..build import Release, current_release
from ..queries import NamedQuery, load_queries
from ..remote import RemoteEngine, RemoteQueryStore
from ..settings import Settings
from ..store import Reads, Store


@dataclass
class Service:
    """What every request needs: the settings, the release served and its store, the named queries."""

    settings: Settings
    release: Release
    store: Reads  # a Store, a PooledStore (under `polegraph serve`) or a RemoteQueryStore
    queries: dict[str, NamedQuery]

    def engine(self):
        """What runs the endpoint's queries under the deadline: this worker's killable query
        processes, or the remote store (`serve --store`)."""
        if isinstance(self.store, RemoteQueryStore):
            return RemoteEngine(self.store)
        from ..engine import pool_for

        return pool_for(self.release.dataset_path)


def create_app(settings: Settings | None = None, release: Release | None = None,
               store: Reads | None = None) -> Flask:
    """Build the Flask app over `release` (default: the current one of `settings`), reading it through
    `store` (default: the remote store of `settings`, else the release loaded in this process)."""
    from . import downloads, errors, explorer, health, home, http, i18n, ontology, pages, ratelimit, sparql, validate

    settings = settings or Settings()
    release = release or current_release(settings)
    if store is None and settings.store_url:
        store = RemoteQueryStore.for_release(settings.store_url, release, settings.query_timeout_s)
    elif store is None:
        store = Store.from_release(release)
    app = Flask(__name__)
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
    if settings.result_cache and settings.result_cache_bytes > 0:
        from .response_cache import ResponseCache

        app.wsgi_app = ResponseCache(app, settings.result_cache_bytes)
    return app
