"""Acceptance audit of the Graph Store Protocol, the Service Description and VoID, end to end.

Each test is a case a reader of the W3C texts (SPARQL 1.1 Graph Store HTTP Protocol, SPARQL 1.1
Service Description, VoID) would try on the running service, over HTTP.
"""

from __future__ import annotations

import warnings
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
import rdflib
from conftest import Server
from pyoxigraph import RdfFormat, parse
from rdflib import Literal, Namespace, URIRef
from sparql_support import TOKEN, select, start_writable, write_root

AUTH = {"Authorization": f"Bearer {TOKEN}"}
TTL = {"Content-Type": "text/turtle", **AUTH}
VOID = Namespace("http://rdfs.org/ns/void#")
DATASET = URIRef("https://w3id.org/onteam/dataset")


@pytest.fixture(scope="module")
def writable(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    """One in-memory server with updates on, over the small fixture graph of sparql_support."""
    running = start_writable(tmp_path_factory.mktemp("audit-gsp-sd"))
    yield running
    running.stop()


def ntriples(server: Server, params: dict[str, str]) -> set[tuple[str, str, str]]:
    response = server.client.get("/store", params=params, headers={"Accept": "application/n-triples"})
    assert response.status_code == 200, response.text
    return {(str(t.subject), str(t.predicate), str(t.object)) for t in parse(response.content, format=RdfFormat.N_TRIPLES)}


def void(server: Server) -> rdflib.Graph:
    response = server.client.get("/.well-known/void", headers={"Accept": "application/n-triples"})
    assert response.status_code == 200, response.text
    graph = rdflib.Graph()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DeprecationWarning)
        graph.parse(data=response.content, format="nt")
    return graph


def count(graph: rdflib.Graph, subject: rdflib.term.Node, predicate: URIRef) -> int:
    value = graph.value(subject, predicate)
    assert isinstance(value, Literal), f"no {predicate} on {subject}"
    return int(value)


def one(server: Server, query: str) -> int:
    return int(select(server, query)[0]["n"])


# -- Graph Store Protocol ------------------------------------------------------------------------


def test_put_default_graph_resolves_relative_iris_against_the_canonical_store_iri(
    make_server: Callable[..., Server], tmp_path: Path
) -> None:
    # The base of a body is its request IRI; /store stands for https://w3id.org/onteam/store as
    # /graph/<path> does for https://w3id.org/onteam/graph/<path>: the data must not depend on
    # the host name or port the client happened to use, nor leak a proxy's internal address.
    server = make_server("--memory", "--update-token", TOKEN, "--public-base", "https://data.example.org",
                         root=write_root(tmp_path / "root"))
    body = "<s> <p> <#o> ."
    response = server.client.put("/store", params={"default": ""}, content=body, headers=TTL)
    assert response.status_code == 204, response.text
    assert ntriples(server, {"default": ""}) == {
        ("<https://w3id.org/onteam/s>", "<https://w3id.org/onteam/p>", "<https://w3id.org/onteam/store?default#o>")
    }


def test_get_graph_in_n3_reads_back_what_a_put_in_n3_wrote(writable: Server) -> None:
    # PUT and POST take text/n3 (without formulas), /sparql answers CONSTRUCT in it and the
    # Service Description lists formats:N3: a GET of the graph in N3 is no 406.
    graph_iri = "https://example.org/n3-graph"
    body = '<https://example.org/s> <https://example.org/p> "n3" .'
    put = writable.client.put("/store", params={"graph": graph_iri}, content=body,
                              headers={"Content-Type": "text/n3", **AUTH})
    assert put.status_code == 201, put.text
    try:
        response = writable.client.get("/store", params={"graph": graph_iri}, headers={"Accept": "text/n3"})
        assert response.status_code == 200, response.text
        assert response.headers["content-type"].startswith("text/n3")
        assert [str(t.object) for t in parse(response.content, format=RdfFormat.N3)] == ['"n3"']
        # Turtle still wins for clients that take both.
        either = writable.client.get("/store", params={"graph": graph_iri}, headers={"Accept": "text/n3, text/turtle"})
        assert either.headers["content-type"].startswith("text/turtle")
    finally:
        writable.client.delete("/store", params={"graph": graph_iri}, headers=AUTH)


# -- VoID ----------------------------------------------------------------------------------------


def test_void_classes_counts_every_distinct_object_of_rdf_type(writable: Server) -> None:
    # VoID: void:classes is "the number of distinct resources occurring as objects of rdf:type
    # triples": a class that is a blank node (an OWL restriction) is one of them.
    data = "<https://example.org/a> a [ a <http://www.w3.org/2002/07/owl#Restriction> ] ."
    response = writable.client.put("/store", params={"graph": "https://example.org/blank-class"}, content=data, headers=TTL)
    assert response.status_code == 201, response.text
    try:
        expected = one(writable, "SELECT (COUNT(DISTINCT ?c) AS ?n) WHERE { ?s a ?c }")
        assert count(void(writable), DATASET, VOID.classes) == expected
    finally:
        writable.client.delete("/store", params={"graph": "https://example.org/blank-class"}, headers=AUTH)


