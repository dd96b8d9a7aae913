"""MAX_RESULTS over HTTP: every answer holds at most that many solutions or triples, and says so.

Small answers say it with the `OnTeam-Truncated: true` header; streamed ones (over CHUNK_SIZE, the
headers already sent) say it in the body where the format allows; CSV, TSV and JSON-LD are held
back up to the cap so that they always carry the header. Both store modes are run: on disk
and `--memory` (each with its worker pool).
"""

from __future__ import annotations

import csv
import io
import json
import re
import xml.etree.ElementTree as ET
from collections.abc import Callable, Iterator
from pathlib import Path

import httpx
import pyoxigraph
import pytest
import rdflib
from pyoxigraph import QueryResultsFormat, RdfFormat

from conftest import Server, start_server
from server.engine import CHUNK_SIZE
from sparql_support import write_root

CAP = 3
EX = "http://example.org/"
BIG = CHUNK_SIZE // 3 + 1  # characters per big literal: three of them pass the first chunk
DATA = (
    "".join(f"<{EX}s{i}> <{EX}p> {i} .\n" for i in range(5))
    + "".join(f'<{EX}b{i}> <{EX}text> "{chr(97 + i) * BIG}" .\n' for i in range(5))
)
SAVED = {"all": f"SELECT ?s ?o WHERE {{ ?s <{EX}p> ?o }}\n"}
FIVE = f"SELECT ?s ?o WHERE {{ ?s <{EX}p> ?o }}"
THREE = f"SELECT ?s ?o WHERE {{ ?s <{EX}p> ?o FILTER(?o < 3) }}"
FOUR = f"SELECT ?s ?o WHERE {{ ?s <{EX}p> ?o FILTER(?o < 4) }}"
BIG_SELECT = f"SELECT ?t WHERE {{ ?s <{EX}text> ?t }}"
CONSTRUCT = f"CONSTRUCT WHERE {{ ?s <{EX}p> ?o }}"
BIG_CONSTRUCT = f"CONSTRUCT WHERE {{ ?s <{EX}text> ?o }}"
TRUNCATED = "onteam-truncated"

SELECT_FORMATS = {
    "application/sparql-results+json": QueryResultsFormat.JSON,
    "application/sparql-results+xml": QueryResultsFormat.XML,
    "text/csv": QueryResultsFormat.CSV,
    "text/tab-separated-values": QueryResultsFormat.TSV,
}
GRAPH_FORMATS = {
    "text/turtle": RdfFormat.TURTLE,
    "application/n-triples": RdfFormat.N_TRIPLES,
    "application/ld+json": RdfFormat.JSON_LD,
    "application/rdf+xml": RdfFormat.RDF_XML,
}


def _root(base: Path) -> Path:
    root = write_root(base, data=DATA, ontology="")
    for name, text in SAVED.items():
        (root / "queries" / f"{name}.rq").write_text(text, encoding="utf-8")
    return root


