"""Reaction multiplicity: copies of one enzymatic step count once (tests/fixtures/reaction_groups_kb).

The fixture: gene G1 catalyses one step written as five reactions (R1 in compartments c, l and r; R2,
a same-named variant for another cholesteryl ester; R3, a differently named variant "Hydrolysis of
cholesteryl linoleate" with the same EC and the core water -> cholesterol), all releasing
cholesterol, and one distinct step R4 (desmosterol -> cholesterol, another EC). Cholesterol
*decreases* E1 (antitumour). Damping w = 0.5, every edge weight 1.

Hand computation of DWPC(G1, E1) along GcRhoMdnE on the collapsed graph (group A = R1..R3, B = R4):

* G1 catalyses A and B: out-degree 2; A and B each have one catalyst: in-degree 1
* A outputs cholesterol, fatty acid 1, fatty acid 2, linoleate: out-degree 4; B outputs cholesterol,
  NADP+: out-degree 2; cholesterol is an output of A and B: in-degree 2
* cholesterol -dn-> E1: degrees 1 and 1, sign -1
* via A: 2^-0.5 * 1 * 4^-0.5 * 2^-0.5 * (-1) = -1/4;  via B: 2^-0.5 * 2^-0.5 * 2^-0.5 * (-1) = -1/(2 sqrt2)
* DWPC = -(1/4 + 1/(2 sqrt2)) = -0.60355..., the value of the step written once with all its products

Without grouping (six reactions, each with 2 outputs; cholesterol in-degree 6) every path weighs
6^-0.5 * 2^-0.5 * 6^-0.5 * (-1) = -1/(6 sqrt2) and six paths give -1/sqrt2.

Score: m(G1) = -1 (no drug), polarity(E1) = +1, r_anti-PD-1(E1) = 1 (D1 -tg-> PD1 -e-> C1 <-o- E1),
ctx = harm = 0: S = w_mech * (1/4 + 1/(2 sqrt2)) * (1 + w_comp).
"""

from __future__ import annotations

import math
from pathlib import Path

import numpy as np
import pytest
from scoring_config import base_model_config

from tmekg.errors import TmekgError
from tmekg.explore import show
from tmekg.graph import KnowledgeGraph
from tmekg.pipeline import build_store
from tmekg.queries.dwpc import dwpc
from tmekg.queries.hetmat import count_once
from tmekg.queries.metapaths import parse
from tmekg.queries.rank import explain
from tmekg.queries.reaction_groups import GroupSpec, compute_groups
from tmekg.queries.scoring import Scorer, default_config
from tmekg.schema import load_schema

STEP = [f"METATLAS:MAR9000{i}" for i in range(1, 6)]
DISTINCT = "METATLAS:MAR90006"
GROUPED = -(1 / 4 + 1 / (2 * math.sqrt(2)))


@pytest.fixture(scope="module")
def store(tmp_path_factory: pytest.TempPathFactory, fixtures: Path) -> Path:
    path = tmp_path_factory.mktemp("reaction-groups") / "store"
    build_store(store=path, kb=fixtures / "reaction_groups_kb")
    return path


@pytest.fixture(scope="module")
def kg(store: Path):
    with KnowledgeGraph.open(store) as graph:
        yield graph


def _config(enabled: bool = True) -> dict:
    return {**base_model_config(), "damping": 0.5, "reaction_groups": {"enabled": enabled}}


def _dwpc(kg: KnowledgeGraph, enabled: bool) -> float:
    hm = Scorer(kg, _config(enabled)).hetmat
    matrix = dwpc(hm, parse("GcRhoMdnE", load_schema()), 0.5)
    return float(matrix[hm.index("HGNC.SYMBOL:G1"), hm.index("TMEKG:effect.e1")])


def test_copies_and_species_variants_form_one_group(kg) -> None:
    groups = compute_groups(kg, GroupSpec())
    step = groups.group(STEP[0])
    assert step is not None and step.members == tuple(STEP)
    assert step.label == "Steryl-ester acylhydrolase (5 reactions)"
    assert groups.members(DISTINCT) == (DISTINCT,)  # another EC, no shared core: its own step
    assert groups.multiplicity() == {"reactions": 6, "groups": 2, "largest": 5}


def test_dwpc_counts_the_step_once(kg) -> None:
    assert _dwpc(kg, enabled=True) == pytest.approx(GROUPED)
    assert _dwpc(kg, enabled=False) == pytest.approx(-1 / math.sqrt(2))  # six parallel paths


