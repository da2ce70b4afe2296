"""Linked-data pages: /id/… resolves with 303 by content negotiation; the HTML page shows what the
manifesto says about a thing, where it says it, and what links to it.

Expected facts come from the manifesto: Minalogic leads ASTEERICS (chapter 08), Serge Veyres signs
for Minalogic (signatures), ePERFECT is a 22,4 M€ project (annex 02).
"""

from __future__ import annotations

import http.client
import json
import re

import pytest
from rdflib import BNode, Dataset, Graph, Literal, URIRef
from rdflib.namespace import RDFS

from polegraph.web import create_app

ID = "https://w3id.org/polegraph/id/"
MINALOGIC = URIRef(ID + "pole/minalogic")


@pytest.fixture(scope="module")
def client(settings, release):
    return create_app(settings, release).test_client()


def fetch(server, path: str, headers: dict | None = None) -> http.client.HTTPResponse:
    """One plain HTTP request that does not follow redirects."""
    connection = http.client.HTTPConnection("127.0.0.1", server.port, timeout=30)
    connection.request("GET", path, headers=headers or {})
    response = connection.getresponse()
    response.body = response.read()
    connection.close()
    return response


@pytest.mark.parametrize("accept, target", [
    ("text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8", "/page/pole/minalogic"),
    ("text/turtle", "/data/pole/minalogic.ttl"),
    ("application/ld+json", "/data/pole/minalogic.jsonld"),
    ("application/rdf+xml", "/data/pole/minalogic.rdf"),
    ("application/n-triples", "/data/pole/minalogic.nt"),
])
def test_an_iri_answers_303_to_its_page_or_data_by_accept(server, accept, target):
    response = fetch(server, "/id/pole/minalogic", {"Accept": accept})
    assert response.status == 303
    assert response.getheader("Location").endswith(target)
    assert "accept" in response.getheader("Vary", "").lower()


@pytest.mark.parametrize("accept, syntax", [
    ("text/turtle", "turtle"), ("application/ld+json", "json-ld"), ("application/rdf+xml", "xml"),
    ("application/n-triples", "nt"),
])
def test_the_data_behind_the_redirect_parses_and_names_the_pole(server, accept, syntax):
    location = fetch(server, "/id/pole/minalogic", {"Accept": accept}).getheader("Location")
    response = fetch(server, location)
    assert response.status == 200
    assert response.getheader("Content-Type").split(";")[0] == accept
    graph = Graph().parse(data=response.body, format=syntax)
    assert (MINALOGIC, RDFS.label, Literal("Minalogic", lang="fr")) in graph
    assert (MINALOGIC, URIRef("https://w3id.org/polegraph/ontology#leads"), URIRef(ID + "initiative/asteerics")) \
        in graph


def test_trig_data_keeps_the_section_that_states_each_fact(client):
    response = client.get("/data/initiative/asteerics.trig")
    assert response.status_code == 200
    dataset = Dataset().parse(data=response.get_data(), format="trig")
    led_by = (URIRef(ID + "initiative/asteerics"), URIRef("https://w3id.org/polegraph/ontology#ledBy"), MINALOGIC)
    graphs = {str(g) for *_t, g in dataset.quads(led_by)}
    assert ID + "section/chapitre-08" in graphs


@pytest.mark.parametrize("path", [
    "/id/pole/no-such-pole", "/id/pole/Minalogic", "/id/nosuchkind/minalogic", "/id/pole/minalogic/extra",
    "/id/pole/..%2F..%2Fetc%2Fpasswd", "/id/../../etc/passwd", "/id/pole/-minalogic", "/page/pole/no-such-pole",
    "/page/pole/..%2Fminalogic", "/data/pole/minalogic.exe", "/data/pole/..%2Fminalogic.ttl",
])
def test_unknown_or_malformed_iris_are_404(server, path):
    assert fetch(server, path, {"Accept": "text/html"}).status == 404


def test_an_unacceptable_format_is_406(server):
    assert fetch(server, "/id/pole/minalogic", {"Accept": "image/png"}).status == 406


