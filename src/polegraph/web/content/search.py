"""Find resources by any of their labels, ignoring accents, case and punctuation.

The index (every rdfs:label, skos:prefLabel and skos:altLabel of a thing under /id/) is built once
per store: a few thousand strings, searched by folded substring in well under a millisecond.
"""

from __future__ import annotations

import re
import unicodedata
import weakref
from dataclasses import dataclass

from polegraph.query.backend import Backend
from polegraph.vocab import ID, PG, RDFS, SKOS
from polegraph.web.content.describe import pick

LABELS = (RDFS + "label", SKOS + "prefLabel", SKOS + "altLabel")
_INDEXES: weakref.WeakKeyDictionary = weakref.WeakKeyDictionary()
MAX_QUERY = 200
MAX_NEAR_INDEX = 20000  # things searched for a name spelt close to a mistyped one


def fold(text: str) -> str:
    """Lower-case, accents removed, punctuation as spaces: 'Pôle Véhicule-du-Futur' → 'pole vehicule du futur'."""
    text = unicodedata.normalize("NFKD", text.casefold())
    text = "".join(c for c in text if not unicodedata.combining(c))
    text = text.replace("œ", "oe").replace("æ", "ae").replace("ß", "ss")
    return " ".join(re.sub(r"[^\w]+", " ", text).split())


@dataclass(frozen=True)
class Hit:
    iri: str
    label: str  # the display label in the reader's language
    matched: str  # the label that matched, when it differs from the display label
    types: tuple[str, ...]  # pg: classes (IRIs) of the thing


@dataclass
class _Entry:
    iri: str
    labels: dict[str, list[str]]
    folded: list[tuple[str, str]]  # (folded label, original)
    types: tuple[str, ...]


def _index(store: Backend) -> list[_Entry]:
    index = _INDEXES.get(store)
    if index is not None:
        return index
    values = " ".join(f"<{p}>" for p in LABELS)
    rows = store.query(f"SELECT DISTINCT ?s ?p ?l WHERE {{ VALUES ?p {{ {values} }} ?s ?p ?l "
                       f"FILTER(isIRI(?s) && STRSTARTS(STR(?s), \"{ID}\") && isLiteral(?l)) }}")
    entries: dict[str, _Entry] = {}
    for row in rows:
        iri, literal = row["s"].value, row["l"]
        entry = entries.setdefault(iri, _Entry(iri, {}, [], ()))
        if row["p"].value != LABELS[2]:  # display labels: rdfs:label / skos:prefLabel, never an acronym
            entry.labels.setdefault((literal.language or "")[:2], []).append(literal.value)
        folded = fold(literal.value)
        if folded and (folded, literal.value) not in entry.folded:
            entry.folded.append((folded, literal.value))
    types: dict[str, list[str]] = {}
    for row in store.query(f"SELECT DISTINCT ?s ?c WHERE {{ ?s a ?c FILTER(STRSTARTS(STR(?c), \"{PG}\")) "
                           f"FILTER(STRSTARTS(STR(?s), \"{ID}\")) }}"):
        types.setdefault(row["s"].value, []).append(row["c"].value)
    index = []
    for iri, entry in sorted(entries.items()):
        entry.types = tuple(sorted(types.get(iri, ())))
        index.append(entry)
    _INDEXES[store] = index
    return index


def search(store: Backend, query: str, lang: str, limit: int = 50) -> list[Hit]:
    """Things with a label containing every word of `query` (folded), best first.

    Ranking: a label equal to the query, then one starting with it, then one with a word starting
    with it, then any containing it; ties by label.
    """
    words = fold(query[:MAX_QUERY]).split()
    if not words:
        return []
    phrase = " ".join(words)
    scored = []
    for entry in _index(store):
        best = None
        for folded, original in entry.folded:
            if not all(word in folded for word in words):
                continue
            if folded == phrase:
                rank = 0
            elif folded.startswith(phrase):
                rank = 1
            elif f" {phrase}" in f" {folded}":
                rank = 2
            else:
                rank = 3
            if best is None or rank < best[0]:
                best = (rank, original)
        if best is not None:
            label = pick(entry.labels, lang) or entry.iri
            scored.append((best[0], fold(label), Hit(entry.iri, label, best[1] if best[1] != label else "",
                                                     entry.types)))
    scored.sort(key=lambda item: item[:2])
    return [hit for _rank, _key, hit in scored[:limit]]


def near(store: Backend, query: str, lang: str, limit: int = 5) -> list[Hit]:
    """Things whose name is spelt close to `query` (a typo: "minalogik" → Minalogic), closest first."""
    import difflib

    wanted = fold(query[:MAX_QUERY])
    if not wanted:
        return []
    best: dict[str, tuple[float, str]] = {}
    index = _index(store)
    if len(index) > MAX_NEAR_INDEX:  # an error page must stay cheap on a very large graph
        return []
    for entry in index:
        for folded, original in entry.folded:
            if abs(len(folded) - len(wanted)) > 3:
                continue
            matcher = difflib.SequenceMatcher(None, wanted, folded)
            if matcher.real_quick_ratio() < 0.75 or matcher.quick_ratio() < 0.75:
                continue
            ratio = matcher.ratio()
            if ratio >= 0.75 and ratio > best.get(entry.iri, (0.0, ""))[0]:
                best[entry.iri] = (ratio, original)
    by_iri = {entry.iri: entry for entry in index}
    ranked = sorted(best.items(), key=lambda item: (-item[1][0], item[0]))[:limit]
    return [Hit(iri, pick(by_iri[iri].labels, lang) or iri, "", by_iri[iri].types) for iri, _score in ranked]
