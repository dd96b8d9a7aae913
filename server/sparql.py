"""The SPARQL 1.1 Protocol at /sparql: queries, updates, datasets, formats, ETags.

`run_query` is the one way a query is evaluated and answered; saved queries use it too.
Results are serialized by the evaluator (server/engine.py); small ones come back as one
body, large ones stream with back-pressure, so memory stays flat and a slow client slows
the serializer down instead of filling the server's memory.
"""

from __future__ import annotations

import hashlib
import os
import pickle
import re
import time
import uuid
from collections.abc import AsyncIterator, Awaitable, Callable, Iterable, Iterator, Mapping, Sequence
from datetime import timezone
from email.utils import formatdate, parsedate_to_datetime
from functools import lru_cache
from itertools import islice
from typing import Any, TypeVar

import anyio
from fastapi import APIRouter, FastAPI, Request
from fastapi.middleware.cors import CORSMiddleware
from fastapi.middleware.gzip import GZipMiddleware
from fastapi.responses import Response, StreamingResponse
from fastapi.routing import APIRoute
from pyoxigraph import (
    DefaultGraph,
    NamedNode,
    Quad,
    QueryBoolean,
    QueryResultsFormat,
    QuerySolutions,
    RdfFormat,
    Store,
    Triple,
    Variable,
)
from pyoxigraph import serialize as rdf_serialize

from . import auth, capped, limits, negotiation, observability, sparqlscan, trigscan
from .cache import CachedAnswer, ResultCache
from .errors import (
    BadRequest,
    NotAcceptable,
    OnTeamError,
    PreconditionFailed,
    QuerySyntaxError,
    UnsupportedMediaType,
    error_response,
)
from .solutions import SolutionsWriter
from .store import SCRATCH_PREFIX

router = APIRouter()
T = TypeVar("T")

_POSITION = re.compile(r"error at (\d+):(\d+)")
FORMAT_PARAMS = ("format", "output", "results")
FORM = "application/x-www-form-urlencoded"
QUERY_MEDIA = "application/sparql-query"
UPDATE_MEDIA = "application/sparql-update"
ALLOW = "GET, HEAD, POST, OPTIONS"
# The base IRI of queries and updates without a BASE of their own (SPARQL 1.1 Protocol lets the
# service choose; this is its endpoint's IRI), so `<id/kt>` names https://w3id.org/onteam/id/kt.
BASE_IRI = "https://w3id.org/onteam/sparql"


# Identifies this process in ETags: the generation counter restarts at 0 on each start.
_BOOT_ID = os.urandom(8).hex()


def syntax_error(kind: str, exc: SyntaxError) -> QuerySyntaxError:
    """A 400 carrying the parser's message, with line and column when it gives them."""
    extra: dict[str, Any] = {}
    match = _POSITION.search(exc.msg or "")
    if match:
        extra = {"line": int(match.group(1)), "column": int(match.group(2))}
    return QuerySyntaxError(f"{kind} syntax error: {exc.msg}", **extra)


@lru_cache(maxsize=1024)
def graph_iri(value: str, parameter: str) -> NamedNode:
    """A dataset IRI from a protocol parameter; 400 if it is not an absolute IRI."""
    try:
        return NamedNode(value)
    except ValueError as exc:
        raise BadRequest(f"{parameter}={value!r} is not an absolute IRI: {exc}") from None


def evaluate(
    store: Store,
    query: str,
    default_graphs: Sequence[str] = (),
    named_graphs: Sequence[str] = (),
    substitutions: Mapping[Variable, Any] | None = None,
) -> Any:
    """Run a query on the dataset the protocol and the query text describe.

    - `default_graphs` / `named_graphs` (protocol parameters) win over FROM / FROM NAMED
      (SPARQL 1.1 Protocol §2.1.4); given only one kind, the other part is empty.
    - Otherwise FROM / FROM NAMED in the query apply. pyoxigraph lets the union flag
      override FROM, so the flag is only set for queries without a dataset clause.
    - Otherwise the default graph is the union of all graphs.
    """
    if not substitutions and sparqlscan.copies_all_triples(query):
        graphs = [graph_iri(g, "default-graph-uri") for g in default_graphs] if default_graphs or named_graphs else None
        return StoredTriples(store, graphs)
    options: dict[str, Any] = {"base_iri": BASE_IRI, "substitutions": dict(substitutions) if substitutions else None}
    if default_graphs or named_graphs:
        options["default_graph"] = [graph_iri(g, "default-graph-uri") for g in default_graphs]
        options["named_graphs"] = [graph_iri(g, "named-graph-uri") for g in named_graphs]
    elif not sparqlscan.query_shape(query).has_dataset:
        options["use_default_graph_as_union"] = True
    try:
        return store.query(query, **options)
    except SyntaxError as exc:
        raise syntax_error("Query", exc) from None
    except ValueError as exc:
        raise BadRequest(str(exc)) from None
    except RuntimeError as exc:
        # pyoxigraph's planning errors, such as a call to an unknown function.
        raise BadRequest(f"The query cannot be evaluated: {exc}") from None


