"""HTML error pages for browsers (server/errorpages.py): a wrong link on a page path gives a
404 page in the reader's language; every other client, and every machine endpoint, keeps the
common JSON error body."""

from __future__ import annotations

import re
from collections.abc import Iterator

import httpx
import pytest
from conftest import Server

from server.errorpages import is_machine_path, prefers_html

BROWSER = "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8"
FIREFOX = "text/html,application/xhtml+xml,application/xml;q=0.9,image/avif,image/webp,*/*;q=0.8"


def html_lang(text: str) -> str | None:
    found = re.search(r'<html lang="([^"]+)"', text)
    return found.group(1) if found else None


# ---- the negotiation rule (unit) ----


@pytest.mark.parametrize("accept", [BROWSER, FIREFOX, "text/html", "application/xhtml+xml", "text/html, application/json;q=0.5"])
def test_browser_accept_prefers_html(accept: str) -> None:
    assert prefers_html(accept)


@pytest.mark.parametrize(
    "accept",
    [
        None,
        "",
        "*/*",
        "text/*",
        "application/json",
        "application/json, text/html",  # equal: JSON stays
        "text/html;q=0.5, application/json",
        "text/html, */*",  # */* covers JSON at the same q
        "text/html, application/sparql-results+json",
        "text/html;q=0.9, text/turtle",
        "text/html, application/ld+json",
        "text/html;q=0",
        "image/png",
    ],
)
def test_other_accept_headers_keep_json(accept: str | None) -> None:
    assert not prefers_html(accept)


@pytest.mark.parametrize(
    "path",
    ["/sparql", "/store", "/graph/x", "/api", "/api/search", "/reconcile/preview", "/.well-known/void",
     "/health", "/ready", "/metrics", "/context.jsonld", "/id/nope", "/ontology", "/ontology.ttl",
     "/ontology/X", "/dataset", "/shapes", "/admin/backup", "/openapi.json", "/sparql/x"],
)
def test_machine_endpoints_are_not_page_paths(path: str) -> None:
    assert is_machine_path(path)


@pytest.mark.parametrize("path", ["/", "/no-such-page", "/browse/typo", "/apis", "/sparqlish", "/timeline/x", "/id"])
def test_other_paths_are_page_paths(path: str) -> None:
    assert not is_machine_path(path)


# ---- end to end ----


@pytest.fixture
def browser(server: Server) -> Iterator[httpx.Client]:
    """A client with its own cookie jar: another test's `?lang=` cookie must not pick the language."""
    with httpx.Client(base_url=server.base, timeout=30) as client:
        yield client


@pytest.mark.parametrize(("lang", "title"), [("en", "Page not found"), ("ko", "페이지를 찾을 수 없음")])
@pytest.mark.parametrize("path", ["/no-such-page", "/browse/typo"])
def test_unknown_path_from_a_browser_is_an_html_404_in_the_readers_language(
    browser: httpx.Client, path: str, lang: str, title: str
) -> None:
    response = browser.get(path, headers={"Accept": BROWSER, "Accept-Language": lang})
    assert response.status_code == 404
    assert response.headers["content-type"].startswith("text/html")
    assert response.headers["content-language"] == lang
    assert html_lang(response.text) == lang
    assert f"<h1>{title}</h1>" in response.text
    assert "404" in response.text and f"<code>{path}</code>" in response.text
    assert 'href="/"' in response.text and 'href="/browse"' in response.text
    assert 'action="/queries/search"' in response.text
    assert "Accept" in [v.strip() for v in response.headers["vary"].split(",")]


def test_lang_parameter_picks_the_error_pages_language(browser: httpx.Client) -> None:
    response = browser.get("/no-such-page?lang=ko", headers={"Accept": BROWSER, "Accept-Language": "en"})
    assert response.status_code == 404
    assert response.headers["content-language"] == "ko" and html_lang(response.text) == "ko"


