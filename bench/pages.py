"""What a page costs the server: wall time per request of the pages people read, at ×1 and at ×N.

Serves a release as `polegraph serve` does (web/server.py: the loaded release, its zygote and its
query processes; the pages' own queries go through them) and calls the WSGI app directly, one request
after another, with a browser's Accept and Accept-Language. Each page is asked a few times first (a
list or a section is computed once per release and language, then kept), then timed: the median and
the slowest of `-n` requests. The goal (issue 21): well under 50 ms at ×1, under 200 ms at ×100.

    .venv/bin/python -m bench.pages [-n 50] [--var VAR]     # the current release (make build first)
    .venv/bin/python -m bench.pages --scale 100 [--keep DIR] # builds a ×100 project first (minutes)
"""

from __future__ import annotations

import argparse
import os
import statistics
import tempfile
import time
from pathlib import Path

from tests.support import PROJECT

from bench.request_cpu import call, environ_for
from bench.synthetic import make_project
from polegraph.pipeline.build import build_release
from polegraph.pipeline.release import current_release
from polegraph.settings import Settings
from polegraph.web.server import Serving, configure_logging

PAGES = ("/", "/browse", "/poles", "/poles?region=auvergne-rhone-alpes", "/initiatives", "/figures",
         "/poles.csv", "/page/pole/minalogic", "/page/initiative/asteerics", "/page/person/serge-veyres",
         "/page/section/annexe-02", "/page/paragraph/chapitre-08-4", "/page/document/manifeste-phase-6",
         "/catalog", "/downloads/", "/page/pole/minalogik")
BROWSER = "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8"


def page_environ(target: str) -> dict:
    path, _, query = target.partition("?")
    environ = environ_for(path, query)
    environ.update({"HTTP_ACCEPT": BROWSER, "HTTP_ACCEPT_LANGUAGE": "fr-FR,fr;q=0.9,en;q=0.5"})
    return environ


def measure(app, target: str, n: int) -> tuple[float, float, str]:
    """(median ms, slowest ms, status) of `n` requests for `target`, after warm-up ones."""
    environ = page_environ(target)
    for _ in range(3):
        status, _ = call(app, environ)
    times = []
    for _ in range(n):
        started = time.perf_counter()
        call(app, environ)
        times.append((time.perf_counter() - started) * 1000)
    return statistics.median(times), max(times), status[:3]


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("-n", type=int, default=50, help="timed requests per page")
    parser.add_argument("--scale", type=int, default=1, help="serve a synthetic project ×N (built first)")
    parser.add_argument("--keep", type=Path, help="folder for the ×N project and its release (kept)")
    parser.add_argument("--var", type=Path, help="where the release to serve is (default: the project's var/)")
    args = parser.parse_args(argv)
    configure_logging(open(os.devnull, "w"))  # noqa: SIM115 - as `polegraph serve` logs
    if args.scale > 1:
        folder = args.keep or Path(tempfile.mkdtemp(prefix="polegraph-pages-"))
        project = make_project(PROJECT, folder / f"scale-{args.scale}", args.scale)
        settings = Settings(project=project, var=folder / f"var-{args.scale}", result_cache=False)
        if not (settings.var_dir / "current").exists():
            started = time.monotonic()
            build_release(settings)
            print(f"built ×{args.scale} in {time.monotonic() - started:.0f} s")
    else:
        settings = Settings(project=PROJECT, var=args.var, result_cache=False)
    release = current_release(settings)
    app = Serving(settings, release).load_in_worker("")
    triples = release.metadata.get("statistics", {}).get("triples")
    print(f"×{args.scale}: {triples:,} triples; {args.n} requests per page after warm-up\n")
    print(f"{'page':<40} {'status':>6} {'median ms':>10} {'slowest ms':>11}")
    for target in PAGES:
        median, slowest, status = measure(app, target, args.n)
        print(f"{target:<40} {status:>6} {median:>10.1f} {slowest:>11.1f}")


if __name__ == "__main__":
    main()
