"""Helpers of the reliability tests: a raw HTTP client, a trap listener, servers and their processes.

Every server here is a real `polegraph serve --no-build` (gunicorn) process on 127.0.0.1, logging to
a file (a pipe nobody reads fills up and blocks gunicorn), always stopped by the fixture that made it.
"""

from __future__ import annotations

import http.client
import os
import re
import socket
import threading
import time
from dataclasses import dataclass
from pathlib import Path

from .conftest import PROJECT, RunningServer, free_port, polegraph_command

# What must never reach a client: a Python traceback, or a path of this machine's file system.
LEAKS = re.compile(
    r"Traceback \(most recent call last\)|File \"/|site-packages|/usr/lib|/root/|/home/|/tmp/|\.py\b"
    r"|" + re.escape(str(PROJECT)),
)


@dataclass
class Answer:
    status: int
    headers: dict[str, str]  # lower-cased names
    body: bytes
    seconds: float

    @property
    def text(self) -> str:
        return self.body.decode("utf-8", errors="replace")


def call(base_url: str, method: str, path: str, body: bytes | str | None = None,
         headers: dict[str, str] | None = None, timeout: float = 60,
         source: str | None = None) -> Answer:
    """One raw request (nothing followed or decoded); `source` is the client address to connect from."""
    host, port = base_url.removeprefix("http://").split(":")
    connection = http.client.HTTPConnection(host, int(port), timeout=timeout,
                                            source_address=(source, 0) if source else None)
    started = time.monotonic()
    try:
        data = body.encode("utf-8") if isinstance(body, str) else body
        connection.putrequest(method, path, skip_accept_encoding=True)
        for name, value in (headers or {}).items():
            connection.putheader(name, value)
        if data is not None:
            connection.putheader("Content-Length", str(len(data)))
        connection.endheaders(data)
        response = connection.getresponse()
        payload = response.read()
        return Answer(response.status, {k.lower(): v for k, v in response.getheaders()}, payload,
                      time.monotonic() - started)
    finally:
        connection.close()


def assert_clean_error(answer: Answer, *statuses: int, where: str = "") -> None:
    """A refusal: one of `statuses` (any 4xx if none given), never 5xx, nothing internal in the body."""
    if statuses:
        assert answer.status in statuses, (where, answer.status, answer.text[:300])
    else:
        assert 400 <= answer.status < 500, (where, answer.status, answer.text[:300])
    leak = LEAKS.search(answer.text)
    assert leak is None, f"{where}: the error body leaks {leak.group()!r}: {answer.text[:300]}"


class TrapListener:
    """A TCP listener on 127.0.0.1 that records every connection made to it (and answers nothing)."""

    def __init__(self):
        self.sock = socket.socket()
        self.sock.bind(("127.0.0.1", 0))
        self.sock.listen(16)
        self.sock.settimeout(0.2)
        self.port = self.sock.getsockname()[1]
        self.url = f"http://127.0.0.1:{self.port}/"
        self.connections = 0
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._accept, daemon=True)
        self._thread.start()

    def _accept(self) -> None:
        while not self._stop.is_set():
            try:
                conn, _ = self.sock.accept()
            except OSError:
                continue
            self.connections += 1
            conn.close()

    def close(self) -> None:
        self._stop.set()
        self._thread.join(timeout=2)
        self.sock.close()


class LoggedServer(RunningServer):
    """`polegraph serve --no-build` over `var`, with extra environment, its output in `log_path`."""

    def __init__(self, var: Path, log_path: Path, env: dict[str, str] | None = None,
                 project: Path = PROJECT, extra_args: tuple[str, ...] = ()):
        port = free_port()
        args = polegraph_command() + ["--project", str(project), "--var", str(var), "serve", "--no-build",
                                      "--port", str(port), *extra_args]
        super().__init__(args, port, env=env, log_path=log_path)


def start(var: Path, log_path: Path, env: dict[str, str] | None = None, **kw) -> LoggedServer:
    server = LoggedServer(var, log_path, env, **kw)
    try:
        server.wait_ready()
    except BaseException:
        server.stop()
        raise
    return server


# --- the processes of a server, read from /proc ---------------------------------------------------------


def descendants(pid: int) -> list[int]:
    """`pid` and every process below it."""
    children: dict[int, list[int]] = {}
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            fields = Path(f"/proc/{entry}/stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        children.setdefault(int(fields[1]), []).append(int(entry))
    found, todo = [], [pid]
    while todo:
        current = todo.pop()
        found.append(current)
        todo.extend(children.get(current, []))
    return found


def process_name(pid: int) -> str:
    """The name a process gives itself (/proc/PID/comm: `polegraph-query`, `polegraph-zygot`…); "" once gone."""
    try:
        return Path(f"/proc/{pid}/comm").read_text().strip()
    except OSError:
        return ""


def command_line(pid: int) -> str:
    try:
        return Path(f"/proc/{pid}/cmdline").read_bytes().replace(b"\0", b" ").decode(errors="replace")
    except OSError:
        return ""


def rss_kib(pid: int) -> int:
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                return int(line.split()[1])
    except OSError:
        pass
    return 0


def open_files(pid: int) -> int:
    try:
        return len(os.listdir(f"/proc/{pid}/fd"))
    except OSError:
        return 0


def mapped_files(pid: int) -> str:
    try:
        return Path(f"/proc/{pid}/maps").read_text()
    except OSError:
        return ""
