"""Every page in Korean and in English: no untranslated interface text, labels instead of CURIEs,
dates in the reader's language, `lang` on values in the other language, titles, descriptions
and hreflang alternates. The templates and string tables are checked statically; the pages are
crawled on the real server over the project's own data (one page of each kind, every saved query).
"""

from __future__ import annotations

import re
from functools import lru_cache
from html.parser import HTMLParser
from pathlib import Path
from typing import Any
import pytest
from conftest import PROJECT_ROOT, Server
from jinja2 import nodes

from server import i18n, pages, webmodel
from server.queries import SavedQuery, load_saved_queries

HTML = {"Accept": "text/html"}
LANGS = ("en", "ko")
HANGUL = re.compile(r"[\uac00-\ud7a3\u3131-\u318e]")
LATIN_WORD = re.compile(r"[A-Za-z][A-Za-z'’]+")
# Names of formats, standards and the service itself: the same in both languages.
TECHNICAL = {
    "OnTeam", "SPARQL", "Turtle", "JSON", "LD", "N-Triples", "Triples", "RDF", "XML", "VoID", "API",
    "SVG", "CSV", "TSV", "KT", "AI", "IRI", "URI", "HTML", "YASGUI",
}
SKIPPED = {"code", "pre", "script", "style", "textarea", "datalist"}
CURIE = re.compile(r"^(?:ot|org|prov|rdf|rdfs|owl|xsd|skos|dcterms|foaf|schema|vann|sh):[A-Za-z][\w.-]*$")
TEMPLATES = Path(pages.HERE) / "templates"


# ---- the templates and string tables ----


def t_calls() -> list[tuple[str, nodes.Call]]:
    """Every `t(en, ko)` call in the templates, with its template's name."""
    found = []
    for path in sorted(TEMPLATES.iterdir()):
        tree = pages.templates.env.parse(path.read_text(encoding="utf-8"))
        found += [(path.name, c) for c in tree.find_all(nodes.Call) if isinstance(c.node, nodes.Name) and c.node.name == "t"]
    return found


def literal_text(node: nodes.Node) -> str | None:
    """The string of a constant, or of the left side of `"... %d" % n`."""
    if isinstance(node, nodes.Const) and isinstance(node.value, str):
        return node.value
    if isinstance(node, nodes.Mod):
        return literal_text(node.left)
    return None


def test_every_template_string_has_english_and_korean() -> None:
    calls = t_calls()
    assert len(calls) > 100  # the templates' interface text goes through t()
    for name, call in calls:
        assert len(call.args) == 2 and not call.kwargs, f"{name}:{call.lineno}: t() takes (en, ko)"
        en, ko = (literal_text(a) for a in call.args)
        assert en is not None and ko is not None, f"{name}:{call.lineno}: t() needs two literal strings"
        assert not HANGUL.search(en), f"{name}:{call.lineno}: Korean in the English text {en!r}"
        assert HANGUL.search(ko), f"{name}:{call.lineno}: the Korean text is not Korean: {ko!r}"


class TemplateText(HTMLParser):
    """The text of a template's literal markup (expressions replaced by a placeholder), outside
    code, scripts, styles, elements with a lang attribute and translate="no"."""

    def __init__(self) -> None:
        super().__init__()
        self.stack: list[bool] = []  # per open element: is its text exempt?
        self.words: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        a = dict(attrs)
        exempt = tag in SKIPPED or "lang" in a or a.get("translate") == "no"
        if tag not in ("meta", "link", "input", "br", "img", "option", "circle", "line"):
            self.stack.append(exempt or any(self.stack))

    def handle_endtag(self, tag: str) -> None:
        if self.stack:
            self.stack.pop()

    def handle_data(self, data: str) -> None:
        if not any(self.stack):
            self.words += [w for w in LATIN_WORD.findall(data)] + HANGUL.findall(data)


def test_templates_have_no_interface_text_outside_t() -> None:
    for path in sorted(TEMPLATES.iterdir()):
        source = path.read_text(encoding="utf-8")
        # Statements go, expressions (t() calls among them) become a placeholder: what is left
        # is the literal markup and text of the template.
        markup = re.sub(r"\{\{.*?\}\}", "¤", re.sub(r"\{[%#].*?[%#]\}", "", source, flags=re.S), flags=re.S)
        parser = TemplateText()
        parser.feed(markup)
        stray = [w for w in parser.words if w not in TECHNICAL]
        assert not stray, f"{path.name}: text outside t(): {stray}"


