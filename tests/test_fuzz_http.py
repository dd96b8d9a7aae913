"""Property-based fuzzing of the query/format/parameter space over HTTP, against the real server.

Random Accept headers (valid, malformed, q-values, wildcards), random `format`/`output`/`results`
values, random query texts (fragments of SPARQL, garbage, unicode, NULs, long), random saved-query
parameters and random paths under /id/ and /store?graph=. Every answer must:

- not be a server error (5xx) and carry no Python traceback;
- where the endpoint answers errors in JSON, be the common body {"ok": false, "error", "status"};
- arrive within the client's timeout (a hang raises in httpx and fails the test).

Bounded and deterministic: `derandomize=True` and a small `max_examples` per property.
"""

from __future__ import annotations

import json
import os
import string
from urllib.parse import quote

import httpx
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from conftest import Server

FUZZ = settings(
    max_examples=int(os.environ.get("ONTEAM_FUZZ_EXAMPLES", "200")),
    deadline=None,
    derandomize=not os.environ.get("ONTEAM_FUZZ_RANDOM"),  # set it for an exploratory run
    database=None,
    suppress_health_check=list(HealthCheck),
)
SELECT = "SELECT ?s ?label WHERE { ?s <http://www.w3.org/2000/01/rdf-schema#label> ?label } LIMIT 3"
CONSTRUCT = "CONSTRUCT WHERE { ?s a <https://w3id.org/onteam/ontology#Consortium> } LIMIT 3"
ASK = "ASK { ?s ?p ?o }"
TRACEBACK_MARKERS = ("Traceback (most recent call last)", 'File "/')

# -- strategies ---------------------------------------------------------------------------

MEDIA = [
    "application/sparql-results+json",
    "application/sparql-results+xml",
    "application/json",
    "application/xml",
    "text/xml",
    "text/csv",
    "text/tab-separated-values",
    "text/turtle",
    "application/n-triples",
    "application/n-quads",
    "application/trig",
    "application/rdf+xml",
    "application/ld+json",
    "text/plain",
    "text/html",
    "application/sparql-query",
    "image/png",
    "*/*",
    "text/*",
    "application/*",
]
junk_text = st.text(
    alphabet=st.characters(codec="utf-8", exclude_categories=["Cs"]), max_size=30
)  # any UTF-8 text, NULs and controls included
media_range = st.one_of(
    st.sampled_from(MEDIA),
    st.builds("{}/{}".format, st.text(string.ascii_letters + "+-.*", max_size=12), st.text(string.ascii_letters + "+-.*", max_size=12)),
    st.text(string.printable, max_size=20),
)
q_value = st.one_of(
    st.sampled_from(["1", "0", "0.5", "0.001", "1.000", "1.5", "-1", "abc", "", "0.0000001", "NaN", "inf"]),
    st.floats(allow_nan=True, allow_infinity=True).map(repr),
)
accept_item = st.one_of(
    media_range,
    st.builds("{};q={}".format, media_range, q_value),
    st.builds("{}; charset={}; q={}".format, media_range, st.sampled_from(["utf-8", "latin-1", "x"]), q_value),
)
# Header values must be latin-1 encodable without CR/LF for the client to send them.
accept_header = st.lists(accept_item, min_size=0, max_size=6).map(", ".join).filter(
    lambda v: v.isprintable() and v.isascii() and v == v.strip()
)

FORMAT_NAMES = ["json", "xml", "csv", "tsv", "turtle", "ttl", "nt", "nq", "trig", "rdf", "rdfxml", "jsonld", "n3", "srj",
                "text/csv", "application/sparql-results+json", "text/turtle,application/ld+json", ",,,", "sparql", "html"]
format_value = st.one_of(st.sampled_from(FORMAT_NAMES), junk_text)

