"""/downloads/ (the export files of the served release) and /catalog (its DCAT-AP description).

The export is made once per release (core: export.release_export) on first use and kept in the
var folder; files are served only if the manifest lists them, so no other path can be reached.
"""

from __future__ import annotations

import threading
from pathlib import Path

from flask import Blueprint, Response, abort, jsonify, redirect, request, send_file

from polegraph.errors import RequestRefused
from polegraph.publish.dcat import catalog_graph, coverage_of, public_base_url, serialize_description
from polegraph.publish.export import release_export
from polegraph.publish.export.archive import ARCHIVE_FILE
from polegraph.publish.export.manifest import MANIFEST_FILE, SUMS_FILE, Manifest
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
_RDFLIB_FORMATS = {"turtle": "turtle", "jsonld": "json-ld", "rdfxml": "xml", "ntriples": "nt"}


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


def base_url() -> str:
    """Where download links point: the public URL setting, else the host this request reached."""
    return public_base_url(service().settings.public_url, request.host_url)


@bp.get("/downloads/")
def listing():
    folder, manifest = _export()
    fmt = negotiate(request.headers.get("Accept"), LISTING_FORMATS, request.args.get("format"))
    if fmt is None:
        raise RequestRefused(406, "not-acceptable", "the listing is available as HTML or JSON")
    if fmt.name == "json":
        response = jsonify({"release": service().release.id, "files": [f.to_dict() for f in manifest.files],
                            "checksums": SUMS_FILE, "manifest": MANIFEST_FILE})
    else:
        response = localised_page("downloads.html", release=service().release.id, groups=file_groups(manifest),
                                  archive=manifest.entry(ARCHIVE_FILE), sums=SUMS_FILE, manifest_file=MANIFEST_FILE,
                                  licence=ETALAB_LICENCE, dataset=DATASET_IRI)
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


@bp.get("/catalog")
def catalog():
    fmt = negotiate(request.headers.get("Accept"), (*CATALOG_FORMATS, HTML), request.args.get("format"))
    if fmt is None:
        raise RequestRefused(406, "not-acceptable", "the catalogue is available as Turtle, JSON-LD, RDF/XML, "
                                                     "N-Triples or HTML")
    _folder, manifest = _export()
    svc = service()
    coverage = getattr(svc, "_coverage", None)
    if coverage is None:  # what the graph covers changes with the release only
        coverage = svc._coverage = coverage_of(svc.backend)
    graph = catalog_graph(manifest, svc.release.metadata, coverage, base_url())
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
