"""SERVICE / LOAD refusal: only allow-listed endpoints, however the query spells them.

pyoxigraph 0.5.13 is built with its HTTP client: it really sends SERVICE and LOAD requests, so
without the check an open endpoint relays requests to any host (the first test shows it).
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from fastapi import FastAPI
from pyoxigraph import Store

from server.errors import BadRequest, Forbidden
from server.limits import allow_list, check_federation, install_limits
from server.settings import Settings

from conftest import LoopbackHandler, serve_http

ALLOWED = "https://query.wikidata.org/sparql"
ALLOW = frozenset({ALLOWED})
EVIL = "http://127.0.0.1:9/sparql"  # port 9: pyoxigraph refuses to connect, should a test run it


@pytest.fixture
def endpoint() -> Iterator[tuple[str, list[str]]]:
    """A local HTTP server that answers any request with one SPARQL JSON solution, and logs paths."""
    seen: list[str] = []

    class Handler(LoopbackHandler):
        def do_POST(self) -> None:
            self.rfile.read(int(self.headers.get("content-length") or 0))
            seen.append(self.path)
            body = b'{"head":{"vars":["s"]},"results":{"bindings":[{"s":{"type":"uri","value":"http://remote/"}}]}}'
            self.answer(200, "application/sparql-results+json", body)

    with serve_http(Handler) as origin:
        yield f"{origin}/sparql", seen


def test_pyoxigraph_really_calls_service_endpoints(endpoint: tuple[str, list[str]]) -> None:
    url, seen = endpoint
    rows = list(Store().query(f"SELECT ?s WHERE {{ SERVICE <{url}> {{ ?s ?p ?o }} }}"))
    assert [str(row["s"]) for row in rows] == ["<http://remote/>"]
    assert seen == ["/sparql"]


def test_checked_query_never_reaches_the_endpoint(endpoint: tuple[str, list[str]]) -> None:
    url, seen = endpoint
    with pytest.raises(Forbidden):
        check_federation(f"SELECT ?s WHERE {{ SERVICE <{url}> {{ ?s ?p ?o }} }}", frozenset())
    assert seen == []


ALLOWED_TEXTS = [
    "SELECT * WHERE { ?s ?p ?o }",
    f"SELECT * WHERE {{ SERVICE <{ALLOWED}> {{ ?s ?p ?o }} }}",
    f"select * where {{ service silent <{ALLOWED}> {{ ?s ?p ?o }} }}",
    "PREFIX wd: <https://query.wikidata.org/> SELECT * WHERE { SERVICE wd:sparql { ?s ?p ?o } }",
    "BASE <https://query.wikidata.org/> SELECT * WHERE { SERVICE <sparql> { ?s ?p ?o } }",
    'SELECT * WHERE { ?s ?p "SERVICE <http://127.0.0.1/> { }" }',
    "SELECT * WHERE { ?s ?p 'service <http://127.0.0.1/>' }",
    'SELECT * WHERE { ?s ?p """multi\nSERVICE <http://127.0.0.1/> { ?a ?b ?c }\n""" }',
    "SELECT * WHERE { ?s ?p '''a ''SERVICE'' <http://127.0.0.1/>''' }",
    'SELECT * WHERE { ?s ?p "escaped \\" SERVICE <http://127.0.0.1/> { }" }',
    "SELECT * WHERE { ?s ?p ?o } # SERVICE <http://127.0.0.1/> { }",
    "# SERVICE <http://127.0.0.1/>\nSELECT * WHERE { ?s ?p ?o }",
    "SELECT ?service WHERE { ?service a ?type }",
    "SELECT * WHERE { ?s <http://example.org/service> ?o }",
    "PREFIX ex: <http://example.org/> SELECT * WHERE { ?s ex:service ?o . ?s ex:load ?x }",
    "PREFIX service: <http://example.org/> SELECT * WHERE { ?s service:x ?o }",
    "SELECT * WHERE { _:service ?p ?o }",
    'SELECT * WHERE { ?s ?p "x"@service }',
    "SELECT * WHERE { ?s ?p ?o FILTER(?o < <http://x/>) }",
    "SELECT * WHERE { ?s <http://example.org/#SERVICE> ?o }",
    "SELECT ?download WHERE { ?download ?p ?o }",
    f"INSERT {{ ?s ?p ?o }} WHERE {{ SERVICE <{ALLOWED}> {{ ?s ?p ?o }} }}",
    f"LOAD <{ALLOWED}>",
    "CLEAR GRAPH <http://example.org/g>",
]

