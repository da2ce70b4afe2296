"""Real triple stores for integration tests, started on 127.0.0.1 and free ports, and stopped.

The Oxigraph server comes from the PyPI package `oxigraph`; OpenLink Virtuoso from the Debian
package `virtuoso-opensource` (installed by .ci/system-deps), run with a throw-away database folder.
"""

from __future__ import annotations

import shutil
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

from polegraph.publish.triplestore import RemoteStore
from tests.support import free_port
from tests.support.servers import ServerProcess

VIRTUOSO_INI = """[Database]
DatabaseFile = {d}/virtuoso.db
ErrorLogFile = {d}/virtuoso.log
LockFile = {d}/virtuoso.lck
TransactionFile = {d}/virtuoso.trx
xa_persistent_file = {d}/virtuoso.pxa
ErrorLogLevel = 7
FileExtend = 200
MaxCheckpointRemap = 2000
Striping = 0
TempStorage = TempDatabase

[TempDatabase]
DatabaseFile = {d}/virtuoso-temp.db
TransactionFile = {d}/virtuoso-temp.trx
MaxCheckpointRemap = 2000
Striping = 0

[Parameters]
ServerPort = 127.0.0.1:{isql}
DisableUnixSocket = 1
MaxClientConnections = 8
CheckpointInterval = 60
CaseMode = 2
DirsAllowed = ., {d}
NumberOfBuffers = 10000
MaxDirtyBuffers = 6000
ThreadsPerQuery = 2

[HTTPServer]
ServerPort = 127.0.0.1:{http}
ServerRoot = {d}
MaxClientConnections = 8
ServerThreads = 8
Charset = UTF-8
EnabledGzipContent = 0

[SPARQL]
ResultSetMaxRows = 100000
MaxQueryExecutionTime = 60
MaxQueryCostEstimationTime = 0
"""


@dataclass
class StoreProcess:
    name: str
    server: ServerProcess
    remote: RemoteStore
    query_url: str

    @property
    def process(self):
        return self.server.process

    def stop(self) -> None:
        self.server.stop(grace_s=30)

    def kill(self) -> None:
        self.process.kill()
        self.process.wait()


def oxigraph_binary() -> str | None:
    candidate = Path(sys.executable).with_name("oxigraph")
    return str(candidate) if candidate.exists() else shutil.which("oxigraph")


def start_oxigraph(location: Path, port: int | None = None) -> StoreProcess:
    """`oxigraph serve` on a persistent location (so a killed server can be restarted on the same data)."""
    binary = oxigraph_binary()
    if binary is None:
        raise FileNotFoundError("the `oxigraph` command (PyPI package oxigraph) is not installed")
    port = port or free_port()
    base = f"http://127.0.0.1:{port}"
    server = ServerProcess([binary, "serve", "--location", str(location), "--bind", f"127.0.0.1:{port}",
                            "--union-default-graph"], port, name="oxigraph")
    server.wait_ready("/query?query=ASK%7B%7D", 30, need_ok=False)
    remote = RemoteStore(base + "/query", base + "/update", base + "/store")
    return StoreProcess("oxigraph", server, remote, base + "/query")


def virtuoso_binary() -> str | None:
    return shutil.which("virtuoso-t")


def start_virtuoso(folder: Path) -> StoreProcess:
    """Virtuoso with a throw-away database in `folder`; anonymous SPARQL updates granted for the test."""
    binary = virtuoso_binary()
    if binary is None:
        raise FileNotFoundError("virtuoso-t (Debian package virtuoso-opensource) is not installed")
    folder.mkdir(parents=True, exist_ok=True)
    isql_port, http_port = free_port(), free_port()
    ini = folder / "virtuoso.ini"
    ini.write_text(VIRTUOSO_INI.format(d=folder, isql=isql_port, http=http_port), encoding="utf-8")
    server = ServerProcess([binary, "+foreground", "+configfile", str(ini)], http_port, name="virtuoso",
                           cwd=folder)
    server.wait_ready("/sparql?query=ASK%7B%7D", 120, need_ok=False)
    base = server.url
    grant = 'GRANT SPARQL_UPDATE TO "SPARQL"; GRANT EXECUTE ON DB.DBA.SPARQL_INSERT_DICT_CONTENT TO "SPARQL";'
    isql = shutil.which("isql-vt") or "isql-vt"
    subprocess.run([isql, f"127.0.0.1:{isql_port}", "dba", "dba", f"exec={grant}"], check=True,
                   capture_output=True, timeout=60)
    remote = RemoteStore(base + "/sparql", base + "/sparql", base + "/sparql-graph-crud")
    return StoreProcess("virtuoso", server, remote, base + "/sparql")


def start_store(kind: str, folder: Path) -> StoreProcess:
    """A throw-away store of `kind` ("oxigraph" or "virtuoso") in `folder`; the test is skipped, saying
    which package provides it, where it is not installed."""
    import pytest

    if kind == "oxigraph":
        if oxigraph_binary() is None:
            pytest.skip("the oxigraph server (PyPI package oxigraph) is not installed")
        return start_oxigraph(folder)
    if virtuoso_binary() is None:
        pytest.skip("Virtuoso (Debian package virtuoso-opensource) is not installed")
    return start_virtuoso(folder)
