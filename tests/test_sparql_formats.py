"""Result formats: Accept negotiation, format parameters, real parsers, real clients."""

from __future__ import annotations

import csv
import io
import json
import warnings
import xml.etree.ElementTree as ET

import pytest
import rdflib
from rdflib.plugins.stores.sparqlstore import SPARQLStore
from SPARQLWrapper import CSV, JSON, JSONLD, TURTLE, XML, SPARQLWrapper

from conftest import Server
from sparql_support import DATA_GRAPH, ID, OT

SELECT = f"SELECT ?org ?label WHERE {{ ?org a <{OT}Organization> ; <http://www.w3.org/2000/01/rdf-schema#label> ?label FILTER(lang(?label) = 'en') }} ORDER BY ?org"
ASK_TRUE = f"ASK {{ <{ID}kt> a <{OT}Organization> }}"
ASK_FALSE = f"ASK {{ <{ID}kt> a <{OT}Consortium> }}"
CONSTRUCT = f"CONSTRUCT {{ ?c <{OT}hasMember> ?m }} WHERE {{ ?c <{OT}hasMember> ?m }}"
DESCRIBE = f"DESCRIBE <{ID}ai-one-team>"
SRX = "{http://www.w3.org/2005/sparql-results#}"
EXPECTED_ROWS = [(f"{ID}kaist", "KAIST"), (f"{ID}kt", "KT"), (f"{ID}lg-uplus", "LG Uplus")]
EXPECTED_MEMBERS = {(f"{ID}ai-one-team", f"{ID}{m}") for m in ("kt", "lg-uplus", "kaist")}



RESULT_TABLE = [
    (None, "application/sparql-results+json"),
    ("*/*", "application/sparql-results+json"),
    ("application/sparql-results+json", "application/sparql-results+json"),
    ("application/json", "application/json"),
    ("application/sparql-results+xml", "application/sparql-results+xml"),
    ("application/xml", "application/xml"),
    ("text/csv", "text/csv"),
    ("text/tab-separated-values", "text/tab-separated-values"),
    ("text/*", "text/csv"),
    ("text/csv;q=0.5, application/sparql-results+xml;q=0.9", "application/sparql-results+xml"),
    ("text/tab-separated-values, */*;q=0.1", "text/tab-separated-values"),
    ("text/html, application/xhtml+xml, application/xml;q=0.9, */*;q=0.8", "application/xml"),
    ("application/sparql-results+json;q=0, */*", "application/sparql-results+xml"),
]
GRAPH_TABLE = [
    (None, "text/turtle"),
    ("*/*", "text/turtle"),
    ("text/turtle", "text/turtle"),
    ("application/n-triples", "application/n-triples"),
    ("application/n-quads", "application/n-quads"),
    ("application/trig", "application/trig"),
    ("application/rdf+xml", "application/rdf+xml"),
    ("application/ld+json", "application/ld+json"),
    ("text/n3", "text/n3"),
    ("application/ld+json;q=0.5, application/rdf+xml", "application/rdf+xml"),
    ("text/html;q=1, application/*;q=0.2", "application/n-triples"),
    ("text/turtle;q=0, */*;q=0.1", "application/n-triples"),
]


def _media(response_type: str) -> str:
    return response_type.split(";")[0].strip()


@pytest.mark.parametrize(("accept", "expected"), RESULT_TABLE)
@pytest.mark.parametrize("query", [SELECT, ASK_TRUE], ids=["select", "ask"])
def test_accept_table_for_results(small: Server, query: str, accept: str | None, expected: str) -> None:
    headers = {"Accept": accept} if accept else {}
    response = small.client.get("/sparql", params={"query": query}, headers=headers)
    assert response.status_code == 200, response.text
    assert _media(response.headers["content-type"]) == expected


@pytest.mark.parametrize(("accept", "expected"), GRAPH_TABLE)
@pytest.mark.parametrize("query", [CONSTRUCT, DESCRIBE], ids=["construct", "describe"])
def test_accept_table_for_graphs(small: Server, query: str, accept: str | None, expected: str) -> None:
    headers = {"Accept": accept} if accept else {}
    response = small.client.get("/sparql", params={"query": query}, headers=headers)
    assert response.status_code == 200, response.text
    assert _media(response.headers["content-type"]) == expected


@pytest.mark.parametrize("query", [SELECT, ASK_TRUE])
def test_unmeetable_accept_for_results_is_406_with_list(small: Server, query: str) -> None:
    response = small.client.get("/sparql", params={"query": query}, headers={"Accept": "image/png"})
    assert response.status_code == 406
    body = response.json()
    assert "application/sparql-results+json" in body["available"]
    assert "text/csv" in body["available"]


