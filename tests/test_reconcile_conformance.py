"""Every kind of answer of /reconcile checked against the rules of the Reconciliation Service API
(v0.2, and the 1.0 draft where OnTeam answers in its shape), stated here as plain checks: field
names, JSON types, required members, allowed values. Plus what OpenRefine relies on in practice:
UTF-8 JSON with its charset named, well-formed JSONP, CORS on every route.

The answers come from the real server over the project's own data; each rule names the member
it is about, so that a failure says which one broke.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from conftest import Server

JSON_UTF8 = "application/json; charset=utf-8"
JS_UTF8 = "text/javascript; charset=utf-8"
# An ISO 8601 date-time as the specs' `date` values are: month 01-12, day 01-31, hour 00-23,
# optional fraction and zone. Written out here, not copied.
ISO_DATE_TIME = re.compile(
    r"-?(\d{4}|[1-9]\d{4,})-(0[1-9]|1[0-2])-(0[1-9]|[12]\d|3[01])"
    r"T([01]\d|2[0-3]):[0-5]\d:[0-5]\d(\.\d+)?(Z|[+-]([01]\d|2[0-3]):[0-5]\d)?"
)
SETTING_DEFAULTS = {"number": (int, float), "text": (str,), "checkbox": (bool,), "select": (str,)}
# Queries that reach every answer shape: names, a type, a list of types, properties, no match.
BATCH = {
    "q0": {"query": "KAIST"},
    "q1": {"query": "케이티", "type": "Organization", "limit": 3},
    "q2": {"query": "AI 원팀", "type": ["Consortium"], "type_strict": "should"},
    "q3": {"query": "KT", "properties": [{"pid": "memberOf", "v": {"id": "ai-one-team"}}]},
    "q4": {"query": "zzzz qqqq xxxx"},
}


def is_number(value: Any) -> bool:
    return isinstance(value, (int, float)) and not isinstance(value, bool)


def is_integer(value: Any) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


def assert_named(item: Any, where: str, *optional: str) -> None:
    """`item` has a string `id` and a string `name`; the `optional` members, when present, are strings."""
    assert isinstance(item, dict), where
    assert isinstance(item.get("id"), str) and item["id"], f"{where}.id"
    assert isinstance(item.get("name"), str), f"{where}.name"
    for key in optional:
        assert key not in item or isinstance(item[key], str), f"{where}.{key}"


def assert_type_refs(types: Any, where: str) -> None:
    """A candidate's `type` or a suggestion's `notable`: an array of type ids or {id, name} objects."""
    assert isinstance(types, list), where
    for i, t in enumerate(types):
        if not isinstance(t, str):
            assert isinstance(t, dict) and isinstance(t.get("id"), str), f"{where}[{i}].id"
            assert "name" not in t or isinstance(t["name"], str), f"{where}[{i}].name"


def assert_candidate(candidate: Any, where: str, score_required: bool) -> None:
    assert_named(candidate, where, "description")
    if score_required or "score" in candidate:
        assert is_number(candidate.get("score")), f"{where}.score"
    assert "match" not in candidate or isinstance(candidate["match"], bool), f"{where}.match"
    if "type" in candidate:
        assert_type_refs(candidate["type"], f"{where}.type")


def value_kind(value: Any, where: str, draft: bool) -> str:
    """Which of the specs' property value objects `value` is; fails on anything else.

    The kinds: {} (no value), an entity {id, name[, description]}, {str}, {int}, {float} and
    {date}, each with no other member (the 1.0 draft adds lang and dir to entities and strings).
    """
    assert isinstance(value, dict), where
    extra = {"lang", "dir"} if draft else set()
    keys = set(value)
    if not keys:
        return "empty"
    if "id" in keys:
        assert keys <= {"id", "name", "description"} | extra and "name" in keys, f"{where}: {value}"
        assert_named(value, where, "description")
        return "entity"
    if "str" in keys:
        assert keys <= {"str"} | extra and isinstance(value["str"], str), f"{where}: {value}"
        return "str"
    assert len(keys) == 1, f"{where}: one member expected in {value}"
    (kind,) = keys
    if kind == "int":
        assert is_integer(value["int"]), f"{where}: {value}"
    elif kind == "float":
        assert is_number(value["float"]), f"{where}: {value}"
    elif kind == "date":
        assert isinstance(value["date"], str) and ISO_DATE_TIME.fullmatch(value["date"]), f"{where}: {value}"
    else:
        pytest.fail(f"{where}: {kind!r} is not a value kind of the specs ({value})")
    return kind


def jsonp_body(text: str, callback: str) -> Any:
    """The JSON inside a JSONP answer, which must be exactly one call of `callback`."""
    match = re.fullmatch(r"/\*\*/" + re.escape(callback) + r"\((.*)\);", text, re.S)
    assert match, text[:200]
    return json.loads(match.group(1))


def some_ids(server: Server, type_id: str) -> list[str]:
    found: list[str] = []
    for prefix in ("a", "k", "s"):
        answer = server.client.get("/reconcile/suggest/entity", params={"prefix": prefix, "type": type_id}).json()
        found += [item["id"] for item in answer["result"] if item["id"] not in found]
    return found


# -- manifest (v0.2) ------------------------------------------------------------------------------


def test_manifest_has_every_required_member_with_its_type(server: Server) -> None:
    manifest = server.client.get("/reconcile").json()
    versions = manifest["versions"]
    assert isinstance(versions, list) and all(isinstance(v, str) for v in versions)
    assert "0.2" in versions  # the shape below is v0.2's; the 1.0 draft's manifest differs
    for key in ("name", "identifierSpace", "schemaSpace"):
        assert isinstance(manifest[key], str) and manifest[key], key
    for key in ("identifierSpace", "schemaSpace"):
        assert re.match(r"https?://", manifest[key]), key


def test_manifest_templates_hold_the_id_placeholder(server: Server) -> None:
    manifest = server.client.get("/reconcile").json()
    assert "{{id}}" in manifest["view"]["url"]
    preview = manifest["preview"]
    assert "{{id}}" in preview["url"]
    assert is_integer(preview["width"]) and is_integer(preview["height"])
    # The template filled in with a real id leads to the preview card.
    card = server.client.get(preview["url"].replace("{{id}}", "kt").removeprefix(server.base))
    assert card.status_code == 200 and card.headers["content-type"].startswith("text/html")


def test_manifest_default_types_are_unique_id_name_pairs(server: Server) -> None:
    types = server.client.get("/reconcile").json()["defaultTypes"]
    assert isinstance(types, list) and types
    for i, t in enumerate(types):
        assert_named(t, f"defaultTypes[{i}]", "description")
    assert len({json.dumps(t, sort_keys=True) for t in types}) == len(types)


def test_manifest_suggest_services_are_url_and_path_objects(server: Server) -> None:
    suggest = server.client.get("/reconcile").json()["suggest"]
    assert set(suggest) <= {"entity", "type", "property"}
    for kind, service in suggest.items():
        assert isinstance(service["service_url"], str) and isinstance(service["service_path"], str), kind
        assert "flyout_service_path" not in service or "${id}" in service["flyout_service_path"], kind


def test_manifest_extend_settings_have_type_label_name_and_a_default_of_their_type(server: Server) -> None:
    extend = server.client.get("/reconcile").json()["extend"]
    propose = extend["propose_properties"]
    assert isinstance(propose["service_url"], str) and isinstance(propose["service_path"], str)
    names = []
    for i, setting in enumerate(extend["property_settings"]):
        where = f"property_settings[{i}]"
        assert setting["type"] in SETTING_DEFAULTS, where
        assert isinstance(setting["label"], str) and isinstance(setting["name"], str), where
        assert "help_text" not in setting or isinstance(setting["help_text"], str), where
        if "default" in setting:
            default = setting["default"]
            assert isinstance(default, SETTING_DEFAULTS[setting["type"]]), where
            assert setting["type"] == "checkbox" or not isinstance(default, bool), where
        if setting["type"] == "select":
            assert setting["choices"], where
            for choice in setting["choices"]:
                assert isinstance(choice["value"], str) and isinstance(choice["name"], str), where
            assert setting.get("default", setting["choices"][0]["value"]) in {c["value"] for c in setting["choices"]}
        names.append(setting["name"])
    assert len(names) == len(set(names))


# -- reconciliation results ---------------------------------------------------------------------------


def test_result_batch_has_a_result_array_for_each_key_asked(server: Server) -> None:
    answer = server.client.get("/reconcile", params={"queries": json.dumps(BATCH)}).json()
    assert set(answer) == set(BATCH)
    for key, entry in answer.items():
        assert isinstance(entry, dict) and isinstance(entry["result"], list), key
    assert answer["q4"]["result"] == []
    assert all(answer[k]["result"] for k in ("q0", "q1", "q2", "q3"))


def test_result_candidates_have_id_name_score_match_and_type_objects(server: Server) -> None:
    answer = server.client.get("/reconcile", params={"queries": json.dumps(BATCH)}).json()
    for key, entry in answer.items():
        for i, candidate in enumerate(entry["result"]):
            where = f"{key}.result[{i}]"
            assert_candidate(candidate, where, score_required=True)
            # OnTeam always says whether it is a match, and gives types as {id, name} objects.
            assert isinstance(candidate["match"], bool), where
            assert all(isinstance(t, dict) and isinstance(t["name"], str) for t in candidate["type"]), where


def test_draft_result_batch_has_candidates_in_the_order_of_the_queries(server: Server) -> None:
    queries = [
        {"conditions": [{"matchType": "name", "v": "KAIST"}]},
        {"conditions": [{"matchType": "name", "v": "zzzz qqqq xxxx"}]},
        {"type": "Organization", "limit": 2, "conditions": [{"matchType": "name", "v": "KT"}]},
    ]
    response = server.client.post("/reconcile", json={"queries": queries})
    assert response.status_code == 200, response.text
    answer = response.json()
    assert list(answer) == ["results"] and len(answer["results"]) == len(queries)
    for i, entry in enumerate(answer["results"]):
        assert isinstance(entry["candidates"], list), i
        for j, candidate in enumerate(entry["candidates"]):
            assert_candidate(candidate, f"results[{i}].candidates[{j}]", score_required=False)
    assert answer["results"][0]["candidates"][0]["id"] == "kaist"
    assert answer["results"][1]["candidates"] == []
    assert len(answer["results"][2]["candidates"]) <= 2


def test_draft_property_condition_reads_pid_and_v(server: Server) -> None:
    """The draft's conditions name the property `pid` and the value `v`."""
    condition = {"matchType": "property", "pid": "memberOf", "v": {"id": "ai-one-team"}}
    with_it = {"conditions": [{"matchType": "name", "v": "KT"}, condition]}
    without = {"conditions": [{"matchType": "name", "v": "KT"}]}
    answer = server.client.post("/reconcile", json={"queries": [with_it, without]}).json()
    raised, plain = (entry["candidates"][0] for entry in answer["results"])
    assert raised["id"] == plain["id"] == "kt"
    assert raised["score"] >= plain["score"]


