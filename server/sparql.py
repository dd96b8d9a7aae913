"""The SPARQL 1.1 Protocol at /sparql: query by GET, form POST or direct POST.

`run_query` is the one way a query is evaluated and answered; saved queries use it too.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from typing import Any
from urllib.parse import parse_qsl

import anyio
from fastapi import APIRouter, Request
from fastapi.responses import Response
from pyoxigraph import NamedNode, QueryBoolean, QuerySolutions, Store, Variable

from . import negotiation
from .errors import BadRequest, QuerySyntaxError, UnsupportedMediaType

router = APIRouter()

_POSITION = re.compile(r"error at (\d+):(\d+)")
FORMAT_PARAMS = ("format", "output", "results")


def syntax_error(kind: str, exc: SyntaxError) -> QuerySyntaxError:
    """A 400 carrying the parser's message, with line and column when it gives them."""
    extra: dict[str, Any] = {}
    match = _POSITION.search(exc.msg or "")
    if match:
        extra = {"line": int(match.group(1)), "column": int(match.group(2))}
    return QuerySyntaxError(f"{kind} syntax error: {exc.msg}", **extra)


def evaluate(
    store: Store,
    query: str,
    default_graphs: Sequence[str] = (),
    named_graphs: Sequence[str] = (),
    substitutions: Mapping[Variable, Any] | None = None,
) -> Any:
    """Run a query; without a dataset the default graph is the union of all graphs."""
    options: dict[str, Any] = {"substitutions": dict(substitutions) if substitutions else None}
    if default_graphs:
        options["default_graph"] = [NamedNode(g) for g in default_graphs]
    else:
        options["use_default_graph_as_union"] = True
    if named_graphs:
        options["named_graphs"] = [NamedNode(g) for g in named_graphs]
    try:
        return store.query(query, **options)
    except SyntaxError as exc:
        raise syntax_error("Query", exc) from None
    except ValueError as exc:
        raise BadRequest(str(exc)) from None


def choose_format(result: Any, accept: str | None, fmt: str | None) -> str:
    """The media type to answer with: an explicit format parameter wins over Accept."""
    graph = not isinstance(result, (QuerySolutions, QueryBoolean))
    if fmt:
        return negotiation.format_from_name(fmt, graph)
    offers = negotiation.RDF_OFFERS if graph else negotiation.RESULT_OFFERS
    return negotiation.negotiate(accept, offers)


def serialize(result: Any, media: str) -> bytes:
    """Serialize a query result in the chosen media type."""
    if isinstance(result, (QuerySolutions, QueryBoolean)):
        return result.serialize(format=negotiation.RESULT_FORMATS[media])
    return result.serialize(format=negotiation.RDF_FORMATS[media])


async def run_query(
    request: Request,
    query: str,
    *,
    default_graphs: Sequence[str] = (),
    named_graphs: Sequence[str] = (),
    substitutions: Mapping[Variable, Any] | None = None,
    fmt: str | None = None,
) -> Response:
    """Evaluate `query` on a worker thread and answer in the negotiated format."""
    store: Store = request.app.state.store
    limiter = request.app.state.query_limiter
    accept = request.headers.get("accept")

    def work() -> tuple[bytes, str]:
        result = evaluate(store, query, default_graphs, named_graphs, substitutions)
        media = choose_format(result, accept, fmt)
        return serialize(result, media), media

    body, media = await anyio.to_thread.run_sync(work, limiter=limiter)
    return Response(body, media_type=negotiation.content_type(media), headers={"Vary": "Accept"})


def _single(params: list[tuple[str, str]], name: str) -> str | None:
    values = [v for k, v in params if k == name]
    if len(values) > 1:
        raise BadRequest(f"Parameter {name!r} was given {len(values)} times; give it once")
    return values[0] if values else None


def _format_param(params: list[tuple[str, str]]) -> str | None:
    for name in FORMAT_PARAMS:
        value = _single(params, name)
        if value:
            return value
    return None


@router.get("/sparql")
async def sparql_get(request: Request) -> Response:
    """SPARQL query via GET."""
    params = parse_qsl(request.url.query, keep_blank_values=True)
    query = _single(params, "query")
    if query is None:
        raise BadRequest("Missing 'query' parameter")
    return await run_query(
        request,
        query,
        default_graphs=[v for k, v in params if k == "default-graph-uri"],
        named_graphs=[v for k, v in params if k == "named-graph-uri"],
        fmt=_format_param(params),
    )


@router.post("/sparql")
async def sparql_post(request: Request) -> Response:
    """SPARQL query via POST, URL-encoded form or a direct `application/sparql-query` body."""
    params = parse_qsl(request.url.query, keep_blank_values=True)
    media = request.headers.get("content-type", "").split(";")[0].strip().lower()
    body = await request.body()
    if media == "application/x-www-form-urlencoded":
        params += parse_qsl(body.decode("utf-8"), keep_blank_values=True)
        query = _single(params, "query")
    elif media == "application/sparql-query":
        if _single(params, "query") is not None:
            raise BadRequest("A query was sent both in the URL and in the body; send it once")
        query = body.decode("utf-8")
    else:
        raise UnsupportedMediaType(
            f"Content-Type {media or '(none)'!r} is not accepted; use application/sparql-query "
            "or application/x-www-form-urlencoded"
        )
    if query is None:
        raise BadRequest("Missing 'query' parameter")
    return await run_query(
        request,
        query,
        default_graphs=[v for k, v in params if k == "default-graph-uri"],
        named_graphs=[v for k, v in params if k == "named-graph-uri"],
        fmt=_format_param(params),
    )
