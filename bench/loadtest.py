"""`make loadtest`: 16 concurrent clients for 60 s on the named queries against `polegraph serve`.

Builds a release into a temporary var folder, serves it with `polegraph serve --no-build` (Granian,
the production set-up), checks every named query once, then drives the server with wrk (a Lua script
rotating through the named queries, one keep-alive connection per client) while the resident memory
and the open files of every server process (server, web workers, zygote, query processes) are sampled from
/proc. It runs twice: with the result cache off (every request runs its query) and as served by
default (cache on). Passes when no request failed and memory and open files stayed flat; the figures
are written between the `loadtest` markers of docs/reliability.md. Then the mixed scenario
(bench/mixed.py): one client misbehaving while eight others go on, with the default shares.

    python -m bench.loadtest [--seconds 60] [--clients 16] [--cache off|on|both] [--mixed-seconds 30] [--no-write]
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import urllib.parse
import urllib.request
from dataclasses import dataclass, field
from pathlib import Path

from tests.support.processes import descendants, open_files, rss_kib

from bench.loadgen import parse_wrk
from bench.mixed import Mixed, run_mixed
from bench.servers import BIN, start_polegraph
from polegraph.settings import Settings

PROJECT = Path(__file__).resolve().parent.parent
REPORT = PROJECT / "docs" / "reliability.md"
START, END = "<!-- loadtest:start -->", "<!-- loadtest:end -->"
ACCEPT = "application/sparql-results+json, text/turtle;q=0.9"
SAMPLE_EVERY_S = 2.0
# "Flat": memory in the last quarter of the soak against the samples after warm-up (15–35 % of the run);
# open files at rest after the soak against at rest before it.
MAX_RSS_GROWTH = 0.10
MAX_FD_GROWTH = 0
REST_S = 2.0
SERVED = Settings.from_environment(os.environ)  # what `polegraph serve` reads (start_polegraph sets 2 workers)


@dataclass
class Sample:
    t: float
    processes: int
    rss_kib: int
    open_files: int


@dataclass
class Sampler:
    """Reads /proc for the server's process tree every SAMPLE_EVERY_S seconds, on a thread."""

    root: int
    samples: list[Sample] = field(default_factory=list)
    _stop: threading.Event = field(default_factory=threading.Event)

    def sample(self, t: float) -> Sample:
        pids = descendants(self.root)
        return Sample(t, len(pids), sum(map(rss_kib, pids)), sum(map(open_files, pids)))

    def run(self, started: float) -> None:
        while not self._stop.wait(SAMPLE_EVERY_S):
            self.samples.append(self.sample(time.monotonic() - started))

    def start(self, started: float) -> threading.Thread:
        self.samples.append(self.sample(0.0))
        thread = threading.Thread(target=self.run, args=(started,), daemon=True)
        thread.start()
        return thread

    def stop(self) -> None:
        self._stop.set()


def lua_script(paths: list[str]) -> str:
    """wrk's request() rotating through the queries; each thread starts at a different one."""
    items = ",\n  ".join(json.dumps(p) for p in paths)
    return f"""local paths = {{
  {items}
}}
local i = 0
setup = function(thread) thread:set("offset", math.random(#paths)) end
request = function()
  i = i + 1
  return wrk.format("GET", paths[((i + (offset or 0)) % #paths) + 1], {{["Accept"] = "{ACCEPT}"}})
end
"""


def check_queries(base: str, queries: dict) -> tuple[list[str], dict[str, float]]:
    """Every named query once: the paths that answer 200, and each one's single-run latency."""
    paths, latency = [], {}
    for name, query in sorted(queries.items()):
        path = "/sparql?" + urllib.parse.urlencode({"query": query.text_with()})
        request = urllib.request.Request(base + path, headers={"Accept": ACCEPT})
        started = time.monotonic()
        with urllib.request.urlopen(request, timeout=60) as answer:
            answer.read()
            if answer.status != 200:
                raise RuntimeError(f"named query {name} answered {answer.status}")
        latency[name] = (time.monotonic() - started) * 1000
        paths.append(path)
    return paths, latency


def load_average() -> str:
    """The machine's 1-minute load average: a busy machine explains slower figures."""
    try:
        return Path("/proc/loadavg").read_text().split()[0]
    except OSError:
        return "unknown"


