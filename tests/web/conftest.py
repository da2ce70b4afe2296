"""What the tests of the web face share: the real server with a short deadline, as an attacker meets it."""

from __future__ import annotations

import pytest

from tests.support.servers import start_polegraph

DEADLINE_S = 2


@pytest.fixture(scope="module")
def target(settings, release, tmp_path_factory):
    """The real server over the session's release, with a short deadline; the rate limit stays off."""
    log = tmp_path_factory.mktemp("short-deadline") / "server.log"
    server = start_polegraph(settings.var_dir, log, env={"POLEGRAPH_QUERY_TIMEOUT": str(DEADLINE_S)})
    try:
        yield server
    finally:
        server.stop()
