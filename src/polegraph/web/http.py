"""The WSGI application Granian runs: HTTP done once for every route, then the endpoint or the pages.

In order, for every request: a request id; the limits on headers and URL; the client's rate limit;
CORS preflight; for a GET, the ETag and a 304 when the client holds the answer. Then /sparql is
answered by the SPARQL endpoint (web/endpoint.py) and everything else by the Flask app of the pages
(web/app.py). Every answer then gets the CORS headers, its request id, Vary, ETag and Cache-Control,
gzip when the client takes it, and one line in the access log.

Every answer is a function of the release being served and of the request (URL and the Accept,
Accept-Encoding, Accept-Language and Cookie headers), so a GET's ETag is computed before any work is
done, and a new release changes every ETag.
"""

from __future__ import annotations

import hashlib
import logging
import math
import os
import time
from collections.abc import Callable, Iterable

from flask import Flask
from werkzeug.http import parse_etags

from polegraph.errors import PolegraphError, RequestRefused
from polegraph.web.admission import QUERY, VALIDATE, Admission
from polegraph.web.endpoint import PATH as ENDPOINT_PATH
from polegraph.web.endpoint import Endpoint, accepts_gzip, compressed, query_parameters
from polegraph.web.errors import HTML_ERROR, error_answer, wants_html
from polegraph.web.ratelimit import (
    EXEMPT_PATHS,
    EXEMPT_PREFIXES,
    TokenBuckets,
    client_address,
    rate_wait,
    trusted_networks,
)

log = logging.getLogger("polegraph.web")
access_log = logging.getLogger("polegraph.access")
CACHE_CONTROL = "public, max-age=300"
MAX_PATH_BYTES = 2048  # far above any IRI of the graph; longer paths name nothing here
MAX_QUERY_STRING_BYTES = 16 * 1024  # a GET; a query longer once percent-encoded is POSTed
MAX_HEADER_BYTES = 8 * 1024  # per header field, as most servers and proxies allow
DISCARD_LIMIT_BYTES = 16 << 20
MAX_BUFFERED_BYTES = 8 << 20  # a page's answer is read whole (to gzip it); a larger download streams
EXPOSED_HEADERS = "ETag, Polegraph-Results-Truncated, Polegraph-Max-Rows, Polegraph-Cache, X-Request-Id, Retry-After"
ALLOWED_HEADERS = "Accept, Accept-Encoding, Content-Type, If-None-Match"
VARY_NAMES = ("Accept", "Accept-Encoding", "Accept-Language")
ACCESS_LINE = '%s "%s %s %s" %s %s %.1fms id=%s "%s"'


def etag_for(release_id: str, environ: dict) -> str:
    """A strong validator for a GET: release, path and query string, and the negotiating headers."""
    key = "\n".join((release_id, environ.get("PATH_INFO", ""), environ.get("QUERY_STRING", ""),
                     environ.get("HTTP_ACCEPT", ""), environ.get("HTTP_ACCEPT_LANGUAGE", ""),
                     environ.get("HTTP_COOKIE", ""), "gzip" if accepts_gzip(environ) else "identity"))
    return '"' + hashlib.sha256(key.encode()).hexdigest()[:32] + '"'


def limit_error(environ: dict) -> RequestRefused | None:
    """The refusal of a request whose header or URL is longer than the service reads, before any work."""
    for key, value in environ.items():
        if key.startswith("HTTP_") and len(value) > MAX_HEADER_BYTES:
            return RequestRefused(431, "header-too-large", f"a request header is longer than {MAX_HEADER_BYTES} bytes")
    if len(environ.get("QUERY_STRING", "")) > MAX_QUERY_STRING_BYTES or \
            len(environ.get("PATH_INFO", "")) > MAX_PATH_BYTES:
        return RequestRefused(414, "request-uri-too-long", (
            f"the URL is longer than this service reads (path: {MAX_PATH_BYTES} bytes, query "
            f"string: {MAX_QUERY_STRING_BYTES} bytes): POST a long query instead"))
    return None


