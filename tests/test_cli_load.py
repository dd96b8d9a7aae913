"""`onteam load`: all files parse or nothing is written; where triples go; a store in use."""

from __future__ import annotations

import gzip
import re
from collections.abc import Callable
from pathlib import Path

import pytest
from cli_run import DATA, assert_clean_failure, onteam, quad_count
from conftest import Server
from pyoxigraph import DefaultGraph, NamedNode, Store

from server.store import LoadError, rdf_format

GOOD = '<https://example.org/a> <https://example.org/p> "one" , "two" .\n'
BAD = '<https://example.org/b> <https://example.org/p> "fine" .\n<https://example.org/b> <https://example.org/p> "broken .\n'
TRIG = "<https://example.org/s> <https://example.org/p> 1 .\n<https://example.org/g> { <https://example.org/s> <https://example.org/p> 2 }\n"


def test_load_with_bad_second_file_leaves_store_unchanged(tmp_path: Path, make_root: Callable[..., Path]) -> None:
    store = tmp_path / "store"
    (tmp_path / "first.ttl").write_text(GOOD)
    assert onteam("load", "--store", str(store), str(tmp_path / "first.ttl")).returncode == 0
    before = quad_count(store)
    (tmp_path / "second.ttl").write_text(GOOD.replace("one", "three"))
    (tmp_path / "third.ttl").write_text(BAD)
    result = onteam("load", "--store", str(store), str(tmp_path / "second.ttl"), str(tmp_path / "third.ttl"))
    assert_clean_failure(result, 2)
    assert f"{tmp_path / 'third.ttl'}:2:" in result.stderr  # file:line:column
    assert "nothing was loaded" in result.stderr
    assert quad_count(store) == before


def test_load_triples_go_to_one_graph_per_file(tmp_path: Path) -> None:
    store = tmp_path / "store"
    (tmp_path / "people.ttl").write_text(GOOD)
    result = onteam("load", "--store", str(store), str(tmp_path / "people.ttl"))
    assert result.returncode == 0, result.stderr
    assert "https://w3id.org/onteam/graph/load/people" in result.stdout
    db = Store.read_only(str(store / "oxigraph"))
    assert len(list(db.quads_for_pattern(None, None, None, NamedNode("https://w3id.org/onteam/graph/load/people")))) == 2


def test_load_twice_replaces_the_graph_instead_of_growing_it(tmp_path: Path) -> None:
    store, path = tmp_path / "store", tmp_path / "x.ttl"
    path.write_text(GOOD)
    onteam("load", "--store", str(store), str(path))
    path.write_text('<https://example.org/a> <https://example.org/p> "only" .\n')
    assert onteam("load", "--store", str(store), str(path)).returncode == 0
    assert quad_count(store) == 1


def test_load_append_adds_to_the_graph(tmp_path: Path) -> None:
    store, path = tmp_path / "store", tmp_path / "x.ttl"
    path.write_text(GOOD)
    onteam("load", "--store", str(store), "--graph", "https://example.org/g", str(path))
    path.write_text('<https://example.org/a> <https://example.org/p> "more" .\n')
    assert onteam("load", "--store", str(store), "--append", "--graph", "https://example.org/g", str(path)).returncode == 0
    assert quad_count(store) == 3


def test_load_quads_file_keeps_its_graphs(tmp_path: Path) -> None:
    store, path = tmp_path / "store", tmp_path / "d.trig"
    path.write_text(TRIG)
    result = onteam("load", "--store", str(store), "--graph", "https://example.org/main", str(path))
    assert result.returncode == 0, result.stderr
    db = Store.read_only(str(store / "oxigraph"))
    graphs = {g.value for g in db.named_graphs()}
    assert graphs == {"https://example.org/main", "https://example.org/g"}


def test_load_into_a_source_graph_is_refused(tmp_path: Path) -> None:
    (tmp_path / "x.ttl").write_text(GOOD)
    result = onteam("load", "--store", str(tmp_path / "s"), "--graph",
                    "https://w3id.org/onteam/graph/data/instances", str(tmp_path / "x.ttl"))
    assert_clean_failure(result, 2)
    assert "source file" in result.stderr


