"""Pseudobulk loader: CSV (both layouts) and AnnData, thresholds and weights, bad input."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from study_helpers import counts, demo_context, edge_map, run_loader

from tmekg.errors import LoaderError
from tmekg.loaders.pseudobulk import load
from tmekg.loaders.study_common import StudyReport


def test_csv_fixture_records(fixtures: Path) -> None:
    ctx = demo_context(fixtures)
    records, report = run_loader(load, fixtures / "study" / "pseudobulk.csv", ctx)
    assert counts(records) == {"Study": 1, "CellType": 3, "Gene": 4, "expressed_in": 6}
    edges = edge_map(records)
    got = {(s.split(":")[1], o, e.prop("value"), e.provenance[0].score) for (s, _, o), e in edges.items()}
    assert got == {
        ("LDHA", "TMEKG:celltype.iCAF", 2.0, 1.0),
        ("LDHA", "CL:0001064", 1.0, 0.5),
        ("SLC16A1", "CL:0001064", 1.2, 1.0),
        ("NT5E", "TMEKG:celltype.iCAF", 1.5, 1.0),
        ("NT5E", "CL:0000815", 0.2, 0.133333),  # weight rounded to 6 digits
        ("ADORA2A", "CL:0000815", 0.8, 1.0),
    }
    nt5e = edges[("HGNC.SYMBOL:NT5E", "expressed_in", "CL:0000815")]
    assert nt5e.prop("statistic") == "mean_expression"
    assert nt5e.provenance[0].record == "pseudobulk.csv:4:NT5E"
    assert report.rows == 4
    assert report.skipped == {
        "cluster not in cell-type map " + ctx.celltypes.origin: 1,
        "malformed gene symbol (matrix column)": 1,
        "duplicate gene column: first kept": 1,
        "NaN or inf value (matrix entries)": 1,
        "below expression threshold (matrix entries)": 5,
    }


def test_transposed_tsv(fixtures: Path) -> None:
    records, report = run_loader(load, fixtures / "study" / "pseudobulk_t.tsv", demo_context(fixtures))
    edges = edge_map(records)
    assert set(edges) == {
        ("HGNC.SYMBOL:LDHA", "expressed_in", "TMEKG:celltype.iCAF"),
        ("HGNC.SYMBOL:LDHA", "expressed_in", "CL:0001064"),
        ("HGNC.SYMBOL:NT5E", "expressed_in", "TMEKG:celltype.iCAF"),
    }
    assert (
        edges[("HGNC.SYMBOL:LDHA", "expressed_in", "CL:0001064")].provenance[0].record
        == "pseudobulk_t.tsv:2:Neoplastic"
    )
    assert report.warnings == {"genes x cell types layout detected: matrix transposed": 1}


def test_known_genes_only_is_the_default_with_a_graph_index(fixtures: Path) -> None:
    ctx = demo_context(fixtures, genes={"LDHA": "HGNC.SYMBOL:LDHA"})
    records, report = run_loader(load, fixtures / "study" / "pseudobulk.csv", ctx)
    assert {e[0] for e in edge_map(records)} == {"HGNC.SYMBOL:LDHA"}
    assert report.skipped["gene not in graph (known_genes_only)"] == 3
    ctx = demo_context(fixtures, genes={"LDHA": "HGNC.SYMBOL:LDHA"}, options={"known_genes_only": False})
    records, _ = run_loader(load, fixtures / "study" / "pseudobulk.csv", ctx)
    assert counts(records)["expressed_in"] == 6


def test_h5ad_single_cells_grouped(fixtures: Path, tmp_path: Path) -> None:
    anndata = pytest.importorskip("anndata")
    import pandas as pd
    import scipy.sparse as sp

    X = sp.csr_matrix(np.array([[2.0, 0.0], [4.0, 0.0], [1.0, 3.0], [0.0, 0.0]]))
    obs = pd.DataFrame({"cell_type": ["iCAF", "iCAF", "Neoplastic", "T.Reg"]}, index=["a", "b", "c", "d"])
    var = pd.DataFrame({"symbol": ["LDHA", "SLC16A1"]}, index=["ENSG00000134333", "ENSG00000155380"])
    path = tmp_path / "cells.h5ad"
    anndata.AnnData(X=X, obs=obs, var=var).write_h5ad(path)
    ctx = demo_context(fixtures, options={"groupby": "cell_type", "gene_symbols": "symbol"})
    records, _ = run_loader(load, path, ctx)
    edges = edge_map(records)
    assert set(edges) == {
        ("HGNC.SYMBOL:LDHA", "expressed_in", "TMEKG:celltype.iCAF"),  # mean 3.0
        ("HGNC.SYMBOL:LDHA", "expressed_in", "CL:0001064"),  # mean 1.0 >= 0.1 x 3.0
        ("HGNC.SYMBOL:SLC16A1", "expressed_in", "CL:0001064"),  # mean 3.0
    }
    ldha = edges[("HGNC.SYMBOL:LDHA", "expressed_in", "TMEKG:celltype.iCAF")]
    assert ldha.prop("value") == 3.0 and ldha.provenance[0].record == "cells.h5ad:obs=iCAF:var=LDHA"
    with pytest.raises(LoaderError, match="field 'cluster': no obs column 'cluster'"):
        list(load(path, StudyReport("x"), demo_context(fixtures, options={"groupby": "cluster"})))


def test_bad_matrix(fixtures: Path, tmp_path: Path) -> None:
    path = tmp_path / "bad.csv"
    path.write_text("cell;LDHA;NT5E\niCAF;1;2\n")
    with pytest.raises(LoaderError, match=r"bad.csv:1: header has 1 fields"):
        list(load(path, StudyReport("x"), demo_context(fixtures)))