@pytest.fixture(scope="module", params=["pool", "memory"])
def capped(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    """A server with MAX_RESULTS=3, on each kind of store."""
    root = _root(tmp_path_factory.mktemp("root"))
    args = ("--memory",) if request.param == "memory" else ()
    running = start_server(tmp_path_factory.mktemp("server"), *args, root=root, env={"ONTEAM_MAX_RESULTS": str(CAP)})
    yield running
    running.stop()


def ask(server: Server, query: str, accept: str, **params: str) -> httpx.Response:
    response = server.client.post(
        "/sparql", data={"query": query, **params}, headers={"Accept": accept, "Accept-Encoding": "identity"}
    )
    assert response.status_code == 200, response.text
    return response


def rows_of(response: httpx.Response, fmt: QueryResultsFormat) -> list[tuple[str | None, ...]]:
    """The solutions of an answer, as term strings; CSV (which pyoxigraph cannot read) by the csv module."""
    if fmt == QueryResultsFormat.CSV:
        lines = list(csv.reader(io.StringIO(response.text, newline="")))
        return [tuple(line) for line in lines[1:]]
    solutions = pyoxigraph.parse_query_results(response.content, format=fmt)
    return [tuple(None if term is None else str(term) for term in row) for row in solutions]


def triples_of(response: httpx.Response, fmt: RdfFormat) -> list[pyoxigraph.Triple]:
    return list(pyoxigraph.parse(response.content, format=fmt))


# -- SELECT ------------------------------------------------------------------------------


@pytest.mark.parametrize("media", list(SELECT_FORMATS))
def test_select_longer_than_the_cap_is_cut_and_says_so(capped: Server, media: str) -> None:
    response = ask(capped, FIVE, media)
    assert len(rows_of(response, SELECT_FORMATS[media])) == CAP
    assert response.headers[TRUNCATED] == "true"


@pytest.mark.parametrize("media", list(SELECT_FORMATS))
def test_select_of_exactly_the_cap_is_not_marked_truncated(capped: Server, media: str) -> None:
    response = ask(capped, THREE, media)
    assert len(rows_of(response, SELECT_FORMATS[media])) == CAP
    assert TRUNCATED not in response.headers


def test_select_one_past_the_cap_is_marked_truncated(capped: Server) -> None:
    response = ask(capped, FOUR, "application/sparql-results+json")
    assert len(response.json()["results"]["bindings"]) == CAP
    assert response.headers[TRUNCATED] == "true"


def test_select_with_a_limit_within_the_cap_is_not_marked_truncated(capped: Server) -> None:
    response = ask(capped, FIVE + " LIMIT 2", "application/sparql-results+json")
    assert len(response.json()["results"]["bindings"]) == 2
    assert TRUNCATED not in response.headers


def test_select_with_a_limit_above_the_cap_is_cut(capped: Server) -> None:
    response = ask(capped, FIVE + " LIMIT 10", "application/sparql-results+json")
    assert len(response.json()["results"]["bindings"]) == CAP
    assert response.headers[TRUNCATED] == "true"


def test_subquery_limit_within_the_cap_does_not_let_the_outer_query_pass(capped: Server) -> None:
    query = f"SELECT ?s ?o WHERE {{ ?s <{EX}p> ?o {{ SELECT * WHERE {{ ?x ?y ?z }} LIMIT 2 }} }}"
    response = ask(capped, query, "application/sparql-results+json")
    assert len(response.json()["results"]["bindings"]) == CAP
    assert response.headers[TRUNCATED] == "true"


def test_cut_select_keeps_its_values(capped: Server) -> None:
    response = ask(capped, FIVE + " ORDER BY ?o", "text/tab-separated-values")
    assert rows_of(response, QueryResultsFormat.TSV) == [(f"<{EX}s{i}>", f'"{i}"^^<http://www.w3.org/2001/XMLSchema#integer>') for i in range(3)]


def test_ask_is_not_capped(capped: Server) -> None:
    response = ask(capped, f"ASK {{ <{EX}s4> ?p ?o }}", "application/sparql-results+json")
    assert response.json()["boolean"] is True
    assert TRUNCATED not in response.headers


def test_saved_query_is_cut_and_says_so(capped: Server) -> None:
    response = capped.client.get("/api/all", headers={"Accept": "application/sparql-results+json"})
    assert response.status_code == 200, response.text
    assert len(response.json()["results"]["bindings"]) == CAP
    assert response.headers[TRUNCATED] == "true"


def test_cached_answer_replays_the_truncation_header(capped: Server) -> None:
    query = FIVE + " # cached"
    first = capped.client.get("/sparql", params={"query": query})
    second = capped.client.get("/sparql", params={"query": query})
    assert "onteam-cache" not in first.headers
    assert second.headers["onteam-cache"] == "hit"
    assert second.headers[TRUNCATED] == "true"
    assert second.content == first.content


def test_truncation_header_is_readable_by_browser_pages(capped: Server) -> None:
    response = capped.client.get("/sparql", params={"query": FIVE}, headers={"Origin": "https://example.com"})
    exposed = [h.strip().lower() for h in response.headers["access-control-expose-headers"].split(",")]
    assert TRUNCATED in exposed


def test_cut_answers_are_counted_in_metrics(capped: Server) -> None:
    def counted() -> float:
        text = capped.client.get("/metrics").text
        match = re.search(r"^onteam_truncated_answers_total ([0-9.e+]+)$", text, re.MULTILINE)
        assert match, text
        return float(match.group(1))

    before = counted()
    ask(capped, FIVE + " # counted", "text/csv")
    ask(capped, BIG_SELECT + " # counted", "application/sparql-results+json")  # streamed: stated in the body
    ask(capped, THREE + " # counted", "text/csv")  # not cut
    assert counted() == before + 2


# -- CONSTRUCT ---------------------------------------------------------------------------


@pytest.mark.parametrize("media", list(GRAPH_FORMATS))
def test_construct_longer_than_the_cap_is_cut_and_says_so(capped: Server, media: str) -> None:
    response = ask(capped, CONSTRUCT, media)
    assert len(triples_of(response, GRAPH_FORMATS[media])) == CAP
    assert response.headers[TRUNCATED] == "true"


def test_construct_of_exactly_the_cap_is_not_marked_truncated(capped: Server) -> None:
    response = ask(capped, f"CONSTRUCT {{ ?s <{EX}p> ?o }} WHERE {{ ?s <{EX}p> ?o FILTER(?o < 3) }}", "text/turtle")
    assert len(triples_of(response, RdfFormat.TURTLE)) == CAP
    assert TRUNCATED not in response.headers


def test_describe_is_cut_too(capped: Server) -> None:
    response = ask(capped, f"DESCRIBE ?s WHERE {{ ?s <{EX}p> ?o }}", "application/n-triples")
    assert len(triples_of(response, RdfFormat.N_TRIPLES)) == CAP
    assert response.headers[TRUNCATED] == "true"


# -- streamed answers: the headers are gone when the cut is known -----------------------


def test_streamed_json_states_the_cut_in_the_body(capped: Server) -> None:
    response = ask(capped, BIG_SELECT, "application/sparql-results+json")
    assert "content-length" not in response.headers  # streamed
    body = response.json()
    assert len(body["results"]["bindings"]) == CAP
    assert body["truncated"] is True
    assert list(body) == ["head", "results", "truncated"]


def test_streamed_xml_states_the_cut_in_a_comment(capped: Server) -> None:
    response = ask(capped, BIG_SELECT, "application/sparql-results+xml")
    assert "content-length" not in response.headers
    assert re.search(rb"</results><!-- OnTeam: truncated after 3 solutions[^>]*--></sparql>$", response.content)
    assert len(rows_of(response, QueryResultsFormat.XML)) == CAP
    ns = "{http://www.w3.org/2005/sparql-results#}"
    assert len(ET.fromstring(response.content).findall(f"{ns}results/{ns}result")) == CAP


@pytest.mark.parametrize("media", ["text/turtle", "application/n-triples"])
def test_streamed_line_formats_state_the_cut_in_a_final_comment(capped: Server, media: str) -> None:
    response = ask(capped, BIG_CONSTRUCT, media)
    assert "content-length" not in response.headers
    assert response.text.endswith("\n")
    assert response.text.splitlines()[-1].startswith("# OnTeam: truncated after 3 triples")
    assert len(triples_of(response, GRAPH_FORMATS[media])) == CAP


def test_streamed_rdf_xml_states_the_cut_after_the_root_element(capped: Server) -> None:
    response = ask(capped, BIG_CONSTRUCT, "application/rdf+xml")
    assert "content-length" not in response.headers
    assert re.search(r"</rdf:RDF>\s*<!-- OnTeam: truncated after 3 triples[^>]*-->\s*$", response.text)
    assert len(triples_of(response, RdfFormat.RDF_XML)) == CAP
    assert len(rdflib.Graph().parse(data=response.content, format="xml")) == CAP


@pytest.mark.parametrize(
    ("media", "count"),
    [
        ("text/csv", lambda r: len(rows_of(r, QueryResultsFormat.CSV))),
        ("text/tab-separated-values", lambda r: len(rows_of(r, QueryResultsFormat.TSV))),
    ],
)
def test_large_cut_csv_and_tsv_carry_the_header(
    capped: Server, media: str, count: Callable[[httpx.Response], int]
) -> None:
    response = ask(capped, BIG_SELECT, media)
    assert len(response.content) > CHUNK_SIZE
    assert response.headers[TRUNCATED] == "true"
    assert count(response) == CAP


def test_large_cut_json_ld_carries_the_header(capped: Server) -> None:
    response = ask(capped, BIG_CONSTRUCT, "application/ld+json")
    assert len(response.content) > CHUNK_SIZE
    assert response.headers[TRUNCATED] == "true"
    assert len(json.loads(response.content)) == CAP  # node objects, one per subject here
    assert len(triples_of(response, RdfFormat.JSON_LD)) == CAP


# -- no cap ------------------------------------------------------------------------------


def test_zero_max_results_means_no_cap(tmp_path: Path) -> None:
    root = _root(tmp_path / "root")
    server = start_server(tmp_path, root=root, env={"ONTEAM_MAX_RESULTS": "0"})
    try:
        for media, fmt in SELECT_FORMATS.items():
            response = ask(server, FIVE, media)
            assert len(rows_of(response, fmt)) == 5
            assert TRUNCATED not in response.headers
        response = ask(server, BIG_SELECT, "application/sparql-results+json")
        assert len(response.json()["results"]["bindings"]) == 5
        assert "truncated" not in response.json()
        assert len(triples_of(ask(server, CONSTRUCT, "text/turtle"), RdfFormat.TURTLE)) == 5
    finally:
        server.stop()
