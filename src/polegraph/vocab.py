"""The IRIs polegraph publishes (see README, "IRI policy"). Chosen once: they are public identifiers."""

from __future__ import annotations

import re
import unicodedata

from rdflib import Namespace

BASE = "https://w3id.org/polegraph/"
PG = Namespace(BASE + "ontology#")
ID = BASE + "id/"
GRAPH = BASE + "graph/"
SECTION = Namespace(ID + "section/")
DATASET_IRI = BASE + "dataset"

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
RELEASE = BASE + "release/"

# Other vocabularies, each namespace once.
RDF = "http://www.w3.org/1999/02/22-rdf-syntax-ns#"
RDFS = "http://www.w3.org/2000/01/rdf-schema#"
OWL = "http://www.w3.org/2002/07/owl#"
XSD = "http://www.w3.org/2001/XMLSchema#"
SKOS = "http://www.w3.org/2004/02/skos/core#"
DCTERMS = "http://purl.org/dc/terms/"
SH = "http://www.w3.org/ns/shacl#"
SD = "http://www.w3.org/ns/sparql-service-description#"
VOID = "http://rdfs.org/ns/void#"
ORG = "http://www.w3.org/ns/org#"
SCHEMA = "https://schema.org/"
FOAF = "http://xmlns.com/foaf/0.1/"
PROV = "http://www.w3.org/ns/prov#"
EURIO = "http://data.europa.eu/s66#"
# The vocabularies the ontology aligns with (rdfs:subClassOf / rdfs:subPropertyOf): an inferred triple
# whose property, or whose class for rdf:type, is theirs goes to the alignment graph. SKOS counts for
# classes only (`a skos:Concept`); skos:narrower, the inverse of an asserted skos:broader, is no copy.
ALIGNMENT_PROPERTY_NAMESPACES = (ORG, SCHEMA, FOAF, PROV, EURIO, DCTERMS)
ALIGNMENT_CLASS_NAMESPACES = (*ALIGNMENT_PROPERTY_NAMESPACES, SKOS)

KINDS = (
    "pole", "person", "role", "organisation", "initiative", "place", "filiere", "theme", "measure",
    "figure", "mandate", "participation", "document", "section", "scheme", "signature",
)

SLUG_RE = re.compile(r"^[a-z0-9]+(-[a-z0-9]+)*$")
THING_RE = re.compile(r"^" + re.escape(ID) + r"(?P<kind>[a-z]+)/(?P<slug>[a-z0-9]+(-[a-z0-9]+)*)$")

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


def slugify(name: str) -> str:
    """The slug of a name: accents folded, apostrophes and punctuation dropped, lower-case, hyphens."""
    ascii_name = unicodedata.normalize("NFKD", name).encode("ascii", "ignore").decode()
    ascii_name = re.sub(r"['’]", "", ascii_name.lower())
    return re.sub(r"[^a-z0-9]+", "-", ascii_name).strip("-")


def graph_iri_for_file(stem: str) -> str:
    """Named graph of a plain Turtle data file (not a section graph)."""
    return GRAPH + slugify(stem)
