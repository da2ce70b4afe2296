"""One CSV table per main class, each with a Frictionless Table Schema, and a datapackage.json tying them.

Columns are chosen per class (what a spreadsheet user asks first); multi-valued cells hold the
values sorted and separated by " | ". Every table has the resource's IRI as primary key.
"""

from __future__ import annotations

import csv
import io
import json
from dataclasses import dataclass
from pathlib import Path

from rdflib import RDFS, Literal, URIRef
from rdflib.namespace import DCTERMS, SKOS

from polegraph.publish.export.entities import GROUPS, Entities, Group
from polegraph.vocab import ETALAB_LICENCE, PG

SEPARATOR = " | "


@dataclass(frozen=True)
class Column:
    name: str
    predicate: URIRef | None  # None: computed (id, labels, class)
    type: str = "string"  # Frictionless field type
    lang: str | None = None
    description: str = ""


def _link(name: str, predicate: URIRef, description: str, multi: bool = True) -> Column:
    suffix = f" (IRIs separated by '{SEPARATOR}')" if multi else " (IRI)"
    return Column(name, predicate, "string", description=description + suffix)


COMMON = (
    Column("id", None, description="IRI of the resource (its stable identifier)"),
    Column("label_fr", None, description="Name in French, as the manifesto spells it"),
    Column("label_en", None, description="Name in English, where a translation is natural"),
    Column("class", None, description="Most specific polegraph class (https://w3id.org/polegraph/ontology#)"),
    Column("alt_labels", SKOS.altLabel, description=f"Other spellings and acronyms, separated by '{SEPARATOR}'"),
    Column("description_fr", DCTERMS.description, lang="fr", description="Description in French"),
    Column("description_en", DCTERMS.description, lang="en", description="Description in English"),
)
STATED_IN = _link("stated_in", PG.statedIn, "Sections of the manifesto that state facts about it")

SPECIFIC: dict[str, tuple[Column, ...]] = {
    "poles": (_link("president", PG.president, "President of the pôle", multi=False),
              _link("value_chains", PG.structuresValueChain, "Value chains the pôle structures"),
              _link("member_of", PG.memberOf, "Networks and associations the pôle belongs to")),
    "persons": (_link("president_of", PG.presidentOf, "Organisations the person presides"),),
    "organisations": (_link("member_of", PG.memberOf, "Networks and associations it belongs to"),
                      _link("located_in", PG.locatedIn, "Places where it is located"),
                      _link("jurisdiction", PG.jurisdiction, "Territory of an authority")),
    "initiatives": (_link("led_by", PG.ledBy, "Actors leading it"),
                    _link("funded_by", PG.fundedBy, "Funders"),
                    _link("part_of", PG.partOf, "Larger initiative it belongs to"),
                    _link("value_chains", PG.concernsValueChain, "Value chains concerned"),
                    Column("start_year", PG.startYear, "year", description="Year it started"),
                    Column("end_year", PG.endYear, "year", description="Year it ends or ended")),
    "figures": (_link("figure_of", PG.figureOf, "What the figure is about", multi=False),
                _link("measure", PG.measures, "What it measures", multi=False),
                Column("value", PG.value, "number", description="The value, scale resolved (e.g. 43000000)"),
                Column("unit", PG.unitText, description="What is counted, or % or ×"),
                Column("currency", PG.currency, description="ISO 4217 currency of an amount"),
                _link("qualifier", PG.qualifier, "More than, about, nearly…", multi=False),
                Column("year", PG.year, "year", description="Reference year"),
                Column("start_year", PG.startYear, "year", description="Start of the period"),
                Column("end_year", PG.endYear, "year", description="End of the period"),
                Column("horizon_year", PG.horizonYear, "year", description="Target horizon")),
    "places": (_link("in_region", PG.inRegion, "Region it lies in"),),
    "value-chains": (_link("broader", SKOS.broader, "Broader value chains"),),
}