REFUSED_TEXTS = [
    (f"SELECT * WHERE {{ SERVICE <{EVIL}> {{ ?s ?p ?o }} }}", EVIL),
    (f"SELECT * WHERE {{ service <{EVIL}> {{ ?s ?p ?o }} }}", EVIL),
    (f"SELECT * WHERE {{ SeRvIcE <{EVIL}> {{ ?s ?p ?o }} }}", EVIL),
    (f"SELECT * WHERE {{ SERVICE SILENT <{EVIL}> {{ ?s ?p ?o }} }}", EVIL),
    (f"SELECT * WHERE {{ SERVICE\n\t silent\n<{EVIL}>{{ ?s ?p ?o }} }}", EVIL),
    (f"SELECT * WHERE {{ SERVICE # comment\n <{EVIL}> {{ ?s ?p ?o }} }}", EVIL),
    (f"SELECT * WHERE {{ ?s ?p ?o # \"\n SERVICE <{EVIL}> {{ }} }}", EVIL),
    (f'SELECT * WHERE {{ ?s ?p "a" . SERVICE<{EVIL}>{{ ?s ?p ?o }} }}', EVIL),
    ("PREFIX ex: <http://127.0.0.1:9/> SELECT * WHERE { SERVICE ex:sparql { ?s ?p ?o } }", EVIL),
    ("PREFIX : <http://127.0.0.1:9/> SELECT * WHERE { SERVICE :sparql { ?s ?p ?o } }", EVIL),
    ("PREFIX ex: <http://127.0.0.1:9/> SELECT * WHERE { SERVICE ex:sp\\.arql { ?s ?p ?o } }",
     "http://127.0.0.1:9/sp.arql"),
    ("BASE <http://127.0.0.1:9/> SELECT * WHERE { SERVICE <sparql> { ?s ?p ?o } }", EVIL),
    ("SELECT * WHERE { SERVICE <http://127.0.0.1\\u003a9/sparql> { ?s ?p ?o } }", EVIL),
    (f"SELECT * WHERE {{ SERVICE <{ALLOWED}> {{ SERVICE <{EVIL}> {{ ?s ?p ?o }} }} }}", EVIL),
    (f"SELECT * WHERE {{ {{ SELECT * WHERE {{ SERVICE <{EVIL}> {{ ?s ?p ?o }} }} }} }}", EVIL),
    (f"SELECT * WHERE {{ FILTER EXISTS {{ SERVICE <{EVIL}> {{ ?s ?p ?o }} }} }}", EVIL),
    (f"SELECT * WHERE {{ SERVICE <{ALLOWED}/> {{ ?s ?p ?o }} }}", ALLOWED + "/"),
    (f"INSERT {{ ?s ?p ?o }} WHERE {{ SERVICE <{EVIL}> {{ ?s ?p ?o }} }}", EVIL),
    (f"DELETE WHERE {{ ?s ?p ?o }} ; INSERT {{ ?s ?p ?o }} WHERE {{ SERVICE <{EVIL}> {{ ?s ?p ?o }} }}", EVIL),
    (f"LOAD <{EVIL}>", EVIL),
    (f"load silent <{EVIL}> INTO GRAPH <http://example.org/g>", EVIL),
]


@pytest.mark.parametrize("text", ALLOWED_TEXTS)
def test_allowed_text_passes(text: str) -> None:
    check_federation(text, ALLOW)


@pytest.mark.parametrize(("text", "target"), REFUSED_TEXTS)
def test_refused_text_names_the_endpoint(text: str, target: str) -> None:
    with pytest.raises(Forbidden) as caught:
        check_federation(text, ALLOW)
    assert caught.value.status == 403
    assert f"<{target}>" in caught.value.message
    assert caught.value.extra == {"endpoint": target}


@pytest.mark.parametrize(
    "text",
    [
        "SELECT * WHERE { SERVICE ?endpoint { ?s ?p ?o } }",
        "SELECT * WHERE { service silent $endpoint { ?s ?p ?o } }",
        "SELECT * WHERE { VALUES ?e { <https://query.wikidata.org/sparql> } SERVICE ?e { ?s ?p ?o } }",
    ],
)
def test_service_with_a_variable_is_always_refused(text: str) -> None:
    with pytest.raises(Forbidden, match="variable"):
        check_federation(text, ALLOW)


def test_empty_allow_list_refuses_every_service() -> None:
    with pytest.raises(Forbidden, match="the allow list is empty"):
        check_federation(f"SELECT * WHERE {{ SERVICE <{ALLOWED}> {{ ?s ?p ?o }} }}", frozenset())


def test_service_with_undeclared_prefix_is_bad_request() -> None:
    with pytest.raises(BadRequest, match="'nope:' is not declared"):
        check_federation("SELECT * WHERE { SERVICE nope:x { ?s ?p ?o } }", ALLOW)


def test_service_followed_by_no_target_is_bad_request() -> None:
    with pytest.raises(BadRequest, match="must be followed by an IRI or a variable"):
        check_federation("SELECT * WHERE { SERVICE { ?s ?p ?o } }", ALLOW)


def test_refused_texts_are_ones_pyoxigraph_parses() -> None:
    # The table must be made of real SPARQL, else it tests the lexer against impossible input.
    store = Store()
    for text, _ in REFUSED_TEXTS:
        if "LOAD" in text.upper() or "INSERT" in text.upper():
            continue
        try:
            store.query(text.replace(ALLOWED, EVIL))  # never reach the internet
        except SyntaxError as exc:
            raise AssertionError(f"not SPARQL: {text!r}: {exc}") from None
        except OSError:
            pass  # it parsed and then tried the (refused) port: that is the point


def test_allow_list_setting_is_split_on_commas() -> None:
    settings = Settings(service_allow_list=f" {ALLOWED} ,, https://dbpedia.org/sparql ")
    assert allow_list(settings) == frozenset({ALLOWED, "https://dbpedia.org/sparql"})
    assert allow_list(Settings()) == frozenset()
    assert allow_list(Settings.from_env({"ONTEAM_SERVICE_ALLOW_LIST": ""})) == frozenset()


def test_install_limits_parses_the_allow_list_once() -> None:
    app = FastAPI()
    install_limits(app, Settings(service_allow_list=ALLOWED))
    assert app.state.service_allow == ALLOW
