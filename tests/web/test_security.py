"""The attack suite (issue 13, point 1), run against the real server process over HTTP.

A public endpoint is attacked the day it is announced: these tests play the attacker. Outbound
traffic is caught by a TCP listener the test opens on 127.0.0.1 — it must receive no connection —
and the server runs with a 2 s query deadline so the expensive queries are stopped quickly.
Each attack, what is expected and what was observed are listed in docs/reliability.md.
"""

from __future__ import annotations

import hashlib
import re
import threading
import time
from urllib.parse import quote, urlencode, urlsplit

import pytest

from tests.support.http import Answer, TrapListener, assert_clean_error, call
from tests.support.processes import descendants, rss_kib
from tests.web.conftest import DEADLINE_S

SPARQL_QUERY = {"Content-Type": "application/sparql-query"}
FORM = {"Content-Type": "application/x-www-form-urlencoded"}
TRIVIAL = "ASK { ?s ?p ?o }"
PASSWD_LINE = re.compile(rb"root:[^:\n]*:0:0:")



@pytest.fixture
def trap():
    listener = TrapListener()
    try:
        yield listener
    finally:
        listener.close()


def get(server, query: str, extra: str = "", **kw) -> Answer:
    return call(server.url, "GET", f"/sparql?query={quote(query)}{extra}", **kw)


def post_direct(server, query: str | bytes, **kw) -> Answer:
    return call(server.url, "POST", "/sparql", query, SPARQL_QUERY, **kw)


def post_form(server, **fields: str) -> Answer:
    return call(server.url, "POST", "/sparql", urlencode(fields), FORM)


def through_every_route(server, query: str) -> list[tuple[str, Answer]]:
    return [("GET", get(server, query)), ("POST direct", post_direct(server, query)),
            ("POST form", post_form(server, query=query))]


def assert_trap_untouched(trap: TrapListener) -> None:
    time.sleep(0.3)  # a connection attempt made while answering would have arrived by now
    assert trap.connections == 0, f"the server opened {trap.connections} connection(s) to the test's listener"


# --- no outbound request: SERVICE, FROM, LOAD ----------------------------------------------------------------

OUTBOUND = {
    "SERVICE": "SELECT * WHERE {{ SERVICE <{url}> {{ ?s ?p ?o }} }}",
    "SERVICE SILENT": "SELECT * WHERE {{ SERVICE SILENT <{url}> {{ ?s ?p ?o }} }}",
    "service, lower case": "select * where {{ service <{url}> {{ ?s ?p ?o }} }}",
    "SERVICE ?variable (BIND)": "SELECT * WHERE {{ BIND(<{url}> AS ?e) SERVICE ?e {{ ?s ?p ?o }} }}",
    "SERVICE ?variable (VALUES)": "SELECT * WHERE {{ VALUES ?e {{ <{url}> }} SERVICE SILENT ?e {{ ?s ?p ?o }} }}",
    "SERVICE prefixed name": "PREFIX t: <{url}> SELECT * WHERE {{ SERVICE t:sparql {{ ?s ?p ?o }} }}",
    "SERVICE relative IRI": "BASE <{url}> SELECT * WHERE {{ SERVICE <sparql> {{ ?s ?p ?o }} }}",
    "SERVICE nested in OPTIONAL": "SELECT * WHERE {{ ?a ?b ?c OPTIONAL {{ SERVICE <{url}> {{ ?s ?p ?o }} }} }} LIMIT 1",
    "SERVICE in a subquery": "SELECT * WHERE {{ {{ SELECT * WHERE {{ SERVICE <{url}> {{ ?s ?p ?o }} }} }} }}",
    "SERVICE escaped keyword": "SELECT * WHERE {{ SERV\\u0049CE <{url}> {{ ?s ?p ?o }} }}",
    "FROM": "SELECT * FROM <{url}> WHERE {{ ?s ?p ?o }} LIMIT 1",
    "FROM NAMED": "SELECT * FROM NAMED <{url}> WHERE {{ GRAPH ?g {{ ?s ?p ?o }} }} LIMIT 1",
    "CONSTRUCT FROM": "CONSTRUCT {{ ?s ?p ?o }} FROM <{url}> WHERE {{ ?s ?p ?o }} LIMIT 1",
    "DESCRIBE FROM": "DESCRIBE ?s FROM <{url}> WHERE {{ ?s ?p ?o }} LIMIT 1",
    "ASK FROM": "ASK FROM <{url}> {{ ?s ?p ?o }}",
    "LOAD": "LOAD <{url}>",
    "LOAD SILENT INTO GRAPH": "LOAD SILENT <{url}> INTO GRAPH <urn:x>",
    "LOAD after a query": "SELECT * WHERE {{ ?s ?p ?o }} LIMIT 1 ; LOAD <{url}>",
}


