"""SHACL validation with pySHACL, returning a report (never raising on a non-conforming graph).

A release is blocked only by results of severity Violation; Warnings and Infos are reported.
"""

from __future__ import annotations

import json
from collections import defaultdict
from dataclasses import dataclass, field

from pyshacl import validate as shacl_validate
from rdflib import RDF, Graph, Literal, Namespace, URIRef

SH = Namespace("http://www.w3.org/ns/shacl#")
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
        counts = self.counts()
        head = "conforms" if self.conforms else "does NOT conform"
        lines = [f"SHACL validation: {head} — {counts['Violation']} violation(s), "
                 f"{counts['Warning']} warning(s), {counts['Info']} info(s)"]
        for focus, results in self.by_focus().items():
            lines.append(f"\n{focus}")
            for r in results:
                where = f" [{r.path}]" if r.path else ""
                value = f" (value: {r.value})" if r.value else ""
                lines.append(f"  {r.severity}{where}: {r.text(lang)}{value}")
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


def validate(data: Graph, shapes: Graph, ontology: Graph | None = None) -> ValidationReport:
    """Validate `data` against `shapes`; SHACL-SPARQL constraints enabled, no inference added."""
    _conforms, report_graph, _text = shacl_validate(
        data, shacl_graph=shapes, ont_graph=ontology, inference="none",
        advanced=True, allow_warnings=True, abort_on_first=False,
    )
    results = []
    for node in report_graph.subjects(RDF.type, SH.ValidationResult):
        severity = report_graph.value(node, SH.resultSeverity)
        messages = {
            (m.language or ""): str(m) for m in report_graph.objects(node, SH.resultMessage)
            if isinstance(m, Literal)
        }
        path = report_graph.value(node, SH.resultPath)
        results.append(ValidationResult(
            severity=str(severity).rsplit("#", 1)[-1] if severity else "Violation",
            focus=str(report_graph.value(node, SH.focusNode)),
            path=str(path) if isinstance(path, URIRef) else (path.n3() if path is not None else None),
            value=_term(report_graph, node, SH.value),
            message=messages or {"": "constraint not satisfied"},
            shape=_term(report_graph, node, SH.sourceShape),
            constraint=_term(report_graph, node, SH.sourceConstraintComponent),
        ))
    return ValidationReport(results=results, graph=report_graph)
