"""POST /validate over HTTP against the real server: reports by negotiation, safe parsing, no side effect."""

from __future__ import annotations

import json
import socket
import urllib.error
import urllib.parse
import urllib.request

from rdflib import Graph, Literal
from rdflib.namespace import SH

PREFIXES = """@prefix pg: <https://w3id.org/polegraph/ontology#> .
@prefix rdfs: <http://www.w3.org/2000/01/rdf-schema#> .
@prefix pole: <https://w3id.org/polegraph/id/pole/> .
@prefix initiative: <https://w3id.org/polegraph/id/initiative/> .
"""
NEW = "https://w3id.org/polegraph/id/initiative/projet-service-test"

CONFORMING_TRIG = PREFIXES + """@prefix section: <https://w3id.org/polegraph/id/section/> .
section:annexe-02 {
    initiative:projet-service-test a pg:Project ; rdfs:label "Projet du service (test)"@fr ,
        "Service project (test)"@en ; pg:ledBy pole:minalogic .
}
"""
# Turtle has no section graph: the new project is stated nowhere, and its property is misspelt.
NON_CONFORMING = PREFIXES + """
initiative:projet-service-test a pg:Project ; rdfs:label "Projet <script>alert(1)</script>"@fr ;
    pg:ledBy pole:minalogic ; pg:leadBy pole:minalogic .
"""


def post(server, body: bytes | str, content_type: str, accept: str | None = None, language: str | None = None):
    data = body.encode() if isinstance(body, str) else body
    request = urllib.request.Request(server.url + "/validate", data=data, method="POST",
                                     headers={"Content-Type": content_type, **({"Accept": accept} if accept else {}),
                                              **({"Accept-Language": language} if language else {})})
    try:
        with urllib.request.urlopen(request, timeout=120) as response:
            return response.status, response.headers, response.read().decode()
    except urllib.error.HTTPError as exc:
        return exc.code, exc.headers, exc.read().decode()


def ask(server, query: str) -> bool:
    url = server.url + "/sparql?" + urllib.parse.urlencode({"query": query})
    request = urllib.request.Request(url, headers={"Accept": "application/sparql-results+json"})
    with urllib.request.urlopen(request, timeout=60) as response:
        return json.loads(response.read())["boolean"]


def test_conforming_document_gets_a_conforming_json_report(server):
    status, headers, body = post(server, CONFORMING_TRIG, "application/trig")
    assert status == 200, body
    assert headers["Content-Type"].startswith("application/json")
    report = json.loads(body)
    assert report["conforms"] is True
    assert not [r for r in report["results"] if r["focus"] == NEW]


def test_non_conforming_document_gets_its_violations(server):
    status, _headers, body = post(server, NON_CONFORMING, "text/turtle")
    assert status == 200, body
    report = json.loads(body)
    assert report["conforms"] is False
    focuses = {r["focus"] for r in report["results"] if r["severity"] == "Violation"}
    assert NEW in focuses  # stated in no section
    assert "https://w3id.org/polegraph/ontology#leadBy" in focuses  # misspelt property


def test_report_as_turtle_and_as_escaped_html(server):
    status, headers, body = post(server, NON_CONFORMING, "text/turtle", accept="text/turtle")
    assert status == 200 and headers["Content-Type"].startswith("text/turtle")
    assert (None, SH.conforms, Literal(False)) in Graph().parse(data=body, format="turtle")
    status, headers, body = post(server, NON_CONFORMING, "text/turtle", accept="text/html", language="en")
    assert status == 200 and headers["Content-Type"].startswith("text/html")
    assert NEW in body and "does not conform" in body
    assert "<script>" not in body


def test_validation_never_changes_the_served_graph(server):
    post(server, CONFORMING_TRIG, "application/trig")
    assert ask(server, f"ASK {{ <{NEW}> ?p ?o }}") is False


