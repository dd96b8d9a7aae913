"""Dereferenceable IRIs: /id/<slug>, /ontology and /context.jsonld, with content negotiation.

`https://w3id.org/onteam/<path>` is served at `<public base>/<path>`. Returned RDF keeps the
canonical w3id IRIs (they are the identifiers); only HTML links point at the local pages.
Each format also has its own URL (`/id/kt.ttl`), named in a `Link` header on every answer.

An unknown IRI is a 404 in the asked format: an HTML page for browsers, and for RDF an
empty graph (with a comment where the syntax has one), so RDF clients still get RDF.
"""

from __future__ import annotations

import json
import re
from typing import Any
from urllib.parse import quote

import rdflib
from fastapi import APIRouter, Request
from fastapi.responses import RedirectResponse, Response
from pyoxigraph import NamedNode, RdfFormat, Triple, Variable, serialize

from . import limits, negotiation
from .errors import NotAcceptable, NotFound, error_response
from .sparql import compute, evaluate, not_modified, validators

router = APIRouter()

ONTEAM = "https://w3id.org/onteam/"
ID_BASE = ONTEAM + "id/"
ONTOLOGY_IRI = ONTEAM + "ontology"
OT = ONTOLOGY_IRI + "#"
SOURCE_GRAPHS = ONTEAM + "graph/"
IN_DATASET = NamedNode("http://rdfs.org/ns/void#inDataset")

PREFIXES: dict[str, str] = {
    "ot": OT,
    "id": ID_BASE,
    "org": "http://www.w3.org/ns/org#",
    "prov": "http://www.w3.org/ns/prov#",
    "rdf": "http://www.w3.org/1999/02/22-rdf-syntax-ns#",
    "rdfs": "http://www.w3.org/2000/01/rdf-schema#",
    "owl": "http://www.w3.org/2002/07/owl#",
    "xsd": "http://www.w3.org/2001/XMLSchema#",
    "skos": "http://www.w3.org/2004/02/skos/core#",
    "dcterms": "http://purl.org/dc/terms/",
    "foaf": "http://xmlns.com/foaf/0.1/",
    # The ontology and the data use http://schema.org/ (as schema.org's own RDF does); a
    # different IRI here would leave schema: terms uncompacted and editor queries matching nothing.
    "schema": "http://schema.org/",
    "vann": "http://purl.org/vocab/vann/",
    "sh": "http://www.w3.org/ns/shacl#",
}

HTML = "text/html"
# Extension -> media type; the order is the order of the Link header.
EXTENSIONS: dict[str, str] = {
    "html": HTML,
    "ttl": "text/turtle",
    "jsonld": "application/ld+json",
    "nt": "application/n-triples",
    "rdf": "application/rdf+xml",
    "trig": "application/trig",
    "nq": "application/n-quads",
}
MEDIA_EXTENSION = {media: ext for ext, media in EXTENSIONS.items()}
# HTML first: `*/*` (curl, plain fetches) and browsers get the page; RDF clients ask for RDF.
OFFERS: tuple[str, ...] = (
    HTML,
    "text/turtle",
    "application/ld+json",
    "application/n-triples",
    "application/rdf+xml",
    "application/trig",
    "application/n-quads",
    "application/xhtml+xml",
    "application/x-turtle",
    "application/json",
    "text/plain",
    "text/n3",
)
_ALIASES = {
    "application/xhtml+xml": HTML,
    "application/x-turtle": "text/turtle",
    "application/json": "application/ld+json",
    "text/plain": "application/n-triples",
    "text/n3": "text/turtle",
}
# A description is one graph: as TriG it is Turtle (the default graph), as N-Quads it is
# N-Triples, so quad-only clients (rdflib's format="trig", Comunica) get it without a 406.
_OX_FORMATS = {
    "text/turtle": RdfFormat.TURTLE,
    "application/n-triples": RdfFormat.N_TRIPLES,
    "application/rdf+xml": RdfFormat.RDF_XML,
    "application/trig": RdfFormat.TURTLE,
    "application/n-quads": RdfFormat.N_TRIPLES,
}
_SLUG = re.compile(r"^[a-z0-9]+(?:-[a-z0-9]+)*$")
# Ontology terms are XML names in ASCII (ot:Consortium, ot:hasMember); anything else is not one.
_TERM_NAME = re.compile(r"^[A-Za-z_][A-Za-z0-9_.-]*$")
# A version segment of the ontology IRI (0.3.0); anything else cannot be a version IRI of ours.
_VERSION = re.compile(r"^[0-9][0-9A-Za-z.-]*$")

