"""benchmarks/validation_ranking.py on the hand-scored fixture graph of tests/test_scoring.py.

Scores there (damping 0.5, one class, anti-PD-1): T1 = 6.25 + 3.75/sqrt2, R1 = 3, T2 = -3; PD1 is the class's
own target, not a candidate. So among N = 3 candidates R1 has rank 2 and percentile 100 x (1 lower + 0.5 x 0
tied) / (3 - 1) = 50; listed = {R1}: AUROC = (0 against T1 + 1 against T2) / 2 = 0.5. Metabolite links
(baseline): T1 1 (M1: produces, and M1 activates T1), R1 1 (M1 activates R1), T2 0, so the baseline AUROC of
{R1} = (0.5 tie with T1 + 1 against T2) / 2 = 0.75, and R1's baseline percentile (1 + 0.5) / 2 = 75.
"""

from __future__ import annotations

import importlib.util
import math
from pathlib import Path

import numpy as np
import pytest

SCRIPT = Path(__file__).resolve().parents[1] / "benchmarks" / "validation_ranking.py"


@pytest.fixture(scope="module")
def vr():
    spec = importlib.util.spec_from_file_location("validation_ranking", SCRIPT)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@pytest.fixture(scope="module")
def kg(scoring_kb_graph):
    return scoring_kb_graph


@pytest.fixture(scope="module")
def config(scoring_kb_config) -> dict:
    return scoring_kb_config


def test_ranks_and_percentiles_with_ties(vr) -> None:
    rank, pct = vr.ranks_and_percentiles([2.0, 1.0, 1.0, 0.0])
    assert rank.tolist() == [1, 2, 2, 4]
    # the tied pair: 1 lower + half of the 1 other tied = 1.5 of 3 others
    assert pct.tolist() == pytest.approx([100.0, 50.0, 50.0, 0.0])


def test_auroc_counts_ties_half(vr) -> None:
    assert vr.auroc([3.0], [1.0, 3.0, 5.0]) == pytest.approx(0.5)
    assert vr.auroc([2.0, 4.0], [1.0, 3.0]) == pytest.approx(0.75)
    assert math.isnan(vr.auroc([], [1.0]))


def test_fixture_store_placement(vr, kg, config) -> None:
    result = vr.evaluate(kg, ["R1", "NOPE"], config)
    assert result["classes"] == ["anti-PD-1"] and result["candidates"] == 3
    assert result["focus"]["R1"] == {"rank": 2, "percentile": 50.0, "score": pytest.approx(3.0), "n": 3}
    assert "NOPE" not in result["focus"]  # listed but not a candidate
    assert result["best"]["R1"]["class"] == "anti-PD-1"
    assert result["auroc_focus"] == pytest.approx(0.5)
    assert result["auroc_baseline"] == pytest.approx(0.75)
    assert result["nonzero_focus"] == 3  # T2 scores -3: non-zero (harmful) mechanism
    top = result["top"]
    assert list(top["target_symbol"]) == ["T1", "R1", "T2"]
    assert top.iloc[0]["top_path"] == "T1 -> M1 -> E1" and top.iloc[0]["drugs"] == "D2"


def test_metabolite_link_baseline(vr, kg) -> None:
    ids = ["HGNC.SYMBOL:T1", "HGNC.SYMBOL:R1", "HGNC.SYMBOL:T2"]
    assert vr.metabolite_links(kg, ids) == dict(zip(ids, [1, 1, 0], strict=True))


def test_report_renders_the_tables(vr, kg, config) -> None:
    results = {"without": vr.evaluate(kg, ["R1"], config)}
    text = vr.report(results, ["R1"], {"without": "fixture"})
    # baseline: R1 ties T1 (1 link each) above T2 (0): rank 1, percentile (1 + 0.5) / 2 = 75
    assert "| R1 | 2 / 3 (50.0) | 2 / 3 (50.0) anti-PD-1 | 1 / 3 (75.0) |" in text
    assert "| 1 | T1 | 8.902 | T1 -> M1 -> E1 | D2 |" in text
    assert "single gene -> effect step (no metabolite) for 2 of 3." in text  # R1 -> E1, T2 -> E1


def test_listed_targets_file_is_cited(vr) -> None:
    rows = vr.load_targets()
    assert 15 <= len(rows) <= 25
    assert len({r["symbol"] for r in rows}) == len(rows)
    for row in rows:
        assert row["status"] in {"verified", "unverified"}
        assert row["status"] == "unverified" or row["citation"].startswith(("PMID:", "DOI:", "https://"))


def test_targets_file_without_columns_is_an_error(vr, tmp_path: Path) -> None:
    bad = tmp_path / "t.tsv"
    bad.write_text("symbol\trationale\nIDO1\tx\n", encoding="utf-8")
    with pytest.raises(ValueError, match=r"t\.tsv: missing column"):
        vr.load_targets(bad)


def test_source_sets_leave_out_only_the_curated_kb(vr, tmp_path: Path) -> None:
    sets = vr.source_sets(tmp_path)  # an empty data folder: no public source found
    assert sets == {"with": ["all"], "without": []}
    assert np.isfinite(vr.auroc([1.0], [0.0]))


def test_splice_replaces_only_the_generated_block(vr) -> None:
    doc = f"intro\n{vr.BEGIN}\nold\n{vr.END}\nverdicts\n"
    assert vr.splice(doc, "new\n") == f"intro\n{vr.BEGIN}\nnew\n{vr.END}\nverdicts\n"
    with pytest.raises(ValueError, match="no"):
        vr.splice("no markers", "x")
