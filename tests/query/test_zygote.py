"""The zygote of the query processes (query/processes/): it leaves when the process that started it says
so or ends, and its query processes with it; it holds no other zygote's socket; its processes are one
queue for every web worker; a process that ran long work is replaced; messages of any size cross
whole; and a pool whose zygote was killed goes on from a new one."""

from __future__ import annotations

import json
import os
import signal
import stat
import time
from pathlib import Path

import pyoxigraph as ox
import pytest

from polegraph.errors import QueryTimeout
from polegraph.pipeline.release import DATASET_FILE, METADATA_FILE, file_sha256
from polegraph.query.backend import QueryRequest
from polegraph.query.processes.messages import read_message
from polegraph.query.processes.pool import QueryPool
from polegraph.query.processes.zygote import Zygote
from tests.support.processes import descendants

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


SLOW = "SELECT (COUNT(*) AS ?n) WHERE { ?a ?b ?c . ?d ?e ?f . ?g ?h ?i }"  # seconds over 300 triples


def store_of(triples: int) -> ox.Store:
    store = ox.Store()
    store.load("".join(f"<http://example.org/s{i}> <http://example.org/p> \"{i}\" .\n" for i in range(triples)),
               format=ox.RdfFormat.N_TRIPLES)
    return store


def ask(zygote: Zygote, query: str = "ASK { ?s ?p ?o }") -> bytes:
    return QueryPool(zygote, Path("unused"), 1).run(QueryRequest(query, result_format="json"), 30).body


def query_processes(zygote: Zygote, expected: int | None = None) -> set[int]:
    """The zygote's query processes, once there are `expected` of them (it forks them as it goes)."""
    deadline = time.monotonic() + 10
    while True:
        found = set(descendants(zygote.pid)) - {zygote.pid}
        if expected is None or len(found) == expected or time.monotonic() > deadline:
            return found
        time.sleep(0.05)


def gone(pids: set[int], within_s: float = 10) -> bool:
    deadline = time.monotonic() + within_s
    while any(Path(f"/proc/{pid}").exists() for pid in pids):
        if time.monotonic() > deadline:
            return False
        time.sleep(0.05)
    return True


def test_the_zygote_answers_and_leaves_once_let_go_and_its_processes_with_it():
    zygote = Zygote.fork(loaded(), 2)
    assert b"true" in ask(zygote)
    processes = query_processes(zygote, 2)
    assert len(processes) == 2
    assert stat.S_IMODE(os.stat(os.path.dirname(zygote.address)).st_mode) == 0o700  # no other user gets in
    zygote.close()
    assert left(zygote.pid), "the zygote did not leave once nobody held it"
    assert gone(processes), "its query processes outlived it"
    assert not Path(zygote.address).exists()


def test_a_zygote_holds_no_other_zygote_alive():
    """On a reload the serving process forks the new release's zygote while the old one still runs: the
    old zygote must still leave when the serving process tells it to."""
    old = Zygote.fork(loaded(), 1)
    new = Zygote.fork(loaded(), 1)
    try:
        old.close()
        assert left(old.pid), "the new zygote kept the old one alive"
        assert b"true" in ask(new)
    finally:
        new.close()
        assert left(new.pid)


def test_a_zygote_leaves_when_the_process_that_started_it_ends():
    """The serving process killed outright: its zygote and query processes do not stay behind, and a web
    worker that still knows the zygote sees it gone."""
    import subprocess
    import sys

    starter = subprocess.Popen([sys.executable, "-c", (
        "import time, pyoxigraph as ox\n"
        "from polegraph.query.processes.zygote import Zygote\n"
        "zygote = Zygote.fork(ox.Store(), 1)\n"
        "print(zygote.pid, zygote.folder, flush=True)\n"
        "time.sleep(120)\n")], stdout=subprocess.PIPE, text=True)
    try:
        pid, folder = starter.stdout.readline().split()
        zygote = Zygote(int(pid), folder)  # as a web worker is told of it (web/switch.py)
        assert b"false" in ask(zygote)
        processes = query_processes(zygote, 1)
        starter.kill()
        starter.wait(timeout=10)
        deadline = time.monotonic() + 10
        while zygote.alive() and time.monotonic() < deadline:
            time.sleep(0.05)
        assert not zygote.alive(), "the zygote outlived the process that started it"
        assert gone(processes), "its query processes stayed"
        assert not Path(folder).exists()
    finally:
        starter.kill()
        starter.wait(timeout=10)


