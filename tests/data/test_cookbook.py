"""Issue 26: the query cookbook (docs/cookbook.md) and the competency queries behind it.

Every pattern of the cookbook is a named query (queries/cookbook-*.rq) run here against the release; the
expected answers were read in the manifesto (signature list, testimony boxes, annexes), not computed
from the graph. The last tests check the graph a researcher meets: a label in both languages on every
name, the text's verbs under the general properties, the shortcuts beside the qualified nodes, the
per-kind prefixes in the service description, the alignment copies kept in their own graph.
"""

from __future__ import annotations

import re

import pytest
import rdflib

from polegraph.pipeline.void import void_statistics
from polegraph.vocab import ALIGNMENT_GRAPH, ID, INFERRED_GRAPH, KINDS, PG
from polegraph.web.content.service_description import describe_service
from tests.support import PROJECT

COOKBOOK = PROJECT / "docs" / "cookbook.md"




def short(iri: str) -> str:
    return iri.removeprefix(ID)


# ------------------------------------------------------------------ the cookbook itself


def test_every_cookbook_pattern_is_a_documented_named_query(named_queries):
    text = COOKBOOK.read_text(encoding="utf-8")
    cookbook_queries = {name for name in named_queries if name.startswith("cookbook-")}
    assert len(cookbook_queries) >= 12
    cited = set(re.findall(r"queries/([a-z0-9-]+)\.rq", text))
    assert cookbook_queries <= cited, f"not in docs/cookbook.md: {cookbook_queries - cited}"
    assert cited <= set(named_queries), f"docs/cookbook.md cites missing queries: {cited - set(named_queries)}"


def test_every_cookbook_query_runs_and_answers(run, named_queries):
    for name in (n for n in named_queries if n.startswith("cookbook-")):
        assert run(name), f"{name} answers nothing"


# ------------------------------------------------------------------ signatures


def test_the_53_poles_signed_the_manifesto_each_by_its_president(run):
    rows = run("cookbook-signatories")
    assert len(rows) == 53 == len({r["pole"] for r in rows})
    pairs = {(r["poleName"], r["signerName"], r["title"]) for r in rows}
    # The signature list opens with Aerospace Valley and closes with Xylofutur.
    assert ("Aerospace Valley", "Bruno Darboux", "Président") in pairs
    assert ("Xylofutur", "Frank Mainard", "Président") in pairs
    assert {r["poleName"] for r in rows if r["title"] == "Présidente"} == {
        "Astech Paris-Region", "BioValley France", "Finance Innovation", "Mer Méditerranée", "Vegepolys Valley"}
    assert ID + "pole/energies-francaises" not in {r["pole"] for r in rows}  # named in chapter 07, not a signatory


def test_the_signature_shortcut_answers_in_one_triple(store):
    poles = store.select(f"""PREFIX pg: <{PG}> SELECT ?pole WHERE {{
        ?pole a pg:Pole ; pg:signed <{ID}document/manifeste-phase-6> }}""")
    assert len(poles) == 53
    signer = store.select(f"""PREFIX pg: <{PG}> SELECT ?org WHERE {{
        <{ID}person/christian-deleuze> pg:signedOnBehalfOf ?org }}""")
    # AFPC's president signs the manifesto as president of Medicen Paris Region.
    assert {short(r["org"]) for r in signer} == {"pole/medicen-paris-region"}


# ------------------------------------------------------------------ testimonies


def test_each_chapter_box_and_the_opening_quote_is_a_testimony(run):
    rows = {short(r["section"]): r for r in run("cookbook-testimonies")}
    assert set(rows) == {"section/couverture"} | {f"section/chapitre-{n:02d}" for n in range(1, 9)}
    assert rows["section/couverture"]["speakerName"] == "Christian Deleuze"
    assert rows["section/couverture"]["speaksFor"] == "AFPC"
    assert rows["section/chapitre-02"]["speaksFor"] == "Aerospace Valley"
    assert rows["section/chapitre-04"]["speaksFor"] == "NextMove"
    assert rows["section/chapitre-05"]["speaksFor"] == "EMC2"
    assert rows["section/chapitre-08"]["speaksFor"] == "Minalogic"
    assert len(rows["section/chapitre-03"]["speaksFor"].split(", ")) == 6  # the six health pôles
    assert len(rows["section/chapitre-07"]["speaksFor"].split(", ")) == 6  # the six energy pôles
    assert all("speakerName" not in r for k, r in rows.items() if k != "section/couverture")  # never guessed


