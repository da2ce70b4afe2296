"""The SPARQL 1.1 Protocol query operation at /sparql (GET, POST form, POST sparql-query), read-only.

This module only translates HTTP: it reads the one query of the request, has it checked
(sparql_guard), negotiates the format, and hands it to the query processes (engine) that enforce the
deadline. Without a query, GET /sparql answers the service description, or the query editor to a browser.
The usual GET is answered before Flask by query_lane.py, with prepare_query, run_query and answer_headers.
"""

from __future__ import annotations

import functools
import logging

import pyoxigraph as ox
from flask import Blueprint, Response, current_app, request
from werkzeug.exceptions import HTTPException

from polegraph.query.cache import caches_for, result_key
from polegraph.query.guard import CheckedQuery, check_dataset_parameters, check_query, rewrite_describe
from polegraph.query.processes.pool import QueryAnswer, QueryRequest
from polegraph.query.results import GRAPH_SERIALISERS
from polegraph.web.content.service_description import PREFIXES, describe_service, statistics
from polegraph.web.context import service
from polegraph.web.negotiation import GRAPH_FORMATS, HTML, RESULT_FORMATS, Format, negotiate

bp = Blueprint("sparql", __name__)
log = logging.getLogger("polegraph.web.views.sparql")
READ_ONLY = "this endpoint is read-only: SPARQL Update is not accepted (use a local copy of the data to change it)"
TRUNCATED_HEADER = "Polegraph-Results-Truncated"
CACHE_HEADER = "Polegraph-Cache"  # hit / miss of the result cache (absent when it is off)
GRAPH_FORMS = ("CONSTRUCT", "DESCRIBE")
# A QueryError, QueryTimeout… of a query the lane (query_lane.py) already ran: the view raises it instead of
# running the query again, so the error is answered in the app's one shape.
ENGINE_FAILURE = "polegraph.engine_failure"


class ProtocolError(HTTPException):
    """A request the SPARQL Protocol rejects, with the status it names and a message saying why."""

    def __init__(self, code: int, message: str):
        super().__init__(description=message)
        self.code = code


def _endpoint_state(app=None) -> dict:
    """Per-app facts computed once: the release's graphs (the only ones a query may name) and VoID counts."""
    app = app or current_app
    state = app.extensions.get("polegraph.endpoint")
    if state is None:
        store = app.extensions["polegraph"].store
        state = {"graphs": set(store.named_graphs()), "statistics": statistics(store)}
        app.extensions["polegraph.endpoint"] = state
    return state


def _single(values: list[str], name: str) -> str | None:
    if len(values) > 1:
        raise ProtocolError(400, f"one {name} per request: got {len(values)} '{name}' parameters")
    return values[0] if values else None


def _read_query(request) -> tuple[str | None, list[str], list[str]]:
    """(query text or None, default-graph-uri values, named-graph-uri values) of `request` (the
    request object itself, not Flask's proxy: each attribute read through the proxy costs a look-up)."""
    args = request.args
    if args.getlist("update"):
        raise ProtocolError(403, READ_ONLY)
    graphs = (args.getlist("default-graph-uri"), args.getlist("named-graph-uri"))
    if request.method in ("GET", "HEAD"):
        return _single(args.getlist("query"), "query"), *graphs
    content_type = (request.mimetype or "").lower()
    charset = (request.mimetype_params.get("charset") or "utf-8").lower()
    if content_type == "application/sparql-update":
        raise ProtocolError(403, READ_ONLY)
    if content_type == "application/x-www-form-urlencoded":
        form = request.form
        if form.getlist("update"):
            raise ProtocolError(403, READ_ONLY)
        text = _single(args.getlist("query") + form.getlist("query"), "query")
        return text, graphs[0] + form.getlist("default-graph-uri"), graphs[1] + form.getlist("named-graph-uri")
    if content_type == "application/sparql-query":
        if charset not in ("utf-8", "utf8"):
            raise ProtocolError(415, f"a SPARQL query must be sent as UTF-8, not {charset}")
        if args.getlist("query"):
            raise ProtocolError(400, "one query per request: a query in both the URL and the body")
        try:
            return request.get_data().decode("utf-8"), *graphs
        except UnicodeDecodeError:
            raise ProtocolError(400, "the query body is not valid UTF-8") from None
    raise ProtocolError(415, "POST a query as application/sparql-query or application/x-www-form-urlencoded "
                             f"(got {content_type or 'no content type'})")


@functools.lru_cache(maxsize=256)
def _query_format(accept: str | None, is_graph: bool, requested: str | None):
    """negotiate() for a query's answer, remembered per (Accept, kind, format): clients send few
    distinct Accept headers, and parsing one costs more than the look-up."""
    return negotiate(accept, GRAPH_FORMATS if is_graph else RESULT_FORMATS, requested)


