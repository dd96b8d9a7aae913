"""The Reconciliation Service API at /reconcile (OpenRefine): manifest, JSONP, queries in Korean
and English, types, limits, properties, errors, preview, suggest, CORS, and writes seen at once.

Expected ids come from the project's own data (the `project_graph` fixture), found by the labels
the article gives; scores are only compared with each other, never against fixed numbers.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from pyoxigraph import NamedNode, Store

from conftest import PROJECT_ROOT, Server
from sparql_support import TOKEN, update

from server import reconcile

ID = "https://w3id.org/onteam/id/"
OT = "https://w3id.org/onteam/ontology#"
RDFS_LABEL = "http://www.w3.org/2000/01/rdf-schema#label"
ALT_LABEL = "http://www.w3.org/2004/02/skos/core#altLabel"
HANGUL = re.compile(r"[\uac00-\ud7a3]")


def labelled(graph: Store, text: str) -> str:
    """The local id of the one resource under id: with `text` as a label or altLabel (any language)."""
    found = {
        quad.subject.value[len(ID) :]
        for prop in (RDFS_LABEL, ALT_LABEL)
        for quad in graph.quads_for_pattern(None, NamedNode(prop), None)
        if quad.object.value == text and quad.subject.value.startswith(ID)
    }
    assert len(found) == 1, (text, found)
    return found.pop()


def labels_of(graph: Store, local: str) -> list[str]:
    """Every rdfs:label and skos:altLabel of a resource, as plain strings."""
    return sorted(
        {
            quad.object.value
            for prop in (RDFS_LABEL, ALT_LABEL)
            for quad in graph.quads_for_pattern(NamedNode(ID + local), NamedNode(prop), None)
        }
    )


def objects(graph: Store, local: str, prop: str) -> set[str]:
    return {q.object.value for q in graph.quads_for_pattern(NamedNode(ID + local), NamedNode(OT + prop), None)}


def ask(server: Server, queries: dict[str, Any], **params: str) -> dict[str, Any]:
    response = server.client.get("/reconcile", params={"queries": json.dumps(queries), **params})
    assert response.status_code == 200, response.text
    assert response.headers["content-type"].startswith("application/json")
    return response.json()


def results(server: Server, query: dict[str, Any]) -> list[dict[str, Any]]:
    return ask(server, {"q": query})["q"]["result"]


def top(server: Server, query: dict[str, Any]) -> dict[str, Any]:
    found = results(server, query)
    assert found, query
    return found[0]


# -- manifest and JSONP ----------------------------------------------------------------------------


def test_manifest_declares_spaces_default_types_and_templates(server: Server, project_graph: Store) -> None:
    manifest = server.client.get("/reconcile").json()
    assert "0.2" in manifest["versions"]
    assert manifest["identifierSpace"] == "https://w3id.org/onteam/id/"
    assert manifest["schemaSpace"] == "https://w3id.org/onteam/ontology#"
    assert HANGUL.search(manifest["name"]) and "One Team" in manifest["name"]
    expected = []
    for name in ("Consortium", "Organization", "Person", "Initiative", "Outcome"):
        english = [
            q.object.value
            for q in project_graph.quads_for_pattern(NamedNode(OT + name), NamedNode(RDFS_LABEL), None)
            if q.object.language == "en"
        ]
        expected.append({"id": name, "name": english[0]})
    assert manifest["defaultTypes"] == expected
    assert manifest["view"]["url"] == server.base + "/id/{{id}}"
    preview = manifest["preview"]
    assert preview["url"] == server.base + "/reconcile/preview?id={{id}}"
    assert isinstance(preview["width"], int) and isinstance(preview["height"], int)
    for kind in ("entity", "type", "property"):
        service = manifest["suggest"][kind]
        assert service["service_url"] + service["service_path"] == f"{server.base}/reconcile/suggest/{kind}"


def test_manifest_view_follows_the_public_base(make_server: Callable[..., Server]) -> None:
    running = make_server("--memory", "--public-base", "https://onteam.example.org/")
    manifest = running.client.get("/reconcile").json()
    assert manifest["view"]["url"] == "https://onteam.example.org/id/{{id}}"
    assert manifest["preview"]["url"].startswith("https://onteam.example.org/reconcile/preview?")


def test_manifest_jsonp_wraps_the_json_in_the_callback(server: Server) -> None:
    response = server.client.get("/reconcile", params={"callback": "jQuery_123$cb"})
    assert response.status_code == 200
    assert response.headers["content-type"] == "text/javascript; charset=utf-8"
    assert response.headers["x-content-type-options"] == "nosniff"
    match = re.fullmatch(r"/\*\*/jQuery_123\$cb\((.*)\);", response.text, re.S)
    assert match
    assert json.loads(match.group(1)) == server.client.get("/reconcile").json()


def test_queries_jsonp_wraps_the_answers(server: Server) -> None:
    queries = json.dumps({"q0": {"query": "KT"}})
    response = server.client.get("/reconcile", params={"queries": queries, "callback": "cb"})
    assert response.text.startswith("/**/cb(") and response.text.endswith(");")
    assert json.loads(response.text[len("/**/cb(") : -2])["q0"]["result"][0]["id"] == "kt"


@pytest.mark.parametrize("callback", ["a.b", "alert(1)", "1abc", "", "x y", "cb;evil", "x" * 129, "콜백"])
def test_jsonp_callback_that_is_not_an_identifier_is_400(server: Server, callback: str) -> None:
    response = server.client.get("/reconcile", params={"callback": callback})
    assert response.status_code == 400
    assert "callback" in response.json()["error"]


def test_unknown_parameters_are_ignored(server: Server) -> None:
    """jQuery adds a `_` cache-buster to JSONP requests; it is no reason to fail."""
    response = server.client.get("/reconcile", params={"_": "1700000000000"})
    assert response.status_code == 200 and response.json()["identifierSpace"]


# -- matching ------------------------------------------------------------------------------------------


@pytest.mark.parametrize("name", ["KAIST", "카이스트", "한국과학기술원", "Korea Advanced Institute of Science and Technology"])
def test_reconcile_korean_and_english_names_match_kaist(server: Server, project_graph: Store, name: str) -> None:
    expected = labelled(project_graph, name)
    assert expected == labelled(project_graph, "카이스트")  # every name is one resource
    first = top(server, {"query": name})
    assert first["id"] == expected
    assert first["match"] is True
    assert 0 <= first["score"] <= 100


def test_reconcile_batch_in_korean_and_english_finds_article_entities(server: Server, project_graph: Store) -> None:
    names = ["KT", "케이티", "KT Corporation", "AI 원팀", "AI One Team", "김회린", "Kim Hoe-rin", "Hoirin Kim"]
    batch = {f"q{i}": {"query": name} for i, name in enumerate(names)}
    answers = ask(server, batch)
    assert set(answers) == set(batch)
    for i, name in enumerate(names):
        first = answers[f"q{i}"]["result"][0]
        assert first["id"] == labelled(project_graph, name), name
        assert first["match"] is True, name
        assert first["name"] and first["type"], name
        assert all(set(t) == {"id", "name"} for t in first["type"])


def test_reconcile_result_name_follows_the_language_of_the_query(server: Server, project_graph: Store) -> None:
    korean = [l for l in labels_of(project_graph, "ai-one-team") if HANGUL.search(l)]
    assert HANGUL.search(top(server, {"query": "AI 원팀"})["name"])
    assert top(server, {"query": "AI One Team"})["name"] == "AI One Team"
    assert korean


@pytest.mark.parametrize(("query", "label"), [
    ("  kaist!! ", "KAIST"),
    ("ＫＡＩＳＴ", "KAIST"),  # full-width letters, folded by NFKC
    ("ai원팀", "AI 원팀"),  # Korean spacing varies
    ("jang du seong", "Jang Du-seong"),
    ("KOREA ADVANCED INSTITUTE OF SCIENCE & TECHNOLOGY", "Korea Advanced Institute of Science and Technology"),
])
def test_reconcile_normalization_ignores_case_width_spacing_and_punctuation(
    server: Server, project_graph: Store, query: str, label: str
) -> None:
    if "&" in query:  # "&" is not "and": a near match, not an exact one
        first = top(server, {"query": query})
        assert first["id"] == labelled(project_graph, label) and first["match"] is False
        return
    first = top(server, {"query": query})
    assert first["id"] == labelled(project_graph, label)
    assert first["match"] is True


def test_reconcile_exact_name_scores_above_partial_ones(server: Server) -> None:
    found = results(server, {"query": "KT", "limit": 10})
    assert found[0]["id"] == "kt"
    assert len(found) > 1, "other names containing KT are candidates too"
    assert all(found[0]["score"] > other["score"] for other in found[1:])
    assert all(not other["match"] for other in found[1:])
    assert [r["score"] for r in found] == sorted((r["score"] for r in found), reverse=True)


def test_reconcile_near_name_is_a_candidate_but_not_a_match(server: Server, project_graph: Store) -> None:
    first = top(server, {"query": "Korea Advanced Institute of Science"})
    assert first["id"] == labelled(project_graph, "KAIST")
    assert first["match"] is False and first["score"] < 100


def test_reconcile_unrelated_name_has_no_candidates(server: Server) -> None:
    assert results(server, {"query": "Zyxwvutsrq Qqq"}) == []


def test_reconcile_no_match_when_two_resources_share_the_exact_name(
    make_server: Callable[..., Server], make_root: Callable[..., Path]
) -> None:
    data = """
    @prefix ot: <https://w3id.org/onteam/ontology#> . @prefix id: <https://w3id.org/onteam/id/> .
    @prefix rdfs: <http://www.w3.org/2000/01/rdf-schema#> .
    id:hanbit-a a ot:Organization ; rdfs:label "Hanbit"@en .
    id:hanbit-b a ot:Organization ; rdfs:label "Hanbit"@en .
    """
    running = make_server("--memory", root=make_root(data))
    found = results(running, {"query": "Hanbit"})
    assert {r["id"] for r in found} == {"hanbit-a", "hanbit-b"}
    assert not any(r["match"] for r in found)


# -- types, limits, properties ----------------------------------------------------------------------------


def test_reconcile_type_filter_keeps_only_instances_of_the_type(server: Server, project_graph: Store) -> None:
    kt = labelled(project_graph, "KT")
    assert kt not in {r["id"] for r in results(server, {"query": "KT", "type": "Person"})}
    for type_id in ("Organization", "Company", "ot:Organization", OT + "Organization", ["Person", "Organization"]):
        first = top(server, {"query": "KT", "type": type_id})
        assert first["id"] == kt, type_id
    one_team = labelled(project_graph, "AI One Team")
    found = results(server, {"query": "원팀", "type": "OneTeam", "limit": 20})
    assert one_team in {r["id"] for r in found}
    assert all(any(t["id"] == "OneTeam" for t in r["type"]) for r in found)


def test_reconcile_type_includes_instances_of_subclasses(
    make_server: Callable[..., Server], make_root: Callable[..., Path]
) -> None:
    data = """
    @prefix ot: <https://w3id.org/onteam/ontology#> . @prefix id: <https://w3id.org/onteam/id/> .
    @prefix rdfs: <http://www.w3.org/2000/01/rdf-schema#> .
    id:seoul-tech a ot:University ; rdfs:label "Seoul Tech"@en .
    id:seoul-tech-club a ot:Club ; rdfs:label "Seoul Tech Club"@en .
    """
    ontology = (PROJECT_ROOT / "ontology" / "onteam.ttl").read_text(encoding="utf-8")
    running = make_server("--memory", root=make_root(data, ontology))
    # ot:University is an ot:Organization only through rdfs:subClassOf; ot:Club is no class at all.
    found = results(running, {"query": "Seoul Tech", "type": "Organization"})
    assert [r["id"] for r in found] == ["seoul-tech"]
    assert found[0]["match"] is True
    # Without a type, only the default types' instances are candidates.
    assert [r["id"] for r in results(running, {"query": "Seoul Tech"})] == ["seoul-tech"]


def test_reconcile_type_strict_all_and_should(server: Server, project_graph: Store) -> None:
    kt = labelled(project_graph, "KT")
    assert top(server, {"query": "KT", "type": ["Organization", "Company"], "type_strict": "all"})["id"] == kt
    assert results(server, {"query": "KT", "type": ["Organization", "Person"], "type_strict": "all"}) == []
    preferred = top(server, {"query": "KT", "type": "Person", "type_strict": "should"})
    assert preferred["id"] == kt  # a preference, not a filter: KT stays, ranked lower
    assert preferred["score"] < top(server, {"query": "KT"})["score"]
    assert preferred["match"] is False
    # The type's instances come first, whatever the others score.
    mixed = results(server, {"query": "Kim", "type": "Person", "type_strict": "should", "limit": 20})
    persons = [any(t["id"] == "Person" for t in r["type"]) for r in mixed]
    assert persons[0] and persons == sorted(persons, reverse=True)


def test_reconcile_unknown_type_has_no_candidates(server: Server) -> None:
    assert results(server, {"query": "KT", "type": "NoSuchClass"}) == []


def test_reconcile_limit_bounds_the_candidates(server: Server) -> None:
    many = results(server, {"query": "원팀", "limit": 50})
    assert len(many) > 5
    assert len(results(server, {"query": "원팀"})) == 5  # the default
    two = results(server, {"query": "원팀", "limit": 2})
    assert two == many[:2]
    assert len(results(server, {"query": "원팀", "limit": 10**9})) == len(many)  # bounded, not an error


def test_reconcile_property_raises_the_candidate_that_has_it(server: Server, project_graph: Store) -> None:
    du_seong, jun_hyeok = labelled(project_graph, "Jang Du-seong"), labelled(project_graph, "Jang Jun-hyeok")
    employer = sorted(objects(project_graph, jun_hyeok, "affiliatedWith") - objects(project_graph, du_seong, "affiliatedWith"))[0]
    employer_id = employer[len(ID) :]
    plain = {r["id"]: r["score"] for r in results(server, {"query": "Jang", "type": "Person", "limit": 10})}
    assert {du_seong, jun_hyeok} <= set(plain)
    by_id = {"query": "Jang", "type": "Person", "properties": [{"pid": "affiliatedWith", "v": {"id": employer_id}}]}
    assert top(server, by_id)["id"] == jun_hyeok
    # The same constraint by the organization's name (a string, compared with its labels).
    employer_label = labels_of(project_graph, employer_id)[0]
    by_name = {"query": "Jang", "type": "Person", "properties": [{"pid": OT + "affiliatedWith", "v": employer_label}]}
    assert top(server, by_name)["id"] == jun_hyeok
    other = sorted(objects(project_graph, du_seong, "affiliatedWith") - {employer})[0][len(ID) :]
    by_other = {"query": "Jang", "type": "Person", "properties": [{"pid": "ot:affiliatedWith", "v": [{"id": other}]}]}
    assert top(server, by_other)["id"] == du_seong


def test_reconcile_property_that_disagrees_lowers_the_score_and_the_match(server: Server, project_graph: Store) -> None:
    kaist = labelled(project_graph, "KAIST")
    member_of = objects(project_graph, kaist, "memberOf")
    one_teams = {r["id"] for r in results(server, {"query": "원팀", "type": "OneTeam", "limit": 20})}
    outside = sorted(one_teams - {m[len(ID) :] for m in member_of})[0]
    inside = sorted(member_of)[0][len(ID) :]
    plain = top(server, {"query": "KAIST"})
    agree = top(server, {"query": "KAIST", "properties": [{"pid": "memberOf", "v": {"id": inside}}]})
    disagree = top(server, {"query": "KAIST", "properties": [{"pid": "memberOf", "v": {"id": outside}}]})
    assert plain["id"] == agree["id"] == disagree["id"] == kaist
    assert disagree["score"] < plain["score"] <= agree["score"]
    assert agree["match"] is True and disagree["match"] is False


# -- bad requests -------------------------------------------------------------------------------------------


def test_reconcile_bad_json_is_400_with_line_and_column(server: Server) -> None:
    text = '{\n  "q0": {"query": "KT"},\n  "q1": {"query": "KAIST",}\n}'
    with pytest.raises(json.JSONDecodeError) as parsed:
        json.loads(text)
    response = server.client.get("/reconcile", params={"queries": text})
    assert response.status_code == 400
    body = response.json()
    assert (body["line"], body["column"]) == (parsed.value.lineno, parsed.value.colno) == (3, 27)
    assert f"line {parsed.value.lineno}, column {parsed.value.colno}" in body["error"]


@pytest.mark.parametrize(("queries", "says"), [
    ('"KT"', "queries must be a JSON object"),
    ("[1]", 'queries["0"] must be a JSON object'),
    ('{"q0": 5}', 'queries["q0"] must be a JSON object'),
    ('{"q0": {}}', 'queries["q0"] needs a \'query\' string, or properties to match'),
    ('{"q0": {"query": 5}}', 'queries["q0"].query must be a string'),
    ('{"q0": {"query": "KT", "limit": 0}}', "limit must be a positive integer"),
    ('{"q0": {"query": "KT", "limit": true}}', "limit must be a positive integer"),
    ('{"q0": {"query": "KT", "limit": "five"}}', "limit must be a positive integer"),
    ('{"q0": {"query": "KT", "type": 3}}', "type must be a type id"),
    ('{"q0": {"query": "KT", "type": "not a type"}}', "is not an ontology term name"),
    ('{"q0": {"query": "KT", "type_strict": "maybe"}}', "type_strict must be one of any, all, should"),
    ('{"q0": {"query": "KT", "properties": {"pid": "ledBy"}}}', "properties must be an array"),
    ('{"q0": {"query": "KT", "properties": [{"pid": "ledBy"}]}}', "properties[0] must be an object with 'pid' and 'v'"),
    ('{"q0": {"query": "KT", "properties": [{"pid": 7, "v": "x"}]}}', "properties[0].pid must be a property id"),
    ('{"q0": {"query": "KT", "properties": [{"pid": "ledBy", "v": {"name": "x"}}]}}', "needs a string 'id'"),
    ('{"q0": {"query": "%s"}}' % ("가" * 501), "longer than 500 characters"),
    ('{"q0": {"query": "KT", "properties": [%s]}}' % ", ".join(['{"pid": "ledBy", "v": "x"}'] * 21), "at most 20"),
    ('{"q0": {"query": "KT", "conditions": [{"matchType": "size"}]}}', 'matchType must be "name" or "property"'),
])
def test_reconcile_wrong_shape_is_400_naming_the_place(server: Server, queries: str, says: str) -> None:
    response = server.client.get("/reconcile", params={"queries": queries})
    assert response.status_code == 400
    assert says in response.json()["error"]


def test_reconcile_too_many_queries_is_400(server: Server) -> None:
    batch = {f"q{i}": {"query": "KT"} for i in range(reconcile.MAX_QUERIES + 1)}
    response = server.client.post("/reconcile", data={"queries": json.dumps(batch)})
    assert response.status_code == 400
    assert f"at most {reconcile.MAX_QUERIES}" in response.json()["error"]


def test_reconcile_queries_given_twice_is_400(server: Server) -> None:
    response = server.client.get("/reconcile?queries={}&queries={}")
    assert response.status_code == 400 and "given 2 times" in response.json()["error"]


# -- POST ----------------------------------------------------------------------------------------------------


def test_reconcile_post_form_answers_as_get(server: Server) -> None:
    batch = {"q0": {"query": "카이스트"}, "q1": {"query": "KT", "limit": 1}}
    response = server.client.post("/reconcile", data={"queries": json.dumps(batch)})
    assert response.status_code == 200
    assert response.json() == ask(server, batch)


def test_reconcile_post_form_without_queries_is_400(server: Server) -> None:
    response = server.client.post("/reconcile", data={"callback": "cb"})
    assert response.status_code == 400 and "queries" in response.json()["error"]


def test_reconcile_post_json_body_answers_in_the_draft_form(server: Server, project_graph: Store) -> None:
    body = {
        "queries": [
            {"query": "KT", "type": "Organization", "limit": 2},
            {"conditions": [{"matchType": "name", "propertyValue": "카이스트"}]},
        ]
    }
    response = server.client.post("/reconcile", json=body)
    assert response.status_code == 200
    answers = response.json()["results"]
    assert [a["candidates"][0]["id"] for a in answers] == [labelled(project_graph, "KT"), labelled(project_graph, "카이스트")]
    assert len(answers[0]["candidates"]) <= 2


def test_reconcile_post_json_body_with_bad_json_is_400_with_position(server: Server) -> None:
    response = server.client.post("/reconcile", content=b'{"queries": [}', headers={"Content-Type": "application/json"})
    assert response.status_code == 400
    assert response.json()["line"] == 1 and response.json()["column"] == 14


def test_reconcile_post_unknown_content_type_is_415(server: Server) -> None:
    response = server.client.post("/reconcile", content=b"queries={}", headers={"Content-Type": "text/plain"})
    assert response.status_code == 415


def test_reconcile_post_invalid_utf8_is_400(server: Server) -> None:
    response = server.client.post(
        "/reconcile", content=b"queries=%FF", headers={"Content-Type": "application/x-www-form-urlencoded"}
    )
    assert response.status_code == 400 and "UTF-8" in response.json()["error"]


# -- preview and suggest ---------------------------------------------------------------------------------------------


def test_preview_card_shows_names_in_english_and_korean_and_types(server: Server, project_graph: Store) -> None:
    kaist = labelled(project_graph, "KAIST")
    response = server.client.get("/reconcile/preview", params={"id": kaist})
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/html")
    page = response.text
    names = {q.object.language: q.object.value for q in project_graph.quads_for_pattern(NamedNode(ID + kaist), NamedNode(RDFS_LABEL), None)}
    assert names["en"] in page and names["ko"] in page
    assert "university" in page.lower()
    assert f'href="{server.base}/id/{kaist}"' in page
    # The full IRI is the same id.
    assert server.client.get("/reconcile/preview", params={"id": ID + kaist}).text == page


def test_preview_card_escapes_labels(make_server: Callable[..., Server], make_root: Callable[..., Path]) -> None:
    data = """
    @prefix ot: <https://w3id.org/onteam/ontology#> . @prefix id: <https://w3id.org/onteam/id/> .
    @prefix rdfs: <http://www.w3.org/2000/01/rdf-schema#> . @prefix dcterms: <http://purl.org/dc/terms/> .
    id:x a ot:Organization ; rdfs:label "<script>alert(1)</script>"@en ; dcterms:description "a & b"@en .
    """
    running = make_server("--memory", root=make_root(data))
    page = running.client.get("/reconcile/preview", params={"id": "x"}).text
    assert "<script>alert" not in page and "&lt;script&gt;" in page and "a &amp; b" in page


@pytest.mark.parametrize("ident", ["no-such-thing", "../etc", "a b", "https://example.org/kt"])
def test_preview_unknown_id_is_404(server: Server, ident: str) -> None:
    response = server.client.get("/reconcile/preview", params={"id": ident})
    assert response.status_code == 404
    assert response.json()["status"] == 404


def test_preview_without_id_is_400(server: Server) -> None:
    assert server.client.get("/reconcile/preview").status_code == 400


def test_suggest_entity_finds_names_by_prefix(server: Server, project_graph: Store) -> None:
    kaist = labelled(project_graph, "KAIST")
    for prefix in ("kai", "카이", "Korea Adv", "한국과학"):
        found = server.client.get("/reconcile/suggest/entity", params={"prefix": prefix}).json()["result"]
        assert kaist in [r["id"] for r in found], prefix
    typed = server.client.get("/reconcile/suggest/entity", params={"prefix": "kai", "type": "Person"}).json()
    assert kaist not in [r["id"] for r in typed["result"]]


def test_suggest_type_and_property_find_ontology_terms(server: Server) -> None:
    types = server.client.get("/reconcile/suggest/type", params={"prefix": "organ"}).json()["result"]
    assert types[0] == {**types[0], "id": "Organization", "name": "organization"}
    korean = server.client.get("/reconcile/suggest/type", params={"prefix": "원팀"}).json()["result"]
    assert "OneTeam" in [t["id"] for t in korean]
    props = server.client.get("/reconcile/suggest/property", params={"prefix": "led"}).json()["result"]
    assert "ledBy" in [p["id"] for p in props]


def test_suggest_pages_with_cursor(server: Server) -> None:
    first = server.client.get("/reconcile/suggest/type", params={"prefix": "o"}).json()["result"]
    second = server.client.get("/reconcile/suggest/type", params={"prefix": "o", "cursor": "1"}).json()["result"]
    assert len(first) > 1 and second[0] == first[1]
    assert server.client.get("/reconcile/suggest/type", params={"prefix": "o", "cursor": "-1"}).status_code == 400


def test_suggest_without_prefix_is_400(server: Server) -> None:
    assert server.client.get("/reconcile/suggest/entity").status_code == 400
    assert server.client.get("/reconcile/suggest/entity", params={"prefix": "!!"}).status_code == 400


# -- CORS and writes -----------------------------------------------------------------------------------------------------


def test_reconcile_cors_preflight_and_request_from_a_browser(server: Server) -> None:
    origin = {"Origin": "https://openrefine.example.org"}
    preflight = server.client.options(
        "/reconcile",
        headers={**origin, "Access-Control-Request-Method": "POST", "Access-Control-Request-Headers": "Content-Type"},
    )
    assert preflight.status_code == 200
    assert preflight.headers["access-control-allow-origin"] == "*"
    assert "POST" in preflight.headers["access-control-allow-methods"]
    response = server.client.post("/reconcile", data={"queries": '{"q0": {"query": "KT"}}'}, headers=origin)
    assert response.status_code == 200
    assert response.headers["access-control-allow-origin"] == "*"


def test_reconcile_sees_a_label_added_by_an_update(make_server: Callable[..., Server]) -> None:
    running = make_server("--update-token", TOKEN)
    name = "Hanbit Quantum Networks"
    assert results(running, {"query": name}) == []
    inserted = update(
        running,
        'INSERT DATA { <%shanbit-quantum> a <%sOrganization> ; <%s> "%s"@en , "한빛퀀텀"@ko }' % (ID, OT, RDFS_LABEL, name),
    )
    assert inserted.status_code == 204
    for query in (name, "한빛 퀀텀"):
        first = top(running, {"query": query})
        assert first["id"] == "hanbit-quantum" and first["match"] is True
    assert running.client.get("/reconcile/preview", params={"id": "hanbit-quantum"}).status_code == 200


# -- unit: normalization and term resolution ---------------------------------------------------------------------------------


@pytest.mark.parametrize(("text", "normalized"), [
    ("  KAIST  ", "kaist"),
    ("ＫＡＩＳＴ", "kaist"),
    ("한국과학기술원(KAIST)", "한국과학기술원 kaist"),
    ("AI One-Team", "ai one team"),
    ("Straße", "strasse"),
    ("a\u00a0b\tc", "a b c"),
])
def test_normalize_folds_width_case_and_punctuation(text: str, normalized: str) -> None:
    assert reconcile.normalize(text) == normalized


def test_exact_name_outranks_every_near_one() -> None:
    exact, is_exact = reconcile.name_score("kaist", "kaist", ALT_LABEL)
    near, near_exact = reconcile.name_score("kaist", "kaist daejeon", RDFS_LABEL)
    assert is_exact and not near_exact and exact > near


@pytest.mark.parametrize(("term", "iri"), [
    ("Organization", OT + "Organization"),
    ("ot:ledBy", OT + "ledBy"),
    ("org:member", "http://www.w3.org/ns/org#member"),
    ("http://xmlns.com/foaf/0.1/Person", "http://xmlns.com/foaf/0.1/Person"),
])
def test_resolve_term_takes_names_curies_and_iris(term: str, iri: str) -> None:
    assert reconcile.resolve_term(term, "type") == iri
