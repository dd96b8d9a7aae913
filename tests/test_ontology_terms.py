"""The ontology as OWL tools read it: domains and ranges, declarations, labels, closure.

Domains and ranges are inference rules, not constraints: a reasoner types every
subject of a property with its domain and every object with its range. So each
domain and range is checked against the data (it must already hold for every
use, so that inference adds nothing false), and an OWL 2 RL closure over
ontology + data must give no instance an ot: type it does not assert, nor types
from two disjoint classes. Declarations follow OWL 2 DL as Protégé checks it:
every term used has exactly one kind, and every datatype is one HermiT and Pellet know
(but the contract's dates). The key axioms of the reused vocabularies (PROV-O, ORG,
FOAF, SKOS) are added to the closure to find clashes with them.
"""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path

import owlrl
import pytest
import rdflib
from rdflib import OWL, RDF, RDFS, XSD, BNode, Literal, URIRef
from rdflib.collection import Collection

ROOT = Path(__file__).resolve().parents[1]
OT = rdflib.Namespace("https://w3id.org/onteam/ontology#")
ID = "https://w3id.org/onteam/id/"
ONTOLOGY_IRI = URIRef("https://w3id.org/onteam/ontology")
DCT = rdflib.Namespace("http://purl.org/dc/terms/")
BUILT_IN = ("http://www.w3.org/1999/02/22-rdf-syntax-ns#", "http://www.w3.org/2000/01/rdf-schema#",
            "http://www.w3.org/2002/07/owl#")
PROPERTY_KINDS = (OWL.ObjectProperty, OWL.DatatypeProperty, OWL.AnnotationProperty)
ENTITY_KINDS = (OWL.Class, *PROPERTY_KINDS, RDFS.Datatype)
# The OWL 2 datatype map (OWL 2 Syntax, section 4): the datatypes HermiT and Pellet know.
OWL2_DATATYPES = {RDFS.Literal, RDF.PlainLiteral, RDF.XMLLiteral, OWL.real, OWL.rational} | {
    XSD[name] for name in (
        "decimal integer nonNegativeInteger nonPositiveInteger positiveInteger negativeInteger long int "
        "short byte unsignedLong unsignedInt unsignedShort unsignedByte double float string "
        "normalizedString token language Name NCName NMTOKEN boolean hexBinary base64Binary anyURI "
        "dateTime dateTimeStamp").split()
}
# Outside it, but the vocabulary contract dates ot:foundingDate with xsd:gYearMonth or xsd:date,
# and the source's precision (a month, a year) needs them. HermiT stops on them (UnsupportedDatatypeException)
# unless told to ignore unsupported datatypes; Pellet reasons with them.
CONTRACT_DATATYPES = {XSD.date, XSD.gYearMonth, XSD.gYear}

# Properties left without a domain or a range on purpose: any class would type some
# resources wrongly, and owl:Thing says nothing. Each entry needs its reason.
OPEN_ENDS = {
    (OT.about, RDFS.range):
        "a statement is about whatever the source discusses: consortia, organizations, "
        "initiatives, outcomes and fields (skos:Concept)",
    (OT.evidence, RDFS.domain):
        "every fact-bearing node carries evidence, SKOS concepts, schemes and places included",
    (OT.asOf, RDFS.domain):
        "documented for memberships and for other time-bound facts; ot:Membership as domain "
        "would turn any other dated fact into a membership",
}


@pytest.fixture(scope="module")
def closure(ontology: rdflib.Graph, data: rdflib.Graph) -> rdflib.Graph:
    return owl_rl_closure(ontology, data)


# -- helpers ------------------------------------------------------------------------------


def owl_rl_closure(*graphs: rdflib.Graph) -> rdflib.Graph:
    """The OWL 2 RL closure of the union of `graphs`, as `onteam validate` computes it."""
    union = rdflib.Graph()
    for graph in graphs:
        for triple in graph:
            union.add(triple)
    owlrl.DeductiveClosure(
        owlrl.OWLRL_Semantics, rdfs_closure=False, axiomatic_triples=False, datatype_axioms=False
    ).expand(union)
    return union


