"""The query editor at /sparql for browsers: YASGUI (vendored), the named queries in an examples picker.

GET /sparql from a browser (HTML preferred, no `format` parameter) answers this page (web/endpoint.py
decides); with `?query=…` the page opens that query in a tab of its own and runs it, so a query link
works in a browser as it does for a program. The page makes no request to any other host: YASQE's
prefix.cc and LOV autocompleters are replaced before YASGUI is created (static/editor.js), and the
class and property completers offer the ontology's own terms.
"""

from __future__ import annotations

import functools
from urllib.parse import urlencode

import flask
from flask import Blueprint, request

from polegraph.query.named import TOPICS
from polegraph.vocab import OWL, PG, PREFIXES, RDF
from polegraph.web.app import service
from polegraph.web.i18n import current_language, localised_page, translate

# The words of editor.js, in the page's language (message keys editor.js.*).
SCRIPT_WORDS = ("tab", "tabs", "shared", "truncated", "error_at", "error", "table", "response", "run",
                "share", "add_tab", "close_tab", "download", "filter", "show_all", "search", "info", "info_empty",
                "empty", "zero", "length", "first", "last", "next", "previous", "page_size", "simple_view",
                "ellipsis")


def editor_queries() -> list[dict]:
    """The named queries as the examples picker offers them: name, title, description and topic in the
    reader's language, and the text to open (parameters written with their defaults)."""
    language = current_language()
    out = []
    for q in service().queries.values():
        text = q.text_with()
        out.append({"name": q.name, "title": q.title_in(language), "description": q.description_in(language),
                    "topic": q.topic, "starter": q.starter or 0, "query": text, "page": f"/queries/{q.name}",
                    "csv": "/sparql?" + urlencode({"query": text, "format": "csv"})})
    return out


@functools.lru_cache(maxsize=8)
def _ontology_terms(backend) -> dict[str, list[str]]:
    rows = backend.select(f"SELECT DISTINCT ?t ?k WHERE {{ VALUES ?k {{ <{OWL}Class> <{OWL}ObjectProperty> "
                          f"<{OWL}DatatypeProperty> }} ?t <{RDF}type> ?k FILTER(STRSTARTS(STR(?t), \"{PG}\")) }}")
    classes = sorted({r["t"] for r in rows if r["k"].endswith("Class")})
    properties = sorted({r["t"] for r in rows if not r["k"].endswith("Class")})
    return {"classes": classes, "properties": properties}


bp = Blueprint("editor", __name__)


@bp.get("/sparql")
def editor_page() -> flask.Response:
    """The editor's HTML page (GET /sparql from a browser)."""
    queries = editor_queries()
    topics = [(topic, translate(f"topic.{topic}"), [q for q in queries if q["topic"] == topic]) for topic in TOPICS]
    words = {key: translate(f"editor.js.{key}") for key in SCRIPT_WORDS}
    return localised_page("editor.html", queries=queries, topics=[t for t in topics if t[2]], prefixes=PREFIXES,
                          shared=request.args.get("query", ""), words=words,
                          terms=_ontology_terms(service().backend))
