"""Hand a validated release to an existing SPARQL 1.1 store, through the standard protocols only.

Each named graph of the release is first loaded under a staging name (SPARQL 1.1 Graph Store HTTP
Protocol PUT when the store offers it, else SPARQL 1.1 Update `INSERT DATA` in batches), checked
(triple counts per graph, and per-subject counts on a sample), and only then moved over the public
graph names in one update request. A push that fails before the switch leaves the store's previous
release as it was, and says what failed.
"""

from __future__ import annotations

import hashlib
import urllib.parse
from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass, field

import httpx
import pyoxigraph as ox
from SPARQLWrapper import JSON, POST, SPARQLWrapper

from polegraph.errors import PushError
from polegraph.pipeline.release import Release
from polegraph.vocab import DCTERMS, RELEASE, RELEASES_GRAPH, STAGING_GRAPHS

STAGING = STAGING_GRAPHS
BATCH_TRIPLES = 2000
SAMPLE_SUBJECTS = 25


@dataclass(frozen=True)
class RemoteStore:
    """Where a SPARQL 1.1 store answers: its query endpoint, its update endpoint, maybe its Graph Store."""

    query_url: str
    update_url: str
    graph_store_url: str | None = None
    timeout_s: float = 120
    headers: dict[str, str] = field(default_factory=dict)  # credentials (query/remote.store_headers)

    def _client(self, url: str) -> SPARQLWrapper:
        client = SPARQLWrapper(url)
        client.setTimeout(int(self.timeout_s))
        for key, value in self.headers.items():
            client.addCustomHttpHeader(key, value)
        return client

    def select(self, query: str) -> list[dict[str, str]]:
        client = self._client(self.query_url)
        client.setQuery(query)
        client.setReturnFormat(JSON)
        client.setMethod(POST)
        try:
            bindings = client.queryAndConvert()["results"]["bindings"]
        except Exception as exc:
            raise PushError(f"query to {self.query_url} failed: {_reason(exc)}") from None
        return [{k: v["value"] for k, v in row.items()} for row in bindings]

    def update(self, update: str) -> None:
        client = self._client(self.update_url)
        client.setMethod(POST)
        client.setRequestMethod("postdirectly")
        client.setQuery(update)
        try:
            client.query()
        except Exception as exc:
            raise PushError(f"update to {self.update_url} failed: {_reason(exc)}") from None

    def put_graph(self, graph: str, ntriples: bytes) -> bool:
        """Replace one graph through the Graph Store Protocol; False when the store has none."""
        if not self.graph_store_url:
            return False
        url = f"{self.graph_store_url}?{urllib.parse.urlencode({'graph': graph})}"
        try:
            response = httpx.put(url, content=ntriples, timeout=self.timeout_s,
                                 headers={"Content-Type": "application/n-triples", **self.headers})
        except httpx.HTTPError as exc:
            raise PushError(f"Graph Store PUT of <{graph}> failed: {_reason(exc)}") from None
        if response.status_code in (404, 405, 501):
            return False
        if not response.is_success:
            raise PushError(f"Graph Store PUT of <{graph}> failed: HTTP {response.status_code} "
                            f"{response.reason_phrase}")
        return True


def _reason(exc: Exception) -> str:
    text = str(exc).strip().splitlines()
    return text[0][:300] if text else type(exc).__name__


@dataclass
class PushReport:
    release: str
    graphs: dict[str, int] = field(default_factory=dict)
    method: dict[str, str] = field(default_factory=dict)


def release_graphs(release: Release) -> dict[str, list[ox.Triple]]:
    """The release's triples grouped by named graph."""
    graphs: dict[str, list[ox.Triple]] = defaultdict(list)
    for quad in ox.parse(path=str(release.dataset_path), format=ox.RdfFormat.N_QUADS):
        graphs[quad.graph_name.value].append(ox.Triple(quad.subject, quad.predicate, quad.object))
    return dict(graphs)


def _ntriples(triples: list[ox.Triple]) -> bytes:
    return ox.serialize(triples, format=ox.RdfFormat.N_TRIPLES)


def staging_name(release_id: str, graph: str) -> str:
    return f"{STAGING}{release_id}/{hashlib.sha256(graph.encode()).hexdigest()[:16]}"


def _load(store: RemoteStore, name: str, triples: list[ox.Triple]) -> str:
    """Load `triples` as graph `name`: Graph Store PUT, else DROP + INSERT DATA in batches."""
    if store.put_graph(name, _ntriples(triples)):
        return "graph-store-put"
    store.update(f"DROP SILENT GRAPH <{name}>")
    ground = [t for t in triples if not _has_blank(t)]
    for start in range(0, len(ground), BATCH_TRIPLES):
        body = _ntriples(ground[start:start + BATCH_TRIPLES]).decode()
        store.update(f"INSERT DATA {{ GRAPH <{name}> {{\n{body}}} }}")
    with_blanks = [t for t in triples if _has_blank(t)]
    if with_blanks:
        # All blank-node triples in one request, so each blank node stays one node (OWL lists,
        # restrictions); a template rather than INSERT DATA, which Virtuoso refuses blank nodes in.
        body = _ntriples(with_blanks).decode()
        store.update(f"INSERT {{ GRAPH <{name}> {{\n{body}}} }} WHERE {{}}")
    return "sparql-update"


