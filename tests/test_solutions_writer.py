"""server/solutions.py against pyoxigraph's own serializer, and capped.py's choices.

The fixture is rich on purpose: IRIs, stored blank nodes (their ids are stable, so bytes can
be compared), language tags with and without a base direction, typed literals in and out of
Turtle's shorthands, strings with quotes, tabs, line breaks and non-ASCII, unbound
variables, an all-unbound row and RDF 1.2 triple terms.
"""

from __future__ import annotations

import csv
import io
import json
import xml.etree.ElementTree as ET
from typing import Any

import pytest
from pyoxigraph import QueryResultsFormat, Store, Variable, parse_query_results

from server import capped, engine, sparql
from server.limits import TRUNCATED_HEADER
from server.solutions import SolutionsWriter

FORMATS = [QueryResultsFormat.JSON, QueryResultsFormat.XML, QueryResultsFormat.CSV, QueryResultsFormat.TSV]
PARSABLE = [QueryResultsFormat.JSON, QueryResultsFormat.XML, QueryResultsFormat.TSV]  # pyoxigraph cannot read CSV
XSD = "http://www.w3.org/2001/XMLSchema#"

DATA = rf"""
PREFIX xsd: <{XSD}>
PREFIX ex: <http://example.org/>
INSERT DATA {{
  ex:r1 ex:v ex:iri ; ex:w "plain" .
  ex:r2 ex:v _:b1 ; ex:w "tagged"@en-GB .
  ex:r3 ex:v "right to left"@ar--rtl ; ex:w 42 .
  ex:r4 ex:v -7 ; ex:w 1.5 .
  ex:r5 ex:v "1e3"^^xsd:double ; ex:w true .
  ex:r6 ex:v "5"^^xsd:decimal ; ex:w " 1"^^xsd:integer .
  ex:r7 ex:v "TRUE"^^xsd:boolean ; ex:w "x"^^<http://example.org/dt> .
  ex:r8 ex:v "quote \" apostrophe ' backslash \\ tab \t newline \n end" .
  ex:r9 ex:v "한국어 😀 é" ; ex:w "a,b" .
  ex:r10 ex:v "" ; ex:w ""@ko .
  ex:r11 ex:v "<tag> & ]]> &amp;" ; ex:w "  padded  " .
  ex:r12 ex:v <<( ex:s ex:p _:b1 )>> ; ex:w <<( ex:s ex:p "lit\tx" )>> .
  ex:r13 ex:w "only w" .
  ex:r14 ex:z "neither" .
  ex:r15 ex:v <http://example.org/é?q=1#f> ; ex:w "NaN"^^xsd:double .
}}
"""
QUERY = """SELECT ?row ?v ?w WHERE {
  ?row ?any ?anything
  OPTIONAL { ?row <http://example.org/v> ?v }
  OPTIONAL { ?row <http://example.org/w> ?w }
} ORDER BY ?row"""


@pytest.fixture(scope="module")
def store() -> Store:
    store = Store()
    store.update(DATA)
    return store


def mine(store: Store, fmt: QueryResultsFormat, query: str = QUERY, note: str | None = None) -> bytes:
    result = store.query(query)
    writer = SolutionsWriter(fmt, result.variables)
    out = io.BytesIO()
    writer.write(result, out.write)
    out.write(writer.tail(note).encode())
    return out.getvalue()


def native(store: Store, fmt: QueryResultsFormat, query: str = QUERY) -> bytes:
    return store.query(query).serialize(format=fmt)


def parsed(data: bytes, fmt: QueryResultsFormat) -> tuple[list[Variable], list[tuple[Any, ...]]]:
    result = parse_query_results(data, format=fmt)
    return list(result.variables), [tuple(row) for row in result]


@pytest.mark.parametrize("fmt", FORMATS, ids=str)
def test_writer_matches_pyoxigraph_byte_for_byte(store: Store, fmt: QueryResultsFormat) -> None:
    assert mine(store, fmt) == native(store, fmt)


@pytest.mark.parametrize("fmt", PARSABLE, ids=str)
def test_writer_parses_back_to_the_same_solutions(store: Store, fmt: QueryResultsFormat) -> None:
    expected = [tuple(row) for row in store.query(QUERY)]
    assert parsed(mine(store, fmt), fmt) == parsed(native(store, fmt), fmt)
    assert parsed(mine(store, fmt), fmt)[1] == expected


