"""neo4j-admin import CSVs, parsed back with csv: headers, counts per label / type, escaping, README."""

from __future__ import annotations

import csv
from collections import Counter
from pathlib import Path

import pytest
from typer.testing import CliRunner

from tmekg.graph import KnowledgeGraph
from tmekg.pipeline import build_store
from tmekg.sinks.neo4j_import import export_neo4j_import, import_command
from tmekg.sinks.neo4j_model import node_labels

NODE_ROWS = [
    ["id", "category", "name", "synonyms", "xrefs", "properties", "evidence", "status", "comment"],
    ["HGNC.SYMBOL:NT5E", "Gene", "NT5E", "CD73|ecto-5'-nucleotidase; soluble", "UNIPROT:P21589",
     "roles=enzyme;full_name=5'-nucleotidase ecto", "", "", ""],
    ["CHEBI:16335", "Metabolite", "adenosine", "Ado", "", "", "", "", ""],
    ["MONDO:0005011", "Context", "Crohn's disease", "", "", "kind=tumour_type", "", "", ""],
    ["CHEMBL.COMPOUND:CHEMBL4297584", "Drug", 'oleclumab "MEDI9447", anti-CD73', "", "",
     "modality=antibody;max_phase=2", "", "", ""],
]  # fmt: skip
TRICKY_NODES = "".join("\t".join(row) + "\n" for row in NODE_ROWS)
TRICKY_EDGES = """subject\tpredicate\tobject\tproperties\tevidence\tcontext\tstatus\tcomment
HGNC.SYMBOL:NT5E\tproduces\tCHEBI:16335\t\tPMID:1|DOI:10.1000/a,b\t\tverified\tfixture
CHEMBL.COMPOUND:CHEMBL4297584\ttargets\tHGNC.SYMBOL:NT5E\taction=blocking_antibody\tPMID:4\t\tverified\tfixture
HGNC.SYMBOL:NT5E\tobserved_in\tMONDO:0005011\t\tPMID:5\t\tverified\tfixture
"""


def _read(path: Path) -> tuple[list[str], list[dict[str, str]]]:
    with open(path, encoding="utf-8", newline="") as handle:
        rows = list(csv.reader(handle))
    return rows[0], [dict(zip(rows[0], row, strict=True)) for row in rows[1:]]


@pytest.fixture(scope="module")
def curated(tmp_path_factory: pytest.TempPathFactory) -> Path:
    store = tmp_path_factory.mktemp("curated") / "store"
    build_store(store=store)
    return store


def test_files_per_label_and_type_match_the_store(curated: Path, tmp_path: Path) -> None:
    result = export_neo4j_import(tmp_path / "out", curated)
    with KnowledgeGraph.open(curated) as kg:
        categories = Counter(n.category for n in kg.nodes)
        types = Counter(e.predicate.upper() for e in kg.edges())
        labels = {n.id: set(node_labels(n)) for n in kg.nodes}
    assert {f"nodes_{c}.csv" for c in categories} | {f"relationships_{t}.csv" for t in types} == set(
        result.files
    )
    for category, count in categories.items():
        head, rows = _read(tmp_path / "out" / f"nodes_{category}.csv")
        assert head[:2] == ["id:ID", ":LABEL"] and "xrefs:string[]" in head
        assert len(rows) == count
        assert all(set(r[":LABEL"].split(";")) == labels[r["id:ID"]] for r in rows)
    drug_head, _ = _read(tmp_path / "out" / "nodes_Drug.csv")
    assert "max_phase:int" in drug_head
    for rel, count in types.items():
        head, rows = _read(tmp_path / "out" / f"relationships_{rel}.csv")
        assert head[:3] == [":START_ID", ":END_ID", ":TYPE"] and "sign:int" in head
        assert len(rows) == count and {r[":TYPE"] for r in rows} == {rel}
        assert len({r["key"] for r in rows}) == count  # parallel edges keep distinct keys


def test_transport_directions_stay_apart(curated: Path, tmp_path: Path) -> None:
    export_neo4j_import(tmp_path, curated)
    _, rows = _read(tmp_path / "relationships_TRANSPORTS.csv")
    pairs = Counter((r[":START_ID"], r[":END_ID"]) for r in rows)
    with KnowledgeGraph.open(curated) as kg:
        expected = Counter((e.subject, e.object) for e in kg.edges("transports"))
    assert pairs == expected
    assert all(r["key"].endswith("|direction=" + r["direction"]) for r in rows)


def test_quotes_commas_apostrophes_and_semicolons_survive(tmp_path: Path) -> None:
    kb = tmp_path / "kb"
    kb.mkdir()
    (kb / "t.nodes.tsv").write_text(TRICKY_NODES, encoding="utf-8")
    (kb / "t.edges.tsv").write_text(TRICKY_EDGES, encoding="utf-8")
    build_store(store=tmp_path / "store", kb=kb)
    result = export_neo4j_import(tmp_path / "out", tmp_path / "store")
    _, genes = _read(tmp_path / "out" / "nodes_Gene.csv")
    assert genes[0]["full_name"] == "5'-nucleotidase ecto"
    assert genes[0]["synonyms:string[]"].split(";") == ["CD73", "ecto-5'-nucleotidase, soluble"]
    assert result.altered_values == 1  # the ';' inside one synonym
    _, contexts = _read(tmp_path / "out" / "nodes_Context.csv")
    assert contexts[0]["name"] == "Crohn's disease"
    _, drugs = _read(tmp_path / "out" / "nodes_Drug.csv")
    assert drugs[0]["name"] == 'oleclumab "MEDI9447", anti-CD73'
    raw = (tmp_path / "out" / "nodes_Drug.csv").read_text(encoding="utf-8")
    assert '"oleclumab ""MEDI9447"", anti-CD73"' in raw  # RFC 4180 quoting, as neo4j-admin 5 reads it
    _, produces = _read(tmp_path / "out" / "relationships_PRODUCES.csv")
    assert produces[0]["evidence:string[]"].split(";") == ["DOI:10.1000/a,b", "PMID:1"]


def test_readme_has_the_exact_import_command(curated: Path, tmp_path: Path) -> None:
    result = export_neo4j_import(tmp_path, curated)
    readme = (tmp_path / "README.md").read_text(encoding="utf-8")
    command = import_command(result)
    assert command in readme and command.startswith("neo4j-admin database import full neo4j")
    assert "--array-delimiter=';'" in command and "--multiline-fields" not in command
    for name in result.files:
        option = "--nodes" if name.startswith("nodes_") else "--relationships"
        assert f"{option}={name}" in command
    assert "CREATE CONSTRAINT tmekg_gene_id IF NOT EXISTS FOR (n:Gene) REQUIRE n.id IS UNIQUE" in readme


def test_cli_export(curated: Path, tmp_path: Path) -> None:
    import typer

    from tmekg.cli.neo4j import export_neo4j_import as command

    app = typer.Typer()
    app.command("neo4j-import")(command)
    app.command("other")(lambda: None)  # keep typer in multi-command mode, as under `tmekg export`
    result = CliRunner().invoke(app, ["neo4j-import", str(tmp_path / "x"), "--store", str(curated)])
    assert result.exit_code == 0, result.output
    assert "CSV files (" in result.output and "README.md" in result.output
    missing = CliRunner().invoke(
        app, ["neo4j-import", str(tmp_path / "y"), "--store", str(tmp_path / "none")]
    )
    assert missing.exit_code == 1 and "error:" in missing.output
