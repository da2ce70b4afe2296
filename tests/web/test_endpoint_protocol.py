"""The SPARQL endpoint as a client sees it, over HTTP against the real server (issue 8).

Facts used as expected answers come from the manifesto: Minalogic signed it (a pôle), it structures
the microelectronics value chain.
"""

from __future__ import annotations

import csv
import gzip
import io
import json
import socket
import threading
from urllib.parse import quote

import pytest
import rdflib
from rdflib.namespace import RDFS

from tests.support.http import call, get_query, post_query
from tests.support.servers import start_polegraph

PG = "https://w3id.org/polegraph/ontology#"
MINALOGIC = "https://w3id.org/polegraph/id/pole/minalogic"
PREFIXES = f"PREFIX pg: <{PG}> PREFIX pole: <https://w3id.org/polegraph/id/pole/> "
ASK_MINALOGIC = PREFIXES + "ASK { pole:minalogic a pg:Pole }"
SELECT_POLES = PREFIXES + "SELECT ?pole WHERE { ?pole a pg:Pole } ORDER BY ?pole"
CONSTRUCT_MINALOGIC = PREFIXES + "CONSTRUCT { pole:minalogic a pg:Pole } WHERE { pole:minalogic a pg:Pole }"
SECTION = "https://w3id.org/polegraph/id/section/"


@pytest.fixture(scope="module")
def server(settings, release, tmp_path_factory):
    """The real server as `make serve` starts it; its own, logging to a file (many requests follow)."""
    running = start_polegraph(settings.var_dir, tmp_path_factory.mktemp("protocol") / "server.log")
    try:
        yield running
    finally:
        running.stop()


# --- the three ways to send a query -------------------------------------------------------------------

def test_get_post_form_and_post_direct_give_the_same_answer(server):
    by_get = get_query(server.url, ASK_MINALOGIC)
    by_form = call(server.url, "POST", "/sparql", body="query=" + quote(ASK_MINALOGIC),
                   headers={"Content-Type": "application/x-www-form-urlencoded"})
    by_direct = post_query(server.url, ASK_MINALOGIC)
    for answer in (by_get, by_form, by_direct):
        assert answer.status == 200
        assert answer.media_type == "application/sparql-results+json"
        assert answer.json()["boolean"] is True


def test_more_than_one_query_is_refused(server):
    answer = call(server.url, "GET", "/sparql?query=ASK%7B%7D&query=ASK%7B%7D")
    assert answer.status == 400
    assert "one query" in answer.json()["message"]


@pytest.mark.parametrize("content_type", ["text/plain", None])
def test_post_with_another_media_type_is_refused(server, content_type):
    headers = {"Content-Type": content_type} if content_type else {}
    answer = call(server.url, "POST", "/sparql", body="ASK {}", headers=headers)
    assert 400 <= answer.status < 500


def test_other_methods_are_refused(server):
    assert call(server.url, "PUT", "/sparql?query=ASK%7B%7D").status == 405


# --- content negotiation ------------------------------------------------------------------------------

@pytest.mark.parametrize(("accept", "media_type"), [
    ("application/sparql-results+json", "application/sparql-results+json"),
    ("application/sparql-results+xml", "application/sparql-results+xml"),
    ("text/csv", "text/csv"),
    ("text/tab-separated-values", "text/tab-separated-values"),
    ("text/csv;q=0.5, application/sparql-results+xml", "application/sparql-results+xml"),
    ("text/turtle, text/csv;q=0.1", "text/csv"),
    ("*/*", "application/sparql-results+json"),
])
def test_select_results_by_accept_header(server, accept, media_type):
    answer = get_query(server.url, SELECT_POLES, accept=accept)
    assert answer.status == 200
    assert answer.media_type == media_type
    assert MINALOGIC in answer.text


def test_select_results_parse_in_every_format(server):
    as_json = get_query(server.url, SELECT_POLES).json()
    poles = [b["pole"]["value"] for b in as_json["results"]["bindings"]]
    assert MINALOGIC in poles
    rows = list(csv.reader(io.StringIO(get_query(server.url, SELECT_POLES, accept="text/csv").text)))
    assert rows[0] == ["pole"] and [r[0] for r in rows[1:]] == poles
    tsv = get_query(server.url, SELECT_POLES, accept="text/tab-separated-values").text.splitlines()
    assert tsv[0] == "?pole" and f"<{MINALOGIC}>" in tsv
    as_xml = get_query(server.url, SELECT_POLES, accept="application/sparql-results+xml")
    xml = rdflib.query.Result.parse(io.BytesIO(as_xml.body), format="xml")
    assert [str(row[0]) for row in xml] == poles


def test_format_parameter_wins_over_accept(server):
    answer = get_query(server.url, SELECT_POLES, accept="application/sparql-results+json", extra="&format=tsv")
    assert answer.media_type == "text/tab-separated-values"


