"""`polegraph publish --to datagouv` against a local server answering as udata's API v1 does."""

from __future__ import annotations

import hashlib
import json
import os
import re
import subprocess

import pytest

from tests.support import polegraph_command
from tests.support.udata import API_KEY, recording_udata


@pytest.fixture
def udata():
    with recording_udata() as fake:
        yield fake


def _publish(settings, udata, *args: str, key: str | None = API_KEY) -> subprocess.CompletedProcess:
    env = {k: v for k, v in os.environ.items() if not k.startswith("POLEGRAPH_DATAGOUV")}
    if key is not None:
        env["POLEGRAPH_DATAGOUV_API_KEY"] = key
    command = polegraph_command() + ["--project", str(settings.project), "--var", str(settings.var_dir),
                                     "publish", "--to", "datagouv", "--api-url", udata.url, *args]
    return subprocess.run(command, capture_output=True, text=True, env=env, timeout=300)


@pytest.fixture(scope="module")
def manifest_files(settings, release) -> list[str]:
    from polegraph.publish.export import release_export

    folder = release_export(settings, release)
    return [f["file"] for f in json.loads((folder / "manifest.json").read_text(encoding="utf-8"))["files"]]


def test_dry_run_is_the_default_and_prints_every_request_without_writing(settings, release, udata,
                                                                         manifest_files):
    result = _publish(settings, udata)
    assert result.returncode == 0, result.stderr
    assert udata.writes() == [] and udata.datasets == {}
    planned = [line for line in result.stdout.splitlines() if line.startswith("would send: ")]
    assert planned[0].startswith(f"would send: POST {udata.url}/datasets/ {{")
    uploads = [line for line in planned if "/upload/ multipart file=" in line]
    assert sorted(re.search(r"file=(\S+)", line).group(1) for line in uploads) == sorted(manifest_files)
    assert API_KEY not in result.stdout + result.stderr


def test_publishing_twice_changes_nothing_the_second_time(settings, release, udata, manifest_files):
    first = _publish(settings, udata, "--no-dry-run")
    assert first.returncode == 0, first.stderr
    (dataset,) = udata.datasets.values()
    assert dataset["license"] == "lov2" and dataset["frequency"] == "irregular"
    assert dataset["temporal_coverage"] and "country:fr" in dataset["spatial"]["zones"]
    assert sorted(r["title"] for r in dataset["resources"]) == sorted(manifest_files)
    assert all(r["description"] for r in dataset["resources"])
    folder = settings.var_dir / "exports" / release.id
    for resource in dataset["resources"]:
        sha1 = hashlib.sha1((folder / resource["title"]).read_bytes()).hexdigest()
        assert resource["checksum"]["value"] == sha1
    assert ("POST", "/api/1/datasets/") in udata.requests

    udata.requests.clear()
    second = _publish(settings, udata, "--no-dry-run")
    assert second.returncode == 0, second.stderr
    assert udata.writes() == [], udata.writes()
    assert "made 0 change(s)" in second.stderr


def test_a_changed_file_is_replaced_in_place(settings, release, udata):
    assert _publish(settings, udata, "--no-dry-run").returncode == 0
    (dataset,) = udata.datasets.values()
    target = next(r for r in dataset["resources"] if r["title"] == "polegraph.ttl")
    target["checksum"] = {"type": "sha1", "value": "0" * 40}  # the remote file is now another one
    udata.requests.clear()
    assert _publish(settings, udata, "--no-dry-run").returncode == 0
    assert udata.writes() == [("POST", f"/api/1/datasets/{dataset['id']}/resources/{target['id']}/upload/")]
    assert len(dataset["resources"]) == len({r["title"] for r in dataset["resources"]})


def test_publishing_needs_the_key_from_the_environment(settings, release, udata):
    result = _publish(settings, udata, "--no-dry-run", key=None)
    assert result.returncode == 2
    assert "POLEGRAPH_DATAGOUV_API_KEY" in result.stderr
    assert udata.requests == []


def test_udata_errors_are_reported_with_their_message(settings, release, udata):
    wrong = _publish(settings, udata, "--no-dry-run", key="not-the-key")
    assert wrong.returncode == 2
    assert "HTTP 401" in wrong.stderr and "Invalid API Key" in wrong.stderr
    assert "not-the-key" not in wrong.stdout + wrong.stderr
    missing = _publish(settings, udata, "--dataset", "no-such-dataset")
    assert missing.returncode == 2 and "HTTP 404" in missing.stderr and "Dataset not found" in missing.stderr


def test_a_validation_error_names_the_field(udata, tmp_path):
    from polegraph.publish.datagouv import ApiCall, PublishError, UdataApi

    with pytest.raises(PublishError, match=r"HTTP 400: Validation error — title: This field is required"):
        UdataApi(udata.url, API_KEY).send(ApiCall("POST", "datasets/", {"description": "x"}))


def test_no_key_option_exists(settings):
    result = subprocess.run(polegraph_command() + ["publish", "--help"], capture_output=True, text=True)
    assert "POLEGRAPH_DATAGOUV_API_KEY" in result.stdout
    assert "--api-key" not in result.stdout




def test_a_dcat_description_needs_the_public_address_never_a_local_one(settings, release):
    env = {k: v for k, v in os.environ.items() if k != "POLEGRAPH_PUBLIC_URL"}
    command = polegraph_command() + ["--project", str(settings.project), "--var", str(settings.var_dir),
                                     "publish", "--to", "dcat"]
    refused = subprocess.run(command, capture_output=True, text=True, env=env, timeout=300)
    assert refused.returncode == 2 and refused.stdout == ""
    assert "--base-url" in refused.stderr and "POLEGRAPH_PUBLIC_URL" in refused.stderr
    given = subprocess.run(command, capture_output=True, text=True, timeout=300,
                           env={**env, "POLEGRAPH_PUBLIC_URL": "https://poles.example.org/"})
    assert given.returncode == 0, given.stderr
    assert "https://poles.example.org/downloads/" in given.stdout and "127.0.0.1" not in given.stdout
