"""SPARQL results and graphs to bytes (with a row cap that is never silent), and to text for the CLI.

Oxigraph serialises a whole result set; polegraph must stop at `max_rows` and say so in the body.
SELECT answers in JSON (the usual case) are written by Oxigraph into a sink that counts solutions and
stops it past the cap (`oxigraph_json`); the other formats (SPARQL 1.1 XML, CSV, TSV), and JSON that
sink cannot count, are written here from at most `max_rows` solutions. Graphs are capped the same way
and written by Oxigraph's serialisers.
"""

from __future__ import annotations

import contextlib
import csv
import io
import json
from dataclasses import dataclass
from itertools import islice
from xml.sax.saxutils import escape, quoteattr

import pyoxigraph as ox

from polegraph.vocab import SPARQL_RESULTS, XSD

XSD_STRING = XSD + "string"
TRUNCATION_NOTE = "results truncated at {n} rows by the endpoint's row cap (see /sparql service description)"
# The first cell of the last row of a CSV or TSV answer cut by the cap: a row spreadsheet users see, that
# keeps the table rectangular (a valid CSV); programs read the Polegraph-Results-Truncated header.
CSV_NOTE_MARK = "# "
GRAPH_SERIALISERS = {
    "turtle": ox.RdfFormat.TURTLE, "ntriples": ox.RdfFormat.N_TRIPLES, "jsonld": ox.RdfFormat.JSON_LD,
    "rdfxml": ox.RdfFormat.RDF_XML, "trig": ox.RdfFormat.TRIG, "nquads": ox.RdfFormat.N_QUADS,
}


@dataclass
class Serialised:
    body: bytes
    truncated: bool = False
    rows: int = 0


def _json_term(term) -> dict:
    if isinstance(term, ox.NamedNode):
        return {"type": "uri", "value": term.value}
    if isinstance(term, ox.BlankNode):
        return {"type": "bnode", "value": term.value}
    if isinstance(term, ox.Triple):
        return {"type": "triple", "value": {"subject": _json_term(term.subject),
                                            "predicate": _json_term(term.predicate),
                                            "object": _json_term(term.object)}}
    out = {"type": "literal", "value": term.value}
    if term.language:
        out["xml:lang"] = term.language
    elif term.datatype.value != XSD_STRING:
        out["datatype"] = term.datatype.value
    return out


def _xml_term(term) -> str:
    if isinstance(term, ox.NamedNode):
        return f"<uri>{escape(term.value)}</uri>"
    if isinstance(term, ox.BlankNode):
        return f"<bnode>{escape(term.value)}</bnode>"
    if isinstance(term, ox.Triple):
        return (f"<triple><subject>{_xml_term(term.subject)}</subject><predicate>{_xml_term(term.predicate)}"
                f"</predicate><object>{_xml_term(term.object)}</object></triple>")
    if term.language:
        return f"<literal xml:lang={quoteattr(term.language)}>{escape(term.value)}</literal>"
    if term.datatype.value != XSD_STRING:
        return f"<literal datatype={quoteattr(term.datatype.value)}>{escape(term.value)}</literal>"
    return f"<literal>{escape(term.value)}</literal>"


def _csv_value(term) -> str:
    if term is None:
        return ""
    if isinstance(term, ox.BlankNode):
        return f"_:{term.value}"
    if isinstance(term, ox.Triple):
        return str(term)
    return term.value


def serialise_boolean(value: bool, fmt: str) -> bytes:
    """An ASK answer; CSV and TSV carry it as a one-cell table, as Oxigraph and Jena do."""
    text = "true" if value else "false"
    if fmt == "json":
        return json.dumps({"head": {}, "boolean": value}).encode()
    if fmt == "xml":
        return (f'<?xml version="1.0"?>\n<sparql xmlns="{SPARQL_RESULTS}">'
                f"<head></head><boolean>{text}</boolean></sparql>\n").encode()
    return f"{text}\n".encode()


# In Oxigraph's SPARQL JSON, `},{"` stands only between two solutions: a quote is never unescaped
# inside a string. `},{}` may also be an empty solution after another one, or bytes of a literal.
_SOLUTION_SEAM = b'},{"'
_UNCOUNTABLE = b"},{}"


