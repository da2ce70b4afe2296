"""The benchmark's report: a Markdown table of every figure, the goal's ratios, and a plot."""

from __future__ import annotations

import math
import statistics
import time
from collections.abc import Iterable
from pathlib import Path

from .loadgen import NO_ANSWER, REFUSED, LoadResult

GOALS = {"uncached_vs_oxigraph": 0.5, "cached_vs_oxigraph": 1.5, "uncached_vs_rdflib_endpoint": 30.0}
LABELS = {"uncached_vs_oxigraph": "uncached vs oxigraph", "cached_vs_oxigraph": "cached vs oxigraph",
          "uncached_vs_rdflib_endpoint": "uncached vs rdflib-endpoint"}
OXIGRAPH = ("oxigraph-memory", "oxigraph-disk")
# Each ratio: polegraph's server over the fastest of the others that answered the query alike.
PAIRS = {"uncached_vs_oxigraph": ("polegraph", OXIGRAPH), "cached_vs_oxigraph": ("polegraph-cached", OXIGRAPH),
         "uncached_vs_rdflib_endpoint": ("polegraph", ("rdflib-endpoint",))}
P99_GOAL_MS = 50.0
STARTUP_GOALS_S = {1: 2.0, 100: 10.0}  # serve start-up on a built release, by scale
DEFAULT_LIMIT_S = 20.0
UNDER_LOAD = "no answer under load"  # a reason: answered alone in time, but no request of the load


def _geomean(values):
    values = [v for v in values if v and v > 0]
    return math.exp(sum(map(math.log, values)) / len(values)) if values else float("nan")


def _answered(result: LoadResult, size: int) -> bool:
    return result.status not in (REFUSED, NO_ANSWER) and result.requests_per_s > 0 and size >= 0


def _ratio(results, sizes, kind: str, query: str) -> tuple[float | None, str]:
    """The ratio of one query, or None and why it is left out of the mean: "server:status" or "sizes"."""
    mine, others = PAIRS[kind]
    others = [s for s in others if s in results]
    if mine not in results or not others:
        return None, ""
    mine_answered = _answered(results[mine][query], sizes[mine][query])
    answered = [s for s in others if _answered(results[s][query], sizes[s][query])]
    alike = [s for s in answered if sizes[s][query] == sizes[mine][query]]
    if mine_answered and alike:
        return results[mine][query].requests_per_s / max(results[s][query].requests_per_s for s in alike), ""
    if not answered:  # the other side first: the failures the goal's wording counts
        return None, f"{'/'.join(others)}:{_failure(results, sizes, others, query)}"
    if not mine_answered:
        return None, f"{mine}:{_failure(results, sizes, [mine], query)}"
    return None, "sizes"


def _failure(results, sizes, servers: list[str], query: str) -> str:
    """REFUSED when every one of `servers` refused the query, UNDER_LOAD when those that did not
    answer it in time had answered it alone, else NO_ANSWER."""
    if all(results[s][query].status == REFUSED for s in servers):
        return REFUSED
    silent = [s for s in servers if results[s][query].status != REFUSED]
    return UNDER_LOAD if all(sizes[s][query] >= 0 for s in silent) else NO_ANSWER


def compute_ratios(results: dict[str, dict[str, LoadResult]], sizes: dict[str, dict[str, int]],
                   queries: Iterable[str]) -> dict[str, dict[str, float]]:
    """Per query: polegraph (uncached / cached) over the fastest Oxigraph server, and over rdflib-endpoint;
    only where both sides answered the query, with the same result size."""
    ratios: dict[str, dict[str, float]] = {}
    for name in queries:
        ratios[name] = {}
        for kind in PAIRS:
            value, _why = _ratio(results, sizes, kind, name)
            if value is not None:
                ratios[name][kind] = value
    return ratios


def left_out(results: dict[str, dict[str, LoadResult]], sizes: dict[str, dict[str, int]], queries: Iterable[str],
             kind: str) -> dict[str, list[str]]:
    """The queries a ratio leaves out of its mean, by reason ("rdflib-endpoint:refused", "sizes", …)."""
    out: dict[str, list[str]] = {}
    for name in queries:
        value, why = _ratio(results, sizes, kind, name)
        if value is None and why:
            out.setdefault(why, []).append(name)
    return out


def _plural(n: int, word: str) -> str:
    return f"{n} {word}" if n == 1 else f"{n} {'queries' if word == 'query' else word + 's'}"


