"""Publish an export to data.gouv.fr through its (udata) API, idempotently.

Reads (GET) find the dataset and its resources; every write is then decided by comparing: the
dataset's fields with what polegraph would send, each resource's checksum with the local file's.
A second run over the same export therefore writes nothing. In a dry run (the default) the writes
are only listed, exactly as they would be sent. The API key comes from the environment only
(POLEGRAPH_DATAGOUV_API_KEY) and is never printed.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass, field
from pathlib import Path

import httpx

from polegraph.errors import PublishError
from polegraph.publish.dcat import DESCRIPTION, KEYWORDS, TITLE, Coverage
from polegraph.publish.export.manifest import FileEntry, Manifest
from polegraph.publish.notes import version_notes
from polegraph.vocab import DATASET_IRI, slugify

API_KEY_ENV = "POLEGRAPH_DATAGOUV_API_KEY"  # its setting (settings.py), named in messages
EXTRA_KEY = "polegraph:dataset"
LICENCE_ID = "lov2"  # udata's id of the Licence Ouverte / Open Licence 2.0 (Etalab)
FREQUENCY = "irregular"  # new releases follow corrections, not a calendar (EU frequency IRREG)
CLOSED_FORMATS = ("pdf", "doc", "word", "xls", "excel")  # udata's list: any other format counts as open
QUALITY_DESCRIPTION_LENGTH = 100
# INSEE region codes (source: INSEE, Code officiel géographique) of the place slugs polegraph uses.
INSEE_REGIONS = {
    "occitanie": "76", "nouvelle-aquitaine": "75", "auvergne-rhone-alpes": "84", "ile-de-france": "11",
    "grand-est": "44", "hauts-de-france": "32", "pays-de-la-loire": "52", "bretagne": "53",
    "provence-alpes-cote-dazur": "93", "bourgogne-franche-comte": "27", "normandie": "28",
    "centre-val-de-loire": "24", "corse": "94", "guadeloupe": "01", "martinique": "02", "guyane": "03",
    "la-reunion": "04", "mayotte": "06",
}
DOCUMENTATION_SUFFIXES = (".schema.json", "datapackage.json")


@dataclass(frozen=True)
class ApiCall:
    method: str
    path: str  # relative to the API URL, e.g. "datasets/abc/upload/"
    payload: dict | None = None
    upload: Path | None = None

    def describe(self, api_url: str) -> str:
        line = f"{self.method} {api_url.rstrip('/')}/{self.path}"
        if self.payload is not None:
            line += " " + json.dumps(self.payload, ensure_ascii=False, sort_keys=True)
        if self.upload is not None:
            size = self.upload.stat().st_size
            line += f" multipart file={self.upload.name} ({size} bytes, sha256 {_digest(self.upload, 'sha256')})"
        return line


def _digest(path: Path, algorithm: str) -> str:
    digest = hashlib.new(algorithm)
    digest.update(path.read_bytes())
    return digest.hexdigest()


class UdataApi:
    """A minimal client of udata's API v1 (JSON in and out, X-API-KEY, multipart uploads)."""

    def __init__(self, api_url: str, api_key: str | None = None, timeout: float = 120):
        self.api_url, self.api_key, self.timeout = api_url.rstrip("/"), api_key, timeout

    def send(self, call: ApiCall):
        headers = {"Accept": "application/json", "User-Agent": "polegraph"}
        if self.api_key:
            headers["X-API-KEY"] = self.api_key
        files = {"file": (call.upload.name, call.upload.read_bytes(), "application/octet-stream")} \
            if call.upload is not None else None
        try:
            response = httpx.request(call.method, f"{self.api_url}/{call.path}", headers=headers, files=files,
                                     json=call.payload if call.upload is None else None, timeout=self.timeout)
        except httpx.HTTPError as exc:
            raise PublishError(f"{call.method} {call.path}: cannot reach {self.api_url}: {exc}") from None
        if not response.is_success:
            raise PublishError(f"{call.method} {call.path}: HTTP {response.status_code}: {_udata_message(response)}")
        return response.json() if response.text.strip() else None