def test_malformed_turtle_is_a_400_with_the_line(server):
    status, _headers, body = post(server, PREFIXES + "\ninitiative:x a pg:Project ; pg:ledBy ; .\n", "text/turtle")
    assert status == 400
    error = json.loads(body)
    assert error["line"] == 6 and "document:6" in error["message"]


def test_malformed_rdfxml_and_jsonld_are_400_not_500(server):
    status, _h, body = post(server, '<?xml version="1.0"?>\n<rdf:RDF xmlns:rdf="http://www.w3.org/1999/'
                            '02/22-rdf-syntax-ns#">\n<rdf:Description></rdf:RDF>', "application/rdf+xml")
    assert status == 400 and json.loads(body)["line"] == 3
    status, _h, body = post(server, '{"@id": ', "application/ld+json")
    assert status == 400
    # well-formed JSON-LD whose @vocab makes a name that is no IRI (found by tests/web/test_fuzz.py: a 500)
    status, _h, body = post(server, '{"@context": {"@vocab": "urn:v:"}, "@id": "urn:a", "a <b>": "c"}',
                            "application/ld+json")
    assert status == 400 and "not a valid IRI" in json.loads(body)["message"], body


def test_ntriples_and_inline_jsonld_are_accepted(server):
    status, _h, body = post(server, f'<{NEW}> <http://www.w3.org/2000/01/rdf-schema#label> "Essai"@fr .\n',
                            "application/n-triples")
    assert status == 200 and "conforms" in json.loads(body)
    document = {"@context": {"rdfs": "http://www.w3.org/2000/01/rdf-schema#"},
                "@id": NEW, "rdfs:label": {"@value": "Essai", "@language": "fr"}}
    status, _h, body = post(server, json.dumps(document), "application/ld+json")
    assert status == 200 and "conforms" in json.loads(body)


def test_jsonld_remote_context_is_refused_without_fetching_it(server):
    with socket.socket() as listener:
        listener.bind(("127.0.0.1", 0))
        listener.listen(1)
        listener.settimeout(1.0)
        port = listener.getsockname()[1]
        context_url = f"http://127.0.0.1:{port}/context.jsonld"
        for document in (
            {"@context": context_url, "@id": NEW, "label": "x"},
            {"@context": [{"a": "http://a/"}, context_url], "@id": NEW},
            {"@context": {"term": {"@id": "http://a/t", "@context": context_url}}, "@id": NEW},
            {"@context": {"@import": context_url}, "@id": NEW},
        ):
            status, _h, body = post(server, json.dumps(document), "application/ld+json")
            assert status == 400, body
            assert "context" in json.loads(body)["message"]
        try:
            connection, _addr = listener.accept()
        except TimeoutError:
            connection = None
        assert connection is None, "the server fetched the remote @context"


def test_rdfxml_entities_are_refused_before_parsing(server):
    billion_laughs = ('<?xml version="1.0"?>\n<!DOCTYPE lolz [\n <!ENTITY lol "lol">\n'
                      ' <!ENTITY lol2 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">\n'
                      ' <!ENTITY lol3 "&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;">\n]>\n'
                      '<rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#">'
                      '<rdf:Description rdf:about="http://a/"><rdf:value>&lol3;</rdf:value></rdf:Description>'
                      '</rdf:RDF>\n')
    status, _h, body = post(server, billion_laughs, "application/rdf+xml")
    assert status == 400 and "DOCTYPE" in json.loads(body)["message"]
    external = ('<?xml version="1.0"?>\n<!DOCTYPE r [<!ENTITY x SYSTEM "file:///etc/passwd">]>\n'
                '<rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#"/>\n')
    status, _h, body = post(server, external, "application/rdf+xml")
    assert status == 400 and "root:" not in body


def test_oversized_unsupported_and_unacceptable_requests(server):
    status, _h, _body = post(server, b"#" * 1_100_000, "text/turtle")
    assert status == 413
    status, _h, _body = post(server, "hello", "text/csv")
    assert status == 415
    status, _h, _body = post(server, CONFORMING_TRIG, "application/trig", accept="image/png")
    assert status == 406
