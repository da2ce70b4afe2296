"""The DCAT-AP description as a reader sees it: the dataset, its licence, its files and its SPARQL service.

Read from the very graph /catalog serves as RDF (publish/dcat.py), so the page and the data never
disagree; texts in the reader's language.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from rdflib import RDFS, Graph, Literal, URIRef
from rdflib.namespace import DCAT, DCTERMS, FOAF

from polegraph.vocab import CATALOG_IRI, DATASET_IRI


@dataclass
class Distribution:
    title: str
    url: str
    media_type: str
    size: int


@dataclass
class CatalogView:
    title: str
    description: str
    provenance: str
    keywords: list[str]
    licence: tuple[str, str]  # (IRI, label)
    publisher: str
    landing_page: str
    modified: str
    version: str
    temporal: tuple[str, str] | None
    source: str  # what the dataset is derived from
    distributions: list[Distribution] = field(default_factory=list)
    service: tuple[str, str, str] | None = None  # (title, description, endpoint URL)


def _text(graph: Graph, subject, predicate, lang: str) -> str:
    values = [o for o in graph.objects(subject, predicate) if isinstance(o, Literal)]
    chosen = [v for v in values if v.language == lang] or [v for v in values if not v.language] or values
    return str(sorted(chosen, key=str)[0]) if chosen else ""


def catalog_view(graph: Graph, lang: str) -> CatalogView:
    """What /catalog shows a browser, from its DCAT-AP graph."""
    ds = URIRef(DATASET_IRI)
    licence = next(iter(graph.objects(URIRef(CATALOG_IRI), DCTERMS.license)), None)
    publisher = next(iter(graph.objects(ds, DCTERMS.publisher)), None)
    temporal = next(iter(graph.objects(ds, DCTERMS.temporal)), None)
    provenance = next(iter(graph.objects(ds, DCTERMS.provenance)), None)
    view = CatalogView(
        title=_text(graph, ds, DCTERMS.title, lang), description=_text(graph, ds, DCTERMS.description, lang),
        provenance=_text(graph, provenance, RDFS.label, lang) if provenance is not None else "",
        keywords=sorted(str(k) for k in graph.objects(ds, DCAT.keyword) if getattr(k, "language", None) == lang),
        licence=(str(licence), _text(graph, licence, RDFS.label, lang)) if licence is not None else ("", ""),
        publisher=_text(graph, publisher, FOAF.name, lang) if publisher is not None else "",
        landing_page=str(next(iter(graph.objects(ds, DCAT.landingPage)), "")),
        modified=str(next(iter(graph.objects(ds, DCTERMS.modified)), "")),
        version=str(next(iter(graph.objects(ds, URIRef(str(DCAT) + "version"))), "")),
        temporal=(str(graph.value(temporal, DCAT.startDate))[:4], str(graph.value(temporal, DCAT.endDate))[:4])
        if temporal is not None else None,
        source=str(next(iter(graph.objects(ds, URIRef("http://www.w3.org/ns/prov#wasDerivedFrom"))), "")),
    )
    for dist in graph.objects(ds, DCAT.distribution):
        media = str(graph.value(dist, DCAT.mediaType) or "").rsplit("/media-types/", 1)[-1]
        view.distributions.append(Distribution(_text(graph, dist, DCTERMS.title, lang),
                                               str(graph.value(dist, DCAT.downloadURL) or ""), media,
                                               int(graph.value(dist, DCAT.byteSize) or 0)))
    view.distributions.sort(key=lambda d: d.url)
    service = next(iter(graph.objects(URIRef(CATALOG_IRI), DCAT.service)), None)
    if service is not None:
        view.service = (_text(graph, service, DCTERMS.title, lang), _text(graph, service, DCTERMS.description, lang),
                        str(graph.value(service, DCAT.endpointURL) or ""))
    return view