class StoredTriples:
    """The answer to a plain copy (`sparqlscan.copies_all_triples`), read from the store's index.

    The query engine remembers every triple a CONSTRUCT has produced, to drop repeats, so
    its memory grows with the answer; reading the index streams in flat memory. A triple
    held in several graphs comes once per graph: the same RDF graph, once parsed.
    `graphs` None means the union of all graphs (the service's default graph).
    """

    def __init__(self, store: Store, graphs: list[NamedNode | DefaultGraph] | None) -> None:
        self.store = store
        self.graphs = graphs

    def __iter__(self) -> Iterator[Triple]:
        for graph in [None] if self.graphs is None else self.graphs:
            for quad in self.store.quads_for_pattern(None, None, None, graph):
                yield quad.triple

    def serialize(self, output: Any, format: RdfFormat) -> None:
        rdf_serialize(iter(self), output, format=format)


class StoredQuads:
    """Every quad of the store, read from its index (N-Quads or TriG of the whole store).

    TriG also gets the named graphs that hold no quad, as `<g> { }` (N-Quads cannot say them).
    """

    def __init__(self, store: Store) -> None:
        self.store = store

    def __iter__(self) -> Iterator[Quad]:
        return iter(self.store.quads_for_pattern(None, None, None, None))

    def serialize(self, output: Any, format: RdfFormat) -> None:
        rdf_serialize(iter(self), output, format=format)
        if format == RdfFormat.TRIG:
            output.write(trigscan.trig_blocks(trigscan.empty_named_graphs(self.store)))


def stored(store: Store, graph: NamedNode | DefaultGraph | None) -> StoredTriples | StoredQuads:
    """A copy read from the store's index: one graph's triples, or with None every quad."""
    return StoredQuads(store) if graph is None else StoredTriples(store, [graph])


def _is_graph(result: Any) -> bool:
    return not isinstance(result, (QuerySolutions, QueryBoolean))


def choose_format(result: Any, accept: str | None, fmt: str | Sequence[str] | None) -> str:
    """The media type to answer with: a `format`-like parameter wins over Accept.

    Each value may be a short name (`json`, `turtle`) or a comma-separated list of media
    types (SPARQLWrapper sends both, repeated); the first one that names a format for
    this kind of result wins. Values naming no such format (say `format=csv` on a
    CONSTRUCT) are ignored and Accept decides: the parameter is a hint that clients send
    alongside Accept, not a demand worth failing the query for.
    """
    graph = _is_graph(result)
    for value in (fmt,) if isinstance(fmt, str) else fmt or ():
        for name in value.split(","):
            if not name.strip():
                continue
            try:
                return negotiation.format_from_name(name, graph)
            except BadRequest:
                continue
    offers = negotiation.RDF_OFFERS if graph else negotiation.RESULT_OFFERS
    return negotiation.negotiate(accept, offers)


# RDF/XML writes a predicate as an XML element name, so the IRI must end in one.
_XML_NAME_AT_END = re.compile(r"[^\W\d][\w.\-\u00B7]*$")
RDF_XML = "application/rdf+xml"


def _xml_writable(triples: Iterable[Triple]) -> Iterator[Triple]:
    """Pass triples through, refusing a predicate RDF/XML cannot write.

    pyoxigraph would emit an invalid element (`<oxprefix:>`) for, say, `<http://ex/1>`;
    an error before the first byte becomes a 406 instead of a document no parser reads.
    """
    for triple in triples:
        if not _XML_NAME_AT_END.search(triple.predicate.value):
            raise NotAcceptable(
                f"RDF/XML cannot write the predicate <{triple.predicate.value}> (its IRI does not end "
                "in an XML name); ask for another RDF format",
                available=[m for m in negotiation.RDF_OFFERS if m != RDF_XML],
            )
        yield triple


def check_writable(result: Any, media: str, limit: int = 0) -> None:
    """Raise what serializing `result` (its first `limit` triples, 0: all) as `media` would,
    writing nothing: HEAD answers with the status GET would (RFC 9110 §9.3.2)."""
    if media == RDF_XML and _is_graph(result):
        for _ in _xml_writable(islice(result, limit) if limit else result):
            pass


def serialize(result: Any, media: str, output: Any = None) -> bytes | None:
    """Serialize a query result in the chosen media type (to `output` if given)."""
    if not _is_graph(result):
        fmt = negotiation.RESULT_FORMATS[media]
        if fmt == QueryResultsFormat.CSV and isinstance(result, QuerySolutions):
            return _csv_solutions(result, output)
        if fmt == QueryResultsFormat.XML and isinstance(result, QuerySolutions):
            if output is None:
                return result.serialize(None, format=fmt).replace(b"\r", b"&#13;")
            return result.serialize(_XmlCarriageReturns(output), format=fmt)
        return result.serialize(output, format=fmt)
    if negotiation.RDF_FORMATS[media] == RdfFormat.RDF_XML:
        return rdf_serialize(_xml_writable(result), output, format=RdfFormat.RDF_XML)
    return result.serialize(output, format=negotiation.RDF_FORMATS[media])


