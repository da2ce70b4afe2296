"""Coverage of the annex sections 01 Souveraineté, 02 Industrie and 03 Transitions.

A researcher looking up any programme, project or organisation these sections name must find
exactly one resource of the right kind, stated in the section that names it; every euro amount
and the main counts and shares of these sections must be in the graph with their value.
The lists below were made by reading the manifesto (lines ~515-757), not from the data.
"""

from __future__ import annotations

import re
import unicodedata
from collections import defaultdict

import pytest

PG = "https://w3id.org/polegraph/ontology#"
SECTION = "https://w3id.org/polegraph/id/section/"

# (section, substring found in the text, label to resolve or None for the same, class)
NAMES: list[tuple[str, str, str | None, str]] = [
    # --- 01 Souveraineté technologique et industrielle
    ("01", "Aerospace Valley", None, "Pole"),
    ("01", "Avenia", None, "Pole"),
    ("01", "Pôle Mer Bretagne Atlantique", None, "Pole"),
    ("01", "Pôle Véhicule du Futur", None, "Pole"),
    ("01", "ALPHA-RLH", None, "Pole"),
    ("01", "EMC2", None, "Pole"),
    ("01", "ID4MOBILITY", None, "Pole"),
    ("01", "Images & Réseaux", None, "Pole"),
    ("01", "Minalogic", None, "Pole"),
    ("01", "Pôle des Microtechniques", None, "Pole"),
    ("01", "PMT", None, "Pole"),
    ("01", "Pôle SAFE", None, "Pole"),
    ("01", "Systematic Paris-Region", None, "Pole"),
    ("01", "Systematic Paris-Région", None, "Pole"),
    ("01", "Techtera", None, "Pole"),
    ("01", "Agri Sud Ouest Innovation", None, "Pole"),
    ("01", "Clubster NSL", None, "Pole"),
    ("01", "I-Trans", None, "Pole"),
    ("01", "Capenergies", None, "Pole"),
    ("01", "Initiative Carburants d'Aviation Durables en Occitanie", None, "Programme"),
    ("01", "Carb'Aéro", None, "CallForProjects"),
    ("01", "earth2", None, "Programme"),
    ("01", "SOLIDSAIL", None, "Project"),
    ("01", "Chantiers de l'Atlantique", None, "Company"),
    ("01", "Airbus", None, "Company"),
    ("01", "ATR", None, "Company"),
    ("01", "Aéroport de Toulouse-Blagnac", None, "Company"),
    ("01", "Région Occitanie", None, "LocalAuthority"),
    ("01", "PHAROS", None, "Programme"),
    ("01", "ECODEF", None, "Programme"),
    ("01", "Direction générale de l'Armement", None, "StateBody"),
    ("01", "DGA", None, "StateBody"),
    ("01", "PILOTE", None, "Programme"),
    ("01", "DGA Techniques Terrestres", None, "StateBody"),
    ("01", "ministère des Armées", None, "StateBody"),
    ("01", "réseau innovation de défense", None, "Association"),
    ("01", "Fonds Européen de Défense", None, "FundingProgramme"),
    ("01", "NEMO", None, "Project"),
    ("01", "Kairntech", None, "Company"),
    ("01", "ePERFECT", None, "Project"),
    ("01", "Asygn", None, "Company"),
    ("01", "AID", None, "StateBody"),
    ("01", "Agence de l'innovation de défense", None, "StateBody"),
    ("01", "semaine Défense", None, "Event"),
    ("01", "Mar Inn Ouest", None, "Event"),
    ("01", "Pôle d'Innovation ORION", None, "StateBody"),
    ("01", "DGA-TN", None, "StateBody"),
    ("01", "Journée Défense Grand Ouest", None, "Event"),
    ("01", "SGDSN", None, "StateBody"),
    ("01", "Stratégie nationale de résilience", None, "Programme"),
    ("01", "ESCALAD", None, "Programme"),
    ("01", "OPTITEX", None, "SupportScheme"),
    ("01", "Fédération de l'Électronique Française", None, "Association"),
    ("01", "EDEN", None, "Association"),
    ("01", "MEDICALPS", None, "Association"),
    ("01", "NOVEKA", None, "Association"),
    ("01", "DIVA", None, "Project"),
    ("01", "HighFive", None, "Project"),
    ("01", "EDIH Occitania", None, "SupportScheme"),
    ("01", "DIHNAMIC", None, "Project"),
    ("01", "Rentrée 2025 IAgritech", None, "Event"),
    ("01", "Smart Green Water", None, "Project"),
    ("01", "Open Innovation Forums", None, "Event"),
    ("01", "NAQUIDIS", None, "Programme"),
    ("01", "NAQUIDIS+", None, "Programme"),
    ("01", "Institut d'Optique Graduate School", None, "ResearchOrTrainingBody"),
    ("01", "Région Nouvelle-Aquitaine", None, "LocalAuthority"),
    ("01", "Université de Bordeaux", None, "ResearchOrTrainingBody"),
    ("01", "Université de Limoges", None, "ResearchOrTrainingBody"),
    ("01", "CNRS", None, "ResearchOrTrainingBody"),
    ("01", "MAIA", None, "Project"),
    ("01", "A2U", None, "Association"),
    ("01", "Université d'Artois", None, "ResearchOrTrainingBody"),
    ("01", "ULCO", None, "ResearchOrTrainingBody"),
    ("01", "UPJV", None, "ResearchOrTrainingBody"),
    ("01", "European Digital Innovation Hubs", None, "FundingProgramme"),
    ("01", "EDIH Bretagne", None, "SupportScheme"),
    ("01", "EDIH DIVA", None, "SupportScheme"),
    ("01", "EDIH GreenPowerIT", None, "SupportScheme"),
    ("01", "EDIH Move2Digital", None, "SupportScheme"),
    ("01", "SDS", None, "Project"),
    ("01", "Serverless Database", None, "Project"),
    ("01", "Amazon", None, "Company"),
    ("01", "Google", None, "Company"),
    ("01", "Printemps de l'IA", None, "Event"),
    # --- 02 Industrie
    ("02", "MAELE", None, "Programme"),
    ("02", "Aura Aero", None, "Company"),
    ("02", "Ascendance", None, "Company"),
    ("02", "Voltaero", None, "Company"),
    ("02", "Elixir Aircraft", None, "Company"),
    ("02", "Beyond Aero", None, "Company"),
    ("02", "Blue Spirit Aero", None, "Company"),
    ("02", "Produire en France des aéronefs bas carbone", None, "CallForProjects"),
    ("02", "ESA BIC Sud France", None, "SupportScheme"),
    ("02", "ESA", None, "PublicBody"),
    ("02", "CNES", None, "PublicBody"),
    ("02", "AQUIMER", None, "Pole"),
    ("02", "AQUARIZE", None, "SupportScheme"),
    ("02", "BLUEAQUAEDU", None, "Project"),
    ("02", "CLEAN", None, "Project"),
    ("02", "Mareyage du Futur", None, "Project"),
    ("02", "Bioeconomy for Change", None, "Pole"),
    ("02", "Commission Technique d'Innovation (CTI) bioéconomie", "CTI bioéconomie", "Organisation"),
    ("02", "BioValley France", None, "Pole"),
    ("02", "PIPAC", None, "Project"),
    ("02", "Boost Innovation Business", None, "Programme"),
    ("02", "Université de Toulon", None, "ResearchOrTrainingBody"),
    ("02", "SYRIUS", None, "Programme"),
    ("02", "ZIBaC", None, "CallForProjects"),
    ("02", "France 2030", None, "FundingProgramme"),
    ("02", "ADEME", None, "StateBody"),
    ("02", "CARA Up'", None, "SupportScheme"),
    ("02", "Cosmetic Valley", None, "Pole"),
    ("02", "Cosmetic 360", None, "Event"),
    ("02", "Global Cosmetics Cluster", None, "ClusterNetwork"),
    ("02", "GCC", None, "ClusterNetwork"),
    ("02", "BOBINK", None, "Project"),
    ("02", "EuraMaterials", None, "Pole"),
    ("02", "Telli", None, "Project"),
    ("02", "NextMove", None, "Pole"),
    ("02", "ASTEERICS", None, "SupportScheme"),
    ("02", "Chips Joint Undertaking", None, "EUBody"),
    ("02", "PMT Propulseur", None, "SupportScheme"),
    ("02", "MORESPACE", None, "SupportScheme"),
    ("02", "COSPACE", None, "Organisation"),
    ("02", "GIFAS", None, "Organisation"),
    ("02", "Unseenlabs", None, "Company"),
    ("02", "CLS", None, "Company"),
    ("02", "Pôle Mer Méditerranée", None, "Pole"),
    ("02", "Sud Avenir Hélico", None, "Programme"),
    ("02", "Airbus Helicopters", None, "Company"),
    ("02", "Oratex", None, "Project"),
    ("02", "IFTH", None, "ResearchOrTrainingBody"),
    ("02", "MASSEBEUF Textiles", None, "Company"),
    ("02", "Région Auvergne-Rhône-Alpes", None, "LocalAuthority"),
    ("02", "Tenerrdis", None, "Pole"),
    ("02", "ROSI", None, "Company"),
    ("02", "Prodeval", None, "Company"),
    ("02", "INOCEL", None, "Company"),
    # --- 03 Transitions
    ("03", "Pôle AQUIMER", None, "Pole"),
    ("03", "SELUX", None, "Project"),
    ("03", "VALNET", None, "Project"),
    ("03", "Axelera", None, "Pole"),
    ("03", "DECLYC", None, "Project"),
    ("03", "Métropole de Lyon", None, "LocalAuthority"),
    ("03", "REFILON", None, "Project"),
    ("03", "Hippolia", None, "Pole"),
    ("03", "EquuRES", None, "Label"),
    ("03", "Rennes Métropole", None, "LocalAuthority"),
    ("03", "Innov'Alliance", None, "Pole"),
    ("03", "Livre blanc de la Naturalité", None, "Study"),
    ("03", "Polymeris", None, "Pole"),
    ("03", "Colloque National Recyclage des Polymères", None, "Event"),
    ("03", "colloque R4 Composites", None, "Event"),
    ("03", "Pôle Aquanova", None, "Pole"),
    ("03", "ZEUS", None, "Project"),
    ("03", "Monin", None, "Company"),
    ("03", "LIFE", None, "FundingProgramme"),
    ("03", "Jeux Olympiques et Paralympiques d'hiver 2030", None, "Event"),
    ("03", "TEAM2", None, "Pole"),
    ("03", "Club des Équipementiers Français du Recyclage", None, "Association"),
    ("03", "CEFR", None, "Association"),
    ("03", "Techtera", None, "Pole"),
    ("03", "Valorial", None, "Pole"),
    ("03", "Méthane 2030", None, "Programme"),
    ("03", "Vegepolys Valley", None, "Pole"),
    ("03", "RuralBioUP", None, "Project"),
]

