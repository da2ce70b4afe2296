"""`polegraph publish --to w3id`: the w3id.org rules, run in a real Apache in front of a real polegraph
server, followed for every IRI form and every format the server offers."""

from __future__ import annotations

import os
import re
import subprocess
from pathlib import Path
from urllib.parse import urljoin, urlsplit

import pytest
from rdflib import Dataset

from polegraph.publish.dcat import catalog_graph, coverage_of
from polegraph.publish.export import release_export
from polegraph.publish.export.manifest import Manifest
from polegraph.vocab import BASE
from tests.support import polegraph_command
from tests.support.http import call
from tests.support.webservers import binary, start_apache

MAINTAINER = "Test Maintainer @test-maintainer"  # an input of the command: nothing in the rules is invented
RULE = re.compile(r"^RewriteRule \^(?P<pattern>.*)\$ (?P<target>\S+) \[R=(?P<status>\d{3}),L\]$", re.M)
ACCEPTS = ("text/html", "text/turtle", "application/ld+json", "application/rdf+xml", "*/*")


def _w3id(settings, out: Path, *args: str) -> subprocess.CompletedProcess:
    command = polegraph_command() + ["--project", str(settings.project), "--var", str(settings.var_dir),
                                     "publish", "--to", "w3id", *args]
    env = {k: v for k, v in os.environ.items() if k != "POLEGRAPH_PUBLIC_URL"}
    return subprocess.run(command, capture_output=True, text=True, timeout=120, env=env)


@pytest.fixture(scope="module")
def rules(settings, release, server, tmp_path_factory) -> Path:
    """The namespace folder generated for the session's server."""
    out = tmp_path_factory.mktemp("w3id")
    result = _w3id(settings, out, "--base-url", server.url, "--maintainer", MAINTAINER, "--out", str(out))
    assert result.returncode == 0, result.stderr
    return out


def test_the_folder_follows_w3id_conventions_and_names_the_given_maintainer(rules, server):
    folder = rules / "polegraph"
    assert sorted(p.name for p in folder.iterdir()) == [".htaccess", "README.md"]
    htaccess = (folder / ".htaccess").read_text(encoding="utf-8")
    assert "RewriteEngine on" in htaccess
    assert {m["target"] for m in RULE.finditer(htaccess)} == {f"{server.url}/$1", f"{server.url}/"}
    readme = (folder / "README.md").read_text(encoding="utf-8")
    assert "Test Maintainer (GitHub: [@test-maintainer](https://github.com/test-maintainer))" in readme
    assert f"--base-url {server.url}/" in readme and f"--base-url {server.url}/" in htaccess


def test_every_iri_the_release_and_its_description_mint_has_a_rule(rules, settings, release, store):
    """Every IRI under the namespace in the data and in the DCAT-AP description matches a generated rule."""
    patterns = [re.compile(f"^{m['pattern']}$") for m in RULE.finditer((rules / "polegraph/.htaccess").read_text())]
    data = Dataset()
    data.parse(release.dataset_path, format="nquads")
    folder = release_export(settings, release)
    changes = {"previous": {"id": "20260101T000000Z-0123456789ab", "created": "2026-01-01T00:00:00Z"}}
    description = catalog_graph(Manifest.read(folder, release.id), release.metadata, coverage_of(store),
                                "https://data.example.org/", changes)
    terms = {t for q in data.quads() for t in q if t is not None}
    terms |= {t for triple in description for t in triple}
    minted = {str(t).split("#")[0] for t in terms if str(t).startswith(BASE)}
    assert len(minted) > 100
    uncovered = sorted(iri for iri in minted if not any(p.match(iri[len(BASE):]) for p in patterns))
    assert uncovered == []


@pytest.mark.parametrize("args, message", [
    (("--base-url", "https://data.example.org/"), "--maintainer"),
    (("--maintainer", MAINTAINER), "--base-url"),
    (("--base-url", "https://data.example.org/", "--maintainer", "no handle"), "Full Name @github-handle"),
    (("--base-url", "https://data.example.org/sub/path/", "--maintainer", MAINTAINER), "root of a host"),
    (("--base-url", "https://data.example.org/$1", "--maintainer", MAINTAINER), "scheme and host only"),
])
def test_what_is_not_known_is_asked_for_never_made_up(settings, release, tmp_path, args, message):
    result = _w3id(settings, tmp_path, "--out", str(tmp_path), *args)
    assert result.returncode == 2 and message in result.stderr, result.stderr
    assert not (tmp_path / "polegraph").exists()


