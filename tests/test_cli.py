"""The command line as a user runs it: build, validate, query, serve — and its exit codes."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
from pathlib import Path

import pytest

from polegraph.pipeline.release import Release, verify_release
from tests.support import PROJECT, free_port, polegraph_command
from tests.support.servers import polegraph_server


def run(*args: str, project=PROJECT, var=None, timeout: float = 300) -> subprocess.CompletedProcess:
    command = polegraph_command() + ["--project", str(project)]
    if var:
        command += ["--var", str(var)]
    return subprocess.run(command + list(args), capture_output=True, text=True, timeout=timeout)


@pytest.fixture(scope="module")
def built_var(tmp_path_factory):
    var = tmp_path_factory.mktemp("cli-var")
    result = run("build", var=var)
    assert result.returncode == 0, result.stderr
    return var


def test_build_reports_the_release(built_var):
    assert (built_var / "current" / "release.json").is_file()
    meta = json.loads((built_var / "current" / "release.json").read_text())
    assert meta["statistics"]["triples"] > 1000
    assert meta["validation"]["Violation"] == 0


def test_query_named_query_as_table(built_var):
    result = run("query", "poles-and-presidents", var=built_var)
    assert result.returncode == 0, result.stderr
    assert "Minalogic" in result.stdout and "Serge Veyres" in result.stdout
    assert result.stdout.rstrip().endswith("(53 rows)")


def test_query_string_as_csv_and_json(built_var):
    text = "SELECT (COUNT(*) AS ?n) WHERE { ?p a <https://w3id.org/polegraph/ontology#Pole> }"
    csv = run("query", text, "--format", "csv", var=built_var)
    assert csv.returncode == 0, csv.stderr
    assert csv.stdout.splitlines()[0].strip() == "n"
    assert int(csv.stdout.splitlines()[1]) >= 53
    as_json = run("query", text, "--format", "json", var=built_var)
    assert json.loads(as_json.stdout)["head"]["vars"] == ["n"]


def test_query_file_path(built_var):
    result = run("query", str(PROJECT / "queries" / "poles-and-presidents.rq"), "--format", "csv", var=built_var)
    assert result.returncode == 0, result.stderr
    assert len(result.stdout.strip().splitlines()) == 54  # header + 53 pôles


def test_a_named_query_takes_a_parameter_on_the_command_line(built_var):
    default = run("query", "p2-poles-by-value-chain", "--format", "csv", var=built_var)
    solar = run("query", "p2-poles-by-value-chain", "--param", "chain=solaire", "--format", "csv", var=built_var)
    assert default.returncode == 0 and solar.returncode == 0, default.stderr + solar.stderr
    assert "Hydrogène naturel" in default.stdout and "Hydrogène" not in solar.stdout
    assert "Tenerrdis" in solar.stdout  # one of the six pôles of chapter 07's joint action on low-carbon energy


@pytest.mark.parametrize(("args", "message"), [
    (("p2-poles-by-value-chain", "--param", "chain=licorne"), "not one of the"),
    (("p2-poles-by-value-chain", "--param", "colour=red"), "no parameter colour"),
    (("poles-and-presidents", "--param", "chain"), "NAME=VALUE"),
    (("SELECT * WHERE { ?s ?p ?o } LIMIT 1", "--param", "chain=solaire"), "named query"),
])
def test_a_bad_parameter_is_a_usage_error(built_var, args, message):
    result = run("query", *args, var=built_var)
    assert result.returncode == 2 and message in result.stderr, result.stderr


def test_bad_query_is_a_usage_error(built_var):
    result = run("query", "SELECT WHERE {", var=built_var)
    assert result.returncode == 2
    assert "syntax error" in result.stderr.lower()


def test_unknown_option_is_a_usage_error():
    assert run("build", "--no-such-option").returncode == 2


def test_query_without_release_says_so(tmp_path):
    result = run("query", "ASK {}", var=tmp_path)
    assert result.returncode == 2
    assert "polegraph build" in result.stderr


def test_validate_the_project_conforms():
    result = run("validate", "--format", "json")
    assert result.returncode == 0, result.stdout + result.stderr
    assert json.loads(result.stdout)["conforms"] is True


def test_serve_refuses_an_invalid_graph(project_copy, tmp_path):
    (project_copy / "data" / "broken.trig").write_text(
        "@prefix pg: <https://w3id.org/polegraph/ontology#> .\n"
        "<https://w3id.org/polegraph/id/section/signatures> {\n"
        "  <https://w3id.org/polegraph/id/pole/sans-nom> a pg:Pole .\n}\n", encoding="utf-8")
    result = run("serve", "--port", str(free_port()), project=project_copy, var=tmp_path / "var", timeout=120)
    assert result.returncode == 1
    assert "pole/sans-nom" in result.stderr
    assert not (tmp_path / "var" / "current").exists()


@pytest.mark.parametrize("added", [
    '<https://w3id.org/polegraph/id/pole/ajout> <https://w3id.org/polegraph/ontology#name> "Ajout" '
    '<https://w3id.org/polegraph/id/section/annexe-01> .',
    "<not an iri> <https://w3id.org/polegraph/ontology#name> \"x\" .",  # one a lenient parser would take
], ids=["well-formed quad", "malformed IRI"])
@pytest.mark.parametrize("command", ["query", "serve"])
def test_a_release_edited_after_its_build_is_neither_queried_nor_served(release, tmp_path, added, command):
    """Only the bytes the build validated are loaded: a dataset that no longer matches its checksum is
    refused with a clear error (and is loaded without Oxigraph re-checking each IRI otherwise)."""
    var = _releases_var(release, tmp_path, [release.id], current=release.id)
    with (var / "releases" / release.id / "dataset.nq").open("a", encoding="utf-8") as dataset:
        dataset.write(added + "\n")
    if command == "query":
        result = run("query", "ASK {}", var=var)
        returncode, output = result.returncode, result.stderr
    else:  # a server that starts all the same is stopped with every process it forked
        server = polegraph_server(var, log_path=tmp_path / "serve.log")
        try:
            returncode, output = server.process.wait(timeout=120), server.output()
        finally:
            server.stop()
    assert returncode == 2, output
    assert "dataset.nq is missing or does not match its checksum" in output
    assert "Traceback" not in output


@pytest.mark.parametrize("query, message", [
    ("SELECT * WHERE { SERVICE <http://127.0.0.1:9/sparql> { ?s ?p ?o } }", "SERVICE is not allowed"),
    ("INSERT DATA { <urn:a> <urn:b> <urn:c> }", "read-only"),
    ("p1-no-such-query", "no named query or query file 'p1-no-such-query'"),
    ("no-such-file.rq", "polegraph queries"),
])
def test_query_refusals_are_usage_errors(built_var, query, message):
    result = run("query", query, var=built_var)
    assert result.returncode == 2
    assert message in result.stderr
    assert "Traceback" not in result.stderr


def test_named_query_by_file_name(built_var):
    result = run("query", "poles-and-presidents.rq", "--format", "csv", var=built_var)
    assert result.returncode == 0, result.stderr
    assert len(result.stdout.strip().splitlines()) == 54


def test_csv_of_a_construct_is_refused_not_ignored(built_var):
    result = run("query", "CONSTRUCT WHERE { ?s a <https://w3id.org/polegraph/ontology#Pole> }", "--format", "csv",
                 var=built_var)
    assert result.returncode == 2
    assert "prints Turtle" in result.stderr


def _releases_var(release, tmp_path, names: list[str], current: str):
    """A var folder holding copies of the session's release under `names`, `current` linked."""
    var = tmp_path / "var"
    for name in names:
        shutil.copytree(release.path, var / "releases" / name)
        (var / "exports" / name).mkdir(parents=True)
        (var / "exports" / name / "manifest.json").write_text("{}", encoding="utf-8")
    (var / "exports" / "20200101T000000Z-gone00000000").mkdir()  # the export of a release removed by hand
    (var / "releases" / ".building-x").mkdir()  # a build under way
    (var / "current").symlink_to(Path("releases") / current)
    return var


