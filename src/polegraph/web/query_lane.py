"""`GET /sparql?query=…` answered without Flask's per-request machinery, with the app's very answer.

A query's answer is the endpoint's hot path, and Flask's machinery around the view (the request and
response objects, the contexts, routing, hook dispatch, header objects) costs about as much Python
as everything the endpoint itself does for a small query (docs/benchmarks.md). This WSGI middleware
answers the usual request — a GET of `/sparql` with one `query` and at most one `format` parameter —
by calling the functions the view and the hooks call: the rate limit, the URL and header limits,
the query checks, negotiation, the engine, the headers every answer gets, gzip and the access log.

Everything else goes to the app unchanged: another route or method, another parameter,
`If-None-Match`, a header or URL over the limits, a query the checks refuse, a format that cannot be
given. Nothing is done twice: the client's rate-limit token is taken once, and a query the engine
refuses or fails (a timeout, a busy engine, an error only the engine finds) is handed over with
that failure, which the app answers in its one error shape without running the query again.
tests/test_query_lane.py checks that the lane and the app give the same answers.
"""

from __future__ import annotations

import functools
import time
from collections.abc import Callable, Iterable

from flask import Flask

from polegraph.web.http import (
    PolegraphRequest,
    etag_for,
    fresh_answer_headers,
    gzipped,
    limit_error,
    log_access,
    new_request_id,
    parse_query_string,
)
from polegraph.web.ratelimit import RATE_DECIDED, rate_wait
from polegraph.web.views.sparql import ENGINE_FAILURE, answer_headers, prepare_query, run_query

PATH = "/sparql"
PARAMETERS = frozenset({"query", "format"})  # what the lane reads; with any other, the app answers
_BASE_URL_KEYS = ("wsgi.url_scheme", "HTTP_HOST", "SERVER_NAME", "SERVER_PORT", "SCRIPT_NAME", "PATH_INFO")


class QueryLane:
    """WSGI middleware around one app's `wsgi_app` (Flask's documented way to add one)."""

    def __init__(self, app: Flask):
        self.app = app
        self.app_wsgi = app.wsgi_app
        self._service = app.extensions["polegraph"]
        self._settings = self._service.settings
        self._buckets = app.extensions.get("polegraph.ratelimit")

    def __call__(self, environ: dict, start_response: Callable) -> Iterable[bytes]:
        if (environ.get("REQUEST_METHOD") != "GET" or environ.get("PATH_INFO") != PATH
                or "HTTP_IF_NONE_MATCH" in environ or RATE_DECIDED in environ):
            return self.app_wsgi(environ, start_response)
        started = time.monotonic()
        parameters = _parameters(environ.get("QUERY_STRING", ""))
        text = parameters.get("query") if parameters is not None else None
        settings = self._settings
        if (text is None or limit_error(environ, PATH) is not None
                or (len(text) if text.isascii() else len(text.encode("utf-8"))) > settings.max_query_bytes):
            return self.app_wsgi(environ, start_response)
        wait = rate_wait(self._buckets, settings.rate_limit_loopback, environ.get("REMOTE_ADDR") or "unknown", PATH)
        if wait > 0:
            environ[RATE_DECIDED] = wait
            return self.app_wsgi(environ, start_response)
        base_iri = _base_url(tuple(environ.get(key) for key in _BASE_URL_KEYS))
        try:
            checked, fmt, job = prepare_query(self.app, text, base_iri, environ.get("HTTP_ACCEPT"),
                                              parameters.get("format"), [], [])
        except Exception:  # refused by a check: the app checks again and answers why
            checked = fmt = None
        if fmt is None:
            environ[RATE_DECIDED] = 0.0
            return self.app_wsgi(environ, start_response)
        try:
            answer, hit = run_query(self.app, checked, job)
        except Exception as failure:  # answered by the app: in its error shape, with its log line
            environ[RATE_DECIDED], environ[ENGINE_FAILURE] = 0.0, failure
            return self.app_wsgi(environ, start_response)
        body, request_id = answer.body, new_request_id()
        headers = answer_headers(fmt, answer, hit, settings.max_rows)
        compressed = gzipped(body, environ)
        headers.append(("Content-Length", str(len(compressed if compressed is not None else body))))
        headers += fresh_answer_headers(request_id, etag_for(self._service.release.id, PATH, environ))
        if compressed is not None:
            body = compressed
            headers.append(("Content-Encoding", "gzip"))
        start_response("200 OK", headers)
        log_access(environ.get("REMOTE_ADDR"), "GET", PATH + "?" + environ["QUERY_STRING"],
                   environ.get("SERVER_PROTOCOL", "HTTP/1.1"), 200, len(body), (time.monotonic() - started) * 1000,
                   request_id, environ.get("HTTP_USER_AGENT"))
        return [body]


def _parameters(query_string: str) -> dict[str, str] | None:
    """The parameters of a query string the lane can answer (each of PARAMETERS at most once), else None.
    Raw non-ASCII bytes (clients percent-encode) are left to the app's decoding."""
    if not query_string.isascii():
        return None
    parameters: dict[str, str] = {}
    for name, value in parse_query_string(query_string):
        if name not in PARAMETERS or name in parameters:
            return None
        parameters[name] = value
    return parameters


@functools.lru_cache(maxsize=256)
def _base_url(values: tuple) -> str:
    """The request's URL without its query string, as the app's request computes it (host validated):
    a function of these few environ values, remembered."""
    return PolegraphRequest({key: value for key, value in zip(_BASE_URL_KEYS, values, strict=True)
                             if value is not None}).base_url
