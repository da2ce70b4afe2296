"""Reuse of answers the release already gave: correct by construction, bounded in memory.

A release is immutable, so the answer to a query is a pure function of what the engine is handed:
the release, the query text (up to whitespace and comments), the negotiated format, the protocol
dataset (default-graph-uri / named-graph-uri), the base IRI relative IRIs resolve against, and the row
cap. `result_key` puts exactly these in the key, so two requests share an entry only when the engine
would have computed the same bytes for both; a new release can never be answered from an old entry.

Only successful answers are stored (a timeout, a syntax error or a refused query is never cached),
and a request is looked up only after it passed every check of the endpoint, so the cache changes
how fast an answer comes, never which requests get one. The cache lives in each web worker's
memory (workers share nothing): an LRU bounded by the bytes of the bodies it holds.

`GuardMemo` keeps the verdict of sparql_guard.check_query for recently accepted texts: the check is a
pure function of (text, base IRI) for one release's graphs, and re-tokenising a long query costs
as much as running a small one.
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Callable
from typing import Generic, TypeVar

from polegraph.query.guard import CheckedQuery
from polegraph.query.processes.pool import QueryAnswer, QueryRequest

# Bookkeeping charged per entry on top of its body and key text (dict slot, tuple, dataclass).
ENTRY_OVERHEAD = 512
V = TypeVar("V")


def normalised_text(checked: CheckedQuery) -> str:
    """The query with every run of whitespace and comments between tokens made one space.

    The guard's lexer reads strings, IRIs and comments as whole tokens, so whatever lies between two
    tokens is whitespace or a comment; its amount never changes what the engine parses. Tokens that
    touch stay touching (`pg:Pole`, `?x.`), so no two texts the engine reads differently meet here.

    Computed once per CheckedQuery (a function of its text and tokens, which never change), so a
    query the guard memo remembers is not re-joined token by token on each request.
    """
    if checked.normalised is None:
        checked.normalised = _normalise(checked)
    return checked.normalised


def _normalise(checked: CheckedQuery) -> str:
    text, tokens = checked.text, checked.tokens
    if not tokens:
        return ""
    parts, run_start, end = [], tokens[0].start, tokens[0].start + len(tokens[0].text)
    for token in tokens[1:]:
        if token.start > end:  # a gap: whitespace or a comment
            parts.append(text[run_start:end])
            run_start = token.start
        end = token.start + len(token.text)
    parts.append(text[run_start:end])
    return " ".join(parts)


def result_key(release_id: str, checked: CheckedQuery, job: QueryRequest) -> tuple:
    """Everything the engine's answer to `job` depends on, and nothing else."""
    return (
        release_id,
        normalised_text(checked),
        job.result_format if checked.form in ("SELECT", "ASK") else job.graph_format,
        tuple(job.default_graphs) if job.default_graphs is not None else None,
        tuple(job.named_graphs) if job.named_graphs is not None else None,
        job.base_iri,
        job.max_rows,
    )


class ByteLRU(Generic[V]):
    """A thread-safe LRU map whose entries are charged a size; least recently used go first."""

    def __init__(self, max_bytes: int, max_entry_bytes: int | None = None):
        self.max_bytes = max_bytes
        self.max_entry_bytes = max_bytes // 4 if max_entry_bytes is None else max_entry_bytes
        self._entries: OrderedDict[tuple, tuple[V, int]] = OrderedDict()
        self._lock = threading.Lock()
        self.bytes = 0
        self.hits = self.misses = 0

    def __len__(self) -> int:
        return len(self._entries)

    def get(self, key: tuple) -> V | None:
        with self._lock:
            entry = self._entries.get(key)
            if entry is None:
                self.misses += 1
                return None
            self._entries.move_to_end(key)
            self.hits += 1
            return entry[0]

    def put(self, key: tuple, value: V, size: int) -> bool:
        """Store `value`; False (and nothing stored) when it alone is over the per-entry bound."""
        if size > self.max_entry_bytes or size > self.max_bytes:
            return False
        with self._lock:
            old = self._entries.pop(key, None)
            if old is not None:
                self.bytes -= old[1]
            self._entries[key] = (value, size)
            self.bytes += size
            while self.bytes > self.max_bytes:
                _, (_, evicted) = self._entries.popitem(last=False)
                self.bytes -= evicted
        return True


class ResultCache(ByteLRU[QueryAnswer]):
    """Successful query answers by `result_key`, at most `max_bytes` of them per worker."""

    def store(self, key: tuple, answer: QueryAnswer) -> bool:
        size = len(answer.body) + len(key[1]) + sum(len(str(part)) for part in key[2:]) + ENTRY_OVERHEAD
        return self.put(key, answer, size)

    def run(self, key: tuple, compute: Callable[[], QueryAnswer]) -> tuple[QueryAnswer, bool]:
        """(answer, whether it came from the cache): `compute` runs only on a miss, and only what it
        returns is stored; whatever it raises (timeout, query error) leaves the cache as it was."""
        cached = self.get(key)
        if cached is not None:
            return cached, True
        answer = compute()
        self.store(key, answer)
        return answer, False


class GuardMemo(ByteLRU[CheckedQuery]):
    """Accepted queries' CheckedQuery by (text, base IRI), for one app (one release's graph list).

    Charged ~40 bytes per character: the text plus its tokens. Refusals are never memoised.
    """

    CHARGE_PER_CHAR = 40

    def check(self, text: str, base_iri: str | None, compute: Callable[[], CheckedQuery]) -> CheckedQuery:
        key = (text, base_iri)
        checked = self.get(key)
        if checked is None:
            checked = compute()
            self.put(key, checked, len(text) * self.CHARGE_PER_CHAR + ENTRY_OVERHEAD)
        return checked


_create_lock = threading.Lock()
# Out of the per-entry bound of the guard memo: queries longer than this are re-checked each time.
GUARD_MEMO_BYTES = 8 << 20


def caches_for(registry: dict, enabled: bool, max_bytes: int) -> tuple[GuardMemo, ResultCache | None]:
    """The guard memo and result cache kept in `registry` (one app's extensions), made on first use.

    The result cache is None when turned off (POLEGRAPH_RESULT_CACHE=0 or a zero byte budget).
    """
    caches = registry.get("polegraph.caches")
    if caches is None:
        with _create_lock:
            caches = registry.get("polegraph.caches")
            if caches is None:
                results = ResultCache(max_bytes) if enabled and max_bytes > 0 else None
                caches = registry["polegraph.caches"] = (GuardMemo(GUARD_MEMO_BYTES), results)
    return caches
