"""Annexes 04–07 of the manifesto as data (Europe, Compétences, Santé, Impact des pôles en régions).

What a reader of these four annexes expects to find in the graph: every programme, project and
organisation they name resolves — by its label or a spelling variant, case and accents folded — to
exactly one resource of the right class; every amount and count they state is there with its value,
unit and qualifier; the years they give are recorded. And, across the whole project, every resource a
section graph talks about is typed, labelled once in French and traceable to a manifesto section.
"""

from __future__ import annotations

import re
import unicodedata

import pytest
from rdflib import BNode, Dataset

from tests.support import PROJECT

PG = "https://w3id.org/polegraph/ontology#"
ID = "https://w3id.org/polegraph/id/"
SECTION = ID + "section/"
PREFIXES = f"""
PREFIX pg: <{PG}>
PREFIX rdfs: <http://www.w3.org/2000/01/rdf-schema#>
PREFIX skos: <http://www.w3.org/2004/02/skos/core#>
PREFIX xsd: <http://www.w3.org/2001/XMLSchema#>
PREFIX measure: <{ID}measure/>
"""
PART3_SECTIONS = ("annexe-04", "annexe-05", "annexe-06", "annexe-07")


def fold(text: str) -> str:
    """Case, accents, typographic apostrophes and spacing folded, so spellings compare as a reader would."""
    text = unicodedata.normalize("NFKD", text.replace("’", "'"))
    text = "".join(c for c in text if not unicodedata.combining(c))
    return " ".join(text.casefold().split())


