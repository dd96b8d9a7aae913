"""The HTML pages over HTTP: languages, resource and consortium pages, ontology, network,
timeline, editor, saved queries, and that no page loads anything from another host."""

from __future__ import annotations

import re
from collections.abc import Iterator
from html.parser import HTMLParser

import pytest
from conftest import PROJECT_ROOT, Server, start_server
import httpx
from test_web_linkeddata import BROWSER_ACCEPT, write_root
from webdata import serve_with_saved_queries

from server import pages

HTML = {"Accept": BROWSER_ACCEPT}
PAGES = [
    "/",
    "/browse",
    "/id/ai-one-team",
    "/id/kaist",
    "/id/jang-du-seong",
    "/ontology",
    "/network",
    "/timeline",
    "/editor",
    "/queries",
    "/id/no-such-thing",
]


@pytest.fixture(scope="module")
def web(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    work = tmp_path_factory.mktemp("pages")
    running = start_server(work, "--memory", root=write_root(work / "root"))
    yield running
    running.stop()


class Assets(HTMLParser):
    """Collects what a page loads (scripts, styles, images, frames) and its lang attributes."""

    def __init__(self) -> None:
        super().__init__()
        self.loads: list[str] = []
        self.langs: list[str] = []
        self.ids: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        a = dict(attrs)
        if tag in ("script", "img", "iframe", "source", "audio", "video", "embed") and a.get("src"):
            self.loads.append(a["src"] or "")
        if tag == "link" and a.get("href") and a.get("rel") in ("stylesheet", "icon", "preload", "modulepreload"):
            self.loads.append(a["href"] or "")
        if tag == "object" and a.get("data"):
            self.loads.append(a["data"] or "")
        if a.get("lang"):
            self.langs.append(a["lang"] or "")
        if a.get("id"):
            self.ids.append(a["id"] or "")


def scan(html: str) -> Assets:
    parser = Assets()
    parser.feed(html)
    return parser


@pytest.mark.parametrize("path", PAGES)
def test_no_page_loads_anything_from_another_host(web: Server, path: str) -> None:
    response = web.client.get(path, headers=HTML)
    assert response.headers["content-type"].startswith("text/html")
    assets = scan(response.text)
    assert assets.loads, "every page loads at least its stylesheet"
    for url in assets.loads:
        assert not re.match(r"^([a-z]+:)?//", url, re.I), f"{path} loads {url} from another host"
        assert web.client.get(url).status_code == 200, f"{path} loads {url}, which is missing"


def test_stylesheets_fetch_nothing_from_another_host() -> None:
    for css in (PROJECT_ROOT / "server" / "static").rglob("*.css"):
        text = css.read_text(encoding="utf-8")
        assert not re.search(r"@import|url\(\s*['\"]?(https?:)?//", text), f"{css} fetches from another host"


@pytest.mark.parametrize("path", PAGES)
def test_every_page_is_accessible_basics(web: Server, path: str) -> None:
    text = web.client.get(path, headers=HTML).text
    assert re.search(r'<html lang="(en|ko)">', text)
    assert '<meta name="viewport" content="width=device-width, initial-scale=1">' in text
    assert '<a class="skip" href="#content">' in text and 'id="content"' in text
    assert "<h1" in text


@pytest.mark.parametrize("path", [*PAGES, "/network.svg", "/ontology/Consortium", "/context.jsonld"])
def test_head_answers_like_get_without_a_body(web: Server, path: str) -> None:
    get = web.client.get(path, headers=HTML)
    head = web.client.head(path, headers=HTML)
    assert head.status_code == get.status_code != 405
    assert head.headers.get("content-type") == get.headers.get("content-type")
    assert head.headers.get("location") == get.headers.get("location")
    assert head.content == b""


def test_head_of_a_saved_query_page_answers_like_get(saved: httpx.Client) -> None:
    for path in ("/queries/consortia", "/queries/no-such-query"):
        get, head = saved.get(path), saved.head(path)
        assert head.status_code == get.status_code
        assert head.headers["content-type"] == get.headers["content-type"]
        assert head.content == b""


def test_default_language_is_english(web: Server) -> None:
    response = web.client.get("/id/ai-one-team", headers=HTML)
    assert '<html lang="en">' in response.text
    assert "<h1 lang=\"en\">AI One Team</h1>" in response.text
    assert "set-cookie" not in response.headers


@pytest.mark.parametrize(
    ("accept_language", "expected"),
    [
        ("ko-KR,ko;q=0.9,en-US;q=0.8,en;q=0.7", "ko"),
        ("en-US,en;q=0.9,ko;q=0.8", "en"),
        ("en;q=0.3, ko;q=0.8", "ko"),
        ("fr-FR, ko;q=0.5", "ko"),
        ("fr-FR", "en"),
        ("ko;q=0", "en"),
    ],
)
def test_accept_language_sets_the_default(web: Server, accept_language: str, expected: str) -> None:
    response = web.client.get("/id/ai-one-team", headers={**HTML, "Accept-Language": accept_language})
    assert f'<html lang="{expected}">' in response.text
    assert "Accept-Language" in response.headers["vary"]


def test_lang_switch_is_remembered_in_a_cookie(web: Server) -> None:
    response = web.client.get("/id/ai-one-team?lang=ko", headers={**HTML, "Accept-Language": "en"})
    assert '<html lang="ko">' in response.text
    assert "<h1 lang=\"ko\">AI 원팀</h1>" in response.text
    cookie = response.headers["set-cookie"]
    assert cookie.startswith("lang=ko;") and "Path=/" in cookie and "SameSite=lax" in cookie
    again = web.client.get("/", headers={**HTML, "Accept-Language": "en", "Cookie": "lang=ko"})
    assert '<html lang="ko">' in again.text
    assert "원팀" in again.text and "set-cookie" not in again.headers


def test_unknown_lang_parameter_is_ignored(web: Server) -> None:
    response = web.client.get("/id/ai-one-team?lang=fr", headers={**HTML, "Cookie": "lang=ko"})
    assert '<html lang="ko">' in response.text
    assert "set-cookie" not in response.headers


def test_language_switch_link_keeps_the_page(web: Server) -> None:
    text = web.client.get("/id/kaist?lang=en", headers=HTML).text
    assert 'href="/id/kaist?lang=ko" hreflang="ko"' in text


@pytest.mark.parametrize("lang", ["en", "ko"])
def test_resource_page_shows_both_languages_labels(web: Server, lang: str) -> None:
    text = web.client.get(f"/id/kaist?lang={lang}", headers=HTML).text
    assert '<span lang="ko">한국과학기술원</span>' in text
    assert '<span lang="en">KAIST</span>' in text
    assert "University" in text or "대학" in text


def test_resource_page_labels_properties_from_the_ontology_in_the_current_language(web: Server) -> None:
    english = web.client.get("/id/kaist?lang=en", headers=HTML).text
    korean = web.client.get("/id/kaist?lang=ko", headers=HTML).text
    assert ">Member of</a>" in english
    assert ">참여 원팀</a>" in korean


def test_resource_page_links_resources_locally_by_label(web: Server) -> None:
    text = web.client.get("/id/kaist?lang=en", headers=HTML).text
    assert f'<a href="{web.base}/id/ai-one-team">AI One Team</a>' in text
    assert f'href="{web.base}/ontology#memberOf"' in text


def test_resource_page_shows_membership_evidence_in_both_languages(web: Server) -> None:
    text = web.client.get("/id/kaist?lang=en", headers=HTML).text
    assert '<blockquote lang="ko">AI 원팀은 KT가 중심이 돼서 운영되고 있으며' in text
    assert '<p class="translation" lang="en">The AI One Team is run with KT at its centre' in text
    assert f'<a href="{web.base}/id/newsfreezone-kt-one-team-2021">Newsfreezone article</a>' in text
    assert 'href="#quote-1"' in text and 'id="quote-1"' in text


def test_resource_page_shows_incoming_links(web: Server) -> None:
    text = web.client.get("/id/kt?lang=en", headers=HTML).text
    section = text.split('id="incoming"', 1)[1]
    assert "Affiliated with" in section and "Jang Du-seong" in section


def test_consortium_page_groups_members_by_kind_with_roles_and_timeline(web: Server) -> None:
    text = web.client.get("/id/ai-one-team?lang=en", headers=HTML).text
    members = text.split('id="members"', 1)[1].split("</section>\n</div>", 1)[0]
    assert ">Telecom company</a> <span class=\"muted\">(1)</span>" in members and "University" in members
    assert ">Company</a>" not in members  # KT is listed under its most specific kind only
    university = members.split("University", 1)[1]
    assert "Hanyang University" in university and "KAIST" in university
    assert "3 named members" in text and "the source states 10" in text
    assert 'id="roles"' in text and ">lead</a>" in text
    assert "Hyperscale AI model" in text.split('id="work"', 1)[1]
    timeline = text.split('id="timeline"', 1)[1]
    assert timeline.index("2020-02") < timeline.index("2021-05-31") < timeline.index("2021-07")
    assert '<blockquote lang="ko">이 팀은 지난해 2월 결성된 협력체로서</blockquote>' in text


def test_resource_page_shows_statements_about_it(web: Server) -> None:
    text = web.client.get("/id/ai-one-team?lang=en", headers=HTML).text
    section = text.split('id="statements"', 1)[1].split("</section>", 1)[0]
    assert '<blockquote lang="ko">성공적인 모델로 자리잡아 가고 있다</blockquote>' in section
    assert "it is becoming a successful model" in section and "an industry insider" in section


def test_consortium_page_in_korean(web: Server) -> None:
    text = web.client.get("/id/ai-one-team?lang=ko", headers=HTML).text
    assert "종류별 참여 기관" in text and "통신 기업" in text and "대학" in text
    assert "이름이 밝혀진 참여 기관 3곳" in text


def test_home_lists_consortia_with_named_and_stated_counts(web: Server) -> None:
    text = web.client.get("/?lang=en", headers=HTML).text
    row = text.split(f'href="{web.base}/id/ai-one-team"', 1)[1].split("</tr>", 1)[0]
    assert '<td class="num">3</td>' in row and "<strong>10</strong>" in row
    assert '<span class="muted" lang="ko">AI 원팀</span>' in row
    for link in ('href="/ontology"', 'href="/editor"', 'href="/queries"', 'href="/api"', 'href="/network"',
                 'href="/timeline"', 'href="/sparql"', 'href="/.well-known/void"', 'href="/browse#organizations"',
                 'href="/browse#people"', 'href="/browse#initiatives"', 'href="/browse#consortia"'):
        assert link in text, link


def test_browse_lists_every_kind(web: Server) -> None:
    text = web.client.get("/browse?lang=en", headers=HTML).text
    for anchor, name in (("consortia", "Cloud One Team"), ("organizations", "Hanyang University"),
                         ("people", "Jang Du-seong"), ("initiatives", "Hyperscale AI model")):
        assert name in text.split(f'id="{anchor}"', 1)[1].split("</section>", 1)[0]


def test_browse_groups_other_resources_by_their_class(web: Server) -> None:
    text = web.client.get("/browse?lang=en", headers=HTML).text
    memberships = text.split('id="other-ot-membership"', 1)[1].split("</section>", 1)[0]
    assert "Membership <span" in memberships and memberships.count("<li>") == 2
    assert 'id="other-org-membership"' not in text  # listed once, under the OnTeam class


def test_ontology_page_documents_each_term_from_the_graph(web: Server) -> None:
    english = web.client.get("/ontology?lang=en", headers=HTML).text
    term = english.split('id="hasMember"', 1)[1].split("</article>", 1)[0]
    assert '<span lang="en">has member</span>' in term and '<span lang="ko">참여 기관</span>' in term
    assert "The organization takes part." in term
    assert "domain" in term and 'href="#Consortium"' in term and "range" in term and 'href="#Organization"' in term
    assert "inverse" in term and 'href="#memberOf"' in term
    initiative = english.split('id="hasInitiative"', 1)[1].split("</article>", 1)[0]
    assert 'href="#Consortium"' in initiative.split("domain", 1)[1] and 'href="#Organization"' in initiative
    company = english.split('id="Company"', 1)[1].split("</article>", 1)[0]
    assert "superclasses" in company and 'href="#Organization"' in company
    korean = web.client.get("/ontology?lang=ko", headers=HTML).text
    assert "정의역" in korean and "클래스" in korean


def test_network_picture_is_server_rendered_svg(web: Server) -> None:
    text = web.client.get("/network?lang=en", headers=HTML).text
    svg = text.split("<svg", 1)[1].split("</svg>", 1)[0]
    assert svg.count('class="node node-consortium"') == 2
    assert svg.count('class="node node-shared"') == 2  # KT and KAIST are in both
    assert svg.count('class="node node-member"') == 1  # Hanyang University only in the AI One Team
    assert svg.count("<line") == 5
    shared = re.findall(r'class="node node-shared" data-iri="([^"]+)"', svg)
    assert sorted(shared) == ["https://w3id.org/onteam/id/kaist", "https://w3id.org/onteam/id/kt"]
    standalone = web.client.get("/network.svg")
    assert standalone.headers["content-type"].startswith("image/svg+xml")
    assert standalone.text.startswith('<svg xmlns="http://www.w3.org/2000/svg"')


def test_timeline_lists_dated_facts_in_order(web: Server) -> None:
    text = web.client.get("/timeline?lang=en", headers=HTML).text
    dates = re.findall(r'<time datetime="([^"]+)">', text)
    assert dates == sorted(dates) and {"2020-02", "2020-11", "2021-05-31"} <= set(dates)
    assert "Cloud One Team" in text and "founding date" in text


def test_editor_page_uses_local_yasgui_and_a_plain_form(web: Server) -> None:
    text = web.client.get("/editor", headers=HTML).text
    assert '<script src="/static/vendor/yasgui/yasgui.min.js"></script>' in text
    assert '<form id="plain-editor" class="plain-editor" method="get" action="/sparql">' in text
    assert f'"endpoint": "{web.base}/sparql"' in text
    assert '"ot": "https://w3id.org/onteam/ontology#"' in text
    licence = web.client.get("/static/vendor/yasgui/LICENSE")
    assert licence.status_code == 200 and "MIT" in licence.text


def test_queries_page_without_saved_queries_says_so(web: Server) -> None:
    text = web.client.get("/queries?lang=en", headers=HTML).text
    assert "No saved queries." in text
    response = web.client.get("/queries/consortium-members", headers=HTML)
    assert response.status_code == 404 and "No such saved query" in response.text


# ---- saved-query pages over an app that has saved queries on app.state ----


@pytest.fixture(scope="module")
def saved() -> Iterator[httpx.Client]:
    """An HTTP client on the real app with saved queries on app.state."""
    with serve_with_saved_queries() as base, httpx.Client(base_url=base, timeout=30) as client:
        yield client


def test_queries_page_lists_saved_queries_with_parameters(saved: httpx.Client) -> None:
    client = saved  # the app with saved queries
    text = client.get("/queries?lang=en").text
    assert '<a href="/queries/consortium-members">consortium-members</a>' in text
    assert "<code>consortium</code>*" in text and "Organizations that take part in a consortium" in text


def test_saved_query_form_shows_its_parameters_before_running(saved: httpx.Client) -> None:
    client = saved  # the app with saved queries
    response = client.get("/queries/consortium-members?lang=en")
    assert response.status_code == 200
    assert '<input id="param-consortium" name="param-consortium" value="" required list="resources">' in response.text
    assert 'id="results"' not in response.text


def test_saved_query_form_runs_with_substituted_parameters(saved: httpx.Client) -> None:
    client = saved  # the app with saved queries
    response = client.get("/queries/consortium-members", params={"param-consortium": "ai-one-team", "run": "1", "lang": "en"})
    assert response.status_code == 200
    body = response.text.split('id="results"', 1)[1].split("<tbody>", 1)[1].split("</tbody>", 1)[0]
    rows = body.split("<tr>")[1:]
    assert len(rows) == 3
    assert "Hanyang University" in rows[0] and "KAIST" in rows[1] and "KT" in rows[2]
    assert f'href="{str(client.base_url).rstrip("/")}/id/kaist">id:kaist</a>' in response.text


def test_saved_query_without_required_parameter_is_400_naming_it(saved: httpx.Client) -> None:
    client = saved  # the app with saved queries
    response = client.get("/queries/consortium-members", params={"run": "1"})
    assert response.status_code == 400
    assert "Missing required parameter &#39;consortium&#39;" in response.text


def test_saved_query_without_parameters_runs_at_once(saved: httpx.Client) -> None:
    client = saved  # the app with saved queries
    text = client.get("/queries/consortia").text
    assert "2 rows" in text and "id:ai-one-team" in text


def test_editor_offers_saved_queries_as_tabs(saved: httpx.Client) -> None:
    client = saved  # the app with saved queries
    text = client.get("/editor").text
    assert '"name": "consortium-members"' in text and "?_consortium_iri ot:hasMember ?org" in text


def test_real_data_ai_one_team_page(server: Server) -> None:
    text = server.client.get("/id/ai-one-team?lang=ko", headers=HTML).text
    assert "AI 원팀" in text and "KT" in text
    home = server.client.get("/?lang=en", headers=HTML).text
    assert home.count('href="' + server.base + "/id/") >= 5


def test_headings_capitalise_labels_but_not_curies() -> None:
    ucfirst = pages.templates.env.filters["ucfirst"]
    assert ucfirst("telecom company") == "Telecom company"
    assert ucfirst("dcterms:description") == "dcterms:description"
    assert ucfirst("통신 기업") == "통신 기업"


def test_real_saved_query_page_lists_the_ai_one_team_members(server: Server) -> None:
    response = server.client.get(
        "/queries/consortium-members", params={"param-consortium": "ai-one-team", "run": "1", "lang": "en"},
        headers=HTML,
    )
    assert response.status_code == 200, response.text
    table = response.text.split('id="results"', 1)[1]
    for member in ("Hanyang University", "Woori Bank", "Dongwon Group", "LG Uplus"):
        assert member in table


class HeadLinks(HTMLParser):
    """The <link rel="alternate"> elements of a page: (type, href)."""

    def __init__(self) -> None:
        super().__init__()
        self.alternates: list[tuple[str, str]] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        a = dict(attrs)
        if tag == "link" and a.get("rel") == "alternate":
            self.alternates.append((a.get("type") or "", a.get("href") or ""))


@pytest.mark.parametrize("path", ["/id/kaist", "/ontology"])
def test_page_head_links_every_rdf_representation(web: Server, path: str) -> None:
    links = HeadLinks()
    links.feed(web.client.get(path, headers=HTML).text)
    types = dict(links.alternates)
    for ext, media in (("ttl", "text/turtle"), ("jsonld", "application/ld+json"),
                       ("nt", "application/n-triples"), ("rdf", "application/rdf+xml")):
        assert types[media].endswith(f"{path}.{ext}")
        response = web.client.get(types[media])  # each link answers in the type it announces
        assert response.status_code == 200
        assert response.headers["content-type"].split(";")[0] == media


def test_footer_is_translated_on_korean_pages(web: Server) -> None:
    korean = web.client.get("/browse", params={"lang": "ko"}, headers=HTML).text
    footer = korean[korean.index('<footer'):]
    assert "JSON-LD 컨텍스트" in footer and "JSON-LD context" not in footer
    english = httpx.get(web.base + "/browse", params={"lang": "en"}, headers=HTML).text
    assert "JSON-LD context" in english[english.index('<footer'):]


@pytest.mark.parametrize(("headers", "expected"), [({"Accept-Language": "ko"}, "ko"), ({}, "en")])
def test_pages_say_their_language_in_content_language(web: Server, headers: dict[str, str], expected: str) -> None:
    response = httpx.get(web.base + "/id/kaist", headers={**HTML, **headers})  # no cookie from earlier tests
    assert response.headers["content-language"] == expected
    assert f'<html lang="{expected}">' in response.text


@pytest.mark.parametrize(("lang", "name"), [("ko", "설명"), ("en", "Description")])
def test_properties_of_other_vocabularies_are_named_in_the_page_language(server: Server, lang: str, name: str) -> None:
    page = server.client.get("/id/kt", params={"lang": lang}, headers=HTML).text
    row = re.search(r'<th scope="row"><a href="http://purl\.org/dc/terms/description"[^>]*>([^<]*)</a>', page)
    assert row and row.group(1) == name
    assert "dcterms:" not in page  # no property left as a CURIE


def _api_link(text: str) -> str | None:
    found = re.search(r'<a href="(/api/[^"]*)">API</a>', text)
    return found.group(1).replace("&amp;", "&") if found else None


def test_saved_query_page_links_the_api_call_it_shows(saved: httpx.Client) -> None:
    client = saved  # the app with saved queries
    page = client.get("/queries/consortium-members", params={"param-consortium": "ai-one-team", "run": "1", "lang": "en"})
    link = _api_link(page.text)
    assert link == "/api/consortium-members?consortium=https%3A%2F%2Fw3id.org%2Fonteam%2Fid%2Fai-one-team"
    answer = client.get(link, headers={"Accept": "application/sparql-results+json"})
    assert answer.status_code == 200, answer.text
    assert len(answer.json()["results"]["bindings"]) == page.text.split("<tbody>", 1)[1].count("<tr>") == 3


def test_saved_query_page_links_no_api_call_before_its_required_parameters_are_given(saved: httpx.Client) -> None:
    client = saved  # the app with saved queries
    text = client.get("/queries/consortium-members?lang=en").text
    assert _api_link(text) is None  # /api/consortium-members alone would be a 400
    assert "<code>/api/consortium-members?consortium=…</code>" in text
    failed = client.get("/queries/consortium-members", params={"run": "1", "lang": "en"})
    assert failed.status_code == 400 and _api_link(failed.text) is None


def test_saved_query_page_without_parameters_links_its_api_call(saved: httpx.Client) -> None:
    client = saved  # the app with saved queries
    link = _api_link(client.get("/queries/consortia?lang=en").text)
    assert link == "/api/consortia"
    assert client.get(link).status_code == 200
