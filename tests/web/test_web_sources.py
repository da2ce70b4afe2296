"""Resource pages that lead with what matters, and sources a reader can check: the manifesto's own page,
its sections grouped by paragraph, paragraph pages, and every statement's source down to the paragraph.

Expected facts come from the manifesto: Serge Veyres presides Minalogic (signatures, 37th entry);
Minalogic leads ASTEERICS, with partners such as the CNFM, and the box telling it is the fourth
paragraph of chapter 08; the AFPC publishes the manifesto.
"""

from __future__ import annotations

import re

import pytest

from polegraph.web import create_app

ID = "https://w3id.org/polegraph/id/"
EN = {"Accept": "text/html", "Accept-Language": "en"}
FR = {"Accept": "text/html", "Accept-Language": "fr"}


@pytest.fixture(scope="module")
def client(settings, release):
    return create_app(settings, release).test_client()


def page(client, path: str, headers=EN) -> str:
    response = client.get(path, headers=headers)
    assert response.status_code == 200, path
    return response.get_data(as_text=True)


def section_of(html: str, heading: str) -> str:
    """The HTML of the part of the page under the <h2> named `heading`, up to the next <h2>."""
    start = html.index(f">{heading}</h2>")
    end = html.find("<h2", start)
    return html[start:end if end > 0 else None]


def test_a_pole_page_leads_with_its_summary_and_its_facts_in_order(client):
    html = page(client, "/page/pole/minalogic")
    summary = re.search(r'<p class="summary" id="summary">(.*?)</p>', html, re.S).group(1)
    assert "Competitiveness cluster" in summary and "presided by Serge Veyres" in summary
    assert "Auvergne-Rhône-Alpes" in summary
    headings = re.findall(r"<h2 id=\"group-\d+\">([^<]+)</h2>", html)
    assert headings[:4] == ["President", "Territories", "Value chains", "Initiatives, and its role in each"]
    assert html.index(">Initiatives, and its role in each<") < html.index(">All statements<")
    initiatives = section_of(html, "Initiatives, and its role in each")
    assert re.search(r"<dt>leads</dt>\s*<dd><span class=\"value\"><a href=\"/page/initiative/asteerics\">", initiatives)
    assert "France 2030" in section_of(html, "Funders")  # reached through ASTEERICS
    assert "Other names:" in html and "Minalogic Auvergne-Rhône-Alpes" in html


def test_a_statement_cites_its_paragraph(client):
    html = page(client, "/page/pole/minalogic")
    president = section_of(html, "President")
    assert 'href="/page/person/serge-veyres"' in president
    assert '<a class="para" href="/page/paragraph/signatures-37">Signatures, §37</a>' in president
    initiatives = section_of(html, "Initiatives, and its role in each")
    assert 'href="/page/paragraph/chapitre-08-4">Chapter 08, §4</a>' in initiatives


def test_one_main_type_and_each_fact_once(client):
    html = page(client, "/page/pole/minalogic")
    header = html[html.index("<header>", html.index("<main")):html.index("</header>", html.index("<main"))]
    assert "foaf" not in header and "Organization" not in header  # aligned vocabularies stay in the data
    statements = section_of(html, "All statements")
    assert "org:memberOf" not in statements and 'title="http://www.w3.org/ns/org#memberOf"' not in statements
    assert 'title="https://w3id.org/polegraph/ontology#memberOf"' in statements
    assert statements.count("The chapter calls the pôle") == 1  # the interpretation, not again as a skos:note


def test_an_inferred_statement_that_adds_something_is_marked_and_a_restatement_is_left_out(client):
    # The figure of Véhicule du Futur's hydrogen clubs (annex 01) says whose figure it is; the reasoner
    # adds the inverse on the pôle, which the pôle's page marks as inferred.
    statements = section_of(page(client, "/page/pole/vehicule-du-futur"), "All statements")
    row = (r'<tr class="inferred">\s*(<th[^>]*>(?:(?!</tr>).)*?</th>\s*)?'
           r'<td><a href="/page/figure/vehicule-du-futur-h2-clubs">')
    assert re.search(row, statements, re.S)
    # Nuclear Valley is a founding member of the UMN (annex 05): that it is a member is not said again.
    statements = section_of(page(client, "/page/pole/nuclear-valley"), "All statements")
    assert 'title="https://w3id.org/polegraph/ontology#foundingMemberOf"' in statements
    assert 'title="https://w3id.org/polegraph/ontology#memberOf"' not in statements
    assert 'title="http://www.w3.org/ns/org#hasMember"' not in statements  # pg:president, in another vocabulary


