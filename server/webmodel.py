"""What the HTML pages show, read from the live graph: labels, resources, consortia, ontology.

Everything here is plain Python over pyoxigraph results, run in a query worker
(`sparql.compute`, called by `pages` and `linkeddata`); the templates only lay it out. `lang` is "en" or "ko" throughout.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import Any

from pyoxigraph import BlankNode, Literal, NamedNode, RdfFormat, Triple, parse

from .linkeddata import ID_BASE, ONTOLOGY_IRI, OT, PREFIXES
from .sparql import evaluate

LANGS = ("en", "ko")
RDF_TYPE = PREFIXES["rdf"] + "type"
RDFS = PREFIXES["rdfs"]
OWL = PREFIXES["owl"]
ORG = PREFIXES["org"]
PROV = PREFIXES["prov"]
SKOS = PREFIXES["skos"]
LABEL = RDFS + "label"
ALT_LABEL = SKOS + "altLabel"
EVIDENCE = OT + "evidence"
QUOTE = OT + "quote"
DATE_TYPES = {
    PREFIXES["xsd"] + name for name in ("date", "dateTime", "gYearMonth", "gYear")
}
# Shown in the header or in sections of their own, not in the property table.
_HEADER_PROPERTIES = {RDF_TYPE, LABEL, ALT_LABEL, EVIDENCE}
_MEMBERSHIP_LINKS = {ORG + "member", ORG + "organization"}

Labels = dict[str, dict[str, str]]  # iri -> lang -> label


@dataclass
class Value:
    """One object (or subject) of a fact, ready to show."""

    text: str
    iri: str | None = None
    lang: str | None = None
    datatype: str | None = None


@dataclass
class Fact:
    """A property and its values."""

    prop: str
    label: str
    values: list[Value]
    lang: str | None = None  # the language of `label` when it is not the page's


@dataclass
class Quote:
    """An evidence sentence in Korean and English, with its source document."""

    iri: str
    ko: str | None
    en: str | None
    source: Value | None
    paragraph: str | None


@dataclass
class MembershipRow:
    """One ot:Membership node seen from either side."""

    iri: str
    other: Value
    role: Value | None
    as_of: str | None
    quotes: list[int]  # numbers of the quotes in ResourceView.membership_quotes (1-based)


@dataclass
class ResourceView:
    """A resource page."""

    iri: str
    labels: dict[str, str]
    alt_labels: list[Value]
    types: list[Value]
    facts: list[Fact]
    incoming: list[Fact]
    memberships: list[MembershipRow]
    quotes: list[Quote]
    membership_quotes: list[Quote] = field(default_factory=list)
    statements: list[Quote] = field(default_factory=list)
    consortium: ConsortiumView | None = None


@dataclass
class ConsortiumView:
    """The extra sections of a consortium page."""

    member_groups: list[tuple[Value, list[Value]]]
    leaders: list[Value]
    roles: list[tuple[Value, Value]]
    initiatives: list[Value]
    outcomes: list[Value]
    timeline: list[tuple[str, Value, str]]
    named_members: int
    stated_members: int | None


def local_name(iri: str) -> str:
    """The last segment of an IRI, or a CURIE when a known prefix matches."""
    for prefix, namespace in PREFIXES.items():
        if iri.startswith(namespace) and prefix not in ("id",):
            return f"{prefix}:{iri[len(namespace):]}"
    for sep in ("#", "/"):
        if sep in iri.rstrip(sep):
            return iri.rstrip(sep).rsplit(sep, 1)[1]
    return iri


def pick(labels: dict[str, str] | None, lang: str | None, iri: str = "") -> str:
    """The label in `lang`, else in the other language, else any, else the IRI's local name."""
    key = picked_lang(labels, lang)
    if key is not None and labels:
        return labels[key]
    return local_name(iri) if iri else ""


def picked_lang(labels: dict[str, str] | None, lang: str | None) -> str | None:
    """The language of the label `pick` chooses ("" for an untagged one, None for none).

    A tag with a region or script (`en-gb`, `ko-kr`: the store keeps tags in lower case) is
    in its primary language: "Colour"@en-GB names a resource on an English page."""
    labels = labels or {}
    for want in (lang, *LANGS):
        if not want:
            continue
        if labels.get(want):
            return want
        regional = sorted(k for k, text in labels.items() if text and k.lower().startswith(want + "-"))
        if regional:
            return regional[0]
    if labels.get(""):
        return ""
    return next(iter(labels)) if labels else None


