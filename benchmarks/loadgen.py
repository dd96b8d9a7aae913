"""Closed-loop load: C keep-alive connections POSTing SPARQL queries.

Fast queries: `wrk` (C, epoll) for a fixed time. Slow queries: a fixed number of requests
from Python threads (`run_fixed`), timed exactly.

wrk, not a Python client: on 2 cores a Python client competes with the server for CPU and
saturates before oxigraph does (see README, "Why wrk"). The Lua script POSTs the query as
`application/sparql-query` and, when wrk is done, writes its latency distribution
as its quantile function (2000 points) in JSON, so rounds merge into one p50/p99.
"""

from __future__ import annotations

import json
import resource
import secrets
import subprocess
import tempfile
import threading
import time
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

import httpx

from .queries import Query
from .servers import Server

# wrk keeps one histogram bucket per microsecond up to the timeout; it is
# calloc'ed (virtual) so a long timeout costs nothing until used.
WRK_TIMEOUT = "60s"

_LUA = r"""
local queries = {QUERIES}
local bust = {BUST}
local nonce = "{NONCE}"
local n = 0

local function headers(q)
  if q.method == "GET" then
    return {["Accept"] = q.accept}
  end
  return {["Content-Type"] = "application/sparql-query", ["Accept"] = q.accept}
end

if #queries > 1 or bust or queries[1].path then
  request = function()
    n = n + 1
    local q = queries[((n - 1) % #queries) + 1]
    local body = q.body
    if bust and body then
      -- a distinct comment per request defeats any cache keyed on the query text
      body = body .. "\n# bust " .. nonce .. "-" .. n .. "\n"
    end
    return wrk.format(q.method, q.path, headers(q), body)
  end
else
  wrk.method = "POST"
  for name, value in pairs(headers(queries[1])) do wrk.headers[name] = value end
  wrk.body = queries[1].body
end

done = function(summary, latency, requests)
  local f = assert(io.open("{OUT}", "w"))
  local e = summary.errors
  f:write(string.format(
    '{"requests":%d,"duration_us":%d,"bytes":%d,"errors":{"connect":%d,"read":%d,"write":%d,"status":%d,"timeout":%d},"hist":[',
    summary.requests, summary.duration, summary.bytes, e.connect, e.read, e.write, e.status, e.timeout))
  -- Debian's wrk 4.1 cannot index the histogram from Lua, so dump its quantile function
  -- (0.05% steps): each point stands for 1/2000 of the requests, which merges across rounds.
  if summary.requests > 0 then
    for k = 1, 2000 do
      if k > 1 then f:write(",") end
      f:write(string.format("%d", latency:percentile(k * 0.05)))
    end
  end
  f:write("]}")
  f:close()
end
"""


def _lua_entry(query: Query) -> str:
    """One query of the Lua table: how it is sent (a GET of a saved query's URL has no body)."""
    body = "nil" if query.path else _lua_string(query.text)
    path = _lua_string(query.path) if query.path else "nil"
    return f"{{accept = {_lua_string(query.accept)}, method = {_lua_string(query.method)}, path = {path}, body = {body}}}"


def _lua_string(text: str) -> str:
    level = "=" * 3
    while f"]{level}]" in text:
        level += "="
    # a newline right after the opening bracket is dropped by Lua, so add one
    return f"[{level}[\n{text}]{level}]"


@dataclass
class Sample:
    """What one or more wrk runs measured for one (query, server)."""

    requests: int = 0
    seconds: float = 0.0
    bytes: int = 0
    errors: int = 0
    server_cpu: float = 0.0
    client_cpu: float = 0.0
    # latency (microseconds) -> weight in requests: wrk's quantile points, each standing
    # for an equal share of its run's requests, so runs of different sizes merge fairly
    hist: Counter = field(default_factory=Counter)

    def add(self, other: Sample) -> None:
        """Merge another run into this one."""
        self.requests += other.requests
        self.seconds += other.seconds
        self.bytes += other.bytes
        self.errors += other.errors
        self.server_cpu += other.server_cpu
        self.client_cpu += other.client_cpu
        self.hist.update(other.hist)

    @property
    def throughput(self) -> float:
        """Completed requests per second."""
        return self.requests / self.seconds if self.seconds else 0.0

    def percentile_ms(self, p: float) -> float:
        """Latency percentile in milliseconds (weighted nearest rank over the merged points)."""
        total = sum(self.hist.values())
        if not total:
            return float("nan")
        rank = total * p / 100
        seen = 0
        for micros in sorted(self.hist):
            seen += self.hist[micros]
            if seen >= rank - 1e-9:
                return micros / 1000
        return max(self.hist) / 1000

    @property
    def server_cpu_pct(self) -> float:
        """Server CPU use during the runs, in % of one core."""
        return 100 * self.server_cpu / self.seconds if self.seconds else 0.0

    @property
    def client_cpu_pct(self) -> float:
        """wrk's own CPU use during the runs, in % of one core."""
        return 100 * self.client_cpu / self.seconds if self.seconds else 0.0


