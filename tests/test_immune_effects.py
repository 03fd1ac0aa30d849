"""Tests of the immune-effect table (tmekg/kb/immune_effects.yaml) and its validation."""

from __future__ import annotations

from pathlib import Path

import pytest

from tmekg.errors import LoaderError
from tmekg.kb.immune_effects import load_effects

CURATED_EFFECTS = {  # the ImmuneEffect ids of the curated KB (tmekg/kb/pdac/*.nodes.tsv)
    "cd8_effector_function",
    "t_cell_proliferation",
    "t_cell_exhaustion",
    "t_cell_infiltration",
    "ifng_production",
    "treg_suppressive_activity",
    "m2_tam_polarisation",
    "m1_macrophage_activation",
    "nk_cytotoxicity",
    "mdsc_suppressive_activity",
    "dc_antigen_presentation",
    "th1_response",
    "neutrophil_immunosuppression",
    "t_cell_priming",
}

GOOD = """\
version: 1
evidence_classes:
  experimental: {weight: 1.0, codes: [IDA, IMP]}
  electronic: {weight: 0.3, codes: [IEA]}
excluded_evidence: [ND]
cell_types:
  CL:0000625: {name: "CD8-positive, alpha-beta T cell", compartment: immune}
effects:
  - id: TMEKG:effect.a
    name: effect a
    polarity: antitumour
    go: [GO:0042110]
    cell_types: [CL:0000625]
  - id: TMEKG:effect.b
    name: effect b
    polarity: protumour
    go: []
    cell_types: []
    evidence: [PMID:21339327]
"""


def write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "effects.yaml"
    path.write_text(text)
    return path


def test_shipped_table() -> None:
    table = load_effects()
    ids = {e.id for e in table.effects}
    assert len(table.effects) >= 40 and sum(1 for e in table.effects if e.go) >= 40
    assert {f"TMEKG:effect.{slug}" for slug in CURATED_EFFECTS} <= ids
    assert {e.polarity for e in table.effects} == {"antitumour", "protumour"}
    assert table.evidence_weight["IDA"] > table.evidence_weight["TAS"] > table.evidence_weight["IBA"]
    assert table.evidence_weight["IBA"] > table.evidence_weight["IEA"]
    assert "ND" in table.excluded_evidence
    # every effect without GO term of the shipped table is a curated one (defined in the KB or by a citation)
    assert {e.id.split(".", 1)[1] for e in table.effects if not e.go} <= CURATED_EFFECTS


def test_shipped_cell_types_are_cl_labels() -> None:
    from tmekg.loaders import ontologies

    if ontologies.label("CL:0000625") is None:
        pytest.skip("Cell Ontology not available (cellxgene-ontology-guide)")
    for cid, cell in load_effects().cell_types.items():
        assert ontologies.label(cid) == cell.name, cid


def test_small_table(tmp_path: Path) -> None:
    table = load_effects(write(tmp_path, GOOD))
    a = table.effect("TMEKG:effect.a")
    assert (a.polarity, a.go, a.cell_types, a.line) == ("antitumour", ("GO:0042110",), ("CL:0000625",), 9)
    assert table.effect("TMEKG:effect.b").evidence == ("PMID:21339327",)
    assert table.evidence_class["IEA"] == "electronic" and table.evidence_weight["IMP"] == 1.0


@pytest.mark.parametrize(
    ("old", "new", "pattern"),
    [
        (
            "polarity: protumour",
            "polarity: neutral",
            r"effects\.yaml:14: field 'polarity': polarity 'neutral'",
        ),
        ("go: [GO:0042110]", "go: [GO:42110]", r"effects\.yaml:9: field 'go': .*GO pattern"),
        ("go: [GO:0042110]", "go: [CL:0000625]", r"effects\.yaml:9: field 'go': CL:0000625 is not a GO id"),
        ("cell_types: [CL:0000625]", "cell_types: [CL:0000236]", r":9: field 'cell_types': .*CL:0000236 not"),
        ("TMEKG:effect.b", "TMEKG:effect.a", r"effects\.yaml:14: field 'id': duplicate effect id"),
        ("codes: [IEA]", "codes: [IEA, IDA]", r"field 'codes': evidence code IDA is in two classes"),
        ("    name: effect a\n", "", r"effects\.yaml:9: field 'name': effect without 'name'"),
        ("evidence: [PMID:21339327]", "evidence: [PMC123]", r":14: field 'evidence'"),
    ],
)
def test_bad_table(tmp_path: Path, old: str, new: str, pattern: str) -> None:
    assert old in GOOD
    with pytest.raises(LoaderError, match=pattern):
        load_effects(write(tmp_path, GOOD.replace(old, new)))


def test_not_yaml(tmp_path: Path) -> None:
    with pytest.raises(LoaderError, match=r"effects\.yaml:3: not valid YAML \(expected ',' or ']'"):
        load_effects(write(tmp_path, "effects:\n  - id: [unclosed\n"))
