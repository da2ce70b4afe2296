"""HTTP done once for every route: request ids, size limits, CORS, ETag/304, Cache-Control and gzip.

Every answer of the app is a function of the release being served and of the request (URL and the
Accept / Accept-Encoding headers), so a GET's ETag can be computed *before* the work is done and a
matching If-None-Match answered with 304 without running anything. A new release changes every ETag.
"""

from __future__ import annotations

import codecs
import functools
import gzip
import hashlib
import logging
import os
import time
from urllib.parse import unquote

from flask import Flask, Request, Response, g, request
from werkzeug.http import parse_accept_header
from werkzeug.sansio.utils import get_current_url
from werkzeug.utils import cached_property

from polegraph.web.context import service
from polegraph.web.errors import error_response

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
VARY_NAMES = ("Accept", "Accept-Encoding", "Accept-Language")
VARY = ", ".join(VARY_NAMES)


QUERY_STRING_ERRORS = "werkzeug.url_quote"  # werkzeug's: undecodable bytes stay percent-encoded


def _unquote(text: str) -> str:
    """`urllib.parse.unquote(text, errors=QUERY_STRING_ERRORS)`, in C for the usual case.

    urllib's unquote loops in Python over every `%XX` (a 2 kB query has hundreds: ~35 µs a request).
    An ASCII text whose every `%` starts an escape is decoded by the C `escape_decode` instead, once
    `\\` is doubled and `%` made `\\x`; any other text (a stray `%`, raw UTF-8) takes urllib's path.
    """
    if "%" not in text:
        return text
    if text.isascii():
        escaped = text.replace("\\", "\\\\") if "\\" in text else text
        try:
            raw = codecs.escape_decode(escaped.replace("%", "\\x").encode("ascii"))[0]
        except ValueError:  # a '%' not followed by two hex digits
            pass
        else:
            return raw.decode("utf-8", QUERY_STRING_ERRORS)
    return unquote(text, errors=QUERY_STRING_ERRORS)


def parse_query_string(query: str) -> list[tuple[str, str]]:
    """What werkzeug's `Request.args` reads: `parse_qsl(query, keep_blank_values=True,
    errors="werkzeug.url_quote")`, field for field, with the unquoting above."""
    pairs = []
    for field in query.split("&") if query else ():
        if field:
            name, _, value = field.partition("=")
            pairs.append((_unquote(name.replace("+", " ")), _unquote(value.replace("+", " "))))
    return pairs


# bounded: a path is at most MAX_PATH_BYTES (checked in _start before any view reads base_url)
_current_url = functools.lru_cache(maxsize=256)(get_current_url)


class PolegraphRequest(Request):
    """Flask's request with two hot properties computed faster, to the same values."""

    @cached_property
    def args(self):
        return self.parameter_storage_class(parse_query_string(self.query_string.decode()))

    @cached_property
    def base_url(self) -> str:
        """The same URL (the host is still validated), remembered: it is the same on every request."""
        return _current_url(self.scheme, self.host, self.root_path, self.path)


@functools.lru_cache(maxsize=256)
def _gzip_accepted(accept_encoding: str | None) -> bool:
    """Whether an Accept-Encoding value takes gzip: parsed once per distinct header value."""
    return parse_accept_header(accept_encoding)["gzip"] > 0


def _accepts_gzip(environ: dict) -> bool:
    return _gzip_accepted(environ.get("HTTP_ACCEPT_ENCODING"))


def etag_for(release_id: str, path: str, environ: dict) -> str:
    """A strong validator for a GET of `path`: release, path and query string, and the negotiating
    headers (pages may negotiate the language too, or remember it in a cookie)."""
    key = "\n".join((release_id, path, environ.get("QUERY_STRING", ""),  # = request.query_string, as latin-1
                     environ.get("HTTP_ACCEPT", ""), environ.get("HTTP_ACCEPT_LANGUAGE", ""),
                     environ.get("HTTP_COOKIE", ""),
                     "gzip" if _accepts_gzip(environ) else "identity"))
    return '"' + hashlib.sha256(key.encode()).hexdigest()[:32] + '"'


def limit_error(environ: dict, path: str) -> tuple[int, str, str] | None:
    """(status, kind, message) of a request refused before any work (a header or the URL too long)."""
    for key, value in environ.items():  # a plain loop: no generator to start on every request
        if key.startswith("HTTP_") and len(value) > MAX_HEADER_BYTES:
            return 431, "header-too-large", f"a request header is longer than {MAX_HEADER_BYTES} bytes"
    if len(environ.get("QUERY_STRING", "")) > MAX_QUERY_STRING_BYTES or len(path) > MAX_PATH_BYTES:
        return 414, "request-uri-too-long", (
            f"the URL is longer than this service reads (path: {MAX_PATH_BYTES} bytes, query "
            f"string: {MAX_QUERY_STRING_BYTES} bytes): POST a long query instead")
    return None


def new_request_id() -> str:
    return os.urandom(8).hex()  # 16 hex digits, as uuid4().hex[:16] gave, for less work


def fresh_answer_headers(request_id: str, etag: str) -> list[tuple[str, str]]:
    """What `_finish` adds to a 200 answer to a GET that set none of these headers itself."""
    return [("Access-Control-Allow-Origin", "*"), ("Access-Control-Expose-Headers", EXPOSED_HEADERS),
            ("X-Request-Id", request_id), ("Vary", VARY), ("ETag", etag), ("Cache-Control", CACHE_CONTROL)]


