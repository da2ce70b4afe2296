"""The DCAT-AP 3 description of the dataset: catalogue, dataset, one distribution per file, the endpoint.

Built from an export's manifest (sizes, checksums, media types) and the release (dates, coverage).
Controlled values come from the EU vocabularies (publications.europa.eu authority tables) and IANA;
each concept is typed and placed in its scheme here, so the official DCAT-AP 3.0.1 shapes can check
it without fetching anything. Every link to the site starts with its public base URL (the `public_url`
setting, Settings.site_url), never a request's Host header.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from rdflib import RDF, RDFS, Graph, Literal, Namespace, URIRef
from rdflib.namespace import DCAT, DCTERMS, FOAF, PROV, SKOS, XSD

from polegraph import vocab
from polegraph.publish.export.manifest import Manifest
from polegraph.publish.notes import version_notes
from polegraph.vocab import CATALOG_IRI, DATASET_IRI, ID, PG, RELEASE

SPDX = Namespace(vocab.SPDX)
VCARD = Namespace(vocab.VCARD)
ADMS = Namespace(vocab.ADMS)
DCATAP = Namespace(vocab.DCATAP)
EU = vocab.EU_AUTHORITY
IANA = vocab.IANA_MEDIA_TYPES

DATASET = URIRef(DATASET_IRI)
LICENCE = URIRef(vocab.ETALAB_LICENCE)
MANIFESTO = URIRef(vocab.MANIFESTO_IRI)

# IANA-registered media types (others are described by their base type: +xml → XML, +json → JSON).
IANA_TYPES = {"text/turtle", "application/n-triples", "application/ld+json", "application/rdf+xml",
              "application/trig", "application/n-quads", "text/csv", "application/json", "application/xml"}
FILE_TYPES = {  # media type → EU file-type authority code
    "text/turtle": "RDF_TURTLE", "application/n-triples": "RDF_N_TRIPLES", "application/ld+json": "JSON_LD",
    "application/rdf+xml": "RDF_XML", "application/trig": "RDF_TRIG", "application/n-quads": "RDF_N_QUADS",
    "text/csv": "CSV", "application/json": "JSON", "application/xml": "XML",
}
THEMES = ("ECON", "TECH", "REGI")  # economy and finance; science and technology; regions and cities

PUBLISHER = {"fr": "Projet polegraph", "en": "The polegraph project"}
TITLE = {"fr": "polegraph : graphe de connaissances des pôles de compétitivité",
         "en": "polegraph: knowledge graph of the French competitiveness clusters"}
DESCRIPTION = {
    "fr": ("Graphe de connaissances RDF des 53 pôles de compétitivité signataires du manifeste Phase 6 de "
           "l'Association française des pôles de compétitivité (AFPC) : leurs présidences, les organisations, "
           "initiatives, territoires, filières et chiffres que ce texte mentionne. Chaque fait renvoie à la "
           "section du manifeste qui l'énonce (un graphe nommé par section). Fourni en RDF (Turtle, N-Triples, "
           "JSON-LD, RDF/XML, TriG, N-Quads), en réseaux pour Gephi, yEd et Cytoscape, et en tables CSV "
           "documentées par des schémas Frictionless ; interrogeable par un point d'accès SPARQL."),
    "en": ("RDF knowledge graph of the 53 competitiveness clusters that signed the Phase 6 manifesto of the "
           "French association of competitiveness clusters (AFPC): who presides them, and the organisations, "
           "initiatives, territories, value chains and figures the text mentions. Every fact points to the "
           "section of the manifesto stating it (one named graph per section). Offered as RDF (Turtle, "
           "N-Triples, JSON-LD, RDF/XML, TriG, N-Quads), as networks for Gephi, yEd and Cytoscape, and as CSV "
           "tables documented by Frictionless schemas; queryable through a SPARQL endpoint."),
}
KEYWORDS = {"fr": ("pôles de compétitivité", "innovation", "industrie", "filières", "graphe de connaissances",
                   "RDF", "SPARQL", "AFPC"),
            "en": ("competitiveness clusters", "innovation", "industry", "value chains", "knowledge graph",
                   "RDF", "SPARQL", "AFPC")}
PROVENANCE = {
    "fr": ("Faits relevés dans le seul manifeste Phase 6 de l'AFPC, reformulés, puis validés par des formes "
           "SHACL avant chaque publication ; les lectures d'un passage ambigu sont signalées par "
           "pg:interpretation."),
    "en": ("Facts taken from the AFPC Phase 6 manifesto only, reworded, then validated against SHACL shapes "
           "before each release; readings of an ambiguous passage are flagged with pg:interpretation."),
}


@dataclass(frozen=True)
class Coverage:
    """What the data covers: years stated (temporal) and regions named (spatial)."""

    start_year: int | None = None
    end_year: int | None = None
    regions: tuple[str, ...] = field(default_factory=tuple)  # place slugs of pg:Region resources


def coverage_of(store) -> Coverage:
    """Years and regions stated by the graph, from the release's store."""
    years = store.select(f"""PREFIX pg: <{PG}> PREFIX xsd: <{vocab.XSD}>
        SELECT (MIN(?y) AS ?start) (MAX(?y) AS ?end) WHERE {{
          VALUES ?p {{ pg:year pg:startYear pg:endYear pg:horizonYear }}
          ?s ?p ?v BIND(xsd:integer(SUBSTR(STR(?v), 1, 4)) AS ?y) FILTER(BOUND(?y)) }}""")
    regions = store.select(f"PREFIX pg: <{PG}> SELECT DISTINCT ?r WHERE {{ ?r a pg:Region }}")
    row = years[0] if years else {}
    slugs = sorted(r["r"].rsplit("/", 1)[-1] for r in regions if r["r"].startswith(ID + "place/"))
    return Coverage(int(row["start"]) if row.get("start") else None,
                    int(row["end"]) if row.get("end") else None, tuple(slugs))


