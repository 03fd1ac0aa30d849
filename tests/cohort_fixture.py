"""A planted cohort for the ``tmekg cohort`` tests: counts and a clinical table in the TCGA formats.

24 patients in four planted groups of 6 (glycolytic, cholesterogenic, mixed, quiescent): every Reactome
glycolysis candidate is 3x in the glycolytic and mixed groups, every cholesterol-biosynthesis candidate
3x in the cholesterogenic and mixed groups, the genes of the pathway axes, NT5E 8x in patient 7, plus 150
background genes; Poisson counts on library sizes
between 0.5x and 2x. Expression columns are aliquot barcodes (plus a normal sample and a second tumour
sample of one patient), clinical ids are patient barcodes (plus one patient without expression).
"""

from __future__ import annotations

from pathlib import Path

import numpy as np

GROUPS = ("glycolytic", "cholesterogenic", "mixed", "quiescent")
# Moffitt calls per group (6 patients each); "" = no call
MOFFITT = {
    "glycolytic": ["1", "1", "1", "1", "1", "2"],
    "cholesterogenic": ["1", "2", "2", "2", "2", "2"],
    "mixed": ["1", "1", "1", "2", "2", "2"],
    "quiescent": ["1", "1", "2", "2", "2", ""],
}


NT5E_HIGH = {7: ["NT5E"]}  # patient 7 (cholesterogenic group) over-expresses NT5E 8x


def patient(i: int) -> str:
    return f"TCGA-ZZ-{i:04d}"


def aliquot(i: int, vial: str = "01A") -> str:
    return f"{patient(i)}-{vial}-11R-A000-07"


def planted() -> dict[str, str]:
    """Patient id -> planted subtype."""
    return {patient(g * 6 + k + 1): name for g, name in enumerate(GROUPS) for k in range(6)}


def _means(rng: np.random.Generator) -> tuple[list[str], np.ndarray, dict[str, list[str]]]:
    from tmekg.queries.profile import load_signatures

    spec = load_signatures()
    sigs = spec["subtypes"]["signatures"]
    axes = [g for axis in spec["axes"].values() for g in axis["genes"]]
    genes = list(dict.fromkeys([*sigs["glycolytic"], *sigs["cholesterogenic"], *axes]))
    genes += [f"BG{i:03d}" for i in range(150)]
    return genes, rng.uniform(200, 2000, len(genes)), sigs


def write_counts(path: Path, seed: int = 7) -> Path:
    """The planted count table (genes x samples, TSV)."""
    rng = np.random.default_rng(seed)
    genes, base, sigs = _means(rng)
    glyc = np.isin(genes, sigs["glycolytic"])
    chol = np.isin(genes, sigs["cholesterogenic"])
    columns, data = [], []
    for i, (_pid, name) in enumerate(planted().items(), start=1):
        mean = base * np.where(glyc & (name in ("glycolytic", "mixed")), 3.0, 1.0)
        mean = mean * np.where(chol & (name in ("cholesterogenic", "mixed")), 3.0, 1.0)
        mean = mean * np.where(np.isin(genes, NT5E_HIGH.get(i, [])), 8.0, 1.0)
        size = rng.uniform(0.5, 2.0)
        columns.append(aliquot(i))
        data.append(rng.poisson(mean * size))
        if i == 2:  # a second tumour vial of patient 2 and a normal sample of patient 1
            columns += [aliquot(2, "01B"), aliquot(1, "11A")]
            data += [rng.poisson(mean * size), rng.poisson(base)]
    lines = ["gene\t" + "\t".join(columns)]
    matrix = np.array(data).T
    lines += [f"{g}\t" + "\t".join(str(int(v)) for v in row) for g, row in zip(genes, matrix, strict=True)]
    path.write_text("\n".join(lines) + "\n")
    return path


def write_clinical(path: Path) -> Path:
    """Clinical rows by patient barcode: Moffitt code, purity, follow-up days, vital status."""
    rows = ["patient\tmoffitt\tpurity\tos_days\tos_status"]
    for i, (pid, name) in enumerate(planted().items(), start=1):
        call = MOFFITT[name][(i - 1) % 6]
        purity = "" if i == 3 else f"{0.2 + 0.02 * i:.2f}"
        days = "" if i == 4 else str(100 * i)
        status = "Dead" if i % 2 else "Alive"
        rows.append(f"{pid}\t{call}\t{purity}\t{days}\t{status}")
    rows.append(f"{patient(99)}\t1\t0.5\t300\tDead")  # no expression for this patient
    path.write_text("\n".join(rows) + "\n")
    return path
