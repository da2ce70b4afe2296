"""Start the servers compared by the benchmark on 127.0.0.1, each over the same release file."""

from __future__ import annotations

import contextlib
import os
import shutil
import signal
import subprocess
import sys
import time
import urllib.error
import urllib.request
from dataclasses import dataclass
from pathlib import Path

BIN = Path(sys.executable).parent


@dataclass
class Server:
    name: str
    endpoint: str  # the SPARQL query URL
    process: subprocess.Popen
    startup_s: float

    def stop(self, grace_s: float = 20) -> None:
        """SIGTERM, then after `grace_s` SIGKILL to the whole process tree: a server busy computing
        (rdflib-endpoint blocks its event loop) does not act on SIGTERM until it is done."""
        if self.process.poll() is not None:
            return
        tree = descendants(self.process.pid)
        self.process.terminate()
        try:
            self.process.wait(timeout=grace_s)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()
        for pid, started in tree:
            if _start_time(pid) == started:  # still that process, not a new one with its number
                with contextlib.suppress(OSError):
                    os.kill(pid, signal.SIGKILL)


def free_port() -> int:
    import socket

    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _wait(url: str, process: subprocess.Popen, timeout: float, need_ok: bool = False) -> None:
    """Until `url` answers (any HTTP status, or only a 2xx with `need_ok`)."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"{process.args[0]} exited with {process.returncode}")
        try:
            with urllib.request.urlopen(url, timeout=max(5.0, deadline - time.monotonic())):
                return
        except urllib.error.HTTPError:
            if not need_ok:
                return
            time.sleep(0.05)
        except OSError:
            time.sleep(0.05)
    raise TimeoutError(f"{url} not ready after {timeout} s")


def _start(name: str, command: list[str], ready_url: str, endpoint: str, *, env=None, log: Path,
           timeout: float = 600, need_ok: bool = False) -> Server:
    started = time.monotonic()
    with open(log, "wb") as out:
        process = subprocess.Popen(command, stdout=out, stderr=subprocess.STDOUT, env=env)
    try:
        _wait(ready_url, process, timeout, need_ok)
    except BaseException:
        process.kill()
        raise
    return Server(name, endpoint, process, time.monotonic() - started)


def start_polegraph(project: Path, var: Path, workdir: Path, workers: int = 2, *, cache: bool = True) -> Server:
    """`polegraph serve --no-build`; ready when a query is answered (its query processes have loaded
    the release), not merely when /health answers. `cache=False` sets POLEGRAPH_RESULT_CACHE=0."""
    port = free_port()
    env = {**os.environ, "POLEGRAPH_WORKERS": str(workers), "POLEGRAPH_RESULT_CACHE": "1" if cache else "0"}
    command = [str(BIN / "polegraph"), "--project", str(project), "--var", str(var), "serve", "--no-build",
               "--port", str(port)]
    base = f"http://127.0.0.1:{port}"
    return _start("polegraph" if not cache else "polegraph-cached", command, base + "/sparql?query=ASK%7B%7D",
                  base + "/sparql", env=env, log=workdir / "polegraph.log", need_ok=True)


def _children_table() -> dict[int, list[int]]:
    """The children of every process, from /proc."""
    children: dict[int, list[int]] = {}
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            stat = (entry / "stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        children.setdefault(int(stat[1]), []).append(int(entry.name))
    return children


def _tree(pid: int, children: dict[int, list[int]]) -> list[int]:
    found, todo = [], [pid]
    while todo:
        current = todo.pop()
        found.append(current)
        todo.extend(children.get(current, []))
    return found


def _start_time(pid: int) -> int | None:
    try:
        return int(Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[19])
    except (OSError, IndexError, ValueError):
        return None


def descendants(pid: int) -> list[tuple[int, int | None]]:
    """The processes under `pid` (workers, query processes) with their start times, so that none is
    left behind when the server stops and no later process that reuses a number is touched."""
    return [(p, _start_time(p)) for p in _tree(pid, _children_table())[1:]]


def tree_memory_mb(pid: int) -> int:
    """Memory (MiB) of a process and all its descendants, as the sum of their proportional set sizes:
    a page shared by forked processes (polegraph's loaded store) counts once, not once per process."""
    total_kb = 0
    for member in _tree(pid, _children_table()):
        try:
            rollup = Path(f"/proc/{member}/smaps_rollup").read_text()
        except OSError:
            continue
        total_kb += next((int(line.split()[1]) for line in rollup.splitlines() if line.startswith("Pss:")), 0)
    return total_kb >> 10


def start_oxigraph_memory(dataset: Path, workdir: Path) -> Server:
    """`oxigraph serve` in memory, loaded through its Graph Store endpoint before it is measured."""
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    started = time.monotonic()
    server = _start("oxigraph-memory", [str(BIN / "oxigraph"), "serve", "--bind", f"127.0.0.1:{port}",
                                        "--union-default-graph"],
                    base + "/query?query=ASK%7B%7D", base + "/query", log=workdir / "oxigraph-memory.log")
    request = urllib.request.Request(base + "/store", data=dataset.read_bytes(), method="POST",
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
    base = f"http://127.0.0.1:{port}"
    server = _start("oxigraph-disk", [str(BIN / "oxigraph"), "serve-read-only", "--location", str(location),
                                      "--bind", f"127.0.0.1:{port}", "--union-default-graph"],
                    base + "/query?query=ASK%7B%7D", base + "/query", log=workdir / "oxigraph-disk.log")
    server.startup_s = time.monotonic() - started
    return server


def start_rdflib_endpoint(dataset: Path, workdir: Path) -> Server:
    """`rdflib-endpoint serve` (one uvicorn process: a long query blocks every other request)."""
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    command = [str(BIN / "rdflib-endpoint"), "serve", str(dataset), "--host", "127.0.0.1", "--port", str(port)]
    return _start("rdflib-endpoint", command, base + "/?query=ASK%7B%7D", base + "/", log=workdir / "rdflib.log")
