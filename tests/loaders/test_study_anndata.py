"""AnnData single-cell loader: raw vs log-normalised detection, chunked pseudobulk, detection fractions."""

from __future__ import annotations

import math
from pathlib import Path

import numpy as np
import pytest
from study_helpers import demo_context, edge_map, run_loader

from tmekg.errors import LoaderError
from tmekg.loaders.study_anndata import LOGNORM, RAW, load, pseudobulk
from tmekg.loaders.study_common import StudyReport

anndata = pytest.importorskip("anndata")

GENES = ["LDHA", "SLC16A1", "HCAR1"]
LABELS = ["iCAF", "iCAF", "Neoplastic", "Neoplastic"]


def _write(path: Path, X: np.ndarray, sparse: bool = True) -> Path:
    """A real-format .h5ad written with anndata (cells x genes, obs column cell_type)."""
    import pandas as pd
    import scipy.sparse as sp

    obs = pd.DataFrame({"cell_type": LABELS}, index=[f"cell{i}" for i in range(len(LABELS))])
    var = pd.DataFrame(index=GENES)
    anndata.AnnData(X=sp.csr_matrix(X) if sparse else X, obs=obs, var=var).write_h5ad(path)
    return path


RAW_X = np.array([[1.0, 0.0, 1.0], [2.0, 0.0, 0.0], [0.0, 4.0, 0.0], [1.0, 3.0, 0.0]])


def test_raw_counts_are_normalised_and_logged(tmp_path: Path) -> None:
    path = _write(tmp_path / "raw.h5ad", RAW_X)
    bulk = pseudobulk(path, {"groupby": "cell_type", "chunk_size": 3})
    assert bulk.scale == RAW and bulk.groups == ["Neoplastic", "iCAF"]
    # per cell: counts / total x 10,000, then log1p; iCAF cells a = [1, 0, 1] / 2, b = [2, 0, 0] / 2
    icaf = [(math.log(5001) + math.log(10001)) / 2, 0.0, math.log(5001) / 2]
    # Neoplastic cells c = [0, 4, 0] / 4, d = [1, 3, 0] / 4
    neo = [math.log(2501) / 2, (math.log(10001) + math.log(7501)) / 2, 0.0]
    assert np.allclose(bulk.means, [neo, icaf])
    assert bulk.fractions.tolist() == [[0.5, 1.0, 0.0], [1.0, 0.0, 0.5]]
    assert bulk.cells.tolist() == [2, 2]


def test_chunk_size_does_not_change_the_result(tmp_path: Path) -> None:
    path = _write(tmp_path / "raw.h5ad", RAW_X, sparse=False)
    one = pseudobulk(path, {"groupby": "cell_type", "chunk_size": 1})
    whole = pseudobulk(path, {"groupby": "cell_type"})
    assert np.allclose(one.means, whole.means) and np.array_equal(one.fractions, whole.fractions)


def test_log_normalised_input_is_averaged_as_stored(tmp_path: Path) -> None:
    X = np.array([[0.5, 0.0, 0.0], [1.5, 0.0, 0.0], [0.0, 2.25, 0.0], [0.0, 0.75, 0.0]])
    bulk = pseudobulk(_write(tmp_path / "log.h5ad", X), {"groupby": "cell_type"})
    assert bulk.scale == LOGNORM
    assert bulk.means.tolist() == [[0.0, 1.5, 0.0], [1.0, 0.0, 0.0]]


def test_records_carry_fraction_and_report_the_scale(fixtures: Path, tmp_path: Path) -> None:
    path = _write(tmp_path / "raw.h5ad", RAW_X)
    ctx = demo_context(fixtures, options={"groupby": "cell_type", "min_cells": 2})
    records, report = run_loader(load, path, ctx)
    edges = edge_map(records)
    hcar1 = edges[("HGNC.SYMBOL:HCAR1", "expressed_in", "TMEKG:celltype.iCAF")]
    assert (hcar1.prop("fraction"), hcar1.provenance[0].score) == (0.5, 1.0)
    ldha = edges[("HGNC.SYMBOL:LDHA", "expressed_in", "CL:0001064")]
    # weight = Neoplastic mean / iCAF mean (the gene's highest)
    expected = (math.log(2501) / 2) / ((math.log(5001) + math.log(10001)) / 2)
    assert ldha.provenance[0].score == pytest.approx(expected, abs=1e-6) and ldha.prop("fraction") == 0.5
    assert ldha.provenance[0].record == "raw.h5ad:obs=Neoplastic:var=LDHA"
    assert report.warnings == {
        "input detected as raw counts (normalised to 10,000 per cell and log1p before averaging)": 4
    }


def test_small_groups_are_counted_not_loaded(fixtures: Path, tmp_path: Path) -> None:
    path = _write(tmp_path / "raw.h5ad", RAW_X)
    records, report = run_loader(load, path, demo_context(fixtures, options={"groupby": "cell_type"}))
    assert edge_map(records) == {}
    assert report.skipped["group with fewer than 10 cells"] == 2


def test_bad_input(fixtures: Path, tmp_path: Path) -> None:
    path = _write(tmp_path / "raw.h5ad", RAW_X)
    with pytest.raises(LoaderError, match="needs --groupby"):
        list(load(path, StudyReport("x"), demo_context(fixtures)))
    with pytest.raises(LoaderError, match="field 'cluster': no obs column 'cluster'"):
        list(load(path, StudyReport("x"), demo_context(fixtures, options={"groupby": "cluster"})))
    scaled = _write(tmp_path / "scaled.h5ad", RAW_X - 1.5)
    with pytest.raises(LoaderError, match="negative or non-finite"):
        pseudobulk(scaled, {"groupby": "cell_type"})
    with pytest.raises(LoaderError, match="no layer 'counts'"):
        pseudobulk(path, {"groupby": "cell_type", "layer": "counts"})
