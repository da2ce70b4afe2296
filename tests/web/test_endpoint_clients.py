"""Real SPARQL clients against the real server: SPARQLWrapper, rdflib's SPARQLStore, curl, roqet (issue 8)."""

from __future__ import annotations

import json
import shutil
import subprocess

import pytest
import rdflib
from SPARQLWrapper import CSV, JSON, N3, POST, TURTLE, XML, SPARQLWrapper

from tests.support.servers import start_polegraph

PG = rdflib.Namespace("https://w3id.org/polegraph/ontology#")
MINALOGIC = "https://w3id.org/polegraph/id/pole/minalogic"
PREFIXES = f"PREFIX pg: <{PG}> PREFIX pole: <https://w3id.org/polegraph/id/pole/> "
SELECT_POLES = PREFIXES + "SELECT ?pole WHERE { ?pole a pg:Pole } ORDER BY ?pole"


@pytest.fixture(scope="module")
def endpoint(settings, release, tmp_path_factory):
    server = start_polegraph(settings.var_dir, tmp_path_factory.mktemp("clients") / "server.log")
    try:
        yield server.url + "/sparql"
    finally:
        server.stop()


def _wrapper(endpoint: str, query: str, fmt, method=None) -> SPARQLWrapper:
    client = SPARQLWrapper(endpoint)
    client.setQuery(query)
    client.setReturnFormat(fmt)
    if method:
        client.setMethod(method)
    return client


@pytest.mark.parametrize("method", [None, POST])
def test_sparqlwrapper_select_as_json(endpoint, method):
    result = _wrapper(endpoint, SELECT_POLES, JSON, method).query().convert()
    poles = [b["pole"]["value"] for b in result["results"]["bindings"]]
    assert MINALOGIC in poles and len(poles) >= 53  # 53 pôles signed the manifesto


def test_sparqlwrapper_select_as_xml(endpoint):
    document = _wrapper(endpoint, SELECT_POLES, XML).query().convert()
    values = [node.firstChild.data for node in document.getElementsByTagName("uri")]
    assert MINALOGIC in values


def test_sparqlwrapper_select_as_csv(endpoint):
    lines = _wrapper(endpoint, SELECT_POLES, CSV).query().convert().decode().splitlines()
    assert lines[0] == "pole" and MINALOGIC in lines


def test_sparqlwrapper_ask(endpoint):
    result = _wrapper(endpoint, PREFIXES + "ASK { pole:minalogic a pg:Pole }", JSON).query().convert()
    assert result["boolean"] is True
    result = _wrapper(endpoint, PREFIXES + "ASK { pole:minalogic a pg:Person }", XML).query().convert()
    assert result.getElementsByTagName("boolean")[0].firstChild.data == "false"


@pytest.mark.parametrize("fmt", [XML, TURTLE, N3])
def test_sparqlwrapper_construct(endpoint, fmt):
    query = PREFIXES + "CONSTRUCT { ?p a pg:Pole } WHERE { ?p a pg:Pole }"
    graph = _wrapper(endpoint, query, fmt).query().convert()
    if not isinstance(graph, rdflib.Graph):
        graph = rdflib.Graph().parse(data=graph, format="turtle")
    assert (rdflib.URIRef(MINALOGIC), rdflib.RDF.type, PG.Pole) in graph


def test_sparqlwrapper_describe(endpoint):
    graph = _wrapper(endpoint, PREFIXES + "DESCRIBE pole:minalogic", XML).query().convert()
    assert isinstance(graph, rdflib.Graph)
    assert (rdflib.URIRef(MINALOGIC), rdflib.RDF.type, PG.Pole) in graph
    assert any("Minalogic" in str(label) for label in graph.objects(rdflib.URIRef(MINALOGIC), rdflib.RDFS.label))


