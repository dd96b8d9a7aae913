"""The page of a directly identified graph (/graph/<path>) for browsers, over HTTP.

A browser (Accept ranking HTML above JSON and RDF) gets a page in its language; every other
client keeps the Graph Store Protocol's answers byte for byte, 404 included.
"""

from __future__ import annotations

import html
import re
import warnings
from collections.abc import Callable, Iterator
from urllib.parse import parse_qs, urlsplit

import httpx
import pytest
import rdflib
from conftest import Server
from rdflib import Literal, URIRef
from rdflib.namespace import OWL, RDF

BROWSER = "text/html,application/xhtml+xml,application/xml;q=0.9,image/avif,image/webp,*/*;q=0.8"
DATA_GRAPH = "https://w3id.org/onteam/graph/data/instances"
ONTOLOGY_GRAPH = "https://w3id.org/onteam/graph/ontology/onteam"
MISSING = "/graph/data/no-such-file"
TOKEN = "graph-page-token"
PARSERS = {
    "text/turtle": "turtle",
    "application/n-triples": "nt",
    "application/rdf+xml": "xml",
    "application/ld+json": "json-ld",
}


@pytest.fixture
def browser(server: Server) -> Iterator[httpx.Client]:
    """A client with its own cookie jar, so no other test's `?lang=` picks the language."""
    with httpx.Client(base_url=server.base, timeout=60) as client:
        yield client


def html_lang(text: str) -> str | None:
    found = re.search(r'<html lang="([^"]+)"', text)
    return found.group(1) if found else None


def hrefs(text: str) -> list[str]:
    return [html.unescape(h) for h in re.findall(r'href="([^"]+)"', text)]


def triple_count(server: Server, graph: str) -> int:
    response = server.client.get("/store", params={"graph": graph}, headers={"Accept": "application/n-triples"})
    assert response.status_code == 200
    return len(rdflib.Graph().parse(data=response.text, format="nt"))


def get_with_accept(server: Server, path: str, accept: str | None, params: dict[str, str] | None = None) -> httpx.Response:
    """GET `path` with exactly this Accept; None sends no Accept header at all."""
    request = server.client.build_request("GET", path, params=params, headers={"Accept": accept or ""})
    if accept is None:
        del request.headers["accept"]
    return server.client.send(request)


def vary(response: httpx.Response) -> set[str]:
    return {v.strip() for v in response.headers.get("vary", "").split(",") if v.strip()}


# ---- browsers get a page ----


@pytest.mark.parametrize(("lang", "heading", "count_label"), [("en", "What it is", "Triples"), ("ko", "개요", "트리플 수")])
def test_browser_gets_the_data_graph_page_in_its_language(
    browser: httpx.Client, server: Server, lang: str, heading: str, count_label: str
) -> None:
    response = browser.get("/graph/data/instances", headers={"Accept": BROWSER, "Accept-Language": lang})
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/html")
    assert response.headers["content-language"] == lang and html_lang(response.text) == lang
    assert {"Accept", "Accept-Language", "Cookie"} <= vary(response)
    text = response.text
    assert f"<code>{DATA_GRAPH}</code>" in text
    assert "<code>data/instances.ttl</code>" in text
    assert f">{heading}</h2>" in text and f">{count_label}</th>" in text
    count = int(re.search(r'class="triple-count">([\d,]+)<', text).group(1).replace(",", ""))
    assert count == triple_count(server, DATA_GRAPH)
    assert re.search(r'<time datetime="\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ">', text)
    # The data file's own header, in both languages whatever the page's language.
    assert "OnTeam data: Korea&#39;s cross-organization consortia" in text
    assert "온팀 데이터: 국내 기업·기관 간 협력체" in text
    assert f'href="{server.base}/ontology"' in text  # owl:imports, as a link to the ontology page


def test_ontology_graph_page_names_the_ontology_it_holds(browser: httpx.Client) -> None:
    response = browser.get("/graph/ontology/onteam", headers={"Accept": BROWSER, "Accept-Language": "en"})
    assert response.status_code == 200
    assert f"<code>{ONTOLOGY_GRAPH}</code>" in response.text
    assert "<code>ontology/onteam.ttl</code>" in response.text
    assert "<code>https://w3id.org/onteam/ontology</code> (an OWL ontology)" in response.text
    assert "<title>OnTeam ontology · OnTeam</title>" in response.text
    assert re.search(r"version \d+\.\d+\.\d+", response.text)


