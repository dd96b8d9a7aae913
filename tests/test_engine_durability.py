"""Writes under the process pool: read-your-writes (on-disk and --memory), SIGKILL at random moments, no orphan workers."""

from __future__ import annotations

import random
import signal
import threading
import time
from collections.abc import Callable
from pathlib import Path

import httpx
import pytest

from conftest import Server
from engine_support import children, small_graph
from sparql_support import TOKEN, update

GRAPH = "http://example.org/acks"


def tokens_present(server: Server) -> set[int]:
    response = server.client.get(
        "/sparql",
        params={"query": f"SELECT ?n WHERE {{ GRAPH <{GRAPH}> {{ ?s <http://example.org/n> ?n }} }}"},
        headers={"Accept": "application/sparql-results+json"},
    )
    assert response.status_code == 200, response.text
    return {int(row["n"]["value"]) for row in response.json()["results"]["bindings"]}


def insert(n: int) -> str:
    return f"INSERT DATA {{ GRAPH <{GRAPH}> {{ <http://example.org/w{n}> <http://example.org/n> {n} }} }}"


@pytest.mark.parametrize("mode", [(), ("--memory",)], ids=["disk", "memory"])
def test_query_right_after_an_update_sees_it(
    make_server: Callable[..., Server], make_root: Callable[..., Path], mode: tuple[str, ...]
) -> None:
    served = make_server("--update-token", TOKEN, "--workers", "2", *mode, root=make_root(small_graph(100)))
    for n in range(50):
        assert update(served, insert(n)).status_code == 204
        assert n in tokens_present(served), f"update {n} acknowledged but not seen by the next query"


def test_acknowledged_updates_survive_repeated_sigkill(
    make_server: Callable[..., Server], make_root: Callable[..., Path], tmp_path: Path
) -> None:
    root = make_root(small_graph(100))
    store = str(tmp_path / "store")
    acknowledged: set[int] = set()
    numbers = iter(range(10**6))
    rng = random.Random(20261127)
    for _ in range(5):
        served = make_server("--update-token", TOKEN, "--store", store, root=root)
        assert acknowledged <= tokens_present(served)  # every earlier acknowledged write is there
        stop = threading.Event()

        def write(base: str = served.base, stop: threading.Event = stop) -> None:
            with httpx.Client(base_url=base, timeout=10) as client:
                while not stop.is_set():
                    n = next(numbers)
                    try:
                        response = client.post(
                            "/sparql",
                            content=insert(n).encode(),
                            headers={"Content-Type": "application/sparql-update", "Authorization": f"Bearer {TOKEN}"},
                        )
                    except httpx.TransportError:
                        return  # killed mid-request: not acknowledged
                    if response.status_code == 204:
                        acknowledged.add(n)

        def read(base: str = served.base, stop: threading.Event = stop) -> None:
            # Queries between writes make the pool checkpoint newer generations, left behind by the kill.
            with httpx.Client(base_url=base, timeout=10) as client:
                while not stop.is_set():
                    try:
                        client.get("/sparql", params={"query": f"ASK {{ GRAPH <{GRAPH}> {{ ?s ?p ?o }} }}"})
                    except httpx.TransportError:
                        return

        writers = [threading.Thread(target=write) for _ in range(2)] + [threading.Thread(target=read)]
        for writer in writers:
            writer.start()
        time.sleep(rng.uniform(0.2, 1.5))
        workers = children(served.process.pid)
        served.process.send_signal(signal.SIGKILL)
        served.process.wait()
        stop.set()
        for writer in writers:
            writer.join()
        wait_gone(workers)
    assert acknowledged
    final = make_server("--store", store, root=root)
    assert acknowledged <= tokens_present(final)
    assert final.client.get("/ready").status_code == 200
    # Stale checkpoints of the killed servers were cleared at start: only the live pool's remain.
    leftovers = sorted(p.name for p in (tmp_path / "store" / "checkpoints").iterdir())
    assert all(name.endswith("gen-0") for name in leftovers), leftovers


def test_no_worker_outlives_a_stopped_server(
    make_server: Callable[..., Server], make_root: Callable[..., Path]
) -> None:
    served = make_server("--workers", "3", root=make_root(small_graph(100)))
    workers = children(served.process.pid)
    assert len(workers) >= 3  # the pool, plus the fork server
    served.stop()  # SIGTERM, as a service manager does
    assert served.process.returncode is not None
    wait_gone(workers)


def test_no_worker_outlives_a_killed_server_even_mid_query(
    make_server: Callable[..., Server], make_root: Callable[..., Path]
) -> None:
    served = make_server("--query-timeout", "600", root=make_root(small_graph(3000)))
    workers = children(served.process.pid)
    runaway = "SELECT (COUNT(*) AS ?n) WHERE { ?a ?b ?c . ?d ?e ?f . ?g ?h ?i . ?j ?k ?l }"
    thread = threading.Thread(
        target=lambda: _ignore(lambda: httpx.get(served.base + "/sparql", params={"query": runaway}, timeout=60))
    )
    thread.start()
    time.sleep(0.5)  # let the worker start on it (the test holds either way)
    served.process.send_signal(signal.SIGKILL)
    served.process.wait()
    thread.join()
    wait_gone(workers)


def _ignore(call: Callable[[], object]) -> None:
    try:
        call()
    except httpx.TransportError:
        pass


def alive(pid: int) -> bool:
    """True while `pid` runs (a zombie waiting for its parent counts as gone)."""
    try:
        state = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return False
    return state[state.rindex(")") + 2] != "Z"


def wait_gone(pids: list[int], seconds: float = 20) -> None:
    """Fail unless every process in `pids` has exited within `seconds` (a bound, not a timing)."""
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        left = [pid for pid in pids if alive(pid)]
        if not left:
            return
        time.sleep(0.1)
    raise AssertionError(f"processes outlived the server: {left} " + str([_cmdline(p) for p in left]))


def _cmdline(pid: int) -> str:
    try:
        return Path(f"/proc/{pid}/cmdline").read_bytes().replace(b"\0", b" ").decode()
    except OSError:
        return "?"