def test_draft_required_condition_drops_candidates_that_fail_it(server: Server) -> None:
    def ask(value: str) -> list[dict[str, Any]]:
        condition = {"matchType": "property", "pid": "memberOf", "v": {"id": value}, "required": True}
        query = {"conditions": [{"matchType": "name", "v": "KT"}, condition]}
        return server.client.post("/reconcile", json={"queries": [query]}).json()["results"][0]["candidates"]

    assert [c["id"] for c in ask("ai-one-team")][:1] == ["kt"]
    assert ask("no-such-consortium") == []


def members_of(server: Server, ids: list[str]) -> dict[str, set[str]]:
    query = {"ids": ids, "properties": [{"id": "memberOf"}]}
    rows = server.client.get("/reconcile", params={"extend": json.dumps(query)}).json()["rows"]
    return {ident: {v["id"] for v in cells["memberOf"]} for ident, cells in rows.items()}


def name_less(server: Server, value: Any) -> list[dict[str, Any]]:
    batch = {"q": {"properties": [{"pid": "memberOf", "v": value}], "type": "Organization", "limit": 50}}
    response = server.client.get("/reconcile", params={"queries": json.dumps(batch)})
    assert response.status_code == 200, response.text
    found = response.json()["q"]["result"]
    for candidate in found:
        assert_candidate(candidate, candidate["id"], score_required=True)
    return found


