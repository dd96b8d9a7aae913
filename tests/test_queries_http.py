"""Saved queries over HTTP on the real server: /api, /api/<name>, formats, errors, OpenAPI."""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from conftest import Server, start_server, write_project
from openapi_spec_validator import validate as validate_openapi
from pyoxigraph import RdfFormat, parse

DATA = """
@prefix ot: <https://w3id.org/onteam/ontology#> .
@prefix id: <https://w3id.org/onteam/id/> .
@prefix org: <http://www.w3.org/ns/org#> .
@prefix rdfs: <http://www.w3.org/2000/01/rdf-schema#> .
@prefix xsd: <http://www.w3.org/2001/XMLSchema#> .
id:ai-one-team a ot:Consortium ; rdfs:label "AI 원팀"@ko , "AI One Team"@en ;
    ot:foundingDate "2020-02"^^xsd:gYearMonth ; ot:statedMemberCount 10 ;
    ot:ledBy id:kt ; ot:hasMember id:kt , id:kaist , id:etri .
id:cloud-one-team a ot:Consortium ; rdfs:label "클라우드 원팀"@ko , "Cloud One Team"@en ;
    ot:foundingDate "2020-11"^^xsd:gYearMonth ; ot:statedMemberCount 22 ; ot:hasMember id:kt , id:kaist .
id:kt a ot:Organization ; rdfs:label "KT"@ko , "KT"@en .
id:kaist a ot:Organization ; rdfs:label "한국과학기술원"@ko , "KAIST"@en .
id:etri a ot:Organization ; rdfs:label "한국전자통신연구원"@ko , "ETRI"@en .
id:membership-ai-one-team-kt a ot:Membership ; org:member id:kt ; org:organization id:ai-one-team ;
    org:role id:role-lead ; ot:asOf "2021-09"^^xsd:gYearMonth .
"""
PREFIXES = (
    "PREFIX ot: <https://w3id.org/onteam/ontology#>\n"
    "PREFIX rdfs: <http://www.w3.org/2000/01/rdf-schema#>\n"
)
QUERIES = {
    "members": (
        "#+ summary: Members of one consortium\n"
        "#+ description: Each member with its English name.\n"
        "#+ tags: [membership]\n"
        "#+ params:\n#+   consortium: The consortium\n"
        "#+ enumerate:\n#+   consortium: |\n"
        "#+     SELECT ?c WHERE { ?c a <https://w3id.org/onteam/ontology#Consortium> }\n"
        + PREFIXES
        + "SELECT ?_consortium_iri ?org ?label WHERE {\n"
        "  ?_consortium_iri ot:hasMember ?org . ?org rdfs:label ?label FILTER(LANG(?label) = 'en')\n"
        "} ORDER BY ?label\n"
    ),
    "founded": (
        "#+ summary: Consortia founded in a month, or all\n"
        "#+ method: GET\n"
        "#+ enumerate: {lang: [ko, en]}\n"
        "#+ defaults: {lang: en}\n"
        + PREFIXES
        + "SELECT ?c ?label ?__month_gYearMonth ?__lang ?__count_integer WHERE {\n"
        "  ?c ot:foundingDate ?__month_gYearMonth ; rdfs:label ?label .\n"
        "  ?c ot:statedMemberCount ?n .\n"
        "  FILTER(LANG(?label) = ?__lang && COALESCE(?n = ?__count_integer, true))\n"
        "} ORDER BY ?c\n"
    ),
    "labels": (
        "#+ summary: Every name\n#+ pagination: 3\n"
        + PREFIXES
        + "SELECT ?s ?label WHERE { ?s rdfs:label ?label } ORDER BY ?s ?label\n"
    ),
    "search": (
        "#+ summary: Names containing a text\n#+ method: POST\n"
        + PREFIXES
        + "SELECT ?_q ?s WHERE { ?s rdfs:label ?l FILTER(CONTAINS(LCASE(STR(?l)), LCASE(STR(?_q)))) } ORDER BY ?s\n"
    ),
    "consortium": (
        "#+ summary: One consortium as RDF\n"
        + PREFIXES
        + "CONSTRUCT { ?_consortium_iri ?p ?o } WHERE { ?_consortium_iri ?p ?o }\n"
    ),
    "led": PREFIXES + "ASK { ?_consortium_iri ot:ledBy ?_organization_iri }\n",
}
AI = "https://w3id.org/onteam/id/ai-one-team"
KT = "https://w3id.org/onteam/id/kt"


