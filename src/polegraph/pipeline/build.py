"""Turn the sources into a release: union, provenance, inference, validation, statistics, checksums.

The release is written to a temporary folder, renamed into place, then made current
(pipeline/release.py), so a failed or interrupted build never touches what is served.
"""

from __future__ import annotations

import hashlib
import json
import os
import platform
import shutil
import tempfile
import time
from importlib import metadata
from pathlib import Path

import pyoxigraph as ox
from rdflib import RDF, Dataset, Graph, URIRef

from polegraph.errors import Inconsistent, NoRelease, ValidationFailed
from polegraph.pipeline import reason
from polegraph.pipeline.canonical import canonical_dataset
from polegraph.pipeline.consistency import check_consistency
from polegraph.pipeline.diff import record_changes
from polegraph.pipeline.release import (
    CHANGES_FILE,
    DATASET_FILE,
    METADATA_FILE,
    ONTOLOGY_FILE,
    SHAPES_FILE,
    Release,
    current_release,
    file_sha256,
    make_current,
)
from polegraph.pipeline.shacl import ValidationReport, validate
from polegraph.pipeline.sources import Sources, load_sources
from polegraph.pipeline.store import load_dataset
from polegraph.pipeline.void import store_statistics
from polegraph.settings import Settings
from polegraph.vocab import ALIGNMENT_GRAPH, INFERRED_GRAPH, ONTOLOGY_GRAPH, PG, PROVENANCE_GRAPH, RELEASE_ID_FORMAT

TOOLS = ("rdflib", "pyshacl", "pyoxigraph", "owlready2", "flask", "pylode")


def derive_provenance(dataset: Dataset, sections: list[URIRef]) -> Graph:
    """`?s pg:statedIn ?section` for every subject of every section graph."""
    graph = dataset.graph(URIRef(PROVENANCE_GRAPH))
    for section in sections:
        for subject in set(dataset.graph(section).subjects()):
            graph.add((subject, PG.statedIn, section))
    return graph


def assemble(sources: Sources) -> Dataset:
    """The full dataset: sources' graphs plus the provenance, inferred and alignment graphs."""
    dataset = sources.dataset
    derive_provenance(dataset, sources.section_graphs())
    own, alignment = reason.split_alignment(reason.infer(union(dataset)))
    for name, triples in ((INFERRED_GRAPH, own), (ALIGNMENT_GRAPH, alignment)):
        target = dataset.graph(URIRef(name))
        for triple in triples:
            target.add(triple)
    return dataset


def union(dataset: Dataset) -> Graph:
    """Every triple of every named graph, as one plain graph (what SHACL and the default graph see)."""
    graph = Graph()
    for s, p, o, _g in dataset.quads((None, None, None, None)):
        graph.add((s, p, o))
    return graph


def check(settings: Settings) -> tuple[Dataset, Sources, ValidationReport]:
    """Assemble and validate the project's graph without writing anything."""
    sources = load_sources(settings)
    dataset = assemble(sources)
    report = validate(union(dataset), sources.shapes)
    return dataset, sources, report


def statistics(dataset: Dataset) -> dict:
    """Counts a reader of the release wants first: triples, graphs, entities by class."""
    graphs = {str(g.identifier): len(g) for g in dataset.graphs() if len(g)}
    all_triples = union(dataset)
    classes: dict[str, int] = {}
    for cls in set(all_triples.objects(None, RDF.type)):
        if str(cls).startswith(str(PG)):
            classes[str(cls)] = len(set(all_triples.subjects(RDF.type, cls)))
    return {"triples": len(all_triples), "quads": sum(graphs.values()), "graphs": dict(sorted(graphs.items())),
            "entities_by_class": dict(sorted(classes.items()))}


def _tool_versions() -> dict[str, str]:
    versions = {"python": platform.python_version()}
    for tool in TOOLS:
        try:
            versions[tool] = metadata.version(tool)
        except metadata.PackageNotFoundError:
            continue
    return versions


def canonical_nquads(dataset: Dataset) -> bytes:
    """The dataset as sorted N-Quads with canonical blank-node labels: the same sources and tools give
    the same bytes, so a release's content digest changes only when its data does."""
    quads = canonical_dataset(ox.parse(dataset.serialize(format="nquads", encoding="utf-8"),
                                       format=ox.RdfFormat.N_QUADS))
    lines = sorted({line for line in ox.serialize(quads, format=ox.RdfFormat.N_QUADS).splitlines() if line.strip()})
    return b"\n".join(lines) + b"\n"


def build_release(settings: Settings) -> Release:
    """Build, validate and publish a new release; raise ValidationFailed and publish nothing if invalid."""
    started = time.monotonic()
    dataset, sources, report = check(settings)
    if not report.conforms:
        raise ValidationFailed(report)
    consistency = check_consistency(union(dataset), timeout_s=settings.reasoner_timeout_s)
    if consistency.completed and not consistency.ok:
        unsatisfiable = f": unsatisfiable {', '.join(consistency.unsatisfiable)}" if consistency.unsatisfiable else ""
        raise Inconsistent(consistency.message + unsatisfiable)
    nquads = canonical_nquads(dataset)
    digest = hashlib.sha256(nquads).hexdigest()
    releases = settings.releases_dir
    releases.mkdir(parents=True, exist_ok=True)
    release_id = f"{time.strftime(RELEASE_ID_FORMAT, time.gmtime())}-{digest[:12]}"
    tmp = Path(tempfile.mkdtemp(prefix=".building-", dir=releases))
    try:
        (tmp / DATASET_FILE).write_bytes(nquads)
        (tmp / SHAPES_FILE).write_text(sources.shapes.serialize(format="turtle"), encoding="utf-8")
        ontology = dataset.graph(URIRef(ONTOLOGY_GRAPH))
        (tmp / ONTOLOGY_FILE).write_text(ontology.serialize(format="turtle"), encoding="utf-8")
        changes = record_changes(_current_or_none(settings), nquads)
        (tmp / CHANGES_FILE).write_text(json.dumps(changes, ensure_ascii=False, indent=2), encoding="utf-8")
        files = {name: file_sha256(tmp / name)
                 for name in (DATASET_FILE, SHAPES_FILE, ONTOLOGY_FILE, CHANGES_FILE)}
        meta = {
            "id": release_id,
            "created": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
            "content_sha256": digest,
            "statistics": statistics(dataset),
            "void": store_statistics(load_dataset(tmp / DATASET_FILE)[0]),  # as the service loads it
            "validation": report.counts(),
            # "checked" is False when HermiT could not run (no Java) or hit its time limit.
            "consistency": {"checked": consistency.completed, "message": consistency.message},
            "inputs": sources.checksums,
            "files": files,
            "tools": _tool_versions(),
            "build_seconds": round(time.monotonic() - started, 2),
        }
        (tmp / METADATA_FILE).write_text(json.dumps(meta, ensure_ascii=False, indent=2), encoding="utf-8")
        final = releases / release_id
        if final.is_dir():  # the same content built within the same second: that release stands
            shutil.rmtree(tmp)
        else:
            os.rename(tmp, final)
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise
    make_current(settings.current_release, final)
    return Release.open(final)


def _current_or_none(settings: Settings) -> Release | None:
    """The release served until this build succeeds: what the new one records its changes against."""
    try:
        return current_release(settings)
    except NoRelease:
        return None