def test_download_links_answer_the_whole_graph_in_each_format(browser: httpx.Client, server: Server) -> None:
    page = browser.get("/graph/data/instances", headers={"Accept": BROWSER}).text
    links = {u for u in hrefs(page) if "/sparql?" in u and "CONSTRUCT" in u}
    expected = triple_count(server, DATA_GRAPH)
    media_seen = set()
    for url in sorted(links):
        response = httpx.get(url, timeout=60)  # a click: the browser's Accept does not decide
        assert response.status_code == 200, response.text
        media = response.headers["content-type"].split(";")[0]
        media_seen.add(media)
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", DeprecationWarning)  # rdflib's JSON-LD parser calls its deprecated API
            graph = rdflib.Graph().parse(data=response.content, format=PARSERS[media])
        assert len(graph) == expected, media
        assert (URIRef(DATA_GRAPH), RDF.type, OWL.Ontology) in graph
    assert media_seen == set(PARSERS)


def test_editor_link_opens_a_query_over_the_graph(browser: httpx.Client) -> None:
    page = browser.get("/graph/data/instances", headers={"Accept": BROWSER, "Accept-Language": "ko"}).text
    (link,) = [u for u in hrefs(page) if u.startswith("/editor?")]
    query = parse_qs(urlsplit(link).query)["query"][0]
    assert f"GRAPH <{DATA_GRAPH}>" in query
    editor = browser.get(link, headers={"Accept": BROWSER})
    assert editor.status_code == 200
    assert html.escape(f"GRAPH <{DATA_GRAPH}>") in editor.text  # in the plain form's textarea
    answer = browser.get("/sparql", params={"query": query}, headers={"Accept": "application/sparql-results+json"})
    assert len(answer.json()["results"]["bindings"]) == 100


def test_browser_head_has_the_pages_headers_and_no_body(browser: httpx.Client) -> None:
    headers = {"Accept": BROWSER, "Accept-Language": "ko"}
    get = browser.get("/graph/data/instances", headers=headers)
    head = browser.head("/graph/data/instances", headers=headers)
    assert head.status_code == 200 and head.content == b""
    for name in ("content-type", "content-language", "etag", "vary"):
        assert head.headers[name] == get.headers[name], name


def test_page_revalidates_with_its_etag(browser: httpx.Client) -> None:
    headers = {"Accept": BROWSER, "Accept-Language": "en"}
    first = browser.get("/graph/data/instances", headers=headers)
    again = browser.get("/graph/data/instances", headers={**headers, "If-None-Match": first.headers["etag"]})
    assert again.status_code == 304
    korean = browser.get("/graph/data/instances", headers={"Accept": BROWSER, "Accept-Language": "ko"})
    assert korean.headers["etag"] != first.headers["etag"]  # the language is part of the page


# ---- the data document's IRI dereferences ----


def test_data_document_iri_dereferences_to_its_graph_as_rdf(server: Server) -> None:
    response = server.client.get("/graph/data/instances", headers={"Accept": "text/turtle"})
    assert response.status_code == 200 and response.headers["content-type"].startswith("text/turtle")
    graph = rdflib.Graph().parse(data=response.text, format="turtle")
    assert (URIRef(DATA_GRAPH), OWL.imports, URIRef("https://w3id.org/onteam/ontology")) in graph
    assert Literal("온팀 데이터", lang="ko") in set(graph.objects(URIRef(DATA_GRAPH), None))


# ---- RDF clients keep the protocol's answers ----


@pytest.mark.parametrize(
    "accept",
    [None, "*/*", "text/turtle", "application/n-triples", "application/ld+json", "application/rdf+xml",
     "text/html, text/turtle", "text/html;q=0.9, text/turtle", "text/*", "text/html, */*"],
)
def test_rdf_clients_get_what_the_graph_store_gives(server: Server, accept: str | None) -> None:
    def get(path: str, params: dict[str, str] | None = None) -> httpx.Response:
        return get_with_accept(server, path, accept, params)

    direct = get("/graph/data/instances")
    indirect = get("/store", {"graph": DATA_GRAPH})
    assert direct.status_code == indirect.status_code == 200
    assert direct.headers["content-type"] == indirect.headers["content-type"]
    assert not direct.headers["content-type"].startswith("text/html")
    assert direct.content == indirect.content
    assert direct.headers["vary"] == indirect.headers["vary"]
    assert "Accept" in vary(direct) and "Accept-Language" not in vary(direct)
    assert "content-language" not in direct.headers


