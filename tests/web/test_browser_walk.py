"""A reader's walk in a real headless Chromium, and what every page it passes must be: accessible (no
serious or critical axe-core violation), readable on a 390 px phone and at 1366 px without scrolling
sideways, and served from this server alone (no request leaves 127.0.0.1).

The walk: home → the list of pôles (from the home page's class counts) → filtered by a region → a
pôle → the paragraph a statement cites → that paragraph in its section's page → back. Then a
browser's 404 and a bad SPARQL link, the catalogue, the validation form and the downloads.
Expected facts come from the manifesto: Minalogic is the pôle the text places in Auvergne-Rhône-Alpes
("Minalogic Auvergne-Rhône-Alpes", chapter 08 and annex 02) and leads ASTEERICS, told in the box that
closes chapter 08 (its fourth paragraph).
"""

from __future__ import annotations

from urllib.parse import quote

import pytest

from tests.support.browser import chromium_available, serious_accessibility_violations, shot, sideways_overflow
from tests.web.test_browser import wait

webdriver = pytest.importorskip("selenium.webdriver", reason="selenium is not installed (pip install selenium)")
from selenium.webdriver.common.by import By  # noqa: E402
from selenium.webdriver.support import expected_conditions as EC  # noqa: E402
from selenium.webdriver.support.select import Select  # noqa: E402

pytestmark = pytest.mark.skipif(not chromium_available(), reason="headless browser tests need Debian's chromium "
                                                                  "and chromium-driver")


def h1(driver) -> str:
    return driver.find_element(By.TAG_NAME, "h1").text


def check(driver, name: str) -> None:
    """What every page of the walk must be: accessible, no sideways scroll at 1366 px and at 390 px."""
    violations = serious_accessibility_violations(driver)
    assert violations == [], f"{name}: {violations}"
    for width in (1366, 390):
        assert sideways_overflow(driver, width) == 0, f"{name} scrolls sideways at {width} px"
    shot(driver, f"walk-{name}")


def test_home_list_filter_pole_paragraph_section_and_back(page, server):
    page.get(server.url + "/")
    check(page, "home")
    page.find_element(By.CSS_SELECTOR, "table.counts a[href='/poles']").click()  # the class count leads to the list
    wait(page).until(EC.text_to_be_present_in_element((By.TAG_NAME, "h1"), "Competitiveness clusters"))
    assert "53" in page.find_element(By.ID, "count-note").text  # 54 listed: why not 53 is said where shown
    check(page, "poles")
    Select(page.find_element(By.ID, "facet-region")).select_by_value("auvergne-rhone-alpes")
    page.find_element(By.ID, "apply-filters").click()
    wait(page).until(lambda d: "region=auvergne-rhone-alpes" in d.current_url)
    names = [a.text for a in page.find_elements(By.CSS_SELECTOR, "table.list tbody tr td:first-child a")]
    assert "Minalogic" in names and "Aerospace Valley" not in names
    assert page.find_element(By.ID, "view-csv").get_attribute("href").endswith("/poles.csv?region=auvergne-rhone-alpes")
    check(page, "poles-region")
    page.find_element(By.LINK_TEXT, "Minalogic").click()
    wait(page).until(EC.text_to_be_present_in_element((By.TAG_NAME, "h1"), "Minalogic"))
    assert "Serge Veyres" in page.find_element(By.ID, "summary").text  # who presides it, under the title
    check(page, "pole")
    pole_url = page.current_url
    page.find_element(By.CSS_SELECTOR, "a.para[href='/page/paragraph/chapitre-08-4']").click()  # ASTEERICS's source
    wait(page).until(EC.text_to_be_present_in_element((By.TAG_NAME, "h1"), "Chapter 08, §4"))
    assert "ASTEERICS" in page.find_element(By.ID, "names").find_element(By.XPATH, "..").text
    check(page, "paragraph")
    paragraph_url = page.current_url
    page.find_element(By.ID, "section-link").click()
    wait(page).until(lambda d: d.current_url.endswith("/page/section/chapitre-08#p4"))
    assert h1(page).startswith("Chapter 08")
    assert page.find_element(By.ID, "p4").is_displayed()
    check(page, "section")
    page.back()
    wait(page).until(lambda d: d.current_url == paragraph_url)
    page.back()
    wait(page).until(lambda d: d.current_url == pole_url)
    assert h1(page) == "Minalogic"


def test_a_browser_gets_pages_for_a_404_and_for_a_bad_sparql_link(page, server):
    page.get(server.url + "/page/pole/minalogik")
    assert h1(page) == "Page not found"
    assert page.find_element(By.ID, "error-search").get_attribute("value") == "minalogik"  # what was looked for
    check(page, "not-found")
    page.find_element(By.ID, "likely-page").click()  # the page the reader probably meant
    wait(page).until(EC.text_to_be_present_in_element((By.TAG_NAME, "h1"), "Minalogic"))
    bad = "SELECT ?s WHERE {\n  ?s ?p\n}"
    page.get(server.url + "/sparql?format=csv&query=" + quote(bad))
    assert h1(page) == "The request is malformed"
    assert page.find_element(By.CSS_SELECTOR, "pre.query").text.strip() == bad  # the query, with its fault marked
    assert page.find_elements(By.ID, "error-line")
    check(page, "bad-query")


def test_the_catalogue_validation_and_downloads_pages_render(page, server):
    page.get(server.url + "/catalog")
    assert "polegraph" in h1(page)
    assert page.find_element(By.ID, "catalog-licence").get_attribute("href").startswith("https://www.etalab.gouv.fr/")
    assert page.find_element(By.ID, "catalog-endpoint").text.endswith("/sparql")
    check(page, "catalog")
    page.get(server.url + "/validate")
    page.find_element(By.ID, "validate-text").send_keys(
        "@prefix pg: <https://w3id.org/polegraph/ontology#> .\n"
        "<https://w3id.org/polegraph/id/initiative/essai> a pg:Project ;\n"
        "    pg:leadBy <https://w3id.org/polegraph/id/pole/minalogic> .\n")
    page.find_element(By.ID, "validate-submit").click()
    report = wait(page).until(EC.presence_of_element_located((By.ID, "validate-report")))
    assert report.get_attribute("data-conforms") == "false"
    assert "initiative:essai" in report.text  # grouped by the resource the contributor wrote
    rule = report.find_element(By.CSS_SELECTOR, "a.rule")
    check(page, "validate-report")
    rule.click()  # each result links to the rule it breaks
    wait(page).until(lambda d: "/shapes#" in d.current_url)
    check(page, "shapes")
    page.get(server.url + "/downloads/")
    assert page.find_element(By.ID, "licence-link").get_attribute("href").startswith("https://www.etalab.gouv.fr/")
    assert page.find_element(By.ID, "archive-link").get_attribute("href").endswith(".zip")
    check(page, "downloads")


@pytest.mark.parametrize("path", [
    "/browse", "/people", "/initiatives?kind=FundingProgramme", "/figures", "/sections", "/class/Role",
    "/search?q=minalogic", "/page/initiative/asteerics", "/page/person/serge-veyres", "/page/figure/maele-members",
    "/page/place/auvergne-rhone-alpes", "/page/document/manifeste-phase-6", "/page/section/signatures",
    "/graph/inferred", "/shapes", "/queries/", "/queries/p2-poles-by-value-chain", "/regions/", "/explore",
])
def test_every_kind_of_page_is_accessible_and_fits_a_phone(page, server, path):
    page.get(server.url + path)
    assert page.find_element(By.TAG_NAME, "h1").text
    check(page, path.strip("/").replace("/", "-").replace("?", "-").replace("=", "-"))
