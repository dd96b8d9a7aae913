"""Content negotiation: Accept headers with q-values and wildcards, and `format` aliases.

The Accept header is parsed once per distinct value (cached), since it sits on the hot path.
"""

from __future__ import annotations

from collections.abc import MutableMapping
from functools import lru_cache
from typing import Any

from pyoxigraph import QueryResultsFormat, RdfFormat

from .errors import BadRequest, NotAcceptable

# Media type -> serializer, in order of preference when the client has none.
RESULT_FORMATS: dict[str, QueryResultsFormat] = {
    "application/sparql-results+json": QueryResultsFormat.JSON,
    "application/sparql-results+xml": QueryResultsFormat.XML,
    "text/csv": QueryResultsFormat.CSV,
    "text/tab-separated-values": QueryResultsFormat.TSV,
    "application/json": QueryResultsFormat.JSON,
    "application/xml": QueryResultsFormat.XML,
    "text/xml": QueryResultsFormat.XML,
}
RDF_FORMATS: dict[str, RdfFormat] = {
    "text/turtle": RdfFormat.TURTLE,
    "application/n-triples": RdfFormat.N_TRIPLES,
    "application/n-quads": RdfFormat.N_QUADS,
    "application/trig": RdfFormat.TRIG,
    "application/rdf+xml": RdfFormat.RDF_XML,
    "application/ld+json": RdfFormat.JSON_LD,
    "text/plain": RdfFormat.N_TRIPLES,
    "application/x-turtle": RdfFormat.TURTLE,
    "text/n3": RdfFormat.TURTLE,  # Turtle is N3 too: N3 clients (SPARQLWrapper's N3, cwm) read it
}
# What a body written to the store may be (Graph Store PUT/POST, multipart parts): the
# formats pyoxigraph parses under their registered media types. N-Quads and TriG are read
# as one graph's triples (a body that names other graphs is refused).
RDF_INPUT: tuple[str, ...] = (
    "text/turtle",
    "application/n-triples",
    "application/rdf+xml",
    "application/ld+json",
    "application/trig",
    "application/n-quads",
    "text/n3",
)
RESULT_OFFERS: tuple[str, ...] = tuple(RESULT_FORMATS)
RDF_OFFERS: tuple[str, ...] = tuple(RDF_FORMATS)

# Short names that clients put in `format`, `output` or `results` (SPARQLWrapper does),
# resolved per kind of answer: "json" is SPARQL JSON for results but JSON-LD for graphs.
_RESULT_ALIASES = {
    "json": "application/sparql-results+json",
    "srj": "application/sparql-results+json",
    "xml": "application/sparql-results+xml",
    "srx": "application/sparql-results+xml",
    "csv": "text/csv",
    "tsv": "text/tab-separated-values",
}
_RDF_ALIASES = {
    "turtle": "text/turtle",
    "ttl": "text/turtle",
    "n3": "text/turtle",
    "nt": "application/n-triples",
    "ntriples": "application/n-triples",
    "n-triples": "application/n-triples",
    "nq": "application/n-quads",
    "nquads": "application/n-quads",
    "n-quads": "application/n-quads",
    "trig": "application/trig",
    "xml": "application/rdf+xml",
    "rdf": "application/rdf+xml",
    "rdfxml": "application/rdf+xml",
    "rdf+xml": "application/rdf+xml",
    "json": "application/ld+json",
    "jsonld": "application/ld+json",
    "json-ld": "application/ld+json",
}


@lru_cache(maxsize=512)
def parse_accept(header: str) -> tuple[tuple[str, float, int], ...]:
    """Parse an Accept header into (media range, q, specificity), best first.

    A malformed q-value counts as q=1 rather than failing the request (RFC 9110 asks
    servers to be lenient here); the order within equal q follows specificity.
    """
    ranges: list[tuple[str, float, int, int]] = []
    for index, part in enumerate(header.split(",")):
        pieces = [p.strip() for p in part.split(";")]
        media = pieces[0].lower()
        if not media:
            continue
        if "/" not in media:
            media = "*/*" if media == "*" else media + "/*"
        q = 1.0
        for param in pieces[1:]:
            key, _, value = param.partition("=")
            if key.strip().lower() == "q":
                try:
                    q = min(max(float(value), 0.0), 1.0)
                except ValueError:
                    q = 1.0
        main, _, sub = media.partition("/")
        specificity = 0 if main == "*" else 1 if sub == "*" else 2
        ranges.append((media, q, specificity, index))
    ranges.sort(key=lambda r: (-r[1], -r[2], r[3]))
    return tuple((m, q, s) for m, q, s, _ in ranges)