def disjoint_pairs(ontology: rdflib.Graph) -> set[tuple[URIRef, URIRef]]:
    """Every pair of classes stated disjoint, by owl:disjointWith or owl:AllDisjointClasses."""
    pairs = set(ontology.subject_objects(OWL.disjointWith))
    for node in ontology.subjects(RDF.type, OWL.AllDisjointClasses):
        members = list(Collection(ontology, ontology.value(node, OWL.members)))
        pairs |= {(a, b) for i, a in enumerate(members) for b in members[i + 1:]}
    return pairs


def disjoint_clashes(closure: rdflib.Graph, pairs: Iterable[tuple[URIRef, URIRef]]) -> list[str]:
    """Resources the closure types with both classes of a disjoint pair."""
    return sorted(
        f"{x} is both {a} and {b}"
        for a, b in pairs
        for x in set(closure.subjects(RDF.type, a)) & set(closure.subjects(RDF.type, b))
    )


def unasserted_ot_types(closure: rdflib.Graph, data: rdflib.Graph) -> list[str]:
    """ot: types the closure gives an instance that the data does not assert."""
    return sorted(
        f"{s} inferred {t}"
        for s, t in closure.subject_objects(RDF.type)
        if str(s).startswith(ID) and str(t).startswith(str(OT)) and (s, RDF.type, t) not in data
    )


def ot_properties(ontology: rdflib.Graph) -> list[URIRef]:
    return sorted(
        s for kind in (OWL.ObjectProperty, OWL.DatatypeProperty)
        for s in ontology.subjects(RDF.type, kind) if str(s).startswith(str(OT))
    )


def members(ontology: rdflib.Graph, node: rdflib.term.Node) -> set[rdflib.term.Node]:
    """A named class or datatype, or the members of an owl:unionOf behind a blank node."""
    union = ontology.value(node, OWL.unionOf) if isinstance(node, BNode) else None
    return set(Collection(ontology, union)) if union is not None else {node}


def uses(ontology: rdflib.Graph, data: rdflib.Graph, prop: URIRef) -> list[tuple]:
    """Every (subject, object) of `prop` or of a sub-property (whose uses it entails)."""
    props = set(ontology.transitive_subjects(RDFS.subPropertyOf, prop))
    return [(s, o) for p in props for s, o in data.subject_objects(p)]


def classes_of(ontology: rdflib.Graph, data: rdflib.Graph, resource: rdflib.term.Node) -> set:
    """The asserted types of `resource` and all their superclasses in the ontology."""
    found: set = set()
    for t in data.objects(resource, RDF.type):
        found |= set(ontology.transitive_objects(t, RDFS.subClassOf))
    return found


def literal_fits(literal: Literal, datatypes: set) -> bool:
    if literal.language:
        # OWL 2's datatype for language-tagged strings is rdf:PlainLiteral; it admits
        # untagged strings too, but the ontology's text values are always tagged.
        return bool({RDF.langString, RDF.PlainLiteral} & datatypes)
    datatype = literal.datatype or XSD.string
    # xsd:integer values are xsd:decimal values too.
    return datatype in datatypes or (datatype == XSD.integer and XSD.decimal in datatypes)


def misfits(ontology: rdflib.Graph, data: rdflib.Graph) -> list[str]:
    """Uses of ot: properties whose subject or object is outside the declared domain or range."""
    problems = []
    for prop in ot_properties(ontology):
        for axis in (RDFS.domain, RDFS.range):
            for bound in ontology.objects(prop, axis):
                allowed = members(ontology, bound)
                for s, o in uses(ontology, data, prop):
                    value = s if axis == RDFS.domain else o
                    if isinstance(value, Literal):
                        ok = literal_fits(value, allowed)
                    else:
                        ok = bool(classes_of(ontology, data, value) & allowed)
                    if not ok:
                        problems.append(f"{prop} {axis.fragment}: {value!r} is not in {sorted(allowed)}")
    return sorted(problems)


# -- domains and ranges ---------------------------------------------------------------------


def test_every_property_has_domain_and_range_unless_left_open(ontology):
    missing = [
        f"{prop} has no rdfs:{axis.fragment}"
        for prop in ot_properties(ontology)
        for axis in (RDFS.domain, RDFS.range)
        if ontology.value(prop, axis) is None and (prop, axis) not in OPEN_ENDS
    ]
    assert not missing, "\n".join(missing)


