"""The OpenAPI document, completed: what the protocol routes take and every answer they can give.

FastAPI only sees the Python signatures: /sparql, /store, /graph/... read their parameters and
bodies themselves, so it would describe them as taking nothing and answering JSON with 200.
`install_openapi` post-processes the generated document so that clients and schema-driven
tests (schemathesis, in tests/test_fuzz_schema.py) see the real contract:

- the common JSON error body (`Error`: {"ok": false, "error": ..., "status": N}) on every
  error status each operation can answer (the size limits, 413/414/431, apply everywhere);
- the protocol parameters, request bodies and the media types of successful answers;
- one operationId per operation (FastAPI repeats a route's id for each of its methods).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from fastapi import FastAPI

from . import negotiation

ERROR_SCHEMA: dict[str, Any] = {
    "type": "object",
    "description": "The body of every error response.",
    "required": ["ok", "error", "status"],
    "properties": {
        "ok": {"type": "boolean", "const": False},
        "error": {"type": "string", "description": "What went wrong, and where (line, column, byte offset)."},
        "status": {"type": "integer", "description": "The HTTP status, repeated."},
    },
    "additionalProperties": True,
}
ERROR_REF = {"$ref": "#/components/schemas/Error"}

REASONS = {
    400: "Bad request: a parameter, the query or the body is invalid (with the parser's position)",
    401: "No writer token",
    403: "Refused: wrong token, writes disabled, or a SERVICE/LOAD endpoint that is not allow-listed",
    404: "No such resource or graph",
    405: "Method not allowed",
    406: "None of the acceptable media types can be produced",
    413: "The request body is too large",
    414: "The request URL is too long",
    415: "Unsupported Content-Type",
    431: "The request headers are too large",
    503: "All query slots are busy (Retry-After) or the query ran too long",
}
# The size limits (server/limits.py) answer before any route does.
LIMIT_STATUSES = (400, 413, 414, 431)

RESULT_MEDIA = negotiation.RESULT_OFFERS
NOT_MODIFIED = "Not modified (If-None-Match, or If-Modified-Since without it)"
RDF_MEDIA = negotiation.RDF_OFFERS
GRAPH_MEDIA = tuple(m for m in RDF_MEDIA if m not in ("application/n-quads", "application/trig"))
DATASET_MEDIA = ("application/n-quads", "application/trig")
RDF_INPUT = (*negotiation.RDF_INPUT, "multipart/form-data")


def _schema(media: str) -> dict[str, Any]:
    """What a body of `media` is once a client parses it: JSON types parse to JSON values."""
    if media.endswith("json"):
        # SPARQL JSON results are an object; JSON-LD may be an object or an array.
        return {"type": "object"} if "sparql-results" in media else {"type": ["object", "array"]}
    return {"type": "string"}


def _content(media: tuple[str, ...]) -> dict[str, Any]:
    return {m: {"schema": _schema(m)} for m in media}


def error_responses(*statuses: int) -> dict[str, Any]:
    return {
        str(s): {"description": REASONS[s], "content": {"application/json": {"schema": ERROR_REF}}}
        for s in sorted({*statuses, *LIMIT_STATUSES})
    }


def query_param(name: str, description: str, *, array: bool = False) -> dict[str, Any]:
    schema: dict[str, Any] = {"type": "array", "items": {"type": "string"}} if array else {"type": "string"}
    param: dict[str, Any] = {"name": name, "in": "query", "required": False, "description": description, "schema": schema}
    if array:
        param.update(style="form", explode=True)
    return param


FORMAT_PARAMS = [
    query_param(name, "Answer format (short name such as json, csv, turtle, or a media type); overrides Accept.")
    for name in ("format", "output", "results")
]
QUERY_PARAMS = [
    query_param("query", "A SPARQL 1.1 query; without it, GET answers the Service Description."),
    query_param("default-graph-uri", "A graph of the query's default graph (repeatable).", array=True),
    query_param("named-graph-uri", "A named graph of the query's dataset (repeatable).", array=True),
    *FORMAT_PARAMS,
]
FORM_BODY = {
    "type": "object",
    "properties": {
        "query": {"type": "string"},
        "update": {"type": "string"},
        "default-graph-uri": {"type": "array", "items": {"type": "string"}},
        "named-graph-uri": {"type": "array", "items": {"type": "string"}},
        "using-graph-uri": {"type": "array", "items": {"type": "string"}},
        "using-named-graph-uri": {"type": "array", "items": {"type": "string"}},
    },
}
GRAPH_PARAMS = [
    query_param("graph", "The IRI of the named graph."),
    {
        "name": "default",
        "in": "query",
        "required": False,
        "allowEmptyValue": True,
        "description": "Present (no value): the store's default graph.",
        "schema": {"type": "string"},
    },
]


def _ok(description: str, media: tuple[str, ...]) -> dict[str, Any]:
    return {"description": description, "content": _content(media)}


def _no_content(description: str) -> dict[str, Any]:
    return {"description": description}


def _sparql_operations() -> dict[str, dict[str, Any]]:
    answers = _ok("Query results, or the Service Description without a query", RESULT_MEDIA + RDF_MEDIA)
    read = {
        "parameters": QUERY_PARAMS,
        "responses": {"200": answers, "304": _no_content(NOT_MODIFIED), **error_responses(403, 406, 503)},
    }
    post = {
        "parameters": FORMAT_PARAMS
        + [query_param(n, f"{n} (repeatable)", array=True) for n in ("using-graph-uri", "using-named-graph-uri")]
        + [query_param(n, f"{n} (repeatable)", array=True) for n in ("default-graph-uri", "named-graph-uri")],
        "requestBody": {
            "required": True,
            "content": {
                "application/x-www-form-urlencoded": {"schema": FORM_BODY},
                "application/sparql-query": {"schema": {"type": "string"}},
                "application/sparql-update": {"schema": {"type": "string"}},
            },
        },
        "responses": {
            "200": _ok("Query results", RESULT_MEDIA + RDF_MEDIA),
            "204": _no_content("The update was applied"),
            **error_responses(401, 403, 406, 415, 503),
        },
    }
    options = {"responses": {"204": {"description": "What /sparql allows", "headers": {"Allow": {"schema": {"type": "string"}}}}, **error_responses()}}
    return {"get": read, "head": read, "post": post, "options": options}


def _graph_operations(with_params: bool, whole_store: bool) -> dict[str, dict[str, Any]]:
    params = GRAPH_PARAMS if with_params else []
    media = GRAPH_MEDIA + (DATASET_MEDIA if whole_store else ())
    read = {
        "parameters": params,
        "responses": {
            "200": _ok("The graph (or, for /store alone, the dataset)", media),
            "304": _no_content(NOT_MODIFIED),
            **error_responses(404, 406, 503),
        },
    }
    body = {"required": False, "content": {m: {"schema": {"type": "string"}} for m in RDF_INPUT}}
    written = {
        "201": {"description": "Created", "headers": {"Location": {"schema": {"type": "string"}}}},
        "204": _no_content("Written"),
    }
    write = {"parameters": params, "requestBody": body, "responses": {**written, **error_responses(401, 403, 404, 415)}}
    delete = {"parameters": params, "responses": {"204": _no_content("Deleted"), **error_responses(401, 403, 404)}}
    return {"get": read, "head": read, "put": write, "post": write, "delete": delete}


def _backup_operation() -> dict[str, dict[str, Any]]:
    return {"post": {"responses": {"200": _ok("A tar of the live store", ("application/x-tar",)), **error_responses(401, 403)}}}


def _void_operations() -> dict[str, dict[str, Any]]:
    read = {
        "parameters": FORMAT_PARAMS,
        "responses": {"200": _ok("The VoID description", RDF_MEDIA + ("text/html",)), "304": _no_content(NOT_MODIFIED), **error_responses(406)},
    }
    return {"get": read, "head": read}


def _saved_query_fix(operation: dict[str, Any], method: str) -> None:
    """Saved queries: the common error body, the query text as an answer, the limits' statuses."""
    responses = operation.setdefault("responses", {})
    ok = responses.get("200", {})
    ok.setdefault("content", {})["application/sparql-query"] = {"schema": {"type": "string"}}
    responses["304"] = _no_content(NOT_MODIFIED)
    responses.update(error_responses(400, 403, 406, 503, *((415,) if method == "post" else ())))
    if method == "post" and "requestBody" not in operation:
        # A POST carries its parameters in the form body (the server also reads the URL, but a
        # parameter given in both is refused), so they are described there and only there; the
        # body takes no other field. Form-filling clients such as Swagger UI offer the real fields.
        query = [p for p in operation.get("parameters", []) if p.get("in") == "query"]
        fields = {p["name"]: {**p["schema"], "description": p.get("description", "")} for p in query}
        required = [p["name"] for p in query if p.get("required")]
        body: dict[str, Any] = {"type": "object", "properties": fields, "additionalProperties": False}
        if required:
            body["required"] = required
        operation["parameters"] = [p for p in operation.get("parameters", []) if p.get("in") != "query"]
        operation["requestBody"] = {
            "required": bool(required),
            "content": {"application/x-www-form-urlencoded": {"schema": body}},
        }


