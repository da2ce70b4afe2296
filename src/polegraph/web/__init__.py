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
    from . import errors, health, sparql

    errors.register(app)
    for blueprint in (health.bp, sparql.bp):
        app.register_blueprint(blueprint)
    return app
