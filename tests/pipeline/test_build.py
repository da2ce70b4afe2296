"""The pipeline on broken sources: a clear message naming the file and problem, nothing published."""

from __future__ import annotations

from collections import Counter

import pyoxigraph as ox
import pytest

from polegraph.errors import SourceError, ValidationFailed
from polegraph.pipeline.build import build_release, check
from polegraph.pipeline.release import Release
from polegraph.pipeline.store import load_dataset
from polegraph.pipeline.void import void_statistics
from polegraph.settings import Settings
from polegraph.web.app import create_app
from tests.test_cli import run

BROKEN_TURTLE = """@prefix pg: <https://w3id.org/polegraph/ontology#> .
<https://w3id.org/polegraph/id/section/signatures> {
  <https://w3id.org/polegraph/id/pole/x> a pg:Pole ;
     <http://www.w3.org/2000/01/rdf-schema#label> "X"@fr
  <https://w3id.org/polegraph/id/pole/y> a pg:Pole .
}
"""


def test_syntax_error_names_file_and_line(project_copy, tmp_path):
    (project_copy / "data" / "broken.trig").write_text(BROKEN_TURTLE, encoding="utf-8")
    with pytest.raises(SourceError) as caught:
        build_release(Settings(project=project_copy, var=tmp_path / "var"))
    assert caught.value.path.endswith("data/broken.trig")
    assert caught.value.line == 5
    assert not (tmp_path / "var" / "current").exists()


def test_syntax_error_through_the_cli(project_copy, tmp_path):
    (project_copy / "data" / "broken.trig").write_text(BROKEN_TURTLE, encoding="utf-8")
    result = run("build", project=project_copy, var=tmp_path / "var")
    assert result.returncode == 2
    assert "data/broken.trig:5" in result.stderr


def test_a_source_naming_something_that_is_no_iri_is_refused_through_the_cli(project_copy, tmp_path):
    """rdflib reads `\\u0020` inside an IRI as a space: the build names the file, as /validate refuses it."""
    (project_copy / "data" / "odd.trig").write_text(
        "<https://w3id.org/polegraph/id/section/signatures> {\n  <https://w3id.org/polegraph/id/pole/a\\u0020b> "
        "a <https://w3id.org/polegraph/ontology#Pole> .\n}\n", encoding="utf-8")
    result = run("build", project=project_copy, var=tmp_path / "var")
    assert result.returncode == 2
    assert "data/odd.trig" in result.stderr and "not a valid IRI" in result.stderr, result.stderr
    assert not (tmp_path / "var" / "current").exists()


POLE_X = "<https://w3id.org/polegraph/id/pole/x> a <https://w3id.org/polegraph/ontology#Pole> .\n"


@pytest.mark.parametrize("text, message", [
    (POLE_X, "outside any GRAPH"),
    ("<https://w3id.org/polegraph/id/section/chapitre-99> {\n" + POLE_X + "}\n", "not a declared manifesto section"),
], ids=["outside-a-graph", "unknown-section"])
def test_triples_not_traceable_to_a_section_are_refused(project_copy, tmp_path, text, message):
    (project_copy / "data" / "untraceable.trig").write_text(text, encoding="utf-8")
    with pytest.raises(SourceError, match=message):
        check(Settings(project=project_copy, var=tmp_path / "var"))


def test_shape_violation_blocks_the_release(project_copy, tmp_path):
    (project_copy / "data" / "broken.trig").write_text(
        "@prefix pg: <https://w3id.org/polegraph/ontology#> .\n"
        "<https://w3id.org/polegraph/id/section/signatures> {\n"
        "  <https://w3id.org/polegraph/id/pole/sans-nom> a pg:Pole .\n}\n", encoding="utf-8")
    settings = Settings(project=project_copy, var=tmp_path / "var")
    with pytest.raises(ValidationFailed) as caught:
        build_release(settings)
    report = caught.value.report
    assert not report.conforms
    assert "https://w3id.org/polegraph/id/pole/sans-nom" in report.by_focus()
    assert "French label" in report.to_text()
    assert not (tmp_path / "var" / "current").exists()
    result = run("validate", project=project_copy)
    assert result.returncode == 1
    assert "pole/sans-nom" in result.stdout


