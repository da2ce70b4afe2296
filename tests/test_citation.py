"""CITATION.cff: valid Citation File Format 1.2.0, saying the version and licence the package declares."""

from __future__ import annotations

import json
import tomllib

import jsonschema
import yaml

from tests.support import PROJECT

SCHEMA = PROJECT / "tests" / "support" / "schemas" / "citation-file-format-1.2.0.json"


def _citation() -> dict:
    return yaml.safe_load((PROJECT / "CITATION.cff").read_text(encoding="utf-8"))


def test_citation_file_is_valid_citation_file_format():
    schema = json.loads(SCHEMA.read_text(encoding="utf-8"))
    errors = sorted(jsonschema.Draft7Validator(schema, format_checker=jsonschema.FormatChecker())
                    .iter_errors(_citation()), key=str)
    assert [f"{list(e.path)}: {e.message}" for e in errors] == []


def test_citation_says_what_the_package_declares():
    project = tomllib.loads((PROJECT / "pyproject.toml").read_text(encoding="utf-8"))["project"]
    citation = _citation()
    assert str(citation["version"]) == project["version"]
    assert citation["license"] == project["license"]
    assert citation["references"][0]["url"] == "https://w3id.org/polegraph/dataset"
