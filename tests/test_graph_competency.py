"""Competency questions: what the graph must answer, checked against the article.

Each case gives the question in English and Korean, the paragraph(s) of the
source article it rests on, a SPARQL query run on a pyoxigraph Store loaded
with the ontology and the data, and the expected answer written by reading
the article (not copied from query output).

Results are compared as sets of rows. A term becomes a string: an instance
IRI as ``id:<slug>``, a literal as its lexical value. Single-column rows are
plain strings.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import pyoxigraph
import pytest

ROOT = Path(__file__).resolve().parents[1]
ID = "https://w3id.org/onteam/id/"
PREFIXES = """
PREFIX id:      <https://w3id.org/onteam/id/>
PREFIX ot:      <https://w3id.org/onteam/ontology#>
PREFIX rdf:     <http://www.w3.org/1999/02/22-rdf-syntax-ns#>
PREFIX rdfs:    <http://www.w3.org/2000/01/rdf-schema#>
PREFIX xsd:     <http://www.w3.org/2001/XMLSchema#>
PREFIX org:     <http://www.w3.org/ns/org#>
PREFIX prov:    <http://www.w3.org/ns/prov#>
PREFIX skos:    <http://www.w3.org/2004/02/skos/core#>
PREFIX dcterms: <http://purl.org/dc/terms/>
PREFIX schema:  <http://schema.org/>
"""
ONE_TEAMS = "VALUES ?team { id:ai-one-team id:cloud-one-team id:b2b-one-team id:gwanghwamun-one-team id:metaverse-one-team }"


@dataclass(frozen=True)
class CQ:
    id: str
    paragraphs: tuple[int, ...]
    en: str
    ko: str
    sparql: str
    expected: object  # a set of rows, or a bool for ASK


CASES = [
    # -- paragraph 1 ---------------------------------------------------------
    CQ("consortia-led-by-kt", (1, 11, 12),
       "Which consortia does KT lead or operate?",
       "KT가 주도하거나 운영하는 협력체는?",
       """SELECT ?l WHERE { ?c ot:ledBy id:kt ; a ot:Consortium ; rdfs:label ?l FILTER(LANG(?l) = "ko") }""",
       {"AI 원팀", "클라우드 원팀", "B2B 원팀", "광화문 원팀", "메타버스 원팀", "코로나19 확산예측 연구 얼라이언스"}),
    CQ("article-author-publisher", (1,),
       "Who wrote the source article and who published it?",
       "출처 기사를 쓴 기자와 발행 매체는?",
       """SELECT ?author ?publisher WHERE {
            id:newsfreezone-kt-one-team-2021 dcterms:creator/rdfs:label ?author ;
                                             dcterms:publisher/rdfs:label ?publisher .
            FILTER(LANG(?author) = "ko" && LANG(?publisher) = "ko") }""",
       {("이동근", "뉴스프리존")}),
    CQ("article-language", (1,),
       "In which language is the source article written?",
       "출처 기사의 언어는?",
       """SELECT ?lang WHERE { id:newsfreezone-kt-one-team-2021 dcterms:language ?lang }""",
       {"ko"}),
    CQ("article-dateline", (1,),
       "Where was the source article filed?",
       "출처 기사의 송고지는?",
       """SELECT ?l WHERE { id:newsfreezone-kt-one-team-2021 schema:locationCreated/rdfs:label ?l FILTER(LANG(?l) = "ko") }""",
       {"서울"}),
    CQ("who-announced-hyperscale-plan", (1, 3),
       "Which consortium announced the plan to develop a hyperscale AI model?",
       "초거대 AI 모델 개발 계획을 밝힌 협력체는?",
       """SELECT ?l WHERE { ?c ot:hasInitiative/ot:hasOutcome id:hyperscale-ai-model ; a ot:Consortium ;
                                rdfs:label ?l FILTER(LANG(?l) = "ko") }""",
       {"AI 원팀"}),
    # -- paragraph 2 ---------------------------------------------------------
    CQ("rival-participating", (2,),
       "Which organization is called KT's rival yet takes part in a One Team?",
       "KT의 라이벌이면서 원팀에 참여하는 기관은?",
       """SELECT DISTINCT ?l WHERE { ?o ot:rivalOf id:kt ; ot:memberOf ?team ; rdfs:label ?l .
                                   FILTER(LANG(?l) = "ko") }""",
       {"LG유플러스"}),
    CQ("local-governments", (2, 16),
       "Which local governments take part in a One Team?",
       "원팀에 참여하는 지자체는?",
       """SELECT DISTINCT ?l WHERE { ?o a ot:LocalGovernment ; ot:memberOf ?c ; rdfs:label ?l FILTER(LANG(?l) = "ko") }""",
       {"서울시", "종로구청"}),
    CQ("universities", (2, 4, 13),
       "Which universities take part in a One Team?",
       "원팀에 참여하는 대학은?",
       f"""SELECT DISTINCT ?l WHERE {{ {ONE_TEAMS} ?team ot:hasMember ?o . ?o a ot:University ; rdfs:label ?l
                                      FILTER(LANG(?l) = "ko") }}""",
       {"한국과학기술원", "한양대", "서울대", "포항공대", "서울과학기술대"}),
    CQ("open-innovation-assessment", (2,),
       "Which assessment calls the One Teams a successful model of open innovation, and which sentence says so?",
       "원팀을 오픈 이노베이션의 성공 모델로 평가한 문장은?",
       """SELECT ?p ?s WHERE { ?st a ot:Statement ; ot:about id:ai-one-team ; ot:quote ?q ; ot:evidence ?e .
                              FILTER(CONTAINS(?q, "오픈 이노베이션"))
                              ?e ot:paragraphNumber ?p ; ot:sentenceNumber ?s }""",
       {("2", "2")}),
    # -- paragraph 3 ---------------------------------------------------------
    CQ("briefing-date", (3,),
       "When was the briefing on the hyperscale AI model held, and by whom?",
       "초거대 AI 모델 설명회는 언제, 누가 열었나?",
       """SELECT ?date ?l WHERE { id:hyperscale-ai-model-programme ot:announcedAt ?e .
                                 ?e ot:date ?date ; ot:organizedBy/rdfs:label ?l FILTER(LANG(?l) = "ko") }""",
       {("2021-08-31", "AI 원팀")}),
    CQ("hyperscale-competitors", (3,),
       "Which global companies compete in hyperscale AI development?",
       "초거대 AI 개발 경쟁을 벌이는 글로벌 기업은?",
       """SELECT ?l WHERE { ?o ot:competesIn id:field-hyperscale-ai ; rdfs:label ?l FILTER(LANG(?l) = "ko") }""",
       {"구글", "화웨이", "LG전자"}),
    CQ("global-companies-in-race", (3,),
       "Which global companies does the article name in the fierce race to develop hyperscale AI?",
       "기사가 초거대 AI 개발 경쟁이 치열하다고 든 글로벌 기업은?",
       """SELECT ?l WHERE { ?o ot:competesIn id:field-hyperscale-ai ; rdfs:label ?l ; dcterms:description ?d ;
                                ot:evidence/ot:quote ?q .
                           FILTER(LANG(?l) = "ko" && LANG(?d) = "ko" && CONTAINS(?d, "글로벌 기업") && CONTAINS(?q, "글로벌 기업 사이에서")) }""",
       {"구글", "화웨이", "LG전자"}),
    CQ("hyperscale-expectation-sentence", (3,),
       "Is the hyperscale AI expected to think for itself like a human, according to the article?",
       "기사에 따르면 초거대 AI는 사람처럼 스스로 생각할 수 있는 지능을 갖출 것으로 기대되나?",
       """ASK { id:hyperscale-ai-model ot:evidence ?e . ?e ot:quote ?q ; ot:paragraphNumber 3 .
               FILTER(CONTAINS(?q, "스스로 생각")) }""",
       True),
    CQ("parameter-likened-to-synapses", (3, 5),
       "What does the article liken an AI model's parameters to, and in which quantities are they counted?",
       "기사는 AI 모델의 파라미터를 무엇에 비유하며, 파라미터 수는 어떤 값들이 나오나?",
       """SELECT ?v WHERE { id:parameter skos:altLabel "매개변수"@ko ; skos:scopeNote ?n .
                           ?q a ot:Quantity ; dcterms:relation id:parameter ; schema:value ?v .
                           FILTER(LANG(?n) = "ko" && CONTAINS(?n, "시냅스")) }""",
       {"200000000000", "175000000000"}),
    # -- paragraph 4 ---------------------------------------------------------
    CQ("ai-one-team-members", (4,),
       "Which organizations are members of the AI One Team?",
       "AI 원팀에 참여하는 기관은?",
       """SELECT ?l WHERE { id:ai-one-team ot:hasMember ?o . ?o rdfs:label ?l FILTER(LANG(?l) = "ko") }""",
       {"KT", "현대중공업그룹", "LG전자", "LG유플러스", "한국투자증권", "동원그룹", "한국과학기술원", "한양대",
        "한국전자통신연구원", "우리은행"}),
    CQ("member-count-unstated", (4, 11, 15),
       "For which consortia does the article state no number of participants?",
       "기사가 참여 기관 수를 밝히지 않은 협력체는?",
       """SELECT ?c WHERE { ?c a ot:Consortium ; ot:unstated ot:statedMemberCount
                           FILTER NOT EXISTS { ?c ot:statedMemberCount ?n } }""",
       {"id:ai-one-team", "id:b2b-one-team", "id:covid19-spread-prediction-research-alliance"}),
    CQ("ai-one-team-lead-role", (4,),
       "Which member has the lead role in the AI One Team?",
       "AI 원팀에서 주관 역할을 맡은 기관은?",
       """SELECT ?m WHERE { ?ms org:organization id:ai-one-team ; org:member ?m ; org:role id:role-lead }""",
       {"id:kt"}),
    CQ("kaist-membership-sentence", (4,),
       "Which sentence states KAIST's membership in the AI One Team?",
       "KAIST의 AI 원팀 참여를 밝힌 문장은?",
       """SELECT ?e ?p WHERE { ?ms org:member id:kaist ; org:organization id:ai-one-team ; ot:evidence ?e .
                              ?e ot:paragraphNumber ?p ; ot:quote ?q FILTER(CONTAINS(?q, "한국과학기술원(KAIST)")) }""",
       {("id:evidence-p04-s1", "4")}),
    # -- paragraph 5 ---------------------------------------------------------
    CQ("jang-du-seong", (5,),
       "Where does Jang Du-seong work and what is his title?",
       "장두성의 소속과 직함은?",
       """SELECT ?org ?title WHERE { id:jang-du-seong ot:affiliatedWith/rdfs:label ?org ; ot:jobTitle ?title .
                                    FILTER(LANG(?org) = "ko" && LANG(?title) = "ko") }""",
       {("KT 융합기술원", "상무"), ("KT", "상무")}),
    CQ("training-deadline", (5,),
       "By when is the hyperscale AI training to be completed?",
       "초거대 AI 학습 완료 시점은?",
       """SELECT ?d WHERE { ?e ot:partOf id:hyperscale-ai-model-programme ; ot:endDate ?d ; rdfs:label ?l .
                           FILTER(CONTAINS(STR(?l), "학습")) }""",
       {"2021-12-31"}),
    CQ("commercialization-window", (5,),
       "When is the hyperscale AI model to be commercialized?",
       "초거대 AI 모델 상용화 예정 시기는?",
       """SELECT ?from ?to WHERE { id:hyperscale-ai-commercialization ot:startDate ?from ; ot:endDate ?to ;
                                   ot:partOf id:hyperscale-ai-model-programme }""",
       {("2022-01-01", "2022-06-30")}),
    CQ("parameters-vs-gpt3", (5,),
       "What is the planned parameter count, and how does it compare with GPT-3?",
       "계획된 파라미터 수는 얼마이며 GPT-3와 비교하면?",
       """SELECT ?ours ?theirs WHERE {
            id:hyperscale-ai-model ot:parameterCount ?q1 ; ot:comparedWith ?other .
            ?other ot:parameterCount ?q2 . ?q1 schema:value ?ours ; ot:exceeds ?q2 . ?q2 schema:value ?theirs }""",
       {("200000000000", "175000000000")}),
    CQ("descriptions-keep-to-the-article", (1, 5),
       "How does the article describe KT and GPT-3 (nothing the article does not say)?",
       "기사는 KT와 GPT-3를 어떻게 설명하나(기사에 없는 내용 없이)?",
       """SELECT ?x ?d WHERE { VALUES ?x { id:kt id:gpt-3 } ?x dcterms:description ?d FILTER(LANG(?d) = "ko") }""",
       {("id:kt", "'원팀'을 통해 다양한 협업체계를 구축하고, AI·클라우드·B2B·광화문·메타버스 원팀을 운영하는 기업."),
        ("id:gpt-3", "2020년 6월 공개돼 초거대 AI 개발 경쟁을 일으킨 미국 오픈AI사의 AI 모델(파라미터 1750억 개).")}),
    CQ("gpt3-origin", (5,),
       "Who developed GPT-3 and when was it released?",
       "GPT-3의 개발사와 공개 시기는?",
       """SELECT ?l ?d WHERE { id:gpt-3 ot:developedBy/rdfs:label ?l ; ot:releaseDate ?d FILTER(LANG(?l) = "ko") }""",
       {("오픈AI", "2020-06")}),
    CQ("hyperscale-developers", (5,),
       "Who develops the hyperscale AI model?",
       "초거대 AI 모델의 개발 주체는?",
       """SELECT ?d WHERE { id:hyperscale-ai-model ot:developedBy ?d }""",
       {"id:kt", "id:ai-one-team"}),
    # -- paragraph 6 ---------------------------------------------------------
    CQ("american-companies", (5, 6),
       "Which organizations does the article call American?",
       "기사가 미국 기업이라고 밝힌 곳은?",
       """SELECT ?o WHERE { ?o a ot:Organization ; schema:location/rdfs:label "미국"@ko }""",
       {"id:openai", "id:nvidia"}),
    CQ("gpu-investment", (6,),
       "How much is KT investing in its GPU server infrastructure?",
       "KT가 GPU 서버 인프라에 투자하는 규모는?",
       """SELECT ?min ?max ?unit ?approx WHERE { id:kt ot:hasInitiative ?i . ?i ot:investment ?q .
            ?q ot:minValue ?min ; ot:maxValue ?max ; schema:unitCode ?unit ; ot:isApproximate ?approx }""",
       {("10000000000", "100000000000", "KRW", "true")}),
    CQ("gpu-vendor", (6,),
       "Whose GPUs does KT's infrastructure use?",
       "KT 인프라가 활용하는 GPU의 제조사는?",
       """SELECT ?l WHERE { id:gpu-server-infrastructure ot:uses/ot:providedBy/rdfs:label ?l FILTER(LANG(?l) = "ko") }""",
       {"엔비디아"}),
    CQ("latest-nvidia-gpus", (6,),
       "Which GPUs does KT's large-scale GPU server infrastructure use, as the article describes them?",
       "KT의 대규모 GPU 서버 인프라가 활용하는 GPU를 기사는 어떻게 설명하나?",
       """SELECT ?d WHERE { id:gpu-server-infrastructure ot:uses ?g . ?g dcterms:description ?d FILTER(LANG(?d) = "ko") }""",
       {"미국 엔비디아의 최신 그래픽처리장치(GPU). KT가 구축하는 대규모 GPU 서버 인프라에 활용된다."}),
    CQ("kt-evidence-paragraphs", (1, 4, 5, 6, 9, 10, 11, 12, 13, 15, 19, 20),
       "Which paragraphs of the article is KT's own record evidenced by?",
       "KT 자원의 근거로 인용된 기사 문단은?",
       """SELECT DISTINCT ?p WHERE { id:kt ot:evidence ?e . ?e ot:paragraphNumber ?p ;
                                           prov:wasQuotedFrom id:newsfreezone-kt-one-team-2021 }""",
       {"1", "4", "5", "6", "9", "10", "11", "12", "13", "15", "19", "20"}),
    CQ("high-usability", (6,),
       "What does the AI One Team stress, and why is it well placed to commercialize early?",
       "AI 원팀이 강조하는 것과 조기 상용화에 유리한 이유는?",
       """SELECT ?l WHERE { ?s a ot:Statement ; ot:about id:ai-one-team ; ot:quote ?q ; rdfs:label ?l .
                           FILTER(LANG(?l) = "ko" && CONTAINS(?q, "다양한 업종")) }""",
       {"AI 원팀의 높은 활용성 강조"}),
    # -- paragraph 7 ---------------------------------------------------------
    CQ("ai-one-team-founded", (7,),
       "When was the AI One Team formed?",
       "AI 원팀의 결성 시기는?",
       """SELECT ?d WHERE { id:ai-one-team ot:foundingDate ?d }""",
       {"2020-02"}),
    CQ("ai-one-team-goals", (7,),
       "What are the AI One Team's goals?",
       "AI 원팀의 목표는?",
       """SELECT ?l WHERE { id:ai-one-team ot:hasGoal ?g . ?g rdfs:label ?l FILTER(LANG(?l) = "ko") }""",
       {"대한민국 AI 역량 강화를 위한 인재양성 플랫폼 조성",
        "실제 산업현장에서의 AI 적용사례를 발굴하고 확산시키기 위한 산업간 협업 강화",
        "중소·벤쳐기업들이 참여할 수 있는 AI 오픈 생태계 조성",
        "'대한민국 AI 1등 국가' 실현에 앞장서기"}),
    # -- paragraph 8 ---------------------------------------------------------
    CQ("first-four-technologies", (8,),
       "Which AI technologies were announced in January 2021 as the first results of joint R&D?",
       "2021년 1월 공동 연구개발의 첫 성과로 발표된 AI 기술은?",
       """SELECT ?l WHERE { ?o ot:announcedAt ?e ; rdfs:label ?l . ?e ot:date "2021-01"^^xsd:gYearMonth .
                           id:ai-joint-rnd ot:hasOutcome ?o . FILTER(LANG(?l) = "ko") }""",
       {"딥러닝 음성합성", "E2E 음성인식", "무빙 픽처", "AI 기반 로봇 고장 진단 기술"}),
    # -- paragraph 9 ---------------------------------------------------------
    CQ("four-technologies-developed", (8,),
       "Which AI technologies did the AI One Team announce in January 2021 as successfully developed?",
       "AI 원팀이 2021년 1월 개발에 성공했다고 밝힌 AI 기술은?",
       """SELECT ?l WHERE { ?t ot:announcedAt ?e ; ot:status id:status-completed ; rdfs:label ?l .
                           ?e ot:date "2021-01"^^xsd:gYearMonth ; ot:organizedBy id:ai-one-team FILTER(LANG(?l) = "ko") }""",
       {"딥러닝 음성합성", "E2E 음성인식", "무빙 픽처", "AI 기반 로봇 고장 진단 기술"}),
    CQ("first-results-count", (8,),
       "How many AI technologies does the article say the AI One Team's joint R&D first produced?",
       "기사는 AI 원팀 공동 연구개발의 첫 성과로 몇 종의 AI 기술을 밝혔나?",
       """SELECT ?n ?unit WHERE { ?q a ot:Quantity ; dcterms:relation id:ai-technologies-announcement-2021-01 ;
                                   schema:value ?n ; schema:unitText ?unit FILTER(LANG(?unit) = "ko") }""",
       {("4", "종")}),
    CQ("p-tts-developers", (9,),
       "Who developed P-TTS?",
       "P-TTS(딥러닝 음성합성)를 개발한 주체는?",
       """SELECT ?l WHERE { ?t skos:altLabel "P-TTS"@en ; ot:developedBy/rdfs:label ?l FILTER(LANG(?l) = "ko") }""",
       {"KT", "김회린"}),
    CQ("p-tts-in-use", (9,),
       "Where is P-TTS in use?",
       "P-TTS는 어디에 활용 중인가?",
       """SELECT ?l WHERE { id:p-tts ot:inUseIn ?p . ?p rdfs:label ?l ; a ot:ProductOrService .
                           id:p-tts ot:appliedIn ?p . FILTER(LANG(?l) = "ko") }""",
       {"AI 컨택센터", "차세대 기가지니"}),
    CQ("e2e-developers-and-purpose", (9,),
       "Who developed E2E speech recognition, and what is it being researched for?",
       "E2E 음성인식 기술의 개발 주체와 연구 용도는?",
       """SELECT ?dev ?field WHERE { id:e2e-speech-recognition ot:developedBy/rdfs:label ?dev ;
                                                          ot:researchedFor/rdfs:label ?field .
                                    FILTER(LANG(?dev) = "ko" && LANG(?field) = "ko") }""",
       {("KT", "자유발화 음성인식"), ("장준혁", "자유발화 음성인식")}),
    CQ("kim-hoe-rin-affiliation", (9,),
       "Which institution is Professor Kim Hoe-rin affiliated with?",
       "김회린 교수의 소속 기관은?",
       """SELECT ?l ?t WHERE { id:kim-hoe-rin ot:affiliatedWith/rdfs:label ?l ; ot:jobTitle ?t .
                              FILTER(LANG(?l) = "ko" && LANG(?t) = "ko") }""",
       {("한국과학기술원", "교수")}),
    # -- paragraph 10 --------------------------------------------------------
    CQ("moving-picture-fields", (10,),
       "For which fields is Moving Picture being researched?",
       "무빙 픽처는 어떤 분야에 활용하기 위해 연구 중인가?",
       """SELECT ?l WHERE { id:moving-picture ot:researchedFor/rdfs:label ?l FILTER(LANG(?l) = "ko") }""",
       {"IPTV", "포스터", "웹툰", "애니메이티드 광고"}),
    CQ("robot-fault-diagnosis", (10,),
       "Who developed the AI-based robot fault diagnosis, and for what?",
       "AI 기반 로봇 고장 진단 기술의 개발 주체와 용도는?",
       """SELECT ?dev ?field WHERE { id:ai-robot-fault-diagnosis ot:developedBy/rdfs:label ?dev ;
                                                             ot:appliedIn/rdfs:label ?field .
                                    FILTER(LANG(?dev) = "ko" && LANG(?field) = "ko") }""",
       {("현대중공업그룹", "자동화 라인 유지보수"), ("장준혁", "자동화 라인 유지보수")}),
    CQ("who-researches-applications", (9, 10),
       "Who is researching the application of which of the first AI technologies?",
       "첫 성과 AI 기술 중 어느 것을 누가 활용하려고 연구 중인가?",
       """SELECT ?org ?tech WHERE { ?o ot:hasInitiative ?i ; rdfs:label ?org . ?i prov:used ?t ; ot:status id:status-in-progress .
                                   ?t ot:researchedFor ?f ; rdfs:label ?tech .
                                   FILTER(LANG(?org) = "ko" && LANG(?tech) = "ko") }""",
       {("KT", "E2E 음성인식"), ("KT", "무빙 픽처"), ("현대중공업그룹", "AI 기반 로봇 고장 진단 기술")}),
    CQ("jang-jun-hyeok-outcomes", (9, 10),
       "Which technologies did Professor Jang Jun-hyeok help develop, and where does he work?",
       "장준혁 교수가 개발에 참여한 기술과 소속은?",
       """SELECT ?tech ?org WHERE { ?o ot:developedBy id:jang-jun-hyeok ; rdfs:label ?tech .
                                   id:jang-jun-hyeok ot:affiliatedWith/rdfs:label ?org .
                                   FILTER(LANG(?tech) = "ko" && LANG(?org) = "ko") }""",
       {("E2E 음성인식", "한양대"), ("AI 기반 로봇 고장 진단 기술", "한양대")}),
    CQ("kim-tae-hyeon", (10,),
       "Which technology did Professor Kim Tae-hyeon research with KT?",
       "김태현 교수가 KT와 함께 연구한 기술은?",
       """SELECT ?l WHERE { ?o ot:developedBy id:kim-tae-hyeon , id:kt ; rdfs:label ?l FILTER(LANG(?l) = "ko") }""",
       {"무빙 픽처"}),
    # -- paragraph 11 --------------------------------------------------------
    CQ("covid-alliance-joins", (11,),
       "Who joined the COVID-19 Spread Prediction Research Alliance, and when?",
       "코로나19 확산예측 연구 얼라이언스에 참여한 기관과 시기는?",
       """SELECT ?l ?d WHERE { ?ms org:organization id:covid19-spread-prediction-research-alliance ;
                                   org:member/rdfs:label ?l ; ot:asOf ?d FILTER(LANG(?l) = "ko") }""",
       {("한국과학기술원", "2020-03"), ("LG전자", "2020-06"), ("LG유플러스", "2020-06")}),
    CQ("covid-alliance-results", (11,),
       "What joint research results did the COVID-19 alliance achieve with KAIST?",
       "코로나19 얼라이언스가 KAIST와 거둔 공동 연구성과는?",
       """SELECT ?l WHERE { id:covid19-spread-prediction-research-alliance ot:hasOutcome ?o .
                           ?o ot:developedBy id:kaist ; rdfs:label ?l FILTER(LANG(?l) = "ko") }""",
       {"감염병 해외유입 위험도 예측", "국내 확산지역 예측모델"}),
    CQ("covid-alliance-initiatives", (11,),
       "What research does the COVID-19 alliance carry out, since when, with whom, and what came of it?",
       "코로나19 얼라이언스가 하는 연구와 시작 시기, 참여 기관, 성과는?",
       """SELECT ?start ?who ?result WHERE { id:covid19-spread-prediction-research-alliance ot:hasInitiative ?i .
                                            ?i ot:startDate ?start ; ot:participant/rdfs:label ?who ;
                                               ot:hasOutcome/rdfs:label ?result .
                                            FILTER(LANG(?who) = "ko" && LANG(?result) = "ko") }""",
       {("2020-03", "KT", "감염병 해외유입 위험도 예측"), ("2020-03", "KT", "국내 확산지역 예측모델"),
        ("2020-03", "한국과학기술원", "감염병 해외유입 위험도 예측"), ("2020-03", "한국과학기술원", "국내 확산지역 예측모델"),
        ("2020-06", "LG전자", "감염병 확산방지 모델"), ("2020-06", "LG유플러스", "감염병 확산방지 모델")}),
    CQ("developer-organizations", (9, 10),
       "Which organizations are behind each of the first four technologies, counting the professors' universities?",
       "첫 4종 기술 각각의 개발에 참여한 기관은(교수의 소속 대학 포함)?",
       """SELECT ?t ?org WHERE { id:ai-joint-rnd ot:hasOutcome ?o . ?o rdfs:label ?t FILTER(LANG(?t) = "ko")
                               { ?o ot:developedBy ?d . ?d a ot:Organization BIND(?d AS ?x) }
                               UNION { ?o ot:developedBy/ot:affiliatedWith ?x }
                               ?x rdfs:label ?org FILTER(LANG(?org) = "ko") }""",
       {("딥러닝 음성합성", "KT"), ("딥러닝 음성합성", "한국과학기술원"),
        ("E2E 음성인식", "KT"), ("E2E 음성인식", "한양대"),
        ("무빙 픽처", "KT"), ("무빙 픽처", "한양대"),
        ("AI 기반 로봇 고장 진단 기술", "현대중공업그룹"), ("AI 기반 로봇 고장 진단 기술", "한양대")}),
    CQ("covid-alliance-results-achieved", (11,),
       "Are the COVID-19 alliance's joint results with KAIST achieved or still under way?",
       "코로나19 얼라이언스가 KAIST와 거둔 공동 연구성과는 완료됐나, 진행 중인가?",
       """SELECT ?o ?s WHERE { id:covid19-spread-prediction-research-alliance ot:hasOutcome ?o .
                              ?o ot:developedBy id:kaist ; ot:status ?s }""",
       {("id:overseas-inflow-risk-prediction", "id:status-completed"),
        ("id:domestic-spread-region-prediction-model", "id:status-completed")}),
    CQ("covid-alliance-founding-unstated", (11,),
       "Does the article state when the COVID-19 alliance was founded?",
       "기사는 코로나19 얼라이언스의 결성 시기를 밝히나?",
       """ASK { id:covid19-spread-prediction-research-alliance ot:foundingDate ?d }""",
       False),
    CQ("ai-talent-course", (11,),
       "Which course started the corporate AI talent training, and when?",
       "기업실무형 AI 인재양성을 시작한 과정과 시기는?",
       """SELECT ?l ?d WHERE { ?c ot:partOf id:ai-talent-training ; rdfs:label ?l ; ot:startDate ?d
                              FILTER(LANG(?l) = "ko") }""",
       {("KT-한국투자증권 과정", "2020-12")}),
    # -- paragraph 12 --------------------------------------------------------
    CQ("first-one-team", (12,),
       "Which One Team was formed first?",
       "가장 먼저 결성된 원팀은?",
       f"""SELECT ?team WHERE {{ {ONE_TEAMS} ?team ot:foundingDate ?d }} ORDER BY STR(?d) LIMIT 1""",
       {"id:ai-one-team"}),
    CQ("cloud-founded", (12,),
       "When was the Cloud One Team launched?",
       "클라우드 원팀의 출범 시기는?",
       """SELECT ?d WHERE { id:cloud-one-team ot:foundingDate ?d }""",
       {"2020-11"}),
    # -- paragraph 13 --------------------------------------------------------
    CQ("cloud-prime-example", (12,),
       "Which One Team does the article call the prime example of the other One Teams KT runs, and when was it launched?",
       "기사가 KT가 운영하는 다른 원팀의 대표적 예로 든 원팀과 그 출범 시기는?",
       """SELECT ?l ?d WHERE { ?s a ot:Statement ; ot:about ?t ; ot:quote ?q ; ot:statedBy id:lee-dong-geun .
                              ?t a ot:OneTeam ; rdfs:label ?l ; ot:foundingDate ?d .
                              FILTER(LANG(?l) = "ko" && LANG(?q) = "ko" && CONTAINS(?q, "대표적")) }""",
       {("클라우드 원팀", "2020-11")}),
    CQ("cloud-members", (13,),
       "Which organizations are members of the Cloud One Team?",
       "클라우드 원팀에 참여하는 기관은?",
       """SELECT ?l WHERE { id:cloud-one-team ot:hasMember ?o . ?o rdfs:label ?l FILTER(LANG(?l) = "ko") }""",
       {"KT", "서울대", "한국과학기술원", "포항공대", "서울과학기술대", "한국전자통신연구원 광주분원", "벤처기업협회",
        "경기창조경제혁신센터", "인천창조경제혁신센터", "한글과컴퓨터", "케이뱅크은행", "나무기술", "소만사",
        "펜타시큐리티시스템", "솔트룩스", "틸론", "제노솔루션", "새하컴즈", "아롬정보기술", "티맥스에이앤씨",
        "웹케시 그룹", "크리니티"}),
    CQ("cloud-count", (13,),
       "How many members does the article state for the Cloud One Team, as of when, and how many are named?",
       "클라우드 원팀의 밝힌 참여 기관 수, 기준 시점, 이름이 나온 기관 수는?",
       """SELECT ?stated ?asof (COUNT(DISTINCT ?m) AS ?named) WHERE {
            id:cloud-one-team ot:statedMemberCount ?stated ; ot:statedMemberCountAsOf ?asof ; ot:hasMember ?m }
          GROUP BY ?stated ?asof""",
       {("22", "2021-01", "22")}),
    CQ("cloud-memberships-as-of", (13,),
       "As of when are the Cloud One Team memberships stated?",
       "클라우드 원팀 참여 현황의 기준 시점은?",
       """SELECT DISTINCT ?d WHERE { ?ms org:organization id:cloud-one-team ; ot:asOf ?d }""",
       {"2021-01"}),
    CQ("branch-organizations", (13,),
       "Which member organization is a branch of another organization?",
       "다른 기관의 분원인 참여 기관은?",
       """SELECT ?b ?p WHERE { ?b ot:subOrganizationOf ?p ; ot:memberOf ?c }""",
       {("id:etri-gwangju-branch", "id:etri")}),
    # -- paragraph 14 --------------------------------------------------------
    CQ("cloud-divisions", (14,),
       "How is the Cloud One Team organized?",
       "클라우드 원팀은 어떤 분과로 운영되나?",
       """SELECT ?l WHERE { ?d org:subOrganizationOf id:cloud-one-team ; a ot:Division ; rdfs:label ?l .
                           id:cloud-one-team org:hasSubOrganization ?d . FILTER(LANG(?l) = "ko") }""",
       {"ECO상생 지원단", "산업 혁신분과", "솔루션 혁신분과", "R&D 혁신분과"}),
    CQ("cloud-results-expected", (14,),
       "Does the article expect the Cloud One Team to announce results soon?",
       "기사는 클라우드 원팀이 조만간 성과를 발표할 것으로 보나?",
       """ASK { ?s ot:about id:cloud-one-team ; ot:quote ?q FILTER(CONTAINS(?q, "조만간 성과를 발표")) }""",
       True),
    # -- paragraph 15 --------------------------------------------------------
    CQ("b2b-launch-and-goal", (15,),
       "When was the B2B One Team launched, and what is it for?",
       "B2B 원팀의 출범 시기와 목적은?",
       """SELECT ?d ?g WHERE { id:b2b-one-team ot:foundingDate ?d ; ot:hasGoal/rdfs:label ?g FILTER(LANG(?g) = "ko") }""",
       {("2021-05", "기업고객의 디지털전환(DX) 혁신 제공")}),
    CQ("b2b-contact-centre-specialists", (15,),
       "Which B2B One Team members are contact-centre solution specialists?",
       "B2B 원팀 참여사 중 컨택센터 솔루션 전문 기업은?",
       """SELECT ?l WHERE { id:b2b-one-team ot:hasMember ?o . ?o dcterms:description "컨택센터 솔루션 전문 기업"@ko ;
                           rdfs:label ?l FILTER(LANG(?l) = "ko") }""",
       {"한솔인티큐브", "KLCNS", "마인드웨어웍스", "NHN다이퀘스트", "셀바스AI", "베이글소프트", "예스피치"}),
    CQ("b2b-outsourcing", (15,),
       "Which B2B One Team member specializes in contact-centre operation and IT outsourcing?",
       "B2B 원팀 참여사 중 컨택센터 운영 및 IT 아웃소싱 전문기업은?",
       """SELECT ?l WHERE { id:b2b-one-team ot:hasMember ?o . ?o dcterms:description ?d ; rdfs:label ?l .
                           FILTER(LANG(?l) = "ko" && CONTAINS(?d, "아웃소싱")) }""",
       {"메타넷엠플랫폼"}),
    # -- paragraph 16 --------------------------------------------------------
    CQ("gwanghwamun-stated-vs-named", (16,),
       "How many members does the article state for the Gwanghwamun One Team, and how many are named?",
       "광화문 원팀의 밝힌 참여 기관 수와 이름이 나온 기관 수는?",
       """SELECT ?stated (COUNT(DISTINCT ?m) AS ?named) WHERE {
            id:gwanghwamun-one-team ot:statedMemberCount ?stated ; ot:hasMember ?m } GROUP BY ?stated""",
       {("15", "14")}),
    CQ("gwanghwamun-members", (16,),
       "Which organizations are named as members of the Gwanghwamun One Team?",
       "광화문 원팀 참여 기관으로 이름이 나온 곳은?",
       """SELECT ?l WHERE { id:gwanghwamun-one-team ot:hasMember/rdfs:label ?l FILTER(LANG(?l) = "ko") }""",
       {"서울시", "종로구청", "종로경찰서", "행정안전부", "한국무역보험공사", "라이나생명", "세종문화회관",
        "법무법인 태평양", "법무법인 세종", "매일유업", "KMI", "사회복지공동모금회", "한국중앙자원봉사센터", "YMCA"}),
    CQ("gwanghwamun-government", (16,),
       "Which government bodies take part in the Gwanghwamun One Team?",
       "광화문 원팀에 참여하는 정부·지자체 기관은?",
       """SELECT ?l WHERE { id:gwanghwamun-one-team ot:hasMember ?o . ?o a ot:GovernmentBody ; rdfs:label ?l
                           FILTER(LANG(?l) = "ko") }""",
       {"서울시", "종로구청", "종로경찰서", "행정안전부"}),
    CQ("launched-may-2021", (15, 16),
       "Which One Teams were launched in May 2021, and what goals do they state?",
       "2021년 5월에 출범한 원팀과 그 목표는?",
       """SELECT ?team ?g WHERE { ?team ot:foundingDate "2021-05"^^xsd:gYearMonth ; ot:hasGoal/rdfs:label ?g
                                 FILTER(LANG(?g) = "ko") }""",
       {("id:b2b-one-team", "기업고객의 디지털전환(DX) 혁신 제공"), ("id:gwanghwamun-one-team", "ESG 가치 실현")}),
    CQ("gwanghwamun-place", (16, 17, 18),
       "What does the graph place in the Gwanghwamun area?",
       "그래프에서 광화문 일대에 자리한 것은?",
       """SELECT ?x WHERE { ?x dcterms:spatial ?p . ?p rdfs:label "광화문"@ko ; schema:containedInPlace/rdfs:label "서울"@ko }""",
       {"id:gwanghwamun-one-team", "id:gwanghwamun-pilot-social-economic-effect", "id:gwanghwamun-small-business-support"}),
    # -- paragraph 17 --------------------------------------------------------
    CQ("gwanghwamun-effect", (17,),
       "What social-economic effect did the Gwanghwamun pilot projects have?",
       "광화문 원팀 파일럿 프로젝트의 사회경제적 효과는?",
       """SELECT ?v ?u WHERE { id:gwanghwamun-one-team ot:hasInitiative/ot:hasOutcome/ot:measuredEffect ?q .
                              ?q schema:value ?v ; schema:unitCode ?u }""",
       {("170000000", "KRW")}),
    CQ("gwanghwamun-pilots", (17,),
       "Which pilot projects did the Gwanghwamun One Team run?",
       "광화문 원팀의 파일럿 프로젝트는?",
       """SELECT ?l WHERE { ?p ot:partOf id:gwanghwamun-pilot-projects ; rdfs:label ?l FILTER(LANG(?l) = "ko") }""",
       {"퇴근길 밀키트", "사랑의 효박스"}),
    CQ("gwanghwamun-planned", (17,),
       "Which projects is the Gwanghwamun One Team preparing?",
       "광화문 원팀이 준비 중인 프로젝트는?",
       """SELECT ?l WHERE { id:gwanghwamun-one-team ot:hasInitiative ?i . ?i ot:status id:status-planned ;
                           rdfs:label ?l FILTER(LANG(?l) = "ko") }""",
       {"장애인 취업 지원", "다회용 컵 사용 캠페인"}),
    CQ("gwanghwamun-planned-purposes", (17,),
       "What are the Gwanghwamun One Team's prepared projects for?",
       "광화문 원팀이 준비 중인 프로젝트의 목적은?",
       """SELECT ?l WHERE { id:gwanghwamun-one-team ot:hasInitiative ?i . ?i ot:status id:status-planned ;
                           rdfs:label ?l ; dcterms:description ?d .
                           FILTER(LANG(?l) = "ko" && LANG(?d) = "ko" && CONTAINS(?d, "지역 상생과 환경 문제 해결")) }""",
       {"장애인 취업 지원", "다회용 컵 사용 캠페인"}),
    # -- paragraph 18 --------------------------------------------------------
    CQ("july-activities", (18,),
       "Which activities did the Gwanghwamun One Team carry out in July 2021 to support small businesses?",
       "광화문 원팀이 2021년 7월 소상공인 지원을 위해 진행한 활동은?",
       """SELECT ?l WHERE { ?a ot:partOf id:gwanghwamun-small-business-support ; ot:date "2021-07"^^xsd:gYearMonth ;
                           rdfs:label ?l FILTER(LANG(?l) = "ko") }""",
       {"사랑의 선(善)결제", "사랑의 도시락", "사랑의 밀키트"}),
    # -- paragraph 19 --------------------------------------------------------
    CQ("metaverse-founding-and-count", (19,),
       "When was the Metaverse One Team formed, how many participants are stated and how many named?",
       "메타버스 원팀의 결성 시기, 밝힌 참여 수, 이름이 나온 참여 기관 수는?",
       """SELECT ?d ?stated (COUNT(DISTINCT ?m) AS ?named) WHERE {
            id:metaverse-one-team ot:foundingDate ?d ; ot:statedMemberCount ?stated ; ot:hasMember ?m }
          GROUP BY ?d ?stated""",
       {("2021-06", "11", "7")}),
    CQ("most-recent-one-team", (19,),
       "Which One Team does the article say was formed most recently, and in which month?",
       "기사가 가장 최근 결성됐다고 한 원팀과 그 시기는?",
       """SELECT ?l ?d WHERE { ?s a ot:Statement ; ot:about ?t ; ot:quote ?q .
                              ?t a ot:OneTeam ; rdfs:label ?l ; ot:foundingDate ?d .
                              FILTER(LANG(?l) = "ko" && LANG(?q) = "ko" && CONTAINS(?q, "가장 최근"))
                              FILTER NOT EXISTS { ?u a ot:OneTeam ; ot:foundingDate ?later FILTER(?later > ?d) } }""",
       {("메타버스 원팀", "2021-06")}),
    CQ("metaverse-company-count", (19,),
       "How many VR, AR and MR companies does the article say take part in the Metaverse One Team, and how many of them does it name?",
       "기사는 메타버스 원팀에 VR·AR·MR 관련 기업이 몇 개 참여한다고 하며, 그중 몇 곳의 이름을 밝히나?",
       """SELECT ?n (COUNT(DISTINCT ?m) AS ?named) WHERE {
            ?q a ot:Quantity ; dcterms:relation id:metaverse-one-team ; schema:value ?n .
            id:metaverse-one-team ot:hasMember ?m . ?m a ot:Company FILTER(?m != id:kt) } GROUP BY ?n""",
       {("9", "5")}),
    CQ("metaverse-association", (19,),
       "Which association takes part in the Metaverse One Team?",
       "메타버스 원팀에 참여하는 협회는?",
       """SELECT ?l WHERE { id:metaverse-one-team ot:hasMember ?o . ?o a ot:Association ; rdfs:label ?l
                           FILTER(LANG(?l) = "ko") }""",
       {"한국가상증강현실산업협회"}),
    CQ("metaverse-companies", (19,),
       "Which VR/AR/MR companies are named in the Metaverse One Team besides KT?",
       "메타버스 원팀에 KT 외에 이름이 나온 VR·AR·MR 기업은?",
       """SELECT ?l WHERE { id:metaverse-one-team ot:hasMember ?o . ?o a ot:Company ; rdfs:label ?l .
                           FILTER(?o != id:kt && LANG(?l) = "ko") }""",
       {"딜루션", "버넥트", "코아소프트", "위지윅스튜디오", "스마일게이트스토브"}),
    # -- paragraphs 20-21 ----------------------------------------------------
    CQ("closed-to-open-innovation", (20,),
       "Who described the One Teams as moving from closed to open innovation?",
       "원팀을 '닫힌 혁신'에서 '열린 혁신'으로 가는 모델로 평가한 사람은?",
       """SELECT ?who WHERE { ?s ot:quote ?q ; ot:speakerDescription ?who .
                             FILTER(CONTAINS(?q, "닫힌 혁신") && LANG(?q) = "ko" && LANG(?who) = "ko") }""",
       {"업계 관계자"}),
    CQ("insider-outlook", (21,),
       "In which paragraph does the insider say the One Teams could become a hub for various groups?",
       "원팀이 다양한 그룹이 모이는 주축이 될 수 있다는 전망은 몇 번째 문단에 있나?",
       """SELECT ?p WHERE { ?s ot:speakerDescription "업계 관계자"@ko ; ot:quote ?q ; ot:evidence/ot:paragraphNumber ?p .
                           FILTER(CONTAINS(?q, "주축")) }""",
       {"21"}),
    # -- across the article --------------------------------------------------
    CQ("in-several-one-teams", (4, 13, 15, 19),
       "Which organizations belong to more than one One Team?",
       "둘 이상의 원팀에 참여하는 기관은?",
       f"""SELECT ?o WHERE {{ {ONE_TEAMS} ?team ot:hasMember ?o }} GROUP BY ?o HAVING (COUNT(?team) > 1)""",
       {"id:kt", "id:kaist"}),
    CQ("in-several-consortia", (4, 11, 13),
       "Which organizations belong to more than one consortium of any kind?",
       "둘 이상의 협력체에 참여하는 기관은?",
       """SELECT ?o WHERE { ?c ot:hasMember ?o } GROUP BY ?o HAVING (COUNT(?c) > 1)""",
       {"id:kt", "id:kaist", "id:lg-electronics", "id:lg-uplus"}),
    CQ("named-members-per-team", (4, 13, 15, 16, 19),
       "How many members does the article name for each One Team?",
       "원팀별로 이름이 나온 참여 기관 수는?",
       f"""SELECT ?team (COUNT(?o) AS ?n) WHERE {{ {ONE_TEAMS} ?team ot:hasMember ?o }} GROUP BY ?team""",
       {("id:ai-one-team", "10"), ("id:cloud-one-team", "22"), ("id:b2b-one-team", "9"),
        ("id:gwanghwamun-one-team", "14"), ("id:metaverse-one-team", "7")}),
    CQ("founding-dates", (7, 12, 15, 16, 19),
       "When was each One Team founded?",
       "원팀별 결성 시기는?",
       f"""SELECT ?team ?d WHERE {{ {ONE_TEAMS} ?team ot:foundingDate ?d }}""",
       {("id:ai-one-team", "2020-02"), ("id:cloud-one-team", "2020-11"), ("id:b2b-one-team", "2021-05"),
        ("id:gwanghwamun-one-team", "2021-05"), ("id:metaverse-one-team", "2021-06")}),
    CQ("named-people", (1, 5, 9, 10),
       "Which people does the article name, with their titles?",
       "기사에 이름이 나온 인물과 직함은?",
       """SELECT ?n ?t WHERE { ?p a ot:Person ; rdfs:label ?n ; ot:jobTitle ?t FILTER(LANG(?n) = "ko" && LANG(?t) = "ko") }""",
       {("장두성", "상무"), ("김회린", "교수"), ("장준혁", "교수"), ("김태현", "교수"), ("이동근", "기자")}),
    CQ("kt-in-gwanghwamun", (12, 16),
       "Does the article list KT among the Gwanghwamun One Team's named participants?",
       "기사는 KT를 광화문 원팀의 참여 기관으로 명시하나?",
       """ASK { id:gwanghwamun-one-team ot:hasMember id:kt }""",
       False),
    # -- questions found missing in review -----------------------------------
    CQ("the-one-teams", (1, 12),
       "Which consortia are KT's One Teams?",
       "KT의 원팀은 어떤 것들인가?",
       """SELECT ?l WHERE { ?t a ot:OneTeam , ot:Consortium ; ot:ledBy id:kt ; rdfs:label ?l FILTER(LANG(?l) = "ko") }""",
       {"AI 원팀", "클라우드 원팀", "B2B 원팀", "광화문 원팀", "메타버스 원팀"}),
    CQ("in-ai-and-cloud", (4, 13),
       "Which organizations are in both the AI One Team and the Cloud One Team?",
       "AI 원팀과 클라우드 원팀에 모두 참여하는 기관은?",
       """SELECT ?l WHERE { id:ai-one-team ot:hasMember ?o . id:cloud-one-team ot:hasMember ?o .
                           ?o rdfs:label ?l FILTER(LANG(?l) = "ko") }""",
       {"KT", "한국과학기술원"}),
    CQ("etri-itself-not-in-cloud", (4, 13),
       "Is ETRI itself (not its Gwangju branch) a member of the Cloud One Team?",
       "ETRI 본원(광주분원이 아닌)이 클라우드 원팀에 참여하나?",
       """ASK { ?o skos:altLabel "ETRI"@en ; ot:memberOf id:cloud-one-team }""",
       False),
    CQ("etri-gwangju-by-article-name", (13,),
       "Which organization is '한국전자통신연구원(ETRI) 광주분원', and what is it a branch of?",
       "'한국전자통신연구원(ETRI) 광주분원'은 어느 기관의 분원인가?",
       """SELECT ?en ?parent WHERE { ?o skos:altLabel "한국전자통신연구원(ETRI) 광주분원"@ko ; rdfs:label ?en ;
                                         ot:subOrganizationOf/rdfs:label ?parent FILTER(LANG(?en) = "en" && LANG(?parent) = "ko") }""",
       {("ETRI Gwangju Branch", "한국전자통신연구원")}),
    CQ("kaist-by-abbreviation", (4, 9, 11, 13),
       "Which consortia does KAIST take part in?",
       "KAIST가 참여하는 협력체는?",
       """SELECT ?l WHERE { ?o skos:altLabel "KAIST"@ko ; ot:memberOf ?c . ?c rdfs:label ?l FILTER(LANG(?l) = "ko") }""",
       {"AI 원팀", "클라우드 원팀", "코로나19 확산예측 연구 얼라이언스"}),
    CQ("reporter", (1,),
       "Who is the reporter, and for which outlet?",
       "기사를 쓴 기자와 소속 매체는?",
       """SELECT ?name ?outlet WHERE { ?p a ot:Person ; ot:jobTitle "기자"@ko ; rdfs:label ?name ;
                                         ot:affiliatedWith/rdfs:label ?outlet FILTER(LANG(?name) = "ko" && LANG(?outlet) = "ko") }""",
       {("이동근", "뉴스프리존")}),
    CQ("what-is-p-tts", (8,),
       "What is P-TTS called in Korean, and what does the abbreviation stand for?",
       "P-TTS의 한국어 이름과 약어의 뜻은?",
       """SELECT ?ko ?full WHERE { ?t skos:altLabel "P-TTS"@en ; rdfs:label ?ko ; skos:altLabel ?full .
                                  FILTER(LANG(?ko) = "ko" && STRSTARTS(?full, "Personalized-")) }""",
       {("딥러닝 음성합성", "Personalized-Text To Speech")}),
    CQ("e2e-by-article-spelling", (8,),
       "Which technology does the article write as 'E2E(End-to-End 음성인식'?",
       "기사가 'E2E(End-to-End 음성인식'으로 쓴 기술은?",
       """SELECT ?l WHERE { ?t skos:altLabel "E2E(End-to-End 음성인식"@ko ; rdfs:label ?l FILTER(LANG(?l) = "en") }""",
       {"End-to-end (E2E) speech recognition"}),
    CQ("what-kt-invests", (6,),
       "What is KT investing in, and how much does the article say?",
       "KT가 투자하는 대상과 기사가 밝힌 규모는?",
       """SELECT ?what ?amount WHERE { id:kt ot:hasInitiative ?i . ?i rdfs:label ?what ; ot:investment/rdfs:label ?amount .
                                     FILTER(LANG(?what) = "ko" && LANG(?amount) = "ko") }""",
       {("대규모 GPU 서버 인프라 구축", "수백억원")}),
    CQ("jang-du-seong-said", (5,),
       "What did Jang Du-seong say, word for word?",
       "장두성 상무가 한 말은 원문으로 무엇인가?",
       """SELECT ?q WHERE { ?s ot:statedBy id:jang-du-seong ; ot:quote ?q FILTER(LANG(?q) = "ko") }""",
       {"올해 말까지 초거대 AI의 학습을 완료하고 내년 상반기 초거대 AI 모델을 상용화하겠다",
        "파라미터 2000억 개 규모로 만들고 향후 점진적으로 확대할 예정"}),
    CQ("open-innovation-definition", (2,),
       "How does the article define open innovation?",
       "기사는 오픈 이노베이션을 어떻게 정의하나?",
       """SELECT ?d WHERE { ?c rdfs:label "오픈 이노베이션"@ko ; skos:definition ?d FILTER(LANG(?d) = "ko") }""",
       {"기업이 업체, 대학, 연구기관과 컨소시엄을 구축하는 등 외부 전문가와 협업해 미래 기술 투자에 대한 불확실성을 효과적으로 줄이는 기술 확보 방식"}),
    CQ("open-innovation-statements", (2, 20),
       "Who characterizes the One Teams in terms of open innovation?",
       "원팀을 오픈 이노베이션(열린 혁신)으로 평가한 주체는?",
       """SELECT ?who WHERE { ?s ot:about ?c ; ot:speakerDescription ?who . ?c skos:altLabel "열린 혁신"@ko .
                             FILTER(LANG(?who) = "ko") }""",
       {"출처를 밝히지 않은 평가", "업계 관계자"}),
    CQ("spread-prevention-model", (11,),
       "Which companies joined to advance the infectious-disease spread prevention model, and when?",
       "감염병 확산방지 모델 고도화에 참여한 기업과 시기는?",
       """SELECT ?l ?d WHERE { id:covid19-spread-prediction-research-alliance ot:hasOutcome ?o .
                              ?o rdfs:label "감염병 확산방지 모델"@ko ; ot:developedBy ?org . ?org a ot:Organization ; rdfs:label ?l .
                              ?ms org:member ?org ; org:organization id:covid19-spread-prediction-research-alliance ; ot:asOf ?d .
                              FILTER(LANG(?l) = "ko") }""",
       {("LG전자", "2020-06"), ("LG유플러스", "2020-06")}),
    CQ("kt-kis-course-status-unstated", (11,),
       "Does the article say whether the KT-Korea Investment & Securities course has ended?",
       "기사는 KT-한국투자증권 과정이 끝났는지 밝히나?",
       """ASK { ?c rdfs:label "KT-한국투자증권 과정"@ko ; ot:status ?s }""",
       False),
    CQ("metaverse-stated-companies", (19,),
       "How does the article state the Metaverse One Team's participants?",
       "기사는 메타버스 원팀의 참여 규모를 어떻게 밝히나?",
       """ASK { id:metaverse-one-team dcterms:description ?d ; ot:statedMemberCount 11 .
               FILTER(LANG(?d) = "ko" && CONTAINS(?d, "9개 기업, 그리고 한국가상증강현실산업협회")) }""",
       True),
    CQ("membership-evidence-readme", (13,),
       "Which sentence states that the ETRI Gwangju branch takes part in the Cloud One Team?",
       "ETRI 광주분원의 클라우드 원팀 참여를 밝힌 문장은?",
       """SELECT ?p ?s WHERE { ?ms a ot:Membership ; org:member id:etri-gwangju-branch ; org:organization id:cloud-one-team ;
                                 ot:evidence ?e . ?e ot:paragraphNumber ?p ; ot:sentenceNumber ?s ; ot:quote ?q ;
                                 prov:wasQuotedFrom id:newsfreezone-kt-one-team-2021 .
                              FILTER(LANG(?q) = "ko" && CONTAINS(?q, "한국전자통신연구원(ETRI) 광주분원")) }""",
       {("13", "1")}),
]


def _term(term) -> str:
    if isinstance(term, pyoxigraph.NamedNode):
        return "id:" + term.value[len(ID):] if term.value.startswith(ID) else term.value
    return term.value


def _rows(result) -> set:
    rows = set()
    for solution in result:
        row = tuple(_term(solution[i]) for i in range(len(result.variables)))
        rows.add(row[0] if len(row) == 1 else row)
    return rows


def test_enough_questions_cover_every_paragraph():
    assert len(CASES) >= 40
    assert len({c.id for c in CASES}) == len(CASES)
    assert set().union(*(c.paragraphs for c in CASES)) == set(range(1, 22))
    for c in CASES:
        assert c.en.endswith("?") and c.ko.endswith("?"), c.id


@pytest.mark.parametrize("cq", CASES, ids=[c.id for c in CASES])
def test_competency_question(project_graph, cq: CQ):
    result = project_graph.query(PREFIXES + cq.sparql)
    if isinstance(cq.expected, bool):
        assert bool(result) is cq.expected, f"{cq.en} / {cq.ko}"
    else:
        assert _rows(result) == cq.expected, f"{cq.en} / {cq.ko} (paragraphs {cq.paragraphs})"
