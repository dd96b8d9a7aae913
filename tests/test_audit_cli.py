"""Acceptance audit of the command line: edge cases the other CLI tests do not reach."""

from __future__ import annotations

import os
import socket
import stat
from collections.abc import Callable
from pathlib import Path

import pytest
from cli_run import DATA, assert_clean_failure, onteam, quad_count
from conftest import free_port
from pyoxigraph import NamedNode, Store

from server.settings import Settings
from server.store import STATE_FILE, open_store

TRIPLES = '<https://example.org/t> <https://example.org/p> "from the triples file" .\n'
QUADS = '<https://example.org/q> <https://example.org/p> "q" <https://example.org/g> .\n'


def test_load_quads_file_leaves_the_graph_named_after_its_stem_alone(tmp_path: Path) -> None:
    # `c.nt` fills .../load/c; `c.nq` only writes its own graphs, so .../load/c must stay.
    store = tmp_path / "store"
    (tmp_path / "c.nt").write_text(TRIPLES)
    (tmp_path / "c.nq").write_text(QUADS)
    assert onteam("load", "--store", str(store), str(tmp_path / "c.nt")).returncode == 0
    result = onteam("load", "--store", str(store), str(tmp_path / "c.nq"))
    assert result.returncode == 0, result.stderr
    assert result.stdout == "1\thttps://example.org/g\n"  # no "0 .../load/c": nothing went there
    db = Store.read_only(str(store / "oxigraph"))
    assert len(list(db.quads_for_pattern(None, None, None, NamedNode("https://w3id.org/onteam/graph/load/c")))) == 1


def test_load_quads_file_with_graph_option_leaves_that_graph_alone_without_default_triples(tmp_path: Path) -> None:
    store = tmp_path / "store"
    (tmp_path / "a.nt").write_text(TRIPLES)
    (tmp_path / "b.nq").write_text(QUADS)
    assert onteam("load", "--store", str(store), "--graph", "https://example.org/main", str(tmp_path / "a.nt")).returncode == 0
    result = onteam("load", "--store", str(store), "--graph", "https://example.org/main", str(tmp_path / "b.nq"))
    assert result.returncode == 0, result.stderr
    db = Store.read_only(str(store / "oxigraph"))
    assert len(list(db.quads_for_pattern(None, None, None, NamedNode("https://example.org/main")))) == 1


@pytest.fixture
def loaded(tmp_path: Path) -> Path:
    store = tmp_path / "store"
    (tmp_path / "x.nt").write_text(TRIPLES)
    assert onteam("load", "--store", str(store), str(tmp_path / "x.nt")).returncode == 0
    return store


def test_dump_to_a_directory_is_exit_2_and_leaves_no_file_behind(loaded: Path, tmp_path: Path) -> None:
    target = tmp_path / "out"
    target.mkdir()
    before = sorted(os.listdir(tmp_path))
    result = onteam("dump", "--store", str(loaded), "-o", str(target))
    assert_clean_failure(result, 2)
    assert "is a directory" in result.stderr
    assert sorted(os.listdir(tmp_path)) == before  # no half-written temporary file beside it


def test_dump_file_gets_the_usual_permissions_not_private_ones(loaded: Path, tmp_path: Path) -> None:
    # A dump is meant to be shared (published, loaded elsewhere): the mode follows the umask
    # as any file a shell redirection writes, not the 0600 of a temporary file.
    target = tmp_path / "all.nq"
    result = onteam("dump", "--store", str(loaded), "-o", str(target))
    assert result.returncode == 0, result.stderr
    umask = os.umask(0)
    os.umask(umask)
    assert stat.S_IMODE(target.stat().st_mode) == 0o666 & ~umask


@pytest.mark.parametrize("value", ["not-a-url", "ftp://example.org", "https://", "https://example.org/?x=1", "https://example.org/#top"])
def test_serve_public_base_that_is_no_http_origin_is_exit_2(tmp_path: Path, value: str) -> None:
    for args, env in ((["--public-base", value], {}), ([], {"ONTEAM_PUBLIC_BASE": value})):
        result = onteam("serve", "--store", str(tmp_path / "store"), "--port", str(free_port()), *args, env=env)
        assert_clean_failure(result, 2)
        assert "--public-base or ONTEAM_PUBLIC_BASE" in result.stderr
        assert not (tmp_path / "store").exists()  # refused before the store was opened


def test_serve_on_a_port_in_use_is_one_line_and_exit_1(tmp_path: Path) -> None:
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        result = onteam("serve", "--memory", "--port", str(port))
    assert_clean_failure(result, 1)
    assert f"127.0.0.1:{port}" in result.stderr and "in use" in result.stderr


