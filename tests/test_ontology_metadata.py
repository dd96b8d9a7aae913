"""The ontology as documentation tools and vocabulary catalogues read it.

pyLODE renders the header (title, agents, dates, licence, version, prefix) and every term
with its label and definition; LOV checks a recommended metadata set (Vandenbussche and
Vatant, "Metadata Recommendations for Linked Open Data Vocabularies"); Protégé and pyLODE
fetch the ontology IRI with an RDF Accept header and must get the graph the file holds.
"""

from __future__ import annotations

import re
import warnings
import httpx
import pytest
import rdflib
from conftest import Server
from sparql_support import RDFLIB_PARSERS
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


def parse(response: httpx.Response) -> rdflib.Graph:
    """The RDF of `response`, read with the parser its Content-Type names."""
    media = response.headers["content-type"].split(";")[0].strip()
    graph = rdflib.Graph()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DeprecationWarning)  # rdflib's JSON-LD parser
        graph.parse(data=response.text, format=RDFLIB_PARSERS[media], publicID=str(response.url))
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


# -- the header: LOV's recommended metadata, as pyLODE shows it ---------------------------


def languages(graph: rdflib.Graph, subject: URIRef, prop: URIRef) -> set[str | None]:
    return {o.language for o in graph.objects(subject, prop) if isinstance(o, Literal)}


@pytest.mark.parametrize("prop", [DCT.title, DCT.description, RDFS.label], ids=["title", "description", "label"])
def test_header_text_is_in_english_and_korean(ontology, prop: URIRef) -> None:
    assert languages(ontology, ONTOLOGY_IRI, prop) == {"en", "ko"}


def test_header_names_its_languages(ontology) -> None:
    assert {str(o) for o in ontology.objects(ONTOLOGY_IRI, DCT.language)} == {"en", "ko"}


@pytest.mark.parametrize("prop", [DCT.creator, DCT.publisher], ids=["creator", "publisher"])
def test_agents_are_resources_with_a_name_not_strings(ontology, prop: URIRef) -> None:
    # pyLODE prints a literal creator as plain text; LOV wants an agent it can name and link.
    agents = list(ontology.objects(ONTOLOGY_IRI, prop))
    assert agents, f"no {prop}"
    for agent in agents:
        assert isinstance(agent, (URIRef, BNode)), f"{prop} {agent!r} is a literal"
        assert set(ontology.objects(agent, RDF.type)) & {FOAF.Organization, FOAF.Person}
        assert languages(ontology, agent, FOAF.name) == {"en", "ko"}  # a page shows it in its language
        assert isinstance(ontology.value(agent, FOAF.homepage), URIRef)


def test_license_is_an_iri(ontology) -> None:
    assert isinstance(ontology.value(ONTOLOGY_IRI, DCT.license), URIRef)


def test_issued_and_modified_are_dates_in_order(ontology) -> None:
    issued, modified = (ontology.value(ONTOLOGY_IRI, p) for p in (DCT.issued, DCT.modified))
    assert issued is not None and issued.datatype == XSD.date
    assert modified is not None and modified.datatype == XSD.date
    assert issued.toPython() <= modified.toPython()


def test_source_is_the_article_the_data_describes(ontology, data) -> None:
    source = ontology.value(ONTOLOGY_IRI, DCT.source)
    assert source == SOURCE_ARTICLE
    assert (source, RDF.type, FOAF.Document) in data


def test_preferred_prefix_and_namespace_match_the_terms(ontology) -> None:
    assert str(ontology.value(ONTOLOGY_IRI, VANN.preferredNamespacePrefix)) == "ot"
    namespace = str(ontology.value(ONTOLOGY_IRI, VANN.preferredNamespaceUri))
    assert namespace == str(OT) == str(ONTOLOGY_IRI) + "#"
    assert ontology.namespace_manager.store.namespace("ot") == URIRef(namespace)


