"""Drive one SPARQL endpoint with wrk (Debian package `wrk`) and read back throughput and latency."""

from __future__ import annotations

import math
import re
import shutil
import subprocess
import urllib.parse
from dataclasses import dataclass

_UNITS = {"us": 1e-3, "ms": 1.0, "s": 1e3, "m": 60e3}

# What became of one query on one server (LoadResult.status).
MEASURED = "measured"
REFUSED = "refused"  # it answered an HTTP error status: nothing to measure
NO_ANSWER = "no answer"  # it did not answer within the per-query limit, alone or under load


@dataclass(frozen=True)
class LoadResult:
    requests_per_s: float
    p50_ms: float
    p99_ms: float
    requests: int
    errors: int  # non-2xx/3xx answers and socket errors, timeouts included
    timeouts: int = 0  # answers slower than wrk's --timeout (counted in `errors`, not in the latencies)
    status: str = MEASURED
    detail: str = ""  # why it was not measured, e.g. "HTTP 422"

    @classmethod
    def unmeasured(cls, status: str, detail: str = "") -> LoadResult:
        """A query with no load figures (refused, or not answered in time): 0 requests/s."""
        return cls(0.0, math.nan, math.nan, 0, 0, 0, status, detail)


def _ms(text: str) -> float:
    match = re.fullmatch(r"([\d.]+)(us|ms|s|m)", text.strip())
    if not match:
        raise ValueError(f"unreadable wrk latency {text!r}")
    return float(match.group(1)) * _UNITS[match.group(2)]


def parse_wrk(output: str) -> LoadResult:
    """Read wrk's --latency report. wrk leaves answers slower than --timeout out of its latencies,
    so they are NaN when every answer was one of those."""
    rps = float(re.search(r"Requests/sec:\s+([\d.]+)", output).group(1))
    p50 = _ms(re.search(r"^\s+50%\s+(\S+)", output, re.M).group(1))
    p99 = _ms(re.search(r"^\s+99%\s+(\S+)", output, re.M).group(1))
    total = int(re.search(r"(\d+) requests in", output).group(1))
    errors = timeouts = 0
    non2xx = re.search(r"Non-2xx or 3xx responses:\s+(\d+)", output)
    if non2xx:
        errors += int(non2xx.group(1))
    socket = re.search(r"Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)", output)
    if socket:
        errors += sum(int(x) for x in socket.groups())
        timeouts = int(socket.group(4))
    if total - timeouts <= 0:
        p50 = p99 = math.nan
    return LoadResult(rps, p50, p99, total, errors, timeouts)


def query_url(endpoint: str, query: str) -> str:
    return f"{endpoint}?{urllib.parse.urlencode({'query': query})}"


def run_load(endpoint: str, query: str, *, seconds: float, connections: int, threads: int = 2,
             accept: str = "application/sparql-results+json", timeout_s: float = 30) -> LoadResult:
    """GET the query for `seconds` with `connections` keep-alive connections. wrk stops at the end of
    `seconds` whatever is in flight (those requests are not counted); an answer slower than
    `timeout_s` counts as a timeout error. wrk takes whole seconds for both."""
    wrk = shutil.which("wrk")
    if wrk is None:
        raise FileNotFoundError("wrk is not installed (Debian package wrk; `make bench` installs it)")
    duration = max(1, round(seconds))
    command = [wrk, f"-t{threads}", f"-c{connections}", f"-d{duration}s", "--latency",
               "--timeout", f"{max(1, math.ceil(timeout_s))}s", "-H", f"Accept: {accept}",
               query_url(endpoint, query)]
    done = subprocess.run(command, capture_output=True, text=True, check=True, timeout=duration + 60)
    return parse_wrk(done.stdout)
