"""Purity-regression loader (loaders/tcga_purity.py) on hand-made mixtures and on TCGA-PAAD."""

from __future__ import annotations

import math
from pathlib import Path

import numpy as np
import pytest

from tmekg.errors import LoaderError
from tmekg.loaders import tcga_purity
from tmekg.model import Edge, LoadReport, Node

CFG = tcga_purity.settings()
PURITY = CFG.fractions["malignant"]
LEUKO = CFG.fractions["leukocyte"]
# (barcode, purity, leukocyte fraction); the rest is 1 - both
SAMPLES = [("S1", 0.2, 0.3), ("S2", 0.6, 0.1), ("S3", 0.4, 0.4), ("S4", 0.1, 0.2), ("S5", 0.5, 0.2)]
SAMPLES += [("S6", 0.3, 0.1), ("S7", 0.7, 0.1), ("S8", 0.2, 0.6), ("S9", 0.1, 0.1), ("S10", 0.5, 0.4)]
SAMPLES += [("S11", 0.3, 0.5), ("S12", 0.4, 0.1)]
# CPM per compartment (malignant, leukocyte, rest); each column sums to 1e6 so that with a library of
# 1e6 reads the counts equal the mixture's CPM, and every count is an integer.
PROFILES = {
    "TUM1": (30, 0, 10),
    "IMM1": (0, 70, 0),
    "STR1": (10, 10, 80),
    "FILL": (999_960, 999_920, 999_910),
}


def write_fixture(folder: Path, samples=SAMPLES, profiles=PROFILES, extra_clinical: str = "") -> Path:
    """Counts and sample tables in the TCGA layout (tab-separated, extra columns as in the real file)."""
    folder.mkdir(parents=True, exist_ok=True)
    header = "\t".join(["gene", *(s for s, _, _ in samples)])
    rows = [header]
    for gene, (t, i, o) in profiles.items():
        counts = [round(p * t + leuko * i + (1 - p - leuko) * o) for _, p, leuko in samples]
        rows.append("\t".join([gene, *map(str, counts)]))
    (folder / CFG.counts_file).write_text("\n".join(rows) + "\n")
    clinical = [f"barcode\tpatient\t{PURITY}\t{LEUKO}"]
    clinical += [f"{s}\t{s[:-1]}\t{p}\t{leuko}" for s, p, leuko in samples]
    (folder / CFG.samples_file).write_text("\n".join(clinical) + "\n" + extra_clinical)
    return folder


def records(folder: Path) -> tuple[list[Node | Edge], LoadReport]:
    report = LoadReport("tcga-paad")
    return list(tcga_purity.load(folder, report)), report


def test_noise_free_mixture_recovers_the_malignant_profile(tmp_path: Path) -> None:
    out, report = records(write_fixture(tmp_path))
    edges = {e.subject: e for e in out if isinstance(e, Edge)}
    # IMM1 is leukocyte-only (malignant fit 0): not expressed in malignant cells
    assert sorted(edges) == ["HGNC.SYMBOL:FILL", "HGNC.SYMBOL:STR1", "HGNC.SYMBOL:TUM1"]
    tum = edges["HGNC.SYMBOL:TUM1"]
    assert tum.object == "CL:0001064" and tum.predicate == "expressed_in"
    assert tum.prop("value") == pytest.approx(30.0, abs=1e-6)
    assert edges["HGNC.SYMBOL:STR1"].prop("value") == pytest.approx(10.0, abs=1e-6)
    # level = log2(1 + CPM) / log2(101): 30 CPM -> 4.9542 / 6.6582 = 0.7441; 10 CPM -> 0.5196
    assert tum.provenance[0].score == pytest.approx(0.7441, abs=1e-4)
    assert edges["HGNC.SYMBOL:STR1"].provenance[0].score == pytest.approx(0.5196, abs=1e-4)
    assert edges["HGNC.SYMBOL:FILL"].provenance[0].score == 1.0
    assert tum.provenance[0].record == f"{CFG.counts_file}:2"
    assert "DOI:10.1016/j.ccell.2017.07.007" in tum.provenance[0].evidence
    cells = [n for n in out if isinstance(n, Node) and n.category == "CellType"]
    assert [(c.id, c.name) for c in cells] == [("CL:0001064", "malignant cell")]
    assert report.rows == 4 and not report.skipped