class _XmlCarriageReturns:
    """pyoxigraph writes a carriage return in a literal raw in SPARQL XML, and XML parsers read
    a raw one as a line feed; it writes no line breaks of its own, so every raw CR it sends is
    data and can be written `&#13;` on the way through."""

    def __init__(self, output: Any) -> None:
        self.output = output

    def write(self, data: bytes) -> int:
        self.output.write(bytes(data).replace(b"\r", b"&#13;"))
        return len(data)

    def flush(self) -> None:
        """Nothing is held here; the output flushes itself when it is done."""


def _csv_solutions(result: QuerySolutions, output: Any) -> bytes | None:
    """SELECT as CSV through OnTeam's writer: pyoxigraph writes IRIs bare in CSV, so one
    holding a comma (a sub-delimiter IRIs allow) splits its row (RFC 4180 wants it quoted)."""
    writer = SolutionsWriter(QueryResultsFormat.CSV, result.variables)
    if output is None:
        pieces: list[bytes] = []
        writer.write(result, pieces.append)
        return b"".join(pieces)
    writer.write(result, output.write)
    return None


# -- store generation: ETags and cached descriptions follow every write ----------------


def mark_store_changed(state: Any) -> None:
    """Call after every write to the store: new ETags, new Last-Modified, fresh VoID."""
    state.generation = getattr(state, "generation", 0) + 1
    now = time.time()
    # Another change in the same second: a Last-Modified of that second no longer tells them apart.
    state.last_modified_shared = int(now) == int(getattr(state, "last_modified", 0.0))
    state.last_modified = now
    cache = getattr(state, "result_cache", None)
    if cache is not None:  # every cached answer belongs to an older generation now
        cache.clear()
    evaluator = getattr(state, "evaluator", None)
    if evaluator is not None:  # query workers move on to the new generation ahead of time
        evaluator.store_changed(state.generation)


@lru_cache(maxsize=64)
def _http_date(timestamp: float) -> str:
    return formatdate(timestamp, usegmt=True)


def etag(state: Any, *parts: object) -> str:
    """The (weak) ETag of a representation named by `parts`, at the store's generation."""
    digest = hashlib.blake2b(digest_size=12)
    digest.update(f"{_BOOT_ID}\x00{getattr(state, 'generation', 0)}".encode())
    for part in parts:
        digest.update(b"\x00" + repr(part).encode("utf-8", "surrogatepass"))
    # Weak: gzip may re-encode the same representation on the way out.
    return f'W/"{digest.hexdigest()}"'


def matches(header: str, tag: str) -> bool:
    """Weak comparison (RFC 9110 §13.1.2) of an If-None-Match or If-Match list (or `*`) with `tag`."""
    if header.strip() == "*":
        return True
    ours = tag.removeprefix("W/")
    return any(listed.strip().removeprefix("W/") == ours for listed in header.split(","))


def http_timestamp(header: str) -> float | None:
    """The instant an HTTP date names (a date without a zone is UTC); None if it is not one."""
    try:
        date = parsedate_to_datetime(header)
        return (date if date.tzinfo else date.replace(tzinfo=timezone.utc)).timestamp()
    except (TypeError, ValueError, IndexError, OverflowError):
        return None


def _unmodified_since(state: Any, header: str) -> bool:
    """If-Modified-Since (RFC 9110 §13.1.3): has the store not changed since that date?

    Dates have whole seconds, so a date equal to the last write's second is trusted only if
    no other write (or the start) fell in that same second: the client's copy was made after
    the first of them and might have missed the next. An unparsable date, or one in the
    future, is ignored.
    """
    since = http_timestamp(header)
    if since is None or since > time.time():
        return False
    changed = int(getattr(state, "last_modified", 0.0))
    return changed < since or (changed == since and not getattr(state, "last_modified_shared", True))


