"""The project's saved queries answer the article's questions correctly, in Korean and English.

End to end on the real server over the project's own data (the `server` fixture): each test
asks what a user of the graph asks and checks the answer against the source article.
"""

from __future__ import annotations

from typing import Any

import pytest
from conftest import Server

ID = "https://w3id.org/onteam/id/"


def rows(server: Server, name: str, **params: str) -> list[dict[str, str]]:
    """The SELECT answer of /api/<name> as plain values (absent columns left out)."""
    response = server.client.get(f"/api/{name}", params=params, headers={"Accept": "application/sparql-results+json"})
    assert response.status_code == 200, response.text
    return [{k: v["value"] for k, v in row.items()} for row in response.json()["results"]["bindings"]]


def by(items: list[dict[str, str]], key: str) -> dict[str, dict[str, str]]:
    return {row[key]: row for row in items}


def test_one_teams_are_the_five_with_member_counts_founding_dates_and_both_names(server: Server) -> None:
    teams = by(rows(server, "one-teams"), "consortium")
    counts = {ID + k: v for k, v in {
        "ai-one-team": "10", "b2b-one-team": "9", "cloud-one-team": "22",
        "gwanghwamun-one-team": "14", "metaverse-one-team": "7",
    }.items()}
    assert {k: teams[k]["listed_member_count"] for k in counts} == counts
    assert set(teams) == set(counts)  # the COVID-19 research alliance is a consortium, not a One Team
    assert teams[ID + "ai-one-team"]["founding_date"] == "2020-02"
    assert teams[ID + "cloud-one-team"]["label_ko"] == "클라우드 원팀"
    assert teams[ID + "cloud-one-team"]["label_en"] == "Cloud One Team"
    assert teams[ID + "metaverse-one-team"]["leader_label_ko"] == "KT"
    assert teams[ID + "metaverse-one-team"]["leader_label_en"] == "KT"


def test_consortium_members_count_matches_the_article_with_korean_kinds_and_roles(server: Server) -> None:
    for team, count in (("ai-one-team", 10), ("b2b-one-team", 9), ("cloud-one-team", 22),
                        ("gwanghwamun-one-team", 14), ("metaverse-one-team", 7)):
        assert len(rows(server, "consortium-members", consortium=ID + team)) == count, team
    members = by(rows(server, "consortium-members", consortium=ID + "ai-one-team"), "member")
    kaist = members[ID + "kaist"]
    assert (kaist["label_ko"], kaist["kinds_ko"], kaist["kinds"]) == ("한국과학기술원", "대학", "university")
    assert (members[ID + "kt"]["roles"], members[ID + "kaist"]["roles_ko"]) == ("Lead", "참여")


def test_organizations_in_several_one_teams_are_told_from_other_consortia_in_both_languages(server: Server) -> None:
    found = by(rows(server, "multi-consortium-organizations"), "organization")
    assert found[ID + "kt"]["consortium_count"] == "5"
    assert found[ID + "kaist"]["consortium_count"] == "3"
    in_several_one_teams = {org for org, row in found.items() if int(row["one_team_count"]) >= 2}
    assert in_several_one_teams == {ID + "kt", ID + "kaist"}  # LG Electronics and LG Uplus: AI + COVID-19
    assert found[ID + "lg-uplus"]["one_team_count"] == "1"
    assert list(found)[:2] == [ID + "kt", ID + "kaist"]
    assert all(int(row["consortium_count"]) >= 2 for row in found.values())
    assert "클라우드 원팀" in found[ID + "kaist"]["consortia_ko"]
    assert "Cloud One Team" in found[ID + "kaist"]["consortia"]


