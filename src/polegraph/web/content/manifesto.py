"""The manifesto as a reader holds it: the document, its sections in order, and each section's paragraphs
with the statements they ground.

A section page shows its heading, its place in the document, its summary (the project's words) and
what it states grouped by paragraph (the rule of web/content/provenance.py); a paragraph page is
that section's entry for one paragraph. No sentence of the manifesto is here: only numbers,
headings short enough to quote, and the graph's own statements. Computed once per store, section
and language.
"""

from __future__ import annotations

import weakref
from dataclasses import dataclass, field

import pyoxigraph as ox

from polegraph.query.backend import Backend
from polegraph.vocab import DCTERMS, MANIFESTO_IRI, PG, RDF, RDFS, SKOS
from polegraph.web.content.provenance import Paragraph, cite, mentions_of, section_paragraphs, statements_of
from polegraph.web.content.terms import Term, labels, pick, schema, term

P = str(PG)
# What a section page lists: links between things, and the values a reader checks (figures, years).
HIDDEN = {RDF + "type", SKOS + "inScheme", RDFS + "label", SKOS + "altLabel", SKOS + "prefLabel",
          DCTERMS + "description", P + "interpretation", SKOS + "note", P + "unitText"}
MAX_SHOWN = 150  # names and facts shown per paragraph (the manifesto's longest has 60; a ×100 graph, thousands)
_VIEWS: weakref.WeakKeyDictionary = weakref.WeakKeyDictionary()


@dataclass(frozen=True)
class Fact:
    subject: Term
    predicate: Term
    object: Term


@dataclass
class ParagraphView:
    paragraph: Paragraph
    label: str
    mentions: list[Term] = field(default_factory=list)
    facts: list[Fact] = field(default_factory=list)
    more_mentions: int = 0  # left out past MAX_SHOWN (a very large graph: the SPARQL link has them all)
    more_facts: int = 0


@dataclass
class SectionView:
    iri: str
    label: str
    order: int
    number: str  # as printed ("01"), "" when the document prints none
    heading: str  # as printed, when short enough to quote
    summary: str
    previous: Term | None
    next: Term | None
    count: int  # sections in the document
    paragraphs: list[ParagraphView]
    unplaced: list[Fact]  # statements no paragraph names (rare: a fact from outside the text)


@dataclass
class SectionEntry:
    section: Term
    order: int
    number: str
    heading: str
    summary: str
    paragraphs: int


def _literals(store: Backend, subject: str, predicate: str) -> dict[str, list[str]]:
    found: dict[str, list[str]] = {}
    for row in store.query(f"SELECT ?v WHERE {{ <{subject}> <{predicate}> ?v FILTER(isLiteral(?v)) }}"):
        found.setdefault((row["v"].language or "")[:2], []).append(row["v"].value)
    return found


def sections(store: Backend, lang: str) -> list[SectionEntry]:
    """The manifesto's sections in the document's order."""
    rows = store.query(f"SELECT ?s ?order ?number ?heading WHERE {{ ?s a <{P}ManifestoSection> ; <{P}order> ?order "
                       f"OPTIONAL {{ ?s <{P}printedNumber> ?number }} "
                       f"OPTIONAL {{ ?s <{P}printedHeading> ?heading }} }}")
    rows = sorted(rows, key=lambda r: int(r["order"].value))
    names = labels(store, [r["s"].value for r in rows], lang)
    paragraphs = section_paragraphs(store)
    out = []
    for r in rows:
        iri = r["s"].value
        out.append(SectionEntry(Term(iri, True, names[iri]), int(r["order"].value),
                                r["number"].value if r["number"] is not None else "",
                                r["heading"].value if r["heading"] is not None else "",
                                pick(_literals(store, iri, DCTERMS + "description"), lang) or "",
                                len(paragraphs.get(iri, []))))
    return out


@dataclass
class Document:
    iri: str
    title: str
    subtitle: str
    creator: Term | None
    issued: str
    language: str
    summary: str
    sections: list[SectionEntry]