def validators(request: Request, *parts: object) -> tuple[dict[str, str], bool]:
    """ETag and Last-Modified headers for a response, and whether a 304 may answer it.

    On GET and HEAD: a false If-Match (or, without it, If-Unmodified-Since) is a 412; then
    If-None-Match decides when present, otherwise If-Modified-Since.
    """
    state = request.app.state
    tag = etag(state, *parts)
    headers = {
        "ETag": tag,
        "Last-Modified": _http_date(getattr(state, "last_modified", 0.0)),
        # Stored, but revalidated before each reuse: without it a cache may guess a freshness
        # lifetime from Last-Modified (RFC 9111 §4.2.2) and serve results from before a write.
        "Cache-Control": "no-cache",
    }
    if request.method not in ("GET", "HEAD"):
        return headers, False
    # RFC 9110 §13.2.2: If-Match (else If-Unmodified-Since) before If-None-Match.
    if_match = request.headers.get("if-match")
    if if_match is not None and not matches(if_match, tag):
        raise PreconditionFailed(f"If-Match: {if_match} does not match the current representation ({tag})")
    if_unmodified_since = request.headers.get("if-unmodified-since")
    if if_match is None and if_unmodified_since:
        since = http_timestamp(if_unmodified_since)  # an unparsable date is ignored (RFC 9110 §13.1.4)
        if since is not None and int(getattr(state, "last_modified", 0.0)) > since:
            raise PreconditionFailed(f"The store was modified after If-Unmodified-Since: {if_unmodified_since}")
    if_none_match = request.headers.get("if-none-match")
    if if_none_match:
        return headers, matches(if_none_match, tag)
    if_modified_since = request.headers.get("if-modified-since")
    return headers, bool(if_modified_since) and _unmodified_since(state, if_modified_since or "")


def only_if_none_exists(request: Request) -> bool:
    """`If-None-Match: *`: 304 if the answer would be a 2xx, which is known only once it is made.

    A listed ETag was given with an earlier 200, so it may answer before any work; `*` may not
    turn a query with a syntax error, or an Accept nothing meets, into a 304 (RFC 9110 §13.2.1).
    """
    return request.headers.get("if-none-match", "").strip() == "*"


def not_modified(request: Request, headers: dict[str, str]) -> Response:
    """The 304 answer to a conditional GET: the validators and `Vary` the 200 would carry.

    A 200 big enough to be gzipped also varies on Accept-Encoding (the gzip middleware adds
    it); a 304 has no body for the middleware to see, so it is said here.
    """
    if accepts_gzip(request.headers.get("accept-encoding", "")):
        headers = dict(headers)
        negotiation.add_vary(headers, "Accept-Encoding")
    return Response(status_code=304, headers=headers)


# -- answering a query -----------------------------------------------------------------


async def _stream(first: bytes, rest: AsyncIterator[bytes]) -> AsyncIterator[bytes]:
    try:
        yield first
        async for chunk in rest:
            yield chunk
    finally:
        await rest.aclose()  # frees the evaluator when the client leaves early


async def run_query(
    request: Request,
    query: str,
    *,
    default_graphs: Sequence[str] = (),
    named_graphs: Sequence[str] = (),
    substitutions: Mapping[Variable, Any] | None = None,
    fmt: str | Sequence[str] | None = None,
) -> Response:
    """Evaluate `query` in the worker pool (server/engine.py) and answer in the negotiated format.

    Answers 304 to a matching If-None-Match (or If-Modified-Since) without evaluating; HEAD evaluates (to know
    the result kind and so the Content-Type) but serializes nothing.
    """
    for value in default_graphs:
        graph_iri(value, "default-graph-uri")
    for value in named_graphs:
        graph_iri(value, "named-graph-uri")
    limits.check_federation(query, request.app.state.service_allow)
    accept = request.headers.get("accept")
    subs_key = sorted((str(k), str(v)) for k, v in substitutions.items()) if substitutions else None
    fmt_key = (fmt,) if isinstance(fmt, str) else tuple(fmt or ())
    headers, fresh = validators(
        request, query, tuple(default_graphs), tuple(named_graphs), subs_key, accept, fmt_key
    )
    headers["Vary"] = "Accept"
    wildcard = fresh and only_if_none_exists(request)
    if fresh and not wildcard:
        return not_modified(request, headers)
    cache: ResultCache = request.app.state.result_cache
    cached = cache.get(headers["ETag"])
    if cached is not None:
        if wildcard:
            return not_modified(request, headers)
        extra = capped.stated((dict(cached.headers),))
        response = Response(cached.body, media_type=cached.media_type, headers={**headers, **extra, "OnTeam-Cache": "hit"})
        if request.method == "HEAD":
            del response.headers["content-length"]
        return response

    # Imported here: the engine imports this module (evaluation, negotiation, serialization).
    from . import engine

    spec = engine.QuerySpec(
        query,
        tuple(default_graphs),
        tuple(named_graphs),
        tuple(substitutions.items()) if substitutions else (),
        accept,
        fmt_key,
        head=request.method == "HEAD",
        max_results=request.app.state.settings.max_results,
    )
    reply = await dispatch(request, spec)
    if wildcard:  # the query ran and has an answer: the client's copy stands
        if reply.rest is not None:
            await reply.rest.aclose()
        return not_modified(request, headers)
    stated = capped.stated((reply.headers,))
    headers.update(stated)
    response = respond(reply, headers, head=spec.head)
    if reply.rest is None and not spec.head:
        # The ETag names query, dataset, parameters, Accept, format and generation.
        cache.put(headers["ETag"], CachedAnswer(negotiation.content_type(reply.media), reply.first, tuple(stated.items())))
    return response