@pytest.mark.parametrize("fmt", FORMATS, ids=str)
def test_empty_result_and_empty_row_match_pyoxigraph(store: Store, fmt: QueryResultsFormat) -> None:
    for query in ("SELECT ?x WHERE { FILTER(false) }", "SELECT * WHERE {}", "SELECT ?x ?y WHERE { BIND(1 AS ?y) }"):
        assert mine(store, fmt, query) == native(store, fmt, query)


def test_csv_quotes_an_iri_holding_a_comma_as_rfc_4180_asks() -> None:
    store = Store()
    store.update('INSERT DATA { <http://example.org/a,b> <http://example.org/p> "x\\"y" }')
    data = mine(store, QueryResultsFormat.CSV, "SELECT ?s ?o WHERE { ?s ?p ?o }")
    assert list(csv.reader(io.StringIO(data.decode(), newline=""))) == [["s", "o"], ["http://example.org/a,b", 'x"y']]


def test_csv_quotes_a_triple_term_holding_a_line_break() -> None:
    store = Store()
    store.update('INSERT DATA { <http://e/x> <http://e/r> <<( <http://e/s> <http://e/p> "two\\nlines" )>> }')
    data = mine(store, QueryResultsFormat.CSV, "SELECT ?o WHERE { ?s ?p ?o }")
    assert list(csv.reader(io.StringIO(data.decode(), newline=""))) == [["o"], ["http://e/s http://e/p two\nlines"]]


def test_xml_keeps_a_carriage_return_that_xml_parsers_would_fold() -> None:
    store = Store()
    store.update('INSERT DATA { <http://e/s> <http://e/p> "a\\r\\nb" }')
    data = mine(store, QueryResultsFormat.XML, "SELECT ?o WHERE { ?s ?p ?o }")
    assert b"a&#13;\nb" in data
    assert ET.fromstring(data).find(".//{http://www.w3.org/2005/sparql-results#}literal").text == "a\r\nb"
    assert parsed(data, QueryResultsFormat.XML)[1][0][0].value == "a\r\nb"


def test_json_note_is_a_top_level_member_after_results(store: Store) -> None:
    body = json.loads(mine(store, QueryResultsFormat.JSON, note="cut"))
    assert list(body) == ["head", "results", "truncated"]
    assert body["truncated"] is True


def test_xml_note_is_a_comment_that_parsers_skip(store: Store) -> None:
    data = mine(store, QueryResultsFormat.XML, note="OnTeam: cut here")
    assert data.endswith(b"</results><!-- OnTeam: cut here --></sparql>")
    assert parsed(data, QueryResultsFormat.XML) == parsed(native(store, QueryResultsFormat.XML), QueryResultsFormat.XML)
    ET.fromstring(data)


@pytest.mark.parametrize("fmt", [QueryResultsFormat.CSV, QueryResultsFormat.TSV], ids=str)
def test_csv_and_tsv_have_no_note(store: Store, fmt: QueryResultsFormat) -> None:
    assert mine(store, fmt, note="cut") == native(store, fmt)


def test_many_rows_outgrow_the_term_cache_and_stay_right() -> None:
    store = Store()
    rows = " ".join(f'(<http://e/{i % 9000}> "{i}")' for i in range(20000))
    query = f"SELECT ?a ?b WHERE {{ VALUES (?a ?b) {{ {rows} }} }}"
    for fmt in FORMATS:
        assert mine(store, fmt, query) == native(store, fmt, query)


# -- capped.py ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("query", "limit"),
    [
        ("SELECT * WHERE { ?s ?p ?o } LIMIT 10", 10),
        ("SELECT * WHERE { ?s ?p ?o } ORDER BY ?s limit\n  7 OFFSET 2", 7),
        ("SELECT * WHERE { ?s ?p ?o } OFFSET 2 LIMIT 7", 7),
        ("SELECT * WHERE { { SELECT * WHERE { ?s ?p ?o } LIMIT 2 } }", None),
        ('SELECT * WHERE { ?s ?p "LIMIT 2" }', None),
        ("SELECT * WHERE { ?s ?p ?o } # LIMIT 2", None),
        ("SELECT ?limit WHERE { ?s ?p ?limit }", None),
        ("SELECT * WHERE { ?s ?p ?o }", None),
    ],
)
def test_declared_limit_is_the_top_level_one_only(query: str, limit: int | None) -> None:
    assert capped.declared_limit(query) == limit


class Sink:
    """Stands for the response pipe: keeps the items a chunk writer sends."""

    def __init__(self) -> None:
        self.items: list[tuple[Any, ...]] = []

    def put(self, item: tuple[Any, ...]) -> None:
        self.items.append(item)