def test_regress_standard_errors_by_hand() -> None:
    # pure samples: the fit is each compartment's mean (2 and 4); residuals +-1 -> RSS 4 over
    # n - k = 2 -> variance 2; (F'F)^-1 = diag(1/2, 1/2) -> SE = sqrt(2 / 2) = 1
    f = np.array([[1.0, 0.0], [0.0, 1.0], [1.0, 0.0], [0.0, 1.0]])
    fit, se = tcga_purity.regress(np.array([[1.0], [3.0], [3.0], [5.0]]), f)
    assert fit[:, 0].tolist() == pytest.approx([2.0, 4.0])
    assert se[:, 0].tolist() == pytest.approx([1.0, 1.0])


def test_regress_negative_fit_falls_back_to_nnls() -> None:
    f = np.array([[1.0, 0.0], [0.5, 0.5], [0.0, 1.0]])
    y = np.array([[-1.0], [0.0], [2.0]])  # a plain fit gives -1 for the first compartment
    fit, _ = tcga_purity.regress(y, f)
    assert fit[0, 0] == 0.0 and fit[1, 0] > 0


def test_noisy_gene_fails_the_lower_bound(tmp_path: Path) -> None:
    # NOISE: counts unrelated to purity (alternating 0 / 40): positive fit, lower bound below 0
    folder = write_fixture(tmp_path)
    lines = (folder / CFG.counts_file).read_text().splitlines()
    lines.append("\t".join(["NOISE", *("0" if k % 2 else "40" for k in range(len(SAMPLES)))]))
    (folder / CFG.counts_file).write_text("\n".join(lines) + "\n")
    edges = {e.subject for e in records(folder)[0] if isinstance(e, Edge)}
    assert "HGNC.SYMBOL:NOISE" not in edges and "HGNC.SYMBOL:TUM1" in edges


def test_sample_without_fraction_is_counted(tmp_path: Path) -> None:
    folder = write_fixture(tmp_path, extra_clinical="S99\tS9\t\t0.2\n")
    _, report = records(folder)
    assert report.skipped == {"sample without every compartment fraction": 1}


@pytest.mark.parametrize(
    ("purity", "message"),
    [("1.5", "not a fraction in [0, 1]: '1.5'"), ("high", "not a fraction in [0, 1]: 'high'")],
)
def test_bad_fraction_names_file_line_field(tmp_path: Path, purity: str, message: str) -> None:
    samples = [*SAMPLES[:2], ("S3", purity, 0.4), *SAMPLES[3:]]
    folder = write_fixture(tmp_path, samples=[(s, p, leuko) for s, p, leuko in samples if s != "S3"])
    text = (folder / CFG.samples_file).read_text().splitlines()
    text.insert(3, f"S3\tS\t{purity}\t0.4")
    (folder / CFG.samples_file).write_text("\n".join(text) + "\n")
    with pytest.raises(LoaderError) as err:
        records(folder)
    assert message in str(err.value)
    assert err.value.line == 4 and err.value.field == PURITY
    assert CFG.samples_file in str(err.value)


def test_fractions_over_one(tmp_path: Path) -> None:
    folder = write_fixture(tmp_path, samples=[*SAMPLES, ("S13", 0.7, 0.5)])
    with pytest.raises(LoaderError) as err:
        records(folder)
    assert "sum to 1.200 > 1" in str(err.value) and err.value.line == len(SAMPLES) + 2


