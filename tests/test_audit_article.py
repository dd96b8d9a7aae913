"""Acceptance audit against the source article: the saved queries answer its facts as it states them.

End to end on the real server over the project's own data (the `server` fixture). Expected
values are read off the article (names as it writes them, its figures and units), never copied
from query output.
"""

from __future__ import annotations

from conftest import Server
from test_queries_answers import by, rows

ID = "https://w3id.org/onteam/id/"
# Paragraph 1: "AI 원팀을 시작으로 클라우드 원팀, B2B 원팀, 광화문 원팀, 메타버스 원팀 등이 운영 중이다."
ONE_TEAMS_KO = {"AI 원팀", "클라우드 원팀", "B2B 원팀", "광화문 원팀", "메타버스 원팀"}


def names(value: str) -> set[str]:
    return set(value.split(", "))


def test_search_for_one_team_lists_all_five_one_teams_on_the_first_page(server: Server) -> None:
    # "원팀" matches ~90 names (memberships, statements...): sorted by English label, the
    # Metaverse One Team fell on page 2.
    found = {row.get("label_ko") for row in rows(server, "search", q="원팀")}
    assert ONE_TEAMS_KO <= found
    english = {row.get("label_ko") for row in rows(server, "search", q="one team", lang="en")}
    assert ONE_TEAMS_KO <= english


def test_search_puts_the_resource_named_by_the_text_before_the_facts_that_mention_it(server: Server) -> None:
    assert rows(server, "search", q="메타버스")[0]["label_ko"] == "메타버스 원팀"
    assert [row["label_ko"] for row in rows(server, "search", q="광화문")[:2]] == ["광화문", "광화문 원팀"]
    assert rows(server, "search", q="Cloud One Team", lang="en")[0]["resource"] == ID + "cloud-one-team"
    assert rows(server, "search", q="LG")[0]["label_ko"] in {"LG전자", "LG유플러스"}


def test_outcome_developers_name_the_organizations_of_the_professors(server: Server) -> None:
    # Paragraphs 9-10: "KT와 KAIST 김회린 교수가 협력해 개발한 딥러닝 음성합성", "KT와 한양대 장준혁 교수가
    # 개발한 E2E 음성인식", "KT와 한양대 김태현 교수가 함께 연구한 무빙 픽처", "현대중공업그룹이 한양대
    # 장준혁 교수와 개발한 AI 기반 로봇 고장 진단 기술".
    expected = {
        "p-tts": {"KT", "한국과학기술원"},
        "e2e-speech-recognition": {"KT", "한양대"},
        "moving-picture": {"KT", "한양대"},
        "ai-robot-fault-diagnosis": {"현대중공업그룹", "한양대"},
    }
    for found in (by(rows(server, "outcomes"), "outcome"),
                  by(rows(server, "consortium-outcomes", consortium=ID + "ai-one-team"), "outcome")):
        assert {k: names(found[ID + k]["developer_organizations_ko"]) for k in expected} == expected
    tts = by(rows(server, "outcomes"), "outcome")[ID + "p-tts"]
    assert names(tts["developer_organizations"]) == {"KT", "Korea Advanced Institute of Science and Technology"}
    assert names(tts["developers_ko"]) == {"KT", "김회린"}  # the people stay among the developers


def test_social_economic_effect_comes_with_its_figure_unit_and_place(server: Server) -> None:
    # Paragraph 17: "광화문 일대에서 1억 7000만 원의 사회경제적 효과를 거뒀으며".
    effect = by(rows(server, "consortium-outcomes", consortium=ID + "gwanghwamun-one-team"), "outcome")[
        ID + "gwanghwamun-pilot-social-economic-effect"]
    assert (effect["figure_ko"], effect["figure"]) == ("1억 7000만 원", "170 million won")
    assert (effect["place_ko"], effect["place"]) == ("광화문", "Gwanghwamun")
    quantity = by(rows(server, "quantities"), "quantity")[ID + "quantity-gwanghwamun-pilot-effect"]
    assert (int(quantity["value"]), quantity["unit_code"]) == (170_000_000, "KRW")
    # Paragraph 5: "파라미터 2000억 개 규모로 만들고".
    model = by(rows(server, "outcomes"), "outcome")[ID + "hyperscale-ai-model"]
    assert model["figure_ko"] == "파라미터 2000억 개"


def test_timeline_names_every_dated_property_in_korean_and_english(server: Server) -> None:
    found = rows(server, "timeline")
    unnamed = [row["property"] for row in found if not row.get("property_label_ko") or not row.get("property_label_en")]
    assert unnamed == []
    published = [row for row in found if row["what"] == ID + "newsfreezone-kt-one-team-2021"]
    assert [(row["date"], row["property_label_ko"]) for row in published] == [("2021-09", "발행일")]


