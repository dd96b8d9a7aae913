"""The SPARQL 1.1 Graph Store HTTP Protocol at /store, and direct identification at /graph/...

- `/store?default` is the store's own default graph (queries without a dataset see the union
  of all graphs; this is the one graph that has no name).
- `/store?graph=IRI` is the named graph IRI.
- `/graph/<path>` directly identifies https://w3id.org/onteam/graph/<path> (the service
  stands for https://w3id.org/onteam/, at `--public-base` or wherever it is reached).
- A browser that GETs `/graph/<path>` (Accept ranking HTML above RDF) gets the graph's page
  (server/graphpages.py); RDF clients get the protocol's answers.
- `/store` alone: GET/HEAD return the whole dataset (N-Quads or TriG); POST makes a new graph
  with a server-chosen IRI (protocol §5.5); PUT and DELETE need a graph (400).

GET and HEAD are open to everyone; PUT, POST and DELETE need the writer token. Each write is
one update: concurrent queries see the graph before or after it, never half-way.
`POST /admin/backup` (writer token) sends a consistent copy of the live store as a tar file.
"""

from __future__ import annotations

import email.parser
import email.policy
import shutil
import tarfile
import uuid
from pathlib import Path
from typing import Any
from urllib.parse import quote, unquote_to_bytes

import anyio
from fastapi import APIRouter, Request
from fastapi.responses import FileResponse, Response
from pyoxigraph import DefaultGraph, NamedNode, Quad, RdfFormat, Store
from starlette.background import BackgroundTask

from . import engine, limits, negotiation, sparql
from .auth import require_writer
from .linkeddata import public_base
from .errors import BadRequest, NotFound, PreconditionFailed, UnsupportedMediaType
from .store import GRAPH_BASE, ONTEAM_BASE, SCRATCH_PREFIX, GraphName, LoadError, backup_store, parse_data, write_graphs_now

router = APIRouter()

# What a graph can be served as: a graph is triples, so no N-Quads or TriG here.
GRAPH_OFFERS: tuple[str, ...] = (
    "text/turtle",
    "application/n-triples",
    "application/rdf+xml",
    "application/ld+json",
    "text/plain",
    "application/x-turtle",
    "text/n3",  # as Turtle (which is N3): what PUT and POST take, a GET gives back
)
DATASET_OFFERS: tuple[str, ...] = ("application/n-quads", "application/trig")
NEW_GRAPH_BASE = GRAPH_BASE + "store/"
# The base of a body sent to `?default`: its request IRI, as /store stands for ONTEAM_BASE + "store"
# (as /graph/<path> does for the graph IRI), so the data never depends on the host the client used.
DEFAULT_GRAPH_BASE = ONTEAM_BASE + "store?default"
_ANY_TYPE = {"", "application/octet-stream"}
_PATH_SAFE = "/:@!$&'()*+,;=-._~"  # RFC 3986 pchar and '/', left as they are in a Location path
_UTF8_CHARSETS = {"utf-8", "utf8", "us-ascii"}  # what every RDF parser here reads


def graph_location(request: Request, graph: GraphName) -> str:
    """Where a client finds `graph` on this service (direct identification when it can)."""
    return graph_url(public_base(request), graph)


def graph_url(base: str, graph: GraphName) -> str:
    """The URL of `graph` on the service reached at `base` (direct identification when it can).

    A header is ASCII and a path ends at `?` or `#`: the rest of the IRI is percent-encoded
    (`%` too), so that `/graph/<path>` decodes back to exactly this IRI. Dot segments would be
    collapsed by clients before the request is sent: such graphs keep the `?graph=` form.
    """
    if isinstance(graph, DefaultGraph):
        return f"{base}/store?default"
    rest = graph.value[len(GRAPH_BASE):] if graph.value.startswith(GRAPH_BASE) else ""
    if rest and not {".", ".."} & set(rest.split("/")):
        return f"{base}/graph/{quote(rest, safe=_PATH_SAFE)}"
    return f"{base}/store?graph={quote(graph.value, safe='')}"


def _named(iri: str) -> NamedNode:
    if ":" not in iri:
        raise BadRequest(f"graph={iri!r} is not an absolute IRI")
    try:
        return NamedNode(iri)
    except ValueError as exc:
        raise BadRequest(f"graph={iri!r} is not a valid IRI: {exc}") from None


