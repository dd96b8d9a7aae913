"""Operating the server: a query worker killed while idle, SIGTERM and SIGKILL of the server."""

from __future__ import annotations

import multiprocessing
import os
import signal
import time
from collections.abc import Callable
from pathlib import Path

from pyoxigraph import NamedNode, Quad, Store

from conftest import Server
from engine_support import direct_children
from server.engine import QuerySpec, worker_main

ASK = "ASK { ?s ?p ?o }"


def _workers(server: Server) -> list[int]:
    """The query workers: children of the fork server, itself a child of the server process."""
    return [worker for child in direct_children(server.process.pid) for worker in direct_children(child)]


def _alive(pid: int) -> bool:
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rpartition(")")[2].split()[0]
    except OSError:
        return False
    return state != "Z"


def _wait_gone(pids: list[int]) -> list[int]:
    """`pids` still alive after up to 30 s."""
    deadline = time.monotonic() + 30
    while any(_alive(pid) for pid in pids) and time.monotonic() < deadline:
        time.sleep(0.05)
    return [pid for pid in pids if _alive(pid)]


def test_query_after_an_idle_worker_was_killed_is_answered(make_server: Callable[..., Server]) -> None:
    # The OOM killer or an operator's kill -9 may take a worker between queries: the next
    # query must go to a replacement, not fail with a 500.
    server = make_server("--memory", "--workers", "1")
    assert server.client.get("/sparql", params={"query": ASK}).status_code == 200
    workers = _workers(server)
    assert len(workers) == 1
    os.kill(workers[0], signal.SIGKILL)
    # until the fork server has reaped it: the death happened between two queries
    deadline = time.monotonic() + 30
    while Path(f"/proc/{workers[0]}").exists() and time.monotonic() < deadline:
        time.sleep(0.05)
    for number in range(3):  # queries not asked before: the result cache must not answer them
        response = server.client.get("/sparql", params={"query": f"ASK {{ FILTER({number} = {number}) }}"})
        assert response.status_code == 200, response.text
    assert server.client.get("/ready").status_code == 200


def test_sigterm_exits_with_its_status_and_leaves_no_worker_or_checkpoint(
    make_server: Callable[..., Server], tmp_path: Path
) -> None:
    store = tmp_path / "store"
    server = make_server("--store", str(store), "--workers", "2")
    workers = _workers(server)
    assert len(workers) == 2
    server.process.send_signal(signal.SIGTERM)
    # uvicorn re-raises the signal once shut down, so service managers see a SIGTERM exit
    assert server.process.wait(timeout=30) == -signal.SIGTERM
    assert _wait_gone(workers) == []
    assert not (store / "checkpoints").exists()


def test_restart_on_the_same_store_right_after_sigterm_works(make_server: Callable[..., Server], tmp_path: Path) -> None:
    store = tmp_path / "store"
    first = make_server("--store", str(store))
    first.process.send_signal(signal.SIGTERM)
    first.process.wait(timeout=30)
    second = make_server("--store", str(store))  # no stale RocksDB LOCK
    assert second.client.get("/ready").status_code == 200
    assert second.client.get("/sparql", params={"query": ASK}).status_code == 200


def test_sigkill_of_the_server_takes_its_workers_down(make_server: Callable[..., Server], tmp_path: Path) -> None:
    store = tmp_path / "store"
    server = make_server("--store", str(store), "--workers", "2")
    workers = _workers(server)
    assert len(workers) == 2
    server.process.kill()
    server.process.wait(timeout=30)
    assert _wait_gone(workers) == []  # PR_SET_PDEATHSIG once the fork server goes
    again = make_server("--store", str(store))  # the killed server's checkpoints are wiped
    assert again.client.get("/sparql", params={"query": ASK}).status_code == 200
    assert sorted(path.name for path in (store / "checkpoints").iterdir()) == ["gen-0", "w0-gen-0", "w1-gen-0"]


def test_worker_whose_server_is_gone_exits_quietly(tmp_path: Path) -> None:
    # A worker cut off mid-answer (its server killed, or the server dropped it) used to die
    # on a second BrokenPipeError while reporting the first: a traceback in the server's log.
    store = Store(str(tmp_path / "store"))
    store.add(Quad(NamedNode("urn:s"), NamedNode("urn:p"), NamedNode("urn:o")))
    store.backup(str(tmp_path / "checkpoint"))
    del store
    context = multiprocessing.get_context("spawn")
    server_end, worker_end = context.Pipe()
    server_end.send(("query", 0, str(tmp_path / "checkpoint"), QuerySpec(ASK)))
    server_end.close()  # the server is gone before the answer is sent
    worker = context.Process(target=worker_main, args=(worker_end, str(tmp_path), 0))
    worker.start()
    worker_end.close()
    worker.join(60)
    assert worker.exitcode == 0  # an uncaught exception in the target exits 1


def test_queue_timeout_option_sets_the_wait_before_503(make_server: Callable[..., Server]) -> None:
    from concurrent.futures import ThreadPoolExecutor

    server = make_server("--memory", "--workers", "1", "--query-timeout", "5", "--queue-timeout", "0.3")
    values = " ".join(str(i) for i in range(1, 31))
    slow = f"SELECT (COUNT(*) AS ?n) WHERE {{ {' '.join(f'VALUES ?v{i} {{{values}}}' for i in range(6))} }}"
    with ThreadPoolExecutor(1) as pool:
        running = pool.submit(server.client.get, "/sparql", params={"query": slow})
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:  # until the slow query holds the only slot
            refused = server.client.get("/sparql", params={"query": f"ASK {{ FILTER({time.monotonic_ns()} > 0) }}"})
            if refused.status_code == 503:
                break
            time.sleep(0.05)
        assert refused.status_code == 503
        assert refused.headers["retry-after"] == "1"
        assert "stayed busy for 0.3 s" in refused.json()["error"]
        running.result(timeout=60)