def _has_blank(triple: ox.Triple) -> bool:
    return isinstance(triple.subject, ox.BlankNode) or isinstance(triple.object, ox.BlankNode)


def remote_counts(store: RemoteStore, prefix: str | None = None) -> dict[str, int]:
    """Triples per named graph in the store (optionally only graphs whose name starts with `prefix`)."""
    flt = f'FILTER(STRSTARTS(STR(?g), "{prefix}"))' if prefix else ""
    rows = store.select(f"SELECT ?g (COUNT(*) AS ?n) WHERE {{ GRAPH ?g {{ ?s ?p ?o }} {flt} }} GROUP BY ?g")
    return {row["g"]: int(row["n"]) for row in rows}


def _sample_subjects(triples: list[ox.Triple]) -> dict[str, int]:
    """A deterministic sample of IRI subjects with their number of triples in the graph."""
    counts: dict[str, int] = defaultdict(int)
    for triple in triples:
        if isinstance(triple.subject, ox.NamedNode):
            counts[triple.subject.value] += 1
    chosen = sorted(counts, key=lambda s: hashlib.sha256(s.encode()).hexdigest())[:SAMPLE_SUBJECTS]
    return {s: counts[s] for s in chosen}


def _verify_sample(store: RemoteStore, graph: str, expected: dict[str, int]) -> None:
    if not expected:
        return
    values = " ".join(f"<{s}>" for s in expected)
    rows = store.select(f"SELECT ?s (COUNT(*) AS ?n) WHERE {{ VALUES ?s {{ {values} }} "
                        f"GRAPH <{graph}> {{ ?s ?p ?o }} }} GROUP BY ?s")
    found = {row["s"]: int(row["n"]) for row in rows}
    wrong = {s: (n, found.get(s, 0)) for s, n in expected.items() if found.get(s, 0) != n}
    if wrong:
        s, (want, got) = next(iter(wrong.items()))
        raise PushError(f"sample check failed in <{graph}>: <{s}> has {got} triple(s), expected {want}")


def push(release: Release, store: RemoteStore,
         on_graph_loaded: Callable[[str], None] | None = None) -> PushReport:
    """Load `release` into `store`, verify it, then switch the public graph names to it."""
    graphs = release_graphs(release)
    report = PushReport(release=release.id)
    staged = {graph: staging_name(release.id, graph) for graph in graphs}
    try:
        _drop_quietly(store, remote_counts(store, STAGING))  # left over by an interrupted push
        for graph, triples in sorted(graphs.items()):
            report.method[graph] = _load(store, staged[graph], triples)
            if on_graph_loaded:
                on_graph_loaded(graph)
        counts = remote_counts(store, f"{STAGING}{release.id}/")
        for graph, triples in graphs.items():
            if counts.get(staged[graph], 0) != len(triples):
                raise PushError(f"<{graph}>: the store holds {counts.get(staged[graph], 0)} triple(s) "
                                f"after loading, the release has {len(triples)}")
            _verify_sample(store, staged[graph], _sample_subjects(triples))
    except PushError as exc:
        _drop_quietly(store, staged.values())
        raise PushError(f"push of release {release.id} failed before the switch; the store still serves "
                        f"its previous release. Cause: {exc.message}") from None
    _switch(store, release, staged)
    final = remote_counts(store)
    for graph, triples in graphs.items():
        if final.get(graph, 0) != len(triples):
            raise PushError(f"after the switch <{graph}> holds {final.get(graph, 0)} triple(s), "
                            f"expected {len(triples)}")
        report.graphs[graph] = len(triples)
    return report


def _switch(store: RemoteStore, release: Release, staged: dict[str, str]) -> None:
    """One update request: drop graphs of the previous release that are gone, move the staged ones in."""
    previous = {row["g"] for row in store.select(
        f"SELECT ?g WHERE {{ GRAPH <{RELEASES_GRAPH}> {{ ?r <{DCTERMS}hasPart> ?g }} }}")}
    operations = [f"DROP SILENT GRAPH <{g}>" for g in sorted(previous - set(staged))]
    operations += [f"MOVE SILENT GRAPH <{tmp}> TO <{graph}>" for graph, tmp in sorted(staged.items())]
    release_iri = RELEASE + release.id
    listing = " ".join(f"<{release_iri}> <{DCTERMS}hasPart> <{g}> ." for g in sorted(staged))
    operations.append(f"DROP SILENT GRAPH <{RELEASES_GRAPH}>")
    operations.append(f'INSERT DATA {{ GRAPH <{RELEASES_GRAPH}> {{ {listing} '
                      f'<{release_iri}> <{DCTERMS}identifier> "{release.id}" . }} }}')
    store.update(" ;\n".join(operations))


def _drop_quietly(store: RemoteStore, graphs) -> None:
    for graph in graphs:
        try:
            store.update(f"DROP SILENT GRAPH <{graph}>")
        except PushError:
            return  # the store is gone; nothing staged can be served anyway
