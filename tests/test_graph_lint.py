"""Lint the ontology and the instance data against the vocabulary contract.

Checks that every ot: term is declared and documented, every ot: IRI used
anywhere is declared, contract terms keep their alignment, and every
instance carries labels in Korean and English and its provenance.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest
import rdflib
from rdflib import OWL, RDF, RDFS, Literal, URIRef
from rdflib.namespace import SKOS

ROOT = Path(__file__).resolve().parents[1]
OT = rdflib.Namespace("https://w3id.org/onteam/ontology#")
ID = "https://w3id.org/onteam/id/"
ONTOLOGY_IRI = URIRef("https://w3id.org/onteam/ontology")
PROV = rdflib.Namespace("http://www.w3.org/ns/prov#")
ORG = rdflib.Namespace("http://www.w3.org/ns/org#")
FOAF = rdflib.Namespace("http://xmlns.com/foaf/0.1/")
DOC = URIRef(ID + "newsfreezone-kt-one-team-2021")

# The vocabulary contract, copied as data: (term, kind, alignment).
# kind: "class" -> alignment is a superclass; "property" -> alignment is a
# (predicate, object) pair that must be asserted on the term, or None.
CONTRACT_CLASSES = {
    "Consortium": ORG.OrganizationalCollaboration,
    "Organization": ORG.Organization,
    "Person": FOAF.Person,
    "Initiative": PROV.Activity,
    "Outcome": PROV.Entity,
}
CONTRACT_PROPERTIES = {
    "hasMember": (OWL.inverseOf, OT.memberOf),
    "memberOf": (OWL.inverseOf, OT.hasMember),
    "ledBy": None,
    "foundingDate": None,
    "statedMemberCount": None,
    "hasInitiative": None,
    "hasOutcome": None,
    "developedBy": None,
    "appliedIn": None,
    "affiliatedWith": None,
    "subOrganizationOf": (RDFS.subPropertyOf, ORG.subOrganizationOf),
}
# Slugs the benchmark generator and other components rely on.
PINNED_SLUGS = [
    "kt", "hyundai-heavy-industries-group", "lg-electronics", "lg-uplus",
    "korea-investment-securities", "dongwon-group", "kaist", "hanyang-university", "etri",
    "woori-bank", "ai-one-team", "cloud-one-team", "b2b-one-team", "gwanghwamun-one-team",
    "metaverse-one-team", "jang-du-seong", "hyperscale-ai-model", "newsfreezone-kt-one-team-2021",
    "role-lead", "role-member", "membership-roles",
]
PINNED_TERMS = [
    "Membership", "Evidence", "evidence", "quote", "paragraphNumber", "asOf", "Division",
    "ProductOrService", "Event", "date", "startDate", "endDate", "Quantity", "minValue",
    "maxValue", "Company", "CorporateGroup", "University", "ResearchInstitute", "GovernmentBody",
    "LocalGovernment", "PoliceAgency", "PublicCorporation", "LawFirm", "NonProfit", "Association",
    "Bank", "InnovationCenter", "jobTitle", "parameterCount", "investment", "measuredEffect",
    "rivalOf", "competesIn",
]
TERM_TYPES = {OWL.Class, OWL.ObjectProperty, OWL.DatatypeProperty, OWL.AnnotationProperty}


@pytest.fixture(scope="session")
def shapes() -> rdflib.Graph:
    return rdflib.Graph().parse(ROOT / "ontology/shapes.ttl", format="turtle")


def declared_terms(ontology: rdflib.Graph) -> set[URIRef]:
    return {
        s for t in TERM_TYPES for s in ontology.subjects(RDF.type, t)
        if isinstance(s, URIRef) and str(s).startswith(str(OT))
    }


def ot_iris(graph: rdflib.Graph) -> set[URIRef]:
    return {x for triple in graph for x in triple if isinstance(x, URIRef) and str(x).startswith(str(OT))}


def langs(graph: rdflib.Graph, s, p) -> set[str]:
    return {o.language for o in graph.objects(s, p) if isinstance(o, Literal) and o.language}


def test_ontology_header(ontology):
    o = ontology
    assert (ONTOLOGY_IRI, RDF.type, OWL.Ontology) in o
    assert o.value(ONTOLOGY_IRI, OWL.versionIRI) is not None
    assert o.value(ONTOLOGY_IRI, OWL.versionInfo) is not None
    DCT = rdflib.Namespace("http://purl.org/dc/terms/")
    assert langs(o, ONTOLOGY_IRI, DCT.title) >= {"en", "ko"}
    assert langs(o, ONTOLOGY_IRI, DCT.description) >= {"en", "ko"}
    assert o.value(ONTOLOGY_IRI, DCT.license) == URIRef("https://creativecommons.org/licenses/by/4.0/")
    VANN = rdflib.Namespace("http://purl.org/vocab/vann/")
    assert str(o.value(ONTOLOGY_IRI, VANN.preferredNamespacePrefix)) == "ot"
    assert str(o.value(ONTOLOGY_IRI, VANN.preferredNamespaceUri)) == str(OT)


def test_every_term_is_documented(ontology):
    problems = []
    for term in sorted(declared_terms(ontology)):
        if not langs(ontology, term, RDFS.label) >= {"en", "ko"}:
            problems.append(f"{term}: rdfs:label needs @en and @ko")
        if ontology.value(term, RDFS.comment) is None:
            problems.append(f"{term}: no rdfs:comment")
        if ontology.value(term, RDFS.isDefinedBy) != ONTOLOGY_IRI:
            problems.append(f"{term}: rdfs:isDefinedBy is not the ontology")
    assert not problems, "\n".join(problems)


def test_contract_classes_declared_with_alignment(ontology):
    for name, parent in CONTRACT_CLASSES.items():
        assert (OT[name], RDF.type, OWL.Class) in ontology, name
        assert (OT[name], RDFS.subClassOf, parent) in ontology, f"{name} ⊑ {parent}"


def test_contract_properties_declared_with_alignment(ontology):
    for name, alignment in CONTRACT_PROPERTIES.items():
        types = set(ontology.objects(OT[name], RDF.type))
        assert types & {OWL.ObjectProperty, OWL.DatatypeProperty}, name
        if alignment:
            assert (OT[name], *alignment) in ontology, f"{name} {alignment}"


@pytest.mark.parametrize("name", PINNED_TERMS)
def test_pinned_terms_declared(ontology, name):
    assert OT[name] in declared_terms(ontology)


def test_pinned_alignments(ontology):
    assert (OT.Membership, RDFS.subClassOf, ORG.Membership) in ontology
    assert (OT.Evidence, RDFS.subClassOf, PROV.Entity) in ontology
    assert (OT.Division, RDFS.subClassOf, ORG.Organization) in ontology
    assert (OT.Person, OWL.disjointWith, OT.Organization) in ontology


def test_inverses_stated_both_ways(ontology):
    for a, b in ontology.subject_objects(OWL.inverseOf):
        assert (b, OWL.inverseOf, a) in ontology, f"{a} inverseOf {b} only one way"


def test_every_used_ot_iri_is_declared(ontology, data, shapes):
    declared = declared_terms(ontology)
    used = ot_iris(data) | ot_iris(shapes) | ot_iris(ontology)
    for rq in sorted((ROOT / "queries").glob("*.rq")) if (ROOT / "queries").is_dir() else []:
        used |= {URIRef(str(OT) + m) for m in re.findall(r"\bot:([A-Za-z_][\w-]*)", rq.read_text("utf-8"))}
        used |= {URIRef(m) for m in re.findall(r"<(https://w3id\.org/onteam/ontology#[^>]+)>", rq.read_text("utf-8"))}
    undeclared = sorted(str(u) for u in used - declared)
    assert not undeclared, undeclared


def test_every_term_is_used_or_says_why(ontology, data):
    used = ot_iris(data)
    idle = sorted(
        str(t) for t in declared_terms(ontology) - used if ontology.value(t, OT.unusedReason) is None
    )
    assert not idle, f"declared but unused, without ot:unusedReason: {idle}"


def test_instances_have_labels_and_provenance(data):
    subjects = {s for s in data.subjects() if isinstance(s, URIRef) and str(s).startswith(ID)}
    assert len(subjects) > 100
    problems = []
    for s in sorted(subjects):
        if not langs(data, s, RDFS.label) >= {"ko", "en"}:
            problems.append(f"{s}: needs rdfs:label @ko and @en")
        if data.value(s, RDF.type) is None:
            problems.append(f"{s}: no rdf:type")
        if s != DOC and (s, PROV.wasDerivedFrom, DOC) not in data:
            problems.append(f"{s}: no prov:wasDerivedFrom the source document")
    assert not problems, "\n".join(problems)


def test_slugs_are_lowercase_ascii(data):
    pattern = re.compile(r"^[a-z0-9]+(-[a-z0-9]+)*$")
    bad = sorted(
        str(x) for t in data for x in t
        if isinstance(x, URIRef) and str(x).startswith(ID) and not pattern.match(str(x)[len(ID):])
    )
    assert not bad, bad


@pytest.mark.parametrize("slug", PINNED_SLUGS)
def test_pinned_slugs_present(data, slug):
    assert (URIRef(ID + slug), RDFS.label, None) in data


def test_no_blank_nodes_in_data(data):
    assert not [t for t in data if any(isinstance(x, rdflib.BNode) for x in t)]


def test_source_document(data):
    DCT = rdflib.Namespace("http://purl.org/dc/terms/")
    assert (DOC, RDF.type, FOAF.Document) in data
    assert (DOC, RDF.type, URIRef("http://schema.org/NewsArticle")) in data
    assert str(data.value(DOC, DCT.language)) == "ko"
    assert langs(data, DOC, DCT.title) >= {"ko", "en"}
    assert data.value(DOC, DCT.publisher) == URIRef(ID + "newsfreezone")
    assert data.value(DOC, DCT.creator) == URIRef(ID + "lee-dong-geun")
    assert data.value(DOC, DCT.date) is not None
    assert data.value(DOC, SKOS.editorialNote) is not None
    assert (DOC, PROV.wasDerivedFrom, None) not in data


def test_every_sentence_is_cited(data):
    """Every evidence sentence backs at least one fact, and every paragraph 1-21 is covered."""
    evidence = set(data.subjects(RDF.type, OT.Evidence))
    cited = set(data.objects(None, OT.evidence))
    assert evidence == cited, sorted(str(e) for e in evidence ^ cited)
    paragraphs = {int(p) for p in data.objects(None, OT.paragraphNumber)}
    assert paragraphs == set(range(1, 22))


def test_evidence_iris_match_position(data):
    for ev in data.subjects(RDF.type, OT.Evidence):
        p = int(data.value(ev, OT.paragraphNumber))
        s = int(data.value(ev, OT.sentenceNumber))
        assert str(ev) == f"{ID}evidence-p{p:02d}-s{s}"
        assert langs(data, ev, OT.quote) == {"ko", "en"}


def test_organizations_typed_with_a_kind(data, ontology):
    kinds = set(ontology.transitive_subjects(RDFS.subClassOf, OT.Organization)) - {OT.Organization}
    for o in data.subjects(RDF.type, OT.Organization):
        assert set(data.objects(o, RDF.type)) & kinds, f"{o} has no kind class"
        # kind superclasses are written out too (no reasoner at query time)
        for k in set(data.objects(o, RDF.type)) & kinds:
            for sup in ontology.transitive_objects(k, RDFS.subClassOf):
                if str(sup).startswith(str(OT)):
                    assert (o, RDF.type, sup) in data, f"{o} {k} but not {sup}"


@pytest.mark.parametrize("name", sorted(CONTRACT_CLASSES))
def test_instances_carry_their_class_alignment(data, name):
    """No reasoner runs at query time: `?x a org:Organization` must find every organization."""
    aligned = CONTRACT_CLASSES[name]
    instances = set(data.subjects(RDF.type, OT[name]))
    assert instances
    missing = sorted(str(s) for s in instances if (s, RDF.type, aligned) not in data)
    assert not missing, f"ot:{name} instances without rdf:type {aligned}: {missing}"
