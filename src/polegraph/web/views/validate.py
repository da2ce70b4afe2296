"""POST /validate: a contributor's RDF document checked against the shapes of the served release.

The document is validated together with a copy of the release's graph (so its references
resolve); the served graph and store are never touched. The answer is the SHACL report as JSON,
Turtle or HTML, by content negotiation.
"""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path

from flask import Blueprint, Response, request
from rdflib import Dataset, Graph

from polegraph.errors import RequestRefused, SourceError
from polegraph.pipeline.release import Release
from polegraph.pipeline.shacl import DOCUMENT_FORMATS, parse_document, validate_document
from polegraph.query.formats import Format
from polegraph.query.processes.deadline import run_with_deadline
from polegraph.web.app import service
from polegraph.web.negotiation import negotiate

bp = Blueprint("validate", __name__)

REPORT_FORMATS = (
    Format("json", "application/json"),
    Format("turtle", "text/turtle", ("application/x-turtle",)),
    Format("html", "text/html", ("application/xhtml+xml",)),
)


@lru_cache(maxsize=2)
def release_graphs(folder: Path) -> tuple[Graph, Graph, Graph]:
    """The graph (union of its named graphs), shapes and ontology of the release in `folder`, parsed once
    per process."""
    release = Release.open(folder)
    dataset = Dataset()
    dataset.parse(release.dataset_path, format="nquads")
    union = Graph()
    for s, p, o, _g in dataset.quads((None, None, None, None)):
        union.add((s, p, o))
    return (union, Graph().parse(release.shapes_path, format="turtle"),
            Graph().parse(release.ontology_path, format="turtle"))


@bp.post("/validate")
def validate():
    svc = service()
    if (request.content_length or 0) > svc.settings.max_request_bytes:
        raise RequestRefused(413, "request-too-large",
                              f"the document exceeds {svc.settings.max_request_bytes} bytes")
    media_type = (request.mimetype or "").lower()
    rdf_format = DOCUMENT_FORMATS.get(media_type)
    if rdf_format is None:
        raise RequestRefused(415, "unsupported-media-type",
                              f"send an RDF document as one of: {', '.join(sorted(DOCUMENT_FORMATS))}")
    answer = negotiate(request.headers.get("Accept"), REPORT_FORMATS, request.args.get("format"))
    if answer is None:
        raise RequestRefused(406, "not-acceptable", "the report is available as JSON, Turtle or HTML")
    data = request.get_data(cache=False)
    if len(data) > svc.settings.max_request_bytes:
        raise RequestRefused(413, "request-too-large",
                              f"the document exceeds {svc.settings.max_request_bytes} bytes")
    if not data.strip():
        raise SourceError("document", "empty document")
    project, shapes, ontology = release_graphs(svc.release.path)
    lang = "fr" if (request.accept_languages.best_match(["en", "fr"]) == "fr") else "en"
    conforms, body = run_with_deadline(_check, (data, rdf_format, project, shapes, ontology, answer.name, lang),
                                       svc.settings.query_timeout_s, "validating the document")
    return Response(body, content_type=f"{answer.media_type}; charset=utf-8",
                    headers={"X-Polegraph-Conforms": "true" if conforms else "false"})


def _check(data: bytes, rdf_format: str, project: Graph, shapes: Graph, ontology: Graph, report_format: str,
           lang: str) -> tuple[bool, str]:
    """Parse and validate the document, and render the report (in the deadline's child process)."""
    report = validate_document(project, parse_document(data, rdf_format), shapes, ontology)
    render = {"json": report.to_json, "turtle": report.to_turtle, "html": lambda: report.to_html(lang)}
    return report.conforms, render[report_format]()