def test_the_page_shows_labels_types_links_sources_and_json_ld(client):
    response = client.get("/page/pole/minalogic", headers={"Accept-Language": "en"})
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    assert re.search(r"<h1>\s*Minalogic\s*</h1>", html)
    assert re.search(r'<a href="/page/initiative/asteerics">ASTEERICS</a>', html)  # an object, by its label
    assert re.search(r'<a href="/page/person/serge-veyres">Serge Veyres</a>', html)  # incoming/outgoing person
    assert 'href="/page/section/chapitre-08"' in html and 'href="/page/section/signatures"' in html
    assert 'href="/ontology#Pole"' in html  # its type, linked to the ontology documentation
    block = re.search(r'<script type="application/ld\+json">(.*?)</script>', html, re.S).group(1)
    data = json.loads(block)
    assert str(MINALOGIC) in json.dumps(data)


def test_what_links_here_and_figures(client):
    html = client.get("/page/initiative/eperfect", headers={"Accept-Language": "en"}).get_data(as_text=True)
    figures = html[html.index('id="figures"'):]
    assert "22,400,000" in figures and "EUR" in figures  # the annex's 22,4 M€
    html = client.get("/page/initiative/asteerics", headers={"Accept-Language": "en"}).get_data(as_text=True)
    incoming = html[html.index('id="incoming"'):html.index('id="sections"')]
    assert 'href="/page/pole/minalogic"' in incoming


def test_numbers_follow_the_language(client):
    html = client.get("/page/initiative/eperfect", headers={"Accept-Language": "fr"}).get_data(as_text=True)
    assert "22\u202f400\u202f000" in html


def test_pages_read_without_javascript_and_escape_text(client):
    html = client.get("/page/pole/minalogic").get_data(as_text=True)
    assert "<script src" not in html  # a resource page needs no script
    html = client.get("/search", query_string={"q": "<script>alert(1)</script>"}).get_data(as_text=True)
    assert "<script>alert(1)</script>" not in html and "&lt;script&gt;alert(1)&lt;/script&gt;" in html


def test_every_resource_page_renders(client, store):
    iris = [row["s"] for row in store.select(
        f'SELECT DISTINCT ?s WHERE {{ {{ ?s ?p ?o }} UNION {{ ?o ?p ?s }} FILTER(STRSTARTS(STR(?s), "{ID}")) }}')]
    assert len(iris) >= 53 + 21  # at least the 53 signatory pôles and the manifesto's sections
    for iri in iris:  # how fast they render is measured by `make bench`, not asserted here
        response = client.get("/page/" + iri[len(ID):])
        assert response.status_code == 200, iri


def test_the_ontology_iri_resolves_to_its_documentation(client):
    html = client.get("/ontology", headers={"Accept": "text/html"})
    assert html.status_code == 200
    assert 'id="Pole"' in html.get_data(as_text=True)
    turtle = client.get("/ontology", headers={"Accept": "text/turtle"})
    graph = Graph().parse(data=turtle.get_data(), format="turtle")
    assert (URIRef("https://w3id.org/polegraph/ontology#Pole"), None, None) in graph


def test_a_browser_gets_a_readable_404_and_other_clients_the_json_error(client):
    page = client.get("/page/pole/no-such-pole", headers={"Accept": "text/html", "Accept-Language": "en"})
    assert page.status_code == 404 and page.headers["Content-Type"].startswith("text/html")
    assert "Page not found" in page.get_data(as_text=True)
    data = client.get("/id/pole/no-such-pole", headers={"Accept": "text/turtle"})
    assert data.status_code == 404 and data.get_json()["error"] == "not-found"


# --- named graph IRIs: https://w3id.org/polegraph/graph/{name} -------------------------------------------------

GRAPH = "https://w3id.org/polegraph/graph/"


@pytest.fixture(scope="module")
def release_graphs(release) -> Dataset:
    return Dataset().parse(release.dataset_path, format="nquads")


@pytest.mark.parametrize("name", ["ontology", "vocabulary", "manifesto", "provenance", "inferred", "alignment"])
@pytest.mark.parametrize("accept, syntax", [("text/turtle", "turtle"), ("application/n-triples", "nt"),
                                            ("application/ld+json", "json-ld"), ("application/rdf+xml", "xml")])