def citation(release_metadata: dict, lang: str) -> str:
    """How to cite the dataset, in `lang`: publisher, year, title, version and its date, the dataset IRI."""
    version = release_metadata.get("id", "")
    day = str(release_metadata.get("created", ""))[:10]
    year = day[:4] or {"fr": "s. d.", "en": "n.d."}[lang]
    kind = {"fr": "jeu de données", "en": "data set"}[lang]
    dated = f"version {version}, {day}" if day else f"version {version}"
    return f"{PUBLISHER[lang]} ({year}). {TITLE[lang]} ({dated}) [{kind}]. {DATASET_IRI}"


def media_type_iri(media_type: str) -> URIRef:
    if media_type not in IANA_TYPES:
        media_type = "application/xml" if media_type.endswith("+xml") else "application/json"
    return URIRef(IANA + media_type)


def _file_type(media_type: str) -> str:
    if media_type in FILE_TYPES:
        return FILE_TYPES[media_type]
    return "XML" if media_type.endswith("+xml") else "JSON"


def _both(graph: Graph, subject, predicate, texts: dict[str, str]) -> None:
    for lang, text in texts.items():
        graph.add((subject, predicate, Literal(text, lang=lang)))


# English labels of the EU authority tables and concepts used (as publications.europa.eu names them).
SCHEME_TITLES = {"language": "Language", "country": "Country", "frequency": "Frequency",
                 "data-theme": "Data theme", "file-type": "File type", "planned-availability": "Planned availability"}
CONCEPT_LABELS = {
    "language/FRA": "French", "language/ENG": "English", "country/FRA": "France", "frequency/IRREG": "irregular",
    "data-theme/ECON": "Economy and finance", "data-theme/TECH": "Science and technology",
    "data-theme/REGI": "Regions and cities", "file-type/RDF_TURTLE": "RDF Turtle",
    "file-type/RDF_N_TRIPLES": "RDF N-Triples", "file-type/JSON_LD": "JSON-LD", "file-type/RDF_XML": "RDF/XML",
    "file-type/RDF_TRIG": "RDF TriG", "file-type/RDF_N_QUADS": "RDF N-Quads", "file-type/CSV": "CSV",
    "file-type/JSON": "JSON", "file-type/XML": "XML", "planned-availability/STABLE": "stable",
}


