"""Write SELECT solutions as SPARQL JSON, XML, CSV or TSV from any iterable of solutions.

pyoxigraph serializes only a whole `QuerySolutions` and cannot build one from Python, so a
capped answer (see `limits.write_capped`) needs a writer of its own. The output follows the
W3C formats and matches pyoxigraph's serializer byte for byte, except where that one loses
data: in XML a carriage return is written `&#13;` (XML parsers turn a raw one into a line
feed), and in CSV every field holding `,` `"` CR or LF is quoted (pyoxigraph leaves IRIs
and quoted triple terms bare, which splits the row). `sparql.serialize` makes the same two
corrections on the uncapped path (CSV goes through this writer; XML has its raw CRs escaped),
so both paths send the same bytes. SPARQL 1.2 triple terms and literals with a base
direction are written as pyoxigraph writes them.

`SolutionsWriter(fmt, variables)`: `head()`, then `rows(solutions)` (text batches), then
`tail(note)`, where a note adds the format's in-band statement of a cut (JSON: a top-level
`"truncated": true` member after "results"; XML: a comment before `</sparql>`; CSV and TSV
have no place for one, so the caller states truncation in a header instead).
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Iterator, Sequence
from json.encoder import encode_basestring as _json_string  # the C implementation when available

from pyoxigraph import BlankNode, Literal, NamedNode, QueryResultsFormat, QuerySolution, Triple, Variable

XSD = "http://www.w3.org/2001/XMLSchema#"
XSD_STRING = XSD + "string"
_LANG_STRINGS = frozenset(
    {"http://www.w3.org/1999/02/22-rdf-syntax-ns#langString", "http://www.w3.org/1999/02/22-rdf-syntax-ns#dirLangString"}
)
ITS = "http://www.w3.org/2005/11/its"
BATCH = 512  # rows joined into one piece of text: fewer writes, still small pieces
_CACHE_LIMIT = 8192  # rendered terms kept (IRIs repeat a lot; unique literals must not pile up)

Term = NamedNode | BlankNode | Literal | Triple

# Turtle's number and boolean shorthands (TSV writes terms as Turtle does).
_TURTLE_SHORT = {
    XSD + "integer": re.compile(r"[+-]?[0-9]+"),
    XSD + "decimal": re.compile(r"[+-]?[0-9]*\.[0-9]+"),
    XSD + "double": re.compile(r"[+-]?(?:[0-9]+\.[0-9]*[eE][+-]?[0-9]+|\.?[0-9]+[eE][+-]?[0-9]+)"),
    XSD + "boolean": re.compile(r"true|false"),
}
_TSV_ESCAPES = str.maketrans({"\\": "\\\\", '"': '\\"', "\t": "\\t", "\n": "\\n", "\r": "\\r"})
_TSV_SPECIAL = re.compile(r'[\\"\t\n\r]')
_XML_ESCAPES = str.maketrans({"&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&apos;", "\r": "&#13;"})
_XML_SPECIAL = re.compile(r"[&<>\"'\r]")
# Leading and trailing white space is written as character references: some parsers
# (pyoxigraph's among them) trim text content, and the value must survive them.
_XML_EDGE_SPACE = {" ": "&#32;", "\t": "&#9;", "\n": "&#10;", "\r": "&#13;"}
_CSV_SPECIAL = re.compile(r'[",\r\n]')


def _xml_text(value: str) -> str:
    if _XML_SPECIAL.search(value):
        value = value.translate(_XML_ESCAPES)
    if value and (value[0] in _XML_EDGE_SPACE or value[-1] in _XML_EDGE_SPACE):
        start = len(value) - len(value.lstrip(" \t\n\r"))
        if start == len(value):
            return "".join(_XML_EDGE_SPACE[c] for c in value)
        end = len(value.rstrip(" \t\n\r"))
        head = "".join(_XML_EDGE_SPACE[c] for c in value[:start])
        tail = "".join(_XML_EDGE_SPACE[c] for c in value[end:])
        value = head + value[start:end] + tail
    return value


def _xml_attribute(value: str) -> str:
    return value.translate(_XML_ESCAPES) if _XML_SPECIAL.search(value) else value


def _csv_field(value: str) -> str:
    """RFC 4180: quote a field holding a comma, a quote or a line break; double its quotes."""
    if _CSV_SPECIAL.search(value):
        return '"' + value.replace('"', '""') + '"'
    return value


# -- one term in each format ------------------------------------------------------------


def json_term(term: Term) -> str:
    """A term as a SPARQL JSON RDF term object."""
    kind = type(term)
    if kind is NamedNode:
        return '{"type":"uri","value":' + _json_string(term.value) + "}"
    if kind is Literal:
        text = '{"type":"literal","value":' + _json_string(term.value)
        language = term.language
        if language is not None:
            text += ',"xml:lang":' + _json_string(language)
            if term.direction is not None:
                text += ',"its:dir":"' + term.direction.value + '"'
            return text + "}"
        datatype = term.datatype.value
        if datatype != XSD_STRING:
            text += ',"datatype":' + _json_string(datatype)
        return text + "}"
    if kind is BlankNode:
        return '{"type":"bnode","value":' + _json_string(term.value) + "}"
    if kind is Triple:
        return (
            '{"type":"triple","value":{"subject":' + json_term(term.subject) + ',"predicate":'
            + json_term(term.predicate) + ',"object":' + json_term(term.object) + "}}"
        )
    raise TypeError(f"not an RDF term: {term!r}")


def xml_term(term: Term) -> str:
    """A term as a SPARQL XML `<uri>`, `<literal>`, `<bnode>` or `<triple>` element."""
    kind = type(term)
    if kind is NamedNode:
        return "<uri>" + _xml_text(term.value) + "</uri>"
    if kind is Literal:
        language = term.language
        if language is not None:
            start = '<literal xml:lang="' + _xml_attribute(language) + '"'
            if term.direction is not None:
                start += f' its:dir="{term.direction.value}" xmlns:its="{ITS}" its:version="2.0"'
            return start + ">" + _xml_text(term.value) + "</literal>"
        datatype = term.datatype.value
        if datatype != XSD_STRING:
            return '<literal datatype="' + _xml_attribute(datatype) + '">' + _xml_text(term.value) + "</literal>"
        return "<literal>" + _xml_text(term.value) + "</literal>"
    if kind is BlankNode:
        return "<bnode>" + _xml_text(term.value) + "</bnode>"
    if kind is Triple:
        return (
            "<triple><subject>" + xml_term(term.subject) + "</subject><predicate>" + xml_term(term.predicate)
            + "</predicate><object>" + xml_term(term.object) + "</object></triple>"
        )
    raise TypeError(f"not an RDF term: {term!r}")


def _csv_value(term: Term) -> str:
    """The plain text of a term (CSV, before field quoting): IRI, `_:id`, lexical form."""
    kind = type(term)
    if kind is NamedNode or kind is Literal:
        return term.value
    if kind is BlankNode:
        return "_:" + term.value
    if kind is Triple:
        return _csv_value(term.subject) + " " + _csv_value(term.predicate) + " " + _csv_value(term.object)
    raise TypeError(f"not an RDF term: {term!r}")


def csv_term(term: Term) -> str:
    """A term as one CSV field (SPARQL 1.1 CSV: plain values, RFC 4180 quoting)."""
    return _csv_field(_csv_value(term))


def tsv_term(term: Term) -> str:
    """A term in Turtle syntax, as SPARQL TSV writes it (numbers and booleans abbreviated)."""
    kind = type(term)
    if kind is NamedNode:
        return "<" + term.value + ">"
    if kind is Literal:
        value = term.value
        quoted = '"' + (value.translate(_TSV_ESCAPES) if _TSV_SPECIAL.search(value) else value) + '"'
        language = term.language
        if language is not None:
            quoted += "@" + language
            if term.direction is not None:
                quoted += "--" + term.direction.value
            return quoted
        datatype = term.datatype.value
        if datatype == XSD_STRING:
            return quoted
        short = _TURTLE_SHORT.get(datatype)
        if short is not None and short.fullmatch(value):
            return value
        return quoted + "^^<" + datatype + ">"
    if kind is BlankNode:
        return "_:" + term.value
    if kind is Triple:
        return "<<( " + tsv_term(term.subject) + " " + tsv_term(term.predicate) + " " + tsv_term(term.object) + " )>>"
    raise TypeError(f"not an RDF term: {term!r}")


# -- whole answers ------------------------------------------------------------------------


class SolutionsWriter:
    """A SELECT answer in one of the four result formats, written piece by piece."""

    def __init__(self, fmt: QueryResultsFormat, variables: Sequence[Variable]) -> None:
        self.fmt = fmt
        self.names = [variable.value for variable in variables]
        self._first = True
        # Per variable, each term's rendering as it appears in a row (with the binding's
        # name around it for JSON and XML); unbound (None) renders as "".
        if fmt == QueryResultsFormat.JSON:
            self._term = json_term
            self._wrap = [(_json_string(name) + ":", "") for name in self.names]
            self._start, self._separator, self._end = "{", ",", "}"
        elif fmt == QueryResultsFormat.XML:
            self._term = xml_term
            self._wrap = [('<binding name="' + _xml_attribute(name) + '">', "</binding>") for name in self.names]
            self._start, self._separator, self._end = "<result>", "", "</result>"
        elif fmt == QueryResultsFormat.CSV:
            self._term = csv_term
            self._wrap = [("", "")] * len(self.names)
            self._start, self._separator, self._end = "", ",", "\r\n"
        elif fmt == QueryResultsFormat.TSV:
            self._term = tsv_term
            self._wrap = [("", "")] * len(self.names)
            self._start, self._separator, self._end = "", "\t", "\n"
        else:
            raise ValueError(f"{fmt} is not a format for solutions")
        self._caches: list[dict[Term | None, str]] = [{None: ""} for _ in self.names]
        self._sparse = fmt in (QueryResultsFormat.JSON, QueryResultsFormat.XML)  # unbound: left out

    def head(self) -> str:
        """Everything before the first solution."""
        if self.fmt == QueryResultsFormat.JSON:
            return '{"head":{"vars":[' + ",".join(_json_string(n) for n in self.names) + ']},"results":{"bindings":['
        if self.fmt == QueryResultsFormat.XML:
            variables = "".join('<variable name="' + _xml_attribute(n) + '"/>' for n in self.names)
            return (
                '<?xml version="1.0"?><sparql xmlns="http://www.w3.org/2005/sparql-results#"><head>'
                + variables + "</head><results>"
            )
        if self.fmt == QueryResultsFormat.CSV:
            return ",".join(_csv_field(n) for n in self.names) + "\r\n"
        return "\t".join("?" + n for n in self.names) + "\n"

    def rows(self, solutions: Iterable[QuerySolution]) -> Iterator[str]:
        """The solutions as text, `BATCH` rows at a time."""
        # The hot loop: lookups run in C (`map(dict.get, ...)`); Python renders only
        # the terms not seen lately.
        caches, get, miss, join = self._caches, dict.get, self._miss, self._join
        start, separator, end = self._start, self._separator, self._end
        sparse = self._sparse
        batch: list[str] = []
        for solution in solutions:
            parts = list(map(get, caches, solution))
            if None in parts:
                miss(solution, parts)
            # JSON and XML leave unbound variables out; CSV and TSV leave their field empty.
            batch.append(start + separator.join(filter(None, parts) if sparse else parts) + end)
            if len(batch) == BATCH:
                yield join(batch)
                batch = []
        if batch:
            yield join(batch)

    def tail(self, note: str | None = None) -> str:
        """Everything after the last solution; with a `note` (the answer was cut), the in-band
        statement where the format has room for one (JSON, XML)."""
        if self.fmt == QueryResultsFormat.JSON:
            return ']},"truncated":true}' if note else "]}}"
        if self.fmt == QueryResultsFormat.XML:
            return "</results>" + (f"<!-- {note} -->" if note else "") + "</sparql>"
        return ""

    def write(self, solutions: Iterable[QuerySolution], write: Callable[[bytes], object]) -> None:
        """Write the head and every solution (not the tail) through `write`."""
        write(self.head().encode())
        for text in self.rows(solutions):
            write(text.encode())

    def _miss(self, terms: QuerySolution, parts: list[str | None]) -> None:
        """Render the terms of one row that no cache held, and remember them."""
        for index, text in enumerate(parts):
            if text is None:
                cache = self._caches[index]
                if len(cache) >= _CACHE_LIMIT:  # unique values must not pile up
                    cache.clear()
                    cache[None] = ""
                before, after = self._wrap[index]
                term = terms[index]
                parts[index] = cache[term] = before + self._term(term) + after  # type: ignore[arg-type]

    def _join(self, batch: list[str]) -> str:
        if self.fmt == QueryResultsFormat.JSON:
            text = ",".join(batch)
            if self._first:
                self._first = False
                return text
            return "," + text
        return "".join(batch)
