"""Tricky but valid SPARQL through every reader of query text, compared with pyoxigraph itself.

OnTeam reads query and update text before pyoxigraph parses it (dataset clauses, SERVICE and
LOAD targets, top-level LIMIT, prologues of later operations, saved-query parameters). None of
those readings may reject or change a query that pyoxigraph takes: the /sparql endpoint must
answer what pyoxigraph answers over the same data, and the readers must see through strings,
IRIs, comments and escapes exactly as the grammar does.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from pyoxigraph import NamedNode, QueryBoolean, QueryResultsFormat, QuerySolutions, RdfFormat, Store

from conftest import Server
from server import capped, limits, queries, sparqlscan, trigscan
from server.errors import BadRequest, Forbidden
from server.sparql import BASE_IRI
from sparql_support import DATA, DATA_GRAPH, ONTOLOGY, ONTOLOGY_GRAPH, TOKEN, update, write_root

EX = "http://example.org/"
OT = "https://w3id.org/onteam/ontology#"


def reference_store() -> Store:
    """The small fixture data in the graphs the server loads it into."""
    store = Store()
    store.load(DATA, RdfFormat.TURTLE, to_graph=NamedNode(DATA_GRAPH))
    store.load(ONTOLOGY, RdfFormat.TURTLE, to_graph=NamedNode(ONTOLOGY_GRAPH))
    return store


REFERENCE = reference_store()


def expected(query: str, has_dataset: bool) -> Any:
    """pyoxigraph's own answer, on the dataset the protocol gives a query (union default graph
    unless the query has FROM), in a form comparable with the server's."""
    options: dict[str, Any] = {"base_iri": BASE_IRI}
    if not has_dataset:
        options["use_default_graph_as_union"] = True
    result = REFERENCE.query(query, **options)
    if isinstance(result, QueryBoolean):
        return bool(result)
    if isinstance(result, QuerySolutions):
        return rows(json.loads(result.serialize(format=QueryResultsFormat.JSON)))
    return sorted(set(result.serialize(format=RdfFormat.N_TRIPLES).decode().splitlines()))


def rows(answer: dict[str, Any]) -> Any:
    if "boolean" in answer:
        return answer["boolean"]
    return sorted(json.dumps(row, sort_keys=True) for row in answer["results"]["bindings"])


def served(server: Server, query: str) -> Any:
    """The server's answer to `query` by POST, in the form of `expected`."""
    response = server.client.post(
        "/sparql",
        content=query.encode(),
        headers={
            "Content-Type": "application/sparql-query",
            "Accept": "application/sparql-results+json, application/n-triples;q=0.9",
        },
    )
    assert response.status_code == 200, (query, response.text)
    if response.headers["content-type"].startswith("application/n-triples"):
        return sorted(set(response.text.splitlines()))
    return rows(response.json())


def test_the_reference_store_holds_what_the_server_holds(small: Server) -> None:
    query = "SELECT ?g (COUNT(*) AS ?n) WHERE { GRAPH ?g { ?s ?p ?o } } GROUP BY ?g"
    assert served(small, query) == expected(query, has_dataset=False)


# --------------------------------------------------------------------------- queries

