"""A repeated saved-query call reads nothing from the store, and the call after a write reads it again.

A call reads the store for its answer, for the allowed values of a parameter whose enumeration
is a query, and (paginated queries) for the row count behind the Link header. All three are
kept in the result cache under the store's generation; /metrics counts the lookups.
"""

from __future__ import annotations

import re
from collections.abc import Iterator

import pytest
from conftest import Server, start_server, write_project
from prometheus_client.parser import text_string_to_metric_families

TOKEN = "cache-test-token"
DATA = """
@prefix ot: <https://w3id.org/onteam/ontology#> .
@prefix id: <https://w3id.org/onteam/id/> .
@prefix rdfs: <http://www.w3.org/2000/01/rdf-schema#> .
id:ai-one-team a ot:Consortium ; rdfs:label "AI One Team"@en ; ot:hasMember id:kt , id:kaist .
id:kt a ot:Organization ; rdfs:label "KT"@en .
id:kaist a ot:Organization ; rdfs:label "KAIST"@en .
"""
PREFIXES = "PREFIX ot: <https://w3id.org/onteam/ontology#>\nPREFIX rdfs: <http://www.w3.org/2000/01/rdf-schema#>\n"
QUERIES = {
    "labels": "#+ pagination: 2\n" + PREFIXES + "SELECT ?s ?label WHERE { ?s rdfs:label ?label } ORDER BY ?s\n",
    "members": (
        "#+ enumerate:\n#+   consortium: |\n"
        "#+     SELECT ?c WHERE { ?c a <https://w3id.org/onteam/ontology#Consortium> }\n"
        + PREFIXES
        + "SELECT ?_consortium_iri ?org WHERE { ?_consortium_iri ot:hasMember ?org } ORDER BY ?org\n"
    ),
}
ID = "https://w3id.org/onteam/id/"


@pytest.fixture
def api(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    """A writable server over the small graph and the two saved queries (fresh per test)."""
    root = write_project(tmp_path_factory.mktemp("cache-root"), DATA, queries=QUERIES)
    running = start_server(tmp_path_factory.mktemp("cache"), "--memory", "--update-token", TOKEN, root=root)
    yield running
    running.stop()


def lookups(server: Server) -> dict[str, float]:
    """The result cache's hits and misses so far, from /metrics."""
    text = server.client.get("/metrics").text
    family = next(f for f in text_string_to_metric_families(text) if f.name == "onteam_result_cache_lookups")
    return {s.labels["outcome"]: s.value for s in family.samples if s.name.endswith("_total")}


def update(server: Server, text: str) -> None:
    response = server.client.post(
        "/sparql", content=PREFIXES + text, headers={"Content-Type": "application/sparql-update", "Authorization": f"Bearer {TOKEN}"}
    )
    assert response.status_code == 204, response.text


def last_page(response) -> str:  # type: ignore[no-untyped-def]
    assert response.status_code == 200, response.text
    match = re.search(r'<[^>]*[?&]page=(\d+)>; rel="last"', response.headers["link"])
    assert match, response.headers["link"]
    return match.group(1)


def test_repeated_paginated_call_finds_its_answer_and_its_row_count_in_the_cache(api: Server) -> None:
    first = api.client.get("/api/labels")
    before = lookups(api)
    again = api.client.get("/api/labels")
    after = lookups(api)
    assert again.headers["onteam-cache"] == "hit"
    assert again.headers["link"] == first.headers["link"]
    assert after["hit"] - before["hit"] == 2  # the answer and the count behind Link: rel="last"
    assert after["miss"] == before["miss"]


def test_repeated_call_finds_a_query_enumeration_in_the_cache(api: Server) -> None:
    params = {"consortium": ID + "ai-one-team"}
    assert api.client.get("/api/members", params=params).status_code == 200
    before = lookups(api)
    assert api.client.get("/api/members", params=params).headers["onteam-cache"] == "hit"
    after = lookups(api)
    assert after["hit"] - before["hit"] == 2  # the enumeration and the answer
    assert after["miss"] == before["miss"]


def test_the_last_page_moves_with_a_write(api: Server) -> None:
    assert last_page(api.client.get("/api/labels")) == "2"  # 3 labels, 2 per page
    update(api, 'INSERT DATA { GRAPH <https://w3id.org/onteam/graph/extra> { <https://w3id.org/onteam/id/etri> rdfs:label "ETRI"@en , "한국전자통신연구원"@ko } }')
    response = api.client.get("/api/labels")
    assert response.headers.get("onteam-cache") != "hit"
    assert last_page(response) == "3"


def test_a_value_a_write_adds_to_a_query_enumeration_is_accepted_at_once(api: Server) -> None:
    params = {"consortium": ID + "cloud-one-team"}
    refused = api.client.get("/api/members", params=params)
    assert refused.status_code == 400 and "consortium" in refused.json()["error"]
    update(api, "INSERT DATA { GRAPH <https://w3id.org/onteam/graph/extra> { <https://w3id.org/onteam/id/cloud-one-team> a ot:Consortium ; ot:hasMember <https://w3id.org/onteam/id/kt> } }")
    accepted = api.client.get("/api/members", params=params)
    assert accepted.status_code == 200, accepted.text
    assert [row["org"]["value"] for row in accepted.json()["results"]["bindings"]] == [ID + "kt"]
    listed = next(q for q in api.client.get("/api").json()["queries"] if q["name"] == "members")
    assert listed["parameters"][0]["enum"] == [ID + "ai-one-team", ID + "cloud-one-team"]


def test_without_a_cache_every_call_reads_the_store(tmp_path_factory: pytest.TempPathFactory) -> None:
    root = write_project(tmp_path_factory.mktemp("nocache-root"), DATA, queries=QUERIES)
    running = start_server(tmp_path_factory.mktemp("nocache"), "--memory", root=root, env={"ONTEAM_RESULT_CACHE_MB": "0"})
    try:
        first = running.client.get("/api/labels")
        before = lookups(running)
        again = running.client.get("/api/labels")
        assert "onteam-cache" not in again.headers
        assert again.headers["link"] == first.headers["link"]
        assert lookups(running)["hit"] == before["hit"]
    finally:
        running.stop()
