"""Run the W3C SPARQL 1.1 query-evaluation test suite against the engine polegraph uses (pyoxigraph).

    .venv/bin/python -m tests.w3c_query_suite [../shared/w3c/sparql11]

prints the pass rate per manifest and the failures; docs/endpoint.md records the result.
Covered: the 13 manifests of manifest-sparql11-query.ttl plus the CSV/TSV and JSON result-format
manifests. Syntax tests check that the parser accepts or rejects the query; evaluation tests load
qt:data into the default graph and each qt:graphData into a named graph named by its file IRI, run
the query, and compare with the expected results: solutions as multisets (every blank node compared as
one wildcard, numbers by value), graphs by rdflib isomorphism, booleans by value. CSV results are
compared by serialising the engine's answer to CSV and reading both back as plain strings.
Tests whose query names SERVICE are not run (no outbound traffic, ever).
"""

from __future__ import annotations

import re
import sys
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

import pyoxigraph as ox
import rdflib
from rdflib.compare import isomorphic

from tests.support import SHARED

MF = rdflib.Namespace("http://www.w3.org/2001/sw/DataAccess/tests/test-manifest#")
QT = rdflib.Namespace("http://www.w3.org/2001/sw/DataAccess/tests/test-query#")
MANIFESTS = ("manifest-sparql11-query.ttl", "csv-tsv-res/manifest.ttl", "json-res/manifest.ttl")
RESULT_FORMATS = {".srx": ox.QueryResultsFormat.XML, ".srj": ox.QueryResultsFormat.JSON,
                  ".tsv": ox.QueryResultsFormat.TSV, ".csv": ox.QueryResultsFormat.CSV}
RDF_FORMATS = {".ttl": "turtle", ".nt": "nt", ".rdf": "xml"}


@dataclass
class Outcome:
    passed: list[str] = field(default_factory=list)
    failed: dict[str, str] = field(default_factory=dict)
    skipped: dict[str, str] = field(default_factory=dict)

    @property
    def rate(self) -> float:
        run = len(self.passed) + len(self.failed)
        return len(self.passed) / run if run else 0.0


def _path(iri) -> Path:
    return Path(str(iri).removeprefix("file://"))


def _entries(manifest: Path):
    graph = rdflib.Graph().parse(manifest, format="turtle", publicID=manifest.resolve().as_uri())
    for m in graph.subjects(rdflib.RDF.type, MF.Manifest):
        includes = graph.value(m, MF.include)
        if includes is not None:
            for sub in rdflib.collection.Collection(graph, includes):
                yield from _entries(_path(sub))
        entries = graph.value(m, MF.entries)
        if entries is not None:
            for entry in rdflib.collection.Collection(graph, entries):
                yield manifest.parent.name, graph, entry


XSD = "http://www.w3.org/2001/XMLSchema#"
NUMERIC = {XSD + t for t in ("double", "float", "decimal", "integer")}


def _term_key(term) -> str:
    """A comparable form: blank nodes as one wildcard, numbers by datatype and value ("3.0E4" = "30000")."""
    if isinstance(term, ox.BlankNode):
        return "_:b"
    if isinstance(term, ox.Literal) and term.datatype.value in NUMERIC:
        try:
            return f"{term.datatype.value}={float(term.value)!r}"
        except ValueError:
            pass
    return str(term)


def _solutions(results) -> Counter:
    """Rows as a multiset of {variable: comparable term}."""
    names = [v.value for v in results.variables]
    rows = Counter()
    for row in results:
        rows[tuple(sorted((n, _term_key(row[n])) for n in names if row[n] is not None))] += 1
    return rows


def _csv_rows(data: bytes) -> Counter:
    """CSV/TSV rows as a multiset of {column: text}, columns in any order, blank nodes as one wildcard."""
    import csv
    import io

    text = data.decode("utf-8")
    delimiter = "\t" if "\t" in text.splitlines()[0] else ","
    rows = list(csv.reader(io.StringIO(text), delimiter=delimiter))
    header = [name.lstrip("?") for name in rows[0]]
    return Counter(tuple(sorted((h, "_:b" if v.startswith("_:") else v) for h, v in zip(header, row, strict=False)))
                   for row in rows[1:] if row)


def _load(store: ox.Store, path: Path, graph) -> None:
    suffix = path.suffix
    fmt = {".ttl": ox.RdfFormat.TURTLE, ".nt": ox.RdfFormat.N_TRIPLES, ".rdf": ox.RdfFormat.RDF_XML,
           ".trig": ox.RdfFormat.TRIG, ".nq": ox.RdfFormat.N_QUADS}[suffix]
    store.load(path=str(path), format=fmt, base_iri=path.as_uri(), to_graph=graph)