def test_query_without_a_name_is_answered_by_its_properties(server: Server) -> None:
    """Both specs allow a query made of properties only: here, the members of a consortium."""
    found = name_less(server, {"id": "ai-one-team"})
    assert "kt" in {c["id"] for c in found}
    for ident, consortia in members_of(server, [c["id"] for c in found]).items():
        assert "ai-one-team" in consortia, ident


def test_query_without_a_name_by_text_ranks_exact_values_first(server: Server) -> None:
    found = name_less(server, "AI One Team")
    members = members_of(server, [c["id"] for c in found])
    has_it = ["ai-one-team" in members[c["id"]] for c in found]
    assert "kt" in {c["id"] for c in found} and has_it[0]
    assert has_it == sorted(has_it, reverse=True)  # every holder of the value before any other


def test_draft_query_of_property_conditions_only_is_answered(server: Server) -> None:
    query = {"type": "Organization", "limit": 50, "conditions": [{"matchType": "property", "pid": "memberOf", "v": {"id": "ai-one-team"}}]}
    response = server.client.post("/reconcile", json={"queries": [query]})
    assert response.status_code == 200, response.text
    assert "kt" in {c["id"] for c in response.json()["results"][0]["candidates"]}


@pytest.mark.parametrize(("query", "says"), [
    ({"conditions": []}, "conditions must be a non-empty array"),
    ({"conditions": [{"matchType": "name"}]}, "has no 'v'"),
    ({"conditions": [{"matchType": "name", "v": 5}]}, "v must be a string"),
    ({"conditions": [{"matchType": "name", "v": "a"}, {"matchType": "name", "v": "b"}]}, 'at most one condition with matchType "name"'),
    ({"conditions": [{"matchType": "property", "pid": "memberOf", "v": "x", "required": "yes"}]}, "required must be true or false"),
    ({"properties": []}, "needs a 'query' string, or properties to match"),
])
def test_draft_condition_of_the_wrong_shape_is_400(server: Server, query: dict[str, Any], says: str) -> None:
    response = server.client.post("/reconcile", json={"queries": [query]})
    assert response.status_code == 400
    assert says in response.json()["error"]


