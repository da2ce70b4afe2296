"""The zygote of the query processes (query/processes/): it leaves once every process holding it has let
go, it holds no other zygote's socket, messages of any size cross whole, and a pool whose zygote was
killed goes on from a new one."""

from __future__ import annotations

import json
import os
import signal
import time

import pyoxigraph as ox
import pytest

from polegraph.errors import QueryTimeout
from polegraph.pipeline.release import DATASET_FILE, METADATA_FILE, file_sha256
from polegraph.query.backend import QueryRequest
from polegraph.query.processes.pool import QueryPool, QueryProcess
from polegraph.query.processes.zygote import Zygote, read_message

TURTLE = b"<http://example.org/a> <http://example.org/p> <http://example.org/b> ."


def loaded() -> ox.Store:
    store = ox.Store()
    store.load(TURTLE, format=ox.RdfFormat.N_TRIPLES)
    return store


def left(pid: int, within_s: float = 10) -> bool:
    """Whether our child `pid` has ended (and is reaped) within `within_s`; killed if not."""
    deadline = time.monotonic() + within_s
    try:
        while os.waitpid(pid, os.WNOHANG)[0] == 0:
            if time.monotonic() > deadline:
                os.kill(pid, 9)
                os.waitpid(pid, 0)
                return False
            time.sleep(0.05)
    except ChildProcessError:  # reaped already
        pass
    return True


def ask(zygote: Zygote, query: str = "ASK { ?s ?p ?o }") -> bytes:
    process = QueryProcess(zygote)
    try:
        header, body = process.run(QueryRequest(query, result_format="json"), time.monotonic() + 30)
        assert header["status"] == "ok", header
        return body
    finally:
        process.kill()


def test_the_zygote_answers_and_leaves_once_let_go():
    zygote = Zygote.fork(loaded())
    assert b"true" in ask(zygote)
    zygote.close()
    assert left(zygote.pid), "the zygote did not leave once nobody held it"


def test_a_zygote_holds_no_other_zygote_alive():
    """On a reload the serving process forks the new release's zygote while it still holds the old one's
    socket: the old zygote must still leave once the serving process lets go of it."""
    old = Zygote.fork(loaded())
    new = Zygote.fork(loaded())
    try:
        old.close()
        assert left(old.pid), "the new zygote kept the old one alive"
        assert b"true" in ask(new)
    finally:
        new.close()
        assert left(new.pid)


@pytest.mark.parametrize("body_size", [0, 1, 65_000, 65_536, 300_000, 3_000_000])
def test_messages_of_any_size_arrive_whole(body_size):
    """A message smaller than a reader's buffer, one that straddles it, and ones far larger (an answer of
    megabytes) come whole over the same channel, one in flight at a time as the engine sends them."""
    import queue
    import socket
    import threading

    from polegraph.query.processes.zygote import write_message

    ours, theirs = socket.socketpair(socket.AF_UNIX, socket.SOCK_STREAM)
    bodies = [os.urandom(body_size), b"next", os.urandom(body_size // 3)]
    received_one = queue.SimpleQueue()

    def send():
        for number, body in enumerate(bodies):
            write_message(theirs.fileno(), {"number": number, "text": "é" * number}, body)
            received_one.get(timeout=10)

    writer = threading.Thread(target=send)
    writer.start()
    try:
        for number, body in enumerate(bodies):
            header, received = read_message(ours.fileno(), time.monotonic() + 10 if number else None)
            assert header == {"number": number, "text": "é" * number} and received == body
            received_one.put(number)
    finally:
        writer.join()
        ours.close(), theirs.close()


def test_a_pool_whose_zygote_was_killed_goes_on_from_a_new_one(tmp_path):
    """The zygote killed outright (the OOM killer, an operator): the processes it forked go on answering,
    and the first one that must be replaced comes from a new zygote, not from the dead one."""
    dataset = tmp_path / DATASET_FILE  # a release of its own, which a new zygote loads once it is whole
    dataset.write_text("".join(f"<http://example.org/s{i}> <http://example.org/p> \"{i}\" .\n" for i in range(300)))
    (tmp_path / METADATA_FILE).write_text(json.dumps({"files": {DATASET_FILE: file_sha256(dataset)}}))
    store = ox.Store()
    store.bulk_load(path=str(dataset), format=ox.RdfFormat.N_QUADS)
    first = Zygote.fork(store)
    pool = QueryPool(first, tmp_path, size=1)
    try:
        assert pool.run(QueryRequest("ASK { ?s ?p ?o }"), 30).body.count(b"true") == 1
        os.kill(first.pid, signal.SIGKILL)
        assert left(first.pid)
        assert pool.run(QueryRequest("ASK { ?s ?p ?o }"), 30).body.count(b"true") == 1
        with pytest.raises(QueryTimeout):  # its process is killed, and a new one is needed
            pool.run(QueryRequest("SELECT (COUNT(*) AS ?n) WHERE { ?a ?b ?c . ?d ?e ?f . ?g ?h ?i }"), 0.5)
        assert pool.run(QueryRequest("ASK { ?s ?p ?o }"), 30).body.count(b"true") == 1
        assert pool.zygote is not first and pool.zygote.pid != first.pid
    finally:
        pool.close()
        pool.zygote.close()
        assert left(pool.zygote.pid), "the new zygote did not leave once the pool let go of it"
