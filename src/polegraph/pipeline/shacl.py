"""SHACL validation with pySHACL, returning a report (never raising on a non-conforming graph).

A release is blocked only by results of severity Violation; Warnings and Infos are reported.
Contributors' documents are validated together with the project's graph (so references resolve),
after the same provenance and inference steps the build applies: see `validate_document`.
"""

from __future__ import annotations

import json
import re
from collections import defaultdict
from dataclasses import dataclass, field

from pyshacl import validate as shacl_validate
from rdflib import OWL, RDF, RDFS, SKOS, BNode, Dataset, Graph, Literal, Namespace, URIRef

from polegraph import vocab
from polegraph.errors import PolegraphError, SourceError
from polegraph.pipeline import reason
from polegraph.pipeline.sources import check_document_safety, check_iris, parse_error
from polegraph.vocab import PG

SH = Namespace(vocab.SH)
SEVERITY_ORDER = {"Violation": 0, "Warning": 1, "Info": 2}


@dataclass(frozen=True)
class ValidationResult:
    """One SHACL result, reduced to what a contributor needs to find and fix the problem."""

    severity: str
    focus: str
    path: str | None
    value: str | None
    message: dict[str, str]  # language tag ("" when none) -> text
    shape: str | None
    constraint: str | None

    def text(self, lang: str = "en") -> str:
        return self.message.get(lang) or self.message.get("") or next(iter(self.message.values()), "")


_TEXT_WORDS = {
    "en": {"head": "SHACL validation: {state} — {v} violation(s), {w} warning(s), {i} info(s)",
           "yes": "conforms", "no": "does NOT conform", "value": "value",
           "Violation": "Violation", "Warning": "Warning", "Info": "Info"},
    "fr": {"head": "Validation SHACL : {state} — {v} violation(s), {w} avertissement(s), {i} information(s)",
           "yes": "conforme", "no": "NON conforme", "value": "valeur",
           "Violation": "Violation", "Warning": "Avertissement", "Info": "Information"},
}


@dataclass
class ValidationReport:
    """The outcome of a validation: conforming unless some result is a Violation."""

    results: list[ValidationResult] = field(default_factory=list)
    graph: Graph = field(default_factory=Graph)

    @property
    def violation_count(self) -> int:
        return sum(r.severity == "Violation" for r in self.results)

    @property
    def conforms(self) -> bool:
        return self.violation_count == 0

    def counts(self) -> dict[str, int]:
        out = dict.fromkeys(SEVERITY_ORDER, 0)
        for r in self.results:
            out[r.severity] = out.get(r.severity, 0) + 1
        return out

    def by_focus(self) -> dict[str, list[ValidationResult]]:
        grouped: dict[str, list[ValidationResult]] = defaultdict(list)
        for r in sorted(self.results, key=lambda r: (SEVERITY_ORDER.get(r.severity, 9), r.focus, r.path or "")):
            grouped[r.focus].append(r)
        return dict(grouped)

    def to_text(self, lang: str = "en") -> str:
        words = _TEXT_WORDS["fr" if lang == "fr" else "en"]
        counts = self.counts()
        lines = [words["head"].format(state=words["yes" if self.conforms else "no"], v=counts["Violation"],
                                      w=counts["Warning"], i=counts["Info"])]
        for focus, results in self.by_focus().items():
            lines.append(f"\n{focus}")
            for r in results:
                where = f" [{r.path}]" if r.path else ""
                value = f" ({words['value']}: {r.value})" if r.value else ""
                lines.append(f"  {words.get(r.severity, r.severity)}{where}: {r.text(lang)}{value}")
        return "\n".join(lines)

    def to_dict(self) -> dict:
        return {
            "conforms": self.conforms,
            "counts": self.counts(),
            "results": [
                {"severity": r.severity, "focus": r.focus, "path": r.path, "value": r.value,
                 "message": r.message, "shape": r.shape, "constraint": r.constraint}
                for focus_results in self.by_focus().values() for r in focus_results
            ],
        }

    def to_json(self) -> str:
        return json.dumps(self.to_dict(), ensure_ascii=False, indent=2)

    def to_turtle(self) -> str:
        return self.graph.serialize(format="turtle")


def _term(graph: Graph, node, prop) -> str | None:
    value = graph.value(node, prop)
    if value is None:
        return None
    return str(value) if not isinstance(value, Literal) else value.n3() if value.datatype else str(value)


