"""Admission: at most `workers` queries run at once; the rest wait `queue_timeout`, then 503.

A small FastAPI app is served by a real uvicorn on a free port; its "query" blocks on an event the
test sets, so the tests decide when slots free up instead of relying on timing.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from concurrent.futures import Future, ThreadPoolExecutor

import anyio
import httpx
import pytest
from fastapi import FastAPI, Request

from conftest import serve_app
from server.errors import install_error_handlers
from server.limits import admit
from server.observability import router as observability_router
from server.settings import Settings


class Gate:
    """Blocks the test app's "query" until the test opens it."""

    def __init__(self) -> None:
        self.open = threading.Event()
        self.entered = threading.Semaphore(0)


def admission_app(workers: int, queue_timeout: float, gate: Gate) -> FastAPI:
    app = FastAPI()
    app.state.settings = Settings(memory=True, workers=workers, queue_timeout=queue_timeout)
    app.state.store = None
    install_error_handlers(app)
    app.include_router(observability_router)

    @app.get("/slow")
    async def slow(request: Request) -> dict[str, str]:
        async with admit(request, "SELECT * WHERE { ?s ?p ?o }"):

            def work() -> None:
                gate.entered.release()
                gate.open.wait(60)

            await anyio.to_thread.run_sync(work)
        return {"done": "yes"}

    @app.get("/waiting")
    async def waiting(request: Request) -> dict[str, int]:
        slots = request.app.state.admission
        return {"waiting": slots.waiting, "running": slots.running}

    return app


@pytest.fixture
def pool() -> Iterator[ThreadPoolExecutor]:
    with ThreadPoolExecutor(8) as executor:
        yield executor


def get(url: str) -> httpx.Response:
    return httpx.get(url, timeout=60)


def wait_until(url: str, waiting: int, running: int) -> None:
    """Poll the app until the admission slots are in the wanted state."""
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        state = get(url + "/waiting").json()
        if state == {"waiting": waiting, "running": running}:
            return
        time.sleep(0.01)
    raise AssertionError(f"admission never reached waiting={waiting} running={running}: {state}")


def test_request_past_the_slots_gets_503_with_retry_after(pool: ThreadPoolExecutor) -> None:
    gate = Gate()
    with serve_app(admission_app(workers=1, queue_timeout=0.2, gate=gate)) as base:
        first: Future[httpx.Response] = pool.submit(get, base + "/slow")
        assert gate.entered.acquire(timeout=30)
        refused = get(base + "/slow")
        gate.open.set()
        assert first.result().status_code == 200
    assert refused.status_code == 503
    assert refused.headers["retry-after"] == "1"
    assert refused.json() == {
        "ok": False,
        "error": "All 1 query slots stayed busy for 0.2 s; retry later (ONTEAM_WORKERS, ONTEAM_QUEUE_TIMEOUT)",
        "status": 503,
    }


def test_waiting_request_runs_when_a_slot_frees_before_the_deadline(pool: ThreadPoolExecutor) -> None:
    gate = Gate()
    with serve_app(admission_app(workers=1, queue_timeout=60, gate=gate)) as base:
        first = pool.submit(get, base + "/slow")
        assert gate.entered.acquire(timeout=30)
        second = pool.submit(get, base + "/slow")
        wait_until(base, waiting=1, running=1)
        gate.open.set()
        assert first.result().status_code == 200
        assert second.result().status_code == 200
        wait_until(base, waiting=0, running=0)


def test_as_many_queries_as_workers_run_at_once(pool: ThreadPoolExecutor) -> None:
    gate = Gate()
    with serve_app(admission_app(workers=3, queue_timeout=60, gate=gate)) as base:
        running = [pool.submit(get, base + "/slow") for _ in range(3)]
        for _ in range(3):
            assert gate.entered.acquire(timeout=30)
        fourth = pool.submit(get, base + "/slow")
        wait_until(base, waiting=1, running=3)
        gate.open.set()
        assert [f.result().status_code for f in [*running, fourth]] == [200] * 4


def test_queries_running_gauge_follows_admission(pool: ThreadPoolExecutor) -> None:
    gate = Gate()

    def running_gauge(base: str) -> float:
        for line in get(base + "/metrics").text.splitlines():
            if line.startswith("onteam_queries_running "):
                return float(line.split()[1])
        raise AssertionError("onteam_queries_running missing")

    with serve_app(admission_app(workers=2, queue_timeout=60, gate=gate)) as base:
        before = running_gauge(base)
        busy = [pool.submit(get, base + "/slow") for _ in range(2)]
        for _ in range(2):
            assert gate.entered.acquire(timeout=30)
        during = running_gauge(base)
        gate.open.set()
        for f in busy:
            f.result()
        after = running_gauge(base)
    assert during - before == 2
    assert after == before


def test_503_counts_as_rejection(pool: ThreadPoolExecutor) -> None:
    gate = Gate()

    def rejected(base: str) -> float:
        for line in get(base + "/metrics").text.splitlines():
            if line.startswith('onteam_rejections_total{status="503"}'):
                return float(line.split()[1])
        raise AssertionError("rejection counter missing")

    with serve_app(admission_app(workers=1, queue_timeout=0.05, gate=gate)) as base:
        before = rejected(base)
        first = pool.submit(get, base + "/slow")
        assert gate.entered.acquire(timeout=30)
        assert get(base + "/slow").status_code == 503
        gate.open.set()
        first.result()
        assert rejected(base) == before + 1