async def dispatch(request: Request, spec: Any) -> Any:
    """Run `spec` (an `engine.QuerySpec`) in the worker pool, once admitted; its `engine.Reply`.

    Admission bounds the wait for a free evaluator (503 + Retry-After past queue_timeout);
    the slot is held until the answer starts.
    """
    from . import engine  # the engine imports this module

    async with limits.admit(request, spec.query or None):
        return await engine.evaluator(request.app).run(request.app.state, spec)


def respond(reply: Any, headers: dict[str, str], *, head: bool) -> Response:
    """The HTTP response for an evaluator's reply: one body, or a stream for a long answer."""
    content_type = negotiation.content_type(reply.media)
    if reply.rest is not None:
        return StreamingResponse(_stream(reply.first, reply.rest), media_type=content_type, headers=headers)
    response = Response(reply.first, media_type=content_type, headers=headers)
    if head:
        # A HEAD answer carries no body, but its length is not 0: leave it unsaid.
        del response.headers["content-length"]
    return response


async def fetch(
    request: Request, query: str, substitutions: Mapping[Variable, Any] | None = None
) -> tuple[str, bytes]:
    """Evaluate `query` in the worker pool, admitted like any query, and return the whole answer.

    For pages that render an answer rather than send it: SPARQL JSON for SELECT and ASK,
    N-Triples for CONSTRUCT and DESCRIBE (the media type says which). The query timeout and
    the result cap hold as on /sparql.
    """
    from . import engine  # imported here, as in run_query

    spec = engine.QuerySpec(
        query,
        substitutions=tuple(substitutions.items()) if substitutions else (),
        accept=f"{negotiation.RESULT_OFFERS[0]}, application/n-triples",
        max_results=request.app.state.settings.max_results,
    )
    reply = await dispatch(request, spec)
    return reply.media, await _whole(reply)


async def compute(request: Request, function: Callable[..., T], *args: Any, cached: bool = False) -> T:
    """`function(store, *args)` in the worker pool, on the store as of now; its return value.

    For reads that are more than one query (the pages): admitted like a query, under the
    query timeout, and off the server's GIL. `function` must be a module-level function.
    `cached`: keep the (pickled) value in the result cache, for values a call asks for again
    and again (a saved query's enumerations and page counts); like every cached answer it
    belongs to the store's generation, so a write drops it.
    """
    from . import engine  # imported here, as in run_query

    cache: ResultCache = request.app.state.result_cache
    key = ""
    if cached:
        # Pickled arguments name the call unambiguously (term reprs do not escape their values).
        key = etag(request.app.state, "compute", function.__module__, function.__qualname__, pickle.dumps(args, 5))
        hit = cache.get(key)
        if hit is not None:
            return pickle.loads(hit.body)  # pickled by our own worker: trusted
    reply = await dispatch(request, engine.QuerySpec("", call=engine.Call(function, args)))
    body = await _whole(reply)
    if cached:
        cache.put(key, CachedAnswer(engine.PICKLED, body))
    return pickle.loads(body)  # written by our own worker: trusted


async def _whole(reply: Any) -> bytes:
    body = bytearray(reply.first)
    if reply.rest is not None:
        try:
            async for chunk in reply.rest:
                body += chunk
        finally:
            await reply.rest.aclose()
    return bytes(body)


# -- updates ---------------------------------------------------------------------------


async def run_update(
    request: Request,
    update: str,
    *,
    using_graphs: Sequence[str] = (),
    using_named_graphs: Sequence[str] = (),
) -> Response:
    """Check the writer, apply `update` as one transaction, make it durable, answer 204.

    Durability: pyoxigraph commits each update as one RocksDB transaction written to
    the write-ahead log, which survives a crash of this process; the WAL is not fsynced
    though, so `flush()` then writes the memtables to synced table files, and only then
    is the update acknowledged (an OS crash or power cut loses nothing acknowledged).
    """
    observability.note_query(request, update)
    auth.require_writer(request)
    limits.check_federation(update, request.app.state.service_allow)
    for value in using_graphs:
        graph_iri(value, "using-graph-uri")
    for value in using_named_graphs:
        graph_iri(value, "using-named-graph-uri")
    try:
        update = sparqlscan.hoist_prologues(update)
    except SyntaxError as exc:  # a prefix used before its (later) declaration
        raise syntax_error("Update", exc) from None
    if using_graphs or using_named_graphs:
        try:
            update = sparqlscan.add_using(update, using_graphs, using_named_graphs)
        except sparqlscan.UsingNotApplicable as exc:
            raise BadRequest(str(exc)) from None
    for token in sparqlscan.tokens(update):
        if token.kind == "iri" and SCRATCH_PREFIX in token.text:
            # Every open drops scratch graphs: an acknowledged write into one would not last.
            raise BadRequest(f"The update names {token.text}, which is reserved (scratch graphs are "
                             "dropped on the next start); nothing was changed")
    checked, markers = sparqlscan.check_copy_sources(update, SCRATCH_PREFIX + uuid.uuid4().hex)
    shape = sparqlscan.update_shape(update)
    store: Store = request.app.state.store

    def apply() -> None:
        try:
            store.update(checked, base_iri=BASE_IRI)
        except SyntaxError as exc:
            if shape.loads and not _POSITION.search(exc.msg or ""):
                # Not the update (its errors say "error at L:C") but a document LOAD fetched.
                raise BadRequest(f"LOAD failed; nothing was changed: the document loaded from "
                                 f"{_load_targets(update)} does not parse: {exc.msg}") from None
            raise syntax_error("Update", _as_sent(update, checked, exc)) from None
        except (ValueError, RuntimeError) as exc:
            message = str(exc)
            for marker, source in markers.items():  # a COPY / ADD check failed: name its source
                message = message.replace(f"<{marker}>", source)
            raise BadRequest(f"Update failed; nothing was changed: {message}") from None
        except OSError as exc:
            if shape.loads:
                raise BadRequest(f"LOAD failed; nothing was changed: {exc}") from None
            raise OnTeamError(f"Update failed in the store; nothing was changed: {exc}") from None

    await write_to_store(request.app.state, apply)
    return Response(status_code=204)


