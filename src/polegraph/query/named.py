"""Named queries: the `.rq` files of queries/, each a titled, described, runnable object.

The same objects feed the CLI (`polegraph query NAME --param k=v`), the pages of /queries/, the query
editor's examples and the tests. A file starts with a header of comment lines:

    # title: Which pôles work on a value chain
    # description: One or two sentences on what the query answers,
    #   continued on further comment lines if needed.
    # title@fr: Quels pôles travaillent sur une filière
    # description@fr: The same in French, for the French interface.
    # topic: industry, network
    # starter: 2
    # param: chain iri pg:ValueChain = filiere:hydrogene
    # param-label@fr: chain filière

The English title is required; the other fields are optional. `topic` names one or more of TOPICS
(the first is where the query is listed); `starter` ranks the questions shown first to a newcomer.
A `param` line declares a parameter: its name (the query's variable, left unbound in the text), its
type (`iri` of a class, `year`, `integer` or `string`) and its default. A value is never pasted into
the query: it is checked against the type (an IRI must be one of the resources of the class in the
release) and bound to the variable by the engine (SEP-0007 substitution, see `QueryRequest`).
"""

from __future__ import annotations

import re
import weakref
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path

from polegraph.errors import PolegraphError, QueryError
from polegraph.query.backend import sparql_term
from polegraph.query.guard import with_values
from polegraph.vocab import ID, PREFIXES, XSD

_HEADER = re.compile(r"^#\s*(title|description|topic|starter|param|param-label)(?:@([a-z]{2}))?\s*:\s*(.*)$", re.I)
_PARAM = re.compile(r"^(?P<name>[A-Za-z_]\w*)\s+(?P<kind>iri|year|integer|string)"
                    r"(?:\s+(?P<cls>\S+))?\s*(?:=\s*(?P<default>.*))?$")
LANGUAGES = ("en", "fr")  # en: the default fields
# The parts of the manifesto the questions are grouped by, in the order a reader meets them.
TOPICS = ("figures", "network", "sovereignty", "industry", "public-action", "transitions", "europe", "skills",
          "health", "regions", "reading")
KINDS = ("iri", "year", "integer", "string")
_ALLOWED: weakref.WeakKeyDictionary = weakref.WeakKeyDictionary()


class ParameterError(QueryError):
    """A parameter's value is not one the named query accepts."""

    kind = "bad-parameter"


def expand(value: str) -> str:
    """A prefixed name of the project's prefixes (`filiere:hydrogene`) as a full IRI; others unchanged."""
    prefix, colon, local = value.partition(":")
    if colon and prefix in PREFIXES and not local.startswith("//"):
        return PREFIXES[prefix] + local
    return value


@dataclass(frozen=True)
class Parameter:
    """One declared parameter: `kind` is iri, year, integer or string; `cls` the class of an IRI's
    resources; `default` the value used when none is given (a full IRI for an IRI parameter)."""

    name: str
    kind: str
    default: str
    cls: str = ""
    label: str = ""
    label_fr: str = ""

    def label_in(self, language: str) -> str:
        return (self.label_fr if language == "fr" else "") or self.label


