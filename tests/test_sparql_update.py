"""SPARQL 1.1 Update at /sparql: who may write, atomicity, durability, USING, cache invalidation."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest
import rdflib
from rdflib.plugins.stores.sparqlstore import SPARQLUpdateStore

from conftest import Server
from sparql_support import DATA_GRAPH, ID, ONTOLOGY_GRAPH, TOKEN, count, select, update, write_root

INSERT = "INSERT DATA { GRAPH <http://example.org/g> { <http://example.org/a> <http://example.org/p> 1 } }"
NEW_TRIPLE = "<http://example.org/a> <http://example.org/p> 1"


@pytest.fixture
def writable(make_server: Callable[..., Server], tmp_path: Path) -> Server:
    """A server that takes updates with TOKEN, on an on-disk store of its own."""
    root = write_root(tmp_path / "root")
    return make_server("--update-token", TOKEN, root=root)


def test_update_by_direct_post_is_204_and_visible(writable: Server) -> None:
    response = update(writable, INSERT)
    assert response.status_code == 204
    assert response.content == b""
    assert count(writable, NEW_TRIPLE) == 1


def test_update_by_form_post(writable: Server) -> None:
    response = writable.client.post("/sparql", data={"update": INSERT}, headers={"Authorization": f"Bearer {TOKEN}"})
    assert response.status_code == 204
    assert count(writable, NEW_TRIPLE) == 1


def test_update_without_token_is_401(writable: Server) -> None:
    response = update(writable, INSERT, token=None)
    assert response.status_code == 401
    assert "Bearer realm=" in response.headers["www-authenticate"]
    assert count(writable, NEW_TRIPLE) == 0


def test_update_with_wrong_token_is_403(writable: Server) -> None:
    response = update(writable, INSERT, token="wrong")
    assert response.status_code == 403
    assert count(writable, NEW_TRIPLE) == 0


def test_update_is_off_by_default_403(make_server: Callable[..., Server], tmp_path: Path) -> None:
    server = make_server(root=write_root(tmp_path / "root"))
    response = update(server, INSERT)
    assert response.status_code == 403
    assert count(server, NEW_TRIPLE) == 0


def test_update_on_read_only_server_is_403(make_server: Callable[..., Server], tmp_path: Path) -> None:
    server = make_server("--update-token", TOKEN, "--read-only", root=write_root(tmp_path / "root"))
    response = update(server, INSERT)
    assert response.status_code == 403
    assert "read-only" in response.json()["error"]
    assert count(server, NEW_TRIPLE) == 0


def test_update_syntax_error_is_400_with_line_and_column(writable: Server) -> None:
    response = update(writable, "INSERT DATA {\n  <http://a> <http://b> }")
    assert response.status_code == 400
    body = response.json()
    assert body["line"] == 2 and body["column"] >= 1


def test_failed_second_operation_undoes_the_first(writable: Server) -> None:
    before = count(writable, "?s ?p ?o")
    # CLEAR of a graph that does not exist fails (no SILENT), after the INSERT ran.
    response = update(writable, INSERT + " ; CLEAR GRAPH <http://example.org/missing>")
    assert response.status_code == 400
    assert "nothing was changed" in response.json()["error"]
    assert count(writable, NEW_TRIPLE) == 0
    assert count(writable, "?s ?p ?o") == before


def test_update_then_query_sees_deletion(writable: Server) -> None:
    assert count(writable, f"<{ID}kt> ?p ?o") > 0
    assert update(writable, f"DELETE WHERE {{ GRAPH ?g {{ <{ID}kt> ?p ?o }} }}").status_code == 204
    assert count(writable, f"<{ID}kt> ?p ?o") == 0


def test_update_changes_etag_of_same_query(writable: Server) -> None:
    params = {"query": "SELECT (COUNT(*) AS ?n) WHERE { ?s ?p ?o }"}
    first = writable.client.get("/sparql", params=params)
    assert update(writable, INSERT).status_code == 204
    again = writable.client.get("/sparql", params=params, headers={"If-None-Match": first.headers["etag"]})
    assert again.status_code == 200
    assert again.headers["etag"] != first.headers["etag"]
    assert again.json() != first.json()


def test_update_via_get_is_400_even_with_token(writable: Server) -> None:
    response = writable.client.get("/sparql", params={"update": INSERT}, headers={"Authorization": f"Bearer {TOKEN}"})
    assert response.status_code == 400
    assert count(writable, NEW_TRIPLE) == 0


def test_update_in_url_of_direct_post_is_400(writable: Server) -> None:
    response = update(writable, INSERT, update=INSERT)
    assert response.status_code == 400
    assert count(writable, NEW_TRIPLE) == 0


def test_invalid_utf8_update_body_is_400(writable: Server) -> None:
    response = writable.client.post(
        "/sparql",
        content=b'INSERT DATA { <http://a> <http://b> "\xc3\x28" }',
        headers={"Content-Type": "application/sparql-update", "Authorization": f"Bearer {TOKEN}"},
    )
    assert response.status_code == 400


def test_service_in_update_is_refused(writable: Server) -> None:
    response = update(writable, "INSERT { ?s ?p ?o } WHERE { SERVICE <http://127.0.0.1:9/sparql> { ?s ?p ?o } }")
    assert response.status_code == 403  # not allow-listed (limits.check_federation)
    assert response.json()["endpoint"] == "http://127.0.0.1:9/sparql"


# -- using-graph-uri / using-named-graph-uri ---------------------------------------------

COPY_TYPES = "INSERT { GRAPH <http://example.org/out> { ?s a ?t } } WHERE { ?s a ?t }"


def _copied(server: Server) -> set[str]:
    rows = select(server, "SELECT ?s WHERE { GRAPH <http://example.org/out> { ?s ?p ?o } }")
    return {r["s"] for r in rows}


def _typed_in(server: Server, graph: str) -> set[str]:
    return {r["s"] for r in select(server, f"SELECT ?s WHERE {{ GRAPH <{graph}> {{ ?s a ?t }} }}")}


def test_using_graph_uri_sets_where_dataset(writable: Server) -> None:
    response = update(writable, COPY_TYPES, **{"using-graph-uri": ONTOLOGY_GRAPH})
    assert response.status_code == 204
    assert _copied(writable) == _typed_in(writable, ONTOLOGY_GRAPH)


def test_using_graph_uri_in_form_post(writable: Server) -> None:
    response = writable.client.post(
        "/sparql",
        data={"update": COPY_TYPES, "using-graph-uri": DATA_GRAPH},
        headers={"Authorization": f"Bearer {TOKEN}"},
    )
    assert response.status_code == 204
    assert _copied(writable) == _typed_in(writable, DATA_GRAPH)


def test_using_named_graph_uri_restricts_graph_patterns(writable: Server) -> None:
    text = "INSERT { GRAPH <http://example.org/out> { ?s a ?t } } WHERE { GRAPH ?g { ?s a ?t } }"
    response = update(writable, text, **{"using-named-graph-uri": DATA_GRAPH})
    assert response.status_code == 204
    assert _copied(writable) == _typed_in(writable, DATA_GRAPH)


def test_using_graph_uri_with_using_in_update_is_400(writable: Server) -> None:
    text = f"INSERT {{ GRAPH <http://example.org/out> {{ ?s a ?t }} }} USING <{DATA_GRAPH}> WHERE {{ ?s a ?t }}"
    response = update(writable, text, **{"using-graph-uri": ONTOLOGY_GRAPH})
    assert response.status_code == 400
    assert "USING or WITH" in response.json()["error"]
    assert _copied(writable) == set()


def test_using_graph_uri_with_with_clause_is_400(writable: Server) -> None:
    text = f"WITH <{DATA_GRAPH}> DELETE {{ ?s ?p ?o }} WHERE {{ ?s ?p ?o }}"
    response = update(writable, text, **{"using-graph-uri": ONTOLOGY_GRAPH})
    assert response.status_code == 400


def test_using_graph_uri_on_delete_where_shortcut_is_400(writable: Server) -> None:
    response = update(writable, "DELETE WHERE { ?s ?p ?o }", **{"using-graph-uri": DATA_GRAPH})
    assert response.status_code == 400
    assert "DELETE WHERE" in response.json()["error"]
    assert count(writable, "?s ?p ?o") > 0


def test_invalid_using_graph_uri_is_400(writable: Server) -> None:
    response = update(writable, COPY_TYPES, **{"using-graph-uri": "not an iri"})
    assert response.status_code == 400
    assert "using-graph-uri" in response.json()["error"]


# -- durability ----------------------------------------------------------------------------


def test_update_persists_across_restart(make_server: Callable[..., Server], tmp_path: Path) -> None:
    root = write_root(tmp_path / "root")
    store = str(tmp_path / "store")
    first = make_server("--update-token", TOKEN, "--store", store, root=root)
    assert update(first, INSERT).status_code == 204
    first.stop()
    second = make_server("--store", store, root=root)
    assert count(second, NEW_TRIPLE) == 1


# Acknowledged updates surviving SIGKILL: tests/test_engine_durability.py (repeated, under load).


def test_failed_update_leaves_nothing_after_restart(make_server: Callable[..., Server], tmp_path: Path) -> None:
    root = write_root(tmp_path / "root")
    store = str(tmp_path / "store")
    first = make_server("--update-token", TOKEN, "--store", store, root=root)
    assert update(first, INSERT + " ; CLEAR GRAPH <http://example.org/missing>").status_code == 400
    first.stop()
    second = make_server("--store", store, root=root)
    assert count(second, NEW_TRIPLE) == 0


def test_relative_iris_in_an_update_resolve_against_the_endpoint_iri(writable: Server) -> None:
    response = update(writable, 'INSERT DATA { GRAPH <graph/relative> { <id/new-org> <id/p> "x" } }')
    assert response.status_code == 204, response.text
    rows = select(writable, "SELECT ?g ?s ?p WHERE { GRAPH ?g { ?s ?p \"x\" } }")
    assert rows == [{"g": "https://w3id.org/onteam/graph/relative", "s": ID + "new-org", "p": ID + "p"}]


def test_prefix_declared_again_after_semicolon_is_accepted(writable: Server) -> None:
    # SPARQL 1.1 grammar [29]: each operation may have its own prologue (the Update spec's
    # DELETE DATA ; PREFIX … INSERT DATA example); pyoxigraph alone rejects this request.
    text = (
        "PREFIX ex: <http://example.org/>\n"
        "INSERT DATA { GRAPH ex:g { ex:a ex:p 1 } } ;\n"
        "PREFIX ex: <http://example.org/>\n"
        "PREFIX dc: <http://purl.org/dc/elements/1.1/>\n"
        'INSERT DATA { GRAPH ex:g { ex:a dc:title "원팀"@ko } }'
    )
    response = update(writable, text)
    assert response.status_code == 204, response.text
    assert count(writable, NEW_TRIPLE) == 1
    assert count(writable, '<http://example.org/a> <http://purl.org/dc/elements/1.1/title> "원팀"@ko') == 1


def test_prefix_rebound_after_semicolon_is_400_and_changes_nothing(writable: Server) -> None:
    text = (
        "PREFIX ex: <http://example.org/>\n"
        "INSERT DATA { GRAPH ex:g { ex:a ex:p 1 } } ;\n"
        "PREFIX ex: <http://example.com/>\n"
        "INSERT DATA { GRAPH ex:g { ex:a ex:p 2 } }"
    )
    response = update(writable, text)
    assert response.status_code == 400
    assert response.json()["line"] == 3
    assert count(writable, NEW_TRIPLE) == 0


def test_rdflib_sparql_update_store_batch_with_a_prologue_per_operation(writable: Server) -> None:
    # rdflib's SPARQLUpdateStore (autocommit off) joins its queued operations with ';',
    # each with its own PREFIX block: the request must apply as one.
    endpoint = writable.base + "/sparql"
    store = SPARQLUpdateStore(endpoint, endpoint, headers={"Authorization": f"Bearer {TOKEN}"}, autocommit=False)
    graph = rdflib.Graph(store, identifier=rdflib.URIRef("http://example.org/g"))
    graph.update("INSERT DATA { <http://example.org/a> <http://example.org/p> 1 }")
    graph.add((rdflib.URIRef("http://example.org/a"), rdflib.RDFS.label, rdflib.Literal("원팀", lang="ko")))
    graph.update("INSERT DATA { <http://example.org/b> <http://example.org/p> 2 }")
    store.commit()
    assert count(writable, NEW_TRIPLE) == 1
    assert count(writable, '<http://example.org/a> <http://www.w3.org/2000/01/rdf-schema#label> "원팀"@ko') == 1
    assert count(writable, "<http://example.org/b> <http://example.org/p> 2") == 1
