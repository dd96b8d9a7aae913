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

Read-your-writes: every write bumps `app.state.generation`; a query reads the generation
when it is dispatched and, if no checkpoint of that generation exists yet, one is made
first. A write acknowledged before the query started is in the checkpoint the query runs
on. After a write, a background thread also checkpoints and moves the idle workers to the
new generation (`store_changed`), so the next query usually finds its worker ready; a
burst of writes coalesces into one checkpoint.

Layout: `<folder>/gen-<N>` (made by the server) and `<folder>/w<id>-gen-<N>` (a worker's
private copy: table files hard-linked, the small metadata files copied). The folder is
`<store>/checkpoints` for an on-disk store, wiped when the server starts, so a killed
server leaves nothing behind for long; for `--memory`, a fresh temporary folder
(`onteam-<pid>-*` under the system's temporary directory, swept at the next start if the
server was killed). Both are removed when the server stops.
"""

from __future__ import annotations

import itertools
import logging
import multiprocessing
import os
import queue
import shutil
import signal
import threading
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Protocol

from pyoxigraph import Store

from . import checkpoints, observability, sparql
from .errors import OnTeamError, ServiceUnavailable
from .limits import QueryTimeout
from .settings import Settings

log = logging.getLogger("onteam.engine")

CHECKPOINTS_DIR = "checkpoints"
# Worker processes are forked from a clean server process that has these imported.
_PRELOAD = ["server.engine"]


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


def answer(store: Store, spec: QuerySpec, sink: Any) -> None:
    """Evaluate `spec`, negotiate, serialize: what a worker does with each query.

    `sink.put(item)` receives ("start", media, chunk, more) then ("data", chunk, more)...;
    errors are raised (OnTeamError), for the caller to report.
    """
    substitutions = dict(spec.substitutions) or None
    result = sparql.evaluate(store, spec.query, spec.default_graphs, spec.named_graphs, substitutions)
    media = sparql.choose_format(result, spec.accept, spec.fmt)
    writer = sparql._ChunkWriter(sink, media)
    if not spec.head:
        sparql.serialize(result, media, writer)
    writer.send(more=False)


class Evaluator(Protocol):
    def produce(self, state: Any, spec: QuerySpec, pipe: Any) -> None:
        """Answer `spec` into `pipe` (a `sparql._Pipe`); runs on a thread holding a query slot."""

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
    """One worker process and the server's end of its pipe."""

    def __init__(self, context: Any, directory: Path, wid: int) -> None:
        self.wid = wid
        self.directory = directory
        self.conn, child = context.Pipe()
        self.process = context.Process(
            target=worker_main, args=(child, str(directory), wid), name=f"onteam-query-{wid}", daemon=True
        )
        self.process.start()
        child.close()
        self.lock = threading.Lock()
        self.armed: object | None = None  # the running query's token while its deadline may fire
        self.expired = False

    def arm(self) -> object:
        token = object()
        with self.lock:
            self.armed, self.expired = token, False
        return token

    def disarm(self) -> None:
        with self.lock:
            self.armed = None

    def expire(self, token: object) -> None:
        """The deadline (a timer thread): kill the worker if it still runs that query."""
        with self.lock:
            if self.armed is token:
                self.expired = True
                self.process.kill()

    def stop(self) -> None:
        """Kill the process, reap it, remove its private checkpoints."""
        self.process.kill()
        self.process.join(5)
        self.conn.close()
        for path in self.directory.glob(f"w{self.wid}-gen-*"):
            shutil.rmtree(path, ignore_errors=True)


