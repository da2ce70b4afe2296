"""`polegraph validate [FILE…]` as a contributor runs it: report grouped by focus node, exit codes 0/1/2."""

from __future__ import annotations

import json
import subprocess

import pytest
from rdflib import Graph, Literal
from rdflib.namespace import SH

from tests.support import PROJECT, polegraph_command

PREFIXES = """@prefix pg: <https://w3id.org/polegraph/ontology#> .
@prefix rdfs: <http://www.w3.org/2000/01/rdf-schema#> .
@prefix section: <https://w3id.org/polegraph/id/section/> .
@prefix pole: <https://w3id.org/polegraph/id/pole/> .
@prefix initiative: <https://w3id.org/polegraph/id/initiative/> .
"""

# A new project led by an existing pôle: it resolves only together with the project's graph.
CONFORMING = PREFIXES + """
section:annexe-02 {
    initiative:projet-contribution-test a pg:Project ;
        rdfs:label "Projet de contribution (test)"@fr , "Contribution project (test)"@en ;
        pg:ledBy pole:minalogic .
}
"""

MISSPELT = PREFIXES + """
section:annexe-02 {
    initiative:projet-contribution-test a pg:Project ;
        rdfs:label "Projet de contribution (test)"@fr , "Contribution project (test)"@en ;
        pg:ledBy pole:minalogic ;
        pg:concernsValueChian <https://w3id.org/polegraph/id/filiere/microelectronique> .
}
"""


def run(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run(polegraph_command() + ["--project", str(PROJECT), "validate", *args],
                          capture_output=True, text=True, timeout=300)


@pytest.fixture
def contribution(tmp_path):
    def write(name: str, text: str):
        path = tmp_path / name
        path.write_text(text, encoding="utf-8")
        return path
    return write


def test_the_project_itself_conforms():
    result = run()
    assert result.returncode == 0, result.stdout + result.stderr
    assert result.stdout.startswith("SHACL validation: conforms")


def test_a_conforming_contribution_exits_0(contribution):
    result = run(str(contribution("new.trig", CONFORMING)))
    assert result.returncode == 0, result.stdout + result.stderr
    assert "projet-contribution-test" not in result.stdout


def test_a_misspelt_property_exits_1_with_a_report_grouped_by_focus_node(contribution):
    result = run(str(contribution("typo.trig", MISSPELT)), "--lang", "fr")
    assert result.returncode == 1, result.stdout + result.stderr
    lines = result.stdout.splitlines()
    assert lines[0].startswith("Validation SHACL : NON conforme — 1 violation(s)")
    focus = lines.index("https://w3id.org/polegraph/ontology#concernsValueChian")
    assert lines[focus + 1].startswith("  Violation")
    assert "n'est pas déclarée" in lines[focus + 1]
    assert "projet-contribution-test" in lines[focus + 1]


def test_json_report_lists_results_with_both_languages(contribution):
    result = run(str(contribution("typo.trig", MISSPELT)), "--format", "json")
    assert result.returncode == 1
    report = json.loads(result.stdout)
    assert report["conforms"] is False and report["counts"]["Violation"] >= 1
    hit = next(r for r in report["results"] if r["focus"].endswith("#concernsValueChian"))
    assert hit["severity"] == "Violation" and set(hit["message"]) >= {"en", "fr"}


def test_turtle_report_is_a_shacl_validation_report(contribution):
    result = run(str(contribution("typo.trig", MISSPELT)), "--format", "turtle")
    assert result.returncode == 1
    graph = Graph().parse(data=result.stdout, format="turtle")
    assert (None, SH.conforms, Literal(False)) in graph


def test_a_malformed_file_exits_2_naming_file_and_line(contribution):
    path = contribution("broken.ttl", PREFIXES + "\npole:minalogic rdfs:label \"ok\"@fr .\npole:x pg:leads ;;\n")
    result = run(str(path))
    assert result.returncode == 2
    assert f"{path}:8:" in result.stderr, result.stderr


@pytest.mark.parametrize("command", ["validate", "coverage"])
def test_rdfxml_with_entity_declarations_is_refused(contribution, command):
    path = contribution("bomb.rdf", '<?xml version="1.0"?>\n<!DOCTYPE r [<!ENTITY a "aaaaaaaa">]>\n'
                        '<rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#"/>\n')
    result = subprocess.run(polegraph_command() + ["--project", str(PROJECT), command, str(path)],
                            capture_output=True, text=True, timeout=300)
    assert result.returncode == 2
    assert "DOCTYPE" in result.stderr and f"{path}:2" in result.stderr