def test_query_limit_given_as_a_whole_number_of_type_number_is_taken(server: Server) -> None:
    response = server.client.get("/reconcile", params={"queries": json.dumps({"q": {"query": "KT", "limit": 1.0}})})
    assert response.status_code == 200, response.text
    assert len(response.json()["q"]["result"]) == 1


# -- suggest --------------------------------------------------------------------------------------------


@pytest.mark.parametrize("prefix", ["k", "a", "원", "zzzzz"])
def test_suggest_entity_items_have_id_name_description_and_notable_types(server: Server, prefix: str) -> None:
    answer = server.client.get("/reconcile/suggest/entity", params={"prefix": prefix}).json()
    assert isinstance(answer["result"], list)
    for i, item in enumerate(answer["result"]):
        assert_named(item, f"result[{i}]", "description")
        assert_type_refs(item.get("notable", []), f"result[{i}].notable")
    assert (answer["result"] == []) == (prefix == "zzzzz")


@pytest.mark.parametrize("kind", ["type", "property"])
def test_suggest_type_and_property_items_have_id_and_name(server: Server, kind: str) -> None:
    seen = 0
    for prefix in ("a", "o", "m", "c"):
        answer = server.client.get(f"/reconcile/suggest/{kind}", params={"prefix": prefix}).json()
        assert isinstance(answer["result"], list)
        for i, item in enumerate(answer["result"]):
            assert_named(item, f"{kind} {prefix} result[{i}]", "description")
            assert "broader" not in item or isinstance(item["broader"], list)
        seen += len(answer["result"])
    assert seen


# -- data extension -------------------------------------------------------------------------------------


def test_propose_properties_answer_has_properties_with_id_and_name_type_and_limit(server: Server) -> None:
    answer = server.client.get("/reconcile/extend/propose", params={"type": "Organization", "limit": "3"}).json()
    assert answer["type"] == "Organization"
    assert is_number(answer["limit"]) and answer["limit"] == 3
    assert isinstance(answer["properties"], list) and 0 < len(answer["properties"]) <= 3
    for i, prop in enumerate(answer["properties"]):
        assert_named(prop, f"properties[{i}]", "description")


