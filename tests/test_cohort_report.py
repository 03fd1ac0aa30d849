"""tmekg cohort with a graph: per-patient combinations on the curated store, and the HTML report in a real
headless Chromium (tests/browser.py) with a screenshot in ``artifacts/``."""

from __future__ import annotations

from pathlib import Path

import pytest
from browser import page_status, png_size, screenshot
from cohort_fixture import patient, write_clinical, write_counts

from tmekg.graph import KnowledgeGraph
from tmekg.pipeline import CURATED, build_store
from tmekg.queries.cohort import cohort
from tmekg.sinks.cohort_report import KEY_ELEMENTS, write_report


@pytest.fixture(scope="module")
def curated(tmp_path_factory: pytest.TempPathFactory):
    root = tmp_path_factory.mktemp("curated") / "store"
    build_store(store=root, sources=[CURATED])
    with KnowledgeGraph.open(root) as kg:
        yield kg


@pytest.fixture(scope="module")
def ranked(curated: KnowledgeGraph, tmp_path_factory: pytest.TempPathFactory):
    folder = tmp_path_factory.mktemp("cohort")
    counts, clinical = write_counts(folder / "counts.tsv"), write_clinical(folder / "clinical.tsv")
    return cohort(counts, clinical, curated, permutations=0, workers=2)


def test_planted_nt5e_patient_gets_nt5e_combinations(ranked) -> None:
    table = ranked.table.set_index("patient")
    assert all(table[f"combination_{i}"].str.len().gt(0).all() for i in range(1, 6))
    mine = [table.loc[patient(7), f"combination_{i}"] for i in range(1, 6)]
    assert all(c.startswith("NT5E + ") for c in mine[:3]), mine
    assert "NT5E -> " in table.loc[patient(7), "moved_1"]  # the paths that moved it name NT5E
    assert ranked.permutations == 0 and any("p-values not computed" in n for n in ranked.notes)


def test_subtype_movers_are_ranked_changes(ranked) -> None:
    assert set(ranked.movers) == {"glycolytic", "cholesterogenic", "mixed", "quiescent"}
    for moves in ranked.movers.values():
        assert all(r["mean_rank_change"] > 0 for r in moves["rise"])
        assert all(r["mean_rank_change"] < 0 for r in moves["fall"])


def test_report_draws_in_a_real_browser(ranked, tmp_path: Path) -> None:
    page = write_report(ranked, tmp_path / "cohort.html", {"bootstrap": 100})
    status = page_status(page)
    assert status.get("state") == "ready", status
    assert status["visible"].split() == list(KEY_ELEMENTS)
    assert status["svgs"] == "3" and status["resources"] == "0"
    assert png_size(screenshot(page, "cohort_report_planted.png", size=(1400, 2400))) == (1400, 2400)
