"""Web test support: small Turtle following the pinned names (not the real data), stand-in
saved queries, and the real app served in-process with those saved queries on app.state."""

from __future__ import annotations

import shutil
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

PREFIXES = """\
@prefix ot: <https://w3id.org/onteam/ontology#> .
@prefix id: <https://w3id.org/onteam/id/> .
@prefix org: <http://www.w3.org/ns/org#> .
@prefix prov: <http://www.w3.org/ns/prov#> .
@prefix rdfs: <http://www.w3.org/2000/01/rdf-schema#> .
@prefix owl: <http://www.w3.org/2002/07/owl#> .
@prefix skos: <http://www.w3.org/2004/02/skos/core#> .
@prefix xsd: <http://www.w3.org/2001/XMLSchema#> .
@prefix foaf: <http://xmlns.com/foaf/0.1/> .
@prefix schema: <https://schema.org/> .
@prefix dcterms: <http://purl.org/dc/terms/> .
"""

ONTOLOGY = PREFIXES + """
<https://w3id.org/onteam/ontology> a owl:Ontology ;
    dcterms:title "OnTeam ontology"@en, "온팀 온톨로지"@ko .

ot:Consortium a owl:Class ; rdfs:label "Consortium"@en, "컨소시엄"@ko ;
    rdfs:comment "A cross-organization collaboration."@en ;
    rdfs:subClassOf org:OrganizationalCollaboration ;
    rdfs:isDefinedBy <https://w3id.org/onteam/ontology> .
ot:Organization a owl:Class ; rdfs:label "Organization"@en, "조직"@ko ;
    rdfs:comment "A company, university or institute."@en ; rdfs:subClassOf org:Organization .
ot:Company a owl:Class ; rdfs:label "Company"@en, "기업"@ko ;
    rdfs:comment "A business."@en ; rdfs:subClassOf ot:Organization .
ot:TelecomCompany a owl:Class ; rdfs:label "telecom company"@en, "통신 기업"@ko ;
    rdfs:comment "A telecommunications business."@en ; rdfs:subClassOf ot:Company .
ot:University a owl:Class ; rdfs:label "University"@en, "대학"@ko ;
    rdfs:comment "A university."@en ; rdfs:subClassOf ot:Organization .
ot:Person a owl:Class ; rdfs:label "Person"@en, "사람"@ko ; rdfs:comment "A person."@en .
ot:Initiative a owl:Class ; rdfs:label "Initiative"@en, "사업"@ko ; rdfs:comment "A programme."@en .
ot:Outcome a owl:Class ; rdfs:label "Outcome"@en, "성과"@ko ; rdfs:comment "A result."@en .
ot:Membership a owl:Class ; rdfs:label "Membership"@en, "참여"@ko ;
    rdfs:comment "An organization's membership."@en ; rdfs:subClassOf org:Membership .
ot:Evidence a owl:Class ; rdfs:label "Evidence"@en, "근거"@ko ; rdfs:comment "A quoted sentence."@en .

ot:hasMember a owl:ObjectProperty ; rdfs:label "has member"@en, "참여 기관"@ko ;
    rdfs:comment "The organization takes part."@en ;
    rdfs:domain ot:Consortium ; rdfs:range ot:Organization ; owl:inverseOf ot:memberOf .
ot:memberOf a owl:ObjectProperty ; rdfs:label "member of"@en, "참여 원팀"@ko ;
    rdfs:comment "Inverse of has member."@en ;
    rdfs:domain ot:Organization ; rdfs:range ot:Consortium ; owl:inverseOf ot:hasMember .
ot:ledBy a owl:ObjectProperty ; rdfs:label "led by"@en, "주도 기관"@ko ; rdfs:comment "Leader."@en ;
    rdfs:domain ot:Consortium ; rdfs:range ot:Organization .
ot:foundingDate a owl:DatatypeProperty ; rdfs:label "founding date"@en, "결성일"@ko ;
    rdfs:comment "When it was formed."@en ; rdfs:domain ot:Consortium .
ot:statedMemberCount a owl:DatatypeProperty ; rdfs:label "stated member count"@en, "밝힌 참여 수"@ko ;
    rdfs:comment "Stated number of participants."@en .
ot:hasInitiative a owl:ObjectProperty ; rdfs:label "has initiative"@en, "추진 사업"@ko ;
    rdfs:comment "Who runs it."@en ; rdfs:range ot:Initiative ;
    rdfs:domain [ a owl:Class ; owl:unionOf ( ot:Consortium ot:Organization ) ] .
ot:hasOutcome a owl:ObjectProperty ; rdfs:label "has outcome"@en, "성과"@ko ; rdfs:comment "Result."@en .
ot:developedBy a owl:ObjectProperty ; rdfs:label "developed by"@en, "개발 주체"@ko ; rdfs:comment "Who."@en .
ot:affiliatedWith a owl:ObjectProperty ; rdfs:label "affiliated with"@en, "소속"@ko ; rdfs:comment "Org."@en .
ot:evidence a owl:ObjectProperty ; rdfs:label "evidence"@en, "근거"@ko ; rdfs:comment "Where it is said."@en .
ot:quote a owl:DatatypeProperty ; rdfs:label "quote"@en, "인용문"@ko ; rdfs:comment "The sentence."@en .
ot:asOf a owl:DatatypeProperty ; rdfs:label "as of"@en, "기준 시점"@ko ; rdfs:comment "When true."@en .
ot:date a owl:DatatypeProperty ; rdfs:label "date"@en, "날짜"@ko ; rdfs:comment "When."@en .
"""

