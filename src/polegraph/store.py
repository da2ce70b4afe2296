"""The query engine over a release: an in-memory Oxigraph store (pyoxigraph).

rdflib stays the tool to build and validate; Oxigraph answers queries, 50–150× faster (KNOWN.md).
The default graph of a query is the union of all named graphs unless the query or the request says
otherwise.
"""

from __future__ import annotations

import re
from pathlib import Path

import pyoxigraph as ox

from .build import Release
from .errors import QueryError

_SYNTAX_POSITION = re.compile(r"(?:line|at)\s+(\d+)[:,\s]+(?:column\s+)?(\d+)", re.I)


def term_value(term) -> str:
    """The lexical value of an Oxigraph term: an IRI's string, a literal's text, a blank node's id."""
    return term.value if term is not None else ""


class Store:
    """A read-only SPARQL store loaded from one release."""

    def __init__(self, store: ox.Store, release: Release | None = None):
        self._store = store
        self.release = release

    @classmethod
    def from_release(cls, release: Release) -> Store:
        store = ox.Store()
        store.bulk_load(path=str(release.dataset_path), format=ox.RdfFormat.N_QUADS)
        return cls(store, release)

    @classmethod
    def from_file(cls, path: Path, fmt: ox.RdfFormat = ox.RdfFormat.N_QUADS) -> Store:
        store = ox.Store()
        store.bulk_load(path=str(path), format=fmt)
        return cls(store)

    def __len__(self) -> int:
        return len(self._store)

    def named_graphs(self) -> list[str]:
        return sorted(g.value for g in self._store.named_graphs() if isinstance(g, ox.NamedNode))

    def query(self, text: str, *, default_graphs: list[str] | None = None,
              named_graphs: list[str] | None = None):
        """Run a SPARQL query; a syntax error becomes a QueryError with line and column when known."""
        kwargs: dict = {}
        if default_graphs:
            kwargs["default_graph"] = [ox.NamedNode(g) for g in default_graphs]
        else:
            kwargs["use_default_graph_as_union"] = True
        if named_graphs:
            kwargs["named_graphs"] = [ox.NamedNode(g) for g in named_graphs]
        try:
            return self._store.query(text, **kwargs)
        except SyntaxError as exc:
            message = str(exc)
            match = _SYNTAX_POSITION.search(message)
            line, column = (int(match.group(1)), int(match.group(2))) if match else (None, None)
            raise QueryError(f"SPARQL syntax error: {message}", line=line, column=column) from None

    def select(self, text: str) -> list[dict[str, str]]:
        """Rows of a SELECT as {variable: lexical value}; unbound variables are left out."""
        results = self.query(text)
        if not isinstance(results, ox.QuerySolutions):
            raise QueryError("expected a SELECT query")
        names = [v.value for v in results.variables]
        return [{n: term_value(row[n]) for n in names if row[n] is not None} for row in results]

    def ask(self, text: str) -> bool:
        results = self.query(text)
        if not isinstance(results, ox.QueryBoolean):
            raise QueryError("expected an ASK query")
        return bool(results)
