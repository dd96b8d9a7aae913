"""The embedded Oxigraph store: opening it, keeping the project's files in it, loading files.

Layout of a store directory (`--store PATH`): `oxigraph/` (the RocksDB database) and
`sources.json` (which source file went into which graph, with its SHA-256).

Each source file (`ontology/*.ttl`, `data/*.ttl`) lives in a named graph of its own,
`https://w3id.org/onteam/graph/<folder>/<stem>`. On start every changed source file is parsed
first (a bad file stops the start and leaves the store as it was), then the changed graphs are
replaced together. Graphs written by `onteam load`, the Graph Store Protocol or SPARQL Update
are never touched by this sync: it only writes graphs named in `sources.json` or by a file.
"""

from __future__ import annotations

import gzip
import hashlib
import json
import os
import re
import shutil
import uuid
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path

from pyoxigraph import BlankNode, DefaultGraph, NamedNode, Quad, RdfFormat, Store, parse

from . import trigscan
from .settings import Settings

ONTEAM_BASE = "https://w3id.org/onteam/"
GRAPH_BASE = ONTEAM_BASE + "graph/"
LOAD_GRAPH_BASE = GRAPH_BASE + "load/"
SOURCE_FOLDERS = ("ontology", "data")
DATABASE_DIR = "oxigraph"
STATE_FILE = "sources.json"
# Graphs that hold content while it is being written; a crash can leave one behind, and the
# next open removes it. Not under the public graph base, so no client can name one by accident.
SCRATCH_PREFIX = "urn:onteam:scratch:"

GraphName = NamedNode | DefaultGraph


class LoadError(Exception):
    """A file that could not be read or parsed: `str()` is `file:line:column: message`."""

    def __init__(self, source: str, message: str, line: int | None = None, column: int | None = None) -> None:
        self.source, self.message, self.line, self.column = source, message, line, column
        where = f":{line}:{column}" if line is not None else ""
        super().__init__(f"{source}{where}: {message}")


class StoreInUse(Exception):
    """Another process (most likely `onteam serve`) holds the store's write lock."""


def parse_error(source: str, exc: SyntaxError) -> LoadError:
    """Turn a pyoxigraph parse error into a LoadError with the position of its start."""
    message = exc.msg
    if "LoadDocumentCallback" in message:  # pyoxigraph's words for "a remote @context"
        message = "its JSON-LD @context is a remote document, which is never fetched; put the context in the file"
    return LoadError(source, message, exc.lineno, exc.offset)


def rdf_format(name: str) -> RdfFormat:
    """The RDF format of a file name (by extension, `.gz` looked through); LoadError if none."""
    path = Path(name)
    if path.suffix.lower() == ".gz":
        path = path.with_suffix("")
    suffix = path.suffix.lstrip(".").lower()
    # .owl is what Protégé and most ontology tools write: RDF/XML, which Oxigraph calls .rdf.
    fmt = RdfFormat.RDF_XML if suffix == "owl" else RdfFormat.from_extension(suffix) if suffix else None
    if fmt is None:
        raise LoadError(name, f"unknown RDF file extension {('.' + suffix) if suffix else '(none)'!r}; "
                        "use .ttl, .nt, .nq, .trig, .rdf, .xml, .owl, .jsonld, .json or .n3 (each also gzipped, .gz)")
    return fmt


def iter_quads(path: Path, *, rename_blank_nodes: bool = True) -> Iterator[Quad]:
    """Stream the quads of an RDF file (format by extension), raising LoadError with a position.

    Blank nodes get fresh ids so that two files' `_:b0` never become the same node.
    """
    fmt = rdf_format(path.name)
    try:
        if path.suffix.lower() == ".gz":
            with gzip.open(path, "rb") as stream:
                yield from parse(stream, format=fmt, rename_blank_nodes=rename_blank_nodes)
        else:
            yield from parse(path=str(path), format=fmt, rename_blank_nodes=rename_blank_nodes)
    except SyntaxError as exc:
        raise parse_error(str(path), exc) from None
    except (OSError, EOFError) as exc:  # gzip: BadGzipFile is an OSError, a cut file an EOFError
        raise LoadError(str(path), getattr(exc, "strerror", None) or str(exc) or type(exc).__name__) from None


