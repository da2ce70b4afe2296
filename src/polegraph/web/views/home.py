"""The home page (what polegraph is, the release served, where to go next) and label search."""

from __future__ import annotations

from flask import Blueprint, request

from polegraph.vocab import PG
from polegraph.web.app import service
from polegraph.web.content.browse import table
from polegraph.web.content.describe import labels
from polegraph.web.content.lists import BY_NAME
from polegraph.web.content.search import search as search_labels
from polegraph.web.i18n import current_language, localised_page
from polegraph.web.views.browse import list_href, pole_note
from polegraph.web.views.pages import href
from polegraph.web.views.regions import region_map

bp = Blueprint("home", __name__)


@bp.get("/")
def home():
    svc = service()
    lang = current_language()
    meta = svc.release.metadata
    stats = meta.get("statistics", {})
    by_class = stats.get("entities_by_class", {})
    names = labels(svc.backend, by_class, lang)
    classes = sorted(({"label": names[iri], "href": list_href(iri), "count": n, "iri": iri}
                      for iri, n in by_class.items()), key=lambda c: c["label"].casefold())
    release = {"id": svc.release.id, "created": meta.get("created", ""),
               "triples": stats.get("triples", len(svc.backend)), "classes": classes}
    note = pole_note(table(svc.backend, BY_NAME["poles"], lang))
    return localised_page("home.html", release=release, note=note, pole=str(PG) + "Pole", map=region_map())


@bp.get("/search")
def search():
    svc = service()
    lang = current_language()
    query = request.args.get("q", "")[:200]
    hits = search_labels(svc.backend, query, lang) if query.strip() else []
    type_names = labels(svc.backend, {t for hit in hits for t in hit.types}, lang)
    shown = [{"label": h.label, "href": href(h.iri), "matched": h.matched,
              "types": [type_names[t] for t in h.types]} for h in hits]
    return localised_page("search.html", query=query, hits=shown)
