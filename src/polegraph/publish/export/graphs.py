"""Graphs for visualisation tools: GEXF (Gephi), GraphML (yEd, Cytoscape), Cytoscape.js JSON, CSV lists.

Built by hand, not with rdflib's networkx converters (docs/known-limitations.md): nodes are the resources of the main
classes with their label, class and literal values as attributes; edges are the asserted object
properties between them, labelled with the property's label. Everything is added in sorted order so
the files are byte-identical for the same graph.
"""

from __future__ import annotations

import contextlib
import csv
import io
import json
from pathlib import Path

import networkx as nx
from networkx.readwrite.gexf import GEXFWriter

from polegraph.publish.export.entities import Entities
from polegraph.publish.export.rdf import export_prefixes
from polegraph.vocab import curie

GRAPH_FILES = {
    "polegraph.gexf": ("application/gexf+xml", "Network of the graph's resources for Gephi (GEXF)",
                       "Réseau des ressources du graphe pour Gephi (GEXF)"),
    "polegraph.graphml": ("application/graphml+xml", "Network of the graph's resources for yEd and Cytoscape "
                          "(GraphML)", "Réseau des ressources du graphe pour yEd et Cytoscape (GraphML)"),
    "polegraph.cyjs": ("application/json", "Network for Cytoscape.js and Cytoscape (elements JSON)",
                       "Réseau pour Cytoscape.js et Cytoscape (JSON elements)"),
    "nodes.csv": ("text/csv", "Node list in Gephi's convention (Id, Label, then attributes)",
                  "Liste des nœuds selon la convention de Gephi (Id, Label, puis attributs)"),
    "edges.csv": ("text/csv", "Edge list in Gephi's convention (Source, Target, Type, Label)",
                  "Liste des liens selon la convention de Gephi (Source, Target, Type, Label)"),
}


def build_network(entities: Entities) -> nx.MultiDiGraph:
    """One node per exported resource, one edge per asserted link between two of them."""
    network = nx.MultiDiGraph(name="polegraph")
    for node in entities.nodes():
        figure_value = None
        attrs = {
            "label": entities.label(node),
            "label_en": entities.label(node, "en"),
            "class": entities.specific_class(node),
            "kind": entities.group_of[node].name,
            "iri": str(node),
        }
        for key, value in entities.literals(node).items():
            attrs[key] = value
            if key == "pg:value":
                figure_value = value
        if figure_value is not None:
            with contextlib.suppress(ValueError):
                attrs["value"] = float(figure_value.split(" | ")[0])
        network.add_node(str(node), **attrs)
    for index, (s, p, o) in enumerate(entities.links()):
        network.add_edge(str(s), str(o), key=f"e{index}", id=f"e{index}", label=entities.property_label(p),
                         label_en=entities.property_label(p, "en"), property=curie(str(p), export_prefixes()))
    return network


def gexf(network: nx.MultiDiGraph) -> bytes:
    """GEXF 1.2 without networkx's date stamp (which would make every day's file different)."""
    writer = GEXFWriter(encoding="utf-8", prettyprint=True, version="1.2draft")
    meta = writer.xml.find("meta")
    meta.attrib.pop("lastmodifieddate", None)
    meta.find("creator").text = "polegraph"
    writer.add_graph(network)
    return str(writer).encode("utf-8")


def graphml(network: nx.MultiDiGraph) -> bytes:
    return "\n".join(nx.generate_graphml(network, encoding="utf-8", prettyprint=True)).encode() + b"\n"


def cytoscape(network: nx.MultiDiGraph) -> bytes:
    """Cytoscape.js `elements` JSON (also read by Cytoscape desktop's JSON import)."""
    nodes = [{"data": {"id": n, **attrs}} for n, attrs in network.nodes(data=True)]
    edges = [{"data": {"source": s, "target": t, **attrs}} for s, t, attrs in network.edges(data=True)]
    document = {"data": {"name": "polegraph"}, "elements": {"nodes": nodes, "edges": edges}}
    return (json.dumps(document, ensure_ascii=False, indent=1) + "\n").encode()


def _csv(rows: list[list]) -> bytes:
    buffer = io.StringIO()
    csv.writer(buffer, lineterminator="\n").writerows(rows)
    return buffer.getvalue().encode()


def node_list(network: nx.MultiDiGraph) -> bytes:
    """Gephi's node table: Id, Label, then every attribute as a column."""
    extra = sorted({k for _, a in network.nodes(data=True) for k in a} - {"label"})
    rows = [["Id", "Label", *extra]]
    rows += [[n, a["label"], *(a.get(k, "") for k in extra)] for n, a in network.nodes(data=True)]
    return _csv(rows)


def edge_list(network: nx.MultiDiGraph) -> bytes:
    """Gephi's edge table: Source, Target, Type (Directed), Label, then the property."""
    rows = [["Source", "Target", "Type", "Label", "Id", "Property", "Label_en"]]
    rows += [[s, t, "Directed", a["label"], a["id"], a["property"], a["label_en"]]
             for s, t, a in network.edges(data=True)]
    return _csv(rows)


def write_graphs(entities: Entities, out: Path) -> None:
    network = build_network(entities)
    contents = {
        "polegraph.gexf": gexf(network),
        "polegraph.graphml": graphml(network),
        "polegraph.cyjs": cytoscape(network),
        "nodes.csv": node_list(network),
        "edges.csv": edge_list(network),
    }
    for name, body in contents.items():
        (out / name).write_bytes(body)
