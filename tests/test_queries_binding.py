"""Request values for saved queries: typing, validation, substitution safety, pagination."""

from __future__ import annotations

from pathlib import Path

import pytest
from pyoxigraph import Literal, NamedNode, QuerySolutions, RdfFormat, Store, Variable

from server.errors import BadRequest
from server.queries import (
    MAX_VALUE_LENGTH,
    SavedQuery,
    bind_parameters,
    load_saved_query,
    normalize_value,
    paged_text,
)
from server.sparql import evaluate

XSD = "http://www.w3.org/2001/XMLSchema#"
HOSTILE_LABEL = 'He said "hi" } ; DROP ALL ; {'
DATA = f"""
@prefix ot: <https://w3id.org/onteam/ontology#> .
@prefix id: <https://w3id.org/onteam/id/> .
@prefix rdfs: <http://www.w3.org/2000/01/rdf-schema#> .
@prefix xsd: <http://www.w3.org/2001/XMLSchema#> .
id:ai-one-team a ot:Consortium ; rdfs:label "AI 원팀"@ko , "AI One Team"@en ;
    ot:foundingDate "2020-02"^^xsd:gYearMonth ; ot:statedMemberCount 10 ;
    ot:hasMember id:kt , id:kaist , id:etri .
id:cloud-one-team a ot:Consortium ; rdfs:label "클라우드 원팀"@ko , "Cloud One Team"@en ;
    ot:foundingDate "2020-11"^^xsd:gYearMonth ; ot:statedMemberCount 22 ; ot:hasMember id:kt .
id:kt rdfs:label "KT"@ko , "KT"@en .
id:kaist rdfs:label "한국과학기술원"@ko , "KAIST"@en .
id:etri rdfs:label "한국전자통신연구원"@ko , "ETRI"@en .
id:odd rdfs:label {HOSTILE_LABEL!r}@en .
"""
PREFIX = (
    "PREFIX ot: <https://w3id.org/onteam/ontology#>\n"
    "PREFIX rdfs: <http://www.w3.org/2000/01/rdf-schema#>\n"
)


@pytest.fixture(scope="module")
def store() -> Store:
    store = Store()
    store.load(DATA.encode("utf-8"), format=RdfFormat.TURTLE)
    return store


def saved(tmp_path: Path, text: str, name: str = "q") -> SavedQuery:
    path = tmp_path / f"{name}.rq"
    path.write_text(text, encoding="utf-8")
    return load_saved_query(path)


def rows(store: Store, query: SavedQuery, params: list[tuple[str, str]]) -> tuple[list[str], list[dict[str, str]]]:
    binding = bind_parameters(query, params)
    text = paged_text(query.text, query.pagination, binding.page) if query.pagination else query.text
    result = evaluate(store, text, substitutions=binding.substitutions)
    assert isinstance(result, QuerySolutions)
    names = [v.value for v in result.variables]
    return names, [{v.value: row[v].value for v in result.variables if row[v] is not None} for row in result]


MEMBERS = PREFIX + "SELECT ?_consortium_iri ?org WHERE { ?_consortium_iri ot:hasMember ?org } ORDER BY ?org\n"
SEARCH = PREFIX + (
    "SELECT ?_q ?s WHERE { ?s rdfs:label ?l FILTER(CONTAINS(LCASE(STR(?l)), LCASE(STR(?_q)))) } ORDER BY ?s\n"
)
COUNTED = PREFIX + (
    "SELECT ?c ?__n_integer WHERE { ?c ot:statedMemberCount ?__n_integer } ORDER BY ?c\n"
)


# -- typing ------------------------------------------------------------------------------


def test_iri_parameter_binds_a_named_node(tmp_path: Path) -> None:
    binding = bind_parameters(saved(tmp_path, MEMBERS), [("consortium", "https://w3id.org/onteam/id/kt")])
    assert binding.substitutions == {Variable("_consortium_iri"): NamedNode("https://w3id.org/onteam/id/kt")}


@pytest.mark.parametrize("value", ["kt", "not an iri", "http://exa mple.org/", "<https://w3id.org/onteam/id/kt>", "http://x/\n"])
def test_invalid_iri_is_400_naming_the_parameter(tmp_path: Path, value: str) -> None:
    with pytest.raises(BadRequest) as info:
        bind_parameters(saved(tmp_path, MEMBERS), [("consortium", value)])
    assert "'consortium'" in info.value.message and "IRI" in info.value.message
    assert info.value.extra["parameter"] == "consortium"