def check_file(path: Path, *, allow_source: bool = False) -> int:
    """Parse a whole file without keeping it (memory stays flat); return its quad count.

    A quads file may not name a source graph (the next sync would overwrite it; `allow_source`
    lets a dump bring them back) nor a scratch graph (the next open would drop it): LoadError.
    """
    count = 0
    checked: set[object] = set()
    for q in iter_quads(path, rename_blank_nodes=False):
        count += 1
        graph = q.graph_name
        if isinstance(graph, BlankNode):  # an N3 formula: quoted, not asserted, and no graph holds it
            raise LoadError(str(path), "has N3 formulas ({ ... }), which are not RDF triples and cannot be stored")
        if isinstance(graph, NamedNode) and graph not in checked:
            checked.add(graph)
            _check_graph_name(path, graph, allow_source)
    return count


def _check_graph_name(path: Path, graph: NamedNode, allow_source: bool = False) -> None:
    if (is_source_graph(graph.value) and not allow_source) or graph.value.startswith(SCRATCH_PREFIX):
        raise LoadError(str(path), f"names the graph {graph}, which is reserved: "
                        "a source file's graph is replaced on the next start, a scratch graph dropped")


def read_quads(path: Path, graph: GraphName | None = None) -> list[Quad]:
    """Parse a whole RDF file; its triples go to `graph` (the default graph if None)."""
    return list(redirect(iter_quads(path), graph if graph is not None else DefaultGraph()))


def parse_data(data: bytes, fmt: RdfFormat, source: str, graph: GraphName, base_iri: str | None) -> list[Quad]:
    """Parse a request body holding ONE graph; its triples go to `graph`.

    A dataset format (TriG, N-Quads) is accepted only without named graphs. LoadError names
    `source`, line and column. Blank nodes get fresh ids, so a merge never joins two of them.
    """
    try:
        quads = parse(input=data, format=fmt, base_iri=base_iri, rename_blank_nodes=True,
                      without_named_graphs=fmt.supports_datasets)
        return list(redirect(quads, graph))
    except SyntaxError as exc:
        raise parse_error(source, exc) from None


def redirect(quads: Iterable[Quad], graph: GraphName) -> Iterator[Quad]:
    """Put the default-graph quads of `quads` into `graph`; named-graph quads keep theirs."""
    for q in quads:
        if isinstance(q.graph_name, DefaultGraph) and not isinstance(graph, DefaultGraph):
            yield Quad(q.subject, q.predicate, q.object, graph)
        else:
            yield q


def is_source_graph(iri: str) -> bool:
    """True for graph IRIs that the source sync owns (`.../graph/ontology/...`, `.../graph/data/...`)."""
    return any(iri.startswith(f"{GRAPH_BASE}{folder}/") for folder in SOURCE_FOLDERS)


def source_files(root: Path) -> dict[str, Path]:
    """Map graph IRI -> Turtle file for every source file of the project."""
    files: dict[str, Path] = {}
    for folder in SOURCE_FOLDERS:
        for path in sorted((root / folder).glob("*.ttl")):
            files[f"{GRAPH_BASE}{folder}/{path.stem}"] = path
    return files


def open_disk_store(path: Path) -> Store:
    """Open the read-write database of the store directory `path` (created if missing).

    Raises StoreInUse when another process holds it (RocksDB allows one writer process).
    """
    path.mkdir(parents=True, exist_ok=True)
    try:
        store = Store(str(path / DATABASE_DIR))
    except OSError as exc:
        if "lock" in str(exc).lower():
            raise StoreInUse(
                f"the store {path} is in use by another process (is `onteam serve` running on it?)"
            ) from None
        raise
    drop_scratch_graphs(store)
    return store