def _concept(graph: Graph, table: str, code: str, cls: URIRef | None = None) -> URIRef:
    """An EU authority concept, typed, labelled and placed in its scheme (as the EU vocabulary states)."""
    iri, scheme = URIRef(f"{EU}{table}/{code}"), URIRef(EU + table)
    graph.add((iri, RDF.type, SKOS.Concept))
    graph.add((iri, SKOS.inScheme, scheme))
    graph.add((iri, SKOS.prefLabel, Literal(CONCEPT_LABELS[f"{table}/{code}"], lang="en")))
    graph.add((scheme, RDF.type, SKOS.ConceptScheme))
    graph.add((scheme, DCTERMS.title, Literal(SCHEME_TITLES[table], lang="en")))
    if cls is not None:
        graph.add((iri, RDF.type, cls))
    return iri


def _slug(name: str) -> str:
    return name.replace(".", "-")


def catalog_graph(manifest: Manifest, release_metadata: dict, coverage: Coverage, base_url: str,
                  changes: dict | None = None) -> Graph:
    """The DCAT-AP 3 description of the catalogue, the dataset (this release: its version, its notes from
    `changes`, the link to the previous one, how to cite it), its distributions and the SPARQL service."""
    g = Graph(bind_namespaces="rdflib")
    for prefix, ns in {"dcat": DCAT, "dcterms": DCTERMS, "foaf": FOAF, "spdx": SPDX, "vcard": VCARD,
                       "skos": SKOS, "adms": ADMS, "prov": PROV, "dcatap": DCATAP}.items():
        g.bind(prefix, ns, override=True)
    base = base_url if base_url.endswith("/") else base_url + "/"
    created = release_metadata.get("created", "")
    when = Literal(created, datatype=XSD.dateTime) if created else None
    version = release_metadata.get("id", "")
    local = DATASET_IRI + "#"

    publisher = URIRef(local + "publisher")
    g.add((publisher, RDF.type, FOAF.Agent))
    g.add((publisher, RDF.type, FOAF.Organization))
    _both(g, publisher, FOAF.name, PUBLISHER)
    g.add((publisher, FOAF.homepage, URIRef(base)))
    contact = URIRef(local + "contact")
    g.add((contact, RDF.type, VCARD.Kind))
    g.add((contact, RDF.type, VCARD.Organization))
    g.add((contact, VCARD.fn, Literal("polegraph")))
    g.add((contact, VCARD.hasURL, URIRef(base)))

    g.add((LICENCE, RDF.type, DCTERMS.LicenseDocument))
    _both(g, LICENCE, RDFS.label, {"fr": "Licence Ouverte / Open Licence version 2.0",
                                   "en": "Etalab Open Licence version 2.0"})
    languages = [_concept(g, "language", code, DCTERMS.LinguisticSystem) for code in ("FRA", "ENG")]
    france = _concept(g, "country", "FRA", DCTERMS.Location)
    frequency = _concept(g, "frequency", "IRREG", DCTERMS.Frequency)
    themes = [_concept(g, "data-theme", code) for code in THEMES]

    catalog = URIRef(CATALOG_IRI)
    g.add((catalog, RDF.type, DCAT.Catalog))
    _both(g, catalog, DCTERMS.title, {"fr": "Catalogue polegraph", "en": "polegraph catalogue"})
    _both(g, catalog, DCTERMS.description, {
        "fr": "Catalogue des données ouvertes du projet polegraph : le graphe des pôles de compétitivité.",
        "en": "Open data catalogue of the polegraph project: the graph of the competitiveness clusters."})
    g.add((catalog, DCTERMS.publisher, publisher))
    g.add((catalog, DCTERMS.license, LICENCE))
    g.add((catalog, FOAF.homepage, URIRef(base)))
    g.add((catalog, DCAT.themeTaxonomy, URIRef(EU + "data-theme")))
    g.add((catalog, DCTERMS.spatial, france))
    for lang in languages:
        g.add((catalog, DCTERMS.language, lang))
    g.add((catalog, DCAT.dataset, DATASET))
    if when is not None:
        g.add((catalog, DCTERMS.modified, when))
        g.add((catalog, DCTERMS.issued, when))

    ds = DATASET
    g.add((ds, RDF.type, DCAT.Dataset))
    _both(g, ds, DCTERMS.title, TITLE)
    _both(g, ds, DCTERMS.description, DESCRIPTION)
    for lang, words in KEYWORDS.items():
        for word in words:
            g.add((ds, DCAT.keyword, Literal(word, lang=lang)))
    for theme in themes:
        g.add((ds, DCAT.theme, theme))
    g.add((ds, DCTERMS.publisher, publisher))
    g.add((ds, DCAT.contactPoint, contact))
    g.add((ds, DCTERMS.spatial, france))
    g.add((ds, DCTERMS.accrualPeriodicity, frequency))
    for lang in languages:
        g.add((ds, DCTERMS.language, lang))
    g.add((ds, DCTERMS.identifier, Literal(DATASET_IRI)))
    g.add((ds, DCAT.landingPage, URIRef(base)))
    g.add((URIRef(base), RDF.type, FOAF.Document))
    g.add((ds, PROV.wasDerivedFrom, MANIFESTO))
    g.add((ds, DCTERMS.conformsTo, URIRef(str(PG).rstrip("#"))))
    g.add((URIRef(str(PG).rstrip("#")), RDF.type, DCTERMS.Standard))
    if version:
        _version(g, ds, release_metadata, changes)
    if when is not None:
        g.add((ds, DCTERMS.modified, when))
        g.add((ds, DCTERMS.issued, when))
    provenance = URIRef(local + "provenance")
    g.add((provenance, RDF.type, DCTERMS.ProvenanceStatement))
    _both(g, provenance, RDFS.label, PROVENANCE)
    g.add((ds, DCTERMS.provenance, provenance))
    if coverage.start_year and coverage.end_year:
        period = URIRef(local + "temporal")
        g.add((period, RDF.type, DCTERMS.PeriodOfTime))
        g.add((period, DCAT.startDate, Literal(f"{coverage.start_year}-01-01", datatype=XSD.date)))
        g.add((period, DCAT.endDate, Literal(f"{coverage.end_year}-12-31", datatype=XSD.date)))
        g.add((ds, DCTERMS.temporal, period))

    # File names stay the same from release to release: the links are stable, the content follows.
    stable = _concept(g, "planned-availability", "STABLE")
    sha256 = SPDX.checksumAlgorithm_sha256
    g.add((sha256, RDF.type, SPDX.ChecksumAlgorithm))
    for entry in manifest.files:
        dist = URIRef(f"{local}distribution-{_slug(entry.name)}")
        url = URIRef(base + "downloads/" + entry.name)
        g.add((ds, DCAT.distribution, dist))
        g.add((dist, RDF.type, DCAT.Distribution))
        _both(g, dist, DCTERMS.title, {"en": entry.title_en, "fr": entry.title_fr})
        _both(g, dist, DCTERMS.description, {"en": f"{entry.title_en} — file {entry.name}.",
                                             "fr": f"{entry.title_fr} — fichier {entry.name}."})
        g.add((dist, DCAT.accessURL, url))
        g.add((dist, DCAT.downloadURL, url))
        media = media_type_iri(entry.media_type)
        g.add((dist, DCAT.mediaType, media))
        g.add((media, RDF.type, DCTERMS.MediaType))
        g.add((dist, DCTERMS.format, _concept(g, "file-type", _file_type(entry.media_type),
                                               DCTERMS.MediaTypeOrExtent)))
        g.add((dist, DCAT.byteSize, Literal(entry.size, datatype=XSD.nonNegativeInteger)))
        checksum = URIRef(f"{local}checksum-{_slug(entry.name)}")
        g.add((dist, SPDX.checksum, checksum))
        g.add((checksum, RDF.type, SPDX.Checksum))
        g.add((checksum, SPDX.algorithm, sha256))
        g.add((checksum, SPDX.checksumValue, Literal(entry.sha256, datatype=XSD.hexBinary)))
        g.add((dist, DCTERMS.license, LICENCE))
        g.add((dist, DCATAP.availability, stable))
        if when is not None:
            g.add((dist, DCTERMS.modified, when))

    service = URIRef(local + "sparql")
    g.add((catalog, DCAT.service, service))
    g.add((service, RDF.type, DCAT.DataService))
    _both(g, service, DCTERMS.title, {"fr": "Point d'accès SPARQL de polegraph", "en": "polegraph SPARQL endpoint"})
    _both(g, service, DCTERMS.description, {
        "fr": "Interrogation du graphe en SPARQL 1.1 (protocole SPARQL, lecture seule).",
        "en": "Queries over the graph in SPARQL 1.1 (SPARQL Protocol, read only)."})
    g.add((service, DCAT.endpointURL, URIRef(base + "sparql")))
    g.add((URIRef(base + "sparql"), RDF.type, RDFS.Resource))
    g.add((service, DCAT.servesDataset, ds))
    g.add((service, DCTERMS.conformsTo, URIRef(vocab.SPARQL_PROTOCOL)))
    g.add((URIRef(vocab.SPARQL_PROTOCOL), RDF.type, DCTERMS.Standard))
    g.add((service, DCTERMS.license, LICENCE))
    g.add((service, DCAT.theme, themes[THEMES.index("TECH")]))
    for word in ("SPARQL", "RDF"):
        g.add((service, DCAT.keyword, Literal(word)))
    g.add((service, DCTERMS.publisher, publisher))
    g.add((service, DCAT.contactPoint, contact))
    return g


