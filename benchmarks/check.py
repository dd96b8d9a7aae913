"""Before measuring: each query once on each server, comparing the size of the answers.

This proves both servers see the same data the same way (and warms their caches).
"""

from __future__ import annotations

import json
import time

import httpx

from .loadgen import send
from .queries import Query
from .servers import Server


def answer_size(
    server: Server, query: Query, timeout: float = 600.0
) -> tuple[str, float]:
    """Describe the answer (rows, boolean or triples; or the HTTP error) and time it.

    After one warm-up request, up to 5 more (fewer if slow); the time is the fastest, which
    is robust to other load on the machine.
    """
    times = []
    with httpx.Client(timeout=timeout) as client:
        for attempt in range(6):
            started = time.perf_counter()
            response = send(client, server, query)
            if attempt:
                times.append(time.perf_counter() - started)
            if sum(times) > 2.0:
                break
    return _describe(query, response), min(times)


def _describe(query: Query, response: httpx.Response) -> str:
    if response.status_code != 200:
        return f"HTTP {response.status_code}: {response.text[:200]}"
    if query.form in ("construct", "describe"):
        lines = response.content.count(b"\n")
        return f"{lines} triples"
    data = json.loads(response.content)
    if "boolean" in data:
        return f"boolean {str(data['boolean']).lower()}"
    return f"{len(data['results']['bindings'])} rows"


def compare(
    servers: list[Server], queries: list[Query], log=print
) -> dict[str, dict[str, dict]]:
    """Answer size and warm single-request seconds per query per server; flags differing answers."""
    found: dict[str, dict[str, dict]] = {}
    for query in queries:
        found[query.name] = {}
        for server in servers:
            size, seconds = answer_size(server, query)
            found[query.name][server.name] = {
                "answer": size,
                "seconds": round(seconds, 4),
            }
        answers = {v["answer"] for v in found[query.name].values()}
        mark = "ok" if len(answers) == 1 else "MISMATCH"
        log(
            f"  {query.name:30} {mark:8} "
            + "  ".join(
                f"{k}: {v['answer']} in {1000 * v['seconds']:.1f} ms"
                for k, v in found[query.name].items()
            )
        )
    return found