def test_every_declared_term_names_the_vocabulary_defining_it(ontology) -> None:
    # pyLODE lists every declared term, the reused ones too: without rdfs:isDefinedBy a reader
    # cannot tell org:Organization from an OnTeam class.
    kinds = (OWL.Class, OWL.ObjectProperty, OWL.DatatypeProperty, OWL.AnnotationProperty)
    terms = {s for k in kinds for s in ontology.subjects(RDF.type, k) if isinstance(s, URIRef)}
    missing = sorted(str(t) for t in terms if ontology.value(t, RDFS.isDefinedBy) is None)
    wrong = sorted(
        str(t) for t in terms
        if str(t).startswith(str(OT)) != (ontology.value(t, RDFS.isDefinedBy) == ONTOLOGY_IRI)
    )
    assert not missing and not wrong, f"no rdfs:isDefinedBy: {missing}; wrong one: {wrong}"


def test_every_labelled_term_has_label_and_comment_in_english_and_korean(ontology) -> None:
    # The contract asks it of ot: terms; reused terms given a label of ours need it too, or the
    # Korean page and pyLODE show a Korean name over an English-only definition.
    problems = []
    for term in sorted(set(ontology.subjects(RDFS.label, None)) - {ONTOLOGY_IRI}):
        for prop in (RDFS.label, RDFS.comment):
            if not languages(ontology, term, prop) >= {"en", "ko"}:
                problems.append(f"{term}: {prop} in {sorted(filter(None, languages(ontology, term, prop)))}")
    assert not problems, "\n".join(problems)


@pytest.mark.parametrize("lang, creator", [("en", "Creator"), ("ko", "작성자")])
def test_ontology_page_names_the_creator_agent(server: Server, ontology, lang: str, creator: str) -> None:
    # The creator is now a resource; the page shows it by its foaf:name, not as a missing row.
    agent = ontology.value(ONTOLOGY_IRI, DCT.creator)
    name = next(str(n) for n in ontology.objects(agent, FOAF.name) if n.language == lang)
    response = server.client.get(f"/ontology?lang={lang}", headers={"Accept": "text/html"})
    assert response.status_code == 200
    assert re.search(rf">{creator}</dt>\s*<dd>[^<]*(<[^>]+>\s*)*{re.escape(name)}", response.text)


@pytest.mark.parametrize("lang", ["en", "ko"])
def test_ontology_page_does_not_repeat_the_title_as_a_label_row(server: Server, lang: str) -> None:
    # The header carries rdfs:label for Protégé as well as dcterms:title; the page shows the name once.
    response = server.client.get(f"/ontology?lang={lang}", headers={"Accept": "text/html"})
    meta = re.search(r'<dl class="meta">(.*?)</dl>', response.text, re.S)
    assert meta is not None and 'title="dcterms:created"' in meta.group(1)
    assert 'title="rdfs:label"' not in meta.group(1)


def meta_rows(html: str) -> dict[str, str]:
    """The header rows of the ontology page: CURIE of the property -> the HTML of its values."""
    meta = re.search(r'<dl class="meta">(.*?)</dl>', html, re.S)
    assert meta is not None
    return dict(re.findall(r'<dt title="([^"]+)">[^<]*</dt><dd>(.*?)</dd>', meta.group(1), re.S))


@pytest.mark.parametrize("lang", ["en", "ko"])
def test_ontology_page_header_shows_iri_values_and_every_value(server: Server, ontology, lang: str) -> None:
    # pyLODE and LOV show the licence, the version IRI and rdfs:seeAlso as links; the page
    # dropped every IRI-valued header property and kept one dcterms:language of two.
    rows = meta_rows(server.client.get(f"/ontology?lang={lang}", headers={"Accept": "text/html"}).text)
    for prop, curie in [(DCT.license, "dcterms:license"), (OWL.versionIRI, "owl:versionIRI"),
                        (RDFS.seeAlso, "rdfs:seeAlso"), (DCT.source, "dcterms:source")]:
        assert curie in rows, f"no {curie} row"
        for iri in ontology.objects(ONTOLOGY_IRI, prop):
            assert "<a href=" in rows[curie] and (str(iri) in rows[curie] or str(iri).replace(
                "https://w3id.org/onteam/", "/") in rows[curie]), f"{curie}: {iri} not linked in {rows[curie]}"
    assert {"en", "ko"} <= set(re.findall(r"\b(en|ko)\b", rows["dcterms:language"]))
