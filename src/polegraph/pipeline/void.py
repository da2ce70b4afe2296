"""The VoID counts of a release, computed once by the build and kept in its release.json.

They describe what the endpoint holds (web/content/service_description.py) and what the pages list
(entities per class). Counting them reads the whole graph, and a release never changes: so the build
counts them and the service reads them, rather than counting again each time it starts.
"""

from __future__ import annotations

from collections.abc import Callable

import pyoxigraph as ox

from polegraph.pipeline.store import solution_rows
from polegraph.vocab import ID, KINDS

_GRAPH_COUNTS = """
SELECT ?g (COUNT(*) AS ?triples) (COUNT(DISTINCT ?s) AS ?entities) (COUNT(DISTINCT ?p) AS ?properties)
WHERE { GRAPH ?g { ?s ?p ?o } } GROUP BY ?g
"""
_GRAPH_CLASSES = "SELECT ?g (COUNT(DISTINCT ?c) AS ?classes) WHERE { GRAPH ?g { ?s a ?c } } GROUP BY ?g"
_UNION_COUNTS = """
SELECT (COUNT(*) AS ?triples) (COUNT(DISTINCT ?s) AS ?entities) (COUNT(DISTINCT ?p) AS ?properties)
WHERE { SELECT DISTINCT ?s ?p ?o WHERE { ?s ?p ?o } }
"""
_UNION_CLASSES = "SELECT (COUNT(DISTINCT ?c) AS ?classes) WHERE { ?s a ?c }"
_CLASS_PARTITIONS = "SELECT ?c (COUNT(DISTINCT ?s) AS ?n) WHERE { ?s a ?c } GROUP BY ?c ORDER BY ?c"
_PROPERTY_PARTITIONS = """
SELECT ?p (COUNT(*) AS ?n) (COUNT(DISTINCT ?s) AS ?subjects) (COUNT(DISTINCT ?o) AS ?objects)
WHERE { ?s ?p ?o } GROUP BY ?p ORDER BY ?p
"""
_KIND_ENTITIES = f"""
SELECT ?kind (COUNT(DISTINCT ?s) AS ?n) WHERE {{
    ?s ?p ?o . FILTER (isIRI(?s) && STRSTARTS(STR(?s), "{ID}"))
    BIND (STRBEFORE(SUBSTR(STR(?s), {len(ID) + 1}), "/") AS ?kind)
}} GROUP BY ?kind
"""


def void_statistics(select: Callable[[str], list[dict[str, str]]]) -> dict:
    """VoID counts of the merged default graph, each named graph, class, property and kind of resource;
    `select` answers a SELECT as rows of lexical values."""
    union = {**select(_UNION_COUNTS)[0], **select(_UNION_CLASSES)[0]}
    graphs = {row["g"]: {k: int(row[k]) for k in ("triples", "entities", "properties")}
              for row in select(_GRAPH_COUNTS)}
    for row in select(_GRAPH_CLASSES):
        graphs[row["g"]]["classes"] = int(row["classes"])
    for counts in graphs.values():
        counts.setdefault("classes", 0)
    classes = {row["c"]: int(row["n"]) for row in select(_CLASS_PARTITIONS) if "c" in row}
    properties = {row["p"]: {k: int(row[k]) for k in ("n", "subjects", "objects")}
                  for row in select(_PROPERTY_PARTITIONS) if "p" in row}
    kinds = {row["kind"]: int(row["n"]) for row in select(_KIND_ENTITIES) if row.get("kind") in KINDS}
    return {"union": {k: int(v) for k, v in union.items()}, "graphs": dict(sorted(graphs.items())),
            "classes": classes, "properties": properties, "kinds": dict(sorted(kinds.items()))}


def store_statistics(store: ox.Store) -> dict:
    """The VoID counts of a dataset loaded by `load_dataset`."""
    return void_statistics(lambda text: solution_rows(store.query(text)))
