"""Candidate plasma biomarkers on a hand-built graph.

G1 (inhibited by a drug) degrades tryptophan, produces kynurenine, catalyzes R1 (irreversible:
dioxygen -> lactate) and R2 (reversible: -> kynurenine). G2 exports lactate and is only activated by a
drug. Kynurenine is observed enriched in a plasma Context (xref UBERON:0001969). Expected changes on
inhibiting G1: tryptophan up, kynurenine down (R2 is reversible, so its route carries no sign), lactate
down (R1 output), dioxygen up (R1 input). Activating G2 raises extracellular lactate.
"""

from __future__ import annotations

import gzip
from pathlib import Path

import pytest
import typer
from typer.testing import CliRunner

from tmekg.graph import KnowledgeGraph
from tmekg.pipeline import CURATED, build_store
from tmekg.queries import biomarkers as bm

NODES = """id\tcategory\tname\tsynonyms\txrefs\tproperties\tevidence\tstatus\tcomment
HGNC.SYMBOL:G1\tGene\tG1\t\t\troles=enzyme\t\t\t
HGNC.SYMBOL:G2\tGene\tG2\t\t\troles=transporter\t\t\t
CHEBI:422\tMetabolite\t(S)-lactic acid\tL-lactic acid\t\t\t\t\t
CHEBI:16828\tMetabolite\ttryptophan fixture name\t\tHMDB:HMDB0000929\t\t\t\t
CHEBI:16946\tMetabolite\tL-kynurenine\t\t\t\t\t\t
CHEBI:15379\tMetabolite\tdioxygen\t\t\t\t\t\t
METATLAS:MAR00001\tReaction\tR1\t\t\treversible=false\t\t\t
METATLAS:MAR00002\tReaction\tR2\t\t\treversible=true\t\t\t
TMEKG:context.plasma\tContext\tblood plasma\t\tUBERON:0001969\tkind=niche\t\t\t
CHEMBL.COMPOUND:CHEMBL1\tDrug\tD1\t\t\tmodality=small_molecule\t\t\t
CHEMBL.COMPOUND:CHEMBL2\tDrug\tD2\t\t\tmodality=small_molecule\t\t\t
"""
EDGES = """subject\tpredicate\tobject\tproperties\tevidence\tcontext\tstatus\tcomment
HGNC.SYMBOL:G1\tdegrades\tCHEBI:16828\t\tPMID:1\t\tverified\t
HGNC.SYMBOL:G1\tproduces\tCHEBI:16946\t\tPMID:1\t\tverified\t
HGNC.SYMBOL:G1\tcatalyzes\tMETATLAS:MAR00001\t\tPMID:1\t\tverified\t
HGNC.SYMBOL:G1\tcatalyzes\tMETATLAS:MAR00002\t\tPMID:1\t\tverified\t
METATLAS:MAR00001\thas_input\tCHEBI:15379\t\tPMID:1\t\tverified\t
METATLAS:MAR00001\thas_output\tCHEBI:422\t\tPMID:1\t\tverified\t
METATLAS:MAR00002\thas_output\tCHEBI:16946\t\tPMID:1\t\tverified\t
HGNC.SYMBOL:G2\ttransports\tCHEBI:422\tdirection=export\tPMID:1\t\tverified\t
CHEBI:16946\tobserved_in\tTMEKG:context.plasma\tdirection=enriched\tPMID:25261994\t\tverified\t
CHEMBL.COMPOUND:CHEMBL1\ttargets\tHGNC.SYMBOL:G1\taction=inhibitor\tPMID:1\t\tverified\t
CHEMBL.COMPOUND:CHEMBL2\ttargets\tHGNC.SYMBOL:G2\taction=activator\tPMID:1\t\tverified\t
"""
BLOOD = "L-Lactic acid\t1726.284\nTrp-fixture\t53.9\nUnrelated\t1.0\n"
HMDB = (
    "HMDB_ID\tSecondary_HMDB_ID\tKegg_ID\tmetabolite\tsynonyms_name\n"
    "HMDB0000929\t\t\tTrp-fixture\tTrp alias\n"
)


@pytest.fixture(scope="module")
def kg(tmp_path_factory: pytest.TempPathFactory):
    root = tmp_path_factory.mktemp("biomarkers")
    kb = root / "kb"
    kb.mkdir()
    (kb / "b.nodes.tsv").write_text(NODES)
    (kb / "b.edges.tsv").write_text(EDGES)
    build_store(store=root / "store", sources=[CURATED], kb=kb)
    with KnowledgeGraph.open(root / "store") as graph:
        yield graph