# (label or variant carried in the graph, substring of the annex text naming it, expected class)
NAMES: dict[str, list[tuple[str, str, str]]] = {
    "annexe-04": [
        ("ABT", "ABT pilote", "Pole"),
        ("Medi4Future", "Medi4Future", "Project"),
        ("Agri Sud Ouest Innovation", "Agri Sud Ouest Innovation a coordonné", "Pole"),
        ("DIVA", "projet européen DIVA", "Project"),
        ("Horizon 2020", "Horizon 2020", "FundingProgramme"),
        ("INNOSUP", "INNOSUP", "FundingProgramme"),
        ("ALPHA-RLH", "ALPHA-RLH a contribué", "Pole"),
        ("PIMAP", "via PIMAP et", "Project"),
        ("PIMAP+", "PIMAP+", "Project"),
        ("PIMAP4SUSTAINABILITY", "PIMAP4SUSTAINABILITY", "Project"),
        ("Capenergies", "Capenergies coordonne", "Pole"),
        ("FrHyGe", "FrHyGe", "Project"),
        ("Clean Hydrogen Partnership", "Clean Hydrogen Partnership", "FundingProgramme"),
        ("Cosmetic Valley", "Cosmetic Valley", "Pole"),
        ("Go4Cosmetics", "Go4Cosmetics", "Association"),
        ("plateforme S3", "plateforme S3", "Label"),
        ("Commission européenne", "Commission européenne", "EUBody"),
        ("Eurobiomed", "Eurobiomed co-coordonne", "Pole"),
        ("DESIRE", "projet DESIRE", "Project"),
        ("REEV", "REEV", "Company"),
        ("ID4MOBILITY", "ID4MOBILITY a accompagné", "Pole"),
        ("TANGENT", "projet TANGENT", "Project"),
        ("I-TRANS", "I-TRANS a créé", "Pole"),
        ("European Railway Clusters Initiative", "European Railway Clusters Initiative", "ClusterNetwork"),
        ("ERCI", "(ERCI)", "ClusterNetwork"),
        ("Minalogic", "Minalogic et NextMove", "Pole"),
        ("NextMove", "Minalogic et NextMove", "Pole"),
        ("Pôle Mer Bretagne Atlantique", "Pôle Mer Bretagne Atlantique est activement", "Pole"),
        ("Pôle Véhicule du Futur", "Pôle Véhicule du Futur anime l'EACN", "Pole"),
        ("EACN", "EACN", "ClusterNetwork"),
        ("European Automotive Clusters Network", "European Automotive Clusters Network", "ClusterNetwork"),
        ("Polymeris", "Polymeris confirme", "Pole"),
        ("Horizon Europe", "Horizon Europe, Interreg, Euroclusters", "FundingProgramme"),
        ("Interreg", "Interreg", "FundingProgramme"),
        ("Euroclusters", "Euroclusters", "FundingProgramme"),
        ("Vegepolys Valley", "Vegepolys Valley s'engage", "Pole"),
        ("Partenariat européen de l'Agroécologie", "Partenariat européen de l'Agroécologie", "Association"),
        ("AGROECOLOGY", "projet AGROECOLOGY", "Project"),
        ("CSA Path2DEA", "CSA Path2DEA", "Project"),
        ("Manosque", "Manosque", "City"),
        ("Allemagne", "Allemagne", "Country"),
        ("Bruxelles", "Bruxelles", "City"),
        ("Montpellier", "montpelliéraine", "City"),
        ("États-Unis", "États-Unis", "Country"),
        ("Rennes", "Rennes", "City"),
        ("Lisbonne", "Lisbonne", "City"),
        ("Athènes", "Athènes", "City"),
        ("Manchester", "Manchester", "City"),
    ],
    "annexe-05": [
        ("Aerospace Valley", "Aerospace Valley a conduit", "Pole"),
        ("Compétences & Métiers d'Avenir", "Compétences & Métiers d'Avenir", "CallForProjects"),
        ("EOLE", "EOLE", "Project"),
        ("PEGASE", "PEGASE", "Project"),
        ("COMETE", "COMETE", "Project"),
        ("C2A", "C2A", "Project"),
        ("BioSpace", "BioSpace", "Project"),
        ("France 2030", "France 2030", "FundingProgramme"),
        ("ASCA", "projet européen ASCA", "Project"),
        ("Derbi-Cemater", "Derbi-Cemater a conduit", "Pole"),
        ("DIAGTASE", "DIAGTASE", "Study"),
        ("École Nationale d'Ingénieurs de Tarbes", "École Nationale d'Ingénieurs de Tarbes", "ResearchOrTrainingBody"),
        ("EuraMaterials", "EuraMaterials", "Pole"),
        ("Chaire CoPack", "Chaire CoPack", "Programme"),
        ("FURII", "FURII", "Project"),
        ("DEM@TER", "DEM@TER", "Project"),
        ("UNITEDIN", "UNITEDIN", "Project"),
        ("ImmunoSkills", "ImmunoSkills", "Project"),
        ("Bio'Occ", "Bio'Occ", "Project"),
        ("Innov'Alliance", "Innov'Alliance conçoit", "Pole"),
        ("Nuclear Valley", "Nuclear Valley est membre", "Pole"),
        ("Université des Métiers du Nucléaire", "Université des Métiers du Nucléaire", "Association"),
        ("UMN", "(UMN)", "Association"),
        ("Programme de nouveau nucléaire français", "programme de nouveau nucléaire français", "Programme"),
        ("Pôle Aquanova", "Pôle Aquanova", "Pole"),
        ("Pôle Grand Est des formations", "Pôle Grand Est des formations", "Association"),
        ("Pôle de formations pour l'eau et l'environnement (Grand Est)", "pour l'eau et l'environnement",
         "Association"),
        ("ENGEES", "ENGEES", "ResearchOrTrainingBody"),
        ("Région Grand Est", "Région Grand Est", "LocalAuthority"),
        ("Pôle Véhicule du Futur", "Pôle Véhicule du Futur a développé", "Pole"),
        ("4hfactory.tech", "4hfactory.tech", "SupportScheme"),
        ("Végécompétences", "Végécompétences", "Project"),
        ("Occitanie", "Occitanie", "Region"),
        ("Nouvelle-Aquitaine", "Nouvelle-Aquitaine", "Region"),
        ("Tarbes", "Tarbes", "City"),
    ],
    "annexe-06": [
        ("ABT", "ABT est partenaire", "Pole"),
        ("Train4Bioprod", "Train4Bioprod", "Project"),
        ("Compétences et Métiers d'Avenir", "Compétences et Métiers d'Avenir de France 2030", "CallForProjects"),
        ("SDIS 13", "SDIS 13", "PublicBody"),
        ("Bouches-du-Rhône", "Bouches-du-Rhône", "Department"),
        ("BioValley France", "BioValley France et Enosis Santé", "Pole"),
        ("Enosis Santé", "Enosis Santé", "ClusterNetwork"),
        ("F3OCI", "F3OCI", "Association"),
        ("French Organoïds & Organs on Chip Initiative", "French Organoïds & Organs on Chip Initiative", "Association"),
        ("Contrat stratégique : filière Industries et Technologies de Santé",
         "Filière Industries et Technologies de Santé", "Programme"),
        ("Lyonbiopôle", "Lyonbiopôle a piloté", "Pole"),
        ("NAMWISE", "NAMWISE", "Project"),
        ("Horizon Europe", "lauréat d'Horizon Europe", "FundingProgramme"),
        ("INERIS", "INERIS", "PublicBody"),
        ("Skin Excellence", "Skin Excellence", "Association"),
        ("Clubster NSL", "Clubster NSL", "Pole"),
        ("HealthTech Valley", "HealthTech Valley", "Project"),
        ("Hauts-de-France", "Hauts-de-France", "Region"),
        ("Flandre", "Flandre", "ForeignRegion"),
        ("Wallonie", "Wallonie", "ForeignRegion"),
        ("Valorial", "Valorial coordonne", "Pole"),
        ("PROLIFIC", "PROLIFIC", "Project"),
    ],
    "annexe-07": [
        ("BiosolutioNA", "BiosolutioNA", "Programme"),
        ("Région Nouvelle-Aquitaine", "Région Nouvelle-Aquitaine", "LocalAuthority"),
        ("Inno'Vin", "Inno'Vin", "Organisation"),
        ("Xylofutur", "Xylofutur", "Pole"),
        ("Biosolutions for Sustainable Agriculture", "Biosolutions for Sustainable Agriculture", "ClusterNetwork"),
        ("AVENIA", "AVENIA pilote", "Pole"),
        ("BioValley France", "BioValley France coordonne", "Pole"),
        ("Hôpital du futur #2", "Hôpital du futur #2", "Programme"),
        ("Région Grand Est", "Région Grand Est, la Préfecture", "LocalAuthority"),
        ("Préfecture de région Grand Est", "la Préfecture", "StateBody"),
        ("ARS Grand Est", "l'ARS", "StateBody"),
        ("Grand Est Région verte", "Grand Est Région verte", "Programme"),
        ("Capenergies", "Capenergies accompagne", "Pole"),
        ("INVECE", "INVECE", "Project"),
        ("Corse", "En Corse", "Region"),
        ("Jeux Olympiques et Paralympiques d'hiver 2030", "Jeux Olympiques et Paralympiques d'hiver 2030", "Event"),
        ("territoires alpins", "territoires alpins", "WorldRegion"),
        ("Derbi-Cemater", "Derbi-Cemater a structuré", "Pole"),
        ("Flexitanie", "Flexitanie", "Programme"),
        ("EDF", "EDF", "Company"),
        ("Région Occitanie", "Région Occitanie", "LocalAuthority"),
        ("AD'OCC", "AD'OCC", "Organisation"),
        ("ADEME", "ADEME", "StateBody"),
        ("EMC2", "EMC2 organise", "Pole"),
        ("RIDE", "(RIDE)", "Event"),
        ("Rencontres pour une Industrie Durable et Écoresponsable",
         "Rencontres pour une Industrie Durable et Écoresponsable", "Event"),
        ("Innov'Alliance", "Innov'Alliance déploie", "Pole"),
        ("OIR Naturalité", "(OIR) Naturalité", "Programme"),
        ("Région Sud", "Région Sud", "LocalAuthority"),
        ("Journées de la Naturalité", "Journées de la Naturalité", "Event"),
        ("Medicen Paris Region", "Medicen Paris Region pilote", "Pole"),
        ("Région Île-de-France", "Région Île-de-France", "LocalAuthority"),
        ("plan Smart Santé", "plan Smart Santé", "Programme"),
        ("Nuclear Valley", "Nuclear Valley anime", "Pole"),
        ("Club International", "Club International", "Association"),
        ("Bourgogne-Franche-Comté", "Bourgogne-Franche-Comté", "Region"),
        ("Auvergne-Rhône-Alpes", "Auvergne-Rhône-Alpes", "Region"),
        ("Amérique du Nord", "Amérique du Nord", "WorldRegion"),
        ("Asie", "Asie", "WorldRegion"),
        ("Moyen-Orient", "Moyen-Orient", "WorldRegion"),
        ("Pôle Véhicule du Futur", "Pôle Véhicule du Futur anime l'écosystème", "Pole"),
        ("Nièvre", "nivernais", "Department"),
    ],
}

