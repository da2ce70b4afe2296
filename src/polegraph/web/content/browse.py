"""The rows of a list page (web/content/lists.py says which), and the view a request asks of them.

A family's rows are read with a few SPARQL queries once per store and language; a view then filters
them by facets and by a word of the name, sorts them by any column and cuts one page, in Python
(a few milliseconds even for thousands of rows). The CSV and the JSON of a view hold the same rows
and columns as its page, every page at once, with labels beside the IRIs.
"""

from __future__ import annotations

import csv
import io
import weakref
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation

from babel.numbers import format_decimal

from polegraph.query.backend import Backend
from polegraph.vocab import ID, PG
from polegraph.web.content.lists import FACETS, PAGE_SIZE, Column, Family
from polegraph.web.content.search import fold
from polegraph.web.content.terms import Term, labels, pick, schema
from polegraph.web.i18n import BABEL_LOCALES

P = str(PG)
MAX_FACET_OPTIONS = 60  # a facet offers its most frequent values (a chosen one is always kept)
_TABLES: weakref.WeakKeyDictionary = weakref.WeakKeyDictionary()


@dataclass
class Row:
    iri: str
    name: str
    cells: dict[str, object] = field(default_factory=dict)  # key → list[Term] | int | str
    facets: dict[str, set[str]] = field(default_factory=lambda: defaultdict(set))
    order: int = 0
    key: str = ""  # the folded name, for sorting and the word filter


@dataclass
class Table:
    family: Family
    rows: list[Row]
    names: dict[str, str]  # labels of facet values and kinds


@dataclass
class Facet:
    name: str
    options: list[tuple[str, str, int]]  # (value as in a URL, label, rows with it in the current view)
    selected: str = ""


@dataclass
class View:
    table: Table
    rows: list[Row]  # the rows of this page
    matching: list[Row]  # every row of the view, all pages
    facets: list[Facet]
    sort: str
    descending: bool
    page: int
    pages: int
    query: str


def _members(store: Backend, family: Family) -> str:
    excluded = f"FILTER NOT EXISTS {{ ?x a <{family.excluded}> }}" if family.excluded else ""
    return f'?x a <{family.cls}> FILTER(STRSTARTS(STR(?x), "{ID}")) {excluded}'


def table(store: Backend, family: Family, lang: str) -> Table:
    """Every row of `family` in `lang` (kept per store)."""
    per_store = _TABLES.setdefault(store, {})
    if (family.name, lang) not in per_store:
        per_store[(family.name, lang)] = _table(store, family, lang)
    return per_store[(family.name, lang)]


def _table(store: Backend, family: Family, lang: str) -> Table:
    members = _members(store, family)
    rows = {r["x"].value: Row(r["x"].value, "") for r in store.query(f"SELECT DISTINCT ?x WHERE {{ {members} }}")}
    shapes = schema(store)
    classes: dict[str, set[str]] = defaultdict(set)
    for r in store.query(f'SELECT ?x ?c WHERE {{ {members} ?x a ?c FILTER(STRSTARTS(STR(?c), "{P}")) }}'):
        classes[r["x"].value].add(r["c"].value)
    linked: set[str] = set()
    for column in family.columns:
        _fill(store, family, column, rows, linked, lang)
    for facet in family.facets:
        if facet == "kind":
            continue
        path, target = FACETS[facet]
        for r in store.query(f"SELECT DISTINCT ?x ?v WHERE {{ {members} ?x {path} ?v . ?v a <{target}> }}"):
            rows[r["x"].value].facets[facet].add(r["v"].value)
            linked.add(r["v"].value)
    if family.default_sort == "order":
        for r in store.query(f"SELECT ?x ?n WHERE {{ {members} ?x <{P}order> ?n }}"):
            rows[r["x"].value].order = int(r["n"].value)
    kinds = {iri: (shapes.most_specific(classes[iri]) or [family.cls])[0] for iri in rows}
    names = labels(store, set(rows) | linked | set(kinds.values()) | {c for cs in classes.values() for c in cs}, lang)
    for iri, row in rows.items():
        row.name, row.key = names[iri], fold(names[iri])
        row.facets["kind"] = classes[iri]
        for column in family.columns:
            value = row.cells.get(column.key)
            if column.kind == "kind":
                row.cells[column.key] = [Term(kinds[iri], True, names[kinds[iri]])]
            elif column.kind == "links":
                row.cells[column.key] = sorted((Term(v, True, names[v]) for v in value or ()),
                                               key=lambda t: t.label.casefold())
    return Table(family, sorted(rows.values(), key=lambda r: (r.order, r.key)), names)


