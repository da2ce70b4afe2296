"""Human documentation of the polegraph ontology, generated with pyLODE (OntPub profile).

Served by the web application at the ontology's path. Three things pyLODE does not do the way
polegraph needs, handled here:

* it documents every typed subject, so the declarations of external terms (``org:Organization a
  owl:Class``, needed for OWL 2 DL) would appear as if polegraph defined them: only ``pg:`` terms
  and the ontology header are passed to it (external terms still show as links where used);
* it derives HTML anchors from whichever label it meets first (French or English, so unstable):
  anchors are pinned to the IRI's local name, so ``/ontology#Pole`` is ``pg:Pole``;
* it has no place for the table "verb in the text → property" (issue 26): the table is built from the
  ontology's ``pg:verbInText`` annotations and inserted before the list of classes;
* importing it calls ``logging.basicConfig(level=DEBUG)`` (pylode.profiles.supermodel.loader),
  and its module-level `logging.info` calls add a root handler: the root logger is restored after
  import and rendering.

pyLODE's OntPub reads its background ontologies from files it ships and fetches nothing from the
network (``tests/test_ontology.py`` renders with sockets disabled).
"""

from __future__ import annotations

import contextlib
import functools
import html
import logging
from collections.abc import Iterator
from pathlib import Path

import rdflib
from rdflib import DCTERMS, OWL, RDF, RDFS, BNode, Literal, URIRef

from polegraph import vocab

__all__ = ["PG", "documentation_graph", "render_documentation", "verb_table"]

PG = str(vocab.PG)
VERB_IN_TEXT = URIRef(PG + "verbInText")
COOKBOOK_NOTE = ("Query patterns, each a named query of the SPARQL editor: docs/cookbook.md "
                 "(also at /cookbook on a running server).")


def verb_table(ontology: rdflib.Graph) -> list[tuple[str, str, list[str]]]:
    """(verb as the text writes it, pg: property, its pg: super-properties), sorted by verb."""
    rows = []
    for prop, verb in ontology.subject_objects(VERB_IN_TEXT):
        supers = sorted(str(o)[len(PG):] for o in ontology.objects(prop, RDFS.subPropertyOf) if str(o).startswith(PG))
        rows.append((str(verb), str(prop)[len(PG):], supers))
    return sorted(rows, key=lambda row: (row[0].casefold(), row[1]))


def _verb_section(ontology: rdflib.Graph) -> str:
    lines = ['<div class="section" id="verbs"><h2>Verbes du texte → propriétés — The text\'s verbs → properties</h2>',
             "<p>Le verbe tel que le manifeste l'écrit, la propriété qui le représente et la propriété générale dont "
             "elle est un cas (la question générale trouve aussi les cas précis). — The verb as the manifesto writes "
             "it, the property standing for it, and the general property it is a case of (asking the general one "
             "finds the precise ones too). " + html.escape(COOKBOOK_NOTE) + ' <a href="/cookbook">/cookbook</a></p>',
             "<table><thead><tr><th>verbe / verb</th><th>propriété / property</th><th>cas de / case of</th></tr>"
             "</thead><tbody>"]
    for verb, prop, supers in verb_table(ontology):
        general = ", ".join(f'<a href="#{s}">pg:{s}</a>' for s in supers)
        lines.append(f'<tr><td>{html.escape(verb)}</td><td><a href="#{prop}">pg:{prop}</a></td><td>{general}</td></tr>')
    lines.append("</tbody></table></div>")
    return "\n".join(lines)


@contextlib.contextmanager
def _logging_untouched() -> Iterator[None]:
    """Undo what pyLODE does to the root logger: ``basicConfig(level=DEBUG)`` on import, and the
    implicit ``basicConfig()`` of its module-level ``logging.info`` calls while rendering."""
    root = logging.getLogger()
    level, handlers = root.level, list(root.handlers)
    try:
        yield
    finally:
        for handler in list(root.handlers):
            if handler not in handlers:
                root.removeHandler(handler)
        root.setLevel(level)


def documentation_graph(ontology_ttl: Path) -> rdflib.Graph:
    """The ontology as pyLODE should see it: header, ``pg:`` terms and their class expressions."""
    source = rdflib.Graph().parse(ontology_ttl, format="turtle")
    headers = set(source.subjects(RDF.type, OWL.Ontology))
    graph = rdflib.Graph()
    for prefix, namespace in source.namespaces():
        graph.bind(prefix, namespace, override=True)
    for s, p, o in source:
        if isinstance(s, BNode) or s in headers or str(s).startswith(PG):
            graph.add((s, p, o))
    # pyLODE prints every title side by side with no separator: one "français — English" title each.
    for subject in set(graph.subjects()):
        names = list(graph.objects(subject, DCTERMS.title)) or list(graph.objects(subject, RDFS.label))
        by_lang = {name.language: str(name) for name in names if isinstance(name, Literal)}
        if "fr" in by_lang and "en" in by_lang:
            title = by_lang["fr"] if by_lang["fr"] == by_lang["en"] else f"{by_lang['fr']} — {by_lang['en']}"
            graph.remove((subject, DCTERMS.title, None))
            graph.remove((subject, RDFS.label, None))
            graph.add((subject, RDFS.label, Literal(title)))
    return graph


@functools.lru_cache(maxsize=4)
def _render(path: Path, _mtime_ns: int, _size: int) -> str:
    with _logging_untouched():
        from pylode import OntPub  # imported here: its import reconfigures logging

        ontpub = OntPub(ontology=documentation_graph(path), sort_subjects=True)
        for term in set(ontpub.ont.subjects()):
            if str(term).startswith(PG) and len(str(term)) > len(PG):
                ontpub.fids[str(term)] = str(term)[len(PG) :]
        page = ontpub.make_html()
    anchor = '<div class="section" id="classes">'
    return page.replace(anchor, _verb_section(rdflib.Graph().parse(path, format="turtle")) + anchor, 1)


def render_documentation(ontology_ttl: Path) -> str:
    """Render the HTML documentation page of the ontology in ``ontology_ttl`` (a Turtle file).

    The result is cached per file version (path, modification time, size), so a web route may
    call this on every request: only the first call after a change pays pyLODE's ~1 s.
    """
    path = Path(ontology_ttl).resolve()
    stat = path.stat()
    return _render(path, stat.st_mtime_ns, stat.st_size)
