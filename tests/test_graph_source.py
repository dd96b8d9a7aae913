"""The graph against its source text: every sentence is evidence, every quote is verbatim.

The article the graph is built from ships with the project as
``data/source/kt-one-team-article.ko.txt`` (one paragraph per line, 21
paragraphs). A paragraph splits into sentences at a full stop followed by
white space, which is how the ``id:evidence-pNN-sM`` nodes number them
(commas, as in paragraph 2's "특징이다, 라이벌이라고", do not split).
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
SOURCE = ROOT / "data" / "source" / "kt-one-team-article.ko.txt"
ID = "https://w3id.org/onteam/id/"
PREFIXES = """
PREFIX ot:   <https://w3id.org/onteam/ontology#>
PREFIX prov: <http://www.w3.org/ns/prov#>
PREFIX rdfs: <http://www.w3.org/2000/01/rdf-schema#>
"""
DOC = f"<{ID}newsfreezone-kt-one-team-2021>"

# Korean labels that are not written as such in the article, and why.
LABEL_NOT_VERBATIM = {
    # the article writes "한국전자통신연구원(ETRI) 광주분원"; the label drops the abbreviation
    f"{ID}etri-gwangju-branch": "한국전자통신연구원 광주분원",
}


def paragraphs(text: str) -> list[str]:
    """The article's paragraphs: its non-empty lines, stripped."""
    return [line.strip() for line in text.splitlines() if line.strip()]


def sentences(paragraph: str) -> list[str]:
    """Split a paragraph at a full stop followed by white space."""
    return re.split(r"(?<=\.)\s+", paragraph)


@pytest.fixture(scope="module")
def article() -> str:
    return SOURCE.read_text(encoding="utf-8")


@pytest.fixture(scope="module")
def evidence(project_graph) -> dict[tuple[int, int], str]:
    """(paragraph, sentence) -> the Korean quote of the evidence node quoted from the article."""
    rows = project_graph.query(PREFIXES + f"""
        SELECT ?p ?s ?q WHERE {{
          ?e a ot:Evidence ; prov:wasQuotedFrom {DOC} ;
             ot:paragraphNumber ?p ; ot:sentenceNumber ?s ; ot:quote ?q FILTER(LANG(?q) = "ko") }}""")
    found: dict[tuple[int, int], str] = {}
    for r in rows:
        key = (int(r["p"].value), int(r["s"].value))
        assert key not in found, f"two Korean quotes for paragraph {key[0]} sentence {key[1]}"
        found[key] = r["q"].value
    return found


def test_source_text_has_21_paragraphs(article):
    assert len(paragraphs(article)) == 21


def test_every_sentence_is_quoted_by_an_evidence_node(article, evidence):
    expected = {
        (p, s): sentence
        for p, para in enumerate(paragraphs(article), 1)
        for s, sentence in enumerate(sentences(para), 1)
    }
    missing = {k: v for k, v in expected.items() if evidence.get(k) != v}
    assert not missing, f"sentences without a verbatim evidence node: {missing}"
    assert set(evidence) == set(expected), f"evidence for no sentence: {set(evidence) - set(expected)}"


def test_every_korean_quote_is_verbatim(article, project_graph):
    rows = project_graph.query(PREFIXES + """SELECT ?s ?q WHERE { ?s ot:quote ?q FILTER(LANG(?q) = "ko") }""")
    wrong = [(r["s"].value, r["q"].value) for r in rows if r["q"].value not in article]
    assert not wrong, f"quotes not found in the article: {wrong}"


def test_every_evidence_quote_has_an_english_translation(project_graph):
    rows = project_graph.query(PREFIXES + """
        SELECT ?e WHERE { ?e a ot:Evidence FILTER NOT EXISTS { ?e ot:quote ?q FILTER(LANG(?q) = "en") } }""")
    assert not [r["e"].value for r in rows]


def test_korean_labels_of_named_things_are_written_as_in_the_article(article, project_graph):
    """Organizations, people and consortia carry the name the article writes as their @ko label."""
    rows = project_graph.query(PREFIXES + """
        SELECT ?x ?l WHERE {
          VALUES ?c { ot:Organization ot:Person ot:Consortium }
          ?x a ?c ; rdfs:label ?l FILTER(LANG(?l) = "ko") }""")
    wrong = []
    for r in rows:
        iri, label = r["x"].value, r["l"].value
        if LABEL_NOT_VERBATIM.get(iri) == label:
            continue
        if label not in article:
            wrong.append((iri, label))
    assert not wrong, f"@ko labels not written so in the article: {wrong}"


def test_label_exceptions_are_still_current(project_graph):
    for iri, label in LABEL_NOT_VERBATIM.items():
        assert project_graph.query(PREFIXES + f'ASK {{ <{iri}> rdfs:label "{label}"@ko }}'), iri


def test_readme_data_model_example_returns_the_membership_sentence(project_graph):
    """The example query of the README's "Data model" section runs and finds paragraph 13, sentence 1."""
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    section = readme.split("\n## Data model\n", 1)[1].split("\n## ", 1)[0]
    query = re.search(r"```sparql\n(.*?)```", section, re.S).group(1)
    rows = [
        (int(r["paragraph"].value), int(r["sentence"].value), r["quote_ko"].value, r["source"].value)
        for r in project_graph.query(query)
    ]
    assert len(rows) == 1
    paragraph, sentence, quote, source = rows[0]
    assert (paragraph, sentence, source) == (13, 1, f"{ID}newsfreezone-kt-one-team-2021")
    assert quote.startswith("클라우드 원팀에는 올해 초 기준으로") and quote.endswith("총 22개 기관이 참여하고 있다.")
