"""The process pool on a real store, driven directly: checkpoints, errors, kills.

Every test runs on an on-disk store (RocksDB checkpoints) and on an in-memory one (`--memory`:
checkpoints are copies into fresh on-disk stores).
"""

from __future__ import annotations

import asyncio
import json
import pickle
from collections.abc import Iterator
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import pytest
from pyoxigraph import Literal, NamedNode, Quad, Store, Variable

from server import checkpoints
from server.engine import PICKLED, Call, ProcessPool, QuerySpec, link_copy
from server.errors import OnTeamError, QuerySyntaxError
from server.limits import QueryTimeout

P = NamedNode("http://example.org/p")


class Answer:
    """What the pool answered: the reply's media type and whole body, or the error it raised."""

    def __init__(self, media: str | None = None, body: bytes = b"", error: OnTeamError | None = None) -> None:
        self.media, self._body, self._error = media, body, error

    def body(self) -> bytes:
        assert self._error is None, self._error
        return self._body

    def error(self) -> OnTeamError:
        assert self._error is not None, self._body
        return self._error


def filled(store: Store) -> Store:
    store.extend(Quad(NamedNode(f"http://example.org/s{i}"), P, Literal(i)) for i in range(500))
    return store


@pytest.fixture(params=[False, True], ids=["disk", "memory"])
def memory(request: pytest.FixtureRequest) -> bool:
    return request.param


@pytest.fixture
def store(tmp_path: Path, memory: bool) -> Store:
    if memory:
        return filled(Store())
    store = filled(Store(str(tmp_path / "db")))
    store.flush()
    return store


@pytest.fixture
def loop() -> Iterator[asyncio.AbstractEventLoop]:
    """One event loop for a pool's whole life: its sockets belong to the loop that opened them."""
    loop = asyncio.new_event_loop()
    asyncio.set_event_loop(loop)
    yield loop
    asyncio.set_event_loop(None)
    loop.close()


@pytest.fixture
def pool(store: Store, memory: bool, tmp_path: Path, loop: asyncio.AbstractEventLoop) -> Iterator[ProcessPool]:
    pool = ProcessPool(store, tmp_path / "checkpoints", size=2, timeout=1, checkpoint=checkpoints.for_store(memory))
    loop.run_until_complete(pool.start(0))
    yield pool
    pool.close()
    loop.run_until_complete(asyncio.sleep(0))  # the loop closes the dropped sockets


def ask(pool: ProcessPool, generation: int, query: str, **spec: Any) -> Answer:
    async def run() -> Answer:
        try:
            reply = await pool.run(SimpleNamespace(generation=generation), QuerySpec(query, **spec))
        except OnTeamError as exc:
            return Answer(error=exc)
        body = reply.first
        if reply.rest is not None:
            body += b"".join([chunk async for chunk in reply.rest])
        return Answer(reply.media, body)

    return asyncio.get_event_loop().run_until_complete(run())


def names(folder: Path) -> list[str]:
    return sorted(p.name for p in folder.iterdir())


def test_start_checkpoints_generation_zero_for_every_worker(pool: ProcessPool, tmp_path: Path) -> None:
    assert names(tmp_path / "checkpoints") == ["gen-0", "w0-gen-0", "w1-gen-0"]


def test_start_clears_stale_checkpoints(
    store: Store, memory: bool, tmp_path: Path, loop: asyncio.AbstractEventLoop
) -> None:
    stale = tmp_path / "checkpoints" / "gen-41"
    stale.mkdir(parents=True)
    pool = ProcessPool(store, tmp_path / "checkpoints", size=1, timeout=1, checkpoint=checkpoints.for_store(memory))
    loop.run_until_complete(pool.start(0))
    try:
        assert names(tmp_path / "checkpoints") == ["gen-0", "w0-gen-0"]
    finally:
        pool.close()
        loop.run_until_complete(asyncio.sleep(0))
    assert not (tmp_path / "checkpoints").exists()


def test_newer_generation_is_checkpointed_and_the_old_one_removed(
    pool: ProcessPool, store: Store, tmp_path: Path
) -> None:
    store.update('INSERT DATA { <http://example.org/new> <http://example.org/p> "fresh" }')
    sink = ask(pool, 1, 'ASK { ?s ?p "fresh" }', accept="application/sparql-results+json")
    assert json.loads(sink.body())["boolean"] is True
    assert "gen-1" in names(tmp_path / "checkpoints")
    assert "gen-0" not in names(tmp_path / "checkpoints")


def test_store_changed_moves_idle_workers_ahead_of_the_next_query(
    pool: ProcessPool, store: Store, tmp_path: Path, loop: asyncio.AbstractEventLoop
) -> None:
    store.update('INSERT DATA { <http://example.org/new> <http://example.org/p> "early" }')
    pool.store_changed(1)
    assert pool.refresher is not None
    loop.run_until_complete(pool.refresher)  # the background refresh, awaited
    assert names(tmp_path / "checkpoints") == ["gen-1", "w0-gen-1", "w1-gen-1"]
    sink = ask(pool, 1, 'ASK { ?s ?p "early" }', accept="application/sparql-results+json")
    assert json.loads(sink.body())["boolean"] is True


