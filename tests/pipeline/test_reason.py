"""polegraph.pipeline.reason: the OWL 2 RL materialisation (infer) and the HermiT check (check_consistency)."""

from __future__ import annotations

import sys
import time

import owlrl
import pytest
import rdflib
from rdflib import OWL, RDF, RDFS, BNode, Literal, Namespace

import polegraph.pipeline.consistency as consistency
import polegraph.pipeline.reason as reason
from polegraph.pipeline.consistency import check_consistency, hermit_ready
from polegraph.pipeline.reason import infer
from tests.support import PROJECT
from tests.support import TEST_PREFIXES as PREFIXES

ONTOLOGY_TTL = PROJECT / "ontology" / "poles.ttl"
PG = Namespace("https://w3id.org/polegraph/ontology#")
ORG = Namespace("http://www.w3.org/ns/org#")
SCHEMA = Namespace("https://schema.org/")
X = Namespace("https://w3id.org/polegraph/id/test/")
META = tuple(str(ns) for ns in (RDF, RDFS, OWL, rdflib.XSD))


SAMPLE = (
    PREFIXES
    + """
x:minalogic a pg:Pole ; rdfs:label "Minalogic"@fr ; pg:leads x:asteerics ; pg:partnerOf x:cnfm .
x:asteerics a pg:SupportScheme ; pg:fundedBy x:france-2030 ; pg:partOf x:programme .
x:programme pg:partOf x:umbrella .
x:someone pg:presidentOf x:minalogic .
x:budget a pg:MonetaryAmount ; pg:figureOf x:asteerics ; pg:value 43000000 ; pg:currency "EUR" ;
    pg:year "2026"^^xsd:gYear ; pg:qualifier pg:MoreThan .
x:mandate a pg:Mandate ; pg:mandator x:esa ; pg:mandatee x:minalogic ; pg:mandateFor x:asteerics .
x:signature a pg:Signature ; pg:signatory x:minalogic ; pg:signer x:someone ; pg:signedDocument x:manifesto .
x:project pg:laureateOf x:call . x:call pg:fundedBy x:france-2030 .
x:participation a pg:Participation ; pg:participant x:cnfm ; pg:participationIn x:asteerics .
"""
)


@pytest.fixture(scope="module")
def ontology() -> rdflib.Graph:
    return rdflib.Graph().parse(ONTOLOGY_TTL, format="turtle")


@pytest.fixture(scope="module")
def sample(ontology) -> tuple[rdflib.Graph, rdflib.Graph]:
    asserted = ontology + rdflib.Graph().parse(data=SAMPLE, format="turtle")
    return asserted, infer(asserted)


def test_infer_returns_only_new_triples(sample):
    asserted, inferred = sample
    assert len(inferred) > 0
    assert not set(inferred) & set(asserted)


@pytest.mark.parametrize(
    "triple",
    [
        (X.minalogic, RDF.type, ORG.Organization),  # pg:Pole ⊑ pg:Organisation ⊑ org:Organization
        (X.minalogic, RDF.type, ORG.OrganizationalCollaboration),
        (X.asteerics, RDF.type, SCHEMA.Project),  # pg:SupportScheme ⊑ pg:Initiative ⊑ schema:Project
        (X.asteerics, PG.ledBy, X.minalogic),  # inverse
        (X.minalogic, PG.president, X.someone),  # inverse
        (X.someone, RDF.type, PG.Person),  # domain
        (X.someone, ORG.headOf, X.minalogic),  # sub-property
        (X.someone, ORG.memberOf, X.minalogic),  # sub-property of a sub-property
        (X.cnfm, PG.partnerOf, X.minalogic),  # symmetric
        (X.cnfm, RDF.type, PG.Organisation),  # range
        (X.asteerics, PG.partOf, X.umbrella),  # transitive
        (X.umbrella, PG.hasPart, X.asteerics),  # inverse of the transitive closure
        (X.asteerics, SCHEMA.funder, X["france-2030"]),
        (X.budget, RDF.type, SCHEMA.MonetaryAmount),
        (X.budget, SCHEMA.value, Literal(43000000)),
        (PG.Pole, RDFS.subClassOf, ORG.Organization),  # TBox closure
        # property chains: the shortcuts beside the qualified patterns (docs/modelling.md)
        (X.asteerics, PG.onMandateOf, X.esa),  # pg:subjectOfMandate then pg:mandator
        (X.esa, PG.mandatorOf, X.asteerics),  # …and its inverse
        (X.minalogic, PG.mandatedFor, X.asteerics),  # pg:receivedMandate then pg:mandateFor
        (X.minalogic, PG.mandatedBy, X.esa),  # pg:receivedMandate then pg:mandator
        (X.minalogic, PG.signed, X.manifesto),  # pg:hasSignature then pg:signedDocument
        (X.someone, PG.signed, X.manifesto),  # pg:signerIn then pg:signedDocument
        (X.someone, PG.signedOnBehalfOf, X.minalogic),  # pg:signerIn then pg:signatory
        (X.manifesto, PG.signedBy, X.minalogic),  # the chain's conclusion, inverted
        (X.project, PG.fundedBy, X["france-2030"]),  # a laureate inherits its call's funder
        (X["france-2030"], PG.funds, X.project),
        (X.project, SCHEMA.funder, X["france-2030"]),  # …and its super-property
        (X.cnfm, PG.participatesIn, X.asteerics),  # pg:hasParticipation then pg:participationIn
    ],
)
def test_infer_derives_what_the_rl_rules_imply(sample, triple):
    assert triple in sample[1]


