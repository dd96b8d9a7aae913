"""Validate the OnTeam graph: parse, SHACL shapes, OWL 2 RL consistency.

``validate(root)`` checks ``ontology/onteam.ttl``, ``data/instances.ttl`` and every
other ``ontology/*.ttl`` and ``data/*.ttl`` (the files the server loads) under a project root:

1. parses both files with rdflib and with pyoxigraph (errors carry file,
   line and column);
2. runs pyshacl with ``ontology/shapes.ttl`` over data + ontology (a shape pyshacl cannot
   use is reported as a violation);
3. computes an OWL 2 RL closure with owlrl over data + ontology and looks for
   contradictions: owlrl's error messages (it adds ``err:ErrorMessage`` nodes
   for violated disjointness, ``owl:Nothing`` members, bad literals ...),
   members of ``owl:Nothing``, and individuals typed with two classes that are
   declared disjoint;
4. counts triples and instances by class.

``format_report(report)`` renders the result as short text. Run
``python -m server.validate [ROOT]`` to print it; the exit status is 1 when
the graph is invalid.
"""

from __future__ import annotations

import logging
import sys
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

import owlrl
import pyoxigraph
import pyshacl
import rdflib
from rdflib.namespace import OWL, RDF

__all__ = ["ParseError", "ValidationReport", "validate", "format_report", "main"]

ONTOLOGY_FILE = Path("ontology/onteam.ttl")
DATA_FILE = Path("data/instances.ttl")
SHAPES_FILE = Path("ontology/shapes.ttl")

OT = "https://w3id.org/onteam/ontology#"
ID = "https://w3id.org/onteam/id/"
OWLRL_ERR = rdflib.Namespace("http://www.daml.org/2002/03/agents/agent-ont#")
SH = rdflib.Namespace("http://www.w3.org/ns/shacl#")

MAX_LISTED = 10  # violations / contradictions shown by format_report


@dataclass(frozen=True)
class ParseError:
    """A syntax error found by one parser in one file."""

    file: str
    parser: str  # "rdflib" or "pyoxigraph"
    line: int | None
    column: int | None
    message: str

    def __str__(self) -> str:
        where = self.file
        if self.line is not None:
            where += f":{self.line}"
            if self.column is not None:
                where += f":{self.column}"
        return f"{where}: [{self.parser}] {self.message}"


@dataclass
class ValidationReport:
    """Everything ``validate`` found. ``ok`` is the overall verdict."""

    root: Path
    parse_errors: list[ParseError] = field(default_factory=list)
    triples: int = 0
    triples_by_file: dict[str, int] = field(default_factory=dict)
    instances_by_class: dict[str, int] = field(default_factory=dict)
    conforms: bool | None = None  # None: shapes not run (parse errors)
    violations: list[str] = field(default_factory=list)
    consistent: bool | None = None  # None: reasoner not run
    contradictions: list[str] = field(default_factory=list)
    inferred_triples: int = 0

    @property
    def ok(self) -> bool:
        """True when both files parse, the shapes conform and the closure is consistent."""
        return not self.parse_errors and bool(self.conforms) and bool(self.consistent)


# -- parsing ------------------------------------------------------------------


def _rdflib_error(file: str, exc: Exception) -> ParseError:
    line = getattr(exc, "lines", None)
    column = None
    text, pos = getattr(exc, "_str", None), getattr(exc, "_i", None)
    if isinstance(text, bytes):
        text = text.decode("utf-8", "replace")
    if isinstance(text, str) and isinstance(pos, int):
        line = text.count("\n", 0, pos) + 1
        column = pos - (text.rfind("\n", 0, pos) + 1) + 1
    message = str(getattr(exc, "_why", "") or exc).strip().splitlines()[0]
    return ParseError(file, "rdflib", line, column, message)


