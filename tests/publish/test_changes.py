"""What changed since the last release: building twice from the same sources changes nothing; editing one
data file gives exactly that change — in `polegraph diff`, in the DCAT-AP description (version, notes in
French and English, previous version), on /downloads/ and on data.gouv.fr."""

from __future__ import annotations

import html
import json
import os
import re
import shutil
import subprocess
from dataclasses import dataclass
from pathlib import Path

import pytest
from rdflib import Graph, Literal, URIRef

from polegraph.publish.dcat import load_dcat_ap_shapes, validate_description
from tests.support import PROJECT, SHARED, polegraph_command
from tests.support.http import call
from tests.support.servers import start_polegraph
from tests.support.udata import API_KEY, recording_udata

DATA_FILE = "data/part3-annexe-04.trig"
SECTION = "https://w3id.org/polegraph/id/section/annexe-04"
DATASET = URIRef("https://w3id.org/polegraph/dataset")
DCAT = "http://www.w3.org/ns/dcat#"
VERSION_NOTES = URIRef("http://www.w3.org/ns/adms#versionNotes")


@dataclass
class History:
    project: Path
    var: Path
    first: str  # release ids, oldest first
    again: str  # built from the same sources
    edited: str  # built after one figure of DATA_FILE was changed
    figure: str  # the figure's IRI
    old_value: int
    new_value: int

    def run(self, *args: str, env: dict | None = None) -> subprocess.CompletedProcess:
        command = polegraph_command() + ["--project", str(self.project), "--var", str(self.var), *args]
        environ = {k: v for k, v in os.environ.items() if not k.startswith("POLEGRAPH_")}
        result = subprocess.run(command, capture_output=True, text=True, timeout=600, env={**environ, **(env or {})})
        assert result.returncode == 0, result.stderr
        return result


def _build(history: History) -> str:
    return re.search(r"release (\S+):", history.run("build").stdout).group(1)


def _edit_one_figure(path: Path) -> tuple[str, int, int]:
    """Change the value of the first integer figure of the file; (its slug, old value, new value)."""
    text = path.read_text(encoding="utf-8")
    found = re.search(r"figure:(?P<slug>[a-z0-9-]+) a pg:Figure ;\n(?:(?!\n\n).)*?pg:value (?P<value>\d+) ;",
                      text, re.S)
    value = int(found["value"])
    start, end = found.span("value")
    path.write_text(text[:start] + str(value + 1) + text[end:], encoding="utf-8")
    return found["slug"], value, value + 1


@pytest.fixture(scope="module")
def history(tmp_path_factory) -> History:
    project = tmp_path_factory.mktemp("project")
    for folder in ("ontology", "data", "shapes", "queries"):
        shutil.copytree(PROJECT / folder, project / folder)
    h = History(project, project / "var", "", "", "", "", 0, 0)
    h.first = _build(h)
    h.again = _build(h)
    slug, h.old_value, h.new_value = _edit_one_figure(project / DATA_FILE)
    h.figure = f"https://w3id.org/polegraph/id/figure/{slug}"
    h.edited = _build(h)
    return h


def test_building_twice_from_the_same_sources_gives_an_empty_diff(history):
    assert history.first != history.again
    listing = json.loads(history.run("diff", history.first, history.again, "--format", "json").stdout)
    assert (listing["added"], listing["removed"], listing["graphs"]) == (0, 0, [])
    assert listing["old"]["id"] == history.first and listing["new"]["id"] == history.again
    record = json.loads((history.var / "releases" / history.again / "changes.json").read_text(encoding="utf-8"))
    assert record["previous"]["id"] == history.first and record["added"] == record["removed"] == 0
    first = json.loads((history.var / "releases" / history.first / "changes.json").read_text(encoding="utf-8"))
    assert first == {"previous": None}


def test_editing_one_figure_gives_exactly_that_change(history):
    listing = json.loads(history.run("diff", "--format", "json").stdout)  # defaults: previous and current
    assert listing["old"]["id"] == history.again and listing["new"]["id"] == history.edited
    sources = [g for g in listing["graphs"] if g["kind"] != "derived"]
    assert [g["graph"] for g in sources] == [SECTION]
    (section,) = sources
    assert (section["added"], section["removed"], section["figures_corrected"]) == (1, 1, 1)
    (resource,) = section["resources"]
    assert resource["iri"] == history.figure and resource["label"]["en"]
    value = "https://w3id.org/polegraph/ontology#value"
    assert [(s["predicate"], s["object"]) for s in resource["removed"]] == \
        [(value, f'"{history.old_value}"^^<http://www.w3.org/2001/XMLSchema#integer>')]
    assert [(s["predicate"], s["object"]) for s in resource["added"]] == \
        [(value, f'"{history.new_value}"^^<http://www.w3.org/2001/XMLSchema#integer>')]
    # what the build derives from the figure (inferred statements) follows it, and nothing else changed
    derived = [s for g in listing["graphs"] if g["kind"] == "derived" for r in g["resources"]
               for s in r["added"] + r["removed"]]
    assert all(f"<{history.figure}>" in s["nquad"] for s in derived)


