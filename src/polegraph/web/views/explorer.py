"""The graph explorer: a page (Cytoscape.js, vendored) and the JSON it draws, computed by the core
(polegraph.web.content.explore) with SPARQL on the store, once per release and language."""

from __future__ import annotations

from flask import Blueprint, jsonify, request

from polegraph.web.app import service
from polegraph.web.content.explore import GROUPS, explorer_graph
from polegraph.web.i18n import DEFAULT, LANGUAGES, localised_page, translate
from polegraph.web.views.pages import href

bp = Blueprint("explorer", __name__)
SCRIPT_WORDS = ("overview", "unplaced", "capped", "focus", "neighbours")


@bp.get("/explorer")
def explorer():
    from polegraph.web.views.regions import region_map

    names = {group: translate(f"group.{group}.one") for group in GROUPS}
    words = {key: translate(f"explorer.js.{key}") for key in SCRIPT_WORDS}
    return localised_page("explorer.html", groups=GROUPS, group_names=names, words=words, map=region_map())


@bp.get("/explorer/graph.json")
def graph():
    """Nodes and edges in the language of `?lang=` (the URL names it, so caches key on it)."""
    lang = request.args.get("lang", "")
    lang = lang if lang in LANGUAGES else DEFAULT  # never the cookie's: the URL alone decides, for caches
    data = explorer_graph(service().backend, lang)
    nodes = [{**node, "page": href(node["id"])} for node in data["nodes"]]
    return jsonify({**data, "nodes": nodes, "lang": lang})
