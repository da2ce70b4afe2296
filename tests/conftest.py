"""Shared fixtures: one release of the real project, built once per test session."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from polegraph.pipeline.build import build_release
from polegraph.pipeline.release import Release
from polegraph.query.backend import LocalBackend
from polegraph.query.named import load_queries
from polegraph.settings import Settings
from tests.support import MANIFESTO, PROJECT
from tests.support.servers import start_polegraph


@pytest.fixture(scope="session")
def settings(tmp_path_factory) -> Settings:
    return Settings(project=PROJECT, var=tmp_path_factory.mktemp("var"))


@pytest.fixture(scope="session")
def release(settings) -> Release:
    return build_release(settings)


@pytest.fixture(scope="session")
def store(release) -> LocalBackend:
    return LocalBackend.from_release(release)


@pytest.fixture(scope="session")
def dist(release, tmp_path_factory) -> Path:
    """One `polegraph export` of the session's release, read by the export tests."""
    from polegraph.publish.export import export_release

    out = tmp_path_factory.mktemp("export") / "dist"
    export_release(release, out)
    return out


@pytest.fixture(scope="session")
def named_queries(settings):
    return load_queries(settings.queries_dir)


@pytest.fixture(scope="session")
def manifesto_text() -> str:
    if not MANIFESTO.is_file():
        pytest.skip(f"the manifesto is not at {MANIFESTO} (../shared is absent)")
    return MANIFESTO.read_text(encoding="utf-8")


@pytest.fixture
def project_copy(tmp_path) -> Path:
    """A throw-away copy of the project's sources, for tests that break them on purpose."""
    for folder in ("ontology", "data", "shapes", "queries"):
        shutil.copytree(PROJECT / folder, tmp_path / folder)
    return tmp_path


@pytest.fixture(scope="session")
def server(settings, release):
    """The real server, started the way `make serve` starts it (Granian), over the session's release."""
    running = start_polegraph(settings.var_dir, project=settings.project)
    try:
        yield running
    finally:
        running.stop()
