"""HTTP around the answers: gzip as Accept-Encoding allows it, Vary, Cache-Control, CORS exposure, probes."""

from __future__ import annotations

import pytest

from conftest import Server
from server.sparql import accepts_gzip

# Big enough (over the 1 KiB threshold) for the gzip middleware to compress.
ALL = {"query": "SELECT * WHERE { ?s ?p ?o }"}
COUNT = {"query": "SELECT (COUNT(*) AS ?n) WHERE { ?s ?p ?o }"}


def _vary(headers: object) -> set[str]:
    return {v.strip().lower() for v in headers.get("vary", "").split(",") if v.strip()}  # type: ignore[attr-defined]


# -- gzip only where Accept-Encoding allows it (RFC 9110 §12.5.3) -----------------------


@pytest.mark.parametrize(
    "value, allowed",
    [
        ("gzip", True),
        ("GZIP", True),
        ("x-gzip", True),
        ("deflate, gzip;q=0.5", True),
        ("*", True),
        ("*;q=0.1", True),
        ("gzip;q=0", False),
        ("gzip; q=0.0, identity", False),
        ("*, gzip;q=0", False),
        ("*;q=0", False),
        ("identity", False),
        ("", False),
        ("gzip;q=oops", False),
    ],
)
def test_accepts_gzip_reads_codings_and_weights(value: str, allowed: bool) -> None:
    assert accepts_gzip(value) is allowed


@pytest.mark.parametrize("value", ["gzip;q=0", "gzip;q=0, identity", "*, gzip;q=0", "*;q=0", "deflate, gzip;q=0.000"])
def test_gzip_refused_with_q_zero_is_not_compressed(small: Server, value: str) -> None:
    response = small.client.get("/sparql", params=ALL, headers={"Accept-Encoding": value})
    assert response.status_code == 200
    assert "content-encoding" not in response.headers
    assert response.json()["results"]["bindings"]


@pytest.mark.parametrize("value", ["*", "x-gzip", "GZIP"])
def test_gzip_allowed_by_wildcard_or_alias_is_compressed(small: Server, value: str) -> None:
    response = small.client.get("/sparql", params=ALL, headers={"Accept-Encoding": value})
    assert response.headers["content-encoding"] == "gzip"
    assert "accept-encoding" in _vary(response.headers)
    assert response.json()["results"]["bindings"]  # httpx decoded it: real gzip


# -- Vary: Origin on every answer, with or without an Origin ---------------------------


@pytest.mark.parametrize("path, params", [("/sparql", COUNT), ("/sparql", {})])
def test_answer_to_a_request_without_origin_still_varies_on_origin(small: Server, path: str, params: dict[str, str]) -> None:
    # Without Origin (and without gzip) the request takes the short way past the CORS middleware;
    # a shared cache must still not give this answer, which lacks CORS headers, to a browser.
    response = small.client.get(path, params=params, headers={"Accept-Encoding": "identity"})
    assert response.status_code == 200
    assert "access-control-allow-origin" not in response.headers
    assert {"accept", "origin"} <= _vary(response.headers)


def test_304_without_origin_still_varies_on_origin(small: Server) -> None:
    etag = small.client.get("/sparql", params=COUNT, headers={"Accept-Encoding": "identity"}).headers["etag"]
    response = small.client.get("/sparql", params=COUNT, headers={"Accept-Encoding": "identity", "If-None-Match": etag})
    assert response.status_code == 304
    assert {"accept", "origin"} <= _vary(response.headers)


def test_vary_names_origin_once_with_an_origin(small: Server) -> None:
    response = small.client.get("/sparql", params=COUNT, headers={"Origin": "https://a.example"})
    assert response.headers["access-control-allow-origin"] == "*"
    names = [v.strip().lower() for v in response.headers["vary"].split(",")]
    assert names.count("origin") == 1


# -- Cache-Control: answers are stored but revalidated; probes are never stored --------


@pytest.mark.parametrize(
    "path, params",
    [("/sparql", COUNT), ("/sparql", {}), ("/.well-known/void", {}), ("/store", {"default": ""})],
)
def test_validated_answers_must_be_revalidated_before_reuse(small: Server, path: str, params: dict[str, str]) -> None:
    # Last-Modified alone lets a cache guess a freshness lifetime (RFC 9111 §4.2.2) and
    # serve results from before the next write without asking.
    response = small.client.get(path, params=params)
    assert response.status_code == 200
    assert "last-modified" in response.headers
    assert response.headers["cache-control"] == "no-cache"
    again = small.client.get(path, params=params, headers={"If-None-Match": response.headers["etag"]})
    assert again.status_code == 304
    assert again.headers["cache-control"] == "no-cache"  # a 304 carries what the 200 would (RFC 9110 §15.4.5)


@pytest.mark.parametrize("path", ["/health", "/ready"])
@pytest.mark.parametrize("method", ["GET", "HEAD"])
def test_probes_are_not_stored_by_caches(small: Server, path: str, method: str) -> None:
    response = small.client.request(method, path)
    assert response.status_code == 200
    assert response.headers["cache-control"] == "no-store"