DATA = PREFIXES + """
id:newsfreezone-kt-one-team-2021 a foaf:Document, schema:NewsArticle ;
    dcterms:title "KT '원팀' 통해 다양한 협업체계 구축"@ko ;
    rdfs:label "뉴스프리존 기사"@ko, "Newsfreezone article"@en .

id:ai-one-team a ot:Consortium ;
    rdfs:label "AI 원팀"@ko, "AI One Team"@en ;
    skos:altLabel "AI원팀"@ko ;
    ot:ledBy id:kt ;
    ot:hasMember id:kt, id:kaist, id:hanyang-university ;
    ot:foundingDate "2020-02"^^xsd:gYearMonth ;
    ot:statedMemberCount 10 ;
    ot:hasInitiative id:hyperscale-ai-model ;
    ot:evidence id:ev-ai-1 ;
    prov:wasDerivedFrom id:newsfreezone-kt-one-team-2021 .

id:cloud-one-team a ot:Consortium ;
    rdfs:label "클라우드 원팀"@ko, "Cloud One Team"@en ;
    ot:ledBy id:kt ;
    ot:hasMember id:kt, id:kaist ;
    ot:foundingDate "2020-11"^^xsd:gYearMonth ;
    prov:wasDerivedFrom id:newsfreezone-kt-one-team-2021 .

id:kt a ot:Organization, ot:Company, ot:TelecomCompany ;
    rdfs:label "KT"@ko, "KT"@en ;
    ot:memberOf id:ai-one-team, id:cloud-one-team ;
    prov:wasDerivedFrom id:newsfreezone-kt-one-team-2021 .
id:kaist a ot:Organization, ot:University ;
    rdfs:label "한국과학기술원"@ko, "KAIST"@en ;
    skos:altLabel "KAIST"@ko ;
    ot:memberOf id:ai-one-team, id:cloud-one-team ;
    prov:wasDerivedFrom id:newsfreezone-kt-one-team-2021 .
id:hanyang-university a ot:Organization, ot:University ;
    rdfs:label "한양대학교"@ko, "Hanyang University"@en ;
    ot:memberOf id:ai-one-team ;
    prov:wasDerivedFrom id:newsfreezone-kt-one-team-2021 .

id:jang-du-seong a ot:Person ;
    rdfs:label "장두성"@ko, "Jang Du-seong"@en ;
    ot:affiliatedWith id:kt ;
    prov:wasDerivedFrom id:newsfreezone-kt-one-team-2021 .

id:hyperscale-ai-model a ot:Initiative ;
    rdfs:label "초거대 AI 모델"@ko, "Hyperscale AI model"@en ;
    ot:date "2021-05-31"^^xsd:date ;
    prov:wasDerivedFrom id:newsfreezone-kt-one-team-2021 .

id:membership-ai-one-team-kaist a ot:Membership, org:Membership ;
    org:member id:kaist ; org:organization id:ai-one-team ;
    org:role id:role-member ; ot:asOf "2021-07"^^xsd:gYearMonth ;
    ot:evidence id:ev-ai-members .
id:membership-ai-one-team-kt a ot:Membership, org:Membership ;
    org:member id:kt ; org:organization id:ai-one-team ;
    org:role id:role-lead ; ot:evidence id:ev-ai-members .
id:role-member a org:Role ; rdfs:label "참여 기관"@ko, "member"@en .
id:role-lead a org:Role ; rdfs:label "주관 기관"@ko, "lead"@en .

id:ev-ai-members a ot:Evidence ;
    ot:quote "AI 원팀은 KT가 중심이 돼서 운영되고 있으며, 한국과학기술원(KAIST) 등이 참여하고 있다."@ko,
             "The AI One Team is run with KT at its centre, and KAIST among others take part."@en ;
    prov:wasQuotedFrom id:newsfreezone-kt-one-team-2021 ;
    ot:paragraphNumber 4 .
id:statement-open-innovation a ot:Statement ;
    ot:about id:ai-one-team ;
    ot:speakerDescription "업계 관계자"@ko, "an industry insider"@en ;
    ot:quote "성공적인 모델로 자리잡아 가고 있다"@ko, "it is becoming a successful model"@en .
id:ev-ai-1 a ot:Evidence ;
    ot:quote "이 팀은 지난해 2월 결성된 협력체로서"@ko, "This team is a partnership formed in February last year"@en ;
    prov:wasQuotedFrom id:newsfreezone-kt-one-team-2021 ;
    ot:paragraphNumber 7 .
"""


