"""Checkpoints of an in-memory store: a fresh on-disk store holding exactly the same dataset."""

from __future__ import annotations

import os
import subprocess
import sys
import tempfile
from pathlib import Path

import pytest
from pyoxigraph import BlankNode, DefaultGraph, Literal, NamedNode, Quad, Store, Triple

from server.checkpoints import backup, copy_to_disk, for_store, temporary_folder

P = NamedNode("http://example.org/p")
G = NamedNode("http://example.org/g")


def test_copy_keeps_blank_node_identity_across_graphs(tmp_path: Path) -> None:
    store = Store()
    node = BlankNode("shared")
    store.add(Quad(node, P, Literal("in the default graph"), DefaultGraph()))
    store.add(Quad(NamedNode("http://example.org/s"), P, node, G))
    copy_to_disk(store, tmp_path / "copy")
    copy = Store(str(tmp_path / "copy"))
    assert set(copy) == set(store)
    # The same blank node links both graphs, as in the original.
    [row] = copy.query("SELECT ?o WHERE { ?b ?p ?o GRAPH ?g { ?s ?p ?b } }")
    assert row["o"] == Literal("in the default graph")


def test_copy_keeps_triple_terms(tmp_path: Path) -> None:
    store = Store()
    quoted = Triple(NamedNode("http://example.org/a"), P, NamedNode("http://example.org/b"))
    store.add(Quad(NamedNode("http://example.org/r"), P, quoted, G))
    copy_to_disk(store, tmp_path / "copy")
    assert set(Store(str(tmp_path / "copy"))) == set(store)


def test_copy_keeps_empty_named_graphs(tmp_path: Path) -> None:
    store = Store()
    store.add_graph(NamedNode("http://example.org/empty"))
    store.add(Quad(NamedNode("http://example.org/s"), P, Literal(1), G))
    copy_to_disk(store, tmp_path / "copy")
    copy = Store(str(tmp_path / "copy"))
    assert set(copy.named_graphs()) == {NamedNode("http://example.org/empty"), G}


def test_copy_of_an_empty_store_opens_as_an_empty_store(tmp_path: Path) -> None:
    copy_to_disk(Store(), tmp_path / "copy")
    assert len(Store(str(tmp_path / "copy"))) == 0


def test_copy_is_closed_so_its_folder_can_be_opened_again(tmp_path: Path) -> None:
    store = Store()
    store.add(Quad(NamedNode("http://example.org/s"), P, Literal(1), DefaultGraph()))
    copy_to_disk(store, tmp_path / "copy")
    # RocksDB refuses a second opening of a folder that is still open (its LOCK file).
    first = Store(str(tmp_path / "copy"))
    assert len(first) == 1


def test_on_disk_stores_are_backed_up_and_in_memory_ones_copied() -> None:
    assert for_store(memory=False) is backup
    assert for_store(memory=True) is copy_to_disk


def test_temporary_folder_sweeps_those_of_servers_no_longer_running(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(tempfile, "tempdir", str(tmp_path))
    ended = subprocess.Popen([sys.executable, "-c", "pass"])
    ended.wait()
    killed = tmp_path / f"onteam-{ended.pid}-abc"  # a server killed before it could clean up
    alive = tmp_path / f"onteam-{os.getppid()}-def"  # a server still running
    other = tmp_path / "onteam-web-ghi"  # not a checkpoint folder
    for folder in (killed, alive, other):
        (folder / "gen-0").mkdir(parents=True)
    fresh = temporary_folder()
    assert fresh.parent == tmp_path
    assert fresh.name.startswith(f"onteam-{os.getpid()}-")
    assert sorted(p.name for p in tmp_path.iterdir()) == sorted([alive.name, other.name, fresh.name])