def test_the_chapter_08_testimony_cites_asteerics_its_partners_and_funders(store):
    cited = {short(r["x"]) for r in store.select(f"""PREFIX pg: <{PG}> SELECT ?x WHERE {{
        <{ID}document/temoignage-chapitre-08> pg:cites ?x }}""")}
    assert {"initiative/asteerics", "organisation/cnfm", "organisation/captronic", "organisation/chips-ju",
            "initiative/france-2030", "pole/smart-power"} <= cited


# ------------------------------------------------------------------ mandates, funding through calls, figures


def test_programmes_and_their_mandating_bodies(run):
    pairs = {(short(r["initiative"]), short(r["mandator"])) for r in run("cookbook-mandates")}
    assert {("initiative/esa-bic-sud-france", "organisation/esa"),  # "pour le compte de l'ESA et du CNES"
            ("initiative/esa-bic-sud-france", "organisation/cnes"),
            ("initiative/peon", "organisation/gifen"),  # GIFEN, through PEON, entrusted EMC2 (2025)
            ("initiative/smart-sante", "organisation/region-ile-de-france"),  # "pour le compte de la Région"
            ("initiative/politique-regionale-de-developpement-de-la-filiere-geothermie",
             "organisation/region-nouvelle-aquitaine")} <= pairs
    rows = run("cookbook-mandates")
    assert {r.get("year") for r in rows if r["initiative"].endswith("/peon")} == {"2025"}
    assert {short(r.get("level", "")) for r in rows if r["mandator"].endswith("/esa")} == {
        str(PG.IntergovernmentalLevel)}


def test_every_laureate_of_a_france_2030_call_is_funded_by_france_2030(run):
    rows = run("cookbook-funding-through-calls")
    cma = {r["laureateName"] for r in rows if r["call"].endswith("competences-et-metiers-davenir")}
    # Annex 05: Aerospace Valley's five projects and Eurobiomed's five; annex 06: Train4Bioprod.
    assert cma == {"EOLE", "PEGASE", "COMETE", "C2A", "BioSpace", "FURII", "DEM@TER", "UNITEDIN", "ImmunoSkills",
                   "Bio'Occ", "Train4Bioprod"}
    assert ("SYRIUS", "ZIBaC") in {(r["laureateName"], r["callName"]) for r in rows}  # a ZIBaC call of France 2030
    assert {r["funderName"] for r in rows} == {"France 2030"}


def test_figures_come_with_qualifier_unit_currency_and_year(run):
    rows = {r["figure"].rsplit("/", 1)[1]: r for r in run("cookbook-figures")}
    # Annex 02: phase 1 (2023) made 28 studies and 3 scenarios; phase 2 (2026): 35 studies, 16 M€,
    # more than 65 % privately funded.
    assert float(rows["syrius-phase-1-studies"]["value"]) == 28 and rows["syrius-phase-1-studies"]["year"] == "2023"
    assert float(rows["syrius-phase-1-scenarios"]["value"]) == 3
    budget = rows["syrius-phase-2-budget"]
    assert (float(budget["value"]), budget["currency"], budget["year"]) == (16_000_000, "EUR", "2026")
    share = rows["syrius-phase-2-private-funding-share"]
    assert (float(share["value"]), share["unit"], share["qualifier"]) == (65, "%", "More than")


# ------------------------------------------------------------------ sections, levels, regions


def test_what_annex_07_says_about_avenia(run):
    rows = {(short(r["property"]).removeprefix(str(PG)), short(r["value"])) for r in run("cookbook-section")}
    geothermal = "initiative/politique-regionale-de-developpement-de-la-filiere-geothermie"
    assert ("pilots", geothermal) in rows  # "AVENIA pilote la mise en œuvre…"
    assert ("mandatedBy", "organisation/region-nouvelle-aquitaine") in rows  # "Mandaté par la Région…"
    assert not any(p.startswith(("http://www.w3.org/ns/org#", "https://schema.org/")) for p, _ in rows)


