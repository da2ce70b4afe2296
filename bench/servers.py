"""Start the servers compared by the benchmark on 127.0.0.1, each over the same release file.

Each is a `tests.support.servers.ServerProcess` (the tests' own server handling), with the URL of its
SPARQL query endpoint in `endpoint`.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

from tests.support import free_port
from tests.support.processes import tree_memory_mb
from tests.support.servers import ServerProcess, polegraph_server

BIN = Path(sys.executable).parent
__all__ = ["BIN", "Server", "start", "start_oxigraph_disk", "start_oxigraph_memory", "start_polegraph",
           "start_rdflib_endpoint", "tree_memory_mb"]
Server = ServerProcess


def start(name: str, command: list[str], port: int, ready_path: str, endpoint_path: str, *, log: Path,
          env: dict[str, str] | None = None, timeout: float = 600, need_ok: bool = False) -> Server:
    """`command`, listening on `port`, once `ready_path` answers; its query endpoint at `endpoint_path`."""
    server = ServerProcess(command, port, env=env, log_path=log, name=name)
    server.endpoint = server.url + endpoint_path
    return server.wait_ready(ready_path, timeout, need_ok=need_ok)


def start_polegraph(project: Path, var: Path, workdir: Path, workers: int = 2, *, cache: bool = True) -> Server:
    """`polegraph serve --no-build`; ready when a query is answered (its query processes have loaded
    the release), not merely when /health answers. `cache=False` sets POLEGRAPH_RESULT_CACHE=0."""
    # The load generator is one client standing for many: its share of the capacity is the whole.
    env = {"POLEGRAPH_WORKERS": str(workers), "POLEGRAPH_RESULT_CACHE": "1" if cache else "0",
           "POLEGRAPH_CLIENT_QUERIES": "1000", "POLEGRAPH_CLIENT_SECONDS": "1000000", "POLEGRAPH_KEEP_FREE": "0"}
    server = polegraph_server(var, project=project, log_path=workdir / "polegraph.log", env=env)
    server.name = "polegraph" if not cache else "polegraph-cached"
    server.endpoint = server.url + "/sparql"
    return server.wait_ready("/sparql?query=ASK%7B%7D", timeout=600)


def start_oxigraph_memory(dataset: Path, workdir: Path) -> Server:
    """`oxigraph serve` in memory, loaded through its Graph Store endpoint before it is measured."""
    port = free_port()
    started = time.monotonic()
    server = start("oxigraph-memory", [str(BIN / "oxigraph"), "serve", "--bind", f"127.0.0.1:{port}",
                                       "--union-default-graph"], port, "/query?query=ASK%7B%7D", "/query",
                   log=workdir / "oxigraph-memory.log")
    request = urllib.request.Request(server.url + "/store", data=dataset.read_bytes(), method="POST",
                                     headers={"Content-Type": "application/n-quads"})
    with urllib.request.urlopen(request, timeout=600):
        pass
    server.startup_s = time.monotonic() - started
    return server


def start_oxigraph_disk(dataset: Path, workdir: Path) -> Server:
    """`oxigraph load` into a folder, then `oxigraph serve-read-only` on it."""
    location = workdir / "oxigraph-disk"
    shutil.rmtree(location, ignore_errors=True)
    started = time.monotonic()
    subprocess.run([str(BIN / "oxigraph"), "load", "--location", str(location), "--file", str(dataset)],
                   check=True, capture_output=True)
    port = free_port()
    server = start("oxigraph-disk", [str(BIN / "oxigraph"), "serve-read-only", "--location", str(location),
                                     "--bind", f"127.0.0.1:{port}", "--union-default-graph"], port,
                   "/query?query=ASK%7B%7D", "/query", log=workdir / "oxigraph-disk.log")
    server.startup_s = time.monotonic() - started
    return server


def start_rdflib_endpoint(dataset: Path, workdir: Path) -> Server:
    """`rdflib-endpoint serve` (one uvicorn process: a long query blocks every other request)."""
    port = free_port()
    command = [str(BIN / "rdflib-endpoint"), "serve", str(dataset), "--host", "127.0.0.1", "--port", str(port)]
    return start("rdflib-endpoint", command, port, "/?query=ASK%7B%7D", "/", log=workdir / "rdflib.log",
                 env=dict(os.environ))