def complete(schema: dict[str, Any]) -> dict[str, Any]:
    """Complete a FastAPI-generated document in place (idempotent) and return it."""
    schema.setdefault("components", {}).setdefault("schemas", {})["Error"] = ERROR_SCHEMA
    paths: dict[str, dict[str, Any]] = schema.get("paths", {})
    fixed = {
        "/sparql": _sparql_operations(),
        "/store": _graph_operations(with_params=True, whole_store=True),
        "/graph/{path}": _graph_operations(with_params=False, whole_store=False),
        "/admin/backup": _backup_operation(),
        "/.well-known/void": _void_operations(),
    }
    for path, operations in fixed.items():
        for method, described in operations.items():
            operation = paths.get(path, {}).get(method)
            if operation is None:
                continue
            own = [p for p in operation.get("parameters", []) if p.get("in") == "path"]
            operation["parameters"] = own + described.get("parameters", [])
            if "requestBody" in described:
                operation["requestBody"] = described["requestBody"]
            operation["responses"] = described["responses"]
    for path, operations in paths.items():
        if path.startswith("/api/"):
            for method, operation in operations.items():
                _saved_query_fix(operation, method)
        elif path == "/api":
            operations.get("get", {}).setdefault("responses", {}).update(error_responses())
    seen: set[str] = set()
    for path, operations in paths.items():
        for method, operation in operations.items():
            op_id = operation.get("operationId")
            if op_id in seen:
                operation["operationId"] = f"{op_id}_{method}"
            if op_id:
                seen.add(operation["operationId"])
    return schema


def install_openapi(app: FastAPI) -> None:
    """Serve the completed document at /openapi.json (wrapping whatever builds it now)."""
    build: Callable[[], dict[str, Any]] = app.openapi

    def openapi() -> dict[str, Any]:
        return complete(build())

    app.openapi = openapi  # type: ignore[method-assign]