def test_turtle_for_select_is_406(small: Server) -> None:
    response = small.client.get("/sparql", params={"query": SELECT}, headers={"Accept": "text/turtle"})
    assert response.status_code == 406


def test_csv_for_construct_is_406_listing_rdf_formats(small: Server) -> None:
    response = small.client.get("/sparql", params={"query": CONSTRUCT}, headers={"Accept": "text/csv"})
    assert response.status_code == 406
    assert "text/turtle" in response.json()["available"]


# -- parsing every format with a real parser ------------------------------------------


def _rows_from_json(text: str) -> list[tuple[str, str]]:
    data = json.loads(text)
    assert data["head"]["vars"] == ["org", "label"]
    return [(b["org"]["value"], b["label"]["value"]) for b in data["results"]["bindings"]]


def _rows_from_xml(text: str) -> list[tuple[str, str]]:
    root = ET.fromstring(text)
    rows = []
    for result in root.iter(f"{SRX}result"):
        values = {b.get("name"): "".join(b.itertext()).strip() for b in result.iter(f"{SRX}binding")}
        rows.append((values["org"], values["label"]))
    return rows


def _rows_from_csv(text: str) -> list[tuple[str, str]]:
    rows = list(csv.reader(io.StringIO(text)))
    assert rows[0] == ["org", "label"]
    return [(r[0], r[1]) for r in rows[1:] if r]


def _rows_from_tsv(text: str) -> list[tuple[str, str]]:
    lines = [line.split("\t") for line in text.splitlines() if line]
    assert lines[0] == ["?org", "?label"]
    return [(org.strip("<>"), label.split('"')[1]) for org, label in lines[1:]]


@pytest.mark.parametrize(
    ("accept", "parse"),
    [
        ("application/sparql-results+json", _rows_from_json),
        ("application/sparql-results+xml", _rows_from_xml),
        ("text/csv", _rows_from_csv),
        ("text/tab-separated-values", _rows_from_tsv),
    ],
)
def test_select_results_parse_to_the_same_rows(small: Server, accept: str, parse: object) -> None:
    response = small.client.get("/sparql", params={"query": SELECT}, headers={"Accept": accept})
    assert response.status_code == 200
    assert parse(response.text) == EXPECTED_ROWS  # type: ignore[operator]


@pytest.mark.parametrize(("query", "expected"), [(ASK_TRUE, True), (ASK_FALSE, False)])
def test_ask_in_json_and_xml(small: Server, query: str, expected: bool) -> None:
    as_json = small.client.get("/sparql", params={"query": query}).json()
    assert as_json["boolean"] is expected
    as_xml = small.client.get("/sparql", params={"query": query}, headers={"Accept": "application/sparql-results+xml"})
    boolean = ET.fromstring(as_xml.text).find(f"{SRX}boolean")
    assert boolean is not None and boolean.text == str(expected).lower()


def parse_rdf(data: bytes, rdflib_format: str) -> rdflib.Dataset:
    """Parse any RDF format with rdflib into a Dataset (quads formats keep their graphs)."""
    dataset = rdflib.Dataset()
    with warnings.catch_warnings():
        # rdflib 7 warns about its own Dataset internals while parsing.
        warnings.simplefilter("ignore", DeprecationWarning)
        dataset.parse(data=data, format=rdflib_format)
    return dataset


@pytest.mark.parametrize("accept", ["text/csv", "text/tab-separated-values"])
@pytest.mark.parametrize(("query", "expected"), [(ASK_TRUE, "true"), (ASK_FALSE, "false")])
def test_ask_as_csv_and_tsv_is_a_bare_boolean(small: Server, accept: str, query: str, expected: str) -> None:
    response = small.client.get("/sparql", params={"query": query}, headers={"Accept": accept})
    assert response.status_code == 200
    assert response.text.strip() == expected


RDF_PARSERS = {
    "text/turtle": "turtle",
    "application/n-triples": "nt",
    "application/n-quads": "nquads",
    "application/trig": "trig",
    "application/rdf+xml": "xml",
    "application/ld+json": "json-ld",
    "text/n3": "n3",
}


