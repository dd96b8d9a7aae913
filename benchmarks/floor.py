"""The floor of a design onteam does not have yet: HTTP in one process per core, evaluating inline.

Each of `--processes` processes binds the port with SO_REUSEPORT, opens a private checkpoint
of the onteam store and answers POSTed queries with a bare ASGI app: no routing, middleware,
negotiation, cache, admission or timeout. Measured against `oxigraph serve` with the same
wrk load as the main benchmark, it shows how close that design could come at best (see
README, "What onteam's server costs, and what would help").

    python -m benchmarks.floor --scale 100k --processes 2 --seconds 5
    python -m benchmarks.floor --scale 100k --processes 2 --seconds 5 --app onteam

`--app onteam` puts onteam's whole application in each process instead (routing, limits,
negotiation, ETags, access log, metrics), evaluating inline: the design with every part of
onteam except the hard timeout, so the best it could do. `--app fastapi` serves the bare
app's answers from one FastAPI route (the framework's own routing, request and response, and
nothing of onteam's): what the framework alone costs.
"""

from __future__ import annotations

import argparse
import multiprocessing
import signal
import socket
import sys
import tempfile
from pathlib import Path
from typing import Any

from fastapi import Request, Response  # at module level: FastAPI resolves the handler's annotations here

from . import datasets
from .bench import QUERY_DIR, _default_oxigraph
from .loadgen import run_wrk
from .queries import load_queries
from .servers import Server, oxigraph_server

SMALL = ("q01", "q02", "q07", "q08")


def _evaluate(store: Any, query: str) -> tuple[bytes, str]:
    """The answer and its media type, inline, in SPARQL JSON or N-Triples."""
    import pyoxigraph as ox

    result = store.query(query, use_default_graph_as_union=True)
    if isinstance(result, ox.QuerySolutions):
        return result.serialize(format=ox.QueryResultsFormat.JSON), "application/sparql-results+json"
    if isinstance(result, ox.QueryBoolean):
        return b'{"head":{},"boolean":%s}' % str(bool(result)).lower().encode(), "application/sparql-results+json"
    return result.serialize(format=ox.RdfFormat.N_TRIPLES), "application/n-triples"


def _serve_one(sock: socket.socket, store_path: str) -> None:
    import pyoxigraph as ox
    import uvicorn

    store = ox.Store(store_path)

    async def app(scope: dict[str, Any], receive: Any, send: Any) -> None:
        if scope["type"] != "http":
            return
        body = b""
        while True:
            message = await receive()
            body += message.get("body", b"")
            if not message.get("more_body"):
                break
        out, media = _evaluate(store, body.decode())
        headers = [(b"content-type", media.encode()), (b"content-length", str(len(out)).encode())]
        await send({"type": "http.response.start", "status": 200, "headers": headers})
        await send({"type": "http.response.body", "body": out})

    config = uvicorn.Config(app, log_level="warning", access_log=False, lifespan="off", http="httptools", loop="uvloop")
    uvicorn.Server(config).run(sockets=[sock])


def _serve_fastapi(sock: socket.socket, store_path: str) -> None:
    import pyoxigraph as ox
    import uvicorn
    from fastapi import FastAPI

    store = ox.Store(store_path)
    app = FastAPI()

    @app.post("/sparql")
    async def sparql(request: Request) -> Response:
        out, media = _evaluate(store, (await request.body()).decode())
        return Response(out, media_type=media)

    config = uvicorn.Config(app, log_level="warning", access_log=False, lifespan="off", http="httptools", loop="uvloop")
    uvicorn.Server(config).run(sockets=[sock])


class _InlineEvaluator:
    """engine.Evaluator without the worker pool: the query runs in the event loop's thread."""

    def __init__(self, store: Any) -> None:
        self.store = store

    async def run(self, state: Any, spec: Any) -> Any:
        from server import engine

        items: list[tuple[Any, ...]] = []
        engine.answer(self.store, spec, _ListSink(items))
        body = items[0][2] + b"".join(item[1] for item in items[1:])
        return engine.Reply(items[0][1], body)

    def store_changed(self, generation: int) -> None:
        """Nothing to move: the one store is the live one."""

    def close(self) -> None:
        """Nothing runs apart."""


