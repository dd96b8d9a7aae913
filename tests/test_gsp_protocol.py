"""The Graph Store HTTP Protocol at /store and /graph/...: methods, status codes, formats."""

from __future__ import annotations

import uuid
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from cli_run import DATA
from conftest import Server, start_server
from pyoxigraph import RdfFormat, parse

TOKEN = "gsp-token"
AUTH = {"Authorization": f"Bearer {TOKEN}"}
TTL = {"Content-Type": "text/turtle", **AUTH}
TRIPLE = '<https://example.org/s> <https://example.org/p> "one" .'
OTHER = '<https://example.org/s> <https://example.org/p> "two" .'


@pytest.fixture(scope="module")
def gsp(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    """One writable server for this module, over a small root."""
    folder = tmp_path_factory.mktemp("gsp")
    root = folder / "root"
    (root / "data").mkdir(parents=True)
    (root / "ontology").mkdir()
    (root / "data" / "instances.ttl").write_text(DATA)
    running = start_server(folder, "--update-token", TOKEN, root=root)
    yield running
    running.stop()


def fresh_graph() -> str:
    return f"https://example.org/graph/{uuid.uuid4().hex}"


def objects(server: Server, params: dict[str, str] | None = None, path: str = "/store") -> list[str]:
    response = server.client.get(path, params=params, headers={"Accept": "application/n-triples"})
    assert response.status_code == 200, response.text
    return sorted(q.object.value for q in parse(input=response.content, format=RdfFormat.N_TRIPLES))


def test_get_missing_graph_is_404(gsp: Server) -> None:
    assert gsp.client.get("/store", params={"graph": fresh_graph()}).status_code == 404


def test_put_new_graph_is_201_then_replace_is_204(gsp: Server) -> None:
    graph = fresh_graph()
    created = gsp.client.put("/store", params={"graph": graph}, content=TRIPLE, headers=TTL)
    assert created.status_code == 201
    assert created.headers["location"].endswith("/store?graph=" + graph.replace(":", "%3A").replace("/", "%2F"))
    replaced = gsp.client.put("/store", params={"graph": graph}, content=OTHER, headers=TTL)
    assert replaced.status_code == 204
    assert objects(gsp, {"graph": graph}) == ["two"]


def test_post_merges_and_reports_creation(gsp: Server) -> None:
    graph = fresh_graph()
    first = gsp.client.post("/store", params={"graph": graph}, content=TRIPLE, headers=TTL)
    assert first.status_code == 201 and "location" in first.headers
    second = gsp.client.post("/store", params={"graph": graph}, content=OTHER, headers=TTL)
    assert second.status_code == 204
    assert objects(gsp, {"graph": graph}) == ["one", "two"]


def test_post_merge_keeps_blank_nodes_apart(gsp: Server) -> None:
    graph = fresh_graph()
    body = "<https://example.org/s> <https://example.org/p> _:b1 . _:b1 <https://example.org/q> 1 ."
    gsp.client.post("/store", params={"graph": graph}, content=body, headers=TTL)
    gsp.client.post("/store", params={"graph": graph}, content=body, headers=TTL)
    response = gsp.client.get("/sparql", params={"query": f"SELECT (COUNT(DISTINCT ?b) AS ?n) {{ GRAPH <{graph}> {{ ?s ?p ?b . ?b ?q 1 }} }}"})
    assert response.json()["results"]["bindings"][0]["n"]["value"] == "2"


def test_delete_is_204_then_404(gsp: Server) -> None:
    graph = fresh_graph()
    gsp.client.put("/store", params={"graph": graph}, content=TRIPLE, headers=TTL)
    assert gsp.client.delete("/store", params={"graph": graph}, headers=AUTH).status_code == 204
    assert gsp.client.get("/store", params={"graph": graph}).status_code == 404
    assert gsp.client.delete("/store", params={"graph": graph}, headers=AUTH).status_code == 404


def test_head_has_headers_and_no_body(gsp: Server) -> None:
    graph = fresh_graph()
    gsp.client.put("/store", params={"graph": graph}, content=TRIPLE, headers=TTL)
    head = gsp.client.head("/store", params={"graph": graph})
    assert head.status_code == 200
    assert head.headers["content-type"].startswith("text/turtle")
    assert head.content == b""
    assert gsp.client.head("/store", params={"graph": fresh_graph()}).status_code == 404


@pytest.mark.parametrize(
    ("accept", "media", "fmt"),
    [("text/turtle", "text/turtle", RdfFormat.TURTLE), ("application/n-triples", "application/n-triples", RdfFormat.N_TRIPLES),
     ("application/rdf+xml", "application/rdf+xml", RdfFormat.RDF_XML), ("application/ld+json", "application/ld+json", RdfFormat.JSON_LD),
     (None, "text/turtle", RdfFormat.TURTLE)],
)
def test_get_negotiates_rdf_formats(gsp: Server, accept: str | None, media: str, fmt: RdfFormat) -> None:
    graph = fresh_graph()
    gsp.client.put("/store", params={"graph": graph}, content=TRIPLE, headers=TTL)
    response = gsp.client.get("/store", params={"graph": graph}, headers={"Accept": accept} if accept else {})
    assert response.status_code == 200
    assert response.headers["content-type"].split(";")[0] == media
    assert [q.object.value for q in parse(input=response.content, format=fmt)] == ["one"]


def test_get_graph_as_nquads_is_406(gsp: Server) -> None:
    graph = fresh_graph()
    gsp.client.put("/store", params={"graph": graph}, content=TRIPLE, headers=TTL)
    assert gsp.client.get("/store", params={"graph": graph}, headers={"Accept": "application/n-quads"}).status_code == 406


@pytest.mark.parametrize(
    ("media", "body"),
    [("application/n-triples", TRIPLE), ("application/rdf+xml",
      '<rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#" xmlns:ex="https://example.org/">'
      '<rdf:Description rdf:about="https://example.org/s"><ex:p>one</ex:p></rdf:Description></rdf:RDF>'),
     ("application/ld+json", '{"@id": "https://example.org/s", "https://example.org/p": "one"}'),
     ("text/turtle; charset=utf-8", TRIPLE), ("application/trig", TRIPLE)],
)
def test_put_accepts_each_rdf_format(gsp: Server, media: str, body: str) -> None:
    graph = fresh_graph()
    response = gsp.client.put("/store", params={"graph": graph}, content=body, headers={"Content-Type": media, **AUTH})
    assert response.status_code == 201, response.text
    assert objects(gsp, {"graph": graph}) == ["one"]


def test_put_unknown_content_type_is_415(gsp: Server) -> None:
    response = gsp.client.put("/store", params={"graph": fresh_graph()}, content=TRIPLE,
                              headers={"Content-Type": "application/yaml", **AUTH})
    assert response.status_code == 415
    assert response.json()["ok"] is False


def test_every_body_type_the_openapi_document_names_is_written_and_named_by_the_415(gsp: Server) -> None:
    """OpenAPI, the 415's list and the parser agree on the types a PUT body may have."""
    body = gsp.client.get("/openapi.json").json()["paths"]["/store"]["put"]["requestBody"]["content"]
    assert "text/n3" in body
    refused = gsp.client.put("/store", params={"graph": fresh_graph()}, content=TRIPLE,
                             headers={"Content-Type": "application/yaml", **AUTH}).json()["error"]
    for media in body:
        assert media in refused
        if media == "multipart/form-data":
            continue
        graph = fresh_graph()
        content = TRIPLE if media != "application/rdf+xml" else (
            '<rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#" xmlns:p="https://example.org/">'
            '<rdf:Description rdf:about="https://example.org/s"><p:p>one</p:p></rdf:Description></rdf:RDF>')
        if media == "application/ld+json":
            content = '{"@id": "https://example.org/s", "https://example.org/p": "one"}'
        written = gsp.client.put("/store", params={"graph": graph}, content=content, headers={"Content-Type": media, **AUTH})
        assert written.status_code == 201, (media, written.text)
        assert objects(gsp, {"graph": graph}) == ["one"]


def test_put_bad_syntax_is_400_with_position_and_graph_unchanged(gsp: Server) -> None:
    graph = fresh_graph()
    gsp.client.put("/store", params={"graph": graph}, content=TRIPLE, headers=TTL)
    response = gsp.client.put("/store", params={"graph": graph}, content=OTHER + '\n<https://example.org/s> <https://example.org/p> "x', headers=TTL)
    assert response.status_code == 400
    assert response.json()["line"] == 2
    assert objects(gsp, {"graph": graph}) == ["one"]


def test_trig_with_a_named_graph_is_400_for_one_graph(gsp: Server) -> None:
    response = gsp.client.put("/store", params={"graph": fresh_graph()}, content="<https://example.org/g> { " + TRIPLE + " }",
                              headers={"Content-Type": "application/trig", **AUTH})
    assert response.status_code == 400


def test_write_without_token_is_401(gsp: Server) -> None:
    graph = fresh_graph()
    response = gsp.client.put("/store", params={"graph": graph}, content=TRIPLE, headers={"Content-Type": "text/turtle"})
    assert response.status_code == 401
    assert "bearer" in response.headers["www-authenticate"].lower()
    assert gsp.client.get("/store", params={"graph": graph}).status_code == 404


def test_write_with_wrong_token_is_403(gsp: Server) -> None:
    for method in ("PUT", "POST", "DELETE"):
        response = gsp.client.request(method, "/store", params={"graph": fresh_graph()}, content=TRIPLE,
                                      headers={"Content-Type": "text/turtle", "Authorization": "Bearer nope"})
        assert response.status_code == 403, method


def test_default_and_graph_together_is_400(gsp: Server) -> None:
    response = gsp.client.get("/store?default&graph=https%3A%2F%2Fexample.org%2Fg")
    assert response.status_code == 400


def test_relative_graph_iri_is_400(gsp: Server) -> None:
    assert gsp.client.get("/store", params={"graph": "not-absolute"}).status_code == 400


def test_put_without_graph_is_400(gsp: Server) -> None:
    assert gsp.client.put("/store", content=TRIPLE, headers=TTL).status_code == 400


def test_default_graph_put_get_delete(gsp: Server) -> None:
    assert gsp.client.put("/store?default", content=TRIPLE, headers=TTL).status_code == 204
    assert objects(gsp, path="/store?default") == ["one"]
    assert gsp.client.delete("/store?default", headers=AUTH).status_code == 204
    assert objects(gsp, path="/store?default") == []


def test_post_to_the_graph_store_creates_a_new_graph(gsp: Server) -> None:
    response = gsp.client.post("/store", content=TRIPLE, headers=TTL)
    assert response.status_code == 201
    location = response.headers["location"]
    assert location.startswith(gsp.base + "/graph/store/")
    assert objects(gsp, path=location[len(gsp.base):]) == ["one"]


def test_get_the_graph_store_returns_the_dataset(gsp: Server) -> None:
    graph = fresh_graph()
    gsp.client.put("/store", params={"graph": graph}, content=TRIPLE, headers=TTL)
    response = gsp.client.get("/store", headers={"Accept": "application/trig"})
    assert response.headers["content-type"].startswith("application/trig")
    names = {str(q.graph_name) for q in parse(input=response.content, format=RdfFormat.TRIG)}
    assert f"<{graph}>" in names
    assert "<https://w3id.org/onteam/graph/data/instances>" in names


def test_direct_identification_maps_graph_paths(gsp: Server) -> None:
    name = uuid.uuid4().hex
    created = gsp.client.put(f"/graph/direct/{name}", content=TRIPLE, headers=TTL)
    assert created.status_code == 201
    assert created.headers["location"] == f"{gsp.base}/graph/direct/{name}"
    assert objects(gsp, {"graph": f"https://w3id.org/onteam/graph/direct/{name}"}) == ["one"]
    assert objects(gsp, path="/graph/data/instances")  # the source graph, directly identified
    assert gsp.client.delete(f"/graph/direct/{name}", headers=AUTH).status_code == 204
    assert gsp.client.get(f"/graph/direct/{name}").status_code == 404


def test_multipart_post_merges_every_part(gsp: Server) -> None:
    graph = fresh_graph()
    files = [("a", ("a.ttl", TRIPLE.encode(), "application/octet-stream")),
             ("b", ("b.nt", OTHER.encode(), "application/octet-stream")),
             ("c", ("c", b'<https://example.org/s> <https://example.org/p> "three" .', "text/turtle"))]
    response = gsp.client.post("/store", params={"graph": graph}, files=files, headers=AUTH)
    assert response.status_code == 201, response.text
    assert objects(gsp, {"graph": graph}) == ["one", "three", "two"]


def test_multipart_with_one_bad_part_writes_nothing(gsp: Server) -> None:
    graph = fresh_graph()
    files = [("a", ("good.ttl", TRIPLE.encode(), "text/turtle")),
             ("b", ("bad.ttl", b"<https://example.org/s> <https://example.org/p> .", "text/turtle"))]
    response = gsp.client.post("/store", params={"graph": graph}, files=files, headers=AUTH)
    assert response.status_code == 400
    assert "bad.ttl" in response.json()["error"]
    assert gsp.client.get("/store", params={"graph": graph}).status_code == 404


def test_multipart_part_of_unknown_type_is_415(gsp: Server) -> None:
    files = [("a", ("notes.docx", b"hello", "application/msword"))]
    assert gsp.client.post("/store", params={"graph": fresh_graph()}, files=files, headers=AUTH).status_code == 415


def test_written_graph_is_visible_to_sparql(gsp: Server) -> None:
    graph = fresh_graph()
    gsp.client.put("/store", params={"graph": graph}, content=TRIPLE, headers=TTL)
    response = gsp.client.get("/sparql", params={"query": f'ASK {{ GRAPH <{graph}> {{ ?s ?p "one" }} }}'})
    assert response.json()["boolean"] is True


def test_read_only_server_refuses_writes_with_403(
    make_root: Callable[..., Path], make_server: Callable[..., Server]
) -> None:
    server = make_server("--memory", "--read-only", "--update-token", TOKEN, root=make_root(DATA))
    assert server.client.put("/store", params={"graph": fresh_graph()}, content=TRIPLE, headers=TTL).status_code == 403
    assert server.client.get("/graph/data/instances").status_code == 200


def test_location_of_a_non_ascii_graph_under_the_base_is_percent_encoded(gsp: Server) -> None:
    graph = f"https://w3id.org/onteam/graph/원팀/{uuid.uuid4().hex}?v=%41#x"
    created = gsp.client.put("/store", params={"graph": graph}, content=TRIPLE, headers=TTL)
    assert created.status_code == 201, created.text
    location = created.headers["location"]
    assert location.isascii() and location.startswith(gsp.base + "/graph/")
    assert objects(gsp, path=location[len(gsp.base):]) == ["one"]  # the Location names this graph


def test_location_of_a_graph_with_dot_segments_uses_the_graph_parameter(gsp: Server) -> None:
    graph = f"https://w3id.org/onteam/graph/{uuid.uuid4().hex}/../b"
    created = gsp.client.put("/store", params={"graph": graph}, content=TRIPLE, headers=TTL)
    assert created.status_code == 201
    assert "/store?graph=" in created.headers["location"]
    assert objects(gsp, path=created.headers["location"][len(gsp.base):]) == ["one"]


def test_n3_formula_is_400_and_nothing_is_written(gsp: Server) -> None:
    graph = fresh_graph()
    body = "@prefix : <https://example.org/> . { :a :b :c } => { :a :b :d } ."
    response = gsp.client.put("/store", params={"graph": graph}, content=body, headers={"Content-Type": "text/n3", **AUTH})
    assert response.status_code == 400
    assert "formula" in response.json()["error"]
    assert gsp.client.get("/store", params={"graph": graph}).status_code == 404


def test_n3_without_formulas_is_stored(gsp: Server) -> None:
    graph = fresh_graph()
    body = '@prefix : <https://example.org/> . :s :p "one" .'
    response = gsp.client.put("/store", params={"graph": graph}, content=body, headers={"Content-Type": "text/n3", **AUTH})
    assert response.status_code == 201, response.text
    assert objects(gsp, {"graph": graph}) == ["one"]


@pytest.mark.parametrize("charset", ["iso-8859-1", "utf-16", '"windows-1252"'])
def test_put_with_a_charset_other_than_utf8_is_415(gsp: Server, charset: str) -> None:
    graph = fresh_graph()
    response = gsp.client.put("/store", params={"graph": graph}, content=TRIPLE,
                              headers={"Content-Type": f"text/turtle; charset={charset}", **AUTH})
    assert response.status_code == 415
    assert charset.strip('"') in response.json()["error"]
    assert gsp.client.get("/store", params={"graph": graph}).status_code == 404


def test_put_with_quoted_utf8_charset_is_accepted(gsp: Server) -> None:
    response = gsp.client.put("/store", params={"graph": fresh_graph()}, content=TRIPLE,
                              headers={"Content-Type": 'text/turtle; charset="UTF-8"', **AUTH})
    assert response.status_code == 201


def test_multipart_plain_form_field_is_415_naming_the_field(gsp: Server) -> None:
    graph = fresh_graph()
    response = gsp.client.post("/store", params={"graph": graph}, files=[("a", ("a.ttl", TRIPLE.encode(), "text/turtle"))],
                               data={"note": "hello"}, headers=AUTH)
    assert response.status_code == 415
    assert "'note'" in response.json()["error"]
    assert gsp.client.get("/store", params={"graph": graph}).status_code == 404


def test_trig_dataset_keeps_empty_named_graphs(gsp: Server) -> None:
    graph = fresh_graph()
    created = gsp.client.post("/sparql", content=f"CREATE GRAPH <{graph}>",
                              headers={"Content-Type": "application/sparql-update", **AUTH})
    assert created.status_code == 204
    response = gsp.client.get("/store", headers={"Accept": "application/trig"})
    assert response.status_code == 200
    assert f"<{graph}> {{ }}".encode() in response.content
    parse(input=response.content, format=RdfFormat.TRIG)  # still valid TriG


def test_put_with_stale_if_match_is_412_and_graph_unchanged(gsp: Server) -> None:
    graph = fresh_graph()
    gsp.client.put("/store", params={"graph": graph}, content=TRIPLE, headers=TTL)
    etag = gsp.client.get("/store", params={"graph": graph}).headers["etag"]
    assert gsp.client.put("/store", params={"graph": graph}, content=OTHER, headers={**TTL, "If-Match": etag}).status_code == 204
    stale = gsp.client.put("/store", params={"graph": graph}, content=TRIPLE, headers={**TTL, "If-Match": etag})
    assert stale.status_code == 412
    assert objects(gsp, {"graph": graph}) == ["two"]


def test_put_with_if_match_star_on_missing_graph_is_412(gsp: Server) -> None:
    graph = fresh_graph()
    response = gsp.client.put("/store", params={"graph": graph}, content=TRIPLE, headers={**TTL, "If-Match": "*"})
    assert response.status_code == 412
    assert gsp.client.get("/store", params={"graph": graph}).status_code == 404


def test_put_with_if_none_match_star_creates_once(gsp: Server) -> None:
    graph = fresh_graph()
    headers = {**TTL, "If-None-Match": "*"}
    assert gsp.client.put("/store", params={"graph": graph}, content=TRIPLE, headers=headers).status_code == 201
    assert gsp.client.put("/store", params={"graph": graph}, content=OTHER, headers=headers).status_code == 412
    assert objects(gsp, {"graph": graph}) == ["one"]


def test_delete_with_stale_if_match_is_412_and_graph_kept(gsp: Server) -> None:
    graph = fresh_graph()
    gsp.client.put("/store", params={"graph": graph}, content=TRIPLE, headers=TTL)
    response = gsp.client.delete("/store", params={"graph": graph}, headers={**AUTH, "If-Match": 'W/"stale"'})
    assert response.status_code == 412
    assert objects(gsp, {"graph": graph}) == ["one"]


def test_post_with_old_if_unmodified_since_is_412(gsp: Server) -> None:
    graph = fresh_graph()
    gsp.client.put("/store", params={"graph": graph}, content=TRIPLE, headers=TTL)
    headers = {**TTL, "If-Unmodified-Since": "Mon, 01 Jan 2001 00:00:00 GMT"}
    assert gsp.client.post("/store", params={"graph": graph}, content=OTHER, headers=headers).status_code == 412
    assert objects(gsp, {"graph": graph}) == ["one"]


def test_get_with_non_matching_if_match_is_412(gsp: Server) -> None:
    graph = fresh_graph()
    gsp.client.put("/store", params={"graph": graph}, content=TRIPLE, headers=TTL)
    assert gsp.client.get("/store", params={"graph": graph}, headers={"If-Match": '"nope"'}).status_code == 412
