"""A release: a built, validated graph on disk, and its life — made current, verified, served, pruned.

A release is a folder written atomically by the build (pipeline/build.py) and published by swapping the
`current` symlink, so a failed or interrupted build never touches what is served. This module needs
nothing but the standard library: the query processes and the web workers read releases without
loading rdflib or pySHACL.
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
from dataclasses import dataclass
from functools import cached_property
from pathlib import Path

from polegraph.errors import NoRelease, PolegraphError
from polegraph.settings import Settings
from polegraph.vocab import RELEASE_ID_RE

DATASET_FILE = "dataset.nq"
SHAPES_FILE = "shapes.ttl"
ONTOLOGY_FILE = "ontology.ttl"
METADATA_FILE = "release.json"
CHANGES_FILE = "changes.json"  # what changed since the previous release (pipeline/diff.py writes it)


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

    @cached_property
    def changes(self) -> dict | None:
        """The release's record of what changed since the one before it (None for a release built before
        polegraph kept such records)."""
        path = self.path / CHANGES_FILE
        return json.loads(path.read_text(encoding="utf-8")) if path.is_file() else None

    @classmethod
    def open(cls, path: Path) -> Release:
        meta_file = Path(path) / METADATA_FILE
        if not meta_file.is_file():
            raise NoRelease(f"no release at {path}: run `polegraph build` first")
        return cls(path=Path(path).resolve(), metadata=json.loads(meta_file.read_text(encoding="utf-8")))


def current_release(settings: Settings) -> Release:
    """The release the `current` symlink points at."""
    return Release.open(settings.current_release)


def find_release(settings: Settings, reference: str) -> Release:
    """The release `reference` names: a release id of <var>/releases, or the path of a release folder."""
    if RELEASE_ID_RE.match(reference):
        path = settings.releases_dir / reference
        if not path.is_dir():
            raise NoRelease(f"no release {reference} in {settings.releases_dir} (pruned, or never built here)")
        return Release.open(path)
    if Path(reference).is_dir():
        return Release.open(Path(reference))
    raise PolegraphError(f"{reference!r} is neither a release id (e.g. 20260101T120000Z-0123456789ab) nor a "
                         f"release folder")


def previous_release(settings: Settings, release: Release) -> Release:
    """The release before `release`: the one its change record names if still kept, else the newest
    older one in <var>/releases."""
    recorded = ((release.changes or {}).get("previous") or {}).get("id")
    if recorded and (settings.releases_dir / recorded).is_dir():
        return Release.open(settings.releases_dir / recorded)
    older = sorted(p.name for p in _folders(settings.releases_dir)
                   if RELEASE_ID_RE.match(p.name) and p.name < release.id)
    if not older:
        raise NoRelease(f"no release older than {release.id} in {settings.releases_dir} to compare with")
    return Release.open(settings.releases_dir / older[-1])


def verify_release(release: Release) -> None:
    """Raise NoRelease unless every file of the release matches the checksum its release.json records."""
    for name, expected in release.metadata.get("files", {}).items():
        path = release.path / name
        if not path.is_file() or file_sha256(path) != expected:
            raise NoRelease(f"release {release.id}: {name} is missing or does not match its checksum (changed "
                            f"since its build); `polegraph build` makes a whole one")


def file_sha256(path: Path) -> str:
    """The SHA-256 of a file, as release.json and the sources' record hold it (hex)."""
    with path.open("rb") as stream:  # read in chunks, the GIL released while each is hashed
        return hashlib.file_digest(stream, "sha256").hexdigest()


def make_current(link: Path, target: Path) -> None:
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
