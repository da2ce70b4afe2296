"""Competency questions on annexes 04–07 (queries/p3-*.rq), each answered as a reader of the manifesto would.

The expected answers were written down from the text of the annexes, not from the data. Queries scoped to
these annexes must give exactly that answer; queries over the whole graph must at least contain it (the
other parts of the manifesto may add rows).
"""

from __future__ import annotations


def short(value: str | None) -> str | None:
    """The last segment of an IRI (a slug or an ontology term), or the literal unchanged."""
    if value is None:
        return None
    return value.rsplit("#", 1)[-1].rsplit("/", 1)[-1] if value.startswith("http") else value


def number(value: str | None) -> float | None:
    return None if value is None else float(value)




def test_every_part3_query_has_a_title_and_a_description(named_queries):
    part3 = {n: q for n, q in named_queries.items() if n.startswith("p3-")}
    assert len(part3) >= 15
    for name, query in part3.items():
        assert query.title and query.description, name


def test_projects_redistributing_eu_money_and_how_much(run):
    rows = run("p3-cascade-funding")
    got = {(short(r["initiative"]), short(r.get("pole")), number(r.get("amount")), short(r.get("qualifier")))
           for r in rows}
    assert {
        ("desire", "eurobiomed", 1_000_000, "MoreThan"),                 # "plus d'un million d'euros"
        ("pimap4sustainability", "alpha-rlh", 750_000, "Nearly"),        # "près de 750 000 €"
        ("diva", "agri-sud-ouest-innovation", 60_000, "UpTo"),           # vouchers "jusqu'à 60 000 €"
        ("mer-bretagne-atlantique-projets-cascade-funding", "mer-bretagne-atlantique", None, None),
    } <= got
    pole_mer = [r for r in rows if short(r["initiative"]) == "mer-bretagne-atlantique-projets-cascade-funding"]
    assert {number(r.get("beneficiaries")) for r in pole_mer} == {50}   # "plus de 50 structures"
    assert all(r["currency"] == "EUR" for r in rows if "amount" in r)


def test_european_networks_created_or_animated_by_poles_with_their_members(run):
    rows = run("p3-european-networks")
    got = {(short(r["network"]), short(r["pole"]), r["relation"], number(r.get("members"))) for r in rows}
    assert {
        ("erci", "i-trans", "founded", 16),
        ("eacn", "vehicule-du-futur", "animates", 34),
        ("go4cosmetics", "cosmetic-valley", "founded", None),
        ("biosolutions-for-sustainable-agriculture", "agri-sud-ouest-innovation", "founded", 10),
    } <= got
    bsa = [r for r in rows if short(r["network"]) == "biosolutions-for-sustainable-agriculture"]
    assert {number(r.get("countries")) for r in bsa} == {7}
    assert "nuclear-valley-club-international" not in {short(r["network"]) for r in rows}  # a regional club


def test_france_2030_skills_laureates_and_people_to_train(run):
    """Aerospace Valley's five projects share one 60 M€ grant and one target of 63 000 people over five years."""
    rows = run("p3-skills-france-2030")
    got = {(short(r["unit"]), frozenset(r["projects"].split(", ")), r.get("poles"), number(r.get("peopleToTrain")),
            number(r.get("years")), number(r.get("grant"))) for r in rows}
    aerospace = {("projets-cma-aerospace-valley", frozenset({"EOLE", "PEGASE", "COMETE", "C2A", "BioSpace"}),
                  "Aerospace Valley", 63_000, 5, 60_000_000)}
    # Eurobiomed's five projects: the text gives their fields for the set, so they form one unit, with no
    # training target or grant stated.
    eurobiomed = {("projets-cma-eurobiomed", frozenset({"FURII", "DEM@TER", "UNITEDIN", "ImmunoSkills", "Bio'Occ"}),
                   "Eurobiomed", None, None, None)}
    atlanpole = {("train4bioprod", frozenset({"Train4Bioprod"}), "Atlanpole Biotherapies", None, None, None)}
    assert got == aerospace | eurobiomed | atlanpole
    # the shared figures appear once, so a sum over the rows is the sum the text states
    assert sum(number(r["peopleToTrain"]) for r in rows if "peopleToTrain" in r) == 63_000


