"""tmekg cohort on the 50 real TCGA-PAAD tumours of ../shared/data/tcga-paad with the full build.

Checks what the data fix (50 aliquot barcodes, 44 Moffitt calls, 43 patients with follow-up and 27
deaths in the paper's follow-up block) and the structure of the result; the clinical associations are
reported (docs/cohort.md), not asserted.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from tmekg.queries.cohort import cohort
from tmekg.queries.cohort_clinical import read_clinical
from tmekg.queries.profile import gene_authority

pytestmark = [pytest.mark.shared_data, pytest.mark.slow]


@pytest.fixture(scope="module")
def tcga(full_build, shared_data: Path):
    _, kg = full_build
    folder = shared_data / "tcga-paad"
    counts, clinical = folder / "TCGA-PAAD.star_counts.50.tsv.gz", folder / "TCGA-PAAD.clinical.50.tsv"
    return cohort(counts, clinical, kg, authority=gene_authority(kg, shared_data), permutations=0), clinical


def test_tcga_cohort_is_read_normalised_and_matched(tcga) -> None:
    result, _ = tcga
    assert result.expression.scale == "counts" and result.normalisation.startswith("TMM factors")
    assert len(result.table) == 50 and result.matching.expression_depth == {"aliquot": 50}
    assert result.matching.clinical_only == [] and result.matching.expression_only == []
    assert len(result.expression.collapsed) > 0 and len(result.expression.ambiguous) > 0  # reported, kept out


def test_tcga_patient_level_ids_match_the_same_patients(tcga) -> None:
    from tmekg.queries.cohort import load_config
    from tmekg.queries.cohort_clinical import match_samples

    result, clinical = tcga
    by_patient = read_clinical(clinical, load_config()["clinical"], {"id": "patient"})
    assert by_patient.depth == {"patient": 50}
    found = match_samples(list(result.matching.samples.values()), by_patient)
    assert found.samples == result.matching.samples


def test_tcga_checks_use_every_patient_with_data(tcga) -> None:
    result, _ = tcga
    assert int(result.contingency.to_numpy().sum()) == 44  # 6 tumours have no Moffitt call in the paper
    assert (result.survival.n, result.survival.events) == (43, 27)
    assert set(result.table["subtype"]) == {"glycolytic", "cholesterogenic", "mixed", "quiescent"}
    assert 0.5 < result.stability.agreement <= 1.0
    assert {"GAPDH", "PGK1", "ENO1"} <= set(result.core.kept["glycolytic"])
    assert int((result.table["subtype_purity_adjusted"] != "").sum()) == 44  # 44 have an ABSOLUTE purity


def test_tcga_every_patient_gets_five_combinations(tcga) -> None:
    result, _ = tcga
    assert len(result.rankings) == 50
    assert all(len(r.top) == 5 for r in result.rankings)
    assert result.table["combination_5"].str.contains(r" \+ ").all()
    assert result.movers and all(m["rise"] or m["fall"] for m in result.movers.values())