@pytest.fixture(scope="module")
def apache(rules):
    if binary("apache2") is None:
        pytest.skip("Debian's apache2 is not installed (.ci/system-deps installs it)")
    running = start_apache(rules)
    try:
        yield running
    finally:
        running.stop()


def _iris(release, store) -> dict[str, str]:
    """One IRI of each form the rules cover (paths under the namespace)."""
    pole = store.select("SELECT ?p WHERE { ?p a <https://w3id.org/polegraph/ontology#Pole> } ORDER BY ?p LIMIT 1")
    version = store.select("SELECT ?v WHERE { ?o <http://www.w3.org/2002/07/owl#versionIRI> ?v }")
    return {"thing": pole[0]["p"][len(BASE):], "section": "id/section/annexe-04", "ontology": "ontology",
            "ontology-version": version[0]["v"][len(BASE):],
            "dataset": "dataset", "catalog": "catalog", "graph": "graph/vocabulary",
            "release": f"release/{release.id}"}


# What the server answers each IRI form with when the client accepts anything: pages for things and
# graphs, the DCAT-AP description (Turtle) for the dataset, the catalogue and a release.
ANY = {"thing": "text/html", "section": "text/html", "ontology": "text/html", "ontology-version": "text/html",
       "graph": "text/html",
       "dataset": "text/turtle", "catalog": "text/turtle", "release": "text/turtle"}


def _follow(url: str, accept: str, hops: int = 5):
    chain = []
    for _ in range(hops):
        parts = urlsplit(url)
        target = parts.path + (f"?{parts.query}" if parts.query else "")
        answer = call(f"{parts.scheme}://{parts.netloc}", "GET", target, headers={"Accept": accept})
        chain.append((url, answer.status))
        if answer.status not in (301, 302, 303, 307, 308):
            return answer, chain
        url = urljoin(url, answer.headers["location"])
    raise AssertionError(f"more than {hops} redirects: {chain}")


@pytest.mark.parametrize("accept", ACCEPTS)
@pytest.mark.parametrize("form", list(ANY))
def test_apache_sends_each_iri_form_to_the_server_which_answers_in_the_format_asked(apache, server, release, store,
                                                                                    form, accept):
    path = _iris(release, store)[form]
    first = call(apache.url, "GET", f"/polegraph/{path}", headers={"Accept": accept})
    assert first.status == (302 if form == "graph" else 303), first.text
    assert first.headers["location"] == f"{server.url}/{path}"
    assert first.headers.get("access-control-allow-origin") == "*", "a script may follow the redirect"
    answer, chain = _follow(f"{apache.url}/polegraph/{path}", accept)
    assert answer.status == 200, chain
    expected = ANY[form] if accept == "*/*" else accept
    assert answer.media_type == expected, (chain, answer.media_type)


def test_the_namespace_leads_to_the_home_page_and_nothing_else_is_redirected(apache, server):
    home = call(apache.url, "GET", "/polegraph/")
    assert home.status == 302 and home.headers["location"] == f"{server.url}/"
    for path in ("/polegraph/id/unknown-kind/x", "/polegraph/id/pole/Not_A_Slug", "/polegraph/sparql",
                 "/polegraph/graph/a/b", "/polegraph/release/latest", "/polegraph/ontology/latest"):
        assert call(apache.url, "GET", path).status == 404, path


def test_a_query_string_travels_with_the_redirect(apache, server):
    answer = call(apache.url, "GET", "/polegraph/graph/vocabulary?format=nt")
    assert answer.headers["location"] == f"{server.url}/graph/vocabulary?format=nt"
    final, chain = _follow(f"{apache.url}/polegraph/graph/vocabulary?format=nt", "text/html")
    assert final.status == 200 and final.media_type == "application/n-triples", chain