FRAGMENTS = [
    "SELECT", "CONSTRUCT", "ASK", "DESCRIBE", "WHERE", "{", "}", "(", ")", "?s", "?p", "?o", "$x", "*", ".", ";", ",",
    "a", "<https://w3id.org/onteam/id/kt>", "<http://www.w3.org/2000/01/rdf-schema#label>", "ot:Consortium",
    "PREFIX ot: <https://w3id.org/onteam/ontology#>", "BASE <http://x/>", "FILTER", "regex(?o, \"원팀\")",
    "LIMIT 2", "OFFSET 1", "OPTIONAL", "UNION", "MINUS", "VALUES ?s { <urn:a> }", "BIND(1 AS ?z)",
    "\"literal\"@ko", "'''long'''", "1.5e3", "true", "GRAPH ?g", "FROM <urn:g>", "FROM NAMED <urn:g>",
    "SERVICE <http://127.0.0.1:9/>", "SERVICE ?e", "LOAD", "INSERT DATA", "# comment\n", "\\u0041", "_:b",
    "COUNT(*)", "STR(?s)", "<bad iri>", "\x00", "\ufeff", "원팀", "😀", "%FF",
]
query_text = st.one_of(
    st.lists(st.sampled_from(FRAGMENTS), max_size=16).map(" ".join),
    junk_text,
    st.sampled_from([SELECT, CONSTRUCT, ASK]).flatmap(lambda q: st.integers(0, len(q)).map(lambda n: q[:n])),
    st.builds(lambda t, n: t * n, st.sampled_from(["{", "(", "?s ", "\"", "#", "원"]), st.integers(1, 3000)),
)

# -- checks ---------------------------------------------------------------------------------


def check_answer(response: httpx.Response, *, json_errors: bool = True) -> None:
    """No server error, no traceback, and (where the endpoint says so) the common JSON error body."""
    assert response.status_code < 500, (response.status_code, response.text[:500])
    body = response.text if response.request.method != "HEAD" else ""
    for marker in TRACEBACK_MARKERS:
        assert marker not in body, body[:1000]
    if response.status_code >= 400 and json_errors and response.request.method != "HEAD":
        assert response.headers["content-type"].startswith("application/json"), (response.status_code, body[:300])
        error = json.loads(body)
        assert error["ok"] is False, error
        assert isinstance(error["error"], str) and error["error"], error
        assert error["status"] == response.status_code, error


# -- properties ------------------------------------------------------------------------------


@FUZZ
@given(accept=accept_header, query=st.sampled_from([SELECT, CONSTRUCT, ASK, None]))
def test_random_accept_on_sparql_never_fails_the_server(server: Server, accept: str, query: str | None) -> None:
    params = {"query": query} if query is not None else {}
    check_answer(server.client.get("/sparql", params=params, headers={"Accept": accept}))


@FUZZ
@given(
    accept=accept_header,
    path=st.sampled_from(["/.well-known/void", "/api/one-teams", "/api/kinds", "/ontology", "/id/kt", "/store"]),
)
def test_random_accept_elsewhere_never_fails_the_server(server: Server, accept: str, path: str) -> None:
    # /id/ and /ontology answer a 404 in the negotiated RDF format or HTML, not JSON.
    json_errors = not path.startswith(("/id/", "/ontology"))
    check_answer(server.client.get(path, headers={"Accept": accept}), json_errors=json_errors)


@FUZZ
@given(
    name=st.sampled_from(["format", "output", "results"]),
    values=st.lists(format_value, min_size=1, max_size=3),
    query=st.sampled_from([SELECT, CONSTRUCT, ASK, None]),
)
def test_random_format_parameters_never_fail_the_server(
    server: Server, name: str, values: list[str], query: str | None
) -> None:
    params: list[tuple[str, str]] = [(name, v) for v in values]
    if query is not None:
        params.append(("query", query))
    check_answer(server.client.get("/sparql", params=params))
    check_answer(server.client.get("/api/one-teams", params=params[:1]))


@FUZZ
@given(query=query_text, how=st.sampled_from(["get", "form", "direct"]))
def test_random_query_text_is_answered_or_refused_cleanly(server: Server, query: str, how: str) -> None:
    if how == "get":
        response = server.client.get("/sparql", params={"query": query})
    elif how == "form":
        response = server.client.post("/sparql", data={"query": query})
    else:
        response = server.client.post(
            "/sparql", content=query.encode(), headers={"Content-Type": "application/sparql-query"}
        )
    check_answer(response)


