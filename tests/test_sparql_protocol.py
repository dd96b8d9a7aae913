"""SPARQL 1.1 Protocol over HTTP: methods, parameters, status codes, HEAD, CORS, ETag, gzip."""

from __future__ import annotations

import gzip

import httpx
import pytest

from conftest import Server

COUNT_QUERY = "SELECT (COUNT(*) AS ?n) WHERE { ?s ?p ?o }"



def _count(response: httpx.Response) -> int:
    assert response.status_code == 200, response.text
    return int(response.json()["results"]["bindings"][0]["n"]["value"])


def test_query_by_get(small: Server) -> None:
    assert _count(small.client.get("/sparql", params={"query": COUNT_QUERY})) > 0


def test_query_by_form_post(small: Server) -> None:
    response = small.client.post("/sparql", data={"query": COUNT_QUERY})
    assert _count(response) > 0


def test_query_by_direct_post(small: Server) -> None:
    response = small.client.post(
        "/sparql", content=COUNT_QUERY.encode(), headers={"Content-Type": "application/sparql-query"}
    )
    assert _count(response) > 0


def test_direct_post_with_charset_parameter(small: Server) -> None:
    response = small.client.post(
        "/sparql",
        content='SELECT (COUNT(*) AS ?n) WHERE { ?s ?p "케이티"@ko }'.encode(),
        headers={"Content-Type": "application/sparql-query; charset=UTF-8"},
    )
    assert _count(response) == 1


def test_form_post_with_non_ascii_query(small: Server) -> None:
    response = small.client.post("/sparql", data={"query": 'SELECT (COUNT(*) AS ?n) WHERE { ?s ?p "카이스트"@ko }'})
    assert _count(response) == 1


def test_all_three_methods_agree(small: Server) -> None:
    query = "SELECT ?s WHERE { ?s a <https://w3id.org/onteam/ontology#Organization> } ORDER BY ?s"
    by_get = small.client.get("/sparql", params={"query": query}).json()
    by_form = small.client.post("/sparql", data={"query": query}).json()
    by_body = small.client.post(
        "/sparql", content=query.encode(), headers={"Content-Type": "application/sparql-query"}
    ).json()
    assert by_get == by_form == by_body
    assert len(by_get["results"]["bindings"]) == 3


def test_post_unknown_content_type_is_415(small: Server) -> None:
    response = small.client.post("/sparql", content=COUNT_QUERY.encode(), headers={"Content-Type": "text/plain"})
    assert response.status_code == 415
    body = response.json()
    assert body["ok"] is False and body["status"] == 415
    assert "application/sparql-query" in body["error"]


def test_post_without_content_type_is_415(small: Server) -> None:
    response = small.client.post("/sparql", content=COUNT_QUERY.encode())
    assert response.status_code == 415


def test_post_json_body_is_415(small: Server) -> None:
    response = small.client.post("/sparql", json={"query": COUNT_QUERY})
    assert response.status_code == 415


def test_repeated_query_parameter_is_400(small: Server) -> None:
    response = small.client.get("/sparql", params=[("query", COUNT_QUERY), ("query", COUNT_QUERY)])
    assert response.status_code == 400
    assert "'query'" in response.json()["error"]


def test_query_in_url_and_form_body_is_400(small: Server) -> None:
    response = small.client.post("/sparql", params={"query": COUNT_QUERY}, data={"query": COUNT_QUERY})
    assert response.status_code == 400


def test_query_in_url_of_direct_post_is_400(small: Server) -> None:
    response = small.client.post(
        "/sparql",
        params={"query": COUNT_QUERY},
        content=COUNT_QUERY.encode(),
        headers={"Content-Type": "application/sparql-query"},
    )
    assert response.status_code == 400


def test_form_post_without_query_is_400(small: Server) -> None:
    response = small.client.post("/sparql", data={"default-graph-uri": "http://example.org/g"})
    assert response.status_code == 400
    assert "Missing" in response.json()["error"]


def test_get_with_params_but_no_query_is_400(small: Server) -> None:
    response = small.client.get("/sparql", params={"default-graph-uri": "http://example.org/g"})
    assert response.status_code == 400


def test_invalid_utf8_direct_body_is_400(small: Server) -> None:
    response = small.client.post(
        "/sparql", content=b"SELECT * WHERE { ?s ?p \"\xff\xfe\" }", headers={"Content-Type": "application/sparql-query"}
    )
    assert response.status_code == 400
    assert "UTF-8" in response.json()["error"] or "utf-8" in response.json()["error"]


