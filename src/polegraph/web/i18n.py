"""French and English for the web pages: the reader's language, the interface's words, localised pages.

The language is `?lang=fr|en` (remembered in a cookie), else the cookie, else the browser's
Accept-Language, else French (the language of the source). A page therefore depends on more than its
URL and Accept header, which the app-wide ETag (web/http.py) covers: `localised_page` adds the
language to the validator and says so in Vary, so a cache never serves French to an English reader.
"""

from __future__ import annotations

from flask import Flask, Response, g, render_template, request

LANGUAGES = ("fr", "en")
DEFAULT = "fr"
COOKIE = "lang"
COOKIE_AGE = 365 * 24 * 3600

MESSAGES: dict[str, dict[str, str]] = {
    "site.tagline": {
        "fr": "Le graphe de connaissances des pôles de compétitivité français",
        "en": "The knowledge graph of France's pôles de compétitivité",
    },
    "nav.main": {"fr": "Navigation principale", "en": "Main navigation"},
    "nav.home": {"fr": "Accueil", "en": "Home"},
    "nav.editor": {"fr": "Requêtes SPARQL", "en": "SPARQL queries"},
    "nav.explorer": {"fr": "Explorateur", "en": "Explorer"},
    "nav.ontology": {"fr": "Ontologie", "en": "Ontology"},
    "nav.downloads": {"fr": "Téléchargements", "en": "Downloads"},
    "nav.language": {"fr": "Langue", "en": "Language"},
    "nav.skip": {"fr": "Aller au contenu", "en": "Skip to content"},
    "home.title": {"fr": "polegraph", "en": "polegraph"},
    "home.what": {
        "fr": "polegraph publie sous forme de graphe RDF ce que dit le manifeste de l'Association française des "
              "pôles de compétitivité (AFPC) pour la phase 6 : les pôles, leurs présidents, leurs programmes et "
              "projets, leurs financeurs et partenaires, les filières qu'ils structurent et les chiffres cités.",
        "en": "polegraph publishes as an RDF graph what the manifesto of the French association of competitiveness "
              "clusters (AFPC) for phase 6 says: the pôles, their presidents, their programmes and projects, their "
              "funders and partners, the value chains they structure and the figures quoted.",
    },
    "home.source": {
        "fr": "Source unique : le manifeste « Phase 6 » de l'AFPC. Chaque affirmation du graphe renvoie à la "
              "section du manifeste qui l'énonce.",
        "en": "One source: the AFPC's “Phase 6” manifesto. Every statement of the graph points to the section "
              "of the manifesto that makes it.",
    },
    "home.release": {"fr": "Version servie", "en": "Release served"},
    "home.release.id": {"fr": "Identifiant", "en": "Identifier"},
    "home.release.date": {"fr": "Date", "en": "Date"},
    "home.release.triples": {"fr": "Triplets", "en": "Triples"},
    "home.entities": {"fr": "Entités par classe", "en": "Entities by class"},
    "home.class": {"fr": "Classe", "en": "Class"},
    "home.count": {"fr": "Nombre", "en": "Count"},
    "home.use": {"fr": "Utiliser le graphe", "en": "Use the graph"},
    "home.editor": {"fr": "Éditeur de requêtes SPARQL, avec les requêtes d'exemple",
                    "en": "SPARQL query editor, with the example queries"},
    "home.explorer": {"fr": "Explorateur visuel du graphe", "en": "Visual graph explorer"},
    "home.ontology": {"fr": "Documentation de l'ontologie", "en": "Ontology documentation"},
    "home.downloads": {"fr": "Téléchargements (RDF, CSV…)", "en": "Downloads (RDF, CSV…)"},
    "search.label": {"fr": "Chercher un pôle, une organisation, un programme…",
                     "en": "Find a pôle, an organisation, a programme…"},
    "search.button": {"fr": "Chercher", "en": "Search"},
    "search.title": {"fr": "Recherche", "en": "Search"},
    "search.results": {"fr": "{n} résultat(s) pour « {q} »", "en": "{n} result(s) for “{q}”"},
    "search.none": {"fr": "Aucun résultat pour « {q} ».", "en": "No result for “{q}”."},
    "search.empty": {"fr": "Saisissez un nom, un sigle ou un mot.", "en": "Type a name, an acronym or a word."},
    "search.matched": {"fr": "trouvé par", "en": "matched"},
    "page.labels": {"fr": "Libellés", "en": "Labels"},
    "page.types": {"fr": "Types", "en": "Types"},
    "page.statements": {"fr": "Propriétés", "en": "Properties"},
    "page.property": {"fr": "Propriété", "en": "Property"},
    "page.value": {"fr": "Valeur", "en": "Value"},
    "page.sources": {"fr": "Sources", "en": "Sources"},
    "page.inferred": {"fr": "inféré", "en": "inferred"},
    "page.incoming": {"fr": "Ce qui renvoie ici", "en": "What links here"},
    "page.incoming.truncated": {"fr": "Liste tronquée.", "en": "List truncated."},
    "page.figures": {"fr": "Chiffres", "en": "Figures"},
    "page.figure": {"fr": "Chiffre", "en": "Figure"},
    "page.measure": {"fr": "Mesure", "en": "Measure"},
    "page.year": {"fr": "Année", "en": "Year"},
    "page.sections": {"fr": "Sections du manifeste", "en": "Manifesto sections"},
    "page.sections.intro": {"fr": "Ce qui est dit de cette ressource vient de ces sections :",
                            "en": "What is said about this resource comes from these sections:"},
    "page.data": {"fr": "Données", "en": "Data"},
    "page.iri": {"fr": "IRI :", "en": "IRI:"},
    "page.none": {"fr": "Aucune.", "en": "None."},
    "explorer.title": {"fr": "Explorateur du graphe", "en": "Graph explorer"},
    "explorer.intro": {
        "fr": "Pôles, programmes, financeurs, organisations et filières. Cliquez sur un nœud pour afficher ses "
              "voisins ; filtrez par classe, filière ou région.",
        "en": "Pôles, programmes, funders, organisations and value chains. Click a node to show its neighbours; "
              "filter by class, value chain or region.",
    },
    "explorer.classes": {"fr": "Classes", "en": "Classes"},
    "explorer.valuechain": {"fr": "Filière", "en": "Value chain"},
    "explorer.region": {"fr": "Région", "en": "Region"},
    "explorer.all": {"fr": "Toutes", "en": "All"},
    "explorer.reset": {"fr": "Tout afficher", "en": "Show all"},
    "explorer.selected": {"fr": "Nœud choisi", "en": "Selected node"},
    "explorer.goto": {"fr": "Aller à un nœud", "en": "Go to a node"},
    "explorer.open": {"fr": "Ouvrir sa page", "en": "Open its page"},
    "explorer.expand": {"fr": "Afficher ses voisins", "en": "Show its neighbours"},
    "explorer.none": {"fr": "Cliquez sur un nœud.", "en": "Click a node."},
    "explorer.count": {"fr": "nœuds affichés", "en": "nodes shown"},
    "explorer.noscript": {"fr": "L'explorateur a besoin de JavaScript ; la recherche et les pages fonctionnent sans.",
                          "en": "The explorer needs JavaScript; search and the pages work without it."},
    "group.pole": {"fr": "Pôles", "en": "Pôles"},
    "group.programme": {"fr": "Programmes et projets", "en": "Programmes and projects"},
    "group.funder": {"fr": "Financeurs", "en": "Funders"},
    "group.organisation": {"fr": "Organisations", "en": "Organisations"},
    "group.valuechain": {"fr": "Filières", "en": "Value chains"},
    "group.pole.one": {"fr": "pôle", "en": "pôle"},
    "group.programme.one": {"fr": "programme ou projet", "en": "programme or project"},
    "group.funder.one": {"fr": "financeur", "en": "funder"},
    "group.organisation.one": {"fr": "organisation", "en": "organisation"},
    "group.valuechain.one": {"fr": "filière", "en": "value chain"},
    "editor.title": {"fr": "Éditeur de requêtes SPARQL", "en": "SPARQL query editor"},
    "editor.intro": {
        "fr": "Chaque onglet est une requête d'exemple ; modifiez-la et exécutez-la (Ctrl+Entrée). Les résultats "
              "s'affichent en tableau ou bruts, et se téléchargent en CSV.",
        "en": "Each tab is an example query; edit it and run it (Ctrl+Enter). Results show as a table or raw, and "
              "download as CSV.",
    },
    "editor.queries": {"fr": "Requêtes d'exemple", "en": "Example queries"},
    "editor.cookbook": {"fr": "Pour écrire vos requêtes : les préfixes, les motifs et les raccourcis du graphe.",
                        "en": "To write your own queries: the graph's prefixes, patterns and shortcuts."},
    "editor.verbs": {"fr": "les verbes du texte et leurs propriétés",
                     "en": "the text's verbs and their properties"},
    "cookbook.title": {"fr": "Recettes de requêtes SPARQL", "en": "SPARQL query cookbook"},
    "cookbook.intro": {"fr": "Chaque motif ci-dessous (en anglais) est une requête nommée de l'éditeur, "
                             "vérifiée par les tests.",
                       "en": "Each pattern below is a named query of the editor, checked by the tests."},
    "graph.alignment": {"fr": "Les mêmes faits que les données, redits dans les vocabulaires standard (ORG, "
                              "schema.org, FOAF, PROV, EURIO, DCTERMS), déduits à la construction.",
                        "en": "The same facts as the data, restated in the standard vocabularies (ORG, schema.org, "
                              "FOAF, PROV, EURIO, DCTERMS), inferred at build time."},
    "editor.link": {"fr": "lien", "en": "link"},
    "editor.csv": {"fr": "résultats CSV", "en": "CSV results"},
    "editor.noscript": {"fr": "L'éditeur a besoin de JavaScript ; chaque requête reste exécutable par son lien CSV.",
                        "en": "The editor needs JavaScript; each query still runs from its CSV link."},
    "graph.title": {"fr": "Graphe nommé « {name} »", "en": "Named graph “{name}”"},
    "graph.size": {"fr": "{n} triplets.", "en": "{n} statements."},
    "graph.ontology": {"fr": "Les classes et les propriétés de l'ontologie polegraph (OWL), avec leurs libellés et "
                             "leurs définitions.",
                       "en": "The classes and properties of the polegraph ontology (OWL), with their labels and "
                             "definitions."},
    "graph.vocabulary": {"fr": "Les vocabulaires contrôlés du projet : schémas de concepts (filières, thèmes) et "
                               "grandeurs que mesurent les chiffres. Ce sont les mots du projet, pas ceux du "
                               "manifeste.",
                         "en": "The project's controlled vocabularies: concept schemes (value chains, themes) and what "
                               "the figures measure. These are the project's words, not the manifesto's."},
    "graph.manifesto": {"fr": "Le manifeste et ses sections, auxquelles chaque fait du graphe est rattaché.",
                        "en": "The manifesto and its sections, to which every fact of the graph is traced."},
    "graph.provenance": {"fr": "Pour chaque ressource, les sections du manifeste qui en parlent (pg:statedIn), "
                               "calculées à la construction.",
                         "en": "For every resource, the manifesto sections that speak of it (pg:statedIn), derived "
                               "at build time."},
    "graph.inferred": {"fr": "Les triplets déduits à la construction (règles OWL 2 RL) des données et de l'ontologie.",
                       "en": "The statements inferred at build time (OWL 2 RL rules) from the data and the ontology."},
    "graph.other": {"fr": "Un graphe de données du projet.", "en": "A data graph of the project."},
    "graph.sections": {"fr": "Les faits tirés du manifeste sont dans un graphe par section, nommé par l'IRI de la "
                             "section.",
                       "en": "The facts taken from the manifesto are in one graph per section, named by the "
                             "section's IRI."},
    "downloads.title": {"fr": "Téléchargements", "en": "Downloads"},
    "downloads.intro": {"fr": "Les fichiers de la version {release} du graphe, dans des formats RDF, de graphe et de "
                              "tableur.",
                        "en": "The files of release {release} of the graph, in RDF, graph and spreadsheet formats."},
    "downloads.catalog": {"fr": "Description DCAT-AP", "en": "DCAT-AP description"},
    "downloads.file": {"fr": "Fichier", "en": "File"},
    "downloads.content": {"fr": "Contenu", "en": "Content"},
    "downloads.type": {"fr": "Type", "en": "Type"},
    "downloads.size": {"fr": "Octets", "en": "Bytes"},
    "downloads.check": {"fr": "Pour vérifier les fichiers téléchargés :", "en": "To check the downloaded files:"},
    "notfound.title": {"fr": "Ressource introuvable", "en": "No such resource"},
    "notfound.text": {"fr": "Ce graphe ne contient rien à cette adresse. Cherchez la ressource par son nom :",
                      "en": "This graph holds nothing at this address. Look the resource up by its name:"},
    "error.title": {"fr": "La demande n'a pas abouti", "en": "The request could not be answered"},
    "error.where": {"fr": "Ligne {line}, colonne {column}.", "en": "Line {line}, column {column}."},
    "error.request_id": {"fr": "Identifiant de la demande, à citer si vous nous écrivez :",
                         "en": "Request id, to quote if you write to us:"},
    "footer.licence": {"fr": "Données dérivées du manifeste de l'AFPC.", "en": "Data derived from the AFPC manifesto."},
}


