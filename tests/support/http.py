"""A raw HTTP client for tests (exact methods, headers and bodies; nothing followed, decoded or retried),
the check that an error leaks nothing, and a listener that records connections it should never get."""

from __future__ import annotations

import http.client
import json
import re
import socket
import threading
import time
from dataclasses import dataclass
from urllib.parse import quote, urlsplit

from tests.support import PROJECT

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
    seconds: float = 0.0

    @property
    def media_type(self) -> str:
        return self.headers.get("content-type", "").split(";")[0].strip()

    def json(self):
        return json.loads(self.body)

    @property
    def text(self) -> str:
        return self.body.decode("utf-8", errors="replace")


def call(base_url: str, method: str, path: str, body: bytes | str | None = None,
         headers: dict[str, str] | None = None, timeout: float = 60, source: str | None = None) -> Answer:
    """One request on a new connection; `source` is the client address to connect from (127.0.0.2…).
    A `Host` in `headers` replaces the one naming the server."""
    parts = urlsplit(base_url)
    connection = http.client.HTTPConnection(parts.hostname, parts.port, timeout=timeout,
                                            source_address=(source, 0) if source else None)
    started = time.monotonic()
    try:
        data = body.encode("utf-8") if isinstance(body, str) else body
        own_host = any(name.lower() == "host" for name in headers or {})  # a Host header of the test's own
        connection.putrequest(method, path, skip_accept_encoding=True, skip_host=own_host)
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


def get_query(base_url: str, query: str, accept: str | None = None, extra: str = "", **kw) -> Answer:
    headers = {"Accept": accept} if accept else {}
    return call(base_url, "GET", f"/sparql?query={quote(query)}{extra}", headers=headers, **kw)


def post_query(base_url: str, query: str, accept: str | None = None, **kw) -> Answer:
    headers = {"Content-Type": "application/sparql-query"}
    if accept:
        headers["Accept"] = accept
    return call(base_url, "POST", "/sparql", body=query, headers=headers, **kw)


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