def test_the_trap_sees_the_connection_the_bare_engine_makes(trap):
    """The control: Oxigraph alone does call SERVICE, and the listener notices. The endpoint's checks matter."""
    import pyoxigraph

    list(pyoxigraph.Store().query(f"SELECT * WHERE {{ SERVICE SILENT <{trap.url}> {{ ?s ?p ?o }} }}"))
    time.sleep(0.3)
    assert trap.connections >= 1


@pytest.mark.parametrize("attack", sorted(OUTBOUND))
def test_no_query_makes_the_server_connect_anywhere(target, trap, attack):
    query = OUTBOUND[attack].format(url=trap.url)
    for route, answer in through_every_route(target, query):
        assert_clean_error(answer, 400, 403, where=route)
    assert_trap_untouched(trap)


@pytest.mark.parametrize("parameter", ["default-graph-uri", "named-graph-uri"])
def test_protocol_dataset_parameters_never_fetch(target, trap, parameter):
    query = "SELECT * WHERE { ?s ?p ?o } LIMIT 1"
    answer = get(target, query, extra=f"&{parameter}={quote(trap.url)}")
    assert_clean_error(answer, 400)
    assert_trap_untouched(trap)


FILE_LEAKS = [
    "SELECT * FROM <file:///etc/passwd> WHERE { ?s ?p ?o }",
    "SELECT * FROM NAMED <file:///etc/passwd> WHERE { GRAPH ?g { ?s ?p ?o } }",
    "CONSTRUCT { ?s ?p ?o } FROM <file:///etc/passwd> WHERE { ?s ?p ?o }",
    "SELECT * WHERE { GRAPH <file:///etc/passwd> { ?s ?p ?o } }",
    "SELECT * WHERE { SERVICE <file:///etc/passwd> { ?s ?p ?o } }",
    "LOAD <file:///etc/passwd>",
    "BASE <file:///etc/> SELECT * FROM <passwd> WHERE { ?s ?p ?o }",
]


@pytest.mark.parametrize("query", FILE_LEAKS)
def test_no_file_of_the_server_leaks(target, query):
    for route, answer in through_every_route(target, query):
        assert answer.status < 500, (route, answer.status, answer.text[:200])
        assert not PASSWD_LINE.search(answer.body), f"{route} leaked /etc/passwd"
    answer = get(target, "SELECT * WHERE { ?s ?p ?o } LIMIT 1", extra="&default-graph-uri=file%3A%2F%2F%2Fetc%2Fpasswd")
    assert not PASSWD_LINE.search(answer.body)


# --- read-only: SPARQL Update through every route ----------------------------------------------------------

UPDATES = [
    "INSERT DATA { <urn:attack:s> <urn:attack:p> <urn:attack:o> }",
    "INSERT DATA { GRAPH <https://w3id.org/polegraph/graph/ontology> { <urn:attack:s> <urn:attack:p> 1 } }",
    "DELETE WHERE { ?s ?p ?o }",
    "DELETE { ?s ?p ?o } INSERT { ?s ?p 1 } WHERE { ?s ?p ?o }",
    "WITH <https://w3id.org/polegraph/graph/ontology> DELETE { ?s ?p ?o } WHERE { ?s ?p ?o }",
    "CLEAR ALL", "CLEAR DEFAULT", "DROP ALL", "DROP GRAPH <https://w3id.org/polegraph/graph/inferred>",
    "CREATE GRAPH <urn:attack:g>", "ADD DEFAULT TO <urn:attack:g>",
    "MOVE <https://w3id.org/polegraph/graph/ontology> TO <urn:attack:g>",
    "COPY <https://w3id.org/polegraph/graph/ontology> TO DEFAULT",
    "PREFIX x: <urn:x:> SELECT * WHERE { ?s ?p ?o } LIMIT 1 ; DELETE WHERE { ?s ?p ?o }",
]