def quality(ranges: tuple[tuple[str, float, int], ...], offer: str) -> float:
    """q of the most specific range matching `offer` (RFC 9110 §12.5.1)."""
    main = offer.partition("/")[0]
    best_specificity, best_q = -1, 0.0
    for media, q, specificity in ranges:
        if media == offer or media == "*/*" or media == main + "/*":
            if specificity > best_specificity:
                best_specificity, best_q = specificity, q
    return best_q


# Request fields whose value is a comma-separated list (RFC 9110 §5.3): sent as several lines,
# they mean the lines joined with commas, but Starlette's `headers.get` reads only the first.
_LIST_FIELDS = frozenset({b"accept", b"accept-encoding", b"accept-language", b"if-match", b"if-none-match"})


def fold_list_fields(scope: MutableMapping[str, Any]) -> None:
    """Join repeated lines of a list field in an ASGI scope into one line, in order (in place).

    The scope is rewritten only when a field repeats, so the usual request costs one scan.
    """
    headers = scope.get("headers") or ()
    seen: set[bytes] = set()
    for name, _ in headers:
        if name in _LIST_FIELDS:
            if name in seen:
                break
            seen.add(name)
    else:
        return
    joined: dict[bytes, list[bytes]] = {}
    kept: list[tuple[bytes, bytes]] = []
    for name, value in headers:
        if name in _LIST_FIELDS:
            if name not in joined:
                joined[name] = []
                kept.append((name, b""))  # the joined value takes the first line's place
            joined[name].append(value)
        else:
            kept.append((name, value))
    scope["headers"] = [(n, b", ".join(joined[n]) if n in joined else v) for n, v in kept]


def add_vary(headers: MutableMapping[str, str], *names: str) -> None:
    """Add `names` to the `Vary` header in `headers` (a dict or a response's headers), once each."""
    vary = [v.strip() for v in headers.get("vary", headers.get("Vary", "")).split(",") if v.strip()]
    headers["Vary"] = ", ".join(dict.fromkeys([*vary, *names]))


@lru_cache(maxsize=1024)
def negotiate(accept: str | None, offers: tuple[str, ...]) -> str:
    """Pick the offer the client prefers; the first offer wins ties and a missing header.

    Raises NotAcceptable listing the offers when none is acceptable.
    """
    if not accept or not accept.strip():
        return offers[0]
    ranges = parse_accept(accept)
    best, best_q = None, 0.0
    for offer in offers:
        q = quality(ranges, offer)
        if q > best_q:
            best, best_q = offer, q
    if best is None:
        raise NotAcceptable(
            f"None of the types in Accept: {accept!r} can be served here; available: {', '.join(offers)}",
            available=list(offers),
        )
    return best


def format_from_name(name: str, graph: bool) -> str:
    """Resolve a `format` parameter (short name or media type) to a media type we serve."""
    key = name.strip().lower()
    aliases, table = (_RDF_ALIASES, RDF_FORMATS) if graph else (_RESULT_ALIASES, RESULT_FORMATS)
    if key in aliases:
        return aliases[key]
    media = key.split(";")[0].strip()
    if media in table:
        return media
    available = sorted(set(aliases) | set(table))
    kind = "graphs" if graph else "query results"
    raise BadRequest(f"format={name!r} is not a format for {kind}; use one of: {', '.join(available)}")


def content_type(media: str) -> str:
    """The Content-Type header value for a media type we serve."""
    if media.startswith("text/") or media in {"application/n-triples", "application/n-quads"}:
        return media + "; charset=utf-8"
    return media
