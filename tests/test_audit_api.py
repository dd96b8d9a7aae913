"""Acceptance audit of the saved queries (/api, /api/{name}, /openapi.json): the edge cases the
other suites did not reach, each checked end to end on the real server over the project's data."""

from __future__ import annotations

import unicodedata
from pathlib import Path
from typing import Any

import pytest
from conftest import Server

from server.queries import SavedQueryError, load_saved_query

ID = "https://w3id.org/onteam/id/"
OT = "https://w3id.org/onteam/ontology#"
JSON = {"Accept": "application/sparql-results+json"}
FORM = "application/x-www-form-urlencoded"


def rows(server: Server, name: str, **params: str) -> list[dict[str, str]]:
    """The SELECT answer of /api/<name> as plain values (absent columns left out)."""
    response = server.client.get(f"/api/{name}", params=params, headers=JSON)
    assert response.status_code == 200, response.text
    return [{k: v["value"] for k, v in row.items()} for row in response.json()["results"]["bindings"]]


def operation(server: Server, name: str, method: str = "get") -> dict[str, Any]:
    document = server.client.get("/openapi.json").json()
    return document["paths"][f"/api/{name}"][method]


def parameter(server: Server, name: str, param: str, method: str = "get") -> dict[str, Any]:
    return next(p for p in operation(server, name, method)["parameters"] if p["name"] == param)


# -- Answers against the article --------------------------------------------------------


def test_timeline_has_the_dates_the_source_gives_its_member_counts_for(server: Server) -> None:
    # "15곳(7월 기준)": the article dates its count of Gwanghwamun participants; "everything dated"
    # includes that fact, with the count the article states (not only the 14 it names).
    found = [row for row in rows(server, "timeline") if row["property"] == OT + "statedMemberCountAsOf"]
    stated = {(row["what"], row["date"], row.get("members")) for row in found}
    assert (ID + "gwanghwamun-one-team", "2021-07", "15") in stated
    assert (ID + "cloud-one-team", "2021-01", "22") in stated


def test_one_teams_give_the_date_of_the_stated_member_count(server: Server) -> None:
    teams = {row["consortium"]: row for row in rows(server, "one-teams")}
    gwanghwamun = teams[ID + "gwanghwamun-one-team"]
    assert (gwanghwamun["stated_member_count"], gwanghwamun["stated_member_count_as_of"]) == ("15", "2021-07")
    assert "stated_member_count_as_of" not in teams[ID + "metaverse-one-team"]  # the article gives no date


# -- Formats as /sparql reads them ----------------------------------------------------------


def test_repeated_format_parameters_as_sparqlwrapper_sends_them(server: Server) -> None:
    # /sparql takes format/output/results repeated (SPARQLWrapper sends them so); /api does the same.
    params = [("format", "csv"), ("format", "text/csv,application/json")]
    response = server.client.get("/api/kinds", params=params)
    assert response.status_code == 200, response.text
    assert response.headers["content-type"].startswith("text/csv")


def test_format_repeated_with_a_first_value_naming_no_format_falls_to_the_next(server: Server) -> None:
    response = server.client.get("/api/kinds", params=[("format", "image/png"), ("format", "tsv")])
    assert response.status_code == 200, response.text
    assert response.headers["content-type"].startswith("text/tab-separated-values")


def test_post_form_in_utf16_is_read_in_its_declared_charset(server: Server) -> None:
    # /sparql decodes a form body in the charset its Content-Type declares; so does /api.
    body = "q=%ED%95%9C%EA%B5%AD%EA%B3%BC%ED%95%99%EA%B8%B0%EC%88%A0%EC%9B%90".encode("utf-16")
    response = server.client.post(
        "/api/search", content=body, headers={"Content-Type": f"{FORM}; charset=utf-16", **JSON}
    )
    assert response.status_code == 200, response.text
    found = {row["resource"]["value"] for row in response.json()["results"]["bindings"]}
    assert ID + "kaist" in found


def test_post_form_in_an_unknown_charset_is_415(server: Server) -> None:
    response = server.client.post(
        "/api/search", content=b"q=kaist", headers={"Content-Type": f"{FORM}; charset=no-such-charset"}
    )
    assert response.status_code == 415, response.text
    assert "no-such-charset" in response.json()["error"]