def _path_text(graph: Graph, path) -> str | None:
    """A result path as a reader writes it: an IRI, ^inverse, or alternatives joined by |."""
    if path is None or isinstance(path, URIRef):
        return str(path) if path is not None else None
    inverse = graph.value(path, SH.inversePath)
    if inverse is not None:
        return "^" + (_path_text(graph, inverse) or "")
    alternatives = graph.value(path, SH.alternativePath)
    if alternatives is not None:
        return "|".join(_path_text(graph, p) or "" for p in graph.items(alternatives))
    return path.n3()


def _template_regex(template: str) -> re.Pattern:
    parts = re.split(r"\{[$?][A-Za-z0-9_]+\}", template)
    return re.compile("^" + "(.*?)".join(re.escape(p) for p in parts) + "$", re.DOTALL)


def _restore_languages(report: Graph) -> None:
    """pySHACL drops the language tag of a message once it fills its {?var} placeholders; put it back.

    Each untagged message is matched against the language-tagged templates of its source constraint.
    """
    for result in list(report.subjects(RDF.type, SH.ValidationResult)):
        templates = [m for src in (report.value(result, SH.sourceConstraint), report.value(result, SH.sourceShape))
                     if src is not None for m in report.objects(src, SH.message)
                     if isinstance(m, Literal) and m.language]
        for message in list(report.objects(result, SH.resultMessage)):
            if not isinstance(message, Literal) or message.language:
                continue
            for template in templates:
                if _template_regex(str(template)).match(str(message)):
                    report.remove((result, SH.resultMessage, message))
                    report.add((result, SH.resultMessage, Literal(str(message), lang=template.language)))
                    break


def validate(data: Graph, shapes: Graph, focus: set[URIRef] | None = None) -> ValidationReport:
    """Validate `data` against `shapes`, SHACL-SPARQL constraints enabled, no inference added; when
    `focus` is given, the report keeps only the results about those nodes. (pySHACL's own focus-node
    mode also applies shapes that do not target a node, such as qualified value shapes, to it.)"""
    _conforms, report_graph, _text = shacl_validate(
        data, shacl_graph=shapes, inference="none", advanced=True, allow_warnings=True, abort_on_first=False,
    )
    if not isinstance(report_graph, Graph):  # pySHACL's ValidationFailure: the shapes are unusable
        raise PolegraphError(f"the SHACL shapes cannot be applied: {report_graph}")
    _restore_languages(report_graph)
    results = []
    if focus is not None:
        _keep_results_about(report_graph, focus)
    for node in report_graph.subjects(RDF.type, SH.ValidationResult):
        severity = report_graph.value(node, SH.resultSeverity)
        messages = {
            (m.language or ""): str(m) for m in report_graph.objects(node, SH.resultMessage)
            if isinstance(m, Literal)
        }
        results.append(ValidationResult(
            severity=str(severity).rsplit("#", 1)[-1] if severity else "Violation",
            focus=str(report_graph.value(node, SH.focusNode)),
            path=_path_text(report_graph, report_graph.value(node, SH.resultPath)),
            value=_term(report_graph, node, SH.value),
            message=messages or {"": "constraint not satisfied"},
            shape=_term(report_graph, node, SH.sourceShape),
            constraint=_term(report_graph, node, SH.sourceConstraintComponent),
        ))
    return ValidationReport(results=results, graph=report_graph)


def _keep_results_about(report: Graph, focus: set[URIRef]) -> None:
    """Remove from a SHACL report the results whose focus node is not in `focus`, and say again whether
    what remains conforms."""
    for result in list(report.subjects(RDF.type, SH.ValidationResult)):
        if report.value(result, SH.focusNode) not in focus:
            for report_node in list(report.subjects(SH.result, result)):
                report.remove((report_node, SH.result, result))
            _remove_tree(report, result)
    violation = any(report.value(result, SH.resultSeverity) == SH.Violation
                    for result in report.subjects(RDF.type, SH.ValidationResult))
    for report_node in list(report.subjects(RDF.type, SH.ValidationReport)):
        report.set((report_node, SH.conforms, Literal(not violation)))


