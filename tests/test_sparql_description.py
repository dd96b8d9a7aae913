"""Service Description (GET /sparql without a query) and VoID (/.well-known/void), read with rdflib."""

from __future__ import annotations

import time
import warnings
from collections.abc import Callable, Iterator
from datetime import datetime
from email.utils import parsedate_to_datetime
from pathlib import Path

import pyoxigraph
import pytest
import rdflib
from rdflib import RDF, XSD, Literal, Namespace, URIRef

from conftest import PROJECT_ROOT, LoopbackHandler, Server, serve_http
from sparql_support import DATA_GRAPH, ONTOLOGY_GRAPH, RDFLIB_PARSERS, TOKEN, count, select, update, write_root

SD = Namespace("http://www.w3.org/ns/sparql-service-description#")
VOID = Namespace("http://rdfs.org/ns/void#")
DCTERMS = Namespace("http://purl.org/dc/terms/")
FORMATS = Namespace("http://www.w3.org/ns/formats/")
FOAF = Namespace("http://xmlns.com/foaf/0.1/")
DATASET = URIRef("https://w3id.org/onteam/dataset")



def _graph(server: Server, path: str, accept: str | None = None, **params: str) -> rdflib.Graph:
    response = server.client.get(path, headers={"Accept": accept} if accept else {}, params=params)
    assert response.status_code == 200, response.text
    media = response.headers["content-type"].split(";")[0]
    graph = rdflib.Graph()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DeprecationWarning)
        graph.parse(data=response.content, format=RDFLIB_PARSERS[media])
    return graph


def _service(graph: rdflib.Graph) -> rdflib.term.Node:
    services = list(graph.subjects(RDF.type, SD.Service))
    assert len(services) == 1
    return services[0]


def _int(graph: rdflib.Graph, subject: rdflib.term.Node, predicate: URIRef) -> int:
    value = graph.value(subject, predicate)
    assert isinstance(value, Literal), f"no {predicate} on {subject}"
    return int(value)


# -- Service Description -----------------------------------------------------------------


def test_get_without_query_is_service_description_in_turtle(small: Server) -> None:
    response = small.client.get("/sparql")
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/turtle")


@pytest.mark.parametrize("accept", list(RDFLIB_PARSERS))
def test_service_description_in_every_format(small: Server, accept: str) -> None:
    graph = _graph(small, "/sparql", accept)
    service = _service(graph)
    assert graph.value(service, SD.endpoint) == URIRef(small.base + "/sparql")


def test_service_description_format_parameter(small: Server) -> None:
    response = small.client.get("/sparql", params={"format": "json-ld"})
    assert response.headers["content-type"].startswith("application/ld+json")


def test_service_description_names_languages_formats_and_features(small: Server) -> None:
    graph = _graph(small, "/sparql")
    service = _service(graph)
    assert set(graph.objects(service, SD.supportedLanguage)) == {SD.SPARQL11Query}
    formats = set(graph.objects(service, SD.resultFormat))
    assert {FORMATS.SPARQL_Results_JSON, FORMATS.SPARQL_Results_XML, FORMATS.SPARQL_Results_CSV} <= formats
    assert {FORMATS.Turtle, FORMATS["JSON-LD"], FORMATS["N-Triples"], FORMATS.RDF_XML} <= formats
    features = set(graph.objects(service, SD.feature))
    assert SD.UnionDefaultGraph in features
    assert SD.BasicFederatedQuery not in features


def test_service_description_lists_named_graphs_with_counts(small: Server) -> None:
    graph = _graph(small, "/sparql")
    dataset = graph.value(_service(graph), SD.defaultDataset)
    assert dataset == DATASET
    named = {graph.value(node, SD.name): graph.value(node, SD.graph) for node in graph.objects(dataset, SD.namedGraph)}
    assert set(named) == {URIRef(DATA_GRAPH), URIRef(ONTOLOGY_GRAPH)}
    for name, content in named.items():
        expected = int(select(small, f"SELECT (COUNT(*) AS ?n) WHERE {{ GRAPH <{name}> {{ ?s ?p ?o }} }}")[0]["n"])
        assert _int(graph, content, VOID.triples) == expected
    default = graph.value(dataset, SD.defaultGraph)
    assert _int(graph, default, VOID.triples) == count(small, "?s ?p ?o")


