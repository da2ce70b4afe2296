"""One JSON error shape for every failure; no stack trace or path ever reaches a client."""

from __future__ import annotations

import logging
import uuid

from flask import Flask, g, jsonify, request
from werkzeug.exceptions import HTTPException

from polegraph.errors import PolegraphError

log = logging.getLogger("polegraph.web")


def error_response(status: int, kind: str, message: str, **extra):
    """The single error shape: {"error": kind, "message": text, ...}; plain text when asked for."""
    best = request.accept_mimetypes.best_match(["application/json", "text/plain"], default="application/json")
    if best == "text/plain" and request.accept_mimetypes["text/plain"] > request.accept_mimetypes["application/json"]:
        details = "".join(f"\n{k}: {v}" for k, v in extra.items() if v is not None)
        return f"{kind}: {message}{details}\n", status, {"Content-Type": "text/plain; charset=utf-8"}
    return jsonify({"error": kind, "message": message, **extra}), status


def register(app: Flask) -> None:
    @app.errorhandler(PolegraphError)
    def _polegraph_error(exc: PolegraphError):
        body = exc.to_dict()
        response = error_response(exc.http_status, body.pop("error"), body.pop("message"), **body)
        if exc.http_status == 503:  # a stopped or refused query: retrying later may help, caching never
            response = app.make_response(response)
            response.headers["Retry-After"] = "5"
        return response

    @app.errorhandler(HTTPException)
    def _http_error(exc: HTTPException):
        kind = (exc.name or "error").lower().replace(" ", "-")
        return error_response(exc.code or 500, kind, exc.description or exc.name)

    @app.errorhandler(Exception)
    def _unexpected(exc: Exception):
        request_id = g.get("request_id") or uuid.uuid4().hex[:16]
        log.exception("unexpected failure, request id %s", request_id)
        return error_response(500, "internal-error", "unexpected server failure; it has been logged",
                              request_id=request_id)