# -- CORS: a browser client can read what it needs to back off -------------------------


def test_cors_exposes_retry_after_and_allow(small: Server) -> None:
    response = small.client.get("/sparql", params=COUNT, headers={"Origin": "https://yasgui.example"})
    exposed = {h.strip().lower() for h in response.headers["access-control-expose-headers"].split(",")}
    assert {"etag", "last-modified", "retry-after", "allow", "onteam-truncated"} <= exposed


def test_cors_preflight_for_a_direct_query_post(small: Server) -> None:
    response = small.client.options(
        "/sparql",
        headers={
            "Origin": "https://yasgui.example",
            "Access-Control-Request-Method": "POST",
            "Access-Control-Request-Headers": "content-type, accept, if-none-match",
        },
    )
    assert response.status_code == 200
    assert response.headers["access-control-allow-origin"] == "*"
    assert "POST" in response.headers["access-control-allow-methods"]
    assert "content-type" in response.headers["access-control-allow-headers"].lower()
    assert "access-control-allow-credentials" not in response.headers
    follow = small.client.post(
        "/sparql",
        content=COUNT["query"],
        headers={"Origin": "https://yasgui.example", "Content-Type": "application/sparql-query"},
    )
    assert follow.status_code == 200
    assert follow.headers["access-control-allow-origin"] == "*"


@pytest.mark.parametrize("method", ["PUT", "DELETE"])
def test_cors_preflight_refuses_graph_store_writes(small: Server, method: str) -> None:
    response = small.client.options(
        "/store?default",
        headers={"Origin": "https://evil.example", "Access-Control-Request-Method": method},
    )
    assert response.status_code == 400
    assert method not in response.headers["access-control-allow-methods"]


@pytest.mark.parametrize("path", ["/sparql", "/store?default"])
def test_cors_preflight_refuses_the_authorization_a_write_needs(small: Server, path: str) -> None:
    # Reads are open to every page; a write (SPARQL Update, Graph Store POST) needs a bearer
    # token, and a foreign page may not send one.
    response = small.client.options(
        path,
        headers={
            "Origin": "https://evil.example",
            "Access-Control-Request-Method": "POST",
            "Access-Control-Request-Headers": "authorization, content-type",
        },
    )
    assert response.status_code == 400
    assert "authorization" not in response.headers["access-control-allow-headers"].lower()


# -- If-None-Match (RFC 9110 §13.1.2, §13.2.1) -----------------------------------------


@pytest.mark.parametrize(
    "path, params, accept, status",
    [
        ("/sparql", {"query": "SELECT garbage"}, "application/sparql-results+json", 400),
        ("/sparql", COUNT, "image/png", 406),
        ("/sparql", {}, "image/png", 406),
        ("/.well-known/void", {}, "image/png", 406),
    ],
)
def test_if_none_match_star_does_not_hide_an_error(
    small: Server, path: str, params: dict[str, str], accept: str, status: int
) -> None:
    # Preconditions hold only for a request that would otherwise succeed: `*` must not turn
    # a bad query or an unmet Accept into "not modified".
    response = small.client.get(path, params=params, headers={"If-None-Match": "*", "Accept": accept})
    assert response.status_code == status


@pytest.mark.parametrize("path, params", [("/sparql", COUNT), ("/sparql", {"query": "ASK { ?s ?p 'nothing' }"}), ("/sparql", {}), ("/.well-known/void", {})])
@pytest.mark.parametrize("method", ["GET", "HEAD"])
def test_if_none_match_star_on_an_answer_that_exists_is_304(
    small: Server, path: str, params: dict[str, str], method: str
) -> None:
    response = small.client.request(method, path, params=params, headers={"If-None-Match": "*"})
    assert response.status_code == 304
    assert response.content == b""
    assert response.headers["etag"].startswith('W/"')
    assert response.headers["cache-control"] == "no-cache"


def test_if_none_match_star_still_answers_a_browser_with_the_editor(small: Server) -> None:
    response = small.client.get("/sparql", headers={"If-None-Match": "*", "Accept": "text/html"}, follow_redirects=False)
    assert response.status_code == 303


@pytest.mark.parametrize("form", ["{etag}", "{strong}", '"other", {etag}', 'W/"other" ,{strong} , "x"'])
def test_if_none_match_list_or_strong_form_of_our_etag_is_304(small: Server, form: str) -> None:
    etag = small.client.get("/sparql", params=COUNT).headers["etag"]
    value = form.format(etag=etag, strong=etag.removeprefix("W/"))
    response = small.client.get("/sparql", params=COUNT, headers={"If-None-Match": value})
    assert response.status_code == 304
    assert response.headers["etag"] == etag


def test_if_none_match_without_our_etag_is_200(small: Server) -> None:
    etag = small.client.get("/sparql", params=COUNT).headers["etag"]
    response = small.client.get("/sparql", params=COUNT, headers={"If-None-Match": f'W/"x{etag[3:]}, "y"'})
    assert response.status_code == 200
