"""Before measuring: each query once on each server, comparing the size of the answers.

This proves both servers see the same data the same way (and warms their caches).
"""

from __future__ import annotations

import json

import httpx

from .queries import Query
from .servers import Server


def answer_size(server: Server, query: Query, timeout: float = 300.0) -> str:
    """A short description of the answer: rows, boolean or triples; or the HTTP error."""
    response = httpx.post(
        server.url,
        content=query.text.encode("utf-8"),
        headers={"Content-Type": "application/sparql-query", "Accept": query.accept},
        timeout=timeout,
    )
    if response.status_code != 200:
        return f"HTTP {response.status_code}: {response.text[:200]}"
    if query.form in ("construct", "describe"):
        lines = response.content.count(b"\n")
        return f"{lines} triples"
    data = json.loads(response.content)
    if "boolean" in data:
        return f"boolean {str(data['boolean']).lower()}"
    return f"{len(data['results']['bindings'])} rows"


def compare(servers: list[Server], queries: list[Query], log=print) -> dict[str, dict[str, str]]:
    """Sizes per query per server; logs any query whose answers differ."""
    sizes: dict[str, dict[str, str]] = {}
    for query in queries:
        sizes[query.name] = {s.name: answer_size(s, query) for s in servers}
        values = set(sizes[query.name].values())
        mark = "ok" if len(values) == 1 else "MISMATCH"
        log(f"  {query.name:30} {mark:8} " + "  ".join(f"{k}: {v}" for k, v in sizes[query.name].items()))
    return sizes