def test_load_unknown_extension_is_usage_error(tmp_path: Path) -> None:
    (tmp_path / "x.docx").write_text(GOOD)
    result = onteam("load", "--store", str(tmp_path / "s"), str(tmp_path / "x.docx"))
    assert_clean_failure(result, 2)
    assert "unknown RDF file extension" in result.stderr


def test_load_missing_file_is_usage_error(tmp_path: Path) -> None:
    result = onteam("load", "--store", str(tmp_path / "s"), str(tmp_path / "nope.ttl"))
    assert_clean_failure(result, 2)
    assert "nope.ttl" in result.stderr


def test_loaded_data_is_served(tmp_path: Path, make_root: Callable[..., Path],
                               make_server: Callable[..., Server]) -> None:
    root, store = make_root(DATA), tmp_path / "served"
    (tmp_path / "extra.ttl").write_text(GOOD)
    assert onteam("load", "--store", str(store), str(tmp_path / "extra.ttl")).returncode == 0
    server = make_server("--store", str(store), root=root)
    response = server.client.get("/sparql", params={"query": 'ASK { <https://example.org/a> ?p "two" }'})
    assert response.json()["boolean"] is True


def test_load_while_served_fails_with_a_hint(tmp_path: Path, make_root: Callable[..., Path],
                                             make_server: Callable[..., Server]) -> None:
    store = tmp_path / "busy"
    make_server("--store", str(store), root=make_root(DATA))
    (tmp_path / "x.ttl").write_text(GOOD)
    result = onteam("load", "--store", str(store), str(tmp_path / "x.ttl"))
    assert_clean_failure(result, 1)
    assert "in use" in result.stderr
    assert "/store" in result.stderr and "SPARQL Update" in result.stderr


def test_big_load_through_bulk_loader_is_complete(tmp_path: Path) -> None:
    # The bulk path starts at 64 MiB; a unit test lowers the threshold on a real on-disk store.
    from server import store as store_module

    path = tmp_path / "big.nt"
    path.write_text("".join(f"<https://example.org/s{i}> <https://example.org/p> \"{i}\" .\n" for i in range(5000)))
    db = Store(str(tmp_path / "db"))
    plan = store_module.plan_load([path], "https://example.org/big")
    old = store_module.BULK_THRESHOLD
    store_module.BULK_THRESHOLD = 0
    try:
        counts = store_module.load_files(db, plan)
    finally:
        store_module.BULK_THRESHOLD = old
    assert counts == {"https://example.org/big": 5000}
    assert len(db) == 5000
    assert not [g for g in db.named_graphs() if g.value.startswith(store_module.SCRATCH_PREFIX)]


FORMATS = {
    ".ttl": GOOD,
    ".nt": GOOD.replace(' , "two"', ' .\n<https://example.org/a> <https://example.org/p> "two"'),
    ".nq": GOOD.replace(' , "two"', ' .\n<https://example.org/a> <https://example.org/p> "two"'),
    ".trig": "{ " + GOOD.strip().rstrip(".") + " }\n",
    ".rdf": """<?xml version="1.0"?>
<rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#" xmlns:ex="https://example.org/">
  <rdf:Description rdf:about="https://example.org/a"><ex:p>one</ex:p><ex:p>two</ex:p></rdf:Description>
</rdf:RDF>
""",
    ".jsonld": '{"@id": "https://example.org/a", "https://example.org/p": ["one", "two"]}',
}
FORMATS[".owl"] = FORMATS[".rdf"]  # Protégé's RDF/XML


@pytest.mark.parametrize("suffix", [*FORMATS, ".ttl.gz", ".rdf.gz"])
def test_load_each_rdf_format_by_extension(tmp_path: Path, suffix: str) -> None:
    store, path = tmp_path / "store", tmp_path / f"people{suffix}"
    text = FORMATS[suffix.removesuffix(".gz")]
    path.write_bytes(gzip.compress(text.encode()) if suffix.endswith(".gz") else text.encode())
    result = onteam("load", "--store", str(store), str(path))
    assert result.returncode == 0, result.stderr
    assert result.stdout == "2\thttps://w3id.org/onteam/graph/load/people\n"