class Site:
    """The service of one release: its endpoint and its pages, behind the HTTP done once."""

    def __init__(self, app: Flask, pages: Callable, admission: Admission):
        self.pages = pages  # the Flask app's own WSGI application
        self.service = app.extensions["polegraph"]
        settings = self.service.settings
        self.endpoint = Endpoint(self.service)
        self.limit_loopback = settings.rate_limit_loopback
        self.rate_limit = (settings.rate_limit_per_s, settings.rate_limit_burst)
        self.buckets = TokenBuckets(*self.rate_limit) if settings.rate_limit_per_s > 0 else None
        self.admission = admission
        self.trusted = trusted_networks(settings.trusted_proxies)

    def __call__(self, environ: dict, start_response: Callable) -> Iterable[bytes]:
        started = time.monotonic()
        request_id = environ["polegraph.request_id"] = os.urandom(8).hex()
        try:
            status, headers, body = self._answer(environ)
        except PolegraphError as error:
            status, headers, body = self._refusal(environ, error)
        except Exception:  # noqa: BLE001 - answered in the error shape, logged with its traceback
            log.exception("unexpected failure, request id %s", request_id)
            status, headers, body = self._refusal(environ, RequestRefused(500, "internal-error", "failure"))
        headers, body = self._finish(environ, status, headers, body, request_id)
        start_response(status, headers)
        _log_access(environ, status, headers, body, started, request_id)
        if isinstance(body, bytes):
            return [body] if environ.get("REQUEST_METHOD") != "HEAD" else [b""]
        if environ.get("REQUEST_METHOD") == "HEAD":
            getattr(body, "close", lambda: None)()
            return [b""]
        return body

    def _answer(self, environ: dict) -> tuple[str, list, bytes | Iterable[bytes]]:
        refused = limit_error(environ)
        if refused is not None:
            raise refused
        path, method = environ.get("PATH_INFO", ""), environ.get("REQUEST_METHOD")
        client = environ["polegraph.client"] = client_address(environ, self.trusted)
        wait = rate_wait(self.buckets, self.limit_loopback, client, path)
        if wait > 0:
            retry_after = max(1, math.ceil(wait))
            rate, burst = self.rate_limit
            raise RequestRefused(429, "too-many-requests", (
                f"too many requests from your address: this endpoint answers {rate:g} requests per second per "
                f"client (bursts of {burst}); retry in {retry_after} s"),
                headers={"Retry-After": str(retry_after), "Cache-Control": "no-store"}, retry_after=retry_after)
        if method == "OPTIONS":  # CORS preflight: reading is open to every origin, never credentials
            return "204 No Content", [
                ("Access-Control-Allow-Methods", "GET, HEAD, POST, OPTIONS"),
                # any header a script asks for: nothing is gated on headers, and credentials are never allowed
                ("Access-Control-Allow-Headers",
                 environ.get("HTTP_ACCESS_CONTROL_REQUEST_HEADERS") or ALLOWED_HEADERS),
                ("Access-Control-Max-Age", "86400"), ("Allow", "GET, HEAD, POST, OPTIONS")], b""
        if method in ("GET", "HEAD"):
            etag = environ["polegraph.etag"] = etag_for(self.service.release.id, environ)
            held = environ.get("HTTP_IF_NONE_MATCH")
            if held and parse_etags(held).contains_weak(etag.strip('"')):
                return "304 Not Modified", [("ETag", etag), ("Cache-Control", CACHE_CONTROL)], b""
        lane = None if path in EXEMPT_PATHS or path.startswith(EXEMPT_PREFIXES) else (
            VALIDATE if path == "/validate" and method == "POST" else QUERY)
        ticket = self.admission.enter(client, lane) if lane else None
        try:
            if path == ENDPOINT_PATH:
                asked = query_parameters(environ.get("QUERY_STRING", ""))
                if not self.endpoint.hands_to_pages(environ, asked):
                    return self.endpoint.answer(environ, asked)
            return self._pages(environ)
        finally:
            if ticket is not None:
                ticket.leave()

    def _pages(self, environ: dict) -> tuple[str, list, bytes | Iterable[bytes]]:
        """The Flask app's answer; read whole unless it is a large or unmeasured stream."""
        seen: dict = {}

        def remember(status: str, headers: list, exc_info=None):
            seen["status"], seen["headers"] = status, headers

        result = self.pages(environ, remember)
        headers = seen["headers"]
        length = next((int(v) for k, v in headers if k.lower() == "content-length" and v.isdigit()), None)
        if length is None or length > MAX_BUFFERED_BYTES:
            return seen["status"], headers, result
        try:
            body = b"".join(result)
        finally:
            getattr(result, "close", lambda: None)()
        return seen["status"], [(k, v) for k, v in headers if k.lower() != "content-length"], body

    def _refusal(self, environ: dict, error: PolegraphError) -> tuple[str, list, bytes | Iterable[bytes]]:
        """`error` in the one error shape: a page rendered by Flask for a browser, else JSON or text."""
        if wants_html(environ.get("HTTP_ACCEPT")) and HTML_ERROR not in environ:
            environ[HTML_ERROR] = error
            try:
                return self._pages(environ)
            except Exception:  # noqa: BLE001 - the page itself failed: answer in the data shape
                log.exception("the error page failed, request id %s", environ["polegraph.request_id"])
        return error_answer(error, environ.get("HTTP_ACCEPT"), environ["polegraph.request_id"])

    def _finish(self, environ: dict, status: str, headers: list, body,
                request_id: str) -> tuple[list, bytes | Iterable[bytes]]:
        """The headers every answer gets, and its body gzipped when worth it."""
        present = {name.lower() for name, _ in headers}
        headers += [("Access-Control-Allow-Origin", "*"), ("Access-Control-Expose-Headers", EXPOSED_HEADERS),
                    ("X-Request-Id", request_id)]
        vary = [v.strip() for name, value in headers if name.lower() == "vary" for v in value.split(",")]
        headers = [(name, value) for name, value in headers if name.lower() != "vary"]
        headers.append(("Vary", ", ".join(dict.fromkeys([*VARY_NAMES, *(v for v in vary if v)]))))
        code = status[:3]
        if code == "413":
            _discard_body(environ)
        if code == "200" and environ.get("REQUEST_METHOD") in ("GET", "HEAD"):
            if "etag" not in present:
                headers.append(("ETag", environ["polegraph.etag"]))
            if "cache-control" not in present:
                headers.append(("Cache-Control", CACHE_CONTROL))
        elif code >= "500":
            headers = [(n, v) for n, v in headers if n.lower() != "cache-control"] + [("Cache-Control", "no-store")]
        if isinstance(body, bytes):
            if code == "200" and "content-encoding" not in present:
                packed = compressed(body, environ)
                if packed is not None:
                    body = packed
                    headers.append(("Content-Encoding", "gzip"))
            headers.append(("Content-Length", str(len(body))))
        return headers, body


