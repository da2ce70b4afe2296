"""Turn the sources into a release: union, provenance, inference, validation, statistics, checksums.

A release is a directory written atomically (to a temporary name, then renamed) and published by
swapping the `current` symlink, so a failed or interrupted build never touches what is served.
"""

from __future__ import annotations

import hashlib
import json
import os
import platform
import shutil
import tempfile
import time
from dataclasses import dataclass
from importlib import metadata
from pathlib import Path

import pyoxigraph as ox
from rdflib import RDF, Dataset, Graph, URIRef

from polegraph.errors import Inconsistent, NoRelease, PolegraphError, ValidationFailed
from polegraph.pipeline import reason
from polegraph.pipeline.shacl import ValidationReport, validate
from polegraph.pipeline.sources import Sources, load_sources
from polegraph.settings import Settings
from polegraph.vocab import INFERRED_GRAPH, ONTOLOGY_GRAPH, PG, PROVENANCE_GRAPH

DATASET_FILE = "dataset.nq"
SHAPES_FILE = "shapes.ttl"
ONTOLOGY_FILE = "ontology.ttl"
METADATA_FILE = "release.json"
TOOLS = ("rdflib", "pyshacl", "pyoxigraph", "owlrl", "owlready2", "flask", "pylode")


@dataclass(frozen=True)
class Release:
    """A built, validated release on disk."""

    path: Path
    metadata: dict

    @property
    def id(self) -> str:
        return self.metadata["id"]

    @property
    def dataset_path(self) -> Path:
        return self.path / DATASET_FILE

    @property
    def shapes_path(self) -> Path:
        return self.path / SHAPES_FILE

    @property
    def ontology_path(self) -> Path:
        return self.path / ONTOLOGY_FILE

    @classmethod
    def open(cls, path: Path) -> Release:
        meta_file = Path(path) / METADATA_FILE
        if not meta_file.is_file():
            raise NoRelease(f"no release at {path}: run `polegraph build` first")
        return cls(path=Path(path).resolve(), metadata=json.loads(meta_file.read_text(encoding="utf-8")))


def current_release(settings: Settings) -> Release:
    """The release the `current` symlink points at."""
    return Release.open(settings.current_release)


def verify_release(release: Release) -> None:
    """Raise NoRelease unless every file of the release matches the checksum its release.json records."""
    for name, expected in release.metadata.get("files", {}).items():
        path = release.path / name
        if not path.is_file() or hashlib.sha256(path.read_bytes()).hexdigest() != expected:
            raise NoRelease(f"release {release.id}: {name} is missing or does not match its checksum")


def derive_provenance(dataset: Dataset, sections: list[URIRef]) -> Graph:
    """`?s pg:statedIn ?section` for every subject of every section graph."""
    graph = dataset.graph(URIRef(PROVENANCE_GRAPH))
    for section in sections:
        for subject in set(dataset.graph(section).subjects()):
            graph.add((subject, PG.statedIn, section))
    return graph


def assemble(sources: Sources) -> Dataset:
    """The full dataset: sources' graphs plus the provenance and inferred graphs."""
    dataset = sources.dataset
    derive_provenance(dataset, sources.section_graphs())
    inferred = reason.infer(union(dataset))
    target = dataset.graph(URIRef(INFERRED_GRAPH))
    for triple in inferred:
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