def _fill(store: Backend, family: Family, column: Column, rows: dict[str, Row], linked: set[str], lang: str) -> None:
    """Read one column's values into the rows."""
    members = _members(store, family)
    if column.kind == "links":
        for r in store.query(f"SELECT DISTINCT ?x ?v WHERE {{ {members} ?x {column.path} ?v FILTER(isIRI(?v)) }}"):
            rows[r["x"].value].cells.setdefault(column.key, set()).add(r["v"].value)
            linked.add(r["v"].value)
    elif column.kind == "count":
        for r in store.query(f"SELECT ?x (COUNT(DISTINCT ?v) AS ?n) WHERE {{ {members} ?x {column.path} ?v . "
                             f"?v a <{column.target}> }} GROUP BY ?x"):
            rows[r["x"].value].cells[column.key] = int(r["n"].value)
        for row in rows.values():
            row.cells.setdefault(column.key, 0)
    elif column.kind == "text":
        found: dict[str, dict[str, list[str]]] = defaultdict(lambda: defaultdict(list))
        for r in store.query(f"SELECT DISTINCT ?x ?v WHERE {{ {members} ?x {column.path} ?v FILTER(isLiteral(?v)) }}"):
            found[r["x"].value][(r["v"].language or "")[:2]].append(r["v"].value)
        for iri, by_lang in found.items():
            rows[iri].cells[column.key] = pick(by_lang, lang) or ""
    elif column.kind in ("amounts", "number"):
        _figures(store, family, column, rows, lang)
    elif column.kind == "years":
        _years(store, family, column, rows)


def _number(value: str, lang: str) -> str:
    try:
        return format_decimal(Decimal(value), locale=BABEL_LOCALES[lang])
    except (InvalidOperation, ValueError):
        return value


def _figures(store: Backend, family: Family, column: Column, rows: dict[str, Row], lang: str) -> None:
    """A figure written out: qualifier, value the reader's way, currency or unit ("plus de 17 000 000 EUR")."""
    members = _members(store, family)
    subject = f"?f <{P}figureOf> ?x ; a <{column.target}> ." if column.kind == "amounts" else "BIND(?x AS ?f)"
    query = (f"SELECT ?x ?f ?value ?currency ?unit ?q WHERE {{ {members} {subject} ?f <{P}value> ?value "
             f"OPTIONAL {{ ?f <{P}currency> ?currency }} OPTIONAL {{ ?f <{P}qualifier> ?q }} "
             f"OPTIONAL {{ ?f <{P}unitText> ?unit FILTER(LANGMATCHES(LANG(?unit), \"{lang}\") || LANG(?unit) = \"\" "
             f"|| LANGMATCHES(LANG(?unit), \"fr\")) }} }} ORDER BY ?x DESC(?value)")
    results = list(store.query(query))
    qualifiers = labels(store, {r["q"].value for r in results if r["q"] is not None}, lang)
    written: dict[str, dict[str, str]] = defaultdict(dict)
    for r in results:
        parts = [qualifiers[r["q"].value]] if r["q"] is not None else []
        parts.append(_number(r["value"].value, lang))
        unit = r["currency"] if r["currency"] is not None else r["unit"]
        if unit is not None:
            parts.append(unit.value)
        written[r["x"].value].setdefault(r["f"].value, " ".join(parts))
    for iri, figures in written.items():
        rows[iri].cells[column.key] = " ; ".join(figures[f] for f in sorted(figures))


def _years(store: Backend, family: Family, column: Column, rows: dict[str, Row]) -> None:
    members = _members(store, family)
    found: dict[str, dict[str, str]] = defaultdict(dict)
    for r in store.query(f"SELECT ?x ?p ?y WHERE {{ {members} VALUES ?p {{ <{P}startYear> <{P}endYear> <{P}year> "
                         f"<{P}horizonYear> }} ?x ?p ?y }}"):
        found[r["x"].value][r["p"].value[len(P):]] = r["y"].value[:4]
    for iri, years in found.items():
        start, end = years.get("startYear") or years.get("year"), years.get("endYear")
        text = f"{start}–{end}" if start and end else start or (f"→ {end}" if end else "")
        if years.get("horizonYear"):
            text = f"{text} (→ {years['horizonYear']})".strip()
        rows[iri].cells[column.key] = text


