"""Which resources the tabular and visualisation exports show, and how they are described.

One object per release: the union graph (asserted + inferred, for classes), the asserted triples
(for edges and attributes, so inverses the reasoner adds do not double every edge) and the ontology
(for labels of classes and properties).
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field

from rdflib import RDF, RDFS, Graph, Literal, URIRef
from rdflib.namespace import SKOS

from polegraph.publish.export.rdf import CanonicalDataset, export_prefixes, to_rdflib
from polegraph.vocab import ALIGNMENT_GRAPH, INFERRED_GRAPH, ONTOLOGY_GRAPH, PG, PROVENANCE_GRAPH, curie


@dataclass(frozen=True)
class Group:
    """A main class of the graph: one CSV table, one value of the `kind` attribute of graph nodes."""

    name: str  # table name and `kind`
    cls: URIRef
    title_en: str
    title_fr: str


# In priority order: a resource belongs to the first group whose class it has (a pôle is also an
# organisation; it is listed once, with the pôles).
GROUPS = (
    Group("poles", PG.Pole, "Competitiveness clusters (pôles de compétitivité)", "Pôles de compétitivité"),
    Group("persons", PG.Person, "Persons", "Personnes"),
    Group("organisations", PG.Organisation, "Organisations other than pôles", "Organisations autres que les pôles"),
    Group("initiatives", PG.Initiative, "Initiatives: programmes, projects, calls, events, funding programmes",
          "Initiatives : programmes, projets, appels, événements, programmes de financement"),
    Group("figures", PG.Figure, "Figures stated by the manifesto", "Chiffres cités par le manifeste"),
    Group("places", PG.Place, "Places and territories", "Lieux et territoires"),
    Group("value-chains", PG.ValueChain, "Value chains (filières)", "Filières"),
)


@dataclass
class Entities:
    union: Graph
    asserted: Graph
    ontology: Graph
    group_of: dict[URIRef, Group] = field(default_factory=dict)

    @classmethod
    def from_canonical(cls, data: CanonicalDataset) -> Entities:
        derived = {INFERRED_GRAPH, ALIGNMENT_GRAPH, PROVENANCE_GRAPH, ONTOLOGY_GRAPH}
        asserted = Graph()
        for q in data.quads:
            name = getattr(q.graph_name, "value", None)
            if name not in derived:
                asserted.add((to_rdflib(q.subject), to_rdflib(q.predicate), to_rdflib(q.object)))
        entities = cls(union=data.rdflib_graph(), asserted=asserted, ontology=data.rdflib_graph(ONTOLOGY_GRAPH))
        for group in reversed(GROUPS):  # earlier groups win
            for subject in entities.union.subjects(RDF.type, group.cls):
                if isinstance(subject, URIRef):
                    entities.group_of[subject] = group
        return entities

    def members(self, group: Group) -> list[URIRef]:
        return sorted(s for s, g in self.group_of.items() if g is group)

    def nodes(self) -> list[URIRef]:
        return sorted(self.group_of)

    def label(self, resource: URIRef, lang: str = "fr", graph: Graph | None = None) -> str:
        """The rdfs:label in `lang` (else any label, else the IRI's last segment)."""
        graph = graph if graph is not None else self.union
        labels = sorted(graph.objects(resource, RDFS.label), key=str)
        for label in labels:
            if isinstance(label, Literal) and label.language == lang:
                return str(label)
        if labels:
            return str(labels[0])
        return str(resource).rstrip("/#").rsplit("/", 1)[-1].rsplit("#", 1)[-1]

    def specific_class(self, resource: URIRef) -> str:
        """The most specific polegraph class of a resource (local name), ties broken alphabetically."""
        types = {t for t in self.union.objects(resource, RDF.type) if str(t).startswith(str(PG))}
        supers = set()
        for t in types:
            supers |= {s for s in self.ontology.transitive_objects(t, RDFS.subClassOf) if s != t}
        specific = sorted(str(t) for t in types - supers)
        return specific[0][len(str(PG)):] if specific else ""

    def literals(self, resource: URIRef) -> dict[str, str]:
        """Literal values of asserted triples (labels aside) as `curie` or `curie@lang` → values joined by ' | '."""
        values: dict[str, set[str]] = defaultdict(set)
        for p, o in self.asserted.predicate_objects(resource):
            if isinstance(o, Literal) and p != RDFS.label:
                key = curie(str(p), export_prefixes()) + (f"@{o.language}" if o.language else "")
                values[key].add(str(o))
        return {k: " | ".join(sorted(v)) for k, v in sorted(values.items())}

    def links(self) -> list[tuple[URIRef, URIRef, URIRef]]:
        """Asserted triples between two exported resources (rdf:type aside), sorted."""
        links = {(s, p, o) for s, p, o in self.asserted
                 if p != RDF.type and s in self.group_of and isinstance(o, URIRef) and o in self.group_of}
        return sorted(links)

    def property_label(self, prop: URIRef, lang: str = "fr") -> str:
        return self.label(prop, lang, self.ontology)

    def alt_labels(self, resource: URIRef) -> str:
        return " | ".join(sorted({str(o) for o in self.union.objects(resource, SKOS.altLabel)}))
