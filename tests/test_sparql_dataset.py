"""The dataset a query sees: protocol parameters, FROM / FROM NAMED, the union default graph."""

from __future__ import annotations


import pytest

from conftest import Server
from sparql_support import DATA_GRAPH, ID, ONTOLOGY_GRAPH, OT, select

ORGS = "SELECT ?s WHERE { ?s a ?type } ORDER BY ?s"
GRAPHS = "SELECT DISTINCT ?g WHERE { GRAPH ?g { ?s ?p ?o } } ORDER BY ?g"



def _subjects(server: Server, query: str, **params: str | list[str]) -> set[str]:
    response = server.client.get("/sparql", params={"query": query, **params})
    assert response.status_code == 200, response.text
    return {b["s"]["value"] for b in response.json()["results"]["bindings"]}


def _types_in(server: Server, graph: str) -> set[str]:
    rows = select(server, f"SELECT ?s WHERE {{ GRAPH <{graph}> {{ ?s a ?t }} }}")
    return {r["s"] for r in rows}


def test_default_graph_is_union_of_all_graphs(small: Server) -> None:
    seen = _subjects(small, ORGS)
    assert f"{ID}kt" in seen  # from the data graph
    assert f"{OT}Consortium" in seen  # from the ontology graph
    assert seen == _types_in(small, DATA_GRAPH) | _types_in(small, ONTOLOGY_GRAPH)


def test_named_graphs_are_all_visible_without_dataset(small: Server) -> None:
    rows = select(small, GRAPHS)
    assert {r["g"] for r in rows} == {DATA_GRAPH, ONTOLOGY_GRAPH}


def test_from_restricts_default_graph(small: Server) -> None:
    seen = _subjects(small, f"SELECT ?s FROM <{ONTOLOGY_GRAPH}> WHERE {{ ?s a ?type }}")
    assert seen == _types_in(small, ONTOLOGY_GRAPH)
    assert f"{ID}kt" not in seen


def test_lower_case_from_without_spaces_restricts(small: Server) -> None:
    seen = _subjects(small, f"select ?s from<{DATA_GRAPH}>where{{?s a ?type}}")
    assert seen == _types_in(small, DATA_GRAPH)


def test_from_of_unknown_graph_sees_nothing(small: Server) -> None:
    assert _subjects(small, "SELECT ?s FROM <http://example.org/none> WHERE { ?s ?p ?o }") == set()


def test_from_named_only_leaves_default_graph_empty(small: Server) -> None:
    seen = _subjects(small, f"SELECT ?s FROM NAMED <{DATA_GRAPH}> WHERE {{ ?s ?p ?o }}")
    assert seen == set()


def test_from_named_restricts_named_graphs(small: Server) -> None:
    rows = select(small, f"SELECT DISTINCT ?g FROM NAMED <{DATA_GRAPH}> WHERE {{ GRAPH ?g {{ ?s ?p ?o }} }}")
    assert [r["g"] for r in rows] == [DATA_GRAPH]


def test_keyword_from_inside_string_iri_or_comment_does_not_restrict(small: Server) -> None:
    query = (
        "# FROM <http://example.org/none>\n"
        'SELECT ?s WHERE { ?s a ?type FILTER(?type != <http://example.org/FROM>) '
        'FILTER(STR(?s) != "FROM <x>") }'
    )
    assert _subjects(small, query) == _subjects(small, ORGS)


def test_default_graph_uri_restricts(small: Server) -> None:
    assert _subjects(small, ORGS, **{"default-graph-uri": DATA_GRAPH}) == _types_in(small, DATA_GRAPH)


def test_several_default_graph_uris_merge(small: Server) -> None:
    seen = _subjects(small, ORGS, **{"default-graph-uri": [DATA_GRAPH, ONTOLOGY_GRAPH]})
    assert seen == _types_in(small, DATA_GRAPH) | _types_in(small, ONTOLOGY_GRAPH)


def test_protocol_dataset_overrides_from(small: Server) -> None:
    query = f"SELECT ?s FROM <{ONTOLOGY_GRAPH}> WHERE {{ ?s a ?type }}"
    assert _subjects(small, query, **{"default-graph-uri": DATA_GRAPH}) == _types_in(small, DATA_GRAPH)


def test_named_graph_uri_restricts_graph_patterns(small: Server) -> None:
    response = small.client.get("/sparql", params={"query": GRAPHS, "named-graph-uri": ONTOLOGY_GRAPH})
    graphs = [b["g"]["value"] for b in response.json()["results"]["bindings"]]
    assert graphs == [ONTOLOGY_GRAPH]


def test_named_graph_uri_alone_leaves_default_graph_empty(small: Server) -> None:
    assert _subjects(small, ORGS, **{"named-graph-uri": DATA_GRAPH}) == set()


def test_default_graph_uri_alone_leaves_no_named_graphs(small: Server) -> None:
    response = small.client.get("/sparql", params={"query": GRAPHS, "default-graph-uri": DATA_GRAPH})
    assert response.json()["results"]["bindings"] == []


def test_dataset_parameters_in_form_post(small: Server) -> None:
    response = small.client.post("/sparql", data={"query": ORGS, "default-graph-uri": DATA_GRAPH})
    seen = {b["s"]["value"] for b in response.json()["results"]["bindings"]}
    assert seen == _types_in(small, DATA_GRAPH)


def test_dataset_parameters_in_url_of_direct_post(small: Server) -> None:
    response = small.client.post(
        "/sparql",
        params={"default-graph-uri": ONTOLOGY_GRAPH},
        content=ORGS.encode(),
        headers={"Content-Type": "application/sparql-query"},
    )
    seen = {b["s"]["value"] for b in response.json()["results"]["bindings"]}
    assert seen == _types_in(small, ONTOLOGY_GRAPH)


@pytest.mark.parametrize("name", ["default-graph-uri", "named-graph-uri"])
@pytest.mark.parametrize("value", ["not an iri", "relative/path", "http://example.org/a b", "http://x/<y>", ""])
def test_invalid_graph_iri_is_400(small: Server, name: str, value: str) -> None:
    response = small.client.get("/sparql", params={"query": ORGS, name: value})
    assert response.status_code == 400
    assert name in response.json()["error"]


def test_etag_differs_by_dataset(small: Server) -> None:
    plain = small.client.get("/sparql", params={"query": ORGS}).headers["etag"]
    restricted = small.client.get("/sparql", params={"query": ORGS, "default-graph-uri": DATA_GRAPH}).headers["etag"]
    assert plain != restricted