# Every amount in euros the four annexes state: (words of the text, value in EUR, qualifier, section)
AMOUNTS = [
    ("jusqu'à 60 000 €", 60000, "UpTo", "annexe-04"),
    ("près de 750 000 €", 750000, "Nearly", "annexe-04"),
    ("43 M€", 43000000, None, "annexe-04"),
    ("plus d'un million d'euros", 1000000, "MoreThan", "annexe-04"),
    ("plus de 5,9 millions d'euros", 5900000, "MoreThan", "annexe-04"),
    ("60 M€", 60000000, None, "annexe-05"),
    ("2 M€", 2000000, None, "annexe-06"),
    ("8 millions d'euros", 8000000, None, "annexe-07"),
]
AMOUNT_PATTERN = re.compile(r"\d[\d\s,]*\s?(?:M€|€|millions? d'euros)|un million d'euros")

# Counts, durations and sizes: (words of the text, value, measure, qualifier, section)
COUNTS = [
    ("dix partenaires", 10, "partners", None, "annexe-04"),
    ("six pays", 6, "countries", None, "annexe-04"),
    ("17 partenaires", 17, "partners", None, "annexe-04"),
    ("quatre sites", 4, "sites", None, "annexe-04"),
    ("12 partenaires", 12, "partners", None, "annexe-04"),
    ("dont 4 français", 4, "partners", None, "annexe-04"),
    ("16 membres", 16, "members", None, "annexe-04"),
    ("plus de 2 000 PME", 2000, "smes", "MoreThan", "annexe-04"),
    ("8 projets en cours en 2025", 8, "projects", None, "annexe-04"),
    ("Depuis cinq ans", 5, "duration-years", None, "annexe-04"),
    ("plus de 50 structures", 50, "beneficiaries", "MoreThan", "annexe-04"),
    ("34 clusters", 34, "members", None, "annexe-04"),
    ("En dix ans", 10, "duration-years", None, "annexe-04"),
    ("de 1 à 6 personnes", 1, "staff", None, "annexe-04"),
    ("de 1 à 6 personnes", 6, "staff", None, "annexe-04"),
    ("26 États membres", 26, "countries", None, "annexe-04"),
    ("deux diagnostics", 2, "studies", None, "annexe-05"),
    ("cinq projets Compétences", 5, "projects", None, "annexe-05"),
    ("63 000 personnes", 63000, "people-trained", None, "annexe-05"),
    ("sur cinq ans", 5, "duration-years", None, "annexe-05"),
    ("Sur deux ans", 2, "duration-years", None, "annexe-05"),
    ("170 PME", 170, "smes", None, "annexe-05"),
    ("280 étudiants", 280, "students", None, "annexe-05"),
    ("deux Campus des Métiers", 2, "partners", None, "annexe-05"),
    ("quatre projets Compétences", 4, "projects", None, "annexe-05"),
    ("onze acteurs", 11, "members", None, "annexe-05"),
    ("estimés à 100 000 emplois", 100000, "jobs", "About", "annexe-05"),
    ("dix prochaines années", 10, "duration-years", None, "annexe-05"),
    ("plus de 130 industriels", 130, "members", "MoreThan", "annexe-06"),
    ("18 partenaires", 18, "partners", None, "annexe-06"),
    ("30 mois", 30, "duration-months", None, "annexe-06"),
    ("1 000 premiers jours", 1000, "duration-days", None, "annexe-06"),
    ("près de 100 entreprises", 100, "companies", "Nearly", "annexe-07"),
    ("10 pôles d'innovation", 10, "members", None, "annexe-07"),
    ("7 pays", 7, "countries", None, "annexe-07"),
    ("Neuf hôpitaux", 9, "hospitals", None, "annexe-07"),
    ("plus de dix communautés", 10, "energy-communities", "MoreThan", "annexe-07"),
    ("150 bornes", 150, "charging-stations", None, "annexe-07"),
]

