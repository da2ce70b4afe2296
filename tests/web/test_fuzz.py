"""Property-based fuzzing of the public inputs (issue 13, point 2), against the real server process.

Hypothesis generates query texts (noise, SPARQL token soup, mutated named queries), `format`
parameters, Accept headers, resource paths and documents for /validate. Whatever it sends, the server
answers without an unexpected 5xx (a 503 for a query stopped at the deadline is expected), without
a stack trace or a path in the body, and within the deadline plus a margin. The run is bounded:
a fixed number of examples per property, a socket timeout per request and a time budget per property
(past it, remaining examples are skipped), so the suite stays fast.
"""

from __future__ import annotations

import json
import time
from urllib.parse import quote, urlencode

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.support.http import LEAKS, Answer, call
from tests.web.conftest import DEADLINE_S

REQUEST_TIMEOUT_S = DEADLINE_S + 20  # a request hanging longer than this fails the property
BUDGET_S = 90  # per property: examples past it are skipped
FUZZ = settings(max_examples=100, deadline=None, database=None, print_blob=True,
                suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture])

SELECT = "SELECT ?s ?p ?o WHERE { ?s ?p ?o } LIMIT 3"
CONSTRUCT = "CONSTRUCT { ?s ?p ?o } WHERE { ?s ?p ?o } LIMIT 3"
MEDIA_TYPES = ["application/sparql-results+json", "application/sparql-results+xml", "text/csv",
               "text/tab-separated-values", "text/turtle", "application/n-triples", "application/ld+json",
               "application/rdf+xml", "application/trig", "application/n-quads", "text/html", "application/json",
               "application/xml", "text/plain", "*/*", "text/*", "application/*", "image/png", ""]
FORMATS = ["json", "xml", "csv", "tsv", "turtle", "ntriples", "jsonld", "rdfxml", "trig", "nquads", "html",
           "JSON", "text/csv", ""]
SPARQL_TOKENS = [
    "SELECT", "CONSTRUCT", "DESCRIBE", "ASK", "WHERE", "{", "}", "(", ")", "[", "]", ".", ";", ",", "*", "?s", "?p",
    "?o", "$x", "<urn:a>", "<>", "<#x>", "pg:Pole", "rdf:type", "a", "'x'", '"y"@fr', "'''z'''", "1", "-2.5e3",
    "true", "FILTER", "REGEX", "STR", "BIND", "AS", "VALUES", "OPTIONAL", "UNION", "MINUS", "GRAPH", "FROM",
    "NAMED", "SERVICE", "SILENT", "LIMIT", "OFFSET", "ORDER", "BY", "GROUP", "HAVING", "COUNT", "DISTINCT",
    "PREFIX", "pg:", "<https://w3id.org/polegraph/ontology#>", "BASE", "INSERT", "DELETE", "DATA", "LOAD",
    "CLEAR", "^^", "@en", "|", "/", "^", "+", "?", "!", "&&", "||", "=", "!=", "<", ">", "#", "\n", "\\",
    "\\u0041", "EXISTS", "NOT", "IN", "SUBSTR", "CONCAT", "LANG", "IRI", "BNODE", "_:b", "UNDEF",
]
TRAVERSAL_PARTS = ["..", ".", "%2e%2e", "%2f", "etc", "passwd", "~", "%00", "\\"]
ALLOWED_5XX = {503}  # a query stopped at the deadline, or every query process busy: "retry later"



@pytest.fixture(scope="module")
def named_texts(named_queries) -> list[str]:
    return [q.text for q in named_queries.values()]


class Budget:
    """The time guard of one property: once spent, the remaining examples are not sent."""

    def __init__(self, seconds: float = BUDGET_S):
        self.end = time.monotonic() + seconds
        self.sent = 0

    def spent(self) -> bool:
        return time.monotonic() > self.end


def check(answer: Answer, what: str) -> None:
    """`what` is the request as sent: an error may quote it (a file name, a query) without leaking."""
    assert answer.status < 500 or answer.status in ALLOWED_5XX, (what, answer.status, answer.text[:300])
    if answer.status >= 400:
        leaks = [m.group() for m in LEAKS.finditer(answer.text) if m.group() not in what]
        assert not leaks, (what, leaks, answer.text[:300])
    assert answer.seconds < REQUEST_TIMEOUT_S


def header_text(max_size: int = 60):
    """Text an HTTP client can put in a header: printable Latin-1, no CR/LF."""
    return st.text(st.characters(min_codepoint=0x20, max_codepoint=0xFF, exclude_characters="\x7f"),
                   max_size=max_size)


def token_soup():
    return st.lists(st.sampled_from(SPARQL_TOKENS), max_size=40).map(" ".join)


def mutated(texts: list[str]):
    """A named query with a slice cut out, or random text pasted in, or both."""
    @st.composite
    def build(draw):
        text = draw(st.sampled_from(texts))
        start = draw(st.integers(0, len(text)))
        end = draw(st.integers(start, min(len(text), start + 40)))
        insert = draw(st.one_of(st.just(""), st.text(max_size=10), token_soup()))
        return text[:start] + insert + text[end:]
    return build()


