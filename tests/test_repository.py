"""The repository a newcomer clones: its layers hold (docs/architecture.md), its modules stay short, and
nothing git is told to ignore is tracked (a committed virtualenv, releases, caches)."""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from tests.support import PROJECT

SOURCE = PROJECT / "src" / "polegraph"
MAX_MODULE_LINES = 400


def test_each_layer_imports_only_the_layers_below_it():
    linter = Path(sys.executable).with_name("lint-imports")
    result = subprocess.run([str(linter), "--no-cache"], cwd=PROJECT, capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-2000:]
    assert "Contracts: 1 kept, 0 broken." in result.stdout


def test_no_module_is_longer_than_a_reader_can_hold():
    long = {str(path.relative_to(SOURCE)): count for path in SOURCE.rglob("*.py")
            if (count := len(path.read_text(encoding="utf-8").splitlines())) > MAX_MODULE_LINES}
    assert not long, f"modules over {MAX_MODULE_LINES} lines: {long}"


def test_nothing_ignored_is_tracked():
    if shutil.which("git") is None or not (PROJECT / ".git").exists():
        pytest.skip("not a git checkout")
    tracked = subprocess.run(["git", "ls-files", "-ci", "--exclude-standard"], cwd=PROJECT, capture_output=True,
                             text=True, check=True).stdout.split()
    assert tracked == [], f"tracked files that .gitignore excludes: {tracked[:10]}"