def _graphs(server, v: str = "") -> list[str]:
    answer = get(server, f"SELECT DISTINCT ?g{v} WHERE {{ GRAPH ?g{v} {{ ?s{v} ?p{v} ?o{v} }} }}",
                 headers={"Accept": "text/csv"})
    assert answer.status == 200, answer.text[:200]
    return sorted(answer.text.splitlines()[1:])


def data_fingerprint(server, v: str) -> str:
    """A hash of every quad served: each graph as sorted N-Triples (blank node labels erased).

    `v` suffixes the variables, so the "after" queries differ from the "before" ones and no result
    cache can answer them from before.
    """
    digest = hashlib.sha256()
    for graph in _graphs(server, v):
        answer = get(server, f"CONSTRUCT {{ ?s{v} ?p{v} ?o{v} }} WHERE {{ GRAPH <{graph}> {{ ?s{v} ?p{v} ?o{v} }} }}",
                     headers={"Accept": "application/n-triples"})
        assert answer.status == 200 and "polegraph-results-truncated" not in answer.headers, graph
        lines = sorted(re.sub(rb"_:\S+", b"_:b", line) for line in answer.body.splitlines() if line.strip())
        digest.update(graph.encode() + b"\n" + b"\n".join(lines))
    return digest.hexdigest()


def test_sparql_update_is_refused_through_every_route_and_nothing_changes(target):
    before = data_fingerprint(target, "1")
    assert len(_graphs(target)) > 5  # the fingerprint covers the project's graphs, not an empty store
    for update in UPDATES:
        attempts = [
            ("GET ?update=", call(target.url, "GET", f"/sparql?update={quote(update)}")),
            ("GET ?query=", get(target, update)),
            ("POST form update=", post_form(target, update=update)),
            ("POST form query=", post_form(target, query=update)),
            ("POST sparql-update", call(target.url, "POST", "/sparql", update,
                                        {"Content-Type": "application/sparql-update"})),
            ("POST sparql-query", post_direct(target, update)),
            ("POST update to /update", call(target.url, "POST", "/update", update,
                                            {"Content-Type": "application/sparql-update"})),
        ]
        for route, answer in attempts:
            assert_clean_error(answer, 400, 403, 404, 405, 415, where=f"{route} {update}")
    for method in ("PUT", "DELETE", "PATCH"):
        answer = call(target.url, method, "/sparql?graph=https%3A%2F%2Fw3id.org%2Fpolegraph%2Fgraph%2Fontology",
                      "<urn:a> <urn:b> <urn:c> .", {"Content-Type": "text/turtle"})
        assert_clean_error(answer, 403, 404, 405)
    assert data_fingerprint(target, "2") == before


# --- the deadline: expensive queries stopped, other clients served -------------------------------------------

EXPENSIVE = {
    "cartesian product": "SELECT (COUNT(*) AS ?n) WHERE { ?a ?b ?c . ?d ?e ?f . ?g ?h ?i }",
    "catastrophic regex": "SELECT (COUNT(*) AS ?n) WHERE { ?a ?b ?c . ?d ?e ?f "
                          "FILTER(REGEX(CONCAT(STR(?c), STR(?f)), '(.*){1,1000}x')) }",
    "property path closure": "SELECT (COUNT(*) AS ?n) WHERE { ?a (<urn:none>|!<urn:none>)* ?b . ?c ?d ?e }",
}


