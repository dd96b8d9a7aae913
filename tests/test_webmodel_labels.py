"""webmodel.fetch_labels: the labels pages show, on a real (in-memory) store."""

from __future__ import annotations

from pyoxigraph import Literal, NamedNode, Quad, Store

from server import webmodel

RDFS_LABEL = NamedNode("http://www.w3.org/2000/01/rdf-schema#label")
PREF_LABEL = NamedNode("http://www.w3.org/2004/02/skos/core#prefLabel")
GRAPH = NamedNode("https://w3id.org/onteam/graph/test")


def ex(name: str) -> NamedNode:
    return NamedNode(f"https://w3id.org/onteam/id/{name}")


def store_with(*facts: tuple[NamedNode, NamedNode, Literal]) -> Store:
    store = Store()
    store.extend(Quad(s, p, o, GRAPH) for s, p, o in facts)
    return store


def test_rdfs_label_wins_and_skos_pref_label_fills_in_per_language() -> None:
    store = store_with(
        (ex("kt"), RDFS_LABEL, Literal("KT", language="en")),
        (ex("kt"), PREF_LABEL, Literal("KT Corporation", language="en")),
        (ex("kt"), PREF_LABEL, Literal("케이티", language="ko")),
        (ex("concept"), PREF_LABEL, Literal("AICC", language="en")),
        (ex("other"), NamedNode("http://example.org/name"), Literal("ignored")),
    )
    labels = webmodel.fetch_labels(store, {ex("kt").value, ex("concept").value, ex("other").value})
    assert labels == {ex("kt").value: {"en": "KT", "ko": "케이티"}, ex("concept").value: {"en": "AICC"}}


def test_labels_of_more_iris_than_one_batch() -> None:
    names = [f"org-{i}" for i in range(1200)]
    store = store_with(*((ex(n), RDFS_LABEL, Literal(n.upper(), language="en")) for n in names))
    labels = webmodel.fetch_labels(store, {ex(n).value for n in names})
    assert len(labels) == 1200
    assert labels[ex("org-1199").value] == {"en": "ORG-1199"}


DESCRIPTION = NamedNode("http://purl.org/dc/terms/description")


def test_other_vocabularies_terms_get_their_korean_and_english_names() -> None:
    labels = webmodel.fetch_labels(store_with(), {DESCRIPTION.value})
    assert labels == {DESCRIPTION.value: {"en": "description", "ko": "설명"}}


def test_a_label_in_the_graph_wins_over_the_vocabulary_name() -> None:
    store = store_with((DESCRIPTION, RDFS_LABEL, Literal("개요", language="ko")))
    labels = webmodel.fetch_labels(store, {DESCRIPTION.value})
    assert labels == {DESCRIPTION.value: {"en": "description", "ko": "개요"}}


def test_every_term_of_another_vocabulary_the_graph_uses_has_both_names() -> None:
    # The project's own graph: each predicate and class outside the OnTeam namespace is named in ko and en.
    from pyoxigraph import RdfFormat

    from conftest import PROJECT_ROOT

    store = Store()
    for path in (PROJECT_ROOT / "ontology").glob("*.ttl"):
        store.load(path=str(path), format=RdfFormat.TURTLE)
    for path in (PROJECT_ROOT / "data").glob("*.ttl"):
        store.load(path=str(path), format=RdfFormat.TURTLE)
    used = {row["t"].value for row in store.query("SELECT DISTINCT ?t WHERE { { ?s ?t ?o } UNION { ?s a ?t } }")}
    foreign = {t for t in used if not t.startswith("https://w3id.org/onteam/") and not t.startswith("http://www.w3.org/ns/shacl#")}
    labels = webmodel.fetch_labels(store, foreign)
    assert {t for t in foreign if set(labels.get(t, {})) < {"en", "ko"}} == set()
