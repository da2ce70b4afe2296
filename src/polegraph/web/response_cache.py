"""Whole answers to repeated `GET /sparql?query=…` requests, given before Flask runs.

A release never changes while it is served (one app, so one of these, per release), and a query
answer is a function of the release and of the parts of the request the app reads: the query
string, the `Accept`, `Accept-Encoding`, `Accept-Language` and `Cookie` headers (the format, gzip
and the ETag), and the host, port, scheme and script name (the base IRI of relative IRIs). Keyed on
exactly those, a stored answer is byte for byte the one the app would give again, except for what
belongs to each request and is made afresh here: the request id, the access log line, the client's
rate-limit token and `Polegraph-Cache: hit`.

Only what the app answered 200 with a `Polegraph-Cache` header (a query answer) is stored; every
other request — another route or method, `If-None-Match`, a refused or failed query, a client over
its rate — goes through the app. This is the result cache's hot path without Flask's per-request
cost (docs/benchmarks.md); cache.py's result cache behind it still serves texts that differ only by
whitespace or comments.
"""

from __future__ import annotations

import os
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass

from flask import Flask

from polegraph.query.cache import ENTRY_OVERHEAD, ByteLRU
from polegraph.web.http import log_access
from polegraph.web.ratelimit import RATE_DECIDED, rate_wait
from polegraph.web.views.sparql import CACHE_HEADER

KEY_HEADERS = ("QUERY_STRING", "HTTP_ACCEPT", "HTTP_ACCEPT_ENCODING", "HTTP_ACCEPT_LANGUAGE", "HTTP_COOKIE",
               "HTTP_HOST", "SERVER_NAME", "SERVER_PORT", "wsgi.url_scheme", "SCRIPT_NAME")


@dataclass(frozen=True)
class StoredAnswer:
    headers: list[tuple[str, str]]  # without X-Request-Id; Polegraph-Cache says hit
    body: bytes


class ResponseCache:
    """WSGI middleware around one app's `wsgi_app` (Flask's documented way to add one)."""

    def __init__(self, app: Flask, max_bytes: int):
        self._app_wsgi = app.wsgi_app
        self._answers: ByteLRU[StoredAnswer] = ByteLRU(max_bytes)
        settings = app.extensions["polegraph"].settings
        self._buckets = app.extensions.get("polegraph.ratelimit")
        self._limit_loopback = settings.rate_limit_loopback

    def __call__(self, environ: dict, start_response: Callable) -> Iterable[bytes]:
        if (environ.get("REQUEST_METHOD") != "GET" or environ.get("PATH_INFO") != "/sparql"
                or not environ.get("QUERY_STRING") or "HTTP_IF_NONE_MATCH" in environ):
            return self._app_wsgi(environ, start_response)
        started = time.monotonic()
        key = tuple(environ.get(name) for name in KEY_HEADERS)
        stored = self._answers.get(key)
        if stored is None or not self._within_rate(environ):
            return self._through_app(key, environ, start_response)
        request_id = os.urandom(8).hex()  # 16 hex digits, like the app's (web/http.py)
        start_response("200 OK", [*stored.headers, ("X-Request-Id", request_id)])
        log_access(environ.get("REMOTE_ADDR"), "GET", "/sparql?" + environ["QUERY_STRING"],
                   environ.get("SERVER_PROTOCOL", "HTTP/1.1"), 200, len(stored.body),
                   (time.monotonic() - started) * 1000, request_id, environ.get("HTTP_USER_AGENT"))
        return [stored.body]

    def _within_rate(self, environ: dict) -> bool:
        """Whether the client may have this answer now; if not, the app answers (its 429)."""
        wait = rate_wait(self._buckets, self._limit_loopback, environ.get("REMOTE_ADDR") or "unknown", "/sparql")
        if wait > 0:
            environ[RATE_DECIDED] = wait
        return wait <= 0

    def _through_app(self, key: tuple, environ: dict, start_response: Callable) -> Iterable[bytes]:
        seen: dict = {}

        def remember(status: str, headers: list, exc_info=None):
            seen["status"], seen["headers"] = status, headers
            return start_response(status, headers, exc_info) if exc_info else start_response(status, headers)

        result = self._app_wsgi(environ, remember)
        try:
            body = b"".join(result)
        finally:
            getattr(result, "close", lambda: None)()
        headers = seen.get("headers", [])
        if seen.get("status", "").startswith("200 ") and any(name == CACHE_HEADER for name, _ in headers):
            kept = [(name, "hit" if name == CACHE_HEADER else value) for name, value in headers
                    if name != "X-Request-Id"]
            size = len(body) + sum(len(name) + len(value) for name, value in kept) + sum(
                len(part or "") for part in key) + ENTRY_OVERHEAD
            self._answers.put(key, StoredAnswer(kept, body), size)
        return [body]