# -- The OpenAPI document says what the server accepts ----------------------------------


def test_openapi_form_body_refuses_fields_the_server_refuses(server: Server) -> None:
    response = server.client.post("/api/kinds", data={"bogus": "1"})
    assert response.status_code == 400
    body = operation(server, "kinds", "post")["requestBody"]["content"][FORM]["schema"]
    assert body.get("additionalProperties") is False


def test_openapi_page_has_the_maximum_the_server_takes(server: Server) -> None:
    assert server.client.get("/api/timeline", params={"page": "1000001"}).status_code == 400
    assert server.client.get("/api/timeline", params={"page": "1000000"}).status_code == 200
    assert parameter(server, "timeline", "page")["schema"]["maximum"] == 1_000_000


def test_openapi_required_text_parameter_is_not_empty(server: Server) -> None:
    # An empty value counts as not given, so a required one must have at least one character.
    assert server.client.get("/api/search", params={"q": ""}).status_code == 400
    assert parameter(server, "search", "q")["schema"]["minLength"] == 1
    assert parameter(server, "consortium-outcomes", "consortium")["schema"]["minLength"] == 1


def test_openapi_text_parameter_has_the_length_limit_the_server_enforces(server: Server) -> None:
    assert server.client.get("/api/search", params={"q": "x" * 4097}).status_code == 400
    assert parameter(server, "search", "q")["schema"]["maxLength"] == 4096
    assert parameter(server, "consortium", "consortium")["schema"]["maxLength"] == 4096


def test_openapi_post_describes_its_parameters_once_in_the_form_body(server: Server) -> None:
    # A parameter given in the URL and in the body is refused, so the POST operation must not
    # ask for both: its parameters are the form fields, the required ones required there.
    both = server.client.post("/api/search", params={"q": "kaist"}, data={"q": "kaist"})
    assert both.status_code == 400
    post = operation(server, "search", "post")
    assert not [p for p in post.get("parameters", []) if p["in"] == "query"]
    assert post["requestBody"]["required"] is True
    schema = post["requestBody"]["content"][FORM]["schema"]
    assert schema["required"] == ["q"]
    assert schema["properties"]["lang"]["enum"] == ["ko", "en"]
    assert server.client.post("/api/search", data={"q": "kaist"}).status_code == 200


def test_openapi_form_field_of_a_query_enumeration_lists_the_live_values(server: Server) -> None:
    schema = operation(server, "consortium-members", "post")["requestBody"]["content"][FORM]["schema"]
    assert ID + "cloud-one-team" in schema["properties"]["consortium"]["enum"]
    again = operation(server, "consortium-members", "post")["requestBody"]["content"][FORM]["schema"]
    assert again["properties"]["consortium"]["enum"] == schema["properties"]["consortium"]["enum"]


def test_openapi_optional_parameter_may_be_sent_empty(server: Server) -> None:
    # `page=` and `kind=` answer as if left out (HTML forms send empty fields): the document says so.
    assert server.client.get("/api/timeline", params={"page": ""}).status_code == 200
    assert server.client.get("/api/organizations", params={"kind": ""}).status_code == 200
    assert parameter(server, "timeline", "page")["allowEmptyValue"] is True
    assert parameter(server, "organizations", "kind")["allowEmptyValue"] is True
    assert "allowEmptyValue" not in parameter(server, "search", "q")


# -- Typed values: XSD's lexical forms are ASCII ----------------------------------------------

DIGITS_DATA = """@prefix ex: <https://example.org/> .
@prefix xsd: <http://www.w3.org/2001/XMLSchema#> .
ex:a ex:n 12 ; ex:d "2021-01-01"^^xsd:date .
"""
DIGITS_QUERY = """#+ summary: By number and date
SELECT ?_n_integer ?__d_date ?s
WHERE { ?s <https://example.org/n> ?_n_integer . OPTIONAL { ?s <https://example.org/d> ?__d_date } }
"""


