"""The `Store` interface over the query processes, for the web workers of `polegraph serve`.

A worker that reads the graph through its query processes holds no copy of it. It can then take a
newer release while it runs (web/server.py): it reaches the new release's zygote and loads nothing.
The core's own queries (pages, search, explorer, statistics) get the same deadline as a client's.
"""

from __future__ import annotations

import sys

import pyoxigraph as ox

from polegraph.pipeline.build import Release
from polegraph.query.backend import Reads, triples_from
from polegraph.query.processes.pool import QueryPool, QueryRequest, pool_for

_GRAPHS = "SELECT ?g WHERE { GRAPH ?g { } }"
ALL_ROWS = sys.maxsize - 1  # no row cap for the core's own queries (the serialiser reads one row more)


class PooledStore(Reads):
    """Queries of one release, answered by this process's query processes (`engine.pool_for`)."""

    def __init__(self, release: Release, timeout_s: float):
        self.release = release
        self.timeout_s = timeout_s
        self._graphs: list[str] | None = None
        self._quads: int | None = None

    @property
    def pool(self) -> QueryPool:
        return pool_for(self.release.dataset_path)

    def query(self, text: str, *, default_graphs: list[str] | None = None,
              named_graphs: list[str] | None = None):
        """Run `text`; the answer as Oxigraph result objects, as the in-process store gives them."""
        request = QueryRequest(text, result_format="json", graph_format="ntriples", max_rows=ALL_ROWS,
                               default_graphs=default_graphs or None, named_graphs=named_graphs or None)
        answer = self.pool.run(request, self.timeout_s)
        if answer.kind == "graph":
            return triples_from(answer.body, ox.RdfFormat.N_TRIPLES)
        return ox.parse_query_results(answer.body, format=ox.QueryResultsFormat.JSON)

    def named_graphs(self) -> list[str]:
        if self._graphs is None:
            self._graphs = sorted(row["g"] for row in self.select(_GRAPHS))
        return list(self._graphs)

    def __len__(self) -> int:
        """The number of statements loaded (quads), as `Store` counts them."""
        if self._quads is None:
            self._quads = self.count_quads()
        return self._quads
