"""Query answers cut at `settings.max_results` solutions or triples, the cut always stated.

`write_capped` serializes one answer into the `engine._ChunkWriter` of `engine.answer`. How
the cut is stated depends on whether the answer has started when the cut is known (the
writer sends its first chunk, and so the response headers, once `engine.CHUNK_SIZE` bytes are gathered):

- Not started (small answers, and all held ones below): the header `OnTeam-Truncated: true`,
  which the result cache replays.
- Started, so the headers are gone: in the body, where the format has room for a note that
  clients skip: SPARQL JSON gets a top-level `"truncated": true` after "results"; SPARQL XML a
  comment before `</sparql>`; N-Triples, N-Quads, Turtle and TriG a final `# ...` line;
  RDF/XML a comment after `</rdf:RDF>` (XML allows comments after the root element).
- CSV, TSV and JSON-LD have no such room (a comment line would be a row; a JSON-LD member
  that says nothing in RDF is at best a warning), so while a cap is on they are held back up
  to the cap, then sent with the header. The cap bounds rows, not bytes, so the held part
  goes to a temporary file past 8 MiB (memory stays flat); a client wanting them streamed
  can send a LIMIT within the cap, or the server can run with MAX_RESULTS=0.

SELECT answers go through `solutions.SolutionsWriter` (pyoxigraph cannot serialize a cut
result), about 2-3 times slower than pyoxigraph's own serializer; a query whose top-level
LIMIT is within the cap cannot be cut, so it keeps the native serializer.
"""

from __future__ import annotations

import tempfile
from collections.abc import Callable, Iterable, Iterator, Sequence
from functools import lru_cache
from typing import IO, Any

from pyoxigraph import QueryBoolean, QueryResultsFormat, QuerySolutions, RdfFormat, Triple
from pyoxigraph import serialize as rdf_serialize

from . import negotiation, observability, sparqlscan
from .limits import TRUNCATED_HEADER, Capped, cap
from .solutions import SolutionsWriter

Serialize = Callable[[Any, str, Any], Any]  # sparql.serialize(result, media, output)

_HELD_SOLUTIONS = frozenset({QueryResultsFormat.CSV, QueryResultsFormat.TSV})
_HELD_GRAPHS = frozenset({RdfFormat.JSON_LD})
_LINE_COMMENTED = frozenset({RdfFormat.N_TRIPLES, RdfFormat.N_QUADS, RdfFormat.TURTLE, RdfFormat.TRIG})
_PIECE = 64 * 1024  # held answers are handed on in pieces the chunk writer can pass along
_HELD_IN_MEMORY = 8 * 1024 * 1024  # beyond this, a held answer waits in a temporary file


def note(limit: int, what: str) -> str:
    """The words of an in-band truncation note (no `--`, so it fits in an XML comment)."""
    return f"OnTeam: truncated after {limit} {what}; the server returns at most {limit} per answer (MAX_RESULTS)"


@lru_cache(maxsize=1024)
def declared_limit(query: str) -> int | None:
    """The query's own top-level LIMIT, if it has one (a sub-query's LIMIT is inside braces)."""
    if "limit" not in query.lower():
        return None
    found = False  # the token before was a top-level LIMIT (comments may come between)
    for token in sparqlscan.tokens(query):
        if found:
            return int(token.text) if token.kind == "number" and token.text.isdigit() else None
        found = token.kind == "word" and token.depth == 0 and token.text.upper() == "LIMIT"
    return None


def write_capped(result: Any, media: str, output: Any, limit: int, query: str, serialize: Serialize) -> None:
    """Serialize `result` into `output`: at most `limit` solutions or triples (<= 0: all), the cut stated.

    `output` is a `engine._ChunkWriter`: `write(bytes)`, `sent` (has the first chunk, with the
    headers, gone?) and `headers` (extra response headers, sent with the first chunk).
    `serialize` writes a whole result (`sparql.serialize`); ASK answers and uncapped ones go to it.
    """
    if limit <= 0 or isinstance(result, QueryBoolean):
        serialize(result, media, output)
    elif isinstance(result, QuerySolutions):
        declared = declared_limit(query)
        if declared is not None and declared <= limit:
            serialize(result, media, output)
        else:
            _write_solutions(result, negotiation.RESULT_FORMATS[media], output, limit)
    else:
        _write_graph(result, media, output, limit, serialize)


def _write_solutions(result: QuerySolutions, fmt: QueryResultsFormat, output: Any, limit: int) -> None:
    writer = SolutionsWriter(fmt, result.variables)
    rows = cap(result, limit)
    if fmt in _HELD_SOLUTIONS:
        with _held() as held:
            writer.write(rows, held.write)
            _release(held, rows, output)
        return
    writer.write(rows, output.write)
    in_body = rows.truncated and output.sent
    _state(rows, output)  # before the tail: writing it may send the first chunk
    output.write(writer.tail(note(limit, "solutions") if in_body else None).encode())


class _CappedTriples:
    """A graph result cut at the cap, shaped like one for `sparql.serialize`."""

    def __init__(self, triples: Capped[Triple]) -> None:
        self.triples = triples

    def __iter__(self) -> Iterator[Triple]:
        return iter(self.triples)

    def serialize(self, output: Any, format: RdfFormat) -> None:
        rdf_serialize(self.triples, output, format=format)


def _write_graph(result: Iterable[Triple], media: str, output: Any, limit: int, serialize: Serialize) -> None:
    fmt = negotiation.RDF_FORMATS[media]
    triples = cap(result, limit)
    if fmt in _HELD_GRAPHS:
        with _held() as held:
            serialize(_CappedTriples(triples), media, held)
            _release(held, triples, output)
        return
    serialize(_CappedTriples(triples), media, output)
    _state(triples, output)
    if triples.truncated and output.sent:
        if fmt in _LINE_COMMENTED:
            output.write(f"# {note(limit, 'triples')}\n".encode())
        else:  # RDF/XML
            output.write(f"\n<!-- {note(limit, 'triples')} -->\n".encode())


def _held() -> IO[bytes]:
    """Where an answer waits until its cut is known: memory, then a temporary file."""
    return tempfile.SpooledTemporaryFile(max_size=_HELD_IN_MEMORY)  # the caller closes it


def _release(held: IO[bytes], items: Capped[Any], output: Any) -> None:
    """Hand on a held answer, the header first (nothing has been sent yet)."""
    _state(items, output)
    held.seek(0)
    while piece := held.read(_PIECE):
        output.write(piece)


def _state(items: Capped[Any], output: Any) -> None:
    """Put the truncation header on the writer: in the response if nothing is sent yet,
    otherwise (the note is in the body) it only lets the server count the answer."""
    output.headers.update(items.headers())


def stated(extra: Sequence[dict[str, str]]) -> dict[str, str]:
    """Response headers from the extra element of an answer's item (server side); counts cut answers."""
    headers: dict[str, str] = {}
    for item in extra:
        headers.update(item)
    if TRUNCATED_HEADER in headers:
        observability.TRUNCATED_ANSWERS.inc()
    return headers
