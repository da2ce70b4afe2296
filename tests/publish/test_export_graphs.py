"""Graphs for Gephi, yEd and Cytoscape: every resource of the main classes is a node with label and class."""

from __future__ import annotations

import csv
import json

import networkx as nx
import pytest

MAIN_CLASSES = ("Pole", "Person", "Organisation", "Initiative", "Figure", "Place", "ValueChain")


@pytest.fixture(scope="module")
def resources(store) -> set[str]:
    values = " ".join(f"pg:{c}" for c in MAIN_CLASSES)
    rows = store.select(f"""PREFIX pg: <https://w3id.org/polegraph/ontology#>
        SELECT DISTINCT ?s WHERE {{ VALUES ?c {{ {values} }} ?s a ?c FILTER(isIRI(?s)) }}""")
    return {row["s"] for row in rows}


@pytest.fixture(scope="module", params=["gexf", "graphml"])
def network(request, dist) -> nx.Graph:
    reader = nx.read_gexf if request.param == "gexf" else nx.read_graphml
    return reader(dist / f"polegraph.{request.param}")


def _by_label(network, label: str) -> str:
    matches = [n for n, a in network.nodes(data=True) if a.get("label") == label]
    assert len(matches) == 1, (label, matches)
    return matches[0]


def test_every_resource_of_the_exported_classes_is_one_node(network, resources):
    assert set(network.nodes) == resources
    assert network.number_of_nodes() == len(resources)


def test_every_node_keeps_its_label_and_class(network):
    for node, attrs in network.nodes(data=True):
        assert attrs.get("label"), node
        assert attrs.get("class"), node


def test_literals_are_attributes_not_nodes(network):
    assert all(str(node).startswith("https://w3id.org/polegraph/id/") for node in network.nodes)
    figures = [a for _, a in network.nodes(data=True) if a["class"] in ("Figure", "MonetaryAmount")]
    assert figures and all("pg:value" in a for a in figures)


def test_the_manifesto_signatures_become_labelled_edges(network):
    # Signature list of the manifesto: "Minalogic, Serge Veyres, Président".
    pole, person = _by_label(network, "Minalogic"), _by_label(network, "Serge Veyres")
    assert network.nodes[pole]["class"] == "Pole" and network.nodes[person]["class"] == "Person"
    between = [a for u, v, a in network.edges(data=True) if {u, v} == {pole, person}]
    assert between and all(a.get("label") for a in between)
    assert any(a["property"] in ("pg:president", "pg:presidentOf") for a in between)


def test_cytoscape_json_and_gephi_csv_hold_the_same_network(dist):
    gexf = nx.read_gexf(dist / "polegraph.gexf")
    elements = json.loads((dist / "polegraph.cyjs").read_text(encoding="utf-8"))["elements"]
    assert {n["data"]["id"] for n in elements["nodes"]} == set(gexf.nodes)
    assert all(n["data"]["label"] and n["data"]["class"] for n in elements["nodes"])
    assert len(elements["edges"]) == gexf.number_of_edges()
    with (dist / "nodes.csv").open(encoding="utf-8") as handle:
        nodes = list(csv.DictReader(handle))
    with (dist / "edges.csv").open(encoding="utf-8") as handle:
        reader = csv.DictReader(handle)
        assert reader.fieldnames[:4] == ["Source", "Target", "Type", "Label"]
        edges = list(reader)
    assert list(nodes[0])[:2] == ["Id", "Label"]
    assert {n["Id"] for n in nodes} == set(gexf.nodes)
    assert len(edges) == gexf.number_of_edges()
    assert all(e["Source"] in gexf and e["Target"] in gexf and e["Label"] for e in edges)
