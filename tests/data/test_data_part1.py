"""Part 1 of the manifesto as data (issue 4): cover to map notes, and the closing block.

Every name this scope of the manifesto gives — pôles, programmes, bodies, companies, places, value
chains — must be found in the text as written and must lead, through its label or one of its
alternative labels (case and accents folded), to exactly one resource of the right class.
"""

from __future__ import annotations

import re
import unicodedata
from collections import defaultdict

import pytest

PG = "https://w3id.org/polegraph/ontology#"
ID = "https://w3id.org/polegraph/id/"
SECTION = ID + "section/"
PART1_SECTIONS = ["couverture", "introduction"] + [f"chapitre-{n:02d}" for n in range(1, 9)] + [
    "conclusion", "signatures", "carte", "colophon"]

# (name as the manifesto writes it in this scope, class it must resolve to)
NAMES: list[tuple[str, str]] = [
    # pôles named in the cover, chapters and map notes, with the spellings those sections use
    ("Systematic", "Pole"), ("Systematic Paris-Région", "Pole"), ("Aerospace Valley", "Pole"),
    ("Safe", "Pole"), ("Atlanpole Biothérapies", "Pole"), ("Biovalley France", "Pole"),
    ("BioValley France", "Pole"), ("Eurobiomed", "Pole"), ("Lyonbiopôle Auvergne Rhôns-Alpes", "Pole"),
    ("Lyonbiopôle Auvergne Rhône Alpes", "Pole"), ("Clubster Nutrition Santé Longévité", "Pole"),
    ("Medicen Paris Région", "Pole"), ("Medicen Paris Region", "Pole"), ("NextMove", "Pole"),
    ("EMC2", "Pole"), ("Energies Françaises", "Pole"), ("Capenergies", "Pole"), ("Derbi-Cemater", "Pole"),
    ("Nuclear Valley", "Pole"), ("Smart Power", "Pole"), ("Tenerrdis", "Pole"),
    ("Minalogic Auvergne-Rhône-Alpes", "Pole"), ("AKTANTIS", "Pole"), ("ALPHA-RLH", "Pole"),
    ("Images & Réseaux", "Pole"), ("Qualitropic", "Pole"),
    # organisations
    ("AFPC", "Association"), ("Motherbase", "Organisation"), ("SGDSN", "StateBody"),
    ("agglomération", "LocalAuthority"), ("pool d'experts académiques", "Organisation"),
    ("ESA", "Organisation"), ("CNES", "StateBody"), ("Agence Innovation Santé", "StateBody"),
    ("ENOSIS Santé", "ClusterNetwork"), ("Amperé", "Company"), ("Acome", "Company"),
    ("Up&Charge", "Company"), ("Genomines", "Company"), ("DGA", "StateBody"),
    ("Direction de l'Industrie de Défense", "StateBody"), ("GIFEN", "Organisation"),
    ("CNFM", "Organisation"), ("CAP'TRONIC", "Organisation"), ("UE", "EUBody"), ("Chips JU", "EUBody"),
    ("État", "StateBody"), ("Synergies", "ThematicStrand"),
    # initiatives
    ("ESCALAD", "Programme"),
    ("ESA BIC Sud France", "SupportScheme"), ("District By Aerospace Valley", "SupportScheme"),
    ("observatoire de l'innovation en santé", "SupportScheme"), ("E7A", "Project"), ("PEON", "Programme"),
    ("EUCLES", "Label"), ("ASTEERICS", "SupportScheme"), ("France 2030", "FundingProgramme"),
    ("phase V", "Programme"),
    # places
    ("Île-de-France", "Region"), ("Pays de la Loire", "Region"), ("Guadeloupe", "Region"),
    ("La Réunion", "Region"), ("Corse", "Region"), ("Auvergne-Rhône-Alpes", "Region"),
    ("Sainte-Marie", "City"), ("Vallée de Seine", "Place"), ("Chine", "Country"),
    # value chains
    ("New Space", "ValueChain"), ("BITD", "ValueChain"), ("SMR AMR", "ValueChain"),
    ("bioénergies", "ValueChain"), ("solaire", "ValueChain"), ("microélectronique", "ValueChain"),
]

