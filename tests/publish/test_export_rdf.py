"""`polegraph export`, RDF part: every file re-parses to the served graph, with two parsers; stable bytes."""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pyoxigraph as ox
import pytest
from rdflib import Dataset, Graph
from rdflib.compare import isomorphic

from polegraph.pipeline.release import Release
from polegraph.vocab import INFERRED_GRAPH, ONTOLOGY_GRAPH

TRIPLE_FILES = {"polegraph.ttl": ("turtle", ox.RdfFormat.TURTLE, "turtle"),
                "polegraph.nt": ("nt", ox.RdfFormat.N_TRIPLES, "ntriples"),
                "polegraph.jsonld": ("json-ld", ox.RdfFormat.JSON_LD, None),
                "polegraph.rdf": ("xml", ox.RdfFormat.RDF_XML, "rdfxml")}
QUAD_FILES = {"polegraph.trig": ("trig", ox.RdfFormat.TRIG, "trig"),
              "polegraph.nq": ("nquads", ox.RdfFormat.N_QUADS, "nquads")}
ONTOLOGY_FILES = {"ontology.ttl": ("turtle", ox.RdfFormat.TURTLE), "ontology.rdf": ("xml", ox.RdfFormat.RDF_XML)}


@pytest.fixture(scope="module")
def served(release) -> ox.Dataset:
    """The graph the server loads (the release's N-Quads), blank nodes canonicalised."""
    dataset = ox.Dataset(ox.parse(path=str(release.dataset_path), format=ox.RdfFormat.N_QUADS))
    dataset.canonicalize(ox.CanonicalizationAlgorithm.UNSTABLE)
    return dataset


def _ox_union(dataset: ox.Dataset, graph: str | None = None) -> ox.Dataset:
    triples = {(q.subject, q.predicate, q.object) for q in dataset
               if graph is None or getattr(q.graph_name, "value", None) == graph}
    union = ox.Dataset([ox.Quad(s, p, o, ox.DefaultGraph()) for s, p, o in triples])
    union.canonicalize(ox.CanonicalizationAlgorithm.UNSTABLE)
    return union


def _ox_parse(path: Path, fmt: ox.RdfFormat) -> ox.Dataset:
    dataset = ox.Dataset(ox.parse(path=str(path), format=fmt))
    dataset.canonicalize(ox.CanonicalizationAlgorithm.UNSTABLE)
    return dataset


def _rdflib_union(release: Release) -> Graph:
    dataset = Dataset()
    dataset.parse(release.dataset_path, format="nquads")
    union = Graph()
    for s, p, o, _g in dataset.quads((None, None, None, None)):
        union.add((s, p, o))
    return union


@pytest.mark.parametrize("name", sorted(TRIPLE_FILES))
def test_triple_exports_reparse_isomorphic_with_rdflib_and_oxigraph(dist, release, served, name):
    rdflib_format, ox_format, _ = TRIPLE_FILES[name]
    assert isomorphic(Graph().parse(dist / name, format=rdflib_format), _rdflib_union(release))
    assert _ox_parse(dist / name, ox_format) == _ox_union(served)


@pytest.mark.parametrize("name", sorted(QUAD_FILES))
def test_quad_exports_keep_every_named_graph(dist, served, name):
    rdflib_format, ox_format, _ = QUAD_FILES[name]
    assert _ox_parse(dist / name, ox_format) == served
    reparsed = Dataset()
    reparsed.parse(dist / name, format=rdflib_format)
    original = Dataset()
    original.parse(dist / "polegraph.nq", format="nquads")
    names = {str(g.identifier) for g in reparsed.graphs() if len(g)}
    assert names == {str(g.identifier) for g in original.graphs() if len(g)}
    assert any("/id/section/" in n for n in names), "the provenance (section) graphs are kept"
    for graph in original.graphs():
        if len(graph):
            assert isomorphic(reparsed.graph(graph.identifier), graph), graph.identifier