def test_score_and_explanation_name_the_group(kg) -> None:
    weights = default_config()["weights"]
    expected = float(weights["mechanism"]) * -GROUPED * (1 + float(weights["complementarity"]))
    doc = explain(kg, "G1", "anti-PD-1", config=_config())
    assert doc["score"] == pytest.approx(expected)
    assert [p["path"] for p in doc["paths"]] == [
        "G1 -> Delta24-sterol reductase -> cholesterol -> E1",  # 1/(2 sqrt2) > 1/4
        "G1 -> Steryl-ester acylhydrolase (5 reactions) -> cholesterol -> E1",
    ]
    assert sum(p["contribution"] for p in doc["paths"]) == pytest.approx(expected)
    steps = [s["edge"] for s in doc["paths"][1]["steps"]]
    assert steps == [
        "G1 -catalyzes-> Steryl-ester acylhydrolase (5 reactions)",
        "Steryl-ester acylhydrolase (5 reactions) -has_output-> cholesterol",
        "cholesterol -decreases-> E1",
    ]


def test_show_lists_a_step_once(store: Path) -> None:
    doc = show("G1", store=store)
    rows = [e for e in doc["edges"] if e["predicate"] == "catalyzes"]
    assert [r["object_name"] for r in rows] == [
        "Steryl-ester acylhydrolase (5 reactions; c, l, r)",
        "Delta24-sterol reductase",
    ]
    assert rows[0]["reactions"] == STEP and rows[0]["compartments"] == ["c", "l", "r"]
    names = [n["name"] for n in doc["neighbours"] if n["category"] == "Reaction"]
    assert sorted(names) == ["Delta24-sterol reductase", "Steryl-ester acylhydrolase (5 reactions)"]


def test_parallel_entries_count_once_with_their_net_sign() -> None:
    rows, cols = np.array([0, 0, 0, 1, 1]), np.array([1, 1, 1, 0, 0])
    weight = np.array([0.5, 1.0, 0.25, 1.0, 1.0])
    sign = np.array([1.0, 1.0, -1.0, 1.0, -1.0])  # (0, 1): net +1; (1, 0): an import and an export
    r, c, w, s = count_once(rows, cols, weight, sign, (2, 2))
    assert (r.tolist(), c.tolist(), w.tolist(), s.tolist()) == ([0, 1], [1, 0], [1.0, 1.0], [1.0, 0.0])


def test_full_build_reaction_copies(full_build) -> None:
    _, kg = full_build
    groups = compute_groups(kg, GroupSpec())
    nt5e = {nb.other.id for nb in kg.neighbours(kg.resolve("NT5E").id) if nb.edge.predicate == "catalyzes"}
    amp = [g for g in {groups.group(r) for r in nt5e} if g and g.name.startswith("adenosine 5'-mono")]
    assert len(amp) == 1 and len(amp[0].members) >= 4  # the c, e, l and m copies
    lipa = {nb.other.id for nb in kg.neighbours(kg.resolve("LIPA").id) if nb.edge.predicate == "catalyzes"}
    steryl = {groups.key(r) for r in lipa if "cholesterol" in (kg.node(r).prop("equation") or "").lower()}
    assert len(steryl) == 1  # 118 steryl-ester acylhydrolases and 6 named species variants: one step


def test_explanation_picture_draws_a_group_once(kg) -> None:
    from tmekg.display import explanation
    from tmekg.queries.rank import combination_subgraph

    sub = combination_subgraph(kg, "G1", "anti-PD-1")
    view = explanation(kg, sub["node_ids"], sub["edges"], sub["weights"], focus=sub["focus"])
    reactions = sorted(n.name for n in view.nodes if n.category == "Reaction")
    assert reactions == ["Delta24-sterol reductase", "Steryl-ester acylhydrolase (5 reactions)"]
    catalysed = sorted(d.edge.object for d in view.edges if d.edge.predicate == "catalyzes")
    assert catalysed == [STEP[0], DISTINCT]


def test_config_names_unknown_keys() -> None:
    assert GroupSpec.from_config({"reaction_groups": {"enabled": False}}) is None
    assert GroupSpec.from_config({}) == GroupSpec()
    with pytest.raises(TmekgError, match=r"unknown key\(s\) catalyst "):
        GroupSpec.from_config({"reaction_groups": {"catalyst": "catalyzes"}})