def test_organizations_give_kinds_and_consortia_in_korean_and_english(server: Server) -> None:
    found = by(rows(server, "organizations"), "organization")
    kaist = found[ID + "kaist"]
    assert (kaist["kinds_ko"], kaist["consortium_count"]) == ("대학", "3")
    # Paragraphs 4, 11, 13: KAIST in the AI and Cloud One Teams and the COVID-19 alliance.
    assert names(kaist["consortia_ko"]) == {"AI 원팀", "클라우드 원팀", "코로나19 확산예측 연구 얼라이언스"}
    assert names(kaist["consortia"]) == {"AI One Team", "Cloud One Team", "COVID-19 Spread Prediction Research Alliance"}
    assert names(found[ID + "jongno-gu-office"]["kinds_ko"]) == {"지방자치단체", "정부기관"}
    universities = rows(server, "organizations", kind="https://w3id.org/onteam/ontology#University")
    assert {row["label_ko"] for row in universities} == {"한국과학기술원", "한양대", "서울대", "포항공대", "서울과학기술대"}


def test_stated_member_counts_and_their_dates_are_the_articles(server: Server) -> None:
    # "총 22개 기관" as of "올해 초" (paragraph 13), "15곳(7월 기준)" (paragraph 16); the AI and B2B
    # One Teams state no count ("... 등이 참여").
    teams = by(rows(server, "one-teams"), "consortium")
    stated = {k[len(ID):]: (v.get("stated_member_count"), v.get("stated_member_count_as_of")) for k, v in teams.items()}
    assert stated["cloud-one-team"] == ("22", "2021-01")
    assert stated["gwanghwamun-one-team"] == ("15", "2021-07")
    assert stated["ai-one-team"] == stated["b2b-one-team"] == (None, None)
    assert {row["label_ko"] for row in teams.values()} == ONE_TEAMS_KO


def test_covid19_alliance_research_is_found_among_the_initiatives_with_its_results(server: Server) -> None:
    # Paragraph 11: "지난해 3월에는 KT가 시작한 '코로나19 확산예측 연구 얼라이언스'에 KAIST가 참여, 감염병
    # 해외유입 위험도 예측, 국내 확산지역 예측모델 등의 공동 연구성과를 거뒀고, 지난해 6월에는 LG전자와
    # LG유플러스가 참여해 감염병 확산방지 모델을 고도화하고".
    alliance = ID + "covid19-spread-prediction-research-alliance"
    initiatives = rows(server, "consortium-initiatives", consortium=alliance)
    assert sorted((row.get("start_date"), row["outcome_count"]) for row in initiatives) == [("2020-03", "2"), ("2020-06", "1")]
    outcomes = by(rows(server, "outcomes"), "outcome")
    for name in ("overseas-inflow-risk-prediction", "domestic-spread-region-prediction-model"):
        produced_by = names(outcomes[ID + name]["produced_by_ko"])
        assert "코로나19 확산예측 연구 얼라이언스" in produced_by and len(produced_by) == 2, produced_by
        assert names(outcomes[ID + name]["developer_organizations_ko"]) == {"KT", "한국과학기술원"}


def test_counts_nothing_points_to_say_what_they_count(server: Server) -> None:
    # Paragraph 8: "4종의 AI 기술 개발에 성공"; paragraph 19: "... 를 비롯한 9개 기업".
    found: dict[str, set[str]] = {}
    for row in rows(server, "quantities"):
        found.setdefault(row["value"] if "value" in row else row["quantity"], set()).add(row.get("subject_label_ko", ""))
    assert "AI 원팀 공동 연구개발" in found["4"]
    assert found["9"] == {"메타버스 원팀"}
    assert found["170000000"] == {"광화문 일대 사회경제적 효과"}


def test_evidence_names_the_sentence_of_the_paragraph(server: Server) -> None:
    # "총 22개 기관" is paragraph 13, sentence 1; "지난해 11월 출범한 '클라우드 원팀'" paragraph 12, sentence 3.
    found = rows(server, "evidence", resource=ID + "cloud-one-team")
    cited = {(row["paragraph"], row["sentence"]) for row in found if not row.get("via")}
    assert {("13", "1"), ("12", "3")} <= cited
    count = [row for row in found if (row["paragraph"], row["sentence"]) == ("13", "1")][0]
    assert "총 22개 기관" in count["quote_ko"]
