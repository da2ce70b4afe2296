"""Per-client rate limiting (issue 13, point 3): a flooding client gets 429 + Retry-After, others don't notice."""

from __future__ import annotations

import threading
import time
from urllib.parse import quote

import pytest

from polegraph.web import create_app
from polegraph.web.ratelimit import TokenBuckets, is_loopback
from tests.support.http import call
from tests.support.servers import start_polegraph

TRIVIAL = "/sparql?query=" + quote("ASK { ?s ?p ?o }")
WORKERS = 2  # the server's default


class FakeClock:
    def __init__(self):
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def test_a_bucket_allows_its_burst_then_says_how_long_to_wait():
    clock = FakeClock()
    buckets = TokenBuckets(rate_per_s=2, burst=3, clock=clock)
    assert [buckets.take("a") for _ in range(3)] == [0, 0, 0]
    assert buckets.take("a") == pytest.approx(0.5)  # one token comes back every 1/2 s
    clock.now += 0.5
    assert buckets.take("a") == 0
    clock.now += 100  # refilled, but never beyond the burst
    assert [buckets.take("a") for _ in range(3)] == [0, 0, 0]
    assert buckets.take("a") > 0


def test_an_expensive_request_takes_more_tokens_but_never_more_than_the_burst():
    clock = FakeClock()
    buckets = TokenBuckets(rate_per_s=1, burst=10, clock=clock)
    assert buckets.take("a", cost=8) == 0
    assert buckets.take("a", cost=8) == pytest.approx(6)
    clock.now += 100
    assert buckets.take("a", cost=1000) == 0  # capped at the burst: possible once the bucket is full


def test_each_client_has_its_own_bucket():
    buckets = TokenBuckets(rate_per_s=1, burst=1, clock=FakeClock())
    assert buckets.take("a") == 0 and buckets.take("a") > 0
    assert buckets.take("b") == 0


def test_the_number_of_clients_remembered_is_bounded():
    buckets = TokenBuckets(rate_per_s=1, burst=1, max_clients=100, clock=FakeClock())
    for i in range(1000):
        buckets.take(f"10.0.{i // 256}.{i % 256}")
    assert len(buckets) == 100


@pytest.mark.parametrize("address,expected", [
    ("127.0.0.1", True), ("127.0.0.2", True), ("::1", True), ("::ffff:127.0.0.1", True),
    ("192.0.2.7", False), ("2001:db8::1", False), ("", False), ("not-an-address", False), (None, False),
])
def test_loopback_addresses_are_recognised(address, expected):
    assert is_loopback(address) is expected


@pytest.fixture
def limited_app(settings, release):
    def make(**changes):
        app = create_app(settings.with_(**changes), release)
        app.config["TESTING"] = True
        return app.test_client()

    return make


def test_a_client_over_its_burst_gets_429_with_retry_after(limited_app):
    client = limited_app(rate_limit_per_s=0.5, rate_limit_burst=3)
    remote = {"REMOTE_ADDR": "198.51.100.7"}
    statuses = [client.get(TRIVIAL, environ_base=remote).status_code for _ in range(3)]
    assert statuses == [200, 200, 200]
    refused = client.get(TRIVIAL, environ_base=remote, headers={"Accept": "application/json"})
    assert refused.status_code == 429
    assert int(refused.headers["Retry-After"]) >= 1
    assert refused.get_json()["error"] == "too-many-requests"
    assert refused.headers["Access-Control-Allow-Origin"] == "*"  # a browser client can read Retry-After
    assert client.get("/health", environ_base=remote).status_code == 200  # monitors are never limited
    assert client.get(TRIVIAL, environ_base={"REMOTE_ADDR": "198.51.100.8"}).status_code == 200


def test_localhost_is_exempt_by_default_and_limiting_can_be_switched_off(limited_app):
    local = limited_app(rate_limit_per_s=0.5, rate_limit_burst=1)
    assert {local.get(TRIVIAL).status_code for _ in range(5)} == {200}
    off = limited_app(rate_limit_per_s=0, rate_limit_burst=1, rate_limit_loopback=True)
    assert {off.get(TRIVIAL, environ_base={"REMOTE_ADDR": "198.51.100.7"}).status_code for _ in range(5)} == {200}


def test_the_default_server_does_not_limit_localhost(server):
    statuses = {call(server.url, "GET", TRIVIAL).status for _ in range(150)}  # more than 2 workers' bursts
    assert statuses == {200}


@pytest.fixture(scope="module")
def limited_server(settings, release, tmp_path_factory):
    log = tmp_path_factory.mktemp("ratelimit") / "server.log"
    server = start_polegraph(settings.var_dir, log, env={
        "POLEGRAPH_RATE_LIMIT": "2", "POLEGRAPH_RATE_BURST": "5", "POLEGRAPH_RATE_LIMIT_LOOPBACK": "1",
        "POLEGRAPH_WORKERS": str(WORKERS)})
    try:
        yield server
    finally:
        server.stop()


def test_a_flooding_client_is_refused_without_slowing_the_others(limited_server):
    """127.0.0.2 floods; 127.0.0.3, a polite client, is answered normally and fast meanwhile."""
    flood: list = []

    def flooder():
        for _ in range(60):
            flood.append(call(limited_server.url, "GET", TRIVIAL, source="127.0.0.2"))

    threads = [threading.Thread(target=flooder) for _ in range(4)]
    started = time.monotonic()
    for thread in threads:
        thread.start()
    polite = []
    for _ in range(4):
        polite.append(call(limited_server.url, "GET", TRIVIAL, source="127.0.0.3"))
        time.sleep(0.3)
    for thread in threads:
        thread.join(timeout=60)
    elapsed = time.monotonic() - started
    assert {a.status for a in flood} <= {200, 429}
    served = sum(a.status == 200 for a in flood)
    # At most each of the 2 web workers' buckets: the burst of 5, then 2 requests a second.
    assert served <= WORKERS * (5 + 2 * elapsed) + 1, f"{served} of {len(flood)} served in {elapsed:.1f} s"
    refused = [a for a in flood if a.status == 429]
    assert refused
    assert all(int(a.headers["retry-after"]) >= 1 for a in refused)
    # Generous bounds (a busy CI machine): refused at once, never queued; the polite client not held up.
    assert max(a.seconds for a in refused) < 3
    assert [a.status for a in polite] == [200] * 4
    assert max(a.seconds for a in polite) < 3


def test_the_client_is_the_peer_unless_the_peer_is_a_trusted_proxy():
    from polegraph.web.ratelimit import client_address, trusted_networks

    proxies = trusted_networks("10.0.0.1, 192.168.0.0/24")
    forged = {"REMOTE_ADDR": "203.0.113.9", "HTTP_X_FORWARDED_FOR": "198.51.100.1"}
    assert client_address(forged, proxies) == "203.0.113.9"  # a header anyone can send is not believed
    behind = {"REMOTE_ADDR": "10.0.0.1", "HTTP_X_FORWARDED_FOR": "198.51.100.1, 192.168.0.7"}
    assert client_address(behind, proxies) == "198.51.100.1"  # the last hop that is not a proxy of ours
    assert client_address(behind, ()) == "10.0.0.1"  # no proxy trusted: the peer
