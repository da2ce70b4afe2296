"""`polegraph coverage [FILE…]` as a maintainer or a contributor runs it: every name the manifesto states is
a label of the graph or a reviewed omission, section by section — and `validate FILE` shows the same sweep.

The manifesto is read where the project expects it (../shared); these tests skip when it is absent.
"""

from __future__ import annotations

import os
import re
import subprocess
from pathlib import Path

import pytest

from tests.support import MANIFESTO, PROJECT, polegraph_command

SECTIONS = ["couverture", "introduction", *(f"chapitre-0{n}" for n in range(1, 9)), "conclusion", "signatures",
            "carte", *(f"annexe-0{n}" for n in range(1, 8)), "colophon"]

# The printed name chapter 01 gives the ESCALAD test centre, and the variant the data records for it.
TEST_CENTRE = "Centre d'Essais"
TEST_CENTRE_LABEL = 'skos:altLabel "Centre d\'Essais"@fr'

CONTRIBUTION = """@prefix skos: <http://www.w3.org/2004/02/skos/core#> .
@prefix initiative: <https://w3id.org/polegraph/id/initiative/> .
@prefix section: <https://w3id.org/polegraph/id/section/> .
section:chapitre-01 {
    initiative:escalad-centre-essais skos:altLabel "Centre d'Essais"@fr .
}
"""


def run(*args: str, project: Path = PROJECT, manifesto: Path | None = None) -> subprocess.CompletedProcess:
    env = {k: v for k, v in os.environ.items() if not k.startswith("POLEGRAPH_")}
    if manifesto is not None:
        env["POLEGRAPH_MANIFESTO"] = str(manifesto)
    return subprocess.run(polegraph_command() + ["--project", str(project), *args],
                          capture_output=True, text=True, timeout=300, env=env)


def section_report(output: str, section: str) -> list[str]:
    """The lines `coverage` prints for one section: its summary line and the unmatched names under it."""
    lines = output.splitlines()
    start = next(i for i, line in enumerate(lines) if line.startswith(f"{section}:"))
    end = next((i for i in range(start + 1, len(lines)) if not lines[i].startswith("  ")), len(lines))
    return lines[start:end]


def line_of(text: str, words: str) -> int:
    return next(n for n, line in enumerate(text.splitlines(), 1) if words in line)


@pytest.fixture
def without_test_centre_label(project_copy, manifesto_text) -> Path:
    """A copy of the project whose graph has lost the printed name of chapter 01's test centre."""
    data = project_copy / "data" / "part1-chapitres.trig"
    text = data.read_text(encoding="utf-8")
    assert TEST_CENTRE_LABEL in text
    data.write_text(text.replace(TEST_CENTRE_LABEL, 'skos:note "test"@en'), encoding="utf-8")
    return project_copy


def test_every_name_of_the_manifesto_is_a_label_or_a_listed_omission(manifesto_text):
    result = run("coverage")
    assert result.returncode == 0, result.stdout + result.stderr
    for section in SECTIONS:
        summary = section_report(result.stdout, section)
        assert summary[0].endswith(", 0 unmatched"), summary
    assert result.stdout.rstrip().splitlines()[-1].startswith("every name is a label of the graph or a listed")


def test_an_unmatched_name_fails_under_its_section_with_its_line(without_test_centre_label, manifesto_text):
    result = run("coverage", project=without_test_centre_label, manifesto=MANIFESTO)
    assert result.returncode == 1, result.stdout + result.stderr
    lines = section_report(result.stdout, "chapitre-01")
    assert lines[0].endswith(", 1 unmatched")
    assert f"  line {line_of(manifesto_text, TEST_CENTRE)}: {TEST_CENTRE}  (capitalised)" in lines
    assert "1 unmatched name(s)" in result.stdout


def test_a_listed_omission_the_sweep_no_longer_meets_fails(project_copy, manifesto_text):
    listed = project_copy / "data" / "coverage.toml"
    listed.write_text(listed.read_text(encoding="utf-8")
                      + '\n[[omit]]\nreason = "A test entry."\nnames = ["Zorglub Industries"]\n', encoding="utf-8")
    result = run("coverage", project=project_copy, manifesto=MANIFESTO)
    assert result.returncode == 1
    assert "listed as an omission but no longer met unmatched: 'Zorglub Industries'" in result.stdout