# Every euro amount of the three sections: (section, text, value in euros).
AMOUNTS: list[tuple[str, str, int]] = [
    ("01", "10 millions d'euros", 10_000_000),
    ("01", "44,5 millions d'euros", 44_500_000),
    ("01", "11 millions d'euros", 11_000_000),
    ("01", "4 M€", 4_000_000),
    ("02", "17 millions d'euros", 17_000_000),
    ("02", "16 M€", 16_000_000),
    ("02", "800 millions d'euros", 800_000_000),
    ("02", "6 M€", 6_000_000),
    ("02", "22,4 M€", 22_400_000),
    ("02", "4,5 M€", 4_500_000),
    ("02", "7,1 M€", 7_100_000),
    ("03", "1,7 million d'euros", 1_700_000),
]

# Counts, shares and targets: (section, text, value, measure slug, qualifier or None).
FIGURES: list[tuple[str, str, int, str, str | None]] = [
    ("01", "quatre projets de production de SAF", 4, "projects", None),
    ("01", "collectif de dix porteurs de projets", 10, "members", None),
    ("01", "deux clubs H2", 2, "initiatives", None),
    ("01", "300 participants", 300, "participants", None),
    ("01", "dont 60 PME", 60, "smes", None),
    ("01", "près de cinquante entreprises", 50, "companies", "Nearly"),
    ("01", "troisième édition de l'incubateur OPTITEX", 3, "edition", None),
    ("01", "sur cinq ans", 5, "duration-years", None),
    ("01", "sur dix ans", 10, "duration-years", None),
    ("01", "au moins 50 %", 50, "cost-reduction", "AtLeast"),
    ("01", "jusqu'à 1 400 PME industrielles", 1400, "smes", "UpTo"),
    ("01", "à sa troisième édition", 3, "edition", None),
    ("02", "plus de 227 adhérents", 227, "members", "MoreThan"),
    ("02", "19 projets", 19, "projects", None),
    ("02", "Sept des neuf lauréats", 7, "laureates", None),
    ("02", "Sept des neuf lauréats", 9, "laureates", None),
    ("02", "plus de 150 start-ups", 150, "start-ups", "MoreThan"),
    ("02", "4 500 emplois directs", 4500, "jobs", None),
    ("02", "dont la moitié des entreprises", 50, "share", None),
    ("02", "Sur vingt projets européens", 20, "projects", None),
    ("02", "six ont abouti à des implantations industrielles", 6, "sites", None),
    ("02", "28 études", 28, "studies", None),
    ("02", "3 scénarios de décarbonation", 3, "scenarios", None),
    ("02", "35 études validées", 35, "studies", None),
    ("02", "plus de 65 % financés par le secteur privé", 65, "private-funding-share", "MoreThan"),
    ("02", "plus de 650 projets R&D labellisés", 650, "projects", "MoreThan"),
    ("02", "jusqu'à 90 % la consommation d'eau", 90, "water-consumption-reduction", "UpTo"),
    ("02", "Plus de 400 projets industriels", 400, "projects", "MoreThan"),
    ("02", "réduction de 35 % des émissions de CO2", 35, "emissions-reduction", None),
    ("02", "six autres pôles et organisations partenaires", 6, "partners", None),
    ("02", "plus de 80 membres", 80, "members", "MoreThan"),
    ("02", "l'un des sept boosters", 7, "initiatives", None),
    ("02", "20 000 emplois en Méditerranée d'ici 2035", 20000, "jobs", None),
    ("02", "taux de valorisation de 92-94 %", 92, "recovery-rate", "AtLeast"),
    ("02", "taux de valorisation de 92-94 %", 94, "recovery-rate", "UpTo"),
    ("02", "50 salariés", 50, "staff", None),
    ("02", "400 salariés", 400, "staff", None),
    ("02", "plus de 500 installations", 500, "installations", "MoreThan"),
    ("02", "une cinquantaine de pays", 50, "countries", "About"),
    ("02", "80 salariés", 80, "staff", None),
    ("03", "treize partenaires industriels", 13, "partners", None),
    ("03", "un institut de recherche", 1, "partners", None),
    ("03", "baisse de 80% des émissions", 80, "emissions-reduction", None),
    ("03", "3 millions de tonnes de CO2 par an", 3_000_000, "co2-avoided", None),
    ("03", "financé à 50% par les partenaires", 50, "private-funding-share", None),
    ("03", "à 50% par l'État", 50, "public-funding-share", None),
    ("03", "une trentaine d'entreprises", 30, "companies", "About"),
    ("03", "trois Agences de l'eau", 3, "co-funders", None),
    ("03", "réduire de 30 % les émissions de méthane entérique", 30, "emissions-reduction", None),
]

