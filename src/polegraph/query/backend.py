"""One interface over every place a release can be queried: this process, the query processes, a store.

A `Backend` answers SPARQL over one release in two ways: `query` gives Oxigraph result objects (the
pages and the command line read them), `run` gives a serialised answer under a deadline (the
endpoint sends it as it is). Three backends implement it: `LocalBackend` (the release loaded in this
process: the command line and the tests), `processes.ProcessBackend` (killable query processes:
`polegraph serve`) and `remote.RemoteBackend` (a SPARQL store loaded by `polegraph push`).

The default graph of a query is the merge of the release's named graphs unless the query or the
request says otherwise.
"""

from __future__ import annotations

import re
import time
from dataclasses import dataclass

import pyoxigraph as ox

from polegraph.errors import QueryError
from polegraph.pipeline.release import Release
from polegraph.pipeline.store import load_release, solution_rows
from polegraph.query.results import serialise

_SYNTAX_POSITION = re.compile(r"(?:line|at)\s+(\d+)[:,\s]+(?:column\s+)?(\d+)", re.I)
_MAX_MESSAGE = 400


@dataclass
class QueryRequest:
    """What a backend needs to answer: the text, the dataset, the wanted format and the row cap."""

    query: str
    result_format: str = "json"  # for SELECT / ASK
    graph_format: str = "turtle"  # for CONSTRUCT / DESCRIBE
    max_rows: int = 10000
    default_graphs: list[str] | None = None
    named_graphs: list[str] | None = None
    prefixes: dict[str, str] | None = None
    base_iri: str | None = None  # relative IRIs resolve against the endpoint's URL (SPARQL Protocol §2.1.4)
    syntax_only: bool = False  # parse and report errors, nothing else
    timeout_s: float | None = None  # the deadline, which a query process also enforces on itself
    # Values bound to variables by the engine, never written into the text (SEP-0007 substitution):
    # variable name → SPARQL JSON term ({"type": "uri", "value": …}); a named query's parameters.
    substitutions: dict[str, dict] | None = None


@dataclass
class QueryAnswer:
    body: bytes
    kind: str  # "solutions", "boolean", "graph" (or "none" for a syntax check)
    truncated: bool
    rows: int
    seconds: float
    gzipped: bytes | None = None  # the body gzipped, once a client that takes gzip asked (query/cache.py keeps it)


def syntax_error(exc: SyntaxError) -> QueryError:
    """The project's QueryError for Oxigraph's SyntaxError, with line and column when it gives them."""
    message = " ".join(str(exc).split())
    match = _SYNTAX_POSITION.search(message)
    line, column = (int(match.group(1)), int(match.group(2))) if match else (None, None)
    if match:
        message = re.sub(r"^error\s*:\s*", "", (message[: match.start()] + message[match.end():]).strip(" :"))
        message = re.sub(r",? \[.*$", "", message)  # drop Unicode-range listings: noise to a reader
    if len(message) > _MAX_MESSAGE:
        message = message[:_MAX_MESSAGE] + "…"
    where = f" at line {line}, column {column}" if line else ""
    return QueryError(f"SPARQL syntax error{where}: {message}", line=line, column=column)


def triples_from(body: bytes, fmt: ox.RdfFormat) -> ox.QueryTriples:
    """Triples read from a serialised graph (another process's answer), as a CONSTRUCT would give them."""
    graph = ox.Store()
    graph.load(body, format=fmt)
    return graph.query("CONSTRUCT WHERE { ?s ?p ?o }")


def oxigraph_term(term: dict) -> ox.NamedNode | ox.Literal:
    """A SPARQL JSON term (an IRI or a literal) as an Oxigraph term."""
    if term.get("type") == "uri":
        return ox.NamedNode(term["value"])
    if term.get("type") == "literal":
        if term.get("xml:lang"):
            return ox.Literal(term["value"], language=term["xml:lang"])
        if term.get("datatype"):
            return ox.Literal(term["value"], datatype=ox.NamedNode(term["datatype"]))
        return ox.Literal(term["value"])
    raise QueryError(f"cannot bind a {term.get('type')!r} term")


def sparql_term(term: dict) -> str:
    """A SPARQL JSON term in SPARQL syntax (Oxigraph writes it, escapes included)."""
    return str(oxigraph_term(term))


def bindings(substitutions: dict[str, dict] | None) -> dict[ox.Variable, ox.NamedNode | ox.Literal]:
    """The substitutions of a request as pyoxigraph takes them."""
    return {ox.Variable(name): oxigraph_term(term) for name, term in (substitutions or {}).items()}


