"""Communication-result loaders (MEBOCOST, LIANA+, CellPhoneDB v5): fixtures, bad input, real LIANA file."""

from __future__ import annotations

from pathlib import Path

import pytest
from study_helpers import counts, demo_context, edge_map, run_loader

from tmekg.errors import LoaderError
from tmekg.loaders import cellphonedb_results, liana_results, mebocost_results
from tmekg.loaders.study_common import StudyContext, StudyReport, load_celltype_map
from tmekg.model import Edge

LACTATE, ADENOSINE, ARGININE, PGE2 = "CHEBI:16651", "CHEBI:16335", "CHEBI:32682", "CHEBI:15551"


def test_mebocost_fixture(fixtures: Path) -> None:
    ctx = demo_context(fixtures)
    records, report = run_loader(mebocost_results.load, fixtures / "study" / "mebocost_commu.tsv", ctx)
    assert counts(records) == {"Study": 1, "CellType": 5, "Metabolite": 2, "Gene": 3, "crosstalk": 2}
    assert report.rows == 7
    assert report.skipped == {
        "not significant (permutation_test_fdr > 0.05)": 1,
        "cluster not in cell-type map " + ctx.celltypes.origin: 1,
        "missing, NaN or inf statistic": 1,
        "duplicate (sender, receiver, metabolite, sensor) row": 1,
    }
    edges = edge_map(records)
    lactate = edges[("TMEKG:celltype.iCAF", "crosstalk", "CL:0001064")]
    assert dict(lactate.properties) == {
        "metabolite": "HMDB:HMDB0000190",
        "mode": "supply",
        "p_value": 0.001,
        "receiver_genes": ("HCAR1", "SLC16A1"),
        "method": "MEBOCOST",
        "parameters": "p_value=permutation_test_fdr (min over sensors); threshold<=0.05",
        "inferred": True,
    }
    assert [(p.record, p.score) for p in lactate.provenance] == [
        ("mebocost_commu.tsv:2", 2.1),
        ("mebocost_commu.tsv:3", 1.5),
    ]
    assert all(p.study == "TMEKG:study.demo" for p in lactate.provenance)


def test_mebocost_graph_index_and_missing_column(fixtures: Path, tmp_path: Path) -> None:
    ctx = demo_context(fixtures, metabolites={"HMDB:HMDB0000190": LACTATE})
    records, _ = run_loader(mebocost_results.load, fixtures / "study" / "mebocost_commu.tsv", ctx)
    assert edge_map(records)[("TMEKG:celltype.iCAF", "crosstalk", "CL:0001064")].prop("metabolite") == LACTATE
    table = tmp_path / "old.tsv"
    table.write_text(
        "Sender\tReceiver\tMetabolite\tSensor\tCommu_Score\tpval\niCAF\tCD8\tHMDB0000190\tHCAR1\t1\t0\n"
    )
    with pytest.raises(LoaderError, match=r"old.tsv:1: field 'permutation_test_fdr': missing column"):
        list(mebocost_results.load(table, StudyReport("x"), ctx))


def test_liana_fixture(fixtures: Path) -> None:
    path = fixtures / "study" / "liana_metabolites.csv"
    records, report = run_loader(liana_results.load, path, demo_context(fixtures))
    edges = edge_map(records)
    assert set(edges) == {
        ("TMEKG:celltype.iCAF", "crosstalk", "CL:0001064"),
        ("CL:0001064", "crosstalk", "CL:0000625"),
    }
    lactate = edges[("TMEKG:celltype.iCAF", "crosstalk", "CL:0001064")]
    assert (lactate.prop("p_value"), lactate.prop("receiver_genes")) == (0.001, ("HCAR1", "SLC16A1"))
    assert [p.score for p in lactate.provenance] == [0.998, 0.99]
    assert report.rows == 6
    assert report.skipped == {
        liana_results._PROTEIN: 2,  # CXCL12 -> CXCR4, and 'L-Arginine' without a graph index
        "not significant (specificity_rank > 0.05)": 1,
    }
    indexed = demo_context(fixtures, metabolites={"l-arginine": ARGININE})
    records, _ = run_loader(liana_results.load, path, indexed)
    arginine = edge_map(records)[("TMEKG:celltype.TAM", "crosstalk", "CL:0000625")]
    assert arginine.prop("metabolite") == ARGININE and arginine.prop("receiver_genes") == ("SLC7A1",)