def open_store(settings: Settings, *, sync: bool = True) -> Store:
    """Open (or build on first start) the store and, if `sync`, bring the source graphs up to date.

    Raises LoadError (a source file does not parse; nothing was written) or StoreInUse.
    """
    if settings.memory:
        store = Store()
        if sync:
            sync_sources(store, settings.root, None)
        return store
    store = open_disk_store(settings.store)
    if sync:
        sync_sources(store, settings.root, settings.store / STATE_FILE)
    return store


def _read_state(state_path: Path | None) -> dict[str, dict[str, str]]:
    if state_path is None or not state_path.exists():
        return {}
    try:
        state = json.loads(state_path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}  # a damaged state file only costs a full rebuild of the source graphs
    graphs = state.get("graphs") if isinstance(state, dict) else None
    return {g: v for g, v in graphs.items() if isinstance(v, dict)} if isinstance(graphs, dict) else {}


def sync_sources(store: Store, root: Path, state_path: Path | None) -> list[str]:
    """Replace each source graph whose file changed since the last start; return their IRIs.

    All changed files are parsed before anything is written, so one bad file leaves every
    graph as it was; then all replacements happen in one transaction.
    """
    state = _read_state(state_path)
    files = source_files(root)
    changes: dict[GraphName, list[Quad]] = {}
    new_state = dict(state)
    for graph, path in files.items():
        digest = hashlib.sha256(path.read_bytes()).hexdigest()
        known = state.get(graph, {}).get("sha256")
        # Only a changed file counts: a source graph an update changed, emptied or dropped stays
        # so (updates persist); deleting sources.json rebuilds every source graph.
        if known != digest:
            changes[NamedNode(graph)] = read_quads(path, NamedNode(graph))
            new_state[graph] = {"file": path.relative_to(root).as_posix(), "sha256": digest}
    for graph in [g for g in state if g not in files]:
        changes[NamedNode(graph)] = []  # its file is gone: so is the graph
        del new_state[graph]
    if changes:
        replace_graphs(store, changes)
    if state_path is not None and (changes or new_state != state):
        _write_atomically(state_path, json.dumps({"version": 1, "graphs": new_state}, indent=2, sort_keys=True))
    return [g.value for g in changes if isinstance(g, NamedNode)]


def replace_graph(store: Store, graph: NamedNode, paths: Iterable[Path]) -> int:
    """Replace `graph` with the triples of `paths` (all parsed first); return the quad count."""
    quads = [q for path in paths for q in read_quads(path, graph)]
    replace_graphs(store, {graph: quads})
    return len(quads)


def _graph_ref(graph: object) -> str:
    """How SPARQL Update names a graph: `DEFAULT` or `GRAPH <iri>`."""
    return "DEFAULT" if isinstance(graph, DefaultGraph) else f"GRAPH {graph}"