def test_service_description_lists_update_when_enabled(make_server: Callable[..., Server], tmp_path: Path) -> None:
    server = make_server("--update-token", TOKEN, root=write_root(tmp_path / "root"))
    graph = _graph(server, "/sparql")
    assert set(graph.objects(_service(graph), SD.supportedLanguage)) == {SD.SPARQL11Query, SD.SPARQL11Update}
    assert SD.EmptyGraphs in set(graph.objects(_service(graph), SD.feature))
    # No allow list: every LOAD is refused, so no input format is ever parsed.
    assert list(graph.objects(_service(graph), SD.inputFormat)) == []
    # What sd:EmptyGraphs promises: a graph the updates leave empty is still there.
    empty = "http://example.org/emptied"
    assert update(server, f"INSERT DATA {{ GRAPH <{empty}> {{ <http://example.org/a> <http://example.org/p> 1 }} }}").status_code == 204
    assert update(server, f"DELETE DATA {{ GRAPH <{empty}> {{ <http://example.org/a> <http://example.org/p> 1 }} }}").status_code == 204
    after = _graph(server, "/sparql")
    names = {after.value(node, SD.name) for node in after.objects(DATASET, SD.namedGraph)}
    assert URIRef(empty) in names


# One small document per format LOAD may be given: W3C format name -> (media type, body).
LOAD_SOURCES = {
    "Turtle": ("text/turtle", "<http://example.org/a> <http://example.org/p> 1 ."),
    "N-Triples": ("application/n-triples", '<http://example.org/a> <http://example.org/p> "1" .\n'),
    "N-Quads": ("application/n-quads", '<http://example.org/a> <http://example.org/p> "1" .\n'),
    "TriG": ("application/trig", "<http://example.org/a> <http://example.org/p> 1 ."),
    "RDF_XML": (
        "application/rdf+xml",
        '<rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#" xmlns:e="http://example.org/">'
        '<rdf:Description rdf:about="http://example.org/a"><e:p>1</e:p></rdf:Description></rdf:RDF>',
    ),
    "JSON-LD": ("application/ld+json", '{"@id": "http://example.org/a", "http://example.org/p": "1"}'),
    "N3": ("text/n3", "<http://example.org/a> <http://example.org/p> 1 ."),
}


@pytest.fixture
def load_source() -> Iterator[str]:
    """A loopback HTTP server answering /<format name> with a document in that format."""

    class Handler(LoopbackHandler):
        def do_GET(self) -> None:  # noqa: N802 - the http.server API
            media, body = LOAD_SOURCES[self.path.lstrip("/")]
            self.answer(200, media, body.encode())

    with serve_http(Handler) as origin:
        yield origin + "/"


def test_every_listed_input_format_is_one_load_parses(
    make_server: Callable[..., Server], tmp_path: Path, load_source: str
) -> None:
    sources = [load_source + name for name in LOAD_SOURCES]
    server = make_server(
        "--update-token", TOKEN, env={"ONTEAM_SERVICE_ALLOW_LIST": ",".join(sources)}, root=write_root(tmp_path / "root")
    )
    graph = _graph(server, "/sparql")
    listed = {str(f).removeprefix(str(FORMATS)) for f in graph.objects(_service(graph), SD.inputFormat)}
    assert listed == set(LOAD_SOURCES)
    for name in listed:
        target = f"http://example.org/loaded/{name}"
        response = update(server, f"LOAD <{load_source + name}> INTO GRAPH <{target}>")
        assert response.status_code == 204, (name, response.text)
        assert int(select(server, f"SELECT (COUNT(*) AS ?n) WHERE {{ GRAPH <{target}> {{ ?s ?p ?o }} }}")[0]["n"]) == 1


def test_read_only_service_description_claims_no_empty_graphs(small: Server) -> None:
    graph = _graph(small, "/sparql")
    assert SD.EmptyGraphs not in set(graph.objects(_service(graph), SD.feature))


def test_service_description_head_and_etag(small: Server) -> None:
    got = small.client.get("/sparql")
    head = small.client.head("/sparql")
    assert head.status_code == 200 and head.content == b""
    assert head.headers["etag"] == got.headers["etag"]
    assert small.client.get("/sparql", headers={"If-None-Match": got.headers["etag"]}).status_code == 304


def test_service_description_unmeetable_accept_is_406(small: Server) -> None:
    response = small.client.get("/sparql", headers={"Accept": "image/png"})
    assert response.status_code == 406
    assert "text/turtle" in response.json()["available"]