def _label_in(labels: dict[str, str] | None, lang: str) -> str:
    """The label in `lang` itself (`en`, or a regional `en-gb`), or "" when there is none."""
    tag = picked_lang(labels, lang)
    return labels[tag] if labels and tag and tag.split("-")[0] == lang else ""


def named(iri: str, labels: Labels, lang: str) -> Value:
    """An IRI shown by its label; `lang` is set when that label is not in the page's language
    (a Korean name on an English page must say it is Korean)."""
    own = labels.get(iri)
    shown = picked_lang(own, lang)
    return Value(pick(own, lang, iri), iri=iri, lang=shown if shown and shown != lang else None)


def fetch_labels(store: Any, iris: set[str]) -> Labels:
    """rdfs:label of each IRI per language (skos:prefLabel when there is no rdfs:label)."""
    clean = sorted(i for i in iris if ">" not in i and " " not in i)
    result: Labels = defaultdict(dict)
    for start in range(0, len(clean), 500):
        values = " ".join(f"<{i}>" for i in clean[start : start + 500])
        query = (
            "PREFIX rdfs: <http://www.w3.org/2000/01/rdf-schema#> "
            "PREFIX skos: <http://www.w3.org/2004/02/skos/core#> "
            # One pattern per property: with a variable predicate the engine scans every triple.
            "SELECT ?x ?l ?p WHERE { VALUES ?x { %s } "
            "{ ?x rdfs:label ?l BIND(rdfs:label AS ?p) } UNION { ?x skos:prefLabel ?l BIND(skos:prefLabel AS ?p) } }"
            % values
        )
        for row in evaluate(store, query):
            lang = row["l"].language or "" if isinstance(row["l"], Literal) else ""
            labels = result[row["x"].value]
            # rdfs:label wins over skos:prefLabel for the same language.
            if lang not in labels or row["p"].value == LABEL:
                labels[lang] = row["l"].value
    for iri in clean:
        known = vocabulary_labels().get(iri)
        if known:  # the graph's own labels win
            result[iri] = {**known, **result.get(iri, {})}
    return dict(result)


@lru_cache(maxsize=1)
def vocabulary_labels() -> Labels:
    """Korean and English names of the other vocabularies' terms the graph uses
    (server/vocabulary_labels.ttl), for pages; labels in the graph win over them."""
    labels: Labels = defaultdict(dict)
    for triple in parse(path=str(Path(__file__).with_name("vocabulary_labels.ttl")), format=RdfFormat.TURTLE):
        if isinstance(triple.object, Literal) and triple.object.language:
            labels[triple.subject.value][triple.object.language] = triple.object.value
    return dict(labels)


def _value(term: Any, labels: Labels, lang: str) -> Value:
    if isinstance(term, NamedNode):
        return named(term.value, labels, lang)
    if isinstance(term, Literal):
        datatype = term.datatype.value if term.datatype else None
        return Value(term.value, lang=term.language, datatype=datatype)
    return Value("(blank node)")


def _sort_values(values: list[Value], lang: str) -> list[Value]:
    """Literals in the page's language first, then untagged ones, then the others; by text."""
    return sorted(values, key=lambda v: (0 if v.lang == lang else 1 if v.lang is None else 2, v.text.lower()))