def test_void_class_partition_entities_are_instances_with_an_iri(writable: Server) -> None:
    # VoID §4.5: "to be an entity in a dataset, a resource must have a URI": blank-node
    # instances of a class are not entities of its class partition.
    graph_iri = "https://example.org/blank-instances"
    data = ("<https://example.org/named> a <https://example.org/Thing> .\n"
            "[] a <https://example.org/Thing> . [] a <https://example.org/Thing> .")
    assert writable.client.put("/store", params={"graph": graph_iri}, content=data, headers=TTL).status_code == 201
    try:
        described = void(writable)
        partitions = {described.value(p, VOID["class"]): count(described, p, VOID.entities)
                      for p in described.objects(DATASET, VOID.classPartition)}
        expected: dict[URIRef, set[str]] = {}
        answer = writable.client.get("/sparql", params={"query": "SELECT DISTINCT ?s ?c WHERE { ?s a ?c FILTER(isIRI(?c)) }"},
                                     headers={"Accept": "application/sparql-results+json"})
        for row in answer.json()["results"]["bindings"]:
            named = expected.setdefault(URIRef(row["c"]["value"]), set())
            if row["s"]["type"] == "uri":
                named.add(row["s"]["value"])
        assert partitions == {c: len(named) for c, named in expected.items()}
        assert partitions[URIRef("https://example.org/Thing")] == 1
    finally:
        writable.client.delete("/store", params={"graph": graph_iri}, headers=AUTH)


def test_void_subsets_state_their_own_properties_classes_and_entities(writable: Server) -> None:
    # Each named graph is a void:Dataset of its own: every statistic VoID gives the whole
    # dataset, it gives each subset, counted in that graph alone.
    described = void(writable)
    subsets = set(described.objects(DATASET, VOID.subset))
    assert subsets
    for subset in subsets:
        where = f"GRAPH <{subset}> {{ ?s ?p ?o }}"
        assert count(described, subset, VOID.triples) == one(writable, f"SELECT (COUNT(*) AS ?n) WHERE {{ {where} }}")
        assert count(described, subset, VOID.properties) == one(
            writable, f"SELECT (COUNT(DISTINCT ?p) AS ?n) WHERE {{ {where} }}")
        assert count(described, subset, VOID.classes) == one(
            writable, f"SELECT (COUNT(DISTINCT ?c) AS ?n) WHERE {{ GRAPH <{subset}> {{ ?s a ?c }} }}")
        assert count(described, subset, VOID.entities) == one(
            writable, f'SELECT (COUNT(DISTINCT ?s) AS ?n) WHERE {{ {where} '
                      'FILTER(STRSTARTS(STR(?s), "https://w3id.org/onteam/id/")) }')


SD = Namespace("http://www.w3.org/ns/sparql-service-description#")


def test_graph_store_writes_move_the_service_description_and_void(writable: Server) -> None:
    # A graph made, grown and dropped through the Graph Store shows in both descriptions with
    # its current size, and is gone from both once deleted.
    graph_iri = URIRef("https://example.org/described")

    def described() -> tuple[dict[URIRef, int], dict[URIRef, int]]:
        sd = rdflib.Graph().parse(data=writable.client.get("/sparql", headers={"Accept": "text/turtle"}).text,
                                  format="turtle")
        named = {sd.value(n, SD.name): count(sd, sd.value(n, SD.graph), VOID.triples)
                 for n in sd.objects(DATASET, SD.namedGraph)}
        voided = void(writable)
        subsets = {s: count(voided, s, VOID.triples) for s in voided.objects(DATASET, VOID.subset)}
        return named, subsets

    first = '<https://example.org/a> <https://example.org/p> 1 .'
    assert writable.client.put("/store", params={"graph": str(graph_iri)}, content=first, headers=TTL).status_code == 201
    named, subsets = described()
    assert named[graph_iri] == subsets[graph_iri] == 1
    more = '<https://example.org/a> <https://example.org/p> 2 , 3 .'
    assert writable.client.post("/store", params={"graph": str(graph_iri)}, content=more, headers=TTL).status_code == 204
    named, subsets = described()
    assert named[graph_iri] == subsets[graph_iri] == 3
    assert writable.client.delete("/store", params={"graph": str(graph_iri)}, headers=AUTH).status_code == 204
    named, subsets = described()
    assert graph_iri not in named and graph_iri not in subsets


def test_each_void_subset_names_its_graph_store_url_as_its_data_dump(writable: Server) -> None:
    # VoID §6.3 (void:dataDump, "partial or complete"): each named graph is downloadable on its
    # own through the Graph Store; a graph outside https://w3id.org/onteam/graph/ too.
    other = "https://example.org/dumped"
    body = '<https://example.org/a> <https://example.org/p> 1 , 2 .'
    assert writable.client.put("/store", params={"graph": other}, content=body, headers=TTL).status_code == 201
    try:
        described = void(writable)
        subsets = set(described.objects(DATASET, VOID.subset))
        assert URIRef(other) in subsets
        for subset in subsets:
            dump = described.value(subset, VOID.dataDump)
            assert dump is not None, f"no void:dataDump on {subset}"
            assert str(dump).startswith(writable.base + "/")
            response = writable.client.get(str(dump), headers={"Accept": "application/n-triples"})
            assert response.status_code == 200, response.text
            assert len(list(parse(response.content, format=RdfFormat.N_TRIPLES))) == count(described, subset, VOID.triples)
    finally:
        writable.client.delete("/store", params={"graph": other}, headers=AUTH)