def _parse_rdflib(path: Path, label: str, errors: list[ParseError]) -> rdflib.Graph | None:
    graph = rdflib.Graph()
    try:
        graph.parse(path, format="turtle")
    except Exception as exc:  # rdflib raises BadSyntax, AssertionError, ValueError ...
        errors.append(_rdflib_error(label, exc))
        return None
    return graph


def _parse_oxigraph(path: Path, label: str, errors: list[ParseError]) -> int | None:
    try:
        quads = list(pyoxigraph.parse(path=str(path), format=pyoxigraph.RdfFormat.TURTLE))
    except SyntaxError as exc:
        errors.append(ParseError(label, "pyoxigraph", exc.lineno, exc.offset, exc.msg))
        return None
    return len(quads)


# -- checks -------------------------------------------------------------------


def _compact(term: rdflib.term.Node) -> str:
    text = str(term)
    for prefix, ns in (("ot:", OT), ("id:", ID), ("owl:", str(OWL)), ("rdf:", str(RDF)),
                       ("rdfs:", "http://www.w3.org/2000/01/rdf-schema#"),
                       ("org:", "http://www.w3.org/ns/org#"), ("prov:", "http://www.w3.org/ns/prov#"),
                       ("skos:", "http://www.w3.org/2004/02/skos/core#"),
                       ("foaf:", "http://xmlns.com/foaf/0.1/"), ("schema:", "http://schema.org/")):
        if text.startswith(ns):
            return prefix + text[len(ns):]
    return text


def _shacl(data: rdflib.Graph, shapes: rdflib.Graph) -> tuple[bool, list[str]]:
    # pyshacl logs a shape it cannot load to stderr before raising; the report says it instead.
    logging.getLogger("pyshacl-validate").disabled = True
    conforms, results, _ = pyshacl.validate(
        data, shacl_graph=shapes, inference="none", advanced=True, allow_warnings=True
    )
    messages = []
    for result in results.subjects(RDF.type, SH.ValidationResult):
        focus = results.value(result, SH.focusNode)
        path = results.value(result, SH.resultPath)
        msg = results.value(result, SH.resultMessage)
        where = _compact(focus) + (f" {_compact(path)}" if path is not None else "")
        messages.append(f"{where}: {msg}")
    return bool(conforms), sorted(messages)


def _disjoint_pairs(graph: rdflib.Graph) -> set[tuple[rdflib.term.Node, rdflib.term.Node]]:
    pairs = set()
    for a, b in graph.subject_objects(OWL.disjointWith):
        pairs.add((a, b))
    for node in graph.subjects(RDF.type, OWL.AllDisjointClasses):
        members = list(rdflib.collection.Collection(graph, graph.value(node, OWL.members)))
        for i, a in enumerate(members):
            for b in members[i + 1:]:
                pairs.add((a, b))
    return pairs


def _reason(graph: rdflib.Graph) -> tuple[bool, list[str], int]:
    closure = rdflib.Graph()
    for triple in graph:
        closure.add(triple)
    before = len(closure)
    owlrl.DeductiveClosure(
        owlrl.OWLRL_Semantics, rdfs_closure=False, axiomatic_triples=False, datatype_axioms=False
    ).expand(closure)
    problems = set()
    for node in closure.subjects(RDF.type, OWLRL_ERR.ErrorMessage):
        problems.add(f"owlrl: {closure.value(node, OWLRL_ERR.error)}")
    for member in closure.subjects(RDF.type, OWL.Nothing):
        problems.add(f"{_compact(member)} is a member of owl:Nothing")
    for a, b in _disjoint_pairs(closure):
        for member in set(closure.subjects(RDF.type, a)) & set(closure.subjects(RDF.type, b)):
            problems.add(f"{_compact(member)} is in disjoint classes {_compact(a)} and {_compact(b)}")
    return not problems, sorted(problems), len(closure) - before


