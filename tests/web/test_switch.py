"""A web worker's switch to the release its serving process last published (web/switch.py): a worker
forked before the publication answers with the new release from its next request on; while it cannot
make that release's app, it answers with the one it has."""

from __future__ import annotations

import os
import shutil
import time

from polegraph.pipeline.release import Release
from polegraph.query.processes.zygote import Zygote
from polegraph.web.switch import ReleaseBoard, ReleaseSwitch


def app_answering(text: str):
    def app(environ, start_response):
        start_response("200 OK", [("Content-Type", "text/plain")])
        return [text.encode()]
    return app


def answer(switch: ReleaseSwitch) -> str:
    return b"".join(switch({"PATH_INFO": "/"}, lambda status, headers: None)).decode()


def test_a_worker_forked_before_a_publication_answers_with_the_new_release(release, tmp_path):
    other = Release.open(shutil.copytree(release.path, tmp_path / "other-release"))
    board = ReleaseBoard()
    switch = ReleaseSwitch(board, lambda release, zygote: app_answering(f"{release.path.name} {zygote.pid}"))
    switch.serve(app_answering("first"), board.publish(release, Zygote(101, "/nowhere")))
    reader, writer = os.pipe()
    worker = os.fork()
    if worker == 0:  # a web worker: one request before the publication, one after it
        try:
            os.close(reader)
            os.write(writer, answer(switch).encode() + b"\n")
            deadline = time.monotonic() + 30
            while board.generation() == 1 and time.monotonic() < deadline:  # until the serving process publishes
                time.sleep(0.01)
            os.write(writer, answer(switch).encode() + b"\n")
        finally:
            os._exit(0)
    os.close(writer)
    with os.fdopen(reader) as answers:
        assert answers.readline().strip() == "first"
        board.publish(other, Zygote(202, "/elsewhere"))
        assert answers.readline().strip() == "other-release 202"
    os.waitpid(worker, 0)


def test_a_worker_that_cannot_make_the_new_app_answers_with_the_one_it_has(release):
    board = ReleaseBoard()
    made = []

    def make_app(release, zygote):
        made.append(release.id)
        if len(made) == 1:
            raise OSError("a file of the release could not be read")
        return app_answering("new")

    switch = ReleaseSwitch(board, make_app)
    switch.serve(app_answering("old"), board.publish(release, None))
    board.publish(release, None)
    assert answer(switch) == "old"  # logged, and tried again at the next request
    assert answer(switch) == "new"
    assert answer(switch) == "new" and made == [release.id, release.id]
