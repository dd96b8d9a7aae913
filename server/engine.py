"""Where queries are evaluated: in a pool of worker processes, each on a checkpoint of the store.

pyoxigraph cannot cancel a running query, and blocking operators (GROUP BY, ORDER BY, a
cross product) produce nothing until they are done, so the only hard timeout is to run
the query in a process that can be killed. `ProcessPool` runs `settings.workers` worker
processes (forkserver: never a fork of this process, which has RocksDB open). Each worker
opens its own read-write copy of an on-disk checkpoint of the store; a query past
`settings.query_timeout` is SIGKILLed and its worker replaced. On-disk and `--memory`
stores differ only in how a checkpoint is made (server/checkpoints.py): a RocksDB
checkpoint (`Store.backup`, hard links) of an on-disk store, a copy of the quads into a
fresh on-disk store for an in-memory one.

The server talks to the workers from its event loop (asyncio streams over a socket pair,
in the framing of `multiprocessing.Connection`): no thread is woken per query, so a small
query costs the server a few tens of microseconds. `run` returns a `Reply`: the media
type, the first bytes and, for long answers, the rest as an async iterator.

Read-your-writes: every write bumps `app.state.generation`; a query reads the generation
when it is dispatched and, if no checkpoint of that generation exists yet, one is made
first. A write acknowledged before the query started is in the checkpoint the query runs
on. After a write, the pool also checkpoints and moves the idle workers to the new
generation (`store_changed`), so the next query usually finds its worker ready; a burst
of writes coalesces into one checkpoint.

Layout: `<folder>/gen-<N>` (made by the server) and `<folder>/w<id>-gen-<N>` (a worker's
private copy: table files hard-linked, the small metadata files copied). The folder is
`<store>/checkpoints` for an on-disk store, wiped when the server starts, so a killed
server leaves nothing behind for long; for `--memory`, a fresh temporary folder
(`onteam-<pid>-*` under the system's temporary directory, swept at the next start if the
server was killed). Both are removed when the server stops.
"""

from __future__ import annotations

import asyncio
import itertools
import logging
import multiprocessing
import os
import pickle
import shutil
import signal
import socket
import struct
import threading
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Protocol

from pyoxigraph import Store

from . import capped, checkpoints, observability, sparql
from .errors import OnTeamError, ServiceUnavailable
from .limits import QueryTimeout
from .settings import Settings

log = logging.getLogger("onteam.engine")

CHECKPOINTS_DIR = "checkpoints"
# Worker processes are forked from a clean server process that has these imported.
_PRELOAD = ["server.engine"]
# Bytes gathered before the first piece is handed over: results below this size are
# answered as one ordinary body (cheap, with Content-Length); errors raised while
# producing them still become proper JSON errors.
CHUNK_SIZE = 256 * 1024


@dataclass(frozen=True)
class Dump:
    """Instead of a query, a copy read from the store's index (Graph Store Protocol GET)."""

    graph: Any = None  # a NamedNode or DefaultGraph: that graph's triples; None: every quad


@dataclass(frozen=True)
class Call:
    """Instead of a query, `function(store, *args)` on the worker's store; its value comes back pickled.

    For the pages, whose reads of the store are several queries and some Python: in a worker
    they get the query timeout, and a page over a big store no longer holds the server's GIL.
    `function` must be importable by name (a module-level function), `args` picklable.
    """

    function: Callable[..., Any]
    args: tuple[Any, ...] = ()


# The media type of a Call's answer: it only travels from a worker to the server.
PICKLED = "application/x-python-pickle"


@dataclass(frozen=True)
class QuerySpec:
    """Everything a query needs, in a form that crosses a process boundary (terms pickle)."""

    query: str
    default_graphs: tuple[str, ...] = ()
    named_graphs: tuple[str, ...] = ()
    substitutions: tuple[tuple[Any, Any], ...] = ()  # (Variable, term) pairs
    accept: str | None = None
    fmt: tuple[str, ...] = ()
    head: bool = False
    max_results: int = 0  # settings.max_results: at most this many solutions or triples (0: all)
    dump: Dump | None = None  # set: answer with this copy, not with `query`
    call: Call | None = None  # set: answer with this function's value, not with `query`