@pytest.mark.parametrize(
    "table",
    [i18n.NAMES, i18n.PARAM_TYPES, i18n.LANGUAGE_SUFFIXES, webmodel.HEADINGS],
    ids=["names", "param-types", "language-suffixes", "browse-headings"],
)
def test_every_string_table_has_english_and_korean(table: dict[str, tuple[str, str]]) -> None:
    for key, (en, ko) in table.items():
        assert en and not HANGUL.search(en), key
        assert HANGUL.search(ko) or ko == en, (key, ko)


@lru_cache(maxsize=1)
def project_saved_queries() -> dict[str, SavedQuery]:
    return load_saved_queries(PROJECT_ROOT / "queries")


def test_every_saved_query_of_the_project_has_a_korean_summary() -> None:
    saved = project_saved_queries()
    assert saved and all(HANGUL.search(q.summary_ko) for q in saved.values())


@pytest.mark.parametrize(
    ("value", "lang", "shown"),
    [
        ("2021-05-31", "en", "31 May 2021"),
        ("2021-05-31", "ko", "2021년 5월 31일"),
        ("2020-02", "en", "February 2020"),
        ("2020-02", "ko", "2020년 2월"),
        ("2021", "ko", "2021년"),
        ("2021-09-01T10:00:00Z", "en", "1 September 2021 10:00:00Z"),
        ("2021-13", "en", "2021-13"),  # not a month: shown as given
        ("soon", "ko", "soon"),
    ],
)
def test_dates_are_written_in_the_page_language(value: str, lang: str, shown: str) -> None:
    assert i18n.format_date(value, lang) == shown


def test_numbers_and_booleans_are_written_in_the_page_language() -> None:
    xsd = i18n.XSD
    assert i18n.format_literal("10000000000", xsd + "integer", "ko") == "10,000,000,000"
    assert i18n.format_literal("-1234.50", xsd + "decimal", "en") == "-1,234.50"
    assert i18n.format_literal("true", xsd + "boolean", "ko") == "예"
    assert i18n.format_literal("false", xsd + "boolean", "en") == "no"
    assert i18n.format_literal("KRW", xsd + "string", "ko") == "KRW"


def test_column_names_with_a_language_suffix_say_the_language() -> None:
    assert i18n.name_label("label_ko", "ko") == "이름(한국어)"
    assert i18n.name_label("leader_label_en", "en") == "led by (name) (in English)"
    assert i18n.name_label("no_such_column", "ko") is None
    assert i18n.name_label("_consortium_iri", "ko") == i18n.name_label("__consortium", "ko") == "협력체"


# ---- the pages, on the real server ----


class PageText(HTMLParser):
    """Visible text of a page, each piece with whether an element below <html> gave it a
    language (data in another language does), and what identifies the page."""

    def __init__(self) -> None:
        super().__init__()
        self.html_lang: str | None = None
        self.stack: list[tuple[str, bool, bool]] = []  # (tag, has own lang below <html>, exempt)
        self.texts: list[tuple[str, str, bool]] = []  # (tag, text, tagged)
        self.meta: dict[str, str] = {}
        self.alternates: dict[str, str] = {}
        self.times: list[tuple[str, str]] = []
        self.labels: list[str] = []
        self._time: str | None = None

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        a = {k: v or "" for k, v in attrs}
        if tag in ("html", "svg") and not self.stack and "lang" in a:
            self.html_lang = a["lang"]
            return
        if tag == "meta" and a.get("name"):
            self.meta[a["name"]] = a.get("content", "")
        if tag == "link" and a.get("rel") == "alternate" and a.get("hreflang"):
            self.alternates[a["hreflang"]] = a.get("href", "")
        if a.get("aria-label"):
            self.labels.append(a["aria-label"])
        if tag == "time":
            self._time = a.get("datetime")
        if tag in ("meta", "link", "input", "br", "img", "option", "hr"):
            return
        tagged = "lang" in a or any(s[1] for s in self.stack)
        exempt = tag in SKIPPED or a.get("translate") == "no" or any(s[2] for s in self.stack)
        self.stack.append((tag, tagged, exempt))

    def handle_startendtag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.handle_starttag(tag, attrs)
        if tag not in ("meta", "link", "input", "br", "img", "option", "hr") and self.stack:
            self.stack.pop()

    def handle_endtag(self, tag: str) -> None:
        for i in range(len(self.stack) - 1, -1, -1):
            if self.stack[i][0] == tag:
                del self.stack[i:]
                break

    def handle_data(self, data: str) -> None:
        text = data.strip()
        if not text:
            return
        if self._time is not None and self.stack and self.stack[-1][0] == "time":
            self.times.append((self._time, text))
            self._time = None
        if self.stack and self.stack[-1][2]:
            return
        tag = self.stack[-1][0] if self.stack else ""
        self.texts.append((tag, text, bool(self.stack and self.stack[-1][1])))


