"""Competency questions on the links the coverage sweep asked for (issue 20), answered as a reader of the text.

The expected answers were written down from the manifesto: the value chains annex projects serve, the
public bodies that fund or co-fund them, where each pôle acts and which section says so, where the European
projects are sited, what projects answer to, and the governing bodies pôles sit on. Each query must give at
least these answers (other parts of the text may add rows); where the text closes the list, exactly these.
"""

from __future__ import annotations


def short(value: str | None) -> str | None:
    """The last segment of an IRI (a slug or an ontology term), or the literal unchanged."""
    if value is None:
        return None
    return value.rsplit("#", 1)[-1].rsplit("/", 1)[-1] if value.startswith("http") else value




def test_the_value_chains_each_annex_project_serves(run):
    rows = run("annex-project-value-chains")
    chains: dict[tuple[str, str], set[str]] = {}
    for r in rows:
        chains.setdefault((short(r["initiative"]), short(r["section"])), set()).add(short(r["chain"]))
    expected = {
        # MAIA: AI uses in health, chemistry and the environment
        ("maia", "annexe-01"): {"intelligence-artificielle", "sante", "chimie", "environnement"},
        # "capteurs, imagerie, calcul et communication quantiques"
        ("naquidis-plus", "annexe-01"): {"capteurs-quantiques", "imagerie-quantique", "calcul-quantique",
                                         "communication-quantique"},
        # "transitions Cyber et IA"; "IA, de l'IoT et de la cybersécurité"
        ("edih-bretagne", "annexe-01"): {"cybersecurite", "intelligence-artificielle"},
        ("edih-greenpowerit", "annexe-01"): {"intelligence-artificielle", "internet-des-objets", "cybersecurite"},
        # "textiles techniques, numérique, électronique, santé, sécurité et défense"
        ("optitex", "annexe-01"): {"textiles-techniques", "numerique", "electronique", "sante", "securite",
                                   "defense"},
        # "(medtech, biotech, bioproduction, e-santé)"; "(…, mécatronique, IoT, …)"
        ("pmt-propulseur", "annexe-02"): {"medtech", "biotechnologies", "bioproduction", "sante-numerique",
                                          "mecatronique", "internet-des-objets"},
        # "l'agriculture, l'agroalimentaire, la foresterie et l'environnement"
        ("diva", "annexe-04"): {"agriculture", "agroalimentaire", "foresterie", "environnement"},
        # "dans la filière médicale"
        ("medi4future", "annexe-04"): {"medicale"},
        # "énergie, spatial, aquaculture, biotechnologies et environnement"
        ("mer-bretagne-atlantique-projets-cascade-funding", "annexe-04"): {
            "energie", "spatial", "aquaculture", "biotechnologies", "environnement"},
        # "éolien flottant, photovoltaïque et réseaux énergétiques"
        ("diagtase", "annexe-05"): {"eolien-flottant", "photovoltaique", "reseaux-energetiques"},
        # "l'éco-conception des emballages"
        ("chaire-copack", "annexe-05"): {"emballage"},
        # "santé numérique, … immunologie, … infectiologie, des biothérapies et de la bioproduction"
        ("projets-cma-eurobiomed", "annexe-05"): {"sante-numerique", "immunologie", "infectiologie",
                                                  "biotherapies", "bioproduction"},
        # "spécialisés en bioproduction"
        ("train4bioprod", "annexe-06"): {"bioproduction"},
        # "filière laitière"
        ("prolific", "annexe-06"): {"laitiere"},
        # "organoïdes et organes sur puce" is F3OCI's chain (an organisation, see the other test)
        ("eurobiomed-cartographie-sante-de-la-peau", "annexe-06"): {"sante-de-la-peau"},
        # "biocontrôle et des biosolutions"
        ("biosolutiona", "annexe-07"): {"biocontrole", "biosolutions"},
        # "santé numérique", "santé connectée"
        ("smart-sante", "annexe-07"): {"sante-numerique"},
    }
    for key, wanted in expected.items():
        assert wanted <= chains.get(key, set()), f"{key}: missing {sorted(wanted - chains.get(key, set()))}"
    assert all(short(r["section"]).startswith("annexe-") for r in rows)


def test_the_public_bodies_that_fund_or_co_fund_projects(run):
    got: dict[tuple[str, str, str], set[str]] = {}
    for r in run("public-cofunders"):
        others = got.setdefault((short(r["body"]), short(r["initiative"]), short(r["section"])), set())
        if r.get("otherFunderLabel"):
            others.add(r["otherFunderLabel"])
    # "cofinancé par trois Agences de l'eau", beside "le programme européen LIFE"
    assert got[("agences-de-leau", "zeus", "annexe-03")] == {"LIFE"}
    # DECLYC: half paid by the partners, half by the State
    assert ("etat", "declyc", "annexe-03") in got
    # Oratex: funded by the Region and the State, under France 2030
    assert got[("region-auvergne-rhone-alpes", "oratex", "annexe-02")] == {"État", "France 2030"}
    assert got[("etat", "oratex", "annexe-02")] == {"Région Auvergne-Rhône-Alpes", "France 2030"}
    # ASTEERICS (chapter 08): backed by the EU through the Chips JU, and by the State
    assert {("union-europeenne", "asteerics", "chapitre-08"), ("chips-ju", "asteerics", "chapitre-08"),
            ("etat", "asteerics", "chapitre-08")} <= set(got)
    # "grâce aux cofinancements européens"
    assert ("union-europeenne", "edih-greenpowerit", "annexe-01") in got