def test_open_ends_are_still_open_and_explained(ontology):
    for (prop, axis), reason in OPEN_ENDS.items():
        assert ontology.value(prop, axis) is None, f"{prop} has rdfs:{axis.fragment}: drop it from OPEN_ENDS"
        assert len(reason) > 20


def test_domains_and_ranges_hold_for_every_use_in_the_data(ontology, data):
    assert misfits(ontology, data) == []


def test_a_wrong_domain_is_found(ontology, data):
    wrong = rdflib.Graph() + ontology
    wrong.set((OT.hasOutcome, RDFS.domain, OT.Initiative))  # consortia have outcomes too
    found = misfits(wrong, data)
    assert found and all("hasOutcome domain" in p for p in found)
    assert any("ai-one-team" in p for p in found)


def test_a_literal_outside_the_range_is_found(ontology, data):
    extra = rdflib.Graph() + data
    extra.add((URIRef(ID + "hyperscale-ai-briefing-2021-08-31"), OT.date, Literal("last summer")))
    assert [p for p in misfits(ontology, extra) if "last summer" in p] == [
        f"{OT.date} range: {Literal('last summer')!r} is not in "
        f"{sorted({XSD.date, XSD.gYearMonth, XSD.gYear})}"
    ]


def test_union_ranges_list_named_classes_or_datatypes(ontology):
    for prop in ot_properties(ontology):
        for axis in (RDFS.domain, RDFS.range):
            for bound in ontology.objects(prop, axis):
                assert all(isinstance(m, URIRef) for m in members(ontology, bound)), (prop, axis)
                if isinstance(bound, BNode):
                    kind = OWL.Class if (prop, RDF.type, OWL.ObjectProperty) in ontology or axis == RDFS.domain \
                        else RDFS.Datatype
                    assert (bound, RDF.type, kind) in ontology, f"{prop} {axis.fragment} union is not a {kind}"


def test_datatype_properties_range_over_datatypes(ontology):
    for prop in ontology.subjects(RDF.type, OWL.DatatypeProperty):
        for bound in ontology.objects(prop, RDFS.range):
            for m in members(ontology, bound):
                assert str(m).startswith((str(XSD), str(RDF))), f"{prop} range {m} is not a datatype"


# -- the reasoner ---------------------------------------------------------------------------


def test_closure_gives_no_instance_two_disjoint_classes(ontology, closure):
    pairs = disjoint_pairs(ontology)
    assert (OT.Person, OT.Organization) in pairs and (OT.Consortium, OT.Organization) in pairs
    assert disjoint_clashes(closure, pairs) == []


def test_closure_adds_no_ot_type_the_data_does_not_assert(closure, data):
    assert unasserted_ot_types(closure, data) == []


def test_closure_checks_catch_a_domain_that_retypes_resources(ontology, data):
    # ot:developedBy ranging over ot:Person would make the developing companies persons.
    wrong = rdflib.Graph() + ontology
    wrong.remove((OT.developedBy, RDFS.range, None))
    wrong.add((OT.developedBy, RDFS.range, OT.Person))
    closure = owl_rl_closure(wrong, data)
    assert any(f"{ID}kt is both" in c for c in disjoint_clashes(closure, disjoint_pairs(wrong)))
    assert f"{ID}kt inferred {OT.Person}" in unasserted_ot_types(closure, data)


def test_closure_has_no_owlrl_error(closure):
    errors = [str(closure.value(n, URIRef("http://www.daml.org/2002/03/agents/agent-ont#error")))
              for n in closure.subjects(RDF.type, URIRef("http://www.daml.org/2002/03/agents/agent-ont#ErrorMessage"))]
    assert errors == []
    assert list(closure.subjects(RDF.type, OWL.Nothing)) == []


# -- the vocabularies it reuses --------------------------------------------------------------

