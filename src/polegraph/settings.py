"""Where things are and the limits the service keeps; one object handed down the pipeline."""

from __future__ import annotations

import os
from dataclasses import dataclass, field, replace
from pathlib import Path


def _env(name: str, default: str) -> str:
    return os.environ.get(f"POLEGRAPH_{name}", default)


@dataclass(frozen=True)
class Settings:
    """Paths of the sources and releases, and the service's limits.

    Every field can be set from the environment (POLEGRAPH_<FIELD>), from the CLI, or in tests.
    """

    project: Path = field(default_factory=lambda: Path(_env("PROJECT", ".")).resolve())
    var: Path | None = None  # where releases are written; default <project>/var
    host: str = field(default_factory=lambda: _env("HOST", "127.0.0.1"))
    port: int = field(default_factory=lambda: int(_env("PORT", "5000")))
    workers: int = field(default_factory=lambda: int(_env("WORKERS", "2")))
    query_timeout_s: float = field(default_factory=lambda: float(_env("QUERY_TIMEOUT", "30")))
    max_rows: int = field(default_factory=lambda: int(_env("MAX_ROWS", "10000")))
    max_query_bytes: int = field(default_factory=lambda: int(_env("MAX_QUERY_BYTES", "10000")))
    max_request_bytes: int = field(default_factory=lambda: int(_env("MAX_REQUEST_BYTES", "1000000")))
    # `serve --store URL`: answer every query through this SPARQL endpoint (loaded by `polegraph push`)
    store_url: str | None = field(default_factory=lambda: _env("STORE_URL", "") or None)
    # HermiT runs at build time only, and is killed past this limit (owlready2 sets none).
    reasoner_timeout_s: float = field(default_factory=lambda: float(_env("REASONER_TIMEOUT", "300")))
    # Per-client token bucket (web/ratelimit.py): sustained requests/s (0: off) and burst size. Loopback
    # clients (the machine itself, a local reverse proxy, the tests) are exempt unless RATE_LIMIT_LOOPBACK=1.
    rate_limit_per_s: float = field(default_factory=lambda: float(_env("RATE_LIMIT", "10")))
    rate_limit_burst: int = field(default_factory=lambda: int(_env("RATE_BURST", "60")))
    rate_limit_loopback: bool = field(
        default_factory=lambda: _env("RATE_LIMIT_LOOPBACK", "0").lower() in ("1", "true", "yes"))
    # Answers reused while the release is served (cache.py), per web worker, bounded by bytes.
    result_cache: bool = field(default_factory=lambda: _env("RESULT_CACHE", "1").lower() not in ("0", "false", "no"))
    result_cache_bytes: int = field(default_factory=lambda: int(_env("RESULT_CACHE_BYTES", str(64 << 20))))

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
    def var_dir(self) -> Path:
        return self.var or Path(_env("VAR", str(self.project / "var"))).resolve()

    @property
    def releases_dir(self) -> Path:
        return self.var_dir / "releases"

    @property
    def current_release(self) -> Path:
        """A symlink to the release being served, swapped atomically by each successful build."""
        return self.var_dir / "current"

    def with_(self, **changes) -> Settings:
        return replace(self, **changes)
