"""A local server answering as data.gouv.fr's udata API v1 does (routes, status codes, error bodies),
recording every request: what `polegraph publish --to datagouv` is tested against, offline."""

from __future__ import annotations

import contextlib
import hashlib
import json
import re
import threading
import uuid
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

API_KEY = "test-key-" + uuid.uuid4().hex


class FakeUdata:
    """In-memory datasets and resources, udata's routes, status codes and error bodies; every request kept."""

    def __init__(self):
        self.requests: list[tuple[str, str]] = []
        self.datasets: dict[str, dict] = {}
        self.lock = threading.Lock()

    def writes(self) -> list[tuple[str, str]]:
        return [r for r in self.requests if r[0] != "GET"]

    def handle(self, method: str, path: str, headers, body: bytes) -> tuple[int, object]:
        self.requests.append((method, path))
        parts = [p for p in path.split("?")[0].split("/") if p]
        if parts[:2] != ["api", "1"]:
            return 404, {"message": "The requested URL was not found on the server.", "status": 404}
        parts = parts[2:]
        key = headers.get("X-API-KEY")
        if key is not None and key != API_KEY:
            return 401, {"message": "Invalid API Key", "status": 401}
        if method != "GET" and key is None:
            return 401, {"message": "Unauthorized", "status": 401}
        if parts == ["me", "datasets"] and method == "GET":
            if key is None:
                return 401, {"message": "Unauthorized", "status": 401}
            return 200, list(self.datasets.values())
        if parts == ["datasets"] and method == "POST":
            data = json.loads(body)
            if not data.get("title"):
                return 400, {"errors": {"title": ["This field is required."]}, "message": "Validation error"}
            dataset = {**data, "id": uuid.uuid4().hex[:24], "resources": []}
            dataset["license"] = data.get("license")
            self.datasets[dataset["id"]] = dataset
            return 201, dataset
        if len(parts) < 2 or parts[0] != "datasets" or parts[1] not in self.datasets:
            return 404, {"message": "Dataset not found", "status": 404}
        dataset = self.datasets[parts[1]]
        rest = parts[2:]
        if not rest and method == "GET":
            return 200, dataset
        if not rest and method == "PUT":
            dataset.update(json.loads(body))
            return 200, dataset
        if rest == ["upload"] and method == "POST":
            name, content = _multipart_file(headers, body)
            resource = {"id": str(uuid.uuid4()), "title": name, "description": None, "type": "main",
                        "format": name.rsplit(".", 1)[-1], "filesize": len(content),
                        "checksum": {"type": "sha1", "value": hashlib.sha1(content).hexdigest()},
                        "url": f"https://static.example/{name}"}
            dataset["resources"].insert(0, resource)
            return 201, resource
        if len(rest) >= 2 and rest[0] == "resources":
            resource = next((r for r in dataset["resources"] if r["id"] == rest[1]), None)
            if resource is None:
                return 404, {"message": "Resource not found", "status": 404}
            if rest[2:] == ["upload"] and method == "POST":
                _name, content = _multipart_file(headers, body)
                resource.update(filesize=len(content),
                                checksum={"type": "sha1", "value": hashlib.sha1(content).hexdigest()})
                return 200, resource
            if not rest[2:] and method == "PUT":
                resource.update(json.loads(body))
                return 200, resource
        return 405, {"message": "The method is not allowed for the requested URL.", "status": 405}


def _multipart_file(headers, body: bytes) -> tuple[str, bytes]:
    boundary = re.search(r"boundary=(\S+)", headers["Content-Type"]).group(1).encode()
    part = body.split(b"--" + boundary)[1]
    head, _, content = part.partition(b"\r\n\r\n")
    name = re.search(rb'filename="([^"]+)"', head).group(1).decode()
    return name, content[: -len(b"\r\n")]


@contextlib.contextmanager
def recording_udata() -> Iterator[FakeUdata]:
    """A FakeUdata served on a free port of 127.0.0.1 (its `url` is the API's), for the `with` block."""
    fake = FakeUdata()

    class Handler(BaseHTTPRequestHandler):
        def _serve(self):
            length = int(self.headers.get("Content-Length") or 0)
            body = self.rfile.read(length) if length else b""
            with fake.lock:
                status, answer = fake.handle(self.command, self.path, self.headers, body)
            data = json.dumps(answer).encode()
            self.send_response(status)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)

        do_GET = do_POST = do_PUT = _serve

        def log_message(self, *_args):
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    fake.url = f"http://127.0.0.1:{server.server_address[1]}/api/1"
    try:
        yield fake
    finally:
        server.shutdown()
        server.server_close()
