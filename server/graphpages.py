"""The HTML page of a directly identified graph (`/graph/<path>`), for browsers.

The Graph Store Protocol answers RDF clients at `/graph/<path>` (server/graphstore.py); a
client whose Accept ranks HTML above JSON and every RDF type (errorpages.prefers_html, the
rule every page path uses) gets this page instead: the graph's IRI, what it is (the project
file it comes from, the document header it holds, its size, the store's last change), links
to it in each RDF format and to the SPARQL editor with a query over it. Every other client
keeps the protocol's answers, 404 included.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from typing import Any
from urllib.parse import quote, urlencode

from fastapi import Request
from fastapi.responses import Response
from pyoxigraph import Literal, NamedNode, Store, Variable

from . import negotiation, pages, sparql
from .description import current_stats, utc_datetime
from .linkeddata import URI_SAFE, public_base
from .store import source_files

OWL_ONTOLOGY = "http://www.w3.org/2002/07/owl#Ontology"
DCTERMS = "http://purl.org/dc/terms/"
RDFS_LABEL = "http://www.w3.org/2000/01/rdf-schema#label"
OWL_VERSION_INFO = "http://www.w3.org/2002/07/owl#versionInfo"
OWL_IMPORTS = "http://www.w3.org/2002/07/owl#imports"
# The formats a graph is offered in, as /sparql's `format` names them (its graph aliases).
DOWNLOADS: tuple[tuple[str, str, str], ...] = (
    ("Turtle", "ttl", "text/turtle"),
    ("N-Triples", "nt", "application/n-triples"),
    ("RDF/XML", "rdf", "application/rdf+xml"),
    ("JSON-LD", "jsonld", "application/ld+json"),
)
EDITOR_LIMIT = 100
# A graph written by a client may name any IRI (javascript:...): only http(s) ones become links.
pages.templates.env.tests["web_iri"] = lambda iri: str(iri).startswith(("http://", "https://"))

_HEADER_PROPERTIES = (RDFS_LABEL, DCTERMS + "title", DCTERMS + "description", OWL_VERSION_INFO, OWL_IMPORTS, DCTERMS + "license")
# The document headers (owl:Ontology) in graph ?g and what they say about themselves.
HEADER_QUERY = f"""
SELECT ?g ?doc ?p ?o WHERE {{
  GRAPH ?g {{
    ?doc a <{OWL_ONTOLOGY}> .
    OPTIONAL {{ ?doc ?p ?o . FILTER(?p IN ({", ".join(f"<{p}>" for p in _HEADER_PROPERTIES)})) }}
  }}
}} ORDER BY ?doc
"""


@dataclass
class DocumentHeader:
    """The owl:Ontology a graph holds (the document it is), with what it says about itself."""

    iri: str
    labels: dict[str, str] = field(default_factory=dict)
    titles: dict[str, str] = field(default_factory=dict)
    descriptions: dict[str, str] = field(default_factory=dict)
    version: str | None = None
    imports: list[str] = field(default_factory=list)
    licenses: list[str] = field(default_factory=list)


@dataclass
class GraphFacts:
    """What the store knows of one named graph."""

    exists: bool
    triples: int = 0  # from the store's statistics (description.current_stats), shared with VoID
    headers: list[DocumentHeader] = field(default_factory=list)


def graph_facts(store: Store, iri: str) -> GraphFacts:
    """Whether the graph exists and its document headers (run in the worker pool)."""
    graph = NamedNode(iri)
    if not store.contains_named_graph(graph):
        return GraphFacts(exists=False)
    found: dict[str, DocumentHeader] = {}
    for solution in store.query(HEADER_QUERY, substitutions={Variable("g"): graph}):
        doc, prop, value = solution["doc"], solution["p"], solution["o"]
        header = found.setdefault(doc.value, DocumentHeader(str(doc.value) if isinstance(doc, NamedNode) else ""))
        if prop is None or value is None:
            continue
        if isinstance(value, Literal):
            by_lang = {RDFS_LABEL: header.labels, DCTERMS + "title": header.titles, DCTERMS + "description": header.descriptions}
            if prop.value in by_lang:
                by_lang[prop.value].setdefault(value.language or "", value.value)
            elif prop.value == OWL_VERSION_INFO:
                header.version = value.value
        elif isinstance(value, NamedNode):
            (header.imports if prop.value == OWL_IMPORTS else header.licenses).append(value.value)
    headers = [h for h in found.values() if h.iri]  # a blank-node ontology has no IRI to show
    for h in headers:
        h.imports.sort()
        h.licenses.sort()
    return GraphFacts(exists=True, headers=headers)


def download_url(base: str, iri: str, fmt: str) -> str:
    """A SPARQL Protocol URL that answers the whole graph in `fmt` (a browser cannot set Accept)."""
    query = f"CONSTRUCT {{ ?s ?p ?o }} WHERE {{ GRAPH <{iri}> {{ ?s ?p ?o }} }}"
    return f"{base}/sparql?{urlencode({'query': query, 'format': fmt})}"


def link_header(base: str, iri: str) -> str:
    """The `Link` header of a directly identified graph: each RDF format's download URL as an
    alternate, and the graph IRI as canonical, as /id/ and /ontology answers name theirs."""
    links = [f'<{download_url(base, iri, fmt)}>; rel="alternate"; type="{media}"' for _, fmt, media in DOWNLOADS]
    # Header values are latin-1: the IRI goes out as a URI (RFC 3987 §3.1).
    return ", ".join([*links, f'<{quote(iri, safe=URI_SAFE)}>; rel="canonical"'])


def editor_query(iri: str) -> str:
    """The query the page opens in the SPARQL editor: the graph's first triples."""
    return f"SELECT ?s ?p ?o WHERE {{\n  GRAPH <{iri}> {{ ?s ?p ?o }}\n}}\nLIMIT {EDITOR_LIMIT}\n"


async def graph_page(request: Request, graph: NamedNode, location: str) -> Response:
    """The page of `graph` (200), or a 404 page when the store has no such graph.

    `location` is where the graph is served (its /graph/ URL), for the download commands.
    """
    iri = graph.value
    lang = pages.choose_lang(request)
    facts: GraphFacts = await sparql.compute(request, graph_facts, iri)
    if facts.exists:  # counted once per store generation, for VoID and the Service Description too
        stats = await current_stats(request)
        facts = replace(facts, triples=next((g.triples for g in stats.graphs if g.graph == graph), 0))
    base = public_base(request)
    headers: dict[str, str] = {}
    fresh = False
    if facts.exists:
        headers, fresh = sparql.validators(request, "graph-page", iri, lang[0], base)
    negotiation.add_vary(headers, "Accept", "Accept-Language", "Cookie")  # as the page says (a 304 too)
    if fresh:
        return sparql.not_modified(request, headers)
    settings = request.app.state.settings
    modified = getattr(request.app.state, "last_modified", 0.0)
    source = source_files(settings.root).get(iri)
    context: dict[str, Any] = {
        "graph_iri": iri,
        "location": location,
        "facts": facts,
        "source": source.relative_to(settings.root).as_posix() if source is not None else None,
        "modified": utc_datetime(modified) if modified > 0 else None,
        "downloads": [(name, media, download_url(base, iri, fmt)) for name, fmt, media in DOWNLOADS],
        "editor_url": "/editor?" + urlencode({"query": editor_query(iri)}),
    }
    return pages.render(request, "graph.html", context, status=200 if facts.exists else 404, headers=headers, lang=lang)