def test_a_graph_iri_gives_that_graph_in_the_accepted_syntax(server, release_graphs, name, accept, syntax):
    response = fetch(server, f"/graph/{name}", {"Accept": accept})
    assert response.status == 200
    assert response.getheader("Content-Type").split(";")[0] == accept
    assert "accept" in response.getheader("Vary", "").lower()
    served = Graph().parse(data=response.body, format=syntax)
    expected = release_graphs.graph(URIRef(GRAPH + name))
    assert len(served) == len(expected) > 0
    assert all(t in served for t in expected if not any(isinstance(term, BNode) for term in t))


def test_a_graph_in_trig_keeps_its_name(client):
    dataset = Dataset().parse(data=client.get("/graph/manifesto?format=trig").get_data(), format="trig")
    assert {str(g.identifier) for g in dataset.graphs() if len(g)} == {GRAPH + "manifesto"}


def test_a_graph_page_says_what_the_graph_holds_in_the_readers_language(client, release_graphs):
    size = len(release_graphs.graph(URIRef(GRAPH + "inferred")))
    assert size >= 1000  # so the count is written with a thousands separator
    french = client.get("/graph/inferred?lang=fr", headers={"Accept": "text/html"}).get_data(as_text=True)
    english = client.get("/graph/inferred?lang=en", headers={"Accept": "text/html"}).get_data(as_text=True)
    assert GRAPH + "inferred" in french and "Graphe nommé" in french and "OWL 2 RL" in french
    assert f"{size:,}".replace(",", "\u202f") + " triplets" in french
    assert "Named graph" in english and f"{size:,} statements" in english
    assert 'href="/graph/inferred?format=turtle"' in english


@pytest.mark.parametrize("path", ["/graph/nope", "/graph/Ontology", "/graph/..%2Fid", "/graph/ontology/extra",
                                  "/graph/staging", "/graph/releases"])
def test_an_unknown_graph_is_404(server, path):
    assert fetch(server, path, {"Accept": "text/turtle"}).status == 404


def test_links_to_graph_iris_stay_on_the_site():
    from polegraph.web.views.pages import href

    assert href(GRAPH + "inferred") == "/graph/inferred"


def test_the_cookbook_page_renders_docs_cookbook_with_its_named_queries(client):
    for lang in ("fr", "en"):
        page = client.get(f"/cookbook?lang={lang}", headers={"Accept": "text/html"})
        assert page.status_code == 200 and page.mimetype == "text/html"
        body = page.get_data(as_text=True)
        assert "<table>" in body and "queries/cookbook-signatories.rq" in body
        assert 'href="/sparql"' in body and 'href="/ontology"' in body
    assert "Recettes de requêtes SPARQL" in client.get("/cookbook?lang=fr").get_data(as_text=True)


def test_the_editor_and_the_ontology_page_link_to_the_cookbook_and_the_verb_table(client):
    editor = client.get("/sparql?lang=en", headers={"Accept": "text/html"}).get_data(as_text=True)
    assert 'href="/cookbook"' in editor and 'href="/ontology#verbs"' in editor
    assert '"signature": "https://w3id.org/polegraph/id/signature/"' in editor  # one prefix per kind
    ontology = client.get("/ontology", headers={"Accept": "text/html"}).get_data(as_text=True)
    assert 'href="/cookbook"' in ontology and 'id="verbs"' in ontology
    assert '<td>fédère</td><td><a href="#federates">pg:federates</a></td>' in ontology


def test_a_resource_page_leaves_the_alignment_copies_out(client):
    page = client.get("/page/pole/minalogic?lang=en", headers={"Accept": "text/html"}).get_data(as_text=True)
    shown = page.split("</head>", 1)[1]  # the embedded JSON-LD keeps them, for machines that want schema.org
    assert "reseau-innovation-de-defense" in shown
    assert "http://www.w3.org/ns/org#memberOf" not in shown and "org:memberOf" not in shown