def test_results_accept_without_query_is_406_saying_the_query_is_missing(small: Server) -> None:
    response = small.client.get("/sparql", headers={"Accept": "application/sparql-results+json"})
    assert response.status_code == 406
    body = response.json()
    assert "No 'query' parameter" in body["error"] and "Service Description" in body["error"]
    assert "text/turtle" in body["available"]


@pytest.mark.parametrize("accept", ["text/html", "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8"])
@pytest.mark.parametrize("method", ["GET", "HEAD"])
def test_browser_at_the_endpoint_without_query_is_sent_to_the_editor(small: Server, accept: str, method: str) -> None:
    response = small.client.request(method, "/sparql", headers={"Accept": accept}, follow_redirects=False)
    assert response.status_code == 303
    assert response.headers["location"] == small.base + "/editor"
    assert "accept" in response.headers["vary"].lower()
    page = small.client.get(response.headers["location"])
    assert page.status_code == 200 and "text/html" in page.headers["content-type"]


@pytest.mark.parametrize("accept", ["*/*", "text/turtle, text/html;q=0.5", "application/rdf+xml, */*;q=0.1"])
def test_rdf_or_any_accept_without_query_still_gets_rdf(small: Server, accept: str) -> None:
    response = small.client.get("/sparql", headers={"Accept": accept}, follow_redirects=False)
    assert response.status_code == 200
    assert response.headers["content-type"].split(";")[0] in RDFLIB_PARSERS


@pytest.mark.parametrize("path", ["/sparql", "/.well-known/void"])
def test_description_bytes_are_the_same_on_every_request(small: Server, path: str) -> None:
    # Fixed blank node labels: equal bodies under one ETag, and HEAD states GET's length.
    plain = {"Accept-Encoding": "identity"}
    first, second = small.client.get(path, headers=plain), small.client.get(path, headers=plain)
    assert first.content == second.content
    head = small.client.head(path, headers=plain)
    assert head.headers["etag"] == first.headers["etag"]
    assert int(head.headers["content-length"]) == len(first.content)


# -- VoID --------------------------------------------------------------------------------


@pytest.mark.parametrize("accept", list(RDFLIB_PARSERS))
def test_void_in_every_format(small: Server, accept: str) -> None:
    graph = _graph(small, "/.well-known/void", accept)
    assert (DATASET, RDF.type, VOID.Dataset) in graph


def test_void_links_endpoint_uri_space_and_license(small: Server) -> None:
    graph = _graph(small, "/.well-known/void")
    assert graph.value(DATASET, VOID.sparqlEndpoint) == URIRef(small.base + "/sparql")
    assert str(graph.value(DATASET, VOID.uriSpace)) == "https://w3id.org/onteam/id/"
    assert graph.value(DATASET, DCTERMS.license) == URIRef("https://creativecommons.org/licenses/by/4.0/")
    vocabularies = set(graph.objects(DATASET, VOID.vocabulary))
    assert URIRef("https://w3id.org/onteam/ontology") in vocabularies
    assert URIRef("http://www.w3.org/2000/01/rdf-schema") in vocabularies


def test_void_counts_match_independent_queries(small: Server) -> None:
    graph = _graph(small, "/.well-known/void")

    def one(query: str) -> int:
        return int(select(small, query)[0]["n"])

    assert _int(graph, DATASET, VOID.triples) == one(
        "SELECT (COUNT(*) AS ?n) WHERE { SELECT DISTINCT ?s ?p ?o WHERE { ?s ?p ?o } }"
    )
    assert _int(graph, DATASET, VOID.distinctSubjects) == one("SELECT (COUNT(DISTINCT ?s) AS ?n) WHERE { ?s ?p ?o }")
    assert _int(graph, DATASET, VOID.distinctObjects) == one("SELECT (COUNT(DISTINCT ?o) AS ?n) WHERE { ?s ?p ?o }")
    assert _int(graph, DATASET, VOID.properties) == one("SELECT (COUNT(DISTINCT ?p) AS ?n) WHERE { ?s ?p ?o }")
    assert _int(graph, DATASET, VOID.classes) == one("SELECT (COUNT(DISTINCT ?c) AS ?n) WHERE { ?s a ?c }")
    assert _int(graph, DATASET, VOID.entities) == one(
        'SELECT (COUNT(DISTINCT ?s) AS ?n) WHERE { ?s ?p ?o FILTER(STRSTARTS(STR(?s), "https://w3id.org/onteam/id/")) }'
    )
    # The fixture: 3 organizations + 1 consortium are entities.
    assert _int(graph, DATASET, VOID.entities) == 4


