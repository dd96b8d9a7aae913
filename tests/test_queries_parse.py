"""Loading saved query files: the `#+` header, the decorators, the parameters, the SPARQL."""

from __future__ import annotations

from pathlib import Path

import pytest

from server.queries import (
    Parameter,
    SavedQueryError,
    load_saved_queries,
    load_saved_query,
    parse_parameter_variable,
    query_variables,
)

PREFIX = "PREFIX ot: <https://w3id.org/onteam/ontology#>\nPREFIX rdfs: <http://www.w3.org/2000/01/rdf-schema#>\n"
MEMBERS = PREFIX + "SELECT ?_consortium_iri ?org WHERE { ?_consortium_iri ot:hasMember ?org }\n"


def write(tmp_path: Path, text: str, name: str = "q") -> Path:
    path = tmp_path / f"{name}.rq"
    path.write_text(text, encoding="utf-8")
    return path


def load(tmp_path: Path, text: str, name: str = "q"):
    return load_saved_query(write(tmp_path, text, name))


def load_error(tmp_path: Path, text: str, name: str = "q") -> str:
    with pytest.raises(SavedQueryError) as info:
        load(tmp_path, text, name)
    assert f"{name}.rq" in str(info.value)
    return str(info.value)


# -- decorators --------------------------------------------------------------------------


def test_no_header_gives_empty_metadata(tmp_path: Path) -> None:
    saved = load(tmp_path, MEMBERS)
    assert (saved.name, saved.summary, saved.description, saved.tags) == ("q", "", "", ())
    assert saved.methods == ("GET", "POST")
    assert saved.pagination is None
    assert saved.form == "select"


def test_summary_description_and_tags_are_read(tmp_path: Path) -> None:
    saved = load(
        tmp_path,
        "#+ summary: Members of a consortium\n"
        "#+ description: >\n#+   Long text\n#+   on two lines.\n"
        "#+ tags:\n#+   - membership\n#+   - consortia\n" + MEMBERS,
    )
    assert saved.summary == "Members of a consortium"
    assert saved.description == "Long text on two lines."
    assert saved.tags == ("membership", "consortia")


def test_a_single_tag_may_be_a_plain_string(tmp_path: Path) -> None:
    assert load(tmp_path, "#+ tags: membership\n" + MEMBERS).tags == ("membership",)


def test_header_without_space_after_marker_is_read(tmp_path: Path) -> None:
    assert load(tmp_path, "#+summary: Tight\n" + MEMBERS).summary == "Tight"


def test_blank_lines_before_the_header_are_allowed(tmp_path: Path) -> None:
    assert load(tmp_path, "\n\n#+ summary: Late\n" + MEMBERS).summary == "Late"


@pytest.mark.parametrize(
    ("value", "methods"),
    [("GET", ("GET",)), ("post", ("POST",)), ("[GET, POST]", ("GET", "POST"))],
)
def test_method_decorator_sets_the_methods(tmp_path: Path, value: str, methods: tuple[str, ...]) -> None:
    assert load(tmp_path, f"#+ method: {value}\n" + MEMBERS).methods == methods


def test_method_other_than_get_or_post_fails(tmp_path: Path) -> None:
    assert "'DELETE'" in load_error(tmp_path, "#+ method: DELETE\n" + MEMBERS)


def test_pagination_decorator_is_read(tmp_path: Path) -> None:
    text = "#+ pagination: 20\n" + PREFIX + "SELECT ?s WHERE { ?s a ot:Consortium } ORDER BY ?s\n"
    assert load(tmp_path, text).pagination == 20


@pytest.mark.parametrize("value", ["0", "-3", "ten", "2.5", "true"])
def test_pagination_must_be_a_positive_integer(tmp_path: Path, value: str) -> None:
    text = f"#+ pagination: {value}\n" + PREFIX + "SELECT ?s WHERE {{ ?s a ot:Consortium }} ORDER BY ?s\n"
    assert "'pagination'" in load_error(tmp_path, text.replace("{{", "{").replace("}}", "}"))


def test_pagination_of_a_query_with_its_own_limit_fails(tmp_path: Path) -> None:
    text = "#+ pagination: 20\n" + PREFIX + "SELECT ?s WHERE { ?s a ot:Consortium } ORDER BY ?s LIMIT 5\n"
    assert "LIMIT" in load_error(tmp_path, text)


def test_pagination_without_order_by_fails(tmp_path: Path) -> None:
    text = "#+ pagination: 20\n" + PREFIX + "SELECT ?s WHERE { ?s a ot:Consortium }\n"
    assert "ORDER BY" in load_error(tmp_path, text)


