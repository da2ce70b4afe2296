"""The formats answers are given in: one table per kind of answer, each format with its name (the value
of a `format` parameter), its media type and the other names clients use for it."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Format:
    name: str
    media_type: str
    aliases: tuple[str, ...] = ()

    @property
    def content_type(self) -> str:
        """The media type, with its charset when it is a text type."""
        return self.media_type + ("; charset=utf-8" if self.media_type.startswith("text/") else "")


RESULT_FORMATS = (  # SELECT and ASK
    Format("json", "application/sparql-results+json", ("application/json",)),
    Format("xml", "application/sparql-results+xml", ("application/xml", "text/xml")),
    Format("csv", "text/csv"),
    Format("tsv", "text/tab-separated-values"),
)
GRAPH_FORMATS = (  # CONSTRUCT and DESCRIBE, a resource's data, a graph
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