def test_organizations_in_two_or_more_one_teams_are_kt_and_kaist(server: Server, data: Any) -> None:
    found = by(rows(server, "multi-one-team-organizations"), "organization")
    # The same question asked of the data file with rdflib, away from the server and its store.
    counted = data.query(
        "PREFIX ot: <https://w3id.org/onteam/ontology#> SELECT ?o (COUNT(DISTINCT ?t) AS ?n) "
        "WHERE { ?t a ot:OneTeam ; ot:hasMember ?o } GROUP BY ?o HAVING (COUNT(DISTINCT ?t) >= 2)"
    )
    assert {org: row["one_team_count"] for org, row in found.items()} == {str(o): str(n) for o, n in counted}
    assert list(found) == [ID + "kt", ID + "kaist"]  # the article: KT in four One Teams, KAIST in AI and Cloud
    assert set(found[ID + "kaist"]["one_teams_ko"].split(", ")) == {"AI 원팀", "클라우드 원팀"}
    assert set(found[ID + "kaist"]["one_teams"].split(", ")) == {"AI One Team", "Cloud One Team"}
    assert "COVID" not in found[ID + "kt"]["one_teams"]


def test_outcome_developers_and_uses_come_in_korean_and_english(server: Server) -> None:
    outcomes = by(rows(server, "consortium-outcomes", consortium=ID + "ai-one-team"), "outcome")
    tts = outcomes[ID + "p-tts"]
    assert set(tts["developers_ko"].split(", ")) == {"KT", "김회린"}
    assert set(tts["developers"].split(", ")) == {"KT", "Kim Hoe-rin"}
    assert "차세대 기가지니" in tts["applied_in_ko"]
    everything = by(rows(server, "outcomes"), "outcome")
    assert "AI 원팀" in everything[ID + "p-tts"]["produced_by_ko"].split(", ")


def test_universities_and_research_institutes_are_all_academic(server: Server) -> None:
    found = by(rows(server, "universities-and-research-institutes"), "organization")
    assert {ID + n for n in ("kaist", "hanyang-university", "postech", "etri")} <= set(found)
    assert {row["kind_label_ko"] for row in found.values()} == {"대학", "연구기관"}


def test_memberships_of_one_organization_carry_korean_roles_and_the_quote(server: Server) -> None:
    found = by(rows(server, "organization-memberships", organization=ID + "kaist"), "consortium")
    assert set(found) == {ID + "ai-one-team", ID + "cloud-one-team", ID + "covid19-spread-prediction-research-alliance"}
    cloud = found[ID + "cloud-one-team"]
    assert (cloud["role_label_ko"], cloud["role_label_en"]) == ("참여", "Member")
    assert "KAIST" in cloud["quote_ko"] and cloud["quote_en"]


def test_initiatives_give_status_and_description_in_both_languages(server: Server) -> None:
    found = by(rows(server, "consortium-initiatives", consortium=ID + "ai-one-team"), "initiative")
    programme = found[ID + "hyperscale-ai-model-programme"]
    assert (programme["status_label_ko"], programme["status_label_en"]) == ("진행 중", "In progress")
    assert programme["description_ko"] and programme["description_en"]


def test_search_matches_korean_and_english_names_without_repeating_them(server: Server) -> None:
    korean = {row["resource"] for row in rows(server, "search", q="클라우드 원팀", lang="ko")}
    english = {row["resource"] for row in rows(server, "search", q="cloud one team", lang="en")}
    assert ID + "cloud-one-team" in korean & english
    kaist = by(rows(server, "search", q="kaist"), "resource")[ID + "kaist"]
    names = kaist["matched_names"].split(" | ")
    assert len(names) == len(set(names))


@pytest.mark.parametrize("typed", ["  KAIST ", "\tkaist\n", "\u3000카이스트\u3000"])
def test_search_ignores_the_spaces_around_the_text(server: Server, typed: str) -> None:
    """A search box's text pasted with spaces (ASCII, tab, the ideographic U+3000) finds the name."""
    found = rows(server, "search", q=typed)
    assert found and found[0]["resource"] == ID + "kaist"


def test_timeline_is_in_date_order_with_korean_property_names(server: Server) -> None:
    found = rows(server, "timeline")
    dates = [row["date"] for row in found]
    assert dates == sorted(dates)
    founding = [row for row in found if row["property"].endswith("#foundingDate")]
    assert founding and all(row["property_label_ko"] == "결성일" for row in founding)


def test_kind_counts_cover_every_organization(server: Server) -> None:
    kinds: dict[str, Any] = by(rows(server, "kinds"), "label_en")
    assert kinds["university"]["organizations"] == "5"
    assert kinds["university"]["label_ko"] == "대학"