_AMOUNT = re.compile(r"\d+(?:[ \u00a0\u202f]\d{3})*(?:,\d+)?\s*(?:M€|millions? d['’]euros|€)")


def fold(text: str) -> str:
    """Case- and accent-insensitive form of a name, apostrophes and spaces normalised."""
    text = unicodedata.normalize("NFKD", text.replace("’", "'"))
    text = "".join(c for c in text if not unicodedata.combining(c))
    return " ".join(text.casefold().split())


@pytest.fixture(scope="module")
def annex_sections(manifesto_text) -> dict[str, str]:
    """The text of each annex section 01-03, cut at its heading lines."""
    annex = manifesto_text[manifesto_text.index("\nAnnexe\n"):]
    start = annex.index("\n01 Souveraineté technologique et industrielle")
    second = annex.index("\n02 Industrie", start)
    third = annex.index("\n03 Transitions", second)
    end = annex.index("\n04 Europe", third)
    return {"01": annex[start:second], "02": annex[second:third], "03": annex[third:end]}


@pytest.fixture(scope="module")
def labels(store) -> dict[str, set[str]]:
    """Folded label or alternative label → the things (not ontology terms) that carry it."""
    rows = store.select(
        "PREFIX rdfs: <http://www.w3.org/2000/01/rdf-schema#> "
        "PREFIX skos: <http://www.w3.org/2004/02/skos/core#> "
        "SELECT DISTINCT ?r ?l WHERE { ?r rdfs:label|skos:altLabel ?l "
        "FILTER(STRSTARTS(STR(?r), 'https://w3id.org/polegraph/id/')) }")
    index: dict[str, set[str]] = defaultdict(set)
    for row in rows:
        index[fold(row["l"])].add(row["r"])
    return index


