"""Provenance down to the paragraph: every statement between two named resources cites a paragraph of
its section that names one of them, and every paragraph cited is one of the section's paragraphs.

The paragraphs are cut from ../shared/sources/manifeste-phase6.txt by tests/support/paragraphs.py
(the tests that read the text skip when it is absent); the expected answers of the named query were
read in the manifesto (Minalogic's box closes chapter 08 and tells of ASTEERICS, which it leads).
"""

from __future__ import annotations

import pytest
from rdflib import Dataset, URIRef

from polegraph.web.content.provenance import cite, mentions_of, section_paragraphs, statements_of
from tests.support import paragraphs as tool

ID = "https://w3id.org/polegraph/id/"
SECTION = ID + "section/"
PG = "https://w3id.org/polegraph/ontology#"


@pytest.fixture(scope="module")
def cut(manifesto_text) -> dict[str, list[str]]:
    return tool.paragraphs(manifesto_text)


@pytest.fixture(scope="module")
def labels(store) -> dict[str, set[str]]:
    found: dict[str, set[str]] = {}
    values = " ".join(f"<{p}>" for p in tool.LABELS)
    for row in store.select(f"SELECT DISTINCT ?s ?l WHERE {{ VALUES ?p {{ {values} }} ?s ?p ?l }}"):
        found.setdefault(row["s"], set()).add(row["l"])
    return found


@pytest.fixture(scope="module")
def reviewed() -> set[tuple[str, str]]:
    """(paragraph, resource) of the mentions a reader added by hand."""
    dataset = Dataset().parse(tool.REVIEWED, format="trig")
    return {(str(s), str(o)) for s, _p, o, _g in dataset.quads((None, URIRef(PG + "mentions"), None, None))}


def test_the_generated_paragraph_files_are_what_the_tool_writes_from_the_text(manifesto_text):
    sections, labels = tool.read_sections()
    proposal = tool.propose(manifesto_text, sections, labels)
    stale = [slug for slug, mentions in proposal.items()
             if not (tool.FOLDER / f"{slug}.trig").is_file()
             or (tool.FOLDER / f"{slug}.trig").read_text(encoding="utf-8") != tool.render(slug, mentions)]
    assert not stale, ("data/paragraphs/ no longer matches the data: review `.venv/bin/python -m "
                       f"tests.support.paragraphs`, then run it with --write ({stale})")


def test_every_section_has_its_paragraphs_numbered_as_in_the_text(store, cut):
    paragraphs = section_paragraphs(store)
    assert set(paragraphs) == {SECTION + slug for slug in cut}
    for section, listed in paragraphs.items():
        slug = section[len(SECTION):]
        assert [p.number for p in listed] == list(range(1, len(cut[slug]) + 1)), slug
        assert [p.iri for p in listed] == [tool.paragraph_iri(slug, p.number) for p in listed]


def test_every_mention_sits_in_the_graph_of_its_paragraphs_section(store):
    misplaced = store.select(f"""SELECT ?para ?x WHERE {{
        GRAPH ?g {{ ?para <{PG}mentions> ?x }} ?para <http://purl.org/dc/terms/isPartOf> ?section
        FILTER(?g != ?section) }}""")
    assert misplaced == []
    assert store.ask(f"ASK {{ GRAPH <{SECTION}annexe-02> {{ <{ID}paragraph/annexe-02-2> <{PG}mentions> "
                     f"<{ID}initiative/esa-bic-sud-france> }} }}")


def test_a_hand_added_mention_is_one_the_tool_cannot_find(manifesto_text, reviewed):
    sections, labels = tool.read_sections()
    proposal = tool.propose(manifesto_text, sections, labels)
    found = {(tool.paragraph_iri(slug, number), iri) for slug, mentions in proposal.items()
             for number, names in enumerate(mentions, 1) for iri in names}
    assert reviewed and not reviewed & found


def _named(iri: str, labels: dict[str, set[str]], outside: set[str]) -> bool:
    return (iri.startswith(ID) and tool.kind_of(iri) not in tool.COMPOSED_KINDS + tool.NOT_MENTIONED_KINDS
            and bool(labels.get(iri)) and iri not in outside)


def test_every_statement_between_two_named_resources_cites_a_paragraph_naming_one_of_them(store, cut, labels,
                                                                                       reviewed):
    # A document the manifesto never names (INSEE's code list) is the source of a fact from outside it.
    every = [p for paragraphs in cut.values() for p in paragraphs]
    outside = {iri for iri in labels if tool.kind_of(iri) == "document"
               and not any(tool.names_any(p, tool.names_of({iri: labels[iri]})) for p in every)}
    statements = []
    for slug in cut:
        for s, p, o in statements_of(store, SECTION + slug):
            if _named(s, labels, outside) and _named(o.value, labels, outside):
                statements.append((slug, s, p, o.value))
    assert len(statements) > 1000
    mentions = mentions_of(store, {s for _g, s, _p, _o in statements} | {o for *_x, o in statements})
    wrong = []
    for slug, s, p, o in statements:
        cited = cite(mentions, SECTION + slug, s, o)
        names = tool.names_of({s: labels[s], o: labels[o]})
        if not any(tool.names_any(cut[slug][para.number - 1], names) or (para.iri, s) in reviewed
                   or (para.iri, o) in reviewed for para in cited):
            wrong.append((slug, s[len(ID):], p.rsplit("#", 1)[-1], o[len(ID):], [c.number for c in cited]))
    assert not wrong, f"{len(wrong)} statements cite no paragraph naming either end: {wrong[:20]}"


def test_the_named_query_finds_where_minalogic_is_said_to_lead_asteerics(store, named_queries):
    rows = store.select(named_queries["statement-paragraphs"].text)
    asteerics = {(r["section"], r["paragraphLabel"]) for r in rows
                 if r["pole"] == ID + "pole/minalogic" and r["initiative"] == ID + "initiative/asteerics"}
    assert (SECTION + "chapitre-08", "Chapitre 08, §4") in asteerics
    assert all(r["paragraph"].startswith(ID + "paragraph/" + r["section"][len(SECTION):] + "-") for r in rows)