def describe_left_out(reasons: dict[str, list[str]], limit_s: float) -> str:
    """The left-out queries in words: "rdflib-endpoint refused 1 query and did not answer 5 queries
    within 20 s (1 of them answered alone, but no request of its load)"."""
    counts: dict[str, dict[str, int]] = {}
    for why, names in reasons.items():
        if why != "sizes":
            server, status = why.split(":")
            counts.setdefault(server, {}).setdefault(status, 0)
            counts[server][status] += len(names)
    parts = []
    for server, count in counts.items():
        phrases = [f"refused {_plural(count[REFUSED], 'query')}"] if count.get(REFUSED) else []
        silent = count.get(NO_ANSWER, 0) + count.get(UNDER_LOAD, 0)
        if silent:
            phrases.append(f"did not answer {_plural(silent, 'query')} within {limit_s:g} s")
        if count.get(UNDER_LOAD):
            phrases[-1] += f" ({count[UNDER_LOAD]} of them answered alone, but no request of its load)"
        parts.append(f"{server} " + " and ".join(phrases))
    if "sizes" in reasons:
        parts.append(f"{_plural(len(reasons['sizes']), 'query')} answered with different result sizes")
    return "; ".join(parts)


def render_plot(ratios: dict[str, dict[str, float]], queries: Iterable[str], path: Path) -> None:
    """Bars of the Oxigraph ratios per query, with their goals (the rdflib ratios dwarf them)."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    names = list(queries)
    kinds = [k for k in ("uncached_vs_oxigraph", "cached_vs_oxigraph") if any(k in ratios[n] for n in names)]
    fig, ax = plt.subplots(figsize=(10, max(3, 0.35 * len(names) + 1.5)))
    height = 0.8 / max(1, len(kinds))
    for i, kind in enumerate(kinds):
        ax.barh([y + i * height for y in range(len(names))], [ratios[n].get(kind, 0) for n in names],
                height=height, label=LABELS[kind])
        ax.axvline(GOALS[kind], linestyle="--", linewidth=1, color=f"C{i}")
    ax.set_yticks([y + height * (len(kinds) - 1) / 2 for y in range(len(names))], names, fontsize=7)
    ax.set_xlabel("throughput ratio: polegraph / fastest Oxigraph server (dashed: goal)")
    if kinds:
        ax.legend(loc="lower right", fontsize=8)
    fig.tight_layout()
    fig.savefig(path, dpi=110)
    plt.close(fig)


def _startup(row: dict) -> str:
    """The median start-up, and each start it was taken from."""
    starts = row["startups_s"]
    return _fmt(statistics.median(starts)) + (f" ({', '.join(_fmt(t) for t in starts)})" if len(starts) > 1 else "")


def _fmt(x: float, digits: int = 2) -> str:
    return "—" if x is None or x != x else f"{x:,.{digits}f}"


def _cell(result: LoadResult, size: int, limit_s: float) -> str:
    """One server's figures for one query, or what kept it from being measured."""
    if result.status == REFUSED:
        return f"**refused** ({result.detail})" if result.detail else "**refused**"
    if result.status == NO_ANSWER:
        detail = result.detail or f"no answer within {limit_s:g} s"
        rows = f", {size} rows" if size >= 0 else ""
        return f"**{detail}** (0 req/s){rows}"
    rps = _fmt(result.requests_per_s, 0 if result.requests_per_s >= 10 else 2)
    err = f", {result.errors} err" if result.errors else ""
    if result.timeouts:
        err += f" ({result.timeouts} over {limit_s:g} s)"
    return f"{rps} req/s, {_fmt(result.p50_ms, 1)} / {_fmt(result.p99_ms, 1)} ms, {size} rows{err}"