class _Enough(Exception):
    """The serialiser has written one solution past the row cap, or bytes that cannot be counted."""


class _SolutionCounter:
    """Where Oxigraph writes SPARQL JSON: counts the solutions as the bytes come and stops the
    serialiser one solution past the row cap, so the answer held in memory stays bounded by the cap."""

    def __init__(self, max_rows: int):
        self.parts: list[bytes] = []
        self.seams = 0
        self.uncountable = False
        self._max_rows = max_rows
        self._tail = b""  # the end of the last write: a seam may straddle two writes

    def write(self, data) -> int:
        data = bytes(data)
        joined = self._tail + data
        self.seams += joined.count(_SOLUTION_SEAM)
        self.uncountable = self.uncountable or _UNCOUNTABLE in joined
        self._tail = joined[-3:]
        self.parts.append(data)
        if self.uncountable or self.seams >= self._max_rows:
            raise _Enough
        return len(data)

    def flush(self) -> None:
        pass


def oxigraph_json(solutions: ox.QuerySolutions, max_rows: int) -> Serialised | None:
    """At most `max_rows` solutions as SPARQL JSON written by Oxigraph (Rust: a few times faster than
    `serialise_solutions`), the cut said in the body as there. None when the solutions cannot be
    counted from the bytes (see `_UNCOUNTABLE`): the query must then be run again and written by
    `serialise_solutions`."""
    if max_rows < 1:
        return None
    sink = _SolutionCounter(max_rows)
    with contextlib.suppress(_Enough):  # the counter stopped it
        solutions.serialize(sink, format=ox.QueryResultsFormat.JSON)
    if sink.uncountable:
        return None
    body = b"".join(sink.parts)
    if sink.seams < max_rows:
        return Serialised(body=body, truncated=False, rows=0 if body.endswith(b"[]}}") else sink.seams + 1)
    end = -1
    for _ in range(max_rows):  # the seam after the last solution kept
        end = body.index(_SOLUTION_SEAM, end + 1)
    extra = {"truncated": True, "max_rows": max_rows, "message": TRUNCATION_NOTE.format(n=max_rows)}
    tail = ',"polegraph":' + json.dumps(extra, ensure_ascii=False, separators=(",", ":")) + "}"
    return Serialised(body=body[:end + 1] + b"]}" + tail.encode(), truncated=True, rows=max_rows)


def serialise_solutions(solutions: ox.QuerySolutions, fmt: str, max_rows: int) -> Serialised:
    """At most `max_rows` solutions in `fmt` (json, xml, csv, tsv), saying in the body when more existed."""
    names = [v.value for v in solutions.variables]
    rows = list(islice(solutions, max_rows + 1))
    truncated = len(rows) > max_rows
    rows = rows[:max_rows]
    note = TRUNCATION_NOTE.format(n=max_rows)
    if fmt == "json":
        bindings = [{n: _json_term(row[i]) for i, n in enumerate(names) if row[i] is not None} for row in rows]
        document: dict = {"head": {"vars": names}, "results": {"bindings": bindings}}
        if truncated:  # a documented extra key: SPARQL JSON readers ignore keys they do not know
            document["polegraph"] = {"truncated": True, "max_rows": max_rows, "message": note}
        body = json.dumps(document, ensure_ascii=False, separators=(",", ":")).encode()
    elif fmt == "xml":
        parts = [f'<?xml version="1.0"?>\n<sparql xmlns="{SPARQL_RESULTS}">']
        if truncated:
            parts.append(f"<!-- {escape(note)} -->")
        parts.append("<head>" + "".join(f"<variable name={quoteattr(n)}/>" for n in names))
        if truncated:
            parts.append('<link href="urn:polegraph:results-truncated"/>')
        parts.append("</head><results>")
        for row in rows:
            cells = "".join(f"<binding name={quoteattr(n)}>{_xml_term(row[i])}</binding>"
                            for i, n in enumerate(names) if row[i] is not None)
            parts.append(f"<result>{cells}</result>")
        parts.append("</results></sparql>\n")
        body = "".join(parts).encode()
    elif fmt == "csv":
        buffer = io.StringIO()
        writer = csv.writer(buffer, lineterminator="\r\n")
        writer.writerow(names)
        writer.writerows([_csv_value(row[i]) for i in range(len(names))] for row in rows)
        if truncated:  # a last row a spreadsheet shows: the note in its first cell, as many cells as the header
            writer.writerow([CSV_NOTE_MARK + note] + [""] * (len(names) - 1))
        body = buffer.getvalue().encode()
    else:  # tsv: terms in their SPARQL/Turtle syntax
        lines = ["\t".join(f"?{n}" for n in names)]
        lines += ["\t".join("" if row[i] is None else str(row[i]) for i in range(len(names))) for row in rows]
        if truncated:  # the same last row, the note a string literal (every TSV cell is a term)
            lines.append("\t".join([str(ox.Literal(CSV_NOTE_MARK + note))] + [""] * (len(names) - 1)))
        body = ("\n".join(lines) + "\n").encode()
    return Serialised(body=body, truncated=truncated, rows=len(rows))


