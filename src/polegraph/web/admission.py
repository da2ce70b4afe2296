"""Each client's share of the service's capacity, so that one client can never freeze it for the others.

The rate limit (web/ratelimit.py) counts requests; this counts what they hold. Every request that does
work (queries, pages, downloads; not /health nor static files) is admitted into one of two lanes:

- **query**: at most `client_queries` running at once per client, across every web worker;
- **validate** (POST /validate): at most one running at once per client, and `validations` at once
  for the whole service.

Both lanes draw on one budget per client: `client_seconds` of work per minute, refilled continuously;
a request's time is charged when it ends. And of the queries the service runs at once (a query
process each, and as many again for the long work the processes hand on: query/processes/zygote.py)
the last `keep_free` places are kept for clients that have nothing running, so a newcomer's cheap
query is answered at once whatever the others run. Beyond any of these a client gets 429 with
Retry-After (503 when the service as a whole is full) at once: nothing waits in a queue.

The counts live in memory shared by every worker: an array of slots, one per recently seen client,
mapped before Granian forks the workers and guarded by one lock. A client is its address
(web/http.py `client_address`: the forwarded address only behind a trusted proxy).
"""

from __future__ import annotations

import hashlib
import math
import mmap
import multiprocessing
import struct
import time
from dataclasses import dataclass

from polegraph.errors import RequestRefused
from polegraph.settings import Settings

QUERY, VALIDATE = "query", "validate"
SLOTS = 4096  # clients remembered; the least recently seen with nothing running is forgotten first
PROBES = 16
_SLOT = struct.Struct("=Qiidd")  # client key, queries running, validations running, budget (s), last seen
_HEADER = struct.Struct("=ii")  # validations, and requests of the query lane, running in the whole service


@dataclass
class Ticket:
    """A request admitted into a lane: `leave()` when it is answered (its time is charged then)."""

    admission: Admission
    key: int
    lane: str
    started: float

    def leave(self) -> None:
        self.admission._leave(self)


class Admission:
    """The shares of one service (see the module's docstring); made before the workers are forked."""

    def __init__(self, settings: Settings):
        self.per_client = settings.client_queries
        self.budget = float(settings.client_seconds)
        self.refill = self.budget / 60.0
        self.validations = settings.validations
        self.places = settings.query_places  # of which `keep_free` are kept for newcomers
        self.keep_free = settings.keep_free
        self._memory = mmap.mmap(-1, _HEADER.size + SLOTS * _SLOT.size)  # anonymous: shared with forks
        self._lock = multiprocessing.Lock()

    def enter(self, client: str, lane: str) -> Ticket:
        """Admit a request of `client` into `lane`, or raise the refusal (429/503) that says why."""
        key = int.from_bytes(hashlib.blake2b(client.encode(), digest_size=8).digest(), "big") or 1
        now = time.monotonic()
        with self._lock:
            offset = self._slot(key, now)
            _, queries, validations, budget, seen = _SLOT.unpack_from(self._memory, offset)
            budget = min(self.budget, budget + (now - seen) * self.refill)
            if budget <= 0:
                wait = max(1, math.ceil(-budget / self.refill))
                raise RequestRefused(429, "client-budget-spent", (
                    f"your requests used this endpoint's share of {self.budget:g} s of work per minute per client; "
                    f"retry in {wait} s"), headers={"Retry-After": str(wait)}, retry_after=wait)
            validating, running = _HEADER.unpack_from(self._memory, 0)
            if lane == VALIDATE:
                if validations >= 1:
                    raise _busy_client("a validation of yours is running: one at a time per client")
                if validating >= self.validations:
                    raise RequestRefused(503, "validations-busy", (
                        f"{validating} validations are running, as many as this service runs at once; retry in 5 s"),
                        headers={"Retry-After": "5"})
                validating += 1
                validations += 1
            else:
                if queries >= self.per_client:
                    raise _busy_client(f"{queries} requests of yours are running, as many as this endpoint runs at "
                                       "once per client")
                if queries and self.keep_free and running >= self.places - self.keep_free:
                    raise _busy_client("the last places for queries are kept for clients with nothing running, "
                                       "and you have a request running")
                running += 1
                queries += 1
            _HEADER.pack_into(self._memory, 0, validating, running)
            _SLOT.pack_into(self._memory, offset, key, queries, validations, budget, now)
        return Ticket(self, key, lane, now)

    def _leave(self, ticket: Ticket) -> None:
        now = time.monotonic()
        with self._lock:
            offset = self._slot(ticket.key, now)
            _, queries, validations, budget, seen = _SLOT.unpack_from(self._memory, offset)
            budget = min(self.budget, budget + (now - seen) * self.refill) - (now - ticket.started)
            validating, running = _HEADER.unpack_from(self._memory, 0)
            if ticket.lane == VALIDATE:
                validating, validations = max(0, validating - 1), max(0, validations - 1)
            else:
                running, queries = max(0, running - 1), max(0, queries - 1)
            _HEADER.pack_into(self._memory, 0, validating, running)
            _SLOT.pack_into(self._memory, offset, ticket.key, queries, validations, budget, now)

    def _slot(self, key: int, now: float) -> int:
        """The offset of `key`'s slot (under the lock): its own, else a free one, else the least recently
        seen idle one, which is given to `key` with a full budget."""
        start = key % SLOTS
        oldest, oldest_seen = None, math.inf
        for probe in range(PROBES):
            offset = _HEADER.size + ((start + probe) % SLOTS) * _SLOT.size
            owner, queries, validations, _, seen = _SLOT.unpack_from(self._memory, offset)
            if owner == key:
                return offset
            if owner == 0 or (not queries and not validations and seen < oldest_seen):
                oldest, oldest_seen = offset, (-math.inf if owner == 0 else seen)
        if oldest is None:  # every slot nearby holds a running client: share the first one's counts
            oldest = _HEADER.size + start * _SLOT.size
        _SLOT.pack_into(self._memory, oldest, key, 0, 0, self.budget, now)
        return oldest


def _busy_client(reason: str) -> RequestRefused:
    return RequestRefused(429, "too-many-running", f"{reason}; retry when one is answered",
                          headers={"Retry-After": "2"}, retry_after=2)
