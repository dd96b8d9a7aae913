"""Fixtures: the real `onteam serve` process on a free loopback port, talked to over HTTP.

- `server`: one session-wide server over the project's real ontology and data.
- `make_server(...)`: a factory for servers over other roots, stores or options.
"""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from http.cookiejar import CookieJar, DefaultCookiePolicy
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import httpx
import pytest

PROJECT_ROOT = Path(__file__).resolve().parent.parent


def free_port() -> int:
    """A TCP port on loopback that nothing listens on right now."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class LoopbackHandler(BaseHTTPRequestHandler):
    """A request handler for `serve_http`: `answer` sends one whole response; no log lines."""

    def answer(self, status: int, media: str, body: bytes) -> None:
        self.send_response(status)
        self.send_header("Content-Type", media)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args: object) -> None:
        pass


@contextmanager
def serve_http(handler: type[BaseHTTPRequestHandler]) -> Iterator[str]:
    """Serve `handler` (http.server) on a free loopback port in a thread; yield its origin.

    For documents and endpoints the service itself fetches (LOAD, SERVICE)."""
    httpd = ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{httpd.server_port}"
    finally:
        httpd.shutdown()
        httpd.server_close()
        thread.join()


@contextmanager
def serve_app(app: Any, lifespan: str = "off", **config: Any) -> Iterator[str]:
    """Serve an ASGI app in this process with a real uvicorn on a free loopback port; yield
    its base URL. For apps built in the test (small stores, test routes)."""
    import uvicorn

    port = free_port()
    server = uvicorn.Server(
        uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning", lifespan=lifespan, **config)
    )
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 30
    while not server.started:
        if time.monotonic() > deadline or not thread.is_alive():
            raise RuntimeError("uvicorn did not start")
        time.sleep(0.01)
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        server.should_exit = True
        thread.join(30)


@dataclass
class Server:
    """A running `onteam serve` process and an HTTP client bound to it."""

    base: str
    process: subprocess.Popen[bytes]
    log: Path
    client: httpx.Client = field(init=False)

    def __post_init__(self) -> None:
        # Tests share servers: a cookie that one test's request set (`?lang=`) must not pick
        # another test's language, so this client keeps none (a test sends its own `Cookie`).
        keeps_none = CookieJar(policy=DefaultCookiePolicy(allowed_domains=[]))
        self.client = httpx.Client(base_url=self.base, timeout=30, cookies=keeps_none)

    def stop(self) -> None:
        """Stop the process gracefully (SIGTERM), then forcefully if it lingers."""
        self.client.close()
        if self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()


def start_server(workdir: Path, *args: str, env: dict[str, str] | None = None, root: Path | None = None) -> Server:
    """Start `onteam serve` with `args` and wait until /health answers."""
    port = free_port()
    log = workdir / f"server-{port}.log"
    full_env = {**os.environ, "ONTEAM_ROOT": str(root or PROJECT_ROOT), **(env or {})}
    command = [sys.executable, "-m", "server.cli", "serve", "--port", str(port), *args]
    if "--store" not in args and "--memory" not in args:
        command += ["--store", str(workdir / f"store-{port}")]
    with log.open("wb") as out:
        process = subprocess.Popen(command, cwd=PROJECT_ROOT, env=full_env, stdout=out, stderr=subprocess.STDOUT)
    base = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"onteam serve exited with {process.returncode}:\n{log.read_text()}")
        try:
            if httpx.get(base + "/health", timeout=1).status_code == 200:
                return Server(base, process, log)
        except httpx.TransportError:
            pass
        time.sleep(0.1)
    process.kill()
    raise RuntimeError(f"onteam serve did not answer within 60 s:\n{log.read_text()}")


@pytest.fixture(scope="session")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    """The service over the project's own ontology and data, on an on-disk store."""
    running = start_server(tmp_path_factory.mktemp("server"))
    yield running
    running.stop()


@pytest.fixture
def make_server(tmp_path: Path) -> Iterator[Callable[..., Server]]:
    """Start extra servers (other roots, stores, options); all are stopped after the test."""
    started: list[Server] = []

    def make(*args: str, env: dict[str, str] | None = None, root: Path | None = None) -> Server:
        running = start_server(tmp_path, *args, env=env, root=root)
        started.append(running)
        return running

    yield make
    for running in started:
        running.stop()


def write_project(root: Path, data: str, ontology: str = "", queries: dict[str, str] | None = None) -> Path:
    """A project folder at `root`: data/instances.ttl, ontology/onteam.ttl, queries/<name>.rq."""
    for folder in ("ontology", "data", "queries"):
        (root / folder).mkdir(parents=True, exist_ok=True)
    (root / "ontology" / "onteam.ttl").write_text(ontology, encoding="utf-8")
    (root / "data" / "instances.ttl").write_text(data, encoding="utf-8")
    for name, text in (queries or {}).items():
        (root / "queries" / f"{name}.rq").write_text(text, encoding="utf-8")
    return root


@pytest.fixture
def make_root(tmp_path: Path) -> Callable[..., Path]:
    """Make a project root holding the given Turtle as data/instances.ttl (and an empty ontology)."""

    def make(data: str, ontology: str = "") -> Path:
        return write_project(tmp_path / "root", data, ontology)

    return make


@pytest.fixture
def make_query_root(make_root: Callable[..., Path]) -> Callable[..., Path]:
    """Like `make_root`, and also write saved queries: {name: text} as queries/<name>.rq."""

    def make(data: str, queries: dict[str, str], ontology: str = "") -> Path:
        return write_project(make_root(data, ontology), data, ontology, queries)

    return make


@pytest.fixture(scope="session")
def small(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    """A server without write access over the small SPARQL fixture graph of sparql_support."""
    from sparql_support import write_root

    root = write_root(tmp_path_factory.mktemp("small-root"))
    running = start_server(tmp_path_factory.mktemp("small-server"), root=root)
    yield running
    running.stop()


@pytest.fixture(scope="session")
def ontology() -> Any:
    """ontology/onteam.ttl as an rdflib graph, read-only use."""
    import rdflib

    return rdflib.Graph().parse(PROJECT_ROOT / "ontology/onteam.ttl", format="turtle")


@pytest.fixture(scope="session")
def data() -> Any:
    """data/instances.ttl as an rdflib graph, read-only use."""
    import rdflib

    return rdflib.Graph().parse(PROJECT_ROOT / "data/instances.ttl", format="turtle")


@pytest.fixture(scope="session")
def project_graph() -> Any:
    """The project's ontology and data in one in-memory store (default graph), read-only use."""
    from pyoxigraph import RdfFormat, Store

    store = Store()
    for rel in ("ontology/onteam.ttl", "data/instances.ttl"):
        store.load(path=str(PROJECT_ROOT / rel), format=RdfFormat.TURTLE)
    return store
