"""What the tests and the benchmarks (bench/) share: where things are, free ports, the `polegraph` command.

The submodules hold the rest: `http` (a raw HTTP client and error checks), `servers` (real server
processes, started and stopped), `processes` (a server's process tree, read from /proc), `releases`
(releases made by hand in a var folder) and `triplestores` (the Oxigraph server and Virtuoso on free
ports).
"""

from __future__ import annotations

import socket
import sys
from pathlib import Path

PROJECT = Path(__file__).resolve().parents[2]
SHARED = PROJECT.parent / "shared"
MANIFESTO = SHARED / "sources" / "manifeste-phase6.txt"
# Turtle prefixes of the small graphs tests write; `x:` names test resources that never exist.
TEST_PREFIXES = """
@prefix pg: <https://w3id.org/polegraph/ontology#> .
@prefix owl: <http://www.w3.org/2002/07/owl#> .
@prefix rdfs: <http://www.w3.org/2000/01/rdf-schema#> .
@prefix xsd: <http://www.w3.org/2001/XMLSchema#> .
@prefix x: <https://w3id.org/polegraph/id/test/> .
"""


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def polegraph_command() -> list[str]:
    """The installed `polegraph` console script of this interpreter's environment."""
    script = Path(sys.executable).with_name("polegraph")
    return [str(script)] if script.exists() else [sys.executable, "-m", "polegraph"]
