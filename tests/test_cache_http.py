"""Small answers are served again from the result cache until the next write."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from conftest import Server

DATA = """\
@prefix ot: <https://w3id.org/onteam/ontology#> .
@prefix rdfs: <http://www.w3.org/2000/01/rdf-schema#> .
<https://w3id.org/onteam/id/kt> a ot:Organization ; rdfs:label "KT"@ko, "KT"@en .
"""
COUNT = "SELECT (COUNT(*) AS ?n) WHERE { ?s a <https://w3id.org/onteam/ontology#Organization> }"
TOKEN = "cache-test-token"


def count(server: Server, accept: str = "application/sparql-results+json") -> tuple[int, str | None]:
    response = server.client.get("/sparql", params={"query": COUNT}, headers={"Accept": accept})
    assert response.status_code == 200, response.text
    return int(response.json()["results"]["bindings"][0]["n"]["value"]), response.headers.get("onteam-cache")


def test_a_repeated_query_is_a_cache_hit_with_the_same_answer(
    make_server: Callable[..., Server], make_root: Callable[..., Path]
) -> None:
    server = make_server(root=make_root(DATA))
    assert count(server) == (1, None)
    assert count(server) == (1, "hit")


def test_another_accept_is_another_entry(make_server: Callable[..., Server], make_root: Callable[..., Path]) -> None:
    server = make_server(root=make_root(DATA))
    count(server)
    response = server.client.get("/sparql", params={"query": COUNT}, headers={"Accept": "text/csv"})
    assert response.headers["content-type"].startswith("text/csv")
    assert "onteam-cache" not in response.headers
    assert response.text.splitlines()[1] == "1"


def test_a_write_invalidates_cached_answers(make_server: Callable[..., Server], make_root: Callable[..., Path]) -> None:
    server = make_server("--update-token", TOKEN, root=make_root(DATA))
    count(server)
    assert count(server) == (1, "hit")
    update = server.client.post(
        "/sparql",
        content="INSERT DATA { <https://w3id.org/onteam/id/kaist> a <https://w3id.org/onteam/ontology#Organization> }",
        headers={"Content-Type": "application/sparql-update", "Authorization": f"Bearer {TOKEN}"},
    )
    assert update.status_code == 204, update.text
    assert count(server) == (2, None)
    assert count(server) == (2, "hit")


def test_a_zero_budget_turns_the_cache_off(make_server: Callable[..., Server], make_root: Callable[..., Path]) -> None:
    server = make_server(root=make_root(DATA), env={"ONTEAM_RESULT_CACHE_MB": "0"})
    count(server)
    assert count(server) == (1, None)
