"""/downloads/ (the export files of the served release, what changed since the previous release, how to
cite it), /catalog (its DCAT-AP description), and the IRIs that resolve to that description: the dataset,
the served release and the previous one (/release/{id}).

The export is made once per release (core: export.release_export) on first use and kept in the
var folder; files are served only if the manifest lists them, so no other path can be reached. Absolute
URLs come from the public base URL setting (Settings.site_url), never from the request's Host header.
"""

from __future__ import annotations

import functools
import threading
from pathlib import Path

from flask import Blueprint, Response, abort, jsonify, redirect, request, send_file

from polegraph.errors import RequestRefused
from polegraph.publish.dcat import catalog_graph, citation, coverage_of, serialize_description
from polegraph.publish.export import release_export
from polegraph.publish.export.archive import ARCHIVE_FILE
from polegraph.publish.export.manifest import MANIFEST_FILE, SUMS_FILE, Manifest
from polegraph.publish.notes import version_notes
from polegraph.query.formats import GRAPH_FORMATS, HTML, Format
from polegraph.vocab import DATASET_IRI, ETALAB_LICENCE
from polegraph.web.app import service
from polegraph.web.content.catalog import catalog_view
from polegraph.web.i18n import current_language, localised_page
from polegraph.web.negotiation import negotiate

bp = Blueprint("downloads", __name__)
_LOCK = threading.Lock()
LISTING_FORMATS = (HTML, Format("json", "application/json"))
CATALOG_FORMATS = tuple(f for f in GRAPH_FORMATS if f.name in ("turtle", "jsonld", "rdfxml", "ntriples"))
CHANGED_RESOURCES_SHOWN = 50  # per graph on the page; the JSON listing and `polegraph diff` give them all
_RDFLIB_FORMATS = {"turtle": "turtle", "jsonld": "json-ld", "rdfxml": "xml", "ntriples": "nt"}
_coverage = functools.lru_cache(maxsize=4)(coverage_of)  # what the graph covers changes with the release only


def _export() -> tuple[Path, Manifest]:
    """The served release's export folder and manifest, made on first use."""
    svc = service()
    cached = getattr(svc, "_downloads", None)
    if cached is None:
        with _LOCK:
            folder = release_export(svc.settings, svc.release)
            cached = (folder, Manifest.read(folder, svc.release.id))
            svc._downloads = cached
    return cached


@bp.get("/downloads/")
def listing():
    folder, manifest = _export()
    fmt = negotiate(request.headers.get("Accept"), LISTING_FORMATS, request.args.get("format"))
    if fmt is None:
        raise RequestRefused(406, "not-acceptable", "the listing is available as HTML or JSON")
    release = service().release
    changes = release.changes
    if fmt.name == "json":
        response = jsonify({
            "release": release.id, "created": release.metadata.get("created"),
            "files": [f.to_dict() for f in manifest.files], "checksums": SUMS_FILE, "manifest": MANIFEST_FILE,
            "changes": changes, "version_notes": {lang: version_notes(changes, lang) for lang in ("fr", "en")},
            "citation": {lang: citation(release.metadata, lang) for lang in ("fr", "en")}})
    else:
        lang = current_language()
        shown = [g for g in (changes or {}).get("graphs", []) if g["kind"] != "derived"]
        response = localised_page("downloads.html", release=release.id, groups=file_groups(manifest),
                                  archive=manifest.entry(ARCHIVE_FILE), sums=SUMS_FILE, manifest_file=MANIFEST_FILE,
                                  licence=ETALAB_LICENCE, dataset=DATASET_IRI, notes=version_notes(changes, lang),
                                  changed=shown, shown_resources=CHANGED_RESOURCES_SHOWN,
                                  citation=citation(release.metadata, lang))
    response.vary.add("Accept")
    return response


GROUPS = ("rdf", "network", "tables", "schemas")


def file_group(name: str, media_type: str) -> str:
    """What a reader uses a file for: the graph in RDF, network tools, tables, or their schemas."""
    if name.endswith(".schema.json") or name == "datapackage.json":
        return "schemas"
    if name in ("nodes.csv", "edges.csv") or name.endswith((".gexf", ".graphml", ".cyjs")):
        return "network"
    if media_type == "text/csv" or name.endswith(".xlsx"):
        return "tables"
    return "rdf"


def file_groups(manifest: Manifest) -> list[tuple[str, list]]:
    """The manifest's files by use, in GROUPS order (the archive is offered on its own)."""
    grouped: dict[str, list] = {group: [] for group in GROUPS}
    for entry in manifest.files:
        if entry.name != ARCHIVE_FILE:
            grouped[file_group(entry.name, entry.media_type)].append(entry)
    return [(group, files) for group, files in grouped.items() if files]


@bp.get("/downloads/<path:name>")
def download(name: str):
    folder, manifest = _export()
    entry = manifest.entry(name)
    if entry is not None:
        media_type = entry.media_type
    elif name == SUMS_FILE:
        media_type = "text/plain"
    elif name == MANIFEST_FILE:
        media_type = "application/json"
    else:
        abort(404, description=f"no file named {name!r} in the downloads")
    response = send_file(folder / Path(name).name, mimetype=media_type, conditional=False)
    response.headers["Content-Disposition"] = f'inline; filename="{Path(name).name}"'
    return response


@bp.get("/dataset")
def dataset():
    """The dataset IRI (https://w3id.org/polegraph/dataset) resolves to its DCAT description."""
    query = f"?{request.query_string.decode()}" if request.query_string else ""
    return redirect("/catalog" + query, code=303)


@bp.get("/release/<release_id>")
def release_version(release_id: str):
    """A release's IRI: the served one and the one before it are described by the catalogue."""
    svc = service()
    previous = ((svc.release.changes or {}).get("previous") or {}).get("id")
    if release_id not in (svc.release.id, previous):
        abort(404, description=f"release {release_id} is not described here; this server serves release "
                               f"{svc.release.id} (see /catalog)")
    response = redirect("/catalog", code=303)
    response.vary.add("Accept")
    return response


@bp.get("/catalog")
def catalog():
    fmt = negotiate(request.headers.get("Accept"), (*CATALOG_FORMATS, HTML), request.args.get("format"))
    if fmt is None:
        raise RequestRefused(406, "not-acceptable", "the catalogue is available as Turtle, JSON-LD, RDF/XML, "
                                                     "N-Triples or HTML")
    _folder, manifest = _export()
    svc = service()
    graph = catalog_graph(manifest, svc.release.metadata, _coverage(svc.backend), svc.settings.site_url,
                          svc.release.changes)
    if fmt is HTML:  # a browser: the same description, as a page
        links = [(label, f"/catalog?format={name}") for label, name in
                 (("Turtle", "turtle"), ("JSON-LD", "jsonld"), ("RDF/XML", "rdfxml"), ("N-Triples", "ntriples"))]
        response = localised_page("catalog.html", c=catalog_view(graph, current_language()), data_links=links)
    else:
        charset = "; charset=utf-8" if fmt.media_type.startswith("text/") else ""
        response = Response(serialize_description(graph, _RDFLIB_FORMATS[fmt.name]),
                            content_type=fmt.media_type + charset)
    response.vary.add("Accept")
    return response
