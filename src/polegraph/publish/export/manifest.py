"""SHA256SUMS and manifest.json: what a release's export holds, so a download can be checked.

The manifest lists every file with its size, media type, SHA-256 and a title in French and English
(the DCAT description and the data.gouv.fr resources are generated from it).
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from pathlib import Path

SUMS_FILE = "SHA256SUMS"
MANIFEST_FILE = "manifest.json"


@dataclass(frozen=True)
class FileEntry:
    name: str
    size: int
    media_type: str
    sha256: str
    title_en: str
    title_fr: str

    def to_dict(self) -> dict:
        return {"file": self.name, "size": self.size, "media_type": self.media_type, "sha256": self.sha256,
                "title": {"en": self.title_en, "fr": self.title_fr}}

    @classmethod
    def from_dict(cls, d: dict) -> FileEntry:
        return cls(d["file"], d["size"], d["media_type"], d["sha256"], d["title"]["en"], d["title"]["fr"])


@dataclass(frozen=True)
class Manifest:
    release: str  # not written to the files (a build time is in it)
    files: tuple[FileEntry, ...]

    def to_json(self) -> bytes:
        body = {"files": [f.to_dict() for f in self.files]}
        return (json.dumps(body, ensure_ascii=False, indent=2) + "\n").encode()

    @classmethod
    def read(cls, folder: Path, release: str = "") -> Manifest:
        body = json.loads((folder / MANIFEST_FILE).read_text(encoding="utf-8"))
        return cls(release, tuple(FileEntry.from_dict(f) for f in body["files"]))

    def entry(self, name: str) -> FileEntry | None:
        return next((f for f in self.files if f.name == name), None)


def sha256_file(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        for chunk in iter(lambda: handle.read(1 << 20), b""):
            digest.update(chunk)
    return digest.hexdigest()


def write_manifest(out: Path, described: dict[str, tuple[str, str, str]], release: str) -> Manifest:
    """Describe every file of `out` (each must be in `described`), then write manifest.json and SHA256SUMS.

    The release id is left out of the files (it holds a build time) so the same graph exports
    byte-identically; polegraph.nq's checksum identifies the content.
    """
    entries = []
    for path in sorted(out.iterdir()):
        if path.name in (SUMS_FILE, MANIFEST_FILE):
            continue
        media_type, title_en, title_fr = described[path.name]
        entries.append(FileEntry(path.name, path.stat().st_size, media_type, sha256_file(path), title_en, title_fr))
    manifest = Manifest(release, tuple(entries))
    (out / MANIFEST_FILE).write_bytes(manifest.to_json())
    sums = [f"{e.sha256}  {e.name}" for e in entries]
    sums.append(f"{sha256_file(out / MANIFEST_FILE)}  {MANIFEST_FILE}")
    (out / SUMS_FILE).write_text("\n".join(sorted(sums, key=lambda line: line.split("  ", 1)[1])) + "\n",
                                 encoding="utf-8")
    return manifest