# Years the annexes give: (words of the text, subject, property, year, section)
YEARS = [
    ("DIAGTASE (2023)", "initiative/diagtase", "year", "2023", "annexe-05"),
    ("période 2023-2026", "initiative/contrat-strategique-de-filiere-industries-et-technologies-de-sante",
     "startYear", "2023", "annexe-06"),
    ("période 2023-2026", "initiative/contrat-strategique-de-filiere-industries-et-technologies-de-sante",
     "endYear", "2026", "annexe-06"),
    ("depuis 2025", "mandate/region-nouvelle-aquitaine-avenia-geothermie", "startYear", "2025", "annexe-07"),
    ("INVECE (2024-2026)", "initiative/invece", "startYear", "2024", "annexe-07"),
    ("INVECE (2024-2026)", "initiative/invece", "endYear", "2026", "annexe-07"),
    ("Flexitanie (2022)", "initiative/flexitanie", "startYear", "2022", "annexe-07"),
    ("d'hiver 2030", "initiative/jeux-olympiques-et-paralympiques-dhiver-2030", "year", "2030", "annexe-07"),
    ("d'ici fin 2026", "initiative/hopital-du-futur-2", "horizonYear", "2026", "annexe-07"),
]

# Spelling variants of pôles, carried in the graph of the section that uses them
POLE_VARIANTS = [
    ("annexe-04", "atlanpole-biotherapies", "ABT"), ("annexe-04", "alpha-rlh", "ALPHA-RLH"),
    ("annexe-04", "id4mobility", "ID4MOBILITY"), ("annexe-04", "i-trans", "I-TRANS"),
    ("annexe-04", "mer-bretagne-atlantique", "Pôle Mer Bretagne Atlantique"),
    ("annexe-04", "vehicule-du-futur", "Pôle Véhicule du Futur"),
    ("annexe-05", "derbi-cemater", "Derbi-Cemater"), ("annexe-05", "euramaterials", "EuraMaterials"),
    ("annexe-05", "aquanova", "Pôle Aquanova"), ("annexe-06", "clubster-nsl", "Clubster NSL"),
    ("annexe-06", "atlanpole-biotherapies", "ABT"), ("annexe-07", "avenia", "AVENIA"),
    ("annexe-07", "derbi-cemater", "Derbi-Cemater"),
]


