"""A plain copy (CONSTRUCT { ?s ?p ?o } WHERE { ?s ?p ?o }) is read from the store's index:
the same graph as the query engine's answer, over the same dataset, under the same cap."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest
from pyoxigraph import RdfFormat, Triple, parse

from conftest import Server

COPY = "CONSTRUCT { ?s ?p ?o } WHERE { ?s ?p ?o }"
# The same answer through the query engine: the FILTER keeps it off the index path.
ENGINE = "CONSTRUCT { ?s ?p ?o } WHERE { ?s ?p ?o FILTER(true) }"
SHARED = "<http://example.org/a> <http://example.org/p> <http://example.org/b> .\n"
DATA = SHARED + "".join(f'<http://example.org/s{i}> <http://example.org/p> "{i}"@en .\n' for i in range(20))
ONTOLOGY = SHARED + "<http://example.org/p> a <http://www.w3.org/2002/07/owl#ObjectProperty> .\n"
DATA_GRAPH = "https://w3id.org/onteam/graph/data/instances"


@pytest.fixture
def two_graphs(make_server: Callable[..., Server], make_root: Callable[..., Path]) -> Server:
    """The data and the ontology graphs share one triple."""
    return make_server(root=make_root(DATA, ONTOLOGY))


def graph(server: Server, query: str, media: str, **params: str) -> set[Triple]:
    response = server.client.get("/sparql", params={"query": query, **params}, headers={"Accept": media})
    assert response.status_code == 200, response.text
    assert response.headers["content-type"].startswith(media)
    return set(parse(response.content, format=RdfFormat.from_media_type(media)))


@pytest.mark.parametrize("media", ["application/n-triples", "text/turtle", "application/ld+json", "application/rdf+xml"])
def test_copy_is_the_graph_the_engine_answers(two_graphs: Server, media: str) -> None:
    copied = graph(two_graphs, COPY, media)
    assert copied == graph(two_graphs, ENGINE, media)
    assert len(copied) == 22  # the shared triple once, as a graph holds it


def test_copy_of_one_graph_keeps_to_default_graph_uri(two_graphs: Server) -> None:
    copied = graph(two_graphs, COPY, "application/n-triples", **{"default-graph-uri": DATA_GRAPH})
    assert copied == graph(two_graphs, ENGINE, "application/n-triples", **{"default-graph-uri": DATA_GRAPH})
    assert len(copied) == 21


def test_copy_with_only_named_graphs_has_an_empty_default_graph(two_graphs: Server) -> None:
    assert graph(two_graphs, COPY, "application/n-triples", **{"named-graph-uri": DATA_GRAPH}) == set()


def test_copy_is_cut_at_the_cap_and_says_so(make_server: Callable[..., Server], make_root: Callable[..., Path]) -> None:
    server = make_server(root=make_root(DATA, ONTOLOGY), env={"ONTEAM_MAX_RESULTS": "3"})
    response = server.client.get("/sparql", params={"query": COPY}, headers={"Accept": "application/n-triples"})
    assert response.status_code == 200
    assert response.headers["onteam-truncated"] == "true"
    assert len(response.text.splitlines()) == 3


def test_copy_streams_from_the_index_one_line_per_stored_triple(two_graphs: Server) -> None:
    def lines(query: str) -> list[str]:
        response = two_graphs.client.get("/sparql", params={"query": query}, headers={"Accept": "application/n-triples"})
        return response.text.splitlines()

    # The engine drops the repeat (it remembers every triple it sent); the index path does
    # not remember, so the triple stored in both graphs comes twice: still the same graph.
    assert len(lines(ENGINE)) == 22
    assert len(lines(COPY)) == 23


# -- Graph Store GET: the same index path, through the worker pool -------------------------

LONG = "x" * 100
BIG = "".join(f'<http://example.org/s{i}> <http://example.org/p> "{i} {LONG}" .\n' for i in range(5000))


@pytest.mark.parametrize(
    ("params", "media", "count"),
    [
        ({"graph": DATA_GRAPH}, "application/n-triples", 5000),
        ({"graph": DATA_GRAPH}, "text/turtle", 5000),
        ({}, "application/n-quads", 5001),  # the whole store: the ontology graph's triple too
    ],
)
def test_graph_store_get_streams_a_big_graph(
    make_server: Callable[..., Server], make_root: Callable[..., Path], params: dict[str, str], media: str, count: int
) -> None:
    server = make_server(root=make_root(BIG, ONTOLOGY.replace(SHARED, "")))
    headers = {"Accept": media, "Accept-Encoding": "identity"}
    with server.client.stream("GET", "/store", params=params, headers=headers) as response:
        assert response.status_code == 200
        assert response.headers["content-type"].startswith(media)
        assert "content-length" not in response.headers  # more than one chunk: streamed
        assert response.headers["transfer-encoding"] == "chunked"
        body = response.read()
    assert len(list(parse(body, format=RdfFormat.from_media_type(media)))) == count
    again = server.client.get("/store", params=params, headers={**headers, "If-None-Match": response.headers["etag"]})
    assert again.status_code == 304
