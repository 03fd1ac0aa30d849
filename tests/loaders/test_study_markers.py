"""Seurat / scanpy marker loaders: fixture records, artefact handling, bad input, the real atlas table."""

from __future__ import annotations

from pathlib import Path

import pytest
from study_helpers import counts, demo_context, edge_map, run_loader

from tmekg.errors import LoaderError
from tmekg.loaders.study_common import StudyContext, StudyReport, load_celltype_map
from tmekg.loaders.study_markers import detect, load, load_scanpy, load_seurat

ATLAS = "DOI:10.1038/s41467-023-40895-6"


@pytest.fixture()
def atlas_ctx() -> StudyContext:
    return StudyContext(ATLAS, load_celltype_map("oh2023"))


def test_seurat_fixture_records(fixtures: Path, atlas_ctx: StudyContext) -> None:
    records, report = run_loader(load_seurat, fixtures / "study" / "seurat_markers.csv", atlas_ctx)
    assert counts(records) == {"Study": 1, "CellType": 4, "Gene": 8, "expressed_in": 8}
    assert report.rows == 16
    assert report.skipped == {
        "down-regulated marker (not evidence of expression)": 2,  # GAPDH, AHR (flagged, pct diff < 0)
        "not significant (adjusted p > 0.05)": 1,
        "missing or NaN statistic": 1,
        "duplicate (cluster, gene) row": 1,
        "cluster not in cell-type map " + atlas_ctx.celltypes.origin: 1,
        "malformed gene symbol": 1,
        "detection fraction missing or outside [0, 1]": 1,
    }
    assert report.warnings == {
        "avg_log2FC artefact (non-finite or |x|>20): flagged, see threshold": 3,
        "avg_log2FC sign contradicts detection rates: pct.1-pct.2 used, see threshold": 1,  # PTGS2
    }
    assert report.unknown_labels == {"Mystery": 1}
    edges = edge_map(records)
    ldha = edges[("HGNC.SYMBOL:LDHA", "expressed_in", "TMEKG:celltype.iCAF")]
    assert dict(ldha.properties) == {
        "statistic": "avg_log2FC",
        "value": 1.5,
        "threshold": "adjusted p<=0.05",
        "p_value": 1e-46,
        "fraction": 0.8,
    }
    prov = ldha.provenance[0]
    assert (prov.study, prov.record, prov.score, prov.evidence) == (
        ATLAS,
        "seurat_markers.csv:2",
        0.8,
        (ATLAS,),
    )
    has2 = edges[("HGNC.SYMBOL:HAS2", "expressed_in", "TMEKG:celltype.iCAF")]
    assert has2.prop("statistic") == "pct_diff" and has2.prop("value") == 0.5
    assert "avg_log2FC=-109.3 flagged as artefact" in has2.prop("threshold")
    assert edges[("HGNC.SYMBOL:NT5E", "expressed_in", "TMEKG:celltype.iCAF")].prop("value") == 0.4
    ptgs2 = edges[("HGNC.SYMBOL:PTGS2", "expressed_in", "TMEKG:celltype.iCAF")]
    assert (ptgs2.prop("statistic"), ptgs2.prop("value")) == ("pct_diff", 0.17)
    assert "avg_log2FC=-4.42 sign contradicts pct.1-pct.2 (|diff|>=0.1)" in ptgs2.prop("threshold")
    # label matching ignores punctuation: 'SPP1+ TAM' is the atlas 'SPP1.TAM'
    assert ("HGNC.SYMBOL:ARG1", "expressed_in", "TMEKG:celltype.SPP1_TAM") in edges


def test_sign_check_can_be_disabled(fixtures: Path) -> None:
    ctx = StudyContext(ATLAS, load_celltype_map("oh2023"), options={"sign_check": 0})
    records, report = run_loader(load_seurat, fixtures / "study" / "seurat_markers.csv", ctx)
    assert counts(records)["expressed_in"] == 7 and len(report.warnings) == 1


def test_cap_without_fractions_and_graph_gene_index(fixtures: Path, tmp_path: Path) -> None:
    table = tmp_path / "m.csv"
    table.write_text('"cluster","gene","avg_log2FC","p_val_adj"\n"iCAF","GPR81",-50,0\n"iCAF","LDHA",30,0\n')
    ctx = demo_context(fixtures, genes={"GPR81": "HGNC.SYMBOL:HCAR1"})
    records, report = run_loader(load_seurat, table, ctx)
    edges = edge_map(records)
    assert list(edges) == [("HGNC.SYMBOL:LDHA", "expressed_in", "TMEKG:celltype.iCAF")]
    ldha = edges[("HGNC.SYMBOL:LDHA", "expressed_in", "TMEKG:celltype.iCAF")]
    assert (ldha.prop("statistic"), ldha.prop("value"), ldha.provenance[0].score) == (
        "avg_log2FC_capped",
        20.0,
        1.0,
    )
    assert report.skipped == {
        "down-regulated marker (not evidence of expression)": 1
    }  # GPR81 -> HCAR1, capped -20


