"""Helpers for the engine tests: small data, the processes a server started."""

from __future__ import annotations

from pathlib import Path


def small_graph(triples: int) -> str:
    """Turtle with `triples` triples <http://example.org/s{i}> <http://example.org/p> i."""
    return "".join(f"<http://example.org/s{i}> <http://example.org/p> {i} .\n" for i in range(triples))


def _parents() -> dict[int, int]:
    """The parent of every living process (from /proc), zombies excluded."""
    parents: dict[int, int] = {}
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            stat = (entry / "stat").read_text()
        except OSError:
            continue  # gone meanwhile
        # The command name may hold spaces and parentheses: fields start after the last ')'.
        fields = stat[stat.rindex(")") + 2 :].split()
        if fields[0] != "Z":
            parents[int(entry.name)] = int(fields[1])
    return parents


def direct_children(pid: int) -> list[int]:
    """The living children of process `pid`."""
    return sorted(child for child, parent in _parents().items() if parent == pid)


def children(pid: int) -> list[int]:
    """Every living descendant of process `pid` (from /proc), zombies excluded."""
    parents = _parents()
    found: list[int] = []
    frontier = [pid]
    while frontier:
        current = frontier.pop()
        kids = [child for child, parent in parents.items() if parent == current]
        found += kids
        frontier += kids
    return sorted(found)
