"""Receiver-location rule: a receiver gene must be able to meet an extracellular metabolite.

Fixture (``tests/fixtures/receiver_location``): a hand-made KB (FBP -> PKM allostery, lactate -> HCAR1 /
HIF1A / SLC16A1, kynurenine -> AHR / GPR35), a GO subset and a hand-written GAF giving PKM and HIF1A only
non-receptor functions (pyruvate kinase, DNA-binding transcription factor), HCAR1 a GPCR, AHR a nuclear
receptor, SLC16A1 a lactate transporter and GPR35 nothing (unknown), and a 4 x 9 pseudobulk.
Levels are mean / gene maximum; receivers are weighted by confidence (curated 1.0, importer 0.8).
"""

from __future__ import annotations

from pathlib import Path

import pytest
from study_helpers import kb_source_pseudobulk_store
from typer.testing import CliRunner

from tmekg.graph import KnowledgeGraph
from tmekg.queries.crosstalk import CrosstalkParams, infer_crosstalk, roles_summary
from tmekg.queries.crosstalk_evidence import RECEIVER_LOCATIONS, Roles, receiver_location, resource_roles

DIRECTION_COUNTS = ("producers_demoted", "consumers_demoted", "producers_promoted", "consumers_promoted")
DIRECTION_COUNTS += ("producers_transport", "consumers_transport", "senders_transport")
DIRECTION_COUNTS += ("senders_confirmed", "senders_reversed")

ICAF, NEO, TREG, CD8 = "TMEKG:celltype.iCAF", "CL:0001064", "CL:0000815", "CL:0000625"
FBP, LACTATE, KYN = "HMDB:HMDB0001058", "CHEBI:16651", "HMDB:HMDB0000684"
# Hand-computed. FBP: S[iCAF] = ALDOA 1; R = PKM (T.Reg 2/2 = 1, CD8 1/2 = 0.5) x 1.0.
# Lactate: S[Neoplastic] = LDHA 1; R[T.Reg] = max(HIF1A 1 x 1.0, SLC16A1 1 x 0.8), R[CD8] = HCAR1 1 x 1.0.
# Kynurenine: S[iCAF] = IDO1 1; R[T.Reg] = AHR 1 x 1.0, R[CD8] = GPR35 1 x 1.0 (no GO data: unknown, kept).
ANY = {
    (ICAF, FBP, TREG): 1.0,
    (ICAF, FBP, CD8): 0.5,
    (NEO, LACTATE, TREG): 1.0,  # HIF1A 1 x 1.0 beats SLC16A1 1 x 0.8
    (NEO, LACTATE, CD8): 1.0,
    (ICAF, KYN, TREG): 1.0,
    (ICAF, KYN, CD8): 1.0,
}
# extracellular: PKM and HIF1A dropped -> no FBP row, T.Reg lactate rests on SLC16A1 (0.8).
EXTRACELLULAR = {
    (NEO, LACTATE, TREG): 0.8,
    (NEO, LACTATE, CD8): 1.0,
    (ICAF, KYN, TREG): 1.0,
    (ICAF, KYN, CD8): 1.0,
}
STATUS = {
    "HGNC.SYMBOL:PKM": "dropped",
    "HGNC.SYMBOL:HIF1A": "dropped",
    "HGNC.SYMBOL:HCAR1": "kept",
    "HGNC.SYMBOL:SLC16A1": "kept",
    "HGNC.SYMBOL:AHR": "kept",
    "HGNC.SYMBOL:GPR35": "unknown",
}


