"""polegraph over an existing SPARQL 1.1 store (Virtuoso, Oxigraph server, Fuseki, QLever…).

`polegraph push` loads a release into the store; `polegraph serve --store URL` then answers every
query of the web face through the store's standard query endpoint instead of the embedded engine.
Queries are checked by polegraph first (sparql_guard, as for the embedded engine) and always run
against the release's own graphs: the default graph is the merge of those graphs and GRAPH sees only
them (SPARQL Protocol `default-graph-uri` / `named-graph-uri`), so staging graphs or other data in
the store never leak into answers. Results come back as SPARQL JSON or N-Triples and are parsed into
the same Oxigraph objects the embedded store returns, so formats, errors and the row cap stay
polegraph's own.
"""

from __future__ import annotations

import logging
import time
import urllib.error
import urllib.parse
import urllib.request
from pathlib import Path

import pyoxigraph as ox

from polegraph.errors import PolegraphError
from polegraph.publish.triplestore import PushError, stored_release
from polegraph.publish.triplestore import RemoteStore as _Credentials
from polegraph.query.backend import Reads, syntax_error, triples_from
from polegraph.query.guard import CheckedQuery, check_query
from polegraph.query.processes.pool import QueryAnswer, QueryRequest, QueryTimeout
from polegraph.query.results import serialise_boolean, serialise_solutions, serialise_triples

# Asked by query form: Virtuoso answers a CONSTRUCT in a results format if the client accepts one.
ACCEPT_RESULTS = "application/sparql-results+json"
ACCEPT_GRAPH = "application/n-triples, text/plain;q=0.9, text/turtle;q=0.8"
_GRAPH_TYPES = {"application/n-triples": ox.RdfFormat.N_TRIPLES, "text/plain": ox.RdfFormat.N_TRIPLES,
                "text/turtle": ox.RdfFormat.TURTLE, "application/x-turtle": ox.RdfFormat.TURTLE}


log = logging.getLogger("polegraph.query.remote")


class StoreHoldsOtherData(PolegraphError):
    """The store was pushed a release whose content differs from the one polegraph would serve."""

    kind = "store-holds-other-data"
    http_status = 409


def check_store_holds(query_url: str, release, timeout_s: float = 30) -> None:
    """Refuse to serve `release` over a store that `push` last loaded with other content: the pages and
    downloads would describe one graph and the answers come from another. Releases with the same
    content share the end of their id (its digest). A store with no record, loaded by other means
    (docs/triplestores.md), or one that cannot be read now, is served with a warning."""
    try:
        recorded = stored_release(_Credentials(query_url, query_url, timeout_s=timeout_s))
    except PushError as exc:
        log.warning("cannot read which release the store holds (%s); serving release %s", exc.message, release.id)
        return
    if recorded is None:
        log.warning("the store at %s records no release pushed by polegraph; serving release %s as its content",
                    query_url, release.id)
    elif recorded.rsplit("-", 1)[-1] != release.id.rsplit("-", 1)[-1]:
        raise StoreHoldsOtherData(f"the store at {query_url} holds release {recorded}, whose content differs from "
                                  f"release {release.id}: run `polegraph push --to {query_url}` first")


class StoreUnavailable(PolegraphError):
    """The remote store did not answer, or answered with an error polegraph cannot pass on as a 400."""

    kind = "store-unavailable"
    http_status = 502


def release_graph_names(dataset: Path) -> list[str]:
    """The named graphs of a release file, read without loading it into a store."""
    names: set[str] = set()
    for quad in ox.parse(path=str(dataset), format=ox.RdfFormat.N_QUADS):
        if isinstance(quad.graph_name, ox.NamedNode):
            names.add(quad.graph_name.value)
    return sorted(names)


