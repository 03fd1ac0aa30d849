"""Harm and sphere follow the Cell Ontology one step (tests/fixtures/harm_hierarchy_kb), damping w = 0.4.

HPA measures expression in subtypes (memory CD8 T cell, CL:0000909) while immune effects occur in the
broader population (CD8 T cell, CL:0000625). Hand computation, all edge weights 1:

* harm(T3) along GeCscC<oE: T3 -e-> C909 has in-degree 2 at C909 (T3 and PD1): 2^-0.4; the subclass and
  occurs_in steps have degree 1: harm = 2^-0.4 = 0.757858; along GeC<oE alone it is 0
* anti-PD-1 sphere along DtgGeCscC<oE reaches E1, so r(E1) = 1 (0 without the subclass step)
* T4: GdnE = -1, modulation -1, polarity +1 -> benefit 1 -> mech = 1 * (1 + 2 * r(E1)) = 3 (1 without)
* S(T3) = -0.25 * harm(T3) = -0.189465
"""

from __future__ import annotations

import copy
from pathlib import Path

import pytest
from scoring_config import base_model_config

from tmekg.graph import KnowledgeGraph
from tmekg.pipeline import build_store
from tmekg.queries.scoring import Scorer


@pytest.fixture(scope="module")
def kg(tmp_path_factory: pytest.TempPathFactory, fixtures: Path):
    store = tmp_path_factory.mktemp("hierarchy") / "store"
    build_store(store=store, kb=fixtures / "harm_hierarchy_kb")
    with KnowledgeGraph.open(store) as graph:
        yield graph


def test_harm_and_sphere_reach_effects_of_the_parent_cell_type(kg) -> None:
    config = {**base_model_config(), "damping": 0.4}
    scorer = Scorer(kg, config)
    t3, t4 = scorer.hetmat.index("HGNC.SYMBOL:T3"), scorer.hetmat.index("HGNC.SYMBOL:T4")
    comp = scorer.components()
    assert comp.harm[t3] == pytest.approx(2**-0.4)
    assert scorer.sphere[0].tolist() == [1.0]
    assert comp.mech[t4, 0] == pytest.approx(3.0)
    assert comp.score[t3, 0] == pytest.approx(-0.25 * 2**-0.4)


def test_without_the_subclass_step_subtype_expression_is_lost(kg) -> None:
    config = copy.deepcopy({**base_model_config(), "damping": 0.4})
    config["harm"] = {"metapath": "GeC<oE", "polarity": "antitumour"}  # the single-metapath form
    config["sphere_metapaths"] = [m for m in config["sphere_metapaths"] if "sc" not in m]
    scorer = Scorer(kg, config)
    t3, t4 = scorer.hetmat.index("HGNC.SYMBOL:T3"), scorer.hetmat.index("HGNC.SYMBOL:T4")
    comp = scorer.components()
    assert comp.harm[t3] == 0.0
    assert scorer.sphere[0].tolist() == [0.0]
    assert comp.mech[t4, 0] == pytest.approx(1.0)
