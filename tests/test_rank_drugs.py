"""The ``drugs`` column of ``rank``: therapeutic drugs only, most advanced phase first, 5 unless asked.

Graph: tests/fixtures/scoring_kb (T1 has drug D2, no phase) plus, written here, five more T1
inhibitors with phases 4, 3, 2, 1, 0 and an endogenous "drug" (the same compound as M1 =
CHEBI:16335, which a Human-GEM-style purine-metabolism reaction makes) that is an agonist of T2.

By hand: T1's drugs by phase are Da (4), Db (3), Dc (2), Dd (1), De (0), D2 (none) -> the column shows
the first five, ``all_drugs`` all six. The endogenous agonist is not T2's drug and casts no vote, so
T2 keeps the default modulation -1 (an agonist vote would make it +1).
"""

from __future__ import annotations

from pathlib import Path

import pytest
from typer.testing import CliRunner

from tmekg.cli import app
from tmekg.graph import KnowledgeGraph
from tmekg.model import Edge, Node, Provenance, props
from tmekg.pipeline import build_store
from tmekg.queries.rank import rank
from tmekg.queries.scoring import Scorer, default_config

P = (Provenance("drugs-test", "1"),)
PHASES = {"Da": 4, "Db": 3, "Dc": 2, "Dd": 1, "De": 0}


def extra_records() -> list[Node | Edge]:
    drugs = [
        Node(f"CHEMBL.COMPOUND:CHEMBL900{i}", "Drug", name, properties=props(max_phase=phase), provenance=P)
        for i, (name, phase) in enumerate(PHASES.items())
    ]
    targets = [Edge(d.id, "targets", "HGNC.SYMBOL:T1", P, props(action="inhibitor")) for d in drugs]
    endogenous = Node(
        "CHEMBL.COMPOUND:CHEMBL9100", "Drug", "M1-supplement", xrefs=("CHEBI:16335",), provenance=P
    )
    metabolism = [
        Node("METATLAS:MAR09100", "Reaction", "makes M1", provenance=P),
        Node("TMEKG:pathway.hgem.purine_metabolism", "Pathway", "Purine metabolism", provenance=P),
        Edge("METATLAS:MAR09100", "has_output", "CHEBI:16335", P),
        Edge("METATLAS:MAR09100", "in_pathway", "TMEKG:pathway.hgem.purine_metabolism", P),
        Edge(endogenous.id, "targets", "HGNC.SYMBOL:T2", P, props(action="agonist")),
    ]
    return [*drugs, *targets, endogenous, *metabolism]


@pytest.fixture(scope="module")
def store(tmp_path_factory: pytest.TempPathFactory, fixtures: Path) -> Path:
    root = tmp_path_factory.mktemp("rank-drugs") / "store"
    build_store(store=root, kb=fixtures / "scoring_kb", extra=[("drugs-test", extra_records())])
    return root


@pytest.fixture(scope="module")
def kg(store: Path):
    with KnowledgeGraph.open(store) as graph:
        yield graph


def test_drugs_column_phase_order_and_cap(kg: KnowledgeGraph) -> None:
    table = rank(kg, permutations=0).set_index("target_symbol")
    assert table.loc["T1", "drugs"] == "Da;Db;Dc;Dd;De"
    assert table.loc["T2", "drugs"] == ""
    everything = rank(kg, permutations=0, all_drugs=True).set_index("target_symbol")
    assert everything.loc["T1", "drugs"] == "Da;Db;Dc;Dd;De;D2"


def test_endogenous_agonist_casts_no_vote(kg: KnowledgeGraph) -> None:
    scorer = Scorer(kg, default_config())
    t2 = scorer.hetmat.index("HGNC.SYMBOL:T2")
    assert scorer.modulation[t2] == -1.0
    m1 = next(n for n in kg.nodes if n.name == "M1-supplement")
    assert m1.prop("kind") == "endogenous_metabolite"


def test_cli_all_drugs(store: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    for var in ("TMEKG_STORE", "TMEKG_DATA", "TMEKG_CONFIG"):
        monkeypatch.delenv(var, raising=False)
    runner = CliRunner()
    args = ["rank", "--store", str(store), "--permutations", "0", "--format", "tsv", "-q"]
    short = runner.invoke(app, args)
    full = runner.invoke(app, [*args, "--all-drugs"])
    assert short.exit_code == 0 and full.exit_code == 0, short.output + full.output
    assert "Da;Db;Dc;Dd;De\t" in short.output and "D2" not in short.output.split("T1")[1].split("\n")[0]
    assert "Da;Db;Dc;Dd;De;D2" in full.output


def test_drugs_acting_against_the_scored_direction_are_not_shown(tmp_path: Path, fixtures: Path) -> None:
    """T1 is scored for inhibition (five inhibitors vote -1); an approved T1 agonist (phase 4, listed
    first by phase) is left out of the 5 shown and comes last with ``all_drugs``."""
    agonist = Node("CHEMBL.COMPOUND:CHEMBL9200", "Drug", "Dz", properties=props(max_phase=4), provenance=P)
    records = [
        *extra_records(),
        agonist,
        Edge(agonist.id, "targets", "HGNC.SYMBOL:T1", P, props(action="agonist")),
    ]
    build_store(store=tmp_path / "s", kb=fixtures / "scoring_kb", extra=[("drugs-test", records)])
    with KnowledgeGraph.open(tmp_path / "s") as graph:
        scorer = Scorer(graph, default_config())
        assert scorer.modulation[scorer.hetmat.index("HGNC.SYMBOL:T1")] == -1.0
        assert scorer.drugs_of("HGNC.SYMBOL:T1") == ["Da", "Db", "Dc", "Dd", "De"]
        assert scorer.drugs_of("HGNC.SYMBOL:T1", all_drugs=True) == ["Da", "Db", "Dc", "Dd", "De", "D2", "Dz"]
