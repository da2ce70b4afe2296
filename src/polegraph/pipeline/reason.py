"""OWL 2 RL materialisation: what users query through the standard vocabularies (``?x a
org:Organization``, an inverse property…), added to the release's inferred graph.

owlrl does the full OWL 2 RL closure but needs ~12 s on 10 000 triples of polegraph's shape
(measured, 2 cores), far too slow for every build, so this module applies the RL rules the ontology
actually relies on itself, in plain Python sets: class and property hierarchies (with
equivalences), inverse, symmetric and transitive properties, property chains (the shortcuts beside
the qualified patterns, docs/modelling.md), domain and range typing. On the
project's data its output equals owlrl's once owlrl's noise is dropped (checked by
``tests/pipeline/test_reason.py``, where owlrl is a test dependency).
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Iterator

import rdflib
from rdflib import OWL, RDF, RDFS, XSD, BNode, Literal, URIRef
from rdflib.term import Node

from polegraph.vocab import ALIGNMENT_CLASS_NAMESPACES, ALIGNMENT_PROPERTY_NAMESPACES

__all__ = ["all_triples", "infer", "split_alignment"]

Triple = tuple[Node, Node, Node]

_RDF_NS = str(RDF)
_META_NAMESPACES = (str(RDF), str(RDFS), str(OWL), str(XSD))


def all_triples(graph: rdflib.Graph) -> Iterator[Triple]:
    """Every triple of ``graph``; for a Dataset or ConjunctiveGraph, of all its graphs."""
    if isinstance(graph, rdflib.ConjunctiveGraph):
        for s, p, o, _ in graph.quads((None, None, None, None)):
            yield s, p, o
    else:
        yield from graph.triples((None, None, None))


def _closure(edges: dict[Node, set[Node]]) -> dict[Node, set[Node]]:
    """Reflexive-transitive closure of a small directed graph (the class or property hierarchy)."""
    result: dict[Node, set[Node]] = {}
    for start in edges:
        seen = {start}
        stack = [start]
        while stack:
            for nxt in edges.get(stack.pop(), ()):
                if nxt not in seen:
                    seen.add(nxt)
                    stack.append(nxt)
        result[start] = seen
    return result


class _Schema:
    """The TBox facts the RL rules need, read from the asserted graph."""

    def __init__(self, triples: Iterable[Triple]) -> None:
        sub_class: dict[Node, set[Node]] = defaultdict(set)
        sub_prop: dict[Node, set[Node]] = defaultdict(set)
        self.inverse: dict[Node, set[Node]] = defaultdict(set)
        self.domain: dict[Node, set[Node]] = defaultdict(set)
        self.range: dict[Node, set[Node]] = defaultdict(set)
        self.symmetric: set[Node] = set()
        self.transitive: set[Node] = set()
        #: (super-property, [p1, p2, …]) for every `super owl:propertyChainAxiom (p1 p2 …)`.
        self.chains: list[tuple[Node, list[Node]]] = []
        lists: dict[Node, dict[Node, Node]] = defaultdict(dict)  # the RDF collections holding the chains
        chain_heads: list[tuple[Node, Node]] = []
        named = (URIRef,)
        for s, p, o in triples:
            if p in (RDF.first, RDF.rest):
                lists[s][p] = o
                continue
            if p == OWL.propertyChainAxiom and isinstance(s, URIRef):
                chain_heads.append((s, o))
                continue
            if not (isinstance(s, named) and isinstance(o, named)):
                continue  # class expressions (unions, restrictions) are not materialised
            if p == RDFS.subClassOf:
                sub_class[s].add(o)
            elif p == OWL.equivalentClass:
                sub_class[s].add(o)
                sub_class[o].add(s)
            elif p == RDFS.subPropertyOf:
                sub_prop[s].add(o)
            elif p == OWL.equivalentProperty:
                sub_prop[s].add(o)
                sub_prop[o].add(s)
            elif p == OWL.inverseOf:
                self.inverse[s].add(o)
                self.inverse[o].add(s)
            elif p == RDFS.domain:
                self.domain[s].add(o)
            elif p == RDFS.range:
                self.range[s].add(o)
            elif p == RDF.type and o == OWL.SymmetricProperty:
                self.symmetric.add(s)
            elif p == RDF.type and o == OWL.TransitiveProperty:
                self.transitive.add(s)
        self.super_classes = _closure(sub_class)
        self.super_props = _closure(sub_prop)
        for prop, head in chain_heads:
            steps: list[Node] = []
            while head != RDF.nil and head in lists:
                steps.append(lists[head].get(RDF.first))
                head = lists[head].get(RDF.rest, RDF.nil)
            if len(steps) >= 2 and all(isinstance(step, URIRef) for step in steps):
                self.chains.append((prop, steps))  # inverse expressions inside a chain are not used

    def supers_of_class(self, cls: Node) -> set[Node]:
        return self.super_classes.get(cls, {cls})

    def supers_of_prop(self, prop: Node) -> set[Node]:
        return self.super_props.get(prop, {prop})


def _chain_links(facts: set[Triple], schema: _Schema) -> set[Triple]:
    """prp-spo2: `x p1 y1 … y(n-1) pn z` gives `x super z` for each chain of the schema."""
    if not schema.chains:
        return set()
    by_prop: dict[Node, dict[Node, set[Node]]] = defaultdict(lambda: defaultdict(set))
    wanted = {step for _, steps in schema.chains for step in steps}
    for s, p, o in facts:
        if p in wanted and not isinstance(o, Literal):
            by_prop[p][s].add(o)
    found: set[Triple] = set()
    for prop, steps in schema.chains:
        ends = {(start, start) for start in by_prop[steps[0]]}
        for step in steps:
            ends = {(start, nxt) for start, here in ends for nxt in by_prop[step].get(here, ())}
        found.update((start, prop, end) for start, end in ends)
    return found


def _close_properties(edges: set[Triple], schema: _Schema) -> set[Triple]:
    """Fixpoint of prp-spo1, prp-spo2, prp-eqp, prp-inv, prp-symp and prp-trp over object/data triples."""
    facts = _close_properties_once(set(edges), schema)
    while True:  # a chain's conclusion may feed another chain, an inverse or a super-property
        new = _chain_links(facts, schema) - facts
        if not new:
            return facts
        facts = _close_properties_once(facts | new, schema)


def _close_properties_once(edges: set[Triple], schema: _Schema) -> set[Triple]:
    """Fixpoint of prp-spo1, prp-eqp, prp-inv, prp-symp and prp-trp over object/data triples."""
    facts = set(edges)
    todo = list(facts)
    by_prop_subject: dict[Node, dict[Node, set[Node]]] = defaultdict(lambda: defaultdict(set))
    by_prop_object: dict[Node, dict[Node, set[Node]]] = defaultdict(lambda: defaultdict(set))
    for s, p, o in facts:
        if p in schema.transitive:
            by_prop_subject[p][s].add(o)
            by_prop_object[p][o].add(s)

    def add(triple: Triple) -> None:
        if triple not in facts:
            facts.add(triple)
            todo.append(triple)
            s, p, o = triple
            if p in schema.transitive:
                by_prop_subject[p][s].add(o)
                by_prop_object[p][o].add(s)

    while todo:
        s, p, o = todo.pop()
        for q in schema.supers_of_prop(p):
            if q != p:
                add((s, q, o))
        if isinstance(o, Literal):
            continue  # inverse, symmetric and transitive rules only hold between individuals
        for q in schema.inverse.get(p, ()):
            add((o, q, s))
        if p in schema.symmetric:
            add((o, p, s))
        if p in schema.transitive:
            for nxt in list(by_prop_subject[p].get(o, ())):
                add((s, p, nxt))
            for prev in list(by_prop_object[p].get(s, ())):
                add((prev, p, o))
    return facts


def _is_noise(s: Node, p: Node, o: Node) -> bool:
    """Triples a user never wants to see in the inferred graph."""
    if isinstance(s, (Literal, BNode)) or isinstance(o, BNode):
        return True
    if str(s).startswith(_META_NAMESPACES):
        return True  # axioms about rdf/rdfs/owl/xsd themselves
    if o in (OWL.Thing, RDFS.Resource) or (p == RDF.type and o in (OWL.NamedIndividual, RDFS.Class)):
        return True
    return s == o and p in (
        OWL.sameAs,
        RDFS.subClassOf,
        RDFS.subPropertyOf,
        OWL.equivalentClass,
        OWL.equivalentProperty,
    )


def infer(asserted: rdflib.Graph) -> rdflib.Graph:
    """Return only the NEW triples that OWL 2 RL derives from ``asserted`` (ontology + data).

    Derived: subclass/subproperty closures (TBox), types through the class hierarchy and through
    domains and ranges, triples through subproperties, inverses, symmetric and transitive
    properties and property chains (named properties only). Not derived: sameAs, cardinality and
    class-expression reasoning (the ontology's unions and disjointness axioms are for the DL check,
    not for querying).
    """
    triples = set(all_triples(asserted))
    schema = _Schema(triples)

    tbox: set[Triple] = set()
    for cls, supers in schema.super_classes.items():
        tbox.update((cls, RDFS.subClassOf, sup) for sup in supers if sup != cls)
    for prop, supers in schema.super_props.items():
        tbox.update((prop, RDFS.subPropertyOf, sup) for sup in supers if sup != prop)
    # scm-dom1/2, scm-rng1/2: a property inherits its super-properties' domains and ranges,
    # and a domain or range implies its super-classes.
    for axiom, table in ((RDFS.domain, schema.domain), (RDFS.range, schema.range)):
        for prop in set(table) | set(schema.super_props):
            for sup_prop in schema.supers_of_prop(prop):
                for cls in table.get(sup_prop, ()):
                    tbox.update((prop, axiom, sup) for sup in schema.supers_of_class(cls))

    # ABox property triples: everything that is not a typing nor about the vocabulary itself.
    edges = {
        (s, p, o)
        for s, p, o in triples
        if p != RDF.type and not str(p).startswith(_META_NAMESPACES) and not isinstance(s, BNode)
    }
    edges = _close_properties(edges, schema)

    types: dict[Node, set[Node]] = defaultdict(set)
    for s, p, o in triples:
        if p == RDF.type and isinstance(o, URIRef) and not str(o).startswith(_META_NAMESPACES):
            types[s].add(o)
    for s, p, o in edges:
        types[s].update(schema.domain.get(p, ()))
        if not isinstance(o, Literal):
            types[o].update(schema.range.get(p, ()))
    typed = {
        (ind, RDF.type, sup)
        for ind, classes in types.items()
        for cls in classes
        for sup in schema.supers_of_class(cls)
        if isinstance(sup, URIRef)
    }

    result = rdflib.Graph()
    for triple in tbox | edges | typed:
        if triple not in triples and not _is_noise(*triple):
            result.add(triple)
    return result


def split_alignment(inferred: Iterable[Triple]) -> tuple[rdflib.Graph, rdflib.Graph]:
    """(own, alignment): the inferred triples in pg: terms, and their restatements in the standard
    vocabularies the ontology aligns with (ORG, schema.org, FOAF, PROV, EURIO, DCTERMS; SKOS classes).
    Axioms about pg: terms (`pg:Pole rdfs:subClassOf org:Organization`) stay with the own triples."""
    own, alignment = rdflib.Graph(), rdflib.Graph()
    for s, p, o in inferred:
        if p == RDF.type:
            copy = str(o).startswith(ALIGNMENT_CLASS_NAMESPACES)
        else:
            copy = str(p).startswith(ALIGNMENT_PROPERTY_NAMESPACES)
        (alignment if copy else own).add((s, p, o))
    return own, alignment


# --------------------------------------------------------------------------------------------
# HermiT consistency check
# --------------------------------------------------------------------------------------------

