"""Acceptance audit of OnTeam as linked data: edge cases of dereferencing the tests elsewhere miss."""

from __future__ import annotations

import json
import re
import warnings

import httpx

import pytest
import rdflib
import rdflib.compare
from conftest import Server

BROWSER_ACCEPT = "text/html,application/xhtml+xml,application/xml;q=0.9,image/avif,image/webp,*/*;q=0.8"
RDF_ANSWERS = {
    "text/turtle": "turtle",
    "application/n-triples": "nt",
    "application/ld+json": "json-ld",
    "application/rdf+xml": "xml",
}


def parse(text: str, fmt: str, base: str) -> rdflib.Graph:
    graph = rdflib.Graph()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DeprecationWarning)  # rdflib's JSON-LD parser builds a ConjunctiveGraph
        graph.parse(data=text, format=fmt, publicID=base)
    return graph


# IRIs under the instance and ontology namespaces that no route has a segment for: /id/<slug>
# and /ontology/<term> take one segment, so these fell through to the router's JSON 404.
UNKNOWN_DEEP_PATHS = ("/id/", "/id/kt/extra", "/id/a/b/c", "/ontology/Consortium/extra", "/ontology/a/b")


@pytest.mark.parametrize("path", UNKNOWN_DEEP_PATHS)
@pytest.mark.parametrize(("accept", "fmt"), RDF_ANSWERS.items())
def test_unknown_iri_with_more_segments_is_404_in_the_asked_rdf_format(server: Server, path: str, accept: str, fmt: str) -> None:
    response = server.client.get(path, headers={"Accept": accept})
    assert response.status_code == 404
    assert response.headers["content-type"].split(";")[0] == accept
    assert "Accept" in response.headers["vary"]
    assert len(parse(response.text, fmt, str(response.url))) == 0


@pytest.mark.parametrize("path", UNKNOWN_DEEP_PATHS)
def test_unknown_iri_with_more_segments_is_a_404_page_for_browsers(server: Server, path: str) -> None:
    response = server.client.get(path, headers={"Accept": BROWSER_ACCEPT})
    assert response.status_code == 404
    assert response.headers["content-type"].startswith("text/html")
    assert "https://w3id.org/onteam" + path in response.text


def test_unknown_iri_with_more_segments_and_an_extension_answers_in_that_format(server: Server) -> None:
    response = server.client.get("/id/a/b.jsonld", headers={"Accept": "text/turtle"})
    assert response.status_code == 404
    assert response.headers["content-type"].startswith("application/ld+json")
    assert json.loads(response.text)["@graph"] == []


def test_unknown_iri_with_more_segments_and_no_acceptable_type_is_406(server: Server) -> None:
    response = server.client.get("/id/a/b", headers={"Accept": "image/png"})
    assert response.status_code == 406
    assert "Accept" in response.headers["vary"]
    assert response.json()["status"] == 406


def test_resource_with_a_trailing_slash_still_redirects_to_the_resource(server: Server) -> None:
    response = server.client.get("/id/kt/", headers={"Accept": "text/turtle"})
    assert response.status_code in (307, 308)
    assert response.headers["location"].endswith("/id/kt")


# The IANA registration of application/ld+json: "If the profile parameter is given, a server
# SHOULD return a document that honors the profiles in the list which it recognizes".
EXPANDED = "http://www.w3.org/ns/json-ld#expanded"


def is_expanded(document: object) -> bool:
    """Expanded JSON-LD: no @context anywhere, every key a keyword or an absolute IRI."""
    if isinstance(document, list):
        return all(is_expanded(item) for item in document)
    if isinstance(document, dict):
        return all(
            key != "@context" and (key.startswith("@") or key.startswith(("http://", "https://"))) and is_expanded(value)
            for key, value in document.items()
        )
    return True