def _log_access(environ: dict, status: str, headers: list, body, started: float, request_id: str) -> None:
    """One line per answer, named by its request id (which the client also gets in X-Request-Id)."""
    if not access_log.isEnabledFor(logging.INFO):
        return
    length = len(body) if isinstance(body, bytes) else next((v for k, v in headers if k == "Content-Length"), None)
    query = environ.get("QUERY_STRING")
    target = environ.get("PATH_INFO", "") + ("?" + query if query else "")
    client = environ.get("polegraph.client") or environ.get("REMOTE_ADDR") or "-"
    arguments = (client, environ.get("REQUEST_METHOD"), target,
                 environ.get("SERVER_PROTOCOL", "HTTP/1.1"), status[:3], "-" if length is None else length,
                 (time.monotonic() - started) * 1000, request_id, environ.get("HTTP_USER_AGENT") or "-")
    # The record made and handled through logging's public calls, without the look-up of the calling
    # frame that `info()` does for every line (a quarter of an uncached query's CPU in the worker).
    access_log.handle(access_log.makeRecord(access_log.name, logging.INFO, __file__, 0, ACCESS_LINE, arguments,
                                            None))


def _discard_body(environ: dict, limit: int = DISCARD_LIMIT_BYTES) -> None:
    """Read what is left of a refused body, so the client (still sending it) reads our 413 instead of
    a reset connection; a body past `limit` is not read: the connection is closed on it."""
    try:
        if int(environ.get("CONTENT_LENGTH") or 0) > limit:
            return
    except ValueError:
        return
    stream, read = environ.get("wsgi.input"), 0
    while stream is not None and read < limit:
        chunk = stream.read(1 << 16)
        if not chunk:
            break
        read += len(chunk)
