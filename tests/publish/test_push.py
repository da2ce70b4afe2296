"""`polegraph push` into real stores (Oxigraph server, Virtuoso): loaded, verified, switched atomically."""

from __future__ import annotations

import pytest

from polegraph.pipeline.build import build_release
from polegraph.publish.triplestore import STAGING, PushError, RemoteStore, push, release_graphs, remote_counts
from polegraph.settings import Settings
from tests.support.triplestores import oxigraph_binary, start_oxigraph, start_store
from tests.test_cli import run

EXTRA = """@prefix skos: <http://www.w3.org/2004/02/skos/core#> .
<https://w3id.org/polegraph/id/section/signatures> {
  <https://w3id.org/polegraph/id/pole/minalogic> skos:altLabel "Minalogic (variante de test)"@fr .
}
"""


def _expected(release) -> dict[str, int]:
    return {graph: len(triples) for graph, triples in release_graphs(release).items()}


def _polegraph_counts(remote: RemoteStore) -> dict[str, int]:
    return {g: n for g, n in remote_counts(remote).items()
            if g.startswith("https://w3id.org/polegraph/") and not g.endswith("/graph/releases")
            and not g.startswith(STAGING)}


@pytest.fixture(scope="module")
def second_release(tmp_path_factory):
    """A release that differs from the project's by one triple."""
    import shutil

    from tests.support import PROJECT

    root = tmp_path_factory.mktemp("second")
    for folder in ("ontology", "data", "shapes", "queries"):
        shutil.copytree(PROJECT / folder, root / folder)
    (root / "data" / "extra.trig").write_text(EXTRA, encoding="utf-8")
    return build_release(Settings(project=root, var=root / "var"))


@pytest.fixture(params=["oxigraph", "virtuoso"])
def remote_store(request, tmp_path):
    store = start_store(request.param, tmp_path / request.param)
    try:
        yield store
    finally:
        store.stop()


@pytest.mark.parametrize("protocol", ["graph-store-put", "sparql-update"])
def test_push_loads_verifies_and_replaces(remote_store, release, second_release, protocol):
    remote = remote_store.remote
    if protocol == "sparql-update":
        remote = RemoteStore(remote.query_url, remote.update_url, None)
    report = push(release, remote)
    assert set(report.method.values()) == {protocol}
    assert _polegraph_counts(remote) == _expected(release)
    report = push(second_release, remote)
    assert _polegraph_counts(remote) == _expected(second_release)
    assert not [g for g in remote_counts(remote) if g.startswith(STAGING)]
    rows = remote.select('SELECT ?l WHERE { <https://w3id.org/polegraph/id/pole/minalogic> '
                         '<http://www.w3.org/2004/02/skos/core#altLabel> ?l }')
    assert "Minalogic (variante de test)" in {r["l"] for r in rows}


def test_interrupted_push_keeps_the_previous_release(release, second_release, tmp_path):
    if oxigraph_binary() is None:
        pytest.skip("the oxigraph server (PyPI package oxigraph) is not installed")
    location = tmp_path / "oxigraph"
    store = start_oxigraph(location)
    try:
        push(release, store.remote)
        loaded: list[str] = []

        def kill_after_first_graph(graph: str) -> None:
            loaded.append(graph)
            if len(loaded) == 2:
                store.kill()

        with pytest.raises(PushError) as caught:
            push(second_release, store.remote, on_graph_loaded=kill_after_first_graph)
        assert "previous release" in caught.value.message
    finally:
        store.stop()
    restarted = start_oxigraph(location)
    try:
        assert _polegraph_counts(restarted.remote) == _expected(release)
        push(second_release, restarted.remote)  # the next push clears what the interrupted one staged
        assert _polegraph_counts(restarted.remote) == _expected(second_release)
        assert not [g for g in remote_counts(restarted.remote) if g.startswith(STAGING)]
    finally:
        restarted.stop()


def test_push_through_the_cli(release, settings, tmp_path):
    if oxigraph_binary() is None:
        pytest.skip("the oxigraph server (PyPI package oxigraph) is not installed")
    store = start_oxigraph(tmp_path / "oxigraph")
    try:
        result = run("push", "--to", store.remote.query_url, "--update-url", store.remote.update_url,
                     "--graph-store-url", store.remote.graph_store_url, var=settings.var_dir)
        assert result.returncode == 0, result.stderr
        assert f"release {release.id} is now served" in result.stdout
        assert _polegraph_counts(store.remote) == _expected(release)
    finally:
        store.stop()


def test_push_to_a_dead_store_fails_clearly(release, settings):
    from tests.support import free_port

    port = free_port()
    result = run("push", "--to", f"http://127.0.0.1:{port}/sparql", "--timeout", "5", var=settings.var_dir)
    assert result.returncode == 2
    assert "previous release" in result.stderr and "failed" in result.stderr
