"""Acceptance audit of /reconcile: cases the spec's schemas allow, or OpenRefine's users type, that
the other reconcile tests did not reach. Each test names the case; the real server answers.

Ids are found by the labels the article gives (the `project_graph` fixture), never hard-coded.
"""

from __future__ import annotations

import json
from typing import Any

from conftest import Server
from pyoxigraph import NamedNode, Store

ID = "https://w3id.org/onteam/id/"
LABEL_PROPS = ("http://www.w3.org/2000/01/rdf-schema#label", "http://www.w3.org/2004/02/skos/core#altLabel")


def labelled(graph: Store, text: str) -> str:
    """The local id of the one resource under id: labelled `text` (label or altLabel)."""
    found = {
        quad.subject.value[len(ID) :]
        for prop in LABEL_PROPS
        for quad in graph.quads_for_pattern(None, NamedNode(prop), None)
        if quad.object.value == text and quad.subject.value.startswith(ID)
    }
    assert len(found) == 1, (text, found)
    return found.pop()


def batch(server: Server, queries: dict[str, Any]) -> dict[str, Any]:
    response = server.client.get("/reconcile", params={"queries": json.dumps(queries, ensure_ascii=False)})
    assert response.status_code == 200, response.text
    return response.json()


def suggested(server: Server, prefix: str) -> list[dict[str, Any]]:
    response = server.client.get("/reconcile/suggest/entity", params={"prefix": prefix})
    assert response.status_code == 200, response.text
    return response.json()["result"]


# -- blank names: the query schema allows any string, and OpenRefine sends a cell of spaces ------------


def test_blank_query_in_a_batch_gets_no_candidates_and_the_others_are_answered(server: Server, project_graph: Store) -> None:
    kaist = labelled(project_graph, "KAIST")
    answer = batch(server, {"a": {"query": "KAIST"}, "b": {"query": ""}, "c": {"query": "   "}, "d": {"query": "!!"}})
    assert answer["a"]["result"][0]["id"] == kaist
    assert answer["b"] == answer["c"] == answer["d"] == {"result": []}


def test_blank_query_with_properties_is_answered_by_the_properties(server: Server, project_graph: Store) -> None:
    kt, team = labelled(project_graph, "KT"), labelled(project_graph, "AI 원팀")
    answer = batch(server, {"q": {"query": " ", "limit": 100, "properties": [{"pid": "memberOf", "v": {"id": team}}]}})
    assert kt in [c["id"] for c in answer["q"]["result"]]


def test_blank_query_in_a_json_body_gets_no_candidates(server: Server) -> None:
    response = server.client.post("/reconcile", json={"queries": [{"query": "KT"}, {"query": ""}]})
    assert response.status_code == 200, response.text
    results = response.json()["results"]
    assert results[0]["candidates"] and results[1] == {"candidates": []}


# -- suggest while a Korean syllable is still being composed -------------------------------------------


def test_suggest_korean_prefix_typed_mid_syllable_finds_the_name(server: Server, project_graph: Store) -> None:
    kaist, kim = labelled(project_graph, "한국과학기술원"), labelled(project_graph, "김회린")
    # What a Korean input method shows on the way to 한국과학기술원, 카이스트 and 김회린: a syllable
    # without its final letter, a final letter that moves on to the next syllable, a bare letter,
    # half of a compound vowel (호 before 회); 김휠 is no way to 김회린.
    for prefix, wanted in (("한구", kaist), ("한국ㄱ", kaist), ("카잇", kaist), ("김ㅎ", kim), ("김호", kim), ("김회ㄹ", kim), ("김휠", None)):
        ids = [r["id"] for r in suggested(server, prefix)]
        if wanted is None:
            assert kim not in ids, prefix
        else:
            assert wanted in ids, (prefix, ids)


# -- suggest names in the language the user types ---------------------------------------------------------


def test_suggest_entity_name_follows_the_language_of_the_prefix(server: Server, project_graph: Store) -> None:
    kaist = labelled(project_graph, "한국과학기술원")
    korean = {r["id"]: r["name"] for r in suggested(server, "카이")}
    assert korean[kaist] == "한국과학기술원"
    english = {r["id"]: r["name"] for r in suggested(server, "kai")}
    assert english[kaist] == "Korea Advanced Institute of Science and Technology"


# -- data extension settings as OpenRefine's dialog sends them -------------------------------------------


def extended(server: Server, settings: dict[str, Any]) -> list[Any]:
    extend = {"ids": ["kt"], "properties": [{"id": "memberOf", "settings": settings}]}
    response = server.client.get("/reconcile", params={"extend": json.dumps(extend)})
    assert response.status_code == 200, response.text
    return response.json()["rows"]["kt"]["memberOf"]


def test_extend_limit_setting_left_empty_or_null_means_every_value(server: Server) -> None:
    every = extended(server, {})
    assert len(every) > 2
    # A number field cleared in the dialog comes as "" (or null, as JSON writes NaN), like the
    # `lang` setting left empty, which means its default.
    assert extended(server, {"limit": ""}) == extended(server, {"limit": None}) == every


