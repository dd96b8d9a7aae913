"""Acceptance audit: protocol edge cases the other suites did not reach (SPARQL 1.1 Protocol,
Graph Store Protocol, RFC 9110), each checked end to end on a real server."""

from __future__ import annotations

from conftest import Server

SELECT = {"query": "SELECT ?s WHERE { ?s ?p ?o } LIMIT 1"}


# -- RFC 9110 §5.2-5.3: a list field sent as several lines is one comma-joined list ------


def test_accept_split_over_two_header_lines_is_one_list(small: Server) -> None:
    response = small.client.get("/sparql", params=SELECT, headers=[("Accept", "text/html"), ("Accept", "text/csv")])
    assert response.status_code == 200, response.text
    assert response.headers["content-type"].startswith("text/csv")


def test_accept_lines_keep_their_weights_across_lines(small: Server) -> None:
    headers = [("Accept", "text/csv;q=0.1"), ("Accept", "application/sparql-results+xml")]
    response = small.client.get("/sparql", params=SELECT, headers=headers)
    assert response.headers["content-type"] == "application/sparql-results+xml"


def test_accept_split_over_two_lines_on_the_service_description(small: Server) -> None:
    response = small.client.get("/sparql", headers=[("Accept", "image/png"), ("Accept", "application/n-triples")])
    assert response.status_code == 200, response.text
    assert response.headers["content-type"].startswith("application/n-triples")


def test_accept_split_over_two_lines_on_the_void_description(small: Server) -> None:
    response = small.client.get("/.well-known/void", headers=[("Accept", "image/png"), ("Accept", "text/turtle")])
    assert response.status_code == 200, response.text
    assert response.headers["content-type"].startswith("text/turtle")


def test_if_none_match_split_over_two_lines_matches_the_second(small: Server) -> None:
    tag = small.client.get("/sparql", params=SELECT).headers["etag"]
    response = small.client.get("/sparql", params=SELECT, headers=[("If-None-Match", '"other"'), ("If-None-Match", tag)])
    assert response.status_code == 304