def render_markdown(results, sizes, startup, scales, ratios, versions, options, plot_name, timing=None) -> str:
    servers = list(results)
    queries = list(ratios) or (list(next(iter(results.values()))) if results else [])
    limit_s = float(options.get("query_limit_s") or DEFAULT_LIMIT_S)
    lines = ["# Benchmarks", "",
             f"Run of `make bench` on {time.strftime('%Y-%m-%d %H:%M UTC', time.gmtime())}. Load: wrk, "
             f"{options['connections']} keep-alive connections, {options['seconds']} s per query and server, "
             "GET with the query in the URL; a named query with parameters is sent as the editor opens it, "
             "its parameters bound to their defaults by a VALUES block. Every server serves the same release file "
             "(`dataset.nq`, default graph = union of the named graphs). A server that has not answered a "
             f"query after {limit_s:g} s (alone, or any request of its load run) has it recorded as not "
             "answered (0 requests/s) and is restarted; a query it answers with an HTTP error is recorded "
             "as refused. A ratio's mean is over the queries both sides answered with the same result size; "
             "the others are counted beside it.", "",
             "## Versions", "", "| what | version |", "| --- | --- |"]
    lines += [f"| {k} | {v} |" for k, v in versions.items()]
    lines += ["", "## Goal", "",
              "| ratio (geometric mean over the queries) | measured | goal | met | queries in the mean |",
              "| --- | --- | --- | --- | --- |"]
    for kind, goal in GOALS.items():
        values = [ratios[q][kind] for q in queries if kind in ratios[q]]
        reasons = left_out(results, sizes, queries, kind)
        if not values and not reasons:
            continue
        mean = _geomean(values)
        met = "—" if mean != mean else "yes" if mean >= goal else "no"
        over = f"{len(values)} of {len(queries)}"
        excluded = sum(map(len, reasons.values()))
        if excluded:
            over += f"; {_plural(excluded, 'query')} left out: {describe_left_out(reasons, limit_s)}"
        lines.append(f"| {LABELS[kind]} | {_fmt(mean)}× | ≥ {goal:g}× | {met} | {over} |")
    if not any(kind in ratios[q] or left_out(results, sizes, queries, kind) for kind in GOALS for q in queries):
        lines.append("| no ratio: polegraph or the servers it is compared with were not in this run | — | — | — "
                     "| — |")
    if "polegraph" in results:
        timed = [q for q in queries if results["polegraph"][q].p99_ms == results["polegraph"][q].p99_ms]
        if timed:
            worst = max(timed, key=lambda q: results["polegraph"][q].p99_ms)
            p99 = results["polegraph"][worst].p99_ms
            lines.append(f"| p99 latency of the slowest named query, uncached ({worst}) | {_fmt(p99, 1)} ms | "
                         f"< {P99_GOAL_MS:.0f} ms | {'yes' if p99 < P99_GOAL_MS else 'no'} | "
                         f"{len(timed)} of {len(queries)} |")
    lines += ["", f"![ratios per query]({plot_name})", "", "## Per query", "",
              "Requests/s, p50 / p99 latency in ms, result size (rows, or triples for CONSTRUCT), errors "
              f"(answers slower than {limit_s:g} s count as errors and are left out of the latencies).", ""]
    lines.append("| query | " + " | ".join(servers) + " |")
    lines.append("| --- |" + " --- |" * len(servers))
    for q in queries:
        cells = [_cell(results[s][q], sizes[s][q], limit_s) for s in servers]
        lines.append(f"| {q} | " + " | ".join(cells) + " |")
    mismatched = [q for q in queries if len({sizes[s][q] for s in servers if sizes[s][q] >= 0}) > 1]
    if mismatched:
        lines += ["", "Servers disagree on the result size of: " + ", ".join(mismatched)
                  + " (see the table; the Oxigraph servers and polegraph share one engine)."]
    for s in servers:
        refused = [q for q in queries if results[s][q].status == REFUSED]
        silent = [q for q in queries if results[s][q].status == NO_ANSWER]
        if refused or silent:
            said = []
            if refused:
                said.append(f"refused {_plural(len(refused), 'query')} ({', '.join(refused)})")
            if silent:
                said.append(f"did not answer {_plural(len(silent), 'query')} within {limit_s:g} s "
                            f"({', '.join(silent)})")
            lines += ["", f"{s} " + " and ".join(said) + "."]
    timing = timing or {}
    lines += ["", "## Start-up (release already built)", "",
              "Its part of the run: start-up, every query (a single request, then the load) and restarts.", "",
              "| server | start-up (s) | its part of the run (s) | restarts |", "| --- | --- | --- | --- |"]
    lines += [f"| {s} | {_fmt(v)} | {_fmt(timing.get(s, {}).get('wall_s'), 0)} | "
              f"{timing.get(s, {}).get('restarts', '—')} |" for s, v in startup.items()]
    if scales:
        lines += ["", "## Scale", "",
                  "Synthetic projects made of copies of the real graph (`bench/synthetic.py`), conforming to "
                  "the shapes. Build = parse, inference, SHACL validation, release written.", "",
                  "Serve start-up: from `polegraph serve --no-build` on the built release until a query is "
                  f"answered (2 workers, the query processes forked), the median of {len(scales[0]['startups_s'])} "
                  "starts (each in brackets). "
                  "Queries: each named query uncached, "
                  "the median of 3 runs after one warm-up run.", "",
                  "| scale | triples | build (s) | build peak memory (MiB) | serve start-up (s) | goal | "
                  "serve memory (PSS, MiB) | slowest named query (s) | queries ≥ 1 s |",
                  "| --- | --- | --- | --- | --- | --- | --- | --- | --- |"]
        for row in scales:
            goal, startup_s = STARTUP_GOALS_S.get(row["scale"]), statistics.median(row["startups_s"])
            met = "—" if goal is None else f"< {goal:g} s: {'yes' if startup_s < goal else 'no'}"
            lines.append(f"| ×{row['scale']} | {row['triples']:,} | {_fmt(row['build_s'], 1)} | "
                         f"{row['build_peak_mb']} | {_startup(row)} | {met} | {row.get('serve_mb', '—')} | "
                         f"{_fmt(row['slowest_query_s'], 3)} ({row['slowest_query']}) | "
                         f"{row.get('queries_over_1s', '—')} |")
    return "\n".join(lines) + "\n"