@dataclass(frozen=True)
class NamedQuery:
    name: str
    title: str
    description: str
    text: str
    path: Path
    title_fr: str = ""
    description_fr: str = ""
    topics: tuple[str, ...] = ()
    starter: int | None = None
    parameters: tuple[Parameter, ...] = field(default_factory=tuple)

    def title_in(self, language: str) -> str:
        """The title in `language` ("fr" or "en"), else the English one."""
        return (self.title_fr if language == "fr" else "") or self.title

    def description_in(self, language: str) -> str:
        return (self.description_fr if language == "fr" else "") or self.description

    @property
    def topic(self) -> str:
        """The topic the query is listed under."""
        return self.topics[0] if self.topics else "reading"

    def values(self, given: Mapping[str, str], allowed: Mapping[str, list[str]]) -> dict[str, str]:
        """Every parameter's value (given or default), checked: {name: lexical value, IRIs in full}.

        `allowed` maps an IRI parameter's name to the resources of its class in the release. Unknown
        names and unacceptable values raise ParameterError, naming what is accepted."""
        declared = {p.name: p for p in self.parameters}
        unknown = sorted(set(given) - set(declared))
        if unknown:
            accepted = ", ".join(declared) or "none"
            raise ParameterError(f"{self.name} has no parameter {', '.join(unknown)} (its parameters: {accepted})")
        return {p.name: check_value(p, given.get(p.name, p.default), allowed.get(p.name, [])) for p in self.parameters}

    def substitutions(self, values: Mapping[str, str]) -> dict[str, dict]:
        """Checked `values` as the terms to bind (SPARQL JSON terms, the shape a QueryRequest carries)."""
        return {p.name: term(p, values[p.name]) for p in self.parameters if p.name in values}

    def text_with(self, values: Mapping[str, str] | None = None) -> str:
        """The text with checked `values` (default: each parameter's default) written as a VALUES block:
        the question as the editor opens it, for a reader or a client that sends text only."""
        values = {p.name: p.default for p in self.parameters} if values is None else values
        terms = {name: sparql_term(term) for name, term in self.substitutions(values).items()}
        return with_values(self.text, terms)


def check_value(parameter: Parameter, value: str, allowed: list[str]) -> str:
    """`value` as the parameter accepts it, or ParameterError saying what it accepts."""
    value = (value or "").strip()
    if parameter.kind == "iri":
        iri = expand(value)
        if iri in allowed:
            return iri
        by_slug = [a for a in allowed if a.rsplit("/", 1)[-1] == value]  # `hydrogene` for filiere:hydrogene
        if len(by_slug) == 1:
            return by_slug[0]
        examples = ", ".join(a.rsplit("/", 1)[-1] for a in allowed[:8])
        raise ParameterError(f"{parameter.name}: {value!r} is not one of the {len(allowed)} resources of "
                             f"{_short(parameter.cls)} in this release (for example: {examples})")
    if parameter.kind in ("year", "integer"):
        if not re.fullmatch(r"-?\d{1,9}", value) or (parameter.kind == "year" and not re.fullmatch(r"\d{4}", value)):
            wanted = "a year of four digits" if parameter.kind == "year" else "a whole number"
            raise ParameterError(f"{parameter.name}: {value!r} is not {wanted}")
        return str(int(value)) if parameter.kind == "integer" else value
    if len(value) > 200:
        raise ParameterError(f"{parameter.name}: a text of at most 200 characters")
    return value


def term(parameter: Parameter, value: str) -> dict:
    """The SPARQL JSON term a checked value is bound as (a year is an xsd:gYear, as the data writes years)."""
    if parameter.kind == "iri":
        return {"type": "uri", "value": value}
    if parameter.kind == "year":
        return {"type": "literal", "value": value, "datatype": XSD + "gYear"}
    if parameter.kind == "integer":
        return {"type": "literal", "value": value, "datatype": XSD + "integer"}
    return {"type": "literal", "value": value}


def _short(iri: str) -> str:
    for prefix, namespace in PREFIXES.items():
        if iri.startswith(namespace):
            return f"{prefix}:{iri[len(namespace):]}"
    return iri


def allowed_values(backend, query: NamedQuery) -> dict[str, list[str]]:
    """For each IRI parameter of `query`, the project's resources of its class in the release served by
    `backend` (a Backend), sorted; computed once per backend and class."""
    known = _ALLOWED.setdefault(backend, {})
    out = {}
    for p in query.parameters:
        if p.kind != "iri":
            continue
        if p.cls not in known:
            rows = backend.select(f'SELECT DISTINCT ?r WHERE {{ ?r a <{p.cls}> FILTER(STRSTARTS(STR(?r), "{ID}")) }}')
            known[p.cls] = sorted(row["r"] for row in rows)
        out[p.name] = known[p.cls]
    return out


