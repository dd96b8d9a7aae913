"""Acceptance audit of writes: cases of SPARQL Update and the Graph Store Protocol found missing."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from conftest import LoopbackHandler, Server, serve_http
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
    f"MOVE <{G}> TO <{MISSING}> ; DROP GRAPH <{MISSING}> ; COPY <{MISSING}> TO <http://example.org/to>",
])
def test_copy_or_add_of_a_missing_graph_fails_and_changes_nothing(writable: Server, operation: str) -> None:
    # SPARQL 1.1 Update §3.2.3-3.2.5: without SILENT a missing source graph is an error (the W3C
    # update-silent tests list COPY and ADD among the operations that fail), as MOVE already was.
    before = dump(writable)
    response = update(writable, f"{INSERT} ; {operation}")
    assert response.status_code == 400, response.text
    assert "does not exist" in response.json()["error"]
    assert "missing" in response.json()["error"] and "scratch" not in response.json()["error"]
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


@pytest.fixture
def documents() -> Iterator[str]:
    """A local HTTP server for LOAD: /bad.ttl is Turtle cut short, anything else is 404."""

    class Handler(LoopbackHandler):
        def do_GET(self) -> None:
            if self.path == "/bad.ttl":
                self.answer(200, "text/turtle", b'<urn:l> <urn:l> "cut short\n')
            else:
                self.answer(404, "text/plain", b"missing")

    with serve_http(Handler) as origin:
        yield origin


def test_load_of_a_document_that_does_not_parse_blames_the_document(
    make_server: Callable[..., Server], tmp_path: Path, documents: str
) -> None:
    bad = f"{documents}/bad.ttl"
    server = make_server("--update-token", TOKEN, root=write_root(tmp_path / "root"),
                         env={"ONTEAM_SERVICE_ALLOW_LIST": bad})
    before = dump(server)
    response = update(server, f"{INSERT} ; LOAD <{bad}> INTO GRAPH <http://example.org/loaded>")
    assert response.status_code == 400
    error = response.json()["error"]
    # The update itself is fine: the message names the document, not an "Update syntax error".
    assert error.startswith("LOAD failed; nothing was changed:"), error
    assert bad in error
    assert "line" not in response.json()  # positions in the document, not in the update text
    assert dump(server) == before


SCRATCH = "urn:onteam:scratch:mine"


def test_update_into_a_scratch_graph_is_400_as_it_would_be_dropped_on_restart(writable: Server) -> None:
    # Every open drops scratch graphs (what an interrupted load leaves): an acknowledged write
    # into one would vanish at the next start.
    before = dump(writable)
    for text in (f"INSERT DATA {{ GRAPH <{SCRATCH}> {{ <urn:a> <urn:b> <urn:c> }} }}",
                 f"PREFIX s: <urn:onteam:scratch:> {INSERT} ; COPY <{G}> TO s:copy"):
        response = update(writable, text)
        assert response.status_code == 400, response.text
        assert "reserved" in response.json()["error"]
    assert dump(writable) == before


@pytest.mark.parametrize("method", ["PUT", "POST", "DELETE"])
def test_gsp_write_to_a_scratch_graph_is_400(writable: Server, method: str) -> None:
    before = dump(writable)
    response = writable.client.request(
        method, "/store", params={"graph": SCRATCH}, content=b"<urn:a> <urn:b> <urn:c> .",
        headers={"Authorization": f"Bearer {TOKEN}", "Content-Type": "text/turtle"},
    )
    assert response.status_code == 400, response.text
    assert "reserved" in response.json()["error"]
    assert dump(writable) == before
