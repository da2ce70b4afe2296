"""The SHACL shapes: well-formed themselves, silent on the real data, and each catching its mistake.

Every broken fixture is a small, otherwise valid contribution (`VALID`) with one mistake, validated
the way a contributor's file is: together with the ontology, the manifesto's sections and the
vocabularies, after the build's provenance and inference steps.
"""

from __future__ import annotations

from importlib import resources

import pytest
from pyshacl import validate as shacl_validate
from rdflib import Graph

from polegraph.pipeline.shacl import parse_document, validate_document
from tests.support import PROJECT

SHAPES = sorted((PROJECT / "shapes").glob("*.ttl"))
PGSH = "https://w3id.org/polegraph/shapes#"

PREFIXES = """
@prefix pg: <https://w3id.org/polegraph/ontology#> .
@prefix rdfs: <http://www.w3.org/2000/01/rdf-schema#> .
@prefix xsd: <http://www.w3.org/2001/XMLSchema#> .
@prefix skos: <http://www.w3.org/2004/02/skos/core#> .
@prefix dcterms: <http://purl.org/dc/terms/> .
@prefix foaf: <http://xmlns.com/foaf/0.1/> .
@prefix section: <https://w3id.org/polegraph/id/section/> .
@prefix pole: <https://w3id.org/polegraph/id/pole/> .
@prefix person: <https://w3id.org/polegraph/id/person/> .
@prefix role: <https://w3id.org/polegraph/id/role/> .
@prefix organisation: <https://w3id.org/polegraph/id/organisation/> .
@prefix initiative: <https://w3id.org/polegraph/id/initiative/> .
@prefix place: <https://w3id.org/polegraph/id/place/> .
@prefix figure: <https://w3id.org/polegraph/id/figure/> .
@prefix measure: <https://w3id.org/polegraph/id/measure/> .
@prefix mandate: <https://w3id.org/polegraph/id/mandate/> .
@prefix filiere: <https://w3id.org/polegraph/id/filiere/> .
@prefix scheme: <https://w3id.org/polegraph/id/scheme/> .
"""

# A small world that breaks no shape: a pôle and its president, a project it leads, two figures.
VALID = """
section:signatures {
    pole:alpha-test a pg:Pole ; rdfs:label "Alpha Test"@fr ; pg:president person:ann-test .
    person:ann-test a pg:Person ; rdfs:label "Ann Test"@fr ; pg:presidentOf pole:alpha-test ;
        pg:holdsRole role:alpha-test-president .
    role:alpha-test-president a pg:Role ; rdfs:label "Présidence d'Alpha Test"@fr ;
        pg:roleIn pole:alpha-test ; pg:titleAsWritten "Présidente"@fr .
    pole:alpha-test rdfs:label "Alpha Test"@en .
    person:ann-test rdfs:label "Ann Test"@en .
    role:alpha-test-president rdfs:label "Presidency of Alpha Test"@en .
}
section:chapitre-01 {
    pole:alpha-test a pg:Pole ; rdfs:label "Alpha Test"@fr ; pg:leads initiative:projet-test .
    initiative:projet-test a pg:Project ; rdfs:label "Projet test"@fr , "Test project"@en ;
        dcterms:description "Un projet imaginaire pour les tests."@fr ; pg:ledBy pole:alpha-test ;
        pg:startYear "2021"^^xsd:gYear ; pg:endYear "2024"^^xsd:gYear .
    figure:projet-test-budget a pg:MonetaryAmount ; rdfs:label "Budget du projet test"@fr ;
        pg:figureOf initiative:projet-test ; pg:measures measure:budget ; pg:value 1500000 ;
        pg:currency "EUR" ; pg:qualifier pg:MoreThan ; pg:year "2024"^^xsd:gYear .
    figure:alpha-test-pme a pg:Figure ; rdfs:label "Part de PME d'Alpha Test"@fr ;
        pg:figureOf pole:alpha-test ; pg:measures measure:sme-share ; pg:value 25 ; pg:unitText "%" .
    figure:projet-test-budget rdfs:label "Test project budget"@en .
    figure:alpha-test-pme rdfs:label "Alpha Test's SME share"@en .
}
"""


