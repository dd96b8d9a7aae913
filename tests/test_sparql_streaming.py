"""Large results stream with flat memory and back-pressure; small ones come in one piece."""

from __future__ import annotations

import csv
import io
import json
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from conftest import Server, start_server
from sparql_support import write_root

SIDE = 1000  # subjects; the cross join below yields SIDE * SIDE rows
DATA = "".join(f"<http://example.org/s/{i}> <http://example.org/p> {i} .\n" for i in range(SIDE))
CROSS = "SELECT ?a ?c WHERE { ?a <http://example.org/p> ?b . ?c <http://example.org/p> ?d }"
BIG_CONSTRUCT = "CONSTRUCT { ?a <http://example.org/q> ?c } WHERE { ?a <http://example.org/p> ?b . ?c <http://example.org/p> ?d }"
MIB = 1024 * 1024


@pytest.fixture(scope="module")
def big(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    """One worker only: a stuck serializer would block every later query. No result cap:
    these answers are longer than MAX_RESULTS on purpose (caps: test_sparql_caps.py)."""
    root = write_root(tmp_path_factory.mktemp("root"), data=DATA, ontology="")
    running = start_server(
        tmp_path_factory.mktemp("server"), "--workers", "1", "--memory", root=root, env={"ONTEAM_MAX_RESULTS": "0"}
    )
    yield running
    running.stop()


def _peak_rss(server: Server) -> int:
    """The server process's peak resident memory so far (VmHWM), in bytes."""
    for line in Path(f"/proc/{server.process.pid}/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) * 1024
    raise AssertionError("no VmHWM in /proc status")


def test_small_result_has_content_length(big: Server) -> None:
    response = big.client.get("/sparql", params={"query": "SELECT * WHERE { ?s ?p ?o } LIMIT 3"})
    assert response.status_code == 200
    assert int(response.headers["content-length"]) == len(response.content)


def test_million_row_csv_streams_completely(big: Server) -> None:
    rows = 0
    with big.client.stream(
        "GET", "/sparql", params={"query": CROSS}, headers={"Accept": "text/csv", "Accept-Encoding": "identity"}
    ) as response:
        assert response.status_code == 200
        assert "content-length" not in response.headers
        assert response.headers["transfer-encoding"] == "chunked"
        reader = csv.reader(line for line in response.iter_lines())
        assert next(reader) == ["a", "c"]
        rows = sum(1 for row in reader if row)
    assert rows == SIDE * SIDE


def test_large_json_is_complete_and_valid(big: Server) -> None:
    query = CROSS + " LIMIT 200000"
    response = big.client.get("/sparql", params={"query": query}, headers={"Accept-Encoding": "identity"})
    assert response.status_code == 200
    assert "content-length" not in response.headers
    assert len(json.loads(response.content)["results"]["bindings"]) == 200000


def test_large_construct_streams_as_ntriples(big: Server) -> None:
    lines = 0
    with big.client.stream(
        "GET", "/sparql", params={"query": BIG_CONSTRUCT + " LIMIT 300000"}, headers={"Accept": "application/n-triples"}
    ) as response:
        assert response.status_code == 200
        for line in response.iter_lines():
            if line:
                assert line.endswith(" .")
                lines += 1
    assert lines == 300000


def test_large_result_streams_gzipped(big: Server) -> None:
    with httpx.Client(base_url=big.base, timeout=60) as client:
        with client.stream(
            "GET", "/sparql", params={"query": CROSS + " LIMIT 300000"}, headers={"Accept": "text/csv", "Accept-Encoding": "gzip"}
        ) as response:
            assert response.headers["content-encoding"] == "gzip"
            text = b"".join(response.iter_bytes()).decode()
    rows = list(csv.reader(io.StringIO(text)))
    assert len([r for r in rows if r]) == 300000 + 1


def test_memory_stays_flat_while_streaming_a_million_rows(big: Server) -> None:
    before = _peak_rss(big)
    total = 0
    with big.client.stream(
        "GET", "/sparql", params={"query": CROSS}, headers={"Accept-Encoding": "identity"}
    ) as response:
        for chunk in response.iter_raw():
            total += len(chunk)
    assert total > 100 * MIB  # the JSON is far bigger than the memory we allow it
    assert _peak_rss(big) - before < 48 * MIB


def test_slow_reader_holds_back_the_serializer(big: Server) -> None:
    before = _peak_rss(big)
    with httpx.Client(base_url=big.base, timeout=60) as client:
        with client.stream(
            "GET", "/sparql", params={"query": BIG_CONSTRUCT}, headers={"Accept": "application/n-triples", "Accept-Encoding": "identity"}
        ) as response:
            assert response.status_code == 200
            assert next(response.iter_raw())
            # Read nothing for a while: without back-pressure the serializer would
            # keep going and pile most of the ~75 MiB into the server's memory meanwhile.
            time.sleep(4)
            assert _peak_rss(big) - before < 16 * MIB
    # Leaving the block drops the connection: the serializer must stop (next test).


def test_abandoned_stream_frees_the_worker(big: Server) -> None:
    for _ in range(3):
        with httpx.Client(base_url=big.base, timeout=60) as client:
            with client.stream("GET", "/sparql", params={"query": CROSS}, headers={"Accept": "text/csv"}) as response:
                assert next(response.iter_raw())
        # The connection is gone; with one worker, this query only runs once the
        # abandoned serializer has stopped and given its worker back.
    response = big.client.get("/sparql", params={"query": "ASK { ?s ?p ?o }"})
    assert response.json()["boolean"] is True


def test_error_before_first_byte_is_json(big: Server) -> None:
    response = big.client.get("/sparql", params={"query": "SELECT (<http://example.org/nope>(?a) AS ?x) WHERE { ?a ?p ?o }"})
    assert response.status_code == 400
    assert response.json()["ok"] is False