def _as_sent(update: str, checked: str, exc: SyntaxError) -> SyntaxError:
    """The syntax error at its place in `update`, not in the text the COPY / ADD checks lengthened.

    Those checks are valid operations, so `update` fails to parse too: on an empty store of
    its own, before anything is evaluated.
    """
    if checked == update:
        return exc
    try:
        Store().update(update, base_iri=BASE_IRI)
    except SyntaxError as original:
        return original
    return exc


def _load_targets(update: str) -> str:
    """The documents an update LOADs, as written (`<iri>` or a prefixed name), for messages."""
    significant = [t for t in sparqlscan.tokens(update) if not (t.kind == "word" and t.text.upper() == "SILENT")]
    return " or ".join(
        nxt.text for token, nxt in zip(significant, significant[1:])
        if token.kind == "word" and token.text.upper() == "LOAD" and nxt.kind in ("iri", "pname")
    ) or "the web"


async def write_to_store(state: Any, apply: Callable[[], T]) -> T:
    """Run one write (`apply`, on a thread) as the store's only writer, then publish it.

    Writes go one at a time, so the generation counts them in commit order and a writer's
    own checks (did the graph exist?) agree with its write. Once committed, readers may see
    it, so caches move on even if the flush fails; the flush makes it survive an OS crash
    (RocksDB's write-ahead log alone already survives a crash of this process).
    """

    def flush() -> None:
        try:
            state.store.flush()
        except OSError as exc:
            raise OnTeamError(f"The write was applied but could not be flushed to disk: {exc}") from None

    async with _update_lock(state):
        result = await anyio.to_thread.run_sync(apply, limiter=state.query_limiter)
        mark_store_changed(state)
        observability.STORE_WRITES.inc()
        if not state.settings.memory:
            await anyio.to_thread.run_sync(flush, limiter=state.query_limiter)
    return result


def _update_lock(state: Any) -> anyio.Lock:
    lock = getattr(state, "update_lock", None)
    if lock is None:
        lock = state.update_lock = anyio.Lock()
    return lock


# -- reading the protocol request ------------------------------------------------------


def query_pairs(request: Request) -> list[tuple[str, str]]:
    """The URL's parameters, percent-escapes decoded as strict UTF-8 (400 naming the byte)."""
    return limits.parse_form(request.scope.get("query_string", b""), "the query string")


def decode_text(body: bytes, charset: str, where: str) -> str:
    """A body in the charset it declares: strict UTF-8 (400 naming the byte), else that charset
    (415 for one Python does not know, 400 for bytes it does not hold)."""
    if charset.lower().replace("_", "-") in ("utf-8", "utf8"):
        return limits.decode_utf8(body, where)
    try:
        return body.decode(charset)
    except LookupError:
        raise UnsupportedMediaType(f"Unknown charset {charset!r}; send UTF-8") from None
    except UnicodeDecodeError as exc:
        raise BadRequest(
            f"{where[:1].upper()}{where[1:]} is not valid {charset}: {exc.reason} at byte {exc.start}",
            offset=exc.start,
        ) from None


# What a query or update sent directly may be encoded in: the protocol's media types are UTF-8
# (US-ASCII is a subset). Decoding another charset would run a text other than the one sent.
_DIRECT_CHARSETS = ("utf-8", "utf8", "us-ascii")


def direct_text(body: bytes, media: str, charset: str) -> str:
    """The text of a direct POST: strict UTF-8; 415 for any other declared charset."""
    if charset.lower() not in _DIRECT_CHARSETS:
        raise UnsupportedMediaType(
            f"charset={charset!r} is not accepted: {media} is UTF-8 (SPARQL 1.1 Protocol §2.1.3, §2.2.2); "
            "send the text encoded as UTF-8",
            accepted=[f"{media}; charset=utf-8"],
        )
    return limits.decode_utf8(body, "the request body")


