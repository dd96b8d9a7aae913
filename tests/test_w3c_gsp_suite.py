"""The W3C Graph Store Protocol test suite (w3c/rdf-tests, sparql/sparql11/http-rdf-update), case by case.

The suite's cases build on each other (PUT, then GET, then POST merges, DELETE ...): each test
here replays the cases before its own on graphs of its own, then checks its case. Each runs in
both forms of graph identification: direct (`/graph/<path>`, the graph
https://w3id.org/onteam/graph/<path>) and indirect (`/store?graph=IRI`); the suite's GET with an
explicit `?graph=` names the same graph by its absolute IRI (a relative one is 400 here).

Where the manifest departs from the suite it was transcribed from, the tests follow the original
(w3.org/2009/sparql/docs/tests/data-sparql11/http-rdf-update): `PUT - graph already in store`
targets person/1.ttl (the manifest says person/1); `PUT - mismatched payload` sends Turtle as
`application/rdf+xml` (the manifest's request is valid Turtle); person/2.ttl is first made by
the original's `PUT - empty graph`, and `GET of POST - after noop` follows its `POST - empty graph
to existing graph`. The suite's POST bodies lack the final `.` that Turtle requires: the tests
send them with it, and check that the suite's own bytes are a 400 that writes nothing.
The 200s the suite expects of DELETE and POST are 204 here, which the protocol allows
(200 or 204); `PUT ?default` is 204, not 201: the default graph always exists.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field

import httpx
import pytest
from cli_run import DATA
from conftest import Server, start_server
from rdflib import Graph
from rdflib.compare import isomorphic, to_isomorphic

TOKEN = "w3c-gsp-token"
AUTH = {"Authorization": f"Bearer {TOKEN}"}
TURTLE = "text/turtle; charset=utf-8"
PERSON = "http://www.example/store/person/1"  # the suite's <http://$HOST$/$GRAPHSTORE$/person/1>
PREFIXES = "@prefix foaf: <http://xmlns.com/foaf/0.1/> .\n@prefix v: <http://www.w3.org/2006/vcard/ns#> .\n"
BOUNDARY = "a6fe4cd636164618814be9f8d3d1a0de"


def card(name: str) -> str:
    return PREFIXES + f'<{PERSON}> a foaf:Person;\n    foaf:businessCard [\n        a v:VCard;\n        v:fn "{name}"\n    ].\n'


ALICE = PREFIXES + '[]  a foaf:Person;\n    foaf:businessCard [\n        a v:VCard;\n        v:given-name "Alice"\n    ] .\n'
NAME = PREFIXES + f'<{PERSON}> foaf:name "Jane Doe"'  # the suite's body, without its final dot
NAMED_CARD = PREFIXES + f'<{PERSON}> a foaf:Person; foaf:name "Jane Doe"; foaf:businessCard [ a v:VCard; v:fn "Jane Doe" ] .'
FULL_CARD = PREFIXES + (f'<{PERSON}> a foaf:Person; foaf:name "Jane Doe"; foaf:givenName "Jane"; foaf:familyName "Doe";'
                        ' foaf:businessCard [ a v:VCard; v:fn "Jane Doe" ] .')


def multipart(dot: str = " .") -> str:
    """The suite's multipart/form-data body (LF line ends, as in the manifest), two Turtle parts."""
    part = ('--{b}\nContent-Disposition: form-data; name="{f}"; filename="{f}"\nContent-Type: text/turtle; charset=utf-8\n\n'
            '@prefix foaf: <http://xmlns.com/foaf/0.1/> .\n<{s}> foaf:{p} "{o}"{dot}\n\n')
    return ("\n" + part.format(b=BOUNDARY, f="lastName.ttl", s=PERSON, p="familyName", o="Doe", dot=dot)
            + part.format(b=BOUNDARY, f="firstName.ttl", s=PERSON, p="givenName", o="Jane", dot=dot)
            + f"--{BOUNDARY}--\n      ")


