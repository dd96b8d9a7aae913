"""Hard query timeouts in the worker-process pool: runaway queries are killed, others go on.

On-disk and in-memory (`--memory`) stores alike: both run their queries in the pool.
"""

from __future__ import annotations

import os
import re
import threading
import time
from collections.abc import Callable
from pathlib import Path

import httpx
import pytest

from conftest import Server
from engine_support import children, small_graph

RUNAWAY = "SELECT (COUNT(*) AS ?n) WHERE { ?a ?b ?c . ?d ?e ?f . ?g ?h ?i . ?j ?k ?l }"
SMALL = "SELECT ?s WHERE { ?s <http://example.org/p> 7 }"


def timeouts_counted(server: Server) -> float:
    text = server.client.get("/metrics").text
    match = re.search(r"^onteam_query_timeouts_total ([0-9.e+]+)$", text, re.MULTILINE)
    assert match, text
    return float(match.group(1))


def query(server: Server, text: str, accept: str = "application/sparql-results+json") -> httpx.Response:
    return server.client.get("/sparql", params={"query": text}, headers={"Accept": accept})


@pytest.fixture(params=[(), ("--memory",)], ids=["disk", "memory"])
def timed(request: pytest.FixtureRequest, make_server: Callable[..., Server], make_root: Callable[..., Path]) -> Server:
    """A pool of two workers with a one-second query limit, over a few thousand triples."""
    return make_server("--workers", "2", "--query-timeout", "1", *request.param, root=make_root(small_graph(3000)))


def test_runaway_query_is_503_with_the_limit_in_the_message(timed: Server) -> None:
    before = timeouts_counted(timed)
    response = query(timed, RUNAWAY)
    assert response.status_code == 503
    assert response.json()["error"] == "The query exceeded the 1 s limit and was stopped (--query-timeout, ONTEAM_QUERY_TIMEOUT)"
    assert response.json()["timeout"] == 1
    assert timeouts_counted(timed) == before + 1


def test_small_query_answers_while_a_runaway_runs(timed: Server) -> None:
    outcome: dict[str, int] = {}
    started = threading.Event()

    def runaway() -> None:
        started.set()
        with httpx.Client(base_url=timed.base, timeout=30) as other:
            outcome["runaway"] = other.get("/sparql", params={"query": RUNAWAY}).status_code

    thread = threading.Thread(target=runaway)
    thread.start()
    started.wait()
    small = query(timed, SMALL)
    thread.join()
    assert small.status_code == 200
    assert [row["s"]["value"] for row in small.json()["results"]["bindings"]] == ["http://example.org/s7"]
    assert outcome["runaway"] == 503