DESCRIBE_QUERY = """
PREFIX org: <http://www.w3.org/ns/org#>
PREFIX ot: <https://w3id.org/onteam/ontology#>
CONSTRUCT { ?r ?p ?o . ?s ?q ?r . ?n ?np ?no . }
WHERE {
  { ?r ?p ?o }
  UNION { ?s ?q ?r }
  UNION { ?n org:member|org:organization ?r . ?n ?np ?no }
  UNION { ?m org:member|org:organization ?r . ?m ot:evidence ?n . ?n ?np ?no }
  UNION { ?r ot:evidence ?n . ?n ?np ?no }
  UNION { ?n ot:about ?r . ?n ?np ?no }
  UNION { ?a ot:about ?r . ?a ot:evidence ?n . ?n ?np ?no }
  UNION {
    ?r ?p0 ?b .
    FILTER(isBlank(?b))
    ?b (<urn:x-onteam:any>|!<urn:x-onteam:any>)* ?n .
    FILTER(isBlank(?n))
    ?n ?np ?no
  }
}
"""

# Labels of the resources a description mentions, so a client can show them without more requests.
LABELS_QUERY = """
PREFIX rdfs: <http://www.w3.org/2000/01/rdf-schema#>
PREFIX skos: <http://www.w3.org/2004/02/skos/core#>
CONSTRUCT { ?x ?lp ?l } WHERE {
  VALUES ?lp { rdfs:label skos:prefLabel }
  VALUES ?x { %s }
  ?x ?lp ?l .
}
"""

# The ontology document is the named graph its file was loaded into (server/store.py names one
# graph per source file), served whole: a subject filter on ot: IRIs dropped the declarations of
# reused terms (org:member, xsd:date ...) and the owl:AllDisjointClasses axioms, so Protégé and
# pyLODE reading the IRI got another ontology than the file.
ONTOLOGY_GRAPH = SOURCE_GRAPHS + "ontology/onteam"
ONTOLOGY_QUERY = f"CONSTRUCT {{ ?s ?p ?o }} WHERE {{ GRAPH <{ONTOLOGY_GRAPH}> {{ ?s ?p ?o }} }}"


def public_base(request: Request) -> str:
    """Where clients reach this service, standing for https://w3id.org/onteam/: the configured
    public base (`ONTEAM_PUBLIC_BASE`), else the URL this request reached; no trailing slash."""
    configured = request.app.state.settings.public_base
    return (configured or str(request.base_url)).rstrip("/")


def local_url(iri: str, base: str) -> str:
    """The local URL that serves `iri`; IRIs outside OnTeam are returned unchanged."""
    if iri.startswith(ONTEAM):
        return base + "/" + iri[len(ONTEAM) :]
    return iri


def context_document(base: str) -> dict[str, Any]:
    """The published JSON-LD @context: the project's prefixes (a CURIE for every IRI we use)."""
    return {"@context": {**PREFIXES}}


def describe(store: Any, iri: str) -> list[Triple]:
    """The description of a resource: outgoing and incoming triples, the blank nodes it
    reaches (as a Concise Bounded Description would), its memberships and their evidence,
    its own evidence, statements about it with theirs, and the labels of everything
    mentioned, properties included."""
    triples = list(evaluate(store, DESCRIBE_QUERY, substitutions={Variable("r"): NamedNode(iri)}))
    return list(dict.fromkeys(triples + labels_for(store, triples, skip={iri})))