def resource_view(store: Any, iri: str, triples: list[Triple], lang: str) -> ResourceView:
    """Group a resource's description (see linkeddata.describe) for its page."""
    me = NamedNode(iri)
    out: dict[str, list[Any]] = defaultdict(list)
    incoming: dict[str, list[Any]] = defaultdict(list)
    by_subject: dict[Any, dict[str, list[Any]]] = defaultdict(lambda: defaultdict(list))
    for t in triples:
        by_subject[t.subject][t.predicate.value].append(t.object)
        if t.subject == me:
            out[t.predicate.value].append(t.object)
        elif t.object == me:
            incoming[t.predicate.value].append(t.subject)
    iris: set[str] = {iri}
    for t in triples:
        iris.update(x.value for x in (t.subject, t.predicate, t.object) if isinstance(x, NamedNode))
    labels = fetch_labels(store, iris)

    def quotes_of(node: Any) -> list[Quote]:
        found = []
        for ev in by_subject.get(node, {}).get(EVIDENCE, []):
            props = by_subject.get(ev, {})
            texts = {q.language or "": q.value for q in props.get(QUOTE, []) if isinstance(q, Literal)}
            sources = props.get(PROV + "wasQuotedFrom", [])
            paragraph = props.get(OT + "paragraphNumber", [])
            found.append(
                Quote(
                    iri=ev.value if isinstance(ev, NamedNode) else "",
                    ko=texts.get("ko"),
                    en=texts.get("en"),
                    source=_value(sources[0], labels, lang) if sources else None,
                    paragraph=paragraph[0].value if paragraph else None,
                )
            )
        return found

    memberships = []
    # Many memberships cite the same sentence: each distinct quote is listed once and numbered.
    distinct: dict[tuple[str | None, str | None, str], int] = {}
    distinct_quotes: list[Quote] = []

    def numbered(node: Any) -> list[int]:
        numbers = []
        for q in quotes_of(node):
            key = (q.ko, q.en, q.iri)
            if key not in distinct:
                distinct_quotes.append(q)
                distinct[key] = len(distinct_quotes)
            numbers.append(distinct[key])
        return numbers

    membership_nodes = {s for p in _MEMBERSHIP_LINKS for s in incoming.get(p, [])}
    for node in sorted(membership_nodes, key=str):
        props = by_subject.get(node, {})
        member = props.get(ORG + "member", [])
        organization = props.get(ORG + "organization", [])
        other = organization if member and member[0] == me else member
        if not other:
            continue
        role = props.get(ORG + "role", [])
        as_of = props.get(OT + "asOf", [])
        memberships.append(
            MembershipRow(
                iri=node.value if isinstance(node, NamedNode) else "",
                other=_value(other[0], labels, lang),
                role=_value(role[0], labels, lang) if role else None,
                as_of=as_of[0].value if as_of else None,
                quotes=numbered(node),
            )
        )
    memberships.sort(key=lambda m: (m.role.text if m.role else "", m.other.text.lower()))

    def facts(table: dict[str, list[Any]], skip: set[str]) -> list[Fact]:
        result = []
        for prop, objects in table.items():
            if prop in skip:
                continue
            values = _sort_values([_value(o, labels, lang) for o in objects if not isinstance(o, BlankNode)], lang)
            if values:
                name = named(prop, labels, lang)
                result.append(Fact(prop, name.text, values, name.lang))
        return sorted(result, key=lambda f: f.label.lower())

    # Statements (claims, remarks) the source reports about this resource, with who made them.
    statements = []
    for node in sorted(incoming.get(OT + "about", []), key=str):
        props = by_subject.get(node, {})
        texts = {q.language or "": q.value for q in props.get(QUOTE, []) if isinstance(q, Literal)}
        if not texts:
            continue
        speakers = props.get(OT + "statedBy", []) or props.get(OT + "speakerDescription", [])
        speakers = sorted(speakers, key=lambda x: not (isinstance(x, Literal) and x.language == lang))
        statements.append(
            Quote(
                iri=node.value if isinstance(node, NamedNode) else "",
                ko=texts.get("ko"),
                en=texts.get("en") or texts.get(""),
                source=_value(speakers[0], labels, lang) if speakers else None,
                paragraph=None,
            )
        )
    own = {lab.language or "": lab.value for lab in out.get(LABEL, []) if isinstance(lab, Literal)}
    types = _sort_values([_value(t, labels, lang) for t in out.get(RDF_TYPE, []) if isinstance(t, NamedNode)], lang)
    view = ResourceView(
        iri=iri,
        labels=own,
        alt_labels=_sort_values([_value(a, labels, lang) for a in out.get(ALT_LABEL, [])], lang),
        types=types,
        facts=facts(out, _HEADER_PROPERTIES),
        incoming=facts(incoming, _MEMBERSHIP_LINKS),
        memberships=memberships,
        quotes=quotes_of(me),
        membership_quotes=distinct_quotes,
        statements=statements,
    )
    if NamedNode(OT + "Consortium") in out.get(RDF_TYPE, []):
        view.consortium = consortium_view(store, iri, lang)
    return view


def organization_kinds(store: Any) -> dict[str, set[str]]:
    """Subclasses of ot:Organization (the organization kinds), each with its ancestor kinds."""
    query = (
        "PREFIX rdfs: <http://www.w3.org/2000/01/rdf-schema#> "
        "SELECT DISTINCT ?k ?up WHERE { ?k rdfs:subClassOf+ <%sOrganization> "
        "OPTIONAL { ?k rdfs:subClassOf+ ?up . ?up rdfs:subClassOf+ <%sOrganization> } }" % (OT, OT)
    )
    kinds: dict[str, set[str]] = defaultdict(set)
    for row in evaluate(store, query):
        ancestors = kinds[row["k"].value]
        if row["up"] is not None:
            ancestors.add(row["up"].value)
    return dict(kinds)


