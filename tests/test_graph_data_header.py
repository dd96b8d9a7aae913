"""The data file's own ontology header: what OWL tools see when they open data/instances.ttl alone.

Protégé, the OWL API and pyLODE read a file's owl:Ontology and follow its owl:imports; without
them every property of the data shows as an annotation property. Here the data is parsed
alone, its imports are resolved to the project's own files through data/catalog-v001.xml
(the XML catalog Protégé reads beside a file it opens), and an OWL 2 RL closure must type each
ot: property it uses as an object or datatype property, with values of the matching kind.
"""

from __future__ import annotations

from pathlib import Path
from xml.etree import ElementTree

import owlrl
import pytest
import rdflib
from rdflib import OWL, RDF, RDFS, Literal, URIRef

ROOT = Path(__file__).resolve().parents[1]
DATA_IRI = URIRef("https://w3id.org/onteam/graph/data/instances")
ONTOLOGY_IRI = URIRef("https://w3id.org/onteam/ontology")
OT = "https://w3id.org/onteam/ontology#"
DOC = URIRef("https://w3id.org/onteam/id/newsfreezone-kt-one-team-2021")
DCT = rdflib.Namespace("http://purl.org/dc/terms/")
PROV = rdflib.Namespace("http://www.w3.org/ns/prov#")
BUILT_IN = ("http://www.w3.org/1999/02/22-rdf-syntax-ns#", "http://www.w3.org/2000/01/rdf-schema#",
            "http://www.w3.org/2002/07/owl#")
CATALOG = "catalog-v001.xml"
KINDS = {OWL.ObjectProperty, OWL.DatatypeProperty, OWL.AnnotationProperty}


def catalog() -> dict[URIRef, Path]:
    """Imported IRI -> file, from data/catalog-v001.xml: where Protégé resolves imports offline."""
    tree = ElementTree.parse(ROOT / "data" / CATALOG)
    entries = tree.getroot().findall("{urn:oasis:names:tc:entity:xmlns:xml:catalog}uri")
    return {URIRef(e.get("name")): (ROOT / "data" / e.get("uri")).resolve() for e in entries}


def with_imports(graph: rdflib.Graph) -> rdflib.Graph:
    """`graph` plus the closure of its owl:imports, each resolved by the catalog to a project
    file that declares that ontology IRI."""
    resolver = catalog()
    union, seen = rdflib.Graph() + graph, set()
    todo = list(graph.objects(None, OWL.imports))
    while todo:
        iri = todo.pop()
        if iri in seen:
            continue
        seen.add(iri)
        assert iri in resolver, f"owl:imports <{iri}> names no ontology of the catalog"
        imported = rdflib.Graph().parse(resolver[iri], format="turtle")
        declared = set(imported.subjects(RDF.type, OWL.Ontology)) | set(imported.objects(None, OWL.versionIRI))
        assert iri in declared, f"{resolver[iri]} does not declare <{iri}>"
        union += imported
        todo += list(imported.objects(None, OWL.imports))
    return union


def closure(graph: rdflib.Graph) -> rdflib.Graph:
    expanded = rdflib.Graph() + graph
    owlrl.DeductiveClosure(
        owlrl.OWLRL_Semantics, rdfs_closure=False, axiomatic_triples=False, datatype_axioms=False
    ).expand(expanded)
    return expanded


def property_problems(data: rdflib.Graph, typed: rdflib.Graph) -> list[str]:
    """Predicates of `data` that `typed` does not declare, or declares with the wrong kind."""
    problems = set()
    for _, p, o in data:
        if str(p).startswith(BUILT_IN):
            continue
        kinds = set(typed.objects(p, RDF.type)) & KINDS
        if not kinds:
            problems.add(f"{p} has no property kind")
        elif OWL.ObjectProperty in kinds and isinstance(o, Literal):
            problems.add(f"{p} is an object property with literal {o!r}")
        elif OWL.DatatypeProperty in kinds and not isinstance(o, Literal):
            problems.add(f"{p} is a datatype property with resource {o}")
    return sorted(problems)


def test_data_file_is_an_ontology_named_by_its_graph(data):
    assert list(data.subjects(RDF.type, OWL.Ontology)) == [DATA_IRI]


def test_data_header_imports_the_ontology_by_its_iri(data, ontology):
    assert list(data.objects(DATA_IRI, OWL.imports)) == [ONTOLOGY_IRI]
    assert (ONTOLOGY_IRI, RDF.type, OWL.Ontology) in ontology


def test_data_header_says_what_it_is_in_korean_and_english(data):
    for prop in (RDFS.label, DCT.title, DCT.description):
        langs = {o.language for o in data.objects(DATA_IRI, prop) if isinstance(o, Literal)}
        assert langs >= {"ko", "en"}, prop


def test_data_header_has_licence_creator_version_and_source(data, ontology):
    assert data.value(DATA_IRI, DCT.license) == ontology.value(ONTOLOGY_IRI, DCT.license)
    # The ontology names its creator as an agent (pyLODE, LOV); the data, which has no blank
    # nodes, by that agent's name.
    agent = ontology.value(ONTOLOGY_IRI, DCT.creator)
    names = {str(n) for n in ontology.objects(agent, rdflib.URIRef("http://xmlns.com/foaf/0.1/name"))}
    assert str(data.value(DATA_IRI, DCT.creator)) in names
    assert str(data.value(DATA_IRI, OWL.versionInfo) or "").strip()
    assert data.value(DATA_IRI, DCT.modified).toPython() >= data.value(DATA_IRI, DCT.created).toPython()
    assert (DATA_IRI, PROV.wasDerivedFrom, DOC) in data
    assert (DOC, RDFS.label, None) in data  # the source the header names is described in the data


def test_data_alone_with_its_imports_types_every_property(data):
    typed = closure(with_imports(data))
    assert property_problems(data, typed) == []
    used = {p for p in data.predicates() if str(p).startswith(OT)}
    assert len(used) > 40
    kinds = {p: set(typed.objects(p, RDF.type)) & KINDS for p in used}
    # ot:unstated is the one annotation property the data uses (it names a property, not a value).
    assert sorted(str(p) for p, k in kinds.items() if not k & {OWL.ObjectProperty, OWL.DatatypeProperty}) == [
        OT + "unstated"
    ]


def test_data_alone_without_its_imports_types_no_property(data):
    # What a tool sees when the import cannot be resolved: no property has a kind.
    problems = property_problems(data, closure(data))
    assert f"{OT}hasMember has no property kind" in problems


def test_an_unresolvable_import_is_found(data):
    wrong = rdflib.Graph() + data
    wrong.add((DATA_IRI, OWL.imports, URIRef("https://w3id.org/onteam/ontology/9.9.9")))
    with pytest.raises(AssertionError, match="names no ontology of the catalog"):
        with_imports(wrong)
