"""Acceptance audit of OnTeam as linked data: edge cases of dereferencing the tests elsewhere miss."""

from __future__ import annotations

import json
import warnings

import pytest
import rdflib
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