@pytest.mark.parametrize("name", sorted(EXPENSIVE))
def test_expensive_query_is_stopped_at_the_deadline_while_others_are_served(target, name):
    outcome: dict[str, Answer] = {}
    worker = threading.Thread(target=lambda: outcome.setdefault("slow", post_direct(target, EXPENSIVE[name])))
    worker.start()
    time.sleep(0.5)  # the expensive query is running now
    quick = [get(target, TRIVIAL, headers={"Accept": "application/sparql-results+json"}) for _ in range(3)]
    worker.join(timeout=DEADLINE_S + 30)
    assert not worker.is_alive(), "the expensive query was never answered"
    for answer in quick:
        assert answer.status == 200 and answer.seconds < 1, (answer.status, answer.seconds)
    slow = outcome["slow"]
    assert slow.status == 503, (slow.status, slow.text[:200])
    assert slow.seconds < DEADLINE_S + 3  # stopped at the deadline, not when the engine gave up
    assert "retry-after" in slow.headers
    assert_clean_error(slow, 503)
    assert get(target, TRIVIAL).status == 200  # and the endpoint is whole afterwards


def test_a_burst_of_expensive_queries_never_takes_the_server_down(target):
    """More stopped queries than a worker's query processes, from six clients (one alone gets only its
    share, tests/web/test_fairness.py): each is stopped, then the endpoint answers normally."""
    answers: list[Answer] = []
    threads = [threading.Thread(target=lambda n=n: answers.append(
        post_direct(target, EXPENSIVE["cartesian product"], source=f"127.0.0.{10 + n}"))) for n in range(6)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=4 * DEADLINE_S + 30)
    assert len(answers) == 6 and {a.status for a in answers} == {503}, [a.status for a in answers]
    assert get(target, TRIVIAL).status == 200


# --- oversized requests: refused before they cost anything ---------------------------------------------------

MEGABYTE = 1_000_001


@pytest.mark.parametrize("route,content_type,body", [
    ("/sparql", "application/sparql-query", b"SELECT * WHERE { ?s ?p ?o } #" + b"x" * MEGABYTE),
    ("/sparql", "application/x-www-form-urlencoded", b"query=" + b"x" * MEGABYTE),
    ("/validate", "text/turtle", b"# " + b"x" * MEGABYTE),
    ("/validate", "application/ld+json", b'{"a": "' + b"x" * MEGABYTE + b'"}'),
])
def test_a_megabyte_body_is_refused_fast_with_413(target, route, content_type, body):
    answer = call(target.url, "POST", route, body, {"Content-Type": content_type})
    assert_clean_error(answer, 413)
    assert answer.seconds < 5


@pytest.mark.parametrize("path", ["/sparql?query=", "/id/pole/", "/downloads/", "/?x="])
def test_a_16_kb_query_string_is_refused_fast_with_414(target, path):
    answer = call(target.url, "GET", path + "a" * 16 * 1024)
    assert_clean_error(answer, 414)
    assert answer.seconds < 5


@pytest.mark.parametrize("headers", [{"X-Big": "a" * 20_000}, {f"X-Many-{i}": "a" for i in range(200)}])
def test_oversized_headers_are_refused(target, headers):
    assert_clean_error(call(target.url, "GET", "/health", headers=headers))


def test_a_query_just_over_the_size_limit_is_refused_not_run(target):
    query = "SELECT * WHERE { ?s ?p ?o } #" + "x" * 10_000
    assert_clean_error(post_direct(target, query), 413)


# --- malformed, deeply nested, non-UTF-8, wrong content type: 4xx, no trace, no path ---------------------------

MALFORMED_QUERIES = {
    "syntax error": "SELECT * WHERE { ?s ",
    "not a query": "Hello, world",
    "empty": "",
    "NUL byte": "SELECT * WHERE { ?s ?p ?o }\x00",
    "unbalanced": "SELECT * WHERE { ?s ?p ?o }}}}}}",
    "nested groups": "SELECT * WHERE " + "{" * 2400 + "?s ?p ?o" + "}" * 2400,
    "nested collections": "SELECT * WHERE { ?s ?p " + "(" * 4900 + ")" * 4900 + " }",
    "nested expression": "SELECT * WHERE { ?s ?p ?o FILTER(" + "(" * 4000 + "1" + ")" * 4000 + ") } LIMIT 1",
    "nested negation": "SELECT * WHERE { ?s ?p ?o FILTER(" + "!" * 4900 + "true) } LIMIT 1",
    "nested subqueries": "SELECT * WHERE { " + "{ SELECT * WHERE " * 500 + "{ ?s ?p ?o }" + " }" * 500 + " }",
    "huge literal": "SELECT * WHERE { ?s ?p '" + "x" * 9000 + "' }",
    "unicode escapes": "SELECT * WHERE { ?s ?p '\\uD800' }",
}


