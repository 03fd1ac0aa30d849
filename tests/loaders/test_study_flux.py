"""Flux loaders (Compass, scFEA): transform, thresholds, counted skips, bad input, the real Compass demo."""

from __future__ import annotations

import math
import shutil
from pathlib import Path

import pytest
from study_helpers import counts, demo_context, run_loader

from tmekg.errors import LoaderError
from tmekg.loaders import compass, scfea
from tmekg.loaders.study_common import StudyContext, StudyReport, load_celltype_map
from tmekg.model import Edge

Z3 = round(math.sqrt(1.5), 4)  # z of the top value of three equally spaced values
Z_TWO_LOW = round(math.sqrt(2), 4)  # z of the top value of (x, y, y)


def triples(records: list) -> dict[tuple[str, str, str], tuple[str, float, str]]:
    return {
        (e.subject, e.predicate, e.object): (e.prop("statistic"), e.prop("value"), e.provenance[0].record)
        for e in records
        if isinstance(e, Edge)
    }


def test_compass_fixture(fixtures: Path) -> None:
    ctx = demo_context(fixtures)
    records, report = run_loader(compass.load, fixtures / "study" / "compass", ctx)
    assert triples(records) == {
        ("TMEKG:recon2.LDH_L", "active_in", "TMEKG:celltype.iCAF"): (
            "compass_activity_z",
            Z3,
            "reactions.tsv:2:iCAF",
        ),
        ("TMEKG:recon2.LDH_L.reverse", "active_in", "CL:0001064"): (
            "compass_activity_z",
            Z3,
            "reactions.tsv:3:Neoplastic",
        ),
        ("CL:0001064", "takes_up", "HMDB:HMDB0000190"): ("compass_activity_z", Z3, "uptake.tsv:2:Neoplastic"),
        ("TMEKG:celltype.iCAF", "secretes", "HMDB:HMDB0000190"): (
            "compass_activity_z",
            Z3,
            "secretions.tsv:2:iCAF",
        ),
        ("TMEKG:celltype.iCAF", "secretes", "HMDB:HMDB0000161"): (
            "compass_activity_z",
            Z3,
            "secretions.tsv:3:iCAF",
        ),
    }
    ldh = next(r for r in records if getattr(r, "id", None) == "TMEKG:recon2.LDH_L")
    assert ldh.name == "L-lactate dehydrogenase" and ldh.prop("ec") == ("1.1.1.27",)
    assert report.rows == 9
    assert report.skipped == {
        "NaN, inf or negative penalty (matrix entries)": 1,
        "cluster not in cell-type map " + ctx.celltypes.origin: 3,  # 'Mystery', once per table
        "metabolite without HMDB id in met_md.csv (rows)": 1,
        "no variation across cell groups (rows)": 2,  # BAD_pos (after its NaN), glc_D[e]
        "not an extracellular [e] metabolite (rows)": 1,
    }


def test_compass_missing_metadata_and_empty_folder(fixtures: Path, tmp_path: Path) -> None:
    shutil.copy(fixtures / "study" / "compass" / "uptake.tsv", tmp_path / "uptake.tsv")
    with pytest.raises(LoaderError, match=r"Compass metadata met_md\.csv not found"):
        list(compass.load(tmp_path, StudyReport("x"), demo_context(fixtures)))
    with pytest.raises(LoaderError, match="no Compass output"):
        list(compass.load(tmp_path / "missing", StudyReport("x"), demo_context(fixtures)))