def _instances_by_class(data: rdflib.Graph) -> dict[str, int]:
    counts = Counter(
        _compact(cls) for s, cls in data.subject_objects(RDF.type) if str(s).startswith(ID)
    )
    return dict(sorted(counts.items(), key=lambda kv: (-kv[1], kv[0])))


# -- public API ---------------------------------------------------------------


def _source_files(root: Path) -> list[Path]:
    """The three files every project has, then any other ``ontology/*.ttl`` and ``data/*.ttl``.

    The server loads every one of them (a graph each), so each is checked here too.
    """
    files = [ONTOLOGY_FILE, DATA_FILE, SHAPES_FILE]
    for folder in ("ontology", "data"):
        files += [p.relative_to(root) for p in sorted((root / folder).glob("*.ttl")) if p.relative_to(root) not in files]
    return files


def validate(root: Path) -> ValidationReport:
    """Parse, shape-check and reason over the graph under ``root``; never raises on bad data."""
    root = Path(root)
    report = ValidationReport(root=root)
    graphs: dict[str, rdflib.Graph] = {}
    for rel in _source_files(root):
        path, label = root / rel, str(rel)
        if not path.is_file():
            report.parse_errors.append(ParseError(label, "file", None, None, "file not found"))
            continue
        graph = _parse_rdflib(path, label, report.parse_errors)
        count = _parse_oxigraph(path, label, report.parse_errors)
        if graph is not None and count is not None:
            graphs[label] = graph
            report.triples_by_file[label] = count
    if report.parse_errors:
        return report

    # Everything but the shapes is checked; the instances are counted over the data files.
    union, data = rdflib.Graph(), rdflib.Graph()
    for label, graph in graphs.items():
        if label == str(SHAPES_FILE):
            continue
        for triple in graph:
            union.add(triple)
            if label.startswith("data/"):
                data.add(triple)
    report.triples = len(union)
    report.instances_by_class = _instances_by_class(data)
    try:
        report.conforms, report.violations = _shacl(union, graphs[str(SHAPES_FILE)])
    except Exception as exc:  # noqa: BLE001 - pyshacl raises its own errors for a broken shape
        report.conforms = False
        report.violations = [f"{SHAPES_FILE} cannot be used: {type(exc).__name__}: {' '.join(str(exc).split())}"]
    report.consistent, report.contradictions, report.inferred_triples = _reason(union)
    return report


def format_report(report: ValidationReport) -> str:
    """Render a validation report as a short plain-text summary."""
    lines = [f"OnTeam graph validation: {report.root}"]
    if report.parse_errors:
        lines.append("Parse errors:")
        lines.extend(f"  {err}" for err in report.parse_errors)
        lines.append("Result: INVALID (files do not parse)")
        return "\n".join(lines)
    lines.append(f"Triples: {report.triples} (ontology + data, shapes apart)")
    for label, count in report.triples_by_file.items():
        lines.append(f"  {label}: {count}")
    lines.append("Instances by class:")
    lines.extend(f"  {cls}: {n}" for cls, n in report.instances_by_class.items())
    if report.conforms:
        lines.append("Shapes: conforms")
    else:
        lines.append(f"Shapes: {len(report.violations)} violation(s)")
        lines.extend(f"  - {v}" for v in report.violations[:MAX_LISTED])
    if report.consistent:
        lines.append(f"Reasoner (OWL 2 RL): consistent ({report.inferred_triples} triples inferred)")
    else:
        lines.append(f"Reasoner (OWL 2 RL): INCONSISTENT, {len(report.contradictions)} contradiction(s)")
        lines.extend(f"  - {c}" for c in report.contradictions[:MAX_LISTED])
    lines.append("Result: " + ("VALID" if report.ok else "INVALID"))
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    """Print the report for the project root (default: the current directory); 1 when invalid."""
    args = sys.argv[1:] if argv is None else argv
    report = validate(Path(args[0]) if args else Path.cwd())
    print(format_report(report))
    return 0 if report.ok else 1


if __name__ == "__main__":
    sys.exit(main())
