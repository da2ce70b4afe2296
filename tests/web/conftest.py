"""What the tests of the web face share: the real server with a short deadline, as an attacker meets it."""

from __future__ import annotations

from urllib.parse import urlparse

import pytest

from tests.support.browser import NETWORK_SCHEMES, requested_urls, start_chromium, stop_chromium
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


# The browser tests' fixtures: a headless Chromium per module, and a page that must stay on this server.


@pytest.fixture(scope="module")
def browser():
    driver, profile = start_chromium(1400, 1000)  # a driver of this module's own, started again once if lost
    try:
        yield driver
    finally:
        stop_chromium(driver, profile)


@pytest.fixture
def page(browser, server):
    """The browser, with cookies cleared, and after the test: no request may have left 127.0.0.1."""
    browser.get(server.url + "/health")
    browser.delete_all_cookies()
    requested_urls(browser)  # drain what came before
    yield browser
    urls = requested_urls(browser)
    assert any(urlparse(u).hostname == "127.0.0.1" for u in urls), "no request recorded: is the log working?"
    outside = [u for u in urls if urlparse(u).scheme in NETWORK_SCHEMES and urlparse(u).hostname != "127.0.0.1"]
    assert outside == [], f"requests left 127.0.0.1: {outside}"