def test_page_in_other_scripts_digits_is_400(server: Server) -> None:
    # Python's \\d matches "２" (full width) and "٢" (Arabic-Indic); a page number is ASCII digits.
    for page in ("２", "٢", "2\u00a0"):
        response = server.client.get("/api/timeline", params={"page": page})
        assert response.status_code == 400, (page, response.text)
        assert response.json()["parameter"] == "page"


def test_integer_and_date_in_other_scripts_digits_are_400(make_query_root: Any, make_server: Any) -> None:
    api = make_server("--memory", root=make_query_root(DIGITS_DATA, {"numbers": DIGITS_QUERY}))
    assert api.client.get("/api/numbers", params={"n": "12"}, headers=JSON).status_code == 200
    cases = (
        ({"n": "١٢"}, "n"), ({"n": "１２"}, "n"), ({"n": "12\u3000"}, "n"),
        ({"n": "12", "d": "２０２１-01-01"}, "d"),
    )
    for params, name in cases:
        response = api.client.get("/api/numbers", params=params, headers=JSON)
        assert response.status_code == 400, (params, response.text)
        assert response.json()["parameter"] == name


def test_post_of_another_media_type_is_415_listing_the_accepted_one_as_sparql_does(server: Server) -> None:
    response = server.client.post("/api/kinds", content=b"{}", headers={"Content-Type": "application/json"})
    assert response.status_code == 415
    assert response.json()["accepted"] == [FORM]


def test_search_with_decomposed_hangul_finds_the_same_names(server: Server) -> None:
    # "한국과학기술원" sent as conjoining jamo (NFD) is the same text as the composed (NFC) label.
    decomposed = unicodedata.normalize("NFD", "한국과학기술원")
    assert decomposed != "한국과학기술원"
    found = rows(server, "search", q=decomposed)
    assert ID + "kaist" in {row["resource"] for row in found}
    assert {row["_q"] for row in found} == {"한국과학기술원"}


# -- grlc's `enumerate` with a bare name: the values come from the endpoint ------------------

EX = "https://example.org/"
BARE_DATA = """@prefix ex: <https://example.org/> .
ex:band1 ex:genre ex:rock ; ex:town ex:liverpool .
ex:band2 ex:genre ex:jazz ; ex:town ex:la .
"""
BARE_QUERY = """#+ summary: Bands by genre and town
#+ enumerate:
#+   - genre
#+   - town:
#+     - https://example.org/liverpool
PREFIX ex: <https://example.org/>
SELECT ?_genre_iri ?_town_iri ?band WHERE { ?band ex:genre ?_genre_iri ; ex:town ?_town_iri }
"""


def test_grlc_enumerate_with_a_bare_name_takes_the_values_the_query_gives(
    make_query_root: Any, make_server: Any
) -> None:
    api = make_server("--memory", root=make_query_root(BARE_DATA, {"bands": BARE_QUERY}))
    listed = next(q for q in api.client.get("/api").json()["queries"] if q["name"] == "bands")
    enums = {p["name"]: p["enum"] for p in listed["parameters"]}
    assert enums == {"genre": [EX + "jazz", EX + "rock"], "town": [EX + "liverpool"]}
    ok = api.client.get("/api/bands", params={"genre": EX + "rock", "town": EX + "liverpool"})
    assert ok.status_code == 200, ok.text
    refused = api.client.get("/api/bands", params={"genre": EX + "pop", "town": EX + "liverpool"})
    assert refused.status_code == 400 and refused.json()["parameter"] == "genre"
    document = api.client.get("/openapi.json").json()
    (genre,) = [p for p in document["paths"]["/api/bands"]["get"]["parameters"] if p["name"] == "genre"]
    assert genre["schema"]["enum"] == [EX + "jazz", EX + "rock"]


def test_grlc_bare_enumerate_on_a_construct_stops_loading_naming_the_parameter(tmp_path: Path) -> None:
    path = tmp_path / "graph.rq"
    path.write_text("#+ enumerate:\n#+   - genre\nCONSTRUCT { ?b <urn:g> ?_genre_iri } WHERE { ?b <urn:g> ?_genre_iri }\n")
    with pytest.raises(SavedQueryError, match=r"'genre' without values.*needs a SELECT listing \?_genre_iri"):
        load_saved_query(path)