def test_the_query_processes_are_one_queue_for_every_web_worker():
    """Every web worker's queries go to the zygote's processes, whichever worker sends them: with one
    process, the two workers' queries are all answered by it, and no process is started for a worker."""
    zygote = Zygote.fork(loaded(), 1)
    workers = [QueryPool(zygote, Path("unused"), 1) for _ in range(2)]
    try:
        for _ in range(3):
            for worker in workers:
                assert b"true" in worker.run(QueryRequest("ASK { ?s ?p ?o }"), 30).body
        assert len(query_processes(zygote, 1)) == 1
    finally:
        zygote.close()
        assert left(zygote.pid)


def test_long_work_yields_the_processors_and_its_place_in_the_queue_at_once(tmp_path):
    """Past DEMOTE_AFTER_S a query's process runs on at a lower priority, and the zygote forks another in
    its place: the next query is answered while the long work goes on; the demoted process leaves once
    it has answered."""
    import threading

    zygote = Zygote.fork(store_of(300), 1)
    pool = QueryPool(zygote, tmp_path, 1)
    own = os.getpriority(os.PRIO_PROCESS, 0)
    try:
        assert b"true" in pool.run(QueryRequest("ASK { ?s ?p ?o }"), 30).body
        long_answers = []
        long_work = threading.Thread(target=lambda: long_answers.append(pool.run(QueryRequest(SLOW), 60)))
        long_work.start()
        demoted = [pid for pid in query_processes(zygote, 2) if os.getpriority(os.PRIO_PROCESS, pid) > own]
        assert len(demoted) == 1 and len(query_processes(zygote)) == 2, "no process was started in its place"
        assert b"true" in pool.run(QueryRequest("ASK { ?s ?p ?o }"), 30).body
        assert long_work.is_alive(), "the short query waited for the long work"
        long_work.join()
        assert long_answers[0].rows == 1
        assert gone(set(demoted)), "the demoted process stayed"
        (fresh,) = query_processes(zygote, 1)
        assert os.getpriority(os.PRIO_PROCESS, fresh) == own
    finally:
        zygote.close()
        assert left(zygote.pid)


@pytest.mark.parametrize("body_size", [0, 1, 65_000, 65_536, 300_000, 3_000_000])
def test_messages_of_any_size_arrive_whole(body_size):
    """A message smaller than a reader's buffer, one that straddles it, and ones far larger (an answer of
    megabytes) come whole over the same channel, one in flight at a time as the engine sends them."""
    import queue
    import socket
    import threading

    from polegraph.query.processes.messages import write_message

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
    """The zygote killed outright (the OOM killer, an operator): its processes leave, and the next query
    is answered by a new zygote, which loads the release once it is whole, and replaces a killed process."""
    dataset = tmp_path / DATASET_FILE  # a release of its own, which a new zygote loads once it is whole
    dataset.write_text("".join(f"<http://example.org/s{i}> <http://example.org/p> \"{i}\" .\n" for i in range(300)))
    (tmp_path / METADATA_FILE).write_text(json.dumps({"files": {DATASET_FILE: file_sha256(dataset)}}))
    store = ox.Store()
    store.bulk_load(path=str(dataset), format=ox.RdfFormat.N_QUADS)
    first = Zygote.fork(store, 1)
    pool = QueryPool(first, tmp_path, 1)
    try:
        assert pool.run(QueryRequest("ASK { ?s ?p ?o }"), 30).body.count(b"true") == 1
        processes = query_processes(first, 1)
        os.kill(first.pid, signal.SIGKILL)
        assert left(first.pid)
        assert gone(processes), "the killed zygote's processes stayed"
        assert pool.run(QueryRequest("ASK { ?s ?p ?o }"), 30).body.count(b"true") == 1
        assert pool.zygote is not first and pool.zygote.pid != first.pid
        assert not Path(first.address).exists()
        with pytest.raises(QueryTimeout):  # its process is killed, and the new zygote forks another
            pool.run(QueryRequest(SLOW), 0.5)
        assert pool.run(QueryRequest("ASK { ?s ?p ?o }"), 30).body.count(b"true") == 1
    finally:
        pool.close()
        pool.zygote.close()
        assert left(pool.zygote.pid), "the new zygote did not leave once the pool let go of it"
