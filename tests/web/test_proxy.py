"""polegraph behind Debian's nginx, as docs/deploy.md sets it up (deploy/nginx-polegraph.conf itself),
with its public URL in the one setting POLEGRAPH_PUBLIC_URL: the pages, the 303s and /catalog as
seen through the proxy, whatever Host header a client sends."""

from __future__ import annotations

import hashlib
import os
import subprocess

import pytest
from rdflib import Graph, URIRef

from tests.support import PROJECT, polegraph_command
from tests.support.http import call
from tests.support.servers import start_polegraph
from tests.support.webservers import binary, start_nginx

PUBLIC = "https://polegraph.test/"  # the URL readers use: neither nginx's address nor polegraph's
SNIPPET = PROJECT / "deploy" / "nginx-polegraph.conf"
# What docs/deploy.md's site file puts around the snippet (listening on a test port, without TLS).
SITE = """
    limit_req_zone $binary_remote_addr zone=polegraph:10m rate=10r/s;
    upstream polegraph { server 127.0.0.1:UPSTREAM; keepalive 8; }
    server {
        listen 127.0.0.1:{port};
        server_name _;
        include SNIPPET;
    }
"""
DCAT = "http://www.w3.org/ns/dcat#"
LINKS = [URIRef(DCAT + name) for name in ("downloadURL", "accessURL", "endpointURL", "landingPage")]
LINKS.append(URIRef("http://xmlns.com/foaf/0.1/homepage"))


def _nginx(upstream):
    return start_nginx(SITE.replace("UPSTREAM", str(upstream.port)).replace("SNIPPET", str(SNIPPET)))


@pytest.fixture(scope="module")
def upstream(settings, release):
    running = start_polegraph(settings.var_dir, project=settings.project,
                              env={"POLEGRAPH_PUBLIC_URL": PUBLIC, "POLEGRAPH_TRUSTED_PROXIES": "127.0.0.1"})
    try:
        yield running
    finally:
        running.stop()


@pytest.fixture(scope="module")
def proxy(upstream):
    if binary("nginx") is None:
        pytest.skip("Debian's nginx is not installed (.ci/system-deps installs it)")
    running = _nginx(upstream).wait_ready("/health", 30)
    try:
        yield running
    finally:
        running.stop()


def _get(proxy, path: str, accept: str = "text/html", host: str = "polegraph.test"):
    return call(proxy.url, "GET", path, headers={"Accept": accept, "Host": host})


@pytest.mark.parametrize("path", ["/", "/downloads/", "/explorer", "/ontology", "/sparql", "/page/section/annexe-04"])
def test_the_pages_through_the_proxy(proxy, upstream, path):
    answer = _get(proxy, path)
    assert answer.status == 200 and answer.media_type == "text/html", (path, answer.status)
    assert f":{upstream.port}" not in answer.text, "the page names polegraph's own address"


def test_the_303s_through_the_proxy_stay_on_the_site(proxy, upstream, store):
    pole = store.select("SELECT ?p WHERE { ?p a <https://w3id.org/polegraph/ontology#Pole> } ORDER BY ?p LIMIT 1")
    path = pole[0]["p"].replace("https://w3id.org/polegraph", "")
    for accept, media_type in (("text/html", "text/html"), ("text/turtle", "text/turtle"),
                               ("application/ld+json", "application/ld+json")):
        first = _get(proxy, path, accept)
        assert first.status == 303, first.text
        location = first.headers["location"]
        assert location.startswith(("/", PUBLIC)) and str(upstream.port) not in location, location
        final = _get(proxy, location.replace(PUBLIC, "/", 1), accept)
        assert final.status == 200 and final.media_type == media_type, (location, final.status)
    dataset = _get(proxy, "/dataset", "text/turtle")
    assert dataset.status == 303 and dataset.headers["location"] in ("/catalog", PUBLIC + "catalog")


