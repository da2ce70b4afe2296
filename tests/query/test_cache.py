"""The one cache (query/cache.py): a repeated query is answered from memory, anything that could change
the answer is a miss, failures are never kept, memory stays bounded, and a 304 runs no query at all.

Over HTTP against a real server with one worker (the cache is per web worker) and a 2 s deadline.
"""

from __future__ import annotations

import time

import pytest

from polegraph.errors import QueryTimeout
from polegraph.query.backend import QueryAnswer, QueryRequest
from polegraph.query.cache import QueryCache, answer_key, normalised_text
from polegraph.query.guard import check_query
from tests.support.http import get_query
from tests.support.servers import start_polegraph

TIMEOUT_S = 2
PRESIDENTS = """PREFIX pg: <https://w3id.org/polegraph/ontology#>
SELECT ?pole ?president WHERE { ?pole a pg:Pole ; pg:president ?president } ORDER BY ?pole"""
CARTESIAN = "SELECT (COUNT(*) AS ?n) WHERE { ?a ?b ?c . ?d ?e ?f . ?g ?h ?i }"
JSON, CSV = "application/sparql-results+json", "text/csv"


@pytest.fixture(scope="module")
def one_worker(settings, release, tmp_path_factory):
    log = tmp_path_factory.mktemp("cache") / "server.log"
    server = start_polegraph(settings.var_dir, log, {"POLEGRAPH_WORKERS": "1", "POLEGRAPH_RESULT_CACHE": "1",
                                                     "POLEGRAPH_QUERY_TIMEOUT": str(TIMEOUT_S)})
    try:
        yield server
    finally:
        server.stop()


def _cache(answer) -> str | None:
    return answer.headers.get("polegraph-cache")


def test_a_repeated_query_is_served_from_the_cache(one_worker):
    first = get_query(one_worker.url, PRESIDENTS, JSON)
    second = get_query(one_worker.url, PRESIDENTS, JSON)
    assert (first.status, second.status) == (200, 200)
    assert (_cache(first), _cache(second)) == ("miss", "hit")
    assert second.body == first.body
    assert len(second.json()["results"]["bindings"]) >= 50  # the manifesto's signatory pôles and presidents


def test_whitespace_and_comments_do_not_make_another_query(one_worker):
    get_query(one_worker.url, PRESIDENTS, JSON)
    reformatted = "# the same question, laid out differently\n" + "  \n  ".join(PRESIDENTS.split(" ")) + "\n"
    assert _cache(get_query(one_worker.url, reformatted, JSON)) == "hit"


def test_another_format_is_a_miss(one_worker):
    as_json = get_query(one_worker.url, PRESIDENTS, JSON)
    as_csv = get_query(one_worker.url, PRESIDENTS, CSV)
    assert as_csv.media_type == CSV
    assert _cache(as_csv) == "miss" and as_csv.body != as_json.body
    assert _cache(get_query(one_worker.url, PRESIDENTS, CSV)) == "hit"


def test_another_query_is_a_miss(one_worker):
    get_query(one_worker.url, PRESIDENTS, JSON)
    other = PRESIDENTS.replace("ORDER BY ?pole", "ORDER BY DESC(?pole)")
    assert _cache(get_query(one_worker.url, other, JSON)) == "miss"


def test_a_timeout_is_never_cached(one_worker):
    for _ in range(2):
        started = time.monotonic()
        answer = get_query(one_worker.url, CARTESIAN, JSON)
        assert answer.status == 503 and answer.json()["error"] == "query-timeout"
        assert _cache(answer) is None
        # the second request ran the query again, up to the deadline (a lower bound: never flaky)
        assert time.monotonic() - started >= TIMEOUT_S * 0.9


def test_a_refused_query_is_refused_again(one_worker):
    refused = "SELECT * WHERE { SERVICE <http://127.0.0.1:1/sparql> { ?s ?p ?o } }"
    assert [get_query(one_worker.url, refused, JSON).status for _ in range(2)] == [400, 400]


# --- the key and the bound, without a server ------------------------------------------------------


def _checked(text: str):
    return check_query(text, set(), "http://127.0.0.1/sparql")


def test_normalisation_keeps_strings_and_touching_tokens():
    assert normalised_text(_checked("SELECT  *\n# c\nWHERE {?s a pg:X.}")) == "SELECT * WHERE {?s a pg:X.}"
    spaced = _checked('SELECT * WHERE { ?s ?p "a  b" }')
    assert normalised_text(spaced) != normalised_text(_checked('SELECT * WHERE { ?s ?p "a b" }'))
    assert '"a  b"' in normalised_text(spaced)
    assert normalised_text(_checked("SELECT * WHERE { ?s ?p 1 .5 }")) != \
        normalised_text(_checked("SELECT * WHERE { ?s ?p 1.5 }"))


