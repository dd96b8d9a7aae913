"""Shared fixtures data and helpers for the tests/test_sparql_*.py files."""

from __future__ import annotations

from pathlib import Path

import httpx

from conftest import Server, start_server, write_project

TOKEN = "s3cret-token"
DATA_GRAPH = "https://w3id.org/onteam/graph/data/instances"
ONTOLOGY_GRAPH = "https://w3id.org/onteam/graph/ontology/onteam"
OT = "https://w3id.org/onteam/ontology#"
ID = "https://w3id.org/onteam/id/"
# The RDF media types every description is served in, with rdflib's parser for each.
RDFLIB_PARSERS = {
    "text/turtle": "turtle",
    "application/rdf+xml": "xml",
    "application/ld+json": "json-ld",
    "application/n-triples": "nt",
}

DATA = """\
@prefix ot: <https://w3id.org/onteam/ontology#> .
@prefix id: <https://w3id.org/onteam/id/> .
@prefix rdfs: <http://www.w3.org/2000/01/rdf-schema#> .
@prefix xsd: <http://www.w3.org/2001/XMLSchema#> .

id:kt a ot:Organization ; rdfs:label "KT"@en , "케이티"@ko .
id:lg-uplus a ot:Organization ; rdfs:label "LG Uplus"@en , "LG유플러스"@ko .
id:kaist a ot:Organization ; rdfs:label "KAIST"@en , "카이스트"@ko .
id:ai-one-team a ot:Consortium ;
    rdfs:label "AI One Team"@en , "AI 원팀"@ko ;
    ot:ledBy id:kt ;
    ot:hasMember id:kt , id:lg-uplus , id:kaist ;
    ot:foundingDate "2020-02-20"^^xsd:date ;
    ot:statedMemberCount 3 .
"""

ONTOLOGY = """\
@prefix ot: <https://w3id.org/onteam/ontology#> .
@prefix owl: <http://www.w3.org/2002/07/owl#> .
@prefix rdfs: <http://www.w3.org/2000/01/rdf-schema#> .
@prefix dcterms: <http://purl.org/dc/terms/> .

<https://w3id.org/onteam/ontology> a owl:Ontology ;
    dcterms:license <https://creativecommons.org/licenses/by/4.0/> .
ot:Consortium a owl:Class ; rdfs:label "consortium"@en .
ot:Organization a owl:Class ; rdfs:label "organization"@en .
ot:hasMember a owl:ObjectProperty ; rdfs:label "has member"@en .
"""


def start_writable(folder: Path) -> Server:
    """An in-memory server with updates on (`TOKEN`), over `DATA` in a root under `folder`."""
    return start_server(folder, "--memory", "--update-token", TOKEN, root=write_root(folder / "root"))


def write_root(root: Path, data: str = DATA, ontology: str = ONTOLOGY) -> Path:
    """A project root with the given data and ontology files (like conftest's make_root)."""
    return write_project(root, data, ontology)


def select(server: Server, query: str, **params: str) -> list[dict[str, str]]:
    """Run a SELECT over GET; rows as {variable: value}."""
    response = server.client.get("/sparql", params={"query": query, **params})
    assert response.status_code == 200, response.text
    return [{k: v["value"] for k, v in row.items()} for row in response.json()["results"]["bindings"]]


def count(server: Server, where: str) -> int:
    """COUNT(*) of a group graph pattern over the union default graph."""
    rows = select(server, f"SELECT (COUNT(*) AS ?n) WHERE {{ {where} }}")
    return int(rows[0]["n"])


def update(server: Server, text: str, token: str | None = TOKEN, **params: str) -> httpx.Response:
    """POST an update as application/sparql-update, with the bearer token."""
    headers = {"Content-Type": "application/sparql-update"}
    if token is not None:
        headers["Authorization"] = f"Bearer {token}"
    return server.client.post("/sparql", content=text.encode(), headers=headers, params=params)