def test_query_parameter(target, named_texts):
    budget = Budget()

    @FUZZ
    @given(query=st.one_of(st.text(max_size=200), token_soup(), mutated(named_texts)),
           route=st.sampled_from(["GET", "POST direct", "POST form"]))
    def property_(query, route):
        if budget.spent():
            return
        if route == "GET":
            answer = call(target.url, "GET", "/sparql?query=" + quote(query), timeout=REQUEST_TIMEOUT_S)
        elif route == "POST direct":
            answer = call(target.url, "POST", "/sparql", query.encode("utf-8", "surrogatepass"),
                          {"Content-Type": "application/sparql-query"}, timeout=REQUEST_TIMEOUT_S)
        else:
            body = urlencode({"query": query.encode("utf-8", "surrogatepass")})
            answer = call(target.url, "POST", "/sparql", body,
                          {"Content-Type": "application/x-www-form-urlencoded"}, timeout=REQUEST_TIMEOUT_S)
        check(answer, f"{route} {query!r} {query}")

    property_()


def test_format_and_accept_parameters(target):
    budget = Budget()
    accept = st.one_of(
        header_text(),
        st.lists(st.tuples(st.sampled_from(MEDIA_TYPES), st.one_of(st.none(), st.floats(-1, 2), header_text(5))),
                 max_size=4).map(lambda items: ", ".join(
                     m + ("" if q is None else f";q={q}") for m, q in items)),
    )

    @FUZZ
    @given(path=st.sampled_from([
        "/sparql?query=" + quote(SELECT), "/sparql?query=" + quote(CONSTRUCT), "/sparql?query=" + quote("ASK {}"),
        "/sparql?query=" + quote("DESCRIBE <https://w3id.org/polegraph/id/organisation/afpc>"), "/sparql?",
        "/catalog?", "/downloads/?", "/id/organisation/afpc?", "/?", "/queries?"]),
        fmt=st.one_of(st.none(), st.sampled_from(FORMATS), st.text(max_size=20)),
        accept=st.one_of(st.none(), accept))
    def property_(path, fmt, accept):
        if budget.spent():
            return
        url = path + ("" if fmt is None else ("&" if "=" in path else "") + "format=" + quote(fmt))
        headers = {} if accept is None else {"Accept": accept}
        check(call(target.url, "GET", url, headers=headers, timeout=REQUEST_TIMEOUT_S), f"{url} Accept: {accept!r}")

    property_()


def test_resource_and_download_paths(target):
    budget = Budget(30)

    @FUZZ
    @given(prefix=st.sampled_from(["/id/", "/id/pole/", "/downloads/", "/page/pole/", "/data/pole/", "/static/"]),
           rest=st.one_of(st.text(max_size=40), st.lists(st.sampled_from(TRAVERSAL_PARTS), max_size=8).map("/".join)))
    def property_(prefix, rest):
        if budget.spent():
            return
        path = prefix + quote(rest, safe="%/:@!$&'()*+,;=~")  # a % stays: an escape sequence to try
        answer = call(target.url, "GET", path, timeout=REQUEST_TIMEOUT_S)
        check(answer, f"{path} {prefix}{rest}")
        assert b"root:x:0:0" not in answer.body

    property_()


VALID_TURTLE = """@prefix pg: <https://w3id.org/polegraph/ontology#> .
@prefix rdfs: <http://www.w3.org/2000/01/rdf-schema#> .
<https://w3id.org/polegraph/id/pole/exemple> a pg:Pole ; rdfs:label "Exemple"@fr .
"""
json_values = st.recursive(
    st.one_of(st.none(), st.booleans(), st.integers(), st.floats(allow_nan=False), st.text(max_size=20)),
    lambda children: st.one_of(
        st.lists(children, max_size=4),
        st.dictionaries(st.one_of(st.sampled_from(["@id", "@type", "@value", "@language", "@graph", "@list",
                                                    "@vocab", "@base", "@reverse", "urn:p", "name"]),
                                  st.text(max_size=8)), children, max_size=4)),
    max_leaves=20,
)


@st.composite
def documents(draw) -> tuple[bytes, str]:
    kind = draw(st.sampled_from(["bytes", "text", "mutated turtle", "json-ld"]))
    media_type = draw(st.one_of(st.sampled_from(["text/turtle", "application/n-triples", "application/ld+json",
                                                 "application/rdf+xml", "application/trig", "application/n-quads",
                                                 "application/json", "text/plain"]), header_text(30)))
    if kind == "bytes":
        return draw(st.binary(min_size=1, max_size=300)), media_type
    if kind == "text":
        return draw(st.text(min_size=1, max_size=300)).encode("utf-8", "surrogatepass"), media_type
    if kind == "json-ld":
        context = draw(st.one_of(st.none(), st.just({"@vocab": "urn:v:"}), json_values))
        body = draw(json_values)
        if context is not None and isinstance(body, dict):
            body = {"@context": context, **body}
        return json.dumps(body).encode(), "application/ld+json"
    start = draw(st.integers(0, len(VALID_TURTLE)))
    end = draw(st.integers(start, min(len(VALID_TURTLE), start + 20)))
    return (VALID_TURTLE[:start] + draw(st.text(max_size=10)) + VALID_TURTLE[end:]).encode(), "text/turtle"


def test_validate_inputs(target):
    """Any parseable document costs a full inference + SHACL run (~3 s), hence a smaller budget."""
    budget = Budget(30)

    @FUZZ
    @given(document=documents())
    def property_(document):
        if budget.spent():
            return
        body, media_type = document
        answer = call(target.url, "POST", "/validate", body, {"Content-Type": media_type}, timeout=REQUEST_TIMEOUT_S)
        check(answer, f"{media_type} {body!r} {body.decode('utf-8', 'replace')}")

    property_()