def current_language() -> str:
    """The reader's language for this request (see the module docstring)."""
    if "lang" in g:
        return g.lang
    asked = (request.args.get("lang") or "").lower()
    if asked in LANGUAGES:
        lang = asked
    elif request.cookies.get(COOKIE) in LANGUAGES:
        lang = request.cookies[COOKIE]
    else:
        lang = request.accept_languages.best_match(LANGUAGES) or DEFAULT
    g.lang = lang
    return lang


def translate(key: str, **values) -> str:
    """The interface text `key` in the reader's language (the key itself when unknown, never an error)."""
    entry = MESSAGES.get(key)
    text = entry.get(current_language(), key) if entry else key
    return text.format(**values) if values else text


def _mark(response: Response) -> None:
    response.headers["Cache-Control"] = "private, no-cache"
    response.vary.update(("Accept-Language", "Cookie"))
    asked = (request.args.get("lang") or "").lower()
    if asked in LANGUAGES and request.cookies.get(COOKIE) != asked:
        response.set_cookie(COOKIE, asked, max_age=COOKIE_AGE, samesite="Lax", httponly=True)


def localised_page(template: str, status: int = 200, **context) -> Response:
    """Render an HTML template in the reader's language (the HTTP layer's ETag covers the language)."""
    response = Response(render_template(template, **context), status=status,
                        content_type="text/html; charset=utf-8")
    _mark(response)
    return response


def lang_url(lang: str) -> str:
    """This page's URL with `lang` switched."""
    args = request.args.to_dict(flat=False)
    args["lang"] = [lang]
    from urllib.parse import urlencode

    return request.path + "?" + urlencode(args, doseq=True)


def number(value: str) -> str:
    """A figure written the reader's way: 22400000 → "22 400 000" (fr) or "22,400,000" (en); 1.3 → "1,3" (fr)."""
    try:
        whole, _, fraction = str(value).partition(".")
        grouped = f"{int(whole):,}"
    except ValueError:
        return str(value)
    if current_language() == "fr":
        return grouped.replace(",", "\u202f") + ("," + fraction if fraction else "")
    return grouped + ("." + fraction if fraction else "")


def register(app: Flask) -> None:
    """Make `_`, `lang`, `lang_url` and `languages` available to every template."""
    app.jinja_env.globals.update(_=translate, lang_url=lang_url, languages=LANGUAGES)
    app.jinja_env.filters["number"] = number

    @app.context_processor
    def _language():
        return {"lang": current_language()}