@FUZZ
@given(update=query_text)
def test_random_update_text_is_refused_cleanly_without_a_token(server: Server, update: str) -> None:
    response = server.client.post(
        "/sparql", content=update.encode(), headers={"Content-Type": "application/sparql-update"}
    )
    check_answer(response)
    assert response.status_code in (400, 401, 403)


@FUZZ
@given(
    name=st.sampled_from(["consortium-members", "organizations", "search", "evidence", "timeline", "consortium"]),
    params=st.lists(
        st.tuples(st.sampled_from(["consortium", "kind", "q", "lang", "page", "resource", "organization", "x"]), junk_text),
        max_size=4,
    ),
    post=st.booleans(),
)
def test_random_saved_query_parameters_never_fail_the_server(
    server: Server, name: str, params: list[tuple[str, str]], post: bool
) -> None:
    if post:
        response = server.client.post(f"/api/{name}", data=dict(params))
    else:
        response = server.client.get(f"/api/{name}", params=params)
    check_answer(response)


@FUZZ
@given(
    slug=st.one_of(junk_text, st.sampled_from(["kt", "ai-one-team", "kt.ttl", "kt.json", "kt.", ".ttl", "KT", "kt/x"])),
    accept=st.one_of(st.none(), accept_header),
)
def test_random_resource_paths_never_fail_the_server(server: Server, slug: str, accept: str | None) -> None:
    headers = {"Accept": accept} if accept is not None else {}
    response = server.client.get("/id/" + quote(slug, safe=""), headers=headers)
    check_answer(response, json_errors=False)


@FUZZ
@given(
    graph=st.one_of(
        junk_text,
        st.sampled_from(["https://w3id.org/onteam/graph/data/instances", "urn:x", "http://", "a:b", "<x>", " "]),
    ),
    extra=st.sampled_from([[], [("default", "")], [("graph", "urn:y")]]),
    method=st.sampled_from(["GET", "HEAD", "PUT", "DELETE"]),
)
def test_random_graph_store_requests_never_fail_the_server(
    server: Server, graph: str, extra: list[tuple[str, str]], method: str
) -> None:
    response = server.client.request(method, "/store", params=[("graph", graph), *extra], content=b"<a:b> <a:c> <a:d> .",
                                     headers={"Content-Type": "application/n-triples"})
    check_answer(response)


CONTENT_TYPES = [
    "application/x-www-form-urlencoded",
    "application/sparql-query",
    "application/sparql-update",
    "application/json",
    "text/plain",
    "multipart/form-data",
    "",
]
content_type = st.one_of(
    st.sampled_from(CONTENT_TYPES),
    st.builds("{}; charset={}".format, st.sampled_from(CONTENT_TYPES),
              st.sampled_from(["utf-8", "UTF8", "latin-1", "utf-16", "ebcdic-x", '"utf-8"', ""])),
)
raw_body = st.one_of(
    st.binary(max_size=200),
    query_text.map(lambda q: q.encode("utf-8", "surrogatepass")),
    st.builds(lambda q, junk: b"query=" + q.encode() + junk, st.sampled_from([SELECT, ASK]), st.binary(max_size=8)),
)


@FUZZ
@given(body=raw_body, media=content_type, etag=st.one_of(st.none(), st.sampled_from(['*', 'W/"x"', '"', "", 'W/'])))
def test_random_bodies_and_content_types_on_sparql_never_fail_the_server(
    server: Server, body: bytes, media: str, etag: str | None
) -> None:
    headers = {"Content-Type": media}
    if etag is not None:
        headers["If-None-Match"] = etag
    check_answer(server.client.post("/sparql", content=body, headers=headers))


@FUZZ
@given(body=raw_body, media=content_type, name=st.sampled_from(["search", "organizations", "one-teams"]))
def test_random_bodies_on_saved_queries_never_fail_the_server(server: Server, body: bytes, media: str, name: str) -> None:
    check_answer(server.client.post(f"/api/{name}", content=body, headers={"Content-Type": media}))