def test_a_failed_build_keeps_the_previous_release(project_copy, tmp_path):
    settings = Settings(project=project_copy, var=tmp_path / "var")
    first = build_release(settings)
    (project_copy / "data" / "broken.trig").write_text(BROKEN_TURTLE, encoding="utf-8")
    with pytest.raises(SourceError):
        build_release(settings)
    assert (tmp_path / "var" / "current").resolve() == first.path
    assert not [p for p in (tmp_path / "var" / "releases").iterdir() if p.name.startswith(".building")]


def test_release_records_inputs_and_provenance(release, store):
    meta = release.metadata
    assert "data/signatures.trig" in meta["inputs"]
    assert "rdflib" in meta["tools"] and "pyoxigraph" in meta["tools"]
    rows = store.select("""
        PREFIX pg: <https://w3id.org/polegraph/ontology#>
        SELECT ?section WHERE {
          GRAPH ?section { <https://w3id.org/polegraph/id/person/serge-veyres>
                             pg:presidentOf <https://w3id.org/polegraph/id/pole/minalogic> }
          ?section a pg:ManifestoSection }""")
    assert [r["section"] for r in rows] == ["https://w3id.org/polegraph/id/section/signatures"]
    assert store.ask("""ASK { GRAPH <https://w3id.org/polegraph/graph/provenance> {
        <https://w3id.org/polegraph/id/pole/minalogic> <https://w3id.org/polegraph/ontology#statedIn>
        <https://w3id.org/polegraph/id/section/signatures> } }""")


def test_release_keeps_the_void_counts_of_what_is_served(release, store):
    """The build counts once what the service describes; the counts are those of the loaded store."""
    kept = release.metadata["void"]
    assert kept == void_statistics(store.select)
    assert kept["union"]["triples"] == int(store.select("SELECT (COUNT(*) AS ?n) WHERE { ?s ?p ?o }")[0]["n"])
    assert set(kept["graphs"]) == set(store.named_graphs())


def test_the_served_store_holds_exactly_what_a_strict_parse_of_the_release_reads(release, store):
    """The service loads a verified release without Oxigraph re-checking its IRIs; nothing it reads differs."""
    strict, quads = load_dataset(release.dataset_path)
    assert len(store) == quads

    def statements(loaded):  # a blank node is named afresh at each load
        return Counter(tuple("_" if isinstance(t, ox.BlankNode) else t for t in quad) for quad in loaded)
    assert statements(store.oxigraph) == statements(strict)


def test_a_release_built_before_the_counts_were_kept_is_still_described(release, store, settings):
    older = Release(release.path, {k: v for k, v in release.metadata.items() if k != "void"})
    app = create_app(settings, older, store)
    assert app.extensions["polegraph"].statistics == release.metadata["void"]


def test_an_inconsistent_graph_is_not_released(project_copy, tmp_path):
    """HermiT runs at build time: a thing typed in two disjoint classes stops the release."""
    from rdflib import Graph

    from polegraph.errors import Inconsistent
    from polegraph.pipeline.consistency import check_consistency

    if not check_consistency(Graph()).completed:
        pytest.skip("HermiT cannot run here (no Java runtime)")
    for shape_file in (project_copy / "shapes").glob("*.ttl"):
        shape_file.unlink()  # only the reasoner is under test here
    (project_copy / "data" / "clash.trig").write_text(
        "@prefix pg: <https://w3id.org/polegraph/ontology#> .\n"
        "<https://w3id.org/polegraph/id/section/signatures> {\n"
        "  <https://w3id.org/polegraph/id/pole/minalogic> a pg:Person .\n}\n", encoding="utf-8")
    settings = Settings(project=project_copy, var=tmp_path / "var")
    with pytest.raises(Inconsistent, match="inconsistent"):
        build_release(settings)
    assert not (tmp_path / "var" / "current").exists()
    result = run("build", project=project_copy, var=tmp_path / "var")
    assert result.returncode == 1
