"""The web workers of `polegraph serve` read the graph through their query processes (ProcessBackend):
every read the pages, search and explorer make must give what the in-process backend gives."""

from __future__ import annotations

import pytest

from polegraph.errors import QueryError
from polegraph.query.processes.pool import ProcessBackend
from polegraph.query.processes.zygote import Zygote

PG = "https://w3id.org/polegraph/ontology#"


@pytest.fixture(scope="module")
def pooled(release, store) -> ProcessBackend:
    backend = ProcessBackend(release, Zygote.fork(store.oxigraph, 2), processes=2, timeout_s=30)
    yield backend
    backend.pool.close()
    backend.zygote.close()


def rows(results) -> list[tuple]:
    return sorted(tuple(str(row[v]) if row[v] is not None else None for v in range(len(results.variables)))
                  for row in results)


def test_select_gives_the_same_solutions_with_the_same_term_kinds(pooled, store):
    text = f"SELECT ?pole ?label WHERE {{ ?pole a <{PG}Pole> ; <http://www.w3.org/2000/01/rdf-schema#label> ?label }}"
    assert rows(pooled.query(text)) == rows(store.query(text))
    assert len(pooled.select(text)) >= 50  # the manifesto names about 53 pôles


def test_construct_gives_the_same_triples(pooled, store):
    text = f"CONSTRUCT {{ ?s a <{PG}Pole> }} WHERE {{ ?s a <{PG}Pole> }}"
    assert {str(t) for t in pooled.query(text)} == {str(t) for t in store.query(text)}


def test_ask_graphs_size_and_dataset_restriction(pooled, store):
    assert pooled.ask(f"ASK {{ ?s a <{PG}Pole> }}") is True
    assert pooled.named_graphs() == store.named_graphs()
    assert len(pooled) == len(store)
    graph = store.named_graphs()[0]
    text = "SELECT (COUNT(*) AS ?n) WHERE { ?s ?p ?o }"
    assert rows(pooled.query(text, default_graphs=[graph])) == rows(store.query(text, default_graphs=[graph]))


def test_a_bad_query_is_a_query_error_with_its_position(pooled):
    with pytest.raises(QueryError) as caught:
        pooled.query("SELECT ?s WHERE { ?s ?p }")
    assert caught.value.line == 1