@pytest.mark.parametrize(("accept", "rdflib_format"), [
    ("text/turtle", "turtle"), ("application/n-triples", "nt"), ("application/ld+json", "json-ld"),
    ("application/rdf+xml", "xml"), ("application/trig", "trig"), ("application/n-quads", "nquads"),
])
def test_construct_in_every_rdf_syntax(server, accept, rdflib_format):
    answer = get_query(server.url, CONSTRUCT_MINALOGIC, accept=accept)
    assert answer.status == 200 and answer.media_type == accept
    graph = rdflib.Dataset() if rdflib_format in ("trig", "nquads") else rdflib.Graph()
    graph.parse(data=answer.body, format=rdflib_format)
    assert (rdflib.URIRef(MINALOGIC), rdflib.RDF.type, rdflib.URIRef(PG + "Pole")) in graph


def test_406_when_no_acceptable_format(server):
    assert get_query(server.url, SELECT_POLES, accept="text/turtle").status == 406
    assert get_query(server.url, CONSTRUCT_MINALOGIC, accept="application/sparql-results+json").status == 406
    answer = get_query(server.url, ASK_MINALOGIC, extra="&format=docx")
    assert answer.status == 406 and "json" in answer.json()["message"]


def test_describe_gives_statements_and_labels_of_what_they_link_to(server, store):
    answer = get_query(server.url, PREFIXES + "DESCRIBE pole:minalogic", accept="text/turtle")
    assert answer.status == 200 and answer.media_type == "text/turtle"
    graph = rdflib.Graph().parse(data=answer.body, format="turtle")
    minalogic = rdflib.URIRef(MINALOGIC)
    assert (minalogic, rdflib.RDF.type, rdflib.URIRef(PG + "Pole")) in graph
    linked = {o for o in graph.objects(minalogic, None) if isinstance(o, rdflib.URIRef)}
    labelled = {row["o"] for row in store.select(
        f"SELECT DISTINCT ?o WHERE {{ <{MINALOGIC}> ?p ?o . ?o <{RDFS.label}> ?l }}")}
    assert labelled, "the store should label some of what Minalogic links to"
    for iri in labelled:
        assert rdflib.URIRef(iri) in linked
        assert graph.value(rdflib.URIRef(iri), RDFS.label) is not None, f"no label for {iri} in the description"
    microelectronics = [o for o in linked if "microelectronique" in str(o)]
    assert microelectronics, "Minalogic structures the microelectronics value chain (manifesto)"


def test_describe_of_a_variable_works(server):
    query = PREFIXES + "DESCRIBE ?p WHERE { ?p a pg:Pole } ORDER BY ?p LIMIT 2"
    answer = get_query(server.url, query, accept="application/n-triples")
    assert answer.status == 200
    typing = f"<{rdflib.RDF.type}> <{PG}Pole> ."
    subjects = {line.split(" ")[0] for line in answer.text.splitlines() if line.endswith(typing)}
    assert len(subjects) == 2


# --- service description ------------------------------------------------------------------------------

SD = rdflib.Namespace("http://www.w3.org/ns/sparql-service-description#")
VOID = rdflib.Namespace("http://rdfs.org/ns/void#")


def test_service_description_with_void_statistics(server, store):
    answer = call(server.url, "GET", "/sparql", headers={"Accept": "text/turtle"})
    assert answer.status == 200 and answer.media_type == "text/turtle"
    graph = rdflib.Graph().parse(data=answer.body, format="turtle")
    endpoint = rdflib.URIRef(server.url + "/sparql")
    assert (endpoint, rdflib.RDF.type, SD.Service) in graph
    assert (endpoint, SD.supportedLanguage, SD.SPARQL11Query) in graph
    assert (endpoint, SD.feature, SD.UnionDefaultGraph) not in graph  # the alignment graph stays out of it
    names = {str(n) for n in graph.objects(None, SD.name)}
    assert names == set(store.named_graphs())
    for named in graph.subjects(SD.name, None):
        name = str(graph.value(named, SD.name))
        description = graph.value(named, SD.graph)
        for counter in (VOID.triples, VOID.entities, VOID.classes, VOID.properties):
            assert graph.value(description, counter) is not None, f"{counter} missing for {name}"
        expected = store.select(f"SELECT (COUNT(*) AS ?n) WHERE {{ GRAPH <{name}> {{ ?s ?p ?o }} }}")[0]["n"]
        assert int(graph.value(description, VOID.triples)) == int(expected)