@dataclass(frozen=True)
class Reply:
    """An answer on its way: its media type, its first bytes and, if it is long, the rest.

    Whoever receives a `rest` must exhaust or `aclose()` it: that frees the evaluator.
    """

    media: str
    first: bytes
    rest: AsyncIterator[bytes] | None = None
    headers: dict[str, str] = field(default_factory=dict)  # e.g. the result cap's statement


def answer(store: Store, spec: QuerySpec, sink: Any) -> None:
    """Evaluate `spec`, negotiate, serialize: what a worker does with each query.

    `sink.put(item)` receives ("start", media, chunk, more) then ("data", chunk, more)...; an item
    may carry extra response headers before `more` (see `_ChunkWriter.send`);
    errors are raised (OnTeamError), for the caller to report.
    """
    if spec.call is not None:
        writer = _ChunkWriter(sink, PICKLED)
        writer.write(pickle.dumps(spec.call.function(store, *spec.call.args), pickle.HIGHEST_PROTOCOL))
        writer.send(more=False)
        return
    if spec.dump is not None:
        result = sparql.stored(store, spec.dump.graph)
    else:
        substitutions = dict(spec.substitutions) or None
        result = sparql.evaluate(store, spec.query, spec.default_graphs, spec.named_graphs, substitutions)
    media = sparql.choose_format(result, spec.accept, spec.fmt)
    writer = _ChunkWriter(sink, media)
    if not spec.head:
        capped.write_capped(result, media, writer, spec.max_results, spec.query, sparql.serialize)
    else:
        sparql.check_writable(result, media, spec.max_results)
    writer.send(more=False)


class _ChunkWriter:
    """The file-like object pyoxigraph serializes into: gathers bytes into chunks for `sink`."""

    def __init__(self, sink: Any, media: str) -> None:
        self.sink = sink
        self.media = media
        self.buffer = bytearray()
        self.sent = False
        self.headers: dict[str, str] = {}  # extra response headers (capped.write_capped)
        self.told = False

    def write(self, data: bytes) -> int:
        self.buffer += data
        if len(self.buffer) >= CHUNK_SIZE:
            self.send(more=True)
        return len(data)

    def flush(self) -> None:
        """pyoxigraph flushes at the end; chunks go out by size, so nothing to do."""

    def send(self, *, more: bool) -> None:
        chunk = bytes(self.buffer)
        self.buffer.clear()
        # Headers ride once, just before `more` (so item[-1] stays `more`): on "start" they
        # reach the response; on a later item the body says it and the server only counts it.
        extra = (self.headers,) if self.headers and not self.told else ()
        self.told = self.told or bool(extra)
        if not self.sent:
            self.sent = True
            self.sink.put(("start", self.media, chunk, *extra, more))
        else:
            self.sink.put(("data", chunk, *extra, more))


class Evaluator(Protocol):
    async def run(self, state: Any, spec: QuerySpec) -> Reply:
        """Answer `spec`; raises OnTeamError when it fails before its first byte."""

    def store_changed(self, generation: int) -> None:
        """A write was committed (called on the event loop: must not block)."""

    def close(self) -> None:
        """Stop whatever runs queries."""


# -- the process pool, server side -----------------------------------------------------


@dataclass(frozen=True)
class _Checkpoint:
    generation: int
    path: Path