# Axioms of PROV-O, W3C ORG, FOAF and SKOS that bear on how OnTeam uses their terms. The
# ontology does not owl:import them (tools cannot fetch them offline), but a Protégé user
# who loads them reasons with them.
EXTERNAL_AXIOMS = """
@prefix prov: <http://www.w3.org/ns/prov#> . @prefix org: <http://www.w3.org/ns/org#> .
@prefix foaf: <http://xmlns.com/foaf/0.1/> . @prefix skos: <http://www.w3.org/2004/02/skos/core#> .
@prefix rdfs: <http://www.w3.org/2000/01/rdf-schema#> . @prefix owl: <http://www.w3.org/2002/07/owl#> .
prov:Activity owl:disjointWith prov:Entity .
prov:wasDerivedFrom rdfs:domain prov:Entity ; rdfs:range prov:Entity .
prov:wasQuotedFrom rdfs:subPropertyOf prov:wasDerivedFrom .
prov:wasAttributedTo rdfs:domain prov:Entity ; rdfs:range prov:Agent .
prov:wasAssociatedWith rdfs:domain prov:Activity ; rdfs:range prov:Agent .
prov:used rdfs:domain prov:Activity ; rdfs:range prov:Entity .
org:Organization rdfs:subClassOf foaf:Agent ; owl:equivalentClass foaf:Organization .
org:OrganizationalCollaboration rdfs:subClassOf org:Organization .
org:OrganizationalUnit rdfs:subClassOf org:Organization .
org:hasMember rdfs:domain org:Organization ; rdfs:range foaf:Agent .
org:member rdfs:domain org:Membership ; rdfs:range foaf:Agent .
org:organization rdfs:domain org:Membership ; rdfs:range org:Organization .
org:subOrganizationOf rdfs:domain org:Organization ; rdfs:range org:Organization .
foaf:Person rdfs:subClassOf foaf:Agent ; owl:disjointWith foaf:Organization , foaf:Document .
foaf:Organization owl:disjointWith foaf:Document .
skos:Concept owl:disjointWith skos:ConceptScheme .
skos:inScheme rdfs:range skos:ConceptScheme .
"""
PROV = rdflib.Namespace("http://www.w3.org/ns/prov#")


def external_clashes(ontology: rdflib.Graph, data: rdflib.Graph) -> list[str]:
    """Disjointness clashes of the OWL 2 RL closure of ontology + data + EXTERNAL_AXIOMS."""
    external = rdflib.Graph().parse(data=EXTERNAL_AXIOMS, format="turtle")
    closure = owl_rl_closure(ontology, data, external)
    return disjoint_clashes(closure, disjoint_pairs(ontology) | disjoint_pairs(external))


def test_reused_vocabularies_clash_only_where_the_contract_makes_them(ontology, data):
    # The contract makes ot:Initiative a prov:Activity and asks prov:wasDerivedFrom of every
    # instance, but PROV-O gives prov:wasDerivedFrom the domain prov:Entity, disjoint with
    # prov:Activity: with PROV-O loaded, every initiative (and every ot:Event, also an activity)
    # is inconsistent, as HermiT and Pellet confirm. Nothing else may clash.
    activities = {s for cls in (OT.Initiative, OT.Event) for s in data.subjects(RDF.type, cls)}
    assert len(activities) > 10
    assert external_clashes(ontology, data) == sorted(
        f"{x} is both {PROV.Activity} and {PROV.Entity}" for x in activities
    )


def test_reused_vocabularies_find_an_organization_made_an_activity(ontology, data):
    wrong = rdflib.Graph() + data
    wrong.add((URIRef(ID + "kt"), PROV.used, URIRef(ID + "newsfreezone-kt-one-team-2021")))
    assert f"{ID}kt is both {PROV.Activity} and {PROV.Entity}" in external_clashes(ontology, wrong)


# -- declarations (OWL 2 DL) ----------------------------------------------------------------


def kinds(ontology: rdflib.Graph, term: URIRef) -> set:
    return set(ontology.objects(term, RDF.type)) & set(ENTITY_KINDS)


def test_no_term_has_two_property_kinds(ontology):
    mixed = sorted(
        str(t) for t in set(ontology.subjects(RDF.type, None))
        if len(kinds(ontology, t) & set(PROPERTY_KINDS)) > 1
    )
    assert not mixed, mixed


def test_no_term_is_both_class_and_property(ontology):
    punned = sorted(str(t) for t in set(ontology.subjects(RDF.type, OWL.Class))
                    if kinds(ontology, t) & set(PROPERTY_KINDS))
    assert not punned, punned


