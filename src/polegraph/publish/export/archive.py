"""One archive of every file of an export, for a reader who wants everything in one download.

A zip of the export's files (the checksums and the manifest excepted: they describe the archive
too), written reproducibly — sorted names, a fixed date, fixed compression — so the same graph
gives the same archive.
"""

from __future__ import annotations

import zipfile
from pathlib import Path

ARCHIVE_FILE = "polegraph-all.zip"
FIXED_DATE = (2026, 1, 1, 0, 0, 0)


def archive_files() -> dict[str, tuple[str, str, str]]:
    """File name → (media type, English title, French title) of the archive."""
    return {ARCHIVE_FILE: ("application/zip", "Every file of this release in one archive (ZIP)",
                           "Tous les fichiers de cette version en une archive (ZIP)")}


def write_archive(out: Path, leave_out: tuple[str, ...]) -> None:
    """Zip every file of `out` except `leave_out` into polegraph-all.zip."""
    with zipfile.ZipFile(out / ARCHIVE_FILE, "w", compression=zipfile.ZIP_DEFLATED, compresslevel=9) as archive:
        for path in sorted(out.iterdir()):
            if path.name in (*leave_out, ARCHIVE_FILE) or not path.is_file():
                continue
            info = zipfile.ZipInfo(path.name, date_time=FIXED_DATE)
            info.compress_type = zipfile.ZIP_DEFLATED
            info.external_attr = 0o644 << 16
            archive.writestr(info, path.read_bytes(), compresslevel=9)