def labels_for(store: Any, triples: list[Triple], skip: frozenset[str] | set[str] = frozenset()) -> list[Triple]:
    """rdfs:label / skos:prefLabel triples of the IRIs mentioned in `triples` (but those in `skip`)."""
    described = set(skip)
    mentioned: set[str] = set()
    for t in triples:
        for term in (t.subject, t.predicate, t.object):
            if isinstance(term, NamedNode) and term.value not in described:
                mentioned.add(term.value)
    if not mentioned:
        return []
    values = " ".join(f"<{iri}>" for iri in sorted(mentioned) if ">" not in iri)
    return list(evaluate(store, LABELS_QUERY % values))


def ontology_graph(store: Any) -> list[Triple]:
    """Every triple of the ontology document, as its file states them."""
    return list(evaluate(store, ONTOLOGY_QUERY))


def serialize_rdf(triples: list[Triple], media: str, base: str, expanded: bool = False) -> bytes:
    """Serialize triples as Turtle, N-Triples, RDF/XML or JSON-LD (compact, or `expanded`)."""
    if media == "application/ld+json":
        return _jsonld_expanded(triples) if expanded else _jsonld(triples, base)
    fmt = _OX_FORMATS[media]
    prefixes = PREFIXES if fmt != RdfFormat.N_TRIPLES else None
    return serialize(sorted(triples, key=str), format=fmt, prefixes=prefixes)


def _jsonld(triples: list[Triple], base: str) -> bytes:
    """Compact JSON-LD that references the published context by URL."""
    nt = serialize(triples, format=RdfFormat.N_TRIPLES)
    graph = rdflib.Graph()
    graph.parse(data=nt.decode("utf-8"), format="nt")
    context = context_document(base)["@context"]
    text = graph.serialize(format="json-ld", context=context, auto_compact=True)
    document = json.loads(text)
    if isinstance(document, list):  # an empty graph comes back as a bare list
        document = {"@graph": document}
    document["@context"] = base + "/context.jsonld"
    return json.dumps(document, ensure_ascii=False, indent=2).encode("utf-8")


def _jsonld_expanded(triples: list[Triple]) -> bytes:
    """Expanded JSON-LD: full IRIs and no @context, for clients that process no contexts."""
    graph = rdflib.Graph()
    graph.parse(data=serialize(triples, format=RdfFormat.N_TRIPLES).decode("utf-8"), format="nt")
    document = json.loads(graph.serialize(format="json-ld"))
    return json.dumps(document, ensure_ascii=False, indent=2).encode("utf-8")


JSONLD_EXPANDED = "http://www.w3.org/ns/json-ld#expanded"


def wants_expanded(request: Request, media: str, ext: str | None) -> bool:
    """Does the negotiated JSON-LD answer owe the expanded form? The IANA registration of
    application/ld+json: a server SHOULD honour the `profile` values it recognizes. The
    application/ld+json range with the highest q decides; an extension URL names one form."""
    if media != "application/ld+json" or ext is not None:
        return False
    best_q, profiles = 0.0, []
    for part in (request.headers.get("accept") or "").split(","):
        pieces = [p.strip() for p in part.split(";")]
        if pieces[0].lower() != "application/ld+json":
            continue
        q, named = 1.0, []
        for param in pieces[1:]:
            key, _, value = param.partition("=")
            key, value = key.strip().lower(), value.strip().strip('"')
            if key == "q":
                try:
                    q = float(value)
                except ValueError:
                    pass  # lenient like negotiation.parse_accept
            elif key == "profile":
                named = value.split()
        if q > best_q:
            best_q, profiles = q, named
    return JSONLD_EXPANDED in profiles


