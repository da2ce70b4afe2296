"""HTTP done once for every route: request ids, size limits, CORS, ETag/304, Cache-Control and gzip.

Every answer of the app is a function of the release being served and of the request (URL and the
Accept / Accept-Encoding headers), so a GET's ETag can be computed *before* the work is done and a
matching If-None-Match answered with 304 without running anything. A new release changes every ETag.
"""

from __future__ import annotations

import gzip
import hashlib
import logging
import time
import uuid

from flask import Flask, Response, g, request

from .context import service

log = logging.getLogger("polegraph.web.http")
CACHE_CONTROL = "public, max-age=300"
GZIP_MIN_BYTES = 1024
EXPOSED_HEADERS = "ETag, Polegraph-Results-Truncated, Polegraph-Max-Rows, Polegraph-Cache, X-Request-Id, Retry-After"
ALLOWED_HEADERS = "Accept, Accept-Encoding, Content-Type, If-None-Match"


def _accepts_gzip() -> bool:
    return request.accept_encodings["gzip"] > 0


def _etag() -> str:
    """A strong validator for this GET: release, path and query string, and the negotiating headers
    (pages may negotiate the language too, or remember it in a cookie)."""
    key = "\n".join((service().release.id, request.path, request.query_string.decode("latin-1"),
                     request.headers.get("Accept", ""), request.headers.get("Accept-Language", ""),
                     request.headers.get("Cookie", ""),
                     "gzip" if _accepts_gzip() else "identity"))
    return '"' + hashlib.sha256(key.encode()).hexdigest()[:32] + '"'


def _cors(response: Response) -> Response:
    response.headers["Access-Control-Allow-Origin"] = "*"
    response.headers["Access-Control-Expose-Headers"] = EXPOSED_HEADERS
    return response


def register(app: Flask) -> None:
    @app.before_request
    def _start():
        g.request_id = uuid.uuid4().hex[:16]
        g.started = time.monotonic()
        settings = service().settings
        uri_limit = 3 * settings.max_query_bytes + 2048  # a query of the maximum size, percent-encoded
        if len(request.query_string) > uri_limit:
            return _cors(Response(
                f'{{"error": "request-uri-too-long", "message": "the URL is longer than {uri_limit} bytes: POST '
                'the query instead"}', status=414, content_type="application/json"))
        if request.method == "OPTIONS":  # CORS preflight: reading is open to every origin, never credentials
            response = Response(status=204)
            response.headers["Access-Control-Allow-Methods"] = "GET, HEAD, POST, OPTIONS"
            # any header a script asks for: nothing is gated on headers, and credentials are never allowed
            response.headers["Access-Control-Allow-Headers"] = \
                request.headers.get("Access-Control-Request-Headers") or ALLOWED_HEADERS
            response.headers["Access-Control-Max-Age"] = "86400"
            response.headers["Allow"] = "GET, HEAD, POST, OPTIONS"
            return _cors(response)
        if request.method in ("GET", "HEAD"):
            g.etag = _etag()
            if request.if_none_match.contains_weak(g.etag.strip('"')):
                response = Response(status=304)
                response.headers["ETag"] = g.etag
                response.headers["Cache-Control"] = CACHE_CONTROL
                response.headers["Vary"] = "Accept, Accept-Encoding, Accept-Language"
                return _cors(response)
        return None

    @app.after_request
    def _finish(response: Response) -> Response:
        _cors(response)
        response.headers["X-Request-Id"] = g.get("request_id", "")
        response.vary.update(("Accept", "Accept-Encoding", "Accept-Language"))
        if response.status_code == 200 and g.get("etag") and "ETag" not in response.headers:
            response.headers["ETag"] = g.etag
            response.headers.setdefault("Cache-Control", CACHE_CONTROL)
        elif response.status_code >= 500:
            response.headers["Cache-Control"] = "no-store"
        if (response.status_code == 200 and not response.direct_passthrough and _accepts_gzip()
                and "Content-Encoding" not in response.headers):
            body = response.get_data()
            if len(body) >= GZIP_MIN_BYTES:
                response.set_data(gzip.compress(body, compresslevel=5))
                response.headers["Content-Encoding"] = "gzip"
        return response
