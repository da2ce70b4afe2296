"""Whole answers reused before Flask runs (web/response_cache.py): a hit is the answer the app would
give again, except the per-request parts; nothing that changes the answer is shared; every rule of
the endpoint (rate limit, 304, refusals) still holds."""

from __future__ import annotations

import logging
from dataclasses import replace
from urllib.parse import quote

import pytest

from polegraph.web import create_app

QUERY = "PREFIX pg: <https://w3id.org/polegraph/ontology#> SELECT ?pole WHERE { ?pole a pg:Pole } ORDER BY ?pole"
URL = "/sparql?query=" + quote(QUERY)
JSON, CSV = "application/sparql-results+json", "text/csv"
PER_REQUEST = {"X-Request-Id", "Polegraph-Cache"}


@pytest.fixture()
def app(settings, release):
    return create_app(settings, release)


def _without_per_request(response) -> dict:
    return {name: value for name, value in response.headers.items() if name not in PER_REQUEST}


def test_a_hit_is_the_app_s_answer_with_a_fresh_request_id(app):
    client = app.test_client()
    first, second = client.get(URL, headers={"Accept": JSON}), client.get(URL, headers={"Accept": JSON})
    assert first.status_code == second.status_code == 200
    assert first.headers["Polegraph-Cache"] == "miss" and second.headers["Polegraph-Cache"] == "hit"
    assert second.get_data() == first.get_data()
    assert _without_per_request(second) == _without_per_request(first)
    assert second.headers["X-Request-Id"] and second.headers["X-Request-Id"] != first.headers["X-Request-Id"]


@pytest.mark.parametrize("header,values", [
    ("Accept", (JSON, CSV)),
    ("Accept-Encoding", ("identity", "gzip")),
    ("Host", ("one.example", "two.example")),  # the base IRI of relative IRIs
    ("Cookie", ("lang=fr", "lang=en")),  # in the ETag
])
def test_requests_that_differ_in_what_the_answer_depends_on_share_nothing(app, header, values):
    client = app.test_client()
    query = "SELECT (<rel> AS ?iri) (COUNT(*) AS ?n) WHERE { ?s a ?type }"  # large enough to be gzipped
    url = "/sparql?query=" + quote(query)
    alone = {}
    for value in values:  # what each variant is when asked first, in an app of its own
        alone[value] = create_app(app.extensions["polegraph"].settings, app.extensions["polegraph"].release) \
            .test_client().get(url, headers={header: value})
    for value in values + values:  # now through one app, each variant asked twice, interleaved
        answer = client.get(url, headers={header: value})
        assert answer.get_data() == alone[value].get_data(), (header, value)
        assert _without_per_request(answer) == _without_per_request(alone[value]), (header, value)


def test_if_none_match_still_answers_304(app):
    client = app.test_client()
    tag = client.get(URL).headers["ETag"]
    client.get(URL)
    again = client.get(URL, headers={"If-None-Match": tag})
    assert again.status_code == 304 and not again.get_data()


def test_a_refused_query_is_never_stored(app):
    client = app.test_client()
    url = "/sparql?query=" + quote("SELECT * WHERE { SERVICE <http://127.0.0.1:9/> { ?s ?p ?o } }")
    answers = [client.get(url) for _ in range(3)]
    assert {a.status_code for a in answers} == {400}
    assert all("Polegraph-Cache" not in a.headers for a in answers)


def test_a_client_over_its_rate_gets_429_even_for_a_stored_answer(settings, release):
    limited = create_app(replace(settings, rate_limit_per_s=0.01, rate_limit_burst=3), release)
    client = limited.test_client()
    statuses = [client.get(URL, environ_base={"REMOTE_ADDR": "198.51.100.7"}).status_code for _ in range(5)]
    assert statuses[:3] == [200, 200, 200] and statuses[3:] == [429, 429]
    other = client.get(URL, environ_base={"REMOTE_ADDR": "198.51.100.8"})
    assert other.headers["Polegraph-Cache"] == "hit"  # another client is not slowed


def test_a_hit_is_logged_with_its_request_id(app, caplog):
    client = app.test_client()
    client.get(URL)
    with caplog.at_level(logging.INFO, logger="polegraph.access"):
        hit = client.get(URL)
    assert hit.headers["Polegraph-Cache"] == "hit"
    assert any(f"id={hit.headers['X-Request-Id']}" in record.getMessage() and '"GET /sparql?query=' in
               record.getMessage() and " 200 " in record.getMessage() for record in caplog.records)


def test_turned_off_with_the_result_cache(settings, release):
    client = create_app(replace(settings, result_cache=False), release).test_client()
    answers = [client.get(URL) for _ in range(2)]
    assert all("Polegraph-Cache" not in a.headers for a in answers)
    assert answers[0].get_data() == answers[1].get_data()