# (query, has a dataset clause, top-level LIMIT or None)
QUERIES: list[tuple[str, bool, int | None]] = [
    ('SELECT ?x WHERE { BIND("# { } PREFIX ex: <http://x/> SERVICE <http://evil/> LIMIT 1" AS ?x) }', False, None),
    ("SELECT ?x WHERE { BIND('}' AS ?x) } # LIMIT 1", False, None),
    ('SELECT ?x WHERE { BIND("""one "quoted" \n # no comment } FROM <http://g>\n ""twice"" end""" AS ?x) }', False, None),
    ("SELECT ?x WHERE { BIND('''it's '' { FROM <http://g> } ''' AS ?x) }", False, None),
    ('SELECT ?x WHERE { BIND("escaped \\" quote # { FROM" AS ?x) }', False, None),
    ("SELECT ?x WHERE { BIND('escaped \\' quote } from' AS ?x) }", False, None),
    ('SELECT ?x WHERE { BIND("\\u0023 \\u007B not a comment \\u0022" AS ?x) }', False, None),
    ("SELECT ?x WHERE { BIND(<http://example.org/a#b?c=d> AS ?x) }", False, None),
    ("SELECT ?x WHERE { BIND(<http://example.org/\\u0023/from/limit> AS ?x) }", False, None),
    ("SELECT * WHERE { ?s ?p ?o } ORDER BY ?s ?p ?o LIMIT 2 # a final comment without newline", False, 2),
    ("PREFIX ex: <http://example.org/> SELECT ?x WHERE { BIND(ex:a.b AS ?x) }", False, None),
    ("PREFIX ex: <http://example.org/> SELECT ?x WHERE { BIND(ex:a%23b AS ?x) } limit 3", False, 3),
    ("PREFIX ex: <http://example.org/> SELECT ?x WHERE { BIND(ex:a\\#b AS ?x) } LIMIT 4", False, 4),
    ("PREFIX ex: <http://example.org/> SELECT ?x WHERE { BIND(ex:c\\'d AS ?x) } LIMIT 5", False, 5),
    ("PREFIX ex: <http://example.org/> SELECT ?x WHERE { BIND(ex:e\\(f\\)\\;g AS ?x) } LIMIT 6", False, 6),
    (f"PREFIX ex: <http://example.org/> SELECT ?s (ex:a\\#b AS ?x) FROM <{DATA_GRAPH}> WHERE {{ ?s ?p ?o }}", True, None),
    (f"SELECT ?s FROM <{ONTOLOGY_GRAPH}> WHERE {{ ?s ?p ?o }} # from", True, None),
    (f"SELECT $s WHERE {{ $s a <{OT}Organization> }} ORDER BY $s", False, None),
    ("SELECT ?s WHERE { { SELECT ?s WHERE { ?s ?p ?o } ORDER BY DESC(?s) LIMIT 1 } } ORDER BY ?s LIMIT 7", False, 7),
    ("SELECT ?s WHERE { { SELECT ?s WHERE { ?s ?p ?o } ORDER BY ?s LIMIT 1 } }", False, None),
    ('SELECT * WHERE { VALUES (?a ?b) { (1 UNDEF) (UNDEF "x") } }', False, None),
    ('SELECT * WHERE { VALUES ?x { """a""""b" } }', False, None),
    ("SELECT * WHERE { VALUES ?x { '''a''''b' } }", False, None),
    (f"prefix ot: <{OT}> select distinct ?s where {{ ?s a ot:Organization }} order by ?s limit 2 offset 1", False, 2),
    (f"PrEfIx ot: <{OT}> SeLeCt ?s WhErE {{ ?s a ot:Organization }} OrDeR bY ?s LiMiT 1", False, 1),
    ("BASE <https://w3id.org/onteam/id/> SELECT ?l WHERE { <kt> ?p ?l }", False, None),
    ("BASE <https://w3id.org/onteam/> PREFIX i: <id/> SELECT ?l WHERE { i:kt ?p ?l }", False, None),
    ("CONSTRUCT { ?s ?p ?o } # } WHERE {\n WHERE { ?s ?p ?o }", False, None),
    ("CONSTRUCT WHERE { ?s ?p ?o }", False, None),
    ("ASK { ?s ?p ?o # SERVICE <http://evil.example/> { }\n }", False, None),
    ('SELECT ?service ?load WHERE { BIND("x" AS ?service) BIND("SERVICE <http://evil/>" AS ?load) }', False, None),
    ("PREFIX service: <http://example.org/> SELECT ?x WHERE { BIND(service:load AS ?x) }", False, None),
    ('SELECT ?이름 WHERE { BIND("값" AS ?이름) }', False, None),
    ('SELECT ?l WHERE { ?s ?p ?l FILTER(lang(?l) = "ko") } ORDER BY ?l', False, None),
    ("SELECT ?n WHERE { VALUES ?n { 1 2 3 } FILTER(?n < 3 && ?n > 1) }", False, None),
    ("SELECT ?n WHERE { VALUES ?n { 1.5 2e0 .5 } } LIMIT 10", False, 10),
    ("SELECT (COUNT(*) AS ?n) WHERE { ?s ?p ?o } GROUP BY ?p HAVING (COUNT(*) > 1) ORDER BY ?n LIMIT 3", False, 3),
    ("#comment first\nSELECT * WHERE { ?s ?p ?o }\nORDER BY ?s ?p ?o LIMIT\n8", False, 8),
]


