"""Benchmark data: generate it, and build the same dataset into both servers' stores.

Both stores hold the same quads in the same named graphs, and both servers query the
union of the named graphs as the default graph (onteam always does without a dataset in
the request; `oxigraph serve` is started with `--union-default-graph`).

* Scales `100k`, `1m`, ... : `gen.py --triples N --seed 42` writes N-Triples into
  `benchmarks/data/`. onteam's store is pre-built with pyoxigraph's `bulk_load` straight
  into `<store>/oxigraph` (the layout `server/store.py` opens), in the named graph
  `https://w3id.org/onteam/graph/bench/<stem>`, and the server runs with an empty project
  root (`ONTEAM_ROOT`) so only that graph is there. oxigraph's store is built with
  `oxigraph load --graph` into the same graph IRI. Both stores are then compacted
  (`Store.optimize()` / `oxigraph optimize`), so neither reads an uncompacted layout. Both
  are built once and reused while the `.nt` file is unchanged.
* Scale `article`: the project's own `ontology/*.ttl` and `data/*.ttl`. onteam builds its
  store itself on start (its normal path); oxigraph gets each file loaded into the graph IRI
  onteam gives it (`server.store.source_files`). Rebuilt every run (tiny).
"""

from __future__ import annotations

import json
import re
import shutil
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

PROJECT_ROOT = Path(__file__).resolve().parent.parent
DATA_DIR = PROJECT_ROOT / "benchmarks" / "data"
GEN = Path("/work/shared/bench/gen.py")
SEED = 42
BENCH_GRAPH_BASE = "https://w3id.org/onteam/graph/bench/"
_SCALE = re.compile(r"^(\d+)([km]?)$")


@dataclass(frozen=True)
class Dataset:
    """Where each server's store and the onteam project root are for one scale."""

    scale: str
    onteam_store: Path
    onteam_root: Path
    oxigraph_store: Path
    triples: int | None  # None when not known up front (article)


def triples_for(scale: str) -> int:
    """`100k` -> 100000, `1m` -> 1000000."""
    match = _SCALE.match(scale.lower())
    if not match:
        raise ValueError(
            f"scale {scale!r} is neither 'article' nor a size like 100k or 1m"
        )
    number, unit = int(match.group(1)), match.group(2)
    return number * {"": 1, "k": 1_000, "m": 1_000_000}[unit]


def prepare(
    scale: str, gen: Path = GEN, oxigraph_bin: str = "oxigraph", log=print
) -> Dataset:
    """Generate (if needed) and build both stores for `scale`; return where they are."""
    if scale == "article":
        return _prepare_article(oxigraph_bin, log)
    triples = triples_for(scale)
    DATA_DIR.mkdir(parents=True, exist_ok=True)
    nt = DATA_DIR / f"data-{scale.lower()}.nt"
    if not nt.exists():
        log(f"generating {nt.name} ({triples} triples, seed {SEED})")
        subprocess.run(
            [
                sys.executable,
                str(gen),
                "--triples",
                str(triples),
                "--seed",
                str(SEED),
                "--out",
                str(nt),
            ],
            check=True,
        )
    base = DATA_DIR / "stores" / scale.lower()
    stamp = {
        "layout": 2,
        "file": nt.name,
        "size": nt.stat().st_size,
        "mtime_ns": nt.stat().st_mtime_ns,
    }
    dataset = Dataset(
        scale, base / "onteam", base / "empty-root", base / "oxigraph", triples
    )
    stamp_file = base / "built.json"
    if stamp_file.exists() and json.loads(stamp_file.read_text()) == stamp:
        return dataset
    shutil.rmtree(base, ignore_errors=True)
    dataset.onteam_root.mkdir(parents=True)
    graph = BENCH_GRAPH_BASE + nt.stem
    log(f"building onteam store (pyoxigraph bulk_load into <{graph}>)")
    _bulk_load_onteam(nt, dataset.onteam_store, graph)
    log(f"building oxigraph store (oxigraph load --graph <{graph}>)")
    _oxigraph_load(oxigraph_bin, dataset.oxigraph_store, nt, graph)
    subprocess.run(
        [oxigraph_bin, "optimize", "--location", str(dataset.oxigraph_store)],
        check=True,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    stamp_file.write_text(json.dumps(stamp))
    return dataset


def _bulk_load_onteam(nt: Path, store_dir: Path, graph: str) -> None:
    from pyoxigraph import NamedNode, RdfFormat, Store

    store_dir.mkdir(parents=True, exist_ok=True)
    store = Store(str(store_dir / "oxigraph"))
    store.bulk_load(path=str(nt), format=RdfFormat.N_TRIPLES, to_graph=NamedNode(graph))
    store.optimize()
    store.flush()
    del store  # releases the RocksDB lock before the server opens it


def _oxigraph_load(oxigraph_bin: str, location: Path, file: Path, graph: str) -> None:
    location.mkdir(parents=True, exist_ok=True)
    subprocess.run(
        [
            oxigraph_bin,
            "load",
            "--location",
            str(location),
            "--file",
            str(file),
            "--graph",
            graph,
        ],
        check=True,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )


def _prepare_article(oxigraph_bin: str, log) -> Dataset:
    sys.path.insert(0, str(PROJECT_ROOT))
    from server.store import source_files

    base = DATA_DIR / "stores" / "article"
    shutil.rmtree(base, ignore_errors=True)
    dataset = Dataset("article", base / "onteam", PROJECT_ROOT, base / "oxigraph", None)
    files = source_files(PROJECT_ROOT)
    log(f"article graph: {len(files)} source files; onteam builds its store on start")
    for graph, path in files.items():
        _oxigraph_load(oxigraph_bin, dataset.oxigraph_store, path, graph)
    dataset.oxigraph_store.mkdir(parents=True, exist_ok=True)
    return dataset
