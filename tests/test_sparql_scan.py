"""Unit tests of the SPARQL lexer: keywords only where the grammar has them; USING insertion."""

from __future__ import annotations

import pyoxigraph
import pytest

from server import sparqlscan


@pytest.mark.parametrize(
    ("query", "has_dataset"),
    [
        ("SELECT * WHERE { ?s ?p ?o }", False),
        ("SELECT * FROM <http://g> WHERE { ?s ?p ?o }", True),
        ("select * from<http://g>where{?s ?p ?o}", True),
        ("SELECT * FROM NAMED <http://g> WHERE { ?s ?p ?o }", True),
        ("PREFIX ex: <http://ex/>\nSELECT * FROM ex:g WHERE { ?s ?p ?o }", True),
        ("CONSTRUCT { ?s ?p ?o } FROM <http://g> WHERE { ?s ?p ?o }", True),
        ("SELECT ?from WHERE { ?from ?p ?o }", False),
        ("SELECT * WHERE { ?s <http://ex/FROM> ?o }", False),
        ("PREFIX from: <http://ex/>\nSELECT * WHERE { ?s from:x ?o }", False),
        ("PREFIX ex: <http://ex/>\nSELECT * WHERE { ?s ex:from ?o }", False),
        ('SELECT * WHERE { ?s ?p "FROM <http://g>" }', False),
        ("SELECT * WHERE { ?s ?p 'from' }", False),
        ('SELECT * WHERE { ?s ?p """a "FROM" b""" }', False),
        ('SELECT * WHERE { ?s ?p """ends with quote"""" } ', False),
        ("# FROM <http://g>\nSELECT * WHERE { ?s ?p ?o }", False),
        ("SELECT * WHERE { ?s ?p _:from }", False),
        ('SELECT * WHERE { ?s ?p "x"@from }', False),
        ("SELECT * WHERE { ?s ?p $from }", False),
    ],
)
def test_query_shape_finds_dataset_clauses(query: str, has_dataset: bool) -> None:
    assert sparqlscan.query_shape(query).has_dataset is has_dataset


def test_update_shape_tells_delete_where_from_delete_template() -> None:
    assert sparqlscan.update_shape("DELETE WHERE { ?s ?p ?o }").delete_where
    assert not sparqlscan.update_shape("DELETE { ?s ?p ?o } WHERE { ?s ?p ?o }").delete_where


def test_update_shape_ignores_where_of_subqueries() -> None:
    update = "INSERT { ?s ?p 1 } WHERE { { SELECT ?s ?p WHERE { ?s ?p ?o } } }"
    assert len(sparqlscan.update_shape(update).where_positions) == 1


def test_add_using_to_each_operation() -> None:
    update = (
        "PREFIX ex: <http://ex/>\n"
        "INSERT { GRAPH ex:out { ?s ex:copied ?o } } WHERE { ?s ex:p ?o } ;\n"
        "DELETE { ?s ex:q ?o } WHERE { ?s ex:q ?o } ;\n"
        "INSERT DATA { ex:a ex:b ex:c }"
    )
    rewritten = sparqlscan.add_using(update, ["http://g1"], ["http://g2"])
    assert rewritten.count("USING <http://g1> USING NAMED <http://g2> WHERE") == 2


def test_add_using_really_restricts_the_where_clause() -> None:
    store = pyoxigraph.Store()
    store.update("INSERT DATA { GRAPH <http://g1> { <http://a> <http://p> 1 } GRAPH <http://g2> { <http://b> <http://p> 2 } }")
    store.update(sparqlscan.add_using("INSERT { GRAPH <http://out> { ?s <http://p> ?o } } WHERE { ?s ?p ?o }", ["http://g1"], []))
    copied = {q.subject.value for q in store.quads_for_pattern(None, None, None, pyoxigraph.NamedNode("http://out"))}
    assert copied == {"http://a"}


