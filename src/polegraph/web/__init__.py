"""The web face: the SPARQL endpoint and the pages of one release (web/app.py, web/http.py)."""

from polegraph.web.app import create_app

__all__ = ["create_app"]
