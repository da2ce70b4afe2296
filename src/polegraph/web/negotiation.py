"""Content negotiation: werkzeug's Accept-header matching over the project's format tables.

An explicit `format` parameter wins; else the best match of the Accept header (werkzeug's
`MIMEAccept`: quality, then specificity, then the table's order). A format's media type is offered
before any alias, so `text/*` means CSV rather than XML's alias `text/xml`. No Accept header (or a
blank one) gives the table's first format; None means 406.
"""

from __future__ import annotations

import functools

from werkzeug.datastructures import MIMEAccept
from werkzeug.http import parse_accept_header

from polegraph.query.formats import FORMAT_ALIASES, GRAPH_ALIASES, GRAPH_FORMATS, Format


def negotiate(accept: str | None, formats: tuple[Format, ...], requested: str | None = None) -> Format | None:
    """The format to answer with, among `formats` (see the module's docstring)."""
    if requested:
        return _by_name(requested.lower(), formats)
    if not accept or not accept.strip():
        return formats[0]
    return _by_accept(accept, formats)


def _by_name(requested: str, formats: tuple[Format, ...]) -> Format | None:
    wanted = FORMAT_ALIASES.get(requested, requested)
    if any(fmt in GRAPH_FORMATS for fmt in formats):
        wanted = GRAPH_ALIASES.get(wanted, wanted) if not any(f.name == wanted for f in formats) else wanted
    for fmt in formats:
        if wanted in (fmt.name, fmt.media_type) or wanted in fmt.aliases:
            return fmt
    return None


@functools.lru_cache(maxsize=512)  # clients send few distinct Accept headers; parsing one costs more
def _by_accept(accept: str, formats: tuple[Format, ...]) -> Format | None:
    offers = {fmt.media_type: fmt for fmt in formats}
    for fmt in formats:
        for alias in fmt.aliases:
            offers.setdefault(alias, fmt)
    best = parse_accept_header(accept, MIMEAccept).best_match(list(offers))
    return offers.get(best) if best else None
