"""What the endpoint is and holds, as RDF: a SPARQL 1.1 Service Description with VoID statistics.

Clients (YASGUI, Comunica, crawlers) read it at GET /sparql without a query. It says which language
and result formats are supported, that the default graph is the union of the named graphs, the limits
the service keeps, and per named graph the counts VoID defines (triples, entities, classes, properties).
"""

from __future__ import annotations

import pyoxigraph as ox

from polegraph.query.backend import Backend
from polegraph.vocab import DATASET_IRI, DCTERMS, PG, RDF, RDFS, SD, VOID, W3C_FORMATS, XSD

RDF_TYPE = ox.NamedNode(RDF + "type")
RDFS_COMMENT = ox.NamedNode(RDFS + "comment")
DCT_TITLE = ox.NamedNode(DCTERMS + "title")
XSD_INTEGER = ox.NamedNode(XSD + "integer")
FORMATS = W3C_FORMATS
RESULT_FORMAT_IRIS = ("SPARQL_Results_JSON", "SPARQL_Results_XML", "SPARQL_Results_CSV", "SPARQL_Results_TSV",
                      "Turtle", "N-Triples", "JSON-LD", "RDF_XML", "TriG", "N-Quads")
PREFIXES = {"sd": SD, "void": VOID, "rdfs": RDFS, "dcterms": DCTERMS, "pg": str(PG), "formats": FORMATS}

_GRAPH_COUNTS = """
SELECT ?g (COUNT(*) AS ?triples) (COUNT(DISTINCT ?s) AS ?entities) (COUNT(DISTINCT ?p) AS ?properties)
WHERE { GRAPH ?g { ?s ?p ?o } } GROUP BY ?g
"""
_GRAPH_CLASSES = "SELECT ?g (COUNT(DISTINCT ?c) AS ?classes) WHERE { GRAPH ?g { ?s a ?c } } GROUP BY ?g"
_UNION_COUNTS = """
SELECT (COUNT(*) AS ?triples) (COUNT(DISTINCT ?s) AS ?entities) (COUNT(DISTINCT ?p) AS ?properties)
WHERE { SELECT DISTINCT ?s ?p ?o WHERE { ?s ?p ?o } }
"""
_UNION_CLASSES = "SELECT (COUNT(DISTINCT ?c) AS ?classes) WHERE { ?s a ?c }"
_CLASS_PARTITIONS = "SELECT ?c (COUNT(DISTINCT ?s) AS ?n) WHERE { ?s a ?c } GROUP BY ?c ORDER BY ?c"


def _int(value: int) -> ox.Literal:
    return ox.Literal(str(value), datatype=XSD_INTEGER)


def statistics(store: Backend) -> dict:
    """VoID counts for the union default graph, each named graph, and each class (computed once per release)."""
    union = {**store.select(_UNION_COUNTS)[0], **store.select(_UNION_CLASSES)[0]}
    graphs = {row["g"]: {k: int(row[k]) for k in ("triples", "entities", "properties")}
              for row in store.select(_GRAPH_COUNTS)}
    for row in store.select(_GRAPH_CLASSES):
        graphs[row["g"]]["classes"] = int(row["classes"])
    for counts in graphs.values():
        counts.setdefault("classes", 0)
    classes = {row["c"]: int(row["n"]) for row in store.select(_CLASS_PARTITIONS) if "c" in row}
    return {"union": {k: int(v) for k, v in union.items()}, "graphs": dict(sorted(graphs.items())),
            "classes": classes}


def describe_service(endpoint: str, stats: dict, *, release_id: str, timeout_s: float, max_rows: int,
                     max_query_bytes: int) -> list[ox.Triple]:
    """The service description of `endpoint` as triples (blank nodes only for the graph descriptions)."""
    triples: list[ox.Triple] = []

    def add(s, p: str, o) -> None:
        triples.append(ox.Triple(s, ox.NamedNode(p) if isinstance(p, str) else p, o))

    service = ox.NamedNode(endpoint)
    dataset = ox.NamedNode(DATASET_IRI)
    add(service, RDF_TYPE.value, ox.NamedNode(SD + "Service"))
    add(service, SD + "endpoint", service)
    add(service, SD + "supportedLanguage", ox.NamedNode(SD + "SPARQL11Query"))
    add(service, SD + "feature", ox.NamedNode(SD + "UnionDefaultGraph"))
    for name in RESULT_FORMAT_IRIS:
        add(service, SD + "resultFormat", ox.NamedNode(FORMATS + name))
    add(service, DCT_TITLE.value, ox.Literal("polegraph SPARQL endpoint", language="en"))
    add(service, RDFS_COMMENT.value, ox.Literal(
        f"Read-only SPARQL 1.1 query service over release {release_id}. The default graph is the union of the "
        f"named graphs. Limits: a query is stopped after {timeout_s:g} s (503); at most {max_rows} result rows "
        f"or triples per answer (header Polegraph-Results-Truncated when cut); queries up to {max_query_bytes} "
        "bytes. SERVICE, LOAD, updates and FROM/FROM NAMED or default-graph-uri/named-graph-uri naming graphs "
        "other than those listed here are refused.", language="en"))
    add(service, SD + "defaultDataset", dataset)
    add(dataset, RDF_TYPE.value, ox.NamedNode(SD + "Dataset"))
    add(dataset, RDF_TYPE.value, ox.NamedNode(VOID + "Dataset"))
    add(dataset, VOID + "sparqlEndpoint", service)
    default_graph = ox.BlankNode("defaultGraph")
    add(dataset, SD + "defaultGraph", default_graph)
    _void_counts(add, default_graph, stats["union"])
    add(default_graph, RDF_TYPE.value, ox.NamedNode(SD + "Graph"))
    for cls, count in stats["classes"].items():
        partition = ox.BlankNode(f"class{len(triples)}")
        add(dataset, VOID + "classPartition", partition)
        add(partition, VOID + "class", ox.NamedNode(cls))
        add(partition, VOID + "entities", _int(count))
    for index, (graph, counts) in enumerate(stats["graphs"].items()):
        named, description = ox.BlankNode(f"named{index}"), ox.BlankNode(f"graph{index}")
        add(dataset, SD + "namedGraph", named)
        add(named, RDF_TYPE.value, ox.NamedNode(SD + "NamedGraph"))
        add(named, SD + "name", ox.NamedNode(graph))
        add(named, SD + "graph", description)
        add(description, RDF_TYPE.value, ox.NamedNode(SD + "Graph"))
        _void_counts(add, description, counts)
    return triples


def _void_counts(add, subject, counts: dict) -> None:
    for key in ("triples", "entities", "classes", "properties"):
        add(subject, VOID + key, _int(counts[key]))
