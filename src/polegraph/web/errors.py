"""The one error shape of the service, for every failure of every route.

A program gets `{"error": kind, "message": text, …}` as JSON (or the same as plain text when it
prefers text/plain); a browser (HTML preferred in its Accept header) gets a page in its language with
a way forward. A 5xx says only that the failure was logged, with the request id to quote; no stack
trace or path of the machine ever reaches a client.

Errors raised inside Flask views go through the handlers registered here; errors found before Flask
(the endpoint, the HTTP layer) are answered with `error_answer`, and for a browser handed to Flask
(`HTML_ERROR` in the environ) so that the page is rendered by the same handler.
"""

from __future__ import annotations

import functools
import json
import logging

from flask import Flask, g, request
from werkzeug.datastructures import MIMEAccept
from werkzeug.exceptions import HTTPException
from werkzeug.http import parse_accept_header

from polegraph.errors import PolegraphError, RequestRefused

log = logging.getLogger("polegraph.web")
HTML_ERROR = "polegraph.html_error"  # environ key: an error for Flask to render as a page
INTERNAL = "unexpected server failure; it has been logged"


@functools.lru_cache(maxsize=256)  # clients send few distinct Accept headers; parsing one costs more
def wants_html(accept: str | None) -> bool:
    """Whether the client prefers a page to data: HTML ranked above JSON and plain text."""
    offered = parse_accept_header(accept, MIMEAccept)
    return offered["text/html"] > max(offered["application/json"], offered["text/plain"])


def error_fields(error: PolegraphError, request_id: str) -> dict:
    """The error's fields as a client sees them: a 5xx is logged and named by the request id only."""
    if error.http_status == 500:
        if not isinstance(error, RequestRefused):  # an unexpected exception is logged with its traceback
            log.error("request %s failed: %s: %s", request_id, type(error).__name__, error.message)
        return {"error": "internal-error", "message": INTERNAL, "request_id": request_id}
    return error.to_dict()


def error_answer(error: PolegraphError, accept: str | None, request_id: str) -> tuple[str, list, bytes]:
    """(status line, headers, body) of `error` as JSON or plain text (a browser's page: see HTML_ERROR)."""
    fields = error_fields(error, request_id)
    headers = [*getattr(error, "headers", {}).items()]
    if error.http_status == 503 and not any(name == "Retry-After" for name, _ in headers):
        headers.append(("Retry-After", "5"))  # a stopped or refused query: retrying later may help
    if _prefers_text(accept):
        details = "".join(f"\n{k}: {v}" for k, v in fields.items() if k not in ("error", "message") and v is not None)
        body = f"{fields['error']}: {fields['message']}{details}\n".encode()
        headers.append(("Content-Type", "text/plain; charset=utf-8"))
    else:
        body = json.dumps(fields, ensure_ascii=False).encode()
        headers.append(("Content-Type", "application/json"))
    return _status_line(error.http_status), headers, body


def _prefers_text(accept: str | None) -> bool:
    offered = parse_accept_header(accept, MIMEAccept)
    return offered["text/plain"] > offered["application/json"]


def _status_line(status: int) -> str:
    from http import HTTPStatus

    try:
        return f"{status} {HTTPStatus(status).phrase}"
    except ValueError:
        return f"{status} Error"


def as_polegraph_error(exc: HTTPException) -> RequestRefused:
    """werkzeug's HTTP errors (404, 405, 413…) in the project's family."""
    kind = (exc.name or "error").lower().replace(" ", "-")
    return RequestRefused(exc.code or 500, kind, exc.description or exc.name)


def _page(app: Flask, error: PolegraphError, request_id: str):
    """The error as a page in the reader's language, with a way forward (web/forward.py); should that
    fail, the page without it."""
    from polegraph.web.forward import way_forward
    from polegraph.web.i18n import current_language, localised_page

    fields = error_fields(error, request_id)
    try:
        forward = way_forward(error.http_status, current_language())
    except Exception:  # noqa: BLE001 - the error itself must still be answered
        log.exception("no way forward for the error page, request id %s", request_id)
        forward = {}
    response = localised_page("error.html", status=error.http_status, code=error.http_status, error=fields,
                              path=request.path, **forward)
    for name, value in getattr(error, "headers", {}).items():
        response.headers[name] = value
    return response


def register(app: Flask) -> None:
    """Answer every error of a Flask view in the one shape; render an error handed over as a page."""

    @app.before_request
    def _handed_over():
        error = request.environ.get(HTML_ERROR)
        if error is not None:
            raise error

    def answer(error: PolegraphError):
        request_id = request.environ.get("polegraph.request_id", "")
        if wants_html(request.headers.get("Accept")):
            return _page(app, error, request_id)
        status, headers, body = error_answer(error, request.headers.get("Accept"), request_id)
        return app.response_class(body, status=status, headers=headers)

    @app.errorhandler(PolegraphError)
    def _polegraph_error(exc: PolegraphError):
        return answer(exc)

    @app.errorhandler(HTTPException)
    def _http_error(exc: HTTPException):
        return answer(as_polegraph_error(exc))

    @app.errorhandler(Exception)
    def _unexpected(exc: Exception):
        log.exception("unexpected failure, request id %s", request.environ.get("polegraph.request_id", ""))
        return answer(RequestRefused(500, "internal-error", INTERNAL))

    @app.context_processor
    def _request_id():
        return {"request_id": g.get("request_id", "")}
