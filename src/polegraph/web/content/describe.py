"""What a resource page shows: a thing's names, its main type, its statements with the paragraphs that
state them, incoming links and figures, read from the store with SPARQL. No HTTP here: the web layer
renders what this returns (web/content/profile.py orders the facts that matter first).

Each fact is shown once: an inferred statement that only restates an asserted one in a broader
property (org:memberOf beside pg:memberOf, skos:note beside pg:interpretation) is left out, and
one that adds something (the inverse of an asserted link) is marked as inferred. A text in several
languages is shown in the reader's, the other one folded beside it.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field

import pyoxigraph as ox

from polegraph.query.backend import Backend
from polegraph.query.results import GRAPH_SERIALISERS
from polegraph.vocab import ALIGNMENT_GRAPH, DCTERMS, ID, INFERRED_GRAPH, PG, PREFIXES, RDF, SKOS, curie
from polegraph.web.content.provenance import Paragraph, cite, mentions_of
from polegraph.web.content.terms import (
    LABEL_PREDICATES,
    LANGUAGES,
    Term,
    iri_list,
    labels,
    pick,
    schema,
    term,
)

__all__ = ["Description", "Source", "Statement", "Term", "Value", "describe", "exists", "labels", "pick"]

RDF_TYPE = RDF + "type"
DESCRIPTION = DCTERMS + "description"
ALT_LABEL = SKOS + "altLabel"
SECTION_PREFIX = ID + "section/"
STATED_IN = str(PG) + "statedIn"
FIGURE_OF = str(PG) + "figureOf"
MAX_INCOMING = 500


@dataclass(frozen=True)
class Source:
    """Where a statement is stated: its section and, within it, the paragraphs that name what it links."""

    section: Term
    paragraphs: tuple[tuple[Paragraph, str], ...] = ()  # (paragraph, its label)


@dataclass(frozen=True)
class Value:
    term: Term
    sources: tuple[Source, ...]
    inferred: bool


@dataclass
class Statement:
    predicate: Term
    objects: list[Value] = field(default_factory=list)  # in the reader's language (or without one)
    other_language: list[Value] = field(default_factory=list)  # the same texts in the other language


@dataclass
class Description:
    iri: str
    label: str
    labels: dict[str, list[str]]  # language ("" for none) → labels
    types: list[Term]  # every type, the project's first
    statements: list[Statement]
    incoming: list[tuple[Term, Term]]  # (subject, predicate)
    figures: list[dict]
    sections: list[Term]
    incoming_truncated: bool = False
    summary: str = ""  # the description (dcterms:description) in the reader's language, with fallback
    main_type: Term | None = None  # the project's most specific class
    other_names: list[str] = field(default_factory=list)  # other spellings, and the name in the other language

    def statement(self, predicate: str) -> Statement | None:
        """The statement of `predicate`, if the resource has one."""
        return next((s for s in self.statements if s.predicate.value == predicate), None)


def exists(store: Backend, iri: str) -> bool:
    """True when the graph says anything about `iri`, as subject or object."""
    if not iri_list([iri]):
        return False
    return store.ask(f"ASK {{ {{ <{iri}> ?p ?o }} UNION {{ ?s ?p <{iri}> }} }}")


def _is_section(graph: str) -> bool:
    return graph.startswith(SECTION_PREFIX)


def _figure_rows(store: Backend, iri: str, lang: str) -> list:
    return list(store.query(
        f"PREFIX pg: <{PG}> SELECT ?f ?value ?unit ?currency ?qualifier ?year ?horizon ?measure WHERE {{ "
        f"?f pg:figureOf <{iri}> . OPTIONAL {{ ?f pg:value ?value }} OPTIONAL {{ ?f pg:unitText ?unit }} "
        "OPTIONAL { ?f pg:currency ?currency } OPTIONAL { ?f pg:qualifier ?qualifier } "
        "OPTIONAL { ?f pg:year ?year } OPTIONAL { ?f pg:horizonYear ?horizon } "
        f"OPTIONAL {{ ?f pg:measures ?measure }} }} ORDER BY ?f DESC(LANGMATCHES(LANG(?unit), \"{lang}\"))"))


def describe(store: Backend, iri: str, lang: str) -> Description:
    """Everything the page of `iri` shows; statements grouped by predicate, each with its sources."""
    lang = lang if lang in LANGUAGES else LANGUAGES[0]
    # The alignment copies (org:, schema:… restatements) stay off the page: one link, one property.
    out_rows = list(store.query(
        f"SELECT ?p ?o ?g WHERE {{ GRAPH ?g {{ <{iri}> ?p ?o }} FILTER(?g != <{ALIGNMENT_GRAPH}>) }}"))
    in_rows = list(store.query(
        f"SELECT DISTINCT ?s ?p WHERE {{ GRAPH ?g {{ ?s ?p <{iri}> }} "
        f"FILTER(?g != <{INFERRED_GRAPH}> && ?g != <{ALIGNMENT_GRAPH}>) "
        f"FILTER(isIRI(?s)) }} ORDER BY ?p ?s LIMIT {MAX_INCOMING + 1}"))
    figure_rows = _figure_rows(store, iri, lang)
    objects = {row["o"].value for row in out_rows if isinstance(row["o"], ox.NamedNode)}
    mentions = mentions_of(store, {iri} | {o for o in objects if o.startswith(ID)})
    wanted = {iri} | objects | {row["p"].value for row in out_rows}
    wanted |= {row["g"].value for row in out_rows}
    wanted |= {p.iri for by_section in mentions.values() for found in by_section.values() for p in found}
    for row in in_rows:
        wanted.update((row["s"].value, row["p"].value))
    for row in figure_rows:
        wanted.update(row[v].value for v in ("f", "qualifier", "measure") if isinstance(row[v], ox.NamedNode))
    names = labels(store, wanted, lang)

    own_labels: dict[str, list[str]] = defaultdict(list)
    summaries: dict[str, list[str]] = defaultdict(list)
    alternatives: list[str] = []
    grouped: dict[tuple, dict] = {}
    types: dict[str, tuple[Term, bool]] = {}
    sections: set[str] = set()
    for row in out_rows:
        p, o, g = row["p"].value, row["o"], row["g"].value
        if p == STATED_IN:
            sections.add(o.value)
            continue
        tag = (o.language or "")[:2] if isinstance(o, ox.Literal) else ""
        if p in LABEL_PREDICATES and isinstance(o, ox.Literal) and o.value not in own_labels[tag]:
            own_labels[tag].append(o.value)
        if p == ALT_LABEL and isinstance(o, ox.Literal) and o.value not in alternatives:
            alternatives.append(o.value)
        if p == DESCRIPTION and isinstance(o, ox.Literal) and o.value not in summaries[tag]:
            summaries[tag].append(o.value)
        if p == RDF_TYPE and isinstance(o, ox.NamedNode):
            asserted = g != INFERRED_GRAPH or types.get(o.value, (None, False))[1]
            types[o.value] = (term(o, names), asserted)
        entry = grouped.setdefault((p, o), {"graphs": set(), "object": term(o, names)})
        entry["graphs"].add(g)
        if _is_section(g):
            sections.add(g)

    shapes = schema(store)
    predicates_of: dict = defaultdict(set)
    for p, o in grouped:
        predicates_of[o].add(p)
    asserted_types = {c for c, (_t, asserted) in types.items() if asserted}
    statements: dict[str, Statement] = {}
    for (p, o), entry in grouped.items():
        graphs = entry["graphs"]
        inferred = graphs <= {INFERRED_GRAPH}
        if inferred and (any(shapes.restates(p, q) for q in predicates_of[o] - {p}) or (
                p == RDF_TYPE and any(o.value in shapes.superclasses.get(c, ()) for c in asserted_types))):
            continue  # the same fact in a broader term: shown once, in the project's own
        obj = o.value if isinstance(o, ox.NamedNode) else None
        sources = tuple(Source(Term(g, True, names.get(g, curie(g))),
                               tuple((para, names.get(para.iri, "")) for para in cite(mentions, g, iri, obj)))
                        for g in sorted(graphs) if _is_section(g))
        statement = statements.setdefault(p, Statement(Term(p, True, names.get(p, curie(p)))))
        statement.objects.append(Value(entry["object"], sources, inferred))
    for statement in statements.values():
        _by_language(statement, lang)
        statement.objects.sort(key=lambda value: (value.inferred, value.term.label.casefold()))
    ordered = sorted(statements.values(), key=lambda s: (not s.predicate.value.startswith(str(PG)),
                                                         s.predicate.label.casefold()))
    incoming = [(term(r["s"], names), term(r["p"], names)) for r in in_rows[:MAX_INCOMING]
                if r["p"].value != FIGURE_OF]
    figures, seen = [], set()
    for r in figure_rows:  # several unit texts (fr, en) give several rows: keep one per figure
        if r["f"].value in seen:
            continue
        seen.add(r["f"].value)
        figures.append({"figure": term(r["f"], names), **{
            v: (term(r[v], names) if r[v] is not None else None)
            for v in ("value", "unit", "currency", "qualifier", "year", "horizon", "measure")}})
    type_list = sorted((t for t, _asserted in types.values()),
                       key=lambda t: (not t.value.startswith(str(PG)), t.label.casefold()))
    main = shapes.most_specific(c for c, (_t, asserted) in types.items() if asserted) or \
        shapes.most_specific(types)
    label = pick(own_labels, lang) or curie(iri)
    other_names = [v for code, values in sorted(own_labels.items()) for v in values if v != label]
    other_names += [v for v in alternatives if v not in other_names and v != label]
    section_terms = [Term(s, True, names.get(s) or labels(store, [s], lang)[s]) for s in sorted(sections)]
    return Description(
        iri=iri, label=label, labels=dict(own_labels), types=type_list,
        statements=ordered, incoming=incoming, figures=figures, sections=section_terms,
        incoming_truncated=len(in_rows) > MAX_INCOMING, summary=pick(summaries, lang) or "",
        main_type=types[main[0]][0] if main else None, other_names=other_names,
    )


def _by_language(statement: Statement, lang: str) -> None:
    """Keep the texts in `lang` (or without a language) in view; fold the others, unless they are all
    there is."""
    tagged = [v for v in statement.objects if v.term.language]
    mine = [v for v in tagged if v.term.language[:2] == lang]
    if tagged and mine:
        statement.other_language = [v for v in tagged if v.term.language[:2] != lang]
        statement.objects = [v for v in statement.objects if v not in statement.other_language]


def resource_data(store: Backend, iri: str, fmt: str) -> bytes:
    """The statements about `iri` in a graph format of negotiation.GRAPH_FORMATS (by name).

    Triple formats get the distinct triples with `iri` as subject; TriG and N-Quads keep the named
    graph of each statement, so the manifesto section that states it travels with the data.
    """
    quads = [q for q in store.query(f"CONSTRUCT {{ <{iri}> ?p ?o }} WHERE {{ <{iri}> ?p ?o }}")]
    if fmt in ("trig", "nquads"):
        rows = store.query(f"SELECT ?p ?o ?g WHERE {{ GRAPH ?g {{ <{iri}> ?p ?o }} }}")
        subject = ox.NamedNode(iri)
        quads = [ox.Quad(subject, r["p"], r["o"], r["g"]) for r in rows]
    return _serialised(quads, fmt)


def graph_data(store: Backend, graph_iri: str, fmt: str) -> bytes:
    """Every statement of one named graph, in a graph format of negotiation.GRAPH_FORMATS (by name);
    TriG and N-Quads keep the graph's name."""
    triples = store.query(f"CONSTRUCT {{ ?s ?p ?o }} WHERE {{ GRAPH <{graph_iri}> {{ ?s ?p ?o }} }}")
    statements = [ox.Quad(t.subject, t.predicate, t.object, ox.NamedNode(graph_iri)) for t in triples] \
        if fmt in ("trig", "nquads") else list(triples)
    return _serialised(statements, fmt)


def _serialised(statements: list, fmt: str) -> bytes:
    """Triples or quads in sorted order, with the project's prefixes where the syntax has them."""
    prefixes = PREFIXES if fmt in ("turtle", "trig", "rdfxml") else None
    return ox.serialize(sorted(statements, key=str), format=GRAPH_SERIALISERS[fmt], prefixes=prefixes)


def graph_size(store: Backend, graph_iri: str) -> int:
    """How many statements one named graph holds."""
    rows = store.select(f"SELECT (COUNT(*) AS ?n) WHERE {{ GRAPH <{graph_iri}> {{ ?s ?p ?o }} }}")
    return int(rows[0]["n"])


def json_ld(store: Backend, iri: str) -> str:
    """The resource's own statements as JSON-LD, safe to embed in an HTML <script> element."""
    text = resource_data(store, iri, "jsonld").decode("utf-8")
    return text.replace("<", "\\u003c").replace(">", "\\u003e").replace("&", "\\u0026")



