"""The shapes a document must meet, as a contributor reads them: each rule, what it applies to, what to fix.

Read from the release's shapes graph (shapes/*.ttl as built), so the page never drifts from what
/validate checks. Each validation result links here: `anchor_of` maps the shape that produced it
(a named shape, or a property shape inside one) to the named shape's entry.
"""

from __future__ import annotations

import functools
from dataclasses import dataclass, field
from pathlib import Path

from rdflib import RDF, RDFS, BNode, Graph, Literal, URIRef

from polegraph.vocab import PREFIXES, SH, curie

SHAPES_NS = "https://w3id.org/polegraph/shapes#"
_SH = {name: URIRef(SH + name) for name in ("NodeShape", "PropertyShape", "property", "path", "message",
                                           "targetClass", "targetSubjectsOf", "targetObjectsOf", "severity",
                                           "inversePath")}


@dataclass
class Rule:
    path: str  # the property it checks, as a prefixed name ("" for the node itself)
    message: str


@dataclass
class ShapeDoc:
    anchor: str
    comment: str
    targets: list[str]  # prefixed names of the classes or properties it applies to
    severity: str
    rules: list[Rule] = field(default_factory=list)


def _text(graph: Graph, node, predicate, lang: str) -> str:
    values = [o for o in graph.objects(node, predicate) if isinstance(o, Literal)]
    chosen = [v for v in values if v.language == lang] or [v for v in values if not v.language] or values
    return str(sorted(chosen, key=str)[0]) if chosen else ""


def _path(graph: Graph, node) -> str:
    path = graph.value(node, _SH["path"])
    if isinstance(path, URIRef):
        return curie(str(path), PREFIXES)
    inverse = graph.value(path, _SH["inversePath"]) if path is not None else None
    return f"^{curie(str(inverse), PREFIXES)}" if isinstance(inverse, URIRef) else ""


@functools.lru_cache(maxsize=2)
def _graph(path: Path) -> Graph:
    return Graph().parse(path, format="turtle")


def shapes_doc(path: Path, lang: str) -> list[ShapeDoc]:
    """Every named shape of the shapes file at `path`, with its rules in `lang`."""
    graph = _graph(path)
    named = sorted({s for kind in ("NodeShape", "PropertyShape") for s in graph.subjects(RDF.type, _SH[kind])
                    if isinstance(s, URIRef) and str(s).startswith(SHAPES_NS)}, key=str)
    docs = []
    for shape in named:
        targets = [curie(str(t), PREFIXES) for p in ("targetClass", "targetSubjectsOf", "targetObjectsOf")
                   for t in graph.objects(shape, _SH[p])]
        severity = str(graph.value(shape, _SH["severity"]) or SH + "Violation").rsplit("#", 1)[-1]
        doc = ShapeDoc(str(shape)[len(SHAPES_NS):], _text(graph, shape, RDFS.comment, lang), sorted(targets), severity)
        if graph.value(shape, _SH["message"]) is not None:
            doc.rules.append(Rule(_path(graph, shape), _text(graph, shape, _SH["message"], lang)))
        for prop in graph.objects(shape, _SH["property"]):
            message = _text(graph, prop, _SH["message"], lang)
            if message and isinstance(prop, BNode):
                doc.rules.append(Rule(_path(graph, prop), message))
            elif isinstance(prop, URIRef):
                doc.rules.append(Rule(_path(graph, prop), f"→ {str(prop)[len(SHAPES_NS):]}"))
        docs.append(doc)
    return docs


def anchor_of(graph: Graph, shape: str | None) -> str:
    """The entry of /shapes a validation result's source shape is documented under ("" if none); `graph`
    is the shapes graph the validation ran with (a property shape is a blank node of that graph)."""
    if not shape:
        return ""
    if shape.startswith(SHAPES_NS):
        return shape[len(SHAPES_NS):]
    for parent in graph.subjects(_SH["property"], BNode(shape)):
        if isinstance(parent, URIRef) and str(parent).startswith(SHAPES_NS):
            return str(parent)[len(SHAPES_NS):]
    return ""