def _target(request: Request) -> GraphName | None:
    """The graph a /store request names, or None for the graph store itself."""
    # Strict UTF-8: a replaced byte would name (and write to) a graph the client never named.
    params = limits.parse_form(request.scope.get("query_string", b""), "the query string")
    names = [k for k, _ in params]
    graphs = [v for k, v in params if k == "graph"]
    if "default" in names and graphs:
        raise BadRequest("Give either 'default' or 'graph', not both")
    if len(graphs) > 1:
        raise BadRequest("Parameter 'graph' was given more than once; name one graph")
    if "default" in names:
        return DefaultGraph()
    return _named(graphs[0]) if graphs else None


def _exists(store: Store, graph: GraphName) -> bool:
    return isinstance(graph, DefaultGraph) or store.contains_named_graph(graph)


def _matches_now(header: str, request: Request, graph: GraphName) -> bool:
    """Whether an If-Match / If-None-Match list (or `*`) names a representation of `graph` now."""
    state = request.app.state
    return any(sparql.matches(header, sparql.etag(state, "store", str(graph), media)) for media in GRAPH_OFFERS)


def check_preconditions(request: Request, store: Store, graph: GraphName) -> None:
    """412 when If-Match, If-Unmodified-Since or (on a write) If-None-Match is false (RFC 9110 §13.2.2).

    Writes call it as the store's only writer, so the state it checks is the state they change.
    ETags are weak (gzip may re-encode a body) and so compared weakly: each write changes every
    ETag, so a matching one still proves the client's copy is current. If-None-Match on GET and
    HEAD is `sparql.validators`' (304).
    """
    exists = _exists(store, graph)
    write = request.method not in ("GET", "HEAD")
    unchanged = "; nothing was written" if write else ""
    if_match = request.headers.get("if-match")
    if_unmodified_since = request.headers.get("if-unmodified-since")
    if if_match is not None:
        if not (exists and _matches_now(if_match, request, graph)):
            raise PreconditionFailed(f"If-Match: {if_match} does not match the current state of {graph}{unchanged}")
    elif if_unmodified_since and exists:
        since = sparql.http_timestamp(if_unmodified_since)  # an unparsable date is ignored (RFC 9110 §13.1.4)
        if since is not None and int(getattr(request.app.state, "last_modified", 0.0)) > since:
            raise PreconditionFailed(f"The store was modified after If-Unmodified-Since: {if_unmodified_since}{unchanged}")
    if_none_match = request.headers.get("if-none-match")
    if (if_none_match is not None and write and exists
            and _matches_now(if_none_match, request, graph)):
        raise PreconditionFailed(f"If-None-Match: {if_none_match} matches the current state of {graph}{unchanged}")


async def _serve(request: Request, graph: GraphName | None) -> Response:
    """A graph (or, for None, the whole dataset) in the negotiated format.

    Read in the worker pool like a query (admission, the query timeout) and streamed from
    the store's index, so a graph of any size is sent in flat memory.
    """
    store: Store = request.app.state.store
    offers = DATASET_OFFERS if graph is None else GRAPH_OFFERS
    media = negotiation.negotiate(request.headers.get("accept"), offers)
    if graph is not None and not _exists(store, graph):
        raise NotFound(f"No graph {graph} in the store")
    if graph is not None:
        check_preconditions(request, store, graph)
    headers, fresh = sparql.validators(request, "store", str(graph), media)
    headers["Vary"] = "Accept"
    if fresh:
        return sparql.not_modified(request, headers)
    spec = engine.QuerySpec("", accept=media, head=request.method == "HEAD", dump=engine.Dump(graph))
    reply = await sparql.dispatch(request, spec)
    return sparql.respond(reply, headers, head=spec.head)


def _charset(media_type: str, what: str) -> None:
    """415 for a charset other than UTF-8: the parsers read UTF-8 only, and would misread it."""
    for param in media_type.split(";")[1:]:
        key, _, value = param.partition("=")
        charset = value.strip().strip('"').lower()
        if key.strip().lower() == "charset" and charset not in _UTF8_CHARSETS:
            raise UnsupportedMediaType(
                f"charset={charset!r} of the {what} is not supported: send RDF encoded as UTF-8 (charset=utf-8)"
            )