def test_eu_funded_projects_are_found_by_level_not_by_name(run):
    rows = run("cookbook-levels")
    eu = {r["initiativeName"] for r in rows if r["level"] == str(PG.EuropeanUnionLevel)}
    # ASTEERICS (Chips JU), DIVA (Horizon 2020), FrHyGe (Clean Hydrogen Partnership), NAMWISE (Horizon
    # Europe), ZEUS (LIFE), NEMO and ePERFECT (European Defence Fund), EDIH GreenPowerIT (European co-funding).
    assert {"ASTEERICS", "DIVA", "FrHyGe", "NAMWISE", "ZEUS", "NEMO", "ePERFECT", "EDIH GreenPowerIT"} <= eu
    regional = {(r["initiativeName"], r["funderName"]) for r in rows if r["level"] == str(PG.RegionalLevel)}
    assert ("Oratex", "Auvergne-Rhône-Alpes Region") in regional  # "financé par la Région Auvergne-Rhône-Alpes"
    assert "France 2030" in {r["funderName"] for r in rows if r["level"] == str(PG.StateLevel)}


def test_esa_is_intergovernmental_not_an_eu_body(store):
    assert store.ask(f"""PREFIX pg: <{PG}> ASK {{ <{ID}organisation/esa> a pg:IntergovernmentalOrganisation ;
        pg:level pg:IntergovernmentalLevel ; pg:source ?treaty }}""")
    assert not store.ask(f"PREFIX pg: <{PG}> ASK {{ <{ID}organisation/esa> a pg:EUBody }}")


def test_overseas_regions_and_corsica_are_flagged(run):
    rows = run("cookbook-overseas-and-corsica")
    status = {r["regionName"]: short(r["status"]).removeprefix(str(PG)) for r in rows}
    assert status == {"Guadeloupe": "OverseasRegion", "Réunion": "OverseasRegion", "Corsica": "SpecialStatusRegion"}
    actors = {(r["regionName"], r.get("actorName")) for r in rows}
    # The map notes: Synergies (Guadeloupe), Qualitropic at Sainte-Marie (La Réunion), Capenergies Corse.
    assert {("Guadeloupe", "Synergies"), ("Réunion", "Qualitropic"), ("Corsica", "Capenergies Corsica"),
            ("Corsica", "INVECE")} <= actors


def test_regional_councils_are_a_class(run):
    rows = run("cookbook-regional-councils")
    assert {r["councilName"] for r in rows} >= {"Auvergne-Rhône-Alpes Region", "Grand Est Region",
                                                 "Île-de-France Region", "Nouvelle-Aquitaine Region",
                                                 "Occitanie Region", "Région Sud (Provence-Alpes-Côte d'Azur)"}
    assert ("Île-de-France Region", "Smart Santé") in {(r["councilName"], r["whatName"]) for r in rows
                                                      if r["act"].endswith("mandatorOf")}


# ------------------------------------------------------------------ the text's verbs