def consortium_view(store: Any, iri: str, lang: str) -> ConsortiumView:
    """Members by kind, leaders, roles, initiatives, outcomes and dated facts of a consortium."""
    ancestry = organization_kinds(store)
    kinds = set(ancestry)
    members: dict[str, set[str]] = defaultdict(set)  # member -> its kinds
    query = (
        "PREFIX ot: <%s> SELECT ?m ?t WHERE { <%s> ot:hasMember ?m . OPTIONAL { ?m a ?t } }" % (OT, iri)
    )
    for row in evaluate(store, query):
        kinds_of = members[row["m"].value]
        if row["t"] is not None and row["t"].value in kinds:
            kinds_of.add(row["t"].value)
    leaders = [row["l"].value for row in evaluate(store, "SELECT ?l WHERE { <%s> <%sledBy> ?l }" % (iri, OT))]
    role_rows = list(
        evaluate(
            store,
            "PREFIX org: <%s> SELECT ?m ?r WHERE { ?n org:organization <%s> ; org:member ?m ; org:role ?r }"
            % (ORG, iri),
        )
    )
    initiatives = [
        row["i"].value for row in evaluate(store, "SELECT ?i WHERE { <%s> <%shasInitiative> ?i }" % (iri, OT))
    ]
    outcomes = [
        row["o"].value
        for row in evaluate(
            store,
            "PREFIX ot: <%s> SELECT DISTINCT ?o WHERE { { <%s> ot:hasOutcome ?o } UNION "
            "{ <%s> ot:hasInitiative/ot:hasOutcome ?o } }" % (OT, iri, iri),
        )
    ]
    # ?n holds the date; ?s is what the line names (a membership node is named by its member).
    dated = list(
        evaluate(
            store,
            "PREFIX ot: <%s> PREFIX org: <%s> SELECT DISTINCT ?s ?p ?d WHERE { "
            "{ BIND(<%s> AS ?n) } UNION { <%s> ot:hasInitiative|ot:hasOutcome ?n } UNION "
            "{ <%s> ot:hasInitiative/ot:hasOutcome ?n } UNION { ?n org:organization <%s> ; org:member ?m } UNION "
            "{ ?n a ot:Event ; ?link <%s> } "
            "?n ?p ?d . FILTER(isLiteral(?d) && DATATYPE(?d) IN (%s)) BIND(COALESCE(?m, ?n) AS ?s) }"
            % (OT, ORG, iri, iri, iri, iri, iri, ", ".join(f"<{d}>" for d in sorted(DATE_TYPES))),
        )
    )
    stated = [
        row["n"].value for row in evaluate(store, "SELECT ?n WHERE { <%s> <%sstatedMemberCount> ?n }" % (iri, OT))
    ]
    iris = set(members) | set(leaders) | set(initiatives) | set(outcomes) | kinds
    iris |= {r["r"].value for r in role_rows} | {r["s"].value for r in dated} | {r["p"].value for r in dated}
    labels = fetch_labels(store, iris)

    def v(x: str) -> Value:
        return named(x, labels, lang)

    groups: dict[str, list[Value]] = defaultdict(list)
    for member, kinds_of in members.items():
        # A bank that is also typed as a company is listed under bank only.
        specific = {k for k in kinds_of if not any(k in ancestry.get(other, set()) for other in kinds_of)}
        for kind in sorted(specific) or [OT + "Organization"]:
            groups[kind].append(v(member))
    member_groups = [
        (v(kind), sorted(values, key=lambda x: x.text.lower()))
        for kind, values in sorted(groups.items(), key=lambda kv: pick(labels.get(kv[0]), lang, kv[0]).lower())
    ]
    timeline = sorted(
        ((row["d"].value, v(row["s"].value), pick(labels.get(row["p"].value), lang, row["p"].value)) for row in dated),
        key=lambda item: (item[0], item[1].text),
    )
    return ConsortiumView(
        member_groups=member_groups,
        leaders=[v(x) for x in leaders],
        roles=sorted(((v(r["m"].value), v(r["r"].value)) for r in role_rows), key=lambda p: p[0].text.lower()),
        initiatives=sorted((v(x) for x in initiatives), key=lambda x: x.text),
        outcomes=sorted((v(x) for x in outcomes), key=lambda x: x.text),
        timeline=timeline,
        named_members=len(members),
        stated_members=int(stated[0]) if stated else None,
    )