@pytest.mark.parametrize(("query", "has_dataset", "limit"), QUERIES)
def test_tricky_query_answers_as_pyoxigraph_answers(small: Server, query: str, has_dataset: bool, limit: int | None) -> None:
    assert served(small, query) == expected(query, has_dataset)


@pytest.mark.parametrize(("query", "has_dataset", "limit"), QUERIES)
def test_tricky_query_is_read_as_the_grammar_reads_it(query: str, has_dataset: bool, limit: int | None) -> None:
    assert sparqlscan.query_shape(query).has_dataset is has_dataset
    assert capped.declared_limit(query) == limit
    limits.check_federation(query, frozenset())  # no SERVICE: nothing to refuse


@pytest.mark.parametrize(
    ("text", "target"),
    [
        ('SELECT * WHERE { BIND("a # b" AS ?x) SERVICE <http://evil.example/> { ?s ?p ?o } }', "http://evil.example/"),
        ("PREFIX ex: <http://example.org/> SELECT * WHERE { BIND(ex:a\\#b AS ?x) SERVICE <http://e/> {} }", "http://e/"),
        ("PREFIX ex: <http://example.org/> SELECT * WHERE { BIND(ex:a\\'b AS ?x) SERVICE <http://e/> {} }", "http://e/"),
        ("BASE <http://example.org/> SELECT * WHERE { service silent <s> { } }", "http://example.org/s"),
        ("SELECT * WHERE { SERVICE <http://example.org/\\u0073> { } }", "http://example.org/s"),
        ("INSERT DATA { <http://a> <http://b> 'x' } ; load <http://example.org/doc>", "http://example.org/doc"),
    ],
)
def test_real_service_or_load_is_found_after_tricky_text(text: str, target: str) -> None:
    with pytest.raises(Forbidden) as refused:
        limits.check_federation(text, frozenset())
    assert refused.value.extra["endpoint"] == target


@pytest.mark.parametrize(
    ("text", "variables"),
    [
        ('SELECT ?a WHERE { ?a ?_b "?c" } # ?d', ["a", "_b"]),
        ("SELECT $a WHERE { $a <http://x/?e> '''?f\n''' }", ["a"]),
        ("PREFIX ex: <http://e/> SELECT ?a WHERE { ?a ex:g\\#h ?_i }", ["a", "_i"]),
        ("PREFIX ex: <http://e/> SELECT ?a WHERE { ?a ex:g\\'h ?_i . ?a ?_j ?k }", ["a", "_i", "_j", "k"]),
        ('SELECT ?a WHERE { ?a ?b "\\"?c" . ?a ?b ?_d }', ["a", "b", "_d"]),
        ("SELECT ?이름 WHERE { ?이름 ?_p_iri ?o }", ["이름", "_p_iri", "o"]),
    ],
)
def test_saved_query_variables_skip_strings_iris_comments_and_escapes(text: str, variables: list[str]) -> None:
    assert queries.query_variables(text) == variables


# --------------------------------------------------------------------------- generated queries

_NOISE_CHARS = st.sampled_from(list("#{}\"'\\ \n\tabxyz?$<>;.:,()PREFIXSERVICELIMITFROMlimitfrom") + ["é", "원"])


def short_string(text: str, quote: str) -> str:
    """A one-line SPARQL string holding `text`; '#' sometimes written as \\u0023."""
    body = text.replace("\\", "\\\\").replace(quote, "\\" + quote).replace("\n", "\\n").replace("\r", "\\r")
    return quote + body + quote


def long_string(text: str, quote: str) -> str:
    """A triple-quoted SPARQL string holding `text`, newlines and quotes kept as they are where
    the grammar lets them be (not a third one in a row, not the last character)."""
    body: list[str] = []
    run = 0
    escaped = text.replace("\\", "\\\\")
    for index, char in enumerate(escaped):
        if char == quote and (run == 2 or index == len(escaped) - 1):
            body.append("\\" + char)
            run = 0
        else:
            body.append(char)
            run = run + 1 if char == quote else 0
    return quote * 3 + "".join(body) + quote * 3


