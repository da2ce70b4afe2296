"""The ontology (ontology/poles.ttl): documented, OWL 2 DL, consistent with the data, and useful
through the standard vocabularies once inference has run."""

from __future__ import annotations

import socket
import subprocess
import sys

import pytest
import rdflib
from rdflib import DCTERMS, OWL, RDF, RDFS, SKOS, Literal, Namespace, URIRef

from polegraph.pipeline.consistency import check_consistency, dl_profile_violations
from polegraph.pipeline.reason import infer
from polegraph.web.content.ontology_docs import render_documentation
from tests.support import PROJECT
from tests.support import TEST_PREFIXES as PREFIXES

ONTOLOGY_TTL = PROJECT / "ontology" / "poles.ttl"
DATA = PROJECT / "data"

PG = Namespace("https://w3id.org/polegraph/ontology#")
ORG = Namespace("http://www.w3.org/ns/org#")
VANN = Namespace("http://purl.org/vocab/vann/")
ONTOLOGY_IRI = URIRef("https://w3id.org/polegraph/ontology")
ETALAB = URIRef("https://www.etalab.gouv.fr/licence-ouverte-open-licence")

TERM_KINDS = (OWL.Class, OWL.ObjectProperty, OWL.DatatypeProperty, OWL.AnnotationProperty)
BUILT_IN = (str(RDF), str(RDFS), str(OWL), str(rdflib.XSD))



@pytest.fixture(scope="module")
def ontology() -> rdflib.Graph:
    return rdflib.Graph().parse(ONTOLOGY_TTL, format="turtle")


@pytest.fixture(scope="module")
def data() -> rdflib.Graph:
    """Every triple of data/*.trig (all named graphs) and data/*.ttl, in one graph."""
    graph = rdflib.Graph()
    for path in sorted(DATA.glob("*.trig")):
        dataset = rdflib.Dataset()
        dataset.parse(path, format="trig")
        for s, p, o, _ in dataset.quads((None, None, None, None)):
            graph.add((s, p, o))
    for path in sorted(DATA.glob("*.ttl")):
        graph.parse(path, format="turtle")
    assert len(graph) > 0, "no data found in data/"
    return graph


def pg_terms(ontology: rdflib.Graph) -> set[URIRef]:
    return {
        s
        for kind in TERM_KINDS
        for s in ontology.subjects(RDF.type, kind)
        if isinstance(s, URIRef) and str(s).startswith(str(PG))
    }


def declared(ontology: rdflib.Graph) -> set[URIRef]:
    kinds = (*TERM_KINDS, OWL.NamedIndividual, RDFS.Datatype)
    return {s for kind in kinds for s in ontology.subjects(RDF.type, kind) if isinstance(s, URIRef)}


def with_lang(values, lang: str) -> list[Literal]:
    return [v for v in values if isinstance(v, Literal) and v.language == lang]


# ------------------------------------------------------------------------------- documentation


def test_header_carries_the_metadata_publishers_and_pylode_expect(ontology):
    header = ontology.value(predicate=RDF.type, object=OWL.Ontology, any=False)
    assert header == ONTOLOGY_IRI
    for lang in ("fr", "en"):
        assert with_lang(ontology.objects(header, DCTERMS.title), lang)
        assert with_lang(ontology.objects(header, DCTERMS.description), lang)
    assert ontology.value(header, DCTERMS.creator) is not None
    assert ontology.value(header, DCTERMS.license) == ETALAB
    assert ontology.value(header, DCTERMS.created).datatype == rdflib.XSD.date
    assert str(ontology.value(header, OWL.versionIRI)).startswith(str(ONTOLOGY_IRI) + "/")
    assert ontology.value(header, OWL.versionInfo) is not None
    assert str(ontology.value(header, VANN.preferredNamespacePrefix)) == "pg"
    assert str(ontology.value(header, VANN.preferredNamespaceUri)) == str(PG)


def test_every_pg_term_has_one_label_and_a_definition_in_french_and_english(ontology):
    terms = pg_terms(ontology) | {
        s for s in ontology.subjects(RDF.type, OWL.NamedIndividual) if str(s).startswith(str(PG))
    }
    assert len(terms) > 50
    problems = []
    for term in sorted(terms):
        labels = list(ontology.objects(term, RDFS.label))
        definitions = list(ontology.objects(term, SKOS.definition)) + list(ontology.objects(term, RDFS.comment))
        for lang in ("fr", "en"):
            if len(with_lang(labels, lang)) != 1:
                problems.append(f"{term.n3(ontology.namespace_manager)}: needs exactly one rdfs:label @{lang}")
            if not with_lang(definitions, lang):
                problems.append(f"{term.n3(ontology.namespace_manager)}: no definition @{lang}")
    assert not problems, "\n".join(problems)


