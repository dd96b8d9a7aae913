"""Acceptance audit of writes: cases of SPARQL Update and the Graph Store Protocol found missing."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest

from conftest import Server
from sparql_support import TOKEN, update, write_root

G = "http://example.org/g"
MISSING = "http://example.org/missing"
INSERT = f"INSERT DATA {{ GRAPH <{G}> {{ <http://example.org/a> <http://example.org/p> 1 }} }}"


@pytest.fixture
def writable(make_server: Callable[..., Server], tmp_path: Path) -> Server:
    """A server that takes updates with TOKEN, on an on-disk store of its own."""
    return make_server("--update-token", TOKEN, root=write_root(tmp_path / "root"))


def dump(server: Server) -> list[str]:
    """Every quad of the store, sorted: the whole state a failed write must leave alone."""
    response = server.client.get("/store", headers={"Accept": "application/n-quads"})
    assert response.status_code == 200
    return sorted(response.text.splitlines())


@pytest.mark.parametrize("operation", [
    f"COPY GRAPH <{MISSING}> TO GRAPH <http://example.org/to>",
    f"COPY <{MISSING}> TO DEFAULT",
    f"ADD GRAPH <{MISSING}> TO GRAPH <http://example.org/to>",
    f"ADD <{MISSING}> TO DEFAULT",
    "PREFIX ex: <http://example.org/> ADD ex:missing TO ex:to",
])
def test_copy_or_add_of_a_missing_graph_fails_and_changes_nothing(writable: Server, operation: str) -> None:
    # SPARQL 1.1 Update §3.2.3-3.2.5: without SILENT a missing source graph is an error (the W3C
    # update-silent tests list COPY and ADD among the operations that fail), as MOVE already was.
    before = dump(writable)
    response = update(writable, f"{INSERT} ; {operation}")
    assert response.status_code == 400, response.text
    assert "does not exist" in response.json()["error"]
    assert dump(writable) == before


@pytest.mark.parametrize("operation", [
    f"COPY SILENT GRAPH <{MISSING}> TO GRAPH <http://example.org/to>",
    f"ADD SILENT <{MISSING}> TO DEFAULT",
])
def test_copy_or_add_silent_of_a_missing_graph_succeeds(writable: Server, operation: str) -> None:
    assert update(writable, operation).status_code == 204


def test_copy_of_a_graph_created_earlier_in_the_same_request_succeeds(writable: Server) -> None:
    response = update(writable, f"CREATE GRAPH <{MISSING}> ; {INSERT} ; COPY <{G}> TO <http://example.org/to> ; "
                                f"ADD <{MISSING}> TO <http://example.org/to2>")
    assert response.status_code == 204, response.text
    for graph in (G, "http://example.org/to"):
        got = writable.client.get("/store", params={"graph": graph}, headers={"Accept": "application/n-triples"})
        assert got.text.strip() == "<http://example.org/a> <http://example.org/p> \"1\"^^<http://www.w3.org/2001/XMLSchema#integer> ."
    # The existence check leaves the source graph as it was, even an empty one.
    assert writable.client.get("/store", params={"graph": MISSING}).status_code == 200
    assert "urn:onteam:scratch:" not in "\n".join(dump(writable))


def test_syntax_error_after_a_copy_is_reported_where_the_client_wrote_it(writable: Server) -> None:
    response = update(writable, f"{INSERT} ;\nCOPY <{G}> TO <http://example.org/to> ; INSERT DATA {{ <urn:a> <urn:b> }}")
    assert response.status_code == 400
    assert (response.json()["line"], response.json()["column"]) == (2, 88)
