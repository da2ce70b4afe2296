"""The results the query processes write: the same document Oxigraph's own serialiser gives, with the
row cap stated in the body when it cut the results."""

from __future__ import annotations

import json

import pyoxigraph as ox
import pytest

from polegraph.serialise import serialise_solutions

# Every kind of term a SELECT can bind, with the characters JSON must escape and some it must keep.
TRICKY = """
@prefix ex: <http://example.org/> .
ex:a ex:p "plain", "with \\"quotes\\", a \\\\ backslash,\\ttab and\\nnewline", "é ü 漢字 \\u0001"@fr,
         "42"^^<http://www.w3.org/2001/XMLSchema#integer>, "x"^^ex:type, _:b1, ex:b .
ex:b ex:p "de"@de-CH .
"""
QUERY = "SELECT ?s ?o ?missing WHERE { ?s ?p ?o OPTIONAL { ?s ?nothing ?missing FILTER(false) } } ORDER BY ?s ?o"


@pytest.fixture(scope="module")
def store() -> ox.Store:
    store = ox.Store()
    store.load(TRICKY.encode(), format=ox.RdfFormat.TURTLE)
    return store


def test_json_results_are_those_oxigraph_writes(store):
    ours = json.loads(serialise_solutions(store.query(QUERY), "json", 100).body)
    theirs = json.loads(store.query(QUERY).serialize(format=ox.QueryResultsFormat.JSON))
    assert ours == theirs
    assert len(ours["results"]["bindings"]) == 8
    assert "polegraph" not in ours


def test_json_results_cut_at_the_row_cap_say_so(store):
    out = serialise_solutions(store.query(QUERY), "json", 3)
    document = json.loads(out.body)
    assert (out.truncated, out.rows, len(document["results"]["bindings"])) == (True, 3, 3)
    assert document["polegraph"]["truncated"] is True and document["polegraph"]["max_rows"] == 3
    full = json.loads(store.query(QUERY).serialize(format=ox.QueryResultsFormat.JSON))
    assert document["results"]["bindings"] == full["results"]["bindings"][:3]
