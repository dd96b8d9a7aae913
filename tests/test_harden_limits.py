"""Size limits and broken UTF-8 against the real server: clean 4xx, never a 500 or a hang."""

from __future__ import annotations

import json
import pickle
import socket
from collections.abc import Iterator
from typing import Any
from urllib.parse import urlsplit

import anyio
import pytest
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import PlainTextResponse, Response
from starlette.routing import Route

from conftest import Server, start_server
from server.errors import ServiceUnavailable
from server.limits import LimitsMiddleware, QueryTimeout, cap

SMALL = {"ONTEAM_MAX_BODY_BYTES": "1000", "ONTEAM_MAX_URL_BYTES": "2000", "ONTEAM_MAX_HEADER_BYTES": "4000"}
ASK = "ASK { ?s ?p ?o }"


@pytest.fixture(scope="module")
def small(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    """A server with small caps, so that limits are reached with small requests."""
    running = start_server(tmp_path_factory.mktemp("small"), "--memory", env=SMALL)
    yield running
    running.stop()


def raw_exchange(server: Server, request: bytes, timeout: float = 10) -> tuple[int, dict[str, str], bytes]:
    """Send raw bytes, read the response until the server closes or the body is complete."""
    address = urlsplit(server.base)
    with socket.create_connection((address.hostname, address.port), timeout=timeout) as sock:
        try:
            sock.sendall(request)
        except (BrokenPipeError, ConnectionResetError):
            pass  # the server may answer and close before reading everything
        data = b""
        while b"\r\n\r\n" not in data:
            chunk = sock.recv(65536)
            if not chunk:
                break
            data += chunk
        head, _, body = data.partition(b"\r\n\r\n")
        lines = head.decode("latin-1").split("\r\n")
        status = int(lines[0].split()[1])
        headers = {k.lower(): v.strip() for k, _, v in (line.partition(":") for line in lines[1:])}
        length = int(headers.get("content-length", "0"))
        while len(body) < length:
            chunk = sock.recv(65536)
            if not chunk:
                break
            body += chunk
        return status, headers, body


def error_of(body: bytes) -> dict[str, object]:
    data = json.loads(body)
    assert data["ok"] is False
    return data


def test_body_over_cap_with_content_length_is_413(small: Server) -> None:
    response = small.client.post(
        "/sparql", content="#" * 1001 + "\n" + ASK, headers={"Content-Type": "application/sparql-query"}
    )
    assert response.status_code == 413
    assert response.json() == {"ok": False, "error": "The request body is larger than 1000 bytes (ONTEAM_MAX_BODY_BYTES)", "status": 413}


def test_body_at_cap_is_accepted(small: Server) -> None:
    query = ASK + " #" + "x" * (1000 - len(ASK) - 2)
    assert len(query.encode()) == 1000
    response = small.client.post("/sparql", content=query, headers={"Content-Type": "application/sparql-query"})
    assert response.status_code == 200


def test_chunked_body_over_cap_without_content_length_is_413(small: Server) -> None:
    def chunks() -> Iterator[bytes]:
        for _ in range(20):
            yield b"#" * 100 + b"\n"

    response = small.client.post("/sparql", content=chunks(), headers={"Content-Type": "application/sparql-query"})
    assert "content-length" not in response.request.headers
    assert response.request.headers["transfer-encoding"] == "chunked"
    assert response.status_code == 413
    assert error_of(response.content)["status"] == 413


def test_chunked_form_body_over_cap_is_413(small: Server) -> None:
    def chunks() -> Iterator[bytes]:
        yield b"query=" + ASK.encode()
        for _ in range(20):
            yield b"%20" * 40

    response = small.client.post(
        "/sparql", content=chunks(), headers={"Content-Type": "application/x-www-form-urlencoded"}
    )
    assert response.status_code == 413


def test_huge_declared_body_is_refused_before_it_is_sent(small: Server) -> None:
    # Content-Length says 1 GB; nothing of it is sent: the 413 must come at once, not after a wait.
    request = (
        b"POST /sparql HTTP/1.1\r\nHost: t\r\nContent-Type: application/sparql-query\r\n"
        b"Content-Length: 1000000000\r\n\r\n"
    )
    status, headers, body = raw_exchange(small, request, timeout=10)
    assert status == 413
    assert headers["connection"] == "close"
    assert error_of(body)["status"] == 413


def test_url_over_cap_is_414(small: Server) -> None:
    response = small.client.get("/sparql", params={"query": ASK + " #" + "x" * 2000})
    assert response.status_code == 414
    assert error_of(response.content)["error"] == (
        "The request URL is longer than 2000 bytes (ONTEAM_MAX_URL_BYTES); send the query by POST"
    )


def test_url_under_cap_is_served(small: Server) -> None:
    response = small.client.get("/sparql", params={"query": ASK + " #" + "x" * 1500})
    assert response.status_code == 200


def test_default_url_cap_is_16_kib(server: Server) -> None:
    assert server.client.get("/sparql", params={"query": ASK + " #" + "x" * 17000}).status_code == 414
    assert server.client.get("/sparql", params={"query": ASK + " #" + "x" * 15000}).status_code == 200


@pytest.mark.parametrize("size", [100_000, 1_000_000])
def test_huge_header_is_431_not_a_hang(server: Server, size: int) -> None:
    # uvicorn's httptools parser takes headers of any size; the limit is ours.
    request = b"GET /health HTTP/1.1\r\nHost: t\r\nX-Big: " + b"a" * size + b"\r\n\r\n"
    status, headers, body = raw_exchange(server, request, timeout=10)
    assert status == 431
    assert error_of(body) == {
        "ok": False,
        "error": "The request headers are larger than 32768 bytes (ONTEAM_MAX_HEADER_BYTES)",
        "status": 431,
    }


def test_many_small_headers_over_cap_are_431(small: Server) -> None:
    request = b"GET /health HTTP/1.1\r\nHost: t\r\n" + b"".join(b"X-H%d: v\r\n" % i for i in range(1000)) + b"\r\n"
    status, _, _ = raw_exchange(small, request)
    assert status == 431


def test_raw_non_ascii_url_is_refused_by_uvicorn(server: Server) -> None:
    # httptools refuses raw bytes >= 0x80 in the request target before the app sees them.
    request = b"GET /sparql?query=ASK%7B%7D&x=\xff\xfe HTTP/1.1\r\nHost: t\r\nConnection: close\r\n\r\n"
    status, _, _ = raw_exchange(server, request)
    assert status == 400


def echo_app() -> Any:
    """Starlette's URL decoding of the raw query string, behind the limits middleware."""

    async def app(request: Request) -> Response:
        return PlainTextResponse(request.url.query)

    return LimitsMiddleware(
        Starlette(routes=[Route("/", app)]), max_body_bytes=1000, max_url_bytes=2000, max_header_bytes=4000
    )


def call_asgi(app: Any, query_string: bytes) -> tuple[int, bytes]:
    """Drive an ASGI app directly with one GET (for what no uvicorn parser lets through)."""
    messages: list[dict[str, Any]] = []

    async def receive() -> dict[str, Any]:
        return {"type": "http.request", "body": b"", "more_body": False}

    async def send(message: dict[str, Any]) -> None:
        messages.append(message)

    scope = {
        "type": "http", "asgi": {"version": "3.0"}, "http_version": "1.1", "method": "GET", "scheme": "http",
        "path": "/", "raw_path": b"/", "root_path": "", "query_string": query_string,
        "headers": [(b"host", b"t")], "client": ("127.0.0.1", 1), "server": ("127.0.0.1", 80),
    }
    anyio.run(app, scope, receive, send)
    return messages[0]["status"], b"".join(m.get("body", b"") for m in messages[1:])


def test_raw_non_utf8_query_string_is_400_not_500() -> None:
    # Both uvicorn parsers refuse such bytes today; other ASGI servers pass them, and Starlette's
    # `request.url` would then raise UnicodeDecodeError (a 500).
    status, body = call_asgi(echo_app(), b"query=ASK&x=\xff\xfe")
    assert status == 400
    assert error_of(body)["error"] == "The query string is not valid UTF-8: byte 0xff at offset 12"


def test_raw_utf8_query_string_passes_the_check() -> None:
    status, body = call_asgi(echo_app(), "q=원팀".encode())
    assert (status, body.decode()) == (200, "q=원팀")


def test_stream_past_its_deadline_names_the_timeout_setting() -> None:
    # A deadline already in the past: the first item read after it stops the stream.
    items = cap(iter(range(10)), 0, timeout=1e-9)
    with pytest.raises(ServiceUnavailable) as raised:
        list(items)
    assert raised.value.message == (
        "The query exceeded the 1e-09 s limit and was stopped after 0 results (--query-timeout, ONTEAM_QUERY_TIMEOUT)"
    )
    assert raised.value.extra == {"timeout": 1e-9}


def test_query_timeout_survives_pickling_from_a_worker_process() -> None:
    error = pickle.loads(pickle.dumps(QueryTimeout(0.5, 3)))
    assert (error.status, error.extra) == (503, {"timeout": 0.5})
    assert error.message.endswith("after 3 results (--query-timeout, ONTEAM_QUERY_TIMEOUT)")