@pytest.mark.parametrize("name", sorted(MALFORMED_QUERIES))
def test_malformed_or_deeply_nested_queries_never_fail_the_server(target, name):
    answer = post_direct(target, MALFORMED_QUERIES[name])
    if answer.status == 503:  # a heavy but legitimate query stopped at the deadline (a busy machine)
        assert answer.seconds < DEADLINE_S + 3 and b"query-timeout" in answer.body, answer.text[:200]
    else:
        assert answer.status < 500, (answer.status, answer.text[:200])
    if answer.status >= 400:
        assert_clean_error(answer, answer.status)
    assert get(target, TRIVIAL).status == 200


TURTLE = {"Content-Type": "text/turtle"}
JSON_LD = {"Content-Type": "application/ld+json"}
RDF_XML = {"Content-Type": "application/rdf+xml"}
QUERY_TEXT = b"SELECT * WHERE { ?s ?p ?o }"


def _case(name: str, path: str, body: bytes | None, headers: dict[str, str], method: str = "POST"):
    return pytest.param(method, path, body, headers, id=name)


@pytest.mark.parametrize("method,path,body,headers", [
    _case("query with non-UTF-8 bytes", "/sparql", b"SELECT * WHERE { ?s ?p '\xff\xfe' }", SPARQL_QUERY),
    _case("form with %FF", "/sparql", b"query=SELECT%20*%20WHERE%20%7B%7D%FF", FORM),
    _case("form with raw non-UTF-8", "/sparql", b"query=\xff\xfe", FORM),
    _case("GET %FF%FE%00", "/sparql?query=%FF%FE%00", None, {}, method="GET"),
    _case("query as UTF-16", "/sparql", QUERY_TEXT.decode().encode("utf-16"),
          {"Content-Type": "application/sparql-query; charset=utf-16"}),
    _case("query as JSON", "/sparql", QUERY_TEXT, {"Content-Type": "application/json"}),
    _case("query as multipart", "/sparql", QUERY_TEXT, {"Content-Type": "multipart/form-data; boundary=x"}),
    _case("query without content type", "/sparql", QUERY_TEXT, {}),
    _case("two queries", "/sparql", b"query=a&query=b", FORM),
    _case("Content-Length and chunked together (smuggling)", "/sparql", QUERY_TEXT,
          {**SPARQL_QUERY, "Transfer-Encoding": "chunked"}),
    _case("validate non-UTF-8", "/validate", b"<urn:a> <urn:b> '\xff\xfe' .", TURTLE),
    _case("validate UTF-16", "/validate", "<urn:a> <urn:b> 'x' .".encode("utf-16"), TURTLE),
    _case("validate as image/png", "/validate", b"<urn:a> <urn:b> <urn:c> .", {"Content-Type": "image/png"}),
    _case("validate without content type", "/validate", b"<urn:a> <urn:b> <urn:c> .", {}),
    _case("validate empty", "/validate", b"", TURTLE),
    _case("validate broken Turtle", "/validate", b"<urn:a> <urn:b> <", TURTLE),
    _case("validate broken JSON", "/validate", b"{not json", JSON_LD),
    _case("validate broken RDF/XML", "/validate", b"<rdf:RDF", RDF_XML),
    _case("validate nested Turtle lists", "/validate", b"<urn:a> <urn:b> " + b"(" * 5000 + b")" * 5000 + b" .",
          TURTLE),
    _case("validate nested blank nodes", "/validate",
          b"<urn:a> <urn:b> " + b"[ <urn:b> " * 5000 + b"1" + b"]" * 5000 + b" .", TURTLE),
    _case("validate nested JSON arrays", "/validate", b"[" * 100_000 + b"]" * 100_000, JSON_LD),
    _case("validate nested JSON objects", "/validate", b'{"urn:p":' * 5000 + b"1" + b"}" * 5000, JSON_LD),
])
def test_malformed_requests_are_4xx_without_trace_or_path(target, method, path, body, headers):
    assert_clean_error(call(target.url, method, path, body, headers))