def test_every_input_of_the_answer_is_in_the_key():
    checked = _checked(PRESIDENTS)
    job = QueryRequest(query=PRESIDENTS, result_format="json", base_iri="http://127.0.0.1/sparql")
    key = answer_key(checked, job)
    assert key == answer_key(_checked(PRESIDENTS + "\n# note"), job)
    variants = [
        answer_key(checked, QueryRequest(**{**job.__dict__, "result_format": "csv"})),
        answer_key(checked, QueryRequest(**{**job.__dict__, "max_rows": 5})),
        answer_key(checked, QueryRequest(**{**job.__dict__, "base_iri": "http://other/sparql"})),
        answer_key(checked, QueryRequest(**{**job.__dict__, "default_graphs": ["urn:g"]})),
        answer_key(checked, QueryRequest(**{**job.__dict__, "named_graphs": ["urn:g"]})),
    ]
    assert len({key, *variants}) == len(variants) + 1


def test_a_cache_belongs_to_one_release(settings, release):
    """A new release is served by a new app, whose endpoint starts with an empty cache."""
    from polegraph.web import create_app

    first, second = (create_app(settings, release) for _ in range(2))
    url = "/sparql?query=ASK%7B%7D"
    assert first.test_client().get(url).headers["Polegraph-Cache"] == "miss"
    assert first.test_client().get(url).headers["Polegraph-Cache"] == "hit"
    assert second.test_client().get(url).headers["Polegraph-Cache"] == "miss"


def _answer(size: int) -> QueryAnswer:
    return QueryAnswer(body=b"x" * size, kind="solutions", truncated=False, rows=1, seconds=0.0)


def _key(name: str) -> tuple:
    return ("answer", name, "json", None, None, None, 10)


def test_the_cache_stays_within_its_bytes_and_drops_the_least_recently_used():
    cache = QueryCache(max_bytes=40_000, keep_answers=True)
    for i in range(40):
        cache.answer(_key(f"q{i}"), lambda: _answer(1000))
        assert cache.bytes <= 40_000
    assert 0 < len(cache) < 40
    assert cache.answer(_key("q0"), lambda: _answer(1000))[1] is False  # the oldest went first
    assert cache.answer(_key("q0"), lambda: pytest.fail("computed again"))[1] is True
    cache.answer(_key("huge"), lambda: _answer(10_000))  # over 1/4 of the budget: answered, not kept
    assert cache.answer(_key("huge"), lambda: _answer(10_000))[1] is False
    for i in range(200):
        cache.checked(f"ASK {{ ?s ?p {i} }}", None, lambda i=i: _checked(f"ASK {{ ?s ?p {i} }}"))
    assert cache.bytes <= 40_000


def test_answers_are_not_kept_when_reuse_is_off_but_checks_are():
    cache = QueryCache(max_bytes=1 << 20, keep_answers=False)
    assert cache.answer(_key("q"), lambda: _answer(10)) == (_answer(10), None)
    assert cache.answer(_key("q"), lambda: _answer(10)) == (_answer(10), None)
    first = cache.checked("ASK {}", None, lambda: _checked("ASK {}"))
    assert cache.checked("ASK {}", None, lambda: pytest.fail("checked again")) is first


def test_a_failure_leaves_the_cache_as_it_was():
    cache = QueryCache(max_bytes=1 << 20, keep_answers=True)

    def times_out():
        raise QueryTimeout("stopped")

    with pytest.raises(QueryTimeout):
        cache.answer(_key("q"), times_out)
    assert len(cache) == 0
    assert cache.answer(_key("q"), lambda: _answer(10)) == (_answer(10), False)
    assert cache.answer(_key("q"), lambda: pytest.fail("computed again")) == (_answer(10), True)
    with pytest.raises(QueryTimeout):  # nor a refused query
        cache.checked("SELEC", None, times_out)
    assert len(cache) == 1


# --- ETag / 304 ---------------------------------------------------------------------------------


def test_a_304_runs_no_query(settings, release, monkeypatch):
    from polegraph.query.backend import LocalBackend
    from polegraph.web import create_app

    runs = []
    real = LocalBackend.run
    monkeypatch.setattr(LocalBackend, "run", lambda *a: runs.append(1) or real(*a))
    client = create_app(settings, release).test_client()
    url = "/sparql?query=" + PRESIDENTS.replace(" ", "%20").replace("#", "%23").replace("\n", "%0A")
    first = client.get(url, headers={"Accept": JSON})
    etag = first.headers["ETag"]
    assert first.status_code == 200 and len(runs) == 1
    again = client.get(url, headers={"Accept": JSON, "If-None-Match": etag})
    assert again.status_code == 304 and again.data == b"" and len(runs) == 1  # the endpoint never ran
    assert client.get(url, headers={"Accept": CSV}).headers["ETag"] != etag  # another format, another tag