def test_bad_count_names_line_and_sample(tmp_path: Path) -> None:
    folder = write_fixture(tmp_path)
    lines = (folder / CFG.counts_file).read_text().splitlines()
    cells = lines[2].split("\t")  # the IMM1 row (line 3); column 3 is sample S3
    cells[3] = "-3"
    lines[2] = "\t".join(cells)
    (folder / CFG.counts_file).write_text("\n".join(lines) + "\n")
    with pytest.raises(LoaderError) as err:
        records(folder)
    assert "not a count: '-3'" in str(err.value) and (err.value.line, err.value.field) == (3, "S3")


def test_sample_without_counts_names_its_column(tmp_path: Path) -> None:
    folder = write_fixture(tmp_path)
    lines = [line.split("\t") for line in (folder / CFG.counts_file).read_text().splitlines()]
    for row in lines[1:]:
        row[5] = "0"  # column 5 is sample S5
    (folder / CFG.counts_file).write_text("\n".join("\t".join(row) for row in lines) + "\n")
    with pytest.raises(LoaderError, match="no counts at all") as err:
        records(folder)
    assert (err.value.line, err.value.field) == (1, "S5")


def test_missing_column_and_too_few_samples(tmp_path: Path) -> None:
    folder = write_fixture(tmp_path)
    text = (folder / CFG.samples_file).read_text().replace(LEUKO, "leukocytes")
    (folder / CFG.samples_file).write_text(text)
    with pytest.raises(LoaderError) as err:
        records(folder)
    assert err.value.field == LEUKO and err.value.line == 1
    few = write_fixture(tmp_path / "few", samples=SAMPLES[: CFG.min_samples - 1])
    with pytest.raises(LoaderError, match=f"the fit needs {CFG.min_samples}"):
        records(few)


def test_tcga_paad_malignant_profile(shared_data: Path) -> None:
    """On the 44 TCGA-PAAD tumours with purity and leukocyte fractions: epithelial genes are in the
    malignant profile, leukocyte and stromal genes are not, and the Oh 2023 atlas's Neoplastic
    markers are detected far more often than markers of immune or stromal states only."""
    out, report = records(shared_data / "tcga-paad")
    level = {e.subject.split(":", 1)[1]: e.provenance[0].score for e in out if isinstance(e, Edge)}
    assert report.skipped == {"sample without every compartment fraction": 6}
    for gene in ("KRT19", "EPCAM", "LDHA", "SLC16A3", "NT5E", "SLC1A5", "LPAR2"):
        assert gene in level, gene
    for gene in ("PTPRC", "CD3E", "CD8A", "FAP", "ACTA2", "PRSS1", "CPA1"):
        assert gene not in level, gene
    atlas = _atlas_markers(shared_data)
    share = {name: np.mean([g in level for g in genes]) for name, genes in atlas.items()}
    assert share["Neoplastic"] >= 0.9
    assert share["immune"] <= 0.7 and share["stromal"] <= 0.7
    assert math.isclose(level["LDHA"], 1.0)


def _atlas_markers(shared_data: Path) -> dict[str, set[str]]:
    import pandas as pd

    table = pd.read_csv(shared_data / "pdac_atlas_oh2023" / "SupplementaryTable2GlobaMarkers2022.csv.gz")
    up = table[(table["avg_log2FC"] > 0.5) & (table["p_val_adj"] < 0.05)]
    by = up.groupby("cluster")["gene"].apply(set).to_dict()
    epithelial = by["Neoplastic"] | by["Metaplastic"] | by["Normal.Duct"] | by["Acinar"]
    immune = {"Dysfunctional.CD8", "Classical.Mono", "SPP1.TAM", "T.Reg", "Early.CD8", "Plasma"}
    immune |= {"Cytotoxic.CD8.T", "Mem.B.Cell", "FSIP2.TAM", "GRN.TAM", "Resident.Mac", "mDC"}
    immune |= {"Naive.CD4.T.Cell", "Immature.B.Cell", "LAMP3.DC"}
    stromal = {"myCAF", "iCAF", "csCAF", "smPSC", "qPSC"}
    return {
        "Neoplastic": by["Neoplastic"],
        "immune": set().union(*(by[c] for c in immune)) - epithelial,
        "stromal": set().union(*(by[c] for c in stromal)) - epithelial,
    }
