"""CSV tables per main class, each with a Frictionless Table Schema that `frictionless validate` accepts."""

from __future__ import annotations

import csv
import json
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

TABLES = ("poles", "persons", "organisations", "initiatives", "figures", "places", "value-chains")


def _rows(dist: Path, table: str) -> list[dict[str, str]]:
    with (dist / f"{table}.csv").open(encoding="utf-8", newline="") as handle:
        return list(csv.DictReader(handle))


def test_one_table_and_one_schema_per_main_class(dist):
    package = json.loads((dist / "datapackage.json").read_text(encoding="utf-8"))
    assert [r["path"] for r in package["resources"]] == [f"{t}.csv" for t in TABLES]
    for table in TABLES:
        schema = json.loads((dist / f"{table}.schema.json").read_text(encoding="utf-8"))
        header = next(csv.reader((dist / f"{table}.csv").open(encoding="utf-8")))
        assert [f["name"] for f in schema["fields"]] == header
        assert schema["primaryKey"] == ["id"]
        assert all(f.get("description") for f in schema["fields"])


def test_tables_are_valid_under_frictionless(dist):
    frictionless = pytest.importorskip("frictionless")
    report = frictionless.validate(str(dist / "datapackage.json"))
    assert report.valid, report.flatten(["rowNumber", "fieldName", "type", "note"])


@pytest.mark.skipif(shutil.which("frictionless", path=str(Path(sys.executable).parent)) is None,
                    reason="the frictionless command is not installed")
def test_frictionless_command_validates_each_table_with_its_schema(dist):
    command = str(Path(sys.executable).parent / "frictionless")
    for table in TABLES:
        result = subprocess.run([command, "validate", f"{table}.csv", "--schema", f"{table}.schema.json"],
                                cwd=dist, capture_output=True, text=True)
        assert result.returncode == 0, result.stdout + result.stderr


def test_the_53_signatory_poles_are_rows_with_their_president(dist):
    poles = _rows(dist, "poles")
    signatories = [p for p in poles if "/id/section/signatures" in p["stated_in"]]
    assert len(signatories) == 53  # the manifesto: "les 53 pôles de compétitivité", all in its signature list
    assert all(p["president"] for p in signatories)
    minalogic = next(p for p in poles if p["label_fr"] == "Minalogic")
    persons = {p["id"]: p for p in _rows(dist, "persons")}
    assert persons[minalogic["president"]]["label_fr"] == "Serge Veyres"
    assert "/id/section/signatures" in minalogic["stated_in"]


def test_each_resource_is_listed_once(dist):
    seen: set[str] = set()
    for table in TABLES:
        ids = [row["id"] for row in _rows(dist, table)]
        assert len(ids) == len(set(ids)), table
        assert not seen & set(ids), f"{table} repeats resources of another table"
        seen |= set(ids)