def manifesto(store: Backend, lang: str) -> Document:
    """The manifesto's own page: what it is, who published it and when, its sections."""
    iri = MANIFESTO_IRI
    creator = next(iter(store.query(f"SELECT ?c WHERE {{ <{iri}> <{DCTERMS}creator> ?c }}")), None)
    creator_iri = creator["c"].value if creator else None
    names = labels(store, [iri] + ([creator_iri] if creator_iri else []), lang)
    first = {p: next(iter(sorted(v for vs in _literals(store, iri, p).values() for v in vs)), "")
             for p in (DCTERMS + "alternative", DCTERMS + "issued", DCTERMS + "language")}
    return Document(iri, names[iri], first[DCTERMS + "alternative"],
                    Term(creator_iri, True, names[creator_iri]) if creator_iri else None,
                    first[DCTERMS + "issued"], first[DCTERMS + "language"],
                    pick(_literals(store, iri, DCTERMS + "description"), lang) or "", sections(store, lang))


def section_view(store: Backend, section: str, lang: str) -> SectionView:
    """Everything a section's page shows (kept per store)."""
    per_store = _VIEWS.setdefault(store, {})
    if (section, lang) not in per_store:
        per_store[(section, lang)] = _section_view(store, section, lang)
    return per_store[(section, lang)]


def _section_view(store: Backend, section: str, lang: str) -> SectionView:
    entries = sections(store, lang)
    index = next(i for i, e in enumerate(entries) if e.section.value == section)
    entry = entries[index]
    paragraphs = section_paragraphs(store).get(section, [])
    statements = [(s, p, o) for s, p, o in statements_of(store, section) if p not in HIDDEN]
    facts = _without_inverses(store, statements)
    things = {s for s, _p, _o in facts} | {o.value for _s, _p, o in facts if isinstance(o, ox.NamedNode)}
    mentions = mentions_of(store, things)
    mentioned = {x for x, by_section in mentions.items() if section in by_section}
    names = labels(store, things | {p for _s, p, _o in facts} | {p.iri for p in paragraphs}, lang)
    views = {p.iri: ParagraphView(p, names.get(p.iri, f"§{p.number}")) for p in paragraphs}
    for x in sorted(mentioned, key=lambda x: names[x].casefold()):
        for para in mentions[x][section]:
            views[para.iri].mentions.append(Term(x, True, names[x]))
    unplaced = []
    for s, p, o in facts:
        fact = Fact(Term(s, True, names[s]), Term(p, True, names[p]), term(o, names))
        cited = cite(mentions, section, s, o.value if isinstance(o, ox.NamedNode) else None)
        for para in cited:
            views[para.iri].facts.append(fact)
        if not cited:
            unplaced.append(fact)
    for view in views.values():
        view.facts.sort(key=lambda f: (f.subject.label.casefold(), f.predicate.label, f.object.label.casefold()))
        view.more_facts, view.facts = max(0, len(view.facts) - MAX_SHOWN), view.facts[:MAX_SHOWN]
        view.more_mentions, view.mentions = max(0, len(view.mentions) - MAX_SHOWN), view.mentions[:MAX_SHOWN]
    return SectionView(section, entry.section.label, entry.order, entry.number, entry.heading, entry.summary,
                       entries[index - 1].section if index > 0 else None,
                       entries[index + 1].section if index + 1 < len(entries) else None,
                       len(entries), [views[p.iri] for p in paragraphs], unplaced)


def _without_inverses(store: Backend, statements: list) -> list:
    """Each link once: of `a p b` and `b inverse(p) a`, the one with the smaller property name is kept."""
    inverses = schema(store).inverses
    present = {(s, p, o.value) for s, p, o in statements if isinstance(o, ox.NamedNode)}
    kept = []
    for s, p, o in statements:
        if isinstance(o, ox.NamedNode):
            inverse = inverses.get(p)
            if inverse and (o.value, inverse, s) in present and inverse < p:
                continue
        kept.append((s, p, o))
    return kept


def paragraph_view(store: Backend, paragraph: str, lang: str) -> tuple[SectionView, ParagraphView] | None:
    """The section of `paragraph` and the paragraph's entry in it (None for an unknown paragraph)."""
    row = next(iter(store.query(f"SELECT ?s WHERE {{ <{paragraph}> <{DCTERMS}isPartOf> ?s }}")), None)
    if row is None:
        return None
    view = section_view(store, row["s"].value, lang)
    entry = next((p for p in view.paragraphs if p.paragraph.iri == paragraph), None)
    return (view, entry) if entry else None