def _parameter(path: Path, text: str) -> Parameter:
    match = _PARAM.match(text.strip())
    if not match:
        raise PolegraphError(f"{path}: '# param: {text}' — write '# param: NAME TYPE [CLASS] = DEFAULT' with TYPE "
                             f"one of {', '.join(KINDS)}")
    kind, cls, default = match.group("kind"), match.group("cls") or "", (match.group("default") or "").strip()
    if kind == "iri" and not cls:
        raise PolegraphError(f"{path}: the IRI parameter {match.group('name')} needs the class of its values")
    if not default:
        raise PolegraphError(f"{path}: the parameter {match.group('name')} needs a default ('= VALUE')")
    return Parameter(name=match.group("name"), kind=kind, cls=expand(cls),
                     default=expand(default) if kind == "iri" else default.strip('"'))


def read_query(path: Path) -> NamedQuery:
    """Read one `.rq` file; its header must give a title."""
    text = path.read_text(encoding="utf-8")
    fields: dict[str, str] = {}
    parameters: list[Parameter] = []
    labels: dict[tuple[str, str], str] = {}
    key = None
    for line in text.splitlines():
        if not line.startswith("#"):
            break
        match = _HEADER.match(line)
        if match:
            field_name, language = match.group(1).lower(), (match.group(2) or "en").lower()
            value = match.group(3).strip()
            if language not in LANGUAGES:
                raise PolegraphError(f"{path}: '{field_name}@{language}' — a named query's header is in "
                                     f"{' or '.join(LANGUAGES)}")
            key = None
            if field_name == "param":
                parameters.append(_parameter(path, value))
            elif field_name == "param-label":
                name, _, label = value.partition(" ")
                labels[(name, language)] = label.strip()
            else:
                key = field_name if language == "en" else f"{field_name}_{language}"
                fields[key] = value
        elif key in ("title", "description", "title_fr", "description_fr"):  # an indented line continues it
            fields[key] = f"{fields[key]} {line.lstrip('#').strip()}".strip()
    if "title" not in fields:
        raise PolegraphError(f"{path}: a named query needs a '# title:' line in its header")
    topics = tuple(t.strip() for t in fields.get("topic", "").split(",") if t.strip())
    unknown = [t for t in topics if t not in TOPICS]
    if unknown:
        raise PolegraphError(f"{path}: unknown topic {', '.join(unknown)} (topics: {', '.join(TOPICS)})")
    starter = fields.get("starter", "")
    if starter and not starter.isdigit():
        raise PolegraphError(f"{path}: '# starter:' takes a rank (1 comes first)")
    parameters = [Parameter(p.name, p.kind, p.default, p.cls, labels.get((p.name, "en"), ""),
                            labels.get((p.name, "fr"), "")) for p in parameters]
    return NamedQuery(name=path.stem, title=fields["title"], description=fields.get("description", ""),
                      text=text, path=path, title_fr=fields.get("title_fr", ""),
                      description_fr=fields.get("description_fr", ""), topics=topics,
                      starter=int(starter) if starter else None, parameters=tuple(parameters))


def load_queries(folder: Path) -> dict[str, NamedQuery]:
    """Every named query of a folder, by name (the file name without `.rq`), in name order."""
    if not folder.is_dir():
        return {}
    return {q.name: q for q in map(read_query, sorted(folder.glob("*.rq")))}


def parse_assignments(pairs: list[str] | tuple[str, ...]) -> dict[str, str]:
    """`["chain=hydrogene", …]` (the CLI's --param options) as {name: value}."""
    out = {}
    for pair in pairs:
        name, equals, value = pair.partition("=")
        if not equals or not name.strip():
            raise ParameterError(f"--param {pair!r}: write NAME=VALUE")
        out[name.strip()] = value.strip()
    return out