@dataclass
class ConsortiumSummary:
    """A row of the home page's One Team table."""

    value: Value
    other_label: str
    named: int
    stated: int | None
    founded: str | None
    leaders: list[Value] = field(default_factory=list)


def consortia(store: Any, lang: str) -> list[ConsortiumSummary]:
    """Every consortium with its named and stated member counts, oldest first."""
    query = (
        "PREFIX ot: <%s> SELECT ?c (COUNT(DISTINCT ?m) AS ?named) (SAMPLE(?n) AS ?stated) "
        "(MIN(STR(?f)) AS ?founded) (GROUP_CONCAT(DISTINCT STR(?l); separator=' ') AS ?leaders) WHERE { "
        "?c a ot:Consortium . OPTIONAL { ?c ot:hasMember ?m } OPTIONAL { ?c ot:statedMemberCount ?n } "
        "OPTIONAL { ?c ot:foundingDate ?f } OPTIONAL { ?c ot:ledBy ?l } } GROUP BY ?c" % OT
    )
    rows = list(evaluate(store, query))
    iris = {r["c"].value for r in rows} | {x for r in rows if r["leaders"] for x in r["leaders"].value.split()}
    labels = fetch_labels(store, iris)
    other = "en" if lang == "ko" else "ko"
    result = [
        ConsortiumSummary(
            value=named(r["c"].value, labels, lang),
            other_label=_label_in(labels.get(r["c"].value), other),
            named=int(r["named"].value),
            stated=int(r["stated"].value) if r["stated"] is not None else None,
            founded=r["founded"].value if r["founded"] is not None else None,
            leaders=[
                named(x, labels, lang) for x in (r["leaders"].value.split() if r["leaders"] else [])
            ],
        )
        for r in rows
    ]
    return sorted(result, key=lambda c: (c.founded or "9999", c.value.text))


def home(store: Any, lang: str) -> tuple[list[ConsortiumSummary], list[tuple[str, Value, list[Value]]]]:
    """What the home page shows: the consortia and the index of everything."""
    return consortia(store, lang), index(store, lang)


CATEGORIES = (
    ("consortia", "Consortium"),
    ("organizations", "Organization"),
    ("people", "Person"),
    ("initiatives", "Initiative"),
    ("outcomes", "Outcome"),
)
HEADINGS = {
    "consortia": ("Consortia", "협력체"),
    "organizations": ("Organizations", "기관"),
    "people": ("People", "인물"),
    "initiatives": ("Initiatives", "사업"),
    "outcomes": ("Outcomes", "성과"),
}


def index(store: Any, lang: str) -> list[tuple[str, Value, list[Value]]]:
    """Every instance of the five main classes, plus everything else under /id/, by category."""
    query = "SELECT DISTINCT ?x ?t WHERE { ?x a ?t . FILTER(STRSTARTS(STR(?x), \"%s\")) }" % ID_BASE
    typed: dict[str, set[str]] = defaultdict(set)
    for row in evaluate(store, query):
        typed[row["x"].value].add(row["t"].value)
    main = {OT + name: key for key, name in CATEGORIES}
    grouped: dict[str, list[str]] = defaultdict(list)
    for iri, types in typed.items():
        keys = [main[t] for t in types if t in main]
        for key in keys or ["other"]:
            grouped[key].append(iri)
    # Everything else (memberships, evidence, documents...) is grouped by its own class.
    for iri in grouped.pop("other", []):
        own = {t for t in typed[iri] if t.startswith(OT)} or typed[iri]
        for t in own:
            grouped["other:" + t].append(iri)
    labels = fetch_labels(store, set(typed) | {t for ts in typed.values() for t in ts})
    result = []
    for key, name in CATEGORIES:
        en, ko = HEADINGS[key]
        heading = Value(ko if lang == "ko" else en, iri=OT + name)
        values = sorted((named(i, labels, lang) for i in grouped.get(key, [])), key=lambda v: v.text.lower())
        result.append((key, heading, values))
    others = sorted((k for k in grouped if k.startswith("other:")), key=lambda k: local_name(k[6:]).lower())
    for key in others:
        cls = key[6:]
        heading = named(cls, labels, lang)
        values = sorted((named(i, labels, lang) for i in grouped[key]), key=lambda v: v.text.lower())
        result.append(("other-" + local_name(cls).replace(":", "-").lower(), heading, values))
    return result


