"""What matters first on a resource page: a one-line summary and the facts a reader asks for, per class.

A journalist opening a pôle wants who presides it, where it works, its value chains, the initiatives
it leads or joins (and in what role), who funds them, its partners, its figures and its networks;
for an initiative: who leads it and with whom, who funds it and how much, its value chains, dates
and sites; for a person: the posts held and where. The facts come from the page's description
(web/content/describe.py), so each keeps the paragraphs that state it; the full table of statements
stays below them. The summary line is composed from the same facts in the reader's language.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from polegraph.query.backend import Backend
from polegraph.vocab import PG
from polegraph.web.content.describe import Description, Source, Value
from polegraph.web.content.terms import Term, iri_list, labels, schema

P = str(PG)
TERRITORY = (P + "targetsTerritory", P + "locatedIn", P + "hasPresenceIn", P + "jurisdiction", P + "inRegion")
ROLES_IN_INITIATIVES = tuple(P + p for p in (
    "leads", "coordinates", "operates", "animates", "initiated", "founded", "organises", "partnerIn",
    "participatesIn", "supports", "funds", "laureateOf", "beneficiaryOf", "chairs", "evaluates", "labels"))
LEADS = tuple(P + p for p in ("ledBy", "coordinatedBy", "operatedBy", "animatedBy", "initiatedBy", "organisedBy",
                              "foundedBy", "commissionedBy", "chairedBy"))
PARTNERS = tuple(P + p for p in ("hasPartner", "hasParticipant", "supportedBy", "hasLaureate", "hasBeneficiary",
                                 "evaluatedBy", "labelledBy"))
DATES = tuple(P + p for p in ("startYear", "endYear", "year", "date", "horizonYear"))

# Per class (the first that the resource's main type is or refines): (heading key, predicates,
# whether each predicate gets its own row named by it — the role a pôle plays in an initiative).
PROFILES: tuple[tuple[str, tuple[tuple[str, tuple[str, ...], bool], ...]], ...] = (
    (P + "Pole", (
        ("profile.president", (P + "president",), False),
        ("profile.territories", TERRITORY, False),
        ("profile.valuechains", (P + "structuresValueChain",), False),
        ("profile.initiatives", ROLES_IN_INITIATIVES, True),
        ("profile.funders", (), False),
        ("profile.partners", (P + "partnerOf",), False),
        ("profile.figures", (), False),
        ("profile.networks", (P + "memberOf", P + "foundingMemberOf", P + "mandatedBy"), True),
    )),
    (P + "Initiative", (
        ("profile.lead", LEADS, True),
        ("profile.partners", PARTNERS, True),
        ("profile.funders", (P + "fundedBy",), False),
        ("profile.figures", (), False),
        ("profile.valuechains", (P + "concernsValueChain",), False),
        ("profile.dates", DATES, True),
        ("profile.sites", (P + "locatedIn", P + "targetsTerritory"), False),
        ("profile.parts", (P + "partOf", P + "hasPart"), True),
    )),
    (P + "Person", (
        ("profile.roles", (), False),
        ("profile.presides", (P + "presidentOf",), False),
    )),
    (P + "Organisation", (
        ("profile.territories", TERRITORY, False),
        ("profile.valuechains", (P + "structuresValueChain",), False),
        ("profile.initiatives", ROLES_IN_INITIATIVES, True),
        ("profile.figures", (), False),
        ("profile.networks", (P + "memberOf", P + "foundingMemberOf", P + "hasMember", P + "partnerOf",
                              P + "mandatedBy", P + "mandates"), True),
    )),
    (P + "Place", (("profile.territories", (P + "inRegion", P + "partOf"), False),)),
    (P + "ValueChain", (("profile.broader", ("http://www.w3.org/2004/02/skos/core#broader",
                                             "http://www.w3.org/2004/02/skos/core#narrower"), True),)),
    (P + "Figure", (("profile.about", (P + "figureOf", P + "measures", P + "source") + DATES, True),)),
    (P + "Mandate", (("profile.mandate", (P + "mandator", P + "mandatee", P + "mandateFor", P + "startYear"), True),)),
    (P + "Role", (("profile.role", (P + "titleAsWritten", P + "roleIn"), True),)),
)


@dataclass
class Row:
    label: str  # the predicate's name when rows are named by it, else ""
    values: list[Value]
    note: str = ""  # what a value was reached through (a funder: the initiative it funds)


@dataclass
class Group:
    key: str  # the message key of its heading
    rows: list[Row] = field(default_factory=list)


@dataclass
class Profile:
    summary: list[tuple[str, str]]  # (what, text): the parts of the one-line summary
    groups: list[Group]
    kind: str  # which profile applied (the class IRI), "" for none
    has_figures: bool = False  # the figures have their place among the groups


def _family(store: Backend, d: Description) -> tuple[str, tuple]:
    if d.main_type is None:
        return "", ()
    above = schema(store).superclasses.get(d.main_type.value, set()) | {d.main_type.value}
    return next(((cls, groups) for cls, groups in PROFILES if cls in above), ("", ()))


def _values(d: Description, predicate: str) -> list[Value]:
    statement = d.statement(predicate)
    return list(statement.objects) if statement else []


def profile(store: Backend, d: Description, lang: str) -> Profile:
    """The summary line and the ordered facts of `d` (see the module docstring)."""
    kind, groups = _family(store, d)
    out = []
    for key, predicates, by_role in groups:
        group = Group(key)
        if key == "profile.figures":
            if d.figures:
                out.append(group)  # the page shows the description's figures table here
            continue
        if key == "profile.funders" and kind == P + "Pole":
            group.rows = _funders_through_initiatives(store, d.iri, lang)
        elif key == "profile.roles":
            group.rows = _roles(store, d.iri, lang)
        elif by_role:
            group.rows = [Row(d.statement(p).predicate.label, _values(d, p)) for p in predicates if _values(d, p)]
        else:
            values = [v for p in predicates for v in _values(d, p)]
            group.rows = [Row("", _unique(values))] if values else []
        if group.rows:
            out.append(group)
    return Profile(_summary(d, out), out, kind, any(g.key == "profile.figures" for g in out))


def _unique(values: list[Value]) -> list[Value]:
    seen, kept = set(), []
    for value in values:
        if value.term.value not in seen:
            seen.add(value.term.value)
            kept.append(value)
    return kept


def _summary(d: Description, groups: list[Group]) -> list[tuple[str, str]]:
    """(what, text) pairs: kind, where, who presides or leads, what it works on, when — the first values
    of the matching groups, each written by the template with its message summary.{what}."""
    parts = [("kind", d.main_type.label)] if d.main_type else []
    by_key = {g.key: g for g in groups}
    for what in ("territories", "sites", "president", "lead", "roles", "valuechains", "dates"):
        group = by_key.get("profile." + what)
        if group is None:
            continue
        if what in ("lead", "dates", "roles"):
            names = [f"{row.label} {row.values[0].term.label}".strip() for row in group.rows[:2] if row.values]
        else:
            names = [v.term.label for row in group.rows for v in row.values][:3]
        if names:
            parts.append((what, ", ".join(names)))
    return parts


def _funders_through_initiatives(store: Backend, iri: str, lang: str) -> list[Row]:
    """Who funds the initiatives the pôle takes part in, each with the initiative it funds."""
    roles = iri_list(ROLES_IN_INITIATIVES[:-1])
    rows = store.query(f"SELECT DISTINCT ?funder ?initiative WHERE {{ VALUES ?role {{ {roles} }} "
                       f"<{iri}> ?role ?initiative . ?initiative <{P}fundedBy> ?funder FILTER(?funder != <{iri}>) }}")
    pairs = [(r["funder"].value, r["initiative"].value) for r in rows]
    names = labels(store, {x for pair in pairs for x in pair}, lang)
    by_funder: dict[str, list[str]] = {}
    for funder, initiative in pairs:
        by_funder.setdefault(funder, []).append(names[initiative])
    return [Row("", [Value(Term(f, True, names[f]), (), False)], note=", ".join(sorted(via)))
            for f, via in sorted(by_funder.items(), key=lambda item: names[item[0]].casefold())]


def _roles(store: Backend, iri: str, lang: str) -> list[Row]:
    """A person's posts: the title as written, and the organisation of each."""
    rows = list(store.query(f"SELECT ?role ?title ?org WHERE {{ <{iri}> <{P}holdsRole> ?role . "
                            f"OPTIONAL {{ ?role <{P}titleAsWritten> ?title }} "
                            f"OPTIONAL {{ ?role <{P}roleIn> ?org }} }}"))
    names = labels(store, {r[v].value for r in rows for v in ("role", "org") if r[v] is not None}, lang)
    out, seen = [], set()
    for r in rows:
        if r["role"].value in seen:
            continue
        seen.add(r["role"].value)
        title = r["title"].value if r["title"] is not None else names[r["role"].value]
        org = r["org"]
        values = [Value(Term(org.value, True, names[org.value]), (), False)] if org is not None else []
        out.append(Row(title, values))
    return out


__all__ = ["Group", "Profile", "Row", "Source", "profile"]