def run_on(store: ox.Store, request: QueryRequest) -> tuple[str, bool, int, bytes]:
    """(kind, truncated, rows, body) of `request` answered by an Oxigraph store; QueryError for bad syntax."""
    kwargs: dict = {"base_iri": request.base_iri}
    if request.substitutions:
        kwargs["substitutions"] = bindings(request.substitutions)
    if request.default_graphs is not None:
        kwargs["default_graph"] = [ox.NamedNode(g) for g in request.default_graphs]
    if request.named_graphs is not None:
        kwargs["named_graphs"] = [ox.NamedNode(g) for g in request.named_graphs]
    try:
        results = store.query(request.query, **kwargs)
    except SyntaxError as exc:
        raise syntax_error(exc) from None
    if request.syntax_only:
        return "none", False, 0, b""
    kind, out = serialise(results, request, again=lambda: store.query(request.query, **kwargs))
    return kind, out.truncated, out.rows, out.body


class Backend:
    """Queries over one release (see the module's docstring); `query` is each backend's own."""

    release: Release

    def query(self, text: str, *, default_graphs: list[str] | None = None, named_graphs: list[str] | None = None,
              substitutions: dict[str, dict] | None = None):  # pragma: no cover - every backend defines it
        raise NotImplementedError

    def named_graphs(self) -> list[str]:  # pragma: no cover - every backend defines it
        raise NotImplementedError

    def run(self, request: QueryRequest, timeout_s: float) -> QueryAnswer:
        """The answer to `request`, serialised (this default runs `query` here, with no deadline)."""
        started = time.monotonic()
        results = self.query(request.query, default_graphs=request.default_graphs,
                             named_graphs=request.named_graphs, substitutions=request.substitutions)
        kind, out = serialise(results, request)
        return QueryAnswer(out.body, kind, out.truncated, out.rows, time.monotonic() - started)

    def select(self, text: str, substitutions: dict[str, dict] | None = None) -> list[dict[str, str]]:
        """Rows of a SELECT as {variable: lexical value}; unbound variables are left out."""
        results = self.query(text, substitutions=substitutions) if substitutions else self.query(text)
        if not isinstance(results, ox.QuerySolutions):
            raise QueryError("expected a SELECT query")
        return solution_rows(results)

    def ask(self, text: str) -> bool:
        results = self.query(text)
        if not isinstance(results, ox.QueryBoolean):
            raise QueryError("expected an ASK query")
        return bool(results)

    def count_quads(self) -> int:
        """The statements of the named graphs (a triple stated in two graphs counts twice)."""
        rows = self.select("SELECT (COUNT(*) AS ?n) WHERE { GRAPH ?g { ?s ?p ?o } }")
        return int(rows[0]["n"]) if rows else 0

    def __len__(self) -> int:
        """The number of statements of the release (quads), counted once."""
        if getattr(self, "_quads", None) is None:
            self._quads = self.count_quads()
        return self._quads


class LocalBackend(Backend):
    """The release loaded in this process: for the command line, the build's checks and the tests."""

    def __init__(self, store: ox.Store, release: Release | None = None, quads: int | None = None):
        self._store = store
        self.release = release
        self._quads = quads if quads is not None else len(store)

    @classmethod
    def from_release(cls, release: Release) -> LocalBackend:
        """`release` loaded in this process, once its files match their checksums (else NoRelease)."""
        store, quads = load_release(release)
        return cls(store, release, quads)

    @property
    def oxigraph(self) -> ox.Store:
        """The Oxigraph store itself: `polegraph serve` forks its query processes from the loaded store."""
        return self._store

    def named_graphs(self) -> list[str]:
        return sorted(g.value for g in self._store.named_graphs() if isinstance(g, ox.NamedNode))

    def query(self, text: str, *, default_graphs: list[str] | None = None, named_graphs: list[str] | None = None,
              substitutions: dict[str, dict] | None = None):
        """Run a SPARQL query; a syntax error becomes a QueryError with line and column when known."""
        kwargs: dict = {}
        if substitutions:
            kwargs["substitutions"] = bindings(substitutions)
        if default_graphs:
            kwargs["default_graph"] = [ox.NamedNode(g) for g in default_graphs]
        if named_graphs:
            kwargs["named_graphs"] = [ox.NamedNode(g) for g in named_graphs]
        try:
            return self._store.query(text, **kwargs)
        except SyntaxError as exc:
            raise syntax_error(exc) from None

    def run(self, request: QueryRequest, timeout_s: float) -> QueryAnswer:
        started = time.monotonic()
        kind, truncated, rows, body = run_on(self._store, request)
        return QueryAnswer(body, kind, truncated, rows, time.monotonic() - started)