def test_liana_r_names_and_missing_columns(fixtures: Path, tmp_path: Path) -> None:
    table = tmp_path / "liana_r.csv"
    table.write_text(
        "source,target,ligand.complex,receptor.complex,aggregate_rank\niCAF,CD8,HMDB0000190,HCAR1,0.01\n"
    )
    records, report = run_loader(liana_results.load, table, demo_context(fixtures))
    assert counts(records)["crosstalk"] == 1 and report.warnings == {"LIANA (R) column names": 2}
    table.write_text("source,target,ligand,receptor,specificity_rank\niCAF,CD8,HMDB0000190,HCAR1,0.01\n")
    with pytest.raises(LoaderError, match="field 'ligand_complex': missing column"):
        list(liana_results.load(table, StudyReport("x"), demo_context(fixtures)))


def test_cellphonedb_fixture(fixtures: Path) -> None:
    ctx = demo_context(fixtures, metabolites={"adenosine": ADENOSINE, "prostaglandin e2": PGE2})
    records, report = run_loader(cellphonedb_results.load, fixtures / "study" / "cellphonedb", ctx)
    edges = {(e.subject, e.object, e.prop("metabolite")): e for e in records if isinstance(e, Edge)}
    got = {key: (e.prop("p_value"), e.provenance[0].score) for key, e in edges.items()}
    assert got == {
        ("TMEKG:celltype.iCAF", "CL:0000815", ADENOSINE): (0.001, 85.2),
        ("CL:0001064", "CL:0000815", ADENOSINE): (0.01, 40.1),
        ("TMEKG:celltype.iCAF", "CL:0001064", PGE2): (0.004, 60.0),
        # receptor-first row: partner_b is the proxy, so the 'Neoplastic|iCAF' cell is iCAF -> Neoplastic
        ("TMEKG:celltype.iCAF", "CL:0001064", ADENOSINE): (0.03, 12.5),
    }
    reversed_row = edges[("TMEKG:celltype.iCAF", "CL:0001064", ADENOSINE)]
    assert reversed_row.prop("sender_genes") == ("NT5E",) and reversed_row.prop("receiver_genes") == (
        "ADORA2A",
    )
    assert (
        reversed_row.provenance[0].record
        == "statistical_analysis_significant_means_demo.txt:4:Neoplastic|iCAF"
    )
    treg = edges[("TMEKG:celltype.iCAF", "CL:0000815", ADENOSINE)]
    assert treg.prop("sender_genes") == ("NT5E", "SLC29A1") and treg.prop("receiver_genes") == ("ADORA2A",)
    assert treg.prop("method") == "CellPhoneDB" and treg.prop("inferred") is True
    assert report.rows == 5
    assert report.skipped == {
        "cluster not in cell-type map " + ctx.celltypes.origin: 1,
        "protein-protein interaction (not metabolite-mediated)": 1,
        "small-molecule ligand not resolvable (load the cellphonedb resource first)": 1,
    }


def test_cellphonedb_bad_input(fixtures: Path, tmp_path: Path) -> None:
    (tmp_path / "statistical_analysis_significant_means_x.txt").write_text(
        "id_cp_interaction\tpartner_a\nX\tY\n"
    )
    with pytest.raises(LoaderError, match=r"_x.txt:1: field 'interacting_pair': missing column"):
        list(cellphonedb_results.load(tmp_path, StudyReport("x"), demo_context(fixtures)))


@pytest.mark.shared_data
def test_real_liana_output_is_protein_only(shared_data: Path) -> None:
    ctx = StudyContext("TMEKG:study.liana-example", load_celltype_map("oh2023"))
    path = shared_data / "liana" / "example_output_aggregate_rank_rest.csv"
    records, report = run_loader(liana_results.load, path, ctx)
    assert counts(records) == {"Study": 1}
    assert report.rows == 1288 and report.skipped == {liana_results._PROTEIN: 1288}
    assert (
        report.examples[liana_results._PROTEIN][0]
        == "HLA-DRA -> CD4 (example_output_aggregate_rank_rest.csv:2)"
    )
