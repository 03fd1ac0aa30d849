"""DrugCentral loader and the shared drug helpers: fixture, bad input, real data."""

from __future__ import annotations

import shutil
from collections import Counter
from pathlib import Path

import pytest
from record_checks import counts, validated

from tmekg.errors import LoaderError
from tmekg.loaders.drugcentral import antibody_action, drug_action, drug_slug, load, modality_of, pmids_in
from tmekg.model import Edge, LoadReport, Node


def run(folder: Path) -> tuple[list[Node | Edge], LoadReport]:
    """Load a folder and check every record against the schema (edge endpoints must be yielded)."""
    report = LoadReport("drugcentral")
    return validated(list(load(folder, report))), report


def actions(records: list[Node | Edge]) -> dict[tuple[str, str], str]:
    return {(r.subject, r.object): r.prop("action") for r in records if isinstance(r, Edge)}


@pytest.mark.parametrize(
    ("text", "action"),
    [
        ("INHIBITOR", "inhibitor"),
        ("BLOCKER", "inhibitor"),
        ("ANTAGONIST", "antagonist"),
        ("INVERSE AGONIST", "antagonist"),
        ("PARTIAL AGONIST", "agonist"),
        ("POSITIVE ALLOSTERIC MODULATOR", "positive_modulator"),
        ("NEGATIVE ALLOSTERIC MODULATOR", "negative_modulator"),
        ("OPENER", "activator"),
        ("ANTIBODY BINDING", "binder"),
        ("RELEASING AGENT", "other"),
        ("MODULATOR", "other"),
        ("glucocorticoid receptor agonist", "agonist"),
        ("calcium channel blocker", "inhibitor"),
        ("", "other"),
    ],
)
def test_drug_action(text: str, action: str) -> None:
    assert drug_action(text) == action


def test_helpers() -> None:
    assert antibody_action("inhibitor", "antibody") == "blocking_antibody"
    assert antibody_action("agonist", "antibody") == "agonist_antibody"
    assert antibody_action("inhibitor", "small_molecule") == "inhibitor"
    assert modality_of("pembrolizumab") == "antibody"
    assert modality_of("liraglutide") == "protein"
    assert modality_of("fludroxycortide") == "small_molecule"  # -cortide is a steroid, not a peptide
    assert modality_of("mipomersen") == "oligonucleotide"
    assert modality_of("x", ["Antibodies, Monoclonal"]) == "antibody"
    assert drug_slug("KRAS G12D TCR T cells") == "TMEKG:drug.kras_g12d_tcr_t_cells"
    assert pmids_in("http://www.ncbi.nlm.nih.gov/pubmed/2154989") == ("PMID:2154989",)


def test_fixture_records(fixtures: Path) -> None:
    records, report = run(fixtures / "drugcentral")
    assert counts(records) == {"Drug": 5, "Gene": 6, "targets": 6}
    assert report.rows == 8 + 20 + 15
    assert report.skipped == {
        "non-human target": 1,
        "target columns UNIPROT/GENE/SWISSPROT misaligned": 1,
        "duplicate drug–gene pair (first action kept)": 1,
        "identifiers: malformed identifier": 1,
    }
    nodes = {r.id: r for r in records if isinstance(r, Node)}
    eltrombopag = nodes["CHEMBL.COMPOUND:CHEMBL461806"]
    assert eltrombopag.xrefs == (
        "DRUGCENTRAL:4399",
        "CHEMBL.COMPOUND:CHEMBL461101",
        "PUBCHEM.COMPOUND:9846180",
        "DRUGBANK:DB06210",
    )
    assert dict(eltrombopag.properties) == {
        "max_phase": 4,
        "mechanism": "Thrombopoiesis Stimulating Agent",
        "modality": "small_molecule",
    }
    assert nodes["DRUGCENTRAL:5136"].xrefs == ("DRUGBANK:DB04849",)  # cediranib: no ChEMBL id
    assert nodes["DRUGCENTRAL:5137"].prop("modality") == "protein"  # peginterferon beta-1a
    nivolumab = nodes["CHEMBL.COMPOUND:CHEMBL2108738"]
    assert nivolumab.prop("modality") == "antibody"
    assert nivolumab.prop("mechanism") == "Programmed Death Receptor-1 Blocking Antibody"
    assert "CHEMBL.COMPOUND:CHEMBL3039514" not in nodes  # elbasvir: only a viral target
    assert nodes["HGNC.SYMBOL:KDR"].prop("roles") == ("enzyme",)
    assert nodes["HGNC.SYMBOL:MPL"].prop("full_name") == "Thrombopoietin receptor"
    assert nodes["HGNC.SYMBOL:IFNAR2"].prop("full_name") is None  # two-component target
    assert actions(records) == {
        ("CHEMBL.COMPOUND:CHEMBL461806", "HGNC.SYMBOL:MPL"): "agonist",
        ("DRUGCENTRAL:5136", "HGNC.SYMBOL:KDR"): "inhibitor",
        ("DRUGCENTRAL:5137", "HGNC.SYMBOL:IFNAR1"): "agonist",
        ("DRUGCENTRAL:5137", "HGNC.SYMBOL:IFNAR2"): "agonist",
        ("CHEMBL.COMPOUND:CHEMBL2108738", "HGNC.SYMBOL:PDCD1"): "binder",
        ("DRUGCENTRAL:5143", "HGNC.SYMBOL:COMT"): "inhibitor",
    }
    comt = next(r for r in records if isinstance(r, Edge) and r.object == "HGNC.SYMBOL:COMT")
    assert comt.provenance[0].evidence == ("PMID:24847974",)
    assert comt.provenance[0].record == "drug_target.tsv:7"


