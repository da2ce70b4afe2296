"""Write the map of France's regions the pages draw (static/vendor/france-regions/regions.json).

Source: the `fr.regions.svg` of the PyPI package pygal_maps_fr 1.1.0 (Kozea, LGPL-3.0-or-later), which
draws the 27 regions of before 2016, the overseas ones included, each tagged with its INSEE code. The
regions of 2016 are unions of those (INSEE, Code officiel géographique: the 2016 merger of regions), so
each is drawn as the union of its former regions' shapes, with the new INSEE code. (The npm package
@svg-maps/france.regions, named in the issue, is CC BY-NC 4.0: not usable by an open project.)

Run once to change the map, in a throw-away environment (the site itself needs neither package):
    python -m venv /tmp/mapenv && /tmp/mapenv/bin/pip install shapely svgelements
    pip download --no-deps pygal_maps_fr==1.1.0 -d /tmp/mapenv
    /tmp/mapenv/bin/python scripts/vendor-map.py /tmp/mapenv/pygal_maps_fr-1.1.0-py3-none-any.whl
"""

from __future__ import annotations

import json
import re
import shutil
import sys
import zipfile
from pathlib import Path

from shapely.affinity import translate
from shapely.geometry import Polygon
from shapely.ops import unary_union
from svgelements import Path as SvgPath

OUT = Path(__file__).resolve().parent.parent / "src/polegraph/web/static/vendor/france-regions"
# INSEE code of a region since 2016 → the codes of the regions it merged (INSEE, Code officiel géographique).
MERGED = {
    "01": ["01"], "02": ["02"], "03": ["03"], "04": ["04"], "06": ["06"],
    "11": ["11"], "24": ["24"], "27": ["26", "43"], "28": ["23", "25"], "32": ["22", "31"],
    "44": ["21", "41", "42"], "52": ["52"], "53": ["53"], "75": ["54", "72", "74"], "76": ["73", "91"],
    "84": ["82", "83"], "93": ["93"], "94": ["94"],
}
# The regions' official names (INSEE, Code officiel géographique), for the map's regions the graph does not name.
NAMES = {
    "01": "Guadeloupe", "02": "Martinique", "03": "Guyane", "04": "La Réunion", "06": "Mayotte",
    "11": "Île-de-France", "24": "Centre-Val de Loire", "27": "Bourgogne-Franche-Comté", "28": "Normandie",
    "32": "Hauts-de-France", "44": "Grand Est", "52": "Pays de la Loire", "53": "Bretagne",
    "75": "Nouvelle-Aquitaine", "76": "Occitanie", "84": "Auvergne-Rhône-Alpes", "93": "Provence-Alpes-Côte d'Azur",
    "94": "Corse",
}
STEP = 1.5  # SVG units between the points sampled along a curve
TOLERANCE = 0.6  # simplification of the merged outlines, in SVG units


def polygons(path: SvgPath) -> list[Polygon]:
    """The closed subpaths of an SVG path (transforms applied) as polygons."""
    out = []
    for sub in path.as_subpaths():
        sub_path = SvgPath(sub)
        length = sub_path.length(error=1e-3)
        count = max(8, int(length / STEP))
        points = [sub_path.point(i / count) for i in range(count)]
        polygon = Polygon([(p.x, p.y) for p in points])
        if polygon.area > 1:
            out.append(polygon if polygon.is_valid else polygon.buffer(0))
    return out


def d_of(geometry) -> str:
    parts = []
    for polygon in getattr(geometry, "geoms", [geometry]):
        for ring in [polygon.exterior, *polygon.interiors]:
            coords = list(ring.coords)[:-1]
            parts.append("M" + " L".join(f"{x:.1f},{y:.1f}" for x, y in coords) + "Z")
    return "".join(parts)


def main(wheel: str) -> None:
    with zipfile.ZipFile(wheel) as archive:
        svg_text = archive.read("pygal_maps_fr/fr.regions.svg")
    text = svg_text.decode("utf-8")
    metropolitan, overseas = text.split('<g id="dom-com">')
    dx, dy = map(float, re.search(r'id="regions"\s+transform="translate\(([-\d.]+),([-\d.]+)\)"', text).groups())
    shapes: dict[str, list[Polygon]] = {}
    for part, offset in ((metropolitan, (dx, dy)), (overseas, (0.0, 0.0))):
        for code, body in re.findall(r'<g class="a(\d\d) region[^"]*">(.*?)</g>', part, re.S):
            for d in re.findall(r'\sd="([^"]+)"', body):
                shapes.setdefault(code, []).extend(translate(poly, xoff=offset[0], yoff=offset[1])
                                                   for poly in polygons(SvgPath(d)))
    regions = {}
    for code, old in MERGED.items():
        merged = unary_union([p for c in old for p in shapes[c]]).buffer(0.8).buffer(-0.8)
        merged = merged.simplify(TOLERANCE, preserve_topology=True)
        point = merged.representative_point()
        regions[code] = {"name": NAMES[code], "d": d_of(merged), "x": round(point.x, 1), "y": round(point.y, 1)}
    bounds = unary_union([p for ps in shapes.values() for p in ps]).bounds
    margin = 10
    view_box = [round(bounds[0] - margin), round(bounds[1] - margin), round(bounds[2] - bounds[0] + 2 * margin),
                round(bounds[3] - bounds[1] + 2 * margin)]
    OUT.mkdir(parents=True, exist_ok=True)
    document = {"source": "pygal_maps_fr 1.1.0 (PyPI), fr.regions.svg; regions of 2016 as unions of the former "
                          "regions (INSEE, Code officiel géographique)", "licence": "LGPL-3.0-or-later",
                "viewBox": view_box, "regions": regions}
    (OUT / "regions.json").write_text(json.dumps(document, separators=(",", ":")) + "\n", encoding="utf-8")
    for name in ("LGPL-3", "GPL-3"):
        shutil.copy(f"/usr/share/common-licenses/{name}", OUT / f"COPYING.{name}")
    print(f"wrote {len(regions)} regions to {OUT / 'regions.json'}")


if __name__ == "__main__":
    main(sys.argv[1])
