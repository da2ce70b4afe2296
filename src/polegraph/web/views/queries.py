"""The named questions as pages: /queries/ lists them by topic (searchable), /queries/{name} asks one.

A question's page shows its description, a form for its parameters, the answer as a table rendered
here (labels linked to their pages), the sections of the manifesto the answer comes from, and its data:
the same URL answers CSV, TSV, plain JSON and the SPARQL results formats (a `format` parameter, or the
Accept header). Every answer is the backend's own (one query path, the row cap, the deadline); a value
is checked against the parameter's type and the release before it is bound.
"""

from __future__ import annotations

import json
from urllib.parse import urlencode

from flask import Blueprint, Response, abort, request
from werkzeug.datastructures import MIMEAccept
from werkzeug.http import parse_accept_header

from polegraph.query.named import ParameterError, allowed_values
from polegraph.web.app import service
from polegraph.web.content import questions
from polegraph.web.i18n import current_language, localised_page, translate

bp = Blueprint("queries", __name__)
# format name → (media type, the backend's result format, or None for what this page writes itself)
FORMATS = {
    "html": ("text/html", None),
    "csv": ("text/csv", "csv"),
    "tsv": ("text/tab-separated-values", "tsv"),
    "json": ("application/json", None),
    "srj": ("application/sparql-results+json", "json"),
    "srx": ("application/sparql-results+xml", "xml"),
}
TRUNCATED_HEADERS = ("Polegraph-Results-Truncated", "Polegraph-Max-Rows")


def _format() -> str:
    """The format asked for: `format`, else the Accept header (HTML for a browser), else HTML."""
    asked = (request.args.get("format") or "").lower()
    if asked:
        if asked not in FORMATS:
            abort(406, description="formats of a question: " + ", ".join(FORMATS))
        return asked
    accept = request.headers.get("Accept")
    if not accept:
        return "html"
    best = parse_accept_header(accept, MIMEAccept).best_match([media for media, _ in FORMATS.values()])
    if best is None:
        abort(406, description="a question is available as " + ", ".join(m for m, _ in FORMATS.values()))
    return next(name for name, (media, _) in FORMATS.items() if media == best)


@bp.get("/queries/")
def index():
    svc = service()
    lang = current_language()
    words = request.args.get("q", "")[:200]
    starters, topics = questions.by_topic(svc.queries, words)
    if (request.args.get("format") or "") == "json":
        listed = [q for _, items in topics for q in items]
        return _json({"queries": [{"name": q.name, "title": q.title_in(lang), "description": q.description_in(lang),
                                   "topics": list(q.topics), "parameters": [p.name for p in q.parameters],
                                   "page": f"/queries/{q.name}"} for q in listed]})
    return localised_page("queries.html", starters=starters, topics=topics, words=words,
                          count=sum(len(items) for _, items in topics), total=len(svc.queries))


@bp.get("/queries")
def index_without_slash():
    from flask import redirect

    return redirect("/queries/" + (f"?{request.query_string.decode()}" if request.query_string else ""), code=308)


@bp.get("/queries/<name>")
def question(name: str):
    svc = service()
    query = svc.queries.get(name)
    if query is None:
        abort(404, description=f"no named question {name!r} (the list: /queries/)")
    fmt = _format()
    lang = current_language()
    given = {p.name: request.args[p.name] for p in query.parameters if request.args.get(p.name, "") != ""}
    unknown = sorted(set(request.args) - {p.name for p in query.parameters} - {"format", "lang"})
    try:
        if unknown:
            raise ParameterError(f"{name} has no parameter {', '.join(unknown)}")
        values = query.values(given, allowed_values(svc.backend, query))
    except ParameterError as error:
        if fmt != "html":
            raise
        return _page(query, {**{p.name: p.default for p in query.parameters}, **given}, error=error.message)
    media, result_format = FORMATS[fmt]
    if result_format is not None:
        answer = questions.run(svc.backend, svc.settings, query, values, result_format)
        response = Response(answer.body, content_type=media + ("; charset=utf-8" if media.startswith("text/") else ""))
        if answer.truncated:
            response.headers.update({TRUNCATED_HEADERS[0]: "true", TRUNCATED_HEADERS[1]: str(svc.settings.max_rows)})
        return _marked(response)
    answer = questions.run(svc.backend, svc.settings, query, values, "json")
    result = questions.table(svc.backend, answer, lang)
    if fmt == "json":
        response = _json(questions.plain_json(query, values, result))
        if result.truncated:
            response.headers[TRUNCATED_HEADERS[0]] = "true"
        return _marked(response)
    return _page(query, values, result=result)


def _page(query, values: dict[str, str], result=None, error: str = ""):
    svc = service()
    lang = current_language()
    shown = {name: questions.url_value(value) for name, value in values.items()}
    links = {fmt: f"/queries/{query.name}?" + urlencode({**shown, "format": fmt}) for fmt in ("csv", "json", "srj",
                                                                                              "srx", "tsv")}
    editor = "/sparql?" + urlencode({"query": query.text_with(values)}) if not error else ""
    parameter_names = {p.name: p.label_in(lang) or _class_label(p.cls, lang) or p.name for p in query.parameters}
    page = localised_page(
        "question.html", status=400 if error else 200, q=query, title=query.title_in(lang),
        description=query.description_in(lang), values=shown, choices=questions.choices(svc.backend, query, lang),
        parameter_names=parameter_names, result=result, error=error, links=links, editor=editor,
        sources=questions.sources(svc.backend, result.iris, lang) if result else [],
        topic_name=translate(f"topic.{query.topic}"))
    page.vary.add("Accept")
    return page


def _class_label(cls: str, lang: str) -> str:
    if not cls:
        return ""
    from polegraph.web.content.describe import labels

    return labels(service().backend, [cls], lang)[cls]


def _json(data: dict) -> Response:
    return Response(json.dumps(data, ensure_ascii=False), content_type="application/json")


def _marked(response: Response) -> Response:
    response.vary.add("Accept")
    return response