def test_extend_limit_setting_as_a_whole_number_of_type_number_is_taken(server: Server) -> None:
    # The manifest's setting is of type "number" (as a query's `limit`, where 5.0 is 5).
    assert extended(server, {"limit": 2.0}) == extended(server, {"limit": 2})


# -- the 1.0 draft's conditions: matchQuantifier, and a name given as `query` --------------------------------


def draft(server: Server, query: dict[str, Any]) -> list[dict[str, Any]]:
    response = server.client.post("/reconcile", json={"queries": [query]})
    assert response.status_code == 200, response.text
    return response.json()["results"][0]["candidates"]


def condition(pid: str, values: list[Any], **more: Any) -> dict[str, Any]:
    return {"matchType": "property", "propertyId": pid, "propertyValue": values, **more}


def test_draft_condition_match_quantifier_none_excludes_what_has_the_value(server: Server, project_graph: Store) -> None:
    kt, team = labelled(project_graph, "KT"), labelled(project_graph, "AI 원팀")
    name = {"matchType": "name", "propertyValue": "KT"}
    member = condition("memberOf", [{"id": team}], required=True)
    assert kt in [c["id"] for c in draft(server, {"conditions": [name, member]})]
    not_member = condition("memberOf", [{"id": team}], required=True, matchQuantifier="none")
    assert kt not in [c["id"] for c in draft(server, {"conditions": [name, not_member]})]


def test_draft_condition_match_quantifier_all_needs_every_value(server: Server, project_graph: Store) -> None:
    kt, team = labelled(project_graph, "KT"), labelled(project_graph, "AI 원팀")
    kaist = labelled(project_graph, "KAIST")
    name = {"matchType": "name", "propertyValue": "KT"}
    # KT is a member of the AI One Team, but KAIST is no consortium KT is a member of.
    some = condition("memberOf", [{"id": team}, {"id": kaist}], required=True)
    assert kt in [c["id"] for c in draft(server, {"conditions": [name, some]})]
    every = condition("memberOf", [{"id": team}, {"id": kaist}], required=True, matchQuantifier="all")
    assert kt not in [c["id"] for c in draft(server, {"conditions": [name, every]})]


def test_draft_condition_unknown_match_quantifier_is_400(server: Server) -> None:
    query = {"conditions": [{"matchType": "name", "v": "KT"}, condition("memberOf", ["x"], matchQuantifier="most")]}
    response = server.client.post("/reconcile", json={"queries": [query]})
    assert response.status_code == 400
    assert "matchQuantifier must be one of any, all, none" in response.json()["error"]


def test_draft_query_name_beside_property_conditions_is_not_ignored(server: Server, project_graph: Store) -> None:
    kt, team = labelled(project_graph, "KT"), labelled(project_graph, "AI 원팀")
    found = draft(server, {"query": "KT", "conditions": [condition("memberOf", [{"id": team}])]})
    assert found[0]["id"] == kt


# -- property proposals for a column reconciled against no type -------------------------------------------


def test_propose_without_type_lists_the_properties_of_every_default_type(server: Server) -> None:
    # The spec: "If no type is provided, it should suggest properties for a column reconciled
    # against no type." OpenRefine asks so when a column was reconciled without a type.
    proposed = {}
    for params in ({}, {"type": ""}):
        response = server.client.get("/reconcile/extend/propose", params=params)
        assert response.status_code == 200, response.text
        body = response.json()
        assert "type" not in body
        proposed[len(params)] = [p["id"] for p in body["properties"]]
    assert proposed[0] == proposed[1]
    for type_id in ("Consortium", "Person", "Organization"):
        typed = server.client.get("/reconcile/extend/propose", params={"type": type_id}).json()["properties"]
        assert {p["id"] for p in typed} <= set(proposed[0]), type_id
    limited = server.client.get("/reconcile/extend/propose", params={"limit": "2"}).json()
    assert set(limited) == {"properties", "limit"} and limited["limit"] == 2
    assert [p["id"] for p in limited["properties"]] == proposed[0][:2]


# -- blank property values: a cell of spaces in the column of a property --------------------------------------


def test_blank_property_value_neither_lowers_the_score_nor_the_match(server: Server, project_graph: Store) -> None:
    kt = labelled(project_graph, "KT")
    alone = batch(server, {"q": {"query": "KT"}})["q"]["result"][0]
    assert alone["id"] == kt and alone["match"]
    for blank in (" ", "", [], ["  "]):
        query = {"query": "KT", "properties": [{"pid": "memberOf", "v": blank}]}
        found = batch(server, {"q": query})["q"]["result"][0]
        assert (found["id"], found["score"], found["match"]) == (kt, alone["score"], True), blank


def test_suggest_type_and_property_names_follow_the_language_of_the_prefix(server: Server) -> None:
    def names(kind: str, prefix: str) -> dict[str, str]:
        response = server.client.get(f"/reconcile/suggest/{kind}", params={"prefix": prefix})
        assert response.status_code == 200, response.text
        return {r["id"]: r["name"] for r in response.json()["result"]}

    assert names("type", "대학")["University"] == names("type", "대ㅎ")["University"] == "대학"
    assert names("type", "univ")["University"] == "university"
    assert names("property", "소속")["affiliatedWith"] == "소속"
    assert names("property", "affil")["affiliatedWith"] == "affiliated with"