def test_the_diff_reads_as_text_and_as_two_n_quads_files(history, tmp_path):
    text = history.run("diff", "--lang", "fr").stdout
    assert "Annexe 04" in text and f"<{history.figure}>" in text
    assert f'- pg:value "{history.old_value}"^^xsd:integer' in text
    assert f'+ pg:value "{history.new_value}"^^xsd:integer' in text
    history.run("diff", history.again, history.edited, "--format", "nquads", "--out", str(tmp_path))
    added = (tmp_path / "added.nq").read_text(encoding="utf-8").splitlines()
    removed = (tmp_path / "removed.nq").read_text(encoding="utf-8").splitlines()
    section_line = (f'<{history.figure}> <https://w3id.org/polegraph/ontology#value> '
                    f'"{{}}"^^<http://www.w3.org/2001/XMLSchema#integer> <{SECTION}> .')
    assert section_line.format(history.new_value) in added
    assert section_line.format(history.old_value) in removed
    assert len(added) == len(removed) and all(f"<{history.figure}>" in line for line in added + removed)


def _catalog(history: History) -> Graph:
    turtle = history.run("publish", "--to", "dcat", "--base-url", "https://data.example.org/").stdout
    return Graph().parse(data=turtle, format="turtle")


def test_the_catalogue_carries_the_version_its_notes_and_the_previous_version(history):
    description = _catalog(history)
    assert description.value(DATASET, URIRef(DCAT + "version")) == Literal(history.edited)
    assert description.value(DATASET, URIRef(DCAT + "previousVersion")) == \
        URIRef(f"https://w3id.org/polegraph/release/{history.again}")
    notes = {n.language: str(n) for n in description.objects(DATASET, VERSION_NOTES)}
    assert set(notes) == {"fr", "en"}
    assert "Annexe 04" in notes["fr"] and "1 énoncé ajouté, 1 retiré, 1 chiffre corrigé" in notes["fr"]
    assert "Annex 04" in notes["en"] and "1 statement added, 1 removed, 1 figure corrected" in notes["en"]
    assert history.again in notes["en"]
    citations = {c.language: str(c) for c in description.objects(DATASET, URIRef("http://purl.org/dc/terms/"
                                                                                   "bibliographicCitation"))}
    assert history.edited in citations["en"] and "https://w3id.org/polegraph/dataset" in citations["fr"]


def test_the_catalogue_with_its_versions_keeps_zero_violations_of_dcat_ap(history):
    if not (SHARED / "dcat-ap").is_dir():
        pytest.skip(f"the DCAT-AP shapes are not at {SHARED / 'dcat-ap'} (../shared is absent)")
    findings = validate_description(_catalog(history), load_dcat_ap_shapes(SHARED / "dcat-ap"))
    violations = [f for f in findings if f.severity == "Violation" and "ChecksumAlgorithmRestriction" not in f.message]
    assert violations == []


def test_the_downloads_page_says_what_changed_and_how_to_cite(history):
    server = start_polegraph(history.var, project=history.project)
    try:
        page = call(server.url, "GET", "/downloads/?lang=en", headers={"Accept": "text/html"}).text
        previous = call(server.url, "GET", f"/release/{history.again}", headers={"Accept": "text/turtle"})
        older = call(server.url, "GET", f"/release/{history.first}", headers={"Accept": "text/turtle"})
    finally:
        server.stop()
    assert "What changed" in page and html.escape("1 statement added, 1 removed, 1 figure corrected") in page
    assert f'href="/page/figure/{history.figure.rsplit("/", 1)[1]}"' in page
    assert "How to cite" in page and history.edited in page
    assert previous.status == 303 and previous.headers["location"].endswith("/catalog")
    assert older.status == 404  # described nowhere this server can see


def test_data_gouv_fr_resources_carry_the_same_notes(history):
    with recording_udata() as udata:
        history.run("publish", "--to", "datagouv", "--api-url", udata.url, "--no-dry-run",
                    env={"POLEGRAPH_DATAGOUV_API_KEY": API_KEY})
        (dataset,) = udata.datasets.values()
    notes = {n.language: str(n) for n in _catalog(history).objects(DATASET, VERSION_NOTES)}
    assert dataset["resources"]
    for resource in dataset["resources"]:
        assert f"Version {history.edited} — {notes['fr']}" in resource["description"]
        assert f"Version {history.edited} — {notes['en']}" in resource["description"]
