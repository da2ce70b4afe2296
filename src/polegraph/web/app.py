"""The app factory: one release, its backend, its endpoint and its pages, as one WSGI application.

`create_app` returns the Flask app of the pages with the HTTP layer (web/http.py) around it as its WSGI
middleware (Flask's documented `app.wsgi_app` wrapping): the endpoint answers /sparql in that layer,
and Flask answers the pages. The web layer only translates HTTP into calls of the query layer and the
page read-models (web/content/); it holds no knowledge of the graph itself.
"""

from __future__ import annotations

from dataclasses import dataclass

from flask import Flask, current_app

from polegraph.pipeline.release import Release, current_release
from polegraph.pipeline.void import void_statistics
from polegraph.query.backend import Backend, LocalBackend
from polegraph.query.named import NamedQuery, load_queries
from polegraph.query.remote import RemoteBackend
from polegraph.settings import Settings
from polegraph.web.admission import Admission


@dataclass
class Service:
    """What every request needs: the settings, the release served, its backend, the named queries, and
    the figures computed once per release."""

    settings: Settings
    release: Release
    backend: Backend
    queries: dict[str, NamedQuery]
    statistics: dict


def service() -> Service:
    """The Service of the app handling this request (for views)."""
    return current_app.extensions["polegraph"]


def release_statistics(release: Release, backend: Backend) -> dict:
    """The VoID counts the build kept in the release, or counted now for a release built before it did."""
    return release.metadata.get("void") or void_statistics(backend.select)


def create_app(settings: Settings | None = None, release: Release | None = None,
               backend: Backend | None = None, admission: Admission | None = None) -> Flask:
    """The service over `release` (default: the current one of `settings`), reading it through `backend`
    (default: the remote store of `settings`, else the release loaded in this process). `admission`:
    the clients' shares of the service, when they outlive this app (`polegraph serve`: every release
    served by the same workers draws on the same shares)."""
    from polegraph.web import errors, i18n
    from polegraph.web.http import Site
    from polegraph.web.views import (
        browse,
        cookbook,
        downloads,
        editor,
        explorer,
        health,
        home,
        ontology,
        pages,
        shapes,
        validate,
    )
    from polegraph.web.views import queries as question_pages
    from polegraph.web.views import regions as region_pages

    settings = settings or Settings()
    release = release or current_release(settings)
    if backend is None:
        backend = RemoteBackend(settings, release) if settings.store_url else LocalBackend.from_release(release)
    app = Flask(__name__)
    app.config["MAX_CONTENT_LENGTH"] = settings.max_request_bytes
    app.extensions["polegraph"] = Service(settings=settings, release=release, backend=backend,
                                          queries=load_queries(settings.queries_dir),
                                          statistics=release_statistics(release, backend))
    errors.register(app)
    i18n.register(app)
    pages.register(app)
    for blueprint in (health.bp, editor.bp, downloads.bp, validate.bp, home.bp, pages.bp, explorer.bp, ontology.bp,
                      cookbook.bp, question_pages.bp, region_pages.bp, browse.bp, shapes.bp):
        app.register_blueprint(blueprint)
    app.wsgi_app = Site(app, app.wsgi_app, admission or Admission(settings))
    return app
