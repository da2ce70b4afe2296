"""Linked-data pages: /id/{kind}/{slug} answers 303 to the HTML page or to the data, by content
negotiation; /page/… is the readable page, /data/….{ext} the resource's statements in an RDF syntax.
/graph/{name} is a named graph of the release itself (a document, so no redirect): its statements in
the negotiated RDF syntax, or a short page saying what it holds.

Only well-formed IRIs of things the graph mentions resolve: anything else (unknown kind, malformed
slug, path tricks) is a 404 before the store is asked.
"""

from __future__ import annotations

from urllib.parse import urlencode

from flask import Blueprint, Response, abort, redirect, request

from polegraph.query.formats import GRAPH_FORMATS, HTML
from polegraph.vocab import GRAPH, ID, KINDS, MANIFESTO_IRI, PG, SLUG_RE
from polegraph.web.app import service
from polegraph.web.content.describe import describe, exists, graph_data, graph_size, json_ld, resource_data
from polegraph.web.content.manifesto import manifesto, paragraph_view, section_view
from polegraph.web.content.profile import profile
from polegraph.web.content.terms import labels
from polegraph.web.i18n import current_language, localised_page
from polegraph.web.negotiation import negotiate
from polegraph.web.views.browse import list_href

bp = Blueprint("pages", __name__)
EXTENSIONS = {"turtle": "ttl", "ntriples": "nt", "jsonld": "jsonld", "rdfxml": "rdf", "trig": "trig", "nquads": "nq"}
BY_EXTENSION = {ext: name for name, ext in EXTENSIONS.items()}
DATA_LINKS = (("Turtle", "turtle"), ("JSON-LD", "jsonld"), ("RDF/XML", "rdfxml"), ("N-Triples", "ntriples"),
              ("TriG", "trig"))
PAGE_FORMATS = (HTML, *GRAPH_FORMATS)
# Graphs each described in the message catalogues (graph.<name>).
KNOWN_GRAPHS = ("ontology", "vocabulary", "manifesto", "provenance", "inferred", "alignment")


def href(iri: str) -> str:
    """Where a link to `iri` goes: its page here, the ontology documentation, or the IRI itself."""
    if iri.startswith(ID):
        return "/page/" + iri[len(ID):]
    if iri.startswith(GRAPH):
        return "/graph/" + iri[len(GRAPH):]
    if iri.startswith(str(PG)):
        return "/ontology#" + iri[len(str(PG)):]
    if iri == str(PG)[:-1]:
        return "/ontology"
    return iri


def _thing(kind: str, slug: str) -> str:
    """The IRI of /id/{kind}/{slug}, or a 404 when it is malformed or the graph never mentions it."""
    if kind not in KINDS or not SLUG_RE.match(slug):
        abort(404, description="no such resource: the path is not a polegraph IRI")
    iri = f"{ID}{kind}/{slug}"
    if not exists(service().backend, iri):
        abort(404, description=f"no resource {iri} in this release")
    return iri


@bp.get("/id/<kind>/<slug>")
def resolve(kind: str, slug: str):
    _thing(kind, slug)
    fmt = negotiate(request.headers.get("Accept"), PAGE_FORMATS, request.args.get("format"))
    if fmt is None:
        names = ", ".join(f.media_type for f in PAGE_FORMATS)
        abort(406, description=f"this resource is available as {names}")
    target = f"/page/{kind}/{slug}" if fmt is HTML else f"/data/{kind}/{slug}.{EXTENSIONS[fmt.name]}"
    if fmt is HTML and request.args.get("lang"):  # the reader's choice of language follows the link
        target += "?" + urlencode({"lang": request.args["lang"]})
    response = redirect(target, code=303)
    response.vary.add("Accept")
    return response


@bp.get("/data/<kind>/<name>")
def data(kind: str, name: str):
    slug, _, ext = name.rpartition(".")
    if ext not in BY_EXTENSION:
        abort(404, description="unknown data format: use " + ", ".join(f".{e}" for e in BY_EXTENSION))
    iri = _thing(kind, slug)
    fmt = next(f for f in GRAPH_FORMATS if f.name == BY_EXTENSION[ext])
    charset = "; charset=utf-8" if fmt.media_type.startswith("text/") else ""
    return Response(resource_data(service().backend, iri, fmt.name), content_type=fmt.media_type + charset)


@bp.get("/page/<kind>/<slug>")
def page(kind: str, slug: str):
    iri = _thing(kind, slug)
    store, lang = service().backend, current_language()
    links = [(name, f"/data/{kind}/{slug}.{EXTENSIONS[fmt]}") for name, fmt in DATA_LINKS]
    if iri == MANIFESTO_IRI:
        return localised_page("manifesto.html", doc=manifesto(store, lang), data_links=links,
                              jsonld=json_ld(store, iri))
    context = {"data_links": links, "manifesto_href": href(MANIFESTO_IRI),
               "manifesto_title": labels(store, [MANIFESTO_IRI], lang)[MANIFESTO_IRI]}
    if kind == "section":
        query = f"SELECT ?s ?p ?o WHERE {{ GRAPH <{iri}> {{ ?s ?p ?o }} }} LIMIT 1000"
        return localised_page("section.html", v=section_view(store, iri, lang),
                              graph_query="/sparql?" + urlencode({"query": query}), **context)
    if kind == "paragraph":
        found = paragraph_view(store, iri, lang)
        if found is not None:
            view, entry = found
            index = view.paragraphs.index(entry)
            return localised_page("paragraph.html", v=view, pv=entry,
                                  previous=view.paragraphs[index - 1] if index else None,
                                  next=view.paragraphs[index + 1] if index + 1 < len(view.paragraphs) else None,
                                  **context)
    description = describe(store, iri, lang)
    kind_list = list_href(description.main_type.value) if description.main_type else ""
    return localised_page("resource.html", d=description, p=profile(store, description, lang),
                          kind_list=kind_list, jsonld=json_ld(store, iri), **context)


@bp.get("/manifesto")
def manifesto_page():
    """A guessable path to the manifesto's own page."""
    query = f"?{request.query_string.decode()}" if request.query_string else ""
    return redirect(href(MANIFESTO_IRI) + query, code=302)


@bp.get("/graph/<name>")
def named_graph(name: str):
    iri = GRAPH + name
    if not SLUG_RE.match(name) or iri not in service().backend.named_graphs():
        abort(404, description=f"no graph {iri} in this release")
    fmt = negotiate(request.headers.get("Accept"), PAGE_FORMATS, request.args.get("format"))
    if fmt is None:
        abort(406, description="this graph is available as " + ", ".join(f.media_type for f in PAGE_FORMATS))
    if fmt is HTML:
        links = [(label, f"/graph/{name}?format={fmt_name}") for label, fmt_name in DATA_LINKS]
        response = localised_page("graph.html", name=name, iri=iri, size=graph_size(service().backend, iri),
                                  description="graph." + (name if name in KNOWN_GRAPHS else "other"),
                                  data_links=links)
    else:
        charset = "; charset=utf-8" if fmt.media_type.startswith("text/") else ""
        response = Response(graph_data(service().backend, iri, fmt.name), content_type=fmt.media_type + charset)
    response.vary.add("Accept")
    return response


def register(app) -> None:
    app.jinja_env.filters["href"] = href