def test_the_figure_qualifiers_are_distinct_individuals(ontology):
    names = ("MoreThan", "About", "Nearly", "AtLeast", "UpTo", "Exactly")
    for name in names:
        assert (PG[name], RDF.type, PG.Qualifier) in ontology
    distinct = ontology.value(predicate=RDF.type, object=OWL.AllDifferent)
    members = set(rdflib.collection.Collection(ontology, ontology.value(distinct, OWL.distinctMembers)))
    assert members == set(ontology.subjects(RDF.type, PG.Qualifier))  # every qualifier, none merged


# ------------------------------------------------------------------------------------ OWL 2 DL


def test_no_iri_is_declared_as_two_kinds_of_entity(ontology):
    kinds = (*TERM_KINDS, OWL.NamedIndividual)
    punned = [term for term in declared(ontology) if sum((term, RDF.type, kind) in ontology for kind in kinds) > 1]
    assert not punned, f"punning: {punned}"


def test_every_term_the_ontology_uses_is_declared(ontology):
    known = declared(ontology)
    used = set()
    for s, p, o in ontology:
        if not str(p).startswith(BUILT_IN):
            used.add(p)
        if p in (
            RDFS.subClassOf,
            OWL.equivalentClass,
            OWL.disjointWith,
            RDFS.domain,
            RDFS.range,
            RDFS.subPropertyOf,
            OWL.inverseOf,
        ) or (p == RDF.type and not str(o).startswith(BUILT_IN)):
            used.update(t for t in (s, o) if isinstance(t, URIRef) and not str(t).startswith(BUILT_IN))
    for node in ontology.objects(None, OWL.unionOf):
        used.update(rdflib.collection.Collection(ontology, node))
    undeclared = sorted(t for t in used if t not in known and t != ONTOLOGY_IRI)
    assert not undeclared, f"used but not declared: {undeclared}"


def test_every_class_and_property_the_data_uses_is_declared(ontology, data):
    known = declared(ontology)
    predicates = {p for p in data.predicates() if not str(p).startswith(BUILT_IN)}
    classes = {o for o in data.objects(None, RDF.type) if not str(o).startswith(BUILT_IN)}
    pg_iris = {t for triple in data for t in triple if isinstance(t, URIRef) and str(t).startswith(str(PG))}
    missing = sorted((predicates | classes | pg_iris) - known)
    assert not missing, f"declare these in ontology/poles.ttl: {missing}"


def _profile_violations(graph: rdflib.Graph) -> list[str]:
    try:
        return dl_profile_violations(graph)
    except RuntimeError as error:
        pytest.skip(f"no JDK to run the OWL API profile checker: {error}")


def test_the_ontology_and_the_data_stay_in_owl2_dl(ontology, data):
    assert _profile_violations(ontology) == []
    assert _profile_violations(ontology + data) == []


def test_the_profile_check_catches_punning_between_properties(ontology):
    punned = rdflib.Graph().parse(data=PREFIXES + "pg:leads a owl:DatatypeProperty .", format="turtle")
    assert any("pun" in v for v in _profile_violations(ontology + punned))


# ------------------------------------------------------------------------------- consistency


def test_hermit_finds_the_ontology_and_all_the_data_consistent(data, ontology):
    report = check_consistency(data, timeout_s=60, ontology=ontology)
    assert report.consistent, report.message
    assert report.unsatisfiable == [], report.message


@pytest.mark.parametrize(
    ("first", "second"),
    [("Person", "Organisation"), ("Place", "Organisation"), ("Initiative", "Organisation")],
)
def test_hermit_catches_an_individual_in_two_disjoint_classes(data, ontology, first, second):
    addition = rdflib.Graph().parse(data=PREFIXES + f"x:thing a pg:{first} , pg:{second} .", format="turtle")
    report = check_consistency(data + addition, timeout_s=60, ontology=ontology)
    assert report.completed, report.message
    assert not report.consistent, report.message


def test_hermit_catches_a_disjointness_broken_only_through_the_hierarchy(data, ontology):
    # A pôle is an organisation; a region is a place: nothing can be both.
    addition = rdflib.Graph().parse(data=PREFIXES + "x:thing a pg:Pole , pg:Region .", format="turtle")
    report = check_consistency(data + addition, timeout_s=60, ontology=ontology)
    assert report.completed and not report.consistent, report.message


