"""Liveness and the identity of the release being served."""

from __future__ import annotations

from flask import Blueprint, jsonify

from polegraph.web.app import service

bp = Blueprint("health", __name__)


@bp.get("/health")
def health():
    svc = service()
    stats = svc.release.metadata.get("statistics", {})
    return jsonify({"status": "ok", "release": svc.release.id, "triples": stats.get("triples"),
                    "quads": stats.get("quads")})