@pytest.fixture(scope="module")
def store(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    """One writable in-memory server for the suite, over a small root."""
    folder = tmp_path_factory.mktemp("w3c-gsp")
    root = folder / "root"
    (root / "data").mkdir(parents=True)
    (root / "ontology").mkdir()
    (root / "data" / "instances.ttl").write_text(DATA)
    running = start_server(folder, "--memory", "--update-token", TOKEN, root=root)
    yield running
    running.stop()


@dataclass
class Run:
    """One replay of the suite: its own graphs, named directly or indirectly."""

    server: Server
    direct: bool
    space: str = field(default_factory=lambda: uuid.uuid4().hex)
    new_path: str | None = None  # the suite's $NEWPATH$, from the Location of `POST - create new graph`

    def iri(self, name: str) -> str:
        base = "https://w3id.org/onteam/graph/" if self.direct else "http://www.example/store/"
        return f"{base}w3c/{self.space}/{name}"

    def send(self, method: str, name: str | None, body: str | None = None, content_type: str | None = None,
             *, accept: str | None = None, by_parameter: bool = False) -> httpx.Response:
        """A request on graph `name` ('default' for ?default, None for the store, 'new' for $NEWPATH$).

        GETs and HEADs carry the headers the manifest gives them, a body-less Content-Type included.
        """
        params: dict[str, str] = {}
        if name is None:
            url = "/store"
        elif name == "default":
            url = "/store?default"
        elif name == "new":
            assert self.new_path and self.new_path.startswith(self.server.base), self.new_path
            url = self.new_path[len(self.server.base):]
        elif self.direct and not by_parameter:
            url = f"/graph/w3c/{self.space}/{name}"
        else:
            url, params = "/store", {"graph": self.iri(name)}
        headers = dict(AUTH) if method in ("PUT", "POST", "DELETE") else {}
        if content_type:
            headers["Content-Type"] = content_type
        if accept:
            headers["Accept"] = accept
        # No `params` at all when empty: httpx would drop the `?default` of the URL.
        return self.server.client.request(method, url, params=params or None, headers=headers,
                                          content=None if body is None else body.encode())


def same_graph(response: httpx.Response, expected: str) -> bool:
    """Whether a Turtle answer holds exactly `expected` (blank nodes compared by isomorphism)."""
    assert response.status_code == 200, response.text
    assert response.headers["content-type"].startswith("text/turtle")
    got = Graph().parse(data=response.text, format="turtle")
    want = Graph().parse(data=expected, format="turtle") if expected else Graph()
    if not isomorphic(got, want):
        print(sorted(to_isomorphic(got)), sorted(to_isomorphic(want)), sep="\n")
        return False
    return True


# The suite's requests, in its order (with the original suite's two steps the manifest lost).
STEPS: list[tuple[str, Callable[[Run], httpx.Response]]] = [
    ("put__initial_state", lambda r: r.send("PUT", "person/1.ttl", card("John Doe"), TURTLE)),
    ("get_of_put__initial_state", lambda r: r.send("GET", "person/1.ttl", None, TURTLE, accept="text/turtle", by_parameter=True)),
    ("put__graph_already_in_store", lambda r: r.send("PUT", "person/1.ttl", card("Jane Doe"), TURTLE)),
    ("get_of_put__graph_already_in_store", lambda r: r.send("GET", "person/1.ttl", None, TURTLE, accept="text/turtle")),
    ("put__default_graph", lambda r: r.send("PUT", "default", ALICE, TURTLE)),
    ("get_of_put__default_graph", lambda r: r.send("GET", "default", None, TURTLE, accept="text/turtle")),
    ("put__mismatched_payload", lambda r: r.send("PUT", "person/1.ttl", card("Jane Doe"), "application/rdf+xml")),
    ("put__empty_graph", lambda r: r.send("PUT", "person/2.ttl", "", TURTLE)),
    ("get_of_put__empty_graph", lambda r: r.send("GET", "person/2.ttl", accept="text/turtle")),
    ("delete__existing_graph", lambda r: r.send("DELETE", "person/2.ttl")),
    ("get_of_delete__existing_graph", lambda r: r.send("GET", "person/2.ttl")),
    ("delete__nonexistent_graph", lambda r: r.send("DELETE", "person/2.ttl")),
    ("post__existing_graph", lambda r: r.send("POST", "person/1.ttl", NAME + " .", TURTLE)),
    ("get_of_post__existing_graph", lambda r: r.send("GET", "person/1.ttl", None, TURTLE, accept="text/turtle")),
    ("post__multipart_formdata",
     lambda r: r.send("POST", "person/1.ttl", multipart(), f"multipart/form-data; boundary={BOUNDARY}")),
    ("get_of_post__multipart_formdata", lambda r: r.send("GET", "person/1.ttl", None, TURTLE)),
    ("post__create__new_graph", lambda r: r.send("POST", None, ALICE, TURTLE)),
    ("get_of_post__create__new_graph", lambda r: r.send("GET", "new", None, TURTLE, accept="text/turtle")),
    ("post__empty_graph_to_existing_graph", lambda r: r.send("POST", "new", "", TURTLE)),
    ("get_of_post__after_noop", lambda r: r.send("GET", "new", None, TURTLE, accept="text/turtle")),
    ("head_on_an_existing_graph", lambda r: r.send("HEAD", "person/1.ttl", None, TURTLE)),
    ("head_on_a_nonexisting_graph", lambda r: r.send("HEAD", "person/4.ttl")),
]


@pytest.fixture(params=["direct", "indirect"])
def replay(request: pytest.FixtureRequest, store: Server) -> Callable[[str], tuple[Run, httpx.Response]]:
    """Replay the suite up to a case (each earlier step must succeed); answer the case's response."""

    def run_until(case: str) -> tuple[Run, httpx.Response]:
        run = Run(store, direct=request.param == "direct")
        for name, step in STEPS:
            if name != case and name.startswith(("get_of_", "head_")):
                continue  # reads change nothing: the case's own state is the writes before it
            response = step(run)
            if name == case:
                return run, response
            assert response.status_code < 500 and response.status_code != 401, f"{name}: {response.text}"
            if name == "post__create__new_graph":
                run.new_path = response.headers["location"]
        raise AssertionError(f"no step {case}")

    return run_until


def test_put__initial_state_creates_the_graph_201(replay: Callable[[str], tuple[Run, httpx.Response]]) -> None:
    """W3C GSP suite: PUT - Initial state."""
    run, response = replay("put__initial_state")
    assert response.status_code == 201, response.text
    assert same_graph(run.send("GET", "person/1.ttl", accept="text/turtle"), card("John Doe"))


def test_get_of_put__initial_state_by_graph_parameter(replay: Callable[[str], tuple[Run, httpx.Response]]) -> None:
    """W3C GSP suite: GET of PUT - Initial state."""
    _, response = replay("get_of_put__initial_state")
    assert same_graph(response, card("John Doe"))


def test_put__graph_already_in_store_is_204(replay: Callable[[str], tuple[Run, httpx.Response]]) -> None:
    """W3C GSP suite: PUT - graph already in store."""
    _, response = replay("put__graph_already_in_store")
    assert response.status_code == 204, response.text
    assert "location" not in response.headers


def test_get_of_put__graph_already_in_store_is_replaced(replay: Callable[[str], tuple[Run, httpx.Response]]) -> None:
    """W3C GSP suite: GET of PUT - graph already in store."""
    _, response = replay("get_of_put__graph_already_in_store")
    assert same_graph(response, card("Jane Doe"))


def test_put__default_graph_is_204_as_it_always_exists(replay: Callable[[str], tuple[Run, httpx.Response]]) -> None:
    """W3C GSP suite: PUT - default graph (the suite says 201; the default graph always exists here)."""
    _, response = replay("put__default_graph")
    assert response.status_code == 204, response.text


def test_get_of_put__default_graph(replay: Callable[[str], tuple[Run, httpx.Response]]) -> None:
    """W3C GSP suite: GET of PUT - default graph."""
    _, response = replay("get_of_put__default_graph")
    assert same_graph(response, ALICE)


def test_put__mismatched_payload_is_400_and_graph_unchanged(replay: Callable[[str], tuple[Run, httpx.Response]]) -> None:
    """W3C GSP suite: PUT - mismatched payload."""
    run, response = replay("put__mismatched_payload")
    assert response.status_code == 400, response.text
    assert "nothing was written" in response.json()["error"]
    assert same_graph(run.send("GET", "person/1.ttl", accept="text/turtle"), card("Jane Doe"))


def test_put__empty_graph_creates_an_empty_graph_201(replay: Callable[[str], tuple[Run, httpx.Response]]) -> None:
    """W3C GSP suite (original, lost from the manifest): PUT - empty graph."""
    _, response = replay("put__empty_graph")
    assert response.status_code == 201, response.text


def test_get_of_put__empty_graph_is_200_and_empty(replay: Callable[[str], tuple[Run, httpx.Response]]) -> None:
    """W3C GSP suite (original, lost from the manifest): GET of PUT - empty graph."""
    _, response = replay("get_of_put__empty_graph")
    assert same_graph(response, "")


def test_delete__existing_graph_is_204(replay: Callable[[str], tuple[Run, httpx.Response]]) -> None:
    """W3C GSP suite: DELETE - existing graph (200 in the suite; the protocol allows 200 or 204)."""
    _, response = replay("delete__existing_graph")
    assert response.status_code == 204, response.text


def test_get_of_delete__existing_graph_is_404(replay: Callable[[str], tuple[Run, httpx.Response]]) -> None:
    """W3C GSP suite: GET of DELETE - existing graph."""
    _, response = replay("get_of_delete__existing_graph")
    assert response.status_code == 404, response.text


def test_delete__nonexistent_graph_is_404(replay: Callable[[str], tuple[Run, httpx.Response]]) -> None:
    """W3C GSP suite: DELETE - non-existent graph."""
    _, response = replay("delete__nonexistent_graph")
    assert response.status_code == 404, response.text


def test_post__existing_graph_is_204(replay: Callable[[str], tuple[Run, httpx.Response]]) -> None:
    """W3C GSP suite: POST - existing graph (200 in the suite; the protocol allows 200 or 204)."""
    _, response = replay("post__existing_graph")
    assert response.status_code == 204, response.text


def test_post__existing_graph_suite_body_without_final_dot_is_400(
    replay: Callable[[str], tuple[Run, httpx.Response]],
) -> None:
    """W3C GSP suite: POST - existing graph, with the suite's own body (not Turtle: no final dot)."""
    run, _ = replay("delete__nonexistent_graph")
    response = run.send("POST", "person/1.ttl", NAME, TURTLE)
    assert response.status_code == 400, response.text
    assert (response.json()["line"], response.json()["column"]) == (3, 57)
    assert same_graph(run.send("GET", "person/1.ttl", accept="text/turtle"), card("Jane Doe"))


def test_get_of_post__existing_graph_is_merged(replay: Callable[[str], tuple[Run, httpx.Response]]) -> None:
    """W3C GSP suite: GET of POST - existing graph."""
    _, response = replay("get_of_post__existing_graph")
    assert same_graph(response, NAMED_CARD)


def test_post__multipart_formdata_is_204(replay: Callable[[str], tuple[Run, httpx.Response]]) -> None:
    """W3C GSP suite: POST - multipart/form-data (200 in the suite; the protocol allows 200 or 204)."""
    _, response = replay("post__multipart_formdata")
    assert response.status_code == 204, response.text


def test_post__multipart_formdata_suite_body_without_final_dots_is_400(
    replay: Callable[[str], tuple[Run, httpx.Response]],
) -> None:
    """W3C GSP suite: POST - multipart/form-data, with the suite's own parts (not Turtle: no final dot)."""
    run, _ = replay("get_of_post__existing_graph")
    response = run.send("POST", "person/1.ttl", multipart(dot=""), f"multipart/form-data; boundary={BOUNDARY}")
    assert response.status_code == 400, response.text
    assert "lastName.ttl" in response.json()["error"]
    assert same_graph(run.send("GET", "person/1.ttl", accept="text/turtle"), NAMED_CARD)


def test_get_of_post__multipart_formdata_has_every_part(replay: Callable[[str], tuple[Run, httpx.Response]]) -> None:
    """W3C GSP suite: GET of POST - multipart/form-data."""
    _, response = replay("get_of_post__multipart_formdata")
    assert same_graph(response, FULL_CARD)


def test_post__create__new_graph_is_201_with_location(replay: Callable[[str], tuple[Run, httpx.Response]]) -> None:
    """W3C GSP suite: POST - create new graph."""
    run, response = replay("post__create__new_graph")
    assert response.status_code == 201, response.text
    assert response.headers["location"].startswith(run.server.base + "/graph/store/")


def test_get_of_post__create__new_graph_at_location(replay: Callable[[str], tuple[Run, httpx.Response]]) -> None:
    """W3C GSP suite: GET of POST - create new graph."""
    _, response = replay("get_of_post__create__new_graph")
    assert same_graph(response, ALICE)


def test_post__empty_graph_to_existing_graph_is_204(replay: Callable[[str], tuple[Run, httpx.Response]]) -> None:
    """W3C GSP suite (original, lost from the manifest): POST - empty graph to existing graph."""
    _, response = replay("post__empty_graph_to_existing_graph")
    assert response.status_code == 204, response.text


def test_get_of_post__after_noop_is_unchanged(replay: Callable[[str], tuple[Run, httpx.Response]]) -> None:
    """W3C GSP suite: GET of POST - after noop."""
    _, response = replay("get_of_post__after_noop")
    assert same_graph(response, ALICE)


def test_head_on_an_existing_graph_is_200_without_body(replay: Callable[[str], tuple[Run, httpx.Response]]) -> None:
    """W3C GSP suite: HEAD on an existing graph."""
    _, response = replay("head_on_an_existing_graph")
    assert response.status_code == 200, response.text
    assert response.headers["content-type"].startswith("text/turtle")
    assert response.content == b""


def test_head_on_a_nonexisting_graph_is_404(replay: Callable[[str], tuple[Run, httpx.Response]]) -> None:
    """W3C GSP suite: HEAD on a non-existing graph."""
    _, response = replay("head_on_a_nonexisting_graph")
    assert response.status_code == 404
    assert response.content == b""


# Points of the protocol the suite leaves open.


def test_post_multipart_formdata_to_the_store_creates_one_graph_201(store: Server) -> None:
    """Graph Store Protocol §5.5: a multipart POST to the graph store makes one new graph of all its parts."""
    response = store.client.post("/store", content=multipart().encode(),
                                 headers={"Content-Type": f"multipart/form-data; boundary={BOUNDARY}", **AUTH})
    assert response.status_code == 201, response.text
    location = response.headers["location"]
    got = store.client.get(location[len(store.base):], headers={"Accept": "text/turtle"})
    assert same_graph(got, PREFIXES + f'<{PERSON}> foaf:familyName "Doe"; foaf:givenName "Jane" .')


def test_put_multipart_formdata_is_415_and_nothing_is_written(store: Server) -> None:
    """Graph Store Protocol §5.5: parts are merged by POST only; a PUT of parts is 415 and writes nothing."""
    run = Run(store, direct=True)
    response = run.send("PUT", "person/1.ttl", multipart(), f"multipart/form-data; boundary={BOUNDARY}")
    assert response.status_code == 415, response.text
    assert run.send("GET", "person/1.ttl", accept="text/turtle").status_code == 404