def stage_and_swap(
    store: Store, quads: Iterable[Quad], targets: Iterable[GraphName], *, append: bool = False, bulk: bool = False,
    empty: Iterable[NamedNode] = (),
) -> dict[str, int]:
    """Write `quads` so that every graph they name (and every one of `targets`) changes at once.

    The quads go to scratch graphs first (`bulk` streams them through the bulk loader, which
    is fast and memory-flat but not transactional); one SPARQL update then MOVEs (or, with
    `append`, ADDs) every scratch graph into place in a single transaction. A target that got
    no quad is emptied (replace) or left alone (append). Each of `empty` (a TriG file's
    `<g> { }`) is a target too, and exists, empty or not, afterwards. If anything fails before that
    update, the scratch graphs are dropped and the store is as it was. Scratch graphs are
    visible to concurrent readers, so a running server uses `write_graphs_now` instead.
    Returns quad counts per graph IRI (`""` for the default graph).
    """
    scratch: dict[GraphName, NamedNode] = {}
    counts: dict[str, int] = {}
    empty = list(empty)
    for graph in [*targets, *empty]:
        scratch.setdefault(graph, NamedNode(SCRATCH_PREFIX + uuid.uuid4().hex))

    def staged() -> Iterator[Quad]:
        for q in quads:
            temp = scratch.get(q.graph_name)
            if temp is None:
                temp = scratch[q.graph_name] = NamedNode(SCRATCH_PREFIX + uuid.uuid4().hex)
            key = _name(q.graph_name)
            counts[key] = counts.get(key, 0) + 1
            yield Quad(q.subject, q.predicate, q.object, temp)

    try:
        if bulk:
            store.bulk_extend(staged())
        else:
            store.extend(list(staged()))
        operations = []
        for graph, temp in scratch.items():
            counts.setdefault(_name(graph), 0)
            if store.contains_named_graph(temp):
                verb = "ADD" if append else "MOVE"
                operations.append(f"{verb} SILENT GRAPH {temp} TO {_graph_ref(graph)}")
                operations.append(f"DROP SILENT GRAPH {temp}")
            elif not append:
                operations.append(f"DROP SILENT {_graph_ref(graph)}")
        operations += [f"CREATE SILENT GRAPH {graph}" for graph in empty]
        if operations:
            store.update(" ;\n".join(operations))
    except BaseException:
        for temp in scratch.values():
            store.remove_graph(temp) if store.contains_named_graph(temp) else None
        raise
    return counts


def replace_graphs(store: Store, contents: Mapping[GraphName, Iterable[Quad]]) -> None:
    """Replace each graph of `contents` (graph -> its quads) with its quads, all at once."""
    stage_and_swap(
        store,
        (Quad(q.subject, q.predicate, q.object, g) for g, qs in contents.items() for q in qs),
        contents.keys(),
    )


def write_graphs_now(store: Store, contents: Mapping[GraphName, list[Quad]], *, append: bool) -> None:
    """Replace (or add to) graphs in ONE update, so concurrent readers see before or after.

    Used by the running server: no scratch graph ever shows up in a query's union default
    graph. The quads travel as N-Triples terms inside INSERT DATA, which SPARQL reads back
    exactly (blank nodes get fresh ids, as a merge needs).
    """
    operations = []
    for graph, quads in contents.items():
        if not append:
            operations.append(f"DROP SILENT {_graph_ref(graph)}")
        if not isinstance(graph, DefaultGraph):
            # An empty PUT or POST still leaves the graph in place (empty), as the client asked.
            operations.append(f"CREATE SILENT GRAPH {graph}")
        if quads:
            triples = " .\n".join(f"{_node(q.subject)} {q.predicate} {_node(q.object)}" for q in quads)
            body = triples if isinstance(graph, DefaultGraph) else f"GRAPH {graph} {{\n{triples} }}"
            operations.append(f"INSERT DATA {{\n{body} }}")
    if operations:
        store.update(" ;\n".join(operations))


def _node(term: object) -> str:
    # Blank nodes keep their (already fresh) ids; everything else prints as N-Triples.
    return f"_:{term.value}" if isinstance(term, BlankNode) else str(term)


def drop_scratch_graphs(store: Store) -> None:
    """Remove scratch graphs that an interrupted load left behind."""
    for graph in list(store.named_graphs()):
        if isinstance(graph, NamedNode) and graph.value.startswith(SCRATCH_PREFIX):
            store.remove_graph(graph)


@dataclass(frozen=True)
class LoadPlan:
    """What `onteam load` will do: each file and the graph its triples go to."""

    files: tuple[tuple[Path, GraphName], ...]
    total_bytes: int
    empty: tuple[NamedNode, ...] = ()  # named graphs a TriG file writes as `<g> { }`


def load_graph_for(path: Path) -> NamedNode:
    """The named graph a loaded file's triples go to without --graph: `.../graph/load/<stem>`.

    The stem is taken after `.gz`: `people.ttl.gz` goes to `.../load/people`, as `people.ttl`.
    """
    name = path.name[:-3] if path.name.lower().endswith(".gz") else path.name
    # Characters an IRI may not hold (`my file.ttl`) are percent-encoded, as is `%` itself.
    stem = re.sub(r'[\x00-\x20<>"{}|\\^`%]', lambda m: f"%{ord(m.group()):02X}", Path(name).stem)
    return NamedNode(LOAD_GRAPH_BASE + stem)


