"""Saved queries written for grlc, served on the real server: they load and mean what grlc means.

The query files here have the shapes of grlc's own examples (CLARIAH/grlc-queries): `defaults`
and `enumerate` as lists of one-key maps, a default for a required parameter, `#+ endpoint:`,
typed parameters. Unlike grlc's examples they list their parameters in SELECT: OnTeam binds
values with pyoxigraph substitutions, which reach projected variables only, and never writes a
value into the query text. grlc itself is not needed to run them.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
import yaml
from conftest import PROJECT_ROOT, Server, start_server, write_project

DATA = """
@prefix ot: <https://w3id.org/onteam/ontology#> .
@prefix id: <https://w3id.org/onteam/id/> .
@prefix rdfs: <http://www.w3.org/2000/01/rdf-schema#> .
@prefix xsd: <http://www.w3.org/2001/XMLSchema#> .
id:ai-one-team a ot:Consortium ; rdfs:label "AI 원팀"@ko , "AI One Team"@en ;
    ot:statedMemberCount 10 ; ot:hasMember id:kt , id:kaist , id:etri .
id:cloud-one-team a ot:Consortium ; rdfs:label "클라우드 원팀"@ko , "Cloud One Team"@en ;
    ot:statedMemberCount 22 ; ot:hasMember id:kt .