@lru_cache(maxsize=1)
def _data_words(base: str) -> frozenset[str]:
    """Latin words of the graph's Korean and untagged literals (names such as KMI or GPT-3 are
    Korean names too): on a Korean page these are data, not untranslated interface text."""
    import httpx

    query = (
        "SELECT DISTINCT ?l WHERE { ?s ?p ?l FILTER(isLiteral(?l) && (LANG(?l) = 'ko' || LANG(?l) = '') "
        "&& (STRSTARTS(STR(?s), 'https://w3id.org/onteam/id/') || STRSTARTS(STR(?s), 'https://w3id.org/onteam/ontology'))) }"
    )
    rows = httpx.get(base + "/sparql", params={"query": query}, headers={"Accept": "application/sparql-results+json"}, timeout=60)
    words: set[str] = set()
    for row in rows.json()["results"]["bindings"]:
        words.update(LATIN_WORD.findall(row["l"]["value"]))
    return frozenset(words)


def sparql_rows(server: Server, query: str) -> list[dict[str, str]]:
    response = server.client.get("/sparql", params={"query": query}, headers={"Accept": "application/sparql-results+json"})
    assert response.status_code == 200, response.text
    return [{k: v["value"] for k, v in row.items()} for row in response.json()["results"]["bindings"]]


def one_resource_per_class(server: Server) -> list[str]:
    """A resource page for every class the data uses (consortium, One Team, organization,
    person, initiative, outcome, quantity, evidence, source document, place, concept...)."""
    rows = sparql_rows(
        server,
        "SELECT ?t (MIN(STR(?x)) AS ?x) WHERE { ?x a ?t FILTER(STRSTARTS(STR(?x), 'https://w3id.org/onteam/id/')) } GROUP BY ?t",
    )
    return sorted({"/id/" + r["x"].rsplit("/", 1)[1] for r in rows})


# Parameter values for the saved queries' forms.
PARAMETER_VALUES = {"consortium": "ai-one-team", "organization": "kt", "resource": "kaist", "q": "KT"}


def crawl_paths(server: Server) -> list[str]:
    paths = ["/", "/browse", "/network", "/timeline", "/editor", "/queries", "/ontology",
             "/id/no-such-thing", "/ontology/NoSuchTerm", "/queries/no-such-query",
             "/queries/search?run=1&param-q=KT&param-lang=not-a-language",
             "/no-such-page", "/browse/typo",  # 404s (the last two: the error page) and a 400
             "/graph/data/instances", "/graph/ontology/onteam", "/graph/data/no-such-file"]  # graph pages, a 404
    paths += one_resource_per_class(server)
    for name in sorted(project_saved_queries()):
        form = server.client.get(f"/queries/{name}", params={"lang": "en"}, headers=HTML).text
        fields = re.findall(r'name="param-([\w-]+)"', form)
        query = "&".join(f"param-{f}={PARAMETER_VALUES[f]}" for f in fields if f in PARAMETER_VALUES)
        paths.append(f"/queries/{name}?run=1" + (f"&{query}" if query else ""))
    return paths