# Names whose full form only makes sense with a longer label in the graph: (text substring, label to look up)
LOOKUP_AS = {
    "agglomération": "Agglomération propriétaire de l'ancienne base aérienne d'ESCALAD",
    "pool d'experts académiques": "Pool d'experts académiques d'ESCALAD",
    "observatoire de l'innovation en santé": "Observatoire de l'innovation en santé",
}


def fold(text: str) -> str:
    """Lower case, accents removed, runs of spaces collapsed: how a reader matches a name."""
    decomposed = unicodedata.normalize("NFKD", text)
    return " ".join("".join(c for c in decomposed if not unicodedata.combining(c)).lower().split())


def scope_text(manifesto: str) -> str:
    """The text from the start to the end of the map notes, plus the closing block."""
    start_annex = manifesto.index("\nAnnexe\n")
    return manifesto[:start_annex] + manifesto[manifesto.rindex("\nAFPC\n"):]


@pytest.fixture(scope="module")
def labels_by_class(store) -> dict[str, dict[str, set[str]]]:
    """class local name → folded label or altLabel → resources of that class carrying it."""
    rows = store.select(f"""
        PREFIX rdfs: <http://www.w3.org/2000/01/rdf-schema#>
        PREFIX skos: <http://www.w3.org/2004/02/skos/core#>
        SELECT DISTINCT ?s ?class ?label WHERE {{
          ?s a ?class ; rdfs:label|skos:altLabel ?label .
          FILTER (STRSTARTS(STR(?class), "{PG}"))
        }}""")
    index: dict[str, dict[str, set[str]]] = defaultdict(lambda: defaultdict(set))
    for row in rows:
        index[row["class"].removeprefix(PG)][fold(row["label"])].add(row["s"])
    return index


@pytest.mark.parametrize(("name", "cls"), NAMES, ids=[f"{n}->{c}" for n, c in NAMES])
def test_each_name_of_the_scope_resolves_to_one_resource(manifesto_text, labels_by_class, name, cls):
    assert name in scope_text(manifesto_text), f"{name!r} is not written in this part of the manifesto"
    found = labels_by_class[cls].get(fold(LOOKUP_AS.get(name, name)), set())
    assert len(found) == 1, f"{name!r} should name exactly one pg:{cls}, found {sorted(found)}"


def signature_block(manifesto: str) -> list[tuple[str, str, str]]:
    """(pôle as written, president, title) for each entry of the signature block."""
    block = manifesto[manifesto.index("SIGNATURES"):manifesto.index("↗ Volet thématique")]
    lines = [line.strip() for line in block.splitlines() if line.strip()]
    entries = []
    for pole_line, person_line in zip(lines, lines[1:], strict=False):
        match = re.fullmatch(r"(.+), \*(Président|Présidente)\*", person_line)
        if match and pole_line.endswith(","):
            entries.append((pole_line[:-1], match.group(1), match.group(2)))
    return entries


def test_every_signatory_as_written_resolves_to_one_pole_with_its_president(manifesto_text, labels_by_class, store):
    entries = signature_block(manifesto_text)
    assert len(entries) == 53
    for pole_name, person, title in entries:
        poles = labels_by_class["Pole"].get(fold(pole_name), set())
        assert len(poles) == 1, f"{pole_name!r} should name exactly one pôle, found {sorted(poles)}"
        (pole,) = poles
        rows = store.select(f"""
            PREFIX pg: <{PG}> PREFIX rdfs: <http://www.w3.org/2000/01/rdf-schema#>
            PREFIX skos: <http://www.w3.org/2004/02/skos/core#>
            SELECT ?name ?title WHERE {{
              GRAPH <{SECTION}signatures> {{
                <{pole}> pg:president ?p . ?p rdfs:label|skos:altLabel ?name ; pg:holdsRole ?r .
                ?r pg:roleIn <{pole}> ; pg:titleAsWritten ?title .
              }}
            }}""")
        assert (person, title) in {(r["name"], r["title"]) for r in rows}, pole_name


