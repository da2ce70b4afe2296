"""Checks on a SPARQL request before it reaches the engine: read-only, no outbound traffic, own graphs only.

pyoxigraph does not expose its parse tree, and rdflib's parser rejects syntax Oxigraph accepts (and is
slow), so the checks walk a token stream from a careful SPARQL lexer instead: strings, comments, IRIs,
variables, prefixed names and language tags are whole tokens, so a keyword can only be seen where the
engine would see one. Anything the lexer cannot place (a stray backslash) is refused rather than guessed.
The engine then parses the same text for real; a syntax error is reported with its line and column.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from urllib.parse import urljoin

from polegraph.errors import QueryError
from polegraph.vocab import RDFS, SKOS

_NAME_CHAR = r"[\w.\-\u00B7\u0300-\u036F\u203F-\u2040]"
_PLX = r"%[0-9A-Fa-f]{2}|\\[_~.\-!$&'()*+,;=/?#@%]"
_LOCAL = re.compile(
    rf"(?:[\w:]|{_PLX})"
    rf"(?:(?:[\w.:\-\u00B7\u0300-\u036F\u203F-\u2040]|{_PLX})*(?:[\w:\-\u00B7\u0300-\u036F\u203F-\u2040]|{_PLX}))?"
)
_TOKEN = re.compile(
    rf"""
    (?P<ws>\s+)
  | (?P<comment>\#[^\r\n]*)
  | (?P<iri><(?:[^<>"{{}}|^`\\\x00-\x20]|\\u[0-9A-Fa-f]{{4}}|\\U[0-9A-Fa-f]{{8}})*>)
  | (?P<string>\"\"\"(?:(?:\"|\"\")?(?:[^\"\\]|\\.))*\"\"\"
              | '''(?:(?:'|'')?(?:[^'\\]|\\.))*'''
              | "(?:[^"\\\n\r]|\\.)*"
              | '(?:[^'\\\n\r]|\\.)*')
  | (?P<var>[?$][\w\u00B7\u0300-\u036F\u203F-\u2040]+)
  | (?P<lang>@[A-Za-z]+(?:-[A-Za-z0-9]+)*)
  | (?P<name>[^\W\d]{_NAME_CHAR}*+)
  | (?P<colon>:)
  | (?P<number>\d+(?:\.\d*)?(?:[eE][+-]?\d+)?|\.\d+(?:[eE][+-]?\d+)?)
  | (?P<other>.)
    """,
    re.VERBOSE | re.DOTALL,
)
# Inside a run of name characters not followed by ':' (so no prefixed name): words and the rest.
_IN_RUN = re.compile(r"(?P<word>[^\W\d]\w*)|(?P<other>\d+|.)", re.DOTALL)
QUERY_FORMS = {"SELECT", "CONSTRUCT", "DESCRIBE", "ASK"}
UPDATE_KEYWORDS = {"INSERT", "DELETE", "LOAD", "CLEAR", "DROP", "CREATE", "ADD", "MOVE", "COPY", "WITH", "USING"}


@dataclass(frozen=True)
class Token:
    kind: str
    text: str
    start: int

    @property
    def keyword(self) -> str:
        return self.text.upper() if self.kind == "word" else ""


@dataclass
class CheckedQuery:
    """A query that passed the checks: its form, and what the engine needs to run it."""

    text: str
    form: str  # SELECT, CONSTRUCT, DESCRIBE or ASK
    tokens: list[Token] = field(repr=False, default_factory=list)
    prefixes: dict[str, str] = field(default_factory=dict)
    base: str | None = None
    form_index: int = 0  # index in `tokens` of the query-form keyword
    has_dataset_clause: bool = False  # FROM / FROM NAMED: then the query's dataset replaces the union
    # cache.normalised_text's result, kept with the checked query (the guard memo reuses this object)
    normalised: str | None = field(default=None, repr=False, compare=False)


def tokenize(text: str) -> list[Token]:
    """The significant tokens of `text` (no whitespace, no comments), in linear time.

    A run of name characters is read once: followed by ':' it is the prefix of a prefixed name (then
    its local part is read); otherwise it is split into words, and no prefixed name starts inside it.
    """
    tokens: list[Token] = []
    pos = 0
    while pos < len(text):
        match = _TOKEN.match(text, pos)
        kind, start, pos = match.lastgroup or "other", match.start(), match.end()
        if kind in ("ws", "comment"):
            continue
        if kind == "other" and match.group() == "\\":
            raise QueryError("SPARQL syntax error: unexpected backslash", *_position(text, start))
        if kind == "colon" or (kind == "name" and text.startswith(":", pos) and not match.group().endswith(".")):
            pos += 1 if kind == "name" else 0
            local = _LOCAL.match(text, pos)
            pos = local.end() if local else pos
            tokens.append(Token("pname", text[start:pos], start))
        elif kind == "name":
            tokens.extend(Token(sub.lastgroup or "other", sub.group(), start + sub.start())
                          for sub in _IN_RUN.finditer(match.group()))
        else:
            tokens.append(Token(kind, match.group(), start))
    return tokens


def _position(text: str, offset: int) -> tuple[int, int]:
    line = text.count("\n", 0, offset) + 1
    return line, offset - (text.rfind("\n", 0, offset) + 1) + 1


def _refuse(text: str, token: Token, message: str) -> QueryError:
    return QueryError(message, *_position(text, token.start))


def _resolve(token: Token, prefixes: dict[str, str], base: str | None) -> str | None:
    """The absolute IRI a token names, or None when it cannot be resolved here."""
    if token.kind == "iri":
        iri = token.text[1:-1]
        return urljoin(base, iri) if base and not re.match(r"^[A-Za-z][A-Za-z0-9+.\-]*:", iri) else iri
    if token.kind == "pname":
        prefix, _, local = token.text.partition(":")
        if prefix in prefixes:
            return prefixes[prefix] + re.sub(r"\\(.)", r"\1", local)
    return None


MAX_NESTING = 200  # no real query comes near it; thousands of levels crash the parser


def check_query(text: str, allowed_graphs: set[str], base_iri: str | None = None) -> CheckedQuery:
    """Refuse updates, SERVICE and dataset clauses naming other graphs; return the query's form.

    Raises QueryError (a 400) with a message saying what is refused and why.
    """
    tokens = tokenize(text)
    prefixes: dict[str, str] = {}
    base = base_iri
    form, form_index, has_dataset_clause = "", -1, False
    depth = 0
    i = 0
    while i < len(tokens):
        token = tokens[i]
        keyword = token.keyword
        if token.kind == "other" and token.text in "{([":
            depth += 1
            if depth > MAX_NESTING:  # Oxigraph's recursive parser would overflow its stack
                raise _refuse(text, token, f"the query nests groups, brackets or lists more than {MAX_NESTING} "
                                           "levels deep; flatten it")
        elif token.kind == "other" and token.text in "})]":
            depth -= 1
        if keyword == "SERVICE":
            raise _refuse(text, token, "SERVICE is not allowed: this endpoint never calls other services; "
                                       "query the project's own graphs")
        if keyword in UPDATE_KEYWORDS:
            raise _refuse(text, token, f"{keyword} is an update operation: this endpoint is read-only")
        if keyword == "PREFIX" and i + 2 < len(tokens) and tokens[i + 1].kind == "pname" \
                and tokens[i + 2].kind == "iri":
            resolved = _resolve(tokens[i + 2], prefixes, base)
            prefixes[tokens[i + 1].text.rstrip(":")] = resolved or ""
        elif keyword == "BASE" and i + 1 < len(tokens) and tokens[i + 1].kind == "iri":
            base = _resolve(tokens[i + 1], prefixes, base)
        elif keyword in QUERY_FORMS and not form:
            form, form_index = keyword, i
        elif keyword == "FROM":
            has_dataset_clause = True
            j = i + 1
            if j < len(tokens) and tokens[j].keyword == "NAMED":
                j += 1
            target = tokens[j] if j < len(tokens) else token
            iri = _resolve(target, prefixes, base)
            if iri not in allowed_graphs:
                shown = iri or target.text
                raise _refuse(text, target, f"FROM <{shown}> is not one of this dataset's graphs: the endpoint "
                                            "never loads documents from elsewhere (see the service description "
                                            "for the graphs it serves)")
        i += 1
    if not form:
        raise QueryError("not a SPARQL query: expected SELECT, CONSTRUCT, DESCRIBE or ASK")
    return CheckedQuery(text=text, form=form, tokens=tokens, prefixes=prefixes, base=base, form_index=form_index,
                        has_dataset_clause=has_dataset_clause)


def check_dataset_parameters(default_graphs: list[str], named_graphs: list[str], allowed_graphs: set[str]) -> None:
    """default-graph-uri and named-graph-uri may only name the release's own graphs."""
    for name, values in (("default-graph-uri", default_graphs), ("named-graph-uri", named_graphs)):
        for iri in values:
            if iri not in allowed_graphs:
                raise QueryError(f"{name} <{iri}> is not one of this dataset's graphs: the endpoint never "
                                 "loads documents from elsewhere (see the service description for its graphs)")


DESCRIBE_LABELS = (RDFS + "label", SKOS + "prefLabel")


def rewrite_describe(checked: CheckedQuery) -> str | None:
    """DESCRIBE as a CONSTRUCT giving a useful description, or None to leave it to the engine.

    The description of a resource: every statement it is the subject of, and the labels of the
    properties and resources those statements link to (Oxigraph's own DESCRIBE gives only the first part).
    """
    if checked.form != "DESCRIBE":
        return None
    tokens, text = checked.tokens, checked.text
    i = checked.form_index + 1
    iris, variables = [], []
    while i < len(tokens) and tokens[i].kind in ("iri", "pname", "var"):
        (variables if tokens[i].kind == "var" else iris).append(tokens[i].text)
        i += 1
    if not iris and not variables:
        return None  # DESCRIBE * : the engine's own description
    prologue = text[: tokens[checked.form_index].start]
    dataset_clause, where = _split_dataset_clause(tokens, i, text)
    if variables and where is None:
        return None
    sources = []
    if iris:
        sources.append("{ VALUES ?__r { " + " ".join(iris) + " } }")
    for var in variables:
        sources.append(f"{{ SELECT DISTINCT ({var} AS ?__r) {where} }}")
    labels = " ".join(f"<{p}>" for p in DESCRIBE_LABELS)
    return (
        f"{prologue}CONSTRUCT {{ ?__r ?__p ?__o . ?__p ?__pl ?__plv . ?__o ?__ol ?__olv }} {dataset_clause} "
        f"WHERE {{ {' UNION '.join(sources)} ?__r ?__p ?__o . "
        f"OPTIONAL {{ VALUES ?__pl {{ {labels} }} ?__p ?__pl ?__plv }} "
        f"OPTIONAL {{ FILTER(!isLiteral(?__o)) VALUES ?__ol {{ {labels} }} ?__o ?__ol ?__olv }} }}"
    )


def _split_dataset_clause(tokens: list[Token], i: int, text: str) -> tuple[str, str | None]:
    """(the FROM clauses' text, the WHERE clause with its solution modifiers, or None) after DESCRIBE targets."""
    start = i
    while i < len(tokens) and tokens[i].keyword == "FROM":
        i += 2 if i + 1 < len(tokens) and tokens[i + 1].keyword != "NAMED" else 3
    end = tokens[i].start if i < len(tokens) else len(text)
    dataset_clause = text[tokens[start].start:end] if start < len(tokens) and start < i else ""
    if i >= len(tokens):
        return dataset_clause, None
    return dataset_clause, text[tokens[i].start:]


def with_values(text: str, terms: dict[str, str]) -> str:
    """`text` with a VALUES block binding each variable of `terms` (name → a term in SPARQL syntax) first in
    its WHERE clause: what a substitution means, for a reader (the editor) or a store that only takes text.

    The terms must be checked and written by the caller (named.py checks them, backend.sparql_term writes
    them); this only finds where they go."""
    if not terms:
        return text
    tokens = tokenize(text)
    form_index = next((i for i, t in enumerate(tokens) if t.keyword in QUERY_FORMS), None)
    if form_index is None:
        raise QueryError("not a SPARQL query: expected SELECT, CONSTRUCT, DESCRIBE or ASK")
    start = form_index + 1
    if tokens[form_index].keyword == "CONSTRUCT":
        start = next((i for i in range(start, len(tokens)) if tokens[i].keyword == "WHERE"), start)
    brace = next((t for t in tokens[start:] if t.kind == "other" and t.text == "{"), None)
    if brace is None:
        raise QueryError("no WHERE clause to bind the parameters in")
    names = " ".join(f"?{name}" for name in terms)
    values = " ".join(terms.values())
    block = f"\n  VALUES ({names}) {{ ({values}) }}"
    return text[:brace.start + 1] + block + text[brace.start + 1:]
