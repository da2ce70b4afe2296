"""The results the query processes write: the same document Oxigraph's own serialiser gives, with the
row cap stated in the body when it cut the results."""

from __future__ import annotations

import json

import pyoxigraph as ox
import pytest

from polegraph.query.results import oxigraph_json, serialise_solutions

# Every kind of term a SELECT can bind, with the characters JSON must escape and some it must keep.
TRICKY = """
@prefix ex: <http://example.org/> .
ex:a ex:p "plain", "with \\"quotes\\", a \\\\ backslash,\\ttab and\\nnewline", "é ü 漢字 \\u0001"@fr,
         "42"^^<http://www.w3.org/2001/XMLSchema#integer>, "x"^^ex:type, _:b1, ex:b .
ex:b ex:p "de"@de-CH .
"""
QUERY = "SELECT ?s ?o ?missing WHERE { ?s ?p ?o OPTIONAL { ?s ?nothing ?missing FILTER(false) } } ORDER BY ?s ?o"


def _loaded(text: str, fmt: ox.RdfFormat) -> ox.Store:
    store = ox.Store()
    store.load(text.encode(), format=fmt)
    return store


@pytest.fixture(scope="module")
def store() -> ox.Store:
    return _loaded(TRICKY, ox.RdfFormat.TURTLE)


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


# --- Oxigraph's own JSON writer, cut at the row cap (the query processes' usual path) ---------------

MANY = "".join(f'<http://example.org/s{i:05d}> <http://example.org/p> "v{i} with a }},{{\\" seam-like text" .\n'
               for i in range(3000))
ORDERED = "SELECT ?s ?o WHERE { ?s ?p ?o } ORDER BY ?s"


@pytest.fixture(scope="module")
def many() -> ox.Store:
    return _loaded(MANY, ox.RdfFormat.N_TRIPLES)


@pytest.mark.parametrize("max_rows", [1, 2, 999, 2999, 3000, 3001, 10000])
def test_oxigraph_json_gives_the_document_written_here_at_any_cap(many, max_rows):
    fast = oxigraph_json(many.query(ORDERED), max_rows)
    slow = serialise_solutions(many.query(ORDERED), "json", max_rows)
    assert fast is not None
    assert (fast.truncated, fast.rows) == (slow.truncated, slow.rows) == (max_rows < 3000, min(max_rows, 3000))
    assert json.loads(fast.body) == json.loads(slow.body)


def test_oxigraph_json_counts_no_rows_and_single_empty_rows(store):
    none = oxigraph_json(store.query("SELECT ?s WHERE { ?s ?p ?o FILTER(false) }"), 10)
    assert (none.rows, json.loads(none.body)["results"]["bindings"]) == (0, [])
    one_empty = oxigraph_json(store.query("SELECT ?x WHERE { }"), 10)
    assert (one_empty.rows, json.loads(one_empty.body)["results"]["bindings"]) == (1, [{}])


def test_oxigraph_json_declines_what_it_cannot_count(store):
    """Empty solutions after another one, or a literal holding `},{}`: the caller writes them here."""
    assert oxigraph_json(store.query("SELECT ?x WHERE { ?s ?p ?o }"), 100) is None
    literal = ox.Store()
    literal.load(b'<http://example.org/a> <http://example.org/p> "},{}" .\n', format=ox.RdfFormat.N_TRIPLES)
    assert oxigraph_json(literal.query("SELECT ?o WHERE { ?s ?p ?o }"), 100) is None