def gzipped(body: bytes, environ: dict) -> bytes | None:
    """`body` compressed when the client takes gzip and it is worth it, else None."""
    if len(body) >= GZIP_MIN_BYTES and _accepts_gzip(environ):
        return gzip.compress(body, compresslevel=5)
    return None


def _cors(response: Response) -> Response:
    response.headers["Access-Control-Allow-Origin"] = "*"
    response.headers["Access-Control-Expose-Headers"] = EXPOSED_HEADERS
    return response


def _put(headers, present: set[str], name: str, value: str) -> None:
    """`headers[name] = value`, appending without a scan of the list when `name` is not there."""
    lowered = name.lower()
    if lowered in present:
        headers.set(name, value)
    else:
        headers.add(name, value)
        present.add(lowered)


def register(app: Flask) -> None:
    app.request_class = PolegraphRequest

    # The hooks run on every request: they read the request, g and the headers through local names
    # (each `request.x` / `g.x` goes through a context-variable proxy) and the environ directly.
    @app.before_request
    def _start():
        req, ctx_g = request._get_current_object(), g._get_current_object()
        ctx_g.request_id = new_request_id()
        ctx_g.started = time.monotonic()
        environ = req.environ
        refused = limit_error(environ, req.path)
        if refused is not None:
            return error_response(*refused)
        method = req.method
        if method == "OPTIONS":  # CORS preflight: reading is open to every origin, never credentials
            response = Response(status=204)
            response.headers["Access-Control-Allow-Methods"] = "GET, HEAD, POST, OPTIONS"
            # any header a script asks for: nothing is gated on headers, and credentials are never allowed
            response.headers["Access-Control-Allow-Headers"] = \
                req.headers.get("Access-Control-Request-Headers") or ALLOWED_HEADERS
            response.headers["Access-Control-Max-Age"] = "86400"
            response.headers["Allow"] = "GET, HEAD, POST, OPTIONS"
            return _cors(response)
        if method in ("GET", "HEAD"):
            etag = ctx_g.etag = etag_for(service().release.id, req.path, environ)
            # no If-None-Match header: nothing to parse (werkzeug's empty ETags never match)
            if "HTTP_IF_NONE_MATCH" in environ and req.if_none_match.contains_weak(etag.strip('"')):
                response = Response(status=304)
                response.headers["ETag"] = etag
                response.headers["Cache-Control"] = CACHE_CONTROL
                response.headers["Vary"] = VARY
                return _cors(response)
        return None

    @app.after_request
    def _finish(response: Response) -> Response:
        req, ctx_g = request._get_current_object(), g._get_current_object()
        headers = response.headers
        present = {name.lower() for name, _ in headers}  # one scan, instead of one per header set
        _put(headers, present, "Access-Control-Allow-Origin", "*")
        _put(headers, present, "Access-Control-Expose-Headers", EXPOSED_HEADERS)
        if "request_id" not in ctx_g:  # answered before _start ran (a client over its rate)
            ctx_g.request_id = new_request_id()
        _put(headers, present, "X-Request-Id", ctx_g.request_id)
        if "vary" in present:
            response.vary.update(VARY_NAMES)
        else:  # what vary.update gives on no Vary header, without parsing and re-serialising one
            _put(headers, present, "Vary", VARY)
        status = response.status_code
        etag = ctx_g.get("etag")
        if status == 200 and etag and "etag" not in present:
            _put(headers, present, "ETag", etag)
            if "cache-control" not in present:
                _put(headers, present, "Cache-Control", CACHE_CONTROL)
        elif status >= 500:
            _put(headers, present, "Cache-Control", "no-store")
        if (status == 200 and not response.direct_passthrough and _accepts_gzip(req.environ)
                and "content-encoding" not in present):  # a streamed body is read only to be compressed
            compressed = gzipped(response.get_data(), req.environ)
            if compressed is not None:
                response.set_data(compressed)
                headers["Content-Encoding"] = "gzip"
        if status == 413:
            _discard_body()
        _log_access(response, req, ctx_g)
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


def _log_access(response: Response, req: Request, ctx_g) -> None:
    if access_log.isEnabledFor(logging.INFO):
        query, environ, now = req.query_string, req.environ, time.monotonic()
        target = req.path + ("?" + query.decode("latin-1") if query else "")
        log_access(req.remote_addr, req.method, target, environ.get("SERVER_PROTOCOL", "HTTP/1.1"),
                   response.status_code, response.content_length, (now - ctx_g.get("started", now)) * 1000,
                   ctx_g.request_id, environ.get("HTTP_USER_AGENT", ""))  # = request.user_agent.string


def log_access(client: str | None, method: str, target: str, protocol: str, status: int, length: int | None,
               elapsed_ms: float, request_id: str, user_agent: str | None) -> None:
    """One line per answer, named by its request id (which the client also gets in X-Request-Id)."""
    access_log.info('%s "%s %s %s" %s %s %.1fms id=%s "%s"', client or "-", method, target, protocol, status,
                    "-" if length is None else length, elapsed_ms, request_id, user_agent or "-")