@pytest.fixture(scope="module")
def project_base() -> Graph:
    """Ontology, manifesto sections and vocabularies: what a fixture's references need."""
    graph = Graph()
    for path in sorted((PROJECT / "ontology").glob("*.ttl")):
        graph.parse(path)
    graph.parse(PROJECT / "data" / "manifesto.ttl")
    graph.parse(PROJECT / "data" / "vocabulary.ttl")
    return graph


@pytest.fixture(scope="module")
def shapes() -> Graph:
    graph = Graph()
    for path in SHAPES:
        graph.parse(path)
    return graph


@pytest.fixture(scope="module")
def ontology() -> Graph:
    graph = Graph()
    for path in sorted((PROJECT / "ontology").glob("*.ttl")):
        graph.parse(path)
    return graph


@pytest.fixture(scope="module")
def check(project_base, shapes, ontology):
    def run(trig: str):
        document = parse_document((PREFIXES + trig).encode(), "trig")
        return validate_document(project_base, document, shapes, ontology)
    return run


def found(report, shape: str, focus: str | None = None, severity: str = "Violation") -> list:
    """Results of `severity` coming from `shape` (a pgsh: name, or a path IRI for blank shapes)."""
    return [r for r in report.results
            if r.severity == severity and (focus is None or r.focus.endswith(focus))
            and (r.shape == PGSH + shape or (r.path or "").endswith(shape) or shape in (r.path or ""))]


@pytest.mark.parametrize("path", SHAPES, ids=lambda p: p.name)
def test_each_shapes_file_conforms_to_shacl_shacl(path):
    shacl_shacl = Graph().parse(resources.files("pyshacl") / "assets" / "shacl-shacl.ttl")
    conforms, _graph, text = shacl_validate(Graph().parse(path), shacl_graph=shacl_shacl)
    assert conforms, text


def test_every_constraint_speaks_french_and_english(shapes):
    """Every shape or SPARQL constraint that reports results has a message in both languages."""
    from rdflib import Literal
    from rdflib.namespace import SH

    parameters = (SH.pattern, SH.nodeKind, SH["not"], SH["in"], SH["class"], SH.minCount, SH.maxCount,
                  SH.datatype, SH.languageIn, SH.qualifiedMinCount, SH.hasValue, SH.minInclusive,
                  SH.maxInclusive, SH.uniqueLang, SH["or"], SH.select)
    nested = set(shapes.objects(None, SH["not"])) | set(shapes.objects(None, SH.qualifiedValueShape))
    for members in shapes.objects(None, SH["or"]):
        nested.update(shapes.items(members))
    targets = set(shapes.objects(None, SH.target))
    reporting = {node for parameter in parameters for node in shapes.subjects(parameter, None)}
    reporting -= nested | targets
    assert len(reporting) > 40
    for node in reporting:
        langs = {m.language for m in shapes.objects(node, SH.message) if isinstance(m, Literal)}
        assert {"fr", "en"} <= langs, f"{node} lacks a French or English sh:message"


def test_every_class_of_the_ontology_is_targeted(project_base, shapes):
    """A class added to the ontology must be covered by a shape, directly or through a superclass."""
    from rdflib import OWL, RDF, RDFS
    from rdflib.namespace import SH

    targeted = set(shapes.objects(None, SH.targetClass))
    pg = "https://w3id.org/polegraph/ontology#"
    for cls in project_base.subjects(RDF.type, OWL.Class):
        if str(cls).startswith(pg):
            supers = set(project_base.transitive_objects(cls, RDFS.subClassOf))
            assert supers & targeted, f"no shape targets {cls} or a superclass of it"


def test_valid_fixture_conforms_without_any_result(check):
    report = check(VALID)
    assert report.conforms, report.to_text()
    assert report.results == [], report.to_text()