@st.composite
def noise(draw: st.DrawFn) -> tuple[str, str]:
    """A valid piece of SPARQL that holds tricky characters: (where it goes, text)."""
    content = draw(st.text(_NOISE_CHARS, max_size=30))
    kind = draw(st.sampled_from(["short", "long", "comment", "iri", "pname"]))
    if kind == "comment":
        return "anywhere", "#" + content.replace("\n", " ").replace("\r", " ") + "\n"
    head, hash_, fragment = content.partition("#")  # one '#' at most in an IRI: the fragment's start
    content = head + hash_ + fragment.replace("#", "")
    if kind == "iri":
        path = "".join(c for c in content if c.isalnum() or c in "#?/=.;:,$")
        return "term", f"<http://example.org/{path}>"
    if kind == "pname":
        local = "".join(c if c.isalnum() else "\\" + c if c in "#'?$;.,()/" else "%23" for c in content)
        return "term", f"ex:x{local}"
    quote = draw(st.sampled_from(['"', "'"]))
    text = short_string(content, quote) if kind == "short" else long_string(content, quote)
    if draw(st.booleans()):
        text = text.replace("#", "\\u0023")
    return "term", text


@settings(max_examples=300, deadline=None)
@given(piece=noise())
def test_generated_term_is_one_token_and_a_comment_none(piece: tuple[str, str]) -> None:
    where, text = piece
    found = list(sparqlscan.tokens(text))
    if where == "anywhere":
        assert found == []
    else:
        assert [token.text for token in found] == [text]
        REFERENCE.query(f"PREFIX ex: <{EX}> SELECT ({text} AS ?x) {{}}")  # pyoxigraph takes it too


def mixed_case(draw: st.DrawFn, word: str) -> str:
    return "".join(c.upper() if draw(st.booleans()) else c.lower() for c in word)


@st.composite
def noisy_query(draw: st.DrawFn) -> tuple[str, bool, int | None]:
    """A SELECT over the fixture data with noise in its prologue, pattern and modifiers."""
    pieces = draw(st.lists(noise(), min_size=1, max_size=4))

    def kw(word: str) -> str:
        return mixed_case(draw, word)

    var = draw(st.sampled_from(["?", "$"]))
    binds = " ".join(f"{kw('BIND')}({text} {kw('AS')} {var}n{i})" for i, (where, text) in enumerate(pieces) if where == "term")
    comments = "".join(text for where, text in pieces if where == "anywhere")
    dataset = draw(st.booleans())
    limit = draw(st.none() | st.integers(0, 20))
    query = (
        f"{comments}{kw('PREFIX')} ex: <{EX}> {comments}{kw('SELECT')} * "
        + (f"{kw('FROM')} <{DATA_GRAPH}> " if dataset else "")
        + f"{kw('WHERE')} {{ {comments}{var}s a ?type {binds} "
        + f"{{ {kw('SELECT')} ?type {kw('WHERE')} {{ ?x a ?type }} {kw('ORDER')} {kw('BY')} ?type {kw('LIMIT')} 1 }} }} {comments}"
        + f"{kw('ORDER')} {comments}{kw('BY')} {var}s "
        + (f"{kw('LIMIT')} {comments}{limit}" if limit is not None else "")
        + comments.rstrip("\n")
    )
    return query, dataset, limit


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(case=noisy_query())
def test_generated_noisy_query_answers_as_pyoxigraph_answers(small: Server, case: tuple[str, bool, int | None]) -> None:
    query, has_dataset, limit = case
    assert sparqlscan.query_shape(query).has_dataset is has_dataset
    assert capped.declared_limit(query) == limit
    limits.check_federation(query, frozenset())
    assert served(small, query) == expected(query, has_dataset)


# --------------------------------------------------------------------------- updates