def run_wrk(
    server: Server,
    queries: list[Query],
    seconds: float,
    concurrency: int,
    bust: bool = False,
    wrk: str = "wrk",
) -> Sample:
    """Run wrk against `server` for `seconds` with `concurrency` connections; cycle `queries`."""
    with tempfile.TemporaryDirectory(prefix="onteam-bench-") as tmp:
        out = Path(tmp) / "result.json"
        table = ",\n".join(_lua_entry(q) for q in queries)
        script = (
            _LUA.replace("{QUERIES}", "{\n" + table + "\n}")
            .replace("{BUST}", "true" if bust else "false")
            .replace("{NONCE}", secrets.token_hex(4))
            .replace("{OUT}", str(out))
        )
        lua = Path(tmp) / "bench.lua"
        lua.write_text(script, encoding="utf-8")
        argv = [
            wrk,
            "-t1",
            f"-c{concurrency}",
            f"-d{max(1, round(seconds))}s",
            f"--timeout={WRK_TIMEOUT}",
            "-s",
            str(lua),
            server.url,
        ]
        cpu_before = server.cpu_seconds()
        children_before = resource.getrusage(resource.RUSAGE_CHILDREN)
        started = time.monotonic()
        proc = subprocess.run(argv, check=False, capture_output=True, text=True)
        wall = time.monotonic() - started
        children_after = resource.getrusage(resource.RUSAGE_CHILDREN)
        cpu_after = server.cpu_seconds()
        if proc.returncode != 0 or not out.exists():
            raise RuntimeError(
                f"wrk failed ({proc.returncode}): {proc.stderr or proc.stdout}"
            )
        data = json.loads(out.read_text())
    errors = data["errors"]
    duration = data["duration_us"] / 1e6 or wall
    return Sample(
        requests=data["requests"],
        seconds=duration,
        bytes=data["bytes"],
        errors=errors["connect"]
        + errors["read"]
        + errors["write"]
        + errors["status"]
        + errors["timeout"],
        server_cpu=cpu_after - cpu_before,
        client_cpu=(children_after.ru_utime - children_before.ru_utime)
        + (children_after.ru_stime - children_before.ru_stime),
        hist=_weights(data["hist"], data["requests"]),
    )


def _weights(points: list[int], requests: int) -> Counter:
    weights: Counter = Counter()
    for micros in points:
        weights[int(micros)] += requests / len(points)
    return weights


def run_fixed(
    server: Server,
    queries: list[Query],
    per_worker: int,
    concurrency: int,
    bust: bool = False,
) -> Sample:
    """`concurrency` keep-alive connections each send `per_worker` requests, cycling `queries`.

    For slow queries (tens of milliseconds and more): a fixed count instead of a time window,
    because wrk drops the requests in flight when its window closes, which biases slow
    queries towards their fast answers. At these latencies the Python client's ~1 ms per
    request is noise. Every latency is recorded exactly.
    """
    latencies: list[int] = []
    failures = 0
    nbytes = 0
    nonce = secrets.token_hex(4)
    lock = threading.Lock()

    def worker(index: int) -> None:
        nonlocal failures, nbytes
        with httpx.Client(timeout=600) as client:
            for n in range(per_worker):
                query = queries[(index + n) % len(queries)]
                bust_comment = f"\n# bust {nonce}-{index}-{n}\n" if bust else ""
                start = time.perf_counter()
                response = send(client, server, query, bust_comment)
                elapsed = time.perf_counter() - start
                with lock:
                    latencies.append(round(elapsed * 1e6))
                    nbytes += len(response.content)
                    failures += response.status_code != 200

    cpu_before = server.cpu_seconds()
    own_before = _own_cpu()
    started = time.perf_counter()
    threads = [threading.Thread(target=worker, args=(i,)) for i in range(concurrency)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    wall = time.perf_counter() - started
    return Sample(
        requests=len(latencies),
        seconds=wall,
        bytes=nbytes,
        errors=failures,
        server_cpu=server.cpu_seconds() - cpu_before,
        client_cpu=_own_cpu() - own_before,
        hist=Counter(latencies),
    )


def send(client: httpx.Client, server: Server, query: Query, suffix: str = "") -> httpx.Response:
    """One request for `query`: GET of its path, or its text (plus `suffix`) POSTed to the endpoint."""
    if query.path:
        return client.get(server.origin + query.path, headers={"Accept": query.accept})
    return client.post(
        server.url,
        content=(query.text + suffix).encode("utf-8"),
        headers={"Content-Type": "application/sparql-query", "Accept": query.accept},
    )


def _own_cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime
