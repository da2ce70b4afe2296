"""The home page, search, languages, the query editor page and the explorer's data."""

from __future__ import annotations

import json
import re

import pytest
from markupsafe import escape

from polegraph.web import create_app
from tests.support import PROJECT

ID = "https://w3id.org/polegraph/id/"
STATIC = PROJECT / "src" / "polegraph" / "web" / "static"
EXTERNAL_ASSET = re.compile(  # what a browser would load (a rel=canonical link names the IRI, loads nothing)
    r'<(?:script|img|iframe)[^>]+src="(?:https?:)?//|<link(?![^>]*rel="canonical")[^>]+href="(?:https?:)?//', re.I)


@pytest.fixture(scope="module")
def client(settings, release):
    return create_app(settings, release).test_client()


def text(response) -> str:
    return response.get_data(as_text=True)


def test_home_says_what_polegraph_is_and_which_release_it_serves(client, release):
    html = text(client.get("/", headers={"Accept-Language": "en"}))
    assert "AFPC" in html and "manifesto" in html
    assert release.id in html
    assert str(release.metadata["statistics"]["triples"]) in html
    table = html[html.index("Entities by class"):]
    assert re.search(r'href="/poles">[^<]+</a>.*?</td><td class="num">\d+', table)  # a class's count leads to its list
    for link in ('href="/sparql"', 'href="/explorer"', 'href="/ontology"', 'href="/downloads/"'):
        assert link in html
    assert re.search(r'<form[^>]+role="search"[^>]+action="/search"', html)


@pytest.mark.parametrize("query", ["minalogic", "MINALOGIC", "Minalogic"])
def test_search_ignores_case(client, query):
    html = text(client.get("/search", query_string={"q": query}))
    assert '<a href="/page/pole/minalogic">Minalogic</a>' in html


@pytest.mark.parametrize("query", ["pole vehicule du futur", "Pôle Véhicule du Futur", "POLE VEHICULE"])
def test_search_ignores_accents(client, query):
    html = text(client.get("/search", query_string={"q": query}))
    assert 'href="/page/pole/vehicule-du-futur"' in html


def test_search_finds_spelling_variants_and_says_so_when_nothing_matches(client):
    html = text(client.get("/search", query_string={"q": "Chips Joint Undertaking"}))
    assert 'href="/page/organisation/chips-ju"' in html
    html = text(client.get("/search", query_string={"q": "zzzz-nothing-like-this"}, headers={"Accept-Language": "en"}))
    assert "No result" in html


def test_the_language_follows_the_browser_and_the_switch(client):
    assert '<html lang="fr">' in text(client.get("/", headers={"Accept-Language": "fr-FR,fr;q=0.9"}))
    english = client.get("/", headers={"Accept-Language": "en-GB,en;q=0.9"})
    assert '<html lang="en">' in text(english)
    switched = client.get("/?lang=fr", headers={"Accept-Language": "en"})
    assert '<html lang="fr">' in text(switched)
    assert "lang=fr" in switched.headers.get("Set-Cookie", "")
    # the cookie now wins over the browser's language
    assert '<html lang="fr">' in text(client.get("/page/pole/minalogic", headers={"Accept-Language": "en"}))
    client.delete_cookie("lang")


def test_labels_fall_back_to_the_other_language(client):
    # Serge Veyres has a French label only (a person's name); the English page still names him.
    html = text(client.get("/page/pole/minalogic?lang=en"))
    assert "Serge Veyres" in html
    client.delete_cookie("lang")


def test_a_cached_page_is_never_served_in_the_wrong_language(client):
    french = client.get("/", headers={"Accept-Language": "fr"})
    english = client.get("/", headers={"Accept-Language": "en", "If-None-Match": french.headers["ETag"]})
    assert english.status_code == 200 and '<html lang="en">' in text(english)
    again = client.get("/", headers={"Accept-Language": "fr", "If-None-Match": french.headers["ETag"]})
    assert again.status_code == 304
    assert "accept-language" in french.headers["Vary"].lower()


def _editor_queries(html: str) -> dict[str, dict]:
    data = re.search(r'<script type="application/json" id="named-queries-data">(.*?)</script>', html, re.S).group(1)
    return {q["name"]: q for q in json.loads(data)}