def window(samples: list[Sample], start: float, end: float) -> list[Sample]:
    """The samples taken between `start` and `end` s, else (a short run) the one nearest the middle."""
    return [s for s in samples if start <= s.t <= end] or [min(samples, key=lambda s: abs(s.t - (start + end) / 2))]


def summarise(samples: list[Sample], seconds: float, at_rest: Sample) -> dict:
    """Memory: the last quarter of the soak against the samples after warm-up. Open files: at rest before
    the soak (the first sample) and after it (`at_rest`), as under load the count rises and falls with the
    queries in flight (a connection and a pidfd each)."""
    early = window(samples, 0.15 * seconds, 0.35 * seconds)
    late = window(samples, 0.75 * seconds, seconds)
    rss_early = statistics.mean(s.rss_kib for s in early)
    rss_late = statistics.mean(s.rss_kib for s in late)
    return {
        "rss_start_mib": samples[0].rss_kib / 1024, "rss_early_mib": rss_early / 1024, "rss_late_mib": rss_late / 1024,
        "rss_max_mib": max(s.rss_kib for s in samples) / 1024, "rss_growth": (rss_late - rss_early) / rss_early,
        "fds_before": samples[0].open_files, "fds_after": at_rest.open_files,
        "fds_max": max(s.open_files for s in samples),
        "processes": sorted({s.processes for s in samples}),
    }


@dataclass
class Run:
    """One soak: the server's result cache on or off, wrk's figures, the /proc samples, the verdict."""

    cache: bool
    result: object  # bench.loadgen.LoadResult
    summary: dict
    latency: dict[str, float]
    samples: list[Sample]
    load: str

    @property
    def passed(self) -> bool:
        return (self.result.errors == 0 and self.summary["rss_growth"] <= MAX_RSS_GROWTH
                and self.summary["fds_after"] - self.summary["fds_before"] <= MAX_FD_GROWTH)


def render(runs: list[Run], args, queries: int, mixed: Mixed | None = None) -> str:
    def row(label: str, cell) -> str:
        return f"| {label} | " + " | ".join(cell(run) for run in runs) + " |"

    lines = [
        START,
        f"Measured by `make loadtest` on {time.strftime('%Y-%m-%d %H:%M UTC', time.gmtime())}, "
        f"{os.cpu_count()} CPU cores: {args.clients} concurrent clients (wrk, keep-alive) for {args.seconds} s "
        f"per run, rotating through the {queries} named queries of `queries/` against `polegraph serve` "
        f"(Granian, {SERVED.workers} web workers sharing {SERVED.query_processes} query processes forked by one "
        "zygote); once with "
        "the result cache off (every request runs the query), once as served by default (cache on).",
        "",
        "| Figure | " + " | ".join("result cache " + ("on (default)" if r.cache else "off") for r in runs) + " |",
        "|---|" + "---|" * len(runs),
        row("Machine load average at the start (other work included)", lambda r: r.load),
        row("Requests answered", lambda r: f"{r.result.requests} ({r.result.requests_per_s:.0f}/s)"),
        row("Errors (non-2xx/3xx answers and socket errors)", lambda r: f"**{r.result.errors}**"),
        row("Latency p50", lambda r: f"{r.result.p50_ms:.1f} ms"),
        row("Latency p99", lambda r: f"**{r.result.p99_ms:.1f} ms**"),
        row("Slowest named query alone (first run)",
            lambda r: f"{max(r.latency.values()):.0f} ms ({max(r.latency, key=r.latency.get)})"),
        row("Server processes", lambda r: ", ".join(map(str, r.summary["processes"]))),
        row("Resident memory of all server processes: after warm-up → last quarter (max)",
            lambda r: f"{r.summary['rss_early_mib']:.0f} → {r.summary['rss_late_mib']:.0f} MiB "
                      f"({r.summary['rss_growth']:+.1%}; max {r.summary['rss_max_mib']:.0f} MiB)"),
        row("Open files of all server processes: at rest before → after the soak (max under load)",
            lambda r: f"{r.summary['fds_before']} → {r.summary['fds_after']} ({r.summary['fds_max']})"),
        row(f"Verdict: 0 errors, memory growth ≤ {MAX_RSS_GROWTH:.0%}, no open file gained",
            lambda r: "PASS" if r.passed else "**FAIL**"),
        "",
        "Samples of /proc every 2 s (time s: resident MiB / open files):",
        "",
    ]
    for run in runs:
        lines.append(f"- cache {'on' if run.cache else 'off'}: "
                     + "  ".join(f"{s.t:.0f}:{s.rss_kib / 1024:.0f}/{s.open_files}" for s in run.samples))
    if mixed is not None:
        lines += ["", f"One client misbehaving ({mixed.seconds:g} s, default shares, 10 s deadline): "
                  "127.0.0.2 keeps 8 expensive queries and 8 validations in flight; 8 polite clients, each "
                  "on its own address, run the named queries and open pages one request at a time.", "",
                  "| Figure | Measured |", "|---|---|", *(f"| {label} | {value} |" for label, value in mixed.rows())]
    lines.append(END)
    return "\n".join(lines)


