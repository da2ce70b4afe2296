"""The SPARQL 1.1 Protocol query operation at /sparql, read-only, implemented once.

GET (query in the URL), POST of a form, and POST of `application/sparql-query`; every limit, check and
negotiation; the answer from the one cache or the backend under the deadline. Without a query, GET
/sparql answers the service description. A browser (HTML preferred, no `format` parameter) is handed
to the query editor, a page of the Flask app. Everything every route gets (request id, size and rate
limits, CORS, ETag/304, gzip, the log line, the error shape) is done around this by web/http.py.

This is plain WSGI rather than a Flask view: for a small query Flask's per-request machinery costs as
much as everything the endpoint does (docs/benchmarks.md).
"""

from __future__ import annotations

import functools
import gzip

import pyoxigraph as ox
import yarl
from werkzeug.http import parse_accept_header
from werkzeug.wsgi import get_current_url

from polegraph.errors import RequestRefused
from polegraph.query.backend import QueryAnswer, QueryRequest
from polegraph.query.cache import QueryCache, answer_key
from polegraph.query.formats import GRAPH_FORMATS, RESULT_FORMATS, Format
from polegraph.query.guard import check_dataset_parameters, check_query, rewrite_describe
from polegraph.query.results import GRAPH_SERIALISERS
from polegraph.web.content.service_description import PREFIXES, describe_service
from polegraph.web.errors import wants_html
from polegraph.web.negotiation import negotiate

PATH = "/sparql"
READ_ONLY = "this endpoint is read-only: SPARQL Update is not accepted (use a local copy of the data to change it)"
TRUNCATED_HEADER = "Polegraph-Results-Truncated"
CACHE_HEADER = "Polegraph-Cache"  # hit / miss of answer reuse (absent when it is off)
GRAPH_FORMS = ("CONSTRUCT", "DESCRIBE")
GZIP_MIN_BYTES = 1024
GZIP_LEVEL = 5
METHODS = "GET, HEAD, POST, OPTIONS"
FORM = "application/x-www-form-urlencoded"


def accepts_gzip(environ: dict) -> bool:
    """Whether the client takes gzip (Accept-Encoding)."""
    return _takes_gzip(environ.get("HTTP_ACCEPT_ENCODING"))


@functools.lru_cache(maxsize=256)  # clients send few distinct values; parsing one costs more than the look-up
def _takes_gzip(accept_encoding: str | None) -> bool:
    return parse_accept_header(accept_encoding)["gzip"] > 0


def compressed(body: bytes, environ: dict) -> bytes | None:
    """`body` gzipped when the client takes gzip and it is worth it, else None."""
    if len(body) >= GZIP_MIN_BYTES and accepts_gzip(environ):
        return gzip.compress(body, compresslevel=GZIP_LEVEL)
    return None


def query_parameters(query_string: str) -> list[tuple[str, str]]:
    """The (name, value) pairs of a query string or form body, in order, as `urllib.parse.parse_qsl`
    (keep_blank_values, errors="replace") reads them, with yarl's unquoting (in C: a long query has
    hundreds of escapes). Raw bytes of the URL (WSGI hands them as Latin-1) are read as UTF-8."""
    if not query_string.isascii():
        query_string = query_string.encode("latin-1", "replace").decode("utf-8", "replace")
    return list(yarl.URL.build(query_string=query_string, encoded=True).query.items())


_URL_KEYS = ("wsgi.url_scheme", "HTTP_HOST", "SERVER_NAME", "SERVER_PORT", "SCRIPT_NAME", "PATH_INFO")


def request_url(environ: dict) -> str:
    """The request's URL without its query string (werkzeug's reading: the host checked)."""
    return _request_url(tuple(environ.get(key) for key in _URL_KEYS))


@functools.lru_cache(maxsize=256)  # a function of these few values, the same on almost every request
def _request_url(values: tuple) -> str:
    return get_current_url({k: v for k, v in zip(_URL_KEYS, values, strict=True) if v is not None},
                           strip_querystring=True)