VERBS = {
    # property: pairs read in the manifesto (subject, object), by slug
    "pilots": {("aerospace-valley", "esa-bic-sud-france"), ("minalogic", "asteerics"), ("i-trans", "edih-greenpowerit"),
               ("capenergies", "syrius"), ("mer-bretagne-atlantique", "morespace"), ("aquanova", "zeus"),
               ("atlanpole-biotherapies", "medi4future"), ("agri-sud-ouest-innovation", "asca"),
               ("agri-sud-ouest-innovation", "biosolutiona"), ("medicen-paris-region", "smart-sante"),
               ("avenia", "politique-regionale-de-developpement-de-la-filiere-geothermie"),
               ("enosis-sante", "contrat-strategique-de-filiere-industries-et-technologies-de-sante")},
    "carries": {("axelera", "declyc"), ("a2u", "maia"), ("cosmetic-valley", "cosmetic-360"),
                ("massebeuf-textiles", "oratex"), ("dga-techniques-terrestres", "pilote"), ("ineris", "namwise"),
                ("sgdsn", "strategie-nationale-de-resilience")},
    "coCoordinates": {("eurobiomed", "desire")},
    "animatesInitiative": {("capenergies", "edih-move2digital"), ("capenergies", "boost-innovation-business"),
                           ("valorial", "methane-2030"), ("euramaterials", "chaire-copack"),
                           ("innovalliance", "journees-de-la-naturalite")},
    "deploys": {("innovalliance", "oir-naturalite"), ("aquanova", "aquanova-valorisation-metiers-de-leau")},
    "federates": {("naquidis", "universite-de-bordeaux"), ("naquidis", "universite-de-limoges"), ("naquidis", "cnrs")},
    "matures": {("lyonbiopole", "namwise")},
    "coOrganises": {("pole-dinnovation-orion", "mar-inn-ouest"), ("mer-bretagne-atlantique", "mar-inn-ouest"),
                    ("images-reseaux", "journee-defense-grand-ouest"), ("emc2", "journee-defense-grand-ouest"),
                    ("id4mobility", "journee-defense-grand-ouest"),
                    ("mer-bretagne-atlantique", "journee-defense-grand-ouest")},
    "hasCommunityMember": {("maele", c) for c in ("aura-aero", "ascendance", "voltaero", "elixir-aircraft",
                                                  "beyond-aero", "blue-spirit-aero")}
    | {("morespace", "unseenlabs"), ("morespace", "cls")},
    "signatoryOf": {(s, "initiative-carburants-daviation-durables-en-occitanie")
                    for s in ("aerospace-valley", "etat", "region-occitanie", "airbus", "atr",
                              "aeroport-de-toulouse-blagnac")} | {("safe", "sud-avenir-helico")},
    "hasAgreementWith": {("mer-bretagne-atlantique", "aid"), ("aid", "mer-bretagne-atlantique")},
}
GENERAL = {"pilots": "leads", "carries": "leads", "coCoordinates": "coordinates", "animatesInitiative": "operates",
           "deploys": "operates", "federates": "hasParticipant", "matures": "supports", "coOrganises": "organises",
           "hasCommunityMember": "hasParticipant", "signatoryOf": "participatesIn", "hasAgreementWith": "partnerOf"}


@pytest.mark.parametrize("prop", sorted(VERBS))
def test_each_verb_of_the_text_is_a_property_with_its_pairs(run, store, prop):
    rows = run("cookbook-verbs")
    pairs = {(r["subject"].rsplit("/", 1)[1], r["object"].rsplit("/", 1)[1]) for r in rows
             if r["property"] == str(PG[prop])}
    assert pairs == VERBS[prop]
    # The general question finds the same pairs (the precise property is a sub-property).
    general = {(r["s"].rsplit("/", 1)[1], r["o"].rsplit("/", 1)[1]) for r in store.select(
        f"PREFIX pg: <{PG}> SELECT ?s ?o WHERE {{ ?s pg:{GENERAL[prop]} ?o }}")}
    assert VERBS[prop] <= general


def test_a_verb_is_the_french_label_of_its_property(store):
    labels = {r["p"]: r["label"] for r in store.select(f"""PREFIX pg: <{PG}>
        PREFIX rdfs: <http://www.w3.org/2000/01/rdf-schema#>
        SELECT ?p ?label WHERE {{ ?p rdfs:label ?label FILTER (lang(?label) = "fr") }}""")}
    for prop, verb in (("pilots", "pilote"), ("carries", "porte"), ("animatesInitiative", "anime"),
                       ("deploys", "déploie"), ("federates", "fédère"), ("signed", "signe"), ("matures", "fait mûrir"),
                       ("coordinates", "coordonne"), ("supports", "accompagne"), ("labels", "labellise"),
                       ("funds", "finance"), ("mandates", "mandate")):
        assert labels[str(PG[prop])] == verb, prop


def test_the_verb_table_of_modelling_md_is_the_ontology_s(store):
    from polegraph.web.content.ontology_docs import verb_table

    ontology = rdflib.Graph().parse(PROJECT / "ontology" / "poles.ttl")
    text = (PROJECT / "docs" / "modelling.md").read_text(encoding="utf-8")
    documented = set(re.findall(r"^\| ([^|`]+?) \| `pg:(\w+)` \|", text, re.M))
    assert documented == {(verb, prop) for verb, prop, _ in verb_table(ontology)}
    found = store.select(f"""PREFIX pg: <{PG}> SELECT ?p WHERE {{ ?p pg:verbInText "fédère"@fr }}""")
    assert [r["p"] for r in found] == [str(PG.federates)]