def test_void_data_dump_serves_every_triple_of_the_dataset(small: Server) -> None:
    graph = _graph(small, "/.well-known/void")
    dump = graph.value(DATASET, VOID.dataDump)
    assert dump == URIRef(small.base + "/store")
    response = small.client.get(str(dump), headers={"Accept": "application/n-quads"})
    assert response.status_code == 200
    triples = {quad.triple for quad in pyoxigraph.parse(response.content, format=pyoxigraph.RdfFormat.N_QUADS)}
    assert len(triples) == _int(graph, DATASET, VOID.triples)


def test_void_partitions_match_independent_queries(small: Server) -> None:
    graph = _graph(small, "/.well-known/void")
    classes = {graph.value(p, VOID["class"]): _int(graph, p, VOID.entities) for p in graph.objects(DATASET, VOID.classPartition)}
    expected_classes = {
        URIRef(r["c"]): int(r["n"]) for r in select(small, "SELECT ?c (COUNT(DISTINCT ?s) AS ?n) WHERE { ?s a ?c } GROUP BY ?c")
    }
    assert classes == expected_classes
    assert classes[URIRef("https://w3id.org/onteam/ontology#Organization")] == 3
    properties = {
        graph.value(p, VOID.property): _int(graph, p, VOID.triples) for p in graph.objects(DATASET, VOID.propertyPartition)
    }
    expected_properties = {
        URIRef(r["p"]): int(r["n"]) for r in select(small, "SELECT ?p (COUNT(*) AS ?n) WHERE { ?s ?p ?o } GROUP BY ?p")
    }
    assert properties == expected_properties
    assert properties[URIRef("https://w3id.org/onteam/ontology#hasMember")] == 3


def test_void_subsets_per_named_graph(small: Server) -> None:
    graph = _graph(small, "/.well-known/void")
    subsets = set(graph.objects(DATASET, VOID.subset))
    assert subsets == {URIRef(DATA_GRAPH), URIRef(ONTOLOGY_GRAPH)}
    for subset in subsets:
        expected = int(select(small, f"SELECT (COUNT(*) AS ?n) WHERE {{ GRAPH <{subset}> {{ ?s ?p ?o }} }}")[0]["n"])
        assert _int(graph, subset, VOID.triples) == expected


def test_void_counts_follow_updates(make_server: Callable[..., Server], tmp_path: Path) -> None:
    server = make_server("--update-token", TOKEN, root=write_root(tmp_path / "root"))
    before = _int(_graph(server, "/.well-known/void"), DATASET, VOID.triples)
    text = "INSERT DATA { GRAPH <http://example.org/new> { <http://example.org/a> <http://example.org/p> 1, 2 } }"
    assert update(server, text).status_code == 204
    after = _graph(server, "/.well-known/void")
    assert _int(after, DATASET, VOID.triples) == before + 2
    assert URIRef("http://example.org/new") in set(after.objects(DATASET, VOID.subset))


def test_public_base_setting_moves_endpoint_dump_and_editor(make_server: Callable[..., Server], tmp_path: Path) -> None:
    # Behind a proxy the URL a request reached is not the one clients use: the descriptions
    # name the public one, as links and the Graph Store's Location do.
    public = "https://data.example.org"
    server = make_server("--memory", env={"ONTEAM_PUBLIC_BASE": public}, root=write_root(tmp_path / "root"))
    sd = _graph(server, "/sparql")
    assert sd.value(_service(sd), SD.endpoint) == URIRef(public + "/sparql")
    void = _graph(server, "/.well-known/void")
    assert void.value(DATASET, VOID.sparqlEndpoint) == URIRef(public + "/sparql")
    assert void.value(DATASET, VOID.dataDump) == URIRef(public + "/store")
    browser = server.client.get("/sparql", headers={"Accept": "text/html"}, follow_redirects=False)
    assert browser.headers["location"] == public + "/editor"


