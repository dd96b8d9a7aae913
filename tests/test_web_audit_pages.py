"""Acceptance audit of the HTML pages as their readers see them, over the real server: what a
reader can reach from a page (every page of a paginated saved query), error pages for
browsers on every page path, and the project's pages crawled from the home page in both
languages (structure, links, alternates)."""

from __future__ import annotations

import json
import re
import xml.etree.ElementTree as ET
from collections.abc import Callable, Iterator
from html.parser import HTMLParser
from pathlib import Path

import httpx
import pytest
from conftest import Server, start_server, write_project

from server.linkeddata import split_extension

BROWSER = {"Accept": "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8"}

ITEMS = """\
@prefix rdfs: <http://www.w3.org/2000/01/rdf-schema#> .
@prefix id: <https://w3id.org/onteam/id/> .
id:item-1 rdfs:label "one"@en, "하나"@ko .
id:item-2 rdfs:label "two"@en, "둘"@ko .
id:item-3 rdfs:label "three"@en, "셋"@ko .
id:item-4 rdfs:label "four"@en, "넷"@ko .
id:item-5 rdfs:label "five"@en, "다섯"@ko .
"""
PAGED_QUERY = """\
#+ summary: Every item, two a page
#+ summary_ko: 모든 항목, 한 쪽에 둘씩
#+ pagination: 2
PREFIX rdfs: <http://www.w3.org/2000/01/rdf-schema#>
SELECT ?item ?label_en WHERE { ?item rdfs:label ?label_en FILTER(LANG(?label_en) = "en") } ORDER BY ?item
"""


