"""The one cache of the endpoint: what a release already worked out for a query text, bounded in memory.

A release is immutable, so the guard's verdict on a query (query/guard.py) is a function of the text
and the base IRI, and the answer a function of what the backend is handed: the query text (up to
whitespace and comments), the negotiated format, the protocol dataset (default-graph-uri /
named-graph-uri), the base IRI relative IRIs resolve against, and the row cap. The keys hold exactly
these, so two requests share an entry only when they would get the same bytes, and one cache belongs
to one release: a new release starts empty.

Verdicts are kept whenever the cache exists (re-reading a long query costs as much as running a small
one); answers only when answer reuse is on (POLEGRAPH_RESULT_CACHE). Only accepted queries and
successful answers are stored (a timeout, a syntax error or a refused query never is), and a request
is looked up only after every check of the endpoint, so the cache changes how fast an answer comes,
never which requests get one. It lives in each web worker's memory (workers share nothing): one LRU
bounded by the bytes it holds, each answer with its gzipped form once a client asked for it.
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Callable

from polegraph.query.backend import QueryAnswer, QueryRequest
from polegraph.query.guard import CheckedQuery

ENTRY_OVERHEAD = 512  # bookkeeping charged per entry on top of its bytes (dict slot, tuple, object)
CHARGE_PER_CHECKED_CHAR = 40  # a checked query holds its text and its tokens


def normalised_text(checked: CheckedQuery) -> str:
    """The query with every run of whitespace and comments between tokens made one space.

    The guard's lexer reads strings, IRIs and comments as whole tokens, so whatever lies between two
    tokens is whitespace or a comment; its amount never changes what the engine parses. Tokens that
    touch stay touching (`pg:Pole`, `?x.`), so no two texts the engine reads differently meet here.
    Computed once per CheckedQuery, which the cache keeps.
    """
    if checked.normalised is None:
        text, tokens = checked.text, checked.tokens
        parts, run_start = [], tokens[0].start if tokens else 0
        end = run_start + (len(tokens[0].text) if tokens else 0)
        for token in tokens[1:]:
            if token.start > end:  # a gap: whitespace or a comment
                parts.append(text[run_start:end])
                run_start = token.start
            end = token.start + len(token.text)
        parts.append(text[run_start:end])
        checked.normalised = " ".join(parts)
    return checked.normalised


def answer_key(checked: CheckedQuery, job: QueryRequest) -> tuple:
    """Everything the backend's answer to `job` depends on within one release, and nothing else."""
    return (
        "answer",
        normalised_text(checked),
        job.result_format if checked.form in ("SELECT", "ASK") else job.graph_format,
        tuple(job.default_graphs) if job.default_graphs is not None else None,
        tuple(job.named_graphs) if job.named_graphs is not None else None,
        job.base_iri,
        job.max_rows,
        tuple(sorted((name, tuple(sorted(term.items()))) for name, term in (job.substitutions or {}).items())),
    )


class QueryCache:
    """Checked queries and answers of one release, least recently used first out, at most `max_bytes`."""

    def __init__(self, max_bytes: int, keep_answers: bool):
        self.max_bytes = max_bytes
        self.max_entry_bytes = max_bytes // 4
        self.keep_answers = keep_answers
        self._entries: OrderedDict[tuple, tuple[object, int]] = OrderedDict()
        self._lock = threading.Lock()
        self.bytes = 0

    def __len__(self) -> int:
        return len(self._entries)

    def checked(self, text: str, base_iri: str | None, check: Callable[[], CheckedQuery]) -> CheckedQuery:
        """The guard's verdict on `text`: `check()` runs only when the text is not known; a refusal it
        raises is never kept."""
        key = ("checked", text, base_iri)
        found = self._get(key)
        if found is None:
            found = check()
            self._put(key, found, len(text) * CHARGE_PER_CHECKED_CHAR)
        return found

    def answer(self, key: tuple, compute: Callable[[], QueryAnswer]) -> tuple[QueryAnswer, bool | None]:
        """(answer, whether it was reused; None when answers are not kept): `compute` runs on a miss, and
        only what it returns is kept; whatever it raises (timeout, query error) changes nothing."""
        if not self.keep_answers:
            return compute(), None
        found = self._get(key)
        if found is not None:
            return found, True
        answer = compute()
        size = 2 * len(answer.body) + len(key[1]) + sum(len(str(part)) for part in key[2:])  # body, and gzipped
        self._put(key, answer, size)
        return answer, False

    def _get(self, key: tuple):
        with self._lock:
            entry = self._entries.get(key)
            if entry is None:
                return None
            self._entries.move_to_end(key)
            return entry[0]

    def _put(self, key: tuple, value, size: int) -> None:
        size += ENTRY_OVERHEAD
        if size > self.max_entry_bytes:
            return
        with self._lock:
            old = self._entries.pop(key, None)
            if old is not None:
                self.bytes -= old[1]
            self._entries[key] = (value, size)
            self.bytes += size
            while self.bytes > self.max_bytes:
                _, (_, evicted) = self._entries.popitem(last=False)
                self.bytes -= evicted