def test_description_etags_move_with_a_write_and_only_then(make_server: Callable[..., Server], tmp_path: Path) -> None:
    server = make_server("--update-token", TOKEN, root=write_root(tmp_path / "root"))
    paths = ("/sparql", "/.well-known/void")
    before = {path: server.client.get(path).headers["etag"] for path in paths}
    assert {path: server.client.get(path).headers["etag"] for path in paths} == before
    assert update(server, "INSERT DATA { <http://example.org/a> <http://example.org/p> 1 }", token="wrong").status_code == 403
    assert update(server, "INSERT DATA { <http://example.org/a> <http://example.org/p> }").status_code == 400
    assert {path: server.client.get(path).headers["etag"] for path in paths} == before
    assert update(server, "INSERT DATA { <http://example.org/a> <http://example.org/p> 1 }").status_code == 204
    for path in paths:
        response = server.client.get(path, headers={"If-None-Match": before[path]})
        assert response.status_code == 200
        assert response.headers["etag"] != before[path]


def test_void_and_service_description_of_an_empty_store(make_server: Callable[..., Server], tmp_path: Path) -> None:
    server = make_server(root=write_root(tmp_path / "root", data="", ontology=""))
    void = _graph(server, "/.well-known/void")
    assert _int(void, DATASET, VOID.triples) == 0
    assert _int(void, DATASET, VOID.entities) == 0
    assert list(void.objects(DATASET, VOID.subset)) == []
    sd = _graph(server, "/sparql")
    assert list(sd.objects(DATASET, SD.namedGraph)) == []


# -- Audit against the specs: each statement is checked against the running server --------

# W3C format name -> (media type, the kind of query whose results come in it).
RESULT_FORMATS = {
    "SPARQL_Results_JSON": ("application/sparql-results+json", "SELECT"),
    "SPARQL_Results_XML": ("application/sparql-results+xml", "SELECT"),
    "SPARQL_Results_CSV": ("text/csv", "SELECT"),
    "SPARQL_Results_TSV": ("text/tab-separated-values", "SELECT"),
    "Turtle": ("text/turtle", "CONSTRUCT"),
    "N-Triples": ("application/n-triples", "CONSTRUCT"),
    "N-Quads": ("application/n-quads", "CONSTRUCT"),
    "TriG": ("application/trig", "CONSTRUCT"),
    "RDF_XML": ("application/rdf+xml", "CONSTRUCT"),
    "JSON-LD": ("application/ld+json", "CONSTRUCT"),
    "N3": ("text/n3", "CONSTRUCT"),
}
# W3C formats /sparql does not produce: asking for one must not be answered in it.
UNSERVED_FORMATS = {
    "OWL_XML": ("application/owl+xml", "CONSTRUCT"),
    "OWL_Functional": ("text/owl-functional", "CONSTRUCT"),
    "PROV-N": ("text/provenance-notation", "CONSTRUCT"),
    "RDFa": ("application/xhtml+xml", "CONSTRUCT"),
}
RDFLIB_FORMATS = {
    "Turtle": "turtle",
    "N-Triples": "nt",
    "N-Quads": "nquads",
    "TriG": "trig",
    "RDF_XML": "xml",
    "JSON-LD": "json-ld",
}
KIND_QUERY = {
    "SELECT": "SELECT ?s WHERE { ?s ?p ?o } LIMIT 1",
    "CONSTRUCT": "CONSTRUCT WHERE { ?s ?p ?o } LIMIT 1",
}


def test_every_advertised_result_format_is_served_by_the_endpoint(small: Server) -> None:
    graph = _graph(small, "/sparql")
    advertised = {str(f).removeprefix(str(FORMATS)) for f in graph.objects(_service(graph), SD.resultFormat)}
    assert advertised <= set(RESULT_FORMATS), advertised - set(RESULT_FORMATS)
    for name in advertised:
        media, kind = RESULT_FORMATS[name]
        response = small.client.get("/sparql", params={"query": KIND_QUERY[kind]}, headers={"Accept": media})
        assert response.status_code == 200, (name, response.text)
        assert response.headers["content-type"].split(";")[0] == media, name