@bp.route("/sparql", methods=["GET", "POST"])
def sparql():
    svc = service()
    req = request._get_current_object()  # read below a dozen times: once through the proxy
    text, default_graphs, named_graphs = _read_query(req)
    if text is None:
        if req.method in ("GET", "HEAD") and set(req.args) <= {"format", "lang"}:
            return _service_description()
        raise ProtocolError(400, "missing 'query' parameter")
    settings = svc.settings
    if (len(text) if text.isascii() else len(text.encode("utf-8"))) > settings.max_query_bytes:
        raise ProtocolError(413 if req.method == "POST" else 414,
                            f"the query is longer than this endpoint's limit of {settings.max_query_bytes} bytes")
    app = current_app._get_current_object()
    base_iri = req.base_url
    checked, fmt, job = prepare_query(app, text, base_iri, req.environ.get("HTTP_ACCEPT"), req.values.get("format"),
                                      default_graphs, named_graphs)
    if fmt is None:  # a syntax error still says so (in the text the client asked for), else 406
        svc.engine().run(QueryRequest(query=text, syntax_only=True, base_iri=base_iri), settings.query_timeout_s)
        names = ", ".join(f.name for f in (GRAPH_FORMATS if checked.form in GRAPH_FORMS else RESULT_FORMATS))
        raise ProtocolError(406, f"no acceptable format for a {checked.form} query: this endpoint offers {names} "
                                 "(Accept header or format parameter)")
    handed_over = req.environ.get(ENGINE_FAILURE)
    if handed_over is not None:  # the query lane ran this very query, and the engine refused or failed it
        raise handed_over
    answer, hit = run_query(app, checked, job)
    return Response(answer.body, headers=answer_headers(fmt, answer, hit, settings.max_rows))


def prepare_query(app, text: str, base_iri: str, accept: str | None, requested_format: str | None,
                  default_graphs: list[str], named_graphs: list[str]
                  ) -> tuple[CheckedQuery, Format | None, QueryRequest | None]:
    """The checked query, its negotiated format and the job for the engine (no format: None, None).

    Raises what the checks refuse. Shared by the view and the query lane (query_lane.py)."""
    settings = app.extensions["polegraph"].settings
    graphs = _endpoint_state(app)["graphs"]
    guard_memo, _ = caches_for(app.extensions, settings.result_cache, settings.result_cache_bytes)
    checked = guard_memo.check(text, base_iri, lambda: check_query(text, graphs, base_iri))
    check_dataset_parameters(default_graphs, named_graphs, graphs)
    fmt = _query_format(accept, checked.form in GRAPH_FORMS, requested_format)
    if fmt is None:
        return checked, None, None
    protocol_dataset = bool(default_graphs or named_graphs)
    job = QueryRequest(
        query=rewrite_describe(checked) or text,
        result_format=fmt.name, graph_format=fmt.name, max_rows=settings.max_rows,
        default_graphs=default_graphs if protocol_dataset else None,
        named_graphs=named_graphs if protocol_dataset else None,
        prefixes=checked.prefixes or None, base_iri=base_iri,
    )
    return checked, fmt, job


def run_query(app, checked: CheckedQuery, job: QueryRequest) -> tuple[QueryAnswer, bool | None]:
    """The engine's answer to `job`, and whether the result cache had it (None: the cache is off)."""
    svc = app.extensions["polegraph"]
    settings = svc.settings
    _, results = caches_for(app.extensions, settings.result_cache, settings.result_cache_bytes)
    pool = svc.engine()
    if results is None:
        answer, hit = pool.run(job, settings.query_timeout_s), None
    else:  # after every check: the cache changes how fast an answer comes, never which requests get one
        answer, hit = results.run(result_key(svc.release.id, checked, job),
                                  lambda: pool.run(job, settings.query_timeout_s))
    log.debug("query %s %s rows=%d truncated=%s %.3fs", checked.form, job.result_format, answer.rows,
              answer.truncated, answer.seconds)
    return answer, hit


def answer_headers(fmt: Format, answer: QueryAnswer, hit: bool | None, max_rows: int) -> list[tuple[str, str]]:
    """The headers of a query's answer, before those every answer gets (web/http.py)."""
    charset = "; charset=utf-8" if fmt.media_type.startswith("text/") else ""
    headers = [("Content-Type", fmt.media_type + charset)]
    if hit is not None:
        headers.append((CACHE_HEADER, "hit" if hit else "miss"))
    if answer.truncated:
        headers += [(TRUNCATED_HEADER, "true"), ("Polegraph-Max-Rows", str(max_rows))]
    return headers


@bp.record_once
def _compute_endpoint_state(state) -> None:
    """The endpoint's statistics, computed once when the app is made (not by its first request)."""
    if state.app.extensions.get("polegraph") is not None:
        _endpoint_state(state.app)


def _service_description() -> Response:
    """The SD + VoID of the endpoint in the RDF syntax asked for, or the query editor for a browser."""
    fmt = negotiate(request.headers.get("Accept"), (*GRAPH_FORMATS, HTML), request.args.get("format"))
    if fmt is None:
        raise ProtocolError(406, "the service description is available as HTML or "
                                 + ", ".join(f.name for f in GRAPH_FORMATS))
    if fmt is HTML:
        from polegraph.web.views.editor import editor_page

        return editor_page()
    svc = service()
    triples = describe_service(
        request.base_url, _endpoint_state()["statistics"], release_id=svc.release.id,
        timeout_s=svc.settings.query_timeout_s, max_rows=svc.settings.max_rows,
        max_query_bytes=svc.settings.max_query_bytes)
    items = triples if fmt.name not in ("trig", "nquads") else \
        [ox.Quad(t.subject, t.predicate, t.object, ox.DefaultGraph()) for t in triples]
    prefixes = PREFIXES if fmt.name in ("turtle", "trig", "rdfxml") else None
    body = ox.serialize(items, format=GRAPH_SERIALISERS[fmt.name], prefixes=prefixes)
    charset = "; charset=utf-8" if fmt.media_type.startswith("text/") else ""
    return Response(body, content_type=fmt.media_type + charset)
