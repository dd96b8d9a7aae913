"""`onteam dump`, `backup` and `restore`: the whole store out and back in, unchanged."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest
from cli_run import DATA, assert_clean_failure, onteam, quad_count
from conftest import Server
from pyoxigraph import DefaultGraph, RdfFormat, Store, parse
from rdflib import Graph
from rdflib.compare import isomorphic

TOKEN = "backup-token"
TRIG = """\
@prefix ex: <https://example.org/> .
ex:s ex:p "default graph", [ ex:q "blank node in default" ] .
ex:g1 { ex:s ex:p "g1"@en ; ex:r [ ex:q 1.5 ] . }
ex:g2 { [] ex:p "tab\\t and \\"quote\\"" ; ex:p "한국어"@ko . }
"""


def dataset(text: str, fmt: RdfFormat) -> dict[str, Graph]:
    """Graph name (`""` for the default graph) -> its triples as an rdflib Graph."""
    lines: dict[str, list[str]] = {}
    for q in parse(input=text.encode(), format=fmt):
        name = "" if isinstance(q.graph_name, DefaultGraph) else str(q.graph_name)
        lines.setdefault(name, []).append(f"{q.subject} {q.predicate} {q.object} .")
    return {name: Graph().parse(data="\n".join(triples), format="nt") for name, triples in lines.items()}


def assert_same_dataset(a: dict[str, Graph], b: dict[str, Graph]) -> None:
    """Same graphs, each isomorphic (blank nodes may be renamed)."""
    assert set(a) == set(b)
    for name in a:
        assert isomorphic(a[name], b[name]), name


@pytest.fixture
def filled(tmp_path: Path) -> Path:
    store = tmp_path / "store"
    (tmp_path / "all.trig").write_text(TRIG)
    (tmp_path / "data.ttl").write_text(DATA)
    assert onteam("load", "--store", str(store), str(tmp_path / "all.trig"), str(tmp_path / "data.ttl")).returncode == 0
    return store


@pytest.mark.parametrize(("fmt", "ext", "rdf"), [("nquads", "nq", RdfFormat.N_QUADS), ("trig", "trig", RdfFormat.TRIG)])
def test_dump_round_trips_into_a_fresh_store(filled: Path, tmp_path: Path, fmt: str, ext: str, rdf: RdfFormat) -> None:
    out = tmp_path / f"dump.{ext}"
    assert onteam("dump", "--store", str(filled), "--format", fmt, "-o", str(out)).returncode == 0
    fresh = tmp_path / "fresh"
    assert onteam("load", "--store", str(fresh), str(out)).returncode == 0
    assert quad_count(fresh) == quad_count(filled)
    again = onteam("dump", "--store", str(fresh), "--format", fmt)
    assert_same_dataset(dataset(out.read_text(), rdf), dataset(again.stdout, rdf))


def test_dump_includes_every_graph(filled: Path) -> None:
    out = onteam("dump", "--store", str(filled)).stdout
    assert "<https://example.org/g1>" in out and "<https://example.org/g2>" in out
    assert "<https://w3id.org/onteam/graph/load/data>" in out
    # A quads file's own default graph went to its per-file graph.
    assert any(line.endswith("<https://w3id.org/onteam/graph/load/all> .") and "default graph" in line
               for line in out.splitlines())


def test_backup_and_restore_round_trip(filled: Path, tmp_path: Path) -> None:
    backup = tmp_path / "backup"
    assert onteam("backup", "--store", str(filled), str(backup)).returncode == 0
    before = onteam("dump", "--store", str(filled)).stdout
    (tmp_path / "later.ttl").write_text("<https://example.org/later> <https://example.org/p> 1 .\n")
    onteam("load", "--store", str(filled), str(tmp_path / "later.ttl"))
    assert "later" in onteam("dump", "--store", str(filled)).stdout
    result = onteam("restore", "--store", str(filled), str(backup))
    assert result.returncode == 0, result.stderr
    after = onteam("dump", "--store", str(filled)).stdout
    assert_same_dataset(dataset(before, RdfFormat.N_QUADS), dataset(after, RdfFormat.N_QUADS))
    assert not (filled.parent / "store.restoring").exists()


def test_restore_into_a_new_directory(filled: Path, tmp_path: Path) -> None:
    onteam("backup", "--store", str(filled), str(tmp_path / "b"))
    assert onteam("restore", "--store", str(tmp_path / "new"), str(tmp_path / "b")).returncode == 0
    assert quad_count(tmp_path / "new") == quad_count(filled)


def test_backup_into_an_existing_directory_is_refused(filled: Path, tmp_path: Path) -> None:
    (tmp_path / "exists").mkdir()
    assert_clean_failure(onteam("backup", "--store", str(filled), str(tmp_path / "exists")), 2)


def test_restore_of_something_that_is_no_backup_is_refused(filled: Path, tmp_path: Path) -> None:
    (tmp_path / "junk").mkdir()
    assert_clean_failure(onteam("restore", "--store", str(filled), str(tmp_path / "junk")), 2)


def test_live_store_backup_goes_through_the_server_and_restore_waits(
    tmp_path: Path, make_root: Callable[..., Path], make_server: Callable[..., Server]
) -> None:
    store = tmp_path / "live"
    server = make_server("--store", str(store), "--update-token", TOKEN, root=make_root(DATA))
    server.client.put("/store", params={"graph": "https://example.org/live"}, content="<https://example.org/a> <https://example.org/b> 7 .",
                      headers={"Content-Type": "text/turtle", "Authorization": f"Bearer {TOKEN}"})

    offline = onteam("backup", "--store", str(store), str(tmp_path / "nope"))
    assert_clean_failure(offline, 1)
    assert "--url" in offline.stderr
    assert not (tmp_path / "nope").exists()

    refused = onteam("backup", "--url", server.base, "--token", "wrong", str(tmp_path / "bad"))
    assert_clean_failure(refused, 1)
    assert "403" in refused.stderr

    live = onteam("backup", "--url", server.base, "--token", TOKEN, str(tmp_path / "copy"))
    assert live.returncode == 0, live.stderr
    assert (tmp_path / "copy" / "sources.json").exists()

    busy = onteam("restore", "--store", str(store), str(tmp_path / "copy"))
    assert_clean_failure(busy, 1)
    assert "in use" in busy.stderr
    server.stop()
    assert quad_count(tmp_path / "copy") == quad_count(store)
    assert "<https://example.org/live>" in onteam("dump", "--store", str(tmp_path / "copy")).stdout


WITH_EMPTY = TRIG + """\
ex:empty { }
GRAPH ex:g3 { _:shared ex:p "in g3" }
_:shared ex:p "the same node in the default graph" .
"""


def graph_names(store: Path) -> set[str]:
    return {g.value for g in Store.read_only(str(store / "oxigraph")).named_graphs()}


@pytest.mark.parametrize("fmt", ["nquads", "trig"])
def test_dump_loaded_back_with_default_graph_is_the_same_dataset(tmp_path: Path, fmt: str) -> None:
    first, again = tmp_path / "first", tmp_path / "again"
    (tmp_path / "all.trig").write_text(WITH_EMPTY)
    assert onteam("load", "--store", str(first), "--default-graph", str(tmp_path / "all.trig")).returncode == 0
    out = tmp_path / f"dump.{'nq' if fmt == 'nquads' else 'trig'}"
    dumped = onteam("dump", "--store", str(first), "--format", fmt, "-o", str(out))
    assert dumped.returncode == 0, dumped.stderr
    assert onteam("load", "--store", str(again), "--default-graph", str(out)).returncode == 0
    rdf = RdfFormat.N_QUADS if fmt == "nquads" else RdfFormat.TRIG
    redumped = onteam("dump", "--store", str(again), "--format", fmt).stdout
    assert "" in dataset(redumped, rdf)  # the default graph stayed the default graph
    assert_same_dataset(dataset(out.read_text(), rdf), dataset(redumped, rdf))
    if fmt == "trig":
        assert graph_names(again) == graph_names(first) == {
            "https://example.org/g1", "https://example.org/g2", "https://example.org/g3", "https://example.org/empty"}
    else:
        assert "https://example.org/empty" not in graph_names(again)
        assert "N-Quads cannot hold the 1 empty named graph(s) (<https://example.org/empty>)" in dumped.stderr


def test_dump_keeps_a_blank_node_shared_between_graphs(tmp_path: Path) -> None:
    first, again = tmp_path / "first", tmp_path / "again"
    (tmp_path / "all.trig").write_text(WITH_EMPTY)
    assert onteam("load", "--store", str(first), "--default-graph", str(tmp_path / "all.trig")).returncode == 0
    (tmp_path / "dump.nq").write_text(onteam("dump", "--store", str(first)).stdout)
    assert onteam("load", "--store", str(again), "--default-graph", str(tmp_path / "dump.nq")).returncode == 0
    shared = Store.read_only(str(again / "oxigraph")).query(
        'ASK { GRAPH <https://example.org/g3> { ?b ?p "in g3" } ?b ?p "the same node in the default graph" }')
    assert bool(shared)


def test_trig_empty_graph_inside_a_string_or_comment_is_no_graph(tmp_path: Path) -> None:
    (tmp_path / "tricky.trig").write_text(
        '@prefix ex: <https://example.org/> .\n'
        'ex:s ex:p """ <https://example.org/no1> { } """ . # <https://example.org/no2> { }\n'
        'ex:yes {\n}\n'
    )
    store = tmp_path / "store"
    result = onteam("load", "--store", str(store), str(tmp_path / "tricky.trig"))
    assert result.returncode == 0, result.stderr
    assert graph_names(store) == {"https://example.org/yes", "https://w3id.org/onteam/graph/load/tricky"}


def test_trig_empty_source_graph_is_refused(tmp_path: Path) -> None:
    (tmp_path / "sneak.trig").write_text("<https://w3id.org/onteam/graph/data/instances> { }\n")
    result = onteam("load", "--store", str(tmp_path / "store"), str(tmp_path / "sneak.trig"))
    assert_clean_failure(result, 2)
    assert "reserved" in result.stderr


def test_dump_into_a_missing_directory_is_exit_2(filled: Path, tmp_path: Path) -> None:
    result = onteam("dump", "--store", str(filled), "-o", str(tmp_path / "no" / "dump.nq"))
    assert_clean_failure(result, 2)
    assert f"{tmp_path / 'no'} does not exist" in result.stderr