@pytest.fixture(scope="module")
def annex_text(manifesto_text: str) -> dict[str, str]:
    """The text of each annex section, from its heading to the next one (07 ends before the AFPC block)."""
    headings = ["\n04 Europe\n", "\n05 Compétences\n", "\n06 Santé\n", "\n07 Impact des Pôles en Régions\n",
                "\nAFPC\n"]
    starts = [manifesto_text.index(h) for h in headings]
    return {section: manifesto_text[starts[i]:starts[i + 1]] for i, section in enumerate(PART3_SECTIONS)}


@pytest.fixture(scope="module")
def label_index(store) -> dict[str, set[str]]:
    """Folded label or variant → the resources carrying it, across the whole graph."""
    index: dict[str, set[str]] = {}
    rows = store.select(PREFIXES + "SELECT DISTINCT ?r ?l WHERE { ?r rdfs:label|skos:altLabel ?l }")
    for row in rows:
        index.setdefault(fold(row["l"]), set()).add(row["r"])
    return index


ALL_NAMES = [(section, *entry) for section, entries in NAMES.items() for entry in entries]


@pytest.mark.parametrize(("section", "label", "in_text", "cls"), ALL_NAMES,
                         ids=[f"{s}:{label}" for s, label, _, _ in ALL_NAMES])
def test_each_name_of_the_annexes_resolves_to_one_resource_of_its_class(
        store, annex_text, label_index, section, label, in_text, cls):
    assert fold(in_text) in fold(annex_text[section]), f"{in_text!r} is not in {section}"
    found = label_index.get(fold(label), set())
    assert found, f"no resource is labelled {label!r}"
    # A name may also label a thing of another kind (the Région as authority and as territory),
    # but among things of the expected class it names exactly one.
    of_class = [r for r in sorted(found) if store.ask(PREFIXES + f"ASK {{ <{r}> a/rdfs:subClassOf* pg:{cls} }}")]
    assert len(of_class) == 1, f"{label!r} should name exactly one pg:{cls}; it names {sorted(found)}"
    (resource,) = of_class
    assert store.ask(PREFIXES + f"ASK {{ GRAPH <{SECTION}{section}> {{ <{resource}> ?p ?o }} }}"), \
        f"{resource} is not described in the graph of {section}"


def test_every_amount_of_the_annexes_is_listed_here(annex_text):
    stated = sorted(m.group(0).strip() for text in annex_text.values() for m in AMOUNT_PATTERN.finditer(text))
    assert len(stated) == len(AMOUNTS), f"the annexes state these amounts: {stated}"


@pytest.mark.parametrize(("in_text", "value", "qualifier", "section"), AMOUNTS,
                         ids=[a[0] for a in AMOUNTS])