def test_hermit_names_an_unsatisfiable_class(ontology):
    addition = rdflib.Graph().parse(
        data=PREFIXES + "x:Centaur a owl:Class ; rdfs:subClassOf pg:Person , pg:Company .", format="turtle"
    )
    report = check_consistency(addition, timeout_s=60, ontology=ontology)
    assert report.consistent
    assert report.unsatisfiable == ["https://w3id.org/polegraph/id/test/Centaur"]


# --------------------------------------------------------------- competency through alignment

STANDARD_ONLY = """
PREFIX org: <http://www.w3.org/ns/org#>
PREFIX rdfs: <http://www.w3.org/2000/01/rdf-schema#>
SELECT ?cluster ?name ?head ?headName WHERE {
    ?cluster a org:Organization , org:OrganizationalCollaboration ; rdfs:label ?name .
    ?head org:headOf ?cluster ; rdfs:label ?headName .
}
"""


def test_clusters_and_their_heads_are_found_with_org_terms_only(ontology, data):
    """A researcher who only knows W3C ORG finds the signatory pôles and who heads them."""
    asserted = ontology + data
    assert not list(asserted.query(STANDARD_ONLY)), "ORG terms should come from inference, not assertion"
    rows = list((asserted + infer(asserted)).query(STANDARD_ONLY))
    clusters = {row.cluster for row in rows}
    assert len(clusters) >= 53  # the manifesto: "les 53 pôles de compétitivité", each signed by its president
    # The signature list opens with "Aerospace Valley, Bruno Darboux, Président".
    assert ("Aerospace Valley", "Bruno Darboux") in {(str(r.name), str(r.headName)) for r in rows}


def test_inverse_and_alignment_derive_what_the_data_only_implies(ontology):
    data = rdflib.Graph().parse(
        data=PREFIXES
        + """
        x:someone a pg:Person ; rdfs:label "Someone"@fr ; pg:presidentOf x:cluster .
        x:cluster rdfs:label "Cluster"@fr ; pg:memberOf x:network .
        x:hydrogen a pg:ValueChain .
    """,
        format="turtle",
    )
    asserted = ontology + data
    graph = asserted + infer(asserted)
    prefixes = (
        "PREFIX pg: <https://w3id.org/polegraph/ontology#> PREFIX org: <http://www.w3.org/ns/org#> "
        "PREFIX skos: <http://www.w3.org/2004/02/skos/core#> PREFIX schema: <https://schema.org/> "
        "PREFIX x: <https://w3id.org/polegraph/id/test/> "
    )

    def ask(pattern: str) -> bool:
        return bool(graph.query(prefixes + "ASK {" + pattern + "}").askAnswer)

    assert ask("x:cluster pg:president x:someone")  # inverse of pg:presidentOf
    assert ask("x:cluster a org:Organization")  # range of pg:presidentOf, then pg:Organisation ⊑ org:Organization
    assert ask("x:network org:hasMember x:cluster")  # pg:memberOf ⊑ org:memberOf, inverse org:hasMember
    assert ask("x:someone a schema:Person")
    assert ask("x:hydrogen a skos:Concept")


# ------------------------------------------------------------------------------ HTML documentation


def test_documentation_lists_every_class_and_property_without_network(ontology, monkeypatch):
    def no_network(*args, **kwargs):
        raise AssertionError("pyLODE tried to reach the network")

    monkeypatch.setattr(socket.socket, "connect", no_network)
    monkeypatch.setattr(socket, "getaddrinfo", no_network)
    html = render_documentation(ONTOLOGY_TTL)
    assert "<title>" in html
    missing = [term for term in pg_terms(ontology) if f'id="{term[len(str(PG)) :]}"' not in html]
    assert not missing, f"not in the documentation: {missing}"
    assert '<script src="http' not in html and '<link href="http' not in html


def test_rendering_the_documentation_leaves_the_application_logging_alone():
    """pyLODE calls logging.basicConfig(level=DEBUG) on import; the server's logging must not change."""
    script = (
        "import logging, pathlib\n"
        "from polegraph.web.content.ontology_docs import render_documentation\n"
        f"render_documentation(pathlib.Path({str(ONTOLOGY_TTL)!r}))\n"
        "root = logging.getLogger()\n"
        "print(logging.getLevelName(root.level), len(root.handlers))\n"
    )
    run = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, timeout=120)
    assert run.returncode == 0, run.stderr
    assert run.stdout.split() == ["WARNING", "0"]
