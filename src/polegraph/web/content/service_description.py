"""What the endpoint is and holds, as RDF: a SPARQL 1.1 Service Description with VoID statistics.

Clients (YASGUI, Comunica, crawlers) read it at GET /sparql without a query. It says which language
and result formats are supported, that the default graph merges the named graphs but the alignment
graph, the limits the service keeps, and per named graph the counts VoID defines (triples, entities,
classes, properties).
For a researcher who writes SPARQL by hand (issue 26) it also declares the prefixes, one per kind of
thing (`pole:`, `initiative:`…), as SHACL prefix declarations and as VoID subsets with their
`void:uriSpace` and entity counts, and gives one `void:propertyPartition` per property with its count.
"""

from __future__ import annotations

import pyoxigraph as ox

from polegraph.vocab import (
    ALIGNMENT_GRAPH,
    DATASET_IRI,
    DCTERMS,
    ID,
    INFERRED_GRAPH,
    KINDS,
    PG,
    RDF,
    RDFS,
    SD,
    SH,
    VANN,
    VOID,
    W3C_FORMATS,
    XSD,
)
from polegraph.vocab import PREFIXES as VOCABULARY_PREFIXES

RDF_TYPE = ox.NamedNode(RDF + "type")
RDFS_COMMENT = ox.NamedNode(RDFS + "comment")
DCT_TITLE = ox.NamedNode(DCTERMS + "title")
XSD_INTEGER = ox.NamedNode(XSD + "integer")
XSD_ANY_URI = ox.NamedNode(XSD + "anyURI")
FORMATS = W3C_FORMATS
RESULT_FORMAT_IRIS = ("SPARQL_Results_JSON", "SPARQL_Results_XML", "SPARQL_Results_CSV", "SPARQL_Results_TSV",
                      "Turtle", "N-Triples", "JSON-LD", "RDF_XML", "TriG", "N-Quads")
PREFIXES = {"sd": SD, "void": VOID, "rdfs": RDFS, "dcterms": DCTERMS, "pg": str(PG), "formats": FORMATS, "sh": SH,
            "vann": VANN, "xsd": XSD}

def _int(value: int) -> ox.Literal:
    return ox.Literal(str(value), datatype=XSD_INTEGER)


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
    for name in RESULT_FORMAT_IRIS:
        add(service, SD + "resultFormat", ox.NamedNode(FORMATS + name))
    add(service, DCT_TITLE.value, ox.Literal("polegraph SPARQL endpoint", language="en"))
    add(service, RDFS_COMMENT.value, ox.Literal(
        f"Read-only SPARQL 1.1 query service over release {release_id}. The default graph is the merge of the "
        f"named graphs but <{ALIGNMENT_GRAPH}> (each link once). Statements derived at build time are in "
        f"<{INFERRED_GRAPH}> (inverses, super-properties, "
        f"the shortcuts of the qualified patterns) and <{ALIGNMENT_GRAPH}> (the same facts restated in ORG, "
        "schema.org, FOAF, PROV, EURIO and DCTERMS). The prefixes to write IRIs with, one per kind of thing, are "
        "declared below (sh:declare); the query cookbook is docs/cookbook.md. "
        f"Limits: a query is stopped after {timeout_s:g} s (503); at most {max_rows} result rows "
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
    _prefixes(add, service, dataset, stats.get("kinds", {}))
    for index, (prop, counts) in enumerate(stats.get("properties", {}).items()):
        partition = ox.BlankNode(f"property{index}")
        add(dataset, VOID + "propertyPartition", partition)
        add(partition, VOID + "property", ox.NamedNode(prop))
        add(partition, VOID + "triples", _int(counts["n"]))
        add(partition, VOID + "distinctSubjects", _int(counts["subjects"]))
        add(partition, VOID + "distinctObjects", _int(counts["objects"]))
    for index, (graph, counts) in enumerate(stats["graphs"].items()):
        named, description = ox.BlankNode(f"named{index}"), ox.BlankNode(f"graph{index}")
        add(dataset, SD + "namedGraph", named)
        add(named, RDF_TYPE.value, ox.NamedNode(SD + "NamedGraph"))
        add(named, SD + "name", ox.NamedNode(graph))
        add(named, SD + "graph", description)
        add(description, RDF_TYPE.value, ox.NamedNode(SD + "Graph"))
        _void_counts(add, description, counts)
    return triples


def _prefixes(add, service, dataset, kinds: dict) -> None:
    """Every prefix a query needs, declared the SHACL way (`sh:declare`, as in shapes/core.ttl) on the
    service; and one VoID subset per kind of thing: its `void:uriSpace`, preferred prefix and entities."""
    add(dataset, VOID + "uriSpace", ox.Literal(ID))
    for index, (prefix, namespace) in enumerate(sorted(VOCABULARY_PREFIXES.items())):
        declaration = ox.BlankNode(f"prefix{index}")
        add(service, SH + "declare", declaration)
        add(declaration, SH + "prefix", ox.Literal(prefix))
        add(declaration, SH + "namespace", ox.Literal(namespace, datatype=XSD_ANY_URI))
    for kind in KINDS:
        subset = ox.BlankNode(f"kind-{kind}")
        add(dataset, VOID + "subset", subset)
        add(subset, RDF_TYPE.value, ox.NamedNode(VOID + "Dataset"))
        add(subset, DCT_TITLE.value, ox.Literal(f"Things of kind {kind}", language="en"))
        add(subset, VOID + "uriSpace", ox.Literal(f"{ID}{kind}/"))
        add(subset, VANN + "preferredNamespacePrefix", ox.Literal(kind))
        add(subset, VANN + "preferredNamespaceUri", ox.Literal(f"{ID}{kind}/"))
        add(subset, VOID + "entities", _int(kinds.get(kind, 0)))


def _void_counts(add, subject, counts: dict) -> None:
    for key in ("triples", "entities", "classes", "properties"):
        add(subject, VOID + key, _int(counts[key]))
