"""The service starts on the real store and answers a SPARQL query over HTTP."""

from __future__ import annotations

from conftest import Server


def test_health_answers(server: Server) -> None:
    response = server.client.get("/health")
    assert response.status_code == 200
    assert response.json()["status"] == "ok"


def test_select_over_get_returns_sparql_json(server: Server) -> None:
    response = server.client.get("/sparql", params={"query": "SELECT (COUNT(*) AS ?n) WHERE { ?s ?p ?o }"})
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("application/sparql-results+json")
    count = int(response.json()["results"]["bindings"][0]["n"]["value"])
    assert count > 0