class ProcessPool:
    """`size` worker processes, each on its own checkpoint of `store`; hard query timeouts.

    `checkpoint` makes a checkpoint (server/checkpoints.py); `directory` holds them all and
    is the pool's own: wiped at `start`, removed at `close`.
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
        self.idle: queue.Queue[_Worker] = queue.Queue()
        self.workers: set[_Worker] = set()
        self.latest: _Checkpoint | None = None
        self.users: dict[int, int] = {}  # generation -> queries that may still read its checkpoint
        self.ids = itertools.count()
        self.closed = False
        # Generations to move idle workers to ahead of the next query (see `store_changed`).
        self.wanted = threading.Condition()
        self.wanted_generation = -1
        self.refresher = threading.Thread(target=self._refresh_loop, name="onteam-checkpoints", daemon=True)

    def start(self, generation: int) -> None:
        """Wipe stale checkpoints, checkpoint `generation`, start and warm up the workers."""
        shutil.rmtree(self.directory, ignore_errors=True)
        self.directory.mkdir(parents=True)
        checkpoint = self._use(generation)
        try:
            for _ in range(self.size):
                self.idle.put(self._spawn(checkpoint))
        finally:
            self._release(checkpoint)
        self.refresher.start()

    def store_changed(self, generation: int) -> None:
        """Checkpoint and move idle workers to `generation` in the background.

        Not needed for correctness (a query checkpoints what it needs first) but a query
        arriving a little after a write then finds its worker ready instead of paying for
        the checkpoint and the opening of a fresh copy (tens of milliseconds).
        """
        with self.wanted:
            self.wanted_generation = max(self.wanted_generation, generation)
            self.wanted.notify()

    def _refresh_loop(self) -> None:
        done = -1
        while True:
            with self.wanted:
                while self.wanted_generation <= done and not self.closed:
                    self.wanted.wait()
                if self.closed:
                    return
                done = self.wanted_generation  # a burst of writes coalesces into its last one
            try:
                self._refresh(done)
            except Exception:  # noqa: BLE001 - an optimisation: queries still checkpoint for themselves
                log.exception("could not refresh the query workers' checkpoints")

    def _refresh(self, generation: int) -> None:
        checkpoint = self._use(generation)
        try:
            for _ in range(self.size):
                try:
                    worker = self.idle.get_nowait()  # busy workers switch at their next query
                except queue.Empty:
                    return
                try:
                    worker.conn.send(("open", checkpoint.generation, str(checkpoint.path), None))
                    healthy = worker.conn.recv()[0] == "ready"
                except Exception:  # noqa: BLE001 - a dead worker is replaced like after a query
                    healthy = False
                if healthy:
                    self.idle.put(worker)
                else:
                    self._replace(worker, checkpoint)
        finally:
            self._release(checkpoint)

    def _spawn(self, checkpoint: _Checkpoint) -> _Worker:
        """A new worker that has opened `checkpoint` (so its first query does not pay for it)."""
        worker = _Worker(self.context, self.directory, next(self.ids))
        with self.lock:
            self.workers.add(worker)
        try:
            worker.conn.send(("open", checkpoint.generation, str(checkpoint.path), None))
            reply = worker.conn.recv()
            if reply[0] == "error":
                raise reply[1]
        except BaseException:
            with self.lock:
                self.workers.discard(worker)
            worker.stop()
            raise
        return worker

    def produce(self, state: Any, spec: QuerySpec, pipe: Any) -> None:
        # The caller holds one of `size` query slots, so a worker is idle (or about to be,
        # once a replacement has started); a pool that lost workers must not hang the caller.
        try:
            worker = self.idle.get(timeout=self.timeout)
        except queue.Empty:
            sparql._report(pipe, ServiceUnavailable("No query worker is available; retry later"))
            return
        checkpoint = self._use(getattr(state, "generation", 0))
        healthy = False
        try:
            healthy = self._run(worker, checkpoint, spec, pipe)
        finally:
            self._release(checkpoint)
            if healthy:
                self.idle.put(worker)
            else:
                self._replace(worker, checkpoint)

    def _run(self, worker: _Worker, checkpoint: _Checkpoint, spec: QuerySpec, pipe: Any) -> bool:
        """Relay one query's answer from `worker` to `pipe`; False if the worker must be replaced."""
        token = worker.arm()
        timer = threading.Timer(self.timeout, worker.expire, (token,))
        timer.daemon = True
        try:
            worker.conn.send(("query", checkpoint.generation, str(checkpoint.path), spec))
            timer.start()
            while True:
                item = worker.conn.recv()
                final = item[0] == "error" or not item[-1]
                if final:  # the worker is done; only the client is left to serve
                    worker.disarm()
                pipe.put(item)
                if final:
                    return not worker.expired
        except sparql._Abandoned:
            return False  # the client left; the worker may be blocked writing to us
        except Exception:  # noqa: BLE001 - EOF, broken pipe, a torn message: the worker is gone
            if worker.expired:
                observability.QUERY_TIMEOUTS.inc()
                exc: OnTeamError = QueryTimeout(
                    f"The query exceeded the {self.timeout:g} s limit and was stopped", timeout=self.timeout
                )
            else:
                exc = OnTeamError("The query worker stopped before answering (out of memory?)")
            sparql._report(pipe, exc)
            return False
        finally:
            timer.cancel()
            worker.disarm()

    def _replace(self, worker: _Worker, checkpoint: _Checkpoint) -> None:
        with self.lock:
            self.workers.discard(worker)
        worker.stop()
        if self.closed:
            return
        try:
            fresh = self._use(checkpoint.generation)
            try:
                self.idle.put(self._spawn(fresh))
            finally:
                self._release(fresh)
        except Exception:  # noqa: BLE001 - keep serving with a smaller pool rather than fail the request
            log.exception("could not start a replacement query worker")

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
        with self.wanted:
            self.closed = True
            self.wanted.notify()
        with self.lock:
            workers = list(self.workers)
            self.workers.clear()
        for worker in workers:
            worker.stop()
        shutil.rmtree(self.directory, ignore_errors=True)


def start(settings: Settings, store: Store, generation: int) -> Evaluator:
    """The process pool for these settings, started on `generation` of `store`."""
    if settings.memory:  # no store folder: checkpoints go to a temporary one, removed on close
        directory = checkpoints.temporary_folder()
    else:
        directory = Path(settings.store) / CHECKPOINTS_DIR
    pool = ProcessPool(
        store, directory, max(1, settings.workers), settings.query_timeout, checkpoints.for_store(settings.memory)
    )
    try:
        pool.start(generation)
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
        except Exception as exc:  # noqa: BLE001 - any failure must reach the client as a 500
            conn.send(("error", OnTeamError(f"Query evaluation failed: {exc}")))
