"""The map of France's regions: what the manifesto places in each, from the graph only.

The counts are the answer of the named query `regions-map` itself (queries/regions-map.rq), so the map
can be reproduced in SPARQL; the shapes are the vendored map (static/vendor/france-regions, INSEE codes),
and a region is matched to the graph by its INSEE code (pg:inseeCode). A region of the map the graph
does not name, or where it places nothing, says so rather than being guessed at.
"""

from __future__ import annotations

import functools
import json
import weakref
from pathlib import Path

from polegraph.query.backend import Backend
from polegraph.query.named import NamedQuery
from polegraph.vocab import ID, PG
from polegraph.web.content.describe import labels

SHAPES = Path(__file__).resolve().parent.parent / "static" / "vendor" / "france-regions" / "regions.json"
MAP_QUERY = "regions-map"
KINDS = ("poles", "initiatives", "places")
_COUNTS: weakref.WeakKeyDictionary = weakref.WeakKeyDictionary()
# The same patterns as queries/regions-map.rq, listing what it counts.
_LISTS = {
    "poles": f"""SELECT DISTINCT ?x WHERE {{ ?x a <{PG}Pole> ;
        (^<{PG}attachedToPole>)?/(<{PG}targetsTerritory>|<{PG}locatedIn>) ?where . ?where <{PG}inRegion>* ?region }}""",
    "initiatives": f"""SELECT DISTINCT ?x WHERE {{ ?x a <{PG}Initiative> ;
        <{PG}targetsTerritory>|<{PG}locatedIn> ?at . ?at <{PG}inRegion>* ?region }}""",
    "places": f"SELECT DISTINCT ?x WHERE {{ ?x <{PG}inRegion>+ ?region }}",
}


@functools.cache
def shapes() -> dict:
    """The vendored map: {"viewBox": [x, y, w, h], "regions": {INSEE code: {"d", "x", "y"}}}."""
    return json.loads(SHAPES.read_text(encoding="utf-8"))


def counts(backend: Backend, query: NamedQuery) -> dict[str, dict]:
    """{INSEE code: {"iri", "label", "poles", "initiatives", "places"}} from the named query (once per backend)."""
    if backend not in _COUNTS:
        rows = backend.select(query.text)
        _COUNTS[backend] = {row["code"]: {"iri": row["region"], "label": row["label"],
                                          **{k: int(row.get(k, 0)) for k in KINDS}} for row in rows}
    return _COUNTS[backend]


def map_regions(backend: Backend, query: NamedQuery, lang: str) -> dict:
    """What the map template draws: each region's shape, counts, label, link and shade (0 nothing to 4 most)."""
    found = counts(backend, query)
    names = labels(backend, [r["iri"] for r in found.values()], lang)
    most = max([sum(r[k] for k in KINDS) for r in found.values()] + [1])
    regions = []
    for code, shape in shapes()["regions"].items():
        row = found.get(code)
        total = sum(row[k] for k in KINDS) if row else 0
        regions.append({
            "code": code, "d": shape["d"], "x": shape["x"], "y": shape["y"],
            "label": names[row["iri"]] if row else shape["name"], "named": row is not None, "total": total,
            **{k: (row[k] if row else 0) for k in KINDS},
            "href": "/regions/" + row["iri"].rsplit("/", 1)[-1] if row else "",
            "shade": 0 if total == 0 else 1 + min(3, int(3 * total / most)),
        })
    regions.sort(key=lambda r: r["label"].casefold())
    pole_count = int(backend.select(f"SELECT (COUNT(DISTINCT ?p) AS ?n) WHERE {{ ?p a <{PG}Pole> }}")[0]["n"])
    placed = len({iri for iri in _listed(backend, "poles", [r["iri"] for r in found.values()])})
    vb = shapes()["viewBox"]
    return {"regions": regions, "viewBox": " ".join(map(str, vb)), "poles": pole_count, "placed": placed,
            "query": query.name}


def _listed(backend: Backend, kind: str, regions: list[str]) -> list[str]:
    if not regions:
        return []
    values = " ".join(f"<{r}>" for r in regions)
    head = "SELECT DISTINCT ?x WHERE {"
    text = _LISTS[kind].replace(head, f"{head} VALUES ?region {{ {values} }}", 1)
    return [row["x"] for row in backend.select(text)]


def region_lists(backend: Backend, region: str, lang: str) -> dict[str, list[dict]]:
    """For one region (its IRI): the pôles, initiatives and places the map counts there, labelled, by label."""
    out = {}
    for kind in KINDS:
        iris = [iri for iri in _listed(backend, kind, [region]) if iri.startswith(ID)]
        names = labels(backend, iris, lang)
        out[kind] = sorted(({"iri": i, "label": names[i]} for i in iris), key=lambda item: item["label"].casefold())
    return out