def test_pagination_of_an_ask_query_fails(tmp_path: Path) -> None:
    assert "ASK" in load_error(tmp_path, "#+ pagination: 2\nASK { ?s ?p ?o }\n")


def test_defaults_give_optional_parameters_a_value(tmp_path: Path) -> None:
    text = "#+ defaults:\n#+   lang: ko\n" + PREFIX + (
        "SELECT ?s ?__lang WHERE { ?s rdfs:label ?l FILTER(COALESCE(LANG(?l) = ?__lang, true)) }\n"
    )
    assert load(tmp_path, text).parameter("lang").default == "ko"  # type: ignore[union-attr]


def test_grlc_list_form_of_defaults_and_enumerate_is_accepted(tmp_path: Path) -> None:
    text = (
        "#+ defaults:\n#+   - lang: ko\n#+ enumerate:\n#+   - lang:\n#+     - ko\n#+     - en\n"
        + PREFIX
        + "SELECT ?s ?__lang WHERE { ?s rdfs:label ?l FILTER(COALESCE(LANG(?l) = ?__lang, true)) }\n"
    )
    param = load(tmp_path, text).parameter("lang")
    assert param is not None and (param.default, param.enum) == ("ko", ("ko", "en"))


def test_default_for_a_required_parameter_makes_it_optional(tmp_path: Path) -> None:
    # grlc allows it (its swagger-ui sends the default); a call leaving it out gets the default.
    saved = load(tmp_path, "#+ defaults:\n#+   - consortium: https://w3id.org/onteam/id/ai-one-team\n" + MEMBERS)
    param = saved.parameter("consortium")
    assert param is not None and param.required and param.optional
    assert param.default == "https://w3id.org/onteam/id/ai-one-team"


def test_default_outside_the_enumeration_fails(tmp_path: Path) -> None:
    text = "#+ defaults: {n: 9}\n#+ enumerate: {n: [1, 2]}\n" + PREFIX + (
        "SELECT ?s ?__n_integer WHERE { ?s ot:statedMemberCount ?__n_integer }\n"
    )
    assert "enumerate" in load_error(tmp_path, text)


def test_default_of_the_wrong_type_fails(tmp_path: Path) -> None:
    text = "#+ defaults: {n: ten}\n" + PREFIX + "SELECT ?s ?__n_integer WHERE { ?s ot:statedMemberCount ?__n_integer }\n"
    assert "xsd:integer" in load_error(tmp_path, text)


def test_enumerate_list_is_normalized_to_the_parameter_type(tmp_path: Path) -> None:
    text = "#+ enumerate: {n: [007, 22]}\n" + PREFIX + "SELECT ?s ?_n_integer WHERE { ?s ot:statedMemberCount ?_n_integer }\n"
    assert load(tmp_path, text).parameter("n").enum == ("7", "22")  # type: ignore[union-attr]


def test_enumerate_by_query_is_kept_for_request_time(tmp_path: Path) -> None:
    text = "#+ enumerate:\n#+   consortium: SELECT ?c WHERE { ?c a <https://w3id.org/onteam/ontology#Consortium> }\n" + MEMBERS
    param = load(tmp_path, text).parameter("consortium")
    assert param is not None and param.enum is None and param.enum_query and "SELECT ?c" in param.enum_query


def test_enumerate_query_with_a_syntax_error_fails(tmp_path: Path) -> None:
    text = "#+ enumerate:\n#+   consortium: SELECT ?c WHERE { ?c a }\n" + MEMBERS
    assert "'enumerate' query for 'consortium'" in load_error(tmp_path, text)


def test_enumerate_for_an_unknown_parameter_fails(tmp_path: Path) -> None:
    message = load_error(tmp_path, "#+ enumerate: {consortum: [a]}\n" + MEMBERS)
    assert "'consortum'" in message and "consortium" in message


def test_params_describe_parameters(tmp_path: Path) -> None:
    text = "#+ params:\n#+   consortium: The consortium\n" + MEMBERS
    assert load(tmp_path, text).parameter("consortium").description == "The consortium"  # type: ignore[union-attr]


def test_unknown_decorator_fails_naming_it(tmp_path: Path) -> None:
    message = load_error(tmp_path, "#+ summary: x\n#+ sumary: typo\n" + MEMBERS)
    assert "'sumary'" in message and "summary" in message


def test_grlc_endpoint_decorator_is_read_and_ignored(tmp_path: Path) -> None:
    saved = load(tmp_path, "#+ endpoint: http://dbpedia.org/sparql\n#+ endpoint_in_url: False\n" + MEMBERS)
    assert saved.ignored == (("endpoint", "http://dbpedia.org/sparql"), ("endpoint_in_url", "False"))


