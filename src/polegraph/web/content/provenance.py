"""Where the manifesto says it: a statement's paragraphs, read from the paragraphs' mentions.

Every statement sits in the named graph of its section; the section's paragraphs (data/paragraphs/)
say which resources each one names (`pg:mentions`). A statement `s p o` of section G cites the
paragraphs of G that mention both s and o; when none does, those that mention s (what the statement
is about), else those that mention o. For both ends, the rule is one join, so SPARQL answers it too
(queries/statement-paragraphs.rq).
"""

from __future__ import annotations

import weakref
from collections import defaultdict
from dataclasses import dataclass

import pyoxigraph as ox

from polegraph.query.backend import Backend
from polegraph.vocab import DCTERMS, ID, PG

SECTION_PREFIX = ID + "section/"
PARAGRAPH_PREFIX = ID + "paragraph/"
_SECTIONS: weakref.WeakKeyDictionary = weakref.WeakKeyDictionary()


@dataclass(frozen=True, order=True)
class Paragraph:
    """One numbered paragraph of a section (ordered by section, then number)."""

    section: str  # the section's IRI
    number: int
    iri: str

    @property
    def anchor(self) -> str:
        """The paragraph's anchor on its section's page."""
        return f"p{self.number}"


# resource IRI → section IRI → the paragraphs of that section mentioning it
Mentions = dict[str, dict[str, set[Paragraph]]]


def _iris(values) -> str:
    return " ".join(f"<{v}>" for v in sorted(set(values)) if v.startswith(ID) and not set(v) & set('<> "{}|\\^`'))


def mentions_of(store: Backend, iris) -> Mentions:
    """The paragraphs mentioning each of `iris`, by section."""
    found: Mentions = defaultdict(lambda: defaultdict(set))
    listed = sorted(set(iris))
    for start in range(0, len(listed), 400):
        values = _iris(listed[start:start + 400])
        if not values:
            continue
        rows = store.query(
            f"SELECT ?x ?para ?section ?n WHERE {{ VALUES ?x {{ {values} }} ?para <{PG}mentions> ?x ; "
            f"<{DCTERMS}isPartOf> ?section ; <{PG}paragraphNumber> ?n }}")
        for row in rows:
            paragraph = Paragraph(row["section"].value, int(row["n"].value), row["para"].value)
            found[row["x"].value][paragraph.section].add(paragraph)
    return found


def cite(mentions: Mentions, section: str, subject: str, obj: str | None) -> list[Paragraph]:
    """The paragraphs of `section` a statement about `subject` (and `obj`, an IRI or None) cites."""
    of_subject = mentions.get(subject, {}).get(section, set())
    of_object = mentions.get(obj, {}).get(section, set()) if obj else set()
    return sorted((of_subject & of_object) or of_subject or of_object)


def section_paragraphs(store: Backend) -> dict[str, list[Paragraph]]:
    """Every section's paragraphs in order (computed once per store)."""
    cached = _SECTIONS.get(store)
    if cached is None:
        cached = defaultdict(list)
        for row in store.query(f"SELECT ?para ?section ?n WHERE {{ ?para a <{PG}Paragraph> ; "
                               f"<{DCTERMS}isPartOf> ?section ; <{PG}paragraphNumber> ?n }}"):
            cached[row["section"].value].append(Paragraph(row["section"].value, int(row["n"].value),
                                                          row["para"].value))
        for paragraphs in cached.values():
            paragraphs.sort()
        cached = dict(cached)
        _SECTIONS[store] = cached
    return cached


def statements_of(store: Backend, section: str) -> list[tuple[str, str, ox.NamedNode | ox.Literal]]:
    """The statements a section's graph holds about things (its paragraph data left out)."""
    rows = store.query(f"SELECT ?s ?p ?o WHERE {{ GRAPH <{section}> {{ ?s ?p ?o }} "
                       f"FILTER(!STRSTARTS(STR(?s), \"{PARAGRAPH_PREFIX}\")) }}")
    return [(row["s"].value, row["p"].value, row["o"]) for row in rows]
