"""`polegraph export`: every download of a release, written atomically.

The export goes to a temporary folder beside the target, then replaces it by renames, so a reader
never sees a half-written folder. The same graph gives byte-identical files (see rdf.py).
"""

from __future__ import annotations

import os
import shutil
import tempfile
from pathlib import Path

from polegraph.pipeline.release import Release
from polegraph.publish.export.archive import archive_files, write_archive
from polegraph.publish.export.entities import Entities
from polegraph.publish.export.graphs import GRAPH_FILES, write_graphs
from polegraph.publish.export.manifest import MANIFEST_FILE, SUMS_FILE, Manifest, write_manifest
from polegraph.publish.export.rdf import RDF_FILES, CanonicalDataset, write_rdf
from polegraph.publish.export.tables import table_files, write_tables
from polegraph.publish.export.workbook import workbook_files, write_workbook
from polegraph.settings import Settings

__all__ = ["Manifest", "described_files", "export_release", "release_export"]


def described_files() -> dict[str, tuple[str, str, str]]:
    """File name → (media type, English title, French title) of every file an export holds."""
    files = {f.name: (f.media_type, f.title_en, f.title_fr) for f in RDF_FILES}
    files.update(GRAPH_FILES)
    files.update(table_files())
    files.update(workbook_files())
    files.update(archive_files())
    return files


def _write_all(release: Release, folder: Path) -> Manifest:
    data = CanonicalDataset.load(release.dataset_path)
    write_rdf(data, folder)
    entities = Entities.from_canonical(data)
    write_graphs(entities, folder)
    write_tables(entities, folder)
    write_workbook(folder)
    write_archive(folder, leave_out=(SUMS_FILE, MANIFEST_FILE))
    return write_manifest(folder, described_files(), release.id)


def export_release(release: Release, out: Path) -> Manifest:
    """Write the export of `release` to `out`, replacing what was there only once everything is written."""
    out = Path(out).resolve()
    out.parent.mkdir(parents=True, exist_ok=True)
    tmp = Path(tempfile.mkdtemp(prefix=f".{out.name}-new-", dir=out.parent))
    try:
        manifest = _write_all(release, tmp)
        os.chmod(tmp, 0o755)
        if out.exists():
            old = Path(tempfile.mkdtemp(prefix=f".{out.name}-old-", dir=out.parent))
            os.rename(out, old / out.name)
            os.rename(tmp, out)
            shutil.rmtree(old, ignore_errors=True)
        else:
            os.rename(tmp, out)
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise
    return manifest


def release_export(settings: Settings, release: Release) -> Path:
    """The export of `release`, made once and kept in <var>/exports/<release id> (safe with several workers)."""
    target = settings.var_dir / "exports" / release.id
    if (target / MANIFEST_FILE).is_file():
        return target
    target.parent.mkdir(parents=True, exist_ok=True)
    tmp = Path(tempfile.mkdtemp(prefix=f".{release.id}-", dir=target.parent))
    try:
        _write_all(release, tmp)
        os.chmod(tmp, 0o755)
        try:
            os.rename(tmp, target)
        except OSError:  # another worker finished first: keep its copy
            if not (target / MANIFEST_FILE).is_file():
                raise
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    return target