def test_result_formats_advertised_are_exactly_those_served(small: Server) -> None:
    # The other way round too: a format /sparql answers in but does not list is a gap.
    graph = _graph(small, "/sparql")
    advertised = {str(f).removeprefix(str(FORMATS)) for f in graph.objects(_service(graph), SD.resultFormat)}
    served = set()
    for name, (media, kind) in {**RESULT_FORMATS, **UNSERVED_FORMATS}.items():
        response = small.client.get("/sparql", params={"query": KIND_QUERY[kind]}, headers={"Accept": media})
        if response.status_code == 200 and response.headers["content-type"].split(";")[0] == media:
            served.add(name)
    assert advertised == served


def test_read_only_with_a_token_advertises_no_update(make_server: Callable[..., Server], tmp_path: Path) -> None:
    server = make_server("--update-token", TOKEN, "--read-only", root=write_root(tmp_path / "root"))
    graph = _graph(server, "/sparql")
    service = _service(graph)
    assert set(graph.objects(service, SD.supportedLanguage)) == {SD.SPARQL11Query}
    assert SD.EmptyGraphs not in set(graph.objects(service, SD.feature))
    # What the description says is so: an update is refused.
    assert update(server, "INSERT DATA { <http://example.org/a> <http://example.org/p> 1 }").status_code != 204


def test_void_describes_itself_in_korean_and_english_with_creator_and_publisher(small: Server) -> None:
    graph = _graph(small, "/.well-known/void")
    for predicate in (DCTERMS.title, DCTERMS.description):
        languages = {value.language for value in graph.objects(DATASET, predicate)}
        assert languages == {"ko", "en"}, predicate
    for predicate in (DCTERMS.creator, DCTERMS.publisher):
        agent = graph.value(DATASET, predicate)
        assert agent is not None, predicate
        assert {name.language for name in graph.objects(agent, FOAF.name)} == {"ko", "en"}
    # The VoID document names itself as the description of the dataset (VoID §6.2).
    assert graph.value(URIRef(small.base + "/.well-known/void"), FOAF.primaryTopic) == DATASET


def test_void_homepage_is_the_served_home_page(small: Server) -> None:
    graph = _graph(small, "/.well-known/void")
    homepage = graph.value(DATASET, FOAF.homepage)
    assert homepage == URIRef(small.base + "/")
    page = small.client.get(str(homepage), headers={"Accept": "text/html"})
    assert page.status_code == 200 and page.headers["content-type"].startswith("text/html")


def test_void_modified_is_the_stores_last_change_and_follows_writes(
    make_server: Callable[..., Server], tmp_path: Path
) -> None:
    server = make_server("--update-token", TOKEN, root=write_root(tmp_path / "root"))

    def modified() -> tuple[datetime, datetime]:
        response = server.client.get("/.well-known/void")
        graph = rdflib.Graph().parse(data=response.content, format="turtle")
        stated = graph.value(DATASET, DCTERMS.modified)
        assert isinstance(stated, Literal) and stated.datatype == XSD.dateTime
        return stated.toPython(), parsedate_to_datetime(response.headers["last-modified"])

    stated, header = modified()
    assert stated == header
    time.sleep(1.1)  # Last-Modified has one-second precision: let the write fall in a later second
    assert update(server, "INSERT DATA { <http://example.org/a> <http://example.org/p> 1 }").status_code == 204
    later, later_header = modified()
    assert later == later_header and later > stated


def test_void_sources_are_the_documents_the_data_is_derived_from(server: Server) -> None:
    graph = _graph(server, "/.well-known/void")
    sources = set(graph.objects(DATASET, DCTERMS.source))
    expected = {
        URIRef(row["d"])
        for row in select(
            server,
            "PREFIX prov: <http://www.w3.org/ns/prov#> PREFIX foaf: <http://xmlns.com/foaf/0.1/> "
            "SELECT DISTINCT ?d WHERE { ?x prov:wasDerivedFrom ?d . ?d a foaf:Document }",
        )
    }
    assert sources == expected
    assert URIRef("https://w3id.org/onteam/id/newsfreezone-kt-one-team-2021") in sources


