"""Shared fixtures: one release of the real project, built once per test session."""

from __future__ import annotations

import shutil
import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest

from polegraph.pipeline.build import Release, build_release
from polegraph.query.backend import Store
from polegraph.query.named import load_queries
from polegraph.settings import Settings

PROJECT = Path(__file__).resolve().parent.parent
SHARED = PROJECT.parent / "shared"
MANIFESTO = SHARED / "sources" / "manifeste-phase6.txt"


@pytest.fixture(scope="session")
def settings(tmp_path_factory) -> Settings:
    return Settings(project=PROJECT, var=tmp_path_factory.mktemp("var"))


@pytest.fixture(scope="session")
def release(settings) -> Release:
    return build_release(settings)


@pytest.fixture(scope="session")
def store(release) -> Store:
    return Store.from_release(release)


@pytest.fixture(scope="session")
def dist(release, tmp_path_factory) -> Path:
    """One `polegraph export` of the session's release, read by the export tests."""
    from polegraph.publish.export import export_release

    out = tmp_path_factory.mktemp("export") / "dist"
    export_release(release, out)
    return out


@pytest.fixture(scope="session")
def named_queries(settings):
    return load_queries(settings.queries_dir)


@pytest.fixture(scope="session")
def manifesto_text() -> str:
    if not MANIFESTO.is_file():
        pytest.skip(f"the manifesto is not at {MANIFESTO} (../shared is absent)")
    return MANIFESTO.read_text(encoding="utf-8")


@pytest.fixture
def project_copy(tmp_path) -> Path:
    """A throw-away copy of the project's sources, for tests that break them on purpose."""
    for folder in ("ontology", "data", "shapes", "queries"):
        shutil.copytree(PROJECT / folder, tmp_path / folder)
    return tmp_path


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def polegraph_command() -> list[str]:
    """The installed `polegraph` console script of this interpreter's environment."""
    script = Path(sys.executable).with_name("polegraph")
    return [str(script)] if script.exists() else [sys.executable, "-m", "polegraph"]


class RunningServer:
    """A `polegraph serve` process on 127.0.0.1 and a free port, started and stopped by a test."""

    def __init__(self, args: list[str], port: int, env: dict[str, str] | None = None,
                 log_path: Path | None = None):
        import os
        import tempfile

        self.port = port
        self.url = f"http://127.0.0.1:{port}"
        # The access log goes to a file: a pipe nobody reads would fill up and hang the server.
        self._own_log = log_path is None
        if log_path is None:
            handle, name = tempfile.mkstemp(prefix="polegraph-server-", suffix=".log")
            os.close(handle)
            log_path = Path(name)
        self.log_path = Path(log_path)
        with open(self.log_path, "wb") as log:
            self.process = subprocess.Popen(args, stdout=log, stderr=subprocess.STDOUT,
                                            env={**os.environ, **(env or {})})

    def output(self) -> str:
        """What the server printed so far (its access log and errors)."""
        return self.log_path.read_text(encoding="utf-8", errors="replace")

    def wait_ready(self, timeout: float = 60) -> None:
        import urllib.request

        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"server exited with {self.process.returncode}:\n{self.output()[-3000:]}")
            try:
                with urllib.request.urlopen(self.url + "/health", timeout=2):
                    return
            except OSError:
                time.sleep(0.2)
        raise TimeoutError("server did not become ready")

    def stop(self) -> None:
        self.process.terminate()
        try:
            self.process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()
        if self._own_log:
            self.log_path.unlink(missing_ok=True)


@pytest.fixture(scope="session")
def server(settings, release):
    """The real server, started the way `make serve` starts it (gunicorn), over the session's release."""
    port = free_port()
    running = RunningServer(
        polegraph_command() + ["--project", str(settings.project), "--var", str(settings.var_dir),
                               "serve", "--no-build", "--port", str(port)], port)
    try:
        running.wait_ready()
        yield running
    finally:
        running.stop()