BROKEN = {
    # name: (mistake inserted into a section graph or replacing a line of VALID, shape, focus, severity)
    "missing French label": (
        ("rdfs:label \"Ann Test\"@fr ;", "rdfs:label \"Ann Test\"@en ;"), "label", "person/ann-test", "Violation"),
    "missing English label": (
        ("person:ann-test rdfs:label \"Ann Test\"@en .", ""), "label", "person/ann-test", "Violation"),
    "two French labels": (
        ("rdfs:label \"Projet test\"@fr ,", "rdfs:label \"Projet test\"@fr , \"Projet essai\"@fr ,"),
        "label", "initiative/projet-test", "Violation"),
    "label without language": (
        ("rdfs:label \"Ann Test\"@fr ;", "rdfs:label \"Ann Test\"@fr , \"Ann\" ;"), "label", "person/ann-test",
        "Violation"),
    "value as a string": (("pg:value 1500000", "pg:value \"1,5 M€\""), "#value", "projet-test-budget",
                          "Violation"),
    "year without datatype": (("pg:year \"2024\"^^xsd:gYear", "pg:year \"2024\""), "YearValue", None, "Violation"),
    "implausible year": (("pg:year \"2024\"^^xsd:gYear", "pg:year \"1848\"^^xsd:gYear"), "YearValue", None,
                         "Violation"),
    "period backwards": (("pg:endYear \"2024\"^^xsd:gYear", "pg:endYear \"2019\"^^xsd:gYear"), "StartBeforeEnd",
                         "initiative/projet-test", "Violation"),
    "amount without currency": (("pg:currency \"EUR\" ;", ""), "AmountCurrencyShape", "projet-test-budget",
                                "Violation"),
    "currency not ISO 4217": (("pg:currency \"EUR\"", "pg:currency \"euros\""), "#currency",
                              "projet-test-budget", "Violation"),
    "negative amount": (("pg:value 1500000", "pg:value -5"), "#value", "projet-test-budget",
                        "Violation"),
    "percentage above 100": (("pg:value 25", "pg:value 125"), "#value", "alpha-test-pme", "Violation"),
    "unknown qualifier": (("pg:qualifier pg:MoreThan", "pg:qualifier pg:Roughly"), "#qualifier",
                          "projet-test-budget", "Violation"),
    "figure measuring nothing": (("pg:measures measure:sme-share ;", ""), "#measures", "alpha-test-pme",
                                 "Violation"),
    "role in no organisation": (("pg:roleIn pole:alpha-test ;", ""), "#roleIn", "alpha-test-president",
                                "Violation"),
    "malformed slug": (("initiative:projet-test a", "<https://w3id.org/polegraph/id/initiative/Projet_Test> a"),
                       "DescribedResourceShape", "Projet_Test", "Violation"),
    "pôle minted outside pole/": (
        ("pole:alpha-test a pg:Pole ; rdfs:label \"Alpha Test\"@fr ; pg:leads",
         "organisation:alpha-test a pg:Pole ; rdfs:label \"Alpha Test bis\"@fr ; pg:leads"),
        "PoleShape", "organisation/alpha-test", "Violation"),
    "misspelt property": (("pg:president person:ann-test .", "pg:presidnet person:ann-test ."),
                          "DeclaredPropertiesShape", "ontology#presidnet", "Violation"),
    "e-mail in a description": (
        ("imaginaire pour les tests.\"@fr", "imaginaire : écrire à contact.projet@example.org\"@fr"),
        "NoContactTextShape", "initiative/projet-test", "Violation"),
    "phone number in a description": (
        ("imaginaire pour les tests.\"@fr", "imaginaire : appeler le 04 76 12 34 56\"@fr"),
        "NoContactTextShape", "initiative/projet-test", "Violation"),
    "foaf:mbox": (("pg:holdsRole role:alpha-test-president .",
                   "pg:holdsRole role:alpha-test-president ; foaf:mbox <mailto:ann@example.org> ."),
                  "mbox|", "person/ann-test", "Violation"),
    "organisation that is also a place": (("pole:alpha-test a pg:Pole ; rdfs:label \"Alpha Test\"@fr ; pg:president",
                                           "pole:alpha-test a pg:Pole , pg:Region ; rdfs:label \"Alpha Test\"@fr ; "
                                           "pg:president"),
                                          "OrganisationIsNotPlaceShape", "pole/alpha-test", "Violation"),
    "INSEE code without source": (
        ("pg:currency \"EUR\" ;", "pg:currency \"EUR\" ;"), "#source", "place/region-test", "Violation"),
    "project nobody leads": (("pg:ledBy pole:alpha-test ;", ""), "ResponsibleOrganisationShape", None, None),
}


@pytest.mark.parametrize("name", sorted(BROKEN))
def test_shape_catches_its_mistake(check, name):
    (old, new), shape, focus, severity = BROKEN[name]
    assert old in VALID, "the fixture no longer contains the text to break"
    trig = VALID.replace(old, new, 1)
    if name == "INSEE code without source":
        trig += 'section:carte { place:region-test a pg:Region ; rdfs:label "Région test"@fr ; pg:inseeCode "76" . }'
    if name == "project nobody leads":
        trig = trig.replace("pg:leads initiative:projet-test", "pg:supports initiative:projet-test")
        severity = "Warning"
    report = check(trig)
    assert found(report, shape, focus, severity), report.to_text()
    if severity == "Warning":
        assert report.conforms, "a warning must not block a release"
    else:
        assert not report.conforms


