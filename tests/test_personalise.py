"""Personalised ranking: node factors from one sample, re-weighted ranking, deltas and reasons."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from tmekg.cli.profile import personal_rank_table
from tmekg.graph import KnowledgeGraph
from tmekg.pipeline import CURATED, build_store
from tmekg.queries.personalise import CLIP, PERSONAL_COLUMNS, personalised_rank, sample_factors
from tmekg.queries.profile import ProfileError
from tmekg.queries.rank import COLUMNS


@pytest.fixture(scope="module")
def kg(tmp_path_factory: pytest.TempPathFactory):
    store = tmp_path_factory.mktemp("personalise") / "store"
    build_store(store=store, sources=[CURATED])
    with KnowledgeGraph.open(store) as graph:
        yield graph


@pytest.fixture()
def cohort(fixtures: Path) -> Path:
    return fixtures / "profile" / "cohort.tsv"


def test_factors_are_bounded_fold_changes_vs_the_cohort_median(kg: KnowledgeGraph, cohort: Path) -> None:
    factors = sample_factors(kg, cohort, "S4").set_index("name")
    log = pd.read_csv(cohort, sep="\t", index_col=0)
    expected = log.loc["ADA", "S4"] - log.loc["ADA"].median()
    assert factors.loc["ADA", "log2_ratio"] == pytest.approx(expected)
    assert factors.loc["ADA", "factor"] == pytest.approx(2**expected)
    assert factors.loc["NT5E", "factor"] == pytest.approx(2**CLIP)  # planted +3, clipped at 4x
    assert factors["factor"].between(2**-CLIP, 2**CLIP).all()
    assert factors.loc["adenosine", "kind"] == "axis:adenosine"  # pathway activity as a proxy


def test_measured_metabolites_replace_the_axis_proxy(
    kg: KnowledgeGraph, cohort: Path, fixtures: Path
) -> None:
    metab = fixtures / "profile" / "metabolites.tsv"
    factors = sample_factors(kg, cohort, "S4", metabolites=metab).set_index("node_id")
    # adenosine 100 110 90 400 105 95 -> log2(x + 1); the cohort median of 6 values is the mean of the
    # middle two, log2(101) and log2(106)
    expected = np.log2(401) - (np.log2(101) + np.log2(106)) / 2
    assert factors.loc["CHEBI:16335", "kind"] == "metabolite"
    assert factors.loc["CHEBI:16335", "log2_ratio"] == pytest.approx(expected)
    assert not factors["kind"].str.startswith("axis:").any()


def test_raising_nt5e_moves_it_up(kg: KnowledgeGraph, cohort: Path) -> None:
    table = personalised_rank(kg, cohort, "S4")  # NT5E planted 8x in S4: factor 4 (the bound)
    assert list(table.columns[: len(COLUMNS)]) == COLUMNS
    assert set(PERSONAL_COLUMNS) <= set(table.columns)
    nt5e = table[table["target_symbol"] == "NT5E"]
    worst = nt5e.loc[nt5e["default_rank"].idxmax()]
    assert worst["default_rank"] > len(nt5e)  # by default other targets sit between NT5E's rows
    assert sorted(nt5e["rank"]) == list(range(1, len(nt5e) + 1))  # for S4 every NT5E row leads
    assert worst["rank"] < worst["default_rank"]
    assert (nt5e["rank"] <= nt5e["default_rank"]).all()
    assert (nt5e["delta_rank"] == nt5e["default_rank"] - nt5e["rank"]).all()
    assert (nt5e["delta_score"] > 0).all()
    assert all(w.startswith("+") and "NT5E -> " in w for w in nt5e["why"])


def test_a_quiescent_sample_barely_moves(kg: KnowledgeGraph, cohort: Path) -> None:
    # S6 has no planted change: every factor is within noise (sd 0.2 on log2), scores move little
    assert sample_factors(kg, cohort, "S6")["log2_ratio"].abs().max() < 1
    table = personalised_rank(kg, cohort, "S6", immunotherapy="anti-PD-1", top=5)
    assert len(table) == 5
    row = table.set_index("target_symbol").loc["NT5E"]
    assert abs(row["delta_score"]) < 0.25 * abs(row["score"])


def test_cli_helper_and_unknown_sample(kg: KnowledgeGraph, cohort: Path) -> None:
    table, columns = personal_rank_table(kg, f"{cohort}:S4", "anti-PD-1", top=3)
    assert columns == [*COLUMNS, *PERSONAL_COLUMNS]
    assert table.loc[0, "target_symbol"] == "NT5E"
    with pytest.raises(ProfileError, match="no sample 'S9'"):
        sample_factors(kg, cohort, "S9")
