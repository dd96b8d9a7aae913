"""`onteam validate` prints the report of the project's graph and exits by its verdict."""

from __future__ import annotations

from pathlib import Path

from cli_run import PROJECT_ROOT, onteam


def test_validate_reports_the_project_graph_as_valid() -> None:
    done = onteam("validate")
    assert done.returncode == 0, done.stdout + done.stderr
    assert "triples" in done.stdout.lower()
    assert "conforms" in done.stdout.lower()
    assert "VALID" in done.stdout


def test_validate_fails_on_a_consortium_without_founding_date(tmp_path: Path) -> None:
    root = tmp_path / "root"
    for folder in ("ontology", "data"):
        (root / folder).mkdir(parents=True)
    for path in (PROJECT_ROOT / "ontology").glob("*.ttl"):
        (root / "ontology" / path.name).write_text(path.read_text(encoding="utf-8"), encoding="utf-8")
    data = (PROJECT_ROOT / "data" / "instances.ttl").read_text(encoding="utf-8")
    broken = data.replace('ot:foundingDate      "2020-02"^^xsd:gYearMonth ;', "", 1)
    assert broken != data, "the AI One Team's founding date line moved; update this test"
    (root / "data" / "instances.ttl").write_text(broken, encoding="utf-8")
    done = onteam("validate", "--root", str(root))
    assert done.returncode == 1, done.stdout + done.stderr
    assert "INVALID" in done.stdout


def copy_project(tmp_path: Path) -> Path:
    root = tmp_path / "root"
    for folder in ("ontology", "data"):
        (root / folder).mkdir(parents=True)
        for path in (PROJECT_ROOT / folder).glob("*.ttl"):
            (root / folder / path.name).write_bytes(path.read_bytes())
    return root


def test_validate_checks_every_data_file_the_server_loads(tmp_path: Path) -> None:
    root = copy_project(tmp_path)
    (root / "data" / "extra.ttl").write_text(
        "@prefix ot: <https://w3id.org/onteam/ontology#> .\n<https://w3id.org/onteam/id/lonely> a ot:Consortium .\n"
    )
    done = onteam("validate", "--root", str(root))
    assert done.returncode == 1, done.stdout + done.stderr
    assert "data/extra.ttl" in done.stdout and "id:lonely" in done.stdout


def test_validate_reports_a_broken_shape_without_a_traceback(tmp_path: Path) -> None:
    root = copy_project(tmp_path)
    with (root / "ontology" / "shapes.ttl").open("a") as shapes:
        shapes.write("\n<https://example.org/S> a sh:NodeShape ; sh:targetClass ot:Consortium ;\n"
                     "  sh:property [ sh:path ot:hasMember ; sh:minCount \"many\" ] .\n")
    done = onteam("validate", "--root", str(root))
    assert done.returncode == 1, done.stdout + done.stderr
    assert "ontology/shapes.ttl cannot be used" in done.stdout and "INVALID" in done.stdout
    assert done.stderr == ""


def test_validate_broken_file_gives_line_and_column(tmp_path: Path) -> None:
    root = copy_project(tmp_path)
    (root / "data" / "extra.ttl").write_text("<https://example.org/a> <https://example.org/p> \"open .\n")
    done = onteam("validate", "--root", str(root))
    assert done.returncode == 1, done.stdout + done.stderr
    assert "data/extra.ttl:1:" in done.stdout and "INVALID" in done.stdout


def test_validate_takes_the_root_from_onteam_root(tmp_path: Path) -> None:
    root = copy_project(tmp_path)
    (root / "data" / "extra.ttl").write_text("<https://example.org/a> <https://example.org/p> \"open .\n")
    done = onteam("validate", root=root)
    assert done.returncode == 1 and "data/extra.ttl:1:" in done.stdout