class _ListSink:
    def __init__(self, items: list[tuple[Any, ...]]) -> None:
        self.put = items.append


def _serve_onteam(sock: socket.socket, store_path: str) -> None:
    import pyoxigraph as ox
    import uvicorn

    from server import engine
    from server.app import create_app
    from server.settings import Settings

    store = ox.Store(store_path)

    async def start(settings: Any, store: Any, generation: int) -> _InlineEvaluator:
        return _InlineEvaluator(store)

    engine.start = start  # this throwaway process only: the app's lifespan gets the inline evaluator
    root = Path(store_path).parent / "root"  # no ontology/, data/ or queries/: the store as given
    root.mkdir(exist_ok=True)
    app = create_app(Settings(root=root, store=Path(store_path), result_cache_mb=0, access_log=True), store)
    config = uvicorn.Config(app, log_level="warning", access_log=False, http="httptools", loop="uvloop")
    uvicorn.Server(config).run(sockets=[sock])


_APPS = {"bare": _serve_one, "fastapi": _serve_fastapi, "onteam": _serve_onteam}


def serve(store: Path, port: int, processes: int, app: str = "bare") -> None:
    """Checkpoint `store` once per process and serve it on `port` from `processes` processes."""
    import pyoxigraph as ox

    source = ox.Store.read_only(str(store))
    with tempfile.TemporaryDirectory(prefix="onteam-floor-") as tmp:
        children = []
        for index in range(processes):
            copy = Path(tmp) / f"p{index}"
            source.backup(str(copy))
            sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
            sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEPORT, 1)
            sock.bind(("127.0.0.1", port))
            child = multiprocessing.get_context("fork").Process(target=_APPS[app], args=(sock, str(copy)))
            child.start()
            children.append(child)
        def stop(*_: Any) -> None:
            for child in children:
                child.terminate()

        signal.signal(signal.SIGTERM, stop)  # the benchmark stops this process; take the servers along
        for child in children:
            child.join()


def main() -> int:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--scale", default="100k")
    p.add_argument("--processes", type=int, default=2)
    p.add_argument("--seconds", type=float, default=5, help="per query per server per round")
    p.add_argument("--rounds", type=int, default=2)
    p.add_argument("--concurrency", "-c", type=int, default=4)
    p.add_argument("--app", choices=tuple(_APPS), default="bare", help="what each process serves (above)")
    p.add_argument("--serve", type=Path, help=argparse.SUPPRESS)  # internal: run the floor server
    p.add_argument("--port", type=int, help=argparse.SUPPRESS)
    args = p.parse_args()
    if args.serve:
        serve(args.serve, args.port, args.processes, args.app)
        return 0
    dataset = datasets.prepare(args.scale, oxigraph_bin=_default_oxigraph(), log=lambda m: print(m, file=sys.stderr))
    floor = Server(
        name="floor",
        argv=[sys.executable, "-m", "benchmarks.floor", "--serve", str(dataset.onteam_store / "oxigraph"),
              "--port", "{port}", "--processes", str(args.processes), "--app", args.app],
        endpoint_path="/sparql",
    )
    oxigraph = oxigraph_server(dataset, _default_oxigraph())
    log_dir = Path(tempfile.mkdtemp(prefix="onteam-floor-logs-"))
    queries = [q for q in load_queries(QUERY_DIR) if q.name[:3] in SMALL]
    servers = [floor, oxigraph]
    for server in servers:
        server.start(log_dir)
    try:
        totals: dict[tuple[str, str], list[float]] = {}
        for round_ in range(args.rounds):
            for query in queries:
                for server in servers if round_ % 2 == 0 else reversed(servers):
                    sample = run_wrk(server, [query], args.seconds, args.concurrency, bust=True)
                    totals.setdefault((query.name, server.name), []).append(sample.throughput)
        print(f"{'query':<26} {'floor req/s':>12} {'oxigraph req/s':>15} {'ratio':>6}")
        for query in queries:
            ours = sum(totals[(query.name, "floor")]) / args.rounds
            theirs = sum(totals[(query.name, "oxigraph")]) / args.rounds
            print(f"{query.name:<26} {ours:>12.0f} {theirs:>15.0f} {ours / theirs:>6.2f}")
    finally:
        for server in servers:
            server.stop()
    return 0


if __name__ == "__main__":
    sys.exit(main())
