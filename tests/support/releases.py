"""Releases the tests and bench/ make by hand in a var folder, beside the ones `polegraph build` writes."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

from polegraph.pipeline.release import Release, make_current


def other_content_release(var: Path, release: Release) -> str:
    """A whole release in `var` whose id says its content differs from `release` (as a new build of
    changed sources would), made `current`. Returns its id."""
    other_id = release.id.rsplit("-", 1)[0] + "-000000000000"
    folder = var / "releases" / other_id
    shutil.copytree(release.path, folder)
    meta = json.loads((folder / "release.json").read_text(encoding="utf-8"))
    (folder / "release.json").write_text(json.dumps({**meta, "id": other_id}), encoding="utf-8")
    make_current(var / "current", folder)
    return other_id
