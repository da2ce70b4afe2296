"""A minimal raw HTTP client for the endpoint tests: exact methods, headers and bodies, no magic."""

from __future__ import annotations

import http.client
import json
from dataclasses import dataclass
from urllib.parse import quote, urlsplit


@dataclass
class Answer:
    status: int
    headers: dict[str, str]  # lower-cased names
    body: bytes

    @property
    def media_type(self) -> str:
        return self.headers.get("content-type", "").split(";")[0].strip()

    def json(self):
        return json.loads(self.body)

    @property
    def text(self) -> str:
        return self.body.decode("utf-8")


def call(base_url: str, method: str, path: str, body: bytes | str | None = None,
         headers: dict[str, str] | None = None, timeout: float = 60) -> Answer:
    """One request to the server at `base_url`; nothing is followed, decoded or retried."""
    parts = urlsplit(base_url)
    connection = http.client.HTTPConnection(parts.hostname, parts.port, timeout=timeout)
    try:
        data = body.encode("utf-8") if isinstance(body, str) else body
        connection.request(method, path, body=data, headers=headers or {})
        response = connection.getresponse()
        return Answer(response.status, {k.lower(): v for k, v in response.getheaders()}, response.read())
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


def start_server(settings, log_path, env: dict[str, str] | None = None):
    """A `polegraph serve --no-build` process like the session's, logging to `log_path`, with extra
    environment such as POLEGRAPH_QUERY_TIMEOUT."""
    from .security_support import start

    return start(settings.var_dir, log_path, env, project=settings.project)
