"""Every setting of polegraph, declared once: its type, default and help, and where it is read.

A setting comes from the command line, else from the environment (`POLEGRAPH_<NAME>`), else from its
default. The environment is read in one place, `Settings.from_environment`, called once by the
command line; nothing else in polegraph reads a `POLEGRAPH_*` variable, and `Settings()` alone gives
the defaults (what the tests build on). `polegraph settings` prints the table below.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass, field, fields, replace
from pathlib import Path
from urllib.parse import urlsplit

from polegraph.errors import PolegraphError

PREFIX = "POLEGRAPH_"


def _setting(env: str, default, help_text: str, *, secret: bool = False):
    """A field of Settings read from `POLEGRAPH_<env>`."""
    return field(default=default, repr=not secret, metadata={"env": env, "help": help_text, "secret": secret})


@dataclass(frozen=True)
class Settings:
    """Where the sources and releases are, how the service listens, and the limits it keeps."""

    project: Path = _setting("PROJECT", Path("."), "project folder holding ontology/, data/, shapes/, queries/")
    var: Path | None = _setting("VAR", None, "where releases and exports are written (default: <project>/var)")
    manifesto: Path | None = _setting("MANIFESTO", None, "the manifesto's text, which `coverage` sweeps for names "
                                      "(default: <project>/../shared/sources/manifeste-phase6.txt)")
    host: str = _setting("HOST", "127.0.0.1", "interface `serve` listens on")
    port: int = _setting("PORT", 5000, "port `serve` listens on")
    workers: int = _setting("WORKERS", 2, "web worker processes of `serve`")
    query_processes: int = _setting("QUERY_PROCESSES", max(2, os.cpu_count() or 1), "query processes of the "
                                    "service, which its web workers share (default: one per processor, at least 2)")
    query_timeout_s: float = _setting("QUERY_TIMEOUT", 30.0, "seconds a query or a validation may run")
    max_rows: int = _setting("MAX_ROWS", 10000, "rows (or triples) of one answer; beyond, the answer says it is cut")
    max_query_bytes: int = _setting("MAX_QUERY_BYTES", 10000, "longest SPARQL query accepted, in bytes")
    max_request_bytes: int = _setting("MAX_REQUEST_BYTES", 1000000, "largest request body accepted, in bytes")
    rate_limit_per_s: float = _setting("RATE_LIMIT", 10.0, "requests per second per client, sustained (0: no limit)")
    rate_limit_burst: int = _setting("RATE_BURST", 60, "requests a client may send at once before the rate applies")
    rate_limit_loopback: bool = _setting("RATE_LIMIT_LOOPBACK", False, "limit the request rate of this machine too")
    client_queries: int = _setting("CLIENT_QUERIES", 2, "queries (and pages) a client may have running at once")
    client_seconds: float = _setting("CLIENT_SECONDS", 60.0, "seconds of work a client may use per minute")
    keep_free: int = _setting("KEEP_FREE", 1, "places for queries (2 per query process) kept for clients with "
                              "nothing running (0: none, as when one load generator stands for many clients)")
    validations: int = _setting("VALIDATIONS", 2, "validations running at once in the whole service (1 per client)")
    trusted_proxies: str = _setting("TRUSTED_PROXIES", "", "addresses of the reverse proxies whose X-Forwarded-For is "
                                    "believed (comma-separated; CIDR allowed)")
    result_cache: bool = _setting("RESULT_CACHE", True, "reuse the answers of repeated queries")
    result_cache_bytes: int = _setting("RESULT_CACHE_BYTES", 64 << 20, "bytes of answers kept per web worker")
    reasoner_timeout_s: float = _setting("REASONER_TIMEOUT", 300.0, "seconds HermiT may run at build time")
    store_url: str | None = _setting("STORE_URL", None, "answer queries through this SPARQL store (`serve --store`)")
    store_token: str | None = _setting("STORE_TOKEN", None, "bearer token for the triple store", secret=True)
    store_user: str | None = _setting("STORE_USER", None, "user name for the triple store (HTTP basic)")
    store_password: str | None = _setting("STORE_PASSWORD", None, "password for the triple store", secret=True)
    public_url: str | None = _setting("PUBLIC_URL", None, "public base URL of the site (behind a proxy: the URL "
                                      "readers use); every absolute URL the site and its descriptions print")
    datagouv_api_url: str = _setting("DATAGOUV_API_URL", "https://www.data.gouv.fr/api/1", "data.gouv.fr (udata) API")
    datagouv_api_key: str | None = _setting("DATAGOUV_API_KEY", None, "data.gouv.fr API key", secret=True)

    @classmethod
    def from_environment(cls, environ: Mapping[str, str] | None = None, **overrides) -> Settings:
        """Settings from `POLEGRAPH_*` variables (an empty value counts as unset), then `overrides`."""
        environ = os.environ if environ is None else environ
        values = {}
        for spec in fields(cls):
            name = PREFIX + spec.metadata["env"]
            raw = environ.get(name, "")
            if raw != "":
                values[spec.name] = _parse(name, raw, spec.default)
        values.update({key: value for key, value in overrides.items() if value is not None})
        return cls(**values)

    @classmethod
    def described(cls) -> list[tuple[str, str, str]]:
        """(environment variable, default, help) of every setting, in declaration order."""
        return [(PREFIX + spec.metadata["env"], "" if spec.default is None else str(spec.default),
                 spec.metadata["help"]) for spec in fields(cls)]

    def shown(self) -> list[tuple[str, str]]:
        """(environment variable, value) of every setting, secrets masked."""
        return [(PREFIX + spec.metadata["env"],
                 "***" if spec.metadata["secret"] and getattr(self, spec.name) else str(getattr(self, spec.name) or ""))
                for spec in fields(self)]

    @property
    def query_places(self) -> int:
        """Queries the service runs at once: one per query process, and as many again for the long work the
        processes hand on (query/processes/zygote.py)."""
        return 2 * self.query_processes

    @property
    def ontology_dir(self) -> Path:
        return self.project / "ontology"

    @property
    def data_dir(self) -> Path:
        return self.project / "data"

    @property
    def shapes_dir(self) -> Path:
        return self.project / "shapes"

    @property
    def queries_dir(self) -> Path:
        return self.project / "queries"

    @property
    def coverage_file(self) -> Path:
        """Where the manifesto's sections begin, and the names the coverage sweep leaves out on purpose."""
        return self.data_dir / "coverage.toml"

    @property
    def manifesto_path(self) -> Path:
        return (self.manifesto or self.project.parent / "shared" / "sources" / "manifeste-phase6.txt").resolve()

    @property
    def var_dir(self) -> Path:
        return (self.var or self.project / "var").resolve()

    @property
    def releases_dir(self) -> Path:
        return self.var_dir / "releases"

    @property
    def current_release(self) -> Path:
        """A symlink to the release being served, swapped atomically by each successful build."""
        return self.var_dir / "current"

    @property
    def site_url(self) -> str:
        """The site's public base URL, ending in "/": `public_url`, else where `serve` listens. Never a
        request's Host header: a published description names the site it was configured for."""
        if self.public_url:
            return self.public_url if self.public_url.endswith("/") else self.public_url + "/"
        host = "127.0.0.1" if self.host in ("", "0.0.0.0") else "[::1]" if self.host == "::" else self.host
        host = f"[{host}]" if ":" in host and not host.startswith("[") else host
        return f"http://{host}:{self.port}/"

    def with_(self, **changes) -> Settings:
        return replace(self, **changes)

    def __post_init__(self) -> None:
        object.__setattr__(self, "project", Path(self.project).resolve())
        if self.public_url is not None:
            _check_public_url(self.public_url)


def _check_public_url(url: str) -> None:
    """A public URL is absolute http(s), with a host and no query or fragment (links are built on it)."""
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.hostname or parts.query or parts.fragment \
            or any(c.isspace() for c in url):
        raise PolegraphError(f"{PREFIX}PUBLIC_URL={url!r} is not an absolute http(s) URL without query or fragment "
                             f"(e.g. https://data.example.org/)")


def _parse(name: str, raw: str, default):
    """`raw` read as the type of `default`; a clear error naming the variable otherwise."""
    try:
        if isinstance(default, bool):
            if raw.lower() in ("1", "true", "yes", "on"):
                return True
            if raw.lower() in ("0", "false", "no", "off"):
                return False
            raise ValueError
        if isinstance(default, int):
            return int(raw)
        if isinstance(default, float):
            return float(raw)
        if isinstance(default, Path) or name.endswith(("_VAR", "_PROJECT", "_MANIFESTO")):
            return Path(raw)
        return raw
    except ValueError:
        kind = type(default).__name__ if default is not None else "text"
        raise PolegraphError(f"{name}={raw!r} is not a valid {'yes/no' if kind == 'bool' else kind}") from None
