"""The query cookbook at /cookbook: docs/cookbook.md of the project, as a page of the site.

docs/cookbook.md is the one source (the tests run every named query it cites); this page renders it
with Python-Markdown (tables, fenced code) inside the site's layout, linked from the query editor and
the ontology page.
"""

from __future__ import annotations

import functools
from pathlib import Path

import flask
import markdown
from flask import Blueprint, abort
from markupsafe import Markup

from polegraph.web.app import service
from polegraph.web.i18n import localised_page

bp = Blueprint("cookbook", __name__)


@functools.lru_cache(maxsize=2)
def _render(path: Path, _mtime_ns: int) -> str:
    text = path.read_text(encoding="utf-8")
    return markdown.markdown(text, extensions=["tables", "fenced_code"], output_format="html")


@bp.get("/cookbook")
def cookbook() -> flask.Response:
    path = service().settings.project / "docs" / "cookbook.md"
    if not path.is_file():
        abort(404, description="this installation has no docs/cookbook.md")
    body = _render(path, path.stat().st_mtime_ns)
    return localised_page("cookbook.html", body=Markup(body))
