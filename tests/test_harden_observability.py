"""Access log, /ready and /metrics, on the real server and on small apps served by uvicorn."""

from __future__ import annotations

import hashlib
import json
import logging
import time
from collections.abc import Iterator
from typing import Any

import httpx
import pytest
from fastapi import FastAPI

from conftest import Server, start_server
from server.errors import install_error_handlers
from server.observability import ACCESS_LOGGER, install_observability
from server.settings import Settings
from conftest import serve_app

QUERY = "SELECT (COUNT(*) AS ?n) WHERE { ?s ?p ?o }"
FIELDS = {"time", "method", "path", "status", "duration_ms", "bytes", "client", "query_hash", "user_agent"}


@pytest.fixture(scope="module")
def running(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    """A server of its own, so that its log holds only this module's requests."""
    server = start_server(tmp_path_factory.mktemp("observed"), "--memory", env={"ONTEAM_MAX_BODY_BYTES": "100"})
    yield server
    server.stop()


def access_lines(server: Server, count: int) -> list[dict[str, Any]]:
    """The JSON lines of the server's log, once at least `count` are there (lines are written after
    the response is sent, so the last one may lag behind the client by a moment)."""
    deadline = time.monotonic() + 30
    while True:
        lines = [json.loads(line) for line in server.log.read_text().splitlines() if line.startswith("{")]
        if len(lines) >= count or time.monotonic() > deadline:
            return lines
        time.sleep(0.02)


def metric(text: str, name: str, **labels: str) -> float:
    """The value of one sample in a Prometheus exposition (0 when absent)."""
    wanted = name + ("{" + ",".join(f'{k}="{v}"' for k, v in sorted(labels.items())) + "}" if labels else "")
    for line in text.splitlines():
        if line.startswith("#"):
            continue
        series, _, value = line.rpartition(" ")
        if _canonical(series) == wanted:
            return float(value)
    return 0.0


def _canonical(series: str) -> str:
    name, brace, rest = series.partition("{")
    if not brace:
        return name
    labels = sorted(part for part in rest.rstrip("}").split(",") if part)
    return name + "{" + ",".join(labels) + "}"


def test_access_log_lines_are_json_with_all_fields(running: Server) -> None:
    before = len(access_lines(running, 0))
    running.client.get("/health", headers={"User-Agent": "harden-test/1"})
    running.client.get("/sparql", params={"query": QUERY}, headers={"User-Agent": "harden-test/2"})
    lines = access_lines(running, before + 2)[before:]
    health, query = lines[0], lines[1]
    assert set(health) == FIELDS
    assert set(query) == FIELDS
    assert health["method"] == "GET" and health["path"] == "/health" and health["status"] == 200
    assert health["user_agent"] == "harden-test/1"
    assert health["client"] == "127.0.0.1"
    assert health["query_hash"] is None
    assert health["bytes"] == len(b'{"status":"ok"}')
    assert isinstance(health["duration_ms"], float) and health["duration_ms"] >= 0
    assert health["time"].endswith("Z") and health["time"][10] == "T"
    assert query["path"] == "/sparql" and query["status"] == 200 and query["bytes"] > 0


def test_access_log_names_a_get_query_by_its_hash(running: Server) -> None:
    before = len(access_lines(running, 0))
    running.client.get("/sparql", params={"query": QUERY})
    line = access_lines(running, before + 1)[before]
    assert line["query_hash"] == hashlib.sha256(QUERY.encode()).hexdigest()[:16]
    assert QUERY not in running.log.read_text()  # the text itself is never logged


def test_access_log_records_rejections(running: Server) -> None:
    before = len(access_lines(running, 0))
    response = running.client.post("/sparql", content="#" * 200, headers={"Content-Type": "application/sparql-query"})
    assert response.status_code == 413
    line = access_lines(running, before + 1)[before]
    assert (line["status"], line["path"], line["bytes"]) == (413, "/sparql", len(response.content))


def test_ready_is_200_when_the_store_answers(running: Server) -> None:
    response = running.client.get("/ready")
    assert response.status_code == 200
    assert response.json() == {"status": "ready"}


def test_ready_is_503_without_a_store() -> None:
    app = FastAPI()
    app.state.store = None
    install_error_handlers(app)
    install_observability(app, Settings(memory=True, access_log=False))
    with serve_app(app) as base:
        response = httpx.get(base + "/ready")
    assert response.status_code == 503
    assert response.headers["retry-after"] == "1"
    assert response.json() == {"ok": False, "error": "The store is not open yet", "status": 503}


def test_metrics_count_requests_by_route_method_and_status(running: Server) -> None:
    before = running.client.get("/metrics").text
    running.client.get("/health")
    running.client.get("/health")
    running.client.get("/sparql", params={"query": QUERY})
    after = running.client.get("/metrics")
    assert after.headers["content-type"].startswith("text/plain; version=")

    def moved(name: str, **labels: str) -> float:
        return metric(after.text, name, **labels) - metric(before, name, **labels)

    assert moved("onteam_http_requests_total", route="/health", method="GET", status="200") == 2
    assert moved("onteam_http_requests_total", route="/sparql", method="GET", status="200") == 1
    assert moved("onteam_http_request_duration_seconds_count", route="/sparql", method="GET") == 1


def test_metrics_label_unknown_paths_as_unmatched(running: Server) -> None:
    running.client.get("/no/such/page-12345")
    text = running.client.get("/metrics").text
    assert "page-12345" not in text
    assert metric(text, "onteam_http_requests_total", route="(unmatched)", method="GET", status="404") >= 1


def test_metrics_count_rejections(running: Server) -> None:
    before = metric(running.client.get("/metrics").text, "onteam_rejections_total", status="413")
    running.client.post("/sparql", content="#" * 200, headers={"Content-Type": "application/sparql-query"})
    after = metric(running.client.get("/metrics").text, "onteam_rejections_total", status="413")
    assert after - before == 1


def test_metrics_expose_the_query_gauges_and_timeouts(running: Server) -> None:
    text = running.client.get("/metrics").text
    for name in ("onteam_queries_running", "onteam_query_timeouts_total", "process_resident_memory_bytes"):
        assert any(line.startswith(name + " ") for line in text.splitlines()), name


class Collect(logging.Handler):
    def __init__(self) -> None:
        super().__init__()
        self.lines: list[dict[str, Any]] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.lines.append(json.loads(record.getMessage()))


@pytest.fixture
def collected() -> Iterator[Collect]:
    handler = Collect()
    logger = logging.getLogger(ACCESS_LOGGER)
    logger.addHandler(handler)
    yield handler
    logger.removeHandler(handler)


def templated_app() -> FastAPI:
    app = FastAPI()
    install_error_handlers(app)
    install_observability(app, Settings(memory=True))

    @app.get("/items/{item}")
    async def item(item: str) -> dict[str, str]:
        return {"item": item}

    @app.get("/boom")
    async def boom() -> None:
        raise RuntimeError("unexpected")

    return app


def test_route_label_is_the_template_not_the_raw_path(collected: Collect) -> None:
    with serve_app(templated_app()) as base:
        for name in ("a", "b", "c"):
            assert httpx.get(f"{base}/items/{name}").status_code == 200
        text = httpx.get(base + "/metrics").text
    assert "/items/a" not in text
    assert metric(text, "onteam_http_requests_total", route="/items/{item}", method="GET", status="200") >= 3
    assert [line["path"] for line in collected.lines[:3]] == ["/items/a", "/items/b", "/items/c"]


def test_unhandled_error_is_logged_and_counted_as_500(collected: Collect) -> None:
    with serve_app(templated_app()) as base:
        labels = {"route": "/boom", "method": "GET", "status": "500"}
        before = metric(httpx.get(base + "/metrics").text, "onteam_http_requests_total", **labels)
        assert httpx.get(base + "/boom").status_code == 500
        after = metric(httpx.get(base + "/metrics").text, "onteam_http_requests_total", **labels)
    assert after - before == 1
    assert any(line["path"] == "/boom" and line["status"] == 500 for line in collected.lines)


def test_metrics_are_labelled_as_the_classic_text_format_0_0_4(running: Server) -> None:
    # prometheus_client >= 0.22 says "version=1.0.0"; scrapers all know 0.0.4, which the bytes are.
    response = running.client.get("/metrics")
    assert response.headers["content-type"] == "text/plain; version=0.0.4; charset=utf-8"


def test_metrics_parse_with_the_prometheus_text_parser(running: Server) -> None:
    from prometheus_client.parser import text_string_to_metric_families

    running.client.get("/sparql", params={"query": QUERY})
    families = {family.name: family for family in text_string_to_metric_families(running.client.get("/metrics").text)}
    # the parser names a counter family without its `_total`; every sample of it has one
    counters = ("onteam_http_requests", "onteam_query_timeouts", "onteam_rejections", "onteam_truncated_answers", "onteam_store_writes")
    for name in counters:
        assert families[name].type == "counter"
        assert all(sample.name == name + "_total" for sample in families[name].samples)
    assert families["onteam_http_request_duration_seconds"].type == "histogram"
    assert families["onteam_queries_running"].type == "gauge"
    routes = {sample.labels.get("route") for sample in families["onteam_http_requests"].samples}
    assert "/sparql" in routes
    assert all(route and "?" not in route for route in routes)  # templates, never query strings


def test_metrics_answer_head_with_headers_and_no_body(running: Server) -> None:
    response = running.client.head("/metrics")
    assert response.status_code == 200
    assert response.headers["content-type"] == "text/plain; version=0.0.4; charset=utf-8"
    assert response.content == b""


def _raw_get(server: Server, path: str, user_agent: bytes) -> bytes:
    """One request sent byte for byte (httpx would refuse or re-encode the odd header)."""
    import socket

    host, port = server.base.removeprefix("http://").split(":")
    with socket.create_connection((host, int(port)), timeout=30) as sock:
        sock.sendall(b"GET " + path.encode() + b" HTTP/1.1\r\nHost: t\r\nUser-Agent: " + user_agent
                     + b"\r\nConnection: close\r\n\r\n")
        reply = b""
        while chunk := sock.recv(65536):
            reply += chunk
    return reply


def _logged_agents(server: Server, wanted: str) -> list[str]:
    """The user agents of the access log, once `wanted` is among them (or 30 s have passed)."""
    deadline = time.monotonic() + 30
    while True:
        lines = [json.loads(line) for line in server.log.read_text("utf-8").splitlines() if line.startswith("{")]
        agents = [line["user_agent"] for line in lines]
        if wanted in agents or time.monotonic() > deadline:
            return agents
        time.sleep(0.02)


def test_access_log_keeps_a_utf8_user_agent_readable(running: Server) -> None:
    reply = _raw_get(running, "/health", "클라이언트/1.0 (ü)".encode())
    assert reply.startswith(b"HTTP/1.1 200")
    assert "클라이언트/1.0 (ü)" in _logged_agents(running, "클라이언트/1.0 (ü)")


def test_access_log_escapes_non_utf8_and_quotes_in_a_user_agent(running: Server) -> None:
    reply = _raw_get(running, "/health", b'bad \xff\xfe "quoted" \\ end')
    assert reply.startswith(b"HTTP/1.1 200")
    wanted = 'bad \\xff\\xfe "quoted" \\ end'  # each line stays one JSON document
    assert wanted in _logged_agents(running, wanted)


def test_metrics_count_updates_and_graph_store_writes_but_not_refused_ones(make_server: Any) -> None:
    # POST /sparql carries queries and updates alike: the route counter cannot tell them apart.
    writable = make_server("--memory", "--update-token", "t")
    auth = {"Authorization": "Bearer t"}
    before = metric(writable.client.get("/metrics").text, "onteam_store_writes_total")
    assert writable.client.post("/sparql", data={"update": "INSERT DATA { <urn:a> <urn:b> <urn:c> }"}, headers=auth).status_code == 204
    put = writable.client.put(
        "/store", params={"graph": "urn:g"}, content="<urn:a> <urn:b> <urn:c> .",
        headers={**auth, "Content-Type": "text/turtle"},
    )
    assert put.status_code in (201, 204)
    assert writable.client.post("/sparql", data={"update": "INSERT DATA { <urn:a> <urn:b> <urn:c> }"}).status_code == 401
    assert writable.client.post("/sparql", data={"update": "INSERT DATA {"}, headers=auth).status_code == 400
    after = metric(writable.client.get("/metrics").text, "onteam_store_writes_total")
    assert after - before == 2
