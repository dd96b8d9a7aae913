"""The pages in headless Chromium, as a person sees them; screenshots go to artifacts/screenshots/.

Without Chromium these tests FAIL (they do not skip) and say how to install it.
"""

from __future__ import annotations

import json
import time
from collections.abc import Callable, Iterator
from typing import Any

import chrome
import pytest
from conftest import PROJECT_ROOT, Server
from webdata import serve_with_saved_queries

SHOTS = PROJECT_ROOT / "artifacts" / "screenshots"


@pytest.fixture(scope="module")
def site() -> Iterator[str]:
    """The real app over the fixture graph, with saved queries, on a loopback port."""
    with serve_with_saved_queries() as base:
        yield base


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    problem = chrome.missing()
    if problem:
        pytest.fail(problem, pytrace=False)
    driver, profile = chrome.start()
    yield driver
    chrome.stop(driver, profile)


def wait_for(check: Callable[[], Any], what: str, timeout: float = 20) -> Any:
    """Poll until `check()` is truthy; fail naming `what` otherwise."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            value = check()
        except Exception:  # the page may still be building the element
            value = None
        if value:
            return value
        time.sleep(0.1)
    raise AssertionError(f"timed out waiting for {what}")


def shot(driver: Any, name: str, full: bool = True) -> None:
    if full:
        chrome.full_page_screenshot(driver, SHOTS / f"{name}.png")
        driver.set_window_size(1280, 900)
    else:
        SHOTS.mkdir(parents=True, exist_ok=True)
        driver.save_screenshot(str(SHOTS / f"{name}.png"))


def requested_urls(driver: Any) -> list[str]:
    """URLs the browser asked for since the last call (from Chromium's performance log)."""
    urls = []
    for entry in driver.get_log("performance"):
        message = json.loads(entry["message"])["message"]
        if message.get("method") == "Network.requestWillBeSent":
            urls.append(message["params"]["request"]["url"])
    return urls


def text_of(driver: Any, css: str) -> str:
    from selenium.webdriver.common.by import By

    return driver.find_element(By.CSS_SELECTOR, css).text


def test_home_page_lists_the_one_teams(browser: Any, site: str) -> None:
    from selenium.webdriver.common.by import By

    browser.get(site + "/?lang=en")
    assert browser.title.endswith("OnTeam")
    rows = browser.find_elements(By.CSS_SELECTOR, "table.teams tbody tr")
    assert [r.find_element(By.CSS_SELECTOR, "td a").text for r in rows] == ["AI One Team", "Cloud One Team"]
    shot(browser, "home")


def test_skip_link_is_the_first_keyboard_stop(browser: Any, site: str) -> None:
    from selenium.webdriver.common.by import By
    from selenium.webdriver.common.keys import Keys

    browser.get(site + "/?lang=en")
    browser.find_element(By.TAG_NAME, "body").send_keys(Keys.TAB)
    focused = browser.switch_to.active_element
    assert focused.get_attribute("class") == "skip"
    assert focused.is_displayed() and focused.location["x"] >= 0
    shot(browser, "skip-link-focused", full=False)


def test_one_team_page_shows_members_by_kind_and_evidence(browser: Any, site: str) -> None:
    from selenium.webdriver.common.by import By

    browser.get(site + "/id/ai-one-team?lang=en")
    assert text_of(browser, "h1") == "AI One Team"
    kinds = [h.text for h in browser.find_elements(By.CSS_SELECTOR, "#members + .groups h3")]
    assert kinds == ["Telecom company (1)", "University (2)"]  # KT only under its most specific kind
    quotes = browser.find_elements(By.CSS_SELECTOR, "blockquote[lang=ko]")
    assert quotes and all(q.is_displayed() for q in quotes)
    shot(browser, "one-team-ai-en")


def test_resource_page_switches_language_and_remembers_it(browser: Any, site: str) -> None:
    from selenium.webdriver.common.by import By

    browser.delete_all_cookies()
    browser.get(site + "/id/kaist?lang=ko")
    assert text_of(browser, "h1") == "한국과학기술원"
    assert browser.find_element(By.TAG_NAME, "html").get_attribute("lang") == "ko"
    shot(browser, "resource-kaist-ko")
    browser.find_element(By.CSS_SELECTOR, "a.lang-switch").click()
    wait_for(lambda: text_of(browser, "h1") == "KAIST", "the English page")
    shot(browser, "resource-kaist-en")
    browser.get(site + "/id/ai-one-team")  # no ?lang: the cookie decides
    assert browser.find_element(By.TAG_NAME, "html").get_attribute("lang") == "en"
    browser.get(site + "/id/ai-one-team?lang=ko")
    browser.get(site + "/id/kt")
    assert browser.find_element(By.TAG_NAME, "html").get_attribute("lang") == "ko"
    browser.delete_all_cookies()


def test_network_picture_is_drawn(browser: Any, site: str) -> None:
    from selenium.webdriver.common.by import By

    browser.get(site + "/network?lang=en")
    svg = browser.find_element(By.CSS_SELECTOR, "figure svg.network")
    assert svg.size["width"] > 300 and svg.size["height"] > 300
    circles = browser.find_elements(By.CSS_SELECTOR, "svg.network circle")
    assert len(circles) == 5
    boxes = [browser.execute_script("const b = arguments[0].getBBox(); return [b.width, b.height]", c) for c in circles]
    assert all(w > 0 and h > 0 for w, h in boxes)
    shared = browser.find_elements(By.CSS_SELECTOR, "svg.network .node-shared circle")
    colour = browser.execute_script("return getComputedStyle(arguments[0]).fill", shared[0])
    assert colour == "rgb(194, 65, 12)"  # shared organizations stand out in orange
    shot(browser, "network")


def test_editor_runs_a_query_and_shows_rows_without_leaving_the_host(browser: Any, site: str) -> None:
    from selenium.webdriver.common.by import By

    requested_urls(browser)  # forget earlier pages
    browser.get(site + "/editor")
    wait_for(lambda: browser.find_elements(By.CSS_SELECTOR, ".yasqe .CodeMirror"), "the YASGUI editor")
    assert not browser.find_element(By.ID, "plain-editor").is_displayed()
    tabs = [t.text for t in browser.find_elements(By.CSS_SELECTOR, ".tabsList .tab")]
    assert "consortium-members" in " ".join(tabs)
    browser.find_element(By.CSS_SELECTOR, ".yasqe_queryButton").click()
    rows = wait_for(lambda: browser.find_elements(By.CSS_SELECTOR, ".yasr table tbody tr"), "result rows")
    assert len(rows) == 2 and "AI One Team" in rows[0].text
    shot(browser, "editor-results")
    browser.find_element(By.XPATH, "//*[contains(@class, 'tab')]/a[contains(., 'consortium-members')]").click()
    wait_for(
        lambda: "?_consortium_iri ot:hasMember" in browser.execute_script(
            "return document.querySelector('.tabPanel.active .CodeMirror').CodeMirror.getValue()"),
        "the saved query in its tab",
    )
    shot(browser, "editor-saved-query-tab", full=False)
    outside = [u for u in requested_urls(browser) if not u.startswith((site, "data:", "blob:", "about:"))]
    assert outside == [], f"the editor fetched from other hosts: {outside}"


def test_saved_query_form_returns_results(browser: Any, site: str) -> None:
    from selenium.webdriver.common.by import By

    browser.get(site + "/queries/consortium-members?lang=en")
    field = browser.find_element(By.ID, "param-consortium")
    field.send_keys("ai-one-team")
    browser.find_element(By.CSS_SELECTOR, "form.query-form button[type=submit]").click()
    rows = wait_for(lambda: browser.find_elements(By.CSS_SELECTOR, "table.results tbody tr"), "result rows")
    assert [r.find_elements(By.TAG_NAME, "td")[2].text for r in rows] == ["Hanyang University", "KAIST", "KT"]
    shot(browser, "saved-query-results")


def test_pages_fit_a_phone_screen(browser: Any, site: str) -> None:
    try:
        browser.set_window_size(390, 844)
        for path, name in (("/?lang=ko", "phone-home-ko"), ("/id/ai-one-team?lang=ko", "phone-one-team-ko")):
            browser.get(site + path)
            overflow = browser.execute_script(
                "return document.documentElement.scrollWidth - document.documentElement.clientWidth"
            )
            assert overflow <= 0, f"{path} scrolls sideways by {overflow}px on a phone"
            SHOTS.mkdir(parents=True, exist_ok=True)
            browser.save_screenshot(str(SHOTS / f"{name}.png"))
    finally:
        browser.set_window_size(1280, 900)


def test_real_data_ai_one_team_page(browser: Any, server: Server) -> None:
    browser.get(server.base + "/id/ai-one-team?lang=ko")
    assert text_of(browser, "h1") == "AI 원팀"
    assert "KT" in text_of(browser, "#members + .groups")
    shot(browser, "real-ai-one-team-ko")
    browser.get(server.base + "/network?lang=en")
    shot(browser, "real-network")
    browser.get(server.base + "/?lang=en")
    shot(browser, "real-home")
    browser.delete_all_cookies()