def test_every_predicate_used_is_declared_with_its_kind(ontology, data):
    problems = []
    for graph in (ontology, data):
        for s, p, o in graph:
            if str(p).startswith(BUILT_IN):
                continue
            kind = kinds(ontology, p) & set(PROPERTY_KINDS)
            if not kind:
                problems.append(f"{p} is not declared")
            elif OWL.ObjectProperty in kind and isinstance(o, Literal):
                problems.append(f"{p} is an object property but has literal {o!r}")
            elif OWL.DatatypeProperty in kind and not isinstance(o, Literal):
                problems.append(f"{p} is a datatype property but has resource {o}")
    assert not sorted(set(problems)), "\n".join(sorted(set(problems)))


def test_every_class_used_is_declared(ontology, data):
    used = set(data.objects(None, RDF.type)) | set(ontology.objects(None, RDFS.subClassOf))
    for prop in ot_properties(ontology):
        if (prop, RDF.type, OWL.ObjectProperty) in ontology:
            for axis in (RDFS.domain, RDFS.range):
                used |= {m for b in ontology.objects(prop, axis) for m in members(ontology, b)}
    used |= {m for pair in disjoint_pairs(ontology) for m in pair}
    undeclared = sorted(str(c) for c in used
                        if isinstance(c, URIRef) and not str(c).startswith(BUILT_IN)
                        and (c, RDF.type, OWL.Class) not in ontology)
    assert not undeclared, undeclared


def test_every_super_property_has_the_kind_of_its_sub_property(ontology):
    problems = [
        f"{sub} ⊑ {sup}: {sorted(kinds(ontology, sub))} vs {sorted(kinds(ontology, sup))}"
        for sub, sup in ontology.subject_objects(RDFS.subPropertyOf)
        if kinds(ontology, sub) & set(PROPERTY_KINDS) != kinds(ontology, sup) & set(PROPERTY_KINDS)
    ]
    assert not problems, "\n".join(problems)


def test_range_datatypes_outside_owl2_are_declared(ontology):
    # OWL 2's datatype map lacks the date types the source's precision needs; Protégé's checker
    # wants them declared. (HermiT still refuses them; see CONTRACT_DATATYPES.)
    used = {m for p in ontology.subjects(RDF.type, OWL.DatatypeProperty)
            for b in ontology.objects(p, RDFS.range) for m in members(ontology, b)}
    for datatype in used & {XSD.date, XSD.gYearMonth, XSD.gYear}:
        assert (datatype, RDF.type, RDFS.Datatype) in ontology, datatype


def datatypes_outside_owl2(*graphs: rdflib.Graph) -> list[str]:
    """Datatypes of ranges and literals that are neither in the OWL 2 datatype map nor contract dates."""
    found = set()
    for graph in graphs:
        for prop in graph.subjects(RDF.type, OWL.DatatypeProperty):
            found |= {m for b in graph.objects(prop, RDFS.range) for m in members(graph, b)}
        # A language-tagged literal is an rdf:PlainLiteral value in OWL 2.
        found |= {o.datatype or XSD.string for o in graph.objects() if isinstance(o, Literal) and not o.language}
    return sorted(str(d) for d in found - OWL2_DATATYPES - CONTRACT_DATATYPES)


def test_datatypes_are_in_the_owl2_datatype_map_but_the_contract_dates(ontology, data):
    assert datatypes_outside_owl2(ontology, data) == []


def test_a_range_outside_the_owl2_datatype_map_is_found(ontology, data):
    # rdf:langString (RDF 1.1) is not an OWL 2 datatype: Pellet finds every @ko value outside it.
    wrong = rdflib.Graph() + ontology
    wrong.set((OT.quote, RDFS.range, RDF.langString))
    assert datatypes_outside_owl2(wrong, data) == [str(RDF.langString)]


# -- labels and header ----------------------------------------------------------------------


def test_every_ot_term_has_label_and_comment_in_korean_and_english(ontology):
    problems = []
    terms = {s for s in ontology.subjects(RDF.type, None) if str(s).startswith(str(OT))}
    for term in sorted(terms):
        if not kinds(ontology, term):
            problems.append(f"{term}: no owl:Class / property declaration")
        for prop in (RDFS.label, RDFS.comment):
            langs = {o.language for o in ontology.objects(term, prop) if isinstance(o, Literal)}
            if not langs >= {"ko", "en"}:
                problems.append(f"{term}: {prop.fragment} in {sorted(filter(None, langs))}, needs ko and en")
    assert len(terms) > 60
    assert not problems, "\n".join(problems)