def _with_labels(cols: tuple[Column, ...]) -> tuple[Column, ...]:
    """Each column of IRIs followed by the same resources' French names (`…_label`), for a reader
    who opens the table in a spreadsheet."""
    out: list[Column] = []
    for c in cols:
        out.append(c)
        if c.predicate is not None and c.description.endswith(("(IRI)", f"(IRIs separated by '{SEPARATOR}')")):
            out.append(Column(f"{c.name}_label", c.predicate, "string", lang="label",
                              description=f"French names of the {c.name.replace('_', ' ')} column's resources, "
                                          f"in the same order, separated by '{SEPARATOR}'"))
    return tuple(out)


def columns(group: Group) -> tuple[Column, ...]:
    return _with_labels((*COMMON, *SPECIFIC.get(group.name, ()), STATED_IN))


def _cell(entities: Entities, resource: URIRef, column: Column) -> str:
    if column.name == "id":
        return str(resource)
    if column.name == "label_fr":
        return entities.label(resource, "fr")
    if column.name == "label_en":
        return next((str(o) for o in sorted(entities.union.objects(resource, RDFS.label), key=str)
                     if isinstance(o, Literal) and o.language == "en"), "")
    if column.name == "class":
        return entities.specific_class(resource)
    if column.lang == "label":  # the names of a column of IRIs, in the IRIs' order
        iris = sorted({str(o) for o in entities.union.objects(resource, column.predicate) if isinstance(o, URIRef)})
        return SEPARATOR.join(entities.label(URIRef(iri), "fr") for iri in iris)
    values = sorted({str(o) for o in entities.union.objects(resource, column.predicate)
                     if column.lang is None or (isinstance(o, Literal) and o.language == column.lang)})
    if column.type == "string":  # several values are kept, even in a column that usually has one
        return SEPARATOR.join(values)
    return values[0] if values else ""


def table(entities: Entities, group: Group) -> bytes:
    cols = columns(group)
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow([c.name for c in cols])
    for resource in entities.members(group):
        writer.writerow([_cell(entities, resource, c) for c in cols])
    return buffer.getvalue().encode()


def schema(group: Group) -> dict:
    """The Frictionless Table Schema of a group's table."""
    fields = []
    for c in columns(group):
        field: dict = {"name": c.name, "type": c.type, "description": c.description}
        if c.name == "id":
            field["format"] = "uri"
            field["constraints"] = {"required": True, "unique": True}
        elif c.name == "label_fr":
            field["constraints"] = {"required": True}
        fields.append(field)
    return {"fields": fields, "primaryKey": ["id"], "missingValues": [""]}


def _json(value: dict) -> bytes:
    return (json.dumps(value, ensure_ascii=False, indent=2) + "\n").encode()


def table_files() -> dict[str, tuple[str, str, str]]:
    """File name → (media type, English title, French title) of every file tables.py writes."""
    files = {}
    for group in GROUPS:
        files[f"{group.name}.csv"] = ("text/csv", f"Table: {group.title_en}", f"Table : {group.title_fr}")
        files[f"{group.name}.schema.json"] = (
            "application/schema+json", f"Frictionless Table Schema of {group.name}.csv",
            f"Schéma de table Frictionless de {group.name}.csv")
    files["datapackage.json"] = ("application/json", "Frictionless Data Package describing the CSV tables",
                                 "Data Package Frictionless décrivant les tables CSV")
    return files


def write_tables(entities: Entities, out: Path) -> None:
    resources = []
    for group in GROUPS:
        (out / f"{group.name}.csv").write_bytes(table(entities, group))
        (out / f"{group.name}.schema.json").write_bytes(_json(schema(group)))
        resources.append({
            "name": group.name, "path": f"{group.name}.csv", "schema": f"{group.name}.schema.json",
            "title": group.title_en, "format": "csv", "mediatype": "text/csv", "encoding": "utf-8",
        })
    package = {
        "name": "polegraph", "title": "polegraph — pôles de compétitivité (tables)",
        "licenses": [{"name": "etalab-2.0", "path": ETALAB_LICENCE,
                      "title": "Licence Ouverte / Open Licence 2.0"}],
        "resources": resources,
    }
    (out / "datapackage.json").write_bytes(_json(package))
