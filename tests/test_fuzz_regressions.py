"""Regression tests for the bugs the fuzzers (test_fuzz_http.py, test_fuzz_schema.py) found."""

from __future__ import annotations

import pytest

from conftest import Server


@pytest.mark.parametrize("accept", ["text/html", "text/turtle", "application/ld+json"])
@pytest.mark.parametrize("slug", ["%C4%80", "%EC%9B%90%ED%8C%80", "kt%22%3E"])
def test_non_latin1_resource_slug_is_404_not_500(server: Server, slug: str, accept: str) -> None:
    """/id/Ā: the Link and Content-Location headers carried the raw IRI, which latin-1 cannot encode."""
    response = server.client.get(f"/id/{slug}", headers={"Accept": accept})
    assert response.status_code == 404
    link = response.headers["link"]
    assert link.isascii() and 'rel="canonical"' in link
    assert f"/id/{slug}.ttl>" in link


def test_broken_utf8_in_saved_query_url_is_400_not_replaced(server: Server) -> None:
    """parse_qsl turned %FF into U+FFFD: the saved query ran on text the client never sent."""
    response = server.client.get("/api/search?q=%EC%9B%FF")
    assert response.status_code == 400
    assert response.json()["error"] == "Parameter 'q' in the query string is not valid UTF-8: byte 0xec at offset 0"


def test_broken_utf8_in_saved_query_form_is_400_not_replaced(server: Server) -> None:
    response = server.client.post(
        "/api/search", content=b"q=\xff", headers={"Content-Type": "application/x-www-form-urlencoded"}
    )
    assert response.status_code == 400
    assert response.json()["error"] == "Parameter 'q' in the form body is not valid UTF-8: byte 0xff at offset 0"


def test_broken_utf8_in_graph_parameter_is_400_not_a_replaced_graph_name(server: Server) -> None:
    """parse_qsl turned ?graph=urn:x%FF into <urn:x\ufffd>: a write would land in a graph nobody named."""
    response = server.client.get("/store?graph=urn:x%FF")
    assert response.status_code == 400
    assert response.json()["error"] == "Parameter 'graph' in the query string is not valid UTF-8: byte 0xff at offset 5"


def test_broken_utf8_in_direct_graph_path_is_400(server: Server) -> None:
    response = server.client.get("/graph/data/x%FF")
    assert response.status_code == 400
    assert "not valid UTF-8: byte 0xff" in response.json()["error"]
