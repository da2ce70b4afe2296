"""List pages: /poles, /people, /initiatives, /organisations, /value-chains, /places, /figures, /sections,
/class/{Class} for every other class with instances, and /browse, the index of them all.

Every view has its data (Datasette's convention): the same URL with `.csv` or `.json` (or `?format=`,
or an Accept header asking for CSV or JSON) gives the rows of the view — same facets, same order,
every page at once.
"""

from __future__ import annotations

from urllib.parse import urlencode

from flask import Blueprint, Response, abort, jsonify, redirect, request

from polegraph.errors import RequestRefused
from polegraph.query.formats import HTML, Format
from polegraph.vocab import ID, PG, SLUG_RE
from polegraph.web.app import service
from polegraph.web.content.browse import as_csv, as_json, table, view
from polegraph.web.content.lists import BY_NAME, FAMILIES, Family, plain_family
from polegraph.web.content.terms import labels, schema
from polegraph.web.i18n import current_language, localised_page, translate
from polegraph.web.negotiation import negotiate

bp = Blueprint("browse", __name__)
P = str(PG)
LIST_FORMATS = (HTML, Format("json", "application/json"), Format("csv", "text/csv"))
SIGNATURES = ID + "section/signatures"


def list_href(cls: str) -> str:
    """Where the list of `cls`'s instances is: its family's page, filtered by kind when `cls` refines the
    family's class, else its plain list."""
    for family in FAMILIES:
        if family.cls == cls:
            return "/" + family.name
    above = schema(service().backend).superclasses.get(cls, set())
    for family in FAMILIES:
        if family.cls in above and family.excluded not in above | {cls}:
            return f"/{family.name}?kind={cls[len(P):]}"
    return "/class/" + cls[len(P):]


def _classes_with_instances() -> dict[str, int]:
    return {c: n for c, n in service().statistics.get("classes", {}).items() if c.startswith(P) and n}


def _answer(family: Family, fmt_name: str | None):
    svc = service()
    lang = current_language()
    args = {k: v for k, v in request.args.items() if k not in ("format", "lang") and v}
    fmt = negotiate(request.headers.get("Accept"), LIST_FORMATS, fmt_name or request.args.get("format"))
    if fmt is None:
        raise RequestRefused(406, "not-acceptable", "this list is available as HTML, JSON or CSV")
    t = table(svc.backend, family, lang)
    v = view(t, args, paged=fmt is HTML)
    if fmt.name == "json":
        response = jsonify(as_json(v))
    elif fmt.name == "csv":
        response = Response(as_csv(v), content_type="text/csv; charset=utf-8", headers={
            "Content-Disposition": f'inline; filename="{family.name.replace("/", "-")}.csv"'})
    else:
        base = "/" + family.name
        data = {name: f"{base}.{name}" + (f"?{urlencode(args)}" if args else "") for name in ("csv", "json")}

        def link(**changes) -> str:
            """This view's URL with `changes` made (an empty value drops the parameter)."""
            merged = {k: v for k, v in {**args, **{k: str(v) for k, v in changes.items()}}.items() if v}
            return base + (f"?{urlencode(merged)}" if merged else "")

        response = localised_page("list.html", view=v, family=family, base=base, args=args, data=data, link=link,
                                  title=translate(f"list.title.{family.name}") if family.name in BY_NAME
                                  else labels(svc.backend, [family.cls], lang)[family.cls],
                                  note=pole_note(t) if family.name == "poles" else None)
    response.vary.add("Accept")
    return response


def pole_note(t) -> dict:
    """Why the list holds more pôles than the 53 that signed: who did not sign."""
    others = [r for r in t.rows if SIGNATURES not in r.facets.get("section", ())]
    return {"total": len(t.rows), "signed": len(t.rows) - len(others), "others": others}


def _register(family: Family) -> None:
    endpoint = "list_" + family.name.replace("-", "_")
    bp.add_url_rule("/" + family.name, endpoint, lambda: _answer(family, None))
    bp.add_url_rule(f"/{family.name}.<fmt>", endpoint + "_data", lambda fmt: _answer(family, _format(fmt)))


def _format(extension: str) -> str:
    if extension not in ("csv", "json"):
        abort(404, description="a list's data is at .csv or .json")
    return extension


for _family in FAMILIES:
    _register(_family)


@bp.get("/class/<name>")
@bp.get("/class/<name>.<fmt>")
def plain_list(name: str, fmt: str | None = None):
    cls = P + name
    if not SLUG_RE.match(name.lower()) or cls not in _classes_with_instances():
        abort(404, description=f"no class {name} with instances in this release")
    family = next((f for f in FAMILIES if f.cls == cls), None)
    if family is not None and fmt is None:
        return redirect("/" + family.name, code=301)
    return _answer(family or plain_family(cls), _format(fmt) if fmt else None)


@bp.get("/browse")
def browse():
    """Every list: the families first, then every other class with instances, with their counts."""
    svc = service()
    counts = _classes_with_instances()
    names = labels(svc.backend, counts, current_language())
    families = [(f, translate(f"list.title.{f.name}"),
                 counts.get(f.cls, 0) - (counts.get(f.excluded, 0) if f.excluded else 0)) for f in FAMILIES]
    others = sorted(((names[c], list_href(c), n) for c, n in counts.items() if c not in BY_NAME and
                     c not in {f.cls for f in FAMILIES}), key=lambda o: o[0].casefold())
    return localised_page("browse.html", families=families, others=others,
                          note=pole_note(table(svc.backend, BY_NAME["poles"], current_language())))
