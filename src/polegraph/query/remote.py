"""polegraph over an existing SPARQL 1.1 store (Virtuoso, Oxigraph server, Fuseki, QLever…).

`polegraph push` loads a release into the store; `polegraph serve --store URL` then answers every
query of the web face through the store's standard query endpoint instead of the query processes.
Queries are checked by polegraph first (query/guard.py, as for the other backends) and always run
against the release's own graphs: the default graph is the merge of those graphs and GRAPH sees only
them (SPARQL Protocol `default-graph-uri` / `named-graph-uri`), so staging graphs or other data in
the store never leak into answers. Results come back as SPARQL JSON or N-Triples and are parsed into
the same Oxigraph objects the other backends give, so formats, errors and the row cap stay
polegraph's own. The deadline is the HTTP timeout: the store must stop the query itself (its own
execution time limit, docs/triplestores.md).
"""

from __future__ import annotations

import base64
import logging
import time
from pathlib import Path

import httpx
import pyoxigraph as ox

from polegraph.errors import QueryTimeout, StoreHoldsOtherData, StoreUnavailable
from polegraph.pipeline.release import Release
from polegraph.query.backend import Backend, QueryAnswer, QueryRequest, sparql_term, syntax_error, triples_from
from polegraph.query.guard import check_query, with_values
from polegraph.query.processes.deadline import run_with_deadline
from polegraph.settings import Settings
from polegraph.vocab import ALIGNMENT_GRAPH, DCTERMS, RELEASES_GRAPH

# Asked by query form: Virtuoso answers a CONSTRUCT in a results format if the client accepts one.
ACCEPT_RESULTS = "application/sparql-results+json"
ACCEPT_GRAPH = "application/n-triples, text/plain;q=0.9, text/turtle;q=0.8"
_GRAPH_TYPES = {"application/n-triples": ox.RdfFormat.N_TRIPLES, "text/plain": ox.RdfFormat.N_TRIPLES,
                "text/turtle": ox.RdfFormat.TURTLE, "application/x-turtle": ox.RdfFormat.TURTLE}
log = logging.getLogger("polegraph.query")


def store_headers(settings: Settings) -> dict[str, str]:
    """The triple store's credentials as an Authorization header: a bearer token, or HTTP basic."""
    if settings.store_token:
        return {"Authorization": f"Bearer {settings.store_token}"}
    if settings.store_user:
        secret = f"{settings.store_user}:{settings.store_password or ''}".encode()
        return {"Authorization": "Basic " + base64.b64encode(secret).decode()}
    return {}


def ask_store(query_url: str, params: list[tuple[str, str]], accept: str, headers: dict[str, str],
              timeout_s: float) -> tuple[str, bytes]:
    """(media type, body) of a SPARQL query POSTed to `query_url`; the store's failures as polegraph's."""
    try:
        response = httpx.post(query_url, data=dict(_grouped(params)), timeout=timeout_s,
                              headers={"Accept": accept, **headers})
    except httpx.TimeoutException:
        raise QueryTimeout(f"the store did not answer within {timeout_s:g} s") from None
    except httpx.HTTPError as exc:
        raise StoreUnavailable(f"the store at {query_url} cannot be reached: {exc}") from None
    if response.status_code != 200:
        raise StoreUnavailable(f"the store answered HTTP {response.status_code}: {response.text[:300].strip()}")
    return response.headers.get("content-type", "").split(";")[0].strip().lower(), response.content


def _grouped(params: list[tuple[str, str]]) -> dict[str, list[str]]:
    grouped: dict[str, list[str]] = {}
    for name, value in params:
        grouped.setdefault(name, []).append(value)
    return grouped


def recorded_release(query_url: str, headers: dict[str, str], timeout_s: float) -> str | None:
    """The id of the release `polegraph push` last switched the store to; None if no push recorded one."""
    query = f"SELECT ?id WHERE {{ GRAPH <{RELEASES_GRAPH}> {{ ?r <{DCTERMS}identifier> ?id }} }}"
    _, body = ask_store(query_url, [("query", query)], ACCEPT_RESULTS, headers, timeout_s)
    rows = [row for row in ox.parse_query_results(body, format=ox.QueryResultsFormat.JSON)]
    return rows[0]["id"].value if rows else None


def release_graph_names(dataset: Path) -> list[str]:
    """The named graphs of a release file, read without loading it into a store."""
    names: set[str] = set()
    for quad in ox.parse(path=str(dataset), format=ox.RdfFormat.N_QUADS):
        if isinstance(quad.graph_name, ox.NamedNode):
            names.add(quad.graph_name.value)
    return sorted(names)