@pytest.mark.skipif(shutil.which("rapper") is None, reason="Raptor's rapper (Debian raptor2-utils) is not installed")
@pytest.mark.parametrize("name", sorted(n for n, f in {**TRIPLE_FILES, **QUAD_FILES}.items() if f[2]))
def test_raptor_reads_every_triple_back(dist, served, name):
    syntax = {**TRIPLE_FILES, **QUAD_FILES}[name][2]
    result = subprocess.run(["rapper", "-q", "-i", syntax, "-o", "nquads", str(dist / name)],
                            capture_output=True, check=True)
    parsed = _ox_parse_bytes(result.stdout)
    expected = served if name in QUAD_FILES else _ox_union(served)
    assert parsed == expected


def _ox_parse_bytes(data: bytes) -> ox.Dataset:
    dataset = ox.Dataset(ox.parse(data, format=ox.RdfFormat.N_QUADS))
    dataset.canonicalize(ox.CanonicalizationAlgorithm.UNSTABLE)
    return dataset


@pytest.mark.parametrize("name", sorted(ONTOLOGY_FILES))
def test_ontology_alone_keeps_all_its_annotations(dist, served, name):
    rdflib_format, ox_format = ONTOLOGY_FILES[name]
    assert _ox_parse(dist / name, ox_format) == _ox_union(served, ONTOLOGY_GRAPH)
    ontology = Graph().parse(dist / name, format=rdflib_format)
    assert (None, None, None) in ontology
    assert not any("/id/" in str(s) for s in ontology.subjects()), "no instance data in the ontology file"


def test_blank_nodes_only_in_the_ontology(served):
    """Data files have none (docs/modelling.md); the ontology's OWL expressions are canonicalised on export."""
    allowed = {ONTOLOGY_GRAPH, INFERRED_GRAPH}
    where = {q.graph_name.value for q in served
             if isinstance(q.subject, ox.BlankNode) or isinstance(q.object, ox.BlankNode)}
    assert where <= allowed, where - allowed


def test_turtle_is_prefixed_and_ntriples_sorted(dist):
    turtle = (dist / "polegraph.ttl").read_text(encoding="utf-8")
    assert "@prefix pg: <https://w3id.org/polegraph/ontology#> ." in turtle
    assert re.search(r"^pole:minalogic ", turtle, re.M), "things are written with their kind's prefix"
    lines = (dist / "polegraph.nt").read_bytes().splitlines()
    assert lines == sorted(lines) and len(lines) == len(set(lines))


def test_jsonld_has_a_compact_inline_context(dist):
    document = json.loads((dist / "polegraph.jsonld").read_text(encoding="utf-8"))
    context = document["@context"]
    assert context["pg"] == "https://w3id.org/polegraph/ontology#"
    assert context["pole"] == "https://w3id.org/polegraph/id/pole/"
    assert any(node.get("@id") == "pole:minalogic" for node in document["@graph"])


def _rebuilt_copy(release: Release, target: Path) -> Release:
    """The same graph as a rebuild would write it: other blank-node labels, lines in another order."""
    shutil.copytree(release.path, target)
    lines = release.dataset_path.read_text(encoding="utf-8").splitlines()
    renamed = [re.sub(r"_:([A-Za-z0-9]+)", lambda m: "_:x" + m.group(1)[::-1], line) for line in lines]
    (target / release.dataset_path.name).write_text("\n".join(reversed(renamed)) + "\n", encoding="utf-8")
    return Release.open(target)


def test_two_exports_of_the_same_graph_are_byte_identical(release, dist, tmp_path):
    """A rebuild (other blank-node labels, other line order) exported by processes with other hash seeds."""
    rebuilt = _rebuilt_copy(release, tmp_path / "rebuilt")
    first = sorted(p.name for p in dist.iterdir())
    for seed in ("1", "2"):
        out = tmp_path / f"again-{seed}"
        script = ("import sys; from pathlib import Path; from polegraph.pipeline.release import Release; "
                  "from polegraph.publish.export import export_release; "
                  "export_release(Release.open(Path(sys.argv[1])), Path(sys.argv[2]))")
        subprocess.run([sys.executable, "-c", script, str(rebuilt.path), str(out)], check=True,
                       env={**os.environ, "PYTHONHASHSEED": seed})
        assert sorted(p.name for p in out.iterdir()) == first
        for name in sorted(first, key=lambda n: (n in ("SHA256SUMS", "manifest.json"), n)):  # data files first
            assert (dist / name).read_bytes() == (out / name).read_bytes(), name