# Saved queries as `queries/<name>.rq` files, loaded by the real `queries` module.
SAVED_QUERIES = {
    "consortium-members": """#+ summary: Organizations that take part in a consortium
#+ description: Named members, by label.
#+ params:
#+   consortium: The consortium
PREFIX ot: <https://w3id.org/onteam/ontology#>
PREFIX rdfs: <http://www.w3.org/2000/01/rdf-schema#>
SELECT ?_consortium_iri ?org ?label WHERE {
  ?_consortium_iri ot:hasMember ?org . ?org rdfs:label ?label . FILTER(LANG(?label) = "en")
} ORDER BY ?label
""",
    "consortia": """#+ summary: Every consortium
SELECT ?c WHERE { ?c a <https://w3id.org/onteam/ontology#Consortium> } ORDER BY ?c
""",
}


def write_saved_queries(folder: Path) -> Path:
    """Write SAVED_QUERIES as .rq files into `folder`; returns it."""
    folder.mkdir(parents=True, exist_ok=True)
    for name, text in SAVED_QUERIES.items():
        (folder / f"{name}.rq").write_text(text, encoding="utf-8")
    return folder


def fixture_store() -> Any:
    """A real in-memory Oxigraph store holding the fixture, one named graph per file as on disk."""
    from pyoxigraph import NamedNode, RdfFormat, Store

    store = Store()
    for text, graph in ((ONTOLOGY, "ontology/onteam"), (DATA, "data/instances")):
        store.load(text.encode(), format=RdfFormat.TURTLE, to_graph=NamedNode("https://w3id.org/onteam/graph/" + graph))
    return store


@contextmanager
def serve_with_saved_queries() -> Iterator[str]:
    """The real app under uvicorn on a loopback port, over the fixture, with SAVED_QUERIES on
    queries/ (loaded by the real `queries` module); yields the base URL."""
    from conftest import serve_app

    from server.app import create_app
    from server.settings import Settings

    root = Path(tempfile.mkdtemp(prefix="onteam-web-"))
    write_saved_queries(root / "queries")
    app = create_app(Settings(memory=True, root=root), store=fixture_store())
    try:
        with serve_app(app, lifespan="auto") as base:
            yield base
    finally:
        shutil.rmtree(root, ignore_errors=True)