def _check_syntax(text: str) -> None:
    """Raise polegraph's QueryError (line, column) for a syntax error; in a child process killed at its
    deadline, since Oxigraph may evaluate part of a query while it reads it."""
    try:
        ox.Store().query(text)
    except SyntaxError as exc:
        raise syntax_error(exc) from None


class RemoteBackend(Backend):
    """A release answered by a remote SPARQL store (see the module's docstring)."""

    def __init__(self, settings: Settings, release: Release):
        self.query_url = settings.store_url
        self.release = release
        self.graphs = release_graph_names(release.dataset_path)
        self.timeout_s = settings.query_timeout_s
        self._headers = store_headers(settings)

    def named_graphs(self) -> list[str]:
        return list(self.graphs)

    def check_holds_release(self) -> None:
        """Refuse to serve the release over a store that `push` last loaded with other content: the
        pages and downloads would describe one graph and the answers come from another. Releases with
        the same content share the end of their id (its digest). A store with no record (loaded by
        other means, docs/triplestores.md), or one that cannot be read now, is served with a warning."""
        release = self.release
        try:
            recorded = recorded_release(self.query_url, self._headers, self.timeout_s)
        except (StoreUnavailable, QueryTimeout) as exc:
            log.warning("cannot read which release the store holds (%s); serving release %s", exc.message, release.id)
            return
        if recorded is None:
            log.warning("the store at %s records no release pushed by polegraph; serving release %s as its "
                        "content", self.query_url, release.id)
        elif recorded.rsplit("-", 1)[-1] != release.id.rsplit("-", 1)[-1]:
            raise StoreHoldsOtherData(f"the store at {self.query_url} holds release {recorded}, whose content "
                                      f"differs from release {release.id}: run `polegraph push --to "
                                      f"{self.query_url}` first")

    def _dataset(self, has_dataset_clause: bool, default_graphs, named_graphs) -> list[tuple[str, str]]:
        """Protocol parameters confining the query to the release's graphs."""
        if default_graphs or named_graphs:
            chosen = [("default-graph-uri", g) for g in default_graphs or []]
            return chosen + [("named-graph-uri", g) for g in named_graphs or []]
        if has_dataset_clause:  # FROM / FROM NAMED, checked to name only the release's graphs
            return []
        default = [g for g in self.graphs if g != ALIGNMENT_GRAPH]  # as the other backends' default graph
        return [("default-graph-uri", g) for g in default] + [("named-graph-uri", g) for g in self.graphs]

    def query(self, text: str, *, default_graphs: list[str] | None = None, named_graphs: list[str] | None = None,
              timeout_s: float | None = None, substitutions: dict[str, dict] | None = None):
        """Run `text` on the store; answers as Oxigraph result objects, like the other backends.

        The SPARQL protocol has no way to bind a variable, so checked substitutions travel as a VALUES
        block written into the text (guard.with_values), each term written by Oxigraph."""
        if substitutions:
            text = with_values(text, {name: sparql_term(term) for name, term in substitutions.items()})
        checked = check_query(text, set(self.graphs))  # the store sees only what the endpoint would run
        params = [("query", text), *self._dataset(checked.has_dataset_clause, default_graphs, named_graphs)]
        accept = ACCEPT_GRAPH if checked.form in ("CONSTRUCT", "DESCRIBE") else ACCEPT_RESULTS
        timeout_s = timeout_s or self.timeout_s
        try:
            media_type, body = ask_store(self.query_url, params, accept, self._headers, timeout_s)
        except StoreUnavailable:
            run_with_deadline(_check_syntax, (text,), timeout_s, "reading the query")  # polegraph's own message
            raise
        if "json" in media_type:
            return ox.parse_query_results(body, format=ox.QueryResultsFormat.JSON)
        if "xml" in media_type and "sparql-results" in media_type:
            return ox.parse_query_results(body, format=ox.QueryResultsFormat.XML)
        rdf_format = _GRAPH_TYPES.get(media_type)
        if rdf_format is None:
            raise StoreUnavailable(f"the store answered an unexpected media type {media_type or '(none)'}")
        return triples_from(body, rdf_format)

    def run(self, request: QueryRequest, timeout_s: float) -> QueryAnswer:
        if request.syntax_only:
            started = time.monotonic()
            run_with_deadline(_check_syntax, (request.query,), timeout_s, "reading the query")
            return QueryAnswer(b"", "none", False, 0, time.monotonic() - started)
        return super().run(request, timeout_s)
