"""What a resource page shows: a thing's labels, types, statements with their sources, incoming links
and figures, read from the store with SPARQL. No HTTP here: the web layer renders what this returns.

Labels are chosen in the reader's language with fallback to the other one, then to any label, then
to a prefixed name (``pg:Pole``) or the IRI's last segment, so every link has readable text.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field

import pyoxigraph as ox

from polegraph.query.backend import Backend
from polegraph.query.results import GRAPH_SERIALISERS
from polegraph.vocab import ALIGNMENT_GRAPH, DCTERMS, ID, INFERRED_GRAPH, PG, PREFIXES, RDF, RDFS, SKOS, curie

RDF_TYPE = RDF + "type"
DESCRIPTION = DCTERMS + "description"
RDFS_LABEL = RDFS + "label"
LABEL_PREDICATES = (RDFS_LABEL, SKOS + "prefLabel")
SECTION_PREFIX = ID + "section/"
STATED_IN = str(PG) + "statedIn"
FIGURE_OF = str(PG) + "figureOf"
MAX_INCOMING = 500
LANGUAGES = ("fr", "en")


@dataclass(frozen=True)
class Term:
    """An RDF term as a page shows it: an IRI with its label, or a literal with its language/datatype."""

    value: str
    is_iri: bool
    label: str = ""
    language: str = ""
    datatype: str = ""

    @property
    def local(self) -> bool:
        """True for IRIs polegraph publishes (they have a page here)."""
        return self.is_iri and self.value.startswith(ID)


@dataclass
class Statement:
    predicate: Term
    objects: list[tuple[Term, list[Term], bool]] = field(default_factory=list)  # (object, sections, inferred)


@dataclass
class Description:
    iri: str
    label: str
    labels: dict[str, list[str]]  # language ("" for none) → labels
    types: list[Term]
    statements: list[Statement]
    incoming: list[tuple[Term, Term]]  # (subject, predicate)
    figures: list[dict]
    sections: list[Term]
    incoming_truncated: bool = False
    summary: str = ""  # the description (dcterms:description) in the reader's language, with fallback


def pick(labels_by_lang: dict[str, list[str]], lang: str) -> str | None:
    """The label in `lang`, else in the other language, else without language, else any."""
    order = [lang] + [other for other in LANGUAGES if other != lang] + [""]
    for code in order:
        if labels_by_lang.get(code):
            return sorted(labels_by_lang[code])[0]
    for values in labels_by_lang.values():
        if values:
            return sorted(values)[0]
    return None


def _iri_list(iris) -> str:
    return " ".join(f"<{iri}>" for iri in iris if "<" not in iri and ">" not in iri and " " not in iri)


# Words for the common terms of other vocabularies, which the graph does not label itself.
KNOWN_TERMS = {
    RDFS_LABEL: {"fr": "libellé", "en": "label"},
    SKOS + "altLabel": {"fr": "autre nom", "en": "other name"},
    SKOS + "prefLabel": {"fr": "libellé préféré", "en": "preferred label"},
    SKOS + "note": {"fr": "note", "en": "note"},
    SKOS + "inScheme": {"fr": "dans le schéma", "en": "in scheme"},
    SKOS + "broader": {"fr": "plus large", "en": "broader"},
    SKOS + "narrower": {"fr": "plus étroit", "en": "narrower"},
    DESCRIPTION: {"fr": "description", "en": "description"},
    DCTERMS + "subject": {"fr": "sujet", "en": "subject"},
    DCTERMS + "title": {"fr": "titre", "en": "title"},
    DCTERMS + "isPartOf": {"fr": "fait partie de", "en": "is part of"},
    DCTERMS + "hasPart": {"fr": "a pour partie", "en": "has part"},
}


def labels(store: Backend, iris, lang: str) -> dict[str, str]:
    """A display label for each IRI (see the module docstring for the fallback order)."""
    iris = sorted(set(iris))
    found: dict[str, dict[str, list[str]]] = defaultdict(lambda: defaultdict(list))
    for start in range(0, len(iris), 400):
        chunk = _iri_list(iris[start:start + 400])
        if not chunk:
            continue
        query = (f"SELECT DISTINCT ?x ?l WHERE {{ VALUES ?x {{ {chunk} }} "
                 f"VALUES ?p {{ {_iri_list(LABEL_PREDICATES)} }} ?x ?p ?l FILTER(isLiteral(?l)) }}")
        for row in store.query(query):
            literal = row["l"]
            found[row["x"].value][(literal.language or "").lower()[:2]].append(literal.value)
    return {iri: pick(found.get(iri, {}), lang) or KNOWN_TERMS.get(iri, {}).get(lang) or curie(iri)
            for iri in iris}


def _term(node, names: dict[str, str]) -> Term:
    if isinstance(node, ox.NamedNode):
        return Term(node.value, True, names.get(node.value, curie(node.value)))
    if isinstance(node, ox.Literal):
        datatype = node.datatype.value if not node.language else ""
        return Term(node.value, False, node.value, node.language or "", datatype)
    return Term(str(node), False, str(node))


def exists(store: Backend, iri: str) -> bool:
    """True when the graph says anything about `iri`, as subject or object."""
    if not _iri_list([iri]):
        return False
    return store.ask(f"ASK {{ {{ <{iri}> ?p ?o }} UNION {{ ?s ?p <{iri}> }} }}")


def _is_section(graph: str) -> bool:
    return graph.startswith(SECTION_PREFIX)


def describe(store: Backend, iri: str, lang: str) -> Description:
    """Everything the page of `iri` shows; statements grouped by predicate, each with its sections."""
    lang = lang if lang in LANGUAGES else LANGUAGES[0]
    # The alignment copies (org:, schema:… restatements) stay off the page: one link, one property.
    out_rows = list(store.query(
        f"SELECT ?p ?o ?g WHERE {{ GRAPH ?g {{ <{iri}> ?p ?o }} FILTER(?g != <{ALIGNMENT_GRAPH}>) }}"))
    in_rows = list(store.query(
        f"SELECT DISTINCT ?s ?p WHERE {{ GRAPH ?g {{ ?s ?p <{iri}> }} "
        f"FILTER(?g != <{INFERRED_GRAPH}> && ?g != <{ALIGNMENT_GRAPH}>) "
        f"FILTER(isIRI(?s)) }} ORDER BY ?p ?s LIMIT {MAX_INCOMING + 1}"))
    figure_rows = list(store.query(
        f"PREFIX pg: <{PG}> SELECT ?f ?value ?unit ?currency ?qualifier ?year ?horizon ?measure WHERE {{ "
        f"?f pg:figureOf <{iri}> . OPTIONAL {{ ?f pg:value ?value }} OPTIONAL {{ ?f pg:unitText ?unit }} "
        "OPTIONAL { ?f pg:currency ?currency } OPTIONAL { ?f pg:qualifier ?qualifier } "
        "OPTIONAL { ?f pg:year ?year } OPTIONAL { ?f pg:horizonYear ?horizon } "
        f"OPTIONAL {{ ?f pg:measures ?measure }} }} ORDER BY ?f DESC(LANGMATCHES(LANG(?unit), \"{lang}\"))"))
    wanted = {iri}
    for row in out_rows:
        wanted.add(row["p"].value)
        if isinstance(row["o"], ox.NamedNode):
            wanted.add(row["o"].value)
    for row in in_rows:
        wanted.update((row["s"].value, row["p"].value))
    for row in figure_rows:
        wanted.update(row[v].value for v in ("f", "qualifier", "measure") if isinstance(row[v], ox.NamedNode))
    names = labels(store, wanted, lang)

    own_labels: dict[str, list[str]] = defaultdict(list)
    summaries: dict[str, list[str]] = defaultdict(list)
    grouped: dict[tuple, dict] = {}
    types: dict[str, Term] = {}
    sections: set[str] = set()
    for row in out_rows:
        p, o, g = row["p"].value, row["o"], row["g"].value
        if p == STATED_IN:
            sections.add(o.value)
            continue
        if (p in LABEL_PREDICATES and isinstance(o, ox.Literal)
                and o.value not in own_labels[(o.language or "")[:2]]):
            own_labels[(o.language or "")[:2]].append(o.value)
        if p == DESCRIPTION and isinstance(o, ox.Literal) and o.value not in summaries[(o.language or "")[:2]]:
            summaries[(o.language or "")[:2]].append(o.value)
        if p == RDF_TYPE and isinstance(o, ox.NamedNode):
            types[o.value] = _term(o, names)
            continue
        entry = grouped.setdefault((p, o), {"graphs": set(), "object": _term(o, names)})
        entry["graphs"].add(g)
        if _is_section(g):
            sections.add(g)

    statements: dict[str, Statement] = {}
    for (p, _o), entry in grouped.items():
        graphs = entry["graphs"]
        found_in = sorted(g for g in graphs if _is_section(g))
        inferred = graphs <= {INFERRED_GRAPH}
        statement = statements.setdefault(p, Statement(Term(p, True, names.get(p, curie(p)))))
        statement.objects.append((entry["object"], [Term(g, True, names.get(g, curie(g))) for g in found_in],
                                  inferred))
    for statement in statements.values():
        statement.objects.sort(key=lambda item: (item[2], item[0].label.casefold()))
    ordered = sorted(statements.values(), key=lambda s: (not s.predicate.value.startswith(str(PG)),
                                                         s.predicate.label.casefold()))
    incoming = [(_term(r["s"], names), _term(r["p"], names)) for r in in_rows[:MAX_INCOMING]
                if r["p"].value != FIGURE_OF]
    figures, seen = [], set()
    for r in figure_rows:  # several unit texts (fr, en) give several rows: keep one per figure
        if r["f"].value in seen:
            continue
        seen.add(r["f"].value)
        figures.append({"figure": _term(r["f"], names), **{
            v: (_term(r[v], names) if r[v] is not None else None)
            for v in ("value", "unit", "currency", "qualifier", "year", "horizon", "measure")}})
    type_list = sorted(types.values(), key=lambda t: (not t.value.startswith(str(PG)), t.label.casefold()))
    section_terms = [Term(s, True, names.get(s) or labels(store, [s], lang)[s]) for s in sorted(sections)]
    return Description(
        iri=iri, label=pick(own_labels, lang) or curie(iri), labels=dict(own_labels), types=type_list,
        statements=ordered, incoming=incoming, figures=figures, sections=section_terms,
        incoming_truncated=len(in_rows) > MAX_INCOMING, summary=pick(summaries, lang) or "",
    )


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