@pytest.mark.parametrize("path", ["/id/ai-one-team", "/ontology"])
def test_jsonld_expanded_profile_in_accept_gets_the_expanded_form(server: Server, path: str) -> None:
    accept = f'application/ld+json;profile="{EXPANDED}"'
    response = server.client.get(path, headers={"Accept": accept})
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("application/ld+json")
    assert EXPANDED in response.headers["content-type"]
    document = response.json()
    assert isinstance(document, list) and is_expanded(document)
    compacted = server.client.get(path, headers={"Accept": "application/ld+json"})
    turtle = server.client.get(path, headers={"Accept": "text/turtle"})
    assert rdflib.compare.isomorphic(parse(response.text, "json-ld", path), parse(turtle.text, "turtle", path))
    # Another body, so another validator, and no Content-Location naming the compacted .jsonld.
    assert response.headers["etag"] != compacted.headers["etag"]
    assert "content-location" not in response.headers


def test_jsonld_compacted_profile_or_none_keeps_the_published_context(server: Server) -> None:
    for accept in ("application/ld+json", 'application/ld+json; profile="http://www.w3.org/ns/json-ld#compacted"'):
        document = server.client.get("/id/kt", headers={"Accept": accept}).json()
        assert document["@context"].endswith("/context.jsonld")


def test_jsonld_extension_url_is_the_compacted_form_whatever_the_profile(server: Server) -> None:
    response = server.client.get("/id/kt.jsonld", headers={"Accept": f'application/ld+json;profile="{EXPANDED}"'})
    assert response.json()["@context"].endswith("/context.jsonld")


# The data document's IRI (https://w3id.org/onteam/graph/data/instances) is a subject of the
# data, so it dereferences like the other IRIs: with the canonical IRI and its alternates named.
def header_links(response: httpx.Response) -> list[tuple[str, dict[str, str]]]:
    """Every link of the Link header fields: (target, parameters)."""
    found = []
    for value in response.headers.get_list("link"):
        for target, params in re.findall(r"<([^>]*)>((?:\s*;\s*[^;,]+)*)", value):
            pairs = (p.strip().partition("=") for p in params.split(";") if p.strip())
            found.append((target, {k.strip(): v.strip().strip('"') for k, _, v in pairs}))
    return found


@pytest.mark.parametrize("accept", ["text/turtle", "application/ld+json", BROWSER_ACCEPT])
def test_graph_iri_in_the_data_links_its_canonical_iri_and_alternates(server: Server, accept: str) -> None:
    response = server.client.get("/graph/data/instances", headers={"Accept": accept})
    assert response.status_code == 200
    links = header_links(response)
    assert ("https://w3id.org/onteam/graph/data/instances", {"rel": "canonical"}) in links
    alternates = {params["type"]: target for target, params in links if params.get("rel") == "alternate"}
    assert set(alternates) >= set(RDF_ANSWERS)
    for media, fmt in RDF_ANSWERS.items():
        got = server.client.get(alternates[media])
        assert got.status_code == 200 and got.headers["content-type"].startswith(media)
        assert len(parse(got.text, fmt, alternates[media])) > 1000


# RFC 9110 §13.1.1 and §13.1.4: a false If-Match or If-Unmodified-Since means the method is not
# performed; the server answers 412. Descriptions have validators, so they evaluate both.
@pytest.mark.parametrize("path", ["/id/kt", "/ontology"])
@pytest.mark.parametrize(
    "condition", [{"If-Match": '"not-the-current-one"'}, {"If-Unmodified-Since": "Mon, 01 Jan 2001 00:00:00 GMT"}]
)
def test_description_with_a_false_if_match_or_if_unmodified_since_is_412(
    server: Server, path: str, condition: dict[str, str]
) -> None:
    response = server.client.get(path, headers={"Accept": "text/turtle", **condition})
    assert response.status_code == 412
    assert response.json()["status"] == 412


@pytest.mark.parametrize("path", ["/id/kt", "/ontology"])
def test_description_with_a_true_if_match_is_served(server: Server, path: str) -> None:
    first = server.client.get(path, headers={"Accept": "text/turtle"})
    for condition in ({"If-Match": first.headers["etag"]}, {"If-Match": "*"}, {"If-Unmodified-Since": first.headers["last-modified"]}):
        again = server.client.get(path, headers={"Accept": "text/turtle", **condition})
        assert again.status_code == 200 and again.content == first.content