def empty_rdf(media: str, base: str, note: str) -> bytes:
    """An empty graph in `media`, with `note` as a comment where the syntax allows one."""
    if media == "application/ld+json":
        return json.dumps({"@context": base + "/context.jsonld", "@graph": []}).encode("utf-8")
    if media == "application/rdf+xml":
        return (
            '<?xml version="1.0" encoding="UTF-8"?>\n'
            f"<!-- {note.replace('--', '- -')} -->\n"
            '<rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#"/>\n'
        ).encode("utf-8")
    return f"# {note}\n".encode("utf-8")


def choose_media(request: Request, ext: str | None, local: str | None = None) -> str:
    """The media type to answer with: the extension wins, then the Accept header.

    A 406 varies by Accept like any negotiated answer, and names the URL of each
    representation of `local` (RFC 9110 §15.5.7) so the client can pick one.
    """
    if ext is not None:
        return EXTENSIONS[ext]
    try:
        media = negotiation.negotiate(request.headers.get("accept"), OFFERS)
    except NotAcceptable as exc:
        exc.headers = {**exc.headers, "Vary": "Accept"}
        if local is not None:
            exc.headers["Link"] = alternates_header(quote(local, safe=URI_SAFE))
        raise
    return _ALIASES.get(media, media)


def alternates_header(url_without_ext: str) -> str:
    """The `Link` header listing every representation of a resource."""
    links = [f'<{url_without_ext}.{ext}>; rel="alternate"; type="{media}"' for ext, media in EXTENSIONS.items()]
    return ", ".join(links)


def split_extension(name: str) -> tuple[str, str | None]:
    """`kt.ttl` -> (`kt`, `ttl`); a name without a known extension has none."""
    stem, dot, ext = name.rpartition(".")
    if dot and ext in EXTENSIONS:
        return stem, ext
    return name, None


def rdf_response(body: bytes, media: str, status: int, headers: dict[str, str], expanded: bool = False) -> Response:
    """A response carrying RDF in `media` (for expanded JSON-LD, saying so by its profile)."""
    content_type = negotiation.content_type(media) + (f'; profile="{JSONLD_EXPANDED}"' if expanded else "")
    return Response(body, status_code=status, media_type=content_type, headers=headers)


# Header values are bytes in latin-1: IRIs go out as URIs (RFC 3987 §3.1), so a slug such as
# `원팀` or `Ā` is percent-encoded instead of failing the response with a 500.
URI_SAFE = ":/?#[]@!$&'()*+,;=%~"


def _headers(local: str, canonical: str, ext: str | None, media: str) -> dict[str, str]:
    local, canonical = quote(local, safe=URI_SAFE), quote(canonical, safe=URI_SAFE)
    headers = {"Vary": "Accept", "Link": alternates_header(local) + f', <{canonical}>; rel="canonical"'}
    if ext is None:
        headers["Content-Location"] = f"{local}.{MEDIA_EXTENSION[media]}"
    return headers


def _validate(request: Request, headers: dict[str, str], media: str, *parts: str) -> bool:
    """Add ETag and Last-Modified to `headers`; whether a 304 may answer (conditional GET).

    The ETag names `media` and `parts`; an HTML page also depends on the language it is
    shown in, so that is part of its ETag too.
    """
    from . import pages

    language = ""
    if media == HTML:
        language = pages.choose_lang(request)[0]
        headers["Vary"] = "Accept, Accept-Language, Cookie"  # as the page says (a 304 must too)
    found, fresh = validators(request, media, *parts, language)
    headers.update(found)
    return fresh


async def _in_thread(request: Request, fn: Any, *args: Any) -> Any:
    """Serialize on a thread, admitted like a query (503 + Retry-After when all slots stay busy)."""
    return await limits.run_admitted(request, fn, *args)


