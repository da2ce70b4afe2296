"""The web face: an app factory holding one built release, and one small blueprint per area.

The web layer only translates HTTP into calls of the core (store, queries, validate…); it holds
no knowledge of the graph itself.
"""

from __future__ import annotations

from dataclasses import dataclass

from flask import Flask

from ..build import Release, current_release
from ..queries import NamedQuery, load_queries
from ..settings import Settings
from ..store import Store


@dataclass
class Service:
    """What every request needs: the settings, the release served and its store, the named queries."""

    settings: Settings
    release: Release
    store: Store
    queries: dict[str, NamedQuery]


def create_app(settings: Settings | None = None, release: Release | None = None) -> Flask:
    """Build the Flask app over `release` (default: the current one of `settings`)."""
    settings = settings or Settings()
    release = release or current_release(settings)
    app = Flask(__name__)
    app.config["MAX_CONTENT_LENGTH"] = settings.max_request_bytes
    app.extensions["polegraph"] = Service(
        settings=settings, release=release, store=Store.from_release(release),
        queries=load_queries(settings.queries_dir),
    )
    from . import downloads, errors, health, sparql, validate

    errors.register(app)
    from . import ratelimit

    ratelimit.register(app)  # first: a flooding client is answered 429 before any other work
    from . import http

    http.register(app)  # CORS, ETag/304, gzip, request ids and URI limit for every route
    for blueprint in (health.bp, sparql.bp, downloads.bp, validate.bp):
        app.register_blueprint(blueprint)
    from . import explorer, home, i18n, ontology, pages  # the web face: pages, editor, explorer (issue 9)

    i18n.register(app)
    pages.register(app)
    for blueprint in (home.bp, pages.bp, explorer.bp, ontology.bp):
        app.register_blueprint(blueprint)
    return app