def test_invalid_utf8_in_percent_encoded_form_is_400(small: Server) -> None:
    response = small.client.post(
        "/sparql", content=b"query=SELECT%20%FF%FE", headers={"Content-Type": "application/x-www-form-urlencoded"}
    )
    assert response.status_code == 400
    assert "UTF-8" in response.json()["error"]


def test_invalid_utf8_in_url_query_is_400(small: Server) -> None:
    response = small.client.get("/sparql?query=SELECT%20%FF")
    assert response.status_code == 400


def test_unknown_charset_is_415(small: Server) -> None:
    response = small.client.post(
        "/sparql", content=COUNT_QUERY.encode(), headers={"Content-Type": "application/sparql-query; charset=klingon"}
    )
    assert response.status_code == 415


def test_syntax_error_is_400_with_line_and_column(small: Server) -> None:
    response = small.client.get("/sparql", params={"query": "SELECT ?s\nWHERE { ?s ?p }"})
    assert response.status_code == 400
    body = response.json()
    assert body["line"] == 2
    assert body["column"] >= 1
    assert "syntax error" in body["error"]


def test_unknown_function_is_400_json(small: Server) -> None:
    response = small.client.get("/sparql", params={"query": "SELECT (<http://example.org/f>(1) AS ?x) WHERE {}"})
    assert response.status_code == 400
    assert response.headers["content-type"] == "application/json"
    assert "not supported" in response.json()["error"]


def test_service_is_refused(small: Server) -> None:
    response = small.client.get(
        "/sparql", params={"query": "SELECT * WHERE { SERVICE <http://127.0.0.1:9/sparql> { ?s ?p ?o } }"}
    )
    assert response.status_code == 403  # not allow-listed (limits.check_federation)
    assert response.json()["endpoint"] == "http://127.0.0.1:9/sparql"


def test_variable_named_service_is_not_refused(small: Server) -> None:
    response = small.client.get("/sparql", params={"query": 'SELECT ?service WHERE { BIND("SERVICE" AS ?service) }'})
    assert response.status_code == 200


def test_update_via_get_is_400(small: Server) -> None:
    response = small.client.get("/sparql", params={"update": "CLEAR ALL"})
    assert response.status_code == 400
    assert "POST" in response.json()["error"]


def test_query_and_update_together_is_400(small: Server) -> None:
    response = small.client.post("/sparql", data={"query": COUNT_QUERY, "update": "CLEAR ALL"})
    assert response.status_code == 400
    assert "both" in response.json()["error"]


def test_head_has_get_headers_and_no_body(small: Server) -> None:
    params = {"query": COUNT_QUERY}
    got = small.client.get("/sparql", params=params)
    head = small.client.head("/sparql", params=params)
    assert head.status_code == 200
    assert head.content == b""
    assert head.headers["content-type"] == got.headers["content-type"]
    assert head.headers["etag"] == got.headers["etag"]


def test_head_of_construct_has_turtle_type(small: Server) -> None:
    head = small.client.head("/sparql", params={"query": "CONSTRUCT WHERE { ?s ?p ?o }"})
    assert head.status_code == 200
    assert head.headers["content-type"].startswith("text/turtle")


def test_head_with_syntax_error_is_400(small: Server) -> None:
    assert small.client.head("/sparql", params={"query": "SELECT"}).status_code == 400


def test_options_lists_allowed_methods(small: Server) -> None:
    response = small.client.options("/sparql")
    assert response.status_code == 204
    assert set(response.headers["allow"].replace(" ", "").split(",")) >= {"GET", "POST", "HEAD", "OPTIONS"}


def test_cors_headers_on_query_results(small: Server) -> None:
    response = small.client.get("/sparql", params={"query": COUNT_QUERY}, headers={"Origin": "https://a.example"})
    assert response.headers["access-control-allow-origin"] == "*"
    exposed = response.headers["access-control-expose-headers"].lower()
    assert "etag" in exposed and "last-modified" in exposed
    assert "access-control-allow-credentials" not in response.headers


def test_etag_and_last_modified_on_results(small: Server) -> None:
    response = small.client.get("/sparql", params={"query": COUNT_QUERY})
    assert response.headers["etag"].startswith('W/"')
    assert response.headers["last-modified"].endswith("GMT")
    assert "Accept" in response.headers["vary"]


def test_if_modified_since_the_last_modified_date_is_304(small: Server) -> None:
    params = {"query": COUNT_QUERY}
    first = small.client.get("/sparql", params=params)
    response = small.client.get("/sparql", params=params, headers={"If-Modified-Since": first.headers["last-modified"]})
    assert response.status_code == 304
    assert response.content == b""
    assert response.headers["last-modified"] == first.headers["last-modified"]