def test_html_only_accept_is_a_page_not_a_406(browser: httpx.Client) -> None:
    response = browser.get("/graph/data/instances", headers={"Accept": "text/html"})
    assert response.status_code == 200 and response.headers["content-type"].startswith("text/html")


# ---- a missing graph ----


@pytest.mark.parametrize(("lang", "title"), [("en", "Graph not found"), ("ko", "그래프를 찾을 수 없음")])
def test_missing_graph_is_a_404_page_for_browsers(browser: httpx.Client, lang: str, title: str) -> None:
    response = browser.get(MISSING, headers={"Accept": BROWSER, "Accept-Language": lang})
    assert response.status_code == 404
    assert response.headers["content-type"].startswith("text/html")
    assert response.headers["content-language"] == lang and html_lang(response.text) == lang
    assert f"<h1>{title}</h1>" in response.text
    assert "<code>https://w3id.org/onteam/graph/data/no-such-file</code>" in response.text
    assert "etag" not in response.headers  # nothing to revalidate
    assert "Accept" in vary(response)


@pytest.mark.parametrize("accept", [None, "*/*", "text/turtle", "application/json", "text/html, application/json"])
def test_missing_graph_stays_the_protocols_json_error_for_other_clients(server: Server, accept: str | None) -> None:
    def get(path: str, params: dict[str, str] | None = None) -> httpx.Response:
        return get_with_accept(server, path, accept, params)

    direct = get(MISSING)
    indirect = get("/store", {"graph": "https://w3id.org/onteam/graph/data/no-such-file"})
    # 404, or 406 first where the Accept names no RDF type the store serves: as before, either way.
    assert direct.status_code == indirect.status_code
    assert direct.status_code == (406 if accept and accept.endswith("application/json") else 404)
    assert direct.headers["content-type"].startswith("application/json")
    assert direct.json() == indirect.json()


def test_missing_graph_head_from_a_browser_is_404_without_a_body(browser: httpx.Client) -> None:
    head = browser.head(MISSING, headers={"Accept": BROWSER})
    assert head.status_code == 404 and head.content == b""
    assert head.headers["content-type"].startswith("text/html")


# ---- a graph a client wrote ----


def test_client_written_graph_has_no_source_file_and_no_unsafe_links(
    make_server: Callable[..., Server],
) -> None:
    writable = make_server("--update-token", TOKEN)
    body = (
        '<javascript:alert(1)> a <http://www.w3.org/2002/07/owl#Ontology> ; '
        '<http://purl.org/dc/terms/title> "Mine"@en ; '
        '<http://www.w3.org/2002/07/owl#imports> <javascript:alert(2)> .'
    )
    put = writable.client.put(
        "/graph/mine/notes", content=body,
        headers={"Content-Type": "text/turtle", "Authorization": f"Bearer {TOKEN}"},
    )
    assert put.status_code == 201
    page = writable.client.get("/graph/mine/notes", headers={"Accept": BROWSER, "Accept-Language": "en"})
    assert page.status_code == 200
    assert "None: written by a client" in page.text
    assert 'class="triple-count">3<' in page.text
    assert "Mine" in page.text
    assert not [u for u in hrefs(page.text) if u.startswith("javascript:")]
    rdf = writable.client.get("/graph/mine/notes", headers={"Accept": "application/n-triples"})
    assert rdf.status_code == 200 and len(rdf.text.strip().splitlines()) == 3


def test_the_articles_page_links_the_data_document_that_derives_from_it(browser: httpx.Client, server: Server) -> None:
    page = browser.get("/id/newsfreezone-kt-one-team-2021", headers={"Accept": BROWSER, "Accept-Language": "en"}).text
    link = f"{server.base}/graph/data/instances"
    assert link in hrefs(page)
    assert re.search(rf'<a href="{re.escape(link)}"[^>]*>OnTeam data</a>', page)  # named by its rdfs:label
    assert browser.get(link, headers={"Accept": BROWSER}).status_code == 200