def test_scfea_fixture(fixtures: Path) -> None:
    ctx = demo_context(fixtures)
    records, report = run_loader(scfea.load, fixtures / "study" / "scfea", ctx)
    edges = [e for e in records if isinstance(e, Edge)]
    got = {(e.subject, e.predicate, e.object, e.prop("statistic"), e.prop("value")) for e in edges}
    icaf, neo = "TMEKG:celltype.iCAF", "CL:0001064"
    assert got == {
        ("TMEKG:scfea.M_1", "active_in", icaf, "scfea_flux_z", Z3),
        ("TMEKG:scfea.M_6", "active_in", neo, "scfea_flux_z", Z3),
        ("TMEKG:scfea.M_78", "active_in", icaf, "scfea_flux_z", Z_TWO_LOW),
        ("TMEKG:scfea.M_92", "active_in", neo, "scfea_flux_z", Z_TWO_LOW),
        (icaf, "secretes", "KEGG.COMPOUND:C00256", "scfea_flux_z", Z_TWO_LOW),  # M_78 lactate export
        (neo, "takes_up", "KEGG.COMPOUND:C00064", "scfea_flux_z", Z_TWO_LOW),  # M_92 glutamine import
        (
            icaf,
            "secretes",
            "KEGG.COMPOUND:C00256",
            "scfea_balance_z",
            Z_TWO_LOW,
        ),  # balance (merged by the builder)
    }
    assert counts(records)["Reaction"] == 4
    assert report.rows == 16
    assert report.skipped == {
        "cell without a cell type in the cell table (demo_flux.csv)": 1,
        "cell without a cell type in the cell table (demo_balance.csv)": 1,
        "cluster not in cell-type map " + ctx.celltypes.origin: 2,
        "no variation across cell types (columns, demo_balance.csv)": 1,
    }
    indexed = demo_context(fixtures, metabolites={"KEGG.COMPOUND:C00064": "CHEBI:58359"})
    records, _ = run_loader(scfea.load, fixtures / "study" / "scfea", indexed)
    assert any(getattr(e, "object", None) == "CHEBI:58359" for e in records)


def test_scfea_missing_cell_table(fixtures: Path, tmp_path: Path) -> None:
    shutil.copy(fixtures / "study" / "scfea" / "demo_flux.csv", tmp_path / "demo_flux.csv")
    with pytest.raises(LoaderError, match="no scFEA cells file"):
        list(scfea.load(tmp_path, StudyReport("x"), demo_context(fixtures)))


@pytest.mark.shared_data
def test_real_compass_demo(shared_data: Path) -> None:
    ctx = StudyContext("TMEKG:study.mebocost-compass-demo-hnsc", load_celltype_map("compass_demo_hnsc"))
    records, report = run_loader(compass.load, shared_data / "mebocost" / "compass_demo_HNSC", ctx)
    n = counts(records)
    assert report.rows == 10211 + 5063 + 5063 and report.unknown_labels == {}
    assert n["CellType"] == 11 and n["takes_up"] > 100 and n["secretes"] > 100 and n["active_in"] > 1000
    edges = {(e.subject, e.predicate, e.object): e for e in records if isinstance(e, Edge)}
    assert all(e.prop("value") >= 1.0 for e in edges.values())
    lactate = [k for k in edges if k[2] == "HMDB:HMDB0000190"]
    assert lactate  # (S)-lactate exchange is resolved through met_md.csv's HMDB00190
    assert report.skipped["not an extracellular [e] metabolite (rows)"] > 0


def test_scfea_directory_or_empty_cell_table(fixtures: Path, tmp_path: Path) -> None:
    folder = tmp_path / "scfea"
    shutil.copytree(fixtures / "study" / "scfea", folder)
    (folder / "demo_balance.csv").unlink()
    (folder / "demo_balance.csv").mkdir()
    with pytest.raises(LoaderError, match=r"demo_balance\.csv: is a directory, expected the scFEA balance"):
        run_loader(scfea.load, folder, demo_context(fixtures))
    (folder / "demo_balance.csv").rmdir()
    cells = folder / "demo_celltypes.csv"
    cells.write_text(cells.read_text(encoding="utf-8").splitlines()[0] + "\n", encoding="utf-8")
    with pytest.raises(LoaderError, match=r"demo_celltypes\.csv:2: no cells"):
        run_loader(scfea.load, folder, demo_context(fixtures))
