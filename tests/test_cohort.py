"""tmekg cohort: normalisation, barcodes, clinical checks, subtype calls on a planted cohort, statistics.

Expected values are computed by hand (in the comments) or planted (tests/cohort_fixture.py).
"""

from __future__ import annotations

import math
import re
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from cohort_fixture import planted, write_clinical, write_counts
from typer.testing import CliRunner

from tmekg.cli.root import app
from tmekg.errors import LoaderError
from tmekg.queries import cohort_stats as st
from tmekg.queries.cohort import cohort, load_config
from tmekg.queries.cohort_clinical import (
    CohortError,
    barcode_depth,
    match_samples,
    patient_of,
    read_clinical,
    sample_type,
)
from tmekg.queries.cohort_norm import log_cpm, reference_sample, tmm_factors

runner = CliRunner()


@pytest.fixture(scope="module")
def planted_files(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    folder = tmp_path_factory.mktemp("cohort")
    return write_counts(folder / "counts.tsv"), write_clinical(folder / "clinical.tsv")


@pytest.fixture(scope="module")
def planted_result(planted_files: tuple[Path, Path]):
    return cohort(*planted_files, kg=None, rank=False)


# -- normalisation ----------------------------------------------------------------------------------
def test_tmm_recovers_the_true_scale_despite_one_dominant_gene() -> None:
    # B = 2 x A except the last gene (2000 instead of 100): libraries 150 and 2200.
    counts = np.array([[10, 20], [20, 40], [30, 60], [40, 80], [50, 2000]], dtype=float)
    # reference: upper quartiles 40/150 = 0.267 and 80/2200 = 0.036, equally far from their mean: the first
    assert reference_sample(counts) == 0
    # 5 genes: M-trim keeps ranks 2..4 (floor(5 x 0.3) + 1 = 2); the four equal log ratios
    # log2((2a/2200)/(a/150)) = log2(300/2200) have average rank 2.5 and are kept, the outlier (rank 5) is not
    factors = tmm_factors(counts)
    assert factors == pytest.approx([math.sqrt(2200 / 300), math.sqrt(300 / 2200)])
    effective = counts.sum(axis=0) * factors
    assert effective[1] / effective[0] == pytest.approx(2.0)  # the true scale, not 2200/150
    assert np.prod(factors) == pytest.approx(1.0)


def test_log_cpm_follows_edgers_prior_count() -> None:
    # equal libraries of 999,996: prior 2 each, library + 4 = 1e6, so log2((6 + 2) / 1e6 x 1e6) = 3
    counts = pd.DataFrame({"a": [6, 999_990], "b": [6, 999_990]}, index=["g1", "g2"])
    out = log_cpm(counts, np.ones(2), prior_count=2)
    assert out.loc["g1"].tolist() == pytest.approx([3.0, 3.0])
    assert out.loc["g2", "a"] == pytest.approx(math.log2(999_992))


# -- barcodes and clinical tables ------------------------------------------------------------------
@pytest.mark.parametrize(
    ("name", "depth", "patient", "kind"),
    [
        ("TCGA-2L-AAQJ", "patient", "TCGA-2L-AAQJ", None),
        ("TCGA-2L-AAQJ-01A", "sample", "TCGA-2L-AAQJ", 1),
        ("tcga-2l-aaqj-11a-12r", "analyte", "TCGA-2L-AAQJ", 11),
        ("TCGA-2L-AAQJ-01A-12R-A39D-07", "aliquot", "TCGA-2L-AAQJ", 1),
        ("S4", "id", "S4", None),
    ],
)
def test_barcodes(name: str, depth: str, patient: str, kind: int | None) -> None:
    assert (barcode_depth(name), patient_of(name), sample_type(name)) == (depth, patient, kind)


def test_samples_match_patients_across_depths(planted_files: tuple[Path, Path]) -> None:
    counts, clinical = planted_files
    clin = read_clinical(clinical, load_config()["clinical"])
    columns = list(pd.read_csv(counts, sep="\t", index_col=0, nrows=1).columns)
    found = match_samples(columns, clin)
    assert len(found.samples) == 24 and found.samples["TCGA-ZZ-0002"].endswith("-01A-11R-A000-07")
    assert found.expression_depth == {"aliquot": 26} and found.clinical_depth == {"patient": 25}
    assert found.non_tumour == ["TCGA-ZZ-0001-11A-11R-A000-07"]
    assert found.repeated == {"TCGA-ZZ-0002": ["TCGA-ZZ-0002-01B-11R-A000-07"]}
    assert found.clinical_only == ["TCGA-ZZ-0099"] and found.expression_only == []


def test_no_matching_patient_is_an_error(planted_files: tuple[Path, Path]) -> None:
    clin = read_clinical(planted_files[1], load_config()["clinical"])
    with pytest.raises(CohortError, match=r"clinical.tsv: no patient matches an expression sample"):
        match_samples(["S1", "S2"], clin)


@pytest.mark.parametrize(
    ("column", "value", "message"),
    [
        ("purity", "high", r"clinical.tsv:3: field 'purity': 'high' is not a number"),
        ("purity", "1.5", r"clinical.tsv:3: field 'purity': 1.5 is outside \[0, 1\]"),
        ("os_days", "-3", r"clinical.tsv:3: field 'os_days': -3 is outside"),
        ("moffitt", "3", r"clinical.tsv:3: field 'moffitt': '3' is not one of"),
        ("os_status", "gone", r"clinical.tsv:3: field 'os_status': 'gone' is not one of"),
    ],
)
def test_bad_clinical_values_name_file_row_and_field(
    tmp_path: Path, column: str, value: str, message: str
) -> None:
    table = pd.read_csv(write_clinical(tmp_path / "clinical.tsv"), sep="\t", dtype=str, keep_default_na=False)
    table.loc[1, column] = value
    table.to_csv(tmp_path / "clinical.tsv", sep="\t", index=False)
    with pytest.raises(LoaderError, match=message):
        read_clinical(tmp_path / "clinical.tsv", load_config()["clinical"])


def test_missing_values_are_counted_not_errors(planted_files: tuple[Path, Path]) -> None:
    clin = read_clinical(planted_files[1], load_config()["clinical"])
    expected = {"moffitt": "moffitt", "purity": "purity", "time": "os_days", "status": "os_status"}
    assert clin.columns == expected
    assert clin.table.isna().sum().to_dict() == {"moffitt": 1, "purity": 1, "time": 1, "event": 0}


def test_an_unknown_column_override_is_an_error(planted_files: tuple[Path, Path]) -> None:
    with pytest.raises(CohortError, match=r"clinical.tsv: no column 'OS' for time"):
        read_clinical(planted_files[1], load_config()["clinical"], {"time": "OS"})


# -- statistics ----------------------------------------------------------------------------------------
def test_fisher_on_a_known_table() -> None:
    # rows (10, 6), columns (9, 7): P(a) = C(10, a) C(6, 9 - a) / C(16, 9) = {3: 120, 4: 1260, 5: 3780,
    # 6: 4200, 7: 1800, 8: 270, 9: 10} / 11440; two-sided p = P(a) <= P(8): (270 + 10 + 120) / 11440
    result = st.fisher_2x2([[8, 2], [1, 5]])
    assert result.p_value == pytest.approx(400 / 11440)
    assert result.odds_ratio == pytest.approx(8 * 5 / (2 * 1))


def test_fisher_power_is_the_size_of_the_test_under_no_effect() -> None:
    assert st.fisher_power((1, 1), 0.5, 3.0, 0.05) == 0.0  # no 1+1 table reaches p < 0.05
    size = st.fisher_power((24, 20), 0.3, 1.0, 0.05)
    assert 0 < size < 0.05  # Fisher's test is conservative
    assert st.fisher_power((24, 20), 0.3, 3.0, 0.05) > 3 * size


def test_events_needed_schoenfeld() -> None:
    # 4 (1.959964 + 0.841621)^2 / ln(2)^2 = 4 x 7.8489 / 0.480453 = 65.3 -> 66
    assert st.events_needed(2.0, 0.05) == 66


def test_purity_adjustment_removes_a_linear_purity_trend() -> None:
    scores = pd.DataFrame({"axis": [1.2, 1.4, 1.6, 1.8, 3.0]}, index=list("abcde"))
    purity = pd.Series([0.1, 0.2, 0.3, 0.4, np.nan], index=list("abcde"))
    adjusted, fit = st.purity_adjusted(scores, purity)
    # slope 2 on a..d; adjusted = score - 2 (purity - 0.25) = 1.5 for each; no purity -> NaN
    assert adjusted["axis"].iloc[:4].tolist() == pytest.approx([1.5] * 4)
    assert np.isnan(adjusted.loc["e", "axis"])
    assert fit.loc["axis", "slope"] == pytest.approx(2.0) and fit.loc["axis", "n"] == 4


def test_quadrant_rule() -> None:
    calls = st.quadrant([1.0, 1.0, -1.0, -1.0, 0.0, np.nan], [1.0, -1.0, 1.0, -1.0, 0.0, 1.0])
    expected = ["mixed", "glycolytic", "cholesterogenic", "quiescent", "quiescent", "unassigned"]
    assert calls.tolist() == expected


def test_bootstrap_of_identical_genes_always_agrees() -> None:
    z = pd.DataFrame([[1.0, -1.0]] * 3 + [[-1.0, 1.0]] * 3, index=list("abcdef"), columns=["s1", "s2"])
    calls = pd.Series(["glycolytic", "cholesterogenic"], index=["s1", "s2"])
    result = st.bootstrap_calls(z, {"glycolytic": list("abc"), "cholesterogenic": list("def")}, calls, 20, 0)
    assert result.agreement == 1.0 and result.per_sample.tolist() == [1.0, 1.0]


# -- the planted cohort ---------------------------------------------------------------------------------
def test_planted_subtypes_are_recovered(planted_result) -> None:
    calls = dict(zip(planted_result.table["patient"], planted_result.table["subtype"], strict=True))
    assert calls == planted()
    assert planted_result.expression.scale == "counts"
    assert planted_result.normalisation.startswith("TMM factors")
    assert planted_result.stability.agreement > 0.9


def test_planted_contingency_fisher_and_survival(planted_result) -> None:
    table = planted_result.contingency
    assert table.to_dict("index") == {
        "glycolytic": {"basal": 5, "classical": 1},
        "cholesterogenic": {"basal": 1, "classical": 5},
        "mixed": {"basal": 3, "classical": 3},
        "quiescent": {"basal": 2, "classical": 3},
    }
    fisher = planted_result.fisher
    assert fisher.table == [[5, 1], [6, 11]]
    # rows (6, 17), basal column 11: two-sided p = sum of P(a) <= P(5), P(a) = C(6,a) C(17,11-a) / C(23,11)
    prob = {a: math.comb(6, a) * math.comb(17, 11 - a) / math.comb(23, 11) for a in range(7)}
    assert fisher.p_value == pytest.approx(sum(p for p in prob.values() if p <= prob[5] * (1 + 1e-7)))
    assert fisher.odds_ratio == pytest.approx(5 * 11 / (1 * 6))
    survival = planted_result.survival
    assert (survival.n, survival.events) == (23, 12)  # patient 4 has no follow-up; odd patients died
    assert set(survival.groups) == set(planted().values()) and 0 < survival.p_value <= 1


def test_cli_writes_table_and_report(planted_files: tuple[Path, Path], tmp_path: Path) -> None:
    counts, clinical = planted_files
    out, report = tmp_path / "t" / "cohort.tsv", tmp_path / "cohort.html"
    args = ["cohort", str(counts), "--clinical", str(clinical), "--no-ranking", "--out", str(out)]
    result = runner.invoke(app, [*args, "--report", str(report), "--store", str(tmp_path / "none")])
    assert result.exit_code == 0, result.output
    assert "scale: counts (detected)" in result.output and "1 normal samples set aside" not in result.output
    assert "normal samples set aside: 1" in result.output
    assert (
        "missing: 1 without moffitt, 1 without purity, 1 without os_days, 0 without os_event" in result.output
    )
    table = pd.read_csv(out, sep="\t")
    assert len(table) == 24 and {"subtype", "stability", "glycolysis_purity_adj"} <= set(table.columns)
    page = report.read_text()
    assert page.count("<svg") == 3 and not re.search(r"(src|href)=[\"']?(https?:|//)", page)


def test_cli_bad_clinical_is_one_line(planted_files: tuple[Path, Path], tmp_path: Path) -> None:
    bad = tmp_path / "clinical.tsv"
    bad.write_text(planted_files[1].read_text().replace("\t0.24\t", "\thigh\t", 1))
    args = ["cohort", str(planted_files[0]), "--clinical", str(bad), "--no-ranking"]
    result = runner.invoke(app, [*args, "--store", str(tmp_path / "none")])
    assert result.exit_code == 1
    last = result.output.strip().splitlines()[-1]
    assert last.endswith("clinical.tsv:3: field 'purity': 'high' is not a number")


def test_cli_json_document(planted_files: tuple[Path, Path], tmp_path: Path) -> None:
    import json

    args = [
        "cohort",
        str(planted_files[0]),
        "--clinical",
        str(planted_files[1]),
        "--no-ranking",
        "-f",
        "json",
    ]
    result = runner.invoke(app, [*args, "--store", str(tmp_path / "none")])
    assert result.exit_code == 0, result.output
    doc = json.loads(result.stdout)
    assert doc["scale"] == "counts" and len(doc["patients"]) == 24
    assert doc["fisher"]["table"] == [[5, 1], [6, 11]] and doc["logrank"]["events"] == 12
    assert doc["matching"]["clinical_only"] == ["TCGA-ZZ-0099"] and doc["combinations"] == {}


def test_ensembl_versions_and_duplicate_genes_are_mapped_and_counted(
    planted_files: tuple[Path, Path], tmp_path: Path, fixtures: Path
) -> None:
    from tmekg.genes import load_authority

    table = pd.read_csv(planted_files[0], sep="\t", index_col=0)
    table = table.rename(index={"GPI": "ENSG00000105220.14"})  # GPI with a version
    table.loc["ENSG00000282019"] = 3  # GPI's second Ensembl gene: collapsed onto the first row
    table.loc["LDH"] = 5  # alias of LDHA and LDHB: ambiguous, kept out of the genes
    table.to_csv(tmp_path / "counts.tsv", sep="\t")
    result = cohort(
        tmp_path / "counts.tsv", planted_files[1], authority=load_authority(fixtures / "ncbi-gene")
    )
    expr = result.expression
    assert "GPI" in expr.log.index and "ENSG00000105220.14" not in expr.log.index
    assert expr.collapsed == {"GPI": ["ENSG00000282019"]} and expr.ambiguous == {"LDH": ["LDHA", "LDHB"]}
    calls = dict(zip(result.table["patient"], result.table["subtype"], strict=True))
    assert calls == planted()
