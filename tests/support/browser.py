"""Headless Chromium for the browser tests: a driver per test module (started again once if the busy
machine loses the first session), the record of every URL the browser asked for, the accessibility
check (axe-core, vendored from npm in tests/support/vendor/) and the check that a page does not
scroll sideways at a given width."""

from __future__ import annotations

import json
import shutil
import tempfile
import time
from pathlib import Path

from tests.support import PROJECT

CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
CHROMEDRIVER = shutil.which("chromedriver") or "/usr/bin/chromedriver"
ARTIFACTS = PROJECT / "test-artifacts"
AXE = Path(__file__).parent / "vendor" / "axe-core" / "axe.min.js"
NETWORK_SCHEMES = ("http", "https", "ws", "wss", "ftp")
ARGUMENTS = ("--headless=new", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
             "--disable-dev-shm-usage", "--no-first-run", "--disable-component-update", "--disable-sync",
             "--disable-default-apps", "--disable-extensions", "--disable-renderer-backgrounding",
             "--disable-background-timer-throttling", "--disable-backgrounding-occluded-windows")


def chromium_available() -> bool:
    return Path(CHROMIUM).exists() and Path(CHROMEDRIVER).exists()


def start_chromium(width: int = 1366, height: int = 1000, language: str = "en-GB,en"):
    """A headless Chromium with its own profile; a session lost at start (a busy machine, another
    browser beside it) is tried once more. Returns (driver, profile folder)."""
    from selenium import webdriver
    from selenium.common.exceptions import WebDriverException

    for attempt in (1, 2):
        profile = tempfile.mkdtemp(prefix="polegraph-chromium-")
        options = webdriver.ChromeOptions()
        options.binary_location = CHROMIUM
        for argument in (*ARGUMENTS, f"--window-size={width},{height}", f"--user-data-dir={profile}"):
            options.add_argument(argument)
        options.add_experimental_option("prefs", {"intl.accept_languages": language})
        options.set_capability("goog:loggingPrefs", {"performance": "ALL", "browser": "ALL"})
        try:
            driver = webdriver.Chrome(service=webdriver.ChromeService(executable_path=CHROMEDRIVER), options=options)
            driver.set_page_load_timeout(90)
            driver.set_script_timeout(90)
            driver.get("about:blank")  # the session answers: it is really there
            ARTIFACTS.mkdir(exist_ok=True)
            return driver, profile
        except WebDriverException:
            shutil.rmtree(profile, ignore_errors=True)
            if attempt == 2:
                raise
            time.sleep(3)
    raise AssertionError("unreachable")


def stop_chromium(driver, profile: str) -> None:
    try:
        driver.quit()
    finally:
        shutil.rmtree(profile, ignore_errors=True)


def requested_urls(driver) -> list[str]:
    """Every URL the browser asked for since the last call (requests, redirects, web sockets)."""
    urls = []
    for entry in driver.get_log("performance"):
        message = json.loads(entry["message"])["message"]
        params = message.get("params", {})
        if message["method"] == "Network.requestWillBeSent":
            urls.append(params["request"]["url"])
        elif message["method"] == "Network.webSocketCreated":
            urls.append(params["url"])
    return urls


def serious_accessibility_violations(driver) -> list[str]:
    """axe-core's serious and critical violations on the page shown (rule, and the first nodes)."""
    if not driver.execute_script("return !!window.axe"):
        driver.execute_script(AXE.read_text(encoding="utf-8"))
    violations = driver.execute_async_script(
        "var done = arguments[arguments.length - 1];"
        "axe.run(document, {resultTypes: ['violations']}).then(function (r) { done(r.violations); })"
        ".catch(function (e) { done([{id: 'axe-failed', impact: 'critical', help: String(e), nodes: []}]); });")
    return [f"{v['id']} ({v['impact']}): {v['help']} — " + "; ".join(n["html"][:120] for n in v["nodes"][:3])
            for v in violations if v.get("impact") in ("serious", "critical")]


def sideways_overflow(driver, width: int) -> int:
    """How many pixels the page shown scrolls sideways at `width` CSS pixels (0: none)."""
    driver.execute_cdp_cmd("Emulation.setDeviceMetricsOverride",
                           {"width": width, "height": 900, "deviceScaleFactor": 1, "mobile": width < 600})
    try:
        time.sleep(0.2)  # one layout
        return int(driver.execute_script("var d = document.documentElement;"
                                         "return Math.max(d.scrollWidth, document.body.scrollWidth) - d.clientWidth;"))
    finally:
        driver.execute_cdp_cmd("Emulation.clearDeviceMetricsOverride", {})


def shot(driver, name: str) -> None:
    driver.save_screenshot(str(ARTIFACTS / f"{name}.png"))
