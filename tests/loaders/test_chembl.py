"""ChEMBL drug-mechanism loader: web-download format (quoted TSV, repeated last column), UniProt mapping."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from record_checks import counts, validated

from tmekg.errors import LoaderError
from tmekg.loaders.chembl import MECHANISMS, load, max_phase
from tmekg.model import Edge, LoadReport, Node


def run(folder: Path) -> tuple[list[Node | Edge], LoadReport]:
    """Load a folder and check every record against the schema (edge endpoints must be yielded)."""
    report = LoadReport("chembl-mechanism")
    return validated(list(load(folder, report))), report


def test_max_phase() -> None:
    assert (max_phase("4"), max_phase("3.0"), max_phase("0.5"), max_phase(""), max_phase("-1")) == (
        4,
        3,
        1,
        None,
        None,
    )


def test_fixture_records(fixtures: Path) -> None:
    records, report = run(fixtures / "chembl")
    assert counts(records) == {"Drug": 4, "Gene": 7, "targets": 9}
    assert report.rows == 9
    assert report.skipped == {
        "non-human or missing target": 1,
        "target not mapped to UniProt (chembl_uniprot_mapping.txt)": 1,
        "no new drug–target pair (already seen or invalid accession)": 1,
    }
    nodes = {r.id: r for r in records if isinstance(r, Node)}
    pembrolizumab = nodes["CHEMBL.COMPOUND:CHEMBL3137343"]
    assert pembrolizumab.name == "pembrolizumab" and pembrolizumab.synonyms == ("Keytruda", "Lambrolizumab")
    assert pembrolizumab.prop("modality") == "antibody" and pembrolizumab.prop("max_phase") == 4
    assert nodes["CHEMBL.COMPOUND:CHEMBL360055"].synonyms == ("Gallamine triethiodide",)
    assert (
        nodes["CHEMBL.COMPOUND:CHEMBL941"]
        .prop("mechanism")
        .startswith("Tyrosine-protein kinase ABL inhibitor; ")
    )
    assert "CHEMBL.COMPOUND:CHEMBL1082" not in nodes  # amoxicillin: bacterial target only
    assert nodes["UNIPROT:Q15116"].name == "Programmed cell death protein 1"
    assert nodes["UNIPROT:P16234"].name == "P16234"  # member of a protein family: no own name
    assert nodes["UNIPROT:P09619"].prop("full_name") == "Platelet-derived growth factor receptor beta"
    edges = {(r.subject, r.object): r for r in records if isinstance(r, Edge)}
    assert edges[("CHEMBL.COMPOUND:CHEMBL3137343", "UNIPROT:Q15116")].prop("action") == "blocking_antibody"
    metocurine = edges[("CHEMBL.COMPOUND:CHEMBL1259", "UNIPROT:P11230")]
    assert metocurine.prop("action") == "antagonist"
    assert metocurine.provenance[0].evidence == ("PMID:18633030",)
    assert metocurine.provenance[0].record == "drug_mechanism.tsv:3"
    assert edges[("CHEMBL.COMPOUND:CHEMBL360055", "UNIPROT:P02708")].provenance[0].evidence == ()  # ISBN


def test_legacy_semicolon_export(fixtures: Path, tmp_path: Path) -> None:
    shutil.copy(fixtures / "chembl" / "chembl_uniprot_mapping.txt", tmp_path)
    lines = (fixtures / "chembl" / MECHANISMS).read_text(encoding="utf-8").splitlines()
    (tmp_path / MECHANISMS).write_text(
        "\n".join(x.replace('"\t"', '";"') for x in lines) + "\n", encoding="utf-8"
    )
    assert run(tmp_path)[0] == run(fixtures / "chembl")[0]


def test_without_mapping_every_row_is_counted(fixtures: Path, tmp_path: Path) -> None:
    shutil.copy(fixtures / "chembl" / MECHANISMS, tmp_path)
    records, report = run(tmp_path)
    assert records == []
    assert report.skipped == {
        "non-human or missing target": 1,
        "target not mapped to UniProt (chembl_uniprot_mapping.txt)": 8,
    }


def test_missing_column_is_located(fixtures: Path, tmp_path: Path) -> None:
    text = (fixtures / "chembl" / MECHANISMS).read_text(encoding="utf-8")
    (tmp_path / MECHANISMS).write_text(text.replace('"Action Type"', '"Action"', 1), encoding="utf-8")
    with pytest.raises(LoaderError) as info:
        run(tmp_path)
    assert info.value.path.endswith(MECHANISMS)
    assert (info.value.line, info.value.field) == (1, "Action Type")


def test_truncated_row_is_located(fixtures: Path, tmp_path: Path) -> None:
    text = (fixtures / "chembl" / MECHANISMS).read_text(encoding="utf-8")
    (tmp_path / MECHANISMS).write_text(text.rsplit("\t", 3)[0] + "\n", encoding="utf-8")
    with pytest.raises(LoaderError) as info:
        run(tmp_path)
    assert info.value.line == 10
