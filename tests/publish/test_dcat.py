"""The DCAT-AP 3 description: official shapes, one distribution per file, and data.gouv.fr's nine points."""

from __future__ import annotations

import re
import urllib.request

import pytest
from rdflib import RDF, Graph, Literal, Namespace, URIRef

from polegraph.publish import datagouv
from polegraph.publish.dcat import (
    LICENCE,
    SH,
    SPDX,
    catalog_graph,
    coverage_of,
    load_dcat_ap_shapes,
    validate_description,
)
from polegraph.publish.export import export_release
from tests.support import SHARED

SHARED_DCAT_AP = SHARED / "dcat-ap"
EU = "http://publications.europa.eu/resource/authority/"
# Open namespaces: pytest probes module attributes, which rdflib's closed namespaces warn about.
DCAT = Namespace("http://www.w3.org/ns/dcat#")
DCTERMS = Namespace("http://purl.org/dc/terms/")
NON_NEGATIVE_INTEGER = URIRef("http://www.w3.org/2001/XMLSchema#nonNegativeInteger")
BASE = "https://polegraph.example.org/"


@pytest.fixture(scope="module")
def exported(release, tmp_path_factory):
    out = tmp_path_factory.mktemp("export") / "dist"
    return out, export_release(release, out)


@pytest.fixture(scope="module")
def description(exported, release, store):
    _out, manifest = exported
    return catalog_graph(manifest, release.metadata, coverage_of(store), BASE)


@pytest.fixture(scope="module")
def shapes():
    if not SHARED_DCAT_AP.is_dir():
        pytest.skip(f"the DCAT-AP shapes are not at {SHARED_DCAT_AP} (../shared is absent)")
    return load_dcat_ap_shapes(SHARED_DCAT_AP)


def test_zero_violations_against_the_official_dcat_ap_shapes(description, shapes):
    findings = validate_description(description, shapes)
    violations = [f for f in findings if f.severity == "Violation"]
    # One known conflict, outside DCAT-AP proper: the codelist shapes want the checksum algorithm under
    # https://spdx.org/…, while SPDX's namespace (and data.gouv.fr's harvester) is http://spdx.org/rdf/terms#.
    others = [f for f in violations if "ChecksumAlgorithmRestriction" not in f.message]
    assert not others, others[:5]


@pytest.mark.parametrize("files", [("shacl_dcat-ap-SHACL.ttl", "shacl_ranges.ttl"),
                                   ("html_shacl_shapes.ttl", "html_shacl_range.ttl")])
def test_dcat_ap_shapes_alone_give_no_violation(description, shapes, files):
    """The full set with its ranges, and the mandatory set with its ranges, each on its own."""
    core = Graph()
    for name in files:
        core.parse(SHARED_DCAT_AP / name)
    for shape, target in list(core.subject_objects(SH.property)):
        if (target, None, None) not in core:
            core.remove((shape, SH.property, target))
    findings = validate_description(description, core)
    assert [f for f in findings if f.severity == "Violation"] == []


def test_one_distribution_per_file_with_size_checksum_media_type_and_url(description, exported):
    _out, manifest = exported
    dataset = URIRef("https://w3id.org/polegraph/dataset")
    distributions = set(description.objects(dataset, DCAT.distribution))
    assert len(distributions) == len(manifest.files)
    urls = {str(description.value(d, DCAT.downloadURL)): d for d in distributions}
    for entry in manifest.files:
        dist = urls[BASE + "downloads/" + entry.name]
        assert description.value(dist, DCAT.byteSize) == Literal(entry.size, datatype=NON_NEGATIVE_INTEGER)
        checksum = description.value(dist, SPDX.checksum)
        assert str(description.value(checksum, SPDX.checksumValue)) == entry.sha256
        assert str(description.value(dist, DCAT.mediaType)).startswith("http://www.iana.org/assignments/media-types/")
        assert str(description.value(dist, DCTERMS["format"])).startswith(EU + "file-type/")
        assert description.value(dist, DCTERMS.license) == LICENCE


def test_dataset_is_described_in_french_and_english_with_eu_vocabularies(description):
    dataset = URIRef("https://w3id.org/polegraph/dataset")
    for prop in (DCTERMS.title, DCTERMS.description):
        assert {v.language for v in description.objects(dataset, prop)} == {"fr", "en"}
    assert description.value(dataset, DCTERMS.accrualPeriodicity) == URIRef(EU + "frequency/IRREG")
    assert set(description.objects(dataset, DCTERMS.language)) == {URIRef(EU + "language/FRA"),
                                                                   URIRef(EU + "language/ENG")}
    assert URIRef(EU + "country/FRA") in set(description.objects(dataset, DCTERMS.spatial))
    assert all(str(t).startswith(EU + "data-theme/") for t in description.objects(dataset, DCAT.theme))
    assert description.value(dataset, DCTERMS.temporal) is not None
    assert description.value(dataset, DCTERMS.provenance) is not None
    assert description.value(dataset, DCAT.version) is not None
    services = list(description.subjects(RDF.type, DCAT.DataService))
    assert [str(description.value(s, DCAT.endpointURL)) for s in services] == [BASE + "sparql"]


def test_contact_point_is_the_project_not_a_personal_address(description):
    text = description.serialize(format="nt")
    assert "mailto:" not in text
    assert not re.search(r"[\w.+-]+@[\w-]+\.[a-z]{2,}", text), "no e-mail address"
    contact = description.value(URIRef("https://w3id.org/polegraph/dataset"), DCAT.contactPoint)
    assert (contact, RDF.type, URIRef("http://www.w3.org/2006/vcard/ns#Organization")) in description


def test_the_nine_points_of_data_gouv_fr_quality_score(exported, store, server):
    out, manifest = exported
    payload = datagouv.dataset_payload(coverage_of(store))
    resources = [datagouv.resource_fields(entry) for entry in manifest.files]
    available = {}
    for entry in manifest.files:
        with urllib.request.urlopen(f"{server.url}/downloads/{entry.name}", timeout=30) as response:
            available[entry.name] = response.status == 200
    quality = datagouv.quality(payload, resources, available)
    assert quality == dict.fromkeys(quality, True) and len(quality) == 9, quality
    assert payload["license"] == "lov2"
    assert "country:fr" in payload["spatial"]["zones"]
