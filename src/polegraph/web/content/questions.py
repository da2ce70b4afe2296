"""What the pages of the named questions show: the questions by topic, one question's answer as a table
with readable labels, the sections of the manifesto the answer comes from, and a parameter's choices.

Every answer is computed by the one query path: a QueryRequest with the named query's checked parameters
as substitutions, run by the backend under the deadline and capped at the row cap (query/results.py).
"""

from __future__ import annotations

import json
import unicodedata
from dataclasses import dataclass, field

from polegraph.query.backend import Backend, QueryAnswer, QueryRequest
from polegraph.query.named import TOPICS, NamedQuery, allowed_values
from polegraph.settings import Settings
from polegraph.vocab import PG
from polegraph.web.content.describe import labels

MAX_SOURCE_IRIS = 2000  # resources of an answer whose sections are looked up (far above any named query's)


def folded(text: str) -> str:
    """Lower case without accents: what a search compares."""
    return "".join(c for c in unicodedata.normalize("NFKD", text.casefold()) if not unicodedata.combining(c))


def matches(query: NamedQuery, words: str) -> bool:
    """Whether every word of `words` is in the question's titles, descriptions or name (any language)."""
    haystack = folded(" ".join((query.name, query.title, query.title_fr, query.description, query.description_fr,
                                " ".join(query.topics))))
    return all(word in haystack for word in folded(words).split())


def by_topic(queries: dict[str, NamedQuery], words: str = "") -> tuple[list[NamedQuery], list[tuple[str, list]]]:
    """(the starter questions in rank order, [(topic, its questions)] in the manifesto's order), filtered by
    `words`; a question is listed under its first topic."""
    chosen = [q for q in queries.values() if not words.strip() or matches(q, words)]
    starters = sorted((q for q in chosen if q.starter), key=lambda q: q.starter)
    topics = [(topic, [q for q in chosen if q.topic == topic]) for topic in TOPICS]
    return starters, [(topic, items) for topic, items in topics if items]


def choices(backend: Backend, query: NamedQuery, lang: str) -> dict[str, list[tuple[str, str]]]:
    """For each IRI parameter, its allowed resources as (value in the URL, label), by label: the slug
    where it names one resource, else the full IRI."""
    out = {}
    for name, iris in allowed_values(backend, query).items():
        names = labels(backend, iris, lang)
        slugs = [iri.rsplit("/", 1)[-1] for iri in iris]
        values = [slug if slugs.count(slug) == 1 else iri for slug, iri in zip(slugs, iris, strict=True)]
        out[name] = sorted(zip(values, (names[i] for i in iris), strict=True), key=lambda c: folded(c[1]))
    return out


def url_value(value: str) -> str:
    """A checked value as the page's URL writes it (an IRI by its slug)."""
    return value.rsplit("/", 1)[-1] if value.startswith("https://w3id.org/polegraph/id/") else value


def run(backend: Backend, settings: Settings, query: NamedQuery, values: dict[str, str],
        result_format: str) -> QueryAnswer:
    """The answer to `query` with checked `values`, serialised in `result_format` (json, xml, csv, tsv)."""
    job = QueryRequest(query=query.text, result_format=result_format, max_rows=settings.max_rows,
                       substitutions=query.substitutions(values) or None)
    return backend.run(job, settings.query_timeout_s)


@dataclass
class Table:
    """A SELECT answer ready for a page: columns, rows of cells, and whether the row cap cut it."""

    columns: list[str]
    rows: list[list[dict | None]]
    truncated: bool
    max_rows: int
    boolean: bool | None = None
    iris: list[str] = field(default_factory=list)


def table(backend: Backend, answer: QueryAnswer, lang: str) -> Table:
    """The SPARQL JSON `answer` as cells: an IRI with its label, a literal with its value and language."""
    document = json.loads(answer.body)
    note = document.get("polegraph", {})
    if "boolean" in document:
        return Table([], [], False, 0, boolean=document["boolean"])
    columns = document["head"]["vars"]
    bindings = document["results"]["bindings"]
    iris = sorted({b[c]["value"] for b in bindings for c in columns if c in b and b[c]["type"] == "uri"})
    names = labels(backend, iris, lang)
    rows = []
    for binding in bindings:
        row = []
        for column in columns:
            term = binding.get(column)
            if term is None:
                row.append(None)
            elif term["type"] == "uri":
                row.append({"iri": term["value"], "label": names.get(term["value"], term["value"])})
            else:
                row.append({"value": term["value"], "lang": term.get("xml:lang", ""),
                            "number": term.get("datatype", "").endswith(("#integer", "#decimal", "#double"))})
        rows.append(row)
    return Table(columns, rows, bool(note.get("truncated")), int(note.get("max_rows", 0)), iris=iris)


def plain_json(query: NamedQuery, values: dict[str, str], result: Table) -> dict:
    """The answer as plain JSON (one object per row, lexical values): the page's data for programs."""
    rows = [{c: (cell.get("iri") or cell.get("value")) for c, cell in zip(result.columns, row, strict=True) if cell}
            for row in result.rows]
    out = {"query": query.name, "title": query.title, "parameters": values, "columns": result.columns,
           "rows": rows, "truncated": result.truncated}
    if result.boolean is not None:
        out["boolean"] = result.boolean
    return out


def sources(backend: Backend, iris: list[str], lang: str) -> list[dict]:
    """The sections of the manifesto stating the resources of an answer, with how many of them each states,
    in the manifesto's order."""
    iris = [i for i in iris[:MAX_SOURCE_IRIS] if "<" not in i and ">" not in i and " " not in i]
    if not iris:
        return []
    counts: dict[str, int] = {}
    for start in range(0, len(iris), 400):
        chunk = " ".join(f"<{iri}>" for iri in iris[start:start + 400])
        text = (f"SELECT ?section (COUNT(DISTINCT ?r) AS ?n) WHERE {{ VALUES ?r {{ {chunk} }} "
                f"?r <{PG}statedIn> ?section }} GROUP BY ?section")
        for row in backend.select(text):
            counts[row["section"]] = counts.get(row["section"], 0) + int(row["n"])
    order = {row["s"]: int(row.get("o", 0)) for row in backend.select(
        f"SELECT ?s ?o WHERE {{ ?s a <{PG}ManifestoSection> OPTIONAL {{ ?s <{PG}order> ?o }} }}")}
    names = labels(backend, counts, lang)
    return [{"iri": s, "label": names[s], "count": n} for s, n in sorted(counts.items(),
                                                                           key=lambda item: (order.get(item[0], 999),
                                                                                             item[0]))]