@pytest.fixture(scope="module")
def writable(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    from conftest import start_server

    root = write_root(tmp_path_factory.mktemp("readers-root"))
    running = start_server(tmp_path_factory.mktemp("readers-server"), "--update-token", TOKEN, root=root)
    yield running
    running.stop()


def graph_content(server: Server, graph: str) -> list[str]:
    query = f"SELECT ?s ?p ?o WHERE {{ GRAPH <{graph}> {{ ?s ?p ?o }} }}"
    response = server.client.get("/sparql", params={"query": query}, headers={"Accept": "application/sparql-results+json"})
    assert response.status_code == 200, response.text
    return rows(response.json())


def reference_content(operations: list[str], graph: str) -> list[str]:
    """Apply each operation alone on a fresh store, after every declaration seen so far."""
    store = Store()
    prologue = ""
    for operation in operations:
        head, _, body = operation.rpartition("\x00")  # "\0" separates an operation's own prologue
        prologue += head
        store.update(prologue + body, base_iri=BASE_IRI)
    query = f"SELECT ?s ?p ?o WHERE {{ GRAPH <{graph}> {{ ?s ?p ?o }} }}"
    return rows(json.loads(store.query(query).serialize(format=QueryResultsFormat.JSON)))


UPDATES: list[list[str]] = [
    [
        f'PREFIX ex: <{EX}> \x00INSERT DATA {{ GRAPH <{{g}}> {{ ex:a ex:b "x # }} ; PREFIX" }} }}',
        f"PREFIX ex2: <{EX}2/> \x00INSERT DATA {{ GRAPH <{{g}}> {{ ex2:a ex:b ex2:c }} }}",
    ],
    [
        f"PREFIX ex: <{EX}> \x00INSERT DATA {{ GRAPH <{{g}}> {{ ex:a ex:b ex:c\\#d }} }}",
        f"PREFIX ex2: <{EX}2/> \x00INSERT DATA {{ GRAPH <{{g}}> {{ ex2:a ex:b ex2:c }} }}",
    ],
    [
        f"PREFIX ex: <{EX}> \x00INSERT DATA {{ GRAPH <{{g}}> {{ ex:a ex:b ex:c\\'d }} }}",
        f"PREFIX ex2: <{EX}2/> \x00insert data {{ graph <{{g}}> {{ ex2:a ex:b '''it's ; PREFIX ''' }} }}",
    ],
    [
        f"BASE <{EX}> PREFIX ex: <{EX}> \x00INSERT DATA {{ GRAPH <{{g}}> {{ <a> ex:b 1 , 2 , 3 }} }}",
        (
            f'PREFIX ex3: <{EX}3/> \x00DELETE {{ GRAPH <{{g}}> {{ ?s ex:b ?o }} }} INSERT {{ GRAPH <{{g}}> {{ ?s ex3:b "WHERE {{ }}" }} }} '
            f"WHERE {{ {{ SELECT ?s ?o WHERE {{ GRAPH <{{g}}> {{ ?s ex:b ?o }} }} ORDER BY ?o LIMIT 1 }} }}"
        ),
        f"PREFIX ex: <{EX}> \x00DELETE WHERE {{ GRAPH <{{g}}> {{ ?s ex:b 3 }} }} # the end, no newline",
    ],
    [
        f'PREFIX ex: <{EX}> \x00INSERT DATA {{ GRAPH <{{g}}> {{ ex:a ex:b """several\nlines "with" quotes\n# and }} braces""" }} }}',
        "\x00INSERT DATA { GRAPH <{g}> { ex:a ex:c \"\\u0023 and \\\" ; PREFIX z: <http://z/>\" } }",
    ],
]


@pytest.mark.parametrize("operations", UPDATES, ids=range(len(UPDATES)))
def test_update_with_a_prologue_per_operation_applies_as_pyoxigraph_applies_each(
    writable: Server, operations: list[str], request: pytest.FixtureRequest
) -> None:
    graph = f"http://example.org/graph/{request.node.callspec.id}"
    filled = [operation.replace("{g}", graph) for operation in operations]
    text = " ;\n".join(operation.replace("\x00", "") for operation in filled)
    response = update(writable, text)
    assert response.status_code == 204, (text, response.text)
    assert graph_content(writable, graph) == reference_content(filled, graph)


def test_prefix_used_before_its_declaration_is_400_with_line_and_column(writable: Server) -> None:
    text = (
        "INSERT DATA { GRAPH <http://example.org/before> { <http://a> <http://b> 1 } } ;\n"
        "INSERT DATA { ex:a ex:b ex:c } ;\nPREFIX ex: <http://e/> INSERT DATA { ex:a ex:b 2 }"
    )
    with pytest.raises(SyntaxError):
        Store().update(text.replace("PREFIX ex: <http://e/> ", ""))  # pyoxigraph: the prefix is unknown there
    response = update(writable, text)
    assert response.status_code == 400
    body = response.json()
    assert (body["line"], body["column"]) == (2, 15)
    assert "ex:" in body["error"]
    assert graph_content(writable, "http://example.org/before") == []


@st.composite
def noisy_update(draw: st.DrawFn) -> list[str]:
    """Two to four INSERT DATA operations, each with its own prefix and a noisy object."""
    operations = []
    for index in range(draw(st.integers(2, 4))):
        _, term = draw(noise().filter(lambda piece: piece[0] == "term"))
        term = term.replace("ex:", f"e{index}:")
        operations.append(
            f"{mixed_case(draw, 'PREFIX')} e{index}: <{EX}{index}/> \x00"
            f"{mixed_case(draw, 'INSERT')} {mixed_case(draw, 'DATA')} {{ GRAPH <{{g}}> {{ e{index}:s e0:p {term} }} }}"
        )
    return operations


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(operations=noisy_update(), number=st.integers(0, 10**9))
def test_generated_update_applies_as_pyoxigraph_applies_each(writable: Server, operations: list[str], number: int) -> None:
    graph = f"http://example.org/generated/{number}"
    filled = [operation.replace("{g}", graph) for operation in operations]
    expected_content = reference_content(filled, graph)
    update(writable, f"DROP SILENT GRAPH <{graph}>")
    text = " ;\n".join(operation.replace("\x00", "") for operation in filled)
    response = update(writable, text)
    assert response.status_code == 204, (text, response.text)
    assert graph_content(writable, graph) == expected_content


def test_using_graph_uri_goes_before_the_real_where_only(writable: Server) -> None:
    graph = "http://example.org/using"
    setup = f'PREFIX ex: <{EX}> INSERT DATA {{ GRAPH <{graph}> {{ ex:a ex:b "WHERE {{" }} }}'
    assert update(writable, setup).status_code == 204
    text = (
        f"PREFIX ex: <{EX}> INSERT {{ GRAPH <{graph}> {{ ?s ex:c ex:d\\#WHERE }} }} # WHERE {{\n"
        "WHERE { ?s ex:b ?o FILTER(?o != 'WHERE') }"
    )
    response = update(writable, text, **{"using-graph-uri": graph})
    assert response.status_code == 204, response.text
    assert f'"value": "{EX}d#WHERE"' in " ".join(graph_content(writable, graph))


def test_invalid_text_the_parser_refuses_is_400_not_500(small: Server) -> None:
    for query in ['SELECT * WHERE { BIND("""a""""b" AS ?x) }', 'SELECT "abc', "SELECT * WHERE { ?s ?p ?o } LIMIT x"]:
        with pytest.raises(SyntaxError):
            Store().query(query)
        response = small.client.post("/sparql", content=query.encode(), headers={"Content-Type": "application/sparql-query"})
        assert response.status_code == 400, (query, response.text)


def test_service_with_an_undeclared_prefix_is_400() -> None:
    with pytest.raises(BadRequest):
        limits.check_federation("SELECT * WHERE { SERVICE nope:x { } }", frozenset())



# --------------------------------------------------------------------------- TriG, which shares the lexer


def test_trig_escaped_hash_in_a_name_hides_no_empty_graph_after_it() -> None:
    text = "@prefix ex: <http://e/> .\nex:g1 { ex:a ex:b ex:c\\#d } ex:g2 { }\nex:g\\-3 { } # ex:g4 { }"
    Store().load(text, RdfFormat.TRIG)  # valid TriG
    assert [g.value for g in trigscan.empty_graphs(text)] == ["http://e/g2", "http://e/g-3"]
