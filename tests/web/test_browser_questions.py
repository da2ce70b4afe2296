# ruff: noqa: F811, E501 - fixtures imported from test_browser.py; long selenium scripts
"""Questions, the editor, the explorer and the map in a real headless Chromium (issue 22): a named question
answers differently when its parameter changes, a /sparql?query= link opens and runs, a capped answer says
so, a pôle focused from the address shows its neighbours with named links, a region of the map leads to
its page; axe-core (vendored) finds no serious or critical violation on these pages. As in
test_browser.py, no request may leave 127.0.0.1.

Expected facts come from the manifesto: chapter 07's joint action of six pôles (Tenerrdis among them)
concerns solar energy; ASTEERICS is led by Minalogic (chapter 08); annex 07 places Hôpital du futur #2
in Grand Est.
"""

from __future__ import annotations

import time
from urllib.parse import quote

import pytest

from tests.support.browser import serious_accessibility_violations, shot
from tests.web.test_browser import wait

webdriver = pytest.importorskip("selenium.webdriver")
from selenium.webdriver.common.by import By  # noqa: E402
from selenium.webdriver.support import expected_conditions as EC  # noqa: E402
from selenium.webdriver.support.select import Select  # noqa: E402

ID = "https://w3id.org/polegraph/id/"


def test_a_named_question_answers_again_when_its_parameter_changes(page, server):
    page.get(f"{server.url}/queries/p2-poles-by-value-chain?lang=en")
    answer = page.find_element(By.CSS_SELECTOR, "table.answer-table").text
    assert "Hydrogène naturel" in answer or "Natural hydrogen" in answer
    Select(page.find_element(By.ID, "param-chain")).select_by_value("solaire")
    page.find_element(By.CSS_SELECTOR, "form.parameters button[type=submit]").click()
    wait(page).until(lambda d: "chain=solaire" in d.current_url)
    solar = page.find_element(By.CSS_SELECTOR, "table.answer-table").text
    shot(page, "question-parameter")
    assert solar != answer and "Tenerrdis" in solar
    assert "Natural hydrogen" not in solar and "Hydrogène naturel" not in solar
    assert "chain=solaire" in page.find_element(By.ID, "link-csv").get_attribute("href")


def test_a_sparql_link_opened_in_a_browser_shows_the_editor_with_its_rows(page, server):
    text = ("PREFIX pg: <https://w3id.org/polegraph/ontology#>\nPREFIX rdfs: <http://www.w3.org/2000/01/rdf-schema#>\n"
            "SELECT ?pole ?name WHERE { ?pole a pg:Pole ; rdfs:label ?name } ORDER BY ?name LIMIT 5")
    page.get(f"{server.url}/sparql?query={quote(text)}")
    rows = wait(page).until(lambda d: [r for r in d.find_elements(By.CSS_SELECTOR, ".yasr table.dataTable tbody tr")
                                       if r.is_displayed() and r.text.strip()] or None)
    shot(page, "editor-shared-link")
    assert len(rows) == 5
    value = page.execute_script("return window.polegraphYasgui.getTab().getYasqe().getValue()")
    assert "LIMIT 5" in value


def test_a_named_query_link_selects_its_own_tab(page, server, named_queries):
    page.get(f"{server.url}/sparql#tab=p1-asteerics-funders")
    wait(page).until(EC.text_to_be_present_in_element((By.ID, "query-title"),
                                                      named_queries["p1-asteerics-funders"].title))
    assert page.execute_script("return window.polegraphYasgui.getTab().getId()") == "q-p1-asteerics-funders"


def test_an_answer_cut_by_the_row_cap_says_so_in_the_editor(page, server):
    text = ("PREFIX pg: <https://w3id.org/polegraph/ontology#>\n"
            "SELECT ?a ?b ?c WHERE { ?a a pg:Pole . ?b a pg:Pole . ?c a pg:Pole }")  # 54³ rows, over the cap
    page.get(f"{server.url}/sparql?query={quote(text)}&lang=en")
    notice = wait(page, 60).until(EC.visibility_of_element_located((By.ID, "editor-notice")))
    shot(page, "editor-truncated")
    assert "cut at 10000 rows" in notice.text and "OFFSET" in notice.text


def test_a_sparql_error_is_shown_with_its_line_in_the_page_language(page, server):
    broken = quote("SELECT * WHERE {\n  ?s ?p \n}")  # the object is missing: line 3
    page.get(f"{server.url}/sparql?query={broken}&lang=fr")
    notice = wait(page).until(EC.visibility_of_element_located((By.ID, "editor-notice")))
    assert "Erreur SPARQL" in notice.text and "ligne" in notice.text