class _Worker:
    """One worker process and the server's end of its socket (asyncio once `attach`ed)."""

    def __init__(self, context: Any, directory: Path, wid: int) -> None:
        self.wid = wid
        self.directory = directory
        parent, child = context.Pipe()
        self.process = context.Process(
            target=worker_main, args=(child, str(directory), wid), name=f"onteam-query-{wid}", daemon=True
        )
        self.process.start()
        child.close()
        # The loop reads and writes the socket itself; the Connection only made it.
        self.sock = socket.socket(fileno=os.dup(parent.fileno()))
        parent.close()
        self.reader: asyncio.StreamReader | None = None
        self.writer: asyncio.StreamWriter | None = None
        self.busy = False  # a query runs: its deadline may kill the process
        self.expired = False

    async def attach(self) -> None:
        self.reader, self.writer = await asyncio.open_connection(sock=self.sock, limit=1 << 20)

    def send(self, message: tuple[Any, ...]) -> None:
        """Frame `message` as `Connection.send` does (the worker reads it with `recv`)."""
        assert self.writer is not None
        data = pickle.dumps(message, pickle.HIGHEST_PROTOCOL)
        self.writer.write(struct.pack("!i", len(data)) + data)

    async def recv(self) -> tuple[Any, ...]:
        """One message the worker sent with `Connection.send`."""
        assert self.reader is not None
        (size,) = struct.unpack("!i", await self.reader.readexactly(4))
        if size == -1:  # Connection's header for a message over 2 GiB
            (size,) = struct.unpack("!Q", await self.reader.readexactly(8))
        return pickle.loads(await self.reader.readexactly(size))

    async def call(self, message: tuple[Any, ...]) -> tuple[Any, ...]:
        self.send(message)
        return await self.recv()

    def expire(self) -> None:
        """The deadline: kill the worker if it still runs the query."""
        if self.busy:
            self.expired = True
            self.process.kill()

    def disconnect(self) -> None:
        """Drop the server's end of the socket (on the loop, which owns the transport)."""
        if self.writer is not None:
            self.writer.transport.abort()
        else:
            self.sock.close()

    def stop(self) -> None:
        """Kill the process, reap it, remove its private checkpoints (blocks: not on the loop)."""
        self.process.kill()
        self.process.join(5)
        for path in self.directory.glob(f"w{self.wid}-gen-*"):
            shutil.rmtree(path, ignore_errors=True)


# What the connection to a dead worker raises on the way in or out.
_LOST = (OSError, EOFError, asyncio.IncompleteReadError, pickle.UnpicklingError)