def test_afpc_has_both_its_people_and_its_motto(store):
    rows = store.select(f"""
        PREFIX pg: <{PG}> PREFIX rdfs: <http://www.w3.org/2000/01/rdf-schema#>
        SELECT ?name ?title WHERE {{
          ?p pg:holdsRole ?r ; rdfs:label ?name . ?r pg:roleIn <https://w3id.org/polegraph/id/organisation/afpc> ;
             pg:titleAsWritten ?title .
        }}""")
    assert {(r["name"], r["title"]) for r in rows} == {("Christian Deleuze", "Président"),
                                                        ("Pauline Capus", "Déléguée Générale")}
    assert store.ask(f"""PREFIX pg: <{PG}> ASK {{ GRAPH <{SECTION}colophon> {{
        <https://w3id.org/polegraph/id/organisation/afpc> pg:slogan "Innovation Collaborative, Croissance Collective"@fr
    }} }}""")


def test_no_email_or_phone_number_in_part_one(store):
    """The closing block prints an e-mail address and a phone number: neither may reach the graph."""
    graphs = " ".join(f"<{SECTION}{s}>" for s in PART1_SECTIONS)
    rows = store.select(f"""SELECT ?o WHERE {{
        VALUES ?g {{ {graphs} }} GRAPH ?g {{ ?s ?p ?o }} FILTER isLiteral(?o) }}""")
    for row in rows:
        assert not re.search(r"[\w.+-]+@[\w-]+\.[\w.]+", row["o"]), row["o"]
        assert not re.search(r"\b0\d(?:[ .]?\d\d){4}\b", row["o"]), row["o"]


def test_every_region_code_cites_the_insee_document(store):
    rows = store.select(f"""PREFIX pg: <{PG}>
        SELECT ?g ?place WHERE {{ GRAPH ?g {{ ?place pg:inseeCode ?code }}
          FILTER NOT EXISTS {{ GRAPH ?g {{ ?place pg:source <{ID}document/insee-cog> }} }} }}""")
    assert rows == []


# ---------------------------------------------------------------------------------------------------
# Across the three data parts: what the audit of the whole graph checks for good.

# Where each section of the manifesto starts (the text before the first marker is the cover).
SECTION_STARTS = [
    ("introduction", "Depuis plus de vingt ans"), ("chapitre-01", "\n01\n"), ("chapitre-02", "\n02 Une mission"),
    ("chapitre-03", "\n03 Une courroie"), ("chapitre-04", "\n04 L'innovation"), ("chapitre-05", "\n05 Moderniser"),
    ("chapitre-06", "\n06 Un levier"), ("chapitre-07", "\n07 Accélérer"), ("chapitre-08", "\n08 Une politique"),
    ("conclusion", "\nCONCLUSION\n"), ("signatures", "\nSIGNATURES\n"), ("carte", "↗ Volet"),
    ("annexe-01", "\nAnnexe\n"), ("annexe-02", "\n02 Industrie\n"), ("annexe-03", "\n03 Transitions\n"),
    ("annexe-04", "\n04 Europe\n"), ("annexe-05", "\n05 Compétences\n"), ("annexe-06", "\n06 Santé\n"),
    ("annexe-07", "\n07 Impact des Pôles"), ("colophon", "\nAFPC\n"),
]

# Short forms the text prints with the acronym in brackets — "Opération d'Intérêt Régional (OIR) Naturalité" —
# recorded joined up; a reader searching by acronym expects them.
BUILT_SHORT_FORMS = {"OIR Naturalité", "CTI bioéconomie", "Contrat Stratégique de Filière ITS"}


def section_texts(manifesto: str) -> dict[str, str]:
    """Section slug → its text, folded, cut at the markers above (each searched after the previous one)."""
    cuts, position = [("couverture", 0)], 0
    for slug, marker in SECTION_STARTS:
        position = manifesto.rindex(marker) if slug == "colophon" else manifesto.index(marker, position)
        cuts.append((slug, position))
    ends = [start for _slug, start in cuts[1:]] + [len(manifesto)]
    return {slug: fold(manifesto[start:end].replace("’", "'")) for (slug, start), end in zip(cuts, ends, strict=True)}