def test_regional_authorities_that_mandated_a_pole(run):
    got = {(short(r["authority"]), short(r["pole"]), short(r.get("for")), r.get("startYear"))
           for r in run("p3-regional-mandates")}
    assert {
        ("region-nouvelle-aquitaine", "avenia", "politique-regionale-de-developpement-de-la-filiere-geothermie",
         "2025"),
        ("region-ile-de-france", "medicen-paris-region", "smart-sante", None),
        ("region-sud", "innovalliance", "oir-naturalite", None),
        ("region-nouvelle-aquitaine", "agri-sud-ouest-innovation", "biosolutiona", None),
        ("region-grand-est", "biovalley-france", "hopital-du-futur-2", None),
    } <= got


def test_projects_funded_by_eu_research_programmes(run):
    got = {(short(r["project"]), r["programmeLabel"], number(r.get("budget")), number(r.get("partners")))
           for r in run("p3-eu-programme-projects")}
    assert {
        ("diva", "Horizon 2020", None, 10),
        ("diva", "INNOSUP", None, 10),
        ("frhyge", "Clean Hydrogen Partnership", 43_000_000, 17),
        ("namwise", "Horizon Europe", 2_000_000, 18),
    } <= got


def test_amounts_stated_in_annexes_04_to_07(run):
    got = {(short(r["about"]), number(r["value"]), short(r.get("qualifier"))) for r in run("p3-annex-budgets")}
    assert got == {
        ("diva", 60_000, "UpTo"),
        ("pimap4sustainability", 750_000, "Nearly"),
        ("frhyge", 43_000_000, None),
        ("desire", 1_000_000, "MoreThan"),
        ("polymeris", 5_900_000, "MoreThan"),
        ("projets-cma-aerospace-valley", 60_000_000, None),
        ("namwise", 2_000_000, None),
        ("hopital-du-futur-2", 8_000_000, None),
    }


def test_polymeris_eu_funding_period_and_team(run):
    got = {(short(r["measure"]), number(r["value"])) for r in run("p3-polymeris-eu-funding")}
    assert got == {("funding-obtained", 5_900_000), ("duration-years", 10), ("staff", 1), ("staff", 6),
                   ("duration-years", 5)}


def test_eu_programmes_poles_help_members_reach(run):
    got = {(short(r["pole"]), short(r["programme"])) for r in run("p3-eu-programme-access")}
    assert {("polymeris", "horizon-europe"), ("polymeris", "interreg"), ("polymeris", "euroclusters")} <= got


def test_partners_members_and_countries_in_annexes_04_to_07(run):
    got = {(short(r["about"]), short(r["measure"]), number(r["value"])) for r in run("p3-partners-and-countries")}
    assert got == {
        ("diva", "partners", 10), ("diva", "countries", 6), ("frhyge", "partners", 17),
        ("tangent", "partners", 12), ("tangent", "partners", 4), ("erci", "members", 16),
        ("eacn", "members", 34), ("agroecology", "countries", 26), ("diagtase", "partners", 2),
        ("universite-des-metiers-du-nucleaire", "members", 11), ("f3oci", "members", 130),
        ("namwise", "partners", 18), ("biosolutions-for-sustainable-agriculture", "members", 10),
        ("biosolutions-for-sustainable-agriculture", "countries", 7),
    }


def test_health_poles_roles_in_the_health_annex(run):
    got = {(short(r["pole"]), r["role"], short(r["initiative"])) for r in run("p3-health-annex-projects")}
    assert got == {
        ("atlanpole-biotherapies", "partner", "train4bioprod"),
        ("eurobiomed", "leads", "eurobiomed-cartographie-covid"),
        ("eurobiomed", "leads", "eurobiomed-cartographie-sante-de-la-peau"),
        ("lyonbiopole", "supports", "namwise"),
        ("clubster-nsl", "coordinates", "healthtech-valley"),
        ("valorial", "coordinates", "prolific"),
    }


def test_pole_memberships_in_annexes_04_to_07(run):
    got = {(short(r["pole"]), short(r["body"]), r["founding"]) for r in run("p3-founding-memberships")}
    assert got == {
        ("cosmetic-valley", "go4cosmetics", "true"),
        ("nuclear-valley", "universite-des-metiers-du-nucleaire", "true"),
        ("vegepolys-valley", "partenariat-europeen-agroecologie", "false"),
    }


def test_training_and_jobs_targets_of_the_skills_annex(run):
    got = {(short(r["about"]), short(r["measure"]), number(r["value"]), short(r.get("qualifier")))
           for r in run("p3-skills-targets")}
    assert got == {
        ("projets-cma-aerospace-valley", "people-trained", 63_000, None),
        ("programme-nouveau-nucleaire-francais", "jobs", 100_000, "About"),
        ("asca", "smes", 170, None),
        ("asca", "students", 280, None),
    }