@pytest.fixture(scope="module")
def paged(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    """A server whose one saved query has five rows, two a page."""
    work = tmp_path_factory.mktemp("audit-pages")
    root = write_project(work / "root", ITEMS, queries={"items": PAGED_QUERY})
    running = start_server(work, "--memory", root=root)
    yield running
    running.stop()


class Links(HTMLParser):
    """The page's links by rel, and the rows of its results table."""

    def __init__(self) -> None:
        super().__init__()
        self.rel: dict[str, str] = {}
        self.rows = 0

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        a = {k: v or "" for k, v in attrs}
        if tag == "a" and a.get("rel"):
            self.rel[a["rel"]] = a.get("href", "")
        if tag == "tr":
            self.rows += 1


def links_of(text: str) -> Links:
    parser = Links()
    parser.feed(text)
    return parser


def cells(text: str) -> list[str]:
    body = text.split("<tbody>", 1)[1].split("</tbody>", 1)[0]
    return re.findall(r">(one|two|three|four|five)<", body)


def test_paginated_saved_query_page_links_to_its_next_page(paged: Server) -> None:
    first = paged.client.get("/queries/items?lang=en", headers=BROWSER)
    assert first.status_code == 200
    assert cells(first.text) == ["one", "two"]
    links = links_of(first.text)
    assert "prev" not in links.rel
    assert links.rel["next"] == "/queries/items?lang=en&page=2"


def test_paginated_saved_query_page_shows_the_page_asked_for(paged: Server) -> None:
    second = paged.client.get("/queries/items?page=2&lang=en", headers=BROWSER)
    assert second.status_code == 200
    assert cells(second.text) == ["three", "four"]
    links = links_of(second.text)
    assert links.rel["prev"] == "/queries/items?lang=en&page=1"
    assert links.rel["next"] == "/queries/items?lang=en&page=3"
    assert 'href="/api/items?page=2"' in second.text  # the API link is this page's call


def test_last_page_of_a_saved_query_has_no_next_link(paged: Server) -> None:
    last = paged.client.get("/queries/items?page=3&lang=ko", headers=BROWSER)
    assert cells(last.text) == ["five"]
    links = links_of(last.text)
    assert "next" not in links.rel and links.rel["prev"] == "/queries/items?lang=ko&page=2"
    assert "3쪽" in last.text


@pytest.mark.parametrize("page", ["0", "two", "-1"])
def test_saved_query_page_number_that_is_not_one_is_400(paged: Server, page: str) -> None:
    response = paged.client.get(f"/queries/items?page={page}&lang=en", headers=BROWSER)
    assert response.status_code == 400
    assert "Parameter &#39;page&#39;" in response.text


# ---- error pages for browsers on the resource pages (/id/..., /ontology) ----


@pytest.mark.parametrize("path", ["/id/kt", "/id/no-such-thing", "/ontology", "/ontology/Consortium"])
@pytest.mark.parametrize(("lang", "title"), [("en", "Method not allowed"), ("ko", "허용되지 않는 요청 방식")])
def test_405_on_a_resource_page_from_a_browser_form_is_an_html_page(server: Server, path: str, lang: str, title: str) -> None:
    response = server.client.post(path, headers={**BROWSER, "Accept-Language": lang})
    assert response.status_code == 405
    assert response.headers["allow"] == "GET, HEAD"
    assert response.headers["content-type"].startswith("text/html")
    assert f'<html lang="{lang}"' in response.text and f"<h1>{title}</h1>" in response.text


@pytest.mark.parametrize(("path", "accept"), [("/id/kt", "application/json"), ("/id/kt.ttl", BROWSER["Accept"]), ("/ontology", "text/turtle")])
def test_405_on_a_resource_for_other_clients_or_formats_stays_json(server: Server, path: str, accept: str) -> None:
    response = server.client.post(path, headers={"Accept": accept})
    assert response.status_code == 405
    assert response.json()["status"] == 405


# ---- the network picture: names are text, never markup ----

SVG = "{http://www.w3.org/2000/svg}"
MARKUP_NAMES = """\
@prefix ot: <https://w3id.org/onteam/ontology#> .
@prefix rdfs: <http://www.w3.org/2000/01/rdf-schema#> .
@prefix id: <https://w3id.org/onteam/id/> .
id:team a ot:Consortium ; rdfs:label "R&D <One> Team"@en, "R&D 원팀"@ko ; ot:hasMember id:evil .
id:evil rdfs:label "<script>alert(1)</script>"@en, "<b>악성</b>"@ko .
"""


def test_network_svg_is_well_formed_xml_when_names_hold_ampersands(server: Server) -> None:
    response = server.client.get("/network.svg?lang=en")
    assert response.status_code == 200
    svg = ET.fromstring(response.content)  # "Korea Investment & Securities" must be &amp;
    titles = {t.text for t in svg.iter(SVG + "title")}
    assert "Korea Investment & Securities" in titles and "TmaxA&C" in titles


@pytest.mark.parametrize("lang", ["en", "ko"])
def test_network_page_escapes_markup_in_names(make_server: Callable[..., Server], make_root: Callable[..., Path], lang: str) -> None:
    running = make_server("--memory", root=make_root(MARKUP_NAMES))
    page = running.client.get(f"/network?lang={lang}", headers=BROWSER).text
    assert "<script>alert(1)" not in page and "<b>악성" not in page and "<One>" not in page
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in page or "&lt;b&gt;악성&lt;/b&gt;" in page
    svg = ET.fromstring(running.client.get(f"/network.svg?lang={lang}").content)
    texts = {t.text for t in svg.iter(SVG + "title")}
    assert {"<script>alert(1)</script>", "<b>악성</b>"} & texts


# ---- the editor's configuration script: any query text stays inside it ----


@pytest.mark.parametrize("query", ["# <!--<script>\nSELECT * WHERE { ?s ?p ?o }", "# </script><p>x</p>\nASK {}"])
def test_editor_config_script_holds_any_query_without_ending_early(server: Server, query: str) -> None:
    # "<!--<script>" in a script puts the HTML parser in its double-escaped state, where the
    # real </script> no longer ends the element: the rest of the page would become script text.
    page = server.client.get("/editor", params={"query": query, "lang": "en"}, headers=BROWSER).text
    raw = page.split('<script type="application/json" id="editor-config">', 1)[1].split("</script>", 1)[0]
    assert "<" not in raw
    assert json.loads(raw)["query"] == query
    assert '<script src="/static/editor.js"></script>' in page.split(raw, 1)[1]


# ---- labels tagged with a region (en-GB, ko-KR) are in the page's language ----

REGIONAL_LABELS = """\
@prefix rdfs: <http://www.w3.org/2000/01/rdf-schema#> .
@prefix id: <https://w3id.org/onteam/id/> .
id:colour-team a <https://w3id.org/onteam/ontology#Organization> ; rdfs:label "Colour team"@en-GB, "색깔 팀"@ko-KR .
id:linker rdfs:label "Linker"@en, "링커"@ko ; rdfs:seeAlso id:colour-team .
id:regional-team a <https://w3id.org/onteam/ontology#Consortium> ; rdfs:label "Regional team"@en-GB, "지역 팀"@ko-KR .
"""


class Heading(HTMLParser):
    """The h1's text and lang, the title, and the text of links to /id/colour-team."""

    def __init__(self) -> None:
        super().__init__()
        self.h1_lang: str | None = None
        self.h1 = self.title = ""
        self.links: list[str] = []
        self._in: str | None = None

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        a = dict(attrs)
        if tag == "h1":
            self._in, self.h1_lang = "h1", a.get("lang")
        elif tag == "title" and not self.title:
            self._in = "title"
        elif tag == "a" and (a.get("href") or "").endswith("/id/colour-team"):
            self._in = "a"
            self.links.append("")

    def handle_endtag(self, tag: str) -> None:
        if tag in ("h1", "title", "a"):
            self._in = None

    def handle_data(self, data: str) -> None:
        if self._in == "h1":
            self.h1 += data.strip()
        elif self._in == "title":
            self.title += data
        elif self._in == "a":
            self.links[-1] += data.strip()


@pytest.fixture(scope="module")
def regional(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    work = tmp_path_factory.mktemp("audit-regional")
    running = start_server(work, "--memory", root=write_project(work / "root", REGIONAL_LABELS))
    yield running
    running.stop()


def heading(server: Server, path: str) -> Heading:
    parser = Heading()
    parser.feed(server.client.get(path, headers=BROWSER).text)
    return parser


@pytest.mark.parametrize(("lang", "label"), [("en", "Colour team"), ("ko", "색깔 팀")])
def test_resource_page_heading_uses_the_regional_label_of_its_language(regional: Server, lang: str, label: str) -> None:
    page = heading(regional, f"/id/colour-team?lang={lang}")
    assert page.h1 == label and (page.h1_lang or lang).split("-")[0] == lang
    assert page.title.startswith(label + " ·")
    text = regional.client.get(f"/id/colour-team?lang={lang}", headers=BROWSER).text
    assert '<span lang="en-gb">Colour team</span>' in text and '<span lang="ko-kr">색깔 팀</span>' in text  # both names


@pytest.mark.parametrize(("lang", "label"), [("en", "Colour team"), ("ko", "색깔 팀")])
def test_links_and_lists_name_a_resource_by_its_regional_label(regional: Server, lang: str, label: str) -> None:
    assert heading(regional, f"/id/linker?lang={lang}").links == [label]
    assert heading(regional, f"/browse?lang={lang}").links == [label]


# ---- counts of one are singular in English ----


def test_one_result_row_is_one_row_not_one_rows(paged: Server) -> None:
    text = paged.client.get("/queries/items?page=3&lang=en", headers=BROWSER).text
    assert '<p class="muted">1 row</p>' in text


def test_a_consortium_of_one_is_one_named_member_and_one_consortium(make_server: Callable[..., Server], make_root: Callable[..., Path]) -> None:
    running = make_server("--memory", root=make_root(MARKUP_NAMES))
    page = running.client.get("/id/team?lang=en", headers=BROWSER).text
    assert "1 named member<" in page and "1 named members" not in page
    svg = ET.fromstring(running.client.get("/network.svg?lang=en").content)
    assert next(svg.iter(SVG + "desc")).text.startswith("1 consortium;")


# ---- every kind of page: structure, links and alternates, in both languages ----


class Structure(HTMLParser):
    """What a valid page needs once: <html lang>, a <title>, one <h1>, unique ids; and what
    it links to (href, src) and its typed alternates."""

    def __init__(self) -> None:
        super().__init__()
        self.html_lang: str | None = None
        self.titles = self.h1s = 0
        self.ids: list[str] = []
        self.links: set[str] = set()
        self.alternates: dict[str, str] = {}

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        a = {k: v or "" for k, v in attrs}
        self.html_lang = a.get("lang") if tag == "html" else self.html_lang
        self.titles += tag == "title" and self.h1s == 0 and "id" not in a  # the document's, not the SVG's
        self.h1s += tag == "h1"
        self.ids += [a["id"]] if a.get("id") else []
        for key in ("href", "src"):
            if a.get(key):
                self.links.add(a[key])
        if tag == "link" and a.get("rel") == "alternate" and a.get("type"):
            self.alternates[a["type"]] = a.get("href", "")


def local_path(server: Server, url: str) -> str | None:
    """The path and query of a link to this server (None for another host or a fragment)."""
    if url.startswith(server.base):
        url = url[len(server.base):]
    if not url.startswith("/") or url.startswith("//"):
        return None
    return url.split("#", 1)[0]


@pytest.fixture(scope="module")
def every_kind(server: Server) -> dict[tuple[str, str], Structure]:
    """One page of each kind (as the i18n crawl picks them) in each language, parsed."""
    from test_web_i18n import crawl_paths

    found = {}
    for path in crawl_paths(server):
        for lang in ("en", "ko"):
            response = server.client.get(f"{path}{'&' if '?' in path else '?'}lang={lang}", headers=BROWSER)
            assert response.status_code in (200, 400, 404), (path, response.status_code)
            page = Structure()
            page.feed(response.text)
            found[(path, lang)] = page
    return found


def test_every_kind_of_page_has_its_language_a_title_one_h1_and_unique_ids(every_kind: dict[tuple[str, str], Structure]) -> None:
    problems = []
    for (path, lang), page in every_kind.items():
        duplicated = sorted({i for i in page.ids if page.ids.count(i) > 1})
        if page.html_lang != lang or page.titles != 1 or page.h1s != 1 or duplicated:
            problems.append(f"{path} ({lang}): lang={page.html_lang} titles={page.titles} h1={page.h1s} ids={duplicated}")
    assert not problems, "\n".join(problems)


def without_lang(path: str) -> str:
    """A link with its `lang` parameter dropped: both languages of a page answer alike."""
    base, _, query = path.partition("?")
    kept = "&".join(p for p in query.split("&") if p and not p.startswith("lang="))
    return f"{base}?{kept}" if kept else base


def test_every_link_of_every_kind_of_page_answers(server: Server, every_kind: dict[tuple[str, str], Structure]) -> None:
    # /id/ links are checked against the graph in one query; every other target is fetched once.
    rows = server.client.get(
        "/sparql",
        params={"query": "SELECT DISTINCT ?x WHERE { { ?x ?p ?o } UNION { ?s ?p ?x } FILTER(isIRI(?x)) }"},
        headers={"Accept": "text/csv"},
    ).text.split()
    known = {"/id/" + iri.split("/id/", 1)[1] for iri in rows if iri.startswith("https://w3id.org/onteam/id/")}
    targets = {
        without_lang(p)
        for (own, _), page in every_kind.items()
        for url in page.links
        # A 404 page links to itself (its other language): that link answers what the page did.
        if (p := local_path(server, url)) and p.split("?")[0] != own.split("?")[0]
    }
    broken = sorted(p for p in targets if p.startswith("/id/") and split_extension(p.split("?")[0])[0] not in known)
    for path in sorted(t for t in targets if not t.startswith("/id/")):
        status = server.client.get(path, headers=BROWSER).status_code
        if status not in (200, 303):
            broken.append(f"{path}: {status}")
    assert not broken, broken


def test_every_typed_alternate_answers_in_its_type(server: Server, every_kind: dict[tuple[str, str], Structure]) -> None:
    alternates = {(media, local_path(server, url) or url) for page in every_kind.values() for media, url in page.alternates.items()}
    assert {"text/turtle", "application/ld+json"} <= {media for media, _ in alternates}
    for media, url in sorted(alternates):
        response = server.client.get(url)
        assert response.status_code == 200, url
        assert response.headers["content-type"].split(";")[0] == media, url


# ---- ?lang= is a language tag: case-insensitive, a region is its language ----


@pytest.mark.parametrize(("asked", "lang"), [("KO", "ko"), ("ko-KR", "ko"), ("En", "en"), ("en-US", "en")])
def test_lang_parameter_is_read_as_a_language_tag(server: Server, asked: str, lang: str) -> None:
    other = "en" if lang == "ko" else "ko"
    with httpx.Client(base_url=server.base, timeout=30) as client:
        response = client.get(f"/browse?lang={asked}", headers={**BROWSER, "Accept-Language": other})
    assert f'<html lang="{lang}">' in response.text and response.headers["content-language"] == lang
    assert f"lang={lang};" in response.headers["set-cookie"]


# ---- dates with a time zone are written in the page's language too ----


@pytest.mark.parametrize(
    ("value", "lang", "shown"),
    [
        ("2021-05-31+09:00", "en", "31 May 2021 (UTC+09:00)"),
        ("2021-05-31+09:00", "ko", "2021년 5월 31일 (UTC+09:00)"),
        ("2021-05Z", "ko", "2021년 5월 (UTC)"),
        ("2021-05:00", "en", "2021 (UTC-05:00)"),  # a gYear five hours behind UTC, not May
        ("2021-05", "en", "May 2021"),
    ],
)
def test_dates_with_a_time_zone_are_written_in_the_page_language(value: str, lang: str, shown: str) -> None:
    from server.i18n import format_date

    assert format_date(value, lang) == shown


ZONED = """\
@prefix rdfs: <http://www.w3.org/2000/01/rdf-schema#> .
@prefix xsd: <http://www.w3.org/2001/XMLSchema#> .
@prefix id: <https://w3id.org/onteam/id/> .
id:meeting rdfs:label "Meeting"@en, "회의"@ko ; <http://purl.org/dc/terms/date> "2021-05-31+09:00"^^xsd:date .
"""


def test_resource_page_writes_a_zoned_date_in_korean(make_server: Callable[..., Server], make_root: Callable[..., Path]) -> None:
    running = make_server("--memory", root=make_root(ZONED))
    text = running.client.get("/id/meeting?lang=ko", headers=BROWSER).text
    assert '<time datetime="2021-05-31+09:00">2021년 5월 31일 (UTC+09:00)</time>' in text


@pytest.mark.parametrize(("lang", "label", "other"), [("en", "Regional team", "지역 팀"), ("ko", "지역 팀", "Regional team")])
def test_home_names_each_consortium_in_both_languages_with_regional_labels(regional: Server, lang: str, label: str, other: str) -> None:
    text = regional.client.get(f"/?lang={lang}", headers=BROWSER).text
    row = text.split("/id/regional-team", 1)[1].split("</td>", 1)[0]
    assert f">{label}</a>" in row and f">{other}</span>" in row
