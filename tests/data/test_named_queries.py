"""The named queries' headers: an English title and description, and their French versions for French readers."""

from __future__ import annotations

import pytest

from polegraph.errors import PolegraphError
from polegraph.query.named import ParameterError, read_query


def write(tmp_path, header: str):
    path = tmp_path / "q.rq"
    path.write_text(header + "SELECT * WHERE { ?s ?p ?o }\n", encoding="utf-8")
    return path


def test_french_fields_are_read_with_their_continuation_lines(tmp_path):
    query = read_query(write(tmp_path, "# title: Poles\n# description: Every pole,\n#   by name.\n"
                                       "# title@fr: Les pôles\n# description@fr: Tous les pôles,\n#   par nom.\n"))
    assert (query.title, query.description) == ("Poles", "Every pole, by name.")
    assert (query.title_in("fr"), query.description_in("fr")) == ("Les pôles", "Tous les pôles, par nom.")
    assert (query.title_in("en"), query.description_in("en")) == ("Poles", "Every pole, by name.")


def test_without_french_fields_french_readers_get_the_english_ones(tmp_path):
    query = read_query(write(tmp_path, "# title: Poles\n# description: Every pole.\n"))
    assert (query.title_in("fr"), query.description_in("fr")) == ("Poles", "Every pole.")


@pytest.mark.parametrize("header", ["# title@de: Pole\n# title: Poles\n", "# description: Every pole.\n"])
def test_an_unknown_language_or_a_missing_title_is_refused_with_the_file_named(tmp_path, header):
    with pytest.raises(PolegraphError, match=r"q\.rq"):
        read_query(write(tmp_path, header))


def test_every_named_query_has_its_title_and_description_in_both_languages(named_queries):
    assert len(named_queries) >= 50
    missing = [name for name, q in named_queries.items()
               if not (q.title and q.description and q.title_fr and q.description_fr)]
    assert not missing, f"named queries without a French or English title/description: {missing}"
    same = [name for name, q in named_queries.items() if q.title_fr == q.title]
    assert not same, f"French titles that are the English ones: {same}"


PARAMETERISED = "# title: Poles of a chain\n# param: chain iri pg:ValueChain = filiere:hydrogene\n"


def test_a_parameter_is_read_from_the_header_with_its_class_and_default(tmp_path):
    (parameter,) = read_query(write(tmp_path, PARAMETERISED)).parameters
    assert (parameter.name, parameter.kind) == ("chain", "iri")
    assert parameter.cls == "https://w3id.org/polegraph/ontology#ValueChain"
    assert parameter.default == "https://w3id.org/polegraph/id/filiere/hydrogene"


@pytest.mark.parametrize("line", ["# param: chain iri = filiere:x\n", "# param: year year\n",
                                  "# param: chain colour = red\n"])
def test_a_parameter_without_its_class_default_or_a_known_type_is_refused(tmp_path, line):
    with pytest.raises(PolegraphError, match=r"q\.rq"):
        read_query(write(tmp_path, "# title: T\n" + line))


def test_values_are_checked_before_they_are_bound(tmp_path):
    query = read_query(write(tmp_path, PARAMETERISED + "# param: since year = 2020\n"))
    allowed = {"chain": ["https://w3id.org/polegraph/id/filiere/hydrogene",
                         "https://w3id.org/polegraph/id/filiere/solaire"]}
    values = query.values({"chain": "solaire"}, allowed)
    assert values == {"chain": "https://w3id.org/polegraph/id/filiere/solaire", "since": "2020"}
    assert query.substitutions(values)["since"]["datatype"].endswith("#gYear")
    for bad in ({"chain": "filiere:nucleaire"}, {"chain": "<x> } ?s ?p ?o {"}, {"since": "20 20"},
                {"colour": "red"}):
        with pytest.raises(ParameterError):
            query.values(bad, allowed)


def test_every_parameter_is_a_projected_variable_of_its_query(named_queries, store):
    """Oxigraph binds only variables the SELECT projects; each parameterised query runs with its defaults."""
    from polegraph.query.named import allowed_values

    parameterised = [q for q in named_queries.values() if q.parameters]
    assert {"p2-poles-by-value-chain", "p2-initiatives-in-region", "p2-initiative-partners"} <= \
        {q.name for q in parameterised}
    for query in parameterised:
        values = query.values({}, allowed_values(store, query))
        rows = store.select(query.text, substitutions=query.substitutions(values))
        assert rows, query.name
        assert all(row[p.name] == values[p.name] for row in rows for p in query.parameters), query.name


def test_no_named_query_asks_its_reader_to_edit_its_text(named_queries):
    """Queries that once said "change the VALUES line" take a parameter instead."""
    editing = [n for n, q in named_queries.items() if "VALUES line" in q.description or "ligne VALUES" in q.text]
    assert not editing


def test_every_named_query_is_listed_under_known_topics(named_queries):
    from polegraph.query.named import TOPICS

    assert all(q.topics and set(q.topics) <= set(TOPICS) for q in named_queries.values())
    starters = sorted(q.starter for q in named_queries.values() if q.starter)
    assert len(starters) >= 5 and len(set(starters)) == len(starters)
