"""/shapes: the rules /validate checks, each with what to fix, in the reader's language."""

from __future__ import annotations

from flask import Blueprint

from polegraph.web.app import service
from polegraph.web.content.shapes_docs import shapes_doc
from polegraph.web.i18n import current_language, localised_page

bp = Blueprint("shapes", __name__)


@bp.get("/shapes")
def shapes():
    return localised_page("shapes.html", shapes=shapes_doc(service().release.shapes_path, current_language()))
