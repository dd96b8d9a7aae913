"""The limits wired the way run_query is meant to use them, on the real app over HTTP.

The route below is the reference wiring for the protocol code: federation check, admission,
strict UTF-8, capped and deadline-checked results, the truncation header, the query hash in the log.
"""

from __future__ import annotations

import hashlib
import json
import logging
import threading
from collections.abc import Iterator
from typing import Any

import anyio
import httpx
import pyoxigraph
import pytest
from fastapi import Request
from fastapi.responses import Response
from pyoxigraph import Literal, NamedNode, Quad, RdfFormat, Store

from server.app import create_app
from server.limits import admit, cap, check_federation, decode_utf8
from server.observability import ACCESS_LOGGER
from server.settings import Settings
from conftest import serve_app


def wired_app() -> Any:
    store = Store()
    p = NamedNode("http://example.org/p")
    store.extend(
        Quad(NamedNode(f"http://example.org/s{i}"), p, Literal(i), NamedNode("http://example.org/g")) for i in range(20)
    )
    settings = Settings(memory=True, max_results=5, query_timeout=30)
    app = create_app(settings, store=store)

    @app.post("/wired")
    async def wired(request: Request) -> Response:
        query = decode_utf8(await request.body(), "the query")
        check_federation(query, request.app.state.service_allow)
        async with admit(request, query):

            def work() -> tuple[bytes, dict[str, str]]:
                result = store.query(query, use_default_graph_as_union=True)
                triples = cap(result, settings.max_results, settings.query_timeout)
                body = pyoxigraph.serialize(triples, format=RdfFormat.N_TRIPLES) or b""
                return body, triples.headers()

            body, headers = await anyio.to_thread.run_sync(work, limiter=request.app.state.query_limiter)
        return Response(body, media_type="application/n-triples", headers=headers)

    return app


@pytest.fixture(scope="module")
def base() -> Iterator[str]:
    with serve_app(wired_app()) as url:
        yield url


class Collect(logging.Handler):
    """Access-log lines as they are written (after the response is sent, so wait for them)."""

    def __init__(self) -> None:
        super().__init__()
        self.lines: list[dict[str, Any]] = []
        self.written = threading.Semaphore(0)

    def emit(self, record: logging.LogRecord) -> None:
        self.lines.append(json.loads(record.getMessage()))
        self.written.release()


def post(base: str, query: bytes) -> httpx.Response:
    return httpx.post(base + "/wired", content=query, headers={"Content-Type": "application/sparql-query"})


def test_long_answer_is_cut_at_max_results_and_says_so(base: str) -> None:
    response = post(base, b"CONSTRUCT WHERE { ?s ?p ?o }")
    assert response.status_code == 200
    assert len(response.text.strip().splitlines()) == 5
    assert response.headers["onteam-truncated"] == "true"


def test_short_answer_has_no_truncation_header(base: str) -> None:
    response = post(base, b"CONSTRUCT WHERE { <http://example.org/s1> ?p ?o }")
    assert response.status_code == 200
    assert len(response.text.strip().splitlines()) == 1
    assert "onteam-truncated" not in response.headers


def test_service_query_is_403_naming_the_endpoint(base: str) -> None:
    response = post(base, b"CONSTRUCT WHERE { SERVICE <http://127.0.0.1:9/sparql> { ?s ?p ?o } }")
    assert response.status_code == 403
    assert response.json()["endpoint"] == "http://127.0.0.1:9/sparql"


def test_broken_utf8_body_is_400(base: str) -> None:
    response = post(base, b"CONSTRUCT WHERE { ?s ?p \"\xff\" }")
    assert response.status_code == 400
    assert response.json()["error"] == "The query is not valid UTF-8: byte 0xff at offset 25"


def test_posted_query_is_named_by_its_hash_in_the_access_log(base: str) -> None:
    handler = Collect()
    logging.getLogger(ACCESS_LOGGER).addHandler(handler)
    try:
        query = "CONSTRUCT WHERE { <http://example.org/s2> ?p ?o }"
        expected = hashlib.sha256(query.encode()).hexdigest()[:16]
        assert post(base, query.encode()).status_code == 200
        # Other requests may log too (an earlier test's line can land after its response):
        # wait for a /wired line naming this query's hash; a wrong hash never comes.
        while not [line for line in handler.lines if line["path"] == "/wired" and line["query_hash"] == expected]:
            assert handler.written.acquire(timeout=30), handler.lines
    finally:
        logging.getLogger(ACCESS_LOGGER).removeHandler(handler)