# --- /validate: no outbound request, no entity expansion -----------------------------------------------------

def _remote_context_documents(url: str) -> list[bytes]:
    import json

    return [json.dumps(doc).encode() for doc in (
        {"@context": url, "@id": "urn:a", "name": "x"},
        {"@context": [{"@vocab": "urn:v:"}, url], "@id": "urn:a", "p": 1},
        {"@context": {"@vocab": "urn:v:"}, "@id": "urn:a", "p": {"@context": url, "q": 1}},
        {"@context": {"@import": url, "@vocab": "urn:v:"}, "@id": "urn:a", "p": 1},
        {"@context": {"@vocab": "urn:v:", "T": {"@id": "urn:T", "@context": url}}, "@id": "urn:a", "@type": "T"},
        {"@context": {"@vocab": "urn:v:", "p": {"@id": "urn:p", "@context": url}}, "@id": "urn:a", "p": {"q": 1}},
        [{"@context": url, "@id": "urn:a"}],
        {"@graph": [{"@context": url, "@id": "urn:a"}]},
    )]


def test_json_ld_with_a_remote_context_makes_no_outbound_request(target, trap):
    for document in _remote_context_documents(trap.url):
        for media_type in ("application/ld+json", "application/json"):
            answer = call(target.url, "POST", "/validate", document, {"Content-Type": media_type})
            assert_clean_error(answer, 400, 415, 422)
    assert_trap_untouched(trap)


def test_xml_external_entities_are_never_resolved(target, trap):
    documents = [
        f'<?xml version="1.0"?><!DOCTYPE r [<!ENTITY x SYSTEM "{trap.url}">]>'.encode(),
        b'<?xml version="1.0"?><!DOCTYPE r [<!ENTITY x SYSTEM "file:///etc/passwd">]>',
        f'<?xml version="1.0"?><!DOCTYPE r SYSTEM "{trap.url}">'.encode(),
        f'<?xml version="1.0"?><!DOCTYPE r [<!ENTITY % p SYSTEM "{trap.url}"> %p;]>'.encode(),
    ]
    rdf = (b'<rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#"><rdf:Description rdf:about="urn:a">'
           b"<rdf:value>&x;</rdf:value></rdf:Description></rdf:RDF>")
    for prologue in documents:
        answer = call(target.url, "POST", "/validate", prologue + rdf, {"Content-Type": "application/rdf+xml"})
        assert_clean_error(answer, 400, 415, 422)
        assert not PASSWD_LINE.search(answer.body)
    assert_trap_untouched(trap)


def _billion_laughs(levels: int = 10) -> bytes:
    entities = ['<!ENTITY lol0 "lol">'] + [
        f'<!ENTITY lol{i} "{f"&lol{i - 1};" * 10}">' for i in range(1, levels)]
    return (f'<?xml version="1.0"?><!DOCTYPE lolz [{"".join(entities)}]>'
            '<rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#"><rdf:Description rdf:about="urn:a">'
            f"<rdf:value>&lol{levels - 1};</rdf:value></rdf:Description></rdf:RDF>").encode()


def test_billion_laughs_is_refused_quickly_with_memory_bounded(target):
    processes = descendants(target.process.pid)
    before = sum(rss_kib(pid) for pid in processes)
    for _ in range(3):  # enough attempts to reach both web workers
        answer = call(target.url, "POST", "/validate", _billion_laughs(), {"Content-Type": "application/rdf+xml"},
                      timeout=30)
        assert_clean_error(answer, 400, 413, 415, 422)
        assert answer.seconds < 5
    after = sum(rss_kib(pid) for pid in descendants(target.process.pid))
    assert after - before < 200 * 1024, f"the server grew by {(after - before) // 1024} MiB"


# --- path traversal -------------------------------------------------------------------------------------------