@pytest.mark.parametrize("type_id", ["Organization", "Consortium", "Person", "Initiative", "Outcome"])
def test_extend_answers_hold_only_the_specs_value_objects(server: Server, type_id: str) -> None:
    """Every property proposed for a type, on instances of it: meta, rows and each value's kind."""
    props = [p["id"] for p in server.client.get("/reconcile/extend/propose", params={"type": type_id}).json()["properties"]]
    ids = some_ids(server, type_id) + ["no-such-thing"]
    query = {"ids": ids, "properties": [{"id": p} for p in props]}
    v02 = server.client.get("/reconcile", params={"extend": json.dumps(query)}).json()
    assert [m["id"] for m in v02["meta"]] == props
    for i, column in enumerate(v02["meta"]):
        assert_named(column, f"meta[{i}]")
        if "type" in column:
            assert isinstance(column["type"]["id"], str), f"meta[{i}].type"
        assert "service" not in column or re.match(r"https?://", column["service"])
    assert set(v02["rows"]) == set(ids)
    kinds = set()
    for ident, cells in v02["rows"].items():
        assert set(cells) == set(props), ident
        for pid, values in cells.items():
            assert isinstance(values, list), f"rows.{ident}.{pid}"
            kinds |= {value_kind(v, f"rows.{ident}.{pid}[{j}]", draft=False) for j, v in enumerate(values)}
    assert "entity" in kinds and "str" in kinds
    draft = server.client.post("/reconcile/extend", json=query).json()
    assert [row["id"] for row in draft["rows"]] == ids
    for row in draft["rows"]:
        assert [p["id"] for p in row["properties"]] == props
        for prop in row["properties"]:
            for j, value in enumerate(prop["values"]):
                value_kind(value, f"{row['id']}.{prop['id']}[{j}]", draft=True)


def test_extend_entity_values_are_ids_of_the_identifier_space(server: Server) -> None:
    """An entity value's id is read in the manifest's identifierSpace (no other service is named
    in `meta`): a class, the value of rdf:type, is no such id and comes as its IRI string."""
    space = server.client.get("/reconcile").json()["identifierSpace"]
    query = {"ids": ["kt", "ai-one-team"], "properties": [{"id": "rdf:type"}, {"id": "memberOf"}, {"id": "hasMember"}]}
    answer = server.client.get("/reconcile", params={"extend": json.dumps(query)}).json()
    assert all("service" not in column for column in answer["meta"])
    entities = [v for cells in answer["rows"].values() for values in cells.values() for v in values if "id" in v]
    assert entities
    for value in entities:
        assert not re.match(r"[a-z][a-z0-9+.-]*:", value["id"]), value  # a local name, not an outside IRI
        preview = server.client.get("/reconcile/preview", params={"id": value["id"]})
        assert preview.status_code == 200, value  # and a resource of the space
    classes = answer["rows"]["kt"]["rdf:type"]
    assert classes and all(set(v) == {"str"} for v in classes)  # IRI strings: OnTeam's classes and their W3C alignments
    assert {space.replace("/id/", "/ontology#") + "Company", "http://www.w3.org/ns/org#Organization"} <= {v["str"] for v in classes}


def test_extend_boolean_literal_is_a_string_value(make_server: Callable[..., Server], make_root: Callable[..., Path]) -> None:
    """Neither spec has a boolean value object: a boolean comes back as {"str": "true"}."""
    data = """
    @prefix ot: <https://w3id.org/onteam/ontology#> . @prefix id: <https://w3id.org/onteam/id/> .
    @prefix rdfs: <http://www.w3.org/2000/01/rdf-schema#> . @prefix xsd: <http://www.w3.org/2001/XMLSchema#> .
    id:x a ot:Organization ; rdfs:label "X"@en ; ot:listed true ; ot:founded "2020-13-40"^^xsd:date .
    """
    running = make_server("--memory", root=make_root(data))
    query = {"ids": ["x"], "properties": [{"id": "listed"}, {"id": "founded"}]}
    row = running.client.get("/reconcile", params={"extend": json.dumps(query)}).json()["rows"]["x"]
    assert row["listed"] == [{"str": "true"}]
    assert row["founded"] == [{"str": "2020-13-40"}]  # no such day: not given as a date


# -- OpenRefine's practical expectations ---------------------------------------------------------------------------


READ_ROUTES = [
    ("GET", "/reconcile", {}),
    ("GET", "/reconcile", {"queries": json.dumps({"q0": {"query": "KT"}})}),
    ("GET", "/reconcile", {"extend": json.dumps({"ids": ["kt"], "properties": [{"id": "memberOf"}]})}),
    ("GET", "/reconcile/suggest/entity", {"prefix": "k"}),
    ("GET", "/reconcile/suggest/type", {"prefix": "o"}),
    ("GET", "/reconcile/suggest/property", {"prefix": "m"}),
    ("GET", "/reconcile/extend/propose", {"type": "Organization"}),
]