class ProcessPool:
    """`size` worker processes, each on its own checkpoint of `store`; hard query timeouts.

    `checkpoint` makes a checkpoint (server/checkpoints.py); `directory` holds them all and
    is the pool's own: wiped at `start`, removed at `close`. Used from one event loop; only the checkpoints (`_use`, `_release`) are also touched
    from executor threads, under `lock`.
    """

    def __init__(
        self,
        store: Store,
        directory: Path,
        size: int,
        timeout: float,
        checkpoint: checkpoints.Checkpointer = checkpoints.backup,
    ) -> None:
        self.store = store
        self.directory = directory
        self.checkpoint = checkpoint  # writes `store` as an on-disk store at a new path
        self.size = size
        self.timeout = timeout
        self.context = multiprocessing.get_context("forkserver")
        self.context.set_forkserver_preload(_PRELOAD)
        self.lock = threading.Lock()
        self.idle: asyncio.Queue[_Worker] = asyncio.Queue()
        self.workers: set[_Worker] = set()
        self.latest: _Checkpoint | None = None
        self.users: dict[int, int] = {}  # generation -> queries that may still read its checkpoint
        self.ids = itertools.count()
        self.closed = False
        self.tasks: set[asyncio.Future[Any]] = set()  # replacements and refreshes in flight
        self.wanted_generation = -1
        self.refresher: asyncio.Future[Any] | None = None

    async def start(self, generation: int) -> None:
        """Wipe stale checkpoints, checkpoint `generation`, start and warm up the workers."""
        shutil.rmtree(self.directory, ignore_errors=True)
        self.directory.mkdir(parents=True)
        checkpoint = await self._acquire(generation)
        try:
            for worker in await asyncio.gather(*(self._spawn(checkpoint) for _ in range(self.size))):
                self.idle.put_nowait(worker)
        finally:
            self._release(checkpoint)

    async def run(self, state: Any, spec: QuerySpec) -> Reply:
        worker = await self._take(getattr(state, "generation", 0))
        try:
            checkpoint = await self._acquire(getattr(state, "generation", 0))
        except BaseException:
            self.idle.put_nowait(worker)
            raise
        done = False
        streaming = False  # the rest of the answer is being read (`_rest` owns `finish`)

        def expire() -> None:
            worker.expire()
            if not streaming:  # a stream nobody reads would never tell the pool
                finish(False)

        deadline = asyncio.get_running_loop().call_later(self.timeout, expire)

        def finish(healthy: bool) -> None:
            nonlocal done
            if done:
                return
            done = True
            deadline.cancel()
            worker.busy = False
            self._release(checkpoint)
            if healthy and not worker.expired:
                self.idle.put_nowait(worker)
            else:
                self._replace_soon(worker, checkpoint.generation)

        try:
            worker.busy = True
            item = await worker.call(("query", checkpoint.generation, str(checkpoint.path), spec))
        except _LOST:
            finish(False)
            raise self._lost(worker) from None
        except BaseException:  # cancelled: the worker may still be busy with the query
            finish(False)
            raise
        if item[0] == "error":
            finish(True)
            raise item[1]
        _, media, chunk, *extra, more = item
        headers = extra[0] if extra else {}  # the writer's extra headers ride before `more`
        if not more:
            finish(True)
            return Reply(media, chunk, None, headers)
        def started() -> None:
            nonlocal streaming
            streaming = True

        return Reply(media, chunk, self._rest(worker, finish, started), headers)

    async def _take(self, generation: int) -> _Worker:
        """An idle worker whose process is alive.

        Admission lets as many queries in as there are workers, so one is idle (or about to
        be, once a replacement has started); a pool that lost workers must not hang. A worker
        that died while idle (the OOM killer, an operator's kill -9) is replaced, not handed
        a query that it would fail as a 500.
        """
        while True:
            try:
                worker = self.idle.get_nowait()
            except asyncio.QueueEmpty:
                try:
                    worker = await asyncio.wait_for(self.idle.get(), self.timeout)
                except TimeoutError:
                    raise ServiceUnavailable("No query worker is available; retry later") from None
            if worker.process.is_alive():  # a poll of the fork server's report: no wait
                return worker
            code = worker.process.exitcode
            log.warning("query worker %s exited while idle (exit code %s); replacing it", worker.wid, code)
            self._replace_soon(worker, generation)

    async def _rest(
        self, worker: _Worker, finish: Callable[[bool], None], started: Callable[[], None]
    ) -> AsyncIterator[bytes]:
        """The chunks after the first; an abandoned stream leaves a busy worker, which is replaced."""
        started()
        healthy = False
        try:
            while True:
                try:
                    item = await worker.recv()
                except _LOST:
                    raise self._lost(worker) from None
                if item[0] == "error":
                    healthy = True
                    raise item[1]
                capped.stated(item[2:-1])
                if not item[-1]:
                    healthy = True
                    finish(True)  # the worker is done; only the client is left to serve
                yield item[1]
                if not item[-1]:
                    return
        finally:
            finish(healthy)

    def _lost(self, worker: _Worker) -> OnTeamError:
        if worker.expired:
            observability.QUERY_TIMEOUTS.inc()
            return QueryTimeout(self.timeout)
        return OnTeamError("The query worker stopped before answering (out of memory?)")

    async def _spawn(self, checkpoint: _Checkpoint) -> _Worker:
        """A new worker that has opened `checkpoint` (so its first query does not pay for it)."""
        loop = asyncio.get_running_loop()
        worker = await loop.run_in_executor(None, _Worker, self.context, self.directory, next(self.ids))
        self.workers.add(worker)
        try:
            await worker.attach()
            reply = await worker.call(("open", checkpoint.generation, str(checkpoint.path), None))
            if reply[0] == "error":
                raise reply[1]
        except BaseException:
            self.workers.discard(worker)
            worker.disconnect()
            await loop.run_in_executor(None, worker.stop)
            raise
        return worker

    def _replace_soon(self, worker: _Worker, generation: int) -> None:
        self.workers.discard(worker)
        self._background(self._replace(worker, generation))

    def _background(self, coroutine: Any) -> asyncio.Future[Any]:
        task = asyncio.ensure_future(coroutine)
        self.tasks.add(task)
        task.add_done_callback(self.tasks.discard)
        return task

    async def _replace(self, worker: _Worker, generation: int) -> None:
        worker.disconnect()
        await asyncio.get_running_loop().run_in_executor(None, worker.stop)
        if self.closed:
            return
        try:
            fresh = await self._acquire(generation)
            try:
                self.idle.put_nowait(await self._spawn(fresh))
            finally:
                self._release(fresh)
        except Exception:  # noqa: BLE001 - keep serving with a smaller pool rather than fail a request
            log.exception("could not start a replacement query worker")

    def store_changed(self, generation: int) -> None:
        """Checkpoint and move idle workers to `generation` in the background.

        Not needed for correctness (a query checkpoints what it needs first) but a query
        arriving a little after a write then finds its worker ready instead of paying for
        the checkpoint and the opening of a fresh copy (tens of milliseconds).
        """
        self.wanted_generation = max(self.wanted_generation, generation)
        if self.refresher is None or self.refresher.done():
            self.refresher = self._background(self._refresh_loop())

    async def _refresh_loop(self) -> None:
        done = -1
        while self.wanted_generation > done and not self.closed:
            done = self.wanted_generation  # a burst of writes coalesces into its last one
            try:
                await self._refresh(done)
            except Exception:  # noqa: BLE001 - an optimisation: queries still checkpoint for themselves
                log.exception("could not refresh the query workers' checkpoints")

    async def _refresh(self, generation: int) -> None:
        checkpoint = await self._acquire(generation)
        try:
            moving: list[_Worker] = []  # busy workers switch at their next query
            while not self.idle.empty():
                moving.append(self.idle.get_nowait())
            await asyncio.gather(*(self._reopen(worker, checkpoint) for worker in moving))
        finally:
            self._release(checkpoint)

    async def _reopen(self, worker: _Worker, checkpoint: _Checkpoint) -> None:
        try:
            healthy = (await worker.call(("open", checkpoint.generation, str(checkpoint.path), None)))[0] == "ready"
        except _LOST:
            healthy = False
        if healthy:
            self.idle.put_nowait(worker)
        else:
            self._replace_soon(worker, checkpoint.generation)

    async def _acquire(self, generation: int) -> _Checkpoint:
        """`_use` without blocking the loop: a new checkpoint is made on an executor thread."""
        with self.lock:
            latest = self.latest
            if latest is not None and generation <= latest.generation:
                self.users[latest.generation] += 1
                return latest
        return await asyncio.get_running_loop().run_in_executor(None, self._use, generation)

    def _use(self, generation: int) -> _Checkpoint:
        """The newest checkpoint, made now if `generation` is newer; counted as in use."""
        with self.lock:
            if self.latest is None or generation > self.latest.generation:
                path = self.directory / f"gen-{generation}"
                shutil.rmtree(path, ignore_errors=True)
                self.checkpoint(self.store, path)
                self.latest = _Checkpoint(generation, path)
                self.users.setdefault(generation, 0)
            self.users[self.latest.generation] += 1
            latest = self.latest
            self._collect()
            return latest

    def _release(self, checkpoint: _Checkpoint) -> None:
        with self.lock:
            self.users[checkpoint.generation] -= 1
            self._collect()

    def _collect(self) -> None:
        """Delete checkpoints no query reads any more, except the newest (lock held)."""
        assert self.latest is not None
        for generation, count in list(self.users.items()):
            if count == 0 and generation != self.latest.generation:
                del self.users[generation]
                shutil.rmtree(self.directory / f"gen-{generation}", ignore_errors=True)

    def close(self) -> None:
        """Kill every worker and remove the checkpoints."""
        self.closed = True
        for task in list(self.tasks):
            task.cancel()
        workers = list(self.workers)
        self.workers.clear()
        for worker in workers:
            worker.disconnect()
            worker.stop()
        shutil.rmtree(self.directory, ignore_errors=True)