def test_load_truncated_gzip_is_exit_2_and_store_unchanged(tmp_path: Path) -> None:
    store = tmp_path / "store"
    (tmp_path / "first.ttl").write_text(GOOD)
    assert onteam("load", "--store", str(store), str(tmp_path / "first.ttl")).returncode == 0
    (tmp_path / "cut.ttl.gz").write_bytes(gzip.compress(GOOD.encode() * 50)[:40])
    result = onteam("load", "--store", str(store), str(tmp_path / "cut.ttl.gz"))
    assert_clean_failure(result, 2)
    assert "cut.ttl.gz" in result.stderr and "nothing was loaded" in result.stderr
    assert quad_count(store) == 2


@pytest.mark.parametrize("graph", ["https://w3id.org/onteam/graph/data/instances", "urn:onteam:scratch:x"])
def test_load_quads_file_naming_a_reserved_graph_is_refused(tmp_path: Path, graph: str) -> None:
    (tmp_path / "sneak.nq").write_text(f'<https://example.org/a> <https://example.org/p> "x" <{graph}> .\n')
    result = onteam("load", "--store", str(tmp_path / "s"), str(tmp_path / "sneak.nq"))
    assert_clean_failure(result, 2)
    assert graph in result.stderr and "nothing was loaded" in result.stderr
    assert not (tmp_path / "s").exists()


@pytest.mark.parametrize("graph", ["https://example.org/a graph", "https://example.org/<g>"])
def test_load_graph_that_is_not_an_iri_is_exit_2(tmp_path: Path, graph: str) -> None:
    (tmp_path / "x.ttl").write_text(GOOD)
    result = onteam("load", "--store", str(tmp_path / "s"), "--graph", graph, str(tmp_path / "x.ttl"))
    assert_clean_failure(result, 2)
    assert "--graph" in result.stderr and "not an IRI" in result.stderr


def test_load_file_name_with_space_gets_a_percent_encoded_graph(tmp_path: Path) -> None:
    (tmp_path / "my people 100%.ttl").write_text(GOOD)
    result = onteam("load", "--store", str(tmp_path / "s"), str(tmp_path / "my people 100%.ttl"))
    assert result.returncode == 0, result.stderr
    assert result.stdout == "2\thttps://w3id.org/onteam/graph/load/my%20people%20100%25\n"


def test_load_directory_is_exit_2_saying_so(tmp_path: Path) -> None:
    (tmp_path / "folder.ttl").mkdir()
    result = onteam("load", "--store", str(tmp_path / "s"), str(tmp_path / "folder.ttl"))
    assert_clean_failure(result, 2)
    assert "is a directory" in result.stderr


def test_load_default_graph_option_puts_triples_in_the_default_graph(tmp_path: Path) -> None:
    store = tmp_path / "store"
    (tmp_path / "d.trig").write_text(TRIG)
    result = onteam("load", "--store", str(store), "--default-graph", str(tmp_path / "d.trig"))
    assert result.returncode == 0, result.stderr
    db = Store.read_only(str(store / "oxigraph"))
    assert len(list(db.quads_for_pattern(None, None, None, DefaultGraph()))) == 1
    assert {g.value for g in db.named_graphs()} == {"https://example.org/g"}


def test_load_default_graph_with_graph_is_exit_2(tmp_path: Path) -> None:
    (tmp_path / "x.ttl").write_text(GOOD)
    result = onteam("load", "--store", str(tmp_path / "s"), "--default-graph", "--graph", "https://example.org/g",
                    str(tmp_path / "x.ttl"))
    assert_clean_failure(result, 2)


def test_unknown_extension_message_names_exactly_the_extensions_that_load() -> None:
    with pytest.raises(LoadError) as refused:
        rdf_format("notes.yaml")
    named = set(re.findall(r"\.(\w+)", str(refused.value).split("use ", 1)[1])) - {"gz"}
    assert {"ttl", "nt", "nq", "trig", "rdf", "xml", "owl", "jsonld", "json", "n3"} <= named
    for extension in named:
        rdf_format(f"file.{extension}")  # each one named is read
        rdf_format(f"file.{extension}.gz")
