"""The pôles on a map of France: /regions/ (the map and its table) and /regions/{slug}, the page a region of
the map leads to, listing what the map counts there (web/content/regions.py)."""

from __future__ import annotations

from flask import Blueprint, abort

from polegraph.vocab import ID, SLUG_RE
from polegraph.web.app import service
from polegraph.web.content.describe import labels
from polegraph.web.content.regions import KINDS, MAP_QUERY, counts, map_regions, region_lists
from polegraph.web.i18n import current_language, localised_page

bp = Blueprint("regions", __name__)


def region_map() -> dict | None:
    """The map's data for a template, or None when the named query of its counts is absent."""
    svc = service()
    query = svc.queries.get(MAP_QUERY)
    return map_regions(svc.backend, query, current_language()) if query else None


@bp.get("/regions/")
def index():
    found = region_map()
    if found is None:
        abort(404, description=f"no named query {MAP_QUERY} in this project")
    return localised_page("regions.html", map=found)


@bp.get("/regions/<slug>")
def region(slug: str):
    svc = service()
    iri = f"{ID}place/{slug}"
    query = svc.queries.get(MAP_QUERY)
    known = {row["iri"]: code for code, row in counts(svc.backend, query).items()} if query else {}
    if not SLUG_RE.match(slug) or iri not in known:
        abort(404, description=f"no region {slug!r} with an INSEE code in this release (the map: /regions/)")
    lang = current_language()
    return localised_page("region.html", iri=iri, code=known[iri], label=labels(svc.backend, [iri], lang)[iri],
                          kinds=KINDS, lists=region_lists(svc.backend, iri, lang))