@dataclass
class Term:
    """An ontology term on the documentation page."""

    iri: str
    anchor: str
    kind: str
    labels: dict[str, str]
    comments: dict[str, str]
    links: list[tuple[str, list[Value]]]
    deprecated: bool = False
    name: Value | None = None  # the label in the page's language (lang set when it is not)
    comment: Value | None = None  # likewise for rdfs:comment


def ontology_view(
    triples: list[Triple], lang: str
) -> tuple[dict[str, list[Value]], list[tuple[str, list[Term]]], dict[str, str]]:
    """The ontology header (title, description, licence... by CURIE), its terms grouped by kind, from
    the graph itself, and the names of the header's properties in `lang`."""
    by_subject: dict[Any, dict[str, list[Any]]] = defaultdict(lambda: defaultdict(list))
    for t in triples:
        by_subject[t.subject][t.predicate.value].append(t.object)
    # Other vocabularies' terms (org:Organization, xsd:date) by name too; the graph's labels win.
    labels: Labels = defaultdict(dict, {iri: dict(names) for iri, names in vocabulary_labels().items()})
    for subject, props in by_subject.items():
        if isinstance(subject, NamedNode):
            for lab in props.get(LABEL, []):
                labels[subject.value][lab.language or ""] = lab.value

    def names(term: Any) -> list[Value]:
        """An IRI, or the members of an owl:unionOf list behind a blank node."""
        if isinstance(term, NamedNode):
            return [named(term.value, labels, lang)]
        if isinstance(term, BlankNode):
            for key in ("unionOf", "intersectionOf"):
                head = by_subject.get(term, {}).get(OWL + key)
                if head:
                    items, node, seen = [], head[0], set()
                    while isinstance(node, BlankNode) and node not in seen:
                        seen.add(node)
                        first = by_subject.get(node, {}).get(PREFIXES["rdf"] + "first", [])
                        items += [x for f in first for x in names(f)]
                        rest = by_subject.get(node, {}).get(PREFIXES["rdf"] + "rest", [])
                        node = rest[0] if rest else None
                    return items
        return []

    kinds = [
        ("Classes", "클래스", {OWL + "Class", RDFS + "Class"}),
        ("Object properties", "객체 속성", {OWL + "ObjectProperty"}),
        ("Datatype properties", "데이터 속성", {OWL + "DatatypeProperty"}),
        ("Annotation properties", "주석 속성", {OWL + "AnnotationProperty"}),
        ("Other properties", "기타 속성", {PREFIXES["rdf"] + "Property"}),
        ("Individuals", "개체", {OWL + "NamedIndividual"}),
    ]
    relations = [
        ("subClassOf", RDFS + "subClassOf", "superclasses", "상위 클래스"),
        ("subPropertyOf", RDFS + "subPropertyOf", "super-properties", "상위 속성"),
        ("domain", RDFS + "domain", "domain", "정의역"),
        ("range", RDFS + "range", "range", "치역"),
        ("inverseOf", OWL + "inverseOf", "inverse", "역속성"),
        ("equivalentClass", OWL + "equivalentClass", "equivalent class", "동치 클래스"),
        ("equivalentProperty", OWL + "equivalentProperty", "equivalent property", "동치 속성"),
        ("seeAlso", RDFS + "seeAlso", "see also", "참고"),
    ]
    placed: set[str] = set()
    groups: list[tuple[str, list[Term]]] = []
    for en_name, ko_name, type_iris in kinds:
        terms = []
        for subject, props in by_subject.items():
            if not isinstance(subject, NamedNode) or not subject.value.startswith(OT) or subject.value in placed:
                continue
            if not type_iris & {t.value for t in props.get(RDF_TYPE, [])}:
                continue
            placed.add(subject.value)
            links = []
            for _, prop, en_rel, ko_rel in relations:
                values = [v for o in props.get(prop, []) for v in names(o)]
                if values:
                    links.append((ko_rel if lang == "ko" else en_rel, values))
            # Inverse stated only on the other side still shows on both.
            for other, other_props in by_subject.items():
                if subject in other_props.get(OWL + "inverseOf", []) and not props.get(OWL + "inverseOf"):
                    links.append(("역속성" if lang == "ko" else "inverse", names(other)))
            comments = {c.language or "": c.value for c in props.get(RDFS + "comment", [])}
            comment_lang = picked_lang(comments, lang)
            terms.append(
                Term(
                    iri=subject.value,
                    anchor=subject.value[len(OT):],
                    kind=ko_name if lang == "ko" else en_name,
                    labels=labels.get(subject.value, {}),
                    comments=comments,
                    links=links,
                    deprecated=any(d.value == "true" for d in props.get(OWL + "deprecated", [])),
                    name=named(subject.value, labels, lang),
                    # A definition is data: it says its language even in the page's one, since
                    # it may quote Korean ("원팀") inside English.
                    comment=Value(pick(comments, lang), lang=comment_lang or None) if comments else None,
                )
            )
        if terms:
            groups.append((ko_name if lang == "ko" else en_name, sorted(terms, key=lambda t: t.anchor.lower())))
    header: dict[str, list[Value]] = {}
    header_names: dict[str, str] = {}
    for prop, objects in by_subject.get(NamedNode(ONTOLOGY_IRI), {}).items():
        if prop == RDF_TYPE:
            continue  # owl:Ontology, which the page is about
        key = local_name(prop)
        header_names[key] = pick(labels.get(prop), lang, prop)
        # An agent (dcterms:creator, dcterms:publisher) is a resource: shown by its names.
        values = [n for x in objects for n in by_subject.get(x, {}).get(PREFIXES["foaf"] + "name", [x])]
        # Text in the page's language when there is some (else in one other), but every IRI
        # (licence, version IRI, rdfs:seeAlso) and every untagged value (both dcterms:language).
        tags = sorted({o.language for o in values if isinstance(o, Literal) and o.language})
        shown = lang if lang in tags else ("en" if "en" in tags else tags[0] if tags else None)
        row = []
        for o in values:
            if isinstance(o, NamedNode):
                # A licence or version IRI has no label to show: the IRI is its name.
                row.append(named(o.value, labels, lang) if labels.get(o.value) else Value(o.value, iri=o.value))
            elif isinstance(o, Literal) and o.language in (None, shown):
                row.append(Value(o.value, lang=o.language or None, datatype=None if o.language else o.datatype.value))
        if row:
            header[key] = sorted(row, key=lambda v: (v.iri or "", v.text))
    return header, groups, header_names