def _body_format(media_type: str, filename: str | None = None, what: str = "request body") -> RdfFormat:
    """The RDF format of a body (or a multipart part, whose file name extension wins)."""
    _charset(media_type, what)
    if filename and "." in filename:
        fmt = RdfFormat.from_extension(filename.rsplit(".", 1)[1].lower())
        if fmt is not None:
            return fmt
    media = media_type.split(";")[0].strip().lower()
    fmt = RdfFormat.from_media_type(media) if media not in _ANY_TYPE else None
    if fmt is None:
        raise UnsupportedMediaType(
            f"Content-Type {media or '(none)'!r} of the {what} is not an RDF format; use one of: "
            f"{', '.join(negotiation.RDF_INPUT)}, multipart/form-data"
        )
    return fmt


def _parse(data: bytes, fmt: RdfFormat, source: str, graph: GraphName, base: str | None) -> list[Quad]:
    try:
        quads = parse_data(data, fmt, source, graph, base)
    except LoadError as exc:
        extra: dict[str, Any] = {}
        if exc.line is not None:
            extra = {"line": exc.line, "column": exc.column}
        raise BadRequest(f"Syntax error in {exc}; nothing was written", **extra) from None
    # An N3 formula `{ ... }` comes out as triples in a blank-node graph: written into `graph`
    # they would assert what the document only quotes.
    if any(q.graph_name != graph for q in quads):
        raise BadRequest(f"{source}: N3 formulas ({{ ... }}) are not RDF triples and cannot be stored "
                         "in a graph; nothing was written")
    return quads


def _multipart_parts(content_type: str, body: bytes) -> list[tuple[str | None, str | None, str, bytes]]:
    """(form field name, file name, part Content-Type, bytes) of each part of a multipart/form-data body."""
    message = email.parser.BytesParser(policy=email.policy.HTTP).parsebytes(
        b"Content-Type: " + content_type.encode("latin-1") + b"\r\n\r\n" + body
    )
    if not message.is_multipart():
        raise BadRequest("The multipart/form-data body could not be read (is the boundary right?)")
    parts = []
    for part in message.iter_parts():
        payload = part.get_payload(decode=True) or b""
        media = part.get("content-type", "") if part.get("content-type") else ""
        parts.append((part.get_param("name", header="content-disposition"), part.get_filename(), str(media), payload))
    if not parts:
        raise BadRequest("The multipart/form-data body has no parts")
    return parts


async def _read_graph(request: Request, graph: GraphName) -> list[Quad]:
    """Parse the request body (or every multipart part, all before any write) into `graph`."""
    content_type = request.headers.get("content-type", "")
    body = await request.body()
    base = graph.value if isinstance(graph, NamedNode) else DEFAULT_GRAPH_BASE
    if content_type.split(";")[0].strip().lower() != "multipart/form-data":
        fmt = _body_format(content_type)
        return await anyio.to_thread.run_sync(_parse, body, fmt, "request body", graph, base)
    if request.method != "POST":
        raise UnsupportedMediaType("multipart/form-data is accepted by POST only")

    def parse_parts() -> list[Quad]:
        quads: list[Quad] = []
        for index, (field, filename, media, data) in enumerate(_multipart_parts(content_type, body), start=1):
            label = filename or (f"form field {field!r}" if field else f"part {index}")
            what = f"part {filename!r}" if filename else label
            quads += _parse(data, _body_format(media, filename, what), label, graph, base)
        return quads

    return await anyio.to_thread.run_sync(parse_parts)


def _check_writable(graph: GraphName) -> None:
    """400 for a scratch graph: every open drops them, so a write there would not last."""
    if isinstance(graph, NamedNode) and graph.value.startswith(SCRATCH_PREFIX):
        raise BadRequest(f"The graph {graph} is reserved (scratch graphs are dropped on the next start); "
                         "nothing was written")


async def _write(request: Request, graph: GraphName, *, append: bool) -> Response:
    require_writer(request)
    _check_writable(graph)
    quads = await _read_graph(request, graph)
    store: Store = request.app.state.store

    def write() -> bool:
        check_preconditions(request, store, graph)
        existed = _exists(store, graph)
        write_graphs_now(store, {graph: quads}, append=append)
        return existed

    existed = await sparql.write_to_store(request.app.state, write)
    if existed:
        return Response(status_code=204)
    return Response(status_code=201, headers={"Location": graph_location(request, graph)})


