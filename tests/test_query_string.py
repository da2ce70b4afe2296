"""The endpoint reads its query string with its own parser (web/http.py, for speed): it must read
every query string exactly as werkzeug's `Request.args` would, whatever a client sends."""

from __future__ import annotations

from urllib.parse import parse_qsl, quote

import werkzeug.urls  # noqa: F401 - registers the "werkzeug.url_quote" error handler the parsers use
from hypothesis import given, settings
from hypothesis import strategies as st

from polegraph.web.http import parse_query_string


def werkzeugs(query: str) -> list[tuple[str, str]]:
    return parse_qsl(query, keep_blank_values=True, errors="werkzeug.url_quote")


# Raw text with the characters that matter (%, +, &, =, backslash, hex digits, non-ASCII), and
# percent-encoded text (valid escapes, with UTF-8 and invalid UTF-8 bytes).
RAW = st.text(alphabet=st.sampled_from(list("%+&=\\xX09aFfgG; é漢\x00")), max_size=40)
ENCODED = st.binary(max_size=30).map(lambda data: quote(data, safe=""))


@settings(max_examples=400, deadline=None)
@given(st.lists(st.one_of(RAW, ENCODED), max_size=4).map("&".join))
def test_every_query_string_is_read_as_werkzeug_reads_it(query):
    assert parse_query_string(query) == werkzeugs(query)


def test_a_named_query_sent_by_a_browser_is_read_whole():
    text = 'PREFIX pg: <https://w3id.org/polegraph/ontology#>\nSELECT ?p WHERE { ?p a pg:Pole ; pg:x "é 100%" }'
    query = "query=" + quote(text, safe="") + "&format=json&lang="
    assert parse_query_string(query) == [("query", text), ("format", "json"), ("lang", "")]
