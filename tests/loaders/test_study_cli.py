"""`tmekg study load/list/remove` and tmekg.studies: rebuild with registered studies, errors, graph index."""

from __future__ import annotations

import json
import math
from pathlib import Path

import pytest
import typer
from typer.testing import CliRunner

from tmekg.graph import KnowledgeGraph
from tmekg.studies import REGISTRY, graph_index, list_studies

runner = CliRunner()
ATLAS = "DOI:10.1038/s41467-023-40895-6"


@pytest.fixture()
def app(monkeypatch: pytest.MonkeyPatch) -> typer.Typer:
    from tmekg.cli.crosstalk import crosstalk, study_app

    cli = typer.Typer()
    cli.command("crosstalk")(crosstalk)
    cli.add_typer(study_app, name="study")
    return cli


@pytest.fixture()
def base(store_dir: Path, fixtures: Path) -> Path:
    from tmekg.pipeline import build_store

    build_store(store=store_dir, kb=fixtures / "kb_small")
    return store_dir


def test_load_list_remove(app: typer.Typer, base: Path, fixtures: Path, tmp_path: Path) -> None:
    kb = str(fixtures / "kb_small")
    markers = fixtures / "study" / "seurat_markers.csv"
    args = [
        "study",
        "load",
        str(markers),
        "-f",
        "seurat",
        "--study-id",
        ATLAS,
        "--map-name",
        "oh2023",
        "--kb",
        kb,
    ]
    result = runner.invoke(app, [*args, "--report", str(tmp_path / "r.json")])
    assert result.exit_code == 0, result.output
    assert "seurat seurat_markers.csv: 16 rows read, 8 not loaded, 4 kept with a warning" in result.output
    assert json.loads((tmp_path / "r.json").read_text())["seurat seurat_markers.csv"]["rows"] == 16
    with KnowledgeGraph.open(base) as kg:
        expressed = [e for e in kg.edges("expressed_in") if any(p.study == ATLAS for p in e.provenance)]
        assert len(expressed) == 8
        assert kg.node("HGNC.SYMBOL:NT5E").name == "NT5E"  # the curated node, merged with the study's
        assert f"study:{ATLAS}" in kg.manifest["sources"]
    mebocost = fixtures / "study" / "mebocost_commu.tsv"
    demo_map = str(fixtures / "study" / "celltype_map.yaml")
    second = [
        "study",
        "load",
        str(mebocost),
        "-f",
        "mebocost",
        "--study-id",
        "TMEKG:study.demo",
        "--map",
        demo_map,
    ]
    assert runner.invoke(app, [*second, "--map-name", "demo", "--kb", kb]).exit_code == 0
    listed = runner.invoke(app, ["study", "list", "--format", "tsv"])
    assert [line.split("\t")[:2] for line in listed.output.strip().splitlines()[1:]] == [
        [ATLAS, "seurat"],
        ["TMEKG:study.demo", "mebocost"],
    ]
    # reloading the same file replaces its entry instead of adding one
    assert runner.invoke(app, [*args, "--alpha", "0.01"]).exit_code == 0
    assert [s.alpha for s in list_studies(base)] == [0.05, 0.01]
    removed = runner.invoke(app, ["study", "remove", ATLAS, "--kb", kb])
    assert removed.exit_code == 0 and "1 study file(s) left" in removed.output
    with KnowledgeGraph.open(base) as kg:
        assert not any(p.study == ATLAS for e in kg.edges("expressed_in") for p in e.provenance)
        assert len(list(kg.edges("crosstalk"))) == 2