def written(store: Store, query: str, media: str, limit: int) -> Sink:
    sink = Sink()
    writer = engine._ChunkWriter(sink, media)
    capped.write_capped(store.query(query), media, writer, limit, query, sparql.serialize)
    writer.send(more=False)
    return sink


def test_header_survives_a_tail_that_sends_the_first_chunk() -> None:
    """The cut is known before the tail is written; the tail may push the buffer past CHUNK_SIZE."""
    store = Store()
    query = "SELECT ?o WHERE { ?s ?p ?o }"
    for i in range(4):
        store.update(f'INSERT DATA {{ <http://e/s{i}> <http://e/p> "{i}" }}')
    size = len(written(store, query, "application/sparql-results+json", 3).items[0][2])
    # Grow the literals so that everything but the 3-byte tail "]}}" is one byte short of a chunk.
    grow = engine.CHUNK_SIZE - 1 - (size - 3)
    store = Store()
    pad = [grow // 3 + (1 if i < grow % 3 else 0) for i in range(4)]
    for i in range(4):
        store.update(f'INSERT DATA {{ <http://e/s{i}> <http://e/p> "{i}{"x" * pad[i]}" }}')
    sink = written(store, query + " ORDER BY ?o", "application/sparql-results+json", 3)
    first = sink.items[0]
    assert first[0] == "start"
    assert len(first[2]) == engine.CHUNK_SIZE + 2
    assert first[3] == {TRUNCATED_HEADER: "true"}
    assert b'"truncated"' not in first[2]  # said once, in the header
    body = b"".join(item[2] if item[0] == "start" else item[1] for item in sink.items)
    assert len(json.loads(body)["results"]["bindings"]) == 3


def test_native_serializer_serves_a_query_limited_within_the_cap() -> None:
    """A top-level LIMIT within the cap goes to the `serialize` it is given; one beyond, to the writer.

    (CSV and XML bytes no longer tell the two apart: `sparql.serialize` corrects pyoxigraph there.)"""
    store = Store()
    store.update("INSERT DATA { <http://e/a,b> <http://e/p> 1 }")
    query = "SELECT ?s WHERE { ?s ?p ?o }"
    for declared, native in ((" LIMIT 5", True), (" LIMIT 6", False)):
        calls: list[str] = []

        def serialize(result: Any, media: str, output: Any) -> Any:
            calls.append(media)
            return sparql.serialize(result, media, output)

        sink = Sink()
        writer = engine._ChunkWriter(sink, "text/csv")
        capped.write_capped(store.query(query + declared), "text/csv", writer, 5, query + declared, serialize)
        writer.send(more=False)
        assert calls == (["text/csv"] if native else [])
        assert sink.items[0][2] == b's\r\n"http://e/a,b"\r\n'  # either way one field, quoted


def test_uncut_answer_carries_no_extra_headers() -> None:
    store = Store()
    store.update("INSERT DATA { <http://e/s> <http://e/p> 1, 2, 3 }")
    sink = written(store, "CONSTRUCT WHERE { ?s ?p ?o }", "text/turtle", 3)
    assert [item[0] for item in sink.items] == ["start"]
    assert len(sink.items[0]) == 4


def test_variables_keep_the_order_of_the_select_clause() -> None:
    store = Store()
    store.update("INSERT DATA { <http://e/s> <http://e/p> <http://e/o> }")
    for fmt in FORMATS:
        query = "SELECT ?o ?s ?p WHERE { ?s ?p ?o }"
        assert mine(store, fmt, query) == native(store, fmt, query)


@pytest.mark.parametrize("media", ["text/csv", "application/ld+json"])
def test_held_answer_larger_than_memory_allows_passes_through_a_temporary_file(media: str) -> None:
    store = Store()
    big = 3 * 1024 * 1024  # three of them pass the 8 MiB kept in memory
    for i in range(4):
        store.update(f'INSERT DATA {{ <http://e/s{i}> <http://e/p> "{chr(97 + i) * big}" }}')
    query = "CONSTRUCT WHERE { ?s ?p ?o }" if media == "application/ld+json" else "SELECT ?o WHERE { ?s ?p ?o }"
    sink = written(store, query + " ORDER BY ?o" if media == "text/csv" else query, media, 3)
    assert sink.items[0][3] == {TRUNCATED_HEADER: "true"}
    body = b"".join(item[2] if item[0] == "start" else item[1] for item in sink.items)
    if media == "text/csv":
        assert body == b"o\r\n" + b"".join(chr(97 + i).encode() * big + b"\r\n" for i in range(3))
    else:
        assert sorted(len(node["http://e/p"][0]["@value"]) for node in json.loads(body)) == [big] * 3