def problems_of(server: Server, path: str, lang: str) -> list[str]:
    """What is untranslated or unlabelled on one page in one language."""
    joiner = "&" if "?" in path else "?"
    response = server.client.get(f"{path}{joiner}lang={lang}", headers=HTML)
    found: list[str] = []
    if response.status_code not in (200, 400, 404):
        return [f"status {response.status_code}"]
    page = PageText()
    page.feed(response.text)
    if page.html_lang != lang or response.headers.get("content-language") != lang:
        found.append(f"<html lang={page.html_lang!r}>, Content-Language {response.headers.get('content-language')!r}")
    description = page.meta.get("description", "")
    if not description or (lang == "ko") != bool(HANGUL.search(description)):
        found.append(f"meta description {description!r}")
    for other in LANGS:
        if f"lang={other}" not in page.alternates.get(other, ""):
            found.append(f"no hreflang={other} alternate: {page.alternates}")
    if "x-default" not in page.alternates:
        found.append("no hreflang=x-default alternate")
    data_words = _data_words(server.base)
    for tag, text, tagged in page.texts:
        if CURIE.match(text):
            found.append(f"CURIE instead of a label in <{tag}>: {text}")
        if tagged:
            continue  # a value that says its own language
        if lang == "en" and HANGUL.search(text):
            found.append(f"Korean without lang=ko in <{tag}>: {text[:80]!r}")
        if lang == "ko":
            stray = [w for w in LATIN_WORD.findall(text) if w not in TECHNICAL and w not in data_words]
            if stray:
                found.append(f"English in <{tag}>: {text[:80]!r} ({stray})")
    for label in page.labels:
        if (lang == "ko") != bool(HANGUL.search(label)):
            found.append(f"aria-label {label!r}")
    for datetime, text in page.times:
        if datetime == text and re.match(r"^\d{4}(-\d{2})?(-\d{2})?$", datetime):
            found.append(f"date not written for the page's language: {text}")
        if lang == "ko" and not HANGUL.search(text):
            found.append(f"date without 년/월/일 on a Korean page: {text}")
    return found


@pytest.fixture(scope="module")
def crawled(server: Server) -> list[str]:
    return crawl_paths(server)


@pytest.mark.parametrize("lang", LANGS)
def test_every_kind_of_page_is_fully_translated(server: Server, crawled: list[str], lang: str) -> None:
    report = {path: found for path in crawled if (found := problems_of(server, path, lang))}
    assert not report, "\n".join(f"{path}: {p}" for path, found in report.items() for p in found)


def test_the_crawl_covers_every_kind_of_page(crawled: list[str]) -> None:
    kinds = {p.split("/")[1] for p in crawled}
    assert {"id", "queries", "ontology", "browse", "network", "timeline", "editor", "graph"} <= kinds
    assert sum(p.startswith("/queries/") and "run=1" in p for p in crawled) == len(project_saved_queries()) + 1


def test_a_korean_name_on_an_english_page_says_it_is_korean(server: Server) -> None:
    # 사랑의열매 is the short name the network draws for the Community Chest of Korea.
    text = server.client.get("/network?lang=en", headers=HTML).text
    assert re.search(r'lang="ko">사랑의열매<', text)
    footer = server.client.get("/?lang=en", headers=HTML).text.split("<footer", 1)[1]
    assert '(<span lang="ko">원팀</span>)' in footer


def test_ontology_page_names_other_vocabularies_terms_and_datatypes(server: Server) -> None:
    english = server.client.get("/ontology?lang=en", headers=HTML).text
    korean = server.client.get("/ontology?lang=ko", headers=HTML).text
    assert ">year and month</a>" in english and ">연월</a>" in korean  # xsd:gYearMonth as a range
    assert ">organization</a>" in english and ">조직</a>" in korean  # org:Organization as a superclass
    assert '<dt title="dcterms:created">작성일</dt>' in korean


def test_a_korean_error_page_marks_the_english_message(server: Server) -> None:
    response = server.client.get(
        "/queries/search", params={"run": "1", "param-q": "KT", "param-lang": "not-a-language", "lang": "ko"}, headers=HTML
    )
    assert response.status_code == 400
    error = response.text.split('<div class="error" role="alert">', 1)[1].split("</div>", 1)[0]
    assert "<p>질의를 실행하지 못했습니다:</p>" in error and '<li lang="en">' in error


def test_saved_query_columns_and_parameters_are_named_in_korean(server: Server) -> None:
    text = server.client.get(
        "/queries/consortium-members", params={"param-consortium": "ai-one-team", "run": "1", "lang": "ko"}, headers=HTML
    ).text
    assert '<th scope="col" title="?label_ko">이름(한국어)</th>' in text
    assert "협력체 <code>consortium</code> <span class=\"muted\">(IRI, 필수)</span>" in text
    assert "<h1>협력체 하나의 참여 기관과 그 종류, 역할</h1>" in text
    assert '<span class="hint" lang="en">' in text  # the .rq file's own description stays English, and says so