def test_where_each_pole_acts_with_the_section_that_says_so(run):
    got = {(short(r["pole"]), short(r["place"]), short(r["section"])) for r in run("pole-territories")}
    assert {
        # the map: strands of Capenergies in Guadeloupe and Corsica, Qualitropic at Sainte-Marie, La Réunion
        ("capenergies", "guadeloupe", "carte"), ("capenergies", "corse", "carte"),
        ("qualitropic", "sainte-marie", "carte"), ("qualitropic", "la-reunion", "carte"),
        # the signed names
        ("systematic-paris-region", "ile-de-france", "signatures"),
        ("astech-paris-region", "ile-de-france", "signatures"),
        ("medicen-paris-region", "ile-de-france", "signatures"),
        # "Lyonbiopôle Auvergne Rhône Alpes", "Minalogic Auvergne-Rhône-Alpes"
        ("lyonbiopole", "auvergne-rhone-alpes", "chapitre-03"),
        ("minalogic", "auvergne-rhone-alpes", "chapitre-08"),
        # "une centaine d'entreprises … mobilisées en Pays de la Loire"
        ("emc2", "pays-de-la-loire", "chapitre-05"),
        ("nextmove", "vallee-de-seine", "chapitre-04"),
        # the projects they lead or the mandates they hold
        ("avenia", "nouvelle-aquitaine", "annexe-07"), ("avenia", "grand-est", "annexe-01"),
        ("capenergies", "fos-berre", "annexe-02"), ("capenergies", "manosque", "annexe-04"),
        ("capenergies", "corse", "annexe-07"), ("capenergies", "provence-alpes-cote-dazur", "annexe-01"),
        ("medicen-paris-region", "ile-de-france", "annexe-07"),
        ("nuclear-valley", "bourgogne-franche-comte", "annexe-07"),
        ("nuclear-valley", "auvergne-rhone-alpes", "annexe-07"),
        ("vehicule-du-futur", "nievre", "annexe-07"), ("vehicule-du-futur", "grand-est", "annexe-01"),
        ("clubster-nsl", "hauts-de-france", "annexe-06"), ("i-trans", "hauts-de-france", "annexe-01"),
        ("images-reseaux", "bretagne", "annexe-01"), ("images-reseaux", "pays-de-la-loire", "annexe-01"),
        ("id4mobility", "lisbonne", "annexe-04"), ("eurobiomed", "bouches-du-rhone", "annexe-06"),
        ("biovalley-france", "grand-est", "annexe-07"), ("aquanova", "grand-est", "annexe-05"),
    } <= got
    sainte_marie = [r for r in run("pole-territories") if short(r["place"]) == "sainte-marie"]
    assert {short(r.get("region")) for r in sainte_marie} == {"la-reunion"}


def test_the_sites_and_cities_of_the_european_projects(run):
    got = {(short(r["initiative"]), short(r.get("project")), short(r["place"]), short(r["kind"]))
           for r in run("european-project-sites")}
    assert got == {
        # "sur le site de Manosque"
        ("frhyge", None, "manosque", "City"),
        # "quatre sites de tests …: Rennes, Lisbonne, Athènes et Manchester"
        ("tangent-sites-de-test", "tangent", "rennes", "City"),
        ("tangent-sites-de-test", "tangent", "lisbonne", "City"),
        ("tangent-sites-de-test", "tangent", "athenes", "City"),
        ("tangent-sites-de-test", "tangent", "manchester", "City"),
        # "Financé par le programme européen LIFE", "Monin (fabricant de sirops, Bourges)"
        ("zeus", None, "bourges", "City"),
    }


def test_what_the_projects_and_bodies_answer_to(run):
    got = {(short(r["subject"]), short(r["answersTo"]), short(r["kind"])) for r in run("initiative-responses")}
    assert {
        # PIPAC: launched in answer to the COVID crisis and drug shortages
        ("pipac", "crise-covid", "Crisis"), ("pipac", "penuries-de-medicaments", "Crisis"),
        # "Dès le début de la crise COVID"
        ("eurobiomed-cartographie-covid", "crise-covid", "Crisis"),
        # "identifiés dans le plan de réindustrialisation nationale"
        ("train4bioprod", "plan-de-reindustrialisation-nationale", "Programme"),
        # "liés au programme de nouveau nucléaire français"
        ("universite-des-metiers-du-nucleaire", "programme-nouveau-nucleaire-francais", "Programme"),
    } <= got


def test_the_governing_bodies_poles_sit_on(run):
    got = {(short(r["body"]), short(r.get("partOf")), short(r.get("member")), r.get("role"))
           for r in run("governing-bodies")}
    assert {
        # ID4MOBILITY sits on PILOTE's CODIR and its project evaluation committee
        ("pilote-codir", "pilote", "id4mobility", "member"),
        ("pilote-comite-devaluation-des-projets", "pilote", "id4mobility", "member"),
        # "en présidant la Commission Technique d'Innovation (CTI) bioéconomie"
        ("cti-bioeconomie", None, "bioeconomy-for-change", "chair"),
        # "avec l'appui d'un comité scientifique"
        ("skin-excellence-comite-scientifique", "skin-excellence", None, None),
    } <= got
