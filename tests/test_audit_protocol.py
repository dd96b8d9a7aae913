"""Acceptance audit: protocol edge cases the other suites did not reach (SPARQL 1.1 Protocol,
Graph Store Protocol, RFC 9110), each checked end to end on a real server."""

from __future__ import annotations

import gzip
from collections.abc import Callable

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


# -- RFC 9110 §8.4, §15.5.16: a body in a content coding the server does not decode ----------


def test_gzip_encoded_query_body_is_415_naming_identity(small: Server) -> None:
    response = small.client.post(
        "/sparql",
        content=gzip.compress(b"ASK {}"),
        headers={"Content-Type": "application/sparql-query", "Content-Encoding": "gzip"},
    )
    assert response.status_code == 415, response.text
    assert response.headers["accept-encoding"] == "identity"
    assert "Content-Encoding" in response.json()["error"]


def test_graph_put_with_unknown_content_coding_is_415_and_writes_nothing(make_server: Callable[..., Server]) -> None:
    server = make_server("--memory", "--update-token", "t0k")
    graph = "https://example.org/graph/encoded"
    response = server.client.put(
        "/store",
        params={"graph": graph},
        content=b'<https://example.org/s> <https://example.org/p> "o" .',
        headers={"Content-Type": "application/n-triples", "Content-Encoding": "br", "Authorization": "Bearer t0k"},
    )
    assert response.status_code == 415, response.text
    assert server.client.get("/store", params={"graph": graph}).status_code == 404


def test_identity_content_coding_is_accepted(small: Server) -> None:
    response = small.client.post(
        "/sparql",
        content=b"ASK {}",
        headers={"Content-Type": "application/sparql-query", "Content-Encoding": "identity"},
    )
    assert response.status_code == 200, response.text


# -- RFC 9110 §15.5.6: a 405 lists the methods the resource supports ---------------------


def test_put_on_a_static_file_is_405_allowing_get_and_head(small: Server) -> None:
    assert small.client.get("/static/site.css").status_code == 200
    response = small.client.put("/static/site.css", content=b"body { }")
    assert response.status_code == 405
    assert response.headers["allow"] == "GET, HEAD"


# -- CORS: a browser page can read why a request was refused before the application ------


def test_url_too_long_refusal_carries_cors_headers(small: Server) -> None:
    query = "ASK {}" + " " * 20_000
    response = small.client.get("/sparql", params={"query": query}, headers={"Origin": "https://yasgui.example"})
    assert response.status_code == 414
    assert response.headers["access-control-allow-origin"] == "*"
    assert "origin" in response.headers["vary"].lower()


def test_encoded_body_refusal_carries_cors_headers(small: Server) -> None:
    response = small.client.post(
        "/sparql",
        content=gzip.compress(b"ASK {}"),
        headers={"Origin": "https://yasgui.example", "Content-Type": "application/sparql-query", "Content-Encoding": "gzip"},
    )
    assert response.status_code == 415
    assert response.headers["access-control-allow-origin"] == "*"


# -- RFC 9110 §13.1.1, §13.1.4: an origin server evaluates If-Match and If-Unmodified-Since --


def test_query_get_with_stale_if_match_is_412(small: Server) -> None:
    response = small.client.get("/sparql", params=SELECT, headers={"If-Match": '"stale"'})
    assert response.status_code == 412, response.text


def test_query_get_with_current_if_match_is_200(small: Server) -> None:
    tag = small.client.get("/sparql", params=SELECT).headers["etag"]
    response = small.client.get("/sparql", params=SELECT, headers={"If-Match": tag})
    assert response.status_code == 200, response.text


def test_void_with_if_unmodified_since_before_the_last_write_is_412(small: Server) -> None:
    response = small.client.get("/.well-known/void", headers={"If-Unmodified-Since": "Sat, 01 Jan 2000 00:00:00 GMT"})
    assert response.status_code == 412, response.text


def test_service_description_with_stale_if_match_is_412(small: Server) -> None:
    response = small.client.get("/sparql", headers={"If-Match": 'W/"stale"'})
    assert response.status_code == 412, response.text


# -- RFC 9110 §9.3.2: HEAD answers as GET would, status included --------------------------


def test_head_of_rdf_xml_that_get_refuses_is_also_406(make_server: Callable[..., Server]) -> None:
    server = make_server("--memory", "--update-token", "t0k")
    graph = "https://example.org/graph/digits"
    created = server.client.put(
        "/store",
        params={"graph": graph},
        content=b'<https://example.org/s> <https://example.org/1> "o" .',
        headers={"Content-Type": "application/n-triples", "Authorization": "Bearer t0k"},
    )
    assert created.status_code == 201
    xml = {"Accept": "application/rdf+xml"}
    construct = {"query": "CONSTRUCT WHERE { ?s <https://example.org/1> ?o }"}
    assert server.client.get("/sparql", params=construct, headers=xml).status_code == 406
    assert server.client.head("/sparql", params=construct, headers=xml).status_code == 406
    assert server.client.get("/store", params={"graph": graph}, headers=xml).status_code == 406
    assert server.client.head("/store", params={"graph": graph}, headers=xml).status_code == 406


def test_cors_preflight_allows_every_conditional_request_header(small: Server) -> None:
    # A page of another origin may revalidate or guard a read with any of the four conditions.
    wanted = "if-match, if-unmodified-since, if-none-match, if-modified-since"
    response = small.client.options(
        "/sparql",
        headers={"Origin": "https://yasgui.example", "Access-Control-Request-Method": "GET", "Access-Control-Request-Headers": wanted},
    )
    assert response.status_code == 200, response.text
    allowed = {h.strip().lower() for h in response.headers["access-control-allow-headers"].split(",")}
    assert set(wanted.split(", ")) <= allowed