def test_seurat_v3_fold_change_is_converted(fixtures: Path, atlas_ctx: StudyContext) -> None:
    records, report = run_loader(load, fixtures / "study" / "seurat_v3_markers.csv", atlas_ctx)
    (edge,) = [r for r in records if hasattr(r, "predicate")]
    assert edge.prop("value") == pytest.approx(1.0, abs=1e-6)
    assert report.warnings == {"Seurat < 4 column avg_logFC (natural log) converted to log2": 1}


def test_scanpy_fixture_records(fixtures: Path) -> None:
    path = fixtures / "study" / "scanpy_markers.csv"
    assert detect(path) == "scanpy"
    records, report = run_loader(load_scanpy, path, demo_context(fixtures))
    edges = edge_map(records)
    assert counts(records) == {"Study": 1, "CellType": 3, "Gene": 4, "expressed_in": 4}
    assert ("ENSEMBL:ENSG00000111640", "expressed_in", "TMEKG:celltype.iCAF") in edges
    slc = edges[("HGNC.SYMBOL:SLC16A1", "expressed_in", "CL:0001064")]
    assert (slc.prop("statistic"), slc.prop("value"), slc.prop("fraction")) == ("pct_diff", 0.6, 0.7)
    assert report.rows == 5 and report.skipped == {"not significant (adjusted p > 0.05)": 1}
    assert report.warnings == {"logfoldchanges artefact (non-finite or |x|>20): flagged, see threshold": 1}


@pytest.mark.parametrize(
    ("name", "message"),
    [
        ("seurat_renamed_markers.csv", "field 'avg_log2FC': missing column(s) avg_log2FC"),
        ("scanpy_wide.csv", "wide scanpy rank_genes_groups export"),
    ],
)
def test_bad_input_names_file_line_field(
    fixtures: Path, atlas_ctx: StudyContext, name: str, message: str
) -> None:
    with pytest.raises(LoaderError) as info:
        list(load(fixtures / "study" / name, StudyReport("x"), atlas_ctx))
    assert f"{name}:1: " in str(info.value) and message in str(info.value)


def test_unmapped_file_is_an_error(fixtures: Path) -> None:
    ctx = StudyContext("TMEKG:study.x", load_celltype_map("compass_demo_hnsc"))
    with pytest.raises(LoaderError, match=r"no cluster label maps .*\(labels: 'iCAF', 'Neoplastic'"):
        list(load(fixtures / "study" / "seurat_markers.csv", StudyReport("x"), ctx))


@pytest.mark.shared_data
def test_real_atlas_pan_tme_markers(shared_data: Path, atlas_ctx: StudyContext) -> None:
    path = shared_data / "pdac_atlas_oh2023" / "SupplementaryTable2GlobaMarkers2022.csv.gz"
    records, report = run_loader(load, path, atlas_ctx)
    assert report.rows == 24660
    assert counts(records)["CellType"] == 30 and report.unknown_labels == {}
    assert report.skipped == {
        "down-regulated marker (not evidence of expression)": 6564,
        "not significant (adjusted p > 0.05)": 844,
    }
    assert report.warnings == {
        # of 7,197 rows with |x| > 20 or inf, those that are significant
        "avg_log2FC artefact (non-finite or |x|>20): flagged, see threshold": 6917,
        "avg_log2FC sign contradicts detection rates: pct.1-pct.2 used, see threshold": 5311,
    }
    assert counts(records)["expressed_in"] == 24660 - 6564 - 844
    edges = edge_map(records)
    gzma = edges[("HGNC.SYMBOL:GZMA", "expressed_in", "CL:0020031")]
    assert gzma.prop("statistic") == "pct_diff" and gzma.prop("value") == pytest.approx(0.549)
    assert gzma.provenance[0].record == "SupplementaryTable2GlobaMarkers2022.csv.gz:2"
    # CD3D in Treg: avg_log2FC -16.1 but detected in 74.5 % of Tregs vs 19.5 % elsewhere
    assert edges[("HGNC.SYMBOL:CD3D", "expressed_in", "CL:0000815")].prop("value") == pytest.approx(0.55)


@pytest.mark.shared_data
def test_real_compartment_table_with_numbered_clusters(shared_data: Path, atlas_ctx: StudyContext) -> None:
    records, report = run_loader(
        load, shared_data / "pdac_atlas_oh2023" / "StromaCellType2Markers.csv", atlas_ctx
    )
    assert report.rows == 3575 and counts(records)["CellType"] == 8
    with pytest.raises(LoaderError, match="labels: '6', '7'"):
        list(
            load(
                shared_data / "pdac_atlas_oh2023" / "LymphocyteCellType2Markers.csv",
                StudyReport("x"),
                atlas_ctx,
            )
        )
