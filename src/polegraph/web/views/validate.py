"""/validate: a contributor's RDF document checked against the shapes of the served release.

GET is a form: paste a document or upload a file. POST takes the document as its body (its media
type in Content-Type) or as that form (multipart or urlencoded: a `file` or a `text` field, and a
`format` unless the file's extension says it). The document is validated together with a copy of
the release's graph (so its references resolve); the served graph and store are never touched. The
answer is the SHACL report as JSON, Turtle or an HTML page grouped by resource, by content
negotiation; on the page each result links to the shape it breaks (/shapes).
"""

from __future__ import annotations

import json
from functools import lru_cache
from pathlib import Path

from flask import Blueprint, Response, request
from rdflib import Dataset, Graph

from polegraph.errors import RequestRefused, SourceError
from polegraph.pipeline.release import Release
from polegraph.pipeline.shacl import DOCUMENT_FORMATS, parse_document, validate_document
from polegraph.query.formats import Format
from polegraph.query.processes.deadline import run_with_deadline
from polegraph.vocab import curie
from polegraph.web.app import service
from polegraph.web.content.shapes_docs import anchor_of
from polegraph.web.i18n import current_language, localised_page
from polegraph.web.negotiation import negotiate
from polegraph.web.views.pages import href

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


# What the form offers, and the file extensions that name a format without one chosen.
FORM_FORMATS = (("text/turtle", "Turtle"), ("application/trig", "TriG"), ("application/ld+json", "JSON-LD"),
                ("application/rdf+xml", "RDF/XML"), ("application/n-triples", "N-Triples"),
                ("application/n-quads", "N-Quads"))
EXTENSIONS = {".ttl": "text/turtle", ".trig": "application/trig", ".jsonld": "application/ld+json",
              ".json": "application/ld+json", ".rdf": "application/rdf+xml", ".owl": "application/rdf+xml",
              ".xml": "application/rdf+xml", ".nt": "application/n-triples", ".nq": "application/n-quads"}
FORMS = ("multipart/form-data", "application/x-www-form-urlencoded")


@bp.get("/validate")
def form():
    """The form: paste or upload a document."""
    return localised_page("validate.html", formats=FORM_FORMATS, report=None, chosen="text/turtle")


def _from_form(limit: int) -> tuple[bytes, str]:
    """The document and its media type from the form: an uploaded file, else the pasted text."""
    upload = request.files.get("file")
    data = upload.read(limit + 1) if upload is not None and upload.filename else b""
    if not data.strip():
        data = request.form.get("text", "").encode("utf-8")
    chosen = request.form.get("format", "")
    if not chosen and upload is not None and upload.filename:
        chosen = EXTENSIONS.get(Path(upload.filename).suffix.lower(), "")
    return data, (chosen or "text/turtle").lower()


@bp.post("/validate")
def validate():
    svc = service()
    if (request.content_length or 0) > svc.settings.max_request_bytes:
        raise RequestRefused(413, "request-too-large",
                              f"the document exceeds {svc.settings.max_request_bytes} bytes")
    media_type = (request.mimetype or "").lower()
    from_form = media_type in FORMS
    if from_form:
        data, media_type = _from_form(svc.settings.max_request_bytes)
    rdf_format = DOCUMENT_FORMATS.get(media_type)
    if rdf_format is None:
        raise RequestRefused(415, "unsupported-media-type",
                              f"send an RDF document as one of: {', '.join(sorted(DOCUMENT_FORMATS))}")
    answer = negotiate(request.headers.get("Accept"), REPORT_FORMATS, request.args.get("format"))
    if answer is None:
        raise RequestRefused(406, "not-acceptable", "the report is available as JSON, Turtle or HTML")
    if not from_form:
        data = request.get_data(cache=False)
    if len(data) > svc.settings.max_request_bytes:
        raise RequestRefused(413, "request-too-large",
                              f"the document exceeds {svc.settings.max_request_bytes} bytes")
    if not data.strip():
        raise SourceError("document", "empty document")
    project, shapes, ontology = release_graphs(svc.release.path)
    report_format = "json" if answer.name == "html" else answer.name
    try:
        conforms, body = run_with_deadline(_check, (data, rdf_format, project, shapes, ontology, report_format),
                                           svc.settings.query_timeout_s, "validating the document")
    except SourceError as error:
        if answer.name != "html":
            raise
        return localised_page("validate.html", status=400, formats=FORM_FORMATS, report=None, chosen=media_type,
                              problem=error, text=data.decode("utf-8", "replace") if from_form else "")
    headers = {"X-Polegraph-Conforms": "true" if conforms else "false"}
    if answer.name == "html":
        response = localised_page("validate.html", formats=FORM_FORMATS, chosen=media_type,
                                  report=_page_report(json.loads(body), shapes),
                                  text=data.decode("utf-8", "replace") if from_form else "")
        response.headers.update(headers)
        return response
    return Response(body, content_type=f"{answer.media_type}; charset=utf-8", headers=headers)


def _page_report(report: dict, shapes: Graph) -> dict:
    """The JSON report grouped by resource, each result with its message in the reader's language, its
    property and value as a reader writes them, and the shape to read (/shapes#…)."""
    lang = current_language()
    groups: dict[str, list[dict]] = {}
    for r in report["results"]:
        message = r["message"].get(lang) or r["message"].get("") or next(iter(r["message"].values()), "")
        groups.setdefault(r["focus"], []).append({
            "severity": r["severity"], "message": message, "value": r["value"],
            "path": curie(r["path"]) if r["path"] else "", "path_href": href(r["path"]) if r["path"] else "",
            "shape": anchor_of(shapes, r["shape"])})
    return {"conforms": report["conforms"], "counts": report["counts"],
            "groups": [(focus, curie(focus), results)
                       for focus, results in groups.items()]}


def _check(data: bytes, rdf_format: str, project: Graph, shapes: Graph, ontology: Graph,
           report_format: str) -> tuple[bool, str]:
    """Parse and validate the document, and render the report (in the deadline's child process)."""
    report = validate_document(project, parse_document(data, rdf_format), shapes, ontology)
    render = {"json": report.to_json, "turtle": report.to_turtle}
    return report.conforms, render[report_format]()
