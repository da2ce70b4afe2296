"""A way forward from an error page: what the reader was looking for, and the page they likely meant.

A mistyped path is usually one step from a real one: a trailing slash added or missing, capitals in
a slug, an IRI (/id/…) typed where its page (/page/…) was meant, a plural forgotten. Each candidate
is tried against the app's routes (and, for a resource page, against the graph); the first that
answers is offered. The last words of the path pre-fill the search box, and the first hits are shown.
"""

from __future__ import annotations

import re
from urllib.parse import unquote

from flask import current_app, request
from werkzeug.exceptions import HTTPException
from werkzeug.routing import RequestRedirect

from polegraph.vocab import ID, KINDS, SLUG_RE
from polegraph.web.app import service
from polegraph.web.content.describe import exists
from polegraph.web.content.search import near, search
from polegraph.web.views.pages import href

ROUTE_WORDS = {"page", "id", "data", "graph", "class", "downloads", "sparql"}
PLURALS = {"pole": "poles", "person": "people", "persons": "people", "initiative": "initiatives",
           "organisation": "organisations", "organization": "organisations", "place": "places",
           "figure": "figures", "section": "sections", "filieres": "value-chains", "value-chain": "value-chains"}


def looked_for(path: str) -> str:
    """The words a reader was after in `path`: its last meaningful segment, hyphens as spaces."""
    segments = [s for s in unquote(path).split("/") if s and s.lower() not in ROUTE_WORDS]
    if not segments:
        return ""
    word = re.sub(r"\.[a-z]{2,7}$", "", segments[-1])
    return " ".join(re.sub(r"[-_+]+", " ", word).split())[:100]


def _candidates(path: str) -> list[str]:
    path = unquote(path)
    out = [path.rstrip("/") or "/", path + "/", path.lower(), path.lower().rstrip("/")]
    if path.startswith("/id/"):
        out.append("/page/" + path[len("/id/"):].rstrip("/").lower())
    if path.startswith(("/page/", "/id/")):  # a slug mistyped, or its kind left out: find it by name
        out.extend(_found(path.rstrip("/").rsplit("/", 1)[-1]))
    first = path.strip("/").split("/")[0].lower()
    if first in PLURALS:
        out.append("/" + PLURALS[first])
    return [c for c in dict.fromkeys(out) if c != path]


def _found(words: str) -> list[str]:
    words = words.replace("-", " ")
    hits = search(service().backend, words, "fr", limit=1) or near(service().backend, words, "fr", limit=1)
    return [href(hits[0].iri)] if hits else []


def _answers(path: str) -> bool:
    adapter = current_app.url_map.bind("localhost")
    try:
        endpoint, values = adapter.match(path, method="GET")
    except (RequestRedirect, HTTPException):
        return False
    if endpoint == "pages.page":
        kind, slug = values["kind"], values["slug"]
        return kind in KINDS and bool(SLUG_RE.match(slug)) and exists(service().backend, f"{ID}{kind}/{slug}")
    return not values  # a fixed page; a route with a part to fill (a file, a class) might not answer


def likely_page(path: str) -> str:
    """The page the reader probably meant, or ""."""
    if len(path) > 300:
        return ""
    for candidate in _candidates(path):
        if _answers(candidate):
            return candidate
    return ""


def way_forward(status: int, lang: str) -> dict:
    """What an error page offers: the likely page, the search words and a few hits, the query sent."""
    path = request.path
    forward: dict = {"likely": "", "search_term": "", "hits": [], "query_text": ""}
    if status == 404:
        forward["likely"] = likely_page(path)
        forward["search_term"] = looked_for(path)
        if forward["search_term"]:
            hits = search(service().backend, forward["search_term"], lang, limit=5) or \
                near(service().backend, forward["search_term"], lang)
            forward["hits"] = [{"label": h.label, "href": href(h.iri)} for h in hits]
    elif status == 400 and path == "/sparql":
        forward["query_text"] = request.values.get("query", "")[:20000]
    return forward