def test_every_resource_has_a_korean_and_an_english_label(server: Server) -> None:
    missing = sparql_rows(
        server,
        "PREFIX rdfs: <http://www.w3.org/2000/01/rdf-schema#> SELECT DISTINCT ?x ?lang WHERE { "
        "?x ?p ?o FILTER(isIRI(?x) && (STRSTARTS(STR(?x), 'https://w3id.org/onteam/id/') "
        "|| STRSTARTS(STR(?x), 'https://w3id.org/onteam/ontology#'))) VALUES ?lang { 'ko' 'en' } "
        "FILTER NOT EXISTS { ?x rdfs:label ?l FILTER(LANG(?l) = ?lang) } }",
    )
    assert not missing, missing


def test_every_datatype_in_the_data_has_both_names(server: Server) -> None:
    rows = sparql_rows(server, "SELECT DISTINCT (DATATYPE(?o) AS ?d) WHERE { ?s ?p ?o FILTER(isLiteral(?o)) }")
    names = webmodel.vocabulary_labels()
    for row in rows:
        assert {"en", "ko"} <= set(names.get(row["d"], {})), row["d"]


def test_values_carry_their_datatype_name(server: Server) -> None:
    text = server.client.get("/id/quantity-gpu-infrastructure-investment?lang=ko", headers=HTML).text
    assert re.search(r'<span title="(정수|십진수)">[\d,]+</span>', text)
    assert re.search(r'<span title="참거짓">예</span>', text)


@pytest.mark.parametrize("lang", LANGS)
def test_editor_default_query_asks_for_names_in_the_page_language(server: Server, lang: str) -> None:
    text = server.client.get("/editor", params={"lang": lang}, headers=HTML).text
    textarea = text.split('<textarea id="query"', 1)[1].split("</textarea>", 1)[0]
    assert f"FILTER(LANG(?label) = &#34;{lang}&#34;)" in textarea


ONE_LANGUAGE_DATA = """
@prefix ot: <https://w3id.org/onteam/ontology#> .
@prefix org: <http://www.w3.org/ns/org#> .
@prefix rdfs: <http://www.w3.org/2000/01/rdf-schema#> .
@prefix xsd: <http://www.w3.org/2001/XMLSchema#> .
@prefix id: <https://w3id.org/onteam/id/> .
ot:Consortium rdfs:label "consortium"@en, "협력체"@ko .
ot:Organization rdfs:label "organization"@en, "기관"@ko .
ot:hasMember rdfs:label "has member"@en, "참여 기관"@ko .
ot:foundingDate rdfs:label "founding date"@en, "결성일"@ko .
id:only-korean a ot:Organization ; rdfs:label "한국어뿐인 기관"@ko .
id:only-english a ot:Organization ; rdfs:label "English-only body"@en .
id:team a ot:Consortium ; rdfs:label "Team"@en, "팀"@ko ; ot:foundingDate "2021-05"^^xsd:gYearMonth ;
    ot:hasMember id:only-korean, id:only-english .
"""


def test_a_name_missing_in_the_page_language_is_shown_in_the_other_and_says_so(
    make_server: Any, make_root: Any
) -> None:
    running = make_server("--memory", root=make_root(ONE_LANGUAGE_DATA))
    english = running.client.get("/id/team", params={"lang": "en"}, headers=HTML).text
    assert re.search(r'<a href="[^"]+/id/only-korean" lang="ko">한국어뿐인 기관</a>', english)
    assert '<time datetime="2021-05">May 2021</time>' in english
    korean = running.client.get("/id/team", params={"lang": "ko"}, headers=HTML).text
    assert re.search(r'<a href="[^"]+/id/only-english" lang="en">English-only body</a>', korean)
    assert '<time datetime="2021-05">2021년 5월</time>' in korean
    page = running.client.get("/id/only-korean", params={"lang": "en"}, headers=HTML).text
    assert '<title lang="ko">한국어뿐인 기관 · OnTeam</title>' in page and '<h1 lang="ko">' in page
