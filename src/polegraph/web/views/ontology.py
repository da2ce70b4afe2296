"""The ontology at /ontology: pyLODE's documentation for browsers, the OWL itself by negotiation.

https://w3id.org/polegraph/ontology and its terms (…/ontology#Pole) resolve here; a term's fragment
is the anchor of its entry in the documentation (ontology_docs pins anchors to local names). The
ontology's version IRI (…/ontology/0.1.0) resolves here too while it is the version served.
"""

from __future__ import annotations

import pyoxigraph as ox
from flask import Blueprint, Response, abort, redirect, request

from polegraph.query.formats import GRAPH_FORMATS, HTML
from polegraph.query.results import GRAPH_SERIALISERS
from polegraph.vocab import ONTOLOGY_GRAPH, ONTOLOGY_IRI, ONTOLOGY_VERSION, OWL
from polegraph.web.app import service
from polegraph.web.content.ontology_docs import render_documentation
from polegraph.web.negotiation import negotiate

bp = Blueprint("ontology", __name__)
BACK_LINK = ('<nav style="padding:.5em 1em;font-family:sans-serif"><a href="/">← polegraph</a> · '
             '<a href="#verbs">verbes du texte / the text\'s verbs</a> · '
             '<a href="/cookbook">recettes de requêtes / query cookbook</a> · <a href="/sparql">SPARQL</a></nav>')


@bp.get("/ontology")
def ontology():
    svc = service()
    fmt = negotiate(request.headers.get("Accept"), (HTML, *GRAPH_FORMATS), request.args.get("format"))
    if fmt is None:
        abort(406, description="the ontology is available as HTML or " + ", ".join(f.name for f in GRAPH_FORMATS))
    path = svc.release.ontology_path
    if not path.is_file():
        abort(404, description="this release holds no ontology file")
    if fmt is HTML:
        html = render_documentation(path)  # cached per file version: pyLODE runs once per release
        html = html.replace("<body>", "<body>" + BACK_LINK, 1)
        return Response(html, content_type="text/html; charset=utf-8")
    if fmt.name == "turtle":
        return Response(path.read_bytes(), content_type="text/turtle; charset=utf-8")
    quads = list(ox.parse(path=str(path), format=ox.RdfFormat.TURTLE))
    triples = quads if fmt.name in ("trig", "nquads") else [ox.Triple(q.subject, q.predicate, q.object)
                                                           for q in quads]
    body = ox.serialize(triples, format=GRAPH_SERIALISERS[fmt.name])
    charset = "; charset=utf-8" if fmt.media_type.startswith("text/") else ""
    return Response(body, content_type=fmt.media_type + charset)


@bp.get("/ontology/<version>")
def ontology_version(version: str):
    """The ontology's version IRI: 303 to the ontology while it is the version this release holds."""
    rows = service().backend.select(
        f"SELECT ?v WHERE {{ GRAPH <{ONTOLOGY_GRAPH}> {{ <{ONTOLOGY_IRI}> <{OWL}versionIRI> ?v }} }}")
    served = [row["v"] for row in rows]
    if ONTOLOGY_VERSION + version not in served:
        abort(404, description=f"this release holds ontology version {', '.join(served) or 'none'}, "
                               f"not {ONTOLOGY_VERSION + version}")
    query = f"?{request.query_string.decode()}" if request.query_string else ""
    response = redirect("/ontology" + query, code=303)
    response.vary.add("Accept")
    return response
