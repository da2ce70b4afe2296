"""RDF exports of a release, byte-identical for the same graph.

The release's N-Quads carry blank nodes (the ontology's OWL class expressions). A build labels them
canonically, but older releases do not, so loading canonicalises them again (RDFC, pyoxigraph): the
same graph always gets the same labels. Every writer then emits terms in sorted order.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path

import pyoxigraph as ox
from rdflib import BNode, Graph, Literal, URIRef
from rdflib.namespace import XSD

from polegraph.pipeline.canonical import canonical_dataset
from polegraph.vocab import DCAT, EURIO, ONTOLOGY_GRAPH, PREFIXES, VCARD

# Prefixes written into Turtle, TriG and the JSON-LD @context, beyond polegraph's own.
EXTRA_PREFIXES = {"dcat": DCAT, "eurio": EURIO, "vcard": VCARD}


def export_prefixes() -> dict[str, str]:
    """Prefix → namespace, in a fixed order (sorted by prefix)."""
    return dict(sorted({**PREFIXES, **EXTRA_PREFIXES}.items()))


@dataclass(frozen=True)
class CanonicalDataset:
    """A release's quads with canonical blank-node labels, as pyoxigraph and rdflib objects."""

    quads: list[ox.Quad]

    @classmethod
    def load(cls, nquads_path: Path) -> CanonicalDataset:
        return cls(sorted(canonical_dataset(ox.parse(path=str(nquads_path), format=ox.RdfFormat.N_QUADS)), key=str))

    def triples(self, graph: str | None = None) -> list[ox.Triple]:
        """The union of all graphs (or one named graph) as sorted, distinct triples."""
        chosen = {ox.Triple(q.subject, q.predicate, q.object) for q in self.quads
                  if graph is None or (isinstance(q.graph_name, ox.NamedNode) and q.graph_name.value == graph)}
        return sorted(chosen, key=str)

    def rdflib_graph(self, graph: str | None = None) -> Graph:
        """An rdflib Graph of the union (or one named graph), triples added in sorted order."""
        result = Graph(bind_namespaces="none")
        for prefix, namespace in export_prefixes().items():
            result.bind(prefix, namespace, override=True, replace=True)
        for t in self.triples(graph):
            result.add((to_rdflib(t.subject), to_rdflib(t.predicate), to_rdflib(t.object)))
        return result


def to_rdflib(term):
    """The rdflib term for a pyoxigraph term (simple literals stay without datatype, as rdflib parses them)."""
    if isinstance(term, ox.NamedNode):
        return URIRef(term.value)
    if isinstance(term, ox.BlankNode):
        return BNode(term.value)
    if term.language:
        return Literal(term.value, lang=term.language)
    datatype = term.datatype.value
    if datatype == str(XSD.string):
        return Literal(term.value)
    return Literal(term.value, datatype=URIRef(datatype))


def _sorted_lines(data: bytes) -> bytes:
    lines = sorted({line for line in data.splitlines() if line.strip()})
    return b"\n".join(lines) + b"\n"


def ntriples(data: CanonicalDataset, graph: str | None = None) -> bytes:
    """Canonical N-Triples, one triple a line, lines sorted."""
    return _sorted_lines(ox.serialize(data.triples(graph), format=ox.RdfFormat.N_TRIPLES))


def nquads(data: CanonicalDataset) -> bytes:
    """N-Quads keeping the named graphs, lines sorted."""
    return _sorted_lines(ox.serialize(data.quads, format=ox.RdfFormat.N_QUADS))


def turtle(graph: Graph) -> bytes:
    return graph.serialize(format="turtle", encoding="utf-8")


def trig(data: CanonicalDataset) -> bytes:
    """TriG grouped by graph then subject (rdflib's TriG writer orders graphs arbitrarily)."""
    quads = sorted(data.quads, key=lambda q: (str(q.graph_name), str(q.subject), str(q.predicate), str(q.object)))
    return ox.serialize(quads, format=ox.RdfFormat.TRIG, prefixes=export_prefixes())