def test_target_table_alone(fixtures: Path, tmp_path: Path) -> None:
    shutil.copy(fixtures / "drugcentral" / "drug_target.tsv", tmp_path)
    records, _ = run(tmp_path)
    nodes = {r.id: r for r in records if isinstance(r, Node)}
    assert nodes["CHEMBL.COMPOUND:CHEMBL461806"].xrefs == ("DRUGCENTRAL:4399",)
    assert nodes["DRUGCENTRAL:5143"].xrefs == ()


def test_deterministic(fixtures: Path) -> None:
    assert run(fixtures / "drugcentral")[0] == run(fixtures / "drugcentral")[0]


def test_missing_column_is_located(fixtures: Path, tmp_path: Path) -> None:
    text = (fixtures / "drugcentral" / "drug_target.tsv").read_text(encoding="utf-8")
    (tmp_path / "drug_target.tsv").write_text(
        text.replace("\tACTION_TYPE\t", "\tACTION\t", 1), encoding="utf-8"
    )
    with pytest.raises(LoaderError) as info:
        run(tmp_path)
    assert info.value.path.endswith("drug_target.tsv")
    assert (info.value.line, info.value.field) == (1, "ACTION_TYPE")


@pytest.mark.shared_data
def test_full_data(shared_data: Path) -> None:
    records, report = run(shared_data / "drugcentral")
    assert counts(records) == {"Drug": 1361, "Gene": 601, "targets": 2916}
    assert report.skipped == {
        "duplicate drug–gene pair (first action kept)": 188,
        "non-human target": 261,
        "target columns UNIPROT/GENE/SWISSPROT misaligned": 11,
    }
    assert Counter(actions(records).values())["inhibitor"] > 1000
    found = actions(records)
    assert found[("CHEMBL.COMPOUND:CHEMBL1642", "HGNC.SYMBOL:ABL1")] == "inhibitor"  # imatinib


def test_drug_id_with_a_space_is_a_counted_skip(tmp_path: Path, fixtures: Path) -> None:
    folder = tmp_path / "drugcentral"
    shutil.copytree(fixtures / "drugcentral", folder)
    lines = (folder / "drug_target.tsv").read_text(encoding="utf-8").splitlines(keepends=True)
    lines[1] = "43 99" + lines[1][lines[1].index("\t") :]  # DRUG_ID '43 99' on line 2
    (folder / "drug_target.tsv").write_text("".join(lines), encoding="utf-8")
    records, report = run(folder)
    assert report.skipped["malformed DRUG_ID / CHEMBL_ID (row skipped)"] == 1
    assert report.examples["malformed DRUG_ID / CHEMBL_ID (row skipped)"] == [
        "'DRUGCENTRAL:43 99' (drug_target.tsv:2)"
    ]
    assert records and all(":43 99" not in getattr(r, "id", "") for r in records)
