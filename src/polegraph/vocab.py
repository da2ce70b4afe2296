"""The IRIs polegraph publishes (see README, "IRI policy"). Chosen once: they are public identifiers."""

from __future__ import annotations

import re
import unicodedata

from rdflib import Namespace

BASE = "https://w3id.org/polegraph/"
PG = Namespace(BASE + "ontology#")
ONTOLOGY_IRI = BASE + "ontology"
ONTOLOGY_VERSION = BASE + "ontology/"  # + a version number: the ontology's owl:versionIRI
ONTOLOGY_VERSION_RE = re.compile(r"^[0-9]+(\.[0-9]+)*$")
ID = BASE + "id/"
GRAPH = BASE + "graph/"
SECTION = Namespace(ID + "section/")
DATASET_IRI = BASE + "dataset"
CATALOG_IRI = BASE + "catalog"

ONTOLOGY_GRAPH = GRAPH + "ontology"
PROVENANCE_GRAPH = GRAPH + "provenance"
INFERRED_GRAPH = GRAPH + "inferred"
# The inferred restatements of pg: facts in the standard vocabularies (org:memberOf beside pg:memberOf,
# `a schema:Organization` beside `a pg:Pole`…), kept apart so that one link is one property unless a
# query asks for them (docs/modelling.md, "Inferred statements and alignment copies").
ALIGNMENT_GRAPH = GRAPH + "alignment"
# In a triple store loaded by `polegraph push`: which graphs its current release consists of, and the
# staging graphs a push loads before it switches.
RELEASES_GRAPH = GRAPH + "releases"
STAGING_GRAPHS = GRAPH + "staging/"
RELEASE = BASE + "release/"  # + a release id: a version of the dataset (dcat:previousVersion points at one)
# A release id: its build time (UTC) and the start of its content's SHA-256 (pipeline/build.py makes it).
RELEASE_ID_FORMAT = "%Y%m%dT%H%M%SZ"
RELEASE_ID_RE = re.compile(r"^[0-9]{8}T[0-9]{6}Z-[0-9a-f]{12}$")

CONTRIBUTION = BASE + "contribution/"  # a contributor's document validated with the project (pipeline/shacl.py)
MANIFESTO_IRI = ID + "document/manifeste-phase-6"

# Other vocabularies and authorities, each namespace once.
RDF = "http://www.w3.org/1999/02/22-rdf-syntax-ns#"
RDFS = "http://www.w3.org/2000/01/rdf-schema#"
OWL = "http://www.w3.org/2002/07/owl#"
XSD = "http://www.w3.org/2001/XMLSchema#"
SKOS = "http://www.w3.org/2004/02/skos/core#"
DCTERMS = "http://purl.org/dc/terms/"
SH = "http://www.w3.org/ns/shacl#"
SD = "http://www.w3.org/ns/sparql-service-description#"
VOID = "http://rdfs.org/ns/void#"
VANN = "http://purl.org/vocab/vann/"
DCAT = "http://www.w3.org/ns/dcat#"
ADMS = "http://www.w3.org/ns/adms#"
SPDX = "http://spdx.org/rdf/terms#"
VCARD = "http://www.w3.org/2006/vcard/ns#"
DCATAP = "http://data.europa.eu/r5r/"
EURIO = "http://data.europa.eu/s66#"
EU_AUTHORITY = "http://publications.europa.eu/resource/authority/"
IANA_MEDIA_TYPES = "http://www.iana.org/assignments/media-types/"
W3C_FORMATS = "http://www.w3.org/ns/formats/"
SPARQL_RESULTS = "http://www.w3.org/2005/sparql-results#"
SPARQL_PROTOCOL = "https://www.w3.org/TR/sparql11-protocol/"
ETALAB_LICENCE = "https://www.etalab.gouv.fr/licence-ouverte-open-licence"
ORG = "http://www.w3.org/ns/org#"
SCHEMA = "https://schema.org/"
FOAF = "http://xmlns.com/foaf/0.1/"
PROV = "http://www.w3.org/ns/prov#"
# The vocabularies the ontology aligns with (rdfs:subClassOf / rdfs:subPropertyOf): an inferred triple
# whose property, or whose class for rdf:type, is theirs goes to the alignment graph. SKOS counts for
# classes only (`a skos:Concept`); skos:narrower, the inverse of an asserted skos:broader, is no copy.
ALIGNMENT_PROPERTY_NAMESPACES = (ORG, SCHEMA, FOAF, PROV, EURIO, DCTERMS)
ALIGNMENT_CLASS_NAMESPACES = (*ALIGNMENT_PROPERTY_NAMESPACES, SKOS)

KINDS = (
    "pole", "person", "role", "organisation", "initiative", "place", "filiere", "theme", "measure",
    "figure", "mandate", "participation", "document", "section", "scheme", "signature", "paragraph",
)

SLUG_RE = re.compile(r"^[a-z0-9]+(-[a-z0-9]+)*$")

PREFIXES = {
    "pg": str(PG),
    "rdf": RDF,
    "rdfs": RDFS,
    "owl": OWL,
    "xsd": XSD,
    "skos": SKOS,
    "dcterms": DCTERMS,
    "org": ORG,
    "schema": SCHEMA,
    "foaf": FOAF,
    "prov": PROV,
    **{kind: f"{ID}{kind}/" for kind in KINDS},
}


def curie(iri: str, prefixes: dict[str, str] = PREFIXES) -> str:
    """`pg:Pole` for an IRI in one of `prefixes`' namespaces (the longest that fits), else the IRI itself."""
    best, chosen = "", ""
    for prefix, namespace in prefixes.items():
        if iri.startswith(namespace) and len(iri) > len(namespace) and len(namespace) > len(best):
            best, chosen = namespace, prefix
    return f"{chosen}:{iri[len(best):]}" if best else iri


def slugify(name: str) -> str:
    """The slug of a name: accents folded, apostrophes and punctuation dropped, lower-case, hyphens."""
    ascii_name = unicodedata.normalize("NFKD", name).encode("ascii", "ignore").decode()
    ascii_name = re.sub(r"['’]", "", ascii_name.lower())
    return re.sub(r"[^a-z0-9]+", "-", ascii_name).strip("-")


def graph_iri_for_file(stem: str) -> str:
    """Named graph of a plain Turtle data file (not a section graph)."""
    return GRAPH + slugify(stem)
