"""/downloads/ and /catalog over HTTP, from the real server, as data.gouv.fr's harvester reads them."""

from __future__ import annotations

import hashlib
import html
import http.client
import json
import urllib.error
import urllib.request

import pytest
from rdflib import Graph, URIRef

DCAT = "http://www.w3.org/ns/dcat#"


def _get(server, path: str, accept: str | None = None) -> tuple[int, str, bytes]:
    request = urllib.request.Request(server.url + path, headers={"Accept": accept} if accept else {})
    try:
        with urllib.request.urlopen(request, timeout=60) as response:
            return response.status, response.headers.get("Content-Type", ""), response.read()
    except urllib.error.HTTPError as exc:
        return exc.code, exc.headers.get("Content-Type", ""), exc.read()


def _raw_get(server, path: str) -> int:
    """A request whose path is sent exactly as written (urllib would normalise dot segments)."""
    connection = http.client.HTTPConnection("127.0.0.1", server.port, timeout=60)
    try:
        connection.request("GET", path)
        return connection.getresponse().status
    finally:
        connection.close()


def test_listing_in_html_and_json(server):
    status, content_type, body = _get(server, "/downloads/", "application/json")
    assert status == 200 and content_type.startswith("application/json")
    files = {f["file"]: f for f in json.loads(body)["files"]}
    assert {"polegraph.ttl", "polegraph.gexf", "poles.csv"} <= set(files)
    status, content_type, body = _get(server, "/downloads/", "text/html")
    assert status == 200 and content_type.startswith("text/html")
    assert b'href="polegraph.ttl"' in body and b"SHA256SUMS" in body


def test_every_file_is_served_as_its_checksum_says(server):
    status, content_type, sums = _get(server, "/downloads/SHA256SUMS")
    assert status == 200 and content_type.startswith("text/plain")
    lines = sums.decode().splitlines()
    assert len(lines) > 20
    for line in lines:
        digest, name = line.split("  ", 1)
        status, _type, body = _get(server, f"/downloads/{name}")
        assert status == 200, name
        assert hashlib.sha256(body).hexdigest() == digest, name
    status, content_type, _body = _get(server, "/downloads/polegraph.ttl")
    assert content_type.startswith("text/turtle")


@pytest.mark.parametrize("path", ["/downloads/../release.json", "/downloads/%2e%2e/release.json",
                                  "/downloads/..%2frelease.json", "/downloads/%2e%2e%2fdataset.nq",
                                  "/downloads/no-such-file.ttl", "/downloads/..%5c..%5cetc%5cpasswd"])
def test_paths_outside_the_export_are_404(server, path):
    assert _raw_get(server, path) == 404


@pytest.mark.parametrize("accept, syntax", [("text/turtle", "turtle"), ("application/ld+json", "json-ld"),
                                            ("application/rdf+xml", "xml"), (None, "turtle")])
def test_catalog_by_content_negotiation(server, accept, syntax):
    status, content_type, body = _get(server, "/catalog", accept)
    assert status == 200
    assert content_type.split(";")[0] == {"turtle": "text/turtle", "json-ld": "application/ld+json",
                                          "xml": "application/rdf+xml"}[syntax]
    graph = Graph().parse(data=body, format=syntax)
    urls = {str(o) for o in graph.objects(None, URIRef(DCAT + "downloadURL"))}
    assert f"{server.url}/downloads/polegraph.ttl" in urls, "without a public URL, links name where serve listens"
    assert (None, URIRef(DCAT + "endpointURL"), URIRef(f"{server.url}/sparql")) in graph


def test_catalog_refuses_what_it_cannot_write(server):
    status, content_type, body = _get(server, "/catalog", "image/png")
    assert status == 406
    assert json.loads(body)["error"] == "not-acceptable"


def test_the_dataset_iri_resolves_to_its_dcat_description(server):
    connection = http.client.HTTPConnection("127.0.0.1", server.port, timeout=60)
    try:
        connection.request("GET", "/dataset", headers={"Accept": "text/turtle"})
        response = connection.getresponse()
        assert response.status == 303
        assert response.getheader("Location").endswith("/catalog")
    finally:
        connection.close()
    status, content_type, body = _get(server, "/dataset", "text/turtle")  # urllib follows the 303
    assert status == 200 and content_type.startswith("text/turtle")
    graph = Graph().parse(data=body, format="turtle")
    assert (URIRef("https://w3id.org/polegraph/dataset"), None, None) in graph


@pytest.mark.parametrize("language, heading, size_of", [
    ("fr", "Téléchargements", lambda n: f"{n:,}".replace(",", "\u202f")), ("en", "Downloads", lambda n: f"{n:,}")])
def test_the_listing_is_a_page_of_the_site_in_the_readers_language(server, language, heading, size_of):
    files = {f["file"]: f for f in json.loads(_get(server, "/downloads/", "application/json")[2])["files"]}
    connection = http.client.HTTPConnection("127.0.0.1", server.port, timeout=60)
    try:
        connection.request("GET", f"/downloads/?lang={language}", headers={"Accept": "text/html"})
        response = connection.getresponse()
        page = response.read().decode("utf-8")
    finally:
        connection.close()
    assert response.status == 200 and "accept" in response.getheader("Vary", "").lower()
    assert f'<html lang="{language}">' in page and f"<h1>{heading}</h1>" in page
    assert 'href="/sparql"' in page  # the site's navigation
    turtle = files["polegraph.ttl"]
    title = turtle["title"][language]
    assert html.escape(title) in page and turtle["sha256"] in page and size_of(turtle["size"]) in page