def run_test(graph: rdflib.Graph, entry) -> tuple[str, str]:
    """('pass' | 'fail' | 'skip', detail) for one manifest entry."""
    kind = graph.value(entry, rdflib.RDF.type)
    action = graph.value(entry, MF.action)
    if kind in (MF.PositiveSyntaxTest11, MF.NegativeSyntaxTest11):
        text = _path(action).read_text(encoding="utf-8")
        if re.search(r"\bSERVICE\b", text, re.I):
            return "skip", "names SERVICE"
        try:
            results = ox.Store().query(text, base_iri=_path(action).as_uri())
            if isinstance(results, (ox.QuerySolutions, ox.QueryTriples)):
                list(results)
        except SyntaxError as exc:
            return ("pass", "") if kind == MF.NegativeSyntaxTest11 else ("fail", f"rejected: {exc}"[:200])
        except Exception:  # parsed, then failed to evaluate on an empty store: still a parse success
            pass
        return ("pass", "") if kind == MF.PositiveSyntaxTest11 else ("fail", "accepted a malformed query")
    if kind not in (MF.QueryEvaluationTest, MF.CSVResultFormatTest):
        return "skip", f"type {kind}"
    query_path = _path(graph.value(action, QT.query))
    text = query_path.read_text(encoding="utf-8")
    if re.search(r"\bSERVICE\b", text, re.I):
        return "skip", "names SERVICE"
    store = ox.Store()
    for data in graph.objects(action, QT.data):
        _load(store, _path(data), ox.DefaultGraph())
    for data in graph.objects(action, QT.graphData):
        _load(store, _path(data), ox.NamedNode(str(data)))
    expected_path = _path(graph.value(entry, MF.result))
    try:
        results = store.query(text, base_iri=query_path.as_uri())
        if isinstance(results, ox.QueryTriples):
            actual = rdflib.Graph()
            actual.parse(data=ox.serialize(list(results), format=ox.RdfFormat.N_TRIPLES), format="nt")
            expected = rdflib.Graph().parse(expected_path, format=RDF_FORMATS[expected_path.suffix])
            return ("pass", "") if isomorphic(actual, expected) else ("fail", "different graph")
        fmt = RESULT_FORMATS.get(expected_path.suffix)
        if fmt is None:
            return "skip", f"result file {expected_path.name}"
        expected = None if fmt in (ox.QueryResultsFormat.CSV, ox.QueryResultsFormat.TSV) else \
            ox.parse_query_results(path=str(expected_path), format=fmt)
        if isinstance(results, ox.QueryBoolean):
            ok = isinstance(expected, ox.QueryBoolean) and bool(expected) == bool(results)
            return ("pass", "") if ok else ("fail", "different boolean")
        if fmt in (ox.QueryResultsFormat.CSV, ox.QueryResultsFormat.TSV):
            got = _csv_rows(results.serialize(format=fmt))
            want = _csv_rows(expected_path.read_bytes())
        else:
            got = _solutions(results)
            want = _solutions(expected)
        return ("pass", "") if got == want else ("fail", f"{sum(got.values())} rows, expected {sum(want.values())}")
    except Exception as exc:  # an engine error is a failed test, recorded with its message
        return "fail", f"{type(exc).__name__}: {exc}"[:200]


def run_suite(root: Path) -> dict[str, Outcome]:
    outcomes: dict[str, Outcome] = {}
    for manifest in MANIFESTS:
        for group, graph, entry in _entries(root / manifest):
            outcome = outcomes.setdefault(group, Outcome())
            name = f"{group}/{str(entry).rsplit('#', 1)[-1]}"
            status, detail = run_test(graph, entry)
            if status == "pass":
                outcome.passed.append(name)
            elif status == "fail":
                outcome.failed[name] = detail
            else:
                outcome.skipped[name] = detail
    return outcomes


def total(outcomes: dict[str, Outcome]) -> Outcome:
    merged = Outcome()
    for outcome in outcomes.values():
        merged.passed += outcome.passed
        merged.failed.update(outcome.failed)
        merged.skipped.update(outcome.skipped)
    return merged


def main(argv: list[str]) -> None:
    root = Path(argv[0]) if argv else SHARED / "w3c" / "sparql11"
    outcomes = run_suite(root)
    print(f"pyoxigraph {ox.__version__ if hasattr(ox, '__version__') else ''}")
    for group, outcome in sorted(outcomes.items()):
        print(f"{group:20} {len(outcome.passed):4} passed {len(outcome.failed):3} failed "
              f"{len(outcome.skipped):3} skipped")
    merged = total(outcomes)
    print(f"{'total':20} {len(merged.passed):4} passed {len(merged.failed):3} failed "
          f"{len(merged.skipped):3} skipped  pass rate {merged.rate:.1%}")
    for name, detail in sorted(merged.failed.items()):
        print(f"FAIL {name}: {detail}")
    for name, detail in sorted(merged.skipped.items()):
        print(f"SKIP {name}: {detail}")


if __name__ == "__main__":
    main(sys.argv[1:])
