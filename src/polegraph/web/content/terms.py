"""Terms as pages show them: readable labels for IRIs, and what the ontology says about its own terms.

Labels are chosen in the reader's language with fallback to the other one, then to any label, then
to a prefixed name (``pg:Pole``) or the IRI's last segment, so every link has readable text. The
ontology's structure (which property restates which, which class is more specific, which properties
are inverses) is read once per store: pages use it to show one main type and each fact once.
"""

from __future__ import annotations

import weakref
from collections import defaultdict
from dataclasses import dataclass, field

import pyoxigraph as ox

from polegraph.query.backend import Backend
from polegraph.vocab import DCTERMS, ID, ONTOLOGY_GRAPH, OWL, PG, RDFS, SKOS, curie

RDFS_LABEL = RDFS + "label"
LABEL_PREDICATES = (RDFS_LABEL, SKOS + "prefLabel")
LANGUAGES = ("fr", "en")
_SCHEMAS: weakref.WeakKeyDictionary = weakref.WeakKeyDictionary()


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


def iri_list(iris) -> str:
    """IRIs written for a SPARQL VALUES block (anything that could break out of <…> is left out)."""
    return " ".join(f"<{iri}>" for iri in iris if not set(iri) & set('<> "{}|\\^`'))


# Words for the common terms of other vocabularies, which the graph does not label itself.
KNOWN_TERMS = {
    RDFS_LABEL: {"fr": "libellé", "en": "label"},
    SKOS + "altLabel": {"fr": "autre nom", "en": "other name"},
    SKOS + "prefLabel": {"fr": "libellé préféré", "en": "preferred label"},
    SKOS + "note": {"fr": "note", "en": "note"},
    SKOS + "inScheme": {"fr": "dans le schéma", "en": "in scheme"},
    SKOS + "broader": {"fr": "plus large", "en": "broader"},
    SKOS + "narrower": {"fr": "plus étroit", "en": "narrower"},
    DCTERMS + "description": {"fr": "description", "en": "description"},
    DCTERMS + "subject": {"fr": "sujet", "en": "subject"},
    DCTERMS + "title": {"fr": "titre", "en": "title"},
    DCTERMS + "isPartOf": {"fr": "fait partie de", "en": "is part of"},
    DCTERMS + "hasPart": {"fr": "a pour partie", "en": "has part"},
    DCTERMS + "creator": {"fr": "auteur", "en": "creator"},
    DCTERMS + "issued": {"fr": "date de publication", "en": "issued"},
    DCTERMS + "alternative": {"fr": "sous-titre", "en": "subtitle"},
    DCTERMS + "language": {"fr": "langue", "en": "language"},
    "http://www.w3.org/1999/02/22-rdf-syntax-ns#type": {"fr": "type", "en": "type"},
}


def labels(store: Backend, iris, lang: str) -> dict[str, str]:
    """A display label for each IRI (see the module docstring for the fallback order)."""
    iris = sorted(set(iris))
    found: dict[str, dict[str, list[str]]] = defaultdict(lambda: defaultdict(list))
    for start in range(0, len(iris), 400):
        chunk = iri_list(iris[start:start + 400])
        if not chunk:
            continue
        # A property path, not a second VALUES block: Oxigraph then looks each ?x up by its index
        # (0.6 ms for 90 IRIs on a ×100 graph, against 290 ms for the join of two VALUES blocks).
        query = (f"SELECT DISTINCT ?x ?l WHERE {{ VALUES ?x {{ {chunk} }} "
                 f"?x {'|'.join(f'<{p}>' for p in LABEL_PREDICATES)} ?l FILTER(isLiteral(?l)) }}")
        for row in store.query(query):
            literal = row["l"]
            found[row["x"].value][(literal.language or "").lower()[:2]].append(literal.value)
    return {iri: pick(found.get(iri, {}), lang) or KNOWN_TERMS.get(iri, {}).get(lang) or curie(iri)
            for iri in iris}


def term(node, names: dict[str, str]) -> Term:
    """An Oxigraph term as a page shows it, IRIs named from `names`."""
    if isinstance(node, ox.NamedNode):
        return Term(node.value, True, names.get(node.value, curie(node.value)))
    if isinstance(node, ox.Literal):
        datatype = node.datatype.value if not node.language else ""
        return Term(node.value, False, node.value, node.language or "", datatype)
    return Term(str(node), False, str(node))


@dataclass
class Schema:
    """What the ontology says of its terms, as pages need it."""

    superproperties: dict[str, set[str]] = field(default_factory=dict)  # property → every property it implies
    superclasses: dict[str, set[str]] = field(default_factory=dict)  # class → every class above it
    inverses: dict[str, str] = field(default_factory=dict)

    def restates(self, inferred: str, asserted: str) -> bool:
        """True when a statement with `asserted` implies the same one with `inferred` (org:memberOf for
        pg:memberOf, skos:note for pg:interpretation), directly or through their inverses (org:hasMember
        for pg:president, whose inverse pg:presidentOf implies org:memberOf)."""
        if inferred in self.superproperties.get(asserted, ()):
            return True
        inverse_inferred, inverse_asserted = self.inverses.get(inferred), self.inverses.get(asserted)
        return bool(inverse_inferred and inverse_asserted
                    and inverse_inferred in self.superproperties.get(inverse_asserted, ()))

    def most_specific(self, classes) -> list[str]:
        """The project's classes among `classes` that no other one of them refines."""
        own = {c for c in classes if c.startswith(str(PG))}
        return sorted(c for c in own if not any(c in self.superclasses.get(other, ()) for other in own - {c}))


def schema(store: Backend) -> Schema:
    """The ontology's structure, read once per store."""
    cached = _SCHEMAS.get(store)
    if cached is not None:
        return cached
    found = Schema(defaultdict(set), defaultdict(set), {})
    graph = f"GRAPH <{ONTOLOGY_GRAPH}>"
    # The direct links, closed here: a store such as Virtuoso refuses `?p rdfs:subPropertyOf+ ?q` with
    # neither end given ("transitive start not given").
    for relation, closed in (("subPropertyOf", found.superproperties), ("subClassOf", found.superclasses)):
        direct: dict[str, set[str]] = defaultdict(set)
        for row in store.query(f"SELECT ?a ?b WHERE {{ {graph} {{ ?a <{RDFS}{relation}> ?b FILTER(isIRI(?b)) }} }}"):
            direct[row["a"].value].add(row["b"].value)
        for start in direct:
            seen, todo = set(), list(direct[start])
            while todo:
                above = todo.pop()
                if above not in seen:
                    seen.add(above)
                    todo.extend(direct.get(above, ()))
            closed[start] = seen
    for row in store.query(f"SELECT ?p ?q WHERE {{ {graph} {{ ?p <{OWL}inverseOf> ?q }} }}"):
        found.inverses[row["p"].value] = row["q"].value
        found.inverses[row["q"].value] = row["p"].value
    _SCHEMAS[store] = found
    return found