def single(params: list[tuple[str, str]], name: str) -> str | None:
    """The one value of parameter `name` (None if absent); 400 if it is given more than once."""
    values = [v for k, v in params if k == name]
    if len(values) > 1:
        raise BadRequest(f"Parameter {name!r} was given {len(values)} times; give it once")
    return values[0] if values else None


def _all(params: list[tuple[str, str]], name: str) -> list[str]:
    return [v for k, v in params if k == name]


def format_params(params: Sequence[tuple[str, str]]) -> tuple[str, ...]:
    """Every `format`, `output` and `results` value, in that order (repeats allowed)."""
    return tuple(v for name in FORMAT_PARAMS for k, v in params if k == name and v.strip())


def request_media(request: Request) -> tuple[str, str]:
    """The request's media type (lower-case) and its charset (default UTF-8)."""
    raw = request.headers.get("content-type", "")
    media, _, rest = raw.partition(";")
    charset = "utf-8"
    for param in rest.split(";"):
        key, _, value = param.partition("=")
        if key.strip().lower() == "charset" and value.strip():
            charset = value.strip().strip('"')
    return media.strip().lower(), charset


async def _answer(request: Request, params: list[tuple[str, str]], query: str | None, update: str | None) -> Response:
    if query is not None and update is not None:
        raise BadRequest("The request carries both 'query' and 'update'; send one operation per request")
    if update is not None:
        return await run_update(
            request,
            update,
            using_graphs=_all(params, "using-graph-uri"),
            using_named_graphs=_all(params, "using-named-graph-uri"),
        )
    if query is None:
        raise BadRequest("Missing 'query' (or, with POST, 'update') parameter")
    return await run_query(
        request,
        query,
        default_graphs=_all(params, "default-graph-uri"),
        named_graphs=_all(params, "named-graph-uri"),
        fmt=format_params(params),
    )


@router.api_route("/sparql", methods=["GET", "HEAD"])
async def sparql_get(request: Request) -> Response:
    """SPARQL query via GET; without a query, the Service Description."""
    params = query_pairs(request)
    query = single(params, "query")
    if single(params, "update") is not None:
        # 400, not 405: GET is allowed on /sparql, it is the operation that needs POST.
        raise BadRequest("SPARQL Update must be sent with POST (SPARQL 1.1 Protocol §2.2)")
    if query is None and all(k in FORMAT_PARAMS for k, _ in params):
        from . import description  # imported late: description renders through this module

        return await description.service_description_response(request, format_params(params))
    return await _answer(request, params, query, None)


@router.post("/sparql")
async def sparql_post(request: Request) -> Response:
    """Query or update via POST: URL-encoded form, or a direct query / update body."""
    params = query_pairs(request)
    media, charset = request_media(request)
    if media not in (FORM, QUERY_MEDIA, UPDATE_MEDIA):
        raise UnsupportedMediaType(
            f"Content-Type {media or '(none)'!r} is not accepted; use {QUERY_MEDIA}, {UPDATE_MEDIA} or {FORM}",
            accepted=[QUERY_MEDIA, UPDATE_MEDIA, FORM],
        )
    body = await request.body()
    if media == FORM:
        if single(params, "update") is not None:
            # Like a direct POST, a form carries its update in the body (SPARQL 1.1 Protocol §2.2.1).
            raise BadRequest("An update sent as a form goes in the form body, not in the URL")
        params += limits.parse_form(decode_text(body, charset, "the form body"), "the form body")
        return await _answer(request, params, single(params, "query"), single(params, "update"))
    for name in ("query", "update"):
        if single(params, name) is not None:
            raise BadRequest(f"A direct POST carries the operation in its body; drop the {name!r} URL parameter")
    if media == UPDATE_MEDIA:
        auth.require_writer(request)  # before looking at the body of someone not allowed to write
    text = direct_text(body, media, charset)
    if media == QUERY_MEDIA:
        return await _answer(request, params, text, None)
    return await _answer(request, params, None, text)


@router.options("/sparql")
async def sparql_options() -> Response:
    """What /sparql allows (CORS preflights are answered by the middleware before this)."""
    return Response(status_code=204, headers={"Allow": ALLOW})


# A path the shortcut serves: its route (named in metrics) and its handler per method.
Shortcut = tuple[Any, dict[str, Callable[[Request], Awaitable[Response]]]]


def shortcuts(routes: Iterable[Any], paths: Iterable[str]) -> dict[str, Shortcut]:
    """The shortcut table for `paths`: each path's route handlers by method, from `routes`.

    Only for reads and POSTed queries whose handler takes the request alone (no parameters
    from the path, no dependencies to solve): /sparql and each saved query.
    """
    table: dict[str, Shortcut] = {}
    for path in paths:
        found = [route for route in routes if isinstance(route, APIRoute) and route.path == path]
        handlers = {method: route.endpoint for route in found for method in route.methods & _SHORT_METHODS}
        table[path] = (next(r for r in found if r.methods & {"GET", "POST"}), handlers)
    return table