class RemoteQueryStore(Reads):
    """The `Store` interface (query, select, ask, named_graphs, len) over a remote query endpoint."""

    def __init__(self, query_url: str, graphs: list[str], release=None, timeout_s: float = 30):
        self.query_url = query_url
        self.graphs = graphs
        self.release = release
        self.timeout_s = timeout_s
        self._credentials = _Credentials(query_url, query_url)
        self._size: int | None = None

    @classmethod
    def for_release(cls, query_url: str, release, timeout_s: float = 30) -> RemoteQueryStore:
        return cls(query_url, release_graph_names(release.dataset_path), release, timeout_s)

    def __len__(self) -> int:
        if self._size is None:
            self._size = self.count_quads()
        return self._size

    def named_graphs(self) -> list[str]:
        return list(self.graphs)

    def _dataset(self, checked: CheckedQuery, default_graphs, named_graphs) -> list[tuple[str, str]]:
        """Protocol parameters confining the query to the release's graphs."""
        if default_graphs or named_graphs:
            chosen = [("default-graph-uri", g) for g in default_graphs or []]
            return chosen + [("named-graph-uri", g) for g in named_graphs or []]
        if checked.has_dataset_clause:  # FROM / FROM NAMED, checked to name only the release's graphs
            return []
        return [("default-graph-uri", g) for g in self.graphs] + [("named-graph-uri", g) for g in self.graphs]

    def query(self, text: str, *, default_graphs: list[str] | None = None,
              named_graphs: list[str] | None = None, timeout_s: float | None = None):
        """Run `text` on the remote store; answers as Oxigraph result objects, like the embedded store."""
        _check_syntax(text)
        checked = check_query(text, set(self.graphs))  # the store sees only what the endpoint would run
        params = [("query", text), *self._dataset(checked, default_graphs, named_graphs)]
        accept = ACCEPT_GRAPH if checked.form in ("CONSTRUCT", "DESCRIBE") else ACCEPT_RESULTS
        request = urllib.request.Request(
            self.query_url, data=urllib.parse.urlencode(params).encode(), method="POST",
            headers={"Content-Type": "application/x-www-form-urlencoded", "Accept": accept,
                     **self._credentials.auth_header()})
        try:
            with urllib.request.urlopen(request, timeout=timeout_s or self.timeout_s) as response:
                body = response.read()
                content_type = (response.headers.get("Content-Type") or "").split(";")[0].strip().lower()
        except TimeoutError:
            raise QueryTimeout(f"the store did not answer within {timeout_s or self.timeout_s:g} s") from None
        except urllib.error.HTTPError as exc:
            detail = exc.read()[:300].decode(errors="replace").strip()
            raise StoreUnavailable(f"the store answered HTTP {exc.code}: {detail}") from None
        except OSError as exc:
            if "timed out" in str(exc):
                raise QueryTimeout(f"the store did not answer within {timeout_s or self.timeout_s:g} s") from None
            raise StoreUnavailable(f"the store at {self.query_url} cannot be reached: {exc}") from None
        if "json" in content_type:
            return ox.parse_query_results(body, format=ox.QueryResultsFormat.JSON)
        if "xml" in content_type and "sparql-results" in content_type:
            return ox.parse_query_results(body, format=ox.QueryResultsFormat.XML)
        rdf_format = _GRAPH_TYPES.get(content_type)
        if rdf_format is None:
            raise StoreUnavailable(f"the store answered an unexpected media type {content_type or '(none)'}")
        return triples_from(body, rdf_format)



_EMPTY = ox.Store()


def _check_syntax(text: str) -> None:
    """A syntax error is reported by polegraph, with line and column, before the store sees the query."""
    try:
        _EMPTY.query(text)
    except SyntaxError as exc:
        raise syntax_error(exc) from None


class RemoteEngine:
    """The endpoint's engine (`run(QueryRequest, timeout) -> QueryAnswer`) over a remote store.

    The deadline is the HTTP timeout of the call: polegraph stops waiting and answers 503; the store
    must stop the query itself (set its own execution time limit — see docs/triplestores.md).
    """

    def __init__(self, store: RemoteQueryStore):
        self.store = store

    def run(self, request: QueryRequest, timeout_s: float) -> QueryAnswer:
        started = time.monotonic()
        if request.syntax_only:
            _check_syntax(request.query)
            return QueryAnswer(b"", "none", False, 0, time.monotonic() - started)
        results = self.store.query(request.query, default_graphs=request.default_graphs,
                                   named_graphs=request.named_graphs, timeout_s=timeout_s)
        if isinstance(results, ox.QueryBoolean):
            body = serialise_boolean(bool(results), request.result_format)
            return QueryAnswer(body, "boolean", False, 1, time.monotonic() - started)
        if isinstance(results, ox.QuerySolutions):
            out = serialise_solutions(results, request.result_format, request.max_rows)
            kind = "solutions"
        else:
            out = serialise_triples(results, request.graph_format, request.max_rows, request.prefixes)
            kind = "graph"
        return QueryAnswer(out.body, kind, out.truncated, out.rows, time.monotonic() - started)
