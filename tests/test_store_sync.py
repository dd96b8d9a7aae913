"""The source sync on start: changed files replace their graphs; nothing else is touched."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from cli_run import DATA, assert_clean_failure, onteam, quad_count
from conftest import Server, free_port
from pyoxigraph import NamedNode, Quad, Store

from server.store import SCRATCH_PREFIX, open_disk_store

TOKEN = "sync-token"
INSTANCES = "https://w3id.org/onteam/graph/data/instances"


def ask(server: Server, query: str) -> bool:
    response = server.client.get("/sparql", params={"query": query})
    assert response.status_code == 200, response.text
    return bool(response.json()["boolean"])


def test_changed_source_is_replaced_and_loaded_graphs_stay(
    tmp_path: Path, make_root: Callable[..., Path], make_server: Callable[..., Server]
) -> None:
    root, store = make_root(DATA), tmp_path / "store"
    server = make_server("--store", str(store), "--update-token", TOKEN, root=root)
    put = server.client.put(
        "/store", params={"graph": "https://example.org/written"}, content='<https://example.org/w> <https://example.org/p> 1 .',
        headers={"Content-Type": "text/turtle", "Authorization": f"Bearer {TOKEN}"},
    )
    assert put.status_code == 201
    server.stop()
    (tmp_path / "extra.ttl").write_text('<https://example.org/l> <https://example.org/p> 2 .\n')
    assert onteam("load", "--store", str(store), str(tmp_path / "extra.ttl")).returncode == 0
    (root / "data" / "instances.ttl").write_text(DATA.replace('"KT"@en', '"KT Corporation"@en'))

    server = make_server("--store", str(store), root=root)
    assert ask(server, 'ASK { GRAPH <%s> { ?s ?p "KT Corporation"@en } }' % INSTANCES)
    assert not ask(server, 'ASK { ?s ?p "KT"@en }')
    assert ask(server, "ASK { GRAPH <https://example.org/written> { ?s ?p 1 } }")
    assert ask(server, "ASK { GRAPH <https://w3id.org/onteam/graph/load/extra> { ?s ?p 2 } }")


def test_unchanged_source_graph_is_not_rewritten(
    tmp_path: Path, make_root: Callable[..., Path], make_server: Callable[..., Server]
) -> None:
    root, store = make_root(DATA), tmp_path / "store"
    server = make_server("--store", str(store), "--update-token", TOKEN, root=root)
    post = server.client.post(
        "/graph/data/instances", content='<https://example.org/note> <https://example.org/p> "kept" .',
        headers={"Content-Type": "text/turtle", "Authorization": f"Bearer {TOKEN}"},
    )
    assert post.status_code == 204
    server.stop()
    server = make_server("--store", str(store), root=root)
    assert ask(server, 'ASK { <https://example.org/note> ?p "kept" }')


def test_removed_source_file_drops_its_graph(
    tmp_path: Path, make_root: Callable[..., Path], make_server: Callable[..., Server]
) -> None:
    root, store = make_root(DATA), tmp_path / "store"
    (root / "data" / "more.ttl").write_text('<https://example.org/m> <https://example.org/p> 3 .\n')
    make_server("--store", str(store), root=root).stop()
    (root / "data" / "more.ttl").unlink()
    server = make_server("--store", str(store), root=root)
    assert not ask(server, "ASK { GRAPH <https://w3id.org/onteam/graph/data/more> { ?s ?p ?o } }")
    assert ask(server, "ASK { GRAPH <%s> { ?s ?p ?o } }" % INSTANCES)


def test_bad_source_file_stops_start_and_keeps_store(
    tmp_path: Path, make_root: Callable[..., Path], make_server: Callable[..., Server]
) -> None:
    root, store = make_root(DATA), tmp_path / "store"
    make_server("--store", str(store), root=root).stop()
    before = quad_count(store)
    (root / "ontology" / "onteam.ttl").write_text("@prefix ot: <https://w3id.org/onteam/ontology#> .\not:A a ot:B .\n")
    (root / "data" / "instances.ttl").write_text(DATA + "<https://example.org/x> <https://example.org/p> .\n")
    result = onteam("serve", "--store", str(store), "--port", str(free_port()), root=root)
    assert_clean_failure(result, 2)
    assert f"{root / 'data' / 'instances.ttl'}:7:" in result.stderr
    assert quad_count(store) == before  # the changed, good ontology file was not written either


def test_leftover_scratch_graphs_are_dropped_on_open(tmp_path: Path) -> None:
    (tmp_path / "s").mkdir()
    db = Store(str(tmp_path / "s" / "oxigraph"))
    scratch = NamedNode(SCRATCH_PREFIX + "left-by-a-crash")
    db.add(Quad(NamedNode("https://example.org/s"), NamedNode("https://example.org/p"), NamedNode("https://example.org/o"), scratch))
    del db
    reopened = open_disk_store(tmp_path / "s")
    assert not reopened.contains_named_graph(scratch)


def test_damaged_state_file_rebuilds_source_graphs(
    tmp_path: Path, make_root: Callable[..., Path], make_server: Callable[..., Server]
) -> None:
    root, store = make_root(DATA), tmp_path / "store"
    make_server("--store", str(store), root=root).stop()
    (store / "sources.json").write_text("{not json")
    server = make_server("--store", str(store), root=root)
    assert ask(server, 'ASK { GRAPH <%s> { ?s ?p "KT"@en } }' % INSTANCES)


def test_source_graph_dropped_by_an_update_stays_dropped_until_its_file_changes(
    tmp_path: Path, make_root: Callable[..., Path], make_server: Callable[..., Server]
) -> None:
    root, store = make_root(DATA), tmp_path / "store"
    server = make_server("--store", str(store), "--update-token", TOKEN, root=root)
    dropped = server.client.post(
        "/sparql", content=f"DROP GRAPH <{INSTANCES}>",
        headers={"Content-Type": "application/sparql-update", "Authorization": f"Bearer {TOKEN}"},
    )
    assert dropped.status_code == 204, dropped.text
    server.stop()
    server = make_server("--store", str(store), root=root)
    assert not ask(server, "ASK { GRAPH <%s> { ?s ?p ?o } }" % INSTANCES)  # the update persisted
    server.stop()
    (root / "data" / "instances.ttl").write_text(DATA.replace('"KT"@en', '"KT Corporation"@en'))
    server = make_server("--store", str(store), root=root)
    assert ask(server, 'ASK { GRAPH <%s> { ?s ?p "KT Corporation"@en } }' % INSTANCES)