def test_duplicate_pole_name_is_caught_case_folded(check):
    report = check(VALID + """
section:chapitre-02 {
    pole:beta-test a pg:Pole ; rdfs:label "Beta Test"@fr ; skos:altLabel "ALPHA TEST"@fr .
}""")
    hits = found(report, "UniquePoleNameShape")
    assert {r.focus.rsplit("/", 1)[-1] for r in hits} == {"alpha-test", "beta-test"}, report.to_text()


def test_contradictory_president_statements_are_caught(check):
    report = check(VALID + """
section:signatures {
    person:bob-test a pg:Person ; rdfs:label "Bob Test"@fr .
    pole:alpha-test pg:president person:bob-test .
}""")
    hits = found(report, "PresidentAgreementShape", "pole/alpha-test")
    assert {r.value.rsplit("/", 1)[-1] for r in hits} == {"ann-test", "bob-test"}, report.to_text()


def test_fact_without_source_section_is_caught(check):
    report = check(VALID + """
{ organisation:sans-source-test a pg:Company ; rdfs:label "Sans source"@fr . }
""")
    assert found(report, "#statedIn", "organisation/sans-source-test"), report.to_text()


def test_interpretation_silences_the_missing_leader_warning(check):
    trig = VALID.replace("pg:ledBy pole:alpha-test ;", "pg:interpretation \"Nobody named.\"@en , "
                         "\"Personne n'est nommé.\"@fr ;").replace("pg:leads initiative:projet-test",
                                                                   "pg:supports initiative:projet-test")
    report = check(trig)
    assert not found(report, "ResponsibleOrganisationShape", severity="Warning"), report.to_text()


def test_pole_without_president_is_only_a_warning(check):
    report = check(VALID + """
section:annexe-02 { pole:gamma-test a pg:Pole ; rdfs:label "Gamma Test"@fr , "Gamma Test"@en . }
""")
    assert found(report, "#president", "pole/gamma-test", "Warning"), report.to_text()
    assert report.conforms


def test_messages_come_in_both_languages_with_values_filled_in(check):
    report = check(VALID.replace("pg:president person:ann-test .", "pg:presidnet person:ann-test ."))
    (hit,) = found(report, "DeclaredPropertiesShape")
    assert "presidnet" in hit.message["en"] and "presidnet" in hit.message["fr"]
    assert "{" not in hit.message["en"]


def test_real_data_conforms(release):
    """The build validates on every build; a release exists only if there is no violation."""
    assert release.metadata["validation"]["Violation"] == 0


# ------------------------------------------------------------------ issue 26: consistency rules

EXTRA_PREFIXES = """
@prefix participation: <https://w3id.org/polegraph/id/participation/> .
@prefix signature: <https://w3id.org/polegraph/id/signature/> .
@prefix document: <https://w3id.org/polegraph/id/document/> .
"""