def _remove_tree(graph: Graph, node) -> None:
    """`node`'s statements, and those of the blank nodes only it points to (paths, lists)."""
    for _p, value in list(graph.predicate_objects(node)):
        graph.remove((node, _p, value))
        if isinstance(value, BNode) and not any(True for _ in graph.subjects(None, value)):
            _remove_tree(graph, value)


# --------------------------------------------------------------------------------------------
# Contributors' documents: parsed safely, then validated together with the project's graph
# --------------------------------------------------------------------------------------------

#: Media types a contributor may send, and the rdflib parser for each.
DOCUMENT_FORMATS = {
    "text/turtle": "turtle", "application/x-turtle": "turtle",
    "application/n-triples": "nt", "text/plain": "nt",
    "application/ld+json": "json-ld", "application/json": "json-ld",
    "application/rdf+xml": "xml", "application/xml": "xml", "text/xml": "xml",
    "application/trig": "trig", "application/n-quads": "nquads",
}
CONTRIBUTION_BASE = vocab.CONTRIBUTION
NAME_PROPERTIES = (RDFS.label, SKOS.altLabel, SKOS.prefLabel)
def parse_document(data: bytes, fmt: str, where: str = "document") -> Dataset:
    """Parse a contributor's RDF document (rdflib format name) safely; SourceError if it cannot be."""
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise SourceError(where, f"not UTF-8 text ({exc.reason})") from None
    check_document_safety(text, fmt, where)
    dataset = Dataset()
    try:
        dataset.parse(data=text, format=fmt, publicID=CONTRIBUTION_BASE)
    except Exception as exc:  # each rdflib parser raises its own types
        raise parse_error(exc, where) from None
    check_iris(dataset, where)
    return dataset


def validate_document(project: Graph, document: Graph | Dataset, shapes: Graph, ontology: Graph) -> ValidationReport:
    """Validate what `document` says, with what the project says about the same resources; `project`
    (the release's statements, inferred ones included) is never changed.

    What is validated is what the document touches: its subjects, the resources it names that the
    project does not know, and the properties it uses. The data is the document, the project's
    statements about its subjects (from them and to them), the types of every resource those reach (an
    ontology individual's from the ontology), and the ontology's declarations of the properties used;
    the ontology's inferences are drawn over them. So the work grows with the document, not with the graph. As in a
    build, subjects of a named graph that is a declared manifesto section get `pg:statedIn` that
    section, so a contribution is judged as a build would judge it.
    """
    quads = list(document.quads((None, None, None, None)) if isinstance(document, Dataset) else (
        (s, p, o, None) for s, p, o in document))
    subjects = {s for s, _p, _o, _g in quads if isinstance(s, URIRef)}
    graph = Graph()
    for s, p, o, g in quads:
        graph.add((s, p, o))
        name = getattr(g, "identifier", g)
        if isinstance(name, URIRef) and (name, RDF.type, PG.ManifestoSection) in project:
            graph.add((s, PG.statedIn, name))
    for node in subjects:
        for triple in (*project.triples((node, None, None)), *project.triples((None, None, node))):
            graph.add(triple)
    schema = set(ontology.subjects())
    reached = {n for s, _p, o in graph for n in (s, o) if isinstance(n, URIRef)}
    for node in reached:
        types = ontology if (node, RDF.type, OWL.NamedIndividual) in ontology else project
        for triple in types.triples((node, RDF.type, None)):
            graph.add(triple)
    minted = {o for _s, _p, o, _g in quads if isinstance(o, URIRef) and o not in schema
              and (o, None, None) not in project and (None, None, o) not in project}
    for triple in reason.infer(ontology + graph):
        if triple[0] not in schema:
            graph.add(triple)
    # Peers: the names of every resource of the subjects' classes, for the checks that compare a
    # resource with all others of its kind (two pôles may not share a name).
    for cls in {cls for s in subjects for cls in graph.objects(s, RDF.type) if cls in schema}:
        for peer in project.subjects(RDF.type, cls):
            graph.add((peer, RDF.type, cls))
            for name in NAME_PROPERTIES:
                for label in project.objects(peer, name):
                    graph.add((peer, name, label))
    used = set(graph.predicates())
    for prop in used:
        for triple in ontology.triples((prop, RDF.type, None)):
            graph.add(triple)
    return validate(graph, shapes, focus=subjects | minted | {p for _s, p, _o, _g in quads})