def plan_load(paths: Iterable[Path], graph: str | GraphName | None, *, allow_source: bool = False) -> LoadPlan:
    """Check the files (they exist and parse: each is parsed in full now) and pick their graphs.

    `graph` (an IRI, or DefaultGraph for the store's default graph) takes every file's triples;
    without it each file gets its own graph (`load_graph_for`). `allow_source` accepts source
    graphs in quads files (a dump loaded back).
    """
    files = []
    total = 0
    empty: dict[NamedNode, None] = {}
    for path in paths:
        fmt = rdf_format(path.name)
        if not path.is_file():
            raise LoadError(str(path), "is a directory" if path.is_dir() else "no such file")
        check_file(path, allow_source=allow_source)
        if fmt == RdfFormat.TRIG:
            for name in trigscan.empty_graphs_in_file(path):
                _check_graph_name(path, name, allow_source)
                empty[name] = None
        target: GraphName = (
            load_graph_for(path) if not graph else NamedNode(graph) if isinstance(graph, str) else graph
        )
        files.append((path, target))
        total += path.stat().st_size
    return LoadPlan(tuple(files), total, tuple(empty))


QUADS_FORMATS = frozenset({RdfFormat.N_QUADS, RdfFormat.TRIG})  # formats whose files name graphs
BULK_THRESHOLD = 64 * 1024 * 1024  # bytes of input above which the bulk loader is used


def load_files(store: Store, plan: LoadPlan, *, append: bool = False) -> dict[str, int]:
    """Write planned files: every graph they write (their target, and a quads file's own graphs)
    is replaced by what the files say (added to, with `append`), all at once.

    Small inputs are staged in one transaction; big ones stream through the bulk loader (see
    `stage_and_swap`). Returns quad counts per graph (`""` for the default graph).
    """
    quads = (q for path, target in plan.files for q in redirect(iter_quads(path), target))
    # A quads file writes its own graphs, and its target only if it has default-graph triples
    # (the quads then name it): replacing the target regardless would empty an unrelated graph.
    targets = [target for path, target in plan.files if rdf_format(path.name) not in QUADS_FORMATS]
    return stage_and_swap(store, quads, targets, append=append, bulk=plan.total_bytes > BULK_THRESHOLD,
                          empty=plan.empty)


def _name(graph: object) -> str:
    return "" if isinstance(graph, DefaultGraph) else str(getattr(graph, "value", graph))


def backup_store(store: Store, store_dir: Path, target: Path) -> None:
    """A consistent copy of an open on-disk store into the new directory `target` (same layout).

    RocksDB checkpoints hard-link the immutable files when `target` is on the same file
    system, so this is cheap; the copy is consistent even while the store is being written.
    """
    target.mkdir(parents=True)
    try:
        store.backup(str(target / DATABASE_DIR))
        if (store_dir / STATE_FILE).exists():
            shutil.copy2(store_dir / STATE_FILE, target / STATE_FILE)
    except BaseException:
        shutil.rmtree(target, ignore_errors=True)
        raise


def forget_sources(store_dir: Path, graphs: Iterable[str]) -> None:
    """Drop `graphs` from the sync state, so the next start rebuilds them from their files."""
    state_path = store_dir / STATE_FILE
    state = _read_state(state_path)
    kept = {g: v for g, v in state.items() if g not in set(graphs)}
    if kept != state:
        _write_atomically(state_path, json.dumps({"version": 1, "graphs": kept}, indent=2, sort_keys=True))


def _write_atomically(path: Path, text: str) -> None:
    tmp = path.with_name(path.name + ".tmp")
    with tmp.open("w", encoding="utf-8") as out:
        out.write(text)
        out.flush()
        os.fsync(out.fileno())
    os.replace(tmp, path)