async def _delete(request: Request, graph: GraphName) -> Response:
    require_writer(request)
    _check_writable(graph)
    store: Store = request.app.state.store

    def drop() -> None:
        if not _exists(store, graph):
            raise NotFound(f"No graph {graph} in the store")
        check_preconditions(request, store, graph)
        target = "DEFAULT" if isinstance(graph, DefaultGraph) else f"GRAPH {graph}"
        store.update(f"DROP SILENT {target}")

    await sparql.write_to_store(request.app.state, drop)
    return Response(status_code=204)


async def _handle(request: Request, graph: GraphName) -> Response:
    if request.method in ("GET", "HEAD"):
        return await _serve(request, graph)
    if request.method == "PUT":
        return await _write(request, graph, append=False)
    if request.method == "POST":
        return await _write(request, graph, append=True)
    return await _delete(request, graph)


METHODS = ["GET", "HEAD", "PUT", "POST", "DELETE"]


@router.api_route("/store", methods=METHODS)
async def graph_store(request: Request) -> Response:
    """Indirect graph identification (`?default`, `?graph=IRI`) and the graph store itself."""
    graph = _target(request)
    if graph is not None:
        return await _handle(request, graph)
    if request.method in ("GET", "HEAD"):
        return await _serve(request, None)
    if request.method == "POST":
        # §5.5: a new graph with an IRI of the server's choosing.
        return await _write(request, NamedNode(NEW_GRAPH_BASE + uuid.uuid4().hex), append=True)
    raise BadRequest(f"{request.method} /store needs '?default' or '?graph=IRI'")


@router.api_route("/graph/{path:path}", methods=METHODS)
async def direct_graph(request: Request, path: str) -> Response:
    """Direct identification: /graph/<path> is the graph https://w3id.org/onteam/graph/<path>."""
    if request.query_params.get("graph") is not None or "default" in request.query_params:
        raise BadRequest("A directly identified graph takes no 'graph' or 'default' parameter")
    if not path:
        raise NotFound("Name a graph: /graph/<path>")
    raw = request.scope.get("raw_path")
    if raw is not None:  # the server decoded the path leniently (U+FFFD): check the bytes themselves
        limits.decode_utf8(unquote_to_bytes(raw), "the request path")
    graph = _named(GRAPH_BASE + path)
    if request.method not in ("GET", "HEAD"):
        return await _handle(request, graph)
    # The pages import the whole page machinery: import late, as linkeddata does.
    from . import graphpages

    if _wants_page(request):
        response = await graphpages.graph_page(request, graph, graph_location(request, graph))
    else:
        response = await _handle(request, graph)
    if response.status_code in (200, 304):  # the graph IRI dereferences: name its alternates and canonical IRI
        response.headers["Link"] = graphpages.link_header(public_base(request), graph.value)
    return response


def _wants_page(request: Request) -> bool:
    """A browser (HTML ranked above JSON and every RDF type) gets the graph's page; RDF clients,
    `*/*` and no Accept keep the protocol's answers."""
    from .errorpages import prefers_html

    return prefers_html(request.headers.get("accept"))


@router.post("/admin/backup")
async def admin_backup(request: Request) -> FileResponse:
    """A consistent copy of the live store (RocksDB checkpoint + sources.json) as a tar file."""
    require_writer(request)
    settings = request.app.state.settings
    if settings.memory:
        raise BadRequest("This service keeps its store in memory; there is nothing on disk to back up")
    store: Store = request.app.state.store
    # Inside the store directory: same file system, so the checkpoint only hard-links files.
    work = Path(settings.store) / f".backup-{uuid.uuid4().hex}"
    archive = work.with_suffix(".tar")

    def make() -> None:
        backup_store(store, Path(settings.store), work)
        with tarfile.open(archive, "w") as tar:
            for item in sorted(work.iterdir()):
                tar.add(item, arcname=item.name)
        shutil.rmtree(work, ignore_errors=True)

    try:
        await anyio.to_thread.run_sync(make)
    except BaseException:
        shutil.rmtree(work, ignore_errors=True)
        archive.unlink(missing_ok=True)
        raise
    return FileResponse(
        archive,
        media_type="application/x-tar",
        filename="onteam-store-backup.tar",
        background=BackgroundTask(archive.unlink, missing_ok=True),
    )