def test_void_example_resources_and_features_are_served(small: Server) -> None:
    graph = _graph(small, "/.well-known/void")
    examples = set(graph.objects(DATASET, VOID.exampleResource))
    assert examples == {URIRef("https://w3id.org/onteam/id/ai-one-team")}
    features = {str(f).removeprefix(str(FORMATS)) for f in graph.objects(DATASET, VOID.feature)}
    assert features, "no void:feature"
    rdf_formats = {name: media for name, (media, kind) in RESULT_FORMATS.items() if kind == "CONSTRUCT"}
    assert features <= set(rdf_formats), features - set(rdf_formats)
    for example in examples:
        local = small.base + "/id/" + str(example).removeprefix("https://w3id.org/onteam/id/")
        for name in features:
            response = small.client.get(local, headers={"Accept": rdf_formats[name]})
            assert response.status_code == 200, (name, response.text)
            assert response.headers["content-type"].split(";")[0] == rdf_formats[name], name
            # rdflib reads JSON-LD's remote @context (the server's /context.jsonld) where pyoxigraph would not.
            parsed = rdflib.Dataset()
            with warnings.catch_warnings():
                warnings.simplefilter("ignore", DeprecationWarning)
                parsed.parse(data=response.content, format=RDFLIB_FORMATS[name], publicID=local)
                subjects = {quad[0] for quad in parsed.quads((None, None, None, None))}
            assert example in subjects, name


def _namespace(iri: str) -> str:
    cut = max(iri.rfind("#"), iri.rfind("/"))
    return iri[: cut + 1].removesuffix("#")


def test_void_vocabularies_are_every_namespace_the_data_uses(server: Server) -> None:
    graph = _graph(server, "/.well-known/void")
    used = {r["p"] for r in select(server, "SELECT DISTINCT ?p WHERE { ?s ?p ?o }")}
    used |= {r["c"] for r in select(server, "SELECT DISTINCT ?c WHERE { ?s a ?c FILTER(isIRI(?c)) }")}
    used |= {
        r["d"]
        for r in select(server, "SELECT DISTINCT (DATATYPE(?o) AS ?d) WHERE { ?s ?p ?o FILTER(isLiteral(?o)) }")
    } - {str(XSD.string), str(RDF.langString)}
    assert set(graph.objects(DATASET, VOID.vocabulary)) == {URIRef(_namespace(iri)) for iri in used}
    assert URIRef("http://www.w3.org/2001/XMLSchema") in set(graph.objects(DATASET, VOID.vocabulary))


def test_void_counts_of_the_project_match_rdflib_over_the_project_files(server: Server) -> None:
    # The project's own files, read by another parser: the counts VoID states must be theirs.
    files = [PROJECT_ROOT / "ontology" / "onteam.ttl", PROJECT_ROOT / "ontology" / "shapes.ttl", PROJECT_ROOT / "data" / "instances.ttl"]
    union = rdflib.Graph()
    sizes = {}
    for path in files:
        one = rdflib.Graph().parse(path, format="turtle")
        sizes[f"https://w3id.org/onteam/graph/{path.parent.name}/{path.stem}"] = len(one)
        union += one
    void = _graph(server, "/.well-known/void")
    assert _int(void, DATASET, VOID.triples) == len(union)
    assert _int(void, DATASET, VOID.distinctSubjects) == len(set(union.subjects()))
    assert _int(void, DATASET, VOID.distinctObjects) == len(set(union.objects()))
    assert _int(void, DATASET, VOID.properties) == len(set(union.predicates()))
    assert _int(void, DATASET, VOID.classes) == len(set(union.objects(None, RDF.type)))
    assert _int(void, DATASET, VOID.entities) == len(
        {s for s in union.subjects() if str(s).startswith("https://w3id.org/onteam/id/")}
    )
    assert {str(s): _int(void, s, VOID.triples) for s in void.objects(DATASET, VOID.subset)} == sizes
    sd = _graph(server, "/sparql")
    named = {str(sd.value(n, SD.name)): _int(sd, sd.value(n, SD.graph), VOID.triples) for n in sd.objects(DATASET, SD.namedGraph)}
    assert named == sizes


@pytest.mark.parametrize("accept", list(RDFLIB_PARSERS))
def test_resource_documents_name_their_dataset_which_leads_to_the_void(small: Server, accept: str) -> None:
    # VoID §7 discovery: from any resource document to the dataset, and from there to its VoID.
    document = _graph(small, "/id/kt", accept)
    assert document.value(URIRef("https://w3id.org/onteam/id/kt"), VOID.inDataset) == DATASET
    dataset = small.client.get("/" + str(DATASET).removeprefix("https://w3id.org/onteam/"), follow_redirects=False)
    assert dataset.status_code == 303
    void = _graph(small, dataset.headers["location"].removeprefix(small.base))
    assert (DATASET, RDF.type, VOID.Dataset) in void
