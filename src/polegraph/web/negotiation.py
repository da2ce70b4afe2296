"""Content negotiation as a table plus one function, shared by the endpoint, pages and downloads."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Format:
    name: str  # the value of a `format` parameter
    media_type: str
    aliases: tuple[str, ...] = ()


RESULT_FORMATS = (  # SELECT and ASK
    Format("json", "application/sparql-results+json", ("application/json",)),
    Format("xml", "application/sparql-results+xml", ("application/xml", "text/xml")),
    Format("csv", "text/csv"),
    Format("tsv", "text/tab-separated-values"),
)
GRAPH_FORMATS = (  # CONSTRUCT and DESCRIBE
    Format("turtle", "text/turtle", ("application/x-turtle", "text/n3", "text/plain")),
    Format("ntriples", "application/n-triples"),
    Format("jsonld", "application/ld+json", ("application/json",)),
    Format("rdfxml", "application/rdf+xml", ("application/xml", "text/xml")),
    Format("trig", "application/trig"),
    Format("nquads", "application/n-quads"),
)
HTML = Format("html", "text/html", ("application/xhtml+xml",))
FORMAT_ALIASES = {"ttl": "turtle", "nt": "ntriples", "json-ld": "jsonld", "rdf": "rdfxml", "nq": "nquads",
                  "n3": "turtle", "rdf+xml": "rdfxml", "n-triples": "ntriples", "n-quads": "nquads",
                  "srj": "json", "srx": "xml", "tab-separated-values": "tsv"}
# Short names that mean a different format for graphs than for results (SPARQLWrapper sends format=xml
# and format=json for CONSTRUCT too).
GRAPH_ALIASES = {"xml": "rdfxml", "json": "jsonld"}


def _parse_accept(header: str) -> list[tuple[str, float, int]]:
    """(media range, q, position) for each entry of an Accept header; malformed q counts as 0."""
    entries = []
    for position, part in enumerate(header.split(",")):
        fields = [f.strip() for f in part.split(";")]
        media = fields[0].lower()
        if not media:
            continue
        q = 1.0
        for param in fields[1:]:
            key, _, value = param.partition("=")
            if key.strip().lower() == "q":
                try:
                    q = max(0.0, min(1.0, float(value)))
                except ValueError:
                    q = 0.0
        entries.append((media, q, position))
    return entries


def _specificity(media: str, fmt: Format) -> int | None:
    """How specifically an Accept media range names a format (None: it does not match)."""
    if media == fmt.media_type:
        return 3
    if media in fmt.aliases:
        return 2
    if media == fmt.media_type.split("/")[0] + "/*":
        return 1
    return 0 if media == "*/*" else None


def _quality(fmt: Format, accepted) -> tuple[float, int, int]:
    """(q, specificity, -position) of the most specific Accept entry matching `fmt` (RFC 9110)."""
    best: tuple[float, int, int] = (0.0, -1, 0)
    for media, q, position in accepted:
        specificity = _specificity(media, fmt)
        if specificity is not None and specificity > best[1]:
            best = (q, specificity, -position)
    return best


def negotiate(accept: str | None, formats: tuple[Format, ...], requested: str | None = None) -> Format | None:
    """The format to answer with: an explicit `format` name wins, else the best Accept match.

    No Accept header (or */*) gives the first format of the table; None means 406.
    """
    if requested:
        wanted = FORMAT_ALIASES.get(requested.lower(), requested.lower())
        if formats is GRAPH_FORMATS:
            wanted = GRAPH_ALIASES.get(wanted, wanted)
        for fmt in formats:
            if wanted in (fmt.name, fmt.media_type) or wanted in fmt.aliases:
                return fmt
        return None
    if not accept or not accept.strip():
        return formats[0]
    accepted = _parse_accept(accept)
    ranked = []
    for order, fmt in enumerate(formats):
        q, specificity, position = _quality(fmt, accepted)
        if q > 0:
            ranked.append((q, specificity, position, -order, fmt))
    if not ranked:
        return None
    return max(ranked, key=lambda r: r[:4])[4]
