"""The SPARQL 1.1 Protocol query operation at /sparql (GET, POST form, POST sparql-query)."""

from __future__ import annotations

import pyoxigraph as ox
from flask import Blueprint, Response, request

from ..errors import QueryError
from ..negotiation import GRAPH_FORMATS, RESULT_FORMATS, negotiate
from .context import service
from .errors import error_response

bp = Blueprint("sparql", __name__)

_RESULT_SERIALISERS = {
    "json": ox.QueryResultsFormat.JSON, "xml": ox.QueryResultsFormat.XML,
    "csv": ox.QueryResultsFormat.CSV, "tsv": ox.QueryResultsFormat.TSV,
}
_GRAPH_SERIALISERS = {
    "turtle": ox.RdfFormat.TURTLE, "ntriples": ox.RdfFormat.N_TRIPLES, "jsonld": ox.RdfFormat.JSON_LD,
    "rdfxml": ox.RdfFormat.RDF_XML, "trig": ox.RdfFormat.TRIG, "nquads": ox.RdfFormat.N_QUADS,
}


def _query_text() -> str | None:
    if request.method == "POST":
        content_type = (request.mimetype or "").lower()
        if content_type == "application/sparql-query":
            return request.get_data(as_text=True)
        if content_type == "application/x-www-form-urlencoded":
            return request.form.get("query")
        raise QueryError(f"unsupported content type {content_type or '(none)'} for a SPARQL query")
    return request.args.get("query")


@bp.route("/sparql", methods=["GET", "POST"])
def sparql():
    text = _query_text()
    if text is None:
        return error_response(400, "query-error", "missing 'query' parameter")
    results = service().store.query(text)
    requested = request.values.get("format")
    if isinstance(results, ox.QueryTriples):
        fmt = negotiate(request.headers.get("Accept"), GRAPH_FORMATS, requested)
        if fmt is None:
            return error_response(406, "not-acceptable", "no acceptable RDF serialisation for this query")
        body = results.serialize(format=_GRAPH_SERIALISERS[fmt.name])
    else:
        fmt = negotiate(request.headers.get("Accept"), RESULT_FORMATS, requested)
        if fmt is None:
            return error_response(406, "not-acceptable", "no acceptable results format for this query")
        body = results.serialize(format=_RESULT_SERIALISERS[fmt.name])
    charset = "; charset=utf-8" if fmt.media_type.startswith("text/") else ""
    return Response(body, content_type=fmt.media_type + charset)
