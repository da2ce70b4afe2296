"""Query results as text for the command line: an aligned table, CSV or SPARQL JSON."""

from __future__ import annotations

import pyoxigraph as ox

from polegraph.query.backend import term_value


def render_results(results, fmt: str) -> str:
    """Render Oxigraph results; CSV and JSON use the standard SPARQL result serialisations."""
    if isinstance(results, ox.QueryBoolean):
        if fmt == "json":
            return results.serialize(format=ox.QueryResultsFormat.JSON).decode() + "\n"
        return ("true" if bool(results) else "false") + "\n"
    if isinstance(results, ox.QueryTriples):
        return results.serialize(format=ox.RdfFormat.TURTLE).decode()
    if fmt == "csv":
        return results.serialize(format=ox.QueryResultsFormat.CSV).decode()
    if fmt == "json":
        return results.serialize(format=ox.QueryResultsFormat.JSON).decode() + "\n"
    names = [v.value for v in results.variables]
    rows = [[term_value(row[n]) for n in names] for row in results]
    widths = [max([len(n)] + [len(r[i]) for r in rows]) for i, n in enumerate(names)]
    line = "  ".join(n.ljust(w) for n, w in zip(names, widths, strict=True))
    body = ["  ".join(c.ljust(w) for c, w in zip(r, widths, strict=True)).rstrip() for r in rows]
    return "\n".join([line.rstrip(), "  ".join("-" * w for w in widths), *body, f"({len(rows)} rows)"]) + "\n"
