"""The query editor at /sparql for browsers: YASGUI (vendored), one titled tab per named query.

GET /sparql from a browser (HTML preferred, no `format` parameter) answers this page (web/endpoint.py
decides). The page makes no request to any other host: YASQE's prefix.cc and LOV autocompleters are
switched off by setting its defaults before YASGUI is created (static/editor.js), as
docs/known-limitations.md records.
"""

from __future__ import annotations

from urllib.parse import urlencode

import flask
from flask import Blueprint

from polegraph.vocab import PREFIXES
from polegraph.web.app import service
from polegraph.web.i18n import current_language, localised_page


def editor_queries() -> list[dict]:
    """The named queries as the editor's tabs: name, title and description in the reader's language,
    text and a CSV link."""
    language = current_language()
    return [{"name": q.name, "title": q.title_in(language), "description": q.description_in(language),
             "query": q.text, "csv": "/sparql?" + urlencode({"query": q.text, "format": "csv"})}
            for q in service().queries.values()]


bp = Blueprint("editor", __name__)


@bp.get("/sparql")
def editor_page() -> flask.Response:
    """The editor's HTML page (GET /sparql from a browser)."""
    return localised_page("editor.html", queries=editor_queries(), prefixes=PREFIXES)