def test_each_amount_is_in_euros_with_its_qualifier(store, annex_text, in_text, value, qualifier, section):
    assert fold(in_text) in fold(annex_text[section])
    qualified = f"?f pg:qualifier pg:{qualifier} ." if qualifier else "FILTER NOT EXISTS { ?f pg:qualifier ?q }"
    assert store.ask(PREFIXES + f"""ASK {{ GRAPH <{SECTION}{section}> {{
        ?f a pg:MonetaryAmount ; pg:value ?v ; pg:currency "EUR" ; pg:measures ?m ; pg:figureOf ?about .
        {qualified} FILTER (?v = {value}) }} }}"""), f"no {value} EUR amount for {in_text!r} in {section}"


def test_no_amount_beyond_those_the_annexes_state(store):
    rows = store.select(PREFIXES + f"""SELECT DISTINCT ?f WHERE {{
        VALUES ?g {{ {' '.join(f'<{SECTION}{s}>' for s in PART3_SECTIONS)} }}
        GRAPH ?g {{ ?f a pg:MonetaryAmount }} }}""")
    assert len(rows) == len(AMOUNTS)


@pytest.mark.parametrize(("in_text", "value", "measure", "qualifier", "section"), COUNTS,
                         ids=[f"{c[0]}={c[1]}" for c in COUNTS])
def test_each_count_and_duration_is_a_figure_with_its_measure(
        store, annex_text, in_text, value, measure, qualifier, section):
    assert fold(in_text) in fold(annex_text[section])
    qualified = f"?f pg:qualifier pg:{qualifier} ." if qualifier else "FILTER NOT EXISTS { ?f pg:qualifier ?q }"
    assert store.ask(PREFIXES + f"""ASK {{ GRAPH <{SECTION}{section}> {{
        ?f a pg:Figure ; pg:value ?v ; pg:measures measure:{measure} ; pg:figureOf ?about ;
           rdfs:label ?label . {qualified} FILTER (?v = {value}) }} }}"""), \
        f"no {measure} figure of {value} for {in_text!r} in {section}"


@pytest.mark.parametrize(("in_text", "subject", "prop", "year", "section"), YEARS,
                         ids=[f"{y[1]}:{y[2]}" for y in YEARS])
def test_each_year_is_recorded(store, annex_text, in_text, subject, prop, year, section):
    assert fold(in_text) in fold(annex_text[section])
    assert store.ask(PREFIXES + f"""ASK {{ GRAPH <{SECTION}{section}> {{
        <{ID}{subject}> pg:{prop} "{year}"^^xsd:gYear }} }}""")


@pytest.mark.parametrize(("section", "pole", "variant"), POLE_VARIANTS,
                         ids=[f"{s}:{v}" for s, _, v in POLE_VARIANTS])
def test_pole_spellings_are_variants_in_the_section_using_them(store, annex_text, section, pole, variant):
    assert variant in annex_text[section]
    assert store.ask(PREFIXES + f"""ASK {{ GRAPH <{SECTION}{section}> {{
        <{ID}pole/{pole}> a pg:Pole ; rdfs:label ?l ; skos:altLabel ?v FILTER (str(?v) = "{variant}") }} }}""")


def test_the_cascade_funding_initiatives_are_those_the_europe_annex_describes(store):
    rows = store.select(PREFIXES + f"""SELECT DISTINCT ?i WHERE {{
        GRAPH <{SECTION}annexe-04> {{ ?i a pg:CascadeFundingInitiative }} }}""")
    assert {r["i"].rsplit("/", 1)[1] for r in rows} == {
        "diva", "pimap4sustainability", "desire", "mer-bretagne-atlantique-projets-cascade-funding"}


