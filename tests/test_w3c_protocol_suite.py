"""The W3C SPARQL 1.1 Protocol and Service Description test suites, one test per case.

Each test makes the exchange its case describes (w3c/rdf-tests, sparql/sparql11/protocol and
service-description) against the real server: the same method, URL parameters, Content-Type
and body, and the same judgement (2xx/3xx or 4xx, the result kind's media type, the boolean).
The suite's `/sparql/` is this service's `/sparql`. Graph data a case names is loaded first
with an update, as the suite's runner loads it with the Graph Store Protocol.
"""

from __future__ import annotations

import warnings
import xml.etree.ElementTree as ET
from collections.abc import Iterator
from urllib.parse import quote, urlsplit

import httpx
import pytest
import rdflib
from rdflib import RDF, Namespace, URIRef

from conftest import Server, start_server

TOKEN = "w3c-suite-token"
AUTH = {"Authorization": f"Bearer {TOKEN}"}
KASEI = "http://kasei.us/2009/09/sparql/data/"
FOAF_DOCUMENT = "http://xmlns.com/foaf/0.1/Document"
BIBLIO = "<http://purl.org/dc/terms/BibliographicResource>"
PROLOGUE = "PREFIX dc: <http://purl.org/dc/terms/>\nPREFIX foaf: <http://xmlns.com/foaf/0.1/>\n"

FORM = "application/x-www-form-urlencoded"
QUERY = "application/sparql-query"
UPDATE = "application/sparql-update"
BOOLEAN_TYPES = {"application/sparql-results+xml", "application/sparql-results+json"}
TABULAR_TYPES = BOOLEAN_TYPES | {"text/csv", "text/tab-separated-values"}
RDF_PARSERS = {
    "text/turtle": "turtle",
    "application/n-triples": "nt",
    "application/rdf+xml": "xml",
    "application/ld+json": "json-ld",
}
SD = Namespace("http://www.w3.org/ns/sparql-service-description#")
XSD_INTEGER = "http://www.w3.org/2001/XMLSchema#integer"


def data(n: int) -> str:
    """The IRI of the suite's dataN.rdf (both the graph's name and its one subject)."""
    return f"{KASEI}data{n}.rdf"


def enc(value: str) -> str:
    return quote(value, safe="")


DATA0 = "default-graph-uri=" + enc(KASEI + "data0.rdf")