async def start(settings: Settings, store: Store, generation: int) -> Evaluator:
    """The process pool for these settings, started on `generation` of `store`."""
    if settings.memory:  # no store folder: checkpoints go to a temporary one, removed on close
        directory = checkpoints.temporary_folder()
    else:
        directory = Path(settings.store) / CHECKPOINTS_DIR
    pool = ProcessPool(
        store, directory, max(1, settings.workers), settings.query_timeout, checkpoints.for_store(settings.memory)
    )
    try:
        await pool.start(generation)
    except BaseException:
        pool.close()
        raise
    return pool


def evaluator(app: Any) -> Evaluator:
    """The app's evaluator, which its lifespan starts; 503 while there is none."""
    found = getattr(app.state, "evaluator", None)
    if found is None:
        raise ServiceUnavailable("The query engine is not running yet", headers={"Retry-After": "1"})
    return found


# -- the process pool, worker side -----------------------------------------------------


class _ConnSink:
    """What `answer` writes chunks to inside a worker: the pipe to the server."""

    def __init__(self, conn: Any) -> None:
        self.conn = conn

    def put(self, item: tuple[Any, ...]) -> None:
        self.conn.send(item)


def link_copy(source: Path, target: Path) -> None:
    """A private, writable copy of a checkpoint: table files (immutable) hard-linked, the rest copied."""
    target.mkdir()
    for entry in source.iterdir():
        if entry.name == "LOCK" or entry.name.startswith("LOG"):
            continue
        if entry.suffix == ".sst":
            (target / entry.name).hardlink_to(entry)
        else:
            shutil.copy2(entry, target / entry.name)


