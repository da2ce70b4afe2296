"""Read the project's sources — ontology/, data/, shapes/ — into named graphs.

Each ontology file goes into the ontology graph; each data/*.ttl file into a graph named after it;
each data/*.trig file keeps its named graphs, which must be sections of the manifesto (that is how
every triple stays traceable to the section stating it). A file that cannot be parsed stops
everything with its path, line and the parser's complaint.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from pathlib import Path
from xml.sax import SAXParseException

import pyoxigraph as ox
from rdflib import RDF, BNode, Dataset, Graph, URIRef
from rdflib.plugins.parsers.notation3 import BadSyntax

from polegraph.errors import SourceError
from polegraph.pipeline.release import file_sha256
from polegraph.settings import Settings
from polegraph.vocab import ONTOLOGY_GRAPH, PG, SECTION, graph_iri_for_file

FORMATS = {".ttl": "turtle", ".trig": "trig", ".nt": "nt", ".nq": "nquads", ".rdf": "xml", ".jsonld": "json-ld"}


@dataclass
class Sources:
    """The parsed sources: one dataset of named graphs, the shapes, and each input's checksum."""

    dataset: Dataset
    shapes: Graph
    checksums: dict[str, str] = field(default_factory=dict)

    def graph(self, iri: str) -> Graph:
        return self.dataset.graph(URIRef(iri))

    def section_graphs(self) -> list[URIRef]:
        """Names of the graphs that are manifesto sections."""
        sections = set(self.dataset.subjects(RDF.type, PG.ManifestoSection))
        return sorted(g.identifier for g in self.dataset.graphs() if g.identifier in sections)


def parse_file(path: Path, into: Graph | Dataset, fmt: str | None = None) -> None:
    """Parse one RDF file, turning any parser failure into a SourceError naming file and line."""
    fmt = fmt or FORMATS.get(path.suffix.lower())
    if fmt is None:
        raise SourceError(str(path), f"unknown RDF file extension {path.suffix!r}")
    if fmt in ("xml", "json-ld"):
        check_document_safety(path.read_text(encoding="utf-8", errors="replace"), fmt, str(path))
    try:
        into.parse(path, format=fmt)
    except Exception as exc:  # each rdflib parser raises its own types
        raise parse_error(exc, str(path)) from None
    check_iris(into, str(path))


def check_iris(parsed: Graph | Dataset, where: str) -> None:
    """SourceError for the first name of what was parsed that is no IRI: a JSON-LD parser makes one of any
    key under an `@vocab` (spaces, `<`, `\\` included), which nothing downstream could write out.
    Oxigraph's IRI parser (RFC 3987) is the judge."""
    seen: set[URIRef] = set()
    statements = parsed.quads((None, None, None, None)) if isinstance(parsed, Dataset) else parsed
    for statement in statements:
        for term in statement:
            term = getattr(term, "identifier", term)
            if isinstance(term, URIRef) and term not in seen:
                seen.add(term)
                try:
                    ox.NamedNode(str(term))
                except ValueError:
                    raise SourceError(where, f"{str(term)[:200]!r} is not a valid IRI") from None


_XML_DECLARATIONS = re.compile(r"<!\s*(DOCTYPE|ENTITY)", re.IGNORECASE)


def _reject_remote_contexts(node, where: str) -> None:
    """Refuse any JSON-LD @context that is not inline: rdflib would fetch it from the network."""
    if isinstance(node, list):
        for item in node:
            _reject_remote_contexts(item, where)
    elif isinstance(node, dict):
        for key, value in node.items():
            if key == "@context":
                _check_context(value, where)
            _reject_remote_contexts(value, where)


def _check_context(context, where: str) -> None:
    items = context if isinstance(context, list) else [context]
    for item in items:
        if isinstance(item, str):
            raise SourceError(where, f"remote JSON-LD @context {item!r} is not allowed: inline the context")
        if isinstance(item, dict) and "@import" in item:
            raise SourceError(where, "JSON-LD @import is not allowed: inline the context")