@dataclass
class NetNode:
    """A node of the network picture, placed in SVG user units."""

    iri: str
    label: str
    short: str
    x: float
    y: float
    kind: str  # "consortium", "shared" (in several consortia) or "member"
    angle: float = 0.0  # degrees, for radial labels
    consortia: int = 0
    lang: str | None = None  # the language of `label` when it is not the page's
    short_lang: str | None = None  # likewise for `short`


@dataclass
class Network:
    """Consortia and their member organizations, laid out deterministically."""

    size: int
    nodes: list[NetNode]
    edges: list[tuple[NetNode, NetNode]]


def short_labels(store: Any, labels: Labels, lang: str, limit: int = 22) -> dict[str, str]:
    """A label short enough to draw: the label, or its shortest alternative name, cut at `limit`."""
    alts: dict[str, list[tuple[str, str]]] = defaultdict(list)
    iris = sorted(i for i in labels if ">" not in i)
    if iris:
        query = "SELECT ?x ?a WHERE { VALUES ?x { %s } ?x <%s> ?a }" % (" ".join(f"<{i}>" for i in iris), ALT_LABEL)
        for row in evaluate(store, query):
            alts[row["x"].value].append((row["a"].language or "", row["a"].value))
    result = {}
    for iri in iris:
        label = pick(labels.get(iri), lang, iri)
        candidates = [a for lg, a in alts.get(iri, []) if lg in (lang, "") and len(a) < len(label)]
        if len(label) > limit and not candidates:
            candidates = [a for _, a in alts.get(iri, []) if len(a) < len(label)]
        if len(label) > limit and candidates:
            label = min(candidates, key=len)
        result[iri] = label if len(label) <= limit + 6 else label[: limit + 5].rstrip() + "…"
    return result


def short_label_langs(store: Any, labels: Labels, lang: str, shorts: dict[str, str]) -> dict[str, str]:
    """The language of each short label that is not in `lang` (an alternative name may be
    Korean on an English page): iri -> language tag."""
    iris = sorted(i for i in shorts if ">" not in i)
    tags: dict[tuple[str, str], str] = {}
    for iri in iris:
        for tag, text in (labels.get(iri) or {}).items():
            tags.setdefault((iri, text), tag)
    if iris:
        query = "SELECT ?x ?a WHERE { VALUES ?x { %s } ?x <%s> ?a }" % (" ".join(f"<{i}>" for i in iris), ALT_LABEL)
        for row in evaluate(store, query):
            tags.setdefault((row["x"].value, row["a"].value), row["a"].language or "")
    result = {}
    for iri, short in shorts.items():
        cut = short.endswith("…")  # a label cut short matches the name it starts
        stem = short[:-1].rstrip() if cut else short
        tag = next((t for (i, text), t in tags.items() if i == iri and (text == short or (cut and text.startswith(stem)))), "")
        if tag and tag != lang:
            result[iri] = tag
    return result