@pytest.fixture(scope="module")
def store(fixtures: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("xt-recv") / "store"
    return kb_source_pseudobulk_store(fixtures, root, "receiver_location", "gene-ontology")


def _scores(kg: KnowledgeGraph, location: str) -> dict[tuple[str, str, str], float]:
    rows = infer_crosstalk(kg, CrosstalkParams(permutations=0, receiver_location=location))
    return {(r.sender_id, r.metabolite_id, r.receiver_id): r.score for r in rows}


def test_function_class_on_gene_nodes(store: Path) -> None:
    with KnowledgeGraph.open(store) as kg:
        assert kg.node("HGNC.SYMBOL:PKM").prop("function_class") == ("other",)  # NOT row ignored
        ahr = kg.node("HGNC.SYMBOL:AHR").prop("function_class")
        assert ahr == ("ligand_activated_tf", "signaling_receptor")
        assert kg.node("HGNC.SYMBOL:GPR35").prop("function_class") is None


def test_status_of_each_receiver_gene(store: Path) -> None:
    with KnowledgeGraph.open(store) as kg:
        assert resource_roles(kg).location == STATUS
        assert set(receiver_location(kg, set(STATUS), "any").values()) == {"kept"}
        assert roles_summary(kg) == {
            "metabolites": 3,
            "supply_evaluable": 2,  # lactate, kynurenine (FBP has no receiver left)
            "depletion_evaluable": 1,  # lactate: SLC16A1 imports
            "receivers_kept": 3,
            "receivers_dropped": 2,
            "receivers_unknown": 1,
            **dict.fromkeys(DIRECTION_COUNTS, 0),
            "senders_unknown": 3,  # ALDOA, LDHA, IDO1: no Human-GEM reactions in this store
        }


def test_scores_with_and_without_the_rule(store: Path) -> None:
    with KnowledgeGraph.open(store) as kg:
        assert _scores(kg, "any") == ANY
        assert _scores(kg, "extracellular") == EXTRACELLULAR
        default = infer_crosstalk(kg, CrosstalkParams(permutations=0))
        row = next(r for r in default if (r.metabolite_id, r.receiver_id) == (LACTATE, TREG))
        assert row.receiver_genes == ["SLC16A1"]
        assert [e["location"] for e in row.evidence["receiver"]] == ["kept"]
        gpr35 = next(r for r in default if (r.metabolite_id, r.receiver_id) == (KYN, CD8))
        assert [(e["gene"], e["location"]) for e in gpr35.evidence["receiver"]] == [
            ("HGNC.SYMBOL:GPR35", "unknown")
        ]


def test_unknown_rule_is_an_error(store: Path) -> None:
    from tmekg.errors import TmekgError

    with KnowledgeGraph.open(store) as kg, pytest.raises(TmekgError, match="receiver location 'cytosol'"):
        resource_roles(kg, "cytosol")


def test_cli_option(store: Path) -> None:
    from tmekg.cli import app
    from tmekg.cli.crosstalk import RECEIVER_LOCATIONS as CLI_CHOICES

    assert CLI_CHOICES == RECEIVER_LOCATIONS
    runner = CliRunner()
    args = ["crosstalk", "--store", str(store), "--permutations", "0", "--format", "tsv", "--top", "0"]
    default = runner.invoke(app, args)
    every = runner.invoke(app, [*args, "--receiver-location", "any"])
    assert default.exit_code == 0 and every.exit_code == 0, default.output + every.output
    assert "PKM" not in default.output and "HMDB0001058" not in default.output
    assert "\tPKM" in every.output
    bad = runner.invoke(app, [*args, "--receiver-location", "nowhere"])
    assert bad.exit_code == 1 and "unknown receiver location 'nowhere'" in bad.output


# -- real data: the full build (GO molecular functions of every receiver gene) -------------------------------
KEEP = {  # metabolite (name) -> mode -> receiver genes that must stay
    "adenosine": {"supply": {"ADORA2A", "ADORA2B"}},
    "prostaglandin E2": {"supply": {"PTGER2", "PTGER4"}},
    "(S)-lactic acid": {"supply": {"HCAR1", "SLC16A1", "GPR132"}, "depletion": {"SLC16A1"}},
    "L-kynurenine": {"supply": {"AHR"}},
    "1-acyl-sn-glycerol 3-phosphate": {"supply": {"LPAR1", "LPAR2"}},
    "L-arginine": {"depletion": {"SLC7A1"}},
    "L-glutamine": {"depletion": {"SLC1A5", "SLC38A2"}},
}


def _receivers(kg: KnowledgeGraph, roles: Roles, name: str, mode: str) -> set[str]:
    return {g.split(":", 1)[1] for g in roles.sets(kg.resolve(name).id, mode)[2]}


def test_full_build_keeps_receptors_and_importers(full_build: tuple) -> None:
    _, kg = full_build
    roles = resource_roles(kg)
    for name, modes in KEEP.items():
        for mode, genes in modes.items():
            assert genes <= _receivers(kg, roles, name, mode), (name, mode)
    status = {g.split(":", 1)[1]: s for g, s in roles.location.items()}
    assert {status[g] for ms in KEEP.values() for gs in ms.values() for g in gs} == {"kept"}
    assert status["PPARG"] == "kept"  # nuclear receptor of fatty acids (membrane-permeant ligands)


def test_full_build_drops_intracellular_allostery(full_build: tuple) -> None:
    _, kg = full_build
    roles, every = resource_roles(kg), resource_roles(kg, "any")
    fbp = "HMDB:HMDB0001058"  # fructose 1,6-bisphosphate -> PKM (WikiPathways WP4628 "activates")
    assert "PKM" in _receivers(kg, every, fbp, "supply")
    assert "PKM" not in _receivers(kg, roles, fbp, "supply")
    lactate = _receivers(kg, roles, "(S)-lactic acid", "supply")
    assert "HIF1A" not in lactate and "HIF1A" in _receivers(kg, every, "(S)-lactic acid", "supply")
    counts = {s: sum(v == s for v in roles.location.values()) for s in ("kept", "dropped", "unknown")}
    assert counts["dropped"] < 0.15 * len(roles.location) and counts["unknown"] < 0.01 * len(roles.location)
    dropped = {g.split(":", 1)[1] for g in roles.not_receiving}
    assert {"PKM", "HIF1A", "FABP4", "COPB1"} <= dropped  # enzyme, TF, cytosolic lipid carrier, COPI coat