def test_aerospace_valley_s_five_skills_projects_share_their_figures_through_one_grouping(store):
    """Annex 05 gives 60 M€ and 63 000 people for EOLE, PEGASE, COMETE, C2A and BioSpace together."""
    rows = store.select(PREFIXES + f"""SELECT DISTINCT ?group ?project WHERE {{ GRAPH <{SECTION}annexe-05> {{
        ?group pg:hasPart ?project . ?project pg:partOf ?group ;
               pg:laureateOf <{ID}initiative/competences-et-metiers-davenir> }} }}""")
    groups = {r["group"].rsplit("/", 1)[1]: set() for r in rows}
    for r in rows:
        groups[r["group"].rsplit("/", 1)[1]].add(r["project"].rsplit("/", 1)[1])
    # Eurobiomed's five projects form a grouping too: the text gives their fields for the set.
    assert groups == {"projets-cma-aerospace-valley": {"eole", "pegase", "comete", "c2a", "biospace"},
                      "projets-cma-eurobiomed": {"furii", "demater", "unitedin", "immunoskills", "bioocc"}}
    figures = store.select(PREFIXES + f"""SELECT ?about ?value WHERE {{ GRAPH <{SECTION}annexe-05> {{
        ?f pg:figureOf ?about ; pg:value ?value ; pg:measures ?m .
        VALUES ?m {{ <{ID}measure/people-trained> <{ID}measure/funding-obtained> }}
        FILTER (?value IN (63000, 60000000)) }} }}""")
    assert sorted((r["about"].rsplit("/", 1)[1], float(r["value"])) for r in figures) == [
        ("projets-cma-aerospace-valley", 63_000), ("projets-cma-aerospace-valley", 60_000_000)]

# ------------------------------------------------------------------ across all three parts

def test_every_section_resource_is_typed_and_labelled_once_in_french(store):
    rows = store.select(PREFIXES + """
        SELECT ?s (COUNT(DISTINCT ?label) AS ?labels) (COUNT(DISTINCT ?type) AS ?types) WHERE {
          GRAPH ?section { ?s ?p ?o }
          ?section a pg:ManifestoSection .
          OPTIONAL { ?s rdfs:label ?label FILTER (lang(?label) = "fr") }
          OPTIONAL { ?s a ?type }
        } GROUP BY ?s""")
    assert rows, "no section graph in the release"
    wrong = sorted((r["s"], r["labels"], r["types"]) for r in rows if r["labels"] != "1" or r["types"] == "0")
    assert not wrong, f"resources without exactly one French label or without a type: {wrong[:20]}"


def test_every_data_graph_is_a_manifesto_section(store, release):
    """Any named graph holding data (not ontology, vocabulary, provenance…) is a section of the manifesto."""
    rows = store.select(PREFIXES + """
        SELECT DISTINCT ?g WHERE {
          GRAPH ?g { ?s ?p ?o }
          FILTER (STRSTARTS(STR(?g), "https://w3id.org/polegraph/id/"))
          FILTER NOT EXISTS { ?g a pg:ManifestoSection }
        }""")
    assert not rows, f"graphs named like things but not manifesto sections: {rows}"


def test_every_section_subject_is_traceable_through_provenance(store):
    rows = store.select(PREFIXES + """
        SELECT DISTINCT ?s WHERE {
          GRAPH ?section { ?s ?p ?o } ?section a pg:ManifestoSection .
          FILTER NOT EXISTS { ?s pg:statedIn ?any . ?any a pg:ManifestoSection }
        }""")
    assert not rows, f"subjects with no pg:statedIn: {rows[:20]}"


def test_the_interpretations_query_lists_every_interpretation_the_data_marks(store, named_queries):
    if "interpretations" not in named_queries:
        pytest.skip("queries/interpretations.rq is not written yet")
    marked = {r["s"] for r in store.select(PREFIXES + """
        SELECT DISTINCT ?s WHERE { GRAPH ?section { ?s pg:interpretation ?note }
                                   ?section a pg:ManifestoSection }""")}
    assert f"{ID}pole/atlanpole-biotherapies" in marked
    listed = {value for row in store.select(named_queries["interpretations"].text) for value in row.values()}
    assert marked <= listed, f"interpretations not listed: {sorted(marked - listed)[:20]}"


def test_part3_files_state_only_annex_04_to_07_graphs_without_blank_nodes():
    """Each data/part3-annexe-NN.trig holds the graph of its own annex only, with IRIs for everything."""
    files = sorted((PROJECT / "data").glob("part3-annexe-0*.trig"))
    assert [f.stem for f in files] == [f"part3-{s}" for s in PART3_SECTIONS]
    for path in files:
        dataset = Dataset()
        dataset.parse(path, format="trig")
        graphs = {str(g) for _s, _p, _o, g in dataset.quads((None, None, None, None))}
        assert graphs == {SECTION + path.stem.removeprefix("part3-")}, path.name
        blanks = [t for quad in dataset.quads((None, None, None, None)) for t in quad[:3] if isinstance(t, BNode)]
        assert not blanks, f"{path.name} has blank nodes"
