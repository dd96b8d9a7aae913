"""`onteam query`: the query from an argument, a file or stdin; every result format."""

from __future__ import annotations

import csv
import io
import json
import subprocess
import sys
from pathlib import Path

import pytest
from cli_run import DATA, PROJECT_ROOT, assert_clean_failure, onteam
from pyoxigraph import RdfFormat, parse

SELECT = "PREFIX ot: <https://w3id.org/onteam/ontology#> SELECT ?m WHERE { ?c ot:hasMember ?m } ORDER BY ?m"
CONSTRUCT = "PREFIX ot: <https://w3id.org/onteam/ontology#> CONSTRUCT { ?c ot:hasMember ?m } WHERE { ?c ot:hasMember ?m }"
MEMBERS = ["https://w3id.org/onteam/id/kaist", "https://w3id.org/onteam/id/kt"]


@pytest.fixture(scope="module")
def store(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """An on-disk store holding the small fixture graph, loaded through the CLI."""
    folder = tmp_path_factory.mktemp("query")
    (folder / "data.ttl").write_text(DATA)
    assert onteam("load", "--store", str(folder / "store"), str(folder / "data.ttl")).returncode == 0
    return folder / "store"


def members_from(fmt: str, out: str) -> list[str]:
    if fmt == "json":
        return [b["m"]["value"] for b in json.loads(out)["results"]["bindings"]]
    if fmt == "csv":
        return [row["m"] for row in csv.DictReader(io.StringIO(out))]
    if fmt == "tsv":
        return [line.strip("<>") for line in out.splitlines()[1:]]
    assert fmt == "xml"
    return [part.split("</uri>")[0] for part in out.split("<uri>")[1:]]


@pytest.mark.parametrize("fmt", ["json", "xml", "csv", "tsv"])
def test_select_from_argument_in_each_result_format(store: Path, fmt: str) -> None:
    result = onteam("query", "--store", str(store), "--format", fmt, SELECT)
    assert result.returncode == 0, result.stderr
    assert members_from(fmt, result.stdout) == MEMBERS


@pytest.mark.parametrize(
    ("fmt", "rdf"),
    [("turtle", RdfFormat.TURTLE), ("nt", RdfFormat.N_TRIPLES), ("rdfxml", RdfFormat.RDF_XML),
     ("jsonld", RdfFormat.JSON_LD), ("nq", RdfFormat.N_QUADS), ("trig", RdfFormat.TRIG)],
)
def test_construct_in_each_rdf_format(store: Path, fmt: str, rdf: RdfFormat) -> None:
    result = onteam("query", "--store", str(store), "--format", fmt, CONSTRUCT)
    assert result.returncode == 0, result.stderr
    assert sorted(q.object.value for q in parse(input=result.stdout.encode(), format=rdf)) == MEMBERS


def test_query_from_file(store: Path, tmp_path: Path) -> None:
    (tmp_path / "q.rq").write_text(SELECT)
    result = onteam("query", "--store", str(store), "-f", str(tmp_path / "q.rq"), "--format", "csv")
    assert members_from("csv", result.stdout) == MEMBERS


@pytest.mark.parametrize("args", [["-"], []])
def test_query_from_stdin(store: Path, args: list[str]) -> None:
    result = onteam("query", "--store", str(store), *args, stdin="ASK { ?s ?p ?o }")
    assert result.returncode == 0, result.stderr
    assert json.loads(result.stdout)["boolean"] is True


def test_default_format_is_sparql_json_for_select(store: Path) -> None:
    result = onteam("query", "--store", str(store), SELECT)
    assert members_from("json", result.stdout) == MEMBERS


def test_query_sees_the_union_of_graphs_as_default(store: Path) -> None:
    # The data sits in graph .../load/data, yet a plain pattern finds it (as on /sparql).
    result = onteam("query", "--store", str(store), "ASK { <https://w3id.org/onteam/id/kt> ?p ?o }")
    assert json.loads(result.stdout)["boolean"] is True


def test_syntax_error_gives_line_and_column_and_exit_2(store: Path) -> None:
    result = onteam("query", "--store", str(store), "SELECT * WHERE {\n  ?s ?p \n}")
    assert_clean_failure(result, 2)
    assert "line 3, column" in result.stderr
    assert len(result.stderr.strip().splitlines()) == 1


def test_unknown_format_is_exit_2(store: Path) -> None:
    assert_clean_failure(onteam("query", "--store", str(store), "--format", "yaml", SELECT), 2)


def test_result_format_for_the_wrong_kind_is_exit_2(store: Path) -> None:
    assert_clean_failure(onteam("query", "--store", str(store), "--format", "csv", CONSTRUCT), 2)


def test_query_and_file_together_is_exit_2(store: Path, tmp_path: Path) -> None:
    (tmp_path / "q.rq").write_text(SELECT)
    assert_clean_failure(onteam("query", "--store", str(store), "-f", str(tmp_path / "q.rq"), SELECT), 2)


def test_memory_store_is_built_from_the_sources(tmp_path: Path) -> None:
    root = tmp_path / "root"
    (root / "data").mkdir(parents=True)
    (root / "data" / "instances.ttl").write_text(DATA)
    result = onteam("query", "--memory", "ASK { GRAPH <https://w3id.org/onteam/graph/data/instances> { ?s ?p ?o } }", root=root)
    assert json.loads(result.stdout)["boolean"] is True


@pytest.mark.parametrize("command", [["query", "ASK {}"], ["dump"], ["backup", "target"]])
def test_read_command_on_a_missing_store_is_exit_2_and_creates_nothing(tmp_path: Path, command: list[str]) -> None:
    missing = tmp_path / "typo"
    args = [*command[:-1], "--store", str(missing), str(tmp_path / command[-1])] if command[0] == "backup" \
        else [command[0], "--store", str(missing), *command[1:]]
    result = onteam(*args)
    assert_clean_failure(result, 2)
    assert f"no store at {missing}" in result.stderr
    assert not missing.exists()


@pytest.mark.parametrize("how", ["file", "stdin"])
def test_query_that_is_not_utf8_is_exit_2(store: Path, tmp_path: Path, how: str) -> None:
    body = "ASK { ?s ?p \"caf\xe9\" }".encode("latin-1")
    if how == "file":
        (tmp_path / "q.rq").write_bytes(body)
        result = onteam("query", "--store", str(store), "-f", str(tmp_path / "q.rq"))
    else:
        result = subprocess.run([sys.executable, "-m", "server.cli", "query", "--store", str(store)], cwd=PROJECT_ROOT, check=False,
                                input=body, capture_output=True)
        result = subprocess.CompletedProcess(result.args, result.returncode, result.stdout.decode(), result.stderr.decode())
    assert_clean_failure(result, 2)
    assert "not UTF-8" in result.stderr and "0xe9" in result.stderr


def test_unknown_format_lists_the_format_names(store: Path) -> None:
    result = onteam("query", "--store", str(store), "--format", "yaml", "ASK {}")
    assert_clean_failure(result, 2)
    assert "json, xml, csv or tsv" in result.stderr and "turtle" in result.stderr


def test_update_given_to_query_says_it_is_an_update(store: Path) -> None:
    result = onteam("query", "--store", str(store), "PREFIX ex: <https://example.org/> INSERT DATA { ex:a ex:b ex:c }")
    assert_clean_failure(result, 2)
    assert "SPARQL Update" in result.stderr and "/sparql" in result.stderr