def test_texts_in_the_readers_language_and_the_other_one_click_away(client):
    english = section_of(page(client, "/page/pole/minalogic", EN), "All statements")
    french = section_of(page(client, "/page/pole/minalogic", FR), "Toutes les déclarations")
    assert "The chapter calls the pôle" in english and "<details class=\"other-language\">" in english
    assert re.search(r'<details class="other-language">.*?lang="fr">Le chapitre nomme', english, re.S)
    assert re.search(r'<details class="other-language">.*?lang="en">The chapter calls', french, re.S)


def test_the_manifesto_has_its_page_with_how_to_cite_it_and_its_sections(client):
    html = page(client, "/page/document/manifeste-phase-6", FR)
    assert "<h1>Manifeste Phase 6</h1>" in html
    citation = re.search(r'<p class="citation" id="citation">(.*?)</p>', html, re.S).group(1)
    assert "AFPC" in citation and "2026" in citation and ID + "document/manifeste-phase-6" in citation
    sections = re.findall(r'<li value="(\d+)"><a href="/page/section/([a-z0-9-]+)">', html)
    assert [int(n) for n, _s in sections] == list(range(1, 22))
    assert "Comment le citer" in html
    assert sections[2][1] == "chapitre-01" and sections[-1][1] == "colophon"
    assert "« <span lang=\"fr\">Industrie</span> »" in html  # a short printed heading, quoted
    assert client.get("/manifesto").headers["Location"].endswith("/page/document/manifeste-phase-6")


def test_a_section_page_groups_its_statements_by_paragraph(client):
    html = page(client, "/page/section/chapitre-08")
    assert "Section 10 of 21 in the manifesto." in html
    assert 'rel="prev">← Chapter 07' in html and 'rel="next">Conclusion →' in html
    fourth = html[html.index('id="p4"'):html.index("</section>", html.index('id="p4"'))]
    assert 'href="/page/initiative/asteerics"' in fourth and 'href="/page/pole/minalogic"' in fourth
    assert re.search(r'href="/page/pole/minalogic">Minalogic</a> <span class="predicate">leads</span> '
                     r'<a href="/page/initiative/asteerics">', fourth)


def test_a_paragraph_is_a_resource_of_its_section(client):
    html = page(client, "/page/paragraph/chapitre-08-4")
    assert "<h1>Chapter 08, §4</h1>" in html
    assert 'href="/page/section/chapitre-08#p4"' in html
    assert 'rel="prev">← Chapter 08, §3' in html
    names = section_of(html, "What this paragraph names")
    assert 'href="/page/initiative/asteerics"' in names and 'href="/page/organisation/cnfm"' in names
    data = client.get("/data/paragraph/chapitre-08-4.ttl").get_data(as_text=True)
    assert "section:chapitre-08" in data and "pg:paragraphNumber 4" in data


def test_the_id_redirect_keeps_the_language(client):
    response = client.get("/id/pole/minalogic?lang=en", headers={"Accept": "text/html"})
    assert response.status_code == 303 and response.headers["Location"].endswith("/page/pole/minalogic?lang=en")


def test_a_browser_gets_error_pages_with_a_way_forward_and_programs_the_json_shape(client):
    response = client.get("/poles/", headers=FR)
    html = response.get_data(as_text=True)
    assert response.status_code == 404 and response.mimetype == "text/html"
    assert '<html lang="fr">' in html and "Page introuvable" in html
    assert 'id="likely-page">/poles</a>' in html  # the trailing slash
    assert 'value="minalogik"' in client.get("/page/pole/minalogik", headers=EN).get_data(as_text=True)
    assert 'id="likely-page">/page/pole/minalogic<' in client.get("/page/Minalogic", headers=EN).get_data(as_text=True)
    refused = client.post("/poles", headers=EN)
    assert refused.status_code == 405 and "This address is not used that way" in refused.get_data(as_text=True)
    data = client.get("/poles/", headers={"Accept": "application/json"})
    assert data.status_code == 404 and data.get_json()["error"] == "not-found"


def test_a_bad_sparql_link_is_a_page_for_a_browser_and_json_for_a_program(client):
    link = "/sparql?format=csv&query=SELECT%20%3Fs%20WHERE%20%7B%0A%3Fs%20%3Fp%0A%7D"
    html = client.get(link, headers=EN)
    assert html.status_code == 400 and html.mimetype == "text/html"
    text = html.get_data(as_text=True)
    assert "The SPARQL query of this link has a syntax error." in text and '<mark id="error-line">' in text
    program = client.get(link, headers={"Accept": "application/json"})
    assert program.status_code == 400 and program.get_json()["error"] == "query-error"