def _version(g: Graph, ds: URIRef, release_metadata: dict, changes: dict | None) -> None:
    """dcat:version, adms:versionNotes (fr, en), dcat:previousVersion and the citation of this release."""
    g.add((ds, URIRef(str(DCAT) + "version"), Literal(release_metadata["id"])))
    _both(g, ds, ADMS.versionNotes, {lang: version_notes(changes, lang) for lang in ("fr", "en")})
    _both(g, ds, DCTERMS.bibliographicCitation, {lang: citation(release_metadata, lang) for lang in ("fr", "en")})
    previous = (changes or {}).get("previous") or {}
    if previous.get("id"):
        before = URIRef(RELEASE + previous["id"])
        g.add((ds, URIRef(str(DCAT) + "previousVersion"), before))
        g.add((before, URIRef(str(DCAT) + "version"), Literal(previous["id"])))
        if previous.get("created"):
            g.add((before, DCTERMS.issued, Literal(previous["created"], datatype=XSD.dateTime)))


# The official DCAT-AP 3.0.1 SHACL files to validate with: the full set references range shapes that
# only shacl_ranges.ttl defines; the mdr-vocabularies shapes check the EU controlled vocabularies.
DCAT_AP_SHAPE_FILES = ("shacl_dcat-ap-SHACL.ttl", "shacl_ranges.ttl", "html_shacl_mdr-vocabularies.shape.ttl")
SH = Namespace(vocab.SH)