@pytest.fixture(scope="module")
def data(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A data directory with a mebocost folder holding the blood table and the HMDB name summary."""
    root = tmp_path_factory.mktemp("data")
    (root / "mebocost").mkdir()
    (root / "mebocost" / bm.BLOOD_FILE).write_text(BLOOD)
    with gzip.open(root / "mebocost" / bm.HMDB_FILE, "wt") as handle:
        handle.write(HMDB)
    return root


def _by_name(table) -> dict[str, dict]:
    return {r["metabolite"]: r for r in table.to_dict("records")}


def test_target_routes_signs_and_blood_reference(kg, data) -> None:
    table = bm.biomarkers(kg, target="G1", data=data)
    rows = _by_name(table)
    assert {m: r["expected_change"] for m, r in rows.items()} == {
        "L-kynurenine": "decrease",
        "(S)-lactic acid": "decrease",
        "tryptophan fixture name": "increase",
        "dioxygen": "increase",
    }
    assert table["metabolite"].iloc[0] == "L-kynurenine"  # plasma evidence first
    assert rows["L-kynurenine"]["plasma_evidence"] == "enriched: PMID:25261994"
    assert rows["L-kynurenine"]["paths"] == 2
    assert rows["(S)-lactic acid"]["blood_uM"] == pytest.approx(1726.284)  # by synonym
    assert rows["tryptophan fixture name"]["blood_uM"] == pytest.approx(53.9)  # by HMDB xref
    assert rows["(S)-lactic acid"]["example_path"] == "G1 -catalyzes-> R1 -has_output-> (S)-lactic acid"


def test_without_a_blood_table_no_reference_is_reported(kg, tmp_path: Path) -> None:
    table = bm.biomarkers(kg, target="G1", data=tmp_path)
    assert table["blood_uM"].isna().all() and len(table) == 4


def test_explicit_blood_table_plasma_only_and_degree_filter(kg, tmp_path: Path) -> None:
    blood = tmp_path / "blood.tsv"
    blood.write_text(BLOOD)
    table = bm.biomarkers(kg, target="G1", blood_table=blood, data=tmp_path, plasma_only=True)
    assert set(table["metabolite"]) == {"L-kynurenine", "(S)-lactic acid"}  # no HMDB summary next to it
    hubs = bm.biomarkers(kg, target="G1", data=tmp_path, max_degree=1)
    assert set(hubs["metabolite"]) == {"tryptophan fixture name", "dioxygen"}


def test_activated_target_and_subtype_raise_products(kg, tmp_path: Path, monkeypatch) -> None:
    g2 = _by_name(bm.biomarkers(kg, target="G2", data=tmp_path))
    assert g2["(S)-lactic acid"]["expected_change"] == "increase"
    import tmekg.queries.profile as profile

    monkeypatch.setattr(
        profile, "load_signatures", lambda: {"subtypes": {"signatures": {"fx": ["G1", "NOPE"]}}}
    )
    rows = _by_name(bm.biomarkers(kg, subtype="fx", data=tmp_path))
    assert rows["L-kynurenine"]["expected_change"] == "increase" and rows["L-kynurenine"]["genes"] == "G1"
    with pytest.raises(bm.BiomarkerError, match="unknown subtype 'other'"):
        bm.biomarkers(kg, subtype="other", data=tmp_path)


def test_errors(kg, tmp_path: Path) -> None:
    with pytest.raises(bm.BiomarkerError, match="exactly one"):
        bm.biomarkers(kg, data=tmp_path)
    with pytest.raises(bm.BiomarkerError, match="exactly one"):
        bm.biomarkers(kg, target="G1", subtype="fx", data=tmp_path)
    with pytest.raises(bm.BiomarkerError, match="a target must be a gene"):
        bm.biomarkers(kg, target="dioxygen", data=tmp_path)
    with pytest.raises(bm.BiomarkerError, match="blood table not found"):
        bm.biomarkers(kg, target="G1", blood_table=tmp_path / "missing.tsv")
    bad = tmp_path / "bad.tsv"
    bad.write_text("lactate\tlots\n")
    with pytest.raises(bm.BiomarkerError, match=r"bad\.tsv:1"):
        bm.biomarkers(kg, target="G1", blood_table=bad)


def test_cli(kg, data) -> None:
    from tmekg.cli.biomarkers import biomarkers

    app = typer.Typer()
    app.command("biomarkers")(biomarkers)
    app.command("other")(lambda: None)  # two commands: typer keeps the command name
    runner = CliRunner()
    store = str(kg.path.parent)  # kg.path is the store's current snapshot folder
    blood = str(data / "mebocost" / bm.BLOOD_FILE)
    result = runner.invoke(
        app, ["biomarkers", "-t", "G1", "--store", store, "--blood-table", blood, "-f", "tsv"]
    )
    assert result.exit_code == 0, result.output
    lines = result.output.splitlines()
    assert lines[0].split("\t") == bm.COLUMNS and len(lines) == 5
    assert lines[1].startswith("CHEBI:16946\tL-kynurenine\tdecrease")
    failed = runner.invoke(app, ["biomarkers", "--store", store])
    assert failed.exit_code == 1 and "exactly one of --target or --subtype" in failed.output


def test_full_build_bcat1_shows_the_branched_chain_amino_acids(full_build) -> None:
    _, kg = full_build
    table = bm.biomarkers(kg, target="BCAT1")  # default max_degree
    names = set(table["metabolite"])
    assert {"L-leucine", "L-isoleucine", "L-valine"} <= names  # BCAT1's textbook substrates
    assert not {"proton", "H2O", "ATP"} & names  # currency compounds stay out
    degree = bm._degrees(kg)
    assert all(degree[kg.row(m)] <= bm.MAX_DEGREE for m in table["metabolite_id"])