def test_serve_on_a_host_that_does_not_resolve_is_exit_2(tmp_path: Path) -> None:
    result = onteam("serve", "--memory", "--host", "no-such-host.invalid", "--port", str(free_port()))
    assert_clean_failure(result, 2)
    assert "--host or ONTEAM_HOST" in result.stderr


def test_load_n3_formula_is_exit_2_and_store_unchanged(tmp_path: Path) -> None:
    store = tmp_path / "store"
    (tmp_path / "x.nt").write_text(TRIPLES)
    assert onteam("load", "--store", str(store), str(tmp_path / "x.nt")).returncode == 0
    (tmp_path / "rule.n3").write_text(
        "@prefix ex: <https://example.org/> .\n{ ex:a ex:b ex:c } ex:implies { ex:d ex:e ex:f } .\n")
    result = onteam("load", "--store", str(store), str(tmp_path / "x.nt"), str(tmp_path / "rule.n3"))
    assert_clean_failure(result, 2)
    assert f"{tmp_path / 'rule.n3'}" in result.stderr and "N3 formulas" in result.stderr
    assert quad_count(store) == 1


def test_query_file_and_stdin_with_a_utf8_byte_order_mark_run(loaded: Path, tmp_path: Path) -> None:
    text = "\ufeffASK { ?s ?p ?o }\n"
    (tmp_path / "bom.rq").write_bytes(text.encode("utf-8"))
    for args, stdin in ((["-f", str(tmp_path / "bom.rq")], None), (["-"], text)):
        result = onteam("query", "--store", str(loaded), "--format", "csv", *args, stdin=stdin)
        assert result.returncode == 0, result.stderr
        assert result.stdout.strip() == "true"


def test_dump_of_the_project_store_loads_back_with_default_graph(tmp_path: Path, make_root: Callable[..., Path]) -> None:
    # The README's round trip on a store `onteam serve` built: it holds the source graphs.
    root = make_root(DATA)
    served = tmp_path / "served"
    (tmp_path / "extra.ttl").write_text(TRIPLES)
    assert onteam("load", "--store", str(served), str(tmp_path / "extra.ttl")).returncode == 0
    synced = open_store(Settings(store=served, root=root))  # the source sync `onteam serve` runs first
    del synced  # closes the store
    dump = tmp_path / "all.trig"
    assert onteam("dump", "--store", str(served), "--format", "trig", "-o", str(dump)).returncode == 0
    fresh = tmp_path / "fresh"
    result = onteam("load", "--store", str(fresh), "--default-graph", str(dump))
    assert result.returncode == 0, result.stderr
    first = sorted(onteam("dump", "--store", str(served)).stdout.splitlines())
    again = sorted(onteam("dump", "--store", str(fresh)).stdout.splitlines())
    assert any("/graph/data/instances>" in line for line in first)
    assert first == again


def test_dump_loaded_into_a_synced_store_leaves_its_source_graphs_to_the_next_start(
    tmp_path: Path, make_root: Callable[..., Path]
) -> None:
    root, store = make_root(DATA), tmp_path / "store"
    built = open_store(Settings(store=store, root=root))  # the source sync `onteam serve` runs first
    del built  # closes the store
    dump = tmp_path / "old.nq"
    dump.write_text('<https://example.org/x> <https://example.org/p> "stale" <https://w3id.org/onteam/graph/data/instances> .\n')
    result = onteam("load", "--store", str(store), "--default-graph", str(dump))
    assert result.returncode == 0, result.stderr
    assert "rebuilds them" in result.stderr
    assert "graph/data/instances" not in (store / STATE_FILE).read_text()
    synced = open_store(Settings(store=store, root=root))  # the next start: the file wins again
    assert not synced.query('ASK { ?s ?p "stale" }')
    assert synced.query('ASK { GRAPH <https://w3id.org/onteam/graph/data/instances> { ?s ?p "KT"@en } }')


def test_load_jsonld_with_a_remote_context_says_so(tmp_path: Path) -> None:
    (tmp_path / "remote.jsonld").write_text('{"@context": "https://schema.org/", "@id": "https://example.org/a", "name": "a"}')
    result = onteam("load", "--store", str(tmp_path / "store"), str(tmp_path / "remote.jsonld"))
    assert_clean_failure(result, 2)
    assert "remote" in result.stderr and "@context" in result.stderr
    assert "LoadDocumentCallback" not in result.stderr  # the library's internals, not the user's words


@pytest.mark.parametrize("how", ["option", "environment"])
def test_validate_root_that_does_not_exist_is_exit_2(tmp_path: Path, how: str) -> None:
    missing = str(tmp_path / "no-project")
    result = onteam("validate", *(["--root", missing] if how == "option" else []),
                    env={"ONTEAM_ROOT": missing} if how == "environment" else None)
    assert_clean_failure(result, 2)
    assert "no-project" in result.stderr
