"""Reads of the store outside /sparql (Graph Store downloads, pages, linked data, VoID) wait for a
query slot like queries do: with every slot held, they get 503 + Retry-After past QUEUE_TIMEOUT.

One worker, held for the whole module by a query that would run for hours (a quadruple cross
product of 300 triples); the server is killed at the end.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from conftest import Server, start_server, write_project

RUNAWAY = "SELECT (COUNT(*) AS ?n) WHERE { ?a ?b ?c . ?d ?e ?f . ?g ?h ?i . ?j ?k ?l }"
DATA = "".join(f"<https://w3id.org/onteam/id/s{i}> <urn:p> {i} .\n" for i in range(300))


def write_root(root: Path) -> Path:
    return write_project(root, DATA)


def _hold(base: str) -> None:
    try:
        httpx.get(base + "/sparql", params={"query": RUNAWAY}, timeout=600)
    except httpx.HTTPError:
        pass  # the server is killed under it


@pytest.fixture(scope="module", params=[(), ("--memory",)], ids=["disk", "memory"])
def busy(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    """A one-worker server whose only query slot is taken."""
    work = tmp_path_factory.mktemp("busy")
    server = start_server(
        work,
        "--workers", "1", "--query-timeout", "600", *request.param,
        env={"ONTEAM_QUEUE_TIMEOUT": "0.3"},
        root=write_root(work / "root"),
    )
    assert server.client.get("/store", params={"default": ""}).status_code == 200  # free: it answers
    holder = threading.Thread(target=_hold, args=(server.base,), daemon=True)
    holder.start()
    deadline = time.monotonic() + 30
    while "onteam_queries_running 1.0" not in server.client.get("/metrics").text:
        assert time.monotonic() < deadline, "the runaway query never took its slot"
        time.sleep(0.05)
    yield server
    server.process.kill()  # ends the runaway's worker too
    server.process.wait()
    holder.join(timeout=30)
    server.stop()


@pytest.mark.parametrize(
    ("method", "path"),
    [
        ("GET", "/store?default"),
        ("HEAD", "/store?default"),
        ("GET", "/store"),
        ("GET", "/graph/data/instances"),
        ("HEAD", "/graph/data/instances"),
        ("GET", "/"),
        ("GET", "/browse"),
        ("GET", "/network"),
        ("GET", "/timeline"),
        ("GET", "/id/s1"),
        ("GET", "/id/s1.ttl"),
        ("GET", "/ontology"),
        ("GET", "/ontology.ttl"),
        ("GET", "/.well-known/void"),
    ],
)
def test_store_read_past_busy_slots_is_503_with_retry_after(busy: Server, method: str, path: str) -> None:
    response = busy.client.request(method, path, headers={"Accept": "*/*"})
    assert response.status_code == 503, response.text
    assert response.headers["retry-after"] == "1"
    if method == "GET":
        assert "All 1 query slots stayed busy for 0.3 s" in response.text


def test_pages_that_read_nothing_still_answer_while_slots_are_busy(busy: Server) -> None:
    for path in ("/editor", "/queries", "/health", "/api"):
        assert busy.client.get(path).status_code == 200, path
