"""Dereferencing /id/<slug>, /ontology and /context.jsonld over HTTP, with content negotiation."""

from __future__ import annotations

import json
import warnings
from collections.abc import Callable, Iterator
from pathlib import Path

import httpx
import pytest
import rdflib
import rdflib.compare
from conftest import Server, start_server, write_project
from rdflib import Literal, Namespace, URIRef
from rdflib.namespace import OWL, RDF, RDFS
from webdata import DATA, ONTOLOGY, PREFIXES

OT = Namespace("https://w3id.org/onteam/ontology#")
ID = Namespace("https://w3id.org/onteam/id/")
ORG = Namespace("http://www.w3.org/ns/org#")
RDF_TYPES = {
    "ttl": ("text/turtle", "turtle"),
    "nt": ("application/n-triples", "nt"),
    "jsonld": ("application/ld+json", "json-ld"),
    "rdf": ("application/rdf+xml", "xml"),
}
BROWSER_ACCEPT = "text/html,application/xhtml+xml,application/xml;q=0.9,image/avif,image/webp,*/*;q=0.8"


def write_root(folder: Path) -> Path:
    """A project root holding the web fixture's ontology and data."""
    return write_project(folder, DATA, ONTOLOGY)


# A statement with evidence of its own, and a figure as a blank node: what a crawler
# reading one description still expects to find in it.
EXTRA = PREFIXES + """
id:statement-ai-model a ot:Statement ;
    ot:about id:hyperscale-ai-model ;
    ot:quote "초거대 AI 모델을 개발한다"@ko, "it will develop a hyperscale AI model"@en ;
    ot:evidence id:ev-model .
id:ev-model a ot:Evidence ;
    ot:quote "초거대 AI 모델 개발 계획을 밝혔다"@ko, "announced a plan to develop a hyperscale AI model"@en ;
    prov:wasQuotedFrom id:newsfreezone-kt-one-team-2021 ;
    ot:paragraphNumber 2 .
id:hyperscale-ai-model ot:investment [ a schema:QuantitativeValue ;
    schema:value 1000 ; schema:unitText "KRW 100 million" ;
    schema:valueReference [ rdfs:label "budget"@en ] ] .
"""


