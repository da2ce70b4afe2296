"""`polegraph export --out`: a complete folder with checksums and manifest, written atomically."""

from __future__ import annotations

import hashlib
import json
import subprocess
from pathlib import Path

import pytest

from polegraph.publish.export import export_release
from tests.support import polegraph_command


def _export(settings, out: Path) -> subprocess.CompletedProcess:
    return subprocess.run(polegraph_command() + ["--project", str(settings.project), "--var", str(settings.var_dir),
                                                 "export", "--out", str(out)], capture_output=True, text=True)


@pytest.fixture(scope="module")
def dist(settings, release, tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("cli") / "dist"
    result = _export(settings, out)
    assert result.returncode == 0, result.stderr
    return out


def test_sha256sums_verify_every_file(dist):
    lines = (dist / "SHA256SUMS").read_text(encoding="utf-8").splitlines()
    listed = {}
    for line in lines:
        digest, name = line.split("  ", 1)
        listed[name] = digest
    assert set(listed) == {p.name for p in dist.iterdir()} - {"SHA256SUMS"}
    for name, digest in listed.items():
        assert hashlib.sha256((dist / name).read_bytes()).hexdigest() == digest, name


def test_manifest_gives_size_and_media_type_of_each_file(dist):
    manifest = json.loads((dist / "manifest.json").read_text(encoding="utf-8"))
    files = {f["file"]: f for f in manifest["files"]}
    assert set(files) == {p.name for p in dist.iterdir()} - {"SHA256SUMS", "manifest.json"}
    for name, entry in files.items():
        assert entry["size"] == (dist / name).stat().st_size
        assert entry["title"]["fr"] and entry["title"]["en"]
    assert files["polegraph.ttl"]["media_type"] == "text/turtle"
    assert files["polegraph.nq"]["media_type"] == "application/n-quads"
    assert files["poles.csv"]["media_type"] == "text/csv"


def test_a_failed_export_leaves_the_previous_folder_untouched(release, dist, tmp_path, monkeypatch):
    out = tmp_path / "dist"
    export_release(release, out)
    before = {p.name: p.read_bytes() for p in out.iterdir()}

    def broken(*_args):
        raise OSError("disk full")

    monkeypatch.setattr("polegraph.publish.export.write_tables", broken)
    with pytest.raises(OSError):
        export_release(release, out)
    assert {p.name: p.read_bytes() for p in out.iterdir()} == before
    assert [p.name for p in tmp_path.iterdir()] == ["dist"], "no temporary folder is left behind"


def test_export_without_a_release_is_a_usage_error(settings, tmp_path):
    result = subprocess.run(polegraph_command() + ["--project", str(settings.project), "--var", str(tmp_path / "v"),
                                                   "export", "--out", str(tmp_path / "d")],
                            capture_output=True, text=True)
    assert result.returncode == 2
    assert "polegraph build" in result.stderr
    assert not (tmp_path / "d").exists()