def test_grlc_transform_decorator_is_refused(tmp_path: Path) -> None:
    assert "'transform'" in load_error(tmp_path, "#+ transform: {key: \"?org\"}\n" + MEMBERS)


def test_duplicate_decorator_fails(tmp_path: Path) -> None:
    message = load_error(tmp_path, "#+ summary: one\n#+ summary: two\n" + MEMBERS)
    assert "duplicate key 'summary'" in message and "line 2" in message


def test_broken_yaml_fails_naming_file_and_line(tmp_path: Path) -> None:
    message = load_error(tmp_path, "#+ summary: fine\n#+ tags: [unclosed\n#+ method: GET\n" + MEMBERS, name="broken")
    assert "broken.rq" in message and "line" in message


def test_header_that_is_not_a_mapping_fails(tmp_path: Path) -> None:
    assert "key: value" in load_error(tmp_path, "#+ - just\n#+ - a list\n" + MEMBERS)


def test_decorator_after_the_query_began_fails_with_its_line(tmp_path: Path) -> None:
    message = load_error(tmp_path, "#+ summary: x\n" + MEMBERS + "#+ tags: [late]\n")
    assert "line 5" in message


def test_summary_must_be_text(tmp_path: Path) -> None:
    assert "'summary'" in load_error(tmp_path, "#+ summary: [a, b]\n" + MEMBERS)


def test_file_name_must_be_a_lower_case_slug(tmp_path: Path) -> None:
    assert "lower-case" in load_error(tmp_path, MEMBERS, name="Bad_Name")


def test_file_that_is_not_utf8_fails(tmp_path: Path) -> None:
    path = tmp_path / "latin.rq"
    path.write_bytes("# caf\xe9\nASK {}\n".encode("latin-1"))
    with pytest.raises(SavedQueryError, match="latin.rq: not UTF-8"):
        load_saved_query(path)


# -- SPARQL ------------------------------------------------------------------------------


def test_sparql_syntax_error_fails_naming_file_line_and_column(tmp_path: Path) -> None:
    message = load_error(tmp_path, "#+ summary: x\nSELECT ?s WHERE {\n  ?s ?p ?o }\nGARBAGE\n", name="syntax")
    assert "syntax.rq: line 4 column 7: SPARQL syntax error" in message


def test_undeclared_prefix_fails(tmp_path: Path) -> None:
    assert "SPARQL syntax error" in load_error(tmp_path, "SELECT ?s WHERE { ?s a ot:Consortium }\n")


def test_parameter_missing_from_the_select_clause_fails(tmp_path: Path) -> None:
    # Values are bound with pyoxigraph substitutions, never written into the text, and
    # pyoxigraph substitutes only projected variables: grlc's unprojected style is refused.
    text = PREFIX + "SELECT ?org WHERE { ?_consortium_iri ot:hasMember ?org }\n"
    assert "add the parameter" in load_error(tmp_path, text)


def test_bound_on_a_parameter_fails(tmp_path: Path) -> None:
    text = PREFIX + "SELECT ?s ?__n WHERE { ?s ot:statedMemberCount ?n FILTER(!BOUND(?__n) || ?n = ?__n) }\n"
    assert "BOUND" in load_error(tmp_path, text)


def test_bind_of_a_parameter_fails(tmp_path: Path) -> None:
    text = PREFIX + "SELECT ?s ?x ?_q WHERE { ?s rdfs:label ?l BIND(?_q AS ?x) }\n"
    assert "BIND" in load_error(tmp_path, text)


@pytest.mark.parametrize(
    ("text", "form"),
    [
        ("ASK { ?s ?p ?o }", "ask"),
        ("CONSTRUCT WHERE { ?s ?p ?o }", "construct"),
        ("DESCRIBE <https://w3id.org/onteam/id/kt>", "describe"),
        ("SELECT * WHERE { ?s ?p ?o }", "select"),
    ],
)
def test_query_form_is_recorded(tmp_path: Path, text: str, form: str) -> None:
    saved = load(tmp_path, text)
    assert saved.form == form
    assert saved.graph is (form in {"construct", "describe"})


