"""Start, probe and stop the two servers under test; read their CPU time and memory from /proc."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path

import httpx

from .datasets import PROJECT_ROOT, Dataset

_TICKS = os.sysconf("SC_CLK_TCK")
_PAGE = os.sysconf("SC_PAGE_SIZE")


def free_port() -> int:
    """A free TCP port on loopback."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@dataclass
class Server:
    """One running server process and how to send it a query."""

    name: str
    argv: list[str]
    endpoint_path: str
    env: dict[str, str] = field(default_factory=dict)
    cwd: Path = PROJECT_ROOT
    port: int = 0
    proc: subprocess.Popen | None = None
    log_path: Path | None = None

    @property
    def origin(self) -> str:
        """Scheme, host and port: what a path is appended to."""
        return f"http://127.0.0.1:{self.port}"

    @property
    def url(self) -> str:
        """The SPARQL query endpoint."""
        return self.origin + self.endpoint_path

    @property
    def pid(self) -> int:
        assert self.proc is not None
        return self.proc.pid

    def start(self, log_dir: Path, timeout: float = 120.0) -> None:
        """Start the process and wait until it answers an ASK query."""
        self.port = free_port()
        argv = [a.replace("{port}", str(self.port)) for a in self.argv]
        log_dir.mkdir(parents=True, exist_ok=True)
        self.log_path = log_dir / f"{self.name}.log"
        with open(
            self.log_path, "wb"
        ) as log:  # the child keeps its own copy of the descriptor
            self.proc = subprocess.Popen(
                argv,
                cwd=self.cwd,
                env={**os.environ, **self.env},
                stdout=log,
                stderr=subprocess.STDOUT,
            )
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise RuntimeError(
                    f"{self.name} exited with {self.proc.returncode}; see {self.log_path}"
                )
            try:
                answer = httpx.post(
                    self.url,
                    content="ASK {}",
                    headers={
                        "Content-Type": "application/sparql-query",
                        "Accept": "application/sparql-results+json",
                    },
                    timeout=2.0,
                )
                if answer.status_code == 200:
                    return
            except httpx.TransportError:
                pass
            time.sleep(0.1)
        self.stop()
        raise RuntimeError(
            f"{self.name} did not answer within {timeout}s; see {self.log_path}"
        )

    def stop(self) -> None:
        """Terminate the process (SIGTERM, then SIGKILL) and wait for it."""
        if self.proc is None or self.proc.poll() is not None:
            return
        self.proc.terminate()
        try:
            self.proc.wait(timeout=15)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait()

    def cpu_seconds(self) -> float:
        """User + system CPU time so far of the process tree (onteam's query workers included).

        Each live process counts its own threads; children it has reaped (a replaced
        worker) count through its cumulative children's times.
        """
        total = 0
        for pid in self.pids():
            try:
                fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
            except OSError:
                continue  # a worker that just ended
            total += sum(int(value) for value in fields[11:15])  # utime stime cutime cstime
        return total / _TICKS

    def pids(self) -> list[int]:
        """The server process and all its descendants (onteam's query workers run there)."""
        found, todo = [], [self.pid]
        while todo:
            pid = todo.pop()
            found.append(pid)
            for task in Path(f"/proc/{pid}/task").glob("*/children"):
                try:
                    todo += [int(child) for child in task.read_text().split()]
                except OSError:
                    pass
        return found

    def rss_bytes(self) -> int:
        """Resident set size now, summed over the process tree."""
        total = 0
        for pid in self.pids():
            try:
                total += int(Path(f"/proc/{pid}/statm").read_text().split()[1]) * _PAGE
            except OSError:
                pass  # a worker that just ended
        return total

    def hwm_bytes(self) -> int:
        """Peak resident set size since start or since `reset_hwm`, summed over the process
        tree (an upper bound: the processes need not peak at the same moment)."""
        total = 0
        for pid in self.pids():
            try:
                status = Path(f"/proc/{pid}/status").read_text()
            except OSError:
                continue
            total += next(int(line.split()[1]) * 1024 for line in status.splitlines() if line.startswith("VmHWM:"))
        return total

    def reset_hwm(self) -> bool:
        """Reset the kernel's peak-RSS marks to the current RSS (clear_refs 5); False if refused."""
        try:
            for pid in self.pids():
                Path(f"/proc/{pid}/clear_refs").write_text("5")
            return True
        except OSError:
            return False


def onteam_server(
    dataset: Dataset,
    python: str = sys.executable,
    workers: int | None = None,
    *,
    name: str = "onteam",
    store: Path | None = None,
    env: dict[str, str] | None = None,
) -> Server:
    """`python -m server.cli serve` from the project root on the dataset's store (or `store`).

    A second onteam beside the first needs a store of its own: RocksDB allows one process.
    """
    argv = [
        python,
        "-m",
        "server.cli",
        "serve",
        "--store",
        str(store or dataset.onteam_store),
        "--port",
        "{port}",
    ]
    if workers:
        argv += ["--workers", str(workers)]
    return Server(
        name=name,
        argv=argv,
        endpoint_path="/sparql",
        env={"ONTEAM_ROOT": str(dataset.onteam_root), **(env or {})},
    )


def oxigraph_server(dataset: Dataset, oxigraph_bin: str) -> Server:
    """`oxigraph serve` on the dataset's oxigraph store, default graph = union of named graphs."""
    return Server(
        name="oxigraph",
        argv=[
            oxigraph_bin,
            "serve",
            "--location",
            str(dataset.oxigraph_store),
            "--bind",
            "127.0.0.1:{port}",
            "--union-default-graph",
        ],
        endpoint_path="/query",
    )