@pytest.fixture(scope="module")
def api(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    """One server over the small graph and the saved queries above."""
    root = write_project(tmp_path_factory.mktemp("api-root"), DATA, queries=QUERIES)
    running = start_server(tmp_path_factory.mktemp("api"), "--memory", root=root)
    yield running
    running.stop()


def bindings(response) -> list[dict[str, str]]:  # type: ignore[no-untyped-def]
    assert response.status_code == 200, response.text
    return [{k: v["value"] for k, v in row.items()} for row in response.json()["results"]["bindings"]]


def error(response, status: int) -> str:  # type: ignore[no-untyped-def]
    assert response.status_code == status, response.text
    body = response.json()
    assert body["ok"] is False and body["status"] == status
    return body["error"]


# -- listing -----------------------------------------------------------------------------


def test_api_lists_every_saved_query_with_its_parameters(api: Server) -> None:
    listing = api.client.get("/api").json()["queries"]
    assert [q["name"] for q in listing] == sorted(QUERIES)
    members = next(q for q in listing if q["name"] == "members")
    assert members["summary"] == "Members of one consortium"
    assert members["description"] == "Each member with its English name."
    assert members["tags"] == ["membership"]
    assert members["form"] == "select"
    assert members["url"] == api.base + "/api/members"
    assert members["query_url"] == api.base + "/api/members.rq"
    assert members["parameters"] == [
        {
            "name": "consortium",
            "variable": "?_consortium_iri",
            "required": True,
            "type": "iri",
            "datatype": None,
            "lang": None,
            "enum": [AI, "https://w3id.org/onteam/id/cloud-one-team"],
            "default": None,
            "description": "The consortium",
        }
    ]


def test_api_lists_types_defaults_and_enumerations(api: Server) -> None:
    founded = next(q for q in api.client.get("/api").json()["queries"] if q["name"] == "founded")
    assert founded["methods"] == ["GET"]
    params = {p["name"]: p for p in founded["parameters"]}
    assert params["month"]["type"] == "gYearMonth" and params["month"]["required"] is False
    assert params["month"]["datatype"] == "http://www.w3.org/2001/XMLSchema#gYearMonth"
    assert params["lang"]["enum"] == ["ko", "en"] and params["lang"]["default"] == "en"
    assert params["count"]["type"] == "integer"


# -- running -----------------------------------------------------------------------------


def test_saved_query_runs_with_its_parameter(api: Server) -> None:
    rows = bindings(api.client.get("/api/members", params={"consortium": AI}))
    assert [r["label"] for r in rows] == ["ETRI", "KAIST", "KT"]
    assert {r["_consortium_iri"] for r in rows} == {AI}


def test_optional_parameters_left_out_use_defaults_or_stay_unbound(api: Server) -> None:
    rows = bindings(api.client.get("/api/founded"))
    assert [r["label"] for r in rows] == ["AI One Team", "Cloud One Team"]


def test_optional_typed_parameters_restrict_the_results(api: Server) -> None:
    assert [r["label"] for r in bindings(api.client.get("/api/founded", params={"month": "2020-11", "lang": "ko"}))] == [
        "클라우드 원팀"
    ]
    assert [r["label"] for r in bindings(api.client.get("/api/founded", params={"count": "10"}))] == ["AI One Team"]


def test_post_form_runs_the_saved_query(api: Server) -> None:
    rows = bindings(api.client.post("/api/members", data={"consortium": "https://w3id.org/onteam/id/cloud-one-team"}))
    assert [r["label"] for r in rows] == ["KAIST", "KT"]


def test_post_with_parameters_in_url_and_body_merges_them(api: Server) -> None:
    response = api.client.post("/api/members?format=csv", data={"consortium": AI})
    assert response.status_code == 200 and response.headers["content-type"].startswith("text/csv")


def test_post_with_json_body_is_415(api: Server) -> None:
    error(api.client.post("/api/members", json={"consortium": AI}), 415)


def test_ask_query_answers_a_boolean(api: Server) -> None:
    response = api.client.get("/api/led", params={"consortium": AI, "organization": KT})
    assert response.status_code == 200 and response.json()["boolean"] is True
    response = api.client.get("/api/led", params={"consortium": AI, "organization": "https://w3id.org/onteam/id/etri"})
    assert response.json()["boolean"] is False


@pytest.mark.parametrize(
    ("accept", "media"),
    [
        (None, "application/sparql-results+json"),
        ("*/*", "application/sparql-results+json"),
        ("application/sparql-results+json", "application/sparql-results+json"),
        ("application/sparql-results+xml", "application/sparql-results+xml"),
        ("text/csv", "text/csv"),
        ("text/tab-separated-values", "text/tab-separated-values"),
        ("text/csv;q=0.5, application/sparql-results+xml", "application/sparql-results+xml"),
    ],
)
def test_select_answers_in_the_accepted_format(api: Server, accept: str | None, media: str) -> None:
    headers = {"Accept": accept} if accept else {}
    response = api.client.get("/api/members", params={"consortium": AI}, headers=headers)
    assert response.status_code == 200
    assert response.headers["content-type"].split(";")[0] == media


@pytest.mark.parametrize(
    ("fmt", "media"),
    [("json", "application/sparql-results+json"), ("xml", "application/sparql-results+xml"), ("csv", "text/csv"), ("tsv", "text/tab-separated-values")],
)
def test_select_format_parameter_wins_over_accept(api: Server, fmt: str, media: str) -> None:
    response = api.client.get("/api/members", params={"consortium": AI, "format": fmt}, headers={"Accept": "text/csv"})
    assert response.headers["content-type"].split(";")[0] == media


def test_csv_rows_are_the_members(api: Server) -> None:
    response = api.client.get("/api/members", params={"consortium": AI}, headers={"Accept": "text/csv"})
    assert response.text.splitlines() == [
        "_consortium_iri,org,label",
        f"{AI},https://w3id.org/onteam/id/etri,ETRI",
        f"{AI},https://w3id.org/onteam/id/kaist,KAIST",
        f"{AI},{KT},KT",
    ]


@pytest.mark.parametrize(
    ("accept", "media", "fmt"),
    [
        (None, "text/turtle", RdfFormat.TURTLE),
        ("application/n-triples", "application/n-triples", RdfFormat.N_TRIPLES),
        ("application/ld+json", "application/ld+json", RdfFormat.JSON_LD),
        ("application/rdf+xml", "application/rdf+xml", RdfFormat.RDF_XML),
    ],
)
def test_construct_answers_rdf_in_the_accepted_format(api: Server, accept: str | None, media: str, fmt: RdfFormat) -> None:
    headers = {"Accept": accept} if accept else {}
    response = api.client.get("/api/consortium", params={"consortium": AI}, headers=headers)
    assert response.status_code == 200
    assert response.headers["content-type"].split(";")[0] == media
    triples = list(parse(response.content, format=fmt))
    assert len(triples) == 9 and all(t.subject.value == AI for t in triples)


def test_construct_format_parameter_gives_ntriples(api: Server) -> None:
    response = api.client.get("/api/consortium", params={"consortium": AI, "format": "nt"})
    assert response.headers["content-type"].startswith("application/n-triples")


def test_nothing_acceptable_is_406(api: Server) -> None:
    error(api.client.get("/api/members", params={"consortium": AI}, headers={"Accept": "image/png"}), 406)


# -- the query text ----------------------------------------------------------------------


def test_dot_rq_returns_the_query_file(api: Server) -> None:
    response = api.client.get("/api/members.rq")
    assert response.status_code == 200
    assert response.headers["content-type"] == "application/sparql-query; charset=utf-8"
    assert response.text == QUERIES["members"]


def test_format_sparql_returns_the_query_file(api: Server) -> None:
    assert api.client.get("/api/labels", params={"format": "sparql"}).text == QUERIES["labels"]


def test_accept_sparql_query_returns_the_query_file(api: Server) -> None:
    response = api.client.get("/api/consortium", headers={"Accept": "application/sparql-query"})
    assert response.status_code == 200 and response.text == QUERIES["consortium"]


def test_unknown_name_dot_rq_is_404(api: Server) -> None:
    assert "'nope'" in error(api.client.get("/api/nope.rq"), 404)


# -- errors ------------------------------------------------------------------------------


def test_unknown_saved_query_is_404(api: Server) -> None:
    assert error(api.client.get("/api/nope"), 404) == "No saved query 'nope'; GET /api lists them"


def test_missing_required_parameter_is_400_naming_it(api: Server) -> None:
    response = api.client.get("/api/members")
    assert "Missing required parameter 'consortium'" in error(response, 400)
    assert response.json()["parameter"] == "consortium"


def test_invalid_iri_is_400_naming_the_parameter(api: Server) -> None:
    message = error(api.client.get("/api/members", params={"consortium": "not an iri"}), 400)
    assert message.startswith("Parameter 'consortium': 'not an iri' is not an absolute IRI")


def test_invalid_integer_is_400_naming_the_parameter(api: Server) -> None:
    message = error(api.client.get("/api/founded", params={"count": "abc"}), 400)
    assert message == "Parameter 'count': 'abc' is not a valid xsd:integer"


def test_invalid_gyearmonth_is_400_naming_the_parameter(api: Server) -> None:
    assert "xsd:gYearMonth" in error(api.client.get("/api/founded", params={"month": "2020-13"}), 400)


def test_value_outside_a_query_enumeration_is_400(api: Server) -> None:
    message = error(api.client.get("/api/members", params={"consortium": KT}), 400)
    assert message.startswith(f"Parameter 'consortium': '{KT}' is not one of: {AI}")


def test_value_outside_a_list_enumeration_is_400(api: Server) -> None:
    assert "not one of: en, ko" in error(api.client.get("/api/founded", params={"lang": "fr"}), 400)


def test_unknown_parameter_is_400_naming_it(api: Server) -> None:
    response = api.client.get("/api/members", params={"consortium": AI, "consortum": AI})
    assert "Unknown parameter 'consortum'" in error(response, 400)
    assert response.json()["unknown"] == ["consortum"]


def test_client_parameters_are_not_unknown(api: Server) -> None:
    response = api.client.get("/api/members", params={"consortium": AI, "output": "json", "_": "123"})
    assert response.status_code == 200


def test_repeated_parameter_is_400(api: Server) -> None:
    response = api.client.get(f"/api/members?consortium={AI}&consortium={AI}")
    assert "given 2 times" in error(response, 400)
    assert response.json()["parameter"] == "consortium"


def test_get_on_a_post_only_query_is_405_with_allow(api: Server) -> None:
    response = api.client.get("/api/search", params={"q": "kt"})
    assert "answers POST, not GET" in error(response, 405)
    assert response.headers["allow"] == "POST"


def test_post_on_a_get_only_query_is_405_with_allow(api: Server) -> None:
    response = api.client.post("/api/founded")
    error(response, 405)
    assert response.headers["allow"] == "GET, HEAD"


def test_head_on_a_saved_query_answers_as_get_without_a_body(api: Server) -> None:
    get = api.client.get("/api/founded")
    head = api.client.head("/api/founded")
    assert get.status_code == head.status_code == 200
    assert head.headers["content-type"] == get.headers["content-type"]
    assert get.content and head.content == b""


def test_head_on_a_post_only_query_is_405(api: Server) -> None:
    response = api.client.head("/api/search")
    assert response.status_code == 405
    assert response.headers["allow"] == "POST"


# -- hostile values over HTTP -------------------------------------------------------------


@pytest.mark.parametrize(
    "value",
    ['"', "'", "} ; DROP ALL ; {", '") } DELETE WHERE { ?s ?p ?o } #', "a\nb\r\n", "\x00", "원팀 😀"],
)
def test_hostile_values_return_normal_results(api: Server, value: str) -> None:
    before = _triple_count(api)
    response = api.client.post("/api/search", data={"q": value})
    assert response.status_code == 200
    assert response.json()["head"]["vars"] == ["_q", "s"]
    assert all(row["_q"]["value"] == value.replace("\r\n", "\n") or row["_q"]["value"] == value
               for row in response.json()["results"]["bindings"])
    assert _triple_count(api) == before == 30


def _triple_count(api: Server) -> int:
    count = api.client.get("/sparql", params={"query": "SELECT (COUNT(*) AS ?n) { ?s ?p ?o }"}).json()
    return int(count["results"]["bindings"][0]["n"]["value"])


def test_hostile_value_finds_only_what_contains_it(api: Server) -> None:
    rows = bindings(api.client.post("/api/search", data={"q": "원팀"}))
    assert [r["s"] for r in rows] == ["https://w3id.org/onteam/id/ai-one-team", "https://w3id.org/onteam/id/cloud-one-team"]


def test_broken_utf8_in_the_url_is_400_naming_the_byte(api: Server) -> None:
    # Strict UTF-8 everywhere (limits.parse_form): never a query on U+FFFD the client did not send.
    message = error(api.client.post("/api/search?q=%FF%FEkt"), 400)
    assert message == "Parameter 'q' in the query string is not valid UTF-8: byte 0xff at offset 0"


def test_huge_value_is_400_naming_the_parameter(api: Server) -> None:
    response = api.client.post("/api/search", data={"q": "x" * 100_000})
    assert "Parameter 'q' is 100000 characters long" in error(response, 400)


def test_hostile_iri_is_400(api: Server) -> None:
    message = error(api.client.get("/api/members", params={"consortium": f"{AI}> }} ; DROP ALL ; {{ <urn:x"}), 400)
    assert "'consortium'" in message


def test_grlc_number_parameter_matches_integers_and_is_documented_as_a_number(
    make_query_root: Callable[..., Path], make_server: Callable[..., Server]
) -> None:
    query = PREFIXES + "SELECT ?c ?_n_number WHERE { ?c ot:statedMemberCount ?_n_number } ORDER BY ?c\n"
    running = make_server("--memory", root=make_query_root(DATA, {"sized": query}))
    assert [r["c"] for r in bindings(running.client.get("/api/sized", params={"n": "22"}))] == [
        "https://w3id.org/onteam/id/cloud-one-team"
    ]
    assert "is not a number" in error(running.client.get("/api/sized", params={"n": "many"}), 400)
    params = {p["name"]: p for p in running.client.get("/openapi.json").json()["paths"]["/api/sized"]["get"]["parameters"]}
    assert params["n"]["schema"] == {"type": "number"}
    listed = running.client.get("/api").json()["queries"][0]["parameters"][0]
    assert (listed["type"], listed["datatype"]) == ("number", None)


# -- pagination --------------------------------------------------------------------------


def _links(response) -> dict[str, str]:  # type: ignore[no-untyped-def]
    return {rel: url for url, rel in re.findall(r'<([^>]*)>; rel="(\w+)"', response.headers.get("link", ""))}


def test_first_page_links_to_next_and_last_but_not_prev(api: Server) -> None:
    response = api.client.get("/api/labels", params={"format": "json"})
    assert len(bindings(response)) == 3
    links = _links(response)
    assert set(links) == {"first", "next", "last"}
    assert links["next"] == api.base + "/api/labels?format=json&page=2"
    assert links["last"] == api.base + "/api/labels?format=json&page=4"


def test_middle_page_links_both_ways(api: Server) -> None:
    response = api.client.get("/api/labels", params={"page": "2"})
    assert len(bindings(response)) == 3
    assert set(_links(response)) == {"first", "prev", "next", "last"}


def test_last_page_has_no_next(api: Server) -> None:
    responses = [api.client.get("/api/labels", params={"page": str(n)}) for n in range(1, 6)]
    pages = [r.json()["results"]["bindings"] for r in responses]
    assert [len(p) for p in pages] == [3, 3, 3, 1, 0]
    seen = [(r["s"]["value"], r["label"]["value"], r["label"]["xml:lang"]) for page in pages for r in page]
    assert len(seen) == len(set(seen)) == 10
    last = api.client.get("/api/labels", params={"page": "4"})
    links = _links(last)
    assert set(links) == {"first", "prev", "last"}
    assert links["last"] == api.base + "/api/labels?page=4"


def test_page_past_the_end_links_prev_to_the_last_page(api: Server) -> None:
    links = _links(api.client.get("/api/labels", params={"page": "9"}))
    assert set(links) == {"first", "prev", "last"}
    assert links["prev"] == links["last"] == api.base + "/api/labels?page=4"


def test_empty_answer_has_one_page(
    make_query_root: Callable[..., Path], make_server: Callable[..., Server]
) -> None:
    query = "#+ pagination: 2\n" + PREFIXES + "SELECT ?s WHERE { ?s a ot:Nothing } ORDER BY ?s\n"
    running = make_server("--memory", root=make_query_root(DATA, {"nothing": query}))
    response = running.client.get("/api/nothing")
    assert bindings(response) == []
    first = running.base + "/api/nothing?page=1"
    assert _links(response) == {"first": first, "last": first}


def test_paged_construct_links_next_without_last(
    make_query_root: Callable[..., Path], make_server: Callable[..., Server]
) -> None:
    # A CONSTRUCT page is `pagination` solutions; triples do not tell how many there are.
    query = "#+ pagination: 2\n" + PREFIXES + "CONSTRUCT { ?s rdfs:label ?l } WHERE { ?s rdfs:label ?l } ORDER BY ?s ?l\n"
    running = make_server("--memory", root=make_query_root(DATA, {"names": query}))
    response = running.client.get("/api/names", params={"format": "nt"})
    assert response.status_code == 200
    assert len(response.text.strip().splitlines()) == 2
    assert set(_links(response)) == {"first", "next"}


def test_head_of_a_page_has_the_same_links_as_get(api: Server) -> None:
    get = api.client.get("/api/labels", params={"page": "2"})
    head = api.client.head("/api/labels", params={"page": "2"})
    assert head.status_code == 200 and head.content == b""
    assert head.headers["link"] == get.headers["link"]


def test_page_zero_is_400(api: Server) -> None:
    assert "'page'" in error(api.client.get("/api/labels", params={"page": "0"}), 400)


def test_page_on_an_unpaginated_query_is_400(api: Server) -> None:
    assert "Unknown parameter 'page'" in error(api.client.get("/api/members", params={"consortium": AI, "page": "1"}), 400)


# -- OpenAPI -----------------------------------------------------------------------------


def test_openapi_documents_every_saved_query_and_its_parameters(api: Server) -> None:
    paths = api.client.get("/openapi.json").json()["paths"]
    for name in QUERIES:
        assert f"/api/{name}" in paths
    members = paths["/api/members"]
    assert set(members) == {"get", "post"}
    get = members["get"]
    assert get["summary"] == "Members of one consortium" and get["tags"] == ["membership"]
    consortium = next(p for p in get["parameters"] if p["name"] == "consortium")
    assert consortium["required"] is True and consortium["in"] == "query"
    assert consortium["schema"]["format"] == "uri"
    assert consortium["schema"]["enum"] == [AI, "https://w3id.org/onteam/id/cloud-one-team"]
    assert "The consortium" in consortium["description"]
    assert "application/sparql-results+json" in get["responses"]["200"]["content"]


def test_openapi_types_optional_parameters_and_pages(api: Server) -> None:
    paths = api.client.get("/openapi.json").json()["paths"]
    assert set(paths["/api/founded"]) == {"get"}
    params = {p["name"]: p for p in paths["/api/founded"]["get"]["parameters"]}
    assert params["count"]["schema"]["type"] == "integer" and params["count"]["required"] is False
    assert params["lang"]["schema"] == {"type": "string", "enum": ["ko", "en"], "default": "en"}
    labels = {p["name"]: p for p in paths["/api/labels"]["get"]["parameters"]}
    assert labels["page"]["schema"] == {"type": "integer", "minimum": 1, "maximum": 1_000_000, "default": 1}
    assert "text/turtle" in paths["/api/consortium"]["get"]["responses"]["200"]["content"]


def test_openapi_post_form_body_lists_the_parameters(api: Server) -> None:
    path = api.client.get("/openapi.json").json()["paths"]["/api/members"]
    schema = path["post"]["requestBody"]["content"]["application/x-www-form-urlencoded"]["schema"]
    assert schema["properties"]["consortium"]["format"] == "uri"
    assert set(schema["properties"]) == {p["name"] for p in path["get"]["parameters"]}


def test_openapi_documents_the_link_header_of_paginated_queries_only(api: Server) -> None:
    paths = api.client.get("/openapi.json").json()["paths"]
    assert "Link" in paths["/api/labels"]["get"]["responses"]["200"]["headers"]
    assert "headers" not in paths["/api/members"]["get"]["responses"]["200"]


def test_openapi_document_is_valid_openapi_3(api: Server) -> None:
    validate_openapi(api.client.get("/openapi.json").json())  # raises, naming the invalid part


# -- startup -----------------------------------------------------------------------------


def test_broken_query_file_stops_startup_naming_it(
    make_query_root: Callable[..., Path], make_server: Callable[..., Server]
) -> None:
    root = make_query_root(DATA, {"good": QUERIES["members"], "broken": "#+ summary: x\nSELECT ?s WHERE { ?s ?p\n"})
    with pytest.raises(RuntimeError) as info:
        make_server("--memory", root=root)
    message = str(info.value)
    assert re.search(r"exited with [1-9]", message)
    assert "broken.rq: line" in message and "SPARQL syntax error" in message


def test_broken_header_stops_startup_naming_file_and_line(
    make_query_root: Callable[..., Path], make_server: Callable[..., Server]
) -> None:
    root = make_query_root(DATA, {"bad-header": "#+ summary: x\n#+ tags: [open\n" + QUERIES["labels"]})
    with pytest.raises(RuntimeError) as info:
        make_server("--memory", root=root)
    assert "bad-header.rq: line" in str(info.value) and "invalid '#+' header" in str(info.value)


def test_unknown_decorator_stops_startup(
    make_query_root: Callable[..., Path], make_server: Callable[..., Server]
) -> None:
    root = make_query_root(DATA, {"typo": "#+ sumary: x\n" + QUERIES["labels"]})
    with pytest.raises(RuntimeError) as info:
        make_server("--memory", root=root)
    assert "typo.rq: unknown decorator 'sumary'" in str(info.value)


def test_root_without_queries_serves_an_empty_listing(
    make_root: Callable[..., Path], make_server: Callable[..., Server]
) -> None:
    running = make_server("--memory", root=make_root(DATA))
    assert running.client.get("/api").json() == {"queries": []}
    assert running.client.get("/api/anything").status_code == 404


# -- the short way in ----------------------------------------------------------------------
# A call without Origin and without gzip in Accept-Encoding skips routing, CORS and gzip
# (app.OnTeam, sparql.direct); with gzip allowed it takes the whole stack. Both must answer alike.

SHORTCUT_CASES = [
    ("GET", "/api/members", {"consortium": AI}, {}),
    ("GET", "/api/members", {"consortium": AI}, {"Accept": "text/csv"}),
    ("GET", "/api/members", {"consortium": "not an iri"}, {}),
    ("GET", "/api/members", {"consortium": AI}, {"Accept": "image/png"}),
    ("HEAD", "/api/labels", {"page": "2"}, {}),
    ("GET", "/api/labels", {"page": "3", "format": "xml"}, {}),
    ("POST", "/api/search", {"q": "kt"}, {}),
    ("GET", "/api/search", {"q": "kt"}, {}),
    ("GET", "/api/consortium", {"consortium": AI}, {"Accept": "text/turtle"}),
]


@pytest.mark.parametrize(("method", "path", "params", "headers"), SHORTCUT_CASES)
def test_a_call_answers_alike_on_the_short_way_and_through_the_whole_stack(
    api: Server, method: str, path: str, params: dict[str, str], headers: dict[str, str]
) -> None:
    def call(encoding: str):  # type: ignore[no-untyped-def]
        sent = {**headers, "Accept-Encoding": encoding}
        if method == "POST":
            return api.client.post(path, data=params, headers=sent)
        return api.client.request(method, path, params=params, headers=sent)

    short, whole = call("identity"), call("gzip")
    assert whole.headers.get("content-encoding") in (None, "gzip")  # httpx has decoded it
    assert short.status_code == whole.status_code
    assert short.content == whole.content
    for name in ("content-type", "etag", "last-modified", "cache-control", "link", "allow"):
        assert short.headers.get(name) == whole.headers.get(name), name
    assert "Origin" in short.headers["vary"] and "Origin" in whole.headers["vary"]


def test_calls_on_the_short_way_are_counted_under_their_route(api: Server) -> None:
    def counted() -> float:
        wanted = 'onteam_http_requests_total{method="GET",route="/api/members",status="200"}'
        line = next((x for x in api.client.get("/metrics").text.splitlines() if x.startswith(wanted)), None)
        return float(line.rsplit(" ", 1)[1]) if line else 0.0

    before = counted()
    for _ in range(3):
        response = api.client.get("/api/members", params={"consortium": AI}, headers={"Accept-Encoding": "identity"})
        assert response.status_code == 200
    assert counted() == before + 3