@pytest.mark.parametrize(("section", "found", "label", "cls"), NAMES,
                         ids=[f"{s}-{n}" for s, n, _, _ in NAMES])
def test_every_name_resolves_to_one_resource_of_its_class(
        annex_sections, labels, store, section, found, label, cls):
    assert found in annex_sections[section], f"{found!r} is not in annex section {section}"
    matches = labels.get(fold(label or found), set())
    assert len(matches) == 1, f"{label or found!r} resolves to {sorted(matches) or 'nothing'}"
    (resource,) = matches
    assert store.ask(
        f"PREFIX rdfs: <http://www.w3.org/2000/01/rdf-schema#> "
        f"ASK {{ <{resource}> a/rdfs:subClassOf* <{PG}{cls}> }}"), f"{resource} is not a pg:{cls}"
    assert store.ask(f"ASK {{ GRAPH <{SECTION}annexe-{section}> {{ <{resource}> ?p ?o }} }}"), \
        f"{resource} is not stated in annexe-{section}"


def test_the_amount_list_covers_every_amount_of_the_text(annex_sections):
    listed = {(section, text) for section, text, _ in AMOUNTS}
    found = {(section, m.group(0)) for section, text in annex_sections.items()
             for m in _AMOUNT.finditer(text)}
    assert found == listed


