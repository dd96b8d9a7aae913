"""HTTP methods (RFC 9110): a 405 lists every method the path takes; HEAD answers as GET."""

from __future__ import annotations

import pytest

from conftest import Server


@pytest.mark.parametrize(
    ("method", "path", "allow"),
    [
        ("PUT", "/sparql", "GET, HEAD, POST, OPTIONS"),
        ("DELETE", "/sparql", "GET, HEAD, POST, OPTIONS"),
        ("PATCH", "/store?default", "GET, HEAD, POST, PUT, DELETE"),
        ("PUT", "/.well-known/void", "GET, HEAD"),
        ("POST", "/id/kt", "GET, HEAD"),
        ("DELETE", "/api", "GET, HEAD"),
        ("POST", "/health", "GET, HEAD"),
        ("PUT", "/reconcile", "GET, HEAD, POST"),
        ("DELETE", "/reconcile", "GET, HEAD, POST"),
        ("POST", "/reconcile/preview?id=kt", "GET, HEAD"),
        ("DELETE", "/reconcile/suggest/entity", "GET, HEAD"),
        ("POST", "/reconcile/extend/propose?type=Organization", "GET, HEAD"),
        ("GET", "/reconcile/extend", "POST"),
    ],
)
def test_405_lists_every_method_of_the_path(server: Server, method: str, path: str, allow: str) -> None:
    response = server.client.request(method, path, content=b"ASK {}")
    assert response.status_code == 405
    assert response.headers["allow"] == allow
    assert response.json()["status"] == 405


@pytest.mark.parametrize(
    "path",
    [
        "/health", "/ready", "/metrics", "/api", "/api/one-teams.rq", "/api/one-teams", "/sparql",
        "/reconcile", "/reconcile/preview?id=kt", "/reconcile/suggest/type?prefix=org",
        "/reconcile/extend/propose?type=Organization",
    ],
)
def test_head_answers_as_get_without_a_body(server: Server, path: str) -> None:
    get = server.client.get(path)
    head = server.client.head(path)
    assert get.status_code == head.status_code == 200
    assert head.headers["content-type"] == get.headers["content-type"]
    assert get.content and head.content == b""
