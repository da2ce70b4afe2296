"""The competency queries of part 1 (queries/p1-*.rq) give the answers a reader of the manifesto expects.

Each expected answer below was read in the manifesto (cover to map notes, and the closing block), not
computed from the graph.
"""

from __future__ import annotations

import pytest

ID = "https://w3id.org/polegraph/id/"


def column(rows: list[dict[str, str]], name: str) -> set[str]:
    return {row[name] for row in rows if name in row}


def test_every_part1_query_has_a_title_and_a_description(named_queries):
    part1 = [q for name, q in named_queries.items() if name.startswith("p1-")]
    assert len(part1) >= 12
    for query in part1 + [named_queries["interpretations"]]:
        assert query.title and query.description, query.name


def test_five_signatories_are_presided_by_a_woman(run):
    rows = run("p1-presidentes")
    assert {(r["poleLabel"], r["presidentName"]) for r in rows} == {
        ("Astech Paris-Region", "Marie-Christine Oghly"), ("BioValley France", "Romina Marcovici"),
        ("Finance Innovation", "Elodie Trevillot"), ("Mer Méditerranée", "Barbara Olszak"),
        ("Vegepolys Valley", "Flavie Delattre")}
    assert column(rows, "title") == {"Présidente"}


def test_asteerics_is_funded_by_the_eu_through_the_chips_ju_and_by_the_state_through_france_2030(run):
    rows = run("p1-asteerics-funders")
    assert column(rows, "funder") == {ID + "organisation/union-europeenne", ID + "organisation/chips-ju",
                                      ID + "organisation/etat", ID + "initiative/france-2030"}
    assert all("chapitre-08" in r["sections"] for r in rows)
    assert {r["kind"] for r in rows if r["funder"].endswith("france-2030")} == {"funding programme"}


def test_asteerics_is_led_by_minalogic_with_seven_partners(run):
    rows = run("p1-asteerics-actors")
    assert {r["actor"] for r in rows if r["relation"] == "leads"} == {ID + "pole/minalogic"}
    assert {r["actor"] for r in rows if r["relation"] == "partner"} == {
        ID + "organisation/cnfm", ID + "organisation/captronic", ID + "pole/aktantis", ID + "pole/alpha-rlh",
        ID + "pole/images-reseaux", ID + "pole/smart-power", ID + "pole/systematic-paris-region"}


def test_mandates_stated_in_the_chapters(run):
    rows = run("p1-mandates")
    got = {(r["mandatorLabel"], r["poleLabel"], r.get("year"), r["section"].rsplit("/", 1)[1]) for r in rows}
    assert got == {
        ("SGDSN", "Systematic Paris-Région", "2025", "chapitre-01"),
        ("ESA", "Aerospace Valley", None, "chapitre-02"),
        ("CNES", "Aerospace Valley", None, "chapitre-02"),
        ("Direction de l'Industrie de Défense", "EMC2", "2024", "chapitre-05"),
        ("GIFEN", "EMC2", "2025", "chapitre-05"),
    }
    assert {r["forLabel"] for r in rows if r["mandatorLabel"] == "GIFEN"} == {"PEON"}
    assert {r["forLabel"] for r in rows if r["mandatorLabel"] in ("ESA", "CNES")} == {"ESA BIC Sud France"}


def test_enosis_sante_groups_four_poles_that_launched_the_observatory(run):
    rows = run("p1-enosis-members")
    assert column(rows, "poleLabel") == {"BioValley France", "Eurobiomed", "Lyonbiopôle", "Medicen Paris Region"}
    for pole in column(rows, "pole"):
        launched = {r.get("launched") for r in rows if r["pole"] == pole}
        assert ID + "initiative/observatoire-innovation-sante" in launched, pole


def test_the_motherbase_study_gives_seven_figures(run):
    rows = run("p1-motherbase-figures")
    assert len(rows) == 7
    assert sorted(float(r["value"]) for r in rows) == [1.3, 2, 2.4, 25, 25, 41, 69]
    assert {r["unit"] for r in rows if float(r["value"]) in (1.3, 2, 2.4)} == {"×"}


def test_network_key_figures(run):
    rows = run("p1-network-figures")
    got = sorted((float(r["value"]), r.get("qualifier", ""), r.get("year", "")) for r in rows)
    assert got == sorted([
        (53, "", "2026"), (20000, "", "2026"), (18000, "", "2026"), (80, "", "2026"), (2500, "", "2026"),
        (1000, "MoreThan", ""), (1000, "MoreThan", ""),  # staff, and projects labelled each year
        (3, "", ""), (55e9, "MoreThan", ""),
    ])
    assert {r.get("currency") for r in rows if float(r["value"]) == 55e9} == {"EUR"}


def test_six_health_poles_partner_with_the_agence_innovation_sante(run):
    rows = run("p1-health-poles-partners")
    assert {(r["poleLabel"], r["inEnosis"]) for r in rows} == {
        ("Atlanpole Biotherapies", "false"), ("BioValley France", "true"), ("Clubster-NSL", "false"),
        ("Eurobiomed", "true"), ("Lyonbiopôle", "true"), ("Medicen Paris Region", "true")}


def test_six_energy_poles_act_together_on_the_low_carbon_chains(run):
    """Chapter 07 credits the six pôles as a group: one joint action, not six pôles each on every chain."""
    rows = run("p1-energy-poles")
    assert len(rows) == 1
    (row,) = rows
    assert set(row["poles"].split(", ")) == {"Energies Françaises", "Capenergies", "DERBI CEMATER", "Nuclear Valley",
                                             "Smart Power", "Tenerrdis"}
    assert int(row["poleCount"]) == 6
    assert set(row["chains"].split(", ")) >= {"Solaire", "Hydrogène", "Nucléaire", "SMR AMR", "Bioénergies"}


