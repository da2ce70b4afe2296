"""Nothing lost, nothing half-served (issue 13, point 5), and the reasoner kept out of requests (point 6).

A build is killed with SIGKILL at the worst moments (its release half-written in the temporary
folder; the `current` link about to be swapped) and made to fail (a syntax error, a SHACL violation):
each time `var/current` must still name the previous, complete release and the running server must
go on serving it. The server must take a new release on SIGHUP without failing a request; every
download must match SHA256SUMS; a release must record its inputs' checksums and its tools' versions.
"""

from __future__ import annotations

import hashlib
import http.client
import json
import os
import shutil
import signal
import subprocess
import sys
import threading
import time
from importlib import metadata
from pathlib import Path
from urllib.parse import quote

import pytest

from polegraph.pipeline.build import build_release
from polegraph.pipeline.release import METADATA_FILE, make_current
from tests.support import PROJECT, polegraph_command
from tests.support.http import call
from tests.support.processes import command_line, descendants, mapped_files, process_name
from tests.support.servers import start_polegraph

TRIVIAL = "/sparql?query=" + quote("SELECT (COUNT(*) AS ?n) WHERE { ?s ?p ?o }")

# Runs the real `polegraph` command line, held (sleeping) at one chosen point so a test can kill it there.
STALLING_BUILD = """
import os, sys, time
from pathlib import Path
marker, stage = sys.argv.pop(1), sys.argv.pop(1)
real = {"rename": os.rename, "replace": os.replace}[stage]
def stall(src, dst, *a, **k):
    name = Path(dst).name if stage == "replace" else Path(src).name
    if (stage == "rename" and name.startswith(".building-")) or (stage == "replace" and name == "current"):
        Path(marker).write_text(str(src))
        time.sleep(600)
    return real(src, dst, *a, **k)
setattr(os, stage, stall)
from polegraph.cli import main
sys.argv[0] = "polegraph"
main()
"""


def tree_digest(folder: Path) -> str:
    digest = hashlib.sha256()
    for path in sorted(p for p in folder.rglob("*") if p.is_file()):
        digest.update(str(path.relative_to(folder)).encode() + b"\0" + path.read_bytes())
    return digest.hexdigest()


def assert_complete(release_dir: Path) -> None:
    """A release folder is whole: release.json present and every file it lists has its recorded hash."""
    meta = json.loads((release_dir / METADATA_FILE).read_text(encoding="utf-8"))
    for name, sha in meta["files"].items():
        assert hashlib.sha256((release_dir / name).read_bytes()).hexdigest() == sha, name


@pytest.fixture(scope="module")
def var(release, tmp_path_factory) -> Path:
    """A var folder of our own holding a copy of the session's release as `current`."""
    folder = tmp_path_factory.mktemp("safety-var")
    (folder / "releases").mkdir()
    shutil.copytree(release.path, folder / "releases" / release.id)
    (folder / "current").symlink_to(Path("releases") / release.id)
    return folder


@pytest.fixture(scope="module")
def served(var, tmp_path_factory):
    server = start_polegraph(var, tmp_path_factory.mktemp("safety-log") / "server.log")
    try:
        yield server
    finally:
        server.stop()


def health(server) -> str:
    answer = call(server.url, "GET", "/health")
    assert answer.status == 200, answer.text
    return json.loads(answer.body)["release"]


def serving_record(var: Path, server) -> str:
    """The release the server's record in <var>/serving names (what `polegraph prune` keeps)."""
    record = json.loads((var / "serving" / f"{server.process.pid}.json").read_text(encoding="utf-8"))
    assert record["pid"] == server.process.pid
    return record["release"]


def test_a_server_records_the_release_it_serves_until_it_stops(var, tmp_path):
    server = start_polegraph(var, tmp_path / "server.log")
    try:
        assert serving_record(var, server) == health(server)
    finally:
        server.stop()
    assert not (var / "serving" / f"{server.process.pid}.json").exists(), "the record outlived the server"