def _sort_key(row: Row, column: str):
    value = row.cells.get(column)
    if column == "name":
        return (0, row.key)
    if column == "order":
        return (0, row.order)
    if isinstance(value, int):
        return (0, value)
    if isinstance(value, list):
        return (0 if value else 1, fold(value[0].label) if value else "")
    return (0 if value else 1, fold(str(value or "")))


def short(iri: str) -> str:
    """How a facet value is written in a URL: the IRI's last segment (`auvergne-rhone-alpes`, `Company`)."""
    return iri.rsplit("#", 1)[-1].rsplit("/", 1)[-1]


def view(t: Table, args: dict[str, str], paged: bool = True) -> View:
    """The rows `args` ask for: facets (`region`, `valuechain`, `kind`, `section`, `measure`), a word of
    the name (`q`), the column to sort by (`sort`, `desc=1`) and the `page`."""
    family = t.family
    query = fold(args.get("q", "")[:200])
    chosen = {f: args.get(f, "") for f in family.facets if args.get(f)}
    matching = [r for r in t.rows if (not query or query in r.key)
                and all(value in {short(v) for v in r.facets.get(f, ())} for f, value in chosen.items())]
    keys = {c.key for c in family.columns} | {"order"}
    sort = args.get("sort", "") if args.get("sort", "") in keys else family.default_sort
    descending = args.get("desc") == "1"
    matching.sort(key=lambda r: _sort_key(r, sort), reverse=descending)
    facets = []
    for name in family.facets:
        counts: Counter = Counter()
        for row in matching:
            counts.update(_facet_values(row, name, family))
        common = sorted(counts.items(), key=lambda item: (-item[1], item[0]))[:MAX_FACET_OPTIONS]  # Datasette's way
        options = sorted(((short(v), t.names.get(v, v), n) for v, n in common), key=lambda o: o[1].casefold())
        if chosen.get(name) and chosen[name] not in {o[0] for o in options}:
            options.insert(0, (chosen[name], chosen[name], 0))
        facets.append(Facet(name, options, chosen.get(name, "")))
    pages = max(1, -(-len(matching) // PAGE_SIZE))
    try:
        page = min(max(1, int(args.get("page", "1"))), pages)
    except ValueError:
        page = 1
    shown = matching[(page - 1) * PAGE_SIZE:page * PAGE_SIZE] if paged else matching
    return View(t, shown, matching, facets, sort, descending, page, pages, args.get("q", "")[:200])


def _facet_values(row: Row, name: str, family: Family) -> set[str]:
    values = row.facets.get(name, set())
    if name == "kind":  # the kinds a reader picks: the family's class and the project's classes under it
        return {c for c in values if c != family.cls}
    return values


def _plain(value) -> tuple[str, str]:
    """(text, IRIs) of a cell: labels joined with " | ", and the IRIs of linked resources likewise."""
    if isinstance(value, list):
        return " | ".join(t.label for t in value), " | ".join(t.value for t in value)
    return ("" if value is None else str(value)), ""


def as_csv(v: View) -> bytes:
    """The view as CSV: every column, and for each column of links its IRIs beside the labels."""
    columns = v.table.family.columns
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    header = ["iri"]
    for c in columns:
        header += [c.key] + ([f"{c.key}_iri"] if c.kind in ("links", "kind") else [])
    writer.writerow(header)
    for row in v.matching:
        line = [row.iri]
        for c in columns:
            text, iris = _plain(row.name if c.kind == "name" else row.cells.get(c.key))
            line += [text] + ([iris] if c.kind in ("links", "kind") else [])
        writer.writerow(line)
    return buffer.getvalue().encode("utf-8")


def as_json(v: View) -> dict:
    """The view as JSON: its rows (links as {iri, label}), its facets with their counts."""
    def cell(c: Column, row: Row):
        value = row.name if c.kind == "name" else row.cells.get(c.key)
        return [{"iri": t.value, "label": t.label} for t in value] if isinstance(value, list) else value

    return {"list": v.table.family.name, "count": len(v.matching), "sort": v.sort, "desc": v.descending,
            "columns": [c.key for c in v.table.family.columns],
            "facets": {f.name: [{"value": o[0], "label": o[1], "count": o[2]} for o in f.options] for f in v.facets},
            "rows": [{"iri": row.iri, **{c.key: cell(c, row) for c in v.table.family.columns}} for row in v.matching]}