def _udata_message(response: httpx.Response) -> str:
    """udata's error body: {"message": …} and, for 400, {"errors": {field: [messages]}}."""
    try:
        body = response.json()
    except ValueError:
        return response.reason_phrase or "error"
    message = body.get("message", response.reason_phrase or "error") if isinstance(body, dict) else str(body)
    errors = body.get("errors") if isinstance(body, dict) else None
    if errors:
        message += " — " + "; ".join(f"{k}: {', '.join(map(str, v)) if isinstance(v, list) else v}"
                                     for k, v in sorted(errors.items()))
    return message


def zones(coverage: Coverage) -> list[str]:
    """data.gouv.fr spatial zones: France, and each French region the graph names (INSEE code)."""
    return ["country:fr", *(f"fr:region:{INSEE_REGIONS[r]}" for r in coverage.regions if r in INSEE_REGIONS)]


def dataset_payload(coverage: Coverage, organization: str | None = None) -> dict:
    """The dataset's fields as udata's API takes them (French first: data.gouv.fr is French)."""
    payload = {
        "title": TITLE["fr"],
        "description": f"{DESCRIPTION['fr']}\n\n---\n\n**English.** {DESCRIPTION['en']}",
        "license": LICENCE_ID,
        "frequency": FREQUENCY,
        "tags": sorted({slugify(k) for words in KEYWORDS.values() for k in words}),
        "spatial": {"zones": zones(coverage), "granularity": "fr:region" if len(zones(coverage)) > 1 else "country"},
        "extras": {EXTRA_KEY: DATASET_IRI},
    }
    if coverage.start_year and coverage.end_year:
        payload["temporal_coverage"] = {"start": f"{coverage.start_year}-01-01", "end": f"{coverage.end_year}-12-31"}
    if organization:
        payload["organization"] = organization
    return payload


def resource_fields(entry: FileEntry, release: tuple[str, dict | None] | None = None) -> dict:
    """A resource's metadata: title = file name (how a resource is matched), bilingual description, and
    the version notes of `release` (its id and change record), as in the DCAT-AP description."""
    documentation = entry.name.endswith(DOCUMENTATION_SUFFIXES)
    description = f"{entry.title_fr}.\n\n{entry.title_en}.\n\nSHA-256 : {entry.sha256}"
    if release is not None:
        version, changes = release
        description += "".join(f"\n\nVersion {version} — {version_notes(changes, lang)}" for lang in ("fr", "en"))
    return {
        "title": entry.name,
        "description": description,
        "format": entry.name.rsplit(".", 1)[-1],
        "type": "documentation" if documentation else "main",
    }


def _differs(remote: dict, wanted: dict) -> bool:
    """True when a field polegraph sets has another value remotely (fields it does not set are ignored)."""
    for key, value in wanted.items():
        have = remote.get(key)
        if key == "organization":
            have = have.get("id") if isinstance(have, dict) else have
        elif key == "license" and isinstance(have, dict):
            have = have.get("id")
        elif key == "tags":
            have, value = sorted(have or []), sorted(value)
        elif key == "extras":
            have = {k: (have or {}).get(k) for k in value}
        elif key == "temporal_coverage" and isinstance(have, dict):
            have = {k: str(have.get(k, ""))[:10] for k in ("start", "end")}
        elif key == "spatial" and isinstance(have, dict):
            have = {"zones": [z.get("id", z) if isinstance(z, dict) else z for z in have.get("zones") or []],
                    "granularity": have.get("granularity")}
        if have != value:
            return True
    return False


def _same_file(resource: dict, path: Path) -> bool:
    checksum = resource.get("checksum") or {}
    algorithm = {"sha1": "sha1", "sha2": "sha256", "sha256": "sha256", "md5": "md5"}.get(checksum.get("type", ""))
    return bool(algorithm) and checksum.get("value") == _digest(path, algorithm)


