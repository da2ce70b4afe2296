"""The real server process, started as `make serve` starts it, answering a real SPARQL client."""

from __future__ import annotations

import urllib.request

from SPARQLWrapper import CSV, JSON, SPARQLWrapper


def test_count_all_triples_over_http(server, store):
    client = SPARQLWrapper(server.url + "/sparql")
    client.setQuery("SELECT (COUNT(*) AS ?n) WHERE { ?s ?p ?o }")
    client.setReturnFormat(JSON)
    result = client.query().convert()
    n = int(result["results"]["bindings"][0]["n"]["value"])
    expected = store.select("SELECT (COUNT(*) AS ?n) WHERE { ?s ?p ?o }")[0]["n"]
    assert n == int(expected) > 1000


def test_named_query_over_http_as_csv(server, named_queries):
    client = SPARQLWrapper(server.url + "/sparql")
    client.setQuery(named_queries["poles-and-presidents"].text)
    client.setReturnFormat(CSV)
    lines = client.query().convert().decode().strip().splitlines()
    assert len(lines) == 54
    assert any(line.startswith("https://w3id.org/polegraph/id/pole/biovalley-france,") and "Présidente" in line
               for line in lines)


def test_health_names_the_release(server, release):
    with urllib.request.urlopen(server.url + "/health") as response:
        assert release.id.encode() in response.read()


def test_health_counts_triples_not_quads(server, release):
    import json

    with urllib.request.urlopen(server.url + "/health") as response:
        health = json.loads(response.read())
    assert health["triples"] == release.metadata["statistics"]["triples"]
    assert health["quads"] > health["triples"]  # a triple stated in several sections counts once


def test_editor_keeps_its_language_switch(server):
    for lang in ("fr", "en"):
        request = urllib.request.Request(f"{server.url}/sparql?lang={lang}", headers={"Accept": "text/html"})
        with urllib.request.urlopen(request) as response:
            assert response.status == 200
            assert f'lang="{lang}"' in response.read().decode()