@pytest.mark.parametrize(("method", "path", "params"), READ_ROUTES)
def test_json_answers_are_utf8_json_with_the_charset_named(server: Server, method: str, path: str, params: dict[str, str]) -> None:
    response = server.client.request(method, path, params=params)
    assert response.status_code == 200, response.text
    assert response.headers["content-type"] == JSON_UTF8
    json.loads(response.content.decode("utf-8"))


@pytest.mark.parametrize(("path", "body"), [
    ("/reconcile", {"queries": [{"conditions": [{"matchType": "name", "v": "KT"}]}]}),
    ("/reconcile/extend", {"ids": ["kt"], "properties": [{"id": "memberOf"}]}),
])
def test_json_bodies_posted_are_answered_as_utf8_json(server: Server, path: str, body: dict[str, Any]) -> None:
    response = server.client.post(path, json=body)
    assert response.status_code == 200, response.text
    assert response.headers["content-type"] == JSON_UTF8


@pytest.mark.parametrize(("method", "path", "params"), READ_ROUTES)
def test_jsonp_answers_are_one_call_of_the_callback_around_the_json(
    server: Server, method: str, path: str, params: dict[str, str]
) -> None:
    plain = server.client.request(method, path, params=params).json()
    response = server.client.request(method, path, params={**params, "callback": "jQuery3_1$x"})
    assert response.status_code == 200
    assert response.headers["content-type"] == JS_UTF8
    assert response.headers["x-content-type-options"] == "nosniff"
    assert jsonp_body(response.text, "jQuery3_1$x") == plain


def test_jsonp_manifest_is_valid_script_and_the_same_manifest(server: Server) -> None:
    response = server.client.get("/reconcile", params={"callback": "onManifest"})
    manifest = jsonp_body(response.text, "onManifest")
    assert manifest == server.client.get("/reconcile").json()
    assert "0.2" in manifest["versions"] and "{{id}}" in manifest["view"]["url"]


def test_jsonp_escapes_line_and_paragraph_separators(make_server: Callable[..., Server], make_root: Callable[..., Path]) -> None:
    """U+2028 and U+2029 are legal in JSON strings but end a line in older JavaScript."""
    data = """
    @prefix ot: <https://w3id.org/onteam/ontology#> . @prefix id: <https://w3id.org/onteam/id/> .
    @prefix rdfs: <http://www.w3.org/2000/01/rdf-schema#> .
    id:x a ot:Organization ; rdfs:label "Line\\u2028Break\\u2029Co"@en .
    """
    running = make_server("--memory", root=make_root(data))
    response = running.client.get("/reconcile/suggest/entity", params={"prefix": "Line", "callback": "cb"})
    assert "\u2028" not in response.text and "\u2029" not in response.text
    assert "\\u2028" in response.text
    assert jsonp_body(response.text, "cb")["result"][0]["name"] == "Line\u2028Break\u2029Co"


@pytest.mark.parametrize("callback", ["cb()", "a[0]", "<script>", "x\u2028"])
def test_jsonp_callback_on_suggest_and_propose_is_checked_too(server: Server, callback: str) -> None:
    for path, params in (("/reconcile/suggest/entity", {"prefix": "k"}), ("/reconcile/extend/propose", {"type": "Organization"})):
        response = server.client.get(path, params={**params, "callback": callback})
        assert response.status_code == 400, path
        assert "callback" in response.json()["error"]


@pytest.mark.parametrize(("method", "path", "params"), [*READ_ROUTES, ("GET", "/reconcile/preview", {"id": "kt"})])
def test_every_reconcile_read_allows_any_origin(server: Server, method: str, path: str, params: dict[str, str]) -> None:
    response = server.client.request(method, path, params=params, headers={"Origin": "https://openrefine.example.org"})
    assert response.status_code == 200
    assert response.headers["access-control-allow-origin"] == "*"


@pytest.mark.parametrize("path", ["/reconcile", "/reconcile/extend", "/reconcile/suggest/entity", "/reconcile/extend/propose"])
def test_every_reconcile_route_answers_a_cors_preflight(server: Server, path: str) -> None:
    method = "POST" if path in ("/reconcile", "/reconcile/extend") else "GET"
    response = server.client.options(
        path,
        headers={
            "Origin": "https://openrefine.example.org",
            "Access-Control-Request-Method": method,
            "Access-Control-Request-Headers": "Content-Type",
        },
    )
    assert response.status_code == 200
    assert response.headers["access-control-allow-origin"] == "*"
    assert method in response.headers["access-control-allow-methods"]
    assert "content-type" in response.headers["access-control-allow-headers"].lower()