class Endpoint:
    """The endpoint of one app (one release): its backend, its cache, its limits."""

    def __init__(self, service):
        self.service = service
        settings = service.settings
        self.settings = settings
        self.graphs = set(service.backend.named_graphs())
        self.cache = QueryCache(settings.result_cache_bytes, keep_answers=settings.result_cache)

    def hands_to_pages(self, environ: dict, parameters: list[tuple[str, str]]) -> bool:
        """A browser asking for /sparql without a `format`: the editor (a page) answers, not the protocol."""
        return (environ.get("REQUEST_METHOD") in ("GET", "HEAD") and not any(n == "format" for n, _ in parameters)
                and wants_html(environ.get("HTTP_ACCEPT")))

    def answer(self, environ: dict, parameters: list[tuple[str, str]]) -> tuple[str, list, bytes]:
        """(status line, headers, body) of a protocol request; refusals are raised as PolegraphErrors."""
        method = environ.get("REQUEST_METHOD")
        if method not in ("GET", "HEAD", "POST"):
            raise RequestRefused(405, "method-not-allowed", f"{method} is not a SPARQL Protocol method here",
                                 headers={"Allow": METHODS})
        text, default_graphs, named_graphs = self._read(environ, method, parameters)
        requested = _last(parameters, "format")
        if text is None:
            if method in ("GET", "HEAD") and all(name in ("format", "lang") for name, _ in parameters):
                return self._service_description(environ, requested)
            raise RequestRefused(400, "bad-request", "missing 'query' parameter")
        limit = self.settings.max_query_bytes
        if (len(text) if text.isascii() else len(text.encode("utf-8"))) > limit:
            status, kind = (413, "request-entity-too-large") if method == "POST" else (414, "request-uri-too-long")
            raise RequestRefused(status, kind, f"the query is longer than this endpoint's limit of {limit} bytes")
        base_iri = request_url(environ)
        checked = self.cache.checked(text, base_iri, lambda: check_query(text, self.graphs, base_iri))
        check_dataset_parameters(default_graphs, named_graphs, self.graphs)
        formats = GRAPH_FORMATS if checked.form in GRAPH_FORMS else RESULT_FORMATS
        fmt = negotiate(environ.get("HTTP_ACCEPT"), formats, requested)
        if fmt is None:  # a syntax error still says so, else 406
            self.service.backend.run(QueryRequest(query=text, syntax_only=True, base_iri=base_iri),
                                     self.settings.query_timeout_s)
            names = ", ".join(f.name for f in formats)
            raise RequestRefused(406, "not-acceptable", f"no acceptable format for a {checked.form} query: this "
                                 f"endpoint offers {names} (Accept header or format parameter)")
        dataset = bool(default_graphs or named_graphs)
        job = QueryRequest(query=rewrite_describe(checked) or text, result_format=fmt.name, graph_format=fmt.name,
                           max_rows=self.settings.max_rows, default_graphs=default_graphs if dataset else None,
                           named_graphs=named_graphs if dataset else None, prefixes=checked.prefixes or None,
                           base_iri=base_iri)
        answer, hit = self.cache.answer(answer_key(checked, job),
                                        lambda: self.service.backend.run(job, self.settings.query_timeout_s))
        headers, body = self._headers(fmt, answer, hit), answer.body
        if len(body) >= GZIP_MIN_BYTES and accepts_gzip(environ):  # gzipped once per answer kept
            if answer.gzipped is None:
                answer.gzipped = gzip.compress(body, compresslevel=GZIP_LEVEL)
            body = answer.gzipped
            headers.append(("Content-Encoding", "gzip"))
        return "200 OK", headers, body

    def _read(self, environ: dict, method: str,
              parameters: list[tuple[str, str]]) -> tuple[str | None, list[str], list[str]]:
        """(query text or None, default-graph-uri values, named-graph-uri values) of the request."""
        if any(name == "update" for name, _ in parameters):
            raise RequestRefused(403, "forbidden", READ_ONLY)
        if method == "POST":
            content_type, _, options = (environ.get("CONTENT_TYPE") or "").partition(";")
            content_type = content_type.strip().lower()
            if content_type == "application/sparql-update":
                raise RequestRefused(403, "forbidden", READ_ONLY)
            if content_type == FORM:
                form = query_parameters(self._body_of(environ).decode("utf-8", "replace"))
                if any(name == "update" for name, _ in form):
                    raise RequestRefused(403, "forbidden", READ_ONLY)
                parameters = parameters + form
            elif content_type == "application/sparql-query":
                charset = options.partition("charset=")[2].strip().strip('"').lower() or "utf-8"
                if charset not in ("utf-8", "utf8"):
                    raise RequestRefused(415, "unsupported-media-type",
                                         f"a SPARQL query must be sent as UTF-8, not {charset}")
                if any(name == "query" for name, _ in parameters):
                    raise RequestRefused(400, "bad-request", "one query per request: a query in both the URL and "
                                                             "the body")
                try:
                    text = self._body_of(environ).decode("utf-8")
                except UnicodeDecodeError:
                    raise RequestRefused(400, "bad-request", "the query body is not valid UTF-8") from None
                return text, _all(parameters, "default-graph-uri"), _all(parameters, "named-graph-uri")
            else:
                raise RequestRefused(415, "unsupported-media-type", "POST a query as application/sparql-query or "
                                     f"{FORM} (got {content_type or 'no content type'})")
        queries = _all(parameters, "query")
        if len(queries) > 1:
            raise RequestRefused(400, "bad-request", f"one query per request: got {len(queries)} 'query' parameters")
        return (queries[0] if queries else None), _all(parameters, "default-graph-uri"), \
            _all(parameters, "named-graph-uri")

    def _body_of(self, environ: dict) -> bytes:
        limit = self.settings.max_request_bytes
        try:
            length = int(environ.get("CONTENT_LENGTH") or 0)
        except ValueError:
            raise RequestRefused(400, "bad-request", "the Content-Length header is not a number") from None
        if length > limit:
            raise RequestRefused(413, "request-entity-too-large", f"the request body exceeds {limit} bytes")
        return environ["wsgi.input"].read(length) if length else b""

    def _headers(self, fmt: Format, answer: QueryAnswer, hit: bool | None) -> list[tuple[str, str]]:
        headers = [("Content-Type", fmt.content_type)]
        if hit is not None:
            headers.append((CACHE_HEADER, "hit" if hit else "miss"))
        if answer.truncated:
            headers += [(TRUNCATED_HEADER, "true"), ("Polegraph-Max-Rows", str(self.settings.max_rows))]
        return headers

    def _service_description(self, environ: dict, requested: str | None) -> tuple[str, list, bytes]:
        """The SD + VoID of the endpoint in the RDF syntax asked for."""
        fmt = negotiate(environ.get("HTTP_ACCEPT"), GRAPH_FORMATS, requested)
        if fmt is None:
            raise RequestRefused(406, "not-acceptable", "the service description is available as HTML or "
                                 + ", ".join(f.name for f in GRAPH_FORMATS))
        service = self.service
        triples = describe_service(self.settings.site_url + PATH.lstrip("/"), service.statistics,
                                   release_id=service.release.id, timeout_s=self.settings.query_timeout_s,
                                   max_rows=self.settings.max_rows, max_query_bytes=self.settings.max_query_bytes)
        items = triples if fmt.name not in ("trig", "nquads") else \
            [ox.Quad(t.subject, t.predicate, t.object, ox.DefaultGraph()) for t in triples]
        prefixes = PREFIXES if fmt.name in ("turtle", "trig", "rdfxml") else None
        body = ox.serialize(items, format=GRAPH_SERIALISERS[fmt.name], prefixes=prefixes)
        return "200 OK", [("Content-Type", fmt.content_type)], body


def _all(parameters: list[tuple[str, str]], name: str) -> list[str]:
    return [value for key, value in parameters if key == name]


def _last(parameters: list[tuple[str, str]], name: str) -> str | None:
    values = _all(parameters, name)
    return values[0] if values else None