def test_spelling_variants_sit_in_the_graphs_of_the_sections_that_spell_them(store, manifesto_text):
    """"PMT" is the annex's acronym, not the signature list's: each variant is stated where it is printed."""
    texts = section_texts(manifesto_text)
    rows = store.select(f"""PREFIX pg: <{PG}> PREFIX skos: <http://www.w3.org/2004/02/skos/core#>
        SELECT DISTINCT ?g ?s ?variant WHERE {{ GRAPH ?g {{ ?s skos:altLabel ?variant }}
          ?g a pg:ManifestoSection . FILTER (lang(?variant) = "fr") }}""")
    misplaced = []
    for row in rows:
        slug = row["g"].removeprefix(SECTION)
        if row["variant"] in BUILT_SHORT_FORMS:
            continue
        pattern = r"(?<!\w)" + re.escape(fold(row["variant"])) + r"(?!\w)"
        if not re.search(pattern, texts[slug]):
            misplaced.append((slug, row["s"].removeprefix(ID), row["variant"]))
    assert not misplaced, f"variants stated in a section that does not print them: {sorted(misplaced)}"


def test_the_six_energy_poles_of_chapter_07_take_part_in_one_joint_action(store):
    """Chapter 07 says the six pôles together structured the low-carbon chains and mobilise together."""
    rows = store.select(f"""PREFIX pg: <{PG}>
        SELECT DISTINCT ?action ?pole ?chain WHERE {{ GRAPH <{SECTION}chapitre-07> {{
          ?action a pg:JointInitiative ; pg:hasParticipant ?pole ; pg:concernsValueChain ?chain .
          ?pole pg:participatesIn ?action }} }}""")
    assert len({r["action"] for r in rows}) == 1
    assert {r["pole"].removeprefix(ID + "pole/") for r in rows} == {
        "energies-francaises", "capenergies", "derbi-cemater", "nuclear-valley", "smart-power", "tenerrdis"}
    assert {r["chain"].removeprefix(ID + "filiere/") for r in rows} >= {
        "solaire", "hydrogene", "nucleaire", "smr-amr", "bioenergies"}
    assert not store.ask(f"""PREFIX pg: <{PG}>
        ASK {{ GRAPH <{SECTION}chapitre-07> {{ ?pole a pg:Pole ; pg:structuresValueChain ?chain }} }}""")

def test_no_figure_is_stated_twice_under_two_iris(store):
    """The chapter and the annex both give the New Space's 4 500 jobs: one figure, stated in both graphs."""
    rows = store.select(f"""PREFIX pg: <{PG}>
        SELECT ?a ?b WHERE {{
          ?a a pg:Figure ; pg:figureOf ?of ; pg:measures ?m ; pg:value ?v .
          ?b a pg:Figure ; pg:figureOf ?of ; pg:measures ?m ; pg:value ?v .
          FILTER (STR(?a) < STR(?b))
          FILTER NOT EXISTS {{ ?a pg:year ?ya . ?b pg:year ?yb . FILTER (?ya != ?yb) }}
        }}""")
    assert rows == []


def test_every_mandate_is_both_a_mandate_node_and_a_shortcut_in_the_same_section(store):
    """Who mandated whom reads the same through pg:mandatedBy and through the pg:Mandate node."""
    shortcut_only = store.select(f"""PREFIX pg: <{PG}>
        SELECT ?g ?pole ?by WHERE {{ GRAPH ?g {{ ?pole pg:mandatedBy ?by }}
          FILTER NOT EXISTS {{ GRAPH ?g {{ ?m pg:mandatee ?pole ; pg:mandator ?by }} }} }}""")
    node_only = store.select(f"""PREFIX pg: <{PG}>
        SELECT ?g ?pole ?by WHERE {{ GRAPH ?g {{ ?m pg:mandatee ?pole ; pg:mandator ?by }}
          FILTER NOT EXISTS {{ GRAPH ?g {{ ?pole pg:mandatedBy ?by }} }} }}""")
    assert shortcut_only == [] and node_only == []


def test_no_email_or_phone_number_anywhere_in_the_graph(store):
    rows = store.select("SELECT DISTINCT ?o WHERE { GRAPH ?g { ?s ?p ?o } FILTER isLiteral(?o) }")
    for row in rows:
        assert not re.search(r"[\w.+-]+@[\w-]+\.[a-z]{2,}\b", row["o"]), row["o"]
        assert not re.search(r"\b0\d(?:[ .]?\d\d){4}\b", row["o"]), row["o"]