def test_pool_is_back_to_full_size_after_a_timeout(timed: Server) -> None:
    workers_before = children(timed.process.pid)
    assert query(timed, RUNAWAY).status_code == 503
    # Both workers answer again: two queries at once, each on its own worker.
    results: list[int] = []
    threads = [threading.Thread(target=lambda: results.append(query(timed, SMALL).status_code)) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert results == [200, 200]
    # The 503 goes out before the replacement is started, and one worker can serve both
    # queries in turn: wait for the replacement (a bound, not a timing).
    deadline = time.monotonic() + 30
    while len(children(timed.process.pid)) != len(workers_before):
        assert time.monotonic() < deadline, (children(timed.process.pid), workers_before)
        time.sleep(0.05)


def test_queries_after_a_timeout_keep_their_formats_and_errors(timed: Server) -> None:
    assert query(timed, RUNAWAY).status_code == 503
    csv = query(timed, SMALL, accept="text/csv")
    assert csv.status_code == 200
    assert csv.text.splitlines() == ["s", "http://example.org/s7"]
    broken = query(timed, "SELECT * WHERE { ?s ?p }")
    assert broken.status_code == 400
    assert (broken.json()["line"], broken.json()["column"]) == (1, 25)


def test_streamed_answer_past_the_limit_is_cut(timed: Server) -> None:
    # 90 000 rows of 8 kB each: the answer starts streaming at once and cannot end within 1 s.
    # (SPARQL JSON: while MAX_RESULTS is on, CSV is held back until the cap is known.)
    pad = "x" * 8000
    text = f'SELECT ?a ?pad WHERE {{ ?a ?b ?c . ?d ?e ?f FILTER(?f < 30) BIND(CONCAT(STR(?d), "{pad}") AS ?pad) }}'
    with timed.client.stream(
        "POST",
        "/sparql",
        content=text.encode(),
        headers={"Content-Type": "application/sparql-query", "Accept": "application/sparql-results+json"},
    ) as response:
        assert response.status_code == 200
        with pytest.raises(httpx.RemoteProtocolError):
            for _ in response.iter_bytes():
                pass
    assert query(timed, SMALL).status_code == 200


def test_saved_query_gets_the_timeout_too(
    make_server: Callable[..., Server], make_query_root: Callable[..., Path]
) -> None:
    root = make_query_root(small_graph(3000), {"runaway": RUNAWAY})
    served = make_server("--query-timeout", "1", root=root)
    response = served.client.get("/api/runaway", headers={"Accept": "application/sparql-results+json"})
    assert response.status_code == 503
    assert "exceeded the 1 s limit" in response.json()["error"]


def test_saved_query_page_gets_the_timeout_too(
    make_server: Callable[..., Server], make_query_root: Callable[..., Path]
) -> None:
    root = make_query_root(small_graph(3000), {"runaway": RUNAWAY})
    served = make_server("--query-timeout", "1", root=root)
    started = time.monotonic()
    response = served.client.get("/queries/runaway", params={"run": "1", "lang": "en"})
    assert response.status_code == 503
    assert "exceeded the 1 s limit" in response.text
    assert time.monotonic() - started < 10
    assert query(served, SMALL).status_code == 200  # the pool is whole again


def dated_graph(entities: int) -> str:
    """Turtle: `entities` labelled resources under /id/, each with a founding date."""
    return "".join(
        f'<https://w3id.org/onteam/id/e{i}> <http://www.w3.org/2000/01/rdf-schema#label> "e{i}"@en ; '
        f'<https://w3id.org/onteam/ontology#foundingDate> "2020-01-{1 + i % 28:02d}"'
        "^^<http://www.w3.org/2001/XMLSchema#date> .\n"
        for i in range(entities)
    )


def test_pages_are_read_in_the_pool_under_the_timeout(
    make_server: Callable[..., Server], make_root: Callable[..., Path]
) -> None:
    # Every dated fact of 30 000 resources, with their labels: over a second of work here,
    # so a 0.2 s limit stops it, as it stops a query; the server and the pool go on.
    served = make_server("--query-timeout", "0.2", root=make_root(dated_graph(30_000)))
    started = time.monotonic()
    response = served.client.get("/timeline", params={"lang": "en"})
    assert response.status_code == 503
    assert "exceeded the 0.2 s limit" in response.text
    assert time.monotonic() - started < 10
    assert timeouts_counted(served) == 1
    # The pool is whole again: a one-pattern query (a page of this store can itself take over
    # 0.2 s on a busy machine) answers from a worker.
    answer = query(served, "SELECT ?d WHERE { <https://w3id.org/onteam/id/e7> <https://w3id.org/onteam/ontology#foundingDate> ?d }")
    assert answer.status_code == 200 and "2020-01-08" in answer.text


def test_memory_store_answers_in_worker_processes_on_a_temporary_checkpoint(
    make_server: Callable[..., Server], make_root: Callable[..., Path]
) -> None:
    served = make_server("--memory", "--workers", "2", root=make_root(small_graph(50)))
    assert query(served, SMALL).json()["results"]["bindings"][0]["s"]["value"] == "http://example.org/s7"
    workers = children(served.process.pid)
    assert len(workers) >= 2  # the pool, plus the fork server
    [folder] = {_checkpoint_folder(pid) for pid in workers} - {None}
    assert folder.name.startswith(f"onteam-{served.process.pid}-")  # temporary: --memory has no store folder
    assert sorted(p.name for p in folder.iterdir()) == ["gen-0", "w0-gen-0", "w1-gen-0"]
    served.stop()
    assert not folder.exists()  # removed with the server


def _checkpoint_folder(pid: int) -> Path | None:
    """The folder of the checkpoint copy a worker has open (from its open files), if any."""
    for fd in Path(f"/proc/{pid}/fd").iterdir():
        try:
            target = Path(os.readlink(fd))
        except OSError:
            continue
        if target.parent.name.startswith("w") and "-gen-" in target.parent.name:
            return target.parent.parent
    return None
