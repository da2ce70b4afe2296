"""The W3C SPARQL 1.1 Protocol test suite, run over HTTP against the real server (issue 8).

Each manifest entry lists HTTP requests and what the responses must be. Two adaptations, both
documented in docs/endpoint.md:
- the tests name remote documents (http://kasei.us/…/dataN.rdf) as graphs and query resources of the
  same IRI; the endpoint never fetches anything, so the runner maps each document to one of the
  project's own section graphs (in dataset positions) and to a pôle typed in that graph (in triple
  patterns), so every query asks the same question of the project's graphs;
- the endpoint is read-only, so every update request (expected 2xx by the suite) must be refused
  with a 4xx; the follow-up queries checking the update's effect are not sent.
"""

from __future__ import annotations

import re
from urllib.parse import parse_qsl, quote, urlencode

import pytest
import rdflib

from tests.support import SHARED
from tests.support.http import call
from tests.support.servers import start_polegraph

SUITE = SHARED / "w3c" / "sparql11" / "protocol" / "manifest.ttl"
MF = rdflib.Namespace("http://www.w3.org/2001/sw/DataAccess/tests/test-manifest#")
HT = rdflib.Namespace("http://www.w3.org/2011/http#")
CNT = rdflib.Namespace("http://www.w3.org/2011/content#")
HTS = rdflib.Namespace("http://www.w3.org/2011/http-statusCodes#")
DOCUMENT = re.compile(r"http://kasei\.us/2009/09/sparql/data/(data\d)\.rdf")
SECTION = "https://w3id.org/polegraph/id/section/"
RESULT_TYPES = {"application/sparql-results+json", "application/sparql-results+xml", "text/csv",
                "text/tab-separated-values"}
BOOLEAN_TYPES = {"application/sparql-results+json", "application/sparql-results+xml"}
RDF_TYPES = {"application/rdf+xml", "text/turtle", "application/n-triples", "application/xhtml+xml",
             "text/html"}


def _load_tests() -> list[tuple[str, dict]]:
    if not SUITE.is_file():
        return []
    graph = rdflib.Graph().parse(SUITE, format="turtle")
    manifest = next(graph.subjects(rdflib.RDF.type, MF.Manifest))
    tests = []
    for entry in rdflib.collection.Collection(graph, graph.value(manifest, MF.entries)):
        action = graph.value(entry, MF.action)
        requests = []
        for req in rdflib.collection.Collection(graph, graph.value(action, HT.requests)):
            body = graph.value(req, HT.body)
            headers = {}
            header_list = graph.value(req, HT.headers)
            if header_list is not None:
                for header in rdflib.collection.Collection(graph, header_list):
                    headers[str(graph.value(header, HT.fieldName))] = str(graph.value(header, HT.fieldValue))
            resp = graph.value(req, HT.resp)
            boolean = graph.value(resp, MF.expectedBoolean)
            requests.append({
                "method": str(graph.value(req, HT.methodName)),
                "path": str(graph.value(req, HT.absolutePath)),
                "headers": headers,
                "body": None if body is None else str(graph.value(body, CNT.chars)),
                "encoding": None if body is None else str(graph.value(body, CNT.characterEncoding) or "UTF-8"),
                "status": {str(s).rsplit("StatusCode", 1)[1] for s in graph.objects(resp, MF.expectedStatus)},
                "format": str(graph.value(resp, MF.expectedFormat) or ""),
                "boolean": None if boolean is None else boolean.toPython(),
            })
        tests.append((str(entry).rsplit("#", 1)[1], {"name": str(graph.value(entry, MF.name)),
                                                       "requests": requests}))
    return tests


TESTS = _load_tests()


@pytest.fixture(scope="module")
def endpoint(settings, release, tmp_path_factory):
    server = start_polegraph(settings.var_dir, tmp_path_factory.mktemp("w3c") / "server.log")
    try:
        yield server.url
    finally:
        server.stop()


@pytest.fixture(scope="module")
def documents(store) -> dict[str, tuple[str, str]]:
    """data0…data3 → (one of the project's section graphs, a pôle typed as pg:Pole in that graph)."""
    rows = store.select(f"""
        SELECT ?g (MIN(STR(?pole)) AS ?r) WHERE {{
          GRAPH ?g {{ ?pole a <https://w3id.org/polegraph/ontology#Pole> }}
          FILTER(STRSTARTS(STR(?g), "{SECTION}"))
        }} GROUP BY ?g ORDER BY ?g""")
    assert len(rows) >= 4, "the suite needs four section graphs that type a pôle"
    return {f"data{i}": (row["g"], row["r"]) for i, row in enumerate(rows[:4])}


def _adapt_query(text: str, documents) -> str:
    text = re.sub(r"(FROM\s+(?:NAMED\s+)?)<" + DOCUMENT.pattern + ">",
                  lambda m: f"{m.group(1)}<{documents[m.group(2)][0]}>", text, flags=re.I)
    return DOCUMENT.sub(lambda m: documents[m.group(1)][1], text)


def _adapt_params(pairs: list[tuple[str, str]], documents) -> list[tuple[str, str]]:
    adapted = []
    for key, value in pairs:
        if key in ("query", "update"):
            value = _adapt_query(value, documents)
        else:
            value = DOCUMENT.sub(lambda m: documents[m.group(1)][0], value)
        adapted.append((key, value))
    return adapted


def _request(base: str, spec: dict, documents):
    path, _, query_string = spec["path"].partition("?")
    path = "/sparql" if path in ("/sparql/", "/sparql") else path
    pairs = _adapt_params(parse_qsl(query_string, keep_blank_values=True), documents)
    target = path + ("?" + urlencode(pairs, quote_via=quote) if pairs else "")
    body = spec["body"]
    headers = dict(spec["headers"])
    if body is not None:
        if headers.get("content-type", "").startswith("application/x-www-form-urlencoded"):
            body = urlencode(_adapt_params(parse_qsl(body, keep_blank_values=True), documents), quote_via=quote)
        elif "content-type" in headers:
            body = _adapt_query(body, documents)
        body = body.encode(spec["encoding"].replace("UTF-16", "utf-16"))
    return call(base, spec["method"], target, body=body, headers=headers)


def _is_update(spec: dict) -> bool:
    content_type = spec["headers"].get("content-type", "")
    body = spec["body"] or ""
    return "sparql-update" in content_type or body.startswith("update=") or "update=" in spec["path"]


@pytest.mark.skipif(not TESTS, reason=f"the W3C protocol suite is not at {SUITE} (../shared is absent)")
@pytest.mark.parametrize("test", [t for _, t in TESTS], ids=[name for name, _ in TESTS])
def test_w3c_protocol(endpoint, documents, test):
    for spec in test["requests"]:
        answer = _request(endpoint, spec, documents)
        if _is_update(spec):
            assert 400 <= answer.status < 500, f"an update must be refused (read-only), got {answer.status}"
            assert answer.json()["message"]
            return  # the follow-up requests check the update's effect: there is none, by design
        family = f"{answer.status // 100}xx"
        assert family in spec["status"], f"{test['name']}: status {answer.status}, expected {spec['status']}"
        media = answer.media_type
        if spec["format"] == "boolean":
            assert media in BOOLEAN_TYPES
        elif spec["format"] == "tabular":
            assert media in RESULT_TYPES
        elif spec["format"] == "RDF":
            assert media in RDF_TYPES
        if spec["boolean"] is not None:
            value = answer.json()["boolean"] if media.endswith("json") else b"<boolean>true" in answer.body
            assert value is spec["boolean"], test["name"]
