"""The query editor at /sparql for browsers: YASGUI (vendored), one titled tab per named query.

GET /sparql without a query answers this page to a browser (web/sparql.py decides). The page makes
no request to any other host: YASQE's prefix.cc and LOV autocompleters are switched off by setting
its defaults before YASGUI is created (static/editor.js), as KNOWN.md records.
"""

from __future__ import annotations

from urllib.parse import urlencode

import flask

from polegraph.vocab import PREFIXES
from polegraph.web.context import service
from polegraph.web.i18n import current_language, localised_page


def editor_queries() -> list[dict]:
    """The named queries as the editor's tabs: name, title and description in the reader's language,
    text and a CSV link."""
    language = current_language()
    return [{"name": q.name, "title": q.title_in(language), "description": q.description_in(language),
             "query": q.text, "csv": "/sparql?" + urlencode({"query": q.text, "format": "csv"})}
            for q in service().queries.values()]


def editor_page() -> flask.Response:
    """The editor's HTML page (GET /sparql from a browser, with no query)."""
    return localised_page("editor.html", queries=editor_queries(), prefixes=PREFIXES)