def check_document_safety(text: str, fmt: str, where: str = "document") -> None:
    """Refuse what would make the parser reach the network or expand entities, before parsing."""
    if fmt == "xml" and _XML_DECLARATIONS.search(text):
        line = text.count("\n", 0, _XML_DECLARATIONS.search(text).start()) + 1
        raise SourceError(where, "DOCTYPE and ENTITY declarations are not allowed in RDF/XML", line=line)
    if fmt == "json-ld":
        try:
            document = json.loads(text)
            _reject_remote_contexts(document, where)
        except json.JSONDecodeError as exc:
            raise SourceError(where, f"invalid JSON: {exc.msg}", line=exc.lineno) from None
        except RecursionError:
            raise SourceError(where, "JSON nested too deeply to be an RDF document") from None


def parse_error(exc: Exception, where: str) -> SourceError:
    """The project's SourceError for whatever an rdflib parser raised: the file, the line, what is wrong."""
    if isinstance(exc, BadSyntax):
        return SourceError(where, exc._why or "syntax error", line=exc.lines + 1)
    if isinstance(exc, SAXParseException):
        return SourceError(where, exc.getMessage(), line=exc.getLineNumber())
    if isinstance(exc, UnicodeDecodeError):
        return SourceError(where, f"not UTF-8 text ({exc.reason})")
    line = getattr(exc, "lineno", None) or getattr(exc, "line", None)
    return SourceError(where, str(exc).strip() or type(exc).__name__, line=line if isinstance(line, int) else None)


def _files(folder: Path, *suffixes: str) -> list[Path]:
    if not folder.is_dir():
        return []
    return sorted(p for p in folder.rglob("*") if p.suffix.lower() in suffixes and p.is_file())


def load_sources(settings: Settings) -> Sources:
    """Parse ontology/, data/ and shapes/ of the project into a Sources object."""
    dataset = Dataset(default_union=True)
    checksums: dict[str, str] = {}
    project = settings.project

    def rel(path: Path) -> str:
        return str(path.relative_to(project)) if path.is_relative_to(project) else str(path)

    ontology_files = _files(settings.ontology_dir, ".ttl")
    if not ontology_files:
        raise SourceError(rel(settings.ontology_dir), "no ontology file (*.ttl) found")
    ontology = dataset.graph(URIRef(ONTOLOGY_GRAPH))
    for path in ontology_files:
        parse_file(path, ontology)
        checksums[rel(path)] = file_sha256(path)

    trig_files = []
    for path in _files(settings.data_dir, ".ttl", ".trig"):
        checksums[rel(path)] = file_sha256(path)
        if path.suffix == ".trig":
            trig_files.append(path)
        else:
            parse_file(path, dataset.graph(URIRef(graph_iri_for_file(path.stem))))
    declared_sections = set(dataset.subjects(RDF.type, PG.ManifestoSection))
    for path in trig_files:
        _load_trig(path, dataset, declared_sections, rel(path))

    shapes = Graph()
    for path in _files(settings.shapes_dir, ".ttl"):
        parse_file(path, shapes)
        checksums[rel(path)] = file_sha256(path)
    return Sources(dataset=dataset, shapes=shapes, checksums=checksums)


def _load_trig(path: Path, dataset: Dataset, sections: set, shown: str) -> None:
    """Add a TriG file's named graphs, refusing default-graph triples and unknown graph names."""
    scratch = Dataset()
    parse_file(path, scratch, "trig")
    if len(scratch.default_graph):
        raise SourceError(shown, "triples outside any GRAPH block; every statement belongs to a section graph")
    for graph in scratch.graphs():
        if graph.identifier == scratch.default_graph.identifier or not len(graph):
            continue
        name = graph.identifier
        if name not in sections:
            hint = f" (sections are {SECTION}…, declared in data/manifesto.ttl)"
            raise SourceError(shown, f"graph <{name}> is not a declared manifesto section{hint}")
        for s, _p, o in graph:
            if isinstance(s, BNode) or isinstance(o, BNode):
                raise SourceError(shown, f"blank node in graph <{name}>: give every resource an IRI")
        target = dataset.graph(name)
        for triple in graph:
            target.add(triple)
