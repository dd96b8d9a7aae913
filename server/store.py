"""The embedded Oxigraph store: opening it, and keeping the project's files in it.

Each source file (`ontology/*.ttl`, `data/*.ttl`) lives in a named graph of its own,
`https://w3id.org/onteam/graph/<folder>/<stem>`. On start a graph whose file changed is
replaced in one transaction; graphs written by `onteam load` or by updates are never touched.
"""

from __future__ import annotations

import hashlib
import json
import os
from collections.abc import Iterable
from pathlib import Path

from pyoxigraph import DefaultGraph, NamedNode, Quad, RdfFormat, Store, parse

from .settings import Settings

ONTEAM_BASE = "https://w3id.org/onteam/"
GRAPH_BASE = ONTEAM_BASE + "graph/"
SOURCE_FOLDERS = ("ontology", "data")
STATE_FILE = "sources.json"


class LoadError(Exception):
    """A file that could not be parsed; the message names file, line and column."""


def source_files(root: Path) -> dict[str, Path]:
    """Map graph IRI -> Turtle file for every source file of the project."""
    files: dict[str, Path] = {}
    for folder in SOURCE_FOLDERS:
        for path in sorted((root / folder).glob("*.ttl")):
            files[f"{GRAPH_BASE}{folder}/{path.stem}"] = path
    return files


def open_store(settings: Settings) -> Store:
    """Open (or build on first start) the store and bring the source graphs up to date."""
    if settings.memory:
        store = Store()
        sync_sources(store, settings.root, None)
        return store
    settings.store.mkdir(parents=True, exist_ok=True)
    store = Store(str(settings.store / "oxigraph"))
    sync_sources(store, settings.root, settings.store / STATE_FILE)
    return store


def sync_sources(store: Store, root: Path, state_path: Path | None) -> list[str]:
    """Replace each source graph whose file changed since the last start; return their IRIs."""
    state: dict[str, str] = {}
    if state_path is not None and state_path.exists():
        state = json.loads(state_path.read_text(encoding="utf-8"))
    files = source_files(root)
    replaced = []
    for graph, path in files.items():
        digest = hashlib.sha256(path.read_bytes()).hexdigest()
        if state.get(graph) != digest or not store.contains_named_graph(NamedNode(graph)):
            replace_graph(store, NamedNode(graph), [path])
            state[graph] = digest
            replaced.append(graph)
    for graph in [g for g in state if g not in files]:
        store.remove_graph(NamedNode(graph))
        del state[graph]
        replaced.append(graph)
    if state_path is not None and replaced:
        _write_atomically(state_path, json.dumps(state, indent=2, sort_keys=True))
    return replaced


def read_quads(path: Path, graph: NamedNode | None = None) -> list[Quad]:
    """Parse a whole RDF file; triples go to `graph` (default graph if None).

    Raises LoadError naming the file, line and column of the first syntax error.
    """
    try:
        fmt = RdfFormat.from_extension(path.suffix.lstrip(".").lower())
        if fmt is None:
            raise LoadError(f"{path}: unknown RDF file extension {path.suffix!r}")
        target = graph if graph is not None else DefaultGraph()
        return [
            Quad(q.subject, q.predicate, q.object, target if isinstance(q.graph_name, DefaultGraph) else q.graph_name)
            for q in parse(path=str(path), format=fmt)
        ]
    except SyntaxError as exc:
        where = f"line {exc.lineno} column {exc.offset}" if exc.lineno else "unknown position"
        raise LoadError(f"{path}: {where}: {exc.msg}") from None
    except OSError as exc:
        raise LoadError(f"{path}: {exc.strerror or exc}") from None


def replace_graph(store: Store, graph: NamedNode, paths: Iterable[Path]) -> int:
    """Atomically replace `graph` with the triples of `paths`; return the number of quads.

    Everything is parsed before the store is touched; the new content goes to a scratch
    graph that a single MOVE (one transaction) puts in place, so readers never see a mix.
    """
    quads = [q for path in paths for q in read_quads(path, graph)]
    scratch = NamedNode(graph.value + "#loading")
    store.remove_graph(scratch) if store.contains_named_graph(scratch) else None
    if not quads:
        store.update(f"DROP SILENT GRAPH <{graph.value}>")
        return 0
    store.extend(Quad(q.subject, q.predicate, q.object, scratch) for q in quads)
    store.update(f"MOVE SILENT GRAPH <{scratch.value}> TO GRAPH <{graph.value}>")
    return len(quads)


def _write_atomically(path: Path, text: str) -> None:
    tmp = path.with_suffix(path.suffix + ".tmp")
    tmp.write_text(text, encoding="utf-8")
    os.replace(tmp, path)
