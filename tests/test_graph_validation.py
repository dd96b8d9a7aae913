"""Parsing, SHACL conformance and OWL 2 RL consistency of the graph.

Also proves that the checks fail: on a non-conforming addition, on an
inconsistent addition and on a syntax error.
"""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import pyoxigraph
import pytest
import rdflib

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:  # run from a clone without installing the package
    sys.path.insert(0, str(ROOT))

from server.validate import ValidationReport, format_report, validate  # noqa: E402
FILES = ["ontology/onteam.ttl", "data/instances.ttl", "ontology/shapes.ttl"]
PREFIXES = """
@prefix id:   <https://w3id.org/onteam/id/> .
@prefix ot:   <https://w3id.org/onteam/ontology#> .
@prefix rdfs: <http://www.w3.org/2000/01/rdf-schema#> .
@prefix prov: <http://www.w3.org/ns/prov#> .
@prefix xsd:  <http://www.w3.org/2001/XMLSchema#> .
"""


@pytest.fixture(scope="session")
def report() -> ValidationReport:
    return validate(ROOT)


def copy_project(tmp_path: Path, extra_data: str = "") -> Path:
    """A copy of the graph files under tmp_path, with Turtle appended to the data."""
    for rel in FILES:
        (tmp_path / rel).parent.mkdir(parents=True, exist_ok=True)
        shutil.copy(ROOT / rel, tmp_path / rel)
    if extra_data:
        with open(tmp_path / "data/instances.ttl", "a", encoding="utf-8") as fh:
            fh.write(PREFIXES + extra_data)
    return tmp_path


@pytest.mark.parametrize("rel", FILES)
def test_parses_with_rdflib(rel):
    assert len(rdflib.Graph().parse(ROOT / rel, format="turtle")) > 100


@pytest.mark.parametrize("rel", FILES)
def test_parses_with_pyoxigraph(rel):
    store = pyoxigraph.Store()
    store.load(path=str(ROOT / rel), format=pyoxigraph.RdfFormat.TURTLE)
    assert len(store) > 100


def test_graph_is_valid(report):
    assert not report.parse_errors
    assert report.conforms, "\n".join(report.violations[:20])
    assert report.consistent, "\n".join(report.contradictions[:20])
    assert report.ok


def test_report_counts(report):
    assert report.triples == sum(report.triples_by_file[f] for f in FILES[:2])
    assert report.instances_by_class["ot:Consortium"] == 6
    assert report.instances_by_class["ot:Membership"] == 66
    assert report.instances_by_class["ot:Person"] == 5
    assert report.instances_by_class["ot:Evidence"] == 36
    assert report.inferred_triples > 0


def test_format_report(report):
    text = format_report(report)
    assert "Triples:" in text
    assert "ot:Consortium: 6" in text
    assert "Shapes: conforms" in text
    assert "Reasoner (OWL 2 RL): consistent" in text
    assert text.rstrip().endswith("Result: VALID")


def test_non_conforming_addition_fails(tmp_path):
    bad = """
id:test-one-team a ot:Consortium ;
    rdfs:label "시험 원팀"@ko ;
    ot:ledBy id:kt ;
    ot:hasMember id:kaist ;
    prov:wasDerivedFrom id:newsfreezone-kt-one-team-2021 .
id:test-membership a ot:Membership ;
    rdfs:label "시험 참여"@ko , "Test membership"@en ;
    prov:wasDerivedFrom id:newsfreezone-kt-one-team-2021 .
"""
    report = validate(copy_project(tmp_path, bad))
    assert not report.parse_errors
    assert report.conforms is False
    assert not report.ok
    text = "\n".join(report.violations)
    assert "id:test-one-team" in text
    assert "English (@en)" in text                      # label missing @en
    assert "ot:memberOf" in text                        # hasMember without inverse
    assert "ot:Membership" in text                      # hasMember without membership node
    assert "id:test-one-team: A consortium needs one ot:foundingDate" in text  # missing founding date
    assert "id:test-membership org:member" in text
    assert "id:test-membership ot:evidence" in text
    assert "Shapes:" in format_report(report) and "INVALID" in format_report(report)


def test_missing_founding_date_alone_fails(tmp_path):
    bad = """
id:test-one-team a ot:Consortium ;
    rdfs:label "시험 원팀"@ko , "Test One Team"@en ;
    ot:ledBy id:kt ;
    ot:hasMember id:kt ;
    ot:evidence id:evidence-p01-s1 ;
    prov:wasDerivedFrom id:newsfreezone-kt-one-team-2021 .
id:kt ot:memberOf id:test-one-team .
id:test-membership a ot:Membership ;
    rdfs:label "시험 참여"@ko , "Test membership"@en ;
    <http://www.w3.org/ns/org#member> id:kt ;
    <http://www.w3.org/ns/org#organization> id:test-one-team ;
    <http://www.w3.org/ns/org#role> id:role-member ;
    ot:evidence id:evidence-p01-s1 ;
    prov:wasDerivedFrom id:newsfreezone-kt-one-team-2021 .
"""
    report = validate(copy_project(tmp_path, bad))
    assert report.consistent
    assert report.conforms is False
    assert report.violations == [
        "id:test-one-team: A consortium needs one ot:foundingDate"
        " (or ot:unstated ot:foundingDate when the source gives none)."
    ]


def test_inconsistent_addition_fails(tmp_path):
    bad = """
id:kt a ot:Person .
id:test-thing a ot:Initiative , ot:Outcome ;
    rdfs:label "시험"@ko , "Test"@en ;
    ot:evidence id:evidence-p01-s1 ;
    prov:wasDerivedFrom id:newsfreezone-kt-one-team-2021 .
"""
    report = validate(copy_project(tmp_path, bad))
    assert report.consistent is False
    assert not report.ok
    text = "\n".join(report.contradictions)
    assert "id:kt" in text and "ot:Person" in text and "ot:Organization" in text
    assert "id:test-thing" in text
    assert "INCONSISTENT" in format_report(report)


def test_syntax_error_is_located(tmp_path):
    root = copy_project(tmp_path)
    path = root / "data/instances.ttl"
    n_lines = path.read_text("utf-8").count("\n")
    with open(path, "a", encoding="utf-8") as fh:
        fh.write("id:broken rdfs:label undeclared:thing .\n")
    report = validate(root)
    assert report.parse_errors
    assert {e.parser for e in report.parse_errors} == {"rdflib", "pyoxigraph"}
    for err in report.parse_errors:
        assert err.file == "data/instances.ttl"
        assert err.line == n_lines + 1, err
        assert err.column is not None
    assert not report.ok
    assert "data/instances.ttl:%d" % (n_lines + 1) in format_report(report)


def test_module_entry_point(tmp_path):
    ok = subprocess.run([sys.executable, "-m", "server.validate", str(ROOT)], cwd=ROOT,
                        capture_output=True, text=True, timeout=300)
    assert ok.returncode == 0, ok.stdout + ok.stderr
    assert "Result: VALID" in ok.stdout
    root = copy_project(tmp_path, "id:kt a ot:Person ,, .\n")  # syntax error: fails fast
    bad = subprocess.run([sys.executable, "-m", "server.validate", str(root)], cwd=ROOT,
                         capture_output=True, text=True, timeout=300)
    assert bad.returncode == 1
    assert "Result: INVALID" in bad.stdout
