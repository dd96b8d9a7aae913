"""A bounded soak run of `onteam serve`: mixed load for a fixed time, then checks.

Loopback only; stops by itself (default 3 minutes). It generates data with the shared
generator, loads it with `onteam load`, starts `onteam serve` on it and runs at once:

- normal queries (the mix of /work/shared/bench/queries, `# mix: yes`) at concurrency 4;
- a runaway query (four-way cross product) every ~10 s, which the query timeout must stop;
- an INSERT DATA with a numbered token about once a second.

It reports throughput, p50/p99 of the normal queries, timeouts fired, answers by status,
the RSS of the server and its workers over time (sampled from /proc), and checks that every
acknowledged write is in the store at the end and that no process outlives the server.

    python benchmarks/soak.py --seconds 180
"""

from __future__ import annotations

import argparse
import os
import random
import re
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from collections import Counter
from pathlib import Path

import httpx

PROJECT = Path(__file__).resolve().parent.parent
SHARED = Path("/work/shared/bench")
TOKEN = "soak-token"
GRAPH = "http://example.org/soak"
RUNAWAY = "SELECT (COUNT(*) AS ?n) WHERE { ?a ?b ?c . ?d ?e ?f . ?g ?h ?i . ?j ?k ?l }"
ACCEPT = {
    "select": "application/sparql-results+json",
    "ask": "application/sparql-results+json",
    "construct": "application/n-triples",
}


def load_mix(folder: Path) -> list[tuple[str, str, str]]:
    """(name, text, Accept) of every query marked `# mix: yes`."""
    mix = []
    for path in sorted(folder.glob("*.rq")):
        text = path.read_text(encoding="utf-8")
        if re.search(r"^# mix: yes", text, re.MULTILINE):
            form = re.search(r"^# form: (\w+)", text, re.MULTILINE)
            mix.append((path.stem, text, ACCEPT[form.group(1) if form else "select"]))
    return mix


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def descendants(pid: int) -> list[int]:
    """Living descendants of `pid`, from /proc."""
    parents = {}
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                stat = (entry / "stat").read_text()
            except OSError:
                continue
            fields = stat[stat.rindex(")") + 2 :].split()
            if fields[0] != "Z":
                parents[int(entry.name)] = int(fields[1])
    found, frontier = [], [pid]
    while frontier:
        current = frontier.pop()
        kids = [c for c, p in parents.items() if p == current]
        found += kids
        frontier += kids
    return found


def alive(pid: int) -> bool:
    """True while `pid` runs (a zombie counts as gone)."""
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return False
    return stat[stat.rindex(")") + 2] != "Z"


def rss_mb(pid: int) -> float:
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    except OSError:
        pass
    return 0.0


class Soak:
    def __init__(self, base: str, server_pid: int, mix: list[tuple[str, str, str]], args: argparse.Namespace) -> None:
        self.base = base
        self.server_pid = server_pid
        self.mix = mix
        self.args = args
        self.stop = threading.Event()
        self.lock = threading.Lock()
        self.latencies: list[float] = []
        self.statuses: Counter[str] = Counter()
        self.runaways: Counter[str] = Counter()
        self.acknowledged: set[int] = set()
        self.write_statuses: Counter[str] = Counter()
        self.samples: list[tuple[float, float, list[float]]] = []

    def normal(self, seed: int) -> None:
        rng = random.Random(seed)
        with httpx.Client(base_url=self.base, timeout=120) as client:
            while not self.stop.is_set():
                _, text, accept = rng.choice(self.mix)
                started = time.perf_counter()
                try:
                    response = client.post(
                        "/sparql",
                        content=text.encode(),
                        headers={"Content-Type": "application/sparql-query", "Accept": accept},
                    )
                    status = str(response.status_code)
                except httpx.HTTPError as exc:
                    status = type(exc).__name__
                elapsed = time.perf_counter() - started
                with self.lock:
                    self.statuses[status] += 1
                    if status == "200":
                        self.latencies.append(elapsed)

    def runaway(self) -> None:
        with httpx.Client(base_url=self.base, timeout=120) as client:
            while not self.stop.wait(self.args.runaway_every):
                try:
                    status = str(client.get("/sparql", params={"query": RUNAWAY}).status_code)
                except httpx.HTTPError as exc:
                    status = type(exc).__name__
                with self.lock:
                    self.runaways[status] += 1

    def writer(self) -> None:
        n = 0
        with httpx.Client(base_url=self.base, timeout=60) as client:
            while not self.stop.wait(self.args.write_every):
                update = f"INSERT DATA {{ GRAPH <{GRAPH}> {{ <{GRAPH}/w{n}> <{GRAPH}/n> {n} }} }}"
                try:
                    response = client.post(
                        "/sparql",
                        content=update.encode(),
                        headers={"Content-Type": "application/sparql-update", "Authorization": f"Bearer {TOKEN}"},
                    )
                    status = str(response.status_code)
                except httpx.HTTPError as exc:
                    status = type(exc).__name__
                with self.lock:
                    self.write_statuses[status] += 1
                    if status == "204":
                        self.acknowledged.add(n)
                n += 1

    def sampler(self, started: float) -> None:
        while True:
            kids = descendants(self.server_pid)
            self.samples.append((time.monotonic() - started, rss_mb(self.server_pid), [rss_mb(k) for k in kids]))
            if self.stop.wait(self.args.sample_every):
                return

    def run(self) -> float:
        started = time.monotonic()
        threads = [threading.Thread(target=self.normal, args=(i,)) for i in range(self.args.concurrency)]
        threads += [threading.Thread(target=self.runaway), threading.Thread(target=self.writer)]
        threads += [threading.Thread(target=self.sampler, args=(started,))]
        for thread in threads:
            thread.start()
        self.stop.wait(self.args.seconds)
        self.stop.set()
        for thread in threads:
            thread.join()
        return time.monotonic() - started