def test_plain_parameter_binds_an_xsd_string(tmp_path: Path) -> None:
    binding = bind_parameters(saved(tmp_path, SEARCH), [("q", "kai")])
    term = binding.substitutions[Variable("_q")]
    assert term == Literal("kai") and term.datatype == NamedNode(XSD + "string")


def test_language_parameter_binds_a_tagged_literal(tmp_path: Path) -> None:
    query = saved(tmp_path, PREFIX + "SELECT ?s ?_name_ko WHERE { ?s rdfs:label ?_name_ko }\n")
    assert bind_parameters(query, [("name", "한국과학기술원")]).substitutions == {
        Variable("_name_ko"): Literal("한국과학기술원", language="ko")
    }


@pytest.mark.parametrize(
    ("datatype", "value", "canonical"),
    [
        ("integer", "22", "22"),
        ("integer", " +007 ", "7"),
        ("decimal", "-1.50", "-1.50"),
        ("float", "1e3", "1e3"),
        ("double", "INF", "INF"),
        ("boolean", "1", "true"),
        ("boolean", "false", "false"),
        ("date", "2021-02-28", "2021-02-28"),
        ("date", "2020-02-29Z", "2020-02-29Z"),
        ("dateTime", "2021-05-01T09:30:00+09:00", "2021-05-01T09:30:00+09:00"),
        ("time", "23:59:59", "23:59:59"),
        ("gYear", "2021", "2021"),
        ("gYearMonth", "2021-05", "2021-05"),
    ],
)
def test_typed_values_are_accepted_and_normalized(tmp_path: Path, datatype: str, value: str, canonical: str) -> None:
    query = saved(tmp_path, PREFIX + f"SELECT ?s ?_v_{datatype} WHERE {{ ?s ot:foundingDate ?_v_{datatype} }}\n")
    param = query.parameters[0]
    assert normalize_value(param, value) == canonical
    term = bind_parameters(query, [("v", value)]).substitutions[Variable(param.variable)]
    assert term == Literal(canonical, datatype=NamedNode(XSD + datatype))


@pytest.mark.parametrize(
    ("value", "datatype"), [("22", "integer"), ("-1.5", "decimal"), ("2e3", "double"), (" 7 ", "integer")]
)
def test_grlc_number_parameter_is_typed_by_its_form(tmp_path: Path, value: str, datatype: str) -> None:
    query = saved(tmp_path, PREFIX + "SELECT ?c ?_n_number WHERE { ?c ot:statedMemberCount ?_n_number }\n")
    term = bind_parameters(query, [("n", value)]).substitutions[Variable("_n_number")]
    assert term == Literal(value.strip(), datatype=NamedNode(XSD + datatype))


@pytest.mark.parametrize("value", ["abc", "1,5", "INF", "0x10", "1e"])
def test_grlc_number_parameter_that_is_not_a_number_is_400(tmp_path: Path, value: str) -> None:
    query = saved(tmp_path, PREFIX + "SELECT ?c ?_n_number WHERE { ?c ot:statedMemberCount ?_n_number }\n")
    with pytest.raises(BadRequest, match="'n': .* is not a number"):
        bind_parameters(query, [("n", value)])


@pytest.mark.parametrize(
    ("datatype", "value"),
    [
        ("integer", "abc"),
        ("integer", "1.5"),
        ("integer", ""),
        ("decimal", "1,5"),
        ("float", "one"),
        ("boolean", "yes"),
        ("date", "2021-02-30"),
        ("date", "2021-13-01"),
        ("date", "21-01-01"),
        ("dateTime", "2021-05-01 09:30:00"),
        ("time", "25:00:00"),
        ("gYear", "twenty"),
        ("gYearMonth", "2021-00"),
        ("gYearMonth", "2021-5"),
    ],
)
def test_invalid_typed_value_is_400_naming_the_parameter(tmp_path: Path, datatype: str, value: str) -> None:
    query = saved(tmp_path, PREFIX + f"SELECT ?s ?_v_{datatype} WHERE {{ ?s ot:foundingDate ?_v_{datatype} }}\n")
    with pytest.raises(BadRequest) as info:
        bind_parameters(query, [("v", value or " ")])
    assert f"Parameter 'v': {(value or ' ')!r} is not a valid xsd:{datatype}" == info.value.message


# -- required, optional, unknown, repeated -------------------------------------------------


