"""The query lane (web/query_lane.py) gives the app's very answer: the same status, headers (but the
request id) and body, for the requests it answers itself and for those it hands over; a request is
charged one rate-limit token and runs its query once, whichever way it goes."""

from __future__ import annotations

import re
from dataclasses import replace
from urllib.parse import quote

import pytest
from hypothesis import HealthCheck, given
from hypothesis import settings as hypothesis_settings
from hypothesis import strategies as st
from werkzeug.test import EnvironBuilder

from polegraph.query.processes.pool import QueryPool, QueryTimeout
from polegraph.web import create_app
from polegraph.web.query_lane import QueryLane

PG = "PREFIX pg: <https://w3id.org/polegraph/ontology#> "
POLES = PG + "SELECT ?pole ?label WHERE { ?pole a pg:Pole ; ?p ?label } ORDER BY ?pole ?label LIMIT 40"
ASK = PG + "ASK { ?pole a pg:Pole }"
CONSTRUCT = PG + "CONSTRUCT { ?pole a pg:Pole } WHERE { ?pole a pg:Pole } LIMIT 5"
RELATIVE = "SELECT (<rel> AS ?iri) WHERE {}"  # resolved against the request's URL
QUERIES = (POLES, ASK, CONSTRUCT, RELATIVE, "DESCRIBE <https://w3id.org/polegraph/id/organisation/afpc>")
ACCEPTS = (None, "*/*", "application/sparql-results+json", "application/sparql-results+xml", "text/csv",
           "text/tab-separated-values", "text/turtle", "application/n-triples", "application/ld+json",
           "text/html, */*;q=0.1", "image/png")
REQUEST_ID = re.compile(r"[0-9a-f]{16}")


@pytest.fixture(scope="module")
def app(settings, release):
    return create_app(replace(settings, result_cache=False, max_rows=25), release)


def _environ(query_string: str, headers: dict | None = None, method: str = "GET") -> dict:
    return EnvironBuilder(path="/sparql", query_string=query_string, method=method, headers=headers or {},
                          environ_base={"REMOTE_ADDR": "127.0.0.1"}).get_environ()


def _call(wsgi, environ: dict) -> tuple[str, list[tuple[str, str]], bytes]:
    seen = {}

    def start_response(status, headers, exc_info=None):
        seen["status"], seen["headers"] = status, headers

    result = wsgi(environ, start_response)
    try:
        body = b"".join(result)
    finally:
        getattr(result, "close", lambda: None)()
    headers = []
    for name, value in seen["headers"]:
        if name == "X-Request-Id":
            assert REQUEST_ID.fullmatch(value), value
            value = "<id>"
        headers.append((name, value))
    return seen["status"], headers, body


def _lane(app) -> QueryLane:
    wsgi = app.wsgi_app
    while not isinstance(wsgi, QueryLane):
        wsgi = wsgi._app_wsgi  # the response cache, when on, stands in front of it
    return wsgi


class Spy:
    """Counts the queries run and the requests the lane hands over to the app."""

    def __init__(self, app, monkeypatch):
        self.app, self.runs, self.handed = app, [], []
        real_run = QueryPool.run
        monkeypatch.setattr(QueryPool, "run", lambda *a: self.runs.append(1) or real_run(*a))
        monkeypatch.setattr(_lane(app), "app_wsgi", lambda *a: self.handed.append(1) or self.app_alone(*a))

    def app_alone(self, environ, start_response):
        return type(self.app).wsgi_app(self.app, environ, start_response)  # Flask's own, without the lane

    def both(self, query_string: str, headers: dict | None = None, method: str = "GET"):
        """(lane's answer, app's answer, whether the lane handed the request over, query runs of each)."""
        self.runs.clear(), self.handed.clear()
        by_lane = _call(_lane(self.app), _environ(query_string, headers, method))
        lane_runs, handed = len(self.runs), bool(self.handed)
        self.runs.clear()
        by_app = _call(self.app_alone, _environ(query_string, headers, method))
        return by_lane, by_app, handed, (lane_runs, len(self.runs))


@pytest.fixture()
def spy(app, monkeypatch) -> Spy:
    return Spy(app, monkeypatch)


@pytest.mark.parametrize("accept", ACCEPTS)
@pytest.mark.parametrize("query", QUERIES)
def test_the_lane_answers_as_the_app_does(spy, query, accept):
    by_lane, by_app, handed, runs = spy.both("query=" + quote(query),
                                          {"Accept": accept} if accept else {})
    assert by_lane == by_app
    assert runs[0] == runs[1]  # no query runs twice because the lane handed it over
    if by_app[0].startswith("200 "):
        assert not handed  # the usual request is the lane's own
        assert dict(by_lane[1])["ETag"] and dict(by_lane[1])["Vary"]


@pytest.mark.parametrize("query_string,headers", [
    ("query=" + quote(POLES), {"Accept-Encoding": "gzip"}),  # compressed: over 1 KB
    ("query=" + quote(ASK), {"Accept-Encoding": "gzip, deflate"}),  # too small to compress
    ("query=" + quote(PG + "SELECT ?s WHERE { ?s ?p ?o }"), {}),  # over the row cap: truncated, said in headers
    ("query=" + quote(POLES) + "&format=csv", {"Accept": "application/sparql-results+json"}),
    ("format=tsv&query=" + quote(POLES), {}),
    ("query=" + quote(RELATIVE), {"Host": "other.example:8080"}),  # another base IRI
    ("query=" + quote(POLES), {"Cookie": "lang=fr", "Accept-Language": "fr"}),  # in the ETag
    ("query=" + quote(POLES), {"User-Agent": "a researcher's script"}),
])
def test_the_lane_answers_these_itself_and_as_the_app_does(spy, query_string, headers):
    by_lane, by_app, handed, runs = spy.both(query_string, headers)
    assert by_lane == by_app and by_lane[0] == "200 OK"
    assert not handed and runs == (1, 1)