TRAVERSALS = [
    "/downloads/../release.json", "/downloads/%2e%2e/release.json", "/downloads/%2e%2e/%2e%2e/etc/passwd",
    "/downloads/..%2f..%2f..%2fetc%2fpasswd", "/downloads/%252e%252e/release.json",
    "/downloads/....//....//etc/passwd", "/downloads/%c0%ae%c0%ae/etc/passwd", "/downloads/dataset.nq%00.json",
    "/downloads/..\\..\\etc\\passwd", "/downloads/%2fetc%2fpasswd", "/downloads//etc/passwd",
    "/downloads/~/.bashrc", "/downloads/release.json", "/downloads/dataset.nq",
    "/id/../../etc/passwd", "/id/%2e%2e/%2e%2e/etc/passwd", "/id/pole/..%2f..%2f..%2fetc%2fpasswd",
    "/id/pole/%2e%2e%2f%2e%2e%2fetc%2fpasswd", "/id/..;/..;/etc/passwd", "/id/pole/%00", "/id/%ff%fe",
    "/static/../../../../etc/passwd", "/static/%2e%2e/%2e%2e/etc/passwd",
    "/static/..%2f..%2f..%2fsrc%2fpolegraph%2fsettings.py",
]


def _follow(server, path: str, hops: int = 3) -> Answer:
    """GET `path`, following redirects as a browser would, but only on this server."""
    for _ in range(hops):
        answer = call(server.url, "GET", path)
        if answer.status not in (301, 302, 303, 307, 308):
            return answer
        location = urlsplit(answer.headers["location"])
        assert location.netloc in ("", f"127.0.0.1:{server.port}"), answer.headers["location"]
        path = location.path + (f"?{location.query}" if location.query else "")
    return answer


@pytest.mark.parametrize("path", TRAVERSALS)
def test_path_traversal_finds_nothing(target, path):
    answer = _follow(target, path)
    assert_clean_error(answer, 404)
    assert not PASSWD_LINE.search(answer.body)
    assert b"content_sha256" not in answer.body and b"[global]" not in answer.body


# --- /validate: an expensive document is bounded like an expensive query -------------------------------------

def test_a_large_document_to_validate_is_stopped_at_the_deadline_while_others_are_served(target):
    """Validation runs inference and SHACL over the whole graph plus the document: it needs a deadline too."""
    document = "".join(f'<urn:attack:s{i}> <urn:attack:p> "value {i}" .\n' for i in range(8000)).encode()
    outcome: dict[str, object] = {}

    def post():
        try:
            outcome["answer"] = call(target.url, "POST", "/validate", document,
                                     {"Content-Type": "application/n-triples"}, timeout=DEADLINE_S + 5)
        except OSError as exc:  # the socket timeout: the server was still validating
            outcome["error"] = exc

    worker = threading.Thread(target=post)
    worker.start()
    time.sleep(0.5)
    quick = get(target, TRIVIAL)
    worker.join(timeout=DEADLINE_S + 30)
    assert quick.status == 200 and quick.seconds < 1, (quick.status, quick.seconds)
    assert "error" not in outcome, f"/validate was still working after {DEADLINE_S + 5} s: {outcome['error']!r}"
    answer = outcome["answer"]
    assert answer.status in (200, 413, 422, 503), (answer.status, answer.text[:200])


# --- slow clients ("slowloris"): connections that never finish their request -----------------------------------

def test_slow_clients_holding_connections_open_do_not_stop_others_being_served(target):
    """Many connections that send a header line now and then, never finishing: a normal client is still
    answered (Granian reads headers in Rust: a slow client holds a cheap task, not a Python thread)."""
    import socket

    slow = []
    try:
        for _ in range(64):
            sock = socket.create_connection(("127.0.0.1", target.port), timeout=5)
            sock.sendall(b"GET /health HTTP/1.1\r\nHost: 127.0.0.1\r\n")
            slow.append(sock)
        time.sleep(1)
        for sock in slow:
            sock.sendall(b"X-Slow: 1\r\n")
        try:
            answer = get(target, TRIVIAL, timeout=5)
        except OSError as exc:
            pytest.fail(f"64 slow connections starve the server: a normal request got no answer in 5 s ({exc!r})")
        assert answer.status == 200
    finally:
        for sock in slow:
            sock.close()