@pytest.mark.parametrize("host", ["polegraph.test", "attacker.example", "127.0.0.1:12345"])
def test_the_catalog_through_the_proxy_names_the_public_url_whatever_the_host_header(proxy, upstream, host):
    answer = _get(proxy, "/catalog", "text/turtle", host=host)
    assert answer.status == 200 and answer.media_type == "text/turtle"
    assert host not in answer.text or host == "polegraph.test"
    assert f":{upstream.port}/" not in answer.text and f":{proxy.port}/" not in answer.text
    graph = Graph().parse(data=answer.body, format="turtle")
    links = {str(o) for link in LINKS for o in graph.objects(None, link)}
    assert len(links) > 20 and all(link.startswith(PUBLIC) for link in links), sorted(links)[:5]
    ttl = next(link for link in links if link.endswith("/downloads/polegraph.ttl"))
    checksum = graph.value(graph.value(graph.value(None, URIRef(DCAT + "downloadURL"), URIRef(ttl)),
                                       URIRef("http://spdx.org/rdf/terms#checksum")),
                           URIRef("http://spdx.org/rdf/terms#checksumValue"))
    download = _get(proxy, ttl.replace(PUBLIC, "/", 1), "*/*", host=host)
    assert download.status == 200 and hashlib.sha256(download.body).hexdigest() == str(checksum)


def test_the_downloads_listing_through_the_proxy_names_no_host(proxy):
    listing = _get(proxy, "/downloads/", "application/json", host="attacker.example")
    assert listing.status == 200 and "attacker.example" not in listing.text
    assert "https://w3id.org/polegraph/dataset" in listing.json()["citation"]["en"]


def test_the_service_description_through_the_proxy_names_the_public_endpoint(proxy):
    answer = _get(proxy, "/sparql", "text/turtle", host="attacker.example")
    assert answer.status == 200
    endpoints = {str(o) for o in Graph().parse(data=answer.body, format="turtle").objects(
        None, URIRef("http://www.w3.org/ns/sparql-service-description#endpoint"))}
    assert endpoints == {PUBLIC + "sparql"}


def test_the_proxy_limits_each_client_as_polegraph_would(upstream):
    """Behind the proxy every client is this machine, which polegraph does not limit: nginx does."""
    if binary("nginx") is None:
        pytest.skip("Debian's nginx is not installed (.ci/system-deps installs it)")
    fresh = _nginx(upstream).wait_ready("/health", 30)
    try:
        statuses = [call(fresh.url, "GET", "/health").status for _ in range(200)]
    finally:
        fresh.stop()
    assert statuses[:60] == [200] * 60 and 429 in statuses[60:], statuses


def test_behind_the_trusted_proxy_each_client_is_known_by_its_own_address(proxy, upstream):
    """The proxy's X-Forwarded-For is believed from the proxy only: polegraph logs (and limits, and shares
    its capacity between) the real clients; a client sending the header itself is not believed."""
    answer = call(proxy.url, "GET", "/health", source="127.0.0.7", headers={"X-Forwarded-For": "203.0.113.1"})
    direct = call(upstream.url, "GET", "/health", source="127.0.0.8", headers={"X-Forwarded-For": "203.0.113.2"})
    log = upstream.output()
    line = next(line for line in log.splitlines() if answer.headers["x-request-id"] in line)
    assert line.split()[3] == "127.0.0.7", line  # the proxy appended the real peer after the forged hop
    line = next(line for line in log.splitlines() if direct.headers["x-request-id"] in line)
    assert line.split()[3] == "127.0.0.8", line  # not from a trusted proxy: the header is ignored


def test_a_public_url_that_is_not_an_absolute_url_is_refused():
    env = {**os.environ, "POLEGRAPH_PUBLIC_URL": "data.example.org"}
    result = subprocess.run(polegraph_command() + ["settings"], capture_output=True, text=True, env=env, timeout=60)
    assert result.returncode == 2 and "POLEGRAPH_PUBLIC_URL" in result.stderr, result.stderr