@pytest.mark.parametrize("accept", ["application/json", "*/*", None, "text/html, application/json"])
def test_unknown_path_for_other_clients_stays_json(server: Server, accept: str | None) -> None:
    headers = {"Accept": accept} if accept is not None else {}
    request = server.client.build_request("GET", "/no-such-page", headers=headers)
    if accept is None:
        del request.headers["accept"]  # httpx sends */* unless told not to
    response = server.client.send(request)
    assert response.status_code == 404
    assert response.headers["content-type"].startswith("application/json")
    assert response.json() == {"ok": False, "error": "Not Found", "status": 404}
    assert "Accept" in [v.strip() for v in response.headers["vary"].split(",")]  # page paths negotiate


@pytest.mark.parametrize("path", ["/api/no-such-query", "/reconcile/nothing", "/.well-known/nothing", "/sparql/nope", "/metrics/x"])
def test_machine_endpoint_404_with_browser_accept_stays_json(server: Server, path: str) -> None:
    response = server.client.get(path, headers={"Accept": BROWSER})
    assert response.status_code == 404
    assert response.headers["content-type"].startswith("application/json")
    assert response.json()["status"] == 404


@pytest.mark.parametrize(("path", "allow"), [("/reconcile/extend", "POST"), ("/admin/backup", "POST")])
def test_machine_endpoint_405_with_browser_accept_stays_json(server: Server, path: str, allow: str) -> None:
    response = server.client.get(path, headers={"Accept": BROWSER})
    assert response.status_code == 405
    assert response.headers["allow"] == allow
    assert response.headers["content-type"].startswith("application/json")
    assert response.json()["status"] == 405


def test_head_of_unknown_path_has_the_status_and_headers_without_a_body(browser: httpx.Client) -> None:
    headers = {"Accept": BROWSER, "Accept-Language": "ko"}
    get = browser.get("/no-such-page", headers=headers)
    head = browser.head("/no-such-page", headers=headers)
    assert head.status_code == get.status_code == 404
    for name in ("content-type", "content-language", "vary", "content-length"):
        assert head.headers[name] == get.headers[name], name
    assert head.headers["content-language"] == "ko"
    assert head.content == b"" and get.content


@pytest.mark.parametrize("lang", ["en", "ko"])
def test_405_on_a_page_path_from_a_browser_form_is_an_html_page_with_allow(browser: httpx.Client, lang: str) -> None:
    response = browser.post(f"/browse?lang={lang}", data={"x": "1"}, headers={"Accept": BROWSER})
    assert response.status_code == 405
    assert response.headers["allow"] == "GET, HEAD"
    assert response.headers["content-type"].startswith("text/html")
    assert response.headers["content-language"] == lang and html_lang(response.text) == lang
    assert "405" in response.text and "<code>POST</code>" in response.text
    assert "<code>GET, HEAD</code>" in response.text and 'href="/"' in response.text


def test_405_on_a_page_path_for_other_clients_stays_json_with_allow(server: Server) -> None:
    response = server.client.post("/browse", content=b"x")
    assert response.status_code == 405
    assert response.headers["allow"] == "GET, HEAD"
    assert response.json() == {"ok": False, "error": "Method Not Allowed", "status": 405}


def test_post_to_unknown_path_from_a_browser_stays_json(server: Server) -> None:
    response = server.client.post("/no-such-page", data={"x": "1"}, headers={"Accept": BROWSER})
    assert response.status_code == 404
    assert response.headers["content-type"].startswith("application/json")


def test_resource_404_keeps_its_own_page(server: Server) -> None:
    response = server.client.get("/id/no-such-thing", headers={"Accept": BROWSER})
    assert response.status_code == 404
    assert "<code>https://w3id.org/onteam/id/no-such-thing</code>" in response.text


def test_korean_405_page_has_no_untranslated_text(browser: httpx.Client) -> None:
    """The i18n crawl only sends GET: the 405 page gets the same check here."""
    from test_web_i18n import LATIN_WORD, TECHNICAL, PageText

    response = browser.post("/timeline?lang=ko", data={"x": "1"}, headers={"Accept": BROWSER})
    assert response.status_code == 405
    page = PageText()
    page.feed(response.text)
    stray = [
        (tag, word)
        for tag, text, tagged in page.texts
        if not tagged
        for word in LATIN_WORD.findall(text)
        if word not in TECHNICAL
    ]
    assert page.texts and not stray