@pytest.mark.parametrize("return_format", ["xml", "json"])
def test_rdflib_sparqlstore(endpoint, return_format):
    from rdflib.plugins.stores.sparqlstore import SPARQLStore

    graph = rdflib.Graph(store=SPARQLStore(endpoint, returnFormat=return_format))
    rows = list(graph.query(SELECT_POLES))
    assert rdflib.URIRef(MINALOGIC) in [row.pole for row in rows]
    assert graph.query(PREFIXES + "ASK { pole:minalogic a pg:Pole }").askAnswer is True
    assert (rdflib.URIRef(MINALOGIC), rdflib.RDF.type, PG.Pole) in graph
    assert rdflib.URIRef(MINALOGIC) in set(graph.subjects(rdflib.RDF.type, PG.Pole))


def test_rdflib_sparqlstore_construct(endpoint):
    """With returnFormat="xml" (its default) rdflib accepts RDF/XML for graphs; with "json" it asks only
    for SPARQL JSON results, which cannot carry a graph: the endpoint rightly answers 406 then."""
    from rdflib.plugins.stores.sparqlstore import SPARQLStore

    graph = rdflib.Graph(store=SPARQLStore(endpoint))
    constructed = graph.query(PREFIXES + "CONSTRUCT { pole:minalogic ?p ?o } WHERE { pole:minalogic ?p ?o }")
    assert (rdflib.URIRef(MINALOGIC), rdflib.RDF.type, PG.Pole) in constructed.graph


def test_rdflib_sparqlstore_cannot_write(endpoint):
    from rdflib.plugins.stores.sparqlstore import SPARQLUpdateStore

    store = SPARQLUpdateStore(endpoint, endpoint)
    with pytest.raises(Exception) as refused:
        store.update("INSERT DATA { <http://example.org/s> <http://example.org/p> 1 }")
    assert "403" in str(refused.value) or "read-only" in str(refused.value)


def _curl(*args: str) -> subprocess.CompletedProcess:
    if not shutil.which("curl"):
        pytest.skip("curl is not installed")
    return subprocess.run(["curl", "-sS", "--max-time", "30", *args], capture_output=True, timeout=60)


def test_curl_get_post_and_errors(endpoint):
    done = _curl("-G", "--data-urlencode", f"query={SELECT_POLES}", "-H", "Accept: text/csv", endpoint)
    assert MINALOGIC in done.stdout.decode().splitlines()
    done = _curl("-X", "POST", "--data-binary", PREFIXES + "ASK { pole:minalogic a pg:Pole }",
                 "-H", "Content-Type: application/sparql-query", endpoint)
    assert json.loads(done.stdout)["boolean"] is True
    done = _curl("--compressed", "-H", "Accept: text/turtle", endpoint)
    assert b"sd:Service" in done.stdout
    done = _curl("-w", "%{http_code}", "-o", "/dev/null", "-G", "--data-urlencode", "query=ASK {", endpoint)
    assert done.stdout == b"400"


def _roqet(*args: str) -> subprocess.CompletedProcess:
    if not shutil.which("roqet"):
        pytest.skip("roqet is not installed (Debian package rasqal-utils)")
    return subprocess.run(["roqet", *args], capture_output=True, timeout=60)


def test_roqet_select(endpoint):
    """roqet 0.9.33 asks for SPARQL XML results for every query form and its XML reader ignores
    <boolean>, so only SELECT is meaningful with it (ASK and CONSTRUCT are documented in docs/endpoint.md)."""
    done = _roqet("-p", endpoint, "-e", SELECT_POLES)
    assert done.returncode == 0, done.stderr.decode()
    assert f"pole=uri<{MINALOGIC}>" in done.stdout.decode()


def test_roqet_select_with_csv_results(endpoint):
    done = _roqet("-p", endpoint, "-r", "csv", "-e", PREFIXES + "SELECT ?label WHERE { pole:minalogic "
                  "<http://www.w3.org/2000/01/rdf-schema#label> ?label }")
    assert done.returncode == 0, done.stderr.decode()
    assert "Minalogic" in done.stdout.decode()