@router.api_route("/id/{name}", methods=["GET", "HEAD"], include_in_schema=False)
async def resource(request: Request, name: str) -> Response:
    """A resource of the graph in the negotiated format (or the one its extension names)."""
    from . import pages  # the HTML side imports this module, so import it late

    slug, ext = split_extension(name)
    base = public_base(request)
    iri = ID_BASE + slug
    local = f"{base}/id/{slug}"
    media = choose_media(request, ext, local)
    headers = _headers(local, iri, ext, media)
    triples: list[Triple] = []
    if _SLUG.match(slug):
        triples = await compute(request, describe, iri)
    found = any(t.subject == NamedNode(iri) or t.object == NamedNode(iri) for t in triples)
    if not found:
        headers.pop("Content-Location", None)  # there is no representation to point at
        if media == HTML:
            return await pages.not_found_page(request, iri, headers)
        return rdf_response(empty_rdf(media, base, f"Not found: <{iri}> is not in the graph"), media, 404, headers)
    expanded = wants_expanded(request, media, ext)
    if expanded:
        headers.pop("Content-Location", None)  # the .jsonld URL serves the compacted form
    if _validate(request, headers, media, "id", slug, base, *(("expanded",) if expanded else ())):
        return not_modified(request, headers)
    if media == HTML:
        return await pages.resource_page(request, iri, triples, headers)
    # VoID §7 discovery: the document names the dataset it belongs to (whose IRI leads to its VoID).
    # The subject is the canonical IRI, which is also the document's: RDF answers name no local URL.
    triples = [*triples, Triple(NamedNode(iri), IN_DATASET, NamedNode(ONTEAM + "dataset"))]
    body = await _in_thread(request, serialize_rdf, triples, media, base, expanded)
    return rdf_response(body, media, 200, headers, expanded)


@router.api_route("/ontology", methods=["GET", "HEAD"], include_in_schema=False)
async def ontology(request: Request) -> Response:
    """The ontology document: its HTML documentation or its graph."""
    return await _ontology(request, None)


@router.api_route("/ontology.{ext}", methods=["GET", "HEAD"], include_in_schema=False)
async def ontology_with_extension(request: Request, ext: str) -> Response:
    """The ontology in the format its extension names."""
    if ext not in EXTENSIONS:
        raise NotFound(f"No representation of the ontology with extension {ext!r}; use one of: {', '.join(EXTENSIONS)}")
    return await _ontology(request, ext)


async def _ontology(request: Request, ext: str | None, path: str = "/ontology") -> Response:
    """The ontology document at `path`: /ontology, or its version IRI's path (/ontology/0.3.0),
    whose Content-Location and alternates stay with that version."""
    from . import pages

    base = public_base(request)
    media = choose_media(request, ext, base + path)
    headers = _headers(base + path, ONTOLOGY_IRI, ext, media)
    expanded = wants_expanded(request, media, ext)
    if expanded:
        headers.pop("Content-Location", None)  # the .jsonld URL serves the compacted form
    if _validate(request, headers, media, "ontology", base, *(("expanded",) if expanded else ())):
        return not_modified(request, headers)
    triples = await compute(request, ontology_graph)
    if media == HTML:
        return await pages.ontology_page(request, triples, headers)
    body = await _in_thread(request, serialize_rdf, triples, media, base, expanded)
    return rdf_response(body, media, 200, headers, expanded)


def term_defined(store: Any, iri: str) -> bool:
    """Whether the ontology says anything about `iri` (then it is documented at its anchor)."""
    return bool(evaluate(store, "ASK { ?t ?p ?o }", substitutions={Variable("t"): NamedNode(iri)}))


def current_version(store: Any, iri: str) -> bool:
    """Whether `iri` is the ontology's owl:versionIRI (the version this server holds)."""
    query = "ASK { ?o <http://www.w3.org/2002/07/owl#versionIRI> ?v }"
    return bool(evaluate(store, query, substitutions={Variable("o"): NamedNode(ONTOLOGY_IRI), Variable("v"): NamedNode(iri)}))