def stalled_build(var: Path, stage: str, tmp_path: Path, project: Path = PROJECT) -> subprocess.Popen:
    marker = tmp_path / f"stalled-{stage}"
    process = subprocess.Popen(
        [sys.executable, "-c", STALLING_BUILD, str(marker), stage, "--project", str(project), "--var", str(var),
         "build"], stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
    deadline = time.monotonic() + 120
    while not marker.exists():
        if process.poll() is not None:
            raise AssertionError(f"the build ended before the point to kill it: {process.stdout.read().decode()}")
        assert time.monotonic() < deadline, "the build never reached the point to kill it"
        time.sleep(0.05)
    return process


@pytest.mark.parametrize("stage", ["rename", "replace"], ids=["half-written release", "before the link swap"])
def test_a_build_killed_mid_way_leaves_the_served_release_untouched(var, served, release, tmp_path, stage):
    before_link, before_files = os.readlink(var / "current"), tree_digest(var / "releases" / release.id)
    served_before = call(served.url, "GET", TRIVIAL, headers={"Accept": "text/csv"}).body
    build = stalled_build(var, stage, tmp_path)
    if stage == "rename":  # the new release is really being written when the build dies
        assert any((p / "dataset.nq").exists() for p in (var / "releases").glob(".building-*"))
    build.send_signal(signal.SIGKILL)
    build.wait(timeout=30)
    build.stdout.close()
    assert os.readlink(var / "current") == before_link
    assert tree_digest(var / "releases" / release.id) == before_files
    assert_complete(var / "current")
    finished = [p.name for p in (var / "releases").iterdir() if not p.name.startswith(".")]
    assert len(finished) == 1 + (stage == "replace")  # killed before the swap: complete, just not current
    assert health(served) == release.id
    assert call(served.url, "GET", TRIVIAL, headers={"Accept": "text/csv"}).body == served_before


def test_a_build_killed_at_any_moment_always_leaves_a_complete_current_release(project_copy, tmp_path):
    var = tmp_path / "var"
    first = build_release_in(project_copy, var)
    for delay in (0.3, 1.0, 2.0, 3.0):
        build = subprocess.Popen(polegraph_command() + ["--project", str(project_copy), "--var", str(var), "build"],
                                 stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        time.sleep(delay)
        build.send_signal(signal.SIGKILL)
        build.wait(timeout=30)
        assert_complete(var / "current")
    assert (var / "releases" / first).is_dir()


def build_release_in(project: Path, var: Path) -> str:
    from polegraph.settings import Settings

    return build_release(Settings(project=project, var=var)).id


@pytest.mark.parametrize("broken,exit_code", [
    ("<https://w3id.org/polegraph/id/pole/x> a <https://w3id.org/polegraph/ontology#Pole> ;;; <", 2),
    ("<https://example.org/not-a-pole> a <https://w3id.org/polegraph/ontology#Pole> .", 1),
], ids=["syntax error", "SHACL violation"])
def test_a_failed_build_publishes_nothing(project_copy, tmp_path, broken, exit_code):
    var = tmp_path / "var"
    first = build_release_in(project_copy, var)
    before = tree_digest(var)
    (project_copy / "data" / "zz-broken.ttl").write_text(broken + "\n", encoding="utf-8")
    result = subprocess.run(polegraph_command() + ["--project", str(project_copy), "--var", str(var), "build"],
                            capture_output=True, text=True, timeout=300)
    assert result.returncode == exit_code, result.stdout + result.stderr
    assert os.readlink(var / "current") == str(Path("releases") / first)
    assert tree_digest(var) == before  # no new release, no temporary folder left behind


def process_names(server) -> dict[int, str]:
    """{pid: name} of every process under the server (its workers, zygotes and query processes)."""
    return {pid: name for pid in descendants(server.process.pid) if (name := process_name(pid))}


# A query that runs for seconds, not minutes: a self-join over the labels (≈4 million pairs). The same join
# over every property grew with the data past the 30 s deadline on a busy two-core machine.
LONG = "/sparql?query=" + quote("SELECT (COUNT(*) AS ?n) WHERE { ?a <http://www.w3.org/2000/01/rdf-schema#label> ?c . "
                                "?d <http://www.w3.org/2000/01/rdf-schema#label> ?e . FILTER (?a != ?d) }")


def test_the_server_reloads_a_new_release_on_sighup_without_failing_a_request(var, served, release, tmp_path):
    """`kill -HUP <server>`: the current release is loaded and served by the same workers (web/switch.py).
    No request fails: not the clients opening a connection per request, not one reusing its connection
    (never closed by the server), not a query in flight during the switch. The old release's query
    processes leave once its requests could have finished (the query deadline)."""
    from polegraph.settings import Settings

    assert health(served) == release.id
    workers = {pid for pid, name in process_names(served).items() if not name.startswith("polegraph-")}
    new = build_release(Settings(project=PROJECT, var=var))
    assert new.id != release.id
    failures: list[str] = []
    answered = [0]
    stop = threading.Event()
    host, port = served.url.removeprefix("http://").split(":")
    kept_alive = http.client.HTTPConnection(host, int(port), timeout=30, source_address=("127.0.0.20", 0))

    def client(keep_alive: bool, source: str):  # each client its own address: its own share (web/admission.py)
        while not stop.is_set():
            try:
                if keep_alive:
                    kept_alive.request("GET", TRIVIAL)
                    response = kept_alive.getresponse()
                    response.read()
                    status = response.status
                else:
                    status = call(served.url, "GET", TRIVIAL, timeout=30, source=source).status
                if status != 200:
                    failures.append(f"{status} ({'kept alive' if keep_alive else 'new connection'})")
                answered[0] += 1
            except (OSError, http.client.HTTPException) as exc:
                failures.append(f"{exc!r} ({'kept alive' if keep_alive else 'new connection'})")
                return
            time.sleep(0.01)

    long_answer: list = []
    clients = [threading.Thread(target=client, args=(i == 0, f"127.0.0.{20 + i}")) for i in range(4)]
    for thread in clients:
        thread.start()
    in_flight = threading.Thread(target=lambda: long_answer.append(call(served.url, "GET", LONG, timeout=60,
                                                                        source="127.0.0.30")))
    try:
        time.sleep(0.5)
        in_flight.start()
        time.sleep(0.5)
        served.process.send_signal(signal.SIGHUP)
        deadline = time.monotonic() + 60  # the serving process loads the release: slow on a busy machine
        streak = 0
        while streak < 20 and time.monotonic() < deadline:  # every worker serves the new release
            streak = streak + 1 if health(served) == new.id else 0
            time.sleep(0.05)
        time.sleep(0.5)  # the clients go on
    finally:
        stop.set()
        for thread in [*clients, in_flight]:
            thread.join(timeout=90)
        kept_alive.close()
    assert streak >= 20, "after SIGHUP the server does not serve the new release from every worker"
    assert serving_record(var, served) == new.id, "the server's record for `polegraph prune` names the old release"
    assert not failures, failures[:5]
    assert answered[0] > 20
    assert long_answer and long_answer[0].status == 200, "the query in flight during the reload did not finish"
    names = process_names(served)
    assert {pid for pid, name in names.items() if not name.startswith("polegraph-")} == workers, \
        "the web workers were replaced"
    deadline = time.monotonic() + Settings().query_timeout_s + 60
    while list(names.values()).count("polegraph-zygot") > 1 and time.monotonic() < deadline:
        time.sleep(0.5)  # the old zygote leaves once the old release's requests could have finished
        names = process_names(served)
    assert list(names.values()).count("polegraph-zygot") == 1, f"the old release's zygote is still there: {names}"
    while list(names.values()).count("polegraph-query") > Settings().query_processes and time.monotonic() < deadline:
        time.sleep(0.2)  # and its query processes with it
        names = process_names(served)
    assert list(names.values()).count("polegraph-query") == Settings().query_processes, names
    print(f"reload: {answered[0]} answers")


def test_a_broken_current_release_is_not_taken_on_sighup(var, served, tmp_path):
    """`current` naming a release whose dataset does not match its release.json: keep serving the last good one."""
    serving = health(served)
    good = (var / "current").resolve()
    broken = var / "releases" / "broken-release"
    shutil.copytree(var / "current", broken)
    (broken / "dataset.nq").write_text("this is not N-Quads\n", encoding="utf-8")
    make_current(var / "current", broken)
    try:
        served.process.send_signal(signal.SIGHUP)
        time.sleep(3)
        for _ in range(10):
            assert call(served.url, "GET", TRIVIAL).status == 200
        assert health(served) == serving
    finally:
        make_current(var / "current", good)
        shutil.rmtree(broken)


def test_every_download_matches_sha256sums(server):
    sums = call(server.url, "GET", "/downloads/SHA256SUMS")
    assert sums.status == 200
    expected = dict(reversed(line.split(None, 1)) for line in sums.text.splitlines() if line.strip())
    expected = {name.lstrip("*"): sha for name, sha in expected.items()}
    assert len(expected) > 5
    for name, sha in expected.items():
        answer = call(server.url, "GET", "/downloads/" + quote(name))
        assert answer.status == 200, name
        assert hashlib.sha256(answer.body).hexdigest() == sha, f"{name} does not match SHA256SUMS"
    listing = json.loads(call(server.url, "GET", "/downloads/", headers={"Accept": "application/json"}).body)
    for entry in listing["files"]:
        name = entry.get("file") or entry.get("name")
        assert expected.get(name) == entry["sha256"], f"{name}: the listing and SHA256SUMS disagree"


def test_a_release_records_its_inputs_checksums_and_tool_versions(project_copy, tmp_path):
    from polegraph.settings import Settings

    built = build_release(Settings(project=project_copy, var=tmp_path / "var"))
    inputs = built.metadata["inputs"]
    sources = [p for folder in ("ontology", "data", "shapes") for p in (project_copy / folder).rglob("*")
               if p.suffix in (".ttl", ".trig")]
    assert {str(p.relative_to(project_copy)) for p in sources} == set(inputs)
    for path in sources:
        assert inputs[str(path.relative_to(project_copy))] == hashlib.sha256(path.read_bytes()).hexdigest()
    tools = built.metadata["tools"]
    assert tools["python"] == ".".join(map(str, sys.version_info[:3]))
    for tool in ("rdflib", "pyoxigraph", "pyshacl", "owlready2"):
        assert tools[tool] == metadata.version(tool), tool


def test_the_same_sources_give_the_same_release_content(release, project_copy, tmp_path, monkeypatch):
    """Rebuilt from the same sources, a release holds the same dataset.nq byte for byte, blank nodes
    included (they get canonical labels): its content digest changes only when its data does. A
    rebuild within the same second, which gets the same id, leaves that release in place."""
    from polegraph.settings import Settings

    settings = Settings(project=project_copy, var=tmp_path / "var")
    frozen = time.gmtime()
    monkeypatch.setattr(time, "gmtime", lambda *_: frozen)
    first = build_release(settings)
    dataset = first.dataset_path.read_bytes()
    assert b"_:" in dataset  # the ontology's blank nodes (OWL unions and lists) are there
    assert dataset == release.dataset_path.read_bytes()
    assert first.metadata["content_sha256"] == release.metadata["content_sha256"]
    again = build_release(settings)
    assert again.id == first.id and again.path == first.path
    assert (tmp_path / "var" / "current").resolve() == first.path
    assert_complete(again.path)
    assert not [p for p in (tmp_path / "var" / "releases").iterdir() if p.name.startswith(".building")]


# --- owlready2 and its Java reasoner: build time only -----------------------------------------------------------


def test_serving_requests_never_loads_owlready2_nor_starts_java(served):
    """Every kind of request, /validate included (it infers), while watching the server's processes."""
    optimised = [p for p in Path(metadata.distribution("owlready2").locate_file("")).glob("owlready2*.so")]
    if not optimised:
        pytest.skip("owlready2's compiled module is absent: its loading cannot be seen in /proc/<pid>/maps")
    seen_java: list[str] = []
    stop = threading.Event()

    def watch():
        while not stop.is_set():
            seen_java.extend(c for c in map(command_line, descendants(served.process.pid)) if "java" in c)
            time.sleep(0.05)

    watcher = threading.Thread(target=watch)
    watcher.start()
    try:
        document = (b"@prefix pg: <https://w3id.org/polegraph/ontology#> .\n"
                    b"<https://w3id.org/polegraph/id/pole/x> a pg:Pole .\n")
        for path, body, headers in [
            ("/validate", document, {"Content-Type": "text/turtle"}), (TRIVIAL, None, {}), ("/", None, {}),
            ("/downloads/", None, {}), ("/catalog", None, {}), ("/sparql", None, {"Accept": "text/turtle"}),
        ]:
            answer = call(served.url, "POST" if body else "GET", path, body, headers)
            assert answer.status < 500, (path, answer.status)
    finally:
        stop.set()
        watcher.join()
    assert not seen_java, seen_java[:3]
    loaded = [pid for pid in descendants(served.process.pid) if "owlready2" in mapped_files(pid)]
    assert not loaded, [command_line(pid) for pid in loaded]
