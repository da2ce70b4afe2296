"""Limits that keep the service up, against a real server started with POLEGRAPH_QUERY_TIMEOUT=2 (issue 8).

An expensive query is stopped for real at the deadline (its process killed, CPU freed) while a
concurrent simple query still answers within a second; results over the row cap are cut and say so.
"""

from __future__ import annotations

import concurrent.futures
import csv
import io
import os
import time
from pathlib import Path

import pytest
import rdflib

from tests.support.http import call, get_query
from tests.support.processes import descendants, process_name
from tests.support.servers import start_polegraph

TIMEOUT_S = 2
MAX_ROWS = 25
CARTESIAN = "SELECT (COUNT(*) AS ?n) WHERE { ?a ?b ?c . ?d ?e ?f . ?g ?h ?i }"
CATASTROPHIC_REGEX = ('SELECT (COUNT(*) AS ?n) WHERE { ?s ?p ?o '
                      'FILTER(REGEX(CONCAT(STR(?o), STR(?o), STR(?o), STR(?o)), "(.{1,100}){100}y")) }')
SIMPLE = "ASK { <https://w3id.org/polegraph/id/pole/minalogic> a <https://w3id.org/polegraph/ontology#Pole> }"


@pytest.fixture(scope="module")
def limited(settings, release, tmp_path_factory):
    log = tmp_path_factory.mktemp("limited") / "server.log"
    server = start_polegraph(settings.var_dir, log, {"POLEGRAPH_QUERY_TIMEOUT": str(TIMEOUT_S),
                                          "POLEGRAPH_MAX_ROWS": str(MAX_ROWS)})
    try:
        expected = settings.query_processes  # the zygote has started all its query processes
        deadline = time.monotonic() + 60
        while len(_query_processes(server)) < expected and time.monotonic() < deadline:
            time.sleep(0.2)
        yield server
    finally:
        server.stop()


def _query_processes(server) -> list[int]:
    """The query processes (named polegraph-query, forked by the zygote) under the server."""
    return [pid for pid in descendants(server.process.pid) if process_name(pid) == "polegraph-query"]


def _workers(server) -> list[int]:
    return [pid for pid in descendants(server.process.pid)
            if _parent(pid) == server.process.pid and process_name(pid) == "polegraph"]


def _timed(url: str, query: str, source: str | None = None):
    started = time.monotonic()
    answer = get_query(url, query, timeout=120, source=source)
    return answer, time.monotonic() - started


def test_expensive_queries_are_stopped_while_a_simple_one_is_answered(limited):
    warm = get_query(limited.url, SIMPLE)
    assert warm.status == 200, warm.text
    before = sorted(_query_processes(limited))
    with concurrent.futures.ThreadPoolExecutor(max_workers=3) as pool:
        expensive = [pool.submit(_timed, limited.url, q) for q in (CARTESIAN, CATASTROPHIC_REGEX)]
        time.sleep(0.5)  # both are running now
        simple, simple_seconds = _timed(limited.url, SIMPLE, source="127.0.0.3")  # another client
        results = [future.result() for future in expensive]
    assert simple.status == 200 and simple.json()["boolean"] is True
    assert simple_seconds < 1.0, f"a simple query took {simple_seconds:.2f} s while expensive ones ran"
    for answer, seconds in results:
        assert answer.status == 503, answer.text
        assert "retry-after" in answer.headers
        assert f"{TIMEOUT_S} s" in answer.json()["message"]
        assert TIMEOUT_S <= seconds < TIMEOUT_S + 8
    # the stopped queries' processes were killed (CPU freed) and replaced by fresh ones; a SIGKILL and
    # the fork of a replacement take a moment, so wait for both, not for the first one only
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline:
        after = sorted(_query_processes(limited))
        if len(after) == len(before) and len(set(before) - set(after)) >= 2:
            break
        time.sleep(0.2)
    assert len(after) == len(before) and len(set(before) - set(after)) >= 2
    assert get_query(limited.url, SIMPLE).json()["boolean"] is True


def test_results_over_the_row_cap_are_cut_and_say_so(limited):
    query = "SELECT ?s ?p ?o WHERE { ?s ?p ?o }"
    answer = get_query(limited.url, query)
    assert answer.status == 200
    assert answer.headers["polegraph-results-truncated"] == "true"
    body = answer.json()
    assert len(body["results"]["bindings"]) == MAX_ROWS
    assert body["polegraph"]["truncated"] is True and body["polegraph"]["max_rows"] == MAX_ROWS
    as_xml = get_query(limited.url, query, accept="application/sparql-results+xml")
    assert as_xml.headers["polegraph-results-truncated"] == "true" and b"truncated" in as_xml.body
    as_csv = get_query(limited.url, query, accept="text/csv")
    assert as_csv.headers["polegraph-results-truncated"] == "true"
    table = list(csv.reader(io.StringIO(as_csv.text)))
    assert len(table) == 1 + MAX_ROWS + 1 and {len(row) for row in table} == {3}  # still a rectangular CSV
    assert table[-1][0].startswith("# results truncated at") and table[-1][1:] == ["", ""]  # a row a spreadsheet shows
    as_tsv = get_query(limited.url, query, accept="text/tab-separated-values")
    last = as_tsv.text.rstrip("\n").split("\n")[-1].split("\t")
    assert len(last) == 3 and last[0].startswith('"# results truncated at')
    graph = get_query(limited.url, "CONSTRUCT WHERE { ?s ?p ?o }", accept="text/turtle")
    assert graph.headers["polegraph-results-truncated"] == "true" and graph.text.startswith("# ")
    assert len(rdflib.Graph().parse(data=graph.body, format="turtle")) == MAX_ROWS


def test_results_under_the_cap_carry_no_truncation_mark(limited):
    answer = get_query(limited.url, "SELECT ?s WHERE { ?s ?p ?o } LIMIT 3")
    assert "polegraph-results-truncated" not in answer.headers
    assert "polegraph" not in answer.json()


def test_access_log_names_each_request_with_its_id(limited):
    answer = call(limited.url, "GET", "/health")
    request_id = answer.headers["x-request-id"]
    deadline = time.monotonic() + 5
    while time.monotonic() < deadline and request_id not in Path(limited.log_path).read_text(errors="replace"):
        time.sleep(0.1)
    lines = [line for line in Path(limited.log_path).read_text(errors="replace").splitlines() if request_id in line]
    assert lines and '"GET /health HTTP/1.1" 200' in lines[0]


def test_a_killed_worker_leaves_the_query_processes_to_the_others(limited, settings):
    """A worker killed outright is replaced, and the query processes, which every worker shares, are
    neither lost nor orphaned: the same ones answer the new worker's queries."""
    import signal

    before = set(_query_processes(limited))
    assert len(before) == settings.query_processes
    killed = _workers(limited)[0]
    os.kill(killed, signal.SIGKILL)
    deadline = time.monotonic() + 30  # Granian replaces the worker
    while time.monotonic() < deadline and (killed in _workers(limited) or len(_workers(limited)) < settings.workers):
        time.sleep(0.1)
    assert killed not in _workers(limited) and len(_workers(limited)) == settings.workers
    for _ in range(2 * settings.workers):
        assert get_query(limited.url, SIMPLE).json()["boolean"] is True
    assert set(_query_processes(limited)) == before


def _parent(pid: int) -> int:
    try:
        return int(Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[1])
    except OSError:
        return -1
