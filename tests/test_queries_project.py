"""The project's own saved queries: documented, loadable, and running on the project's data."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from conftest import PROJECT_ROOT, Server
from openapi_spec_validator import validate as validate_openapi

from server.queries import SavedQuery, load_saved_queries

QUERIES = load_saved_queries(PROJECT_ROOT / "queries")
# A value for every parameter name the project's queries use (each test below fails on a new one).
SAMPLES = {
    "consortium": "https://w3id.org/onteam/id/ai-one-team",
    "organization": "https://w3id.org/onteam/id/kt",
    "resource": "https://w3id.org/onteam/id/kaist",
    "kind": "https://w3id.org/onteam/ontology#Organization",
    "q": "원팀",
    "lang": "ko",
}


def _readme_section() -> str:
    text = (PROJECT_ROOT / "README.md").read_text(encoding="utf-8")
    match = re.search(r"^## Saved queries\n(.*?)(?=^## )", text, re.MULTILINE | re.DOTALL)
    assert match, "README.md has no '## Saved queries' section"
    return match.group(1)


def test_project_has_at_least_fifteen_saved_queries() -> None:
    assert len(QUERIES) >= 15


@pytest.mark.parametrize("name", sorted(QUERIES))
def test_every_saved_query_is_in_the_readme_table(name: str) -> None:
    assert re.search(rf"^\| `{re.escape(name)}` \|", _readme_section(), re.MULTILINE)


def test_readme_table_names_no_missing_query() -> None:
    listed = set(re.findall(r"^\| `([a-z0-9-]+)` \|", _readme_section(), re.MULTILINE))
    assert listed == set(QUERIES)


@pytest.mark.parametrize("key", ["summary", "description", "tags", "method", "defaults", "enumerate", "pagination", "params"])
def test_every_decorator_is_documented_in_the_readme(key: str) -> None:
    assert f"#+ {key}:" in _readme_section()


@pytest.mark.parametrize("name", sorted(QUERIES))
def test_every_saved_query_has_summary_description_and_tags(name: str) -> None:
    saved = QUERIES[name]
    assert saved.summary and saved.description and saved.tags


@pytest.mark.parametrize("name", sorted(QUERIES))
def test_every_parameter_has_a_description_and_a_sample(name: str) -> None:
    for param in QUERIES[name].parameters:
        assert param.description, f"{name}: parameter {param.name!r} has no 'params' description"
        assert param.name in SAMPLES, f"add a sample value for {param.name!r} to SAMPLES"


def _call(server: Server, saved: SavedQuery, enums: dict[str, list[str] | None]):  # type: ignore[no-untyped-def]
    params = {}
    for param in saved.parameters:
        value = SAMPLES[param.name]
        allowed = enums.get(param.name)
        if allowed is not None and value not in allowed:
            return None  # the placeholder data has no value this enumeration allows
        params[param.name] = value
    method = server.client.get if "GET" in saved.methods else server.client.post
    return method(f"/api/{saved.name}", params=params)


@pytest.mark.parametrize("name", sorted(QUERIES))
def test_every_saved_query_runs_on_the_project_data(server: Server, name: str) -> None:
    saved = QUERIES[name]
    listing = {q["name"]: q for q in server.client.get("/api").json()["queries"]}
    enums = {p["name"]: p["enum"] for p in listing[name]["parameters"]}
    response = _call(server, saved, enums)
    if response is None:
        # Still prove the text parses and runs on the real store, unbound as an editor would run it.
        response = server.client.post("/sparql", content=saved.text, headers={"Content-Type": "application/sparql-query"})
    assert response.status_code == 200, response.text
    if saved.form == "select":
        body = response.json()
        assert [v for v in body["head"]["vars"]]
        assert isinstance(body["results"]["bindings"], list)


def test_openapi_of_the_project_lists_every_saved_query(server: Server) -> None:
    paths = server.client.get("/openapi.json").json()["paths"]
    for name, saved in QUERIES.items():
        operations = paths[f"/api/{name}"]
        assert {m.upper() for m in operations} == set(saved.methods)
        for operation in operations.values():  # URL parameters, or a POST's form fields
            form = operation.get("requestBody", {}).get("content", {}).get("application/x-www-form-urlencoded", {})
            fields = set(form.get("schema", {}).get("properties", {}))
            documented = {p["name"] for p in operation.get("parameters", [])} | fields
            assert {p.name for p in saved.parameters} <= documented


def test_openapi_of_the_project_is_valid_openapi_3_with_the_rq_enumerations_and_defaults(server: Server) -> None:
    document = server.client.get("/openapi.json").json()
    validate_openapi(document)
    for name, saved in QUERIES.items():
        documented = {p["name"]: p for p in document["paths"][f"/api/{name}"]["get"]["parameters"]}
        for param in saved.parameters:
            schema = documented[param.name]["schema"]
            assert documented[param.name]["required"] is param.required, (name, param.name)
            assert schema.get("default") == param.default, (name, param.name)
            if param.enum is not None:
                assert schema["enum"] == list(param.enum), (name, param.name)


def test_query_files_are_served_as_they_are(server: Server) -> None:
    for name, saved in QUERIES.items():
        response = server.client.get(f"/api/{name}.rq")
        assert response.status_code == 200 and response.text == saved.text


def test_query_folder_holds_only_rq_files() -> None:
    assert all(p.suffix == ".rq" for p in Path(PROJECT_ROOT / "queries").iterdir())