def test_missing_required_parameter_is_400_naming_it(tmp_path: Path) -> None:
    with pytest.raises(BadRequest) as info:
        bind_parameters(saved(tmp_path, MEMBERS), [])
    assert "Missing required parameter 'consortium'" in info.value.message


def test_empty_required_parameter_counts_as_missing(tmp_path: Path) -> None:
    with pytest.raises(BadRequest, match="Missing required parameter 'consortium'"):
        bind_parameters(saved(tmp_path, MEMBERS), [("consortium", "")])


def test_optional_parameter_left_out_stays_unbound(tmp_path: Path, store: Store) -> None:
    query = saved(tmp_path, COUNTED)
    assert bind_parameters(query, []).substitutions == {}
    assert [r["c"] for r in rows(store, query, [])[1]] == [
        "https://w3id.org/onteam/id/ai-one-team",
        "https://w3id.org/onteam/id/cloud-one-team",
    ]


def test_optional_parameter_given_restricts_the_results(tmp_path: Path, store: Store) -> None:
    found = rows(store, saved(tmp_path, COUNTED), [("n", "22")])[1]
    assert found == [{"c": "https://w3id.org/onteam/id/cloud-one-team", "__n_integer": "22"}]


def test_default_applies_when_the_optional_parameter_is_left_out(tmp_path: Path, store: Store) -> None:
    query = saved(tmp_path, "#+ defaults: {n: 10}\n" + COUNTED)
    assert [r["c"] for r in rows(store, query, [])[1]] == ["https://w3id.org/onteam/id/ai-one-team"]
    assert [r["c"] for r in rows(store, query, [("n", "")])[1]] == ["https://w3id.org/onteam/id/ai-one-team"]


def test_value_outside_the_enumeration_is_400(tmp_path: Path) -> None:
    query = saved(tmp_path, "#+ enumerate: {n: [10, 22]}\n" + COUNTED)
    assert bind_parameters(query, [("n", "010")]).substitutions  # normalized before the check
    with pytest.raises(BadRequest) as info:
        bind_parameters(query, [("n", "11")])
    assert info.value.message == "Parameter 'n': '11' is not one of: 10, 22"


def test_enumeration_from_a_query_is_checked_against_given_values(tmp_path: Path) -> None:
    query = saved(tmp_path, "#+ enumerate: {consortium: 'SELECT ?c WHERE { ?c a ?k }'}\n" + MEMBERS)
    allowed = {"consortium": frozenset({"https://w3id.org/onteam/id/ai-one-team"})}
    assert bind_parameters(query, [("consortium", "https://w3id.org/onteam/id/ai-one-team")], allowed)
    with pytest.raises(BadRequest, match="is not one of: https://w3id.org/onteam/id/ai-one-team"):
        bind_parameters(query, [("consortium", "https://w3id.org/onteam/id/kt")], allowed)


def test_unknown_parameters_are_400_naming_them(tmp_path: Path) -> None:
    with pytest.raises(BadRequest) as info:
        bind_parameters(saved(tmp_path, MEMBERS), [("consortium", "urn:x"), ("consortum", "urn:x"), ("zzz", "1")])
    assert "Unknown parameters 'consortum', 'zzz'" in info.value.message
    assert "accepted:" in info.value.message and "consortium" in info.value.message
    assert info.value.extra["unknown"] == ["consortum", "zzz"]


@pytest.mark.parametrize(
    "extra",
    [("format", "csv"), ("output", "json"), ("results", "xml"), ("_", "1700000000"),
     ("default-graph-uri", "urn:g"), ("named-graph-uri", "urn:g")],
)
def test_client_parameters_are_accepted_everywhere(tmp_path: Path, extra: tuple[str, str]) -> None:
    bind_parameters(saved(tmp_path, MEMBERS), [("consortium", "urn:x"), extra])


def test_format_and_dataset_parameters_are_passed_on(tmp_path: Path) -> None:
    binding = bind_parameters(
        saved(tmp_path, MEMBERS),
        [("consortium", "urn:x"), ("output", "csv"), ("default-graph-uri", "urn:a"), ("named-graph-uri", "urn:b")],
    )
    assert (binding.fmt, binding.default_graphs, binding.named_graphs) == (("csv",), ["urn:a"], ["urn:b"])


def test_repeated_parameter_is_400(tmp_path: Path) -> None:
    with pytest.raises(BadRequest, match="'consortium' was given 2 times"):
        bind_parameters(saved(tmp_path, MEMBERS), [("consortium", "urn:a"), ("consortium", "urn:b")])


# -- hostile values ----------------------------------------------------------------------

