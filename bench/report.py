"""The benchmark's report: a Markdown table of every figure, the goal's ratios, and a plot."""

from __future__ import annotations

import time
from pathlib import Path

GOALS = {"uncached_vs_oxigraph": 0.5, "cached_vs_oxigraph": 1.5, "vs_rdflib_endpoint": 30.0}
P99_GOAL_MS = 50.0
STARTUP_GOALS_S = {1: 2.0, 100: 10.0}  # serve start-up on a built release, by scale


def _geomean(values):
    import math

    values = [v for v in values if v and v > 0]
    return math.exp(sum(map(math.log, values)) / len(values)) if values else float("nan")


def compute_ratios(results, queries) -> dict[str, dict[str, float]]:
    """Per query: polegraph (uncached / cached) over the fastest Oxigraph server, and over rdflib-endpoint."""
    ratios: dict[str, dict[str, float]] = {}
    for name in queries:
        oxigraph = max((results[s][name].requests_per_s for s in ("oxigraph-memory", "oxigraph-disk")
                        if s in results), default=None)
        row = {}
        if "polegraph" in results and oxigraph:
            row["uncached_vs_oxigraph"] = results["polegraph"][name].requests_per_s / oxigraph
        if "polegraph-cached" in results and oxigraph:
            row["cached_vs_oxigraph"] = results["polegraph-cached"][name].requests_per_s / oxigraph
        if "polegraph" in results and "rdflib-endpoint" in results:
            rdflib = results["rdflib-endpoint"][name].requests_per_s
            row["vs_rdflib_endpoint"] = results["polegraph"][name].requests_per_s / rdflib if rdflib else float("inf")
        ratios[name] = row
    return ratios


def render_plot(results, queries, path: Path) -> dict[str, dict[str, float]]:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    ratios = compute_ratios(results, queries)
    names = list(queries)
    kinds = [k for k in ("uncached_vs_oxigraph", "cached_vs_oxigraph") if any(k in ratios[n] for n in names)]
    fig, ax = plt.subplots(figsize=(10, max(3, 0.35 * len(names) + 1.5)))
    height = 0.8 / max(1, len(kinds))
    for i, kind in enumerate(kinds):
        ax.barh([y + i * height for y in range(len(names))], [ratios[n].get(kind, 0) for n in names],
                height=height, label=kind.replace("_", " "))
        ax.axvline(GOALS[kind], linestyle="--", linewidth=1, color=f"C{i}")
    ax.set_yticks([y + height * (len(kinds) - 1) / 2 for y in range(len(names))], names, fontsize=7)
    ax.set_xlabel("throughput ratio: polegraph / fastest Oxigraph server (dashed: goal)")
    ax.legend(loc="lower right", fontsize=8)
    fig.tight_layout()
    fig.savefig(path, dpi=110)
    plt.close(fig)
    return ratios


def _fmt(x: float, digits: int = 2) -> str:
    return "—" if x is None or x != x else f"{x:,.{digits}f}"


def render_markdown(results, sizes, startup, scales, ratios, versions, options, plot_name) -> str:
    servers = list(results)
    queries = list(ratios) or (list(next(iter(results.values()))) if results else [])
    lines = ["# Benchmarks", "",
             f"Run of `make bench` on {time.strftime('%Y-%m-%d %H:%M UTC', time.gmtime())}. Load: wrk, "
             f"{options['connections']} keep-alive connections, {options['seconds']} s per query and server, "
             "GET with the query in the URL. Every server serves the same release file "
             "(`dataset.nq`, default graph = union of the named graphs).", "",
             "## Versions", "", "| what | version |", "| --- | --- |"]
    lines += [f"| {k} | {v} |" for k, v in versions.items()]
    lines += ["", "## Goal", "", "| ratio (geometric mean over the queries) | measured | goal | met |",
              "| --- | --- | --- | --- |"]
    for kind, goal in GOALS.items():
        values = [ratios[q][kind] for q in queries if kind in ratios[q]]
        if values:
            mean = _geomean(values)
            met = "yes" if mean >= goal else "no"
            lines.append(f"| {kind.replace('_', ' ')} | {_fmt(mean)}× | ≥ {goal}× | {met} |")
    if "polegraph" in results:
        worst = max(queries, key=lambda q: results["polegraph"][q].p99_ms)
        p99 = results["polegraph"][worst].p99_ms
        lines.append(f"| p99 latency of the slowest named query, uncached ({worst}) | {_fmt(p99, 1)} ms | "
                     f"< {P99_GOAL_MS:.0f} ms | {'yes' if p99 < P99_GOAL_MS else 'no'} |")
    lines += ["", f"![ratios per query]({plot_name})", "", "## Per query", "",
              "Requests/s, p50 / p99 latency in ms, result size (rows, or triples for CONSTRUCT), errors.", ""]
    lines.append("| query | " + " | ".join(servers) + " |")
    lines.append("| --- |" + " --- |" * len(servers))
    for q in queries:
        cells = []
        for s in servers:
            r = results[s][q]
            err = f", {r.errors} err" if r.errors else ""
            cells.append(f"{_fmt(r.requests_per_s, 0)} req/s, {_fmt(r.p50_ms, 1)} / {_fmt(r.p99_ms, 1)} ms, "
                         f"{sizes[s][q]} rows{err}")
        lines.append(f"| {q} | " + " | ".join(cells) + " |")
    mismatched = [q for q in queries if len({sizes[s][q] for s in servers}) > 1]
    if mismatched:
        lines += ["", "Servers disagree on the result size of: " + ", ".join(mismatched)
                  + " (see the table; the Oxigraph servers and polegraph share one engine)."]
    lines += ["", "## Start-up (release already built)", "", "| server | seconds |", "| --- | --- |"]
    lines += [f"| {s} | {_fmt(v)} |" for s, v in startup.items()]
    if scales:
        lines += ["", "## Scale", "",
                  "Synthetic projects made of copies of the real graph (`bench/synthetic.py`), conforming to "
                  "the shapes. Build = parse, inference, SHACL validation, release written.", "",
                  "Serve start-up: from `polegraph serve --no-build` on the built release until a query is "
                  "answered (2 workers, their query processes loaded). Queries: each named query once, "
                  "uncached, after one warm-up run.", "",
                  "| scale | triples | build (s) | build peak memory (MiB) | serve start-up (s) | goal | "
                  "serve memory (MiB) | slowest named query (s) | queries ≥ 1 s |",
                  "| --- | --- | --- | --- | --- | --- | --- | --- | --- |"]
        for row in scales:
            goal = STARTUP_GOALS_S.get(row["scale"])
            met = "—" if goal is None else f"< {goal:g} s: {'yes' if row['startup_s'] < goal else 'no'}"
            lines.append(f"| ×{row['scale']} | {row['triples']:,} | {_fmt(row['build_s'], 1)} | "
                         f"{row['build_peak_mb']} | {_fmt(row['startup_s'])} | {met} | {row.get('serve_mb', '—')} | "
                         f"{_fmt(row['slowest_query_s'], 3)} ({row['slowest_query']}) | "
                         f"{row.get('queries_over_1s', '—')} |")
    return "\n".join(lines) + "\n"
