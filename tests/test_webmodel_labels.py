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
