"""The explorer's graph: pôles, programmes, funders, organisations and value chains, and the links
between them, as plain data (nodes and edges) computed with SPARQL on the store.

Edges come from the manifesto's section graphs only (what the text states); the inverse statements
the data writes or the reasoner infers are folded into one edge per pair of nodes.
"""

from __future__ import annotations

import weakref

from polegraph.query.backend import Backend
from polegraph.vocab import ID, PG, curie
from polegraph.web.content.describe import labels

GROUPS = ("pole", "programme", "funder", "organisation", "valuechain")
_CACHE: weakref.WeakKeyDictionary = weakref.WeakKeyDictionary()
_SECTIONS = f'FILTER(STRSTARTS(STR(?g), "{ID}section/"))'

_NODES = f"""PREFIX pg: <{PG}>
SELECT DISTINCT ?n ?c WHERE {{
  VALUES ?c {{ pg:Pole pg:ValueChain pg:FundingProgramme pg:Initiative pg:Organisation }}
  ?n a ?c FILTER(STRSTARTS(STR(?n), "{ID}"))
}}"""
_FUNDERS = f"""PREFIX pg: <{PG}>
SELECT DISTINCT ?n WHERE {{ {{ ?n pg:funds ?x }} UNION {{ ?x pg:fundedBy ?n }} }}"""
_EDGES = f"""PREFIX pg: <{PG}>
SELECT DISTINCT ?s ?p ?o WHERE {{
  GRAPH ?g {{ ?s ?p ?o }} {_SECTIONS}
  FILTER(isIRI(?o) && STRSTARTS(STR(?p), STR(pg:)) && ?s != ?o)
}}"""
_REGIONS = f"""PREFIX pg: <{PG}>
SELECT DISTINCT ?n ?r WHERE {{
  ?n pg:targetsTerritory|pg:locatedIn|pg:jurisdiction ?place .
  ?place pg:inRegion? ?r . ?r a pg:Region
}}"""
_NAMES = f"""PREFIX pg: <{PG}> PREFIX rdfs: <http://www.w3.org/2000/01/rdf-schema#>
PREFIX skos: <http://www.w3.org/2004/02/skos/core#>
SELECT DISTINCT ?n ?l WHERE {{
  VALUES ?c {{ pg:Pole pg:ValueChain pg:FundingProgramme pg:Initiative pg:Organisation }}
  ?n a ?c ; rdfs:label|skos:prefLabel|skos:altLabel ?l FILTER(STRSTARTS(STR(?n), "{ID}"))
}}"""
_VALUE_CHAINS = f"""PREFIX pg: <{PG}>
SELECT DISTINCT ?n ?v WHERE {{ ?n pg:structuresValueChain|pg:concernsValueChain ?v . ?v a pg:ValueChain }}"""


def _group(classes: set[str], funder: bool) -> str:
    if PG + "Pole" in classes:
        return "pole"
    if PG + "ValueChain" in classes:
        return "valuechain"
    if PG + "FundingProgramme" in classes or funder:
        return "funder"
    if PG + "Initiative" in classes:
        return "programme"
    return "organisation"


def explorer_graph(store: Backend, lang: str) -> dict:
    """{"nodes", "edges", "valueChains", "regions"} for the explorer, labels in `lang` (cached per store)."""
    per_store = _CACHE.setdefault(store, {})
    if lang in per_store:
        return per_store[lang]
    classes: dict[str, set[str]] = {}
    for row in store.query(_NODES):
        classes.setdefault(row["n"].value, set()).add(row["c"].value)
    funders = {row["n"].value for row in store.query(_FUNDERS)}
    regions: dict[str, set[str]] = {}
    for row in store.query(_REGIONS):
        regions.setdefault(row["n"].value, set()).add(row["r"].value)
    chains: dict[str, set[str]] = {}
    for row in store.query(_VALUE_CHAINS):
        chains.setdefault(row["n"].value, set()).add(row["v"].value)
    other_names: dict[str, set[str]] = {}
    for row in store.query(_NAMES):
        other_names.setdefault(row["n"].value, set()).add(row["l"].value)
    pairs: dict[frozenset, tuple[str, str, str]] = {}
    for row in store.query(_EDGES):
        s, p, o = row["s"].value, row["p"].value, row["o"].value
        if s in classes and o in classes:
            key = frozenset((s, o))
            if key not in pairs or p < pairs[key][1]:
                pairs[key] = (s, p, o)
    region_iris = {r for rs in regions.values() for r in rs}
    names = labels(store, set(classes) | region_iris | {p for _s, p, _o in pairs.values()}, lang)
    nodes = [{
        "id": iri, "label": names[iri], "group": _group(cls, iri in funders),
        "regions": sorted(regions.get(iri, ())), "valueChains": sorted(chains.get(iri, ())),
        "names": sorted(other_names.get(iri, set()) - {names[iri]}),
    } for iri, cls in sorted(classes.items())]
    edges = [{"id": f"e{i}", "source": s, "target": o, "predicate": curie(p), "label": names[p]}
             for i, (s, p, o) in enumerate(sorted(pairs.values()))]
    graph = {
        "nodes": nodes, "edges": edges,
        "valueChains": sorted(({"id": n["id"], "label": n["label"]} for n in nodes if n["group"] == "valuechain"),
                              key=lambda v: v["label"].casefold()),
        "regions": sorted(({"id": r, "label": names[r]} for r in region_iris), key=lambda r: r["label"].casefold()),
    }
    per_store[lang] = graph
    return graph