def test_an_omission_without_a_reason_is_refused_with_the_file_named(project_copy, manifesto_text):
    listed = project_copy / "data" / "coverage.toml"
    listed.write_text(listed.read_text(encoding="utf-8") + '\n[[omit]]\nnames = ["PC"]\n', encoding="utf-8")
    result = run("coverage", project=project_copy, manifesto=MANIFESTO)
    assert result.returncode == 2
    assert "coverage.toml" in result.stderr and "without a reason" in result.stderr


def test_a_contribution_is_swept_for_the_sections_it_writes(without_test_centre_label, tmp_path, manifesto_text):
    contribution = tmp_path / "centre.trig"
    contribution.write_text(CONTRIBUTION, encoding="utf-8")
    result = run("coverage", str(contribution), project=without_test_centre_label, manifesto=MANIFESTO)
    assert result.returncode == 0, result.stdout + result.stderr
    summaries = [line for line in result.stdout.splitlines() if re.match(r"^[a-z0-9-]+: ", line)]
    assert [s.split(":")[0] for s in summaries] == ["chapitre-01"]
    assert summaries[0].endswith(", 0 unmatched")


def test_validate_shows_the_sweep_of_a_contributors_file(without_test_centre_label, tmp_path, manifesto_text):
    contribution = tmp_path / "centre.trig"
    contribution.write_text(CONTRIBUTION.replace('"Centre d\'Essais"@fr', '"Centre d\'essais"@fr'), encoding="utf-8")
    result = run("validate", str(contribution), project=without_test_centre_label, manifesto=MANIFESTO)
    assert result.returncode == 0, result.stdout + result.stderr  # the sweep informs; shapes decide the exit code
    assert "coverage of " in result.stdout
    assert section_report(result.stdout, "chapitre-01")[0].endswith(", 0 unmatched")  # case is folded
    # without the contribution, validate's sweep of the same section shows the gap
    bare = tmp_path / "empty.trig"
    bare.write_text(CONTRIBUTION.replace('skos:altLabel "Centre d\'Essais"@fr', 'skos:note "test"@en'),
                    encoding="utf-8")
    result = run("validate", str(bare), project=without_test_centre_label, manifesto=MANIFESTO)
    assert any(line.startswith("  line ") and TEST_CENTRE in line
               for line in section_report(result.stdout, "chapitre-01"))


def test_names_match_labels_whatever_their_case_accents_punctuation_and_acronyms(tmp_path):
    """Any text can be swept (POLEGRAPH_MANIFESTO): one part, named after the file, when it has no sections."""
    text = tmp_path / "note.txt"
    text.write_text(
        "Ce texte cite SYSTEMATIC PARIS-REGION, l'AID (Agence de l'innovation de defense), "
        "le Pole des Microtechniques.\n"
        "Il parle aussi de la Societe Zorglub, du projet QWERTY et du PMT, de la filière\n"
        "hydrogène naturel comme de la filière zorglubienne, et d'un « Prix Zorglub ».\n", encoding="utf-8")
    result = run("coverage", manifesto=text)
    assert result.returncode == 1, result.stdout + result.stderr
    unmatched = {line.strip() for line in section_report(result.stdout, "note")[1:]}
    assert unmatched == {"line 2: Societe Zorglub  (capitalised)", "line 2: QWERTY  (acronym)",
                         "line 3: zorglubienne  (value chain)", "line 3: Prix Zorglub  (quoted)"}
    assert section_report(result.stdout, "note")[0].endswith(", 0 omitted on purpose, 4 unmatched")


def test_a_missing_manifesto_is_an_input_error_naming_where_it_was_looked_for(tmp_path):
    missing = tmp_path / "nowhere.txt"
    result = run("coverage", manifesto=missing)
    assert result.returncode == 2
    assert str(missing) in result.stderr and "POLEGRAPH_MANIFESTO" in result.stderr
