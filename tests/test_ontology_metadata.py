"""The ontology as documentation tools and vocabulary catalogues read it.

pyLODE renders the header (title, agents, dates, licence, version, prefix) and every term
with its label and definition; LOV checks a recommended metadata set (Vandenbussche and
Vatant, "Metadata Recommendations for Linked Open Data Vocabularies"); Protégé and pyLODE
fetch the ontology IRI with an RDF Accept header and must get the graph the file holds.
"""

from __future__ import annotations

import warnings
from datetime import date

import httpx
import pytest
import rdflib
from conftest import PROJECT_ROOT, Server
from rdflib import OWL, RDF, RDFS, XSD, BNode, Literal, URIRef
from rdflib.compare import graph_diff, isomorphic, to_isomorphic

OT = rdflib.Namespace("https://w3id.org/onteam/ontology#")
ONTOLOGY_IRI = URIRef("https://w3id.org/onteam/ontology")
DCT = rdflib.Namespace("http://purl.org/dc/terms/")
FOAF = rdflib.Namespace("http://xmlns.com/foaf/0.1/")
VANN = rdflib.Namespace("http://purl.org/vocab/vann/")
SOURCE_ARTICLE = URIRef("https://w3id.org/onteam/id/newsfreezone-kt-one-team-2021")

# The Accept headers of the tools that fetch the ontology IRI: Protégé (the OWL API), and
# pyLODE given a URL (rdflib without a format: every media type it has a parser for).
TOOL_ACCEPTS = {
    "protege": ("application/rdf+xml, application/xml; q=0.7, text/xml; q=0.6, text/plain; q=0.1, */*; q=0.09"),
    "pylode": ("application/rdf+xml, text/n3, text/turtle, application/n-triples, application/ld+json, "
               "application/n-quads, application/trix, application/trig"),
    "turtle": "text/turtle",
    "rdfxml": "application/rdf+xml",
    "jsonld": "application/ld+json",
    "ntriples": "application/n-triples",
}
PARSERS = {
    "text/turtle": "turtle",
    "application/rdf+xml": "xml",
    "application/ld+json": "json-ld",
    "application/n-triples": "nt",
}


def parse(response: httpx.Response) -> rdflib.Graph:
    """The RDF of `response`, read with the parser its Content-Type names."""
    media = response.headers["content-type"].split(";")[0].strip()
    graph = rdflib.Graph()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DeprecationWarning)  # rdflib's JSON-LD parser
        graph.parse(data=response.text, format=PARSERS[media], publicID=str(response.url))
    return graph


def difference(expected: rdflib.Graph, got: rdflib.Graph) -> str:
    """A readable summary of what one graph has and the other lacks."""
    _, only_expected, only_got = graph_diff(to_isomorphic(expected), to_isomorphic(got))
    lines = [f"- {t}" for t in sorted(only_expected, key=str)[:10]]
    lines += [f"+ {t}" for t in sorted(only_got, key=str)[:10]]
    return f"{len(only_expected)} triples missing, {len(only_got)} extra:\n" + "\n".join(lines)


# -- the served copy is the file -----------------------------------------------------------


@pytest.mark.parametrize("tool", sorted(TOOL_ACCEPTS))
def test_ontology_iri_serves_the_whole_file_to_each_tool(server: Server, ontology, tool: str) -> None:
    response = server.client.get("/ontology", headers={"Accept": TOOL_ACCEPTS[tool]})
    assert response.status_code == 200
    served = parse(response)
    assert isomorphic(served, ontology), difference(ontology, served)


def test_version_iri_serves_the_whole_file(server: Server, ontology) -> None:
    version = ontology.value(ONTOLOGY_IRI, OWL.versionIRI)
    path = "/ontology/" + str(version).rsplit("/", 1)[1]
    served = parse(server.client.get(path, headers={"Accept": TOOL_ACCEPTS["protege"]}))
    assert isomorphic(served, ontology), difference(ontology, served)


def test_served_ontology_keeps_reused_term_declarations_and_disjointness(server: Server) -> None:
    # What the former subject filter on ot: IRIs dropped, named so a regression says what it lost.
    served = parse(server.client.get("/ontology.ttl"))
    assert (URIRef("http://www.w3.org/ns/org#member"), RDF.type, OWL.ObjectProperty) in served
    assert (XSD.gYearMonth, RDF.type, RDFS.Datatype) in served
    assert len(list(served.subjects(RDF.type, OWL.AllDisjointClasses))) >= 2


def test_served_ontology_leaves_out_the_data_and_the_shapes(server: Server) -> None:
    served = parse(server.client.get("/ontology.ttl"))
    assert (SOURCE_ARTICLE, None, None) not in served
    assert not list(served.subjects(RDF.type, URIRef("http://www.w3.org/ns/shacl#NodeShape")))
