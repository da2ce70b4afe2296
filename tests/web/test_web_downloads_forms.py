"""What a data.gouv.fr publisher and a contributor meet: the downloads page (licence, how to cite, files
by use, sizes the reader's way, one archive), tables with names beside IRIs and an XLSX workbook a
French spreadsheet opens with its accents, /catalog as a page for browsers and DCAT-AP for programs,
and /validate as a form (paste or upload) whose report is grouped by resource.

Expected facts come from the manifesto: Serge Veyres presides Minalogic; Véhicule du Futur and the
other pôles are named with their accents.
"""

from __future__ import annotations

import csv
import io
import re
import zipfile

import pytest
from rdflib import Graph, URIRef
from rdflib.namespace import DCAT

from polegraph.web import create_app

EN = {"Accept": "text/html", "Accept-Language": "en"}
FR = {"Accept": "text/html", "Accept-Language": "fr"}
ID = "https://w3id.org/polegraph/id/"
DOCUMENT = """@prefix pg: <https://w3id.org/polegraph/ontology#> .
@prefix rdfs: <http://www.w3.org/2000/01/rdf-schema#> .
<https://w3id.org/polegraph/id/initiative/essai-formulaire> a pg:Project ; rdfs:label "Essai"@fr , "Trial"@en ;
    pg:leadBy <https://w3id.org/polegraph/id/pole/minalogic> .
"""


@pytest.fixture(scope="module")
def client(settings, release):
    return create_app(settings, release).test_client()


def test_the_downloads_page_states_the_licence_how_to_cite_and_groups_files_by_use(client):
    html = client.get("/downloads/", headers=FR).get_data(as_text=True)
    assert 'href="https://www.etalab.gouv.fr/licence-ouverte-open-licence" rel="license"' in html
    assert "Comment citer ces données" in html and "https://w3id.org/polegraph/dataset" in html
    headings = re.findall(r'<h2 id="group-([a-z]+)">', html)
    assert headings == ["rdf", "network", "tables", "schemas"]
    tables = html[html.index('id="group-tables"'):html.index('id="group-schemas"')]
    assert 'href="poles.csv"' in tables and 'href="polegraph.xlsx"' in tables and 'href="polegraph.ttl"' not in tables
    assert re.search(r"\d+(,\d)?\s(ko|Mo)", html)  # sizes the French way
    assert re.search(r"\d+(\.\d)?\s(kB|MB)", client.get("/downloads/", headers=EN).get_data(as_text=True))


def test_one_archive_holds_every_file(client):
    listing = client.get("/downloads/", headers={"Accept": "application/json"}).get_json()
    names = {f["file"] for f in listing["files"]}
    archive = client.get("/downloads/polegraph-all.zip")
    assert archive.status_code == 200 and archive.mimetype == "application/zip"
    inside = set(zipfile.ZipFile(io.BytesIO(archive.get_data())).namelist())
    assert inside == names - {"polegraph-all.zip"}
    assert 'id="archive-link"' in client.get("/downloads/", headers=EN).get_data(as_text=True)


def test_csv_tables_carry_names_beside_iris(client):
    rows = list(csv.DictReader(io.StringIO(client.get("/downloads/poles.csv").get_data(as_text=True))))
    minalogic = next(r for r in rows if r["id"] == ID + "pole/minalogic")
    assert minalogic["president"] == ID + "person/serge-veyres" and minalogic["president_label"] == "Serge Veyres"
    assert minalogic["value_chains_label"] == "Microélectronique"
    header = list(rows[0])
    assert header.index("president_label") == header.index("president") + 1


def test_the_xlsx_workbook_opens_with_its_accents_and_names(client):
    openpyxl = pytest.importorskip("openpyxl")
    response = client.get("/downloads/polegraph.xlsx")
    assert response.status_code == 200
    assert response.mimetype == "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    book = openpyxl.load_workbook(io.BytesIO(response.get_data()), read_only=True)
    assert "poles" in book.sheetnames and "persons" in book.sheetnames
    sheet = list(book["poles"].iter_rows(values_only=True))
    header = sheet[0]
    names = {row[header.index("label_fr")] for row in sheet[1:]}
    assert "Véhicule du Futur" in names and "Pôle Européen de la Céramique" in names
    minalogic = next(row for row in sheet[1:] if row[0] == ID + "pole/minalogic")
    assert minalogic[header.index("president_label")] == "Serge Veyres"


def test_catalog_is_a_page_for_a_browser_and_dcat_for_a_program(client):
    html = client.get("/catalog", headers=EN)
    assert html.mimetype == "text/html"
    text = html.get_data(as_text=True)
    assert "Licence Ouverte" in text or "Open Licence" in text
    assert "/downloads/polegraph.ttl" in text and 'id="catalog-endpoint"' in text
    turtle = client.get("/catalog", headers={"Accept": "text/turtle"})
    assert turtle.mimetype == "text/turtle"
    graph = Graph().parse(data=turtle.get_data(), format="turtle")
    assert (URIRef("https://w3id.org/polegraph/dataset"), DCAT.distribution, None) in graph
    assert client.get("/catalog").mimetype == "text/turtle"  # no Accept: the data


def test_validate_is_a_form_and_takes_a_pasted_document(client):
    form = client.get("/validate", headers=EN).get_data(as_text=True)
    assert 'enctype="multipart/form-data"' in form and 'name="file"' in form and 'name="text"' in form
    response = client.post("/validate", headers=EN, content_type="multipart/form-data",
                           data={"text": DOCUMENT, "format": "text/turtle"})
    assert response.status_code == 200 and response.headers["X-Polegraph-Conforms"] == "false"
    html = response.get_data(as_text=True)
    assert "The document does not conform." in html
    focus = html[html.index("initiative:essai-formulaire"):]
    assert "/shapes#StatedInSectionShape" in focus  # the rule to read, for what the contributor wrote
    assert "site-packages" not in html and "/tmp/" not in html


def test_validate_takes_an_uploaded_file_by_its_extension(client):
    trig = "@prefix section: <https://w3id.org/polegraph/id/section/> .\nsection:annexe-02 {\n" + \
        DOCUMENT.split("\n", 2)[2].replace("leadBy", "ledBy") + "}\n"
    prefixes = "".join(line + "\n" for line in DOCUMENT.splitlines()[:2])
    response = client.post("/validate", headers={"Accept": "application/json"}, content_type="multipart/form-data",
                           data={"file": (io.BytesIO((prefixes + trig).encode()), "essai.trig")})
    assert response.status_code == 200, response.get_data(as_text=True)
    report = response.get_json()
    assert not [r for r in report["results"] if r["focus"] == ID + "initiative/essai-formulaire"
                and r["severity"] == "Violation"]


def test_an_unreadable_document_is_shown_on_the_form_with_its_line(client):
    response = client.post("/validate", headers=EN, content_type="multipart/form-data",
                           data={"text": DOCUMENT + "<x> <y> ;\n", "format": "text/turtle"})
    assert response.status_code == 400
    html = response.get_data(as_text=True)
    assert "The document could not be read." in html and "See line 5 of the document." in html


def test_the_shapes_page_documents_each_rule_in_the_readers_language(client):
    french = client.get("/shapes", headers=FR).get_data(as_text=True)
    assert 'id="StatedInSectionShape"' in french and "Aucune section du manifeste" in french
    english = client.get("/shapes", headers=EN).get_data(as_text=True)
    assert "No section of the manifesto states this resource" in english