@router.api_route("/ontology/{term}", methods=["GET", "HEAD"], include_in_schema=False)
async def ontology_term(request: Request, term: str) -> Response:
    """/ontology/Term: 303 to where a defined term is documented (the ontology, at #Term);
    404 in the asked format for a term the ontology does not define.

    /ontology/<version> (the owl:versionIRI, such as .../ontology/0.3.0) is the ontology
    document itself: OWL 2 asks that a version IRI give that version, and tools such as
    Protégé load an ontology by it.
    """
    from . import pages

    name, ext = split_extension(term)
    if _VERSION.match(name) and await compute(request, current_version, f"{ONTOLOGY_IRI}/{name}"):
        return await _ontology(request, ext, f"/ontology/{name}")
    base = public_base(request)
    media = choose_media(request, ext)
    iri = OT + name
    headers = {"Vary": "Accept"}
    defined = _TERM_NAME.match(name) is not None and await compute(request, term_defined, iri)
    if not defined:
        if media == HTML:
            return await pages.not_found_page(request, iri, headers)
        note = f"Not found: the ontology does not define <{iri}>"
        return rdf_response(empty_rdf(media, base, note), media, 404, headers)
    document = f"{base}/ontology" + (f".{ext}" if ext else "")
    query = request.url.query  # ?lang=ko goes along: a shared link keeps its page language
    return RedirectResponse(f"{document}{'?' + query if query else ''}#{name}", status_code=303, headers=headers)


# Namespaces whose IRIs this module dereferences: an IRI under one that no route matches
# (`/id/`, `/id/a/b`, `/ontology/a/b`) is still an unknown IRI, answered like any other.
NEGOTIATED_NAMESPACES = ("/id/", "/ontology/")


def in_negotiated_namespace(path: str) -> bool:
    """Is `path` under a namespace whose unknown IRIs get a 404 in the negotiated format?"""
    return path.startswith(NEGOTIATED_NAMESPACES)


async def unknown_iri(request: Request) -> Response:
    """The 404 of a path under /id/ or /ontology/ that no route serves, in the asked format
    (the extension's, else Accept's): a page, or an empty graph; a 406 if none is acceptable.

    Called from the router's 404 handler, where a raised error would not be handled again.
    """
    from . import pages

    stem, ext = split_extension(request.url.path.lstrip("/"))
    base = public_base(request)
    iri = ONTEAM + stem
    try:
        media = choose_media(request, ext, f"{base}/{stem}")
    except NotAcceptable as exc:
        return error_response(exc)
    headers = {"Vary": "Accept"}
    if media == HTML:
        return await pages.not_found_page(request, iri, headers)
    return rdf_response(empty_rdf(media, base, f"Not found: <{iri}> is not in the graph"), media, 404, headers)


@router.api_route("/dataset", methods=["GET", "HEAD"], include_in_schema=False)
async def dataset(request: Request) -> Response:
    """https://w3id.org/onteam/dataset names the dataset, not a document: 303 to its VoID description."""
    return _see_other(request, "/.well-known/void")


@router.api_route("/shapes", methods=["GET", "HEAD"], include_in_schema=False)
async def shapes(request: Request) -> Response:
    """https://w3id.org/onteam/shapes#… are the SHACL shapes: 303 to the graph that holds them."""
    return _see_other(request, "/graph/ontology/shapes")


def _see_other(request: Request, path: str) -> Response:
    query = request.url.query  # a format= or Accept-like parameter goes along
    return RedirectResponse(public_base(request) + path + (f"?{query}" if query else ""), status_code=303)


@router.api_route("/context.jsonld", methods=["GET", "HEAD"], include_in_schema=False)
async def context(request: Request) -> Response:
    """The JSON-LD @context that compact OnTeam JSON-LD refers to.

    JSON-LD processors fetch it for every document they expand, so it revalidates like
    the descriptions do (ETag, 304) instead of being sent again each time.
    """
    headers, fresh = validators(request, "context.jsonld")
    headers["Access-Control-Allow-Origin"] = "*"
    if fresh:
        return not_modified(request, headers)
    body = json.dumps(context_document(public_base(request)), indent=2).encode("utf-8")
    return Response(body, media_type="application/ld+json", headers=headers)
