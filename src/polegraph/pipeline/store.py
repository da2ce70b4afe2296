"""The release's dataset in an Oxigraph store, as the service and the build's own counts read it.

The default graph of the store is the RDF merge (a set) of the named graphs but the alignment graph: one
link is one property unless a query asks for the standard vocabularies' copies (`GRAPH`, `FROM`, or
default-graph-uri naming that graph).
"""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pyoxigraph as ox

from polegraph.pipeline.release import Release, verify_release
from polegraph.vocab import ALIGNMENT_GRAPH


def load_release(release: Release) -> tuple[ox.Store, int]:
    """The release's dataset in a store, once every file of the release matches its checksum (else
    NoRelease, and the store is dropped).

    The check runs in a second thread while Oxigraph loads: both release the GIL, so on two cores it
    adds no time to a start. As the bytes loaded are those the build validated, Oxigraph need not
    check every IRI again (`lenient`: a fifth of the load at ×100, docs/benchmarks.md).
    """
    with ThreadPoolExecutor(max_workers=1, thread_name_prefix="verify") as checker:
        verified = checker.submit(verify_release, release)
        loaded = load_dataset(release.dataset_path, lenient=True)
        verified.result()
    return loaded


def load_dataset(path: Path, fmt: ox.RdfFormat = ox.RdfFormat.N_QUADS, *,
                 lenient: bool = False) -> tuple[ox.Store, int]:
    """An in-memory store of `path` with the merged default graph; returns it and its number of quads.
    `lenient` skips Oxigraph's validation of IRIs and language tags: only for bytes already checked.

    Oxigraph's `use_default_graph_as_union` yields a triple once per graph holding it, so a triple
    stated in three sections would be counted three times; copying every triple into the default graph
    once gives SPARQL's semantics of a merged default graph.
    """
    store = ox.Store()
    store.bulk_load(path=str(path), format=fmt, lenient=lenient)
    quads = len(store)
    # Copied inside the engine: 2× faster than through Python objects, and as fast as loading a copy
    # written by the build (measured at ×100: 3.4 s either way).
    store.update(f"INSERT {{ ?s ?p ?o }} WHERE {{ GRAPH ?g {{ ?s ?p ?o }} FILTER (?g != <{ALIGNMENT_GRAPH}>) }}")
    return store, quads


def term_value(term) -> str:
    """The lexical value of an Oxigraph term: an IRI's string, a literal's text, a blank node's id."""
    return term.value if term is not None else ""


def solution_rows(results: ox.QuerySolutions) -> list[dict[str, str]]:
    """Rows of a SELECT as {variable: lexical value}; unbound variables are left out."""
    names = [v.value for v in results.variables]
    return [{n: term_value(row[n]) for n in names if row[n] is not None} for row in results]