def _die_with_parent() -> None:
    """Linux: SIGKILL this worker when its parent (the fork server) exits.

    The fork server exits once every copy of the server's "alive" pipe is closed, which
    happens when the server dies, even by SIGKILL, provided workers drop the copy they
    inherit (they start no processes of their own). Without this, a worker busy with a
    runaway query would outlive a killed server until the query ended.
    """
    from multiprocessing import forkserver

    server = forkserver._forkserver  # private, but the only handle on the inherited fd
    if server._forkserver_alive_fd is not None:
        os.close(server._forkserver_alive_fd)
        server._forkserver_alive_fd = None
    try:
        import ctypes

        libc = ctypes.CDLL(None, use_errno=True)
        libc.prctl(1, signal.SIGKILL)  # PR_SET_PDEATHSIG
    except (OSError, AttributeError):
        pass  # not Linux: the pipe's EOF still stops an idle worker




def worker_main(conn: Any, directory: str, wid: int) -> None:
    """A worker's loop: ("open"|"query", generation, checkpoint, spec) in, chunks or an error out."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # Ctrl-C reaches the whole group; the server stops us
    _die_with_parent()
    store: Store | None = None
    opened: tuple[int, Path] | None = None
    sink = _ConnSink(conn)
    while True:
        try:
            kind, generation, source, spec = conn.recv()
        except (EOFError, OSError):
            return  # the server is gone
        try:
            if opened is None or opened[0] != generation:
                path = Path(directory) / f"w{wid}-gen-{generation}"
                shutil.rmtree(path, ignore_errors=True)
                link_copy(Path(source), path)
                fresh = Store(str(path))
                store = None  # closes the previous copy before its files go
                if opened is not None:
                    shutil.rmtree(opened[1], ignore_errors=True)
                store, opened = fresh, (generation, path)
            if kind == "open":
                conn.send(("ready",))
            else:
                assert store is not None
                answer(store, spec, sink)
        except OnTeamError as exc:
            conn.send(("error", exc))
        except (BrokenPipeError, ConnectionResetError):
            return  # the server dropped this worker or died: nobody is left to tell
        except Exception as exc:  # noqa: BLE001 - any failure must reach the client as a 500
            conn.send(("error", OnTeamError(f"Query evaluation failed: {exc}")))
