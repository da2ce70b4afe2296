"""The list of every class's instances, as tables: which classes have lists, their columns and facets.

Each family is a class with the columns that matter for it (a pôle: president, territories, value
chains, number of initiatives; an initiative: kind, lead, funders, amounts, years…) and the facets a
reader filters by (region, value chain, kind, section). Every other class of the project with
instances gets a plain list (name, kind, sections). The rows are computed by web/content/browse.py.
"""

from __future__ import annotations

from dataclasses import dataclass

from polegraph.vocab import PG

P = str(PG)
TERRITORIES = f"<{P}targetsTerritory>|<{P}locatedIn>|<{P}hasPresenceIn>|<{P}jurisdiction>"
IN_INITIATIVES = "|".join(f"<{P}{p}>" for p in (
    "leads", "coordinates", "operates", "animates", "initiated", "founded", "organises", "partnerIn",
    "participatesIn", "supports", "funds", "laureateOf", "beneficiaryOf"))
LEADS = "|".join(f"<{P}{p}>" for p in ("ledBy", "coordinatedBy", "operatedBy", "animatedBy", "initiatedBy"))


@dataclass(frozen=True)
class Column:
    """One column: its key (message `list.col.{key}`), what a cell holds, and the SPARQL path (from the row's
    resource) or the computed value it shows."""

    key: str
    kind: str  # "links" (resources), "count", "text" (literals), "amounts", "years", "kind", "number"
    path: str = ""  # a SPARQL property path from ?x; for "count", to the things counted
    target: str = ""  # the class the path's values must have (counts, regions)


NAME = Column("name", "name")
KIND = Column("kind", "kind")
SECTIONS = Column("sections", "links", f"<{P}statedIn>")


@dataclass(frozen=True)
class Family:
    """A list page: the class it lists (`excluded` instances left out), where it lives, its columns and
    facets."""

    name: str  # the path, /{name}
    cls: str
    columns: tuple[Column, ...]
    facets: tuple[str, ...] = ("section",)
    excluded: str = ""
    default_sort: str = "name"


FAMILIES = (
    Family("poles", P + "Pole", (
        NAME,
        Column("president", "links", f"<{P}president>"),
        Column("territories", "links", TERRITORIES),
        Column("valuechains", "links", f"<{P}structuresValueChain>"),
        Column("initiatives", "count", IN_INITIATIVES, P + "Initiative"),
    ), ("region", "valuechain", "section")),
    Family("people", P + "Person", (
        NAME, Column("roles", "text", f"<{P}holdsRole>/<{P}titleAsWritten>"),
        Column("organisations", "links", f"<{P}holdsRole>/<{P}roleIn>"), SECTIONS,
    )),
    Family("initiatives", P + "Initiative", (
        NAME, KIND, Column("lead", "links", LEADS),
        Column("funders", "links", f"<{P}fundedBy>"),
        Column("amounts", "amounts", f"^<{P}figureOf>", P + "MonetaryAmount"),
        Column("years", "years"),
        Column("valuechains", "links", f"<{P}concernsValueChain>"),
    ), ("kind", "region", "valuechain", "section")),
    Family("organisations", P + "Organisation", (
        NAME, KIND, Column("territories", "links", TERRITORIES),
        Column("initiatives", "count", IN_INITIATIVES, P + "Initiative"),
        Column("networks", "links", f"<{P}memberOf>"),
    ), ("kind", "region", "section"), excluded=P + "Pole"),
    Family("value-chains", P + "ValueChain", (
        NAME, Column("broader", "links", "<http://www.w3.org/2004/02/skos/core#broader>"),
        Column("poles", "count", f"^<{P}structuresValueChain>", P + "Pole"),
        Column("initiatives", "count", f"^<{P}concernsValueChain>", P + "Initiative"),
    )),
    Family("places", P + "Place", (
        NAME, KIND, Column("region", "links", f"<{P}inRegion>"),
        Column("actors", "count", f"^({TERRITORIES})", P + "Organisation"),
    ), ("kind", "section")),
    Family("figures", P + "Figure", (
        NAME, Column("about", "links", f"<{P}figureOf>"), Column("value", "number"),
        Column("measure", "links", f"<{P}measures>"), Column("years", "years"),
    ), ("measure", "section")),
    Family("sections", P + "ManifestoSection", (
        Column("number", "text", f"<{P}printedNumber>"), NAME,
        Column("heading", "text", f"<{P}printedHeading>"),
        Column("paragraphs", "count", "^<http://purl.org/dc/terms/isPartOf>", P + "Paragraph"),
    ), (), default_sort="order"),
)
BY_NAME = {family.name: family for family in FAMILIES}
PAGE_SIZE = 100


def plain_family(cls: str) -> Family:
    """The list of a class no family covers: name, kind and the sections that state each."""
    return Family("class/" + cls[len(P):], cls, (NAME, KIND, SECTIONS), ("kind", "section"))


# Facets: the SPARQL path from ?x to the facet's values, and the class those values have.
FACETS = {
    "region": (f"({TERRITORIES}|<{P}inRegion>)/<{P}inRegion>?", P + "Region"),
    "valuechain": (f"<{P}structuresValueChain>|<{P}concernsValueChain>", P + "ValueChain"),
    "section": (f"<{P}statedIn>", P + "ManifestoSection"),
    "measure": (f"<{P}measures>", P + "Measure"),
}
