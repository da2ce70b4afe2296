"""List pages: every class with instances has one, reachable from the home page and at a guessable
path; each is sortable and filterable by facets, and the same view is offered as CSV and JSON.

Expected facts come from the manifesto: 53 pôles sign it and one more is named in chapter 07 without
signing (Energies Françaises); Minalogic is placed in Auvergne-Rhône-Alpes and presided by Serge
Veyres (signatures); ASTEERICS is funded through France 2030 (chapter 08).
"""

from __future__ import annotations

import csv
import io
import re
import unicodedata

import pytest

from polegraph.web import create_app

ID = "https://w3id.org/polegraph/id/"
HTML = {"Accept": "text/html", "Accept-Language": "en"}
FAMILIES = ("poles", "people", "initiatives", "organisations", "value-chains", "places", "figures", "sections")


@pytest.fixture(scope="module")
def client(settings, release):
    return create_app(settings, release).test_client()


def unaccented(text: str) -> str:
    return "".join(c for c in unicodedata.normalize("NFKD", text.casefold()) if not unicodedata.combining(c))


def rows_of(client, path: str) -> list[dict]:
    response = client.get(path)
    assert response.status_code == 200 and response.mimetype == "text/csv"
    return list(csv.DictReader(io.StringIO(response.get_data(as_text=True))))


@pytest.mark.parametrize("family", FAMILIES)
def test_every_family_has_a_page_and_its_data(client, family):
    page = client.get(f"/{family}", headers=HTML)
    assert page.status_code == 200 and "<table class=\"list\">" in page.get_data(as_text=True)
    data = client.get(f"/{family}.json").get_json()
    assert data["count"] == len(data["rows"]) > 0
    assert len(rows_of(client, f"/{family}.csv")) == data["count"]


def test_every_class_with_instances_has_a_list_reachable_from_the_home_page(client, store):
    classes = [r["c"] for r in store.select(
        'SELECT DISTINCT ?c WHERE { ?s a ?c FILTER(STRSTARTS(STR(?c), "https://w3id.org/polegraph/ontology#")) }')]
    home = client.get("/", headers=HTML).get_data(as_text=True)
    links = set(re.findall(r'<td><a href="([^"]+)">', home))
    assert "/poles" in links and "/organisations?kind=Company" in links and "/class/Role" in links
    for link in links:
        assert client.get(link, headers=HTML).status_code == 200, link
    assert len(links) == len(classes)


def test_the_pole_count_says_why_it_is_not_53(client):
    data = client.get("/poles.json").get_json()
    assert data["count"] == 54
    for path in ("/poles", "/", "/browse"):
        html = client.get(path, headers=HTML).get_data(as_text=True)
        assert "signed by 53 pôles" in html and 'href="/page/pole/energies-francaises"' in html


def test_a_facet_filters_the_page_and_its_data_alike(client):
    html = client.get("/poles?region=auvergne-rhone-alpes", headers=HTML).get_data(as_text=True)
    assert 'href="/page/pole/minalogic"' in html and 'href="/page/pole/aerospace-valley"' not in html
    rows = rows_of(client, "/poles.csv?region=auvergne-rhone-alpes")
    # Minalogic Auvergne-Rhône-Alpes (chapter 08), Lyonbiopôle Auvergne Rhône Alpes (chapter 03), and
    # Nuclear Valley's mandate in Bourgogne-Franche-Comté and Auvergne-Rhône-Alpes (annex 07)
    assert {r["name"] for r in rows} == {"Minalogic", "Lyonbiopôle", "Nuclear Valley"}
    minalogic = next(r for r in rows if r["name"] == "Minalogic")
    assert minalogic["president"] == "Serge Veyres"  # a label beside the IRI
    assert minalogic["president_iri"] == ID + "person/serge-veyres"
    data = client.get("/poles.json?region=auvergne-rhone-alpes").get_json()
    assert {r["iri"] for r in data["rows"]} == {r["iri"] for r in rows}  # the same view as the CSV
    minalogic = next(r for r in data["rows"] if r["iri"] == ID + "pole/minalogic")
    assert minalogic["president"] == [{"iri": ID + "person/serge-veyres", "label": "Serge Veyres"}]


def test_facets_combine_and_count_what_the_view_holds(client):
    data = client.get("/initiatives.json?kind=FundingProgramme").get_json()
    assert data["count"] > 0 and all(r["kind"][0]["iri"].endswith("#FundingProgramme") for r in data["rows"])
    funded = client.get("/initiatives.json?q=asteerics").get_json()
    asteerics = next(r for r in funded["rows"] if r["iri"] == ID + "initiative/asteerics")
    assert "France 2030" in {f["label"] for f in asteerics["funders"]}
    sections = {o["value"]: o["count"] for o in client.get("/poles.json").get_json()["facets"]["section"]}
    assert sections["signatures"] == 53


def test_sorting_by_a_column_and_reversing_it(client):
    by_count = client.get("/poles.json?sort=initiatives&desc=1").get_json()["rows"]
    counts = [r["initiatives"] for r in by_count]
    assert counts == sorted(counts, reverse=True) and counts[0] > counts[-1]
    by_name = [r["name"] for r in client.get("/poles.json").get_json()["rows"]]
    assert by_name == sorted(by_name, key=unaccented)  # "Pôle des Microtechniques" before "Polymeris"
    html = client.get("/poles?sort=initiatives&desc=1", headers=HTML).get_data(as_text=True)
    assert 'aria-sort="descending"' in html


def test_the_data_of_a_view_is_negotiated_too(client):
    assert client.get("/people", headers={"Accept": "application/json"}).mimetype == "application/json"
    assert client.get("/people", headers={"Accept": "text/csv"}).mimetype == "text/csv"
    assert client.get("/people", headers={"Accept": "image/png"}).status_code == 406
    assert client.get("/people.xlsx").status_code == 404


def test_a_long_list_is_cut_into_pages_but_its_data_is_whole(client):
    total = client.get("/class/Paragraph.json").get_json()["count"]
    assert total > 100
    first = client.get("/class/Paragraph", headers=HTML).get_data(as_text=True)
    assert first.count("<tr>") - 1 == 100 and 'rel="next"' in first
    last = client.get("/class/Paragraph?page=3", headers=HTML).get_data(as_text=True)
    assert last.count("<tr>") - 1 == total - 200
    assert len(rows_of(client, "/class/Paragraph.csv")) == total


def test_a_word_of_the_name_filters(client):
    names = [r["name"] for r in client.get("/organisations.json?q=region").get_json()["rows"]]
    assert names and all("region" in n.lower().replace("é", "e") for n in names)


def test_browse_lists_the_families_and_every_other_class(client):
    html = client.get("/browse", headers=HTML).get_data(as_text=True)
    for family in FAMILIES:
        assert f'href="/{family}"' in html
    assert 'href="/class/Mandate"' in html and 'href="/initiatives?kind=Programme"' in html
    assert client.get("/class/Nothing", headers=HTML).status_code == 404