def test_same_generation_sees_the_checkpoint_not_later_writes(pool: ProcessPool, store: Store) -> None:
    # Generation 0 was checkpointed at start: a write the server did not count yet is not seen.
    store.update('INSERT DATA { <http://example.org/new> <http://example.org/p> "unseen" }')
    sink = ask(pool, 0, 'ASK { ?s ?p "unseen" }', accept="application/sparql-results+json")
    assert json.loads(sink.body())["boolean"] is False


def test_substitutions_and_negotiation_cross_the_process(pool: ProcessPool) -> None:
    spec = {"substitutions": ((Variable("s"), NamedNode("http://example.org/s7")),), "accept": "text/csv"}
    sink = ask(pool, 0, "SELECT ?s ?o WHERE { ?s <http://example.org/p> ?o }", **spec)
    assert sink.media == "text/csv"
    assert sink.body().decode().splitlines() == ["s,o", "http://example.org/s7,7"]


def test_syntax_error_comes_back_with_line_and_column(pool: ProcessPool) -> None:
    error = ask(pool, 0, "SELECT * WHERE {\n ?s ?p }").error()
    assert isinstance(error, QuerySyntaxError)
    assert (error.extra["line"], error.extra["column"]) == (2, 9)


def test_runaway_is_killed_and_replaced(pool: ProcessPool, tmp_path: Path, loop: asyncio.AbstractEventLoop) -> None:
    error = ask(pool, 0, "SELECT (COUNT(*) AS ?n) WHERE { ?a ?b ?c . ?d ?e ?f . ?g ?h ?i }").error()
    assert isinstance(error, QueryTimeout)
    assert error.message == "The query exceeded the 1 s limit and was stopped (--query-timeout, ONTEAM_QUERY_TIMEOUT)"
    loop.run_until_complete(asyncio.gather(*pool.tasks))  # the replacement starts in the background
    assert len(pool.workers) == 2
    assert pool.idle.qsize() == 2
    assert "w2-gen-0" in names(tmp_path / "checkpoints")  # the replacement's copy
    assert ask(pool, 0, "ASK { ?s ?p 7 }", accept="application/sparql-results+json").body()


def test_call_answers_with_the_pickled_value_of_a_function_of_the_store(pool: ProcessPool, store: Store) -> None:
    store.update('INSERT DATA { <http://example.org/new> <http://example.org/p> "later" }')
    answer = ask(pool, 1, "", call=Call(len))
    assert answer.media == PICKLED
    assert pickle.loads(answer.body()) == 501  # the checkpoint of generation 1: the write is in


def test_call_past_the_timeout_is_killed_and_replaced(pool: ProcessPool, loop: asyncio.AbstractEventLoop) -> None:
    endless = "ASK { ?a ?b ?c . ?d ?e ?f . ?g ?h ?i FILTER(?c + ?f + ?i < 0) }"  # 500³ rows, none kept
    error = ask(pool, 0, "", call=Call(Store.query, (endless,))).error()
    assert isinstance(error, QueryTimeout)
    loop.run_until_complete(asyncio.gather(*pool.tasks))
    assert pool.idle.qsize() == 2
    assert pickle.loads(ask(pool, 0, "", call=Call(len)).body()) == 500


def test_link_copy_shares_table_files_and_copies_the_rest(tmp_path: Path) -> None:
    store = filled(Store(str(tmp_path / "db")))
    store.flush()
    store.backup(str(tmp_path / "checkpoint"))
    link_copy(tmp_path / "checkpoint", tmp_path / "copy")
    for entry in (tmp_path / "copy").iterdir():
        original = tmp_path / "checkpoint" / entry.name
        assert entry.samefile(original) == (entry.suffix == ".sst"), entry.name
    assert len(Store(str(tmp_path / "copy"))) == 500


def test_stream_nobody_reads_is_stopped_at_the_deadline(
    pool: ProcessPool, tmp_path: Path, loop: asyncio.AbstractEventLoop
) -> None:
    spec = QuerySpec("SELECT * WHERE { ?s ?p ?o . ?a ?b ?c }", accept="application/sparql-results+json")
    reply = loop.run_until_complete(pool.run(SimpleNamespace(generation=0), spec))
    assert reply.rest is not None  # a long answer, left unread: its worker blocks on the socket
    loop.run_until_complete(asyncio.sleep(pool.timeout + 0.5))  # past the deadline, which kills it
    loop.run_until_complete(asyncio.gather(*pool.tasks))  # and its replacement starts
    assert len(pool.workers) == 2
    assert pool.idle.qsize() == 2
    assert pool.users == {0: 0}  # the checkpoint is no longer counted as read
    assert ask(pool, 0, "ASK { ?s ?p 7 }", accept="application/sparql-results+json").body()
