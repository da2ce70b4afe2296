"""Synthetic projects at ×N the size of the real one, that still conform to the project's shapes.

Copy i of every resource of the manifesto sections gets the IRI `…/{kind}/{slug}-x{i}` and its
labels a ` (x{i})` suffix, so slugs stay valid and names stay unique; the ontology, the shapes,
the section list, the paragraphs (each then names every copy) and the vocabularies are kept as they are.
"""

from __future__ import annotations

import shutil
from pathlib import Path

from rdflib import Dataset, Literal, URIRef
from rdflib.namespace import RDFS, SKOS

from polegraph.vocab import ID

KEEP_KINDS = ("section/", "scheme/", "measure/", "document/", "paragraph/")
LABELS = {RDFS.label, SKOS.altLabel, SKOS.prefLabel}


def _rename(term, copy: int):
    if isinstance(term, URIRef) and str(term).startswith(ID) and not str(term)[len(ID):].startswith(KEEP_KINDS):
        return URIRef(f"{term}-x{copy}")
    return term


def make_project(source: Path, target: Path, scale: int) -> Path:
    """Write a project folder at `target` holding `scale` copies of the source project's section data."""
    if target.exists():
        shutil.rmtree(target)
    for folder in ("ontology", "shapes", "queries"):
        shutil.copytree(source / folder, target / folder)
    (target / "data").mkdir(parents=True)
    for ttl in (source / "data").glob("*.ttl"):
        shutil.copy(ttl, target / "data" / ttl.name)
    for trig in sorted((source / "data").rglob("*.trig")):  # data/paragraphs/ too: a paragraph names every copy
        dataset = Dataset()
        dataset.parse(trig, format="trig")
        written = target / "data" / trig.relative_to(source / "data")
        written.parent.mkdir(parents=True, exist_ok=True)
        with open(written, "w", encoding="utf-8") as out:
            for graph in dataset.graphs():
                if not len(graph) or graph.identifier == dataset.default_graph.identifier:
                    continue
                out.write(f"<{graph.identifier}> {{\n")
                for copy in range(scale):
                    for s, p, o in graph:
                        if copy:
                            renamed = _rename(s, copy)
                            if p in LABELS and isinstance(o, Literal) and renamed != s:
                                o = Literal(f"{o} (x{copy})", lang=o.language, datatype=o.datatype)
                            s, o = renamed, _rename(o, copy)
                        out.write(f"{s.n3()} {p.n3()} {o.n3()} .\n")
                out.write("}\n")
    return target