@pytest.fixture(scope="module")
def suite(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    """A writable in-memory server of this module's own: the suite's updates clear every graph."""
    running = start_server(tmp_path_factory.mktemp("w3c-suite"), "--memory", "--update-token", TOKEN)
    yield running
    running.stop()


def send(server: Server, method: str, params: str = "", body: bytes | str | None = None,
         content_type: str | None = None, **headers: str) -> httpx.Response:
    """One request of a case: the URL parameters as the suite writes them (already encoded)."""
    all_headers = {**AUTH, **headers}
    if content_type is not None:
        all_headers["Content-Type"] = content_type
    content = body.encode("utf-8") if isinstance(body, str) else body
    return server.client.request(method, "/sparql" + (f"?{params}" if params else ""), content=content,
                                 headers=all_headers)


def load(server: Server, *numbers: int) -> None:
    """The case's ut:graphData: each dataN.rdf graph replaced by its one foaf:Document triple."""
    operations = []
    for n in numbers:
        operations.append(f"DROP SILENT GRAPH <{data(n)}>")
        operations.append(f"INSERT DATA {{ GRAPH <{data(n)}> {{ <{data(n)}> a <{FOAF_DOCUMENT}> }} }}")
    response = send(server, "POST", body=" ;\n".join(operations), content_type=UPDATE)
    assert response.status_code == 204, response.text


def media(response: httpx.Response) -> str:
    return response.headers.get("content-type", "").split(";")[0].strip()


def succeeded(response: httpx.Response) -> None:
    assert 200 <= response.status_code < 400, (response.status_code, response.text)


def refused(response: httpx.Response) -> None:
    assert 400 <= response.status_code < 500, (response.status_code, response.text)


def boolean(response: httpx.Response) -> bool:
    """The boolean of an ASK answer, from SPARQL JSON or SPARQL XML, whichever came."""
    succeeded(response)
    kind = media(response)
    assert kind in BOOLEAN_TYPES, kind
    if kind.endswith("json"):
        value = response.json()["boolean"]
        assert isinstance(value, bool)
        return value
    element = ET.fromstring(response.content).find("{http://www.w3.org/2005/sparql-results#}boolean")
    assert element is not None and element.text in ("true", "false"), response.text
    return element.text == "true"


ASK_TYPES_1_2 = f"ASK {{ <{data(1)}> a ?type . <{data(2)}> a ?type . }}"
ASK_GRAPHS_1_2 = f"ASK {{ GRAPH ?g1 {{ <{data(1)}> a ?type }} GRAPH ?g2 {{ <{data(2)}> a ?type }} }}"


# -- query cases ---------------------------------------------------------------------------


def test_query_post_form(suite: Server) -> None:
    """W3C protocol case query_post_form: query via URL-encoded POST."""
    assert boolean(send(suite, "POST", DATA0, "query=ASK%20%7B%7D", FORM)) is True


def test_query_dataset_default_graphs_get(suite: Server) -> None:
    """W3C protocol case query_dataset_default_graphs_get: GET with two default-graph-uri."""
    load(suite, 1, 2)
    params = f"query={enc(ASK_TYPES_1_2)}&default-graph-uri={enc(data(1))}&default-graph-uri={enc(data(2))}"
    assert boolean(send(suite, "GET", params)) is True


def test_query_dataset_default_graphs_post(suite: Server) -> None:
    """W3C protocol case query_dataset_default_graphs_post: direct POST with two default-graph-uri."""
    load(suite, 1, 2)
    params = f"default-graph-uri={enc(data(1))}&default-graph-uri={enc(data(2))}"
    assert boolean(send(suite, "POST", params, ASK_TYPES_1_2, QUERY)) is True


def test_query_dataset_named_graphs_post(suite: Server) -> None:
    """W3C protocol case query_dataset_named_graphs_post: direct POST with two named-graph-uri."""
    load(suite, 1, 2)
    params = f"named-graph-uri={enc(data(1))}&named-graph-uri={enc(data(2))}"
    assert boolean(send(suite, "POST", params, ASK_GRAPHS_1_2, QUERY)) is True


def test_query_dataset_named_graphs_get(suite: Server) -> None:
    """W3C protocol case query_dataset_named_graphs_get: GET with two named-graph-uri."""
    load(suite, 1, 2)
    params = f"query={enc(ASK_GRAPHS_1_2)}&named-graph-uri={enc(data(1))}&named-graph-uri={enc(data(2))}"
    assert boolean(send(suite, "GET", params)) is True


def test_query_dataset_full(suite: Server) -> None:
    """W3C protocol case query_dataset_full: default-graph-uri and named-graph-uri together."""
    load(suite, 1, 2, 3)
    query = (
        f"ASK {{\n  <{data(3)}> a ?type\n  GRAPH ?g1 {{ <{data(1)}> a ?type }}\n"
        f"  GRAPH ?g2 {{ <{data(2)}> a ?type }}\n}}"
    )
    params = f"default-graph-uri={enc(data(3))}&named-graph-uri={enc(data(1))}&named-graph-uri={enc(data(2))}"
    assert boolean(send(suite, "POST", params, query, QUERY)) is True


def test_query_multiple_dataset(suite: Server) -> None:
    """W3C protocol case query_multiple_dataset: the protocol's dataset wins over FROM in the query.

    The manifest's URL escapes its second '&' (one named-graph-uri naming both graphs), which
    no dataset could answer `true` to; the case is run as its name and comment intend.
    """
    load(suite, 1, 2, 3)
    query = f"ASK FROM <{data(3)}> {{ GRAPH ?g1 {{ <{data(1)}> a ?type }} GRAPH ?g2 {{ <{data(2)}> a ?type }} }}"
    params = f"named-graph-uri={enc(data(1))}&named-graph-uri={enc(data(2))}"
    assert boolean(send(suite, "POST", params, query, QUERY)) is True
    # And FROM alone (no protocol dataset) has no named graphs: the answer turns on who wins.
    assert boolean(send(suite, "POST", "", query, QUERY)) is False


def test_query_get(suite: Server) -> None:
    """W3C protocol case query_get: query via GET."""
    assert boolean(send(suite, "GET", "query=ASK%20%7B%7D&" + DATA0)) is True


def test_query_content_type_select(suite: Server) -> None:
    """W3C protocol case query_content_type_select: SELECT answers in a tabular results type."""
    response = send(suite, "POST", DATA0, "SELECT (1 AS ?value) {}", QUERY)
    succeeded(response)
    assert media(response) in TABULAR_TYPES
    asked = send(suite, "POST", DATA0, "SELECT (1 AS ?value) {}", QUERY, Accept="application/sparql-results+json")
    assert asked.json()["results"]["bindings"] == [{"value": {"type": "literal", "value": "1", "datatype": XSD_INTEGER}}]


def test_query_content_type_ask(suite: Server) -> None:
    """W3C protocol case query_content_type_ask: ASK answers in a boolean results type."""
    response = send(suite, "POST", DATA0, "ASK {}", QUERY)
    assert media(response) in BOOLEAN_TYPES
    assert boolean(response) is True


def test_query_content_type_describe(suite: Server) -> None:
    """W3C protocol case query_content_type_describe: DESCRIBE answers in an RDF type."""
    response = send(suite, "POST", DATA0, "DESCRIBE <http://example.org/>", QUERY)
    succeeded(response)
    assert media(response) in RDF_PARSERS
    rdflib.Graph().parse(data=response.content, format=RDF_PARSERS[media(response)])


def test_query_content_type_construct(suite: Server) -> None:
    """W3C protocol case query_content_type_construct: CONSTRUCT answers in an RDF type."""
    response = send(suite, "POST", DATA0, "CONSTRUCT { <s> <p> 1 } WHERE {}", QUERY)
    succeeded(response)
    assert media(response) in RDF_PARSERS
    graph = rdflib.Graph().parse(data=response.content, format=RDF_PARSERS[media(response)])
    assert len(graph) == 1


def test_query_post_direct(suite: Server) -> None:
    """W3C protocol case query_post_direct: query via POST directly."""
    assert boolean(send(suite, "POST", "", "ASK {}", QUERY)) is True


# -- update cases --------------------------------------------------------------------------


def _three_documents_then(insert_into: str, template: str, where: str) -> str:
    documents = "".join(f"    GRAPH <{data(n)}> {{ <{data(n)}> a foaf:Document }}\n" for n in (1, 2, 3))
    return (
        PROLOGUE + f"DROP ALL ;\nINSERT DATA {{\n{documents}}} ;\n"
        f"INSERT {{\n    GRAPH <{insert_into}> {{\n        {template}\n    }}\n}}\nWHERE {{\n    {where}\n}}"
    )


def _only_documents_1_and_2(graph: str) -> str:
    return (
        f"ASK {{ GRAPH <{graph}> {{ <{data(1)}> a {BIBLIO} . <{data(2)}> a {BIBLIO} . }}\n"
        f"  FILTER NOT EXISTS {{ GRAPH <{graph}> {{ <{data(3)}> a {BIBLIO} . }} }} }}"
    )


def test_update_dataset_default_graph(suite: Server) -> None:
    """W3C protocol case update_dataset_default_graph: using-graph-uri sets the WHERE's default graph."""
    graph = "http://example.org/protocol-update-dataset-test/"
    update = (
        PROLOGUE + f"CLEAR ALL ;\nINSERT DATA {{\n    GRAPH <{data(1)}> {{\n        <{data(1)}> a foaf:Document\n"
        f"    }}\n}} ;\nINSERT {{\n    GRAPH <{graph}> {{\n        ?s a dc:BibliographicResource\n    }}\n}}\n"
        "WHERE {\n    ?s a foaf:Document\n}"
    )
    succeeded(send(suite, "POST", f"using-graph-uri={enc(data(1))}", update, UPDATE))
    ask = f"ASK {{ GRAPH <{graph}> {{ <{data(1)}> a {BIBLIO} }} }}"
    assert boolean(send(suite, "POST", "", ask, QUERY)) is True


def test_update_dataset_default_graphs(suite: Server) -> None:
    """W3C protocol case update_dataset_default_graphs: two using-graph-uri, the third graph left out."""
    graph = "http://example.org/protocol-update-dataset-graphs-test/"
    update = _three_documents_then(graph, "?s a dc:BibliographicResource", "?s a foaf:Document")
    succeeded(send(suite, "POST", f"using-graph-uri={enc(data(1))}&using-graph-uri={enc(data(2))}", update, UPDATE))
    assert boolean(send(suite, "POST", "", _only_documents_1_and_2(graph), QUERY)) is True


def test_update_dataset_named_graphs(suite: Server) -> None:
    """W3C protocol case update_dataset_named_graphs: two using-named-graph-uri, the third left out."""
    graph = "http://example.org/protocol-update-dataset-named-graphs-test/"
    update = _three_documents_then(graph, "?s a dc:BibliographicResource", "GRAPH ?g { ?s a foaf:Document }")
    params = f"using-named-graph-uri={enc(data(1))}&using-named-graph-uri={enc(data(2))}"
    succeeded(send(suite, "POST", params, update, UPDATE))
    assert boolean(send(suite, "POST", "", _only_documents_1_and_2(graph), QUERY)) is True


def test_update_dataset_full(suite: Server) -> None:
    """W3C protocol case update_dataset_full: using-graph-uri and using-named-graph-uri together."""
    graph = "http://example.org/protocol-update-dataset-full-test/"
    where = (
        "{ GRAPH ?g { ?s a foaf:Document } BIND(?g AS ?in) }\n    UNION\n"
        '    { ?s a foaf:Document . BIND("default" AS ?in) }'
    )
    update = _three_documents_then(graph, "?s <http://example.org/in> ?in", where)
    params = f"using-graph-uri={enc(data(1))}&using-named-graph-uri={enc(data(2))}"
    succeeded(send(suite, "POST", params, update, UPDATE))
    ask = (
        f'ASK {{ GRAPH <{graph}> {{ <{data(1)}> <http://example.org/in> "default" .\n'
        f"  <{data(2)}> <http://example.org/in> <{data(2)}> . }}\n"
        f"  FILTER NOT EXISTS {{ GRAPH <{graph}> {{ <{data(3)}> ?p ?o }} }} }}"
    )
    assert boolean(send(suite, "POST", "", ask, QUERY)) is True


def test_update_post_form(suite: Server) -> None:
    """W3C protocol case update_post_form: update via URL-encoded POST."""
    load(suite, 1)
    succeeded(send(suite, "POST", "", "update=CLEAR+ALL", FORM))
    assert boolean(send(suite, "POST", "", "ASK { GRAPH ?g { ?s ?p ?o } }", QUERY)) is False


def test_update_post_direct(suite: Server) -> None:
    """W3C protocol case update_post_direct: update via POST directly."""
    load(suite, 1)
    succeeded(send(suite, "POST", "", "CLEAR ALL", UPDATE))
    assert boolean(send(suite, "POST", "", "ASK { GRAPH ?g { ?s ?p ?o } }", QUERY)) is False


def test_update_base_uri(suite: Server) -> None:
    """W3C protocol case update_base_uri: a relative IRI in an update resolves against the service's base.

    The case starts with CLEAR GRAPH, which SPARQL 1.1 Update makes an error for a graph the
    store does not hold (the W3C update-silent cases); the graph is made first, as it would
    be on the suite's second run.
    """
    graph = "http://example.org/protocol-base-test/"
    succeeded(send(suite, "POST", "", f"CREATE SILENT GRAPH <{graph}>", UPDATE))
    update = (
        f"CLEAR GRAPH <{graph}> ;\n"
        f"INSERT DATA {{ GRAPH <{graph}> {{ <http://example.org/s> <http://example.org/p> <test> }} }}"
    )
    succeeded(send(suite, "POST", "", update, UPDATE))
    query = f"SELECT ?o WHERE {{\n    GRAPH <{graph}> {{\n        <http://example.org/s> <http://example.org/p> ?o\n    }}\n}}"
    response = send(suite, "POST", "", query, QUERY)
    succeeded(response)
    assert media(response) in TABULAR_TYPES
    bindings = response.json()["results"]["bindings"]
    assert len(bindings) == 1
    assert bindings[0]["o"]["type"] == "uri"
    assert bindings[0]["o"]["value"] != "test"
    assert urlsplit(bindings[0]["o"]["value"]).scheme in ("http", "https")  # resolved: absolute


# -- refusals ------------------------------------------------------------------------------


def test_bad_query_method(suite: Server) -> None:
    """W3C protocol case bad_query_method: a query by PUT is a 4xx."""
    refused(send(suite, "PUT", "query=ASK%20%7B%7D&" + DATA0, b"", FORM))


def test_bad_multiple_queries(suite: Server) -> None:
    """W3C protocol case bad_multiple_queries: two query parameters are a 4xx."""
    refused(send(suite, "GET", "query=ASK%20%7B%7D&query=SELECT%20%2A%20%7B%7D"))


def test_bad_query_wrong_media_type(suite: Server) -> None:
    """W3C protocol case bad_query_wrong_media_type: a query POSTed as text/plain is a 4xx."""
    refused(send(suite, "POST", "", "ASK {}", "text/plain"))


def test_bad_query_missing_form_type(suite: Server) -> None:
    """W3C protocol case bad_query_missing_form_type: a form body without its Content-Type is a 4xx."""
    refused(send(suite, "POST", "", "query=ASK%20%7B%7D"))


def test_bad_query_missing_direct_type(suite: Server) -> None:
    """W3C protocol case bad_query_missing_direct_type: a query body without its Content-Type is a 4xx."""
    refused(send(suite, "POST", "", "ASK {}"))


def test_bad_query_non_utf8(suite: Server) -> None:
    """W3C protocol case bad_query_non_utf8: a direct query in UTF-16 (with its BOM) is a 4xx."""
    response = send(suite, "POST", "", "ASK {}".encode("utf-16"), f"{QUERY}; charset=UTF-16")
    refused(response)
    assert "UTF-16" in response.json()["error"]


def test_bad_query_syntax(suite: Server) -> None:
    """W3C protocol case bad_query_syntax: a query that does not parse is a 4xx."""
    refused(send(suite, "GET", "query=ASK%20%7B"))


def test_bad_update_get(suite: Server) -> None:
    """W3C protocol case bad_update_get: an update by GET is a 4xx, and changes nothing."""
    load(suite, 1)
    refused(send(suite, "GET", "update=CLEAR%20ALL"))
    assert boolean(send(suite, "POST", "", f"ASK {{ GRAPH <{data(1)}> {{ ?s ?p ?o }} }}", QUERY)) is True


def test_bad_multiple_updates(suite: Server) -> None:
    """W3C protocol case bad_multiple_updates: two update parameters are a 4xx, and change nothing."""
    load(suite, 1)
    refused(send(suite, "POST", "", "update=CLEAR%20NAMED&update=CLEAR%20DEFAULT", FORM))
    assert boolean(send(suite, "POST", "", f"ASK {{ GRAPH <{data(1)}> {{ ?s ?p ?o }} }}", QUERY)) is True


def test_bad_update_wrong_media_type(suite: Server) -> None:
    """W3C protocol case bad_update_wrong_media_type: an update POSTed as text/plain is a 4xx."""
    load(suite, 1)
    refused(send(suite, "POST", "", "CLEAR NAMED", "text/plain"))
    assert boolean(send(suite, "POST", "", f"ASK {{ GRAPH <{data(1)}> {{ ?s ?p ?o }} }}", QUERY)) is True


def test_bad_update_missing_form_type(suite: Server) -> None:
    """W3C protocol case bad_update_missing_form_type: a form body without its Content-Type is a 4xx."""
    load(suite, 1)
    refused(send(suite, "POST", "", "update=CLEAR%20NAMED"))
    assert boolean(send(suite, "POST", "", f"ASK {{ GRAPH <{data(1)}> {{ ?s ?p ?o }} }}", QUERY)) is True


def test_bad_update_non_utf8(suite: Server) -> None:
    """W3C protocol case bad_update_non_utf8: a direct update in UTF-16 (with its BOM) is a 4xx."""
    load(suite, 1)
    response = send(suite, "POST", "", "CLEAR NAMED".encode("utf-16"), f"{UPDATE}; charset=UTF-16")
    refused(response)
    assert "UTF-16" in response.json()["error"]
    assert boolean(send(suite, "POST", "", f"ASK {{ GRAPH <{data(1)}> {{ ?s ?p ?o }} }}", QUERY)) is True


def test_bad_update_syntax(suite: Server) -> None:
    """W3C protocol case bad_update_syntax: an update that does not parse is a 4xx."""
    refused(send(suite, "POST", "", "update=CLEAR%20XYZ", FORM))


def test_bad_update_dataset_conflict(suite: Server) -> None:
    """W3C protocol case bad_update_dataset_conflict: using-named-graph-uri with WITH is a 4xx."""
    update = (
        "PREFIX foaf:  <http://xmlns.com/foaf/0.1/>\nWITH <http://example/addresses>\n"
        "DELETE { ?person foaf:givenName 'Bill' }\nINSERT { ?person foaf:givenName 'William' }\n"
        "WHERE {\n    ?person foaf:givenName 'Bill'\n}"
    )
    refused(send(suite, "POST", "using-named-graph-uri=" + enc("http://example/people"), update, UPDATE))


def test_bad_update_form_body_missing(suite: Server) -> None:
    """SPARQL 1.2 protocol case bad_update_form_body_missing: a form POST's update in the URL is a 4xx."""
    load(suite, 1)
    refused(send(suite, "POST", "update=CLEAR%20ALL", b"", FORM))
    assert boolean(send(suite, "POST", "", f"ASK {{ GRAPH <{data(1)}> {{ ?s ?p ?o }} }}", QUERY)) is True


# -- Service Description -------------------------------------------------------------------

# The SPARQL 1.1 Service Description vocabulary: its properties, and which take IRIs only.
SD_PROPERTIES = {
    "endpoint", "supportedLanguage", "feature", "defaultEntailmentRegime", "defaultDataset",
    "resultFormat", "inputFormat", "extensionFunction", "extensionAggregate", "languageExtension",
    "propertyFeature", "defaultSupportedEntailmentProfile", "supportedEntailmentProfile",
    "availableGraphs", "defaultGraph", "namedGraph", "name", "graph", "entailmentRegime",
    "entailmentProfile",
}
SD_IRI_VALUED = {
    "endpoint", "supportedLanguage", "feature", "defaultEntailmentRegime", "resultFormat",
    "inputFormat", "extensionFunction", "extensionAggregate", "languageExtension", "propertyFeature",
    "name", "entailmentRegime",
}
SD_LANGUAGES = {SD.SPARQL10Query, SD.SPARQL11Query, SD.SPARQL11Update}
SD_FEATURES = {SD.DereferencesURIs, SD.UnionDefaultGraph, SD.RequiresDataset, SD.EmptyGraphs, SD.BasicFederatedQuery}


def _description(server: Server, accept: str | None = None) -> rdflib.Graph:
    response = server.client.get("/sparql", headers={"Accept": accept} if accept else {})
    assert response.status_code == 200, response.text
    assert media(response) in RDF_PARSERS, media(response)
    with warnings.catch_warnings():  # rdflib's JSON-LD parser warns about its own deprecations
        warnings.simplefilter("ignore", DeprecationWarning)
        graph = rdflib.Graph().parse(data=response.content, format=RDF_PARSERS[media(response)])
    assert len(graph) > 0
    return graph


def test_has_endpoint_triple(small: Server) -> None:
    """W3C service-description case has-endpoint-triple: sd:endpoint names the URL fetched."""
    graph = _description(small)
    assert (None, SD.endpoint, URIRef(small.base + "/sparql")) in graph


@pytest.mark.parametrize("accept", [None, "*/*", "text/turtle", "application/rdf+xml", "application/ld+json",
                                    "application/n-triples", "application/rdf+xml, text/turtle;q=0.9"])
def test_returns_rdf(small: Server, accept: str | None) -> None:
    """W3C service-description case returns-rdf: GET on the endpoint returns RDF."""
    graph = _description(small, accept)
    assert len(list(graph.subjects(RDF.type, SD.Service))) == 1


def test_conforms_to_schema(suite: Server) -> None:
    """W3C service-description case conforms-to-schema: the description keeps to the SD vocabulary."""
    graph = _description(suite)
    services = list(graph.subjects(RDF.type, SD.Service))
    assert len(services) == 1
    service = services[0]
    assert list(graph.objects(service, SD.endpoint))
    assert set(graph.objects(service, SD.supportedLanguage)) == {SD.SPARQL11Query, SD.SPARQL11Update}
    assert set(graph.objects(service, SD.supportedLanguage)) <= SD_LANGUAGES
    assert set(graph.objects(service, SD.feature)) <= SD_FEATURES
    for subject, predicate, value in graph:
        if str(predicate).startswith(str(SD)):
            name = str(predicate)[len(str(SD)):]
            assert name in SD_PROPERTIES, predicate
            if name in SD_IRI_VALUED:
                assert isinstance(value, URIRef), (predicate, value)
    for dataset in graph.objects(service, SD.defaultDataset):
        assert (dataset, RDF.type, SD.Dataset) in graph
        assert len(list(graph.objects(dataset, SD.defaultGraph))) <= 1
        for graph_node in graph.objects(dataset, SD.defaultGraph):
            assert (graph_node, RDF.type, SD.Graph) in graph
        for named in graph.objects(dataset, SD.namedGraph):
            assert (named, RDF.type, SD.NamedGraph) in graph
            assert len(list(graph.objects(named, SD.name))) == 1
