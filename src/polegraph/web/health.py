"""Liveness and the identity of the release being served."""

from __future__ import annotations

from flask import Blueprint, jsonify

from .context import service

bp = Blueprint("health", __name__)


@bp.get("/health")
def health():
    svc = service()
    return jsonify({"status": "ok", "release": svc.release.id, "triples": len(svc.store)})
