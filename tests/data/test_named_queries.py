"""The named queries' headers: an English title and description, and their French versions for French readers."""

from __future__ import annotations

import pytest

from polegraph.errors import PolegraphError
from polegraph.query.named import read_query


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