def canonical_dataset(quads) -> ox.Dataset:
    """`quads` with canonical blank-node labels (RDFC, pyoxigraph): the same graph always gets the same
    labels. (Oxigraph's labels may change between its versions; a release records the versions used.)"""
    dataset = ox.Dataset(quads)
    dataset.canonicalize(ox.CanonicalizationAlgorithm.UNSTABLE)
    return dataset


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
    consistency = reason.check_consistency(union(dataset), timeout_s=settings.reasoner_timeout_s)
    if consistency.completed and not consistency.ok:
        unsatisfiable = f": unsatisfiable {', '.join(consistency.unsatisfiable)}" if consistency.unsatisfiable else ""
        raise Inconsistent(consistency.message + unsatisfiable)
    nquads = canonical_nquads(dataset)
    digest = hashlib.sha256(nquads).hexdigest()
    releases = settings.releases_dir
    releases.mkdir(parents=True, exist_ok=True)
    release_id = f"{time.strftime('%Y%m%dT%H%M%SZ', time.gmtime())}-{digest[:12]}"
    tmp = Path(tempfile.mkdtemp(prefix=".building-", dir=releases))
    try:
        (tmp / DATASET_FILE).write_bytes(nquads)
        (tmp / SHAPES_FILE).write_text(sources.shapes.serialize(format="turtle"), encoding="utf-8")
        ontology = dataset.graph(URIRef(ONTOLOGY_GRAPH))
        (tmp / ONTOLOGY_FILE).write_text(ontology.serialize(format="turtle"), encoding="utf-8")
        files = {name: hashlib.sha256((tmp / name).read_bytes()).hexdigest()
                 for name in (DATASET_FILE, SHAPES_FILE, ONTOLOGY_FILE)}
        meta = {
            "id": release_id,
            "created": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
            "content_sha256": digest,
            "statistics": statistics(dataset),
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
    _point_current_at(settings.current_release, final)
    return Release.open(final)


def _point_current_at(link: Path, target: Path) -> None:
    """Swap the `current` symlink atomically (rename over it), so readers never see it missing."""
    tmp_link = link.with_name(f".current-{os.getpid()}")
    if tmp_link.is_symlink() or tmp_link.exists():
        tmp_link.unlink()
    tmp_link.symlink_to(os.path.relpath(target, link.parent))
    os.replace(tmp_link, link)


SERVING_DIR = "serving"


@dataclass
class Pruned:
    """What `prune_releases` removed (or would remove) and kept."""

    removed: list[str]
    kept: list[str]
    freed_bytes: int


def mark_serving(settings: Settings, release: Release) -> None:
    """Record that this process serves `release` (<var>/serving/<pid>.json), so prune keeps it."""
    folder = settings.var_dir / SERVING_DIR
    folder.mkdir(parents=True, exist_ok=True)
    tmp = folder / f".{os.getpid()}.json"
    tmp.write_text(json.dumps({"pid": os.getpid(), "release": release.id}), encoding="utf-8")
    os.replace(tmp, folder / f"{os.getpid()}.json")


def unmark_serving(settings: Settings) -> None:
    (settings.var_dir / SERVING_DIR / f"{os.getpid()}.json").unlink(missing_ok=True)


def served_releases(settings: Settings) -> set[str]:
    """The ids of the releases running processes serve (records of ended processes are ignored)."""
    served = set()
    for record in (settings.var_dir / SERVING_DIR).glob("[0-9]*.json"):
        try:
            entry = json.loads(record.read_text(encoding="utf-8"))
        except (OSError, ValueError):
            continue
        if Path(f"/proc/{entry.get('pid')}").exists():
            served.add(entry.get("release"))
    return served


def prune_releases(settings: Settings, keep: int, dry_run: bool = False) -> Pruned:
    """Remove every release but the `keep` newest, the current one and those a running server serves,
    with their exports (and exports of releases already gone). Each folder is first renamed to a
    hidden name, so a half-removed release never looks whole."""
    if keep < 1:
        raise PolegraphError(f"keep at least 1 release (asked: {keep})")
    releases = sorted(p for p in _folders(settings.releases_dir))  # ids begin with their build time
    current = settings.current_release.resolve() if settings.current_release.exists() else None
    served = served_releases(settings)
    kept = [p for p in releases if p in releases[-keep:] or p == current or p.name in served]
    kept_names = {p.name for p in kept}
    removed = [p for p in releases if p.name not in kept_names]
    doomed = removed + [p for p in _folders(settings.var_dir / "exports") if p.name not in kept_names]
    freed = sum(f.stat().st_size for p in doomed for f in p.rglob("*") if f.is_file())
    if not dry_run:
        for folder in doomed:
            hidden = folder.with_name(f".pruning-{folder.name}")
            os.rename(folder, hidden)
            shutil.rmtree(hidden)
    return Pruned(removed=[p.name for p in removed], kept=[p.name for p in kept], freed_bytes=freed)


def _folders(parent: Path) -> list[Path]:
    """The visible folders of `parent` (hidden ones are builds or exports under way)."""
    return [p for p in parent.iterdir() if p.is_dir() and not p.name.startswith(".")] if parent.is_dir() else []
