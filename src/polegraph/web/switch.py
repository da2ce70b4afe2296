"""A new release served by the same web workers, so that a reload loses no request.

Granian's own reload replaces the workers, and on Linux each worker listens on a socket of its own
(SO_REUSEPORT): the connections the kernel has queued on a worker's socket when that worker stops are
closed unanswered (docs/reliability.md). So the workers are never replaced on a reload. The serving
process loads the new release, forks its zygote, and publishes both on a `ReleaseBoard`, a page of
memory it shares with every worker it forked. Each worker's `ReleaseSwitch` looks at the board as a
request comes in and, when something new is there, makes the new release's app and answers with it.
A request already being answered finishes with the app it began with.
"""

from __future__ import annotations

import json
import logging
import mmap
import struct
import threading
from collections.abc import Callable, Iterable
from pathlib import Path

from flask import Flask

from polegraph.errors import PolegraphError
from polegraph.pipeline.release import Release
from polegraph.query.processes.pool import ProcessBackend
from polegraph.query.processes.zygote import Zygote
from polegraph.query.remote import RemoteBackend
from polegraph.settings import Settings
from polegraph.web.admission import Admission
from polegraph.web.app import create_app

log = logging.getLogger("polegraph.server")
_GENERATION = struct.Struct("=Q")
_SLOT_BYTES = (mmap.PAGESIZE - _GENERATION.size) // 2
_LENGTH = struct.Struct("=I")


def serving_app(settings: Settings, release: Release, zygote: Zygote | None, admission: Admission) -> Flask:
    """The app of `release` in `polegraph serve`: read through the query processes of `zygote`, or through
    the store of `settings` when there is none."""
    if zygote is None:
        backend = RemoteBackend(settings, release)
    else:
        backend = ProcessBackend(release, zygote, settings.query_processes, settings.query_timeout_s)
    return create_app(settings, release, backend, admission)


class ReleaseBoard:
    """The release being served, written by the serving process and read by every worker forked from it:
    a generation number, then two slots that generations fill in turn, so that the slot a worker reads
    is never the one being written (publishing takes at least the load of a release)."""

    def __init__(self) -> None:
        self._memory = mmap.mmap(-1, mmap.PAGESIZE)  # anonymous and shared: seen by the processes forked later

    def generation(self) -> int:
        return _GENERATION.unpack_from(self._memory)[0]

    def publish(self, release: Release, zygote: Zygote | None) -> int:
        """Make `release`, answered by `zygote`, the one served; returns its generation."""
        generation = self.generation() + 1
        data = json.dumps({"release": str(release.path),
                           "zygote": None if zygote is None else [zygote.pid, zygote.folder]}).encode()
        if _LENGTH.size + len(data) > _SLOT_BYTES:
            raise PolegraphError(f"the path of release {release.id} is too long to serve: {release.path}")
        offset = _GENERATION.size + (generation % 2) * _SLOT_BYTES
        _LENGTH.pack_into(self._memory, offset, len(data))
        self._memory[offset + _LENGTH.size:offset + _LENGTH.size + len(data)] = data
        _GENERATION.pack_into(self._memory, 0, generation)  # last: the slot is whole when it is seen
        return generation

    def read(self) -> tuple[int, Release, Zygote | None]:
        """The generation last published, its release and its zygote."""
        generation = self.generation()
        offset = _GENERATION.size + (generation % 2) * _SLOT_BYTES
        (length,) = _LENGTH.unpack_from(self._memory, offset)
        fields = json.loads(self._memory[offset + _LENGTH.size:offset + _LENGTH.size + length])
        zygote = None if fields["zygote"] is None else Zygote(*fields["zygote"])
        return generation, Release.open(Path(fields["release"])), zygote


class ReleaseSwitch:
    """The WSGI application of every web worker: the app of the release last published on `board`.

    The first request a worker takes after a publication makes the new app (docs/reliability.md says
    how long it waits) and is answered by it; the worker's other requests meanwhile are answered by the
    app they found."""

    def __init__(self, board: ReleaseBoard, make_app: Callable[[Release, Zygote | None], Flask]):
        self.board, self._make_app = board, make_app
        self.app: Flask | None = None
        self.generation = -1
        self._switching = threading.Lock()

    def serve(self, app: Flask, generation: int) -> None:
        """Answer with `app`, made for `generation` of the board (in the serving process, before a fork)."""
        self.app, self.generation = app, generation

    def __call__(self, environ: dict, start_response: Callable) -> Iterable[bytes]:
        if self.board.generation() != self.generation and self._switching.acquire(blocking=False):
            try:
                self._switch()
            finally:
                self._switching.release()
        return self.app(environ, start_response)

    def _switch(self) -> None:
        generation, release, zygote = self.board.read()
        try:
            app = self._make_app(release, zygote)
        except Exception:  # noqa: BLE001 - the worker answers with the app it has, and tries again
            log.exception("cannot serve release %s in this worker yet", release.id)
            return
        self.serve(app, generation)
