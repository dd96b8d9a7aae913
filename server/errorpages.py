"""HTML error pages for people: a browser that follows a wrong link gets a page, not JSON.

The common JSON error body (server/errors.py) stays the answer for every client that does not
prefer HTML, and for every machine endpoint whatever it asks for. A 404 (no route) or 405 is
answered with `error.html` in the reader's language only when all of these hold:

- the path is a page path, not a machine endpoint (MACHINE_PREFIXES: SPARQL, Graph Store,
  the saved-query API, reconciliation, discovery documents, probes, and the paths that
  negotiate RDF, which answer their own 404s);
- the method is GET or HEAD for a 404; for a 405 any method, since a page path takes GET and
  HEAD, so a browser only meets a 405 there by submitting a form with another method (a
  resource's own URL, `/id/kt` or `/ontology`, is a page for this too: `is_resource_page`);
- the Accept header prefers HTML by content negotiation: text/html or application/xhtml+xml
  gets a higher q than every JSON, RDF and SPARQL results type (`prefers_html`).

Either way the response varies by Accept on page paths, and says so.
"""

from __future__ import annotations

from fastapi import FastAPI, Request
from fastapi.responses import Response
from starlette.exceptions import HTTPException as StarletteHTTPException

from . import errors, linkeddata, negotiation, pages

HTML_TYPES = ("text/html", "application/xhtml+xml")
# What machine clients ask for: if one of these is liked as much as HTML, the client gets JSON.
MACHINE_TYPES: tuple[str, ...] = tuple(
    dict.fromkeys(
        [
            "application/json",
            "application/problem+json",
            *negotiation.RESULT_FORMATS,
            *negotiation.RDF_FORMATS,
        ]
    )
)
# Paths whose clients are programs, or that negotiate RDF and answer their own 404s.
MACHINE_PREFIXES = (
    "/sparql", "/store", "/graph", "/api", "/reconcile", "/.well-known", "/health", "/ready",
    "/metrics", "/context.jsonld", "/admin", "/openapi.json", "/id/", "/ontology", "/dataset",
    "/shapes",
)
PAGE_STATUSES = (404, 405)


def is_machine_path(path: str) -> bool:
    """Is `path` a machine endpoint (or under one)? `/apis` is not `/api`; `/api.x` is not either."""
    for prefix in MACHINE_PREFIXES:
        if prefix.endswith("/") and path.startswith(prefix):
            return True
        if path == prefix or path.startswith((prefix + "/", prefix + ".")):
            return True
    return False


def prefers_html(accept: str | None) -> bool:
    """Does the Accept header rank HTML strictly above JSON and every RDF/SPARQL type?

    `*/*` alone, `text/*` or a missing header rank them equal: such clients keep JSON.
    """
    if not accept or not accept.strip():
        return False
    # The same parse and matching (most specific range wins) as every other negotiation here.
    ranges = negotiation.parse_accept(accept)
    html = max(negotiation.quality(ranges, media) for media in HTML_TYPES)
    machine = max(negotiation.quality(ranges, media) for media in MACHINE_TYPES)
    return html > 0 and html > machine


def is_resource_page(path: str) -> bool:
    """Is `path` a resource's own negotiated URL (`/id/kt`, `/ontology`, `/ontology/Consortium`),
    which a browser sees as a page, rather than one of its format URLs (`/id/kt.ttl`)?"""
    if path != "/ontology" and not linkeddata.in_negotiated_namespace(path):
        return False
    return linkeddata.split_extension(path.rsplit("/", 1)[1])[1] in (None, "html")


def wants_page(request: Request, status: int) -> bool:
    """Should this error be answered with an HTML page?"""
    if status not in PAGE_STATUSES:
        return False
    path = request.url.path
    # A resource URL answers its own 404s; its 405 (a form posted to it) is the router's.
    if is_machine_path(path) and not (status == 405 and is_resource_page(path)):
        return False
    if status == 404 and request.method not in ("GET", "HEAD"):
        return False
    return prefers_html(request.headers.get("accept"))


async def http_error(request: Request, exc: Exception) -> Response:
    """The router's 404 and 405 as a page for a browser on a page path; JSON otherwise."""
    assert isinstance(exc, StarletteHTTPException)
    status = exc.status_code
    if status == 404 and request.method in ("GET", "HEAD") and linkeddata.in_negotiated_namespace(request.url.path):
        return await linkeddata.unknown_iri(request)  # an unknown IRI: 404 in the negotiated format
    if not wants_page(request, status):
        response = await errors.http_error_json(request, exc)
        # On a page path the answer depends on Accept: caches must know.
        path = request.url.path
        if status in PAGE_STATUSES and (not is_machine_path(path) or (status == 405 and is_resource_page(path))):
            negotiation.add_vary(response.headers, "Accept")
        return response
    headers = {k: v for k, v in (exc.headers or {}).items() if k.lower() != "content-type"}
    allow = errors.allowed_methods(request) if status == 405 else ""
    if status == 405:
        headers["Allow"] = allow
    context = {"status": status, "path": request.url.path, "method": request.method, "allow": allow}
    return pages.render(request, "error.html", context, status=status, headers=headers)


def install(app: FastAPI) -> None:
    """Answer the router's 404 and 405 with a page where a browser asks for one (after
    errors.install_error_handlers, whose JSON handler this wraps)."""
    app.add_exception_handler(StarletteHTTPException, http_error)