_SHORT_METHODS = frozenset({"GET", "HEAD", "POST"})


async def direct(scope: dict[str, Any], receive: Any, send: Any) -> None:
    """A shortcut path as a bare ASGI app: the routes' own handlers, without FastAPI's routing.

    Route matching over every route, dependency solving and the exception middleware are
    most of the Python a small query costs; `app.OnTeam` sends the requests that
    `takes_shortcut` accepts here. Errors become the same JSON body as on the routes.
    """
    route, handlers = scope["app"].shortcuts[scope["path"]]
    scope["route"] = route  # names the route in metrics, as routing would
    try:
        response = await handlers[scope["method"]](Request(scope, receive))
    except OnTeamError as exc:
        response = error_response(exc)
    # The same answer to a request with an Origin carries CORS headers: say so to caches, as the
    # CORS middleware does on the full stack, or a shared cache hands it to a browser without them.
    response.headers["Vary"] = ", ".join(v for v in (response.headers.get("vary"), "Origin") if v)
    await response(scope, receive, send)


def takes_shortcut(scope: dict[str, Any], table: Mapping[str, Shortcut]) -> bool:
    """A request for a path and method of `table` whose answer neither CORS nor gzip would change.

    With an Origin header (CORS adds headers) or gzip in Accept-Encoding, the request takes
    the full middleware stack instead, so there is one implementation of each.
    """
    if scope["type"] != "http":
        return False
    entry = table.get(scope["path"])
    if entry is None or scope["method"] not in entry[1]:
        return False
    for name, value in scope["headers"]:
        if name == b"origin" or (name == b"accept-encoding" and accepts_gzip(value.decode("latin-1"))):
            return False
    return True


def accepts_gzip(accept_encoding: str) -> bool:
    """Whether an Accept-Encoding value allows gzip (RFC 9110 §12.5.3).

    `gzip;q=0` refuses it; `*` with a non-zero weight allows it unless gzip is named apart;
    `x-gzip` is gzip's old name. Codings are case-insensitive.
    """
    weights: dict[str, float] = {}
    for item in accept_encoding.split(","):
        coding, *params = (part.strip() for part in item.split(";"))
        q = 1.0
        for param in params:
            key, _, value = param.partition("=")
            if key.strip().lower() == "q":
                try:
                    q = float(value)
                except ValueError:
                    q = 0.0  # a weight we cannot read is no consent to compress
        if coding:
            weights[coding.lower()] = q
    named = [weights[c] for c in ("gzip", "x-gzip") if c in weights]
    if named:
        return max(named) > 0
    return weights.get("*", 0.0) > 0


class GzipConsent:
    """Say to Starlette's gzip exactly whether the client accepts gzip.

    Starlette compresses whenever Accept-Encoding contains the letters "gzip", so
    `gzip;q=0` (gzip refused) got gzip and `*` did not. This middleware, just outside it,
    rewrites the header to `gzip` or `identity` as the weights decide (`accepts_gzip`).
    """

    def __init__(self, app: Any) -> None:
        self.app = app

    async def __call__(self, scope: dict[str, Any], receive: Any, send: Any) -> None:
        if scope["type"] == "http":
            values = [v for n, v in scope["headers"] if n == b"accept-encoding"]
            if values:
                consent = accepts_gzip(b",".join(values).decode("latin-1"))
                headers = [(n, v) for n, v in scope["headers"] if n != b"accept-encoding"]
                headers.append((b"accept-encoding", b"gzip" if consent else b"identity"))
                # In place, not a copy: outer middlewares read what handlers note in the
                # scope (the access log's query hash).
                scope["headers"] = headers
        await self.app(scope, receive, send)




def install_middleware(app: FastAPI) -> None:
    """CORS for every client, gzip for those that accept it.

    CORS opens the read endpoints to any origin, never with credentials (no cookies), and
    writes to none: every write needs `Authorization: Bearer`, which a preflight does not
    allow, and PUT and DELETE are not allowed methods. GZip compresses streamed chunks one
    by one (each flushed), so streaming and flat memory survive it; level 5 keeps large
    exports from being bound by compression.
    """
    app.add_middleware(GZipMiddleware, minimum_size=1024, compresslevel=5)
    app.add_middleware(GzipConsent)
    app.add_middleware(
        CORSMiddleware,
        allow_origins=["*"],
        allow_credentials=False,
        allow_methods=["GET", "HEAD", "POST", "OPTIONS"],
        allow_headers=["Accept", "Content-Type", "If-None-Match", "If-Modified-Since", "If-Match", "If-Unmodified-Since", "Cache-Control"],
        expose_headers=["ETag", "Last-Modified", "OnTeam-Cache", "OnTeam-Truncated", "Content-Length", "Content-Location", "Link", "Location", "Vary", "Retry-After", "Allow"],
        max_age=86400,
    )
