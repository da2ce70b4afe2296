"""One client must never freeze the endpoint for everyone else (web/admission.py).

Over HTTP against the real server, two clients on two loopback addresses: 127.0.0.2 misbehaves (eight
expensive queries and eight validations at once), 127.0.0.3 keeps asking cheap questions and opening
pages. The second is answered at once throughout; the first gets 429 with Retry-After for what
exceeds its share, and what is within its share runs to its answer or its deadline.
"""

from __future__ import annotations

import threading
import time
from urllib.parse import quote

import pytest

from polegraph.settings import Settings
from polegraph.web.admission import QUERY, VALIDATE, Admission
from tests.support.http import call
from tests.support.servers import start_polegraph

DEADLINE_S = 8
EXPENSIVE = "/sparql?query=" + quote("SELECT (COUNT(*) AS ?n) WHERE { ?a ?b ?c . ?d ?e ?f . ?g ?h ?i }")
CHEAP = ("/sparql?query=" + quote("ASK { ?s a <https://w3id.org/polegraph/ontology#Pole> }"), "/",
         "/page/pole/minalogic", "/search?q=vehicule")
DOCUMENT = """@prefix pg: <https://w3id.org/polegraph/ontology#> .
@prefix rdfs: <http://www.w3.org/2000/01/rdf-schema#> .
<https://w3id.org/polegraph/id/initiative/essai> a pg:Project ; rdfs:label "Essai"@fr ;
    pg:ledBy <https://w3id.org/polegraph/id/pole/minalogic> .
"""


@pytest.fixture(scope="module")
def served(settings, release, tmp_path_factory):
    log = tmp_path_factory.mktemp("fairness") / "server.log"
    server = start_polegraph(settings.var_dir, log, {"POLEGRAPH_QUERY_TIMEOUT": str(DEADLINE_S)})
    try:
        yield server
    finally:
        server.stop()


def test_a_misbehaving_client_gets_its_share_and_the_others_are_answered_at_once(served):
    for _ in range(4):  # what a page computes once per worker is computed before the test
        for path in CHEAP:
            assert call(served.url, "GET", path, source="127.0.0.3").status == 200
    greedy: list = []

    def expensive():
        greedy.append(("query", call(served.url, "GET", EXPENSIVE, source="127.0.0.2", timeout=60)))

    def validation():
        greedy.append(("validate", call(served.url, "POST", "/validate", body=DOCUMENT, source="127.0.0.2",
                                        headers={"Content-Type": "text/turtle"}, timeout=60)))

    threads = [threading.Thread(target=work) for work in [expensive] * 8 + [validation] * 8]
    for thread in threads:
        thread.start()
    time.sleep(0.5)  # the greedy client's share is taken
    polite = []
    until = time.monotonic() + 10
    while time.monotonic() < until:
        for path in CHEAP:
            polite.append((path, call(served.url, "GET", path, source="127.0.0.3", timeout=30)))
    for thread in threads:
        thread.join(timeout=120)
    refused = [answer for _, answer in greedy if answer.status == 429]
    assert refused and all(int(answer.headers["retry-after"]) >= 1 for answer in refused)
    assert all(answer.json()["error"] in ("too-many-running", "client-budget-spent") for answer in refused)
    queries = [answer.status for lane, answer in greedy if lane == "query"]
    assert queries.count(429) >= 6 and 1 <= len(queries) - queries.count(429) <= 2, queries  # its share ran
    assert set(queries) <= {429, 503}, queries  # to the deadline (a cartesian product never answers in time)
    validations = [answer.status for lane, answer in greedy if lane == "validate"]
    assert validations.count(429) == 7 and set(validations) - {429} <= {200, 503}, validations  # one ran
    slow = [(path, answer.status, round(answer.seconds, 2)) for path, answer in polite
            if answer.status != 200 or answer.seconds >= 1]
    assert not slow, f"the polite client was held up or refused: {slow[:10]} of {len(polite)}"
    assert len(polite) >= 20


def test_a_client_can_use_its_share_again_once_its_work_is_done(served):
    for _ in range(3):  # one after the other: never more than its share
        assert call(served.url, "GET", CHEAP[0], source="127.0.0.4").status == 200


# --- the shares themselves, without a server --------------------------------------------------------------


def test_running_work_is_counted_per_client_and_released():
    admission = Admission(Settings(client_queries=2, query_processes=8))
    first, second = admission.enter("a", QUERY), admission.enter("a", QUERY)
    with pytest.raises(Exception) as refused:
        admission.enter("a", QUERY)
    assert refused.value.http_status == 429 and refused.value.headers["Retry-After"]
    other = admission.enter("b", QUERY)  # another client is not held back
    first.leave()
    admission.enter("a", QUERY).leave()
    for ticket in (second, other):
        ticket.leave()


def test_the_last_free_place_is_kept_for_clients_with_nothing_running():
    admission = Admission(Settings(client_queries=4, query_processes=2))  # 4 places: 2 processes, 2 for long work
    busy = [admission.enter("a", QUERY) for _ in range(3)]  # 3 of the 4 places
    with pytest.raises(Exception) as refused:
        admission.enter("a", QUERY)
    assert refused.value.kind == "too-many-running"
    newcomer = admission.enter("b", QUERY)
    for ticket in (*busy, newcomer):
        ticket.leave()


def test_keeping_no_place_free_lets_one_client_use_them_all():
    admission = Admission(Settings(client_queries=5, query_processes=2, keep_free=0))
    busy = [admission.enter("a", QUERY) for _ in range(5)]  # one more than the places: it waits for one
    with pytest.raises(Exception) as refused:  # its own share still holds
        admission.enter("a", QUERY)
    assert refused.value.kind == "too-many-running"
    for ticket in busy:
        ticket.leave()


def test_the_time_budget_refuses_until_it_refills():
    admission = Admission(Settings(client_seconds=1.0))
    ticket = admission.enter("a", QUERY)
    ticket.started -= 5  # as if it had worked five seconds
    ticket.leave()
    with pytest.raises(Exception) as refused:
        admission.enter("a", QUERY)
    assert refused.value.kind == "client-budget-spent" and int(refused.value.headers["Retry-After"]) >= 60


def test_validations_are_one_per_client_and_bounded_for_the_service():
    admission = Admission(Settings(validations=2))
    first = admission.enter("a", VALIDATE)
    with pytest.raises(Exception) as refused:
        admission.enter("a", VALIDATE)
    assert refused.value.http_status == 429
    second = admission.enter("b", VALIDATE)
    with pytest.raises(Exception) as full:
        admission.enter("c", VALIDATE)
    assert full.value.http_status == 503
    first.leave()
    admission.enter("c", VALIDATE).leave()
    second.leave()
