"""The benchmark harness works end to end on a tiny run (its timings are not judged here)."""

from __future__ import annotations

import shutil

import pytest
from bench import run
from bench.loadgen import parse_wrk

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


def test_wrk_report_is_read():
    result = parse_wrk(WRK_OUTPUT)
    assert result.requests_per_s == pytest.approx(2104.61)
    assert result.p50_ms == pytest.approx(3.51)
    assert result.p99_ms == pytest.approx(1020)
    assert (result.requests, result.errors) == (2111, 3)


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
    assert "Servers disagree" not in report  # both servers answered the same 53 rows
    assert out.with_suffix(".png").stat().st_size > 1000
