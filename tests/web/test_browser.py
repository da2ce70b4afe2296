"""The web face in a real headless Chromium: the editor runs a named query, the search box leads to a
pôle and on to its programme, the explorer filters and expands, the language switches. Every network
request the browser makes is recorded (Chrome's performance log) and none may leave 127.0.0.1.

Expected facts come from the manifesto: ASTEERICS is led by Minalogic and funded through France 2030
and the Chips JU (chapter 08, annex 02); Minalogic structures microelectronics.
Screenshots go to test-artifacts/ (gitignored).
"""

from __future__ import annotations

import time

import pytest

from tests.support.browser import chromium_available, shot

webdriver = pytest.importorskip("selenium.webdriver", reason="selenium is not installed (pip install selenium)")
from selenium.webdriver.common.action_chains import ActionChains  # noqa: E402
from selenium.webdriver.common.by import By  # noqa: E402
from selenium.webdriver.support import expected_conditions as EC  # noqa: E402
from selenium.webdriver.support.select import Select  # noqa: E402
from selenium.webdriver.support.ui import WebDriverWait  # noqa: E402

ID = "https://w3id.org/polegraph/id/"

pytestmark = pytest.mark.skipif(
    not chromium_available(),
    reason="headless browser tests need Debian's chromium and chromium-driver (apt-get install chromium "
           "chromium-driver)")


def wait(driver, seconds: float = 30) -> WebDriverWait:
    return WebDriverWait(driver, seconds)


def test_the_editor_runs_a_named_query_and_shows_its_rows(page, server, named_queries):
    name = "p1-asteerics-funders" if "p1-asteerics-funders" in named_queries else next(iter(named_queries))
    page.get(f"{server.url}/sparql#tab={name}")  # a query's shareable link
    tab = wait(page).until(EC.presence_of_element_located((By.CSS_SELECTOR, f"[aria-controls='q-{name}']")))
    assert named_queries[name].title in tab.text
    wait(page).until(EC.text_to_be_present_in_element((By.ID, "query-title"), named_queries[name].title))
    panel = page.find_element(By.ID, f"q-{name}")
    panel.find_element(By.CSS_SELECTOR, ".yasqe_queryButton").click()
    rows = wait(page).until(lambda d: panel.find_elements(By.CSS_SELECTOR, ".yasr table.dataTable tbody tr")
                            if "dataTables_empty" not in panel.get_attribute("innerHTML") else None)
    cells = " ".join(row.text for row in rows)
    page.execute_script("arguments[0].scrollIntoView()", panel.find_element(By.CSS_SELECTOR, ".yasr"))
    shot(page, "editor-query-results")
    assert rows
    if name == "p1-asteerics-funders":
        assert "France 2030" in cells


def test_the_editor_declares_a_project_prefix_as_it_is_typed(page, server):
    page.get(server.url + "/sparql")
    wait(page).until(lambda d: d.execute_script("return !!(window.polegraphYasgui && window.polegraphYasgui.getTab())"))
    page.execute_script("var y = window.polegraphYasgui.getTab().getYasqe(); y.setValue('SELECT * WHERE {\\n}');"
                        "y.focus(); y.getDoc().setCursor({line: 0, ch: 16});")
    page.switch_to.active_element.send_keys(" ?s a pole:")
    wait(page, 10).until(lambda d: "PREFIX pole: <https://w3id.org/polegraph/id/pole/>" in d.execute_script(
        "return window.polegraphYasgui.getTab().getYasqe().getValue()"))


def test_search_leads_to_a_pole_and_on_to_its_programme(page, server):
    page.get(server.url + "/")
    box = page.find_element(By.ID, "home-search")
    box.send_keys("MINALOGIC")
    box.submit()
    link = wait(page).until(EC.element_to_be_clickable((By.CSS_SELECTOR, "ol.hits a[href='/page/pole/minalogic']")))
    shot(page, "search-results")
    link.click()
    wait(page).until(EC.text_to_be_present_in_element((By.TAG_NAME, "h1"), "Minalogic"))
    shot(page, "pole-page")
    page.find_element(By.CSS_SELECTOR, "table.statements a[href='/page/initiative/asteerics']").click()
    wait(page).until(EC.text_to_be_present_in_element((By.TAG_NAME, "h1"), "ASTEERICS"))
    body = page.find_element(By.TAG_NAME, "body").text
    assert "France 2030" in body and "Minalogic" in body
    shot(page, "programme-page")


def test_the_explorer_filters_to_a_value_chain_and_expands_a_clicked_node(page, server):
    page.get(server.url + "/explorer")
    wait(page).until(lambda d: d.find_element(By.CSS_SELECTOR, ".explorer").get_attribute("data-ready") == "true")
    total = int(page.find_element(By.ID, "visible-count").text)
    Select(page.find_element(By.ID, "valuechain")).select_by_value(ID + "filiere/microelectronique")
    wait(page).until(lambda d: int(d.find_element(By.ID, "visible-count").text) < total)
    shown = int(page.find_element(By.ID, "visible-count").text)
    shot(page, "explorer-value-chain")
    node = ID + "pole/minalogic"
    canvas = page.find_element(By.ID, "cy")
    page.execute_script("arguments[0].scrollIntoView({block: 'start'});", canvas)
    # as a reader would, pan the node into the middle of the view, then click it for real
    x, y = page.execute_script(
        "var cy = window.polegraphExplorer.cy, n = cy.getElementById(arguments[0]); cy.center(n);"
        "var p = n.renderedPosition(); return [p.x, p.y];", node)
    ActionChains(page).move_to_element_with_offset(canvas, int(x - canvas.size["width"] / 2),
                                                   int(y - canvas.size["height"] / 2)).click().perform()
    wait(page).until(lambda d: d.find_element(By.CSS_SELECTOR, ".explorer").get_attribute("data-selected") == node)
    assert int(page.find_element(By.ID, "visible-count").text) > shown  # its neighbours (ASTEERICS…) appear
    time.sleep(0.3)
    shot(page, "explorer-expanded")
    Select(page.find_element(By.ID, "valuechain")).select_by_value("")
    Select(page.find_element(By.ID, "region")).select_by_value(ID + "place/auvergne-rhone-alpes")
    wait(page).until(lambda d: node in d.execute_script(
        "return window.polegraphExplorer.cy.nodes().filter(function (n) { return !n.hasClass('hidden'); })"
        ".map(function (n) { return n.id(); });"))
    shot(page, "explorer-region")
    open_page = page.find_element(By.ID, "selected-page")
    assert open_page.get_attribute("href").endswith("/page/pole/minalogic")
    open_page.click()
    wait(page).until(EC.text_to_be_present_in_element((By.TAG_NAME, "h1"), "Minalogic"))


def test_the_language_switch_changes_the_interface_and_is_remembered(page, server):
    page.get(server.url + "/page/initiative/asteerics")
    assert page.find_element(By.TAG_NAME, "html").get_attribute("lang") == "en"  # the browser's language
    assert page.find_element(By.ID, "statements").text == "All statements"
    page.find_element(By.CSS_SELECTOR, "nav.languages a[data-lang='fr']").click()
    wait(page).until(lambda d: d.find_element(By.TAG_NAME, "html").get_attribute("lang") == "fr")
    assert page.find_element(By.ID, "statements").text == "Toutes les déclarations"
    shot(page, "language-french")
    page.get(server.url + "/")  # no ?lang= any more: the choice is remembered
    assert page.find_element(By.TAG_NAME, "html").get_attribute("lang") == "fr"
    assert "Version servie" in page.find_element(By.TAG_NAME, "body").text