RULE_BREAKS = {
    # name: (statements added to VALID in section:annexe-02, shape, focus, severity)
    "call of a funding programme not funded by it": ("""
        initiative:fonds-test a pg:FundingProgramme ; rdfs:label "Fonds test"@fr , "Test fund"@en ;
            pg:level pg:StateLevel .
        initiative:appel-test a pg:CallForProjects ; rdfs:label "Appel test"@fr , "Test call"@en ;
            pg:partOf initiative:fonds-test .""", "CallOfFundingProgrammeShape", "initiative/appel-test", "Violation"),
    "signatory role without pg:signatoryOf": ("""
        initiative:pacte-test a pg:Agreement ; rdfs:label "Pacte test"@fr , "Test pact"@en .
        participation:pacte-test-alpha-test a pg:Participation ; rdfs:label "Alpha Test dans le pacte"@fr ,
            "Alpha Test in the pact"@en ; pg:participant pole:alpha-test ;
            pg:participationIn initiative:pacte-test ; pg:participationRole "signataire"@fr .""",
        "SignatoryRoleShape", "pacte-test-alpha-test", "Violation"),
    "community member recorded as a mere participant": ("""
        organisation:societe-test a pg:Company ; rdfs:label "Société test"@fr , "Test company"@en ;
            pg:participatesIn initiative:projet-test .
        figure:projet-test-membres a pg:Figure ; rdfs:label "Membres du projet test"@fr ,
            "Test project members"@en ; pg:figureOf initiative:projet-test ; pg:measures measure:members ;
            pg:value 12 ; pg:unitText "membres"@fr .""",
        "CommunityMemberShape", "initiative/projet-test", "Violation"),
    "State body at the EU level": ("""
        organisation:ministere-test a pg:StateBody ; rdfs:label "Ministère test"@fr , "Test ministry"@en ;
            pg:level pg:EuropeanUnionLevel .""",
        "LevelAgreesWithClassShape", "organisation/ministere-test", "Violation"),
    "public body without a level": ("""
        organisation:agence-test a pg:PublicBody ; rdfs:label "Agence test"@fr , "Test agency"@en .""",
        "LevelStatedShape", "organisation/agence-test", "Warning"),
    "level minted in the data": ("""
        organisation:agence-test a pg:PublicBody ; rdfs:label "Agence test"@fr , "Test agency"@en ;
            pg:level pg:GalacticLevel .""", "GovernanceLevelShape", "ontology#GalacticLevel", "Violation"),
    "name as written without its reading": ("""
        participation:projet-test-alpha-test a pg:Participation ; rdfs:label "Alpha Test dans le projet"@fr ,
            "Alpha Test in the project"@en ; pg:participant pole:alpha-test ;
            pg:participationIn initiative:projet-test ; pg:nameAsWritten "Pôle Alpha"@fr .""",
        "interpretation", "projet-test-alpha-test", "Violation"),
    "signer signing in another organisation's post": ("""
        pole:beta-test a pg:Pole ; rdfs:label "Beta Test"@fr , "Beta Test"@en .
        signature:manifeste-phase-6-beta-test a pg:Signature ; rdfs:label "Signature de Beta Test"@fr ,
            "Beta Test's signature"@en ; pg:signatory pole:beta-test ; pg:signer person:ann-test ;
            pg:signerRole role:alpha-test-president ; pg:signedDocument document:manifeste-phase-6 .""",
        "SignerRoleShape", "signature/manifeste-phase-6-beta-test", "Violation"),
    "testimony speaking for nobody": ("""
        document:temoignage-test a pg:Testimony ; rdfs:label "Témoignage test"@fr , "Test testimony"@en ;
            dcterms:isPartOf section:annexe-02 ; pg:cites pole:alpha-test .""", "speaksFor", "temoignage-test",
        "Violation"),
}


@pytest.mark.parametrize("name", sorted(RULE_BREAKS))
def test_consistency_rule_catches_its_break(check, name):
    statements, shape, focus, severity = RULE_BREAKS[name]
    report = check(EXTRA_PREFIXES + VALID + "section:annexe-02 {" + statements + "\n}")
    assert found(report, shape, focus, severity), report.to_text()
    assert report.conforms == (severity == "Warning"), report.to_text()


def test_a_laureate_inherits_the_funder_of_its_call(check):
    """The rule is an inference: a contribution stating only the laureate and the call's funder conforms."""
    report = check(VALID + """
section:annexe-05 {
    initiative:fonds-test a pg:FundingProgramme ; rdfs:label "Fonds test"@fr , "Test fund"@en ; pg:level pg:StateLevel .
    initiative:appel-test a pg:CallForProjects ; rdfs:label "Appel test"@fr , "Test call"@en ;
        pg:partOf initiative:fonds-test ; pg:fundedBy initiative:fonds-test .
    initiative:projet-test pg:laureateOf initiative:appel-test .
}""")
    assert not found(report, "FundingThroughCallShape"), report.to_text()
    assert report.conforms, report.to_text()


def test_the_funding_rule_shape_reports_a_laureate_left_unfunded(shapes):
    """Without the build's inference (a reasoner regression), the shape names the laureate."""
    data = Graph().parse(data=PREFIXES + """
        initiative:appel-test pg:fundedBy initiative:fonds-test .
        initiative:projet-test pg:laureateOf initiative:appel-test .""", format="turtle")
    conforms, graph, text = shacl_validate(data, shacl_graph=shapes, advanced=True)
    assert not conforms and "projet-test" in text and "FundingThroughCallShape" in text, text