def test_the_pole_mer_attributions_are_queryable_with_their_reading(run):
    rows = run("cookbook-name-readings")
    assert {r["nameAsWritten"] for r in rows} == {"Pôle Mer"}
    assert {short(r["readAs"]) for r in rows} == {"pole/mer-bretagne-atlantique"}
    assert {short(r["initiative"]) for r in rows} == {
        "initiative/convention-aid-mer-bretagne-atlantique", "initiative/morespace", "initiative/semaine-defense"}
    assert all(r["why"] for r in rows)


# ------------------------------------------------------------------ the graph a researcher meets


def test_every_named_resource_has_a_french_and_an_english_label(store):
    missing = store.select(f"""PREFIX pg: <{PG}> PREFIX rdfs: <http://www.w3.org/2000/01/rdf-schema#>
        SELECT DISTINCT ?x WHERE {{
            ?x a ?c . FILTER (isIRI(?x) && STRSTARTS(STR(?x), "{ID}"))
            FILTER NOT EXISTS {{ ?x rdfs:label ?en FILTER (lang(?en) = "en") }}
        }}""")
    assert not missing, [r["x"] for r in missing]
    poles_en = store.select(f"""PREFIX pg: <{PG}> PREFIX rdfs: <http://www.w3.org/2000/01/rdf-schema#>
        SELECT ?pole WHERE {{ ?pole a pg:Pole ; rdfs:label ?name FILTER (lang(?name) = "en") }}""")
    assert len(poles_en) == 54  # the 53 signatories and Energies Françaises
    proper = store.select(f"""PREFIX rdfs: <http://www.w3.org/2000/01/rdf-schema#>
        SELECT ?fr ?en WHERE {{ <{ID}pole/images-reseaux> rdfs:label ?fr , ?en
                                FILTER (lang(?fr) = "fr" && lang(?en) = "en") }}""")
    assert [(r["fr"], r["en"]) for r in proper] == [("Images & Réseaux", "Images & Réseaux")]


def test_one_link_is_one_property_outside_the_alignment_graph(run, store):
    properties = {r["property"] for r in run("cookbook-one-link-one-property")}
    assert str(PG.memberOf) in properties
    assert not any(p.startswith(("http://www.w3.org/ns/org#", "https://schema.org/", "http://purl.org/dc/terms/"))
                   for p in properties)
    # …while a researcher who only knows ORG still finds the membership, in the alignment graph.
    network = f"<{ID}organisation/reseau-innovation-de-defense>"
    assert store.ask(f"""ASK {{ GRAPH <{ALIGNMENT_GRAPH}> {{
        <{ID}pole/minalogic> <http://www.w3.org/ns/org#memberOf> {network} }} }}""")
    assert not store.ask(f"""ASK {{ GRAPH <{INFERRED_GRAPH}> {{
        ?s ?p ?o FILTER (STRSTARTS(STR(?p), "http://www.w3.org/ns/org#")) }} }}""")


def test_the_service_description_declares_a_prefix_per_kind_and_property_partitions(store):
    graph = rdflib.Graph()
    for t in describe_service("http://localhost/sparql", void_statistics(store.select), release_id="test", timeout_s=30,
                              max_rows=10, max_query_bytes=100):
        graph.add(tuple(rdflib.URIRef(x.value) if type(x).__name__ == "NamedNode" else
                        rdflib.BNode(x.value) if type(x).__name__ == "BlankNode" else rdflib.Literal(x.value)
                        for x in (t.subject, t.predicate, t.object)))
    sh = rdflib.Namespace("http://www.w3.org/ns/shacl#")
    void = rdflib.Namespace("http://rdfs.org/ns/void#")
    declared = {str(graph.value(d, sh.prefix)): str(graph.value(d, sh.namespace))
                for d in graph.objects(None, sh.declare)}
    for kind in KINDS:
        assert declared[kind] == f"{ID}{kind}/"
    spaces = {str(graph.value(s, void.uriSpace)): int(graph.value(s, void.entities))
              for s in graph.objects(None, void.subset)}
    assert spaces[ID + "pole/"] == 54 and spaces[ID + "signature/"] == 53
    partitions = {str(graph.value(p, void.property)): int(graph.value(p, void.triples))
                  for p in graph.objects(None, void.propertyPartition)}
    assert partitions[str(PG.pilots)] == len(VERBS["pilots"])
    assert partitions[str(PG.signedDocument)] == 53
