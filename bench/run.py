"""`make bench`: polegraph beside the Oxigraph server and rdflib-endpoint, on the same release.

For every named query of queries/ and every server: wrk with N keep-alive connections for a few
seconds; then the ratios the performance goal is stated in, the build / start-up / memory figures
at ×1, ×10 and ×100 the real graph, and a plot. Writes docs/benchmarks.md and docs/benchmarks.png.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import platform
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.parse
import urllib.request
from importlib import metadata
from pathlib import Path

from polegraph.queries import load_queries

from .loadgen import LoadResult, run_load
from .servers import (
    Server,
    start_oxigraph_disk,
    start_oxigraph_memory,
    start_polegraph,
    start_rdflib_endpoint,
    tree_rss_mb,
)
from .synthetic import make_project

PROJECT = Path(__file__).resolve().parent.parent
ACCEPT = "application/sparql-results+json, application/n-triples;q=0.9"
SERVERS = ("polegraph", "polegraph-cached", "oxigraph-memory", "oxigraph-disk", "rdflib-endpoint")


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
    dataset = (var / "current" / "dataset.nq").resolve()
    if name in ("polegraph", "polegraph-cached"):
        return start_polegraph(project, var, workdir, cache=name == "polegraph-cached")
    return {"oxigraph-memory": start_oxigraph_memory, "oxigraph-disk": start_oxigraph_disk,
            "rdflib-endpoint": start_rdflib_endpoint}[name](dataset, workdir)


def result_size(endpoint: str, query: str) -> int:
    """Rows (or triples, as N-Triples lines) a server answers, to check every server answers alike;
    -1 when it answers an error status (rdflib-endpoint refuses some queries), which is reported."""
    url = f"{endpoint}?{urllib.parse.urlencode({'query': query})}"
    request = urllib.request.Request(url, headers={"Accept": ACCEPT})
    try:
        response = urllib.request.urlopen(request, timeout=120)
    except urllib.error.HTTPError as exc:
        log(f"{endpoint}: HTTP {exc.code} for a query; its load figures count errors")
        return -1
    except TimeoutError:  # rdflib-endpoint can spend minutes on one query (KNOWN.md)
        log(f"{endpoint}: no answer within 120 s")
        return -2
    with response:
        body = response.read()
        if "json" in response.headers.get("Content-Type", ""):
            data = json.loads(body)
            return len(data["results"]["bindings"]) if "results" in data else 1
        return len([line for line in body.splitlines() if line.strip()])


def measure_servers(names, queries, project, var, workdir, seconds, connections):
    results: dict[str, dict[str, LoadResult]] = {}
    sizes: dict[str, dict[str, int]] = {}
    startup: dict[str, float] = {}
    for name in names:
        server = start(name, project, var, workdir)
        startup[name] = server.startup_s
        log(f"{name}: ready in {server.startup_s:.2f} s")
        try:
            results[name], sizes[name] = {}, {}
            for query in queries.values():
                sizes[name][query.name] = result_size(server.endpoint, query.text)
                results[name][query.name] = run_load(server.endpoint, query.text, seconds=seconds,
                                                     connections=connections, accept=ACCEPT)
            log(f"{name}: {len(queries)} queries measured")
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
        server = start_polegraph(project, var, workdir, cache=False)  # every answer computed, none reused
        latencies = {}
        try:
            serve_mb = tree_rss_mb(server.process.pid)
            for query in queries.values():
                result_size(server.endpoint, query.text)  # warm
                started = time.monotonic()
                result_size(server.endpoint, query.text)
                latencies[query.name] = time.monotonic() - started
        finally:
            server.stop()
        rows.append({"scale": scale, "triples": meta["statistics"]["triples"], "build_s": build_s,
                     "build_peak_mb": build_mb, "startup_s": server.startup_s, "serve_mb": serve_mb,
                     "slowest_query": max(latencies, key=latencies.get),
                     "slowest_query_s": max(latencies.values()),
                     "queries_over_1s": sum(v >= 1.0 for v in latencies.values())})
        log(f"scale ×{scale}: start-up {server.startup_s:.1f} s, slowest query {max(latencies.values()):.3f} s")
    return rows


def versions() -> dict[str, str]:
    out = {"python": platform.python_version(), "machine": f"{platform.machine()}, {os.cpu_count()} cores"}
    for package in ("polegraph", "pyoxigraph", "oxigraph", "rdflib", "rdflib-endpoint", "flask", "gunicorn"):
        with contextlib.suppress(metadata.PackageNotFoundError):
            out[package] = metadata.version(package)
    with contextlib.suppress(OSError, IndexError):
        out["wrk"] = subprocess.run(["wrk", "--version"], capture_output=True, text=True).stdout.split()[1]
    return out


def write_report(out: Path, results, sizes, startup, scales, args, queries) -> None:
    from .report import render_markdown, render_plot

    plot = out.with_suffix(".png")
    ratios = render_plot(results, queries, plot)
    out.write_text(render_markdown(results, sizes, startup, scales, ratios, versions(), vars(args), plot.name),
                   encoding="utf-8")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=float, default=5, help="load per query and server (s)")
    parser.add_argument("--connections", type=int, default=8)
    parser.add_argument("--servers", default=",".join(SERVERS))
    parser.add_argument("--queries", default="", help="comma-separated names (default: all named queries)")
    parser.add_argument("--scales", default="1,10,100")
    parser.add_argument("--out", type=Path, default=PROJECT / "docs" / "benchmarks.md")
    args = parser.parse_args(argv)
    queries = load_queries(PROJECT / "queries")
    if args.queries:
        queries = {n: queries[n] for n in args.queries.split(",")}
    names = [n for n in args.servers.split(",") if n]
    with tempfile.TemporaryDirectory(prefix="polegraph-bench-") as tmp:
        workdir = Path(tmp)
        var = workdir / "var"
        build(PROJECT, var)
        results, sizes, startup = measure_servers(names, queries, PROJECT, var, workdir, args.seconds,
                                                  args.connections)
        scales = scale_figures([int(s) for s in args.scales.split(",") if s], queries, workdir)
    args.out.parent.mkdir(parents=True, exist_ok=True)
    write_report(args.out, results, sizes, startup, scales, args, queries)
    print(f"wrote {args.out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
