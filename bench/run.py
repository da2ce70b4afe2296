"""`make bench`: polegraph beside the Oxigraph server and rdflib-endpoint, on the same release.

For every named query of queries/ and every server: wrk with N keep-alive connections for a few
seconds; then the ratios the performance goal is stated in, the build / start-up / memory figures
at ×1, ×10 and ×100 the real graph, and a plot. Writes docs/benchmarks.md and docs/benchmarks.png.

A server that does not answer a query within --query-limit-s (rdflib-endpoint spends minutes on
some) has that query recorded as not answered and is restarted; a query it refuses (HTTP error) is
recorded as refused. Neither enters the ratios; the report counts them.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import platform
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Callable
from dataclasses import dataclass
from importlib import metadata
from pathlib import Path

from tests.support import PROJECT  # noqa: E402

from polegraph.query.named import NamedQuery, load_queries

from .loadgen import MEASURED, NO_ANSWER, REFUSED, LoadResult, run_load
from .servers import (
    Server,
    start_oxigraph_disk,
    start_oxigraph_memory,
    start_polegraph,
    start_rdflib_endpoint,
    tree_memory_mb,
)
from .synthetic import make_project

ACCEPT = "application/sparql-results+json, application/n-triples;q=0.9"
REFUSED_SIZE, NO_ANSWER_SIZE = -1, -2  # result sizes of an error status / of no answer in time
QUERY_LIMIT_S = 20.0
STARTS = 3  # serve start-ups measured per scale


def _dataset(var: Path) -> Path:
    return (var / "current" / "dataset.nq").resolve()


# Every server the harness knows, by name: (project, var, workdir) → a started Server. Tests
# register their own here.
STARTERS: dict[str, Callable[[Path, Path, Path], Server]] = {
    "polegraph": lambda project, var, workdir: start_polegraph(project, var, workdir, cache=False),
    "polegraph-cached": lambda project, var, workdir: start_polegraph(project, var, workdir, cache=True),
    "oxigraph-memory": lambda project, var, workdir: start_oxigraph_memory(_dataset(var), workdir),
    "oxigraph-disk": lambda project, var, workdir: start_oxigraph_disk(_dataset(var), workdir),
    "rdflib-endpoint": lambda project, var, workdir: start_rdflib_endpoint(_dataset(var), workdir),
}
SERVERS = tuple(STARTERS)


def log(message: str) -> None:
    """Progress on stderr: a full run takes many minutes."""
    print(f"[bench {time.strftime('%H:%M:%S')}] {message}", file=sys.stderr, flush=True)


def timed_run(command: list[str], env=None) -> tuple[float, int]:
    """Wall seconds and peak resident memory (MiB) of one command."""
    started = time.monotonic()
    process = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, env=env)
    _pid, status, usage = os.wait4(process.pid, 0)
    if os.waitstatus_to_exitcode(status) != 0:
        raise RuntimeError(f"{' '.join(command[:4])}… failed: {process.stderr.read().decode()[-1500:]}")
    return time.monotonic() - started, usage.ru_maxrss // 1024


def build(project: Path, var: Path) -> tuple[float, int, dict]:
    seconds, peak = timed_run([sys.executable, "-m", "polegraph", "--project", str(project), "--var", str(var),
                               "build"])
    meta = json.loads((var / "current" / "release.json").read_text())
    return seconds, peak, meta


def start(name: str, project: Path, var: Path, workdir: Path) -> Server:
    return STARTERS[name](project, var, workdir)


@dataclass(frozen=True)
class Answer:
    size: int  # rows (or triples), or REFUSED_SIZE / NO_ANSWER_SIZE
    seconds: float
    detail: str = ""  # why there is no size: "HTTP 422", "no answer within 20 s"


def answer(endpoint: str, query: str, timeout_s: float = 120) -> Answer:
    """One request: its result size and wall time, or why there is none. A server that has not
    answered after `timeout_s` is taken as still computing (rdflib-endpoint can take minutes)."""
    url = f"{endpoint}?{urllib.parse.urlencode({'query': query})}"
    request = urllib.request.Request(url, headers={"Accept": ACCEPT})
    started = time.monotonic()
    try:
        with urllib.request.urlopen(request, timeout=timeout_s) as response:
            body = response.read()
            content_type = response.headers.get("Content-Type", "")
    except urllib.error.HTTPError as exc:
        return Answer(REFUSED_SIZE, time.monotonic() - started, f"HTTP {exc.code}")
    except (urllib.error.URLError, OSError) as exc:  # timeouts, refused or reset connections
        timed_out = isinstance(exc, TimeoutError) or isinstance(getattr(exc, "reason", None), TimeoutError)
        detail = f"no answer within {timeout_s:g} s" if timed_out else f"no answer ({exc})"
        return Answer(NO_ANSWER_SIZE, time.monotonic() - started, detail)
    seconds = time.monotonic() - started
    if "json" in content_type:
        data = json.loads(body)
        return Answer(len(data["results"]["bindings"]) if "results" in data else 1, seconds)
    return Answer(len([line for line in body.splitlines() if line.strip()]), seconds)


def result_size(endpoint: str, query: str, timeout_s: float = 120) -> int:
    """Rows (or triples, as N-Triples lines) a server answers, to check every server answers alike;
    REFUSED_SIZE for an error status, NO_ANSWER_SIZE for no answer within `timeout_s` (logged)."""
    got = answer(endpoint, query, timeout_s)
    if got.size < 0:
        log(f"{endpoint}: {got.detail} for a query")
    return got.size


def load_window(seconds: float, latency_s: float, limit_s: float) -> float:
    """How long to load a query: `seconds`, or longer (up to the limit) when one answer takes a good
    part of that, else wrk would complete no request and report 0 requests/s for an answered query."""
    return seconds if 3 * latency_s <= seconds else max(seconds, min(limit_s, 3 * latency_s))


def measure_query(endpoint: str, query: str, latency_s: float, seconds: float, connections: int,
                  limit_s: float) -> LoadResult:
    """wrk on one query, each request bounded by the limit; a server that answers no request of the
    load within the limit has not answered the query."""
    window = load_window(seconds, latency_s, limit_s)
    load = run_load(endpoint, query, seconds=window, connections=connections, accept=ACCEPT, timeout_s=limit_s)
    if load.requests == 0 and window < limit_s:
        window = limit_s
        load = run_load(endpoint, query, seconds=window, connections=connections, accept=ACCEPT,
                        timeout_s=limit_s)
    if load.requests == 0:
        return LoadResult.unmeasured(NO_ANSWER, f"no answer within {max(1, round(window))} s under load")
    return load


def measure_servers(names: list[str], queries: dict[str, NamedQuery], project: Path, var: Path, workdir: Path,
                    seconds: float, connections: int, limit_s: float = QUERY_LIMIT_S,
                    timing: dict[str, dict] | None = None,
                    ) -> tuple[dict[str, dict[str, LoadResult]], dict[str, dict[str, int]], dict[str, float]]:
    """Every query on every server, one server at a time. A server that does not answer a query
    within `limit_s` is still computing it and, single-process, blocks every later request: the
    query is recorded as not answered and the server restarted, as is a server still busy `limit_s`
    after a load run (requests wrk left queued). `timing` receives, per server, the wall time of its
    part and its restarts."""
    results: dict[str, dict[str, LoadResult]] = {}
    sizes: dict[str, dict[str, int]] = {}
    startup: dict[str, float] = {}
    for name in names:
        began = time.monotonic()
        server = start(name, project, var, workdir)
        startup[name] = server.startup_s
        log(f"{name}: ready in {server.startup_s:.2f} s")
        restarts = 0
        try:
            results[name], sizes[name] = {}, {}
            for query in queries.values():
                got = answer(server.endpoint, query.text_with(), limit_s)
                sizes[name][query.name] = got.size
                if got.size == REFUSED_SIZE:
                    log(f"{name}: {query.name} refused ({got.detail})")
                    results[name][query.name] = LoadResult.unmeasured(REFUSED, got.detail)
                    continue
                if got.size == NO_ANSWER_SIZE:
                    results[name][query.name] = LoadResult.unmeasured(NO_ANSWER, got.detail)
                    busy = f"{query.name}: {got.detail}"
                else:
                    load = measure_query(server.endpoint, query.text_with(), got.seconds, seconds, connections, limit_s)
                    results[name][query.name] = load
                    if load.status == NO_ANSWER:
                        log(f"{name}: {query.name}: {load.detail}")
                    settled = answer(server.endpoint, "ASK {}", limit_s)
                    if settled.size != NO_ANSWER_SIZE:
                        continue
                    busy = f"still busy {limit_s:g} s after the load on {query.name}"
                log(f"{name}: {busy}; restarting it")
                server.stop(grace_s=2)
                restarts += 1
                server = start(name, project, var, workdir)
            wall = time.monotonic() - began
            missing = {q: r.detail or r.status for q, r in results[name].items() if r.status != MEASURED}
            log(f"{name}: {len(queries)} queries in {wall:.0f} s, {restarts} restarts"
                + (f"; not measured: {missing}" if missing else ""))
            if timing is not None:
                timing[name] = {"wall_s": wall, "restarts": restarts}
        finally:
            server.stop()
    return results, sizes, startup


def scale_figures(scales, queries, workdir):
    rows = []
    for scale in scales:
        project = make_project(PROJECT, workdir / f"scale-{scale}", scale) if scale > 1 else PROJECT
        var = workdir / f"var-{scale}"
        build_s, build_mb, meta = build(project, var)
        log(f"scale ×{scale}: {meta['statistics']['triples']:,} triples built in {build_s:.1f} s")
        # The start-up is the median of STARTS: one stall of a shared machine does not make a start slow.
        startups = []
        for _ in range(STARTS - 1):
            server = start_polegraph(project, var, workdir, cache=False)
            startups.append(server.startup_s)
            server.stop()
        server = start_polegraph(project, var, workdir, cache=False)  # every answer computed, none reused
        startups.append(server.startup_s)
        latencies = {}
        try:
            serve_mb = tree_memory_mb(server.process.pid)
            for query in queries.values():
                result_size(server.endpoint, query.text_with())  # warm
                runs = []
                for _ in range(3):  # the median: one stall of a shared machine does not make a query slow
                    started = time.monotonic()
                    result_size(server.endpoint, query.text_with())
                    runs.append(time.monotonic() - started)
                latencies[query.name] = statistics.median(runs)
        finally:
            server.stop()
        rows.append({"scale": scale, "triples": meta["statistics"]["triples"], "build_s": build_s,
                     "build_peak_mb": build_mb, "startups_s": startups, "serve_mb": serve_mb,
                     "slowest_query": max(latencies, key=latencies.get),
                     "slowest_query_s": max(latencies.values()),
                     "queries_over_1s": sum(v >= 1.0 for v in latencies.values())})
        starts = ", ".join(f"{t:.2f}" for t in startups)
        log(f"scale ×{scale}: start-up {statistics.median(startups):.1f} s (of {starts}), "
            f"slowest query {max(latencies.values()):.3f} s")
    return rows


def versions() -> dict[str, str]:
    out = {"python": platform.python_version(), "machine": f"{platform.machine()}, {os.cpu_count()} cores"}
    for package in ("polegraph", "pyoxigraph", "oxigraph", "rdflib", "rdflib-endpoint", "flask", "granian"):
        with contextlib.suppress(metadata.PackageNotFoundError):
            out[package] = metadata.version(package)
    with contextlib.suppress(OSError, IndexError):
        out["wrk"] = subprocess.run(["wrk", "--version"], capture_output=True, text=True).stdout.split()[1]
    return out


def write_report(out: Path, results: dict, sizes: dict, startup: dict, scales: list[dict], args: argparse.Namespace,
                 queries: dict[str, NamedQuery], timing: dict[str, dict] | None = None) -> None:
    from .report import compute_ratios, render_markdown, render_plot

    plot = out.with_suffix(".png")
    ratios = compute_ratios(results, sizes, queries)
    render_plot(ratios, queries, plot)
    out.write_text(render_markdown(results, sizes, startup, scales, ratios, versions(), vars(args), plot.name,
                                   timing), encoding="utf-8")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=float, default=5, help="load per query and server (s)")
    parser.add_argument("--connections", type=int, default=8)
    parser.add_argument("--servers", default=",".join(SERVERS), help=f"comma-separated, of: {', '.join(STARTERS)}")
    parser.add_argument("--queries", default="", help="comma-separated names (default: all named queries)")
    parser.add_argument("--scales", default="1,10,100", help="comma-separated; empty for none")
    parser.add_argument("--query-limit-s", type=float, default=QUERY_LIMIT_S,
                        help="a query a server has not answered after this many seconds (alone, or under "
                             "load) is recorded as not answered and the server restarted")
    parser.add_argument("--out", "--output", type=Path, default=PROJECT / "docs" / "benchmarks.md",
                        help="the report (Markdown; the plot is written next to it as .png)")
    args = parser.parse_args(argv)
    queries = load_queries(PROJECT / "queries")
    if args.queries:
        queries = {n: queries[n] for n in args.queries.split(",")}
    names = [n for n in args.servers.split(",") if n]
    unknown = [n for n in names if n not in STARTERS]
    if unknown:
        parser.error(f"unknown servers {unknown}; known: {', '.join(STARTERS)}")
    if args.query_limit_s <= 0:
        parser.error("--query-limit-s must be positive")
    timing: dict[str, dict] = {}
    with tempfile.TemporaryDirectory(prefix="polegraph-bench-") as tmp:
        workdir = Path(tmp)
        var = workdir / "var"
        build(PROJECT, var)
        results, sizes, startup = measure_servers(names, queries, PROJECT, var, workdir, args.seconds,
                                                  args.connections, args.query_limit_s, timing)
        scales = scale_figures([int(s) for s in args.scales.split(",") if s], queries, workdir)
    args.out.parent.mkdir(parents=True, exist_ok=True)
    write_report(args.out, results, sizes, startup, scales, args, queries, timing)
    print(f"wrote {args.out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