# -- parameters --------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("variable", "expected"),
    [
        ("_consortium_iri", ("consortium", True, "iri", None, None)),
        ("__consortium_iri", ("consortium", False, "iri", None, None)),
        ("_q", ("q", True, "literal", "string", None)),
        ("_q_literal", ("q", True, "literal", "string", None)),
        ("_n_integer", ("n", True, "literal", "integer", None)),
        ("_d_date", ("d", True, "literal", "date", None)),
        ("_d_xsd_date", ("d", True, "literal", "date", None)),
        ("_m_gYearMonth", ("m", True, "literal", "gYearMonth", None)),
        ("_m_gyearmonth", ("m", True, "literal", "gYearMonth", None)),
        ("_t_dateTime", ("t", True, "literal", "dateTime", None)),
        ("_x_decimal", ("x", True, "literal", "decimal", None)),
        ("_x_float", ("x", True, "literal", "float", None)),
        ("_x_double", ("x", True, "literal", "double", None)),
        ("_b_boolean", ("b", True, "literal", "boolean", None)),
        ("_name_en", ("name", True, "literal", None, "en")),
        ("__name_ko", ("name", False, "literal", None, "ko")),
    ],
)
def test_variable_names_declare_parameters(variable: str, expected: tuple[object, ...]) -> None:
    assert parse_parameter_variable(variable) == expected


@pytest.mark.parametrize("variable", ["_n_int", "_x_xsd_foo", "___x", "_", "__", "_9lives", "_a_b_c"])
def test_unknown_type_suffix_or_bad_name_is_refused(variable: str) -> None:
    with pytest.raises(ValueError, match=variable):
        parse_parameter_variable(variable)


def test_unknown_type_suffix_stops_loading(tmp_path: Path) -> None:
    text = PREFIX + "SELECT ?s ?_n_int WHERE { ?s ot:statedMemberCount ?_n_int }\n"
    assert "unknown type suffix 'int'" in load_error(tmp_path, text)


def test_reserved_parameter_name_fails(tmp_path: Path) -> None:
    text = PREFIX + "SELECT ?s ?_format WHERE { ?s rdfs:label ?_format }\n"
    assert "reserved" in load_error(tmp_path, text)


def test_same_parameter_with_two_types_fails(tmp_path: Path) -> None:
    text = PREFIX + "SELECT ?_x_iri ?_x WHERE { ?_x_iri rdfs:label ?_x }\n"
    assert "declared twice" in load_error(tmp_path, text)


def test_variables_in_strings_iris_and_comments_are_not_parameters(tmp_path: Path) -> None:
    text = (
        PREFIX
        + "# ?_commented is not a parameter\n"
        + "SELECT ?s WHERE { ?s rdfs:label \"?_quoted\" ; <http://example.org/?_x=1> ?o . "
        + "?s rdfs:comment '''?_long''' }\n"
    )
    assert load(tmp_path, text).parameters == ()


def test_query_variables_lists_each_variable_once_in_order() -> None:
    assert query_variables("SELECT ?a $b WHERE { ?a ?p $b . ?b ?q ?a }") == ["a", "b", "p", "q"]


def test_parameters_are_typed_from_the_query(tmp_path: Path) -> None:
    text = PREFIX + "SELECT ?_consortium_iri ?__since_gYearMonth ?org WHERE { ?_consortium_iri ot:hasMember ?org ; ot:foundingDate ?__since_gYearMonth }\n"
    assert load(tmp_path, text).parameters == (
        Parameter(name="consortium", variable="_consortium_iri", required=True, kind="iri"),
        Parameter(name="since", variable="__since_gYearMonth", required=False, kind="literal", datatype="gYearMonth"),
    )


# -- folders -----------------------------------------------------------------------------


def test_folder_loads_every_rq_file_by_stem(tmp_path: Path) -> None:
    write(tmp_path, MEMBERS, "consortium-members")
    write(tmp_path, "ASK {}\n", "anything")
    (tmp_path / "README.md").write_text("not a query", encoding="utf-8")
    assert sorted(load_saved_queries(tmp_path)) == ["anything", "consortium-members"]


def test_missing_folder_means_no_saved_queries(tmp_path: Path) -> None:
    assert load_saved_queries(tmp_path / "nothing-here") == {}


def test_one_broken_file_stops_the_whole_folder(tmp_path: Path) -> None:
    write(tmp_path, MEMBERS, "good")
    write(tmp_path, "SELECT WHERE {", "bad")
    with pytest.raises(SavedQueryError, match="bad.rq"):
        load_saved_queries(tmp_path)


def test_bound_in_a_comment_or_string_is_not_refused(tmp_path: Path) -> None:
    text = PREFIX + '# never BOUND(?_x) here\nSELECT ?s WHERE { ?s rdfs:label "BOUND(?_y)" }\n'
    assert load(tmp_path, text).parameters == ()


def test_refused_bound_names_its_line(tmp_path: Path) -> None:
    text = PREFIX + '# BOUND(?_x) in a comment first\nSELECT ?s ?__n WHERE {\n  ?s ot:x ?n\n  FILTER(BOUND(?__n))\n}\n'
    assert "line 6" in load_error(tmp_path, text)