def present_tokens(base: str) -> set[int]:
    query = f"SELECT ?n WHERE {{ GRAPH <{GRAPH}> {{ ?s <{GRAPH}/n> ?n }} }}"
    response = httpx.get(
        base + "/sparql", params={"query": query}, headers={"Accept": "application/sparql-results+json"}, timeout=60
    )
    response.raise_for_status()
    return {int(row["n"]["value"]) for row in response.json()["results"]["bindings"]}


def timeouts_metric(base: str) -> float:
    text = httpx.get(base + "/metrics", timeout=30).text
    match = re.search(r"^onteam_query_timeouts_total ([0-9.e+]+)$", text, re.MULTILINE)
    return float(match.group(1)) if match else float("nan")


def percentile(values: list[float], q: float) -> float:
    if not values:
        return float("nan")
    return statistics.quantiles(values, n=100, method="inclusive")[int(q) - 1] if len(values) > 1 else values[0]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--seconds", type=float, default=180, help="length of the mixed load (default 180)")
    parser.add_argument("--triples", type=int, default=100_000)
    parser.add_argument("--seed", type=int, default=42)
    parser.add_argument("--concurrency", type=int, default=4, help="clients sending normal queries")
    parser.add_argument("--workers", type=int, default=2, help="onteam serve --workers")
    parser.add_argument("--query-timeout", type=float, default=5, help="onteam serve --query-timeout (default 5)")
    parser.add_argument("--runaway-every", type=float, default=10, help="seconds between runaway queries")
    parser.add_argument("--write-every", type=float, default=1, help="seconds between writes")
    parser.add_argument("--sample-every", type=float, default=5, help="seconds between RSS samples")
    parser.add_argument("--queries", type=Path, default=SHARED / "queries")
    args = parser.parse_args()

    mix = load_mix(args.queries)
    with tempfile.TemporaryDirectory(prefix="onteam-soak-") as tmp:
        work = Path(tmp)
        data, store = work / "data.nt", work / "store"
        python = sys.executable
        subprocess.run(
            [python, str(SHARED / "gen.py"), "--triples", str(args.triples), "--seed", str(args.seed), "--out", str(data)],
            check=True,
        )
        subprocess.run([python, "-m", "server.cli", "load", "--store", str(store), str(data)], cwd=PROJECT, check=True)
        port = free_port()
        base = f"http://127.0.0.1:{port}"
        log = (work / "server.log").open("wb")
        serve = [python, "-m", "server.cli", "serve", "--host", "127.0.0.1", "--port", str(port), "--store", str(store)]
        serve += ["--update-token", TOKEN, "--workers", str(args.workers), "--query-timeout", str(args.query_timeout)]
        env = {**os.environ, "ONTEAM_ACCESS_LOG": "false"}
        server = subprocess.Popen(serve, cwd=PROJECT, stdout=log, stderr=subprocess.STDOUT, env=env)
        try:
            deadline = time.monotonic() + 120
            while True:
                try:
                    if httpx.get(base + "/ready", timeout=2).status_code == 200:
                        break
                except httpx.HTTPError:
                    pass
                if server.poll() is not None or time.monotonic() > deadline:
                    print((work / "server.log").read_text(), file=sys.stderr)
                    return 1
                time.sleep(0.2)
            soak = Soak(base, server.pid, mix, args)
            elapsed = soak.run()
            present = present_tokens(base)
            fired = timeouts_metric(base)
        finally:
            kids = descendants(server.pid)
            server.send_signal(signal.SIGTERM)
            server.wait(30)
        time.sleep(1)
        orphans = [k for k in kids if alive(k)]

    lost = sorted(soak.acknowledged - present)
    ok = len(soak.latencies)
    print(f"duration            {elapsed:.0f} s, {args.concurrency} clients, {args.workers} workers, {args.triples} triples")
    print(f"normal queries      {ok} answered 200, {ok / elapsed:.1f}/s")
    print(f"latency             p50 {percentile(soak.latencies, 50) * 1000:.1f} ms, p99 {percentile(soak.latencies, 99) * 1000:.1f} ms")
    print(f"normal by status    {dict(sorted(soak.statuses.items()))}")
    print(f"runaway by status   {dict(sorted(soak.runaways.items()))}")
    print(f"timeouts fired      {fired:g} (onteam_query_timeouts_total)")
    print(f"writes by status    {dict(sorted(soak.write_statuses.items()))}")
    print(f"acknowledged writes {len(soak.acknowledged)}, missing at the end: {len(lost)} {lost[:10]}")
    print(f"orphan processes    {len(orphans)}")
    print("RSS (MB)            time: server + workers (each)")
    for at, server_rss, kid_rss in soak.samples:
        each = " ".join(f"{r:.0f}" for r in kid_rss)
        print(f"  {at:6.0f} s          {server_rss:.0f} + [{each}] = {server_rss + sum(kid_rss):.0f}")
    return 0 if not lost and not orphans else 1


if __name__ == "__main__":
    sys.exit(main())