def test_service_description_as_json_ld_and_the_editor_for_browsers(server):
    as_jsonld = call(server.url, "GET", "/sparql", headers={"Accept": "application/ld+json"})
    assert as_jsonld.status == 200 and json.loads(as_jsonld.body)
    by_name = call(server.url, "GET", "/sparql?format=ntriples")
    assert by_name.media_type == "application/n-triples" and b"sparql-service-description#Service" in by_name.body
    page = call(server.url, "GET", "/sparql",
                headers={"Accept": "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8"})
    assert page.status == 200 and page.media_type == "text/html"


# --- read-only, no outbound traffic -------------------------------------------------------------------

def test_every_write_is_refused_and_changes_nothing(server):
    insert = "INSERT DATA { <http://example.org/s> <http://example.org/p> <http://example.org/o> }"
    attempts = [
        call(server.url, "GET", "/sparql?update=" + quote(insert)),
        call(server.url, "POST", "/sparql", body="update=" + quote(insert),
             headers={"Content-Type": "application/x-www-form-urlencoded"}),
        call(server.url, "POST", "/sparql", body=insert, headers={"Content-Type": "application/sparql-update"}),
        get_query(server.url, insert),
        post_query(server.url, "CLEAR ALL"),
        post_query(server.url, "LOAD <http://example.org/data.ttl>"),
    ]
    for answer in attempts:
        assert 400 <= answer.status < 500
        message = answer.json()["message"]
        assert "read-only" in message or "update" in message
    assert get_query(server.url, "ASK { <http://example.org/s> ?p ?o }").json()["boolean"] is False
    assert get_query(server.url, ASK_MINALOGIC).json()["boolean"] is True


@pytest.fixture
def listener():
    """A local socket that records whether anything connected to it (it must stay untouched)."""
    sock = socket.socket()
    sock.bind(("127.0.0.1", 0))
    sock.listen()
    sock.settimeout(0.2)
    connections: list = []
    stop = threading.Event()

    def accept():
        while not stop.is_set():
            try:
                connections.append(sock.accept()[0])
            except OSError:
                continue

    thread = threading.Thread(target=accept, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{sock.getsockname()[1]}/sparql", connections
    stop.set()
    thread.join()
    sock.close()


@pytest.mark.parametrize("template", [
    "SELECT * WHERE {{ SERVICE <{url}> {{ ?s ?p ?o }} }}",
    "SELECT * WHERE {{ SERVICE SILENT <{url}> {{ ?s ?p ?o }} }}",
    "select * where {{ ?x ?y ?z OPTIONAL {{ service<{url}>{{ ?s ?p ?o }} }} }} LIMIT 1",
    "SELECT * WHERE {{ BIND(<{url}> AS ?u) SERVICE ?u {{ ?s ?p ?o }} }}",
    "SELECT * WHERE {{ {{ SELECT ?s WHERE {{ SERVICE <{url}> {{ ?s ?p ?o }} }} }} }}",
    "PREFIX remote: <{url}#> SELECT * WHERE {{ SERVICE remote: {{ ?s ?p ?o }} }}",
    "SELECT * FROM <{url}> WHERE {{ ?s ?p ?o }}",
    "SELECT * FROM NAMED <{url}> WHERE {{ GRAPH ?g {{ ?s ?p ?o }} }}",
    "SELECT * FROM <file:///etc/passwd> WHERE {{ ?s ?p ?o }}",
    "LOAD <{url}>",
])
def test_outbound_requests_are_refused_before_running(server, listener, template):
    url, connections = listener
    answer = get_query(server.url, template.format(url=url))
    assert 400 <= answer.status < 500, answer.text
    assert answer.json()["message"]
    assert not connections, "the server connected to the address named in the query"


@pytest.mark.parametrize("parameter", ["default-graph-uri", "named-graph-uri"])
def test_dataset_parameters_naming_other_graphs_are_refused(server, listener, parameter):
    url, connections = listener
    answer = get_query(server.url, "ASK {}", extra=f"&{parameter}={quote(url)}")
    assert answer.status == 400 and "graphs" in answer.json()["message"]
    assert not connections


def test_the_projects_own_graphs_can_be_named(server):
    total = "SELECT (COUNT(*) AS ?n) WHERE { ?s ?p ?o }"
    chapter = SECTION + "chapitre-08"
    everything = int(get_query(server.url, total).json()["results"]["bindings"][0]["n"]["value"])
    from_clause = total.replace("WHERE", f"FROM <{chapter}> WHERE")
    by_from = int(get_query(server.url, from_clause).json()["results"]["bindings"][0]["n"]["value"])
    by_parameter = get_query(server.url, total, extra="&default-graph-uri=" + quote(chapter))
    assert 0 < by_from < everything
    assert int(by_parameter.json()["results"]["bindings"][0]["n"]["value"]) == by_from
    named = get_query(server.url, "SELECT DISTINCT ?g WHERE { GRAPH ?g { ?s ?p ?o } }",
                      extra="&named-graph-uri=" + quote(chapter))
    assert [b["g"]["value"] for b in named.json()["results"]["bindings"]] == [chapter]


def test_keywords_inside_strings_iris_and_names_are_not_mistaken(server):
    query = ('PREFIX service: <http://example.org/service#> SELECT ?load WHERE { '
             'BIND("SERVICE <http://example.org/> { } FROM LOAD INSERT" AS ?load) '
             'FILTER(?load != service:FROM) } # SERVICE <http://example.org/>')
    answer = get_query(server.url, query)
    assert answer.status == 200, answer.text
    assert answer.json()["results"]["bindings"][0]["load"]["value"].startswith("SERVICE")


# --- errors -------------------------------------------------------------------------------------------

def test_syntax_error_gives_message_line_and_column(server):
    answer = get_query(server.url, "SELECT ?s WHERE {\n  ?s ?p ?o .\n  FILTER( }")
    assert answer.status == 400 and answer.media_type == "application/json"
    body = answer.json()
    assert body["line"] == 3 and body["column"] >= 9
    assert "syntax" in body["message"].lower()
    as_text = get_query(server.url, "ASK {", accept="text/plain")
    assert as_text.status == 400 and as_text.media_type == "text/plain"
    assert "line: 1" in as_text.text and "column:" in as_text.text


def test_no_stack_trace_or_path_in_error_answers(server, settings):
    answers = [
        get_query(server.url, "SELECT ?s WHERE { ?s ?p }"),
        call(server.url, "GET", "/no/such/page"),
        call(server.url, "POST", "/sparql", body=b"\xff\xfe", headers={"Content-Type": "application/sparql-query"}),
        call(server.url, "POST", "/sparql", body="ASK {}".encode("utf-16"),
             headers={"Content-Type": "application/sparql-query; charset=UTF-16"}),
    ]
    for answer in answers:
        assert 400 <= answer.status < 500
        text = answer.body.decode("utf-8", "replace")
        assert "Traceback" not in text and str(settings.project) not in text and ".py" not in text


def test_request_size_limits(server, settings):
    too_long = "ASK {} #" + "x" * settings.max_query_bytes
    assert post_query(server.url, too_long).status == 413
    assert get_query(server.url, too_long).status == 414
    huge = b"query=" + b"x" * (settings.max_request_bytes + 10)
    answer = call(server.url, "POST", "/sparql", body=huge,
                  headers={"Content-Type": "application/x-www-form-urlencoded"})
    assert answer.status == 413


# --- HTTP ---------------------------------------------------------------------------------------------

def test_cors_is_open_for_reading_without_credentials(server):
    answer = call(server.url, "GET", "/sparql?query=" + quote(ASK_MINALOGIC),
                  headers={"Origin": "https://example.org"})
    assert answer.headers["access-control-allow-origin"] == "*"
    assert "access-control-allow-credentials" not in answer.headers
    preflight = call(server.url, "OPTIONS", "/sparql", headers={
        "Origin": "https://example.org", "Access-Control-Request-Method": "POST",
        "Access-Control-Request-Headers": "content-type"})
    assert preflight.status in (200, 204)
    assert preflight.headers["access-control-allow-origin"] == "*"
    assert "POST" in preflight.headers["access-control-allow-methods"]
    assert "content-type" in preflight.headers["access-control-allow-headers"].lower()


def test_etag_and_cache_control_give_304(server):
    first = get_query(server.url, SELECT_POLES)
    etag = first.headers["etag"]
    assert "max-age" in first.headers["cache-control"]
    again = call(server.url, "GET", "/sparql?query=" + quote(SELECT_POLES), headers={"If-None-Match": etag})
    assert again.status == 304 and again.body == b""
    assert get_query(server.url, SELECT_POLES, accept="text/csv").headers["etag"] != etag
    assert get_query(server.url, ASK_MINALOGIC).headers["etag"] != etag


def test_gzip_when_accepted(server):
    answer = call(server.url, "GET", "/sparql?query=" + quote(SELECT_POLES),
                  headers={"Accept-Encoding": "gzip"})
    assert answer.headers.get("content-encoding") == "gzip"
    assert MINALOGIC in gzip.decompress(answer.body).decode()
    plain = call(server.url, "GET", "/sparql?query=" + quote(SELECT_POLES))
    assert "content-encoding" not in plain.headers


def test_health(server, release):
    answer = call(server.url, "GET", "/health")
    assert answer.status == 200 and answer.json()["release"] == release.id


def test_head_answers_like_get_without_a_body(server):
    answer = call(server.url, "HEAD", "/sparql?query=" + quote(ASK_MINALOGIC))
    assert answer.status == 200 and answer.body == b""
    assert answer.media_type == "application/sparql-results+json" and answer.headers["etag"]