def network(store: Any, lang: str, size: int = 1000) -> Network:
    """Consortia on a circle, each one's own members fanned out behind it, shared members
    (in two or more consortia) in the middle, so the overlap is what the eye finds first."""
    import math

    rows = list(evaluate(store, "SELECT ?c ?m WHERE { ?c a <%sConsortium> ; <%shasMember> ?m }" % (OT, OT)))
    members: dict[str, list[str]] = defaultdict(list)
    for row in rows:
        members[row["c"].value].append(row["m"].value)
    labels = fetch_labels(store, set(members) | {m for ms in members.values() for m in ms})
    shorts = short_labels(store, labels, lang)
    short_langs = short_label_langs(store, labels, lang, shorts)
    consortia_iris = sorted(members, key=lambda c: pick(labels.get(c), "en", c).lower())
    count: dict[str, int] = defaultdict(int)
    for ms in members.values():
        for m in set(ms):
            count[m] += 1
    center = size / 2
    nodes: dict[str, NetNode] = {}
    n = max(len(consortia_iris), 1)
    for k, c in enumerate(consortia_iris):
        angle = -90 + 360 * k / n
        rad = math.radians(angle)
        nodes[c] = NetNode(c, pick(labels.get(c), lang, c), shorts.get(c, c), center + 0.2 * size * math.cos(rad),
                           center + 0.2 * size * math.sin(rad), "consortium", angle)
    shared = sorted((m for m, k in count.items() if k > 1), key=lambda m: (-count[m], pick(labels.get(m), "en", m)))
    # The organization in the most consortia sits in the centre when it alone has that many;
    # the other shared ones go on a small ring around it, offset between the spokes.
    hub = shared[:1] if len(shared) == 1 or (shared and count[shared[0]] > count[shared[1]]) else []
    ring_members = shared[len(hub):]
    for m in hub:
        nodes[m] = NetNode(m, pick(labels.get(m), lang, m), shorts.get(m, m), center, center, "shared", consortia=count[m])
    for j, m in enumerate(ring_members):
        rad = math.radians(-90 + 180 / n + 360 * j / len(ring_members))
        ring = 0.11 * size
        nodes[m] = NetNode(m, pick(labels.get(m), lang, m), shorts.get(m, m), center + ring * math.cos(rad),
                           center + ring * math.sin(rad), "shared", consortia=count[m])
    for k, c in enumerate(consortia_iris):
        own = sorted((m for m in set(members[c]) if count[m] == 1), key=lambda m: pick(labels.get(m), "en", m).lower())
        span = 360 / n * 0.9
        for j, m in enumerate(own):
            angle = -90 + 360 * k / n + (span * ((j + 0.5) / len(own) - 0.5))
            rad = math.radians(angle)
            radius = 0.34 * size
            nodes[m] = NetNode(m, pick(labels.get(m), lang, m), shorts.get(m, m), center + radius * math.cos(rad),
                               center + radius * math.sin(rad), "member", angle, 1)
    for node in nodes.values():
        node.lang = named(node.iri, labels, lang).lang
        node.short_lang = short_langs.get(node.iri)
    edges = [(nodes[c], nodes[m]) for c in consortia_iris for m in sorted(set(members[c]))]
    ordered = [nodes[c] for c in consortia_iris] + [x for x in nodes.values() if x.kind != "consortium"]
    return Network(size, ordered, edges)


def timeline(store: Any, lang: str) -> list[tuple[str, Value, str]]:
    """Every dated fact of the graph (date, resource, property label), oldest first."""
    query = (
        "SELECT DISTINCT ?s ?p ?d WHERE { ?s ?p ?d ; <%s> ?any . "
        "FILTER(isIRI(?s) && isLiteral(?d) && DATATYPE(?d) IN (%s)) }"
        % (LABEL, ", ".join(f"<{d}>" for d in sorted(DATE_TYPES)))
    )
    rows = list(evaluate(store, query))
    labels = fetch_labels(store, {r["s"].value for r in rows} | {r["p"].value for r in rows})
    items = [
        (r["d"].value, named(r["s"].value, labels, lang),
         pick(labels.get(r["p"].value), lang, r["p"].value))
        for r in rows
    ]
    return sorted(items, key=lambda item: (item[0], item[1].text))