def load_dcat_ap_shapes(folder) -> Graph:
    """The official shapes, minus references to property shapes the 3.0.1 files never define.

    (The release's files point at a few property-shape IRIs with no triples at all; pySHACL rejects
    those as malformed. An undefined shape has no constraint to check, so dropping the link loses
    nothing.)
    """
    from pathlib import Path

    shapes = Graph()
    for name in DCAT_AP_SHAPE_FILES:
        shapes.parse(Path(folder) / name, format="turtle")
    for shape, target in list(shapes.subject_objects(SH.property)):
        if (target, None, None) not in shapes:
            shapes.remove((shape, SH.property, target))
    return shapes


@dataclass(frozen=True)
class Finding:
    severity: str  # Violation, Warning, Info
    focus: str
    path: str
    message: str


def validate_description(description: Graph, shapes: Graph) -> list[Finding]:
    """The top-level results of validating the description against DCAT-AP shapes, sorted."""
    from pyshacl import validate

    _conforms, report, _text = validate(description, shacl_graph=shapes, advanced=True, allow_warnings=True)
    findings = []
    for top in report.objects(None, SH.result):
        severity = str(report.value(top, SH.resultSeverity) or "").rsplit("#", 1)[-1]
        findings.append(Finding(severity, str(report.value(top, SH.focusNode)),
                                str(report.value(top, SH.resultPath) or ""),
                                str(report.value(top, SH.resultMessage) or "")))
    return sorted(findings, key=lambda f: (f.severity, f.focus, f.path, f.message))


def serialize_description(graph: Graph, fmt: str) -> bytes:
    """The description in `fmt` (rdflib's name: turtle, json-ld, xml, nt); JSON-LD compacted with prefixes."""
    if fmt == "json-ld":
        context = {prefix: str(ns) for prefix, ns in graph.namespaces()
                   if prefix in ("dcat", "dcterms", "foaf", "spdx", "vcard", "skos", "adms", "prov", "owl", "rdfs",
                                 "xsd")}
        return graph.serialize(format="json-ld", context=context, auto_compact=True, encoding="utf-8")
    return graph.serialize(format=fmt, encoding="utf-8")