@pytest.mark.parametrize("query_string,headers,method", [
    ("query=" + quote(POLES), {"If-None-Match": '"x"'}, "GET"),
    ("query=" + quote(POLES) + "&default-graph-uri=" + quote("https://w3id.org/polegraph/graph/ontology"), {}, "GET"),
    ("query=" + quote(POLES) + "&query=" + quote(ASK), {}, "GET"),  # two queries: 400
    ("query=" + quote(POLES) + "&lang=fr", {}, "GET"),
    ("update=" + quote("CLEAR ALL"), {}, "GET"),
    ("query=" + quote(POLES), {}, "HEAD"),
    ("", {"Accept": "text/turtle"}, "GET"),  # the service description
    ("query=", {}, "GET"),
    ("query=" + quote("SELECT * WHERE { SERVICE <http://example.org/> { ?s ?p ?o } }"), {}, "GET"),
    ("query=" + quote("SELECT * WHERE { ?s ?p }"), {}, "GET"),  # a syntax error
    ("query=" + quote("SELECT ?x WHERE { BIND(1 AS ?x) BIND(2 AS ?x) }"), {}, "GET"),  # an error the engine finds
    ("query=" + quote("SELECT * WHERE { ?s ?p ?o }" + " " * 12000), {}, "GET"),  # over the size limit
    ("query=" + quote(ASK), {"X-Long": "x" * 9000}, "GET"),  # a header over the limit
    ("query=" + quote(ASK) + "&format=png", {}, "GET"),
    ("query=%C3%A9" + quote(ASK), {}, "GET"),
])
def test_what_the_lane_hands_over_is_answered_by_the_app_alone(spy, query_string, headers, method):
    by_lane, by_app, handed, runs = spy.both(query_string, headers, method)
    assert by_lane == by_app and handed
    assert runs[0] == runs[1]


def test_a_raw_non_ascii_query_string_goes_to_the_app(spy):
    by_lane, by_app, handed, _ = spy.both("query=" + quote(ASK).encode().decode() + "\u00e9")
    assert handed and by_lane == by_app


def test_a_query_the_engine_stops_is_answered_by_the_app_without_running_it_again(app, monkeypatch):
    runs = []

    def stopped(self, request, timeout_s):
        runs.append(request.query)
        raise QueryTimeout("the query was stopped after the limit")

    monkeypatch.setattr(QueryPool, "run", stopped)
    status, headers, body = _call(_lane(app), _environ("query=" + quote(POLES)))
    assert status.startswith("503 ") and dict(headers)["Retry-After"] == "5"
    assert b'"query-timeout"' in body and len(runs) == 1


def test_each_request_takes_one_token_whichever_way_it_goes(settings, release):
    app = create_app(replace(settings, result_cache=False, rate_limit_loopback=True, rate_limit_burst=4,
                             rate_limit_per_s=0.001), release)
    lane = _lane(app)
    refused_by_a_check = "SELECT * WHERE { SERVICE <http://example.org/> { ?s ?p ?o } }"
    failed_in_the_engine = "SELECT ?x WHERE { BIND(1 AS ?x) BIND(2 AS ?x) }"
    statuses = [_call(lane, _environ("query=" + quote(text)))[0][:3]
                for text in (ASK, refused_by_a_check, ASK, failed_in_the_engine, ASK)]
    assert statuses == ["200", "400", "200", "400", "429"]


def test_with_the_result_cache_the_lane_says_hit_or_miss_as_the_app_does(settings, release, monkeypatch):
    app = create_app(replace(settings, result_cache=True), release)
    lane = _lane(app)
    first = _call(lane, _environ("query=" + quote(POLES)))
    second = _call(lane, _environ("query=" + quote(POLES)))
    assert dict(first[1])["Polegraph-Cache"] == "miss" and dict(second[1])["Polegraph-Cache"] == "hit"
    assert first[2] == second[2]
    by_app = _call(lambda *a: app.__class__.wsgi_app(app, *a), _environ("query=" + quote(POLES)))
    assert by_app == second


_parts = st.fixed_dictionaries({
    "query": st.sampled_from(QUERIES),
    "accept": st.sampled_from(ACCEPTS),
    "encoding": st.sampled_from((None, "gzip", "identity", "gzip;q=0")),
    "format": st.sampled_from((None, "json", "xml", "csv", "turtle", "nonsense")),
    "host": st.sampled_from((None, "example.org", "[::1]:5000", "bad host")),
})


@hypothesis_settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(parts=_parts)
def test_any_mix_of_what_a_query_answer_depends_on_gives_the_app_s_answer(spy, parts):
    query_string = "query=" + quote(parts["query"]) + (f"&format={parts['format']}" if parts["format"] else "")
    headers = {name: parts[key] for name, key in (("Accept", "accept"), ("Accept-Encoding", "encoding"),
                                                  ("Host", "host")) if parts[key]}
    by_lane, by_app, _, runs = spy.both(query_string, headers)
    assert by_lane == by_app and runs[0] == runs[1]