def write_report(block: str) -> None:
    text = REPORT.read_text(encoding="utf-8") if REPORT.exists() else f"# Reliability\n\n{START}\n{END}\n"
    if START not in text:
        text += f"\n{START}\n{END}\n"
    before, rest = text.split(START, 1)
    after = rest.split(END, 1)[1]
    REPORT.write_text(before + block + after, encoding="utf-8")


def soak(cache: bool, args, queries: dict, work: Path) -> Run:
    """Serve the release in `work`/var, check every named query once, then run wrk and sample /proc."""
    server = start_polegraph(PROJECT, work / "var", work, cache=cache)
    try:
        base = server.endpoint.removesuffix("/sparql")
        paths, latency = check_queries(base, queries)
        script = work / "rotate.lua"
        script.write_text(lua_script(paths), encoding="utf-8")
        load = load_average()
        sampler = Sampler(server.process.pid)
        started = time.monotonic()
        sampler.start(started)
        done = subprocess.run(
            ["wrk", "-t2", f"-c{args.clients}", f"-d{args.seconds}s", "--latency", "--timeout", "30s",
             "-s", str(script), base + "/"], capture_output=True, text=True, timeout=args.seconds + 120)
        sampler.stop()
        samples = [s for s in sampler.samples if s.t <= args.seconds]  # under load only
        time.sleep(REST_S)  # wrk's connections closed, every query answered
        at_rest = sampler.sample(time.monotonic() - started)
    finally:
        server.stop()
    if done.returncode != 0:
        raise RuntimeError(f"wrk failed: {done.stdout}{done.stderr}")
    print(done.stdout)
    return Run(cache, parse_wrk(done.stdout), summarise(samples, args.seconds, at_rest), latency, samples, load)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=int, default=60)
    parser.add_argument("--clients", type=int, default=16)
    parser.add_argument("--cache", choices=["off", "on", "both"], default="both",
                        help="the server's result cache during the soak (default: one run each)")
    parser.add_argument("--mixed-seconds", type=float, default=30, help="the mixed scenario's length (0: skip it)")
    parser.add_argument("--no-write", action="store_true", help="print the figures, leave docs/ alone")
    args = parser.parse_args(argv)
    if shutil.which("wrk") is None:
        print("wrk is not installed (Debian package wrk; `make system-deps`)", file=sys.stderr)
        return 2
    sys.path.insert(0, str(PROJECT / "src"))
    from polegraph.query.named import load_queries

    queries = load_queries(PROJECT / "queries")
    modes = {"off": [False], "on": [True], "both": [False, True]}[args.cache]
    with tempfile.TemporaryDirectory(prefix="polegraph-loadtest-") as tmp:
        work = Path(tmp)
        subprocess.run([str(BIN / "polegraph"), "--project", str(PROJECT), "--var", str(work / "var"), "build"],
                       check=True)
        runs = [soak(cache, args, queries, work) for cache in modes]
        paths = ["/sparql?" + urllib.parse.urlencode({"query": q.text_with()}) for q in queries.values()]
        mixed = run_mixed(work / "var", paths, args.mixed_seconds) if args.mixed_seconds > 0 else None
    block = render(runs, args, len(queries), mixed)
    print(block)
    if not args.no_write:
        write_report(block)
        print(f"figures written to {REPORT.relative_to(PROJECT)}")
    return 0 if all(run.passed for run in runs) and (mixed is None or mixed.passed) else 1


if __name__ == "__main__":
    sys.exit(main())