@pytest.mark.parametrize(("accept", "rdflib_format"), list(RDF_PARSERS.items()))
def test_construct_parses_to_the_same_graph(small: Server, accept: str, rdflib_format: str) -> None:
    response = small.client.get("/sparql", params={"query": CONSTRUCT}, headers={"Accept": accept})
    assert response.status_code == 200
    dataset = parse_rdf(response.content, rdflib_format)
    triples = {(str(s), str(o)) for s, _, o, _ in dataset.quads((None, None, None, None))}
    assert triples == EXPECTED_MEMBERS


@pytest.mark.parametrize(("accept", "rdflib_format"), list(RDF_PARSERS.items()))
def test_describe_parses_with_labels_in_both_languages(small: Server, accept: str, rdflib_format: str) -> None:
    response = small.client.get("/sparql", params={"query": DESCRIBE}, headers={"Accept": accept})
    dataset = parse_rdf(response.content, rdflib_format)
    labels = {
        (o.language, str(o))
        for _, p, o, _ in dataset.quads((rdflib.URIRef(f"{ID}ai-one-team"), rdflib.RDFS.label, None, None))
    }
    assert labels == {("en", "AI One Team"), ("ko", "AI 원팀")}


def test_rdfxml_refuses_predicate_without_xml_name_406(small: Server) -> None:
    query = "CONSTRUCT { ?s <http://example.org/1> ?o } WHERE { ?s a ?o }"
    response = small.client.get("/sparql", params={"query": query}, headers={"Accept": "application/rdf+xml"})
    assert response.status_code == 406
    body = response.json()
    assert "http://example.org/1" in body["error"]
    assert "application/rdf+xml" not in body["available"]
    as_turtle = small.client.get("/sparql", params={"query": query}, headers={"Accept": "text/turtle"})
    assert as_turtle.status_code == 200


def test_rdfxml_writes_predicates_ending_in_a_name(small: Server) -> None:
    query = "CONSTRUCT { ?s <http://example.org/p-1> ?o . ?s <http://example.org/1a> ?o } WHERE { ?s a ?o }"
    response = small.client.get("/sparql", params={"query": query}, headers={"Accept": "application/rdf+xml"})
    assert response.status_code == 200
    predicates = {str(p) for _, p, _, _ in parse_rdf(response.content, "xml").quads((None, None, None, None))}
    assert predicates == {"http://example.org/p-1", "http://example.org/1a"}


# -- format parameters, as SPARQLWrapper and others send them -------------------------


@pytest.mark.parametrize(
    ("query", "value", "expected"),
    [
        (SELECT, "json", "application/sparql-results+json"),
        (SELECT, "xml", "application/sparql-results+xml"),
        (SELECT, "csv", "text/csv"),
        (SELECT, "tsv", "text/tab-separated-values"),
        (SELECT, "application/sparql-results+xml", "application/sparql-results+xml"),
        (ASK_TRUE, "json", "application/sparql-results+json"),
        (CONSTRUCT, "turtle", "text/turtle"),
        (CONSTRUCT, "json-ld", "application/ld+json"),
        (CONSTRUCT, "json", "application/ld+json"),
        (CONSTRUCT, "xml", "application/rdf+xml"),
        (CONSTRUCT, "nt", "application/n-triples"),
        (DESCRIBE, "n3", "text/turtle"),
    ],
)
@pytest.mark.parametrize("name", ["format", "output", "results"])
def test_format_parameter_sets_the_type(small: Server, name: str, query: str, value: str, expected: str) -> None:
    response = small.client.get("/sparql", params={"query": query, name: value}, headers={"Accept": "image/png"})
    assert response.status_code == 200, response.text
    assert _media(response.headers["content-type"]) == expected


def test_format_parameter_wins_over_accept(small: Server) -> None:
    response = small.client.get("/sparql", params={"query": SELECT, "format": "csv"}, headers={"Accept": "application/sparql-results+xml"})
    assert _media(response.headers["content-type"]) == "text/csv"


def test_repeated_format_parameters_as_sparqlwrapper_sends_them(small: Server) -> None:
    params = [("query", CONSTRUCT), ("format", "json-ld"), ("format", "application/ld+json,application/x-json+ld")]
    response = small.client.get("/sparql", params=params, headers={"Accept": "application/ld+json,application/x-json+ld"})
    assert response.status_code == 200
    assert _media(response.headers["content-type"]) == "application/ld+json"


def test_format_parameter_as_media_type_list(small: Server) -> None:
    response = small.client.get("/sparql", params={"query": SELECT, "format": "image/png, text/csv"})
    assert _media(response.headers["content-type"]) == "text/csv"