id:kt rdfs:label "KT"@en .
id:kaist rdfs:label "KAIST"@en .
id:etri rdfs:label "ETRI"@en , "he said \\"} ; DROP ALL ; {\\""@en .
"""
PREFIXES = "PREFIX ot: <https://w3id.org/onteam/ontology#>\nPREFIX rdfs: <http://www.w3.org/2000/01/rdf-schema#>\n"
AI = "https://w3id.org/onteam/id/ai-one-team"
CLOUD = "https://w3id.org/onteam/id/cloud-one-team"
QUERIES = {
    # grlc-queries/defaults.rq: a default for a required parameter.
    "defaults": (
        "#+ endpoint: https://dbpedia.org/sparql\n"
        "#+ defaults:\n#+   - consortium: https://w3id.org/onteam/id/cloud-one-team\n\n"
        + PREFIXES
        + "SELECT ?member ?_consortium_iri WHERE { ?_consortium_iri ot:hasMember ?member } ORDER BY ?member LIMIT 100\n"
    ),
    # grlc-queries/enumerate.rq: the allowed values as a list of one-key maps.
    "enumerate": (
        "#+ enumerate:\n#+   - consortium:\n#+     - https://w3id.org/onteam/id/ai-one-team\n"
        "#+     - https://w3id.org/onteam/id/cloud-one-team\n\n"
        + PREFIXES
        + "SELECT ?member ?_consortium_iri WHERE { ?_consortium_iri ot:hasMember ?member } ORDER BY ?member\n"
    ),
    # grlc-queries/method.rq: POST only.
    "method": "#+ method: POST\n" + PREFIXES + "SELECT ?c WHERE { ?c a ot:Consortium } ORDER BY ?c\n",
    "named": PREFIXES + "SELECT ?s ?_name_en WHERE { ?s rdfs:label ?_name_en } ORDER BY ?s\n",
    "sized": PREFIXES + "SELECT ?c ?_n_integer WHERE { ?c ot:statedMemberCount ?_n_integer } ORDER BY ?c\n",
    "any": PREFIXES + "SELECT DISTINCT ?c ?__member_iri WHERE { ?c a ot:Consortium ; ot:hasMember ?__member_iri } ORDER BY ?c\n",
    "paged": (
        "#+ pagination: 2\n" + PREFIXES
        + "SELECT ?member ?_consortium_iri WHERE { ?_consortium_iri ot:hasMember ?member } ORDER BY ?member\n"
    ),
}


@pytest.fixture(scope="module")
def api(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    """A server whose saved queries are the grlc-shaped QUERIES over DATA."""
    root = write_project(tmp_path_factory.mktemp("grlc-root"), DATA, queries=QUERIES)
    running = start_server(tmp_path_factory.mktemp("grlc-server"), "--memory", root=root)
    yield running
    running.stop()


def values(response, column: str) -> list[str]:  # type: ignore[no-untyped-def]
    assert response.status_code == 200, response.text
    return [row[column]["value"] for row in response.json()["results"]["bindings"]]


def error(response, status: int) -> str:  # type: ignore[no-untyped-def]
    assert response.status_code == status, response.text
    return response.json()["error"]


def operation(api: Server, name: str, method: str = "get") -> dict:  # type: ignore[type-arg]
    return api.client.get("/openapi.json").json()["paths"][f"/api/{name}"][method]


def test_enumerated_parameter_is_bound(api: Server) -> None:
    kt, kaist, etri = (f"https://w3id.org/onteam/id/{n}" for n in ("kt", "kaist", "etri"))
    assert values(api.client.get("/api/enumerate", params={"consortium": AI}), "member") == [etri, kaist, kt]


def test_enumerated_parameter_with_another_value_gives_other_rows(api: Server) -> None:
    assert values(api.client.get("/api/enumerate", params={"consortium": CLOUD}), "member") == [
        "https://w3id.org/onteam/id/kt"
    ]


def test_default_of_a_required_parameter_applies_when_left_out(api: Server) -> None:
    assert values(api.client.get("/api/defaults"), "member") == ["https://w3id.org/onteam/id/kt"]
    assert len(values(api.client.get("/api/defaults", params={"consortium": AI}), "member")) == 3


def test_default_of_a_required_parameter_is_optional_in_openapi(api: Server) -> None:
    (param,) = [p for p in operation(api, "defaults")["parameters"] if p["name"] == "consortium"]
    assert param["required"] is False and param["schema"]["default"] == CLOUD


def test_enumerate_list_of_one_key_maps_refuses_other_values(api: Server) -> None:
    message = error(api.client.get("/api/enumerate", params={"consortium": "https://w3id.org/onteam/id/kt"}), 400)
    assert "is not one of" in message
    (param,) = [p for p in operation(api, "enumerate")["parameters"] if p["name"] == "consortium"]
    assert param["schema"]["enum"] == [AI, CLOUD]


def test_endpoint_decorator_is_listed_as_ignored(api: Server) -> None:
    listed = {q["name"]: q for q in api.client.get("/api").json()["queries"]}
    assert listed["defaults"]["ignored_decorators"] == {"endpoint": "https://dbpedia.org/sparql"}
    assert listed["enumerate"]["ignored_decorators"] == {}
    assert "Ignored grlc decorators (endpoint: https://dbpedia.org/sparql)" in operation(api, "defaults")["description"]


def test_endpoint_request_parameter_is_refused_not_ignored(api: Server) -> None:
    # grlc sends the query to `?endpoint=`; answering from this store instead would mislead.
    assert "'endpoint'" in error(api.client.get("/api/enumerate", params={"consortium": AI, "endpoint": "x"}), 400)


def test_method_post_only_answers_post_and_refuses_get(api: Server) -> None:
    assert len(values(api.client.post("/api/method"), "c")) == 2
    response = api.client.get("/api/method")
    assert response.status_code == 405 and response.headers["allow"] == "POST"


def test_language_literal_parameter_matches_only_that_language(api: Server) -> None:
    assert values(api.client.get("/api/named", params={"name": "KT"}), "s") == ["https://w3id.org/onteam/id/kt"]
    assert values(api.client.get("/api/named", params={"name": "AI 원팀"}), "s") == []  # that label is @ko


def test_literal_with_quotes_and_braces_stays_one_value(api: Server) -> None:
    tricky = 'he said "} ; DROP ALL ; {"'
    assert values(api.client.get("/api/named", params={"name": tricky}), "s") == ["https://w3id.org/onteam/id/etri"]
    assert values(api.client.get("/api/named", params={"name": 'x" } UNION { ?s ?p ?o } #'}), "s") == []


def test_integer_parameter_is_typed_and_checked(api: Server) -> None:
    assert values(api.client.get("/api/sized", params={"n": "+22"}), "c") == [CLOUD]
    assert "not a valid xsd:integer" in error(api.client.get("/api/sized", params={"n": "22 }"}), 400)


def test_optional_parameter_matches_anything_when_left_out(api: Server) -> None:
    assert sorted(set(values(api.client.get("/api/any"), "c"))) == [AI, CLOUD]
    assert values(api.client.get("/api/any", params={"member": "https://w3id.org/onteam/id/etri"}), "c") == [AI]


def test_pagination_links_count_the_rows_of_the_bound_query(api: Server) -> None:
    response = api.client.get("/api/paged", params={"consortium": AI})
    assert len(values(response, "member")) == 2
    links = {
        rel: url for url, rel in re.findall(r'<([^>]*)>; rel="(\w+)"', response.headers["link"])
    }
    assert set(links) == {"first", "next", "last"} and links["last"].endswith("page=2")
    alone = api.client.get("/api/paged", params={"consortium": CLOUD})
    assert 'rel="next"' not in alone.headers["link"]


def test_query_text_is_the_file(api: Server) -> None:
    response = api.client.get("/api/enumerate.rq")
    assert response.text == QUERIES["enumerate"]


def test_transform_decorator_stops_the_server_naming_the_file(
    make_query_root: Callable[..., Path], make_server: Callable[..., Server]
) -> None:
    root = make_query_root(DATA, {"shaped": '#+ transform: {"id": "?c"}\n' + QUERIES["method"].split("\n", 1)[1]})
    with pytest.raises(RuntimeError) as info:
        make_server("--memory", root=root)
    assert "shaped.rq" in str(info.value) and "'transform'" in str(info.value)


@pytest.mark.parametrize("path", sorted((PROJECT_ROOT / "queries").glob("*.rq")), ids=lambda p: p.stem)
def test_project_query_header_is_in_the_form_grlc_reads(path: Path) -> None:
    # grlc looks `defaults` and `enumerate` up in a list of one-key maps; a plain mapping makes
    # grlc 1.3.11 fail on the whole file ("string indices must be integers").
    lines = [line[2:] for line in path.read_text(encoding="utf-8").splitlines() if line.startswith("#+")]
    header = yaml.safe_load("\n".join(lines)) or {}
    for key in ("defaults", "enumerate"):
        if key in header:
            assert isinstance(header[key], list), f"{path.name}: '{key}' is not a list"
            assert all(isinstance(item, dict) and len(item) == 1 for item in header[key])


def test_extension_in_the_url_names_the_format_as_in_grlc(api: Server) -> None:
    response = api.client.get("/api/enumerate.csv", params={"consortium": CLOUD}, headers={"Accept": "application/json"})
    assert response.status_code == 200, response.text
    assert response.headers["content-type"].startswith("text/csv")
    assert response.text.splitlines() == ["member,_consortium_iri", f"https://w3id.org/onteam/id/kt,{CLOUD}"]
    assert values(api.client.get("/api/enumerate.json", params={"consortium": CLOUD}), "member") == [
        "https://w3id.org/onteam/id/kt"
    ]


def test_extension_of_an_unknown_query_is_404(api: Server) -> None:
    assert "nope" in error(api.client.get("/api/nope.csv"), 404)


def test_extension_keeps_the_query_methods(api: Server) -> None:
    assert api.client.post("/api/method.csv").text.splitlines()[0] == "c"
    response = api.client.get("/api/method.csv")
    assert response.status_code == 405 and response.headers["allow"] == "POST"


def test_unknown_extension_is_400_listing_the_formats(api: Server) -> None:
    message = error(api.client.get("/api/enumerate.docx", params={"consortium": CLOUD}), 400)
    assert "'docx'" in message and "csv" in message


def test_sparql_extension_gives_the_query_text(api: Server) -> None:
    response = api.client.get("/api/enumerate.sparql")
    assert response.headers["content-type"].startswith("application/sparql-query")
    assert response.text == QUERIES["enumerate"]


def test_more_xsd_datatypes_after_xsd_as_grlc_reads_them(
    make_query_root: Callable[..., Path], make_server: Callable[..., Server]
) -> None:
    # grlc's `?_name_prefix_datatype` with xsd: the integer family is checked as integers.
    query = (
        "SELECT ?n ?d ?_n_xsd_nonNegativeInteger ?_d_xsd_duration WHERE {\n"
        "  BIND(STR(?_n_xsd_nonNegativeInteger) AS ?n) BIND(DATATYPE(?_d_xsd_duration) AS ?d) }\n"
    )
    running = make_server("--memory", root=make_query_root(DATA, {"typed": query}))
    response = running.client.get("/api/typed", params={"n": "+22", "d": "P1Y"})
    assert values(response, "n") == ["22"]
    assert values(response, "d") == ["http://www.w3.org/2001/XMLSchema#duration"]
    assert "not a valid xsd:nonNegativeInteger" in error(running.client.get("/api/typed", params={"n": "x", "d": "P1Y"}), 400)
    (param,) = [p for p in running.client.get("/openapi.json").json()["paths"]["/api/typed"]["get"]["parameters"] if p["name"] == "n"]
    assert param["schema"]["type"] == "integer"