def test_version_info_matches_version_iri(ontology):
    version = str(ontology.value(ONTOLOGY_IRI, OWL.versionIRI))
    assert version == f"{ONTOLOGY_IRI}/{ontology.value(ONTOLOGY_IRI, OWL.versionInfo)}"
    created = ontology.value(ONTOLOGY_IRI, DCT.created).toPython()
    assert ontology.value(ONTOLOGY_IRI, DCT.modified).toPython() >= created


def shared_labels(ontology: rdflib.Graph) -> list[str]:
    """Labels that two terms of the ontology file share in one language (case aside)."""
    named: dict[tuple[str | None, str], set[str]] = {}
    for term, label in ontology.subject_objects(RDFS.label):
        if isinstance(term, URIRef) and term != ONTOLOGY_IRI:
            named.setdefault((label.language, str(label).casefold()), set()).add(str(term))
    return sorted(f"{text!r}@{lang}: {sorted(terms)}" for (lang, text), terms in named.items() if len(terms) > 1)


def test_no_two_terms_share_a_label_in_a_language(ontology):
    # Protégé shows entities by rdfs:label and its class-expression editor parses them by
    # label: ot:evidence and ot:Evidence, both "evidence"/"근거", could not be told apart.
    assert shared_labels(ontology) == []


def test_a_shared_label_is_found(ontology):
    wrong = rdflib.Graph() + ontology
    wrong.add((OT.ledBy, RDFS.label, Literal("Has Member", lang="en")))
    assert shared_labels(wrong) == [f"'has member'@en: {sorted([str(OT.hasMember), str(OT.ledBy)])}"]


# -- alignment ------------------------------------------------------------------------------

SDO = rdflib.Namespace("http://schema.org/")
# ot: properties whose meaning is that of a schema.org property, or narrower: a sub-property,
# so that schema.org clients (and a reasoner with schema.org loaded) find the facts too.
# schema.org states domains and ranges only as schema:domainIncludes/rangeIncludes, which
# entail nothing, so these add no type to any resource.
SCHEMA_ORG_SUPER_PROPERTIES = {
    OT.hasMember: SDO.member,
    OT.memberOf: SDO.memberOf,
    OT.affiliatedWith: SDO.affiliation,
    OT.foundingDate: SDO.foundingDate,
    OT.organizedBy: SDO.organizer,
    OT.startDate: SDO.startDate,
    OT.endDate: SDO.endDate,
    OT.about: SDO.about,
    OT.jobTitle: SDO.jobTitle,
    OT.minValue: SDO.minValue,
    OT.maxValue: SDO.maxValue,
}


@pytest.mark.parametrize("term, parent", sorted(SCHEMA_ORG_SUPER_PROPERTIES.items()), ids=lambda t: str(t).split("/")[-1])
def test_properties_with_a_schema_org_counterpart_are_its_sub_properties(ontology, term, parent):
    assert (term, RDFS.subPropertyOf, parent) in ontology
    assert kinds(ontology, parent) == kinds(ontology, term) & set(PROPERTY_KINDS)  # declared, same kind
    assert (parent, RDFS.isDefinedBy, URIRef(str(SDO))) in ontology


# Classes likewise: schema.org's Person and Organization are what ot:Person, ot:Organization and
# ot:Consortium are (a consortium is an organization in schema.org's sense, as in W3C ORG's).
SCHEMA_ORG_SUPER_CLASSES = {
    OT.Person: SDO.Person,
    OT.Organization: SDO.Organization,
    OT.Consortium: SDO.Organization,
    OT.Event: SDO.Event,
    OT.Quantity: SDO.QuantitativeValue,
}


@pytest.mark.parametrize("term, parent", sorted(SCHEMA_ORG_SUPER_CLASSES.items()), ids=lambda t: str(t).split("/")[-1])
def test_classes_with_a_schema_org_counterpart_are_its_sub_classes(ontology, term, parent):
    assert (term, RDFS.subClassOf, parent) in ontology
    assert (parent, RDF.type, OWL.Class) in ontology
    assert (parent, RDFS.isDefinedBy, URIRef(str(SDO))) in ontology