def test_format_parameter_in_form_body(small: Server) -> None:
    response = small.client.post("/sparql", data={"query": SELECT, "output": "tsv"})
    assert _media(response.headers["content-type"]) == "text/tab-separated-values"


def test_unknown_format_value_falls_back_to_accept(small: Server) -> None:
    response = small.client.get("/sparql", params={"query": SELECT, "format": "yaml"}, headers={"Accept": "text/csv"})
    assert response.status_code == 200
    assert _media(response.headers["content-type"]) == "text/csv"


def test_format_of_the_other_kind_falls_back_to_accept(small: Server) -> None:
    response = small.client.get("/sparql", params={"query": CONSTRUCT, "format": "csv"})
    assert response.status_code == 200
    assert _media(response.headers["content-type"]) == "text/turtle"


# -- real clients ----------------------------------------------------------------------


def _wrapper(small: Server, query: str, fmt: str, method: str = "GET") -> SPARQLWrapper:
    client = SPARQLWrapper(small.base + "/sparql")
    client.setQuery(query)
    client.setReturnFormat(fmt)
    client.setMethod(method)
    return client


@pytest.mark.parametrize("method", ["GET", "POST"])
def test_sparqlwrapper_select_json(small: Server, method: str) -> None:
    result = _wrapper(small, SELECT, JSON, method).queryAndConvert()
    rows = [(b["org"]["value"], b["label"]["value"]) for b in result["results"]["bindings"]]  # type: ignore[index]
    assert rows == EXPECTED_ROWS


def test_sparqlwrapper_select_xml(small: Server) -> None:
    document = _wrapper(small, SELECT, XML).queryAndConvert()
    names = [node.firstChild.data for node in document.getElementsByTagName("literal")]  # type: ignore[union-attr]
    assert names == ["KAIST", "KT", "LG Uplus"]


def test_sparqlwrapper_select_csv(small: Server) -> None:
    data = _wrapper(small, SELECT, CSV).queryAndConvert()
    assert _rows_from_csv(data.decode()) == EXPECTED_ROWS  # type: ignore[union-attr]


def test_sparqlwrapper_ask(small: Server) -> None:
    assert _wrapper(small, ASK_TRUE, JSON).queryAndConvert()["boolean"] is True  # type: ignore[index]
    assert _wrapper(small, ASK_FALSE, XML).queryAndConvert() is not None


def test_sparqlwrapper_construct_turtle(small: Server) -> None:
    data = _wrapper(small, CONSTRUCT, TURTLE).queryAndConvert()
    graph = rdflib.Graph().parse(data=data, format="turtle")
    assert {(str(s), str(o)) for s, _, o in graph} == EXPECTED_MEMBERS


def test_sparqlwrapper_construct_json_ld(small: Server) -> None:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DeprecationWarning)  # SPARQLWrapper's ConjunctiveGraph
        graph = _wrapper(small, CONSTRUCT, JSONLD).queryAndConvert()
    assert {(str(s), str(o)) for s, _, o in graph} == EXPECTED_MEMBERS  # type: ignore[union-attr]


def test_sparqlwrapper_construct_rdfxml(small: Server) -> None:
    with warnings.catch_warnings():
        # SPARQLWrapper builds an rdflib ConjunctiveGraph, which rdflib 7 deprecates.
        warnings.simplefilter("ignore", DeprecationWarning)
        graph = _wrapper(small, CONSTRUCT, XML).queryAndConvert()
    assert {(str(s), str(o)) for s, _, o in graph} == EXPECTED_MEMBERS  # type: ignore[union-attr]


def test_rdflib_sparqlstore_select_json(small: Server) -> None:
    graph = rdflib.Graph(SPARQLStore(small.base + "/sparql", returnFormat="json"))
    assert [(str(r[0]), str(r[1])) for r in graph.query(SELECT)] == EXPECTED_ROWS


def test_rdflib_sparqlstore_select_and_construct_with_default_xml(small: Server) -> None:
    graph = rdflib.Graph(SPARQLStore(small.base + "/sparql"))
    assert [(str(r[0]), str(r[1])) for r in graph.query(SELECT)] == EXPECTED_ROWS
    constructed = graph.query(CONSTRUCT).graph
    assert {(str(s), str(o)) for s, _, o in constructed} == EXPECTED_MEMBERS


def test_rdflib_sparqlstore_named_graph_listing(small: Server) -> None:
    store = SPARQLStore(small.base + "/sparql")
    contexts = {str(c) for c in store.contexts()}
    assert DATA_GRAPH in contexts
