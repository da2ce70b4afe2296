"""The zygote a new release gets on SIGHUP is reached by its address: only by processes of the same user,
and it leaves once every process holding it has let go; a pool whose zygote was killed goes on from a new one
(web/server.py, zygote.py, engine.py)."""

from __future__ import annotations

import os
import secrets
import signal
import time

import pyoxigraph as ox
import pytest

from polegraph.query.processes.pool import QueryPool, QueryProcess, QueryRequest, QueryTimeout
from polegraph.query.processes.zygote import EngineFailure, Zygote, read_message, zygote_for

TURTLE = b"<http://example.org/a> <http://example.org/p> <http://example.org/b> ."


@pytest.fixture
def listening():
    store = ox.Store()
    store.load(TURTLE, format=ox.RdfFormat.N_TRIPLES)
    address = f"polegraph-test-{os.getpid()}-{secrets.token_hex(8)}"
    zygote = Zygote.fork(store, address)
    yield zygote, address
    zygote.close()
    assert left(zygote.pid), "the zygote did not leave once nobody held it"


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


def test_a_worker_reaches_the_zygote_by_its_address(listening):
    _, address = listening
    connected = Zygote.connect(address)
    try:
        assert b"true" in ask(connected)
    finally:
        connected.close()


def test_no_zygote_at_an_unknown_address():
    with pytest.raises(EngineFailure):
        Zygote.connect(f"polegraph-test-nobody-{secrets.token_hex(8)}")


@pytest.mark.skipif(os.getuid() != 0, reason="acting as another user needs root")
def test_a_process_of_another_user_gets_no_query_process(listening):
    _, address = listening
    reader, writer = os.pipe()
    child = os.fork()
    if child == 0:  # another user (nobody) asks the zygote for a query process
        os.close(reader)
        outcome = b"?"
        try:
            os.setgid(65534)
            os.setuid(65534)
            channel = Zygote.connect(address).new_process()
            read_message(channel.fileno(), time.monotonic() + 5)
            outcome = b"served"
        except (EOFError, TimeoutError, OSError, EngineFailure):
            outcome = b"refused"
        finally:
            os.write(writer, outcome)
            os._exit(0)
    os.close(writer)
    os.waitpid(child, 0)
    assert os.read(reader, 16) == b"refused"
    os.close(reader)


def test_the_zygote_leaves_once_every_holder_has_let_go(listening):
    zygote, address = listening
    worker = Zygote.connect(address)
    zygote.close()  # the serving process lets go: a worker still holds it
    time.sleep(0.3)
    assert os.waitpid(zygote.pid, os.WNOHANG)[0] == 0, "the zygote left while a worker still held it"
    assert b"true" in ask(worker)
    worker.close()
    assert left(zygote.pid), "the zygote did not leave once nobody held it"


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
    dataset = tmp_path / "dataset.nq"
    dataset.write_text("".join(f"<http://example.org/s{i}> <http://example.org/p> \"{i}\" .\n" for i in range(300)))
    pool = QueryPool(dataset, size=1)
    try:
        assert pool.run(QueryRequest("ASK { ?s ?p ?o }"), 30).body.count(b"true") == 1
        first = zygote_for(dataset)
        os.kill(first.pid, signal.SIGKILL)
        assert left(first.pid)
        assert pool.run(QueryRequest("ASK { ?s ?p ?o }"), 30).body.count(b"true") == 1
        with pytest.raises(QueryTimeout):  # its process is killed, and a new one is needed
            pool.run(QueryRequest("SELECT (COUNT(*) AS ?n) WHERE { ?a ?b ?c . ?d ?e ?f . ?g ?h ?i }"), 0.5)
        assert pool.run(QueryRequest("ASK { ?s ?p ?o }"), 30).body.count(b"true") == 1
        second = zygote_for(dataset)
        assert second is not first and second.pid != first.pid
    finally:
        pool.close()
        second = zygote_for(dataset)
        second.close()
        assert left(second.pid), "the new zygote did not leave once the pool let go of it"


def test_a_worker_whose_release_zygote_is_gone_starts_its_own(release, settings, tmp_path):
    """On SIGHUP the serving process publishes the new release and its zygote's address. If that zygote died
    before a worker connected, the worker starts a zygote of its own for the release and serves it."""
    import shutil

    from polegraph.pipeline.build import Release
    from polegraph.query.processes.pool import pool_for
    from polegraph.web.server import _Serving

    shutil.copytree(release.path, tmp_path / release.id)
    served = Release.open(tmp_path / release.id)  # a dataset path of its own: the registries stay apart
    serving = _Serving(settings, served)
    try:
        gone = f"polegraph-test-gone-{os.getpid()}-{secrets.token_hex(8)}"
        serving.publication.publish(2, {"release": str(served.path), "zygote": gone})
        serving._switch()
        assert serving.generation == 2
        answer = serving.app.test_client().get("/sparql", query_string={"query": "ASK { ?s ?p ?o }"},
                                               headers={"Accept": "application/sparql-results+json"})
        assert answer.status_code == 200 and answer.get_json()["boolean"] is True
        own = zygote_for(served.dataset_path)
        assert own._process is not None, "the worker did not start a zygote of its own"
    finally:
        pool_for(served.dataset_path).close()
        own = zygote_for(served.dataset_path)
        own.close()
        assert left(own.pid), "the worker's own zygote did not leave once let go of"