@dataclass
class Publication:
    """What one run did (or, in a dry run, would do): every request, reads and writes, in order."""

    api_url: str
    dry_run: bool
    lines: list[str] = field(default_factory=list)
    writes: int = 0

    def log(self, call: ApiCall, planned: bool) -> None:
        prefix = "would send" if planned else "sent"
        self.lines.append(f"{prefix}: {call.describe(self.api_url)}")


def publish(manifest: Manifest, folder: Path, coverage: Coverage, api: UdataApi, *, dry_run: bool = True,
            dataset: str | None = None, organization: str | None = None,
            release: tuple[str, dict | None] | None = None) -> Publication:
    """Create or update the dataset, then upload, replace or re-describe each file that differs (each
    resource's description carries the version notes of `release`: its id and change record)."""
    if not dry_run and not api.api_key:
        raise PublishError(f"set {API_KEY_ENV} in the environment to publish (or use --dry-run)")
    report = Publication(api.api_url, dry_run)

    def read(call: ApiCall):
        report.log(call, planned=False)
        return api.send(call)

    def write(call: ApiCall, placeholder: dict):
        report.writes += 1
        report.log(call, planned=dry_run)
        return placeholder if dry_run else api.send(call)

    remote = _find_dataset(read, api, dataset)
    wanted = dataset_payload(coverage, organization)
    if remote is None:
        remote = write(ApiCall("POST", "datasets/", wanted), {"id": "{new-dataset-id}", "resources": []})
    elif _differs(remote, wanted):
        remote = write(ApiCall("PUT", f"datasets/{remote['id']}/", wanted), remote)
    dataset_id = remote["id"]
    by_title = {r.get("title"): r for r in remote.get("resources") or []}
    for entry in manifest.files:
        path = folder / entry.name
        fields = resource_fields(entry, release)
        resource = by_title.get(entry.name)
        if resource is None:
            resource = write(ApiCall("POST", f"datasets/{dataset_id}/upload/", upload=path),
                             {"id": f"{{new-resource-id:{entry.name}}}"})
        elif not _same_file(resource, path):
            resource = write(ApiCall("POST", f"datasets/{dataset_id}/resources/{resource['id']}/upload/",
                                     upload=path), resource)
        if _differs(resource, fields):
            write(ApiCall("PUT", f"datasets/{dataset_id}/resources/{resource['id']}/", fields), resource)
    return report


def _find_dataset(read, api: UdataApi, dataset: str | None) -> dict | None:
    """The dataset given by id or slug, else the caller's dataset carrying polegraph's extra, else None."""
    if dataset:
        return read(ApiCall("GET", f"datasets/{dataset}/"))
    if not api.api_key:
        return None
    mine = read(ApiCall("GET", "me/datasets/"))
    items = mine.get("data", []) if isinstance(mine, dict) else (mine or [])
    for item in items:
        if (item.get("extras") or {}).get(EXTRA_KEY) == DATASET_IRI:
            return read(ApiCall("GET", f"datasets/{item['id']}/"))
    return None


def quality(payload: dict, resources: list[dict], available: dict[str, bool]) -> dict[str, bool]:
    """data.gouv.fr's nine quality criteria (udata's Dataset.quality), computed on what we send."""
    return {
        "license": bool(payload.get("license")),
        "temporal_coverage": bool(payload.get("temporal_coverage")),
        "spatial": bool((payload.get("spatial") or {}).get("zones")),
        "update_frequency": bool(payload.get("frequency")) and payload.get("frequency") != "unknown",
        "update_fulfilled_in_time": payload.get("frequency") in ("continuous", "irregular", "punctual"),
        "dataset_description_quality": len(payload.get("description", "")) > QUALITY_DESCRIPTION_LENGTH,
        "has_open_format": bool(resources) and not all(
            not r.get("format") or r["format"].lower() in CLOSED_FORMATS for r in resources),
        "all_resources_available": bool(resources) and all(available.get(r["title"], False) for r in resources),
        "resources_documentation": any(r.get("description") or r.get("type") == "documentation"
                                       for r in resources),
    }