def test_notices_are_said_in_restored_and_added_tabs(page, server):
    """Tabs left in local storage by earlier visits, one of them never shown since (YASGUI draws its editor
    only when it is shown), do not stop a link's query from being run and its error said; a tab the
    reader adds and runs says its cut answer; each tab keeps its own notice."""
    for name in ("p1-asteerics-funders", "poles-and-presidents"):  # the first is left restored, not shown
        page.get(f"{server.url}/health")
        page.get(f"{server.url}/sparql#tab={name}")
        wait(page).until(lambda d: d.execute_script("return !!(window.polegraphYasgui && window.polegraphYasgui.getTab())"))
    page.get(f"{server.url}/sparql?query={quote('SELECT ?x WHERE { ?x ?y }')}&lang=en")  # no object: line 1
    notice = wait(page).until(EC.visibility_of_element_located((By.ID, "editor-notice")))
    assert "SPARQL error" in notice.text and "line 1" in notice.text
    failed = page.execute_script("return window.polegraphYasgui.getTab().getId()")
    page.find_element(By.CSS_SELECTOR, "button.addTab").click()
    wait(page).until(lambda d: d.execute_script("return window.polegraphYasgui.getTab().getId()") != failed)
    wait(page).until(lambda d: not d.find_element(By.ID, "editor-notice").is_displayed())  # not the other tab's
    added = page.execute_script("var tab = window.polegraphYasgui.getTab(); tab.getYasqe().setValue(arguments[0]);"
                                "return tab.getId()", "PREFIX pg: <https://w3id.org/polegraph/ontology#>\n"
                                "SELECT ?a ?b ?c WHERE { ?a a pg:Pole . ?b a pg:Pole . ?c a pg:Pole } # 54³ rows")
    page.find_element(By.ID, added).find_element(By.CSS_SELECTOR, ".yasqe_queryButton").click()  # ids may start with a digit
    wait(page, 60).until(EC.text_to_be_present_in_element((By.ID, "editor-notice"), "cut at 10000 rows"))
    page.execute_script("window.polegraphYasgui.selectTabId(arguments[0])", failed)
    wait(page).until(EC.text_to_be_present_in_element((By.ID, "editor-notice"), "SPARQL error"))


def test_a_pole_focused_from_the_address_shows_its_neighbours_and_named_links(page, server):
    node = ID + "pole/minalogic"
    page.get(f"{server.url}/explorer?node={quote(node)}&lang=en")
    wait(page).until(lambda d: d.find_element(By.CSS_SELECTOR, ".explorer").get_attribute("data-selected") == node)
    state = page.execute_script("""
        var cy = window.polegraphExplorer.cy;
        return {highlighted: cy.nodes('.highlighted').map(function (n) { return n.id(); }),
                faded: cy.elements('.faded').length,
                labels: cy.edges('.highlighted').map(function (e) { return e.style('label'); })};""")
    time.sleep(0.3)
    shot(page, "explorer-focus")
    assert ID + "initiative/asteerics" in state["highlighted"]
    assert state["labels"] and all(state["labels"]), "the focused node's links are named"
    assert "node=" in page.current_url  # the view stays in the address


def test_the_explorer_opens_on_the_poles_grouped_by_region(page, server):
    page.get(f"{server.url}/explorer")
    wait(page).until(lambda d: d.find_element(By.CSS_SELECTOR, ".explorer").get_attribute("data-ready") == "true")
    groups = page.execute_script("return window.polegraphExplorer.cy.nodes('.region-group').map(function (n) {"
                                 " return n.data('label'); })")
    assert page.find_element(By.CSS_SELECTOR, ".explorer").get_attribute("data-view") == "overview"
    assert "Auvergne-Rhône-Alpes" in groups and len(groups) >= 2
    box = page.find_element(By.ID, "node-search")
    box.send_keys("ASTEERICS")
    box.send_keys("\n")
    wait(page).until(lambda d: d.find_element(By.CSS_SELECTOR, ".explorer").get_attribute("data-selected")
                     == ID + "initiative/asteerics")


def test_a_region_of_the_map_leads_to_its_page(page, server):
    page.get(f"{server.url}/?lang=en")
    region = page.find_element(By.CSS_SELECTOR, "#home-map a.region-link[data-code='44']")
    page.execute_script("arguments[0].scrollIntoView({block: 'center'})", region)
    region.click()
    wait(page).until(EC.text_to_be_present_in_element((By.TAG_NAME, "h1"), "Grand Est"))
    assert page.current_url.endswith("/regions/grand-est")
    listed = page.find_element(By.ID, "region-initiatives").text.lower()
    assert "hôpital du futur #2" in listed or "hospital of the future #2" in listed


ROWS = "/sparql?query=" + quote("SELECT ?s ?p ?o WHERE { ?s ?p ?o } LIMIT 3")  # the editor with a table of rows


@pytest.mark.parametrize("path", ["/queries/", "/queries/p2-poles-by-value-chain", "/sparql", ROWS, "/explorer", "/",
                                  "/regions/grand-est"])
def test_axe_finds_no_serious_or_critical_violation(page, server, path):
    page.get(f"{server.url}{path}")
    if path == "/explorer":
        wait(page).until(lambda d: d.find_element(By.CSS_SELECTOR, ".explorer").get_attribute("data-ready") == "true")
    if path.startswith("/sparql"):
        wait(page).until(lambda d: d.execute_script("return !!(window.polegraphYasgui && window.polegraphYasgui.getTab())"))
        time.sleep(0.5)
    if path == ROWS:
        wait(page).until(lambda d: [r for r in d.find_elements(By.CSS_SELECTOR, ".yasr table.dataTable tbody tr")
                                    if r.is_displayed() and r.text.strip()] or None)
    page.set_script_timeout(60)
    found = serious_accessibility_violations(page)
    assert found == [], f"axe on {path}: {found}"