@pytest.mark.parametrize(
    "update",
    [
        "INSERT { ?s ?p ?o } USING <http://g> WHERE { ?s ?p ?o }",
        "WITH <http://g> DELETE { ?s ?p ?o } WHERE { ?s ?p ?o }",
        "DELETE WHERE { ?s ?p ?o }",
    ],
)
def test_add_using_refuses_what_it_cannot_apply(update: str) -> None:
    with pytest.raises(sparqlscan.UsingNotApplicable):
        sparqlscan.add_using(update, ["http://g"], [])


def test_where_inside_string_is_not_an_insertion_point() -> None:
    update = 'INSERT { ?s <http://p> "WHERE" } WHERE { ?s ?p ?o }'
    rewritten = sparqlscan.add_using(update, ["http://g"], [])
    assert rewritten == 'INSERT { ?s <http://p> "WHERE" } USING <http://g> WHERE { ?s ?p ?o }'


@pytest.mark.parametrize(
    ("query", "copies"),
    [
        ("CONSTRUCT { ?s ?p ?o } WHERE { ?s ?p ?o }", True),
        ("CONSTRUCT WHERE { ?s ?p ?o . }", True),
        ("PREFIX a: <http://x/>\nBASE <http://y/>\nconstruct {?s ?p ?o.} {?s ?p ?o}", True),
        ("# all of it\nCONSTRUCT { $s ?p ?o } WHERE { ?s ?p ?o }", True),  # $s and ?s are one variable
        ("CONSTRUCT { ?s ?p ?o } WHERE { ?s ?p ?o } LIMIT 5", False),
        ("CONSTRUCT { ?s ?p ?o } WHERE { ?s ?p ?o } ORDER BY ?s", False),
        ("CONSTRUCT { ?o ?p ?s } WHERE { ?s ?p ?o }", False),
        ("CONSTRUCT { ?s ?p ?s } WHERE { ?s ?p ?s }", False),
        ("CONSTRUCT { ?s ?p ?o } FROM <http://g> WHERE { ?s ?p ?o }", False),
        ("CONSTRUCT { ?s ?p ?o } WHERE { GRAPH ?g { ?s ?p ?o } }", False),
        ("CONSTRUCT { ?s ?p ?o } WHERE { ?s ?p ?o FILTER(isIRI(?o)) }", False),
        ("CONSTRUCT { ?s ?p 'x' } WHERE { ?s ?p ?o }", False),
        ("SELECT * WHERE { ?s ?p ?o }", False),
        ('ASK { ?s ?p "CONSTRUCT { ?s ?p ?o } WHERE { ?s ?p ?o }" }', False),
    ],
)
def test_copies_all_triples_recognises_only_the_plain_copy(query: str, copies: bool) -> None:
    assert sparqlscan.copies_all_triples(query) is copies


def test_hoist_prologues_moves_a_later_prefix_to_the_front() -> None:
    text = 'INSERT DATA { <urn:a> <urn:b> "; PREFIX no: <urn:no>" } ;\nPREFIX ex: <urn:ex:>\nINSERT DATA { ex:a ex:b 1 }'
    hoisted = sparqlscan.hoist_prologues(text)
    assert hoisted.startswith("PREFIX ex: <urn:ex:> INSERT DATA")
    assert hoisted.count("\n") == text.count("\n")  # error lines keep pointing at the same place
    assert "no: <urn:no>" in hoisted  # a string is never a declaration
    store = pyoxigraph.Store()
    store.update(hoisted)
    assert len(store) == 2


@pytest.mark.parametrize(
    "update",
    [
        "INSERT DATA { <urn:a> <urn:b> 1 }",
        "PREFIX ex: <urn:1>\nINSERT DATA { ex:a ex:b 1 } ;\nPREFIX ex: <urn:2>\nINSERT DATA { ex:a ex:b 1 }",
        "INSERT DATA { <urn:a> <urn:b> 1 } ;\nBASE <urn:x/>\nINSERT DATA { <a> <b> 1 }",
    ],
)
def test_hoist_prologues_leaves_what_it_cannot_move_faithfully(update: str) -> None:
    assert sparqlscan.hoist_prologues(update) == update