def serialise_triples(triples, fmt: str, max_rows: int, prefixes: dict[str, str] | None = None) -> Serialised:
    """At most `max_rows` triples in `fmt`; a comment says so where the syntax has comments."""
    kept = list(islice(triples, max_rows + 1))
    truncated = len(kept) > max_rows
    kept = sorted(kept[:max_rows], key=lambda t: (str(t.subject), str(t.predicate)))  # Turtle groups subjects
    if fmt in ("trig", "nquads"):
        items = [ox.Quad(t.subject, t.predicate, t.object, ox.DefaultGraph()) for t in kept]
    else:
        items = kept
    use_prefixes = prefixes if fmt in ("turtle", "trig", "rdfxml") else None
    body = ox.serialize(items, format=GRAPH_SERIALISERS[fmt], prefixes=use_prefixes)
    if truncated:
        note = TRUNCATION_NOTE.format(n=max_rows).replace("rows", "triples")
        if fmt in ("turtle", "ntriples", "trig", "nquads"):
            body = f"# {note}\n".encode() + body
        elif fmt == "rdfxml" and body.startswith(b"<?xml"):
            end = body.index(b"?>") + 2
            body = body[:end] + f"\n<!-- {note} -->".encode() + body[end:]
    return Serialised(body=body, truncated=truncated, rows=len(kept))


def serialise(results, request, again=None) -> tuple[str, Serialised]:
    """(kind, bytes) of Oxigraph `results` in the format `request` asks for (a QueryRequest), capped at
    its `max_rows`. `again()` gives the same results anew, for the rare JSON Oxigraph's writer cannot
    count (see `oxigraph_json`)."""
    if isinstance(results, ox.QueryBoolean):
        body = serialise_boolean(bool(results), request.result_format)
        return "boolean", Serialised(body=body, truncated=False, rows=1)
    if isinstance(results, ox.QueryTriples):
        return "graph", serialise_triples(results, request.graph_format, request.max_rows, request.prefixes)
    out = oxigraph_json(results, request.max_rows) if request.result_format == "json" and again else None
    if out is None:
        if request.result_format == "json" and again:
            results = again()
        out = serialise_solutions(results, request.result_format, request.max_rows)
    return "solutions", out


def render_results(results, fmt: str) -> str:
    """Oxigraph results as the command line prints them: an aligned table (`table`), or the standard
    SPARQL CSV or JSON; a graph as Turtle."""
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
    rows = [["" if row[n] is None else row[n].value for n in names] for row in results]
    widths = [max([len(n)] + [len(r[i]) for r in rows]) for i, n in enumerate(names)]
    line = "  ".join(n.ljust(w) for n, w in zip(names, widths, strict=True))
    body = ["  ".join(c.ljust(w) for c, w in zip(r, widths, strict=True)).rstrip() for r in rows]
    return "\n".join([line.rstrip(), "  ".join("-" * w for w in widths), *body, f"({len(rows)} rows)"]) + "\n"
