"""Data extension of the reconciliation service (OpenRefine's "Add columns from reconciled values"):
the manifest's `extend`, property proposals, `extend` requests (GET, form POST, JSONP, the 1.0
draft's JSON body), values by datatype and language, settings, and bad input.

Expected values come from the project's own data (the `project_graph` fixture), never typed in.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

import pytest
from conftest import Server
from pyoxigraph import Literal, NamedNode, Store
from sparql_support import TOKEN, update

from server import extend, reconcile

ID = "https://w3id.org/onteam/id/"
OT = "https://w3id.org/onteam/ontology#"
XSD = "http://www.w3.org/2001/XMLSchema#"
RDFS_LABEL = "http://www.w3.org/2000/01/rdf-schema#label"

USED_QUERY = """
PREFIX rdfs: <http://www.w3.org/2000/01/rdf-schema#>
SELECT DISTINCT ?p WHERE {
  ?c rdfs:subClassOf* <%s> . ?e a ?c . FILTER(STRSTARTS(STR(?e), "https://w3id.org/onteam/id/")) ?e ?p ?o
}
"""


def used_properties(graph: Store, type_iri: str) -> set[str]:
    """Ids (as the service writes them) of the properties instances of the type have."""
    return {reconcile.term_id(row["p"].value) for row in graph.query(USED_QUERY % type_iri)}


def objects(graph: Store, local: str, prop: str) -> list[Any]:
    return [q.object for q in graph.quads_for_pattern(NamedNode(ID + local), NamedNode(prop), None)]


def label(graph: Store, iri: str, lang: str) -> str:
    found = [q.object.value for q in graph.quads_for_pattern(NamedNode(iri), NamedNode(RDFS_LABEL), None) if q.object.language == lang]
    assert len(found) == 1, (iri, lang, found)
    return found[0]


def ask(server: Server, body: dict[str, Any], **headers: str) -> dict[str, Any]:
    response = server.client.get("/reconcile", params={"extend": json.dumps(body)}, headers=headers)
    assert response.status_code == 200, response.text
    assert response.headers["content-type"].startswith("application/json")
    return response.json()


def propose(server: Server, **params: str) -> dict[str, Any]:
    response = server.client.get("/reconcile/extend/propose", params=params)
    assert response.status_code == 200, response.text
    return response.json()


# -- manifest and property proposals ---------------------------------------------------------------


def test_manifest_advertises_extend_with_propose_properties_and_settings(server: Server) -> None:
    manifest = server.client.get("/reconcile").json()
    service = manifest["extend"]["propose_properties"]
    assert service["service_path"] == "/reconcile/extend/propose"
    assert service["service_url"] == str(server.client.base_url).rstrip("/")
    settings = {s["name"]: s for s in manifest["extend"]["property_settings"]}
    assert settings["limit"]["type"] == "number" and settings["limit"]["default"] == 0
    assert settings["lang"]["type"] == "select"
    assert [c["value"] for c in settings["lang"]["choices"]] == ["en", "ko"]
    # The advertised address answers.
    reached = server.client.get(service["service_url"] + service["service_path"], params={"type": "Consortium"})
    assert reached.status_code == 200 and reached.json()["properties"]


def test_propose_lists_the_properties_instances_of_the_type_use(server: Server, project_graph: Store) -> None:
    body = propose(server, type="Consortium")
    assert body["type"] == "Consortium" and "limit" not in body
    ids = [p["id"] for p in body["properties"]]
    assert len(ids) == len(set(ids))
    assert set(ids) == used_properties(project_graph, OT + "Consortium")
    names = {p["id"]: p["name"] for p in body["properties"]}
    assert names["foundingDate"] == label(project_graph, OT + "foundingDate", "en")
    assert names["hasMember"] == label(project_graph, OT + "hasMember", "en")
    # A property without a label in the store gets the name the pages give it (vocabulary_labels.ttl).
    assert names[RDFS_LABEL] == "label"
    answer = server.client.get("/reconcile/extend/propose", params={"type": "Consortium"}, headers={"Accept-Language": "ko"})
    korean = {p["id"]: p["name"] for p in answer.json()["properties"]}
    assert korean[RDFS_LABEL] == "이름" and korean["foundingDate"] == label(project_graph, OT + "foundingDate", "ko")


def test_a_property_named_nowhere_is_named_by_its_curie() -> None:
    assert extend.property_name(Store(), "http://purl.org/dc/terms/abstract", "en") == "dcterms:abstract"


def test_propose_includes_properties_of_subclass_instances(server: Server, project_graph: Store) -> None:
    organization = {p["id"] for p in propose(server, type="Organization")["properties"]}
    company = {p["id"] for p in propose(server, type="Company")["properties"]}
    assert company and company <= organization
    assert organization == used_properties(project_graph, OT + "Organization")
    assert "memberOf" in organization


def test_propose_limit_keeps_the_most_used_first(server: Server, project_graph: Store) -> None:
    every = propose(server, type="ot:Organization")["properties"]
    limited = propose(server, type="ot:Organization", limit="3")
    assert limited["limit"] == 3 and limited["type"] == "ot:Organization"
    assert limited["properties"] == every[:3]
    # First come properties every organization has (rdf:type among them), last the rare ones.
    first = reconcile.resolve_term(every[0]["id"], "id")
    organizations = {row["e"] for row in project_graph.query(USED_QUERY.replace("DISTINCT ?p", "DISTINCT ?e") % (OT + "Organization"))}
    assert all(any(True for _ in project_graph.quads_for_pattern(e, NamedNode(first), None)) for e in organizations)
    assert [p["id"] for p in every].index("http://www.w3.org/1999/02/22-rdf-syntax-ns#type") < len(every) // 2


def test_propose_names_follow_accept_language(server: Server, project_graph: Store) -> None:
    response = server.client.get(
        "/reconcile/extend/propose", params={"type": "Consortium"}, headers={"Accept-Language": "ko-KR, en;q=0.5"}
    )
    names = {p["id"]: p["name"] for p in response.json()["properties"]}
    assert names["foundingDate"] == label(project_graph, OT + "foundingDate", "ko")


def test_propose_unknown_type_has_no_properties(server: Server) -> None:
    assert propose(server, type="NoSuchClass") == {"type": "NoSuchClass", "properties": []}


def test_propose_jsonp_wraps_the_answer(server: Server) -> None:
    response = server.client.get("/reconcile/extend/propose", params={"type": "Consortium", "callback": "cb_1"})
    assert response.headers["content-type"] == "text/javascript; charset=utf-8"
    assert response.text.startswith("/**/cb_1(") and response.text.endswith(");")
    assert json.loads(response.text[len("/**/cb_1(") : -2]) == propose(server, type="Consortium")


@pytest.mark.parametrize(("params", "says"), [
    ({"type": "not a type"}, "is not an ontology term name"),
    ({"type": "Consortium", "limit": "0"}, "'limit' must be a positive integer"),
    ({"type": "Consortium", "limit": "-2"}, "'limit' must be a positive integer"),
    ({"type": "Consortium", "limit": "ten"}, "'limit' must be a positive integer"),
    ({"type": "Consortium", "callback": "a.b"}, "callback"),
])
def test_propose_bad_parameters_are_400(server: Server, params: dict[str, str], says: str) -> None:
    response = server.client.get("/reconcile/extend/propose", params=params)
    assert response.status_code == 400
    assert says in response.json()["error"]


# -- extend ----------------------------------------------------------------------------------------


def test_extend_memberships_of_kt_as_reconciled_ids(server: Server, project_graph: Store) -> None:
    body = ask(server, {"ids": ["kt"], "properties": [{"id": "memberOf"}]})
    assert body["meta"] == [
        {
            "id": "memberOf",
            "name": label(project_graph, OT + "memberOf", "en"),
            "type": {"id": "Consortium", "name": label(project_graph, OT + "Consortium", "en")},
        }
    ]
    values = body["rows"]["kt"]["memberOf"]
    expected = {o.value[len(ID) :]: label(project_graph, o.value, "en") for o in objects(project_graph, "kt", OT + "memberOf")}
    assert len(expected) >= 2
    assert {v["id"]: v["name"] for v in values} == expected
    assert all(set(v) == {"id", "name"} for v in values)
    # The ids are those reconciliation gives: a member's id reconciles back to itself.
    first = values[0]
    found = server.client.get("/reconcile", params={"queries": json.dumps({"q": {"query": first["name"]}})}).json()
    assert found["q"]["result"][0]["id"] == first["id"]


def test_extend_founding_date_is_a_date_from_the_month_given(server: Server, project_graph: Store) -> None:
    (founded,) = objects(project_graph, "ai-one-team", OT + "foundingDate")
    assert founded.datatype == NamedNode(XSD + "gYearMonth")
    body = ask(server, {"ids": ["ai-one-team"], "properties": [{"id": "foundingDate"}]})
    assert body["rows"]["ai-one-team"]["foundingDate"] == [{"date": founded.value + "-01T00:00:00"}]
    assert "type" not in body["meta"][0]  # literal values: no type to reconcile against


def test_extend_label_is_a_string_in_the_asked_language(server: Server, project_graph: Store) -> None:
    query = {"ids": ["ai-one-team"], "properties": [{"id": "rdfs:label"}]}
    english = ask(server, query)["rows"]["ai-one-team"]["rdfs:label"]
    assert english == [{"str": label(project_graph, ID + "ai-one-team", "en")}]
    korean = ask(server, query, **{"Accept-Language": "ko"})["rows"]["ai-one-team"]["rdfs:label"]
    assert korean == [{"str": label(project_graph, ID + "ai-one-team", "ko")}]
    setting = {"ids": ["ai-one-team"], "properties": [{"id": "rdfs:label", "settings": {"lang": "ko"}}]}
    assert ask(server, setting)["rows"]["ai-one-team"]["rdfs:label"] == korean


def test_extend_lang_setting_names_reconciled_values(server: Server, project_graph: Store) -> None:
    query = {"ids": ["kt"], "properties": [{"id": "memberOf", "settings": {"lang": "ko"}}]}
    values = ask(server, query)["rows"]["kt"]["memberOf"]
    assert {v["name"] for v in values} == {label(project_graph, o.value, "ko") for o in objects(project_graph, "kt", OT + "memberOf")}


def test_extend_counts_are_ints_and_dates_from_xsd_date(server: Server, project_graph: Store) -> None:
    counted = next(q for q in project_graph.quads_for_pattern(None, NamedNode(OT + "statedMemberCount"), None))
    owner = counted.subject.value[len(ID) :]
    ended = next(q for q in project_graph.quads_for_pattern(None, NamedNode(OT + "endDate"), None) if q.object.datatype == NamedNode(XSD + "date"))
    ending = ended.subject.value[len(ID) :]
    body = ask(server, {"ids": [owner, ending], "properties": [{"id": "statedMemberCount"}, {"id": "ot:endDate"}]})
    assert body["rows"][owner]["statedMemberCount"] == [{"int": int(counted.object.value)}]
    assert body["rows"][ending]["ot:endDate"] == [{"date": ended.object.value + "T00:00:00"}]


def test_extend_unknown_ids_and_properties_are_empty(server: Server) -> None:
    query = {
        "ids": ["kt", "no-such-thing", "not an id!", ID + "kaist"],
        "properties": [{"id": "memberOf"}, {"id": "noSuchProperty"}],
    }
    body = ask(server, query)
    assert list(body["rows"]) == query["ids"]  # rows keyed as the client sent the ids
    assert body["rows"]["no-such-thing"] == {"memberOf": [], "noSuchProperty": []}
    assert body["rows"]["not an id!"] == {"memberOf": [], "noSuchProperty": []}
    assert body["rows"]["kt"]["memberOf"] and body["rows"]["kt"]["noSuchProperty"] == []
    assert body["rows"][ID + "kaist"]["memberOf"]  # a full IRI is an id too
    assert body["meta"][1] == {"id": "noSuchProperty", "name": "ot:noSuchProperty"}


def test_extend_empty_ids_give_no_rows(server: Server) -> None:
    assert ask(server, {"ids": [], "properties": [{"id": "memberOf"}]})["rows"] == {}


@pytest.mark.parametrize("limit", [2, "2"])
def test_extend_limit_setting_bounds_the_values(server: Server, limit: Any) -> None:
    every = ask(server, {"ids": ["kt"], "properties": [{"id": "memberOf"}]})["rows"]["kt"]["memberOf"]
    query = {"ids": ["kt"], "properties": [{"id": "memberOf", "settings": {"limit": limit}}]}
    assert ask(server, query)["rows"]["kt"]["memberOf"] == every[:2]
    unlimited = {"ids": ["kt"], "properties": [{"id": "memberOf", "settings": {"limit": 0, "other": "ignored"}}]}
    assert ask(server, unlimited)["rows"]["kt"]["memberOf"] == every


def test_extend_jsonp_wraps_the_answer(server: Server) -> None:
    query = json.dumps({"ids": ["kt"], "properties": [{"id": "memberOf"}]})
    response = server.client.get("/reconcile", params={"extend": query, "callback": "cb"})
    assert response.headers["content-type"] == "text/javascript; charset=utf-8"
    assert json.loads(response.text[len("/**/cb(") : -2]) == ask(server, json.loads(query))


def test_extend_post_form_answers_as_get(server: Server) -> None:
    query = {"ids": ["kt", "ai-one-team"], "properties": [{"id": "memberOf"}, {"id": "foundingDate"}]}
    for path in ("/reconcile", "/reconcile/extend"):
        response = server.client.post(path, data={"extend": json.dumps(query)})
        assert response.status_code == 200, response.text
        assert response.json() == ask(server, query)


def test_extend_post_json_body_answers_in_the_draft_form(server: Server) -> None:
    query = {"ids": ["kt", "no-such-thing"], "properties": [{"id": "memberOf"}, {"id": "rdfs:label"}]}
    response = server.client.post("/reconcile/extend", json=query)
    assert response.status_code == 200, response.text
    v02 = ask(server, query)
    assert response.json() == {
        "meta": v02["meta"],
        "rows": [
            {"id": ident, "properties": [{"id": pid, "values": v02["rows"][ident][pid]} for pid in ("memberOf", "rdfs:label")]}
            for ident in query["ids"]
        ],
    }


def test_extend_sees_a_value_added_by_an_update(make_server: Callable[..., Server]) -> None:
    running = make_server("--update-token", TOKEN)
    query = {"ids": ["kt"], "properties": [{"id": "statedMemberCount"}]}
    assert ask(running, query)["rows"]["kt"]["statedMemberCount"] == []
    inserted = update(running, f"INSERT DATA {{ <{ID}kt> <{OT}statedMemberCount> 7 }}")
    assert inserted.status_code == 204
    assert ask(running, query)["rows"]["kt"]["statedMemberCount"] == [{"int": 7}]


# -- bad input -------------------------------------------------------------------------------------


def test_extend_bad_json_is_400_with_line_and_column(server: Server) -> None:
    text = '{"ids": ["kt"],\n "properties": [{"id": "memberOf"},]}'
    with pytest.raises(json.JSONDecodeError) as parsed:
        json.loads(text)
    for response in (
        server.client.get("/reconcile", params={"extend": text}),
        server.client.post("/reconcile/extend", content=text.encode(), headers={"Content-Type": "application/json"}),
    ):
        assert response.status_code == 400
        body = response.json()
        assert (body["line"], body["column"]) == (parsed.value.lineno, parsed.value.colno) == (2, 36)


@pytest.mark.parametrize(("body", "says"), [
    ('["kt"]', "must be a JSON object"),
    ('{"properties": []}', "has no 'ids' array"),
    ('{"ids": []}', "has no 'properties' array"),
    ('{"ids": "kt", "properties": []}', "extend.ids must be an array of entity ids"),
    ('{"ids": ["kt", 5], "properties": []}', "extend.ids[1] must be a non-empty string"),
    ('{"ids": ["kt"], "properties": {"id": "memberOf"}}', "extend.properties must be an array"),
    ('{"ids": ["kt"], "properties": ["memberOf"]}', "extend.properties[0] must be an object with an 'id'"),
    ('{"ids": ["kt"], "properties": [{"id": 3}]}', "extend.properties[0].id must be a property id"),
    ('{"ids": ["kt"], "properties": [{"id": "no such"}]}', "is not an ontology term name"),
    ('{"ids": ["kt"], "properties": [{"id": "memberOf"}, {"id": "memberOf"}]}', "properties[1].id: property 'memberOf' is asked twice"),
    ('{"ids": ["kt"], "properties": [{"id": "memberOf", "settings": 3}]}', "settings must be an object"),
    ('{"ids": ["kt"], "properties": [{"id": "memberOf", "settings": {"limit": -1}}]}', "settings.limit must be a non-negative integer"),
    ('{"ids": ["kt"], "properties": [{"id": "memberOf", "settings": {"limit": true}}]}', "settings.limit must be a non-negative integer"),
    ('{"ids": ["kt"], "properties": [{"id": "memberOf", "settings": {"lang": "fr"}}]}', "settings.lang must be one of en, ko"),
])
def test_extend_wrong_shape_is_400_naming_the_place(server: Server, body: str, says: str) -> None:
    response = server.client.get("/reconcile", params={"extend": body})
    assert response.status_code == 400
    assert says in response.json()["error"]


def test_extend_too_many_ids_or_properties_is_400(server: Server) -> None:
    ids = {"ids": ["kt"] * (reconcile.MAX_QUERIES + 1), "properties": [{"id": "memberOf"}]}
    response = server.client.post("/reconcile", data={"extend": json.dumps(ids)})
    assert response.status_code == 400
    assert f"send at most {reconcile.MAX_QUERIES}" in response.json()["error"]
    props = {"ids": ["kt"], "properties": [{"id": f"p{i}"} for i in range(extend.MAX_EXTEND_PROPERTIES + 1)]}
    response = server.client.post("/reconcile/extend", json=props)
    assert response.status_code == 400
    assert f"at most {extend.MAX_EXTEND_PROPERTIES}" in response.json()["error"]


def test_extend_with_queries_is_400(server: Server) -> None:
    response = server.client.get(
        "/reconcile", params={"queries": '{"q": {"query": "KT"}}', "extend": '{"ids": [], "properties": []}'}
    )
    assert response.status_code == 400
    assert "not both" in response.json()["error"]


def test_extend_json_body_at_reconcile_is_400_naming_the_extend_path(server: Server) -> None:
    response = server.client.post("/reconcile", json={"ids": ["kt"], "properties": [{"id": "memberOf"}]})
    assert response.status_code == 400
    assert "/reconcile/extend" in response.json()["error"]


def test_extend_post_unknown_content_type_is_415(server: Server) -> None:
    response = server.client.post("/reconcile/extend", content=b"{}", headers={"Content-Type": "text/plain"})
    assert response.status_code == 415


def test_extend_post_form_without_extend_is_400(server: Server) -> None:
    response = server.client.post("/reconcile/extend", data={"callback": "cb"})
    assert response.status_code == 400
    assert "Missing 'extend'" in response.json()["error"]


# -- unit: literal values by datatype --------------------------------------------------------------


@pytest.mark.parametrize(("lexical", "datatype", "value"), [
    ("22", "integer", {"int": 22}),
    ("+7", "nonNegativeInteger", {"int": 7}),
    ("2.5", "decimal", {"float": 2.5}),
    ("1E3", "double", {"float": 1000.0}),
    ("NaN", "double", {"str": "NaN"}),
    ("true", "boolean", {"str": "true"}),
    ("0", "boolean", {"str": "false"}),
    ("2021-13-01", "date", {"str": "2021-13-01"}),
    ("2021-02-00T10:00:00", "dateTime", {"str": "2021-02-00T10:00:00"}),
    ("2021-00", "gYearMonth", {"str": "2021-00"}),
    ("2021-08-31", "date", {"date": "2021-08-31T00:00:00"}),
    ("2021-08-31+09:00", "date", {"date": "2021-08-31T00:00:00+09:00"}),
    ("2021-08-31T10:30:00Z", "dateTime", {"date": "2021-08-31T10:30:00Z"}),
    ("2020-02", "gYearMonth", {"date": "2020-02-01T00:00:00"}),
    ("2021", "gYear", {"date": "2021-01-01T00:00:00"}),
    ("twenty", "integer", {"str": "twenty"}),
    ("https://example.org/", "anyURI", {"str": "https://example.org/"}),
])
def test_literal_value_follows_the_datatype(lexical: str, datatype: str, value: dict[str, Any]) -> None:
    assert extend.literal_value(Literal(lexical, datatype=NamedNode(XSD + datatype))) == value


@pytest.mark.parametrize(("lang", "kept"), [
    ("ko", ["가", "plain"]),
    ("en", ["colour", "color", "plain"]),  # en-GB and en-US both read as English
    ("fr", ["colour", "color", "plain"]),  # no French: English
])
def test_one_language_keeps_untagged_and_one_language(lang: str, kept: list[str]) -> None:
    literals = [Literal("colour", language="en-GB"), Literal("color", language="en-US"), Literal("가", language="ko"), Literal("plain")]
    assert [lit.value for lit in extend._one_language(literals, lang)] == kept


def test_one_language_without_ours_keeps_one_other() -> None:
    literals = [Literal("Farbe", language="de"), Literal("couleur", language="fr")]
    assert [lit.value for lit in extend._one_language(literals, "en")] == ["Farbe"]
