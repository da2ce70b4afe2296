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
from .errors import error_response

log = logging.getLogger("polegraph.web.http")
access_log = logging.getLogger("polegraph.access")
CACHE_CONTROL = "public, max-age=300"
GZIP_MIN_BYTES = 1024
MAX_PATH_BYTES = 2048  # far above any IRI of the graph; longer paths name nothing here
MAX_QUERY_STRING_BYTES = 16 * 1024  # a GET; a query longer once percent-encoded is POSTed
MAX_HEADER_BYTES = 8 * 1024  # per header field, as most servers and proxies allow
DISCARD_LIMIT_BYTES = 16 << 20
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
        if any(len(value) > MAX_HEADER_BYTES for key, value in request.environ.items() if key.startswith("HTTP_")):
            return error_response(431, "header-too-large",
                                  f"a request header is longer than {MAX_HEADER_BYTES} bytes")
        if len(request.query_string) > MAX_QUERY_STRING_BYTES or len(request.path) > MAX_PATH_BYTES:
            return error_response(414, "request-uri-too-long",
                                  f"the URL is longer than this service reads (path: {MAX_PATH_BYTES} bytes, query "
                                  f"string: {MAX_QUERY_STRING_BYTES} bytes): POST a long query instead")
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
        if response.status_code == 413:
            _discard_body()
        _log_access(response)
        return response


def _discard_body(limit: int = DISCARD_LIMIT_BYTES) -> None:
    """Read what is left of a refused body, so the client (still sending it) reads our 413 instead of
    a reset connection; a body past `limit` is not read: the connection is closed on it."""
    if (request.content_length or 0) > limit:
        return
    stream, read = request.environ.get("wsgi.input"), 0
    while stream is not None and read < limit:
        chunk = stream.read(1 << 16)
        if not chunk:
            break
        read += len(chunk)


def _log_access(response: Response) -> None:
    if access_log.isEnabledFor(logging.INFO):
        target = request.path + ("?" + request.query_string.decode("latin-1") if request.query_string else "")
        log_access(request.remote_addr, request.method, target, request.environ.get("SERVER_PROTOCOL", "HTTP/1.1"),
                   response.status_code, response.content_length,
                   (time.monotonic() - g.get("started", time.monotonic())) * 1000, g.get("request_id", "-"),
                   request.user_agent.string)


def log_access(client: str | None, method: str, target: str, protocol: str, status: int, length: int | None,
               elapsed_ms: float, request_id: str, user_agent: str | None) -> None:
    """One line per answer, named by its request id (which the client also gets in X-Request-Id)."""
    access_log.info('%s "%s %s %s" %s %s %.1fms id=%s "%s"', client or "-", method, target, protocol, status,
                    "-" if length is None else length, elapsed_ms, request_id, user_agent or "-")