def test_errors_are_one_line_and_keep_the_store(app: typer.Typer, base: Path, fixtures: Path) -> None:
    snapshot = (base / "CURRENT").read_text()
    bad = fixtures / "study" / "seurat_renamed_markers.csv"
    result = runner.invoke(
        app, ["study", "load", str(bad), "-f", "seurat", "--study-id", ATLAS]
    )  # map by study
    assert result.exit_code == 1 and "seurat_renamed_markers.csv:1: field 'avg_log2FC'" in result.output
    assert "Traceback" not in result.output
    assert (base / "CURRENT").read_text() == snapshot and not (base / REGISTRY).exists()
    cases = [
        (["-f", "excel", "--study-id", ATLAS], "unknown study format 'excel'"),
        (["-f", "seurat", "--study-id", "not a curie"], "'not a curie' is not a CURIE"),
        (["-f", "seurat", "--study-id", "TMEKG:study.x"], "choose a cell-type map with --map-name"),
        (["-f", "seurat", "--study-id", ATLAS, "--map-name", "nope"], "no map named 'nope'"),
        (["-f", "seurat", "--study-id", ATLAS, "-o", "lfc_cap"], "option 'lfc_cap' is not key=value"),
    ]
    for extra, message in cases:
        result = runner.invoke(app, ["study", "load", str(bad), *extra])
        assert result.exit_code == 1 and message in result.output, (extra, result.output)
    assert runner.invoke(app, ["study", "remove", "TMEKG:study.none"]).exit_code == 1


def test_graph_index(base: Path) -> None:
    with KnowledgeGraph.open(base) as kg:
        genes, metabolites = graph_index(kg)
    assert genes["CD73"] == genes["NT5E"] == genes["ENSEMBL:ENSG00000135318"] == "HGNC.SYMBOL:NT5E"
    assert metabolites["ado"] == metabolites["HMDB:HMDB0000050"] == "CHEBI:16335"


def test_load_anndata_with_groupby(app: typer.Typer, base: Path, fixtures: Path, tmp_path: Path) -> None:
    anndata = pytest.importorskip("anndata")
    import numpy as np
    import pandas as pd
    import scipy.sparse as sp

    # 12 raw-count cells: 10 iCAF (LDHA 2 counts + NT5E 2), 2 Neoplastic (LDHA only)
    X = sp.csr_matrix(np.array([[2.0, 2.0]] * 10 + [[4.0, 0.0]] * 2))
    obs = pd.DataFrame({"cell_type": ["iCAF"] * 10 + ["Neoplastic"] * 2}, index=[f"c{i}" for i in range(12)])
    path = tmp_path / "cells.h5ad"
    anndata.AnnData(X=X, obs=obs, var=pd.DataFrame(index=["LDHA", "NT5E"])).write_h5ad(path)
    args = ["study", "load", str(path), "-f", "anndata", "--groupby", "cell_type", "--study-id", ATLAS]
    result = runner.invoke(app, [*args, "--map-name", "oh2023", "--kb", str(fixtures / "kb_small")])
    assert result.exit_code == 0, result.output
    assert "input detected as raw counts" in result.output
    assert "1 x group with fewer than 10 cells" in result.output
    with KnowledgeGraph.open(base) as kg:
        edges = [e for e in kg.edges("expressed_in") if any(p.study == ATLAS for p in e.provenance)]
    # iCAF: each cell 2 + 2 counts -> 5,000 per 10,000 -> log1p(5000), detection 1.0; LDHA is not
    # a gene of the kb_small graph (known_genes_only)
    assert "1 x gene not in graph (known_genes_only)" in result.output
    assert [(e.subject, e.object, e.prop("fraction")) for e in edges] == [
        ("HGNC.SYMBOL:NT5E", "TMEKG:celltype.iCAF", 1.0)
    ]
    assert edges[0].prop("value") == round(math.log1p(5000), 6)
    missing = runner.invoke(app, [*args[:5], "--study-id", ATLAS, "--map-name", "oh2023"])
    assert (
        missing.exit_code == 1 and "needs --groupby" in missing.output and "Traceback" not in missing.output
    )


def test_cli_study_formats_are_the_registry() -> None:
    """The CLI keeps its own copy of the format names (fast ``--help``); it must match tmekg.studies."""
    from tmekg.cli.crosstalk import STUDY_FORMATS
    from tmekg.studies import FORMATS

    assert tuple(FORMATS) == STUDY_FORMATS
