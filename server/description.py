"""What the endpoint and the data are: SPARQL 1.1 Service Description and VoID.

Both are generated from the live store. The statistics (counts, partitions) are
computed once per store generation and reused until the next write.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, replace
from typing import Any

import anyio
from fastapi import APIRouter, Request
from fastapi.responses import Response
from pyoxigraph import BlankNode, Literal, NamedNode, Store, Triple, serialize

from . import negotiation
from .errors import BadRequest, NotAcceptable
from .graphstore import graph_url
from .linkeddata import public_base
from .sparql import compute, format_params, not_modified, only_if_none_exists, validators

router = APIRouter()

SD = "http://www.w3.org/ns/sparql-service-description#"
VOID = "http://rdfs.org/ns/void#"
DCTERMS = "http://purl.org/dc/terms/"
FOAF = "http://xmlns.com/foaf/0.1/"
PROV = "http://www.w3.org/ns/prov#"
RDF_TYPE = NamedNode("http://www.w3.org/1999/02/22-rdf-syntax-ns#type")
XSD_INTEGER = NamedNode("http://www.w3.org/2001/XMLSchema#integer")
XSD_DATETIME = NamedNode("http://www.w3.org/2001/XMLSchema#dateTime")
# Every literal has one of these datatypes, stated or not: they say nothing of the vocabularies used.
IMPLICIT_DATATYPES = frozenset(
    ("http://www.w3.org/2001/XMLSchema#string", "http://www.w3.org/1999/02/22-rdf-syntax-ns#langString")
)
FORMATS = "http://www.w3.org/ns/formats/"
CONSORTIUM = "https://w3id.org/onteam/ontology#Consortium"

DATASET = NamedNode("https://w3id.org/onteam/dataset")
URI_SPACE = "https://w3id.org/onteam/id/"
# The project that makes and publishes the dataset: an agent with a name, as the ontology states it.
PROJECT = BlankNode("onteamProject")
DEFAULT_LICENSE = "https://creativecommons.org/licenses/by/4.0/"
PREFIXES = {
    "sd": SD,
    "void": VOID,
    "dcterms": DCTERMS,
    "formats": FORMATS,
    "foaf": FOAF,
    "xsd": "http://www.w3.org/2001/XMLSchema#",
    "ot": "https://w3id.org/onteam/ontology#",
}

# The result formats /sparql can produce, as W3C format IRIs.
RESULT_FORMAT_IRIS = (
    "SPARQL_Results_JSON",
    "SPARQL_Results_XML",
    "SPARQL_Results_CSV",
    "SPARQL_Results_TSV",
    "Turtle",
    "N-Triples",
    "N-Quads",
    "TriG",
    "RDF_XML",
    "JSON-LD",
    "N3",  # text/n3, as Turtle (which is N3), for N3 clients
)

# The formats every resource /id/<slug> (and so the dataset) is served in: VoID's void:feature.
RESOURCE_FORMAT_IRIS = ("Turtle", "N-Triples", "RDF_XML", "JSON-LD", "TriG", "N-Quads")

# The formats SPARQL Update's LOAD parses (pyoxigraph picks the parser by the answer's Content-Type).
INPUT_FORMAT_IRIS = ("Turtle", "N-Triples", "N-Quads", "TriG", "RDF_XML", "JSON-LD", "N3")

# Another module (the HTML pages) may set this to render descriptions as text/html:
# called with the request, the title and the triples; it returns the response.
html_renderer: Callable[[Request, str, list[Triple]], Response] | None = None


@dataclass(frozen=True)
class Partition:
    """A class (with its number of instances) or a property (with its number of triples)."""

    iri: NamedNode
    count: int


@dataclass(frozen=True)
class GraphStats:
    """Counts for one named graph."""

    graph: NamedNode
    triples: int
    subjects: int
    objects: int
    properties: int = 0
    classes: int = 0
    entities: int = 0  # distinct subjects in the URI space, as for the whole dataset


@dataclass(frozen=True)
class Stats:
    """VoID statistics of the default graph (the union of all graphs) and of each graph."""

    triples: int
    subjects: int
    objects: int
    properties: int
    classes: int
    entities: int
    class_partitions: tuple[Partition, ...]
    property_partitions: tuple[Partition, ...]
    graphs: tuple[GraphStats, ...]
    licenses: tuple[NamedNode, ...]
    datatypes: tuple[NamedNode, ...] = ()  # stated literal datatypes, beyond xsd:string and rdf:langString
    sources: tuple[NamedNode, ...] = ()  # the documents the data is derived from (the article)
    examples: tuple[NamedNode, ...] = ()  # a few consortia, as void:exampleResource
    modified: float = 0.0  # when the store last changed (epoch seconds), as Last-Modified says


def _count(store: Store, query: str) -> int:
    solutions = store.query(query, use_default_graph_as_union=True)
    for solution in solutions:
        return int(solution[0].value)
    return 0


def _pairs(store: Store, query: str) -> list[tuple[Any, int]]:
    return [(s[0], int(s[1].value)) for s in store.query(query, use_default_graph_as_union=True)]


def compute_stats(store: Store) -> Stats:
    """Count everything VoID reports, over the union of all graphs (the default graph here).

    Triples are counted distinct: a triple stated in two graphs is one triple of the union.
    """
    distinct = "{ SELECT DISTINCT ?s ?p ?o WHERE { ?s ?p ?o } }"
    properties = _pairs(
        store,
        f"SELECT ?p (COUNT(*) AS ?n) WHERE {distinct} GROUP BY ?p ORDER BY ?p",
    )
    triples = sum(n for _, n in properties)  # each distinct triple has one predicate
    # Entities are the distinct subjects in the URI space: tested here, once per subject (a
    # FILTER on STR(?s) costs the engine a string per triple: 7 s at 1M triples, not 0.6).
    subjects = entities = 0
    for solution in store.query("SELECT DISTINCT ?s WHERE { ?s ?p ?o }", use_default_graph_as_union=True):
        subject = solution[0]
        subjects += 1
        if isinstance(subject, NamedNode) and subject.value.startswith(URI_SPACE):
            entities += 1
    # Objects likewise, noting the datatypes of literals (a vocabulary the data uses, like xsd:).
    objects = 0
    datatypes: set[str] = set()
    for solution in store.query("SELECT DISTINCT ?o WHERE { ?s ?p ?o }", use_default_graph_as_union=True):
        objects += 1
        term = solution[0]
        if isinstance(term, Literal) and term.datatype.value not in IMPLICIT_DATATYPES:
            datatypes.add(term.datatype.value)
    # A partition counts its entities, and "to be an entity a resource must have a URI" (VoID
    # §4.5): a blank-node instance binds no ?e (the IF fails on the unbound ?none), so a class
    # with blank instances only keeps its partition, with 0 entities.
    classes = _pairs(
        store,
        "SELECT ?c (COUNT(DISTINCT ?e) AS ?n) WHERE { ?s a ?c FILTER(isIRI(?c)) BIND(IF(isIRI(?s), ?s, ?none) AS ?e) }"
        " GROUP BY ?c ORDER BY ?c",
    )
    # VoID counts every distinct object of rdf:type as a class (a blank node too, such as an OWL
    # restriction); only named classes can have a partition.
    all_classes = _count(store, "SELECT (COUNT(DISTINCT ?c) AS ?n) WHERE { ?s a ?c }")
    def per_graph(query: str) -> dict[Any, int]:
        return {s[0]: int(s[1].value) for s in store.query(query)}

    graph_triples = per_graph("SELECT ?g (COUNT(*) AS ?n) WHERE { GRAPH ?g { ?s ?p ?o } } GROUP BY ?g")
    graph_properties = per_graph("SELECT ?g (COUNT(DISTINCT ?p) AS ?n) WHERE { GRAPH ?g { ?s ?p ?o } } GROUP BY ?g")
    graph_classes = per_graph("SELECT ?g (COUNT(DISTINCT ?c) AS ?n) WHERE { GRAPH ?g { ?s a ?c } } GROUP BY ?g")
    graphs = []
    for graph in sorted(store.named_graphs(), key=lambda g: str(g)):
        if not isinstance(graph, NamedNode):
            continue
        iri = f"<{graph.value}>"
        graph_subjects = graph_entities = 0  # counted as for the whole dataset, above
        for solution in store.query(f"SELECT DISTINCT ?s WHERE {{ GRAPH {iri} {{ ?s ?p ?o }} }}"):
            graph_subjects += 1
            subject = solution[0]
            if isinstance(subject, NamedNode) and subject.value.startswith(URI_SPACE):
                graph_entities += 1
        graphs.append(
            GraphStats(
                graph,
                graph_triples.get(graph, 0),
                graph_subjects,
                _count(store, f"SELECT (COUNT(DISTINCT ?o) AS ?n) WHERE {{ GRAPH {iri} {{ ?s ?p ?o }} }}"),
                graph_properties.get(graph, 0),
                graph_classes.get(graph, 0),
                graph_entities,
            )
        )
    licenses = tuple(
        s[0]
        for s in store.query(
            f"SELECT DISTINCT ?l WHERE {{ ?x <{DCTERMS}license> ?l FILTER(isIRI(?l)) }} ORDER BY ?l",
            use_default_graph_as_union=True,
        )
    )
    sources = tuple(
        s[0]
        for s in store.query(
            f"SELECT DISTINCT ?d WHERE {{ ?x <{PROV}wasDerivedFrom>|<{DCTERMS}source> ?d . ?d a <{FOAF}Document> "
            "FILTER(isIRI(?d)) } ORDER BY ?d",
            use_default_graph_as_union=True,
        )
    )
    examples = tuple(
        s[0]
        for s in store.query(
            f"SELECT DISTINCT ?c WHERE {{ ?c a <{CONSORTIUM}> FILTER(isIRI(?c)) }} ORDER BY ?c LIMIT 3",
            use_default_graph_as_union=True,
        )
    )
    return Stats(
        triples=triples,
        subjects=subjects,
        objects=objects,
        properties=len(properties),
        classes=all_classes,
        entities=entities,
        class_partitions=tuple(Partition(c, n) for c, n in classes),
        property_partitions=tuple(Partition(p, n) for p, n in properties),
        graphs=tuple(graphs),
        licenses=licenses,
        datatypes=tuple(NamedNode(d) for d in sorted(datatypes)),
        sources=sources,
        examples=tuple(e for e in examples if e.value.startswith(URI_SPACE)),
    )


async def current_stats(request: Request) -> Stats:
    """The statistics for the store as it is now, computed at most once per generation."""
    state = request.app.state
    generation = getattr(state, "generation", 0)
    cached = getattr(state, "description_stats", None)
    if cached is not None and cached[0] == generation:
        return cached[1]
    lock = getattr(state, "description_lock", None)
    if lock is None:
        lock = state.description_lock = anyio.Lock()
    async with lock:
        cached = getattr(state, "description_stats", None)
        if cached is not None and cached[0] == generation:
            return cached[1]
        modified = getattr(state, "last_modified", 0.0)  # of this generation: read before the work
        stats = await compute(request, compute_stats)  # in the worker pool, under the query timeout
        stats = replace(stats, modified=modified)
        state.description_stats = (generation, stats)
        return stats


def _int(value: int) -> Literal:
    return Literal(str(value), datatype=XSD_INTEGER)


def utc_datetime(timestamp: float) -> str:
    """An xsd:dateTime in UTC, to the second (as precise as Last-Modified)."""
    return time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(timestamp))


def _vocabulary(iri: str) -> str:
    """The vocabulary a term belongs to: its namespace, without a trailing '#'."""
    cut = max(iri.rfind("#"), iri.rfind("/"))
    namespace = iri[: cut + 1]
    return namespace[:-1] if namespace.endswith("#") else namespace


def endpoint_url(request: Request) -> str:
    """The absolute URL of /sparql as clients reach it."""
    return public_base(request) + "/sparql"


def void_triples(stats: Stats, endpoint: str) -> list[Triple]:
    """The VoID description of the dataset.

    Blank nodes have fixed labels, so the same store gives the same bytes (and HEAD the length of GET).
    """
    v = lambda name: NamedNode(VOID + name)  # noqa: E731 - a local shorthand
    d = lambda name: NamedNode(DCTERMS + name)  # noqa: E731
    base = endpoint.removesuffix("/sparql")
    home = base + "/"
    out = [
        Triple(DATASET, RDF_TYPE, v("Dataset")),
        Triple(DATASET, d("title"), Literal("OnTeam: Korea's cross-organization consortia", language="en")),
        Triple(DATASET, d("title"), Literal("온팀: 국내 기업·기관 간 협력체", language="ko")),
        Triple(
            DATASET,
            d("description"),
            Literal(
                "KT's One Team (원팀) alliances and their members, initiatives and outcomes, "
                "with the source sentence behind every fact.",
                language="en",
            ),
        ),
        Triple(
            DATASET,
            d("description"),
            Literal(
                "KT 원팀(One Team) 협력체와 참여 기관, 사업, 성과를 담고, 모든 사실에 근거가 되는 기사 문장을 붙인 데이터.",
                language="ko",
            ),
        ),
        Triple(DATASET, d("creator"), PROJECT),
        Triple(DATASET, d("publisher"), PROJECT),
        Triple(PROJECT, RDF_TYPE, NamedNode(FOAF + "Organization")),
        Triple(PROJECT, NamedNode(FOAF + "name"), Literal("OnTeam project", language="en")),
        Triple(PROJECT, NamedNode(FOAF + "name"), Literal("온팀 프로젝트", language="ko")),
        Triple(PROJECT, NamedNode(FOAF + "homepage"), NamedNode(home)),
        Triple(DATASET, NamedNode(FOAF + "homepage"), NamedNode(home)),
        # The store's last change, the second Last-Modified names (at start: when it was loaded).
        Triple(DATASET, d("modified"), Literal(utc_datetime(stats.modified), datatype=XSD_DATETIME)),
        Triple(DATASET, v("sparqlEndpoint"), NamedNode(endpoint)),
        # The Graph Store's /store without a graph answers every quad: the whole dataset as a file.
        Triple(DATASET, v("dataDump"), NamedNode(base + "/store")),
        Triple(DATASET, v("uriSpace"), Literal(URI_SPACE)),
        Triple(DATASET, v("triples"), _int(stats.triples)),
        Triple(DATASET, v("distinctSubjects"), _int(stats.subjects)),
        Triple(DATASET, v("distinctObjects"), _int(stats.objects)),
        Triple(DATASET, v("properties"), _int(stats.properties)),
        Triple(DATASET, v("classes"), _int(stats.classes)),
        Triple(DATASET, v("entities"), _int(stats.entities)),
        # This document describes the dataset (VoID §6.2, for a reader that fetched it by URL).
        Triple(NamedNode(base + "/.well-known/void"), RDF_TYPE, v("DatasetDescription")),
        Triple(NamedNode(base + "/.well-known/void"), NamedNode(FOAF + "primaryTopic"), DATASET),
    ]
    out += [Triple(DATASET, d("source"), source) for source in stats.sources]
    out += [Triple(DATASET, v("exampleResource"), example) for example in stats.examples]
    out += [Triple(DATASET, v("feature"), NamedNode(FORMATS + name)) for name in RESOURCE_FORMAT_IRIS]
    for license_ in stats.licenses or (NamedNode(DEFAULT_LICENSE),):
        out.append(Triple(DATASET, d("license"), license_))
    vocabularies = sorted(
        {_vocabulary(p.iri.value) for p in stats.property_partitions}
        | {_vocabulary(c.iri.value) for c in stats.class_partitions}
        | {_vocabulary(t.value) for t in stats.datatypes}
    )
    out += [Triple(DATASET, v("vocabulary"), NamedNode(iri)) for iri in vocabularies if iri]
    for i, partition in enumerate(stats.class_partitions):
        node = BlankNode(f"class{i}")
        out += [
            Triple(DATASET, v("classPartition"), node),
            Triple(node, v("class"), partition.iri),
            Triple(node, v("entities"), _int(partition.count)),
        ]
    for i, partition in enumerate(stats.property_partitions):
        node = BlankNode(f"property{i}")
        out += [
            Triple(DATASET, v("propertyPartition"), node),
            Triple(node, v("property"), partition.iri),
            Triple(node, v("triples"), _int(partition.count)),
        ]
    for graph in stats.graphs:
        out += [
            Triple(DATASET, v("subset"), graph.graph),
            Triple(graph.graph, RDF_TYPE, v("Dataset")),
            Triple(graph.graph, v("triples"), _int(graph.triples)),
            Triple(graph.graph, v("distinctSubjects"), _int(graph.subjects)),
            Triple(graph.graph, v("distinctObjects"), _int(graph.objects)),
            Triple(graph.graph, v("properties"), _int(graph.properties)),
            Triple(graph.graph, v("classes"), _int(graph.classes)),
            Triple(graph.graph, v("entities"), _int(graph.entities)),
            Triple(graph.graph, v("sparqlEndpoint"), NamedNode(endpoint)),
            # The Graph Store's GET of that graph: the subset as a file of its own.
            Triple(graph.graph, v("dataDump"), NamedNode(graph_url(base, graph.graph))),
        ]
    return out


def service_triples(stats: Stats, endpoint: str, updates: bool, federation: bool = False) -> list[Triple]:
    """The SPARQL 1.1 Service Description of /sparql (`federation`: SERVICE reaches allow-listed endpoints)."""
    s = lambda name: NamedNode(SD + name)  # noqa: E731
    service = BlankNode("service")
    out = [
        Triple(service, RDF_TYPE, s("Service")),
        Triple(service, s("endpoint"), NamedNode(endpoint)),
        Triple(service, s("supportedLanguage"), s("SPARQL11Query")),
        Triple(service, s("feature"), s("UnionDefaultGraph")),
        Triple(service, s("defaultEntailmentRegime"), NamedNode("http://www.w3.org/ns/entailment/Simple")),
        Triple(service, s("defaultDataset"), DATASET),
    ]
    if updates:
        out.append(Triple(service, s("supportedLanguage"), s("SPARQL11Update")))
        # The store keeps a graph that updates leave empty (and CREATE GRAPH makes one).
        out.append(Triple(service, s("feature"), s("EmptyGraphs")))
    if federation:
        out.append(Triple(service, s("feature"), s("BasicFederatedQuery")))
    if updates and federation:
        # LOAD reaches the same allow-listed hosts as SERVICE; with none, no input is ever parsed.
        out += [Triple(service, s("inputFormat"), NamedNode(FORMATS + name)) for name in INPUT_FORMAT_IRIS]
    out += [Triple(service, s("resultFormat"), NamedNode(FORMATS + name)) for name in RESULT_FORMAT_IRIS]
    default_graph = BlankNode("defaultGraph")
    out += [
        Triple(DATASET, RDF_TYPE, s("Dataset")),
        Triple(DATASET, RDF_TYPE, NamedNode(VOID + "Dataset")),
        Triple(DATASET, s("defaultGraph"), default_graph),
        Triple(default_graph, RDF_TYPE, s("Graph")),
        # The default graph is the union of all graphs: its size is the dataset's.
        Triple(default_graph, NamedNode(VOID + "triples"), _int(stats.triples)),
    ]
    for i, graph in enumerate(stats.graphs):
        named, content = BlankNode(f"namedGraph{i}"), BlankNode(f"graph{i}")
        out += [
            Triple(DATASET, s("namedGraph"), named),
            Triple(named, RDF_TYPE, s("NamedGraph")),
            Triple(named, s("name"), graph.graph),
            Triple(named, s("graph"), content),
            Triple(content, RDF_TYPE, s("Graph")),
            Triple(content, NamedNode(VOID + "triples"), _int(graph.triples)),
        ]
    return out


def _grouped(triples: Iterable[Triple]) -> list[Triple]:
    """Triples grouped by subject (in order of first mention), so Turtle reads as blocks."""
    groups: dict[Any, list[Triple]] = {}
    for triple in triples:
        groups.setdefault(triple.subject, []).append(triple)
    return [t for group in groups.values() for t in group]


def _offers() -> tuple[str, ...]:
    return negotiation.RDF_OFFERS + (("text/html",) if html_renderer is not None else ())


async def describe(
    request: Request,
    title: str,
    kind: str,
    build: Callable[[Stats, str], Iterable[Triple]],
    fmt: Sequence[str],
    html_page: str | None = None,
) -> Response:
    """Negotiate and render a description (Turtle unless the client prefers another).

    `html_page`: where a client preferring HTML (a browser) is sent with 303 See Other when
    no HTML renderer is installed; without it such a client gets 406.
    """
    accept = request.headers.get("accept")
    endpoint = endpoint_url(request)
    updates = request.app.state.settings.updates_enabled
    headers, fresh = validators(request, kind, endpoint, updates, accept, fmt)
    headers["Vary"] = "Accept"
    if fresh and not only_if_none_exists(request):
        return not_modified(request, headers)
    media = None
    for name in (n for value in fmt for n in value.split(",") if n.strip()):
        try:
            media = negotiation.format_from_name(name, graph=True)
            break
        except BadRequest:
            continue  # an unknown format name: let Accept decide, as for queries
    if media is None:
        offers = _offers()
        if html_page is not None and "text/html" not in offers:
            offers += ("text/html",)  # last: `*/*` still gets Turtle
        media = negotiation.negotiate(accept, offers)
        if media == "text/html" and html_renderer is None:
            return Response(status_code=303, headers={"Location": html_page, "Vary": "Accept"})
    if fresh:  # `If-None-Match: *`, now that a representation is known to exist
        return not_modified(request, headers)
    triples = _grouped(build(await current_stats(request), endpoint))
    if media == "text/html" and html_renderer is not None:
        response = html_renderer(request, title, triples)
        response.headers.update(headers)
        return response
    body = serialize(triples, format=negotiation.RDF_FORMATS[media], prefixes=PREFIXES)
    return Response(body, media_type=negotiation.content_type(media), headers=headers)


async def service_description_response(request: Request, fmt: Sequence[str]) -> Response:
    """GET /sparql without a query: the Service Description."""
    updates = request.app.state.settings.updates_enabled
    federation = bool(getattr(request.app.state, "service_allow", None))
    try:
        return await describe(
            request,
            "SPARQL service description",
            "sd",
            lambda stats, endpoint: service_triples(stats, endpoint, updates, federation),
            fmt,
            html_page=public_base(request) + "/editor",
        )
    except NotAcceptable as exc:
        # A client asking for query results (say application/sparql-results+json) has most
        # likely lost its query on the way: say that, not only which types are on offer.
        raise NotAcceptable(
            f"No 'query' parameter was given, so /sparql answers with its Service Description, which is RDF; {exc.message}",
            **exc.extra,
        ) from None


@router.api_route("/.well-known/void", methods=["GET", "HEAD"])
async def void_document(request: Request) -> Response:
    """The VoID description of the dataset, with counts from the live store."""
    fmt = format_params(list(request.query_params.multi_items()))
    return await describe(request, "VoID description", "void", void_triples, fmt)
