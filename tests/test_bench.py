"""The benchmark harness works end to end on a tiny run (its timings are not judged here)."""

from __future__ import annotations

import json
import math
import re
import shutil
import sys
import time

import pytest
from bench import report, run
from bench.loadgen import NO_ANSWER, REFUSED, LoadResult, parse_wrk
from bench.servers import Server, start

from polegraph.query.named import load_queries
from tests.support import free_port

WRK_OUTPUT = """Running 1s test @ http://127.0.0.1:1/sparql
  2 threads and 8 connections
  Thread Stats   Avg      Stdev     Max   +/- Stdev
    Latency     3.90ms    1.40ms  15.31ms   83.07%
  Latency Distribution
     50%    3.51ms
     75%    4.21ms
     90%    5.51ms
     99%    1.02s
  2111 requests in 1.00s, 3.42MB read
  Non-2xx or 3xx responses: 3
Requests/sec:   2104.61
Transfer/sec:      3.41MB
"""

# wrk -c2 --timeout 1s on a server taking 2 s per answer: every answer is a timeout.
WRK_TIMEOUTS = """Running 6s test @ http://127.0.0.1:1/sparql
  1 threads and 2 connections
  Thread Stats   Avg      Stdev     Max   +/- Stdev
    Latency     0.00us    0.00us   0.00us    -nan%
    Req/Sec     0.00      0.00     0.00    100.00%
  Latency Distribution
     50%    0.00us
     75%    0.00us
     90%    0.00us
     99%    0.00us
  3 requests in 6.01s, 615.00B read
  Socket errors: connect 0, read 0, write 0, timeout 3
Requests/sec:      0.50
Transfer/sec:     102.33B
"""


def test_wrk_report_is_read():
    result = parse_wrk(WRK_OUTPUT)
    assert result.requests_per_s == pytest.approx(2104.61)
    assert result.p50_ms == pytest.approx(3.51)
    assert result.p99_ms == pytest.approx(1020)
    assert (result.requests, result.errors, result.timeouts) == (2111, 3, 0)


def test_wrk_timeouts_are_errors_and_leave_no_latency():
    result = parse_wrk(WRK_TIMEOUTS)
    assert (result.requests, result.errors, result.timeouts) == (3, 3, 3)
    assert math.isnan(result.p50_ms) and math.isnan(result.p99_ms)


def test_a_slow_answer_gets_a_longer_load_window_up_to_the_limit():
    assert run.load_window(2, 0.01, 20) == 2
    assert run.load_window(2, 2.6, 20) == pytest.approx(7.8)
    assert run.load_window(2, 15.7, 20) == 20


def test_the_rdflib_ratio_is_over_the_queries_both_answered_alike_and_counts_the_others():
    answered = LoadResult(100.0, 1.0, 2.0, 200, 0)
    results = {"polegraph": dict.fromkeys("abcde", answered),
               "rdflib-endpoint": {"a": LoadResult.unmeasured(REFUSED, "HTTP 422"),
                                   "b": LoadResult.unmeasured(NO_ANSWER),
                                   "c": LoadResult(2.0, 400.0, 900.0, 4, 0),
                                   "d": LoadResult.unmeasured(NO_ANSWER, "no answer within 20 s under load"),
                                   "e": LoadResult(4.0, 200.0, 300.0, 8, 0)}}
    sizes = {"polegraph": dict.fromkeys("abcde", 3), "rdflib-endpoint": {"a": -1, "b": -2, "c": 3, "d": 3, "e": 5}}
    ratios = report.compute_ratios(results, sizes, "abcde")
    assert {q: r.get("uncached_vs_rdflib_endpoint") for q, r in ratios.items()} == {
        "a": None, "b": None, "c": 50.0, "d": None, "e": None}
    reasons = report.left_out(results, sizes, "abcde", "uncached_vs_rdflib_endpoint")
    assert reasons == {"rdflib-endpoint:refused": ["a"], "rdflib-endpoint:no answer": ["b"],
                       "rdflib-endpoint:no answer under load": ["d"], "sizes": ["e"]}
    assert report.describe_left_out(reasons, 20) == (
        "rdflib-endpoint refused 1 query and did not answer 2 queries within 20 s (1 of them answered alone, "
        "but no request of its load); 1 query answered with different result sizes")


def test_tiny_benchmark_run_writes_its_report(tmp_path):
    if shutil.which("wrk") is None:
        pytest.skip("wrk is not installed (Debian package wrk; .ci/system-deps installs it)")
    out = tmp_path / "benchmarks.md"
    assert run.main(["--seconds", "1", "--queries", "poles-and-presidents", "--scales", "1,2",
                     "--servers", "polegraph,polegraph-cached,oxigraph-memory", "--out", str(out)]) == 0
    report = out.read_text()
    assert "| poles-and-presidents |" in report
    assert "uncached vs oxigraph" in report and "cached vs oxigraph" in report
    assert "| ×2 |" in report
    for scale in ("×1", "×2"):  # a start-up is the median of three starts, each shown
        row = next(line for line in report.splitlines() if line.startswith(f"| {scale} |"))
        median, *starts = map(float, re.findall(r"[\d.]+", row.split("|")[5]))
        assert len(starts) == 3 and median == sorted(starts)[1], row
    assert "Servers disagree" not in report  # both servers answered the same 53 rows
    assert out.with_suffix(".png").stat().st_size > 1000