@pytest.mark.parametrize(("section", "text", "value"), AMOUNTS, ids=[t for _, t, _ in AMOUNTS])
def test_every_amount_is_a_monetary_amount_in_euros(annex_sections, store, section, text, value):
    assert text in annex_sections[section]
    assert store.ask(f"""
        PREFIX pg: <{PG}>
        ASK {{ GRAPH <{SECTION}annexe-{section}> {{
            ?f a pg:MonetaryAmount ; pg:value ?v ; pg:currency "EUR" ; pg:figureOf ?about .
            FILTER(?v = {value})
        }} }}"""), f"no {value} EUR amount in annexe-{section}"


@pytest.mark.parametrize(("section", "text", "value", "measure", "qualifier"), FIGURES,
                         ids=[f"{t}-{v}" for _, t, v, _, _ in FIGURES])
def test_every_count_and_share_is_a_figure(annex_sections, store, section, text, value, measure,
                                           qualifier):
    assert text in annex_sections[section]
    qualified = f"; pg:qualifier pg:{qualifier}" if qualifier else ""
    unqualified = "" if qualifier else "FILTER NOT EXISTS { ?f pg:qualifier ?q }"
    assert store.ask(f"""
        PREFIX pg: <{PG}>
        ASK {{ GRAPH <{SECTION}annexe-{section}> {{
            ?f a pg:Figure ; pg:value ?v ; pg:figureOf ?about {qualified} ;
               pg:measures <https://w3id.org/polegraph/id/measure/{measure}> .
            FILTER(?v = {value}) {unqualified}
        }} }}"""), f"no {measure} figure of {value} in annexe-{section}"


def test_no_blank_nodes_in_the_part2_graphs(store):
    for section in ("01", "02", "03"):
        assert not store.ask(f"ASK {{ GRAPH <{SECTION}annexe-{section}> {{ "
                             f"{{ ?s ?p ?o FILTER(isBlank(?s)) }} UNION {{ ?s ?p ?o FILTER(isBlank(?o)) }} }} }}")