def rdfxml(data: CanonicalDataset, graph: str | None = None) -> bytes:
    """RDF/XML from sorted triples (rdflib's XML writer orders subjects arbitrarily)."""
    prefixes = {p: ns for p, ns in export_prefixes().items() if p in _XML_PREFIXES}
    return ox.serialize(data.triples(graph), format=ox.RdfFormat.RDF_XML, prefixes=prefixes)


# Namespaces of predicates (RDF/XML needs a prefix for each one used as an element name).
_XML_PREFIXES = ("dcterms", "eurio", "foaf", "org", "owl", "pg", "prov", "rdf", "rdfs", "schema", "skos", "xsd")


def jsonld(graph: Graph) -> bytes:
    """JSON-LD compacted with the prefixes as @context; arrays and keys sorted (they are sets)."""
    context = export_prefixes()
    document = json.loads(graph.serialize(format="json-ld", context=context, auto_compact=True))
    return (json.dumps(_sort_json(document), ensure_ascii=False, indent=2, sort_keys=True) + "\n").encode()


def _sort_json(value, key: str | None = None):
    """Sort JSON-LD arrays, except @list values whose order is meaningful."""
    if isinstance(value, dict):
        return {k: _sort_json(v, k) for k, v in value.items()}
    if isinstance(value, list):
        items = [_sort_json(v) for v in value]
        if key == "@list":
            return items
        return sorted(items, key=lambda v: json.dumps(v, sort_keys=True, ensure_ascii=False))
    return value


@dataclass(frozen=True)
class RdfFile:
    name: str
    media_type: str
    title_en: str
    title_fr: str


RDF_FILES = (
    RdfFile("polegraph.ttl", "text/turtle", "The whole graph in Turtle (all named graphs merged)",
            "Le graphe complet en Turtle (graphes nommés fusionnés)"),
    RdfFile("polegraph.nt", "application/n-triples", "The whole graph in N-Triples, lines sorted",
            "Le graphe complet en N-Triples, lignes triées"),
    RdfFile("polegraph.jsonld", "application/ld+json", "The whole graph in JSON-LD with a compact context",
            "Le graphe complet en JSON-LD avec un contexte compact"),
    RdfFile("polegraph.rdf", "application/rdf+xml", "The whole graph in RDF/XML",
            "Le graphe complet en RDF/XML"),
    RdfFile("polegraph.trig", "application/trig",
            "The graph in TriG, one named graph per manifesto section (provenance kept)",
            "Le graphe en TriG, un graphe nommé par section du manifeste (provenance conservée)"),
    RdfFile("polegraph.nq", "application/n-quads", "The graph in N-Quads with its named graphs, lines sorted",
            "Le graphe en N-Quads avec ses graphes nommés, lignes triées"),
    RdfFile("ontology.ttl", "text/turtle", "The polegraph ontology alone in Turtle, with all annotations",
            "L'ontologie polegraph seule en Turtle, avec toutes ses annotations"),
    RdfFile("ontology.rdf", "application/rdf+xml",
            "The polegraph ontology alone in RDF/XML (WebVOWL, Widoco, Protégé)",
            "L'ontologie polegraph seule en RDF/XML (WebVOWL, Widoco, Protégé)"),
)


def write_rdf(data: CanonicalDataset, out: Path) -> None:
    """Write every RDF file of RDF_FILES into `out`."""
    union = data.rdflib_graph()
    ontology = data.rdflib_graph(ONTOLOGY_GRAPH)
    contents = {
        "polegraph.ttl": turtle(union),
        "polegraph.nt": ntriples(data),
        "polegraph.jsonld": jsonld(union),
        "polegraph.rdf": rdfxml(data),
        "polegraph.trig": trig(data),
        "polegraph.nq": nquads(data),
        "ontology.ttl": turtle(ontology),
        "ontology.rdf": rdfxml(data, ONTOLOGY_GRAPH),
    }
    for name, body in contents.items():
        (out / name).write_bytes(body)
