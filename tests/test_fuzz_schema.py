"""Schema-driven fuzzing: schemathesis generates requests from the live server's /openapi.json
and checks each answer against what the document declares (no 5xx, declared status codes,
content types, headers and JSON error bodies).

Bounded and deterministic: a few examples per operation, derandomized, so `make test` stays quick
and CI stable. Writes go to the session server, which has no writer token: they are all refused.
(The operations are listed from the app's own document at collection time, when no server runs
yet; each test then fuzzes that operation as the LIVE server's document describes it.)
"""

from __future__ import annotations

import os
import warnings

import pytest
import schemathesis
from hypothesis import HealthCheck, given, settings
from schemathesis import GenerationMode
from pyoxigraph import Store
from schemathesis.checks import (
    content_type_conformance,
    not_a_server_error,
    response_headers_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from conftest import PROJECT_ROOT, Server
from server.app import create_app
from server.settings import Settings

CHECKS = [
    not_a_server_error,
    status_code_conformance,
    content_type_conformance,
    response_headers_conformance,
    response_schema_conformance,
]
EXAMPLES_PER_OPERATION = int(os.environ.get("ONTEAM_FUZZ_SCHEMA_EXAMPLES", "15"))
REQUEST_TIMEOUT = 30  # seconds: a hang is a failure, not a stuck suite


def _operations() -> list[tuple[str, str, GenerationMode]]:
    """Each operation in each generation mode; invalid inputs only where something can be invalid
    (a path parameter that takes any string cannot be)."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # FastAPI warns about the ids the document then makes unique
        app = create_app(Settings(memory=True, root=PROJECT_ROOT), store=Store())
        document = app.openapi()
    cases = []
    for path, operations in document["paths"].items():
        for method, operation in operations.items():
            cases.append((method.upper(), path, GenerationMode.POSITIVE))
            query = [p for p in operation.get("parameters", []) if p["in"] != "path"]
            if query or "requestBody" in operation:
                cases.append((method.upper(), path, GenerationMode.NEGATIVE))
    return cases


@pytest.fixture(scope="module")
def api_schema(server: Server) -> schemathesis.BaseSchema:
    """The live server's OpenAPI document (schemathesis also checks that it is valid OpenAPI)."""
    return schemathesis.openapi.from_url(server.base + "/openapi.json")


@pytest.mark.parametrize(("method", "path", "mode"), _operations())
def test_operation_answers_as_declared(
    api_schema: schemathesis.BaseSchema, server: Server, method: str, path: str, mode: GenerationMode
) -> None:
    """Valid inputs (as the document describes them) and invalid ones: never a 5xx, always as declared."""
    operation = api_schema[path][method]

    @given(case=operation.as_strategy(generation_mode=mode))
    @settings(
        max_examples=EXAMPLES_PER_OPERATION,
        deadline=None,
        derandomize=not os.environ.get("ONTEAM_FUZZ_RANDOM"),  # set it for an exploratory run
        database=None,
        suppress_health_check=list(HealthCheck),
    )
    def fuzz(case: schemathesis.Case) -> None:
        case.call_and_validate(base_url=server.base, checks=CHECKS, timeout=REQUEST_TIMEOUT)

    fuzz()


def test_openapi_document_is_valid_openapi_with_unique_operation_ids(server: Server) -> None:
    document = server.client.get("/openapi.json").json()
    schemathesis.openapi.from_dict(document).validate()  # raises on an invalid document
    ids = [op["operationId"] for operations in document["paths"].values() for op in operations.values()]
    assert len(ids) == len(set(ids))


def test_openapi_declares_the_sparql_protocol(server: Server) -> None:
    document = server.client.get("/openapi.json").json()
    get = document["paths"]["/sparql"]["get"]
    assert {p["name"] for p in get["parameters"]} >= {"query", "default-graph-uri", "named-graph-uri", "format"}
    assert "application/sparql-results+json" in get["responses"]["200"]["content"]
    error = get["responses"]["400"]["content"]["application/json"]["schema"]
    assert error == {"$ref": "#/components/schemas/Error"}
    assert document["components"]["schemas"]["Error"]["required"] == ["ok", "error", "status"]
    post = document["paths"]["/sparql"]["post"]["requestBody"]["content"]
    assert set(post) == {"application/x-www-form-urlencoded", "application/sparql-query", "application/sparql-update"}