HOSTILE = [
    HOSTILE_LABEL,
    "'",
    '"',
    '"""',
    "\\",
    "} ; DROP ALL ; {",
    '") } DELETE WHERE { ?s ?p ?o } #',
    "?s ?p ?o",
    "line\nbreak\r\n# comment",
    "\x00\x01\x7f",
    "\ufffd\ufffe",
    "𝕂𝕋 😀 원팀",
    "x" * MAX_VALUE_LENGTH,
]


@pytest.mark.parametrize("value", HOSTILE, ids=range(len(HOSTILE)))
def test_hostile_string_values_are_only_data(tmp_path: Path, store: Store, value: str) -> None:
    before = len(store)
    names, found = rows(store, saved(tmp_path, SEARCH), [("q", value)])
    assert names == ["_q", "s"]
    assert all(row["_q"] == value for row in found)
    expected = ["https://w3id.org/onteam/id/odd"] if value.lower() in HOSTILE_LABEL.lower() else []
    assert [row["s"] for row in found] == expected
    assert len(store) == before


def test_hostile_value_matches_the_label_that_contains_it(tmp_path: Path, store: Store) -> None:
    found = rows(store, saved(tmp_path, SEARCH), [("q", '"hi" } ; DROP ALL ; {')])[1]
    assert [row["s"] for row in found] == ["https://w3id.org/onteam/id/odd"]


@pytest.mark.parametrize(
    "value",
    ["https://w3id.org/onteam/id/kt> } ; DROP ALL ; { <urn:x", "urn:x\n", "urn:{x}", 'urn:"x"', "urn:x y"],
)
def test_hostile_iri_values_are_400(tmp_path: Path, value: str) -> None:
    with pytest.raises(BadRequest, match="'consortium'"):
        bind_parameters(saved(tmp_path, MEMBERS), [("consortium", value)])


def test_value_over_the_length_limit_is_400_naming_the_parameter(tmp_path: Path) -> None:
    with pytest.raises(BadRequest) as info:
        bind_parameters(saved(tmp_path, SEARCH), [("q", "x" * (MAX_VALUE_LENGTH + 1))])
    assert "'q'" in info.value.message and str(MAX_VALUE_LENGTH) in info.value.message


def test_broken_unicode_is_400_naming_the_parameter(tmp_path: Path) -> None:
    with pytest.raises(BadRequest, match="Parameter 'q' is not valid Unicode"):
        bind_parameters(saved(tmp_path, SEARCH), [("q", "bad \ud800 surrogate")])


def test_integer_with_thousands_of_digits_is_kept_exactly(tmp_path: Path) -> None:
    query = saved(tmp_path, COUNTED)
    binding = bind_parameters(query, [("n", "9" * 4000)])
    assert binding.substitutions[Variable("__n_integer")].value == "9" * 4000


# -- pagination --------------------------------------------------------------------------

PAGED = "#+ pagination: 2\n" + PREFIX + "SELECT ?s WHERE { ?s rdfs:label ?l FILTER(LANG(?l) = 'en') } ORDER BY ?s\n"


def test_pages_cut_the_ordered_results(tmp_path: Path, store: Store) -> None:
    query = saved(tmp_path, PAGED)
    pages = [[r["s"].rsplit("/", 1)[1] for r in rows(store, query, [("page", str(n))])[1]] for n in (1, 2, 3, 4)]
    assert pages == [["ai-one-team", "cloud-one-team"], ["etri", "kaist"], ["kt", "odd"], []]


def test_page_defaults_to_the_first(tmp_path: Path) -> None:
    assert bind_parameters(saved(tmp_path, PAGED), []).page == 1


@pytest.mark.parametrize("value", ["0", "-1", "abc", "1.5", "99999999", "2 OFFSET 0"])
def test_invalid_page_is_400(tmp_path: Path, value: str) -> None:
    with pytest.raises(BadRequest, match="Parameter 'page'"):
        bind_parameters(saved(tmp_path, PAGED), [("page", value)])


def test_page_on_a_query_without_pagination_is_unknown(tmp_path: Path) -> None:
    with pytest.raises(BadRequest, match="Unknown parameter 'page'"):
        bind_parameters(saved(tmp_path, MEMBERS), [("consortium", "urn:x"), ("page", "2")])


def test_paged_text_only_appends_limit_and_offset() -> None:
    assert paged_text("SELECT * {} # trailing comment", 10, 3) == "SELECT * {} # trailing comment\nLIMIT 10\nOFFSET 20\n"