def test_prune_keeps_the_newest_and_the_current_release_and_removes_the_rest(release, tmp_path):
    names = [f"2026110{day}T120000Z-{day}bcdef012345" for day in range(1, 6)]
    var = _releases_var(release, tmp_path, names, current=names[1])  # rolled back to an older one
    before = sorted(p.name for p in (var / "releases").iterdir())
    dry = run("prune", "--keep", "2", "--dry-run", var=var)
    assert dry.returncode == 0, dry.stderr
    assert sorted(p.name for p in (var / "releases").iterdir()) == before
    assert f"would remove release {names[0]}" in dry.stdout and f"would remove release {names[2]}" in dry.stdout

    done = run("prune", "--keep", "2", var=var)
    assert done.returncode == 0, done.stderr
    assert sorted(p.name for p in (var / "releases").iterdir()) == sorted([".building-x", names[1], *names[3:]])
    assert sorted(p.name for p in (var / "exports").iterdir()) == sorted([names[1], *names[3:]])
    assert "2 release(s) removed" in done.stdout
    assert (var / "current").resolve() == (var / "releases" / names[1]).resolve()
    verify_release(Release.open(var / "current"))  # still whole
    again = run("prune", "--keep", "2", var=var)
    assert again.returncode == 0 and "0 release(s) removed" in again.stdout


def test_prune_keeps_a_release_a_running_server_serves(release, tmp_path):
    """`serve` records the release it serves in <var>/serving/<pid>.json; records of ended processes
    count for nothing."""
    names = [f"2026110{day}T120000Z-{day}bcdef012345" for day in range(1, 5)]
    var = _releases_var(release, tmp_path, names, current=names[3])
    ended = subprocess.Popen(["true"])
    ended.wait()
    (var / "serving").mkdir()
    for pid, name in ((os.getpid(), names[0]), (ended.pid, names[1])):
        (var / "serving" / f"{pid}.json").write_text(json.dumps({"pid": pid, "release": name}), encoding="utf-8")
    result = run("prune", "--keep", "1", var=var)
    assert result.returncode == 0, result.stderr
    assert sorted(p.name for p in (var / "releases").iterdir()) == sorted([".building-x", names[0], names[3]])


def test_prune_refuses_to_keep_nothing(release, tmp_path):
    names = ["20261101T120000Z-1bcdef012345"]
    var = _releases_var(release, tmp_path, names, current=names[0])
    result = run("prune", "--keep", "0", var=var)
    assert result.returncode == 2 and "keep at least 1 release" in result.stderr
    assert (var / "releases" / names[0]).is_dir()
