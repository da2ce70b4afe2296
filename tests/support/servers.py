"""Real server processes on 127.0.0.1 and free ports, for the tests and the benchmarks: started, waited
for, and stopped with every process below them.

The output goes to a file: a pipe nobody reads would fill up and block the server.
"""

from __future__ import annotations

import contextlib
import os
import shutil
import signal
import subprocess
import tempfile
import time
import urllib.error
import urllib.request
from pathlib import Path

from tests.support import PROJECT, free_port, polegraph_command
from tests.support.processes import descendants, start_time


class ServerProcess:
    """A server process; `url` is its base URL, `startup_s` how long it took to answer `ready_url`."""

    def __init__(self, command: list[str], port: int, env: dict[str, str] | None = None,
                 log_path: Path | None = None, name: str = "", cwd: Path | None = None,
                 scratch: Path | None = None):
        self.name = name or Path(command[0]).name
        self.scratch = scratch  # a folder of the server's own (configuration, logs), removed once stopped
        self.port = port
        self.url = f"http://127.0.0.1:{port}"
        self._own_log = log_path is None
        if log_path is None:
            handle, temporary = tempfile.mkstemp(prefix=f"{self.name}-", suffix=".log")
            os.close(handle)
            log_path = Path(temporary)
        self.log_path = Path(log_path)
        self.started = time.monotonic()
        self.startup_s = 0.0
        with open(self.log_path, "wb") as log:
            self.process = subprocess.Popen(command, stdout=log, stderr=subprocess.STDOUT, cwd=cwd,
                                            env={**os.environ, **(env or {})})

    def output(self) -> str:
        """What the server printed so far (its access log and errors)."""
        return self.log_path.read_text(encoding="utf-8", errors="replace")

    def wait_ready(self, path: str = "/health", timeout: float = 60, need_ok: bool = True) -> ServerProcess:
        """Until `path` answers (a 2xx, or any HTTP status unless `need_ok`); the server is stopped if not."""
        deadline = time.monotonic() + timeout
        try:
            while time.monotonic() < deadline:
                if self.process.poll() is not None:
                    raise RuntimeError(f"{self.name} exited with {self.process.returncode}:\n{self.output()[-3000:]}")
                try:
                    with urllib.request.urlopen(self.url + path, timeout=max(2.0, deadline - time.monotonic())):
                        self.startup_s = time.monotonic() - self.started
                        return self
                except urllib.error.HTTPError:
                    if not need_ok:
                        self.startup_s = time.monotonic() - self.started
                        return self
                    time.sleep(0.05)
                except OSError:
                    time.sleep(0.05)
            raise TimeoutError(f"{self.name} did not answer {path} within {timeout} s")
        except BaseException:
            self.stop()
            raise

    def stop(self, grace_s: float = 20) -> None:
        """SIGTERM, then SIGKILL after `grace_s` to the whole process tree (a server busy computing may
        not act on SIGTERM until it is done), sparing any later process that reuses a number."""
        if self.process.poll() is None:
            tree = [(pid, start_time(pid)) for pid in descendants(self.process.pid)[1:]]
            self.process.terminate()
            try:
                self.process.wait(timeout=grace_s)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
            for pid, started in tree:
                if start_time(pid) == started:
                    with contextlib.suppress(OSError):
                        os.kill(pid, signal.SIGKILL)
        if self._own_log:
            self.log_path.unlink(missing_ok=True)
        if self.scratch is not None:
            shutil.rmtree(self.scratch, ignore_errors=True)


def polegraph_server(var: Path, *, project: Path = PROJECT, log_path: Path | None = None,
                     env: dict[str, str] | None = None, args: tuple[str, ...] = ()) -> ServerProcess:
    """`polegraph serve --no-build` over the releases of `var`, not yet waited for."""
    port = free_port()
    command = polegraph_command() + ["--project", str(project), "--var", str(var), "serve", "--no-build",
                                     "--port", str(port), *args]
    return ServerProcess(command, port, env=env, log_path=log_path, name="polegraph")


def start_polegraph(var: Path, log_path: Path | None = None, env: dict[str, str] | None = None, *,
                    project: Path = PROJECT, args: tuple[str, ...] = (), ready_path: str = "/health",
                    timeout: float = 60) -> ServerProcess:
    """`polegraph serve --no-build` over `var`, once it answers `ready_path`."""
    server = polegraph_server(var, project=project, log_path=log_path, env=env, args=args)
    return server.wait_ready(ready_path, timeout)