def test_programmes_initiated_by_a_regional_authority(run):
    got = {(short(r["initiative"]), r["authorityLabel"], r.get("poleLabel"), number(r.get("budget")))
           for r in run("p3-regionally-initiated-programmes")}
    assert {
        ("biosolutiona", "Région Nouvelle-Aquitaine", "Agri Sud Ouest Innovation", None),
        ("politique-regionale-de-developpement-de-la-filiere-geothermie", "Région Nouvelle-Aquitaine", "Avenia",
         None),
        ("hopital-du-futur-2", "Région Grand Est", "BioValley France", 8_000_000),
    } <= got


def test_territorial_energy_projects(run):
    got = {(short(r["initiative"]), r["territoryLabel"], r.get("startYear"), r.get("endYear"), number(r.get("value")),
            short(r.get("qualifier"))) for r in run("p3-territorial-energy-projects")}
    assert got == {
        ("flexitanie", "Occitanie", "2022", None, 150, None),
        ("invece", "Corse", "2024", "2026", 10, "MoreThan"),
    }


def test_partners_of_regional_programmes(run):
    got = {(short(r["initiative"]), short(r["partner"])) for r in run("p3-regional-programme-partners")}
    assert got == {
        ("biosolutiona", "innovin"), ("biosolutiona", "xylofutur"),
        ("flexitanie", "edf"), ("flexitanie", "region-occitanie"), ("flexitanie", "adocc"),
        ("flexitanie", "ademe"), ("oir-naturalite", "region-sud"),
    }


def test_pole_roles_in_european_projects(run):
    got = {(r["poleLabel"], r["role"], short(r["initiative"])) for r in run("p3-european-project-roles")}
    assert got == {
        ("Atlanpole Biotherapies", "leads", "medi4future"),
        ("Agri Sud Ouest Innovation", "coordinates", "diva"),
        ("Alpha RLH", "participates", "pimap"),
        ("Alpha RLH", "participates", "pimap-plus"),
        ("Alpha RLH", "participates", "pimap4sustainability"),
        ("Capenergies", "coordinates", "frhyge"),
        ("Eurobiomed", "coordinates", "desire"),
        ("ID4Mobility", "supports", "tangent"),
        ("ID4Mobility", "participates", "tangent"),
        ("ID4Mobility", "coordinates", "tangent-sites-de-test"),
        ("Minalogic", "operates", "minalogic-accompagnement-projets-europeens"),
        ("NextMove", "operates", "nextmove-accompagnement-projets-europeens"),
        ("Mer Bretagne Atlantique", "participates", "mer-bretagne-atlantique-projets-cascade-funding"),
        ("Vegepolys Valley", "participates", "agroecology"),
        ("Vegepolys Valley", "participates", "path2dea"),
    }


def test_cities_of_european_projects(run):
    got = {(short(r["initiative"]), r["cityLabel"]) for r in run("p3-project-locations")}
    assert got == {("frhyge", "Manosque")} | {
        ("tangent-sites-de-test", city) for city in ("Rennes", "Lisbonne", "Athènes", "Manchester")}


def test_events_of_the_regions_annex(run):
    got = {(short(r["event"]), r["poleLabel"], r["role"], r.get("year")) for r in run("p3-regional-events")}
    assert got == {
        ("ride", "EMC2", "organises", None),
        ("journees-de-la-naturalite", "Innov'Alliance", "animates", None),
        ("jeux-olympiques-et-paralympiques-dhiver-2030", "Capenergies", "supports", "2030"),
    }


def test_companies_helped_by_cascade_funding(run):
    got = {(short(r["company"]), r.get("cityLabel"), r["initiativeLabel"], r.get("poleLabel"))
           for r in run("p3-cascade-beneficiaries")}
    assert ("reev", "Montpellier", "DESIRE", "Eurobiomed") in got


def test_state_mandate_to_steer_the_health_sector_contract(run):
    rows = run("p3-national-mandates-health")
    # "Désignés par les Ministères": the ministries, part of the State, are mandators beside it.
    assert sorted((r["mandatorLabel"], r["mandateeLabel"], r["startYear"], r["endYear"]) for r in rows) == [
        ("Ministères", "ENOSIS Santé", "2023", "2026"), ("État", "ENOSIS Santé", "2023", "2026")]
