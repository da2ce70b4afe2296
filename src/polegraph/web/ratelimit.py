"""Per-client rate limiting: a token bucket per client address, answered with 429 and Retry-After.

A public endpoint must stay usable when one client floods it. Each client address gets a bucket of
`rate_limit_burst` tokens refilled at `rate_limit_per_s`; a request takes one token (an expensive
route more: ROUTE_COSTS), and a client with an empty bucket is answered 429 at once (no sleeping, no
queueing), so the flood costs a dictionary look-up and never slows the other clients. Loopback
clients (the machine itself, a reverse proxy on it, the test suite) are exempt unless
`rate_limit_loopback` is set; `/health` and static files are never limited, so monitors and page
assets keep working.

Buckets live in each web worker process (Granian forks `workers` of them and the kernel spreads
connections among them), so a client may get up to `workers` times the configured rate; the number
of buckets kept is bounded, the least recently seen client being forgotten first (a forgotten client
simply starts again with a full bucket).
"""

from __future__ import annotations

import functools
import ipaddress
import threading
import time
from collections import OrderedDict
from collections.abc import Callable

from polegraph.errors import PolegraphError

EXEMPT_PATHS = ("/health",)
# Tokens a request takes: POST /validate runs inference and SHACL over the whole graph (~3 s of CPU),
# so it costs as much as many queries (capped at the burst, so it is never refused for ever).
ROUTE_COSTS = {"/validate": 20}
EXEMPT_PREFIXES = ("/static/",)
MAX_CLIENTS = 10_000


class TokenBuckets:
    """One token bucket per client key; thread-safe, bounded in memory."""

    def __init__(self, rate_per_s: float, burst: int, max_clients: int = MAX_CLIENTS,
                 clock: Callable[[], float] = time.monotonic):
        if rate_per_s <= 0 or burst < 1:
            raise ValueError("a token bucket needs a positive rate and a burst of at least one request")
        self.rate, self.burst, self.max_clients, self._clock = rate_per_s, burst, max_clients, clock
        self._buckets: OrderedDict[str, tuple[float, float]] = OrderedDict()  # key -> (tokens, time)
        self._lock = threading.Lock()

    def take(self, key: str, cost: int = 1) -> float:
        """Take `cost` tokens for `key`: 0 when the request may go on, else the seconds until it may."""
        cost = min(cost, self.burst)
        now = self._clock()
        with self._lock:
            tokens, stamp = self._buckets.pop(key, (float(self.burst), now))
            tokens = min(float(self.burst), tokens + (now - stamp) * self.rate)
            if tokens >= cost:
                tokens -= cost
                wait = 0.0
            else:
                wait = (cost - tokens) / self.rate
            self._buckets[key] = (tokens, now)  # re-inserted last: the most recently seen
            while len(self._buckets) > self.max_clients:
                self._buckets.popitem(last=False)
        return wait

    def __len__(self) -> int:
        return len(self._buckets)


@functools.lru_cache(maxsize=4096)  # a pure function of the text; parsing an address costs ~3 µs a request
def is_loopback(address: str | None) -> bool:
    """Whether `address` is this machine (127.0.0.0/8, ::1, or an IPv4-mapped loopback)."""
    try:
        ip = ipaddress.ip_address(address or "")
    except ValueError:
        return False
    mapped = getattr(ip, "ipv4_mapped", None)
    return ip.is_loopback or bool(mapped and mapped.is_loopback)


Network = ipaddress.IPv4Network | ipaddress.IPv6Network


def trusted_networks(setting: str) -> tuple[Network, ...]:
    """The reverse proxies named by the `trusted_proxies` setting (addresses or CIDR blocks)."""
    try:
        return tuple(ipaddress.ip_network(item.strip(), strict=False) for item in setting.split(",") if item.strip())
    except ValueError as exc:
        raise PolegraphError(f"POLEGRAPH_TRUSTED_PROXIES: {exc}") from None


def client_address(environ: dict, trusted: tuple[Network, ...]) -> str:
    """Who the client is: the peer's address, or, when the peer is a trusted proxy, the last address of
    X-Forwarded-For that is not itself a trusted proxy. A header any client can send is never believed
    from anyone else."""
    peer = environ.get("REMOTE_ADDR") or "unknown"
    forwarded = environ.get("HTTP_X_FORWARDED_FOR")
    if not trusted or not forwarded or not _within(peer, trusted):
        return peer
    hops = [hop.strip() for hop in forwarded.split(",") if hop.strip()]
    for hop in reversed(hops):
        if not _within(hop, trusted):
            return hop
    return hops[0] if hops else peer


def _within(address: str, networks: tuple[Network, ...]) -> bool:
    try:
        ip = ipaddress.ip_address(address)
    except ValueError:
        return False
    return any(ip in network for network in networks)


def is_exempt(client: str, path: str, limit_loopback: bool) -> bool:
    """Whether a request of `client` to `path` takes no token: liveness and static files, and the
    machine itself unless loopback clients are limited too."""
    return (path in EXEMPT_PATHS or path.startswith(EXEMPT_PREFIXES)
            or (is_loopback(client) and not limit_loopback))


def rate_wait(buckets: TokenBuckets | None, limit_loopback: bool, client: str, path: str) -> float:
    """Seconds `client` must wait before a request to `path` (0: go on now), taking its tokens."""
    if buckets is None or is_exempt(client, path, limit_loopback):
        return 0.0
    return buckets.take(client, ROUTE_COSTS.get(path, 1))
