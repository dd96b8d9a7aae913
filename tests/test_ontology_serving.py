"""Every term of ontology/onteam.ttl dereferences, as linked-data clients and ontology tools do it.

`ot:` is a hash namespace: a client drops `#Term` and asks for the ontology document, which
must describe the term (labels and comments in English and Korean) in each RDF format, and
document it at the anchor `#Term` of the HTML page. The slash form `/ontology/Term` answers
303 to that place. Run against the real server over the project's own files.
"""

from __future__ import annotations

import html
import re
import warnings
from pathlib import Path

import pytest
import rdflib
from conftest import Server
from sparql_support import RDFLIB_PARSERS
from rdflib import RDFS, Literal, URIRef

ROOT = Path(__file__).resolve().parents[1]
OT = "https://w3id.org/onteam/ontology#"
ONTOLOGY_IRI = URIRef("https://w3id.org/onteam/ontology")


def file_terms() -> list[URIRef]:
    """Every ot: IRI the ontology file says something about."""
    graph = rdflib.Graph().parse(ROOT / "ontology" / "onteam.ttl", format="turtle")
    return sorted({s for s in graph.subjects() if isinstance(s, URIRef) and str(s).startswith(OT)})


TERMS = file_terms()


@pytest.fixture(scope="module")
def source() -> rdflib.Graph:
    return rdflib.Graph().parse(ROOT / "ontology" / "onteam.ttl", format="turtle")


def texts(graph: rdflib.Graph, term: URIRef) -> set[Literal]:
    return set(graph.objects(term, RDFS.label)) | set(graph.objects(term, RDFS.comment))


@pytest.mark.parametrize("media", sorted(RDFLIB_PARSERS))
def test_every_term_iri_dereferences_to_its_labels_and_comments(server: Server, source, media: str) -> None:
    documents: dict[str, rdflib.Graph] = {}
    missing = []
    for term in TERMS:
        name = term[len(OT):]
        redirect = server.client.get(f"/ontology/{name}", headers={"Accept": media})
        assert redirect.status_code == 303, name
        document, _, anchor = redirect.headers["location"].partition("#")
        assert anchor == name and "Accept" in redirect.headers["vary"]
        if document not in documents:
            response = server.client.get(document, headers={"Accept": media})
            assert response.status_code == 200
            assert response.headers["content-type"].split(";")[0] == media
            assert response.headers["content-location"].endswith("/ontology." + {
                "text/turtle": "ttl", "application/rdf+xml": "rdf",
                "application/ld+json": "jsonld", "application/n-triples": "nt"}[media])
            graph = rdflib.Graph()
            with warnings.catch_warnings():
                warnings.simplefilter("ignore", DeprecationWarning)  # rdflib's JSON-LD parser
                graph.parse(data=response.text, format=RDFLIB_PARSERS[media], publicID=str(ONTOLOGY_IRI))
            documents[document] = graph
        served = documents[document]
        expected = texts(source, term)
        assert {lit.language for lit in expected} >= {"en", "ko"}, name
        if not expected <= texts(served, term):
            missing.append(name)
    assert not missing, f"{media}: labels or comments missing for {missing}"


@pytest.mark.parametrize("lang", ["en", "ko"])
def test_every_term_is_documented_at_its_anchor_with_both_labels(server: Server, source, lang: str) -> None:
    page = server.client.get(f"/ontology?lang={lang}", headers={"Accept": "text/html"}).text
    anchors = [m.start() for m in re.finditer(r'<article class="term" id="', page)] + [len(page)]
    sections = {}
    for start, end in zip(anchors, anchors[1:]):
        name = re.match(r'<article class="term" id="([^"]+)"', page[start:]).group(1)
        sections[name] = html.unescape(page[start:end])
    problems = []
    for term in TERMS:
        name = term[len(OT):]
        if name not in sections:
            problems.append(f"{name}: no anchor")
            continue
        for label in source.objects(term, RDFS.label):
            if f'<span lang="{label.language}">{label}</span>' not in sections[name]:
                problems.append(f"{name}: label {label!r}")
        comment = next(c for c in source.objects(term, RDFS.comment) if c.language == lang)
        if str(comment) not in sections[name]:
            problems.append(f"{name}: comment@{lang}")
    assert not problems, "\n".join(problems)


@pytest.mark.parametrize("media", [*sorted(RDFLIB_PARSERS), "text/html"])
def test_version_iri_serves_the_ontology_in_every_format(server: Server, source, media: str) -> None:
    version = str(source.value(ONTOLOGY_IRI, rdflib.OWL.versionIRI))
    response = server.client.get("/ontology/" + version.rsplit("/", 1)[1], headers={"Accept": media})
    assert response.status_code == 200
    assert response.headers["content-type"].split(";")[0] == media
    assert version in html.unescape(response.text)


def test_term_redirect_keeps_the_query_string(server: Server) -> None:
    # A shared link to the Korean documentation of a term (/ontology/Consortium?lang=ko) must
    # land on the Korean page, not lose its language on the way.
    response = server.client.get("/ontology/Consortium?lang=ko", headers={"Accept": "text/html"})
    assert response.status_code == 303
    assert response.headers["location"] == f"{server.base}/ontology?lang=ko#Consortium"
    page = server.client.get(response.headers["location"].split("#")[0], headers={"Accept": "text/html"})
    assert page.headers["content-language"] == "ko"


def test_version_iri_names_its_own_representations(server: Server, source) -> None:
    # /ontology.ttl changes with the next version; the version IRI's representation is
    # /ontology/<version>.ttl, which keeps giving this version.
    version = str(source.value(ONTOLOGY_IRI, rdflib.OWL.versionIRI)).rsplit("/", 1)[1]
    response = server.client.get(f"/ontology/{version}", headers={"Accept": "text/turtle"})
    assert response.headers["content-location"] == f"{server.base}/ontology/{version}.ttl"
    assert f'<{server.base}/ontology/{version}.rdf>; rel="alternate"' in response.headers["link"]
    assert '<https://w3id.org/onteam/ontology>; rel="canonical"' in response.headers["link"]
    assert server.client.get(response.headers["content-location"]).text == response.text