@pytest.mark.parametrize(
    "since",
    [
        "Thu, 01 Jan 1970 00:00:00 GMT",  # before the store last changed
        "Fri, 31 Dec 9999 23:59:59 GMT",  # in the future: ignored
        "yesterday",  # not a date: ignored
    ],
)
def test_if_modified_since_that_does_not_hold_is_200(small: Server, since: str) -> None:
    response = small.client.get("/sparql", params={"query": COUNT_QUERY}, headers={"If-Modified-Since": since})
    assert response.status_code == 200
    assert response.json()["results"]["bindings"]


def test_if_none_match_wins_over_if_modified_since(small: Server) -> None:
    params = {"query": COUNT_QUERY}
    last_modified = small.client.get("/sparql", params=params).headers["last-modified"]
    headers = {"If-None-Match": 'W/"other"', "If-Modified-Since": last_modified}
    assert small.client.get("/sparql", params=params, headers=headers).status_code == 200


def test_if_modified_since_on_post_is_ignored(small: Server) -> None:
    last_modified = small.client.get("/sparql", params={"query": COUNT_QUERY}).headers["last-modified"]
    response = small.client.post("/sparql", data={"query": COUNT_QUERY}, headers={"If-Modified-Since": last_modified})
    assert response.status_code == 200


def test_matching_if_none_match_is_304(small: Server) -> None:
    params = {"query": COUNT_QUERY}
    etag = small.client.get("/sparql", params=params).headers["etag"]
    response = small.client.get("/sparql", params=params, headers={"If-None-Match": etag})
    assert response.status_code == 304
    assert response.content == b""
    assert response.headers["etag"] == etag


def test_if_none_match_of_other_query_is_200(small: Server) -> None:
    etag = small.client.get("/sparql", params={"query": COUNT_QUERY}).headers["etag"]
    response = small.client.get("/sparql", params={"query": "ASK {}"}, headers={"If-None-Match": etag})
    assert response.status_code == 200


def test_etag_differs_by_accept(small: Server) -> None:
    params = {"query": COUNT_QUERY}
    as_json = small.client.get("/sparql", params=params).headers["etag"]
    as_csv = small.client.get("/sparql", params=params, headers={"Accept": "text/csv"}).headers["etag"]
    assert as_json != as_csv


def test_gzip_when_accepted(small: Server) -> None:
    query = "SELECT * WHERE { ?s ?p ?o }"
    with httpx.Client(base_url=small.base) as raw:
        request = raw.build_request("GET", "/sparql", params={"query": query}, headers={"Accept-Encoding": "gzip"})
        response = raw.send(request, stream=True)
        compressed = b"".join(response.iter_raw())
        response.close()
    assert response.headers["content-encoding"] == "gzip"
    assert "Accept-Encoding" in response.headers["vary"]
    plain = small.client.get("/sparql", params={"query": query}, headers={"Accept-Encoding": "identity"})
    assert "content-encoding" not in plain.headers
    assert gzip.decompress(compressed) == plain.content


def test_no_gzip_without_accept_encoding(small: Server) -> None:
    response = small.client.get(
        "/sparql", params={"query": "SELECT * WHERE { ?s ?p ?o }"}, headers={"Accept-Encoding": "identity"}
    )
    assert "content-encoding" not in response.headers


def test_health_still_answers(small: Server) -> None:
    assert small.client.get("/health").json() == {"status": "ok"}


# -- the service's base IRI ------------------------------------------------------------


def test_relative_iri_in_a_query_resolves_against_the_endpoint_iri(small: Server) -> None:
    query = "SELECT ?l WHERE { <id/kaist> <http://www.w3.org/2000/01/rdf-schema#label> ?l }"
    response = small.client.get("/sparql", params={"query": query})
    assert response.status_code == 200, response.text
    labels = {row["l"]["value"] for row in response.json()["results"]["bindings"]}
    assert labels == {"KAIST", "카이스트"}


def test_iri_function_resolves_against_the_endpoint_iri(small: Server) -> None:
    response = small.client.get("/sparql", params={"query": 'SELECT (IRI("id/kt") AS ?i) WHERE {}'})
    assert response.json()["results"]["bindings"] == [{"i": {"type": "uri", "value": "https://w3id.org/onteam/id/kt"}}]


def test_a_query_base_wins_over_the_endpoint_iri(small: Server) -> None:
    query = 'BASE <http://example.org/a/> SELECT (IRI("b") AS ?i) WHERE {}'
    response = small.client.get("/sparql", params={"query": query})
    assert response.json()["results"]["bindings"][0]["i"]["value"] == "http://example.org/a/b"