# A SPARQL endpoint that answers 3 rows to any query, except the query texts of its behaviour file:
# "hang" sleeps for good, "refuse" answers 422, "slow" takes 0.4 s. With behaviours it is single-threaded
# (like rdflib-endpoint: one slow query blocks every request); without, it answers each connection in a
# thread, as polegraph does, so requests a load run leaves queued cannot make it look hung on a busy
# machine. The alarm ends it should a test leave it behind.
FAKE_ENDPOINT = """
import http.server, json, signal, sys, time, urllib.parse

signal.alarm(120)
port, behaviours = int(sys.argv[1]), json.load(open(sys.argv[2]))


class Handler(http.server.BaseHTTPRequestHandler):
    def do_GET(self):
        query = urllib.parse.parse_qs(urllib.parse.urlsplit(self.path).query).get("query", [""])[0]
        what = behaviours.get(query)
        if what == "hang":
            time.sleep(3600)
        if what == "refuse":
            self.send_error(422)
            return
        if what == "slow":
            time.sleep(0.4)
        body = json.dumps({"head": {"vars": ["x"]}, "results": {"bindings": [{}, {}, {}]}}).encode()
        self.send_response(200)
        self.send_header("Content-Type", "application/sparql-results+json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args):
        pass


server = http.server.HTTPServer if behaviours else http.server.ThreadingHTTPServer
server(("127.0.0.1", port), Handler).serve_forever()
"""


def fake_endpoint(tmp_path, name: str, behaviours: dict[str, str], starts: list[float]):
    """A harness starter (run.STARTERS) for the fake endpoint; `starts` records each start."""
    script, conf = tmp_path / "fake_endpoint.py", tmp_path / f"{name}.json"
    script.write_text(FAKE_ENDPOINT)
    conf.write_text(json.dumps(behaviours))

    def starter(project, var, workdir) -> Server:
        port = free_port()
        starts.append(time.monotonic())
        return start(name, [sys.executable, str(script), str(port), str(conf)], port, "/sparql?query=ASK%7B%7D",
                     "/sparql", log=tmp_path / f"{name}.log", timeout=20)

    return starter


def test_a_server_that_hangs_on_a_query_is_restarted_and_the_other_queries_measured(tmp_path, monkeypatch):
    if shutil.which("wrk") is None:
        pytest.skip("wrk is not installed (Debian package wrk; .ci/system-deps installs it)")
    queries = load_queries(run.PROJECT / "queries")
    hang, refuse, slow = "p1-afpc-people", "p2-quantum-initiatives", "p1-asteerics-funders"
    fine = "poles-and-presidents"
    fast_starts: list[float] = []
    slow_starts: list[float] = []
    monkeypatch.setitem(run.STARTERS, "polegraph", fake_endpoint(tmp_path, "polegraph", {}, fast_starts))
    monkeypatch.setitem(run.STARTERS, "rdflib-endpoint", fake_endpoint(
        tmp_path, "rdflib-endpoint",
        {queries[hang].text: "hang", queries[refuse].text: "refuse", queries[slow].text: "slow"}, slow_starts))
    out = tmp_path / "benchmarks.md"
    began = time.monotonic()
    assert run.main(["--seconds", "1", "--queries", ",".join([hang, refuse, slow, fine]), "--scales", "",
                     "--servers", "polegraph,rdflib-endpoint", "--query-limit-s", "1", "--out", str(out)]) == 0
    assert time.monotonic() - began < 60
    report = out.read_text()
    rows = {line.split(" | ")[0][2:]: line.split(" | ")[1:] for line in report.splitlines() if line.startswith("| p")}
    measured = re.compile(r"[\d,.]+ req/s, [\d.]+ / [\d.]+ ms, 3 rows")
    assert all(measured.match(rows[q][0]) for q in (hang, refuse, slow, fine))  # the fast one answered all
    assert rows[hang][1].startswith("**no answer within 1 s** (0 req/s)")
    assert rows[refuse][1].startswith("**refused** (HTTP 422)")
    assert measured.match(rows[slow][1]) and measured.match(rows[fine][1])  # after the hang: restarted
    # Restarted after the hang, and again after the slow query's load (wrk left requests queued).
    assert (len(fast_starts), len(slow_starts)) == (1, 3)
    goal = next(line for line in report.splitlines() if line.startswith("| uncached vs rdflib-endpoint |"))
    assert "| ≥ 30× |" in goal
    assert ("| 2 of 4; 2 queries left out: rdflib-endpoint refused 1 query and did not answer 1 query "
            "within 1 s |") in goal
    assert re.search(r"^\| rdflib-endpoint \| [\d.]+ \| \d+ \| 2 \|$", report, re.M)  # its 2 restarts


def test_the_reload_check_serves_both_releases_and_fails_no_request(capsys):
    """`python -m bench.reload` on a tiny run: the server takes each release in turn while a client asks."""
    from bench import reload

    assert reload.main(["--reloads", "2", "--clients", "1", "--every", "1.5"]) == 0
    printed = capsys.readouterr().out
    assert "2 reloads, 1 clients on new connections" in printed
    assert "0 failed" in printed and "releases served: 2 of 2" in printed