def test_a_chain_needs_every_link(ontology):
    asserted = ontology + rdflib.Graph().parse(data=PREFIXES + """
        x:mandate a pg:Mandate ; pg:mandatee x:minalogic .
        x:call pg:fundedBy x:fund .
    """, format="turtle")
    inferred = infer(asserted)
    assert not list(inferred.triples((X.minalogic, PG.mandatedFor, None)))
    assert not list(inferred.triples((None, PG.fundedBy, X.fund)))


def test_alignment_copies_are_split_from_the_own_inferences(sample):
    _, inferred = sample
    own, alignment = reason.split_alignment(inferred)
    assert len(own) + len(alignment) == len(inferred)
    assert (X.asteerics, SCHEMA.funder, X["france-2030"]) in alignment  # a schema.org restatement
    assert (X.minalogic, RDF.type, ORG.Organization) in alignment
    assert (X.someone, ORG.headOf, X.minalogic) in alignment
    assert (X.asteerics, PG.ledBy, X.minalogic) in own  # pg: inferences stay
    assert (X.minalogic, RDF.type, PG.Organisation) in own
    assert (PG.Pole, RDFS.subClassOf, ORG.Organization) in own  # axioms about pg: terms stay
    for _s, p, o in alignment:
        assert not str(p if p != RDF.type else o).startswith(str(PG))


def test_infer_leaves_out_noise(sample):
    _, inferred = sample
    for s, p, o in inferred:
        assert not isinstance(s, (Literal, BNode)) and not isinstance(o, BNode), (s, p, o)
        assert not str(s).startswith(META), f"axiom about a built-in vocabulary: {(s, p, o)}"
        assert o not in (OWL.Thing, RDFS.Resource, OWL.NamedIndividual), (s, p, o)
        assert not (s == o and p in (OWL.sameAs, RDFS.subClassOf, RDFS.subPropertyOf)), (s, p, o)


def test_infer_reads_every_graph_of_a_dataset(ontology):
    dataset = rdflib.Dataset()
    for triple in ontology:
        dataset.graph(rdflib.URIRef("https://w3id.org/polegraph/graph/ontology")).add(triple)
    dataset.graph(rdflib.URIRef("https://w3id.org/polegraph/id/section/signatures")).add(
        (X.minalogic, RDF.type, PG.Pole)
    )
    assert (X.minalogic, RDF.type, ORG.Organization) in infer(dataset)


def test_infer_agrees_with_owlrl_on_the_rules_it_covers(sample):
    """Every triple infer() adds is one owlrl's full OWL 2 RL closure adds, and conversely once
    owlrl's noise (owl:Thing, built-in axioms, blank nodes…) is removed."""
    asserted, inferred = sample
    closure = rdflib.Graph()
    for triple in asserted:
        closure.add(triple)
    owlrl.DeductiveClosure(owlrl.OWLRL_Semantics, axiomatic_triples=False, datatype_axioms=False).expand(closure)
    expected = {t for t in set(closure) - set(asserted) if not reason._is_noise(*t)}
    assert set(inferred) == expected


def test_infer_is_fast_on_a_graph_of_ten_thousand_triples(ontology):
    data = rdflib.Graph()
    for i in range(1200):
        pole, person, project = X[f"pole-{i}"], X[f"person-{i}"], X[f"project-{i}"]
        data.add((pole, RDF.type, PG.Pole))
        data.add((pole, RDFS.label, Literal(f"Pôle {i}", lang="fr")))
        data.add((person, PG.presidentOf, pole))
        data.add((pole, PG.coordinates, project))
        data.add((project, PG.partnerIn if i % 2 else PG.partOf, X[f"project-{i // 2}"]))
        data.add((pole, PG.memberOf, X.network))
        data.add((pole, PG.partnerOf, X[f"pole-{(i + 1) % 1200}"]))
    asserted = ontology + data
    assert len(asserted) > 8000
    inferred = infer(asserted)  # its speed is measured by `make bench` (build times per scale), not here
    assert (X["pole-7"], RDF.type, ORG.Organization) in inferred


# ------------------------------------------------------------------------------------ HermiT


def test_hermit_ready_removes_only_what_hermit_rejects(ontology):
    graph = hermit_ready(ontology + rdflib.Graph().parse(data=SAMPLE, format="turtle"))
    assert (PG.year, RDFS.range, rdflib.XSD.gYear) not in graph
    assert (PG.date, RDFS.range, rdflib.XSD.date) not in graph
    assert not list(graph.triples((X.budget, PG.year, None)))
    assert (X.budget, PG.value, Literal(43000000)) in graph
    assert (PG.value, RDFS.range, rdflib.XSD.decimal) in graph
    assert (PG.Pole, RDFS.label, Literal("Pôle de compétitivité", lang="fr")) in graph


def test_check_consistency_reasons_over_data_with_years_and_dates(ontology):
    graph = rdflib.Graph().parse(data=SAMPLE + 'x:day a pg:Event ; pg:date "2025-06-12"^^xsd:date .', format="turtle")
    report = check_consistency(graph, timeout_s=60, ontology=ontology)
    assert report.completed and report.consistent and not report.unsatisfiable, report.message


def test_check_consistency_catches_a_functional_value_stated_twice(ontology):
    graph = rdflib.Graph().parse(data=SAMPLE + "x:budget pg:value 44000000 .", format="turtle")
    report = check_consistency(graph, timeout_s=60, ontology=ontology)
    assert report.completed and not report.consistent, report.message


def test_check_consistency_kills_a_reasoner_that_overruns(monkeypatch):
    monkeypatch.setattr(consistency, "_hermit_command", lambda _: [sys.executable, "-c", "import time; time.sleep(60)"])
    started = time.monotonic()
    report = check_consistency(rdflib.Graph(), timeout_s=2)
    assert time.monotonic() - started < 20
    assert not report.completed and not report.consistent
    assert "did not finish" in report.message
