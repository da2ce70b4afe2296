"""CPU time the web worker spends per uncached request, measured by calling the WSGI app directly.

Serves the current release (var/current, `make build` first) as `polegraph serve` does (web/server.py:
the loaded release, its zygote, a worker's query processes) with answer reuse off, so every GET /sparql
goes through every check and the query-process hop, and calls the WSGI app N times per request with a
prepared environ (what Granian hands a worker: GET, Accept of the load test, client 127.0.0.1).
Reports µs of `time.process_time()` per request of *this* process only: the query process's CPU (a
separate process) is not counted. The access log is on (INFO, to /dev/null), as under `polegraph serve`.

    .venv/bin/python -m bench.request_cpu [-n 2000] [--repeat 3] [--profile QUERY] [--top 30]
"""

from __future__ import annotations

import argparse
import cProfile
import io
import os
import pstats
import sys
import time
import urllib.parse

from tests.support import PROJECT

from polegraph.pipeline.release import current_release
from polegraph.settings import Settings
from polegraph.web.server import Serving, configure_logging

QUERIES = ("poles-and-presidents", "p1-presidentes", "p2-funded-projects", "p3-skills-france-2030")
ACCEPT = "application/sparql-results+json"


def environ_for(path: str, query_string: str = "") -> dict:
    """A WSGI environ like the one Granian builds for a keep-alive GET from a load generator."""
    return {
        "REQUEST_METHOD": "GET", "SCRIPT_NAME": "", "PATH_INFO": path, "QUERY_STRING": query_string,
        "SERVER_NAME": "127.0.0.1", "SERVER_PORT": "8000", "SERVER_PROTOCOL": "HTTP/1.1",
        "REMOTE_ADDR": "127.0.0.1", "HTTP_HOST": "127.0.0.1:8000", "HTTP_ACCEPT": ACCEPT,
        "wsgi.url_scheme": "http", "wsgi.input": io.BytesIO(b""), "wsgi.errors": sys.stderr,
        "wsgi.version": (1, 0), "wsgi.multithread": True, "wsgi.multiprocess": True, "wsgi.run_once": False,
    }


def call(app, environ: dict) -> tuple[str, bytes]:
    seen = {}

    def start_response(status, headers, exc_info=None):
        seen["status"] = status

    result = app(dict(environ), start_response)
    try:
        body = b"".join(result)
    finally:
        getattr(result, "close", lambda: None)()
    return seen["status"], body


def measure(app, environ: dict, n: int) -> tuple[float, float]:
    """(µs of this process's CPU, of which µs in the kernel) per request, over `n` requests (after a
    few warm-up ones)."""
    for _ in range(20):
        status, _ = call(app, environ)
    if not status.startswith("200"):
        raise SystemExit(f"{environ['PATH_INFO']}?{environ['QUERY_STRING'][:60]}… answered {status}")
    started, kernel = time.process_time(), os.times().system
    for _ in range(n):
        call(app, environ)
    return (time.process_time() - started) / n * 1e6, (os.times().system - kernel) / n * 1e6


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("-n", type=int, default=2000, help="requests per measurement")
    parser.add_argument("--repeat", type=int, default=3, help="measurements per request (the minimum is shown)")
    parser.add_argument("--profile", metavar="NAME", help="cProfile this request (a named query or 'health')")
    parser.add_argument("--top", type=int, default=30, help="cProfile entries shown")
    args = parser.parse_args(argv)

    configure_logging(open(os.devnull, "w"))  # noqa: SIM115 - as `polegraph serve` logs
    settings = Settings(project=PROJECT, result_cache=False)
    app = Serving(settings, current_release(settings)).load_in_worker("")  # its query processes started
    from polegraph.query.named import load_queries

    named = load_queries(settings.queries_dir)
    requests = {"health": environ_for("/health")}
    for name in (*QUERIES, *([args.profile] if args.profile in named else [])):
        requests[name] = environ_for("/sparql", urllib.parse.urlencode({"query": named[name].text_with()}))

    if args.profile:
        environ = requests[args.profile]
        measure(app, environ, 50)
        profiler = cProfile.Profile(time.process_time)  # CPU, not the wait for the query process
        profiler.enable()
        for _ in range(args.n):
            call(app, environ)
        profiler.disable()
        stats = pstats.Stats(profiler)
        stats.sort_stats("cumulative").print_stats(args.top)
        stats.sort_stats("tottime").print_stats(args.top)
        return

    print(f"{'request':<24} {'µs CPU / request':>16} {'(kernel)':>9}   all runs (min shown)")
    for name, environ in requests.items():
        runs = sorted(measure(app, environ, args.n) for _ in range(args.repeat))
        print(f"{name:<24} {runs[0][0]:>16.1f} {runs[0][1]:>9.1f}   {' '.join(f'{r[0]:.1f}' for r in runs)}")


if __name__ == "__main__":
    main()