def test_the_editor_page_offers_every_named_query(client, named_queries):
    response = client.get("/sparql", headers={"Accept": "text/html"})
    assert response.status_code == 200
    html = text(response)
    assert "vendor/yasgui/yasgui.min.js" in html
    offered = _editor_queries(html)
    assert set(offered) == set(named_queries)
    for query in named_queries.values():
        assert f'data-query="{query.name}"' in html  # a button of the examples picker
        if not query.parameters:
            assert offered[query.name]["query"] == query.text
    assert "https://w3id.org/polegraph/id/pole/" in html


@pytest.mark.parametrize("language", ["fr", "en"])
def test_the_editor_titles_its_examples_in_the_readers_language(client, named_queries, language):
    html = text(client.get(f"/sparql?lang={language}", headers={"Accept": "text/html"}))
    for query in named_queries.values():  # the examples picker; each tab's query text keeps its header
        assert (f'data-query="{query.name}">{escape(query.title_in(language))}</button>\n'
                f'      <p>{escape(query.description_in(language))}</p>') in html, query.name


@pytest.mark.parametrize("path", ["/", "/sparql", "/explorer", "/page/pole/minalogic", "/search?q=pole"])
def test_pages_load_nothing_from_another_host(client, path):
    html = text(client.get(path, headers={"Accept": "text/html"}))
    assert not EXTERNAL_ASSET.search(html)


def test_vendored_libraries_ship_with_their_licence():
    for library, files in {"yasgui": ("yasgui.min.js", "yasgui.min.css"), "cytoscape": ("cytoscape.min.js",)}.items():
        folder = STATIC / "vendor" / library
        assert "MIT" in (folder / "LICENSE").read_text(encoding="utf-8")
        for name in files:
            assert (folder / name).stat().st_size > 10_000
    editor = (STATIC / "editor.js").read_text(encoding="utf-8")
    # YASQE's defaults are set before YASGUI is created: LOV and prefix.cc stay off (docs/known-limitations.md)
    assert editor.index("Yasqe.defaults.autocompleters") < editor.index("new Yasgui(")
    assert "Yasqe.defaults.prefixCcApi = null" in editor


def test_explorer_data_links_poles_programmes_funders_and_value_chains(client):
    data = client.get("/explorer/graph.json?lang=en").get_json()
    nodes = {n["id"]: n for n in data["nodes"]}
    assert nodes[ID + "pole/minalogic"]["group"] == "pole"
    assert nodes[ID + "initiative/asteerics"]["group"] == "programme"
    assert nodes[ID + "initiative/france-2030"]["group"] == "funder"
    assert nodes[ID + "filiere/microelectronique"]["group"] == "valuechain"
    assert nodes[ID + "pole/minalogic"]["page"] == "/page/pole/minalogic"
    pairs = {frozenset((e["source"], e["target"])) for e in data["edges"]}
    assert frozenset((ID + "pole/minalogic", ID + "initiative/asteerics")) in pairs
    assert frozenset((ID + "initiative/france-2030", ID + "initiative/asteerics")) in pairs
    assert ID + "filiere/microelectronique" in {v["id"] for v in data["valueChains"]}
    assert ID + "place/auvergne-rhone-alpes" in nodes[ID + "pole/minalogic"]["regions"]


def test_each_named_query_has_a_working_csv_link(client, named_queries):
    offered = _editor_queries(text(client.get("/sparql", headers={"Accept": "text/html"})))
    for name in (next(iter(named_queries)), "p2-poles-by-value-chain"):  # one plain, one with a parameter
        response = client.get(offered[name]["csv"])
        assert response.status_code == 200, name
        assert response.headers["Content-Type"].startswith("text/csv")
        assert len(response.get_data(as_text=True).splitlines()) > 1, name


def test_explorer_labels_follow_the_language_asked(client):
    french = {n["id"]: n["label"] for n in client.get("/explorer/graph.json?lang=fr").get_json()["nodes"]}
    english = {n["id"]: n["label"] for n in client.get("/explorer/graph.json?lang=en").get_json()["nodes"]}
    chain = ID + "filiere/microelectronique"
    assert french[chain] == "Microélectronique" and english[chain] == "Microelectronics"


@pytest.mark.parametrize("raw, folded", [
    ("Pôle Véhicule du Futur", "pole vehicule du futur"), ("ÉNERGIES", "energies"),
    ("Images & Réseaux", "images reseaux"), ("Cœur", "coeur"), ("  Innov'Alliance ", "innov alliance"),
])
def test_search_folds_accents_case_and_punctuation(raw, folded):
    from polegraph.web.content.search import fold

    assert fold(raw) == folded
