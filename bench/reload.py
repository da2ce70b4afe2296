"""`python -m bench.reload`: what reloads cost the clients of `polegraph serve`.

Builds a release into a temporary var folder and a second one with other content (its copy under
another id), serves them with `polegraph serve --no-build`, and while clients send requests without
pause, each on a new connection, switches `current` from one to the other and sends SIGHUP every few
seconds. Prints the requests answered and failed, and which releases were served; exits 1 when a
request failed. docs/reliability.md states its figures.

    python -m bench.reload [--reloads 19] [--clients 3] [--every 3]
"""

from __future__ import annotations

import argparse
import json
import signal
import subprocess
import sys
import tempfile
import threading
import time
import urllib.request
from pathlib import Path

from tests.support.releases import other_content_release

from bench.servers import BIN, start_polegraph
from polegraph.pipeline.release import Release, make_current

PROJECT = Path(__file__).resolve().parent.parent


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--reloads", type=int, default=19)
    parser.add_argument("--clients", type=int, default=3)
    parser.add_argument("--every", type=float, default=3.0, help="seconds between reloads")
    args = parser.parse_args(argv)
    with tempfile.TemporaryDirectory(prefix="polegraph-reload-") as tmp:
        work = Path(tmp)
        var = work / "var"
        subprocess.run([str(BIN / "polegraph"), "--project", str(PROJECT), "--var", str(var), "build"],
                       check=True, capture_output=True)
        first = Release.open(var / "current")
        server = start_polegraph(PROJECT, var, work)
        releases = [first.id, other_content_release(var, first)]
        answered, failures, served = [0], [], set()
        stop = threading.Event()

        def client() -> None:
            while not stop.is_set():
                try:
                    with urllib.request.urlopen(server.url + "/health", timeout=30) as response:
                        served.add(json.loads(response.read())["release"])
                    answered[0] += 1
                except OSError as exc:
                    failures.append(repr(exc))

        clients = [threading.Thread(target=client) for _ in range(args.clients)]
        try:
            for thread in clients:
                thread.start()
            for number in range(args.reloads):
                make_current(var / "current", var / "releases" / releases[(number + 1) % 2])
                server.process.send_signal(signal.SIGHUP)
                time.sleep(args.every)
        finally:
            stop.set()
            for thread in clients:
                thread.join()
            server.stop()
    print(f"{args.reloads} reloads, {args.clients} clients on new connections: {answered[0]:,} answered, "
          f"{len(failures)} failed {failures[:3]}; releases served: {len(served)} of 2")
    return 1 if failures or len(served) != 2 else 0


if __name__ == "__main__":
    sys.exit(main())
