"""The mixed scenario of `make loadtest`: one client misbehaves while the others go on.

127.0.0.2 keeps 8 expensive queries (a cartesian product) and 8 validations in flight all the time;
meanwhile 8 polite clients, each from its own loopback address (127.0.0.10 …), ask cheap named
queries and open pages one after the other. The server runs with its default shares (web/admission.py)
and a 10 s deadline. Reported: the polite clients' latencies and errors, and what the greedy client got.
"""

from __future__ import annotations

import statistics
import threading
import time
import urllib.parse
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

from tests.support.http import call
from tests.support.servers import start_polegraph

GREEDY = "127.0.0.2"
POLITE = [f"127.0.0.{10 + n}" for n in range(8)]
EXPENSIVE = "/sparql?" + urllib.parse.urlencode(
    {"query": "SELECT (COUNT(*) AS ?n) WHERE { ?a ?b ?c . ?d ?e ?f . ?g ?h ?i }"})
DOCUMENT = """@prefix pg: <https://w3id.org/polegraph/ontology#> .
@prefix rdfs: <http://www.w3.org/2000/01/rdf-schema#> .
<https://w3id.org/polegraph/id/initiative/essai> a pg:Project ; rdfs:label "Essai"@fr ;
    pg:ledBy <https://w3id.org/polegraph/id/pole/minalogic> .
"""
PAGES = ("/", "/page/pole/minalogic", "/search?q=vehicule", "/explorer")
DEADLINE_S = 10


@dataclass
class Mixed:
    seconds: float
    polite_ms: list[float] = field(default_factory=list)
    polite_errors: Counter = field(default_factory=Counter)
    greedy: Counter = field(default_factory=Counter)

    @property
    def p99_ms(self) -> float:
        ordered = sorted(self.polite_ms)
        return ordered[min(len(ordered) - 1, int(0.99 * len(ordered)))] if ordered else float("nan")

    @property
    def passed(self) -> bool:
        return not self.polite_errors and bool(self.polite_ms) and self.p99_ms < 1000

    def rows(self) -> list[tuple[str, str]]:
        return [
            ("Polite answers (8 clients, one request at a time each)", f"{len(self.polite_ms)} in {self.seconds:g} s"),
            ("Polite errors (anything but 200)", f"**{sum(self.polite_errors.values())}**"),
            ("Polite latency p50 / p99 / max",
             f"{statistics.median(self.polite_ms):.1f} / **{self.p99_ms:.1f}** / {max(self.polite_ms):.1f} ms"),
            ("The greedy client's answers", ", ".join(f"{count} × {status}" for status, count in
                                                    sorted(self.greedy.items()))),
            ("Verdict: every polite answer 200, p99 under 1 s", "PASS" if self.passed else "**FAIL**"),
        ]


def run_mixed(var: Path, paths: list[str], seconds: float) -> Mixed:
    """Serve the release of `var` with the default shares and run the scenario for `seconds`."""
    server = start_polegraph(var, env={"POLEGRAPH_QUERY_TIMEOUT": str(DEADLINE_S)})
    mixed, stop, lock = Mixed(seconds), threading.Event(), threading.Lock()

    def greedy(validate: bool) -> None:
        while not stop.is_set():
            if validate:
                answer = call(server.url, "POST", "/validate", body=DOCUMENT, source=GREEDY, timeout=60,
                              headers={"Content-Type": "text/turtle"})
            else:
                answer = call(server.url, "GET", EXPENSIVE, source=GREEDY, timeout=60)
            with lock:
                mixed.greedy[f"{'validation' if validate else 'query'} {answer.status}"] += 1
            if answer.status == 429:
                time.sleep(0.2)

    def polite(source: str) -> None:
        turn = 0
        while not stop.is_set():
            path = (paths + list(PAGES))[turn % (len(paths) + len(PAGES))]
            turn += 1
            answer = call(server.url, "GET", path, source=source, timeout=60)
            with lock:
                if answer.status == 200:
                    mixed.polite_ms.append(answer.seconds * 1000)
                else:
                    mixed.polite_errors[answer.status] += 1

    try:
        for path in PAGES:  # what a page computes once per worker is not what is measured
            for source in POLITE:
                call(server.url, "GET", path, source=source)
        threads = [threading.Thread(target=greedy, args=(n >= 8,)) for n in range(16)]
        threads += [threading.Thread(target=polite, args=(source,)) for source in POLITE]
        for thread in threads:
            thread.start()
        time.sleep(seconds)
        stop.set()
        for thread in threads:
            thread.join(timeout=DEADLINE_S + 60)
    finally:
        server.stop()
    return mixed