def test_chapter_07_credits_no_single_pole_with_the_group_s_chains(store):
    """"Ont contribué à la structuration" is said of the six together: no pôle structures a chain in chapter 07."""
    assert not store.ask(f"""PREFIX pg: <https://w3id.org/polegraph/ontology#>
        ASK {{ GRAPH <{ID}section/chapitre-07> {{ ?pole a pg:Pole ; pg:structuresValueChain ?chain }} }}""")
    assert not store.ask(f"""PREFIX pg: <https://w3id.org/polegraph/ontology#>
        ASK {{ <{ID}pole/nuclear-valley> pg:structuresValueChain <{ID}filiere/solaire> }}""")


def test_esa_bic_sud_france_actors(run):
    rows = run("p1-esa-bic-sud-france")
    assert {(r["actorLabel"], r["relation"]) for r in rows} == {
        ("Aerospace Valley", "leads"), ("Safe", "partner"), ("ESA", "mandator"), ("CNES", "mandator")}


def test_escalad_in_chapter_01(run):
    rows = {(r["sLabel"], r["property"], r["oLabel"]) for r in run("p1-escalad")}
    assert ("ESCALAD", "initiatedBy", "Systematic Paris-Région") in rows
    assert ("Centre d'essais anti-drone d'ESCALAD", "operatedBy", "Systematic Paris-Région") in rows
    assert ("Ancienne base aérienne d'ESCALAD", "ownedBy",
            "Agglomération propriétaire de l'ancienne base aérienne d'ESCALAD") in rows
    assert ("Première cohorte d'ESCALAD", "evaluatedBy", "Pool d'experts académiques d'ESCALAD") in rows


def test_nextmove_companies_and_the_e7a_motor(run):
    rows = run("p1-nextmove")
    assert column(rows, "companyLabel") == {"Amperé", "Acome", "Up&Charge", "Genomines"}
    assert {r["companyLabel"] for r in rows if r.get("ledLabel") == "Moteur E7A"} == {"Amperé"}


def test_each_chapter_has_themes(run):
    rows = run("p1-chapter-themes")
    by_section = {r["section"].rsplit("/", 1)[1]: r for r in rows}
    expected = ["couverture", "introduction"] + [f"chapitre-{n:02d}" for n in range(1, 9)] + ["conclusion"]
    assert set(expected) <= set(by_section)
    for slug in expected:
        assert int(by_section[slug]["themes"]) >= 1, slug
    assert "Microélectronique" in by_section["chapitre-08"]["subjects"]
    assert "Nucléaire" in by_section["chapitre-05"]["subjects"]
    assert "New Space" in by_section["chapitre-02"]["subjects"]


def test_energies_francaises_is_the_one_named_pole_that_did_not_sign(run):
    rows = run("p1-non-signatory-poles")
    assert column(rows, "label") == {"Energies Françaises"}


@pytest.mark.parametrize(("variant", "label"), [
    ("Systematic", "Systematic Paris-Région"), ("Atlanpole Biothérapies", "Atlanpole Biotherapies"),
    ("Lyonbiopôle Auvergne Rhôns-Alpes", "Lyonbiopôle"), ("Clubster Nutrition Santé Longévité", "Clubster-NSL"),
    ("Derbi-Cemater", "DERBI CEMATER"), ("Minalogic Auvergne-Rhône-Alpes", "Minalogic"), ("ALPHA-RLH", "Alpha RLH"),
])
def test_chapter_spellings_of_pole_names(run, variant, label):
    rows = run("p1-pole-name-variants")
    assert (variant, label) in {(r["variant"], r["label"]) for r in rows}


def test_regions_with_their_insee_codes(run):
    rows = run("p1-regions-insee")
    assert {(r["label"], r["code"]) for r in rows} == {
        ("Île-de-France", "11"), ("Occitanie", "76"), ("Nouvelle-Aquitaine", "75"),
        ("Auvergne-Rhône-Alpes", "84"), ("Pays de la Loire", "52"), ("Guadeloupe", "01"),
        ("La Réunion", "04"), ("Corse", "94")}


def test_afpc_people(run):
    rows = run("p1-afpc-people")
    assert {(r["name"], r["title"], r["section"].rsplit("/", 1)[1]) for r in rows} == {
        ("Christian Deleuze", "Président", "couverture"), ("Pauline Capus", "Déléguée Générale", "colophon")}


def test_capenergies_thematic_strands(run):
    rows = run("p1-capenergies-strands")
    assert {(r["label"], r["territoryLabel"]) for r in rows} == {("Synergies", "Guadeloupe"),
                                                                 ("Capenergies Corse", "Corse")}


def test_interpretations_list_the_readings_of_part1_in_both_languages(run):
    rows = run("interpretations")
    resources = column(rows, "resource")
    for slug in ("organisation/afpc", "pole/energies-francaises", "organisation/synergies",
                 "initiative/label-pole-phase-5", "pole/lyonbiopole", "organisation/ampere"):
        assert ID + slug in resources, slug
    part1 = {"couverture", "introduction", "conclusion", "carte", "colophon"}
    part1 |= {f"chapitre-{n:02d}" for n in range(1, 9)}
    languages: dict[str, set[str]] = {}
    for row in rows:
        if part1 & set(row["sections"].split(", ")):
            languages.setdefault(row["resource"], set()).add(row["lang"])
    assert languages
    for resource, langs in languages.items():
        assert langs == {"en", "fr"}, f"{resource}: a reading is given in English and in French"
