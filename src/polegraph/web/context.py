"""Access to the Service of the running app, for blueprints."""

from __future__ import annotations

from flask import current_app


def service():
    """The Service (release, store, queries, settings) the app was created with."""
    return current_app.extensions["polegraph"]