@pytest.fixture(scope="module")
def web(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    """One server over the small fixture graph (plus EXTRA) for this module."""
    work = tmp_path_factory.mktemp("web")
    root = write_root(work / "root")
    (root / "data" / "extra.ttl").write_text(EXTRA, encoding="utf-8")
    running = start_server(work, "--memory", root=root)
    yield running
    running.stop()


def parse(response: httpx.Response, fmt: str) -> rdflib.Graph:
    graph = rdflib.Graph()
    with warnings.catch_warnings():
        # rdflib's JSON-LD parser builds a ConjunctiveGraph, which rdflib itself deprecates.
        warnings.simplefilter("ignore", DeprecationWarning)
        graph.parse(data=response.text, format=fmt, publicID=str(response.url))
    return graph


@pytest.mark.parametrize(
    ("accept", "expected"),
    [
        (None, "text/html"),
        ("*/*", "text/html"),
        (BROWSER_ACCEPT, "text/html"),
        ("text/turtle", "text/turtle"),
        ("application/x-turtle", "text/turtle"),
        ("application/n-triples", "application/n-triples"),
        ("text/plain", "application/n-triples"),
        ("text/n3", "text/turtle"),
        ("application/ld+json", "application/ld+json"),
        ("application/json", "application/ld+json"),
        ("application/rdf+xml", "application/rdf+xml"),
        ("text/turtle;q=0.5, application/ld+json;q=0.9", "application/ld+json"),
        ("text/html;q=0.1, application/rdf+xml", "application/rdf+xml"),
        ("application/*", "application/ld+json"),
    ],
)
def test_instance_negotiates_by_accept_with_q_values(web: Server, accept: str | None, expected: str) -> None:
    headers = {"Accept": accept} if accept is not None else {}
    response = web.client.get("/id/ai-one-team", headers=headers)
    assert response.status_code == 200
    assert response.headers["content-type"].split(";")[0] == expected
    assert "Accept" in response.headers["vary"]


def test_unacceptable_accept_is_406_with_the_common_error_body(web: Server) -> None:
    response = web.client.get("/id/ai-one-team", headers={"Accept": "image/png"})
    assert response.status_code == 406
    body = response.json()
    assert body["ok"] is False and body["status"] == 406
    assert "text/turtle" in body["available"]


@pytest.mark.parametrize("ext", sorted(RDF_TYPES))
def test_consortium_description_has_outgoing_incoming_and_memberships(web: Server, ext: str) -> None:
    media, fmt = RDF_TYPES[ext]
    response = web.client.get("/id/ai-one-team", headers={"Accept": media})
    assert response.headers["content-type"].split(";")[0] == media
    graph = parse(response, fmt)
    ai = ID["ai-one-team"]
    assert (ai, OT.hasMember, ID.kaist) in graph
    assert (ai, RDFS.label, Literal("AI 원팀", lang="ko")) in graph
    assert (ai, RDFS.label, Literal("AI One Team", lang="en")) in graph
    assert (ID.kaist, OT.memberOf, ai) in graph  # incoming link
    membership = ID["membership-ai-one-team-kaist"]
    assert (membership, ORG.organization, ai) in graph
    assert (membership, ORG.role, ID["role-member"]) in graph
    assert (ID["ev-ai-members"], OT.quote, Literal(
        "The AI One Team is run with KT at its centre, and KAIST among others take part.", lang="en")) in graph
    assert (ID["ev-ai-1"], OT.paragraphNumber, Literal(7)) in graph  # the consortium's own evidence
    assert (ID.kaist, RDFS.label, Literal("KAIST", lang="en")) in graph  # labels of linked resources
    statement = ID["statement-open-innovation"]
    assert (statement, OT.quote, Literal("it is becoming a successful model", lang="en")) in graph


@pytest.mark.parametrize("ext", sorted(RDF_TYPES))
def test_extension_url_serves_that_format_with_canonical_iris(web: Server, ext: str) -> None:
    media, fmt = RDF_TYPES[ext]
    response = web.client.get(f"/id/kaist.{ext}", headers={"Accept": "text/html"})
    assert response.status_code == 200
    assert response.headers["content-type"].split(";")[0] == media
    graph = parse(response, fmt)
    membership = ID["membership-ai-one-team-kaist"]
    assert (membership, ORG.member, ID.kaist) in graph
    assert (membership, OT.evidence, ID["ev-ai-members"]) in graph
    quote = Literal("AI 원팀은 KT가 중심이 돼서 운영되고 있으며, 한국과학기술원(KAIST) 등이 참여하고 있다.", lang="ko")
    assert (ID["ev-ai-members"], OT.quote, quote) in graph
    assert (ID["ai-one-team"], OT.hasMember, ID.kaist) in graph
    assert not any(str(s).startswith(web.base) for s in graph.subjects())


def test_html_extension_serves_the_page(web: Server) -> None:
    response = web.client.get("/id/kaist.html", headers={"Accept": "text/turtle"})
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/html")
    assert "한국과학기술원" in response.text


def test_link_header_lists_every_alternate_and_the_canonical_iri(web: Server) -> None:
    response = web.client.get("/id/kt", headers={"Accept": "text/turtle"})
    link = response.headers["link"]
    for ext, media in (("ttl", "text/turtle"), ("nt", "application/n-triples"), ("jsonld", "application/ld+json"),
                       ("rdf", "application/rdf+xml"), ("html", "text/html")):
        assert f'<{web.base}/id/kt.{ext}>; rel="alternate"; type="{media}"' in link
    assert '<https://w3id.org/onteam/id/kt>; rel="canonical"' in link
    assert "Accept" in vary_tokens(response)
    assert response.headers["content-location"] == f"{web.base}/id/kt.ttl"


def test_head_answers_with_the_same_headers_and_no_body(web: Server) -> None:
    response = web.client.head("/id/kt", headers={"Accept": "text/turtle"})
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/turtle")
    assert "link" in response.headers
    assert response.content == b""


def test_jsonld_is_compact_and_references_the_published_context(web: Server) -> None:
    response = web.client.get("/id/kaist", headers={"Accept": "application/ld+json"})
    document = response.json()
    assert document["@context"] == f"{web.base}/context.jsonld"
    ids = {node["@id"] for node in document["@graph"]}
    assert "id:kaist" in ids
    kaist = next(node for node in document["@graph"] if node["@id"] == "id:kaist")
    assert "ot:memberOf" in kaist
    context = web.client.get("/context.jsonld")
    assert context.headers["content-type"].startswith("application/ld+json")
    prefixes = context.json()["@context"]
    assert prefixes["ot"] == "https://w3id.org/onteam/ontology#"
    assert prefixes["id"] == "https://w3id.org/onteam/id/"


@pytest.mark.parametrize("ext", sorted(RDF_TYPES))
def test_ontology_in_every_format(web: Server, ext: str) -> None:
    media, fmt = RDF_TYPES[ext]
    response = web.client.get("/ontology", headers={"Accept": media})
    assert response.status_code == 200
    assert response.headers["content-type"].split(";")[0] == media
    assert "link" in response.headers and "Accept" in vary_tokens(response)
    graph = parse(response, fmt)
    assert (URIRef("https://w3id.org/onteam/ontology"), RDF.type, OWL.Ontology) in graph
    assert (OT.Consortium, RDFS.label, Literal("컨소시엄", lang="ko")) in graph
    assert (OT.hasMember, OWL.inverseOf, OT.memberOf) in graph
    domain = graph.value(OT.hasInitiative, RDFS.domain)
    members = set(rdflib.collection.Collection(graph, graph.value(domain, OWL.unionOf)))
    assert members == {OT.Consortium, OT.Organization}
    assert not any(str(s).startswith(str(ID)) for s in graph.subjects())  # no instance data


def test_ontology_extension_url(web: Server) -> None:
    response = web.client.get("/ontology.ttl")
    assert response.headers["content-type"].startswith("text/turtle")
    assert (OT.Person, RDF.type, OWL.Class) in parse(response, "turtle")


def test_ontology_unknown_extension_is_404(web: Server) -> None:
    response = web.client.get("/ontology.xyz")
    assert response.status_code == 404
    assert response.json()["status"] == 404


def test_ontology_html_documents_terms_at_anchors(web: Server) -> None:
    response = web.client.get("/ontology", headers={"Accept": BROWSER_ACCEPT})
    assert response.headers["content-type"].startswith("text/html")
    for anchor in ('id="Consortium"', 'id="hasMember"', 'id="foundingDate"'):
        assert anchor in response.text


def test_term_path_redirects_to_its_anchor(web: Server) -> None:
    response = web.client.get("/ontology/Consortium")
    assert response.status_code == 303
    assert response.headers["location"] == f"{web.base}/ontology#Consortium"


def test_term_path_with_an_extension_redirects_into_that_format(web: Server) -> None:
    response = web.client.get("/ontology/hasMember.ttl")
    assert response.status_code == 303
    assert response.headers["location"] == f"{web.base}/ontology.ttl#hasMember"


def test_undefined_term_path_is_404_html_for_browsers(web: Server) -> None:
    response = web.client.get("/ontology/NoSuchTerm", headers={"Accept": BROWSER_ACCEPT})
    assert response.status_code == 404
    assert response.headers["content-type"].startswith("text/html")
    assert "https://w3id.org/onteam/ontology#NoSuchTerm" in response.text
    assert "location" not in response.headers




@pytest.mark.parametrize("term", ["consortium", "Consortium%20x", "%EC%9B%90%ED%8C%80", "ai-one-team"])
def test_term_path_naming_no_term_is_404(web: Server, term: str) -> None:
    # Case matters, an IRI cannot hold a space, and instances live under /id/, not /ontology/.
    response = web.client.get(f"/ontology/{term}", headers={"Accept": "text/turtle"})
    assert response.status_code == 404
    assert response.text.startswith("# Not found: the ontology does not define")


def test_unknown_iri_is_404_html_for_browsers(web: Server) -> None:
    response = web.client.get("/id/no-such-thing", headers={"Accept": BROWSER_ACCEPT})
    assert response.status_code == 404
    assert response.headers["content-type"].startswith("text/html")
    assert "https://w3id.org/onteam/id/no-such-thing" in response.text
    assert "Accept" in response.headers["vary"]


@pytest.mark.parametrize("ext", sorted(RDF_TYPES))
@pytest.mark.parametrize("path", ["/id/no-such-thing", "/ontology/NoSuchTerm"], ids=["instance", "term"])
def test_unknown_iri_is_404_with_an_empty_graph_in_the_asked_format(web: Server, path: str, ext: str) -> None:
    media, fmt = RDF_TYPES[ext]
    for response in (
        web.client.get(path, headers={"Accept": media}),
        web.client.get(f"{path}.{ext}"),
    ):
        assert response.status_code == 404
        assert response.headers["content-type"].split(";")[0] == media
        assert len(parse(response, fmt)) == 0
        assert "content-location" not in response.headers


def test_malformed_slug_is_404(web: Server) -> None:
    response = web.client.get("/id/Not_A_Slug", headers={"Accept": "text/turtle"})
    assert response.status_code == 404
    assert response.text.startswith("# Not found")


def test_public_base_setting_moves_links_but_not_identifiers(
    make_server: Callable[..., Server], tmp_path: Path
) -> None:
    running = make_server(
        "--memory", env={"ONTEAM_PUBLIC_BASE": "https://data.example.org"}, root=write_root(tmp_path / "root")
    )
    response = running.client.get("/id/kaist", headers={"Accept": "text/turtle"})
    assert '<https://data.example.org/id/kaist.jsonld>; rel="alternate"' in response.headers["link"]
    assert "<https://w3id.org/onteam/id/kaist>" in response.text or "id:kaist" in response.text
    page = running.client.get("/id/kaist", headers={"Accept": "text/html"})
    assert 'href="https://data.example.org/id/ai-one-team"' in page.text
    jsonld = running.client.get("/id/kaist.jsonld").json()
    assert jsonld["@context"] == "https://data.example.org/context.jsonld"


def test_real_data_ai_one_team_dereferences(server: Server) -> None:
    response = server.client.get("/id/ai-one-team", headers={"Accept": "text/turtle"})
    assert response.status_code == 200
    graph = parse(response, "turtle")
    assert (ID["ai-one-team"], OT.hasMember, ID.kt) in graph
    assert json.loads(server.client.get("/id/ai-one-team.jsonld").text)["@graph"]


def vary_tokens(response: httpx.Response) -> list[str]:
    """Vary's field names (gzip and CORS add Accept-Encoding and Origin to ours)."""
    return [token.strip() for token in response.headers["vary"].split(",")]


# -- conditional GET ----------------------------------------------------------------------


@pytest.mark.parametrize("path", ["/id/ai-one-team", "/id/ai-one-team.ttl", "/ontology", "/ontology.jsonld"])
@pytest.mark.parametrize("accept", ["text/turtle", "text/html"])
def test_resources_revalidate_by_etag_and_by_date(web: Server, path: str, accept: str) -> None:
    first = web.client.get(path, headers={"Accept": accept})
    assert first.status_code == 200
    assert "Accept-Encoding" in first.headers["vary"]  # httpx asks for gzip: the 304 must say so too
    for condition in ({"If-None-Match": first.headers["etag"]}, {"If-Modified-Since": first.headers["last-modified"]}):
        again = web.client.get(path, headers={"Accept": accept, **condition})
        assert again.status_code == 304, condition
        assert again.content == b""
        assert again.headers["etag"] == first.headers["etag"]
        assert again.headers["vary"] == first.headers["vary"]


def test_html_etag_depends_on_the_language(web: Server) -> None:
    english = web.client.get("/id/ai-one-team", params={"lang": "en"}, headers={"Accept": "text/html"})
    korean = web.client.get("/id/ai-one-team", params={"lang": "ko"}, headers={"Accept": "text/html"})
    assert english.headers["etag"] != korean.headers["etag"]
    other_language = {"Accept": "text/html", "If-None-Match": english.headers["etag"], "Accept-Language": "ko"}
    assert httpx.get(web.base + "/id/ai-one-team", headers=other_language).status_code == 200  # no cookie
    same_language = {**other_language, "Accept-Language": "en"}
    assert httpx.get(web.base + "/id/ai-one-team", headers=same_language).status_code == 304


def test_formats_have_etags_of_their_own(web: Server) -> None:
    turtle = web.client.get("/id/ai-one-team", headers={"Accept": "text/turtle"})
    jsonld = web.client.get("/id/ai-one-team", headers={"Accept": "application/ld+json", "If-None-Match": turtle.headers["etag"]})
    assert jsonld.status_code == 200
    assert jsonld.headers["etag"] != turtle.headers["etag"]


def test_a_missing_resource_has_no_validators(web: Server) -> None:
    response = web.client.get("/id/no-such-thing", headers={"Accept": "text/turtle", "If-None-Match": "*"})
    assert response.status_code == 404
    assert "etag" not in response.headers


# -- conformance: what linked-data clients expect ----------------------------------------

QUAD_TYPES = {"trig": ("application/trig", "trig"), "nq": ("application/n-quads", "nquads")}


@pytest.mark.parametrize("path", ["/id/kt", "/ontology"])
def test_unacceptable_accept_406_varies_by_accept_and_links_every_representation(web: Server, path: str) -> None:
    response = web.client.get(path, headers={"Accept": "image/png"})
    assert response.status_code == 406
    assert "Accept" in vary_tokens(response)  # a cache must not give this 406 to a Turtle client
    link = response.headers["link"]
    for ext, media in (("ttl", "text/turtle"), ("jsonld", "application/ld+json"), ("html", "text/html")):
        assert f'<{web.base}{path}.{ext}>; rel="alternate"; type="{media}"' in link


def graph_of(response: httpx.Response, fmt: str) -> rdflib.Graph:
    """The triples of `response`, whether its syntax holds graphs or datasets."""
    if fmt in ("trig", "nquads"):
        dataset = rdflib.Dataset()
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", DeprecationWarning)  # rdflib's own parsers call its deprecated API
            dataset.parse(data=response.text, format=fmt)
        graph = rdflib.Graph()
        for s, p, o, _ in dataset.quads():
            graph.add((s, p, o))
        return graph
    return parse(response, fmt)


@pytest.mark.parametrize("ext", sorted(QUAD_TYPES))
def test_trig_and_nquads_clients_get_the_description_in_the_default_graph(web: Server, ext: str) -> None:
    media, fmt = QUAD_TYPES[ext]
    # rdflib's parse(url, format="trig") sends exactly this; */* must not win and send HTML.
    negotiated = web.client.get("/id/kaist", headers={"Accept": f"{media}, */*;q=0.1"})
    assert negotiated.status_code == 200
    assert negotiated.headers["content-type"].split(";")[0] == media
    assert negotiated.headers["content-location"] == f"{web.base}/id/kaist.{ext}"
    by_extension = web.client.get(f"/id/kaist.{ext}")
    assert by_extension.headers["content-type"].split(";")[0] == media
    for response in (negotiated, by_extension):
        graph = graph_of(response, fmt)
        assert (ID["ai-one-team"], OT.hasMember, ID.kaist) in graph
    assert f'<{web.base}/id/kaist.{ext}>; rel="alternate"; type="{media}"' in negotiated.headers["link"]


def test_every_format_of_a_description_holds_the_same_triples(web: Server) -> None:
    formats = {**RDF_TYPES, **QUAD_TYPES}
    graphs = {ext: graph_of(web.client.get(f"/id/hyperscale-ai-model.{ext}"), fmt) for ext, (_, fmt) in formats.items()}
    reference = rdflib.compare.to_isomorphic(graphs["ttl"])
    assert len(reference) > 10
    for ext, graph in graphs.items():
        assert rdflib.compare.to_isomorphic(graph) == reference, ext


def test_description_includes_the_evidence_of_statements_about_the_resource(web: Server) -> None:
    graph = parse(web.client.get("/id/hyperscale-ai-model.ttl"), "turtle")
    assert (ID["statement-ai-model"], OT.evidence, ID["ev-model"]) in graph
    quote = Literal("announced a plan to develop a hyperscale AI model", lang="en")
    assert (ID["ev-model"], OT.quote, quote) in graph
    assert (ID["ev-model"], URIRef("http://www.w3.org/ns/prov#wasQuotedFrom"), ID["newsfreezone-kt-one-team-2021"]) in graph


def test_description_includes_the_blank_nodes_the_resource_reaches(web: Server) -> None:
    schema = Namespace("https://schema.org/")
    graph = parse(web.client.get("/id/hyperscale-ai-model.ttl"), "turtle")
    figure = graph.value(ID["hyperscale-ai-model"], OT.investment)
    assert isinstance(figure, rdflib.BNode)
    assert graph.value(figure, schema.value) == Literal(1000)
    reference = graph.value(figure, schema.valueReference)
    assert graph.value(reference, RDFS.label) == Literal("budget", lang="en")  # two blank nodes deep


def test_description_labels_its_properties_in_both_languages(web: Server) -> None:
    graph = parse(web.client.get("/id/kaist.ttl"), "turtle")
    assert (OT.memberOf, RDFS.label, Literal("member of", lang="en")) in graph
    assert (OT.memberOf, RDFS.label, Literal("참여 원팀", lang="ko")) in graph
    assert (OT.hasMember, RDFS.label, Literal("참여 기관", lang="ko")) in graph  # an incoming link's property


def test_context_binds_schema_to_the_iri_the_ontology_and_data_use(server: Server) -> None:
    context = server.client.get("/context.jsonld").json()["@context"]
    assert context["schema"] == "http://schema.org/"
    article = server.client.get("/id/newsfreezone-kt-one-team-2021.jsonld").json()
    node = next(n for n in article["@graph"] if n["@id"] == "id:newsfreezone-kt-one-team-2021")
    types = node["@type"] if isinstance(node["@type"], list) else [node["@type"]]
    assert "schema:NewsArticle" in types  # compacted: the prefix names the data's namespace


def test_context_revalidates_by_etag(web: Server) -> None:
    first = web.client.get("/context.jsonld")
    assert first.status_code == 200 and "etag" in first.headers
    again = web.client.get("/context.jsonld", headers={"If-None-Match": first.headers["etag"]})
    assert again.status_code == 304
    assert again.content == b""
    assert again.headers["access-control-allow-origin"] == "*"


@pytest.mark.parametrize("suffix", ["", ".ttl"])
def test_version_iri_dereferences_to_the_ontology(server: Server, suffix: str) -> None:
    header = URIRef("https://w3id.org/onteam/ontology")
    current = parse(server.client.get("/ontology.ttl"), "turtle")
    version = str(current.value(header, OWL.versionIRI))
    assert version.startswith("https://w3id.org/onteam/ontology/")
    path = "/ontology/" + version.rsplit("/", 1)[1] + suffix
    response = server.client.get(path, headers={"Accept": "text/turtle"})
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/turtle")
    graph = parse(response, "turtle")
    assert (header, OWL.versionIRI, URIRef(version)) in graph
    assert (OT.Consortium, RDF.type, OWL.Class) in graph


def test_an_older_version_iri_is_404(server: Server) -> None:
    response = server.client.get("/ontology/0.0.1", headers={"Accept": "text/turtle"})
    assert response.status_code == 404


def test_dataset_iri_is_303_to_its_void_description(server: Server) -> None:
    response = server.client.get("/dataset", params={"format": "turtle"})
    assert response.status_code == 303
    assert response.headers["location"] == f"{server.base}/.well-known/void?format=turtle"
    described = server.client.get(response.headers["location"])
    graph = rdflib.Graph().parse(data=described.text, format="turtle")
    dataset = URIRef("https://w3id.org/onteam/dataset")
    assert (dataset, RDF.type, URIRef("http://rdfs.org/ns/void#Dataset")) in graph


def test_shapes_iri_is_303_to_the_graph_of_the_shapes(server: Server) -> None:
    response = server.client.get("/shapes")
    assert response.status_code == 303
    shapes = server.client.get(response.headers["location"], headers={"Accept": "text/turtle"})
    assert shapes.status_code == 200
    graph = rdflib.Graph().parse(data=shapes.text, format="turtle")
    node_shapes = set(graph.subjects(RDF.type, URIRef("http://www.w3.org/ns/shacl#NodeShape")))
    assert node_shapes and all(str(s).startswith("https://w3id.org/onteam/shapes#") for s in node_shapes)
