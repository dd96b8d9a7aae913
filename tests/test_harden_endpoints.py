"""The limits wired into the real endpoints, over HTTP: strict UTF-8, federation, update hashes,
Graph Store writes refreshing validators, the access log replacing uvicorn's."""

from __future__ import annotations

import email.utils
import hashlib
import json
import threading
import time
from collections.abc import Iterator
from typing import Any

import httpx
import pytest

from conftest import Server, start_server
from sparql_support import TOKEN, start_writable, write_root

SD = "http://www.w3.org/ns/sparql-service-description#"
EVIL = "http://127.0.0.1:9/sparql"  # port 9: nothing answers, should a check ever let it through
SPARQL_QUERY = {"Content-Type": "application/sparql-query"}
FORM = {"Content-Type": "application/x-www-form-urlencoded"}


@pytest.fixture(scope="module")
def writable(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    """An in-memory server with the writer token and no allow list; its log is this module's."""
    server = start_writable(tmp_path_factory.mktemp("endpoints"))
    yield server
    server.stop()


def write_headers(media: str = "application/sparql-update") -> dict[str, str]:
    return {"Content-Type": media, "Authorization": f"Bearer {TOKEN}"}


def assert_json_error(response: httpx.Response, status: int) -> dict[str, Any]:
    assert response.status_code == status, response.text
    assert response.headers["content-type"].startswith("application/json")
    body = response.json()
    assert body["ok"] is False and body["status"] == status
    return body


def access_lines(server: Server, predicate: Any) -> list[dict[str, Any]]:
    """The server's JSON access lines matching `predicate`, waiting for the first (lines are
    written just after the response is sent)."""
    deadline = time.monotonic() + 30
    while True:
        lines = [json.loads(x) for x in server.log.read_text().splitlines() if x.startswith("{")]
        found = [line for line in lines if predicate(line)]
        if found or time.monotonic() > deadline:
            return found
        time.sleep(0.02)


# -- strict UTF-8 in each of the three ways a query arrives ------------------------------


def test_broken_utf8_percent_escape_in_query_string_is_400_with_offset(writable: Server) -> None:
    response = writable.client.get("/sparql?query=ASK%7B%7D%FF")
    body = assert_json_error(response, 400)
    assert body["error"] == "Parameter 'query' in the query string is not valid UTF-8: byte 0xff at offset 5"
    assert body["offset"] == 5


def test_broken_utf8_in_form_body_is_400_with_offset(writable: Server) -> None:
    response = writable.client.post("/sparql", content=b"query=ASK%20%7B%7D%C3%28", headers=FORM)
    body = assert_json_error(response, 400)
    assert body["error"] == "Parameter 'query' in the form body is not valid UTF-8: byte 0xc3 at offset 6"


def test_raw_broken_utf8_in_form_body_is_400(writable: Server) -> None:
    response = writable.client.post("/sparql", content=b"query=ASK{}\xff", headers=FORM)
    body = assert_json_error(response, 400)
    assert body["error"] == "The form body is not valid UTF-8: byte 0xff at offset 11"


def test_broken_utf8_in_sparql_query_body_is_400_with_offset(writable: Server) -> None:
    response = writable.client.post("/sparql", content=b'ASK { ?s ?p "\xe0\x80" }', headers=SPARQL_QUERY)
    body = assert_json_error(response, 400)
    assert body["error"] == "The request body is not valid UTF-8: byte 0xe0 at offset 13"
    assert body["offset"] == 13


def test_broken_utf8_in_update_body_is_400(writable: Server) -> None:
    response = writable.client.post("/sparql", content=b"INSERT DATA { <a:b> <a:c> '\xff' }", headers=write_headers())
    assert assert_json_error(response, 400)["offset"] == 27


def test_valid_utf8_query_in_each_path_is_answered(writable: Server) -> None:
    query = 'SELECT ("원팀" AS ?x) {}'
    answers = [
        writable.client.get("/sparql", params={"query": query}),
        writable.client.post("/sparql", data={"query": query}),
        writable.client.post("/sparql", content=query.encode(), headers=SPARQL_QUERY),
    ]
    for response in answers:
        assert response.status_code == 200, response.text
        assert response.json()["results"]["bindings"][0]["x"]["value"] == "원팀"


# -- federation: SERVICE and LOAD reach allow-listed endpoints only -----------------------


def test_service_in_query_is_403_naming_the_endpoint(writable: Server) -> None:
    query = f"SELECT * WHERE {{ SERVICE <{EVIL}> {{ ?s ?p ?o }} }}"
    body = assert_json_error(writable.client.get("/sparql", params={"query": query}), 403)
    assert body["endpoint"] == EVIL
    assert EVIL in body["error"]


def test_service_with_a_variable_is_403(writable: Server) -> None:
    query = "SELECT * WHERE { VALUES ?e { <http://x/> } SERVICE ?e { ?s ?p ?o } }"
    body = assert_json_error(writable.client.post("/sparql", data={"query": query}), 403)
    assert body["endpoint"] == "?e"


def test_service_through_a_prefix_is_403_naming_the_full_iri(writable: Server) -> None:
    query = "PREFIX r: <http://127.0.0.1:9/> SELECT * WHERE { SERVICE SILENT r:sparql { ?s ?p ?o } }"
    body = assert_json_error(writable.client.post("/sparql", content=query.encode(), headers=SPARQL_QUERY), 403)
    assert body["endpoint"] == EVIL


def test_service_in_update_is_403_naming_the_endpoint(writable: Server) -> None:
    update = f"INSERT {{ ?s ?p ?o }} WHERE {{ SERVICE <{EVIL}> {{ ?s ?p ?o }} }}"
    body = assert_json_error(writable.client.post("/sparql", content=update.encode(), headers=write_headers()), 403)
    assert body["endpoint"] == EVIL


def test_load_in_update_is_403_naming_the_source(writable: Server) -> None:
    source = "http://127.0.0.1:9/data.ttl"
    response = writable.client.post("/sparql", data={"update": f"LOAD <{source}> INTO GRAPH <urn:g>"},
                                    headers={"Authorization": f"Bearer {TOKEN}"})
    body = assert_json_error(response, 403)
    assert body["endpoint"] == source
    assert "LOAD" in body["error"]


def test_service_description_has_no_federation_without_allow_list(writable: Server) -> None:
    response = writable.client.get("/sparql", headers={"Accept": "application/n-triples"})
    assert response.status_code == 200
    assert f"<{SD}BasicFederatedQuery>" not in response.text


def test_allow_listed_service_is_evaluated_against_the_other_server(server: Server, tmp_path: Any) -> None:
    """The session server is the remote endpoint; a second server allow-lists it."""
    remote = server.base + "/sparql"
    local = start_server(tmp_path, "--memory", env={"ONTEAM_SERVICE_ALLOW_LIST": f"{EVIL} , {remote}"},
                         root=write_root(tmp_path / "root"))
    try:
        query = (
            "SELECT ?label WHERE { SERVICE <%s> { <https://w3id.org/onteam/id/kt> "
            "<http://www.w3.org/2000/01/rdf-schema#label> ?label FILTER(lang(?label) = 'en') } }" % remote
        )
        response = local.client.get("/sparql", params={"query": query})
        assert response.status_code == 200, response.text
        labels = [row["label"]["value"] for row in response.json()["results"]["bindings"]]
        assert labels == ["KT"]
        description = local.client.get("/sparql", headers={"Accept": "application/n-triples"})
        assert f"<{SD}feature> <{SD}BasicFederatedQuery>" in description.text
        other = "SELECT * WHERE { SERVICE <http://127.0.0.1:9/other> { ?s ?p ?o } }"
        assert local.client.get("/sparql", params={"query": other}).status_code == 403
    finally:
        local.stop()


# -- logs --------------------------------------------------------------------------------


def test_access_log_names_a_posted_update_by_its_hash(writable: Server) -> None:
    update = "INSERT DATA { <urn:x:hashed> <urn:x:p> 'logged by hash' }"
    response = writable.client.post("/sparql", content=update.encode(), headers=write_headers())
    assert response.status_code == 204, response.text
    digest = hashlib.sha256(update.encode()).hexdigest()[:16]
    lines = access_lines(writable, lambda line: line["query_hash"] == digest)
    assert [(line["method"], line["path"], line["status"]) for line in lines] == [("POST", "/sparql", 204)]
    assert "logged by hash" not in writable.log.read_text()


def test_access_log_names_a_posted_query_by_its_hash(writable: Server) -> None:
    query = "ASK { <urn:x:posted> ?p ?o }"
    assert writable.client.post("/sparql", content=query.encode(), headers=SPARQL_QUERY).status_code == 200
    digest = hashlib.sha256(query.encode()).hexdigest()[:16]
    assert len(access_lines(writable, lambda line: line["query_hash"] == digest)) == 1


def test_uvicorn_access_log_is_off(writable: Server) -> None:
    writable.client.get("/health", headers={"User-Agent": "uvicorn-log-probe"})
    assert access_lines(writable, lambda line: line["user_agent"] == "uvicorn-log-probe")
    assert '"GET /health HTTP/1.1"' not in writable.log.read_text()


# -- Graph Store writes refresh validators and descriptions ------------------------------


def _last_modified(response: httpx.Response) -> float:
    parsed = email.utils.parsedate_to_datetime(response.headers["last-modified"])
    return parsed.timestamp()


def test_graph_store_put_moves_etag_and_last_modified(writable: Server) -> None:
    query = {"query": "SELECT (COUNT(*) AS ?n) WHERE { GRAPH <urn:x:gsp> { ?s ?p ?o } }"}
    before = writable.client.get("/sparql", params=query)
    time.sleep(1.1)  # Last-Modified has a resolution of one second
    started = int(time.time())
    put = writable.client.put(
        "/store", params={"graph": "urn:x:gsp"}, content=b"<urn:x:a> <urn:x:b> <urn:x:c> .",
        headers=write_headers("application/n-triples"),
    )
    assert put.status_code == 201, put.text
    after = writable.client.get("/sparql", params=query, headers={"If-None-Match": before.headers["etag"]})
    assert after.status_code == 200
    assert after.headers["etag"] != before.headers["etag"]
    assert _last_modified(after) >= started > _last_modified(before)
    assert after.json()["results"]["bindings"][0]["n"]["value"] == "1"


def _put(server: Server, graph: str) -> None:
    put = server.client.put(
        "/store", params={"graph": graph}, content=b"<urn:x:a> <urn:x:b> <urn:x:c> .",
        headers=write_headers("application/n-triples"),
    )
    assert put.status_code in (201, 204), put.text


def test_if_modified_since_follows_writes(writable: Server) -> None:
    query = {"query": "SELECT (COUNT(*) AS ?n) WHERE { GRAPH ?g { ?s ?p ?o } }"}
    time.sleep(1.1)  # the write gets a second of its own
    _put(writable, "urn:x:ims-1")
    after_one = writable.client.get("/sparql", params=query)
    since = {"If-Modified-Since": after_one.headers["last-modified"]}
    assert writable.client.get("/sparql", params=query, headers=since).status_code == 304
    # Two writes in one second: a date of that second can no longer tell them apart.
    for attempt in range(5):
        time.sleep(1.1)
        _put(writable, f"urn:x:ims-a{attempt}")
        first = writable.client.get("/sparql", params=query).headers["last-modified"]
        _put(writable, f"urn:x:ims-b{attempt}")
        second = writable.client.get("/sparql", params=query)
        if second.headers["last-modified"] == first:
            break
    else:
        pytest.fail("no two writes fell in the same second in five tries")
    response = writable.client.get("/sparql", params=query, headers={"If-Modified-Since": first})
    assert response.status_code == 200
    assert response.json() == second.json()


def test_graph_store_delete_refreshes_void(writable: Server) -> None:
    graph = "urn:x:void-refresh"
    put = writable.client.put(
        "/store", params={"graph": graph}, content=b"<urn:x:a> <urn:x:b> <urn:x:c> .",
        headers=write_headers("application/n-triples"),
    )
    assert put.status_code == 201
    assert f"<{graph}>" in writable.client.get("/.well-known/void", headers={"Accept": "application/n-triples"}).text
    deleted = writable.client.delete("/store", params={"graph": graph}, headers=write_headers("text/plain"))
    assert deleted.status_code == 204
    assert f"<{graph}>" not in writable.client.get("/.well-known/void", headers={"Accept": "application/n-triples"}).text


# -- admission on the real /sparql -------------------------------------------------------


def test_query_waiting_for_a_busy_slot_is_503_with_retry_after(make_server: Any, make_root: Any) -> None:
    """One slot, held by a query that joins 300 triples with themselves four times (it would run
    for hours): the next query waits QUEUE_TIMEOUT, then gets 503 + Retry-After."""
    data = "".join(f"<urn:s{i}> <urn:p> {i} .\n" for i in range(300))
    busy = make_server("--memory", "--workers", "1", env={"ONTEAM_QUEUE_TIMEOUT": "0.5"}, root=make_root(data))
    slow = "SELECT (COUNT(*) AS ?n) WHERE { ?a ?b ?c . ?d ?e ?f . ?g ?h ?i . ?j ?k ?l }"
    holder = threading.Thread(target=_ignore_errors, args=(busy.base, slow), daemon=True)
    holder.start()
    try:
        deadline = time.monotonic() + 30
        while "onteam_queries_running 1.0" not in busy.client.get("/metrics").text:
            assert time.monotonic() < deadline, "the slow query never took its slot"
            time.sleep(0.05)
        response = busy.client.get("/sparql", params={"query": "ASK {}"})
        body = assert_json_error(response, 503)
        assert response.headers["retry-after"] == "1"
        assert "slots" in body["error"]
    finally:
        busy.process.kill()  # the slow query cannot be interrupted yet: end the process
        busy.process.wait()
        holder.join(timeout=30)


def _ignore_errors(base: str, query: str) -> None:
    try:
        httpx.get(base + "/sparql", params={"query": query}, timeout=60)
    except httpx.HTTPError:
        pass  # the server is killed under it
