"""Metabolic stratification of a patient cohort: subtypes, axis scores, combinations, clinical checks.

``cohort(expression, clinical, kg)`` reads a genes x samples table (raw counts, TPM or log; the scale is
detected and reported), normalises counts (TMM + log2-CPM, :mod:`tmekg.queries.cohort_norm`), keeps one
tumour sample per patient and matches it to the clinical table by patient
(:mod:`tmekg.queries.cohort_clinical`), scores the metabolic axes (singscore), calls the Karasinska et
al. 2020 subtypes (:mod:`tmekg.queries.profile`), adjusts for purity, checks the calls against the
Moffitt subtypes and survival and for stability (:mod:`tmekg.queries.cohort_stats`), and ranks the
combinations for every patient (:mod:`tmekg.queries.cohort_rank`). Parameters: ``cohort.yaml``;
method and limits: docs/cohort.md.

Examples
--------
>>> result = cohort("counts.tsv.gz", "clinical.tsv", kg)       # doctest: +SKIP
>>> result.table[["patient", "subtype", "moffitt"]]              # doctest: +SKIP
>>> write_table(result, "cohort.tsv")                            # doctest: +SKIP
"""

from __future__ import annotations

import functools
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np

from tmekg.io import packaged_yaml
from tmekg.queries.cohort_clinical import Clinical, CohortError, Matching, match_samples, read_clinical

if TYPE_CHECKING:
    import pandas as pd

    from tmekg.genes import GeneAuthority
    from tmekg.graph import KnowledgeGraph
    from tmekg.queries.coexpression import SignatureCore
    from tmekg.queries.cohort_rank import PatientRanking
    from tmekg.queries.cohort_stats import Fisher, Stability, Survival
    from tmekg.queries.profile import Expression

NORMALISATION = {
    "counts": "TMM factors (edgeR calcNormFactors) then log2-CPM with a prior count of {prior} (edgeR cpm)",
    "tpm": "log2(TPM + 1)",
    "fpkm": "log2(x + 1) (non-integer linear values that do not sum to 1e6: FPKM/RPKM-like)",
    "log": "none (values taken to be log2 expression already)",
}


@functools.cache
def load_config() -> dict[str, Any]:
    """The shipped ``queries/cohort.yaml``."""
    return packaged_yaml("tmekg.queries", "cohort.yaml")


@dataclass
class Cohort:
    """Everything ``tmekg cohort`` computed; ``table`` holds one row per patient."""

    table: pd.DataFrame
    expression: Expression
    normalisation: str
    clinical: Clinical
    matching: Matching
    core: SignatureCore
    stability: Stability
    contingency: pd.DataFrame
    fisher: Fisher
    survival: Survival
    purity_fit: pd.DataFrame
    rankings: list[PatientRanking] = field(default_factory=list)
    movers: dict[str, dict[str, list[dict]]] = field(default_factory=dict)
    permutations: int = 0
    seconds: dict[str, float] = field(default_factory=dict)
    notes: list[str] = field(default_factory=list)
    axes: list[str] = field(default_factory=list)
    log: pd.DataFrame | None = None  # the normalised genes x patients table that was scored


def normalise(expr: Expression, config: dict[str, Any]) -> tuple[pd.DataFrame, str]:
    """The log2 table to score and how it was made: TMM log2-CPM for counts, else ``expr.log``."""
    from tmekg.queries.cohort_norm import log_cpm, tmm_factors

    spec = config["normalisation"]
    if expr.scale != "counts" or expr.raw is None:
        return expr.log, NORMALISATION[expr.scale]
    factors = tmm_factors(expr.raw.to_numpy(), spec["trim_log_ratio"], spec["trim_abundance"])
    log = log_cpm(expr.raw, factors, float(spec["prior_count"]))
    span = f"{factors.min():.2f}-{factors.max():.2f}"
    return log, NORMALISATION["counts"].format(prior=spec["prior_count"]) + f"; TMM factors {span}"


def _cohort_log(expr: Expression, matching: Matching) -> pd.DataFrame:
    """The one-tumour-per-patient expression columns, renamed to patient ids."""
    log = expr.log[list(matching.samples.values())]
    log.columns = list(matching.samples)
    return log


def _subtypes(log: pd.DataFrame) -> tuple[pd.DataFrame, SignatureCore, pd.DataFrame]:
    """Subtype calls, the kept genes, and the z-scores the calls came from."""
    from tmekg.queries.profile import assign_subtypes, subtype_genes

    core = subtype_genes(log)
    calls = assign_subtypes(log, core.kept)
    z = log.sub(log.mean(axis=1), axis=0).div(log.std(axis=1, ddof=1).replace(0, np.nan), axis=0).fillna(0.0)
    return calls, core, z


def cohort(
    expression: str | Path,
    clinical: str | Path,
    kg: KnowledgeGraph | None = None,
    scale: str = "auto",
    authority: GeneAuthority | None = None,
    columns: dict[str, str | None] | None = None,
    rank: bool = True,
    context: str | None = None,
    permutations: int | None = None,
    workers: int | None = None,
) -> Cohort:
    """Stratify a cohort and run the checks (see the module docstring and docs/cohort.md).

    ``columns`` names clinical columns by role (``id``, ``moffitt``, ``purity``, ``time``, ``status``);
    ``rank=False`` (or no graph) skips the per-patient combinations; ``permutations`` is the size of the
    shared null (default: the scoring config's; 0: no p-values).
    """
    from tmekg.queries.profile import read_expression

    config, clock = load_config(), _Clock()
    expr = read_expression(expression, kg, scale, authority)
    clin = read_clinical(clinical, config["clinical"], columns)
    matching = match_samples(list(expr.log.columns), clin)
    clock.lap("read")
    expr.log, how = normalise(expr, config)
    log = _cohort_log(expr, matching)
    clock.lap("normalise")
    result = _stratify(log, expr, how, clin, matching, config)
    clock.lap("subtypes and checks")
    if rank and kg is not None:
        _rank_patients(result, kg, log, expr.node_ids, config["ranking"], context, permutations, workers)
        clock.lap("combinations")
    result.seconds = clock.laps
    result.notes = _notes(result)
    return result


def _stratify(
    log: pd.DataFrame, expr: Expression, how: str, clin: Clinical, matching: Matching, config: dict[str, Any]
) -> Cohort:
    """Axis scores, subtypes, purity adjustment, stability and the clinical checks."""
    from tmekg.queries import cohort_stats as st
    from tmekg.queries.profile import axis_scores, gene_ranks

    scores, _ = axis_scores(log, gene_ranks(log))
    calls, core, z = _subtypes(log)
    spec = config["subtypes"]
    stability = st.bootstrap_calls(z, core.kept, calls["subtype"], int(spec["bootstrap"]), int(spec["seed"]))
    info = clin.table.reindex(log.columns)
    medians = calls[["glycolytic_median_z", "cholesterogenic_median_z"]]
    adjusted, fit = st.purity_adjusted(medians.join(scores), info["purity"])
    table = _patient_table(log, matching, calls, stability, info, scores, adjusted)
    checks = config["checks"]
    table_2x2 = st.contingency(table.set_index("patient")["subtype"], info["moffitt"])
    fisher = st.subtype_fisher(table_2x2, checks["fisher"]["subtype"], checks["fisher"]["moffitt"])
    fisher.power = _fisher_power(table_2x2, checks)
    surv = st.survival(
        info["time"], info["event"], calls["subtype"], checks["logrank_hazard_ratio"], checks["alpha"]
    )
    return Cohort(
        table,
        expr,
        how,
        clin,
        matching,
        core,
        stability,
        table_2x2,
        fisher,
        surv,
        fit,
        axes=list(scores),
        log=log,
    )


def _fisher_power(table: pd.DataFrame, checks: dict[str, Any]) -> float:
    """Power of the pre-specified Fisher test with this cohort's Moffitt group sizes (exact)."""
    from tmekg.queries.cohort_stats import fisher_power

    wanted, moffitt = checks["fisher"]["subtype"], checks["fisher"]["moffitt"]
    other = next(c for c in table.columns if c != moffitt)
    totals = (int(table[moffitt].sum()), int(table[other].sum()))
    if min(totals) == 0:
        return float("nan")
    share = float(table.loc[wanted].sum()) / sum(totals)  # the subtype's share among the tested patients
    return fisher_power(totals, share, float(checks["power_odds_ratio"]), float(checks["alpha"]))


def _patient_table(
    log: pd.DataFrame,
    matching: Matching,
    calls: pd.DataFrame,
    stability: Stability,
    info: pd.DataFrame,
    scores: pd.DataFrame,
    adjusted: pd.DataFrame,
) -> pd.DataFrame:
    """One row per patient: ids, subtype (+ stability, purity-adjusted call), clinical fields, scores."""
    import pandas as pd

    from tmekg.queries.cohort_stats import quadrant

    table = pd.DataFrame(index=log.columns)
    table["patient"] = log.columns
    table["sample"] = [matching.samples[p] for p in log.columns]
    table["subtype"] = calls["subtype"]
    table["stability"] = stability.per_sample
    glyc, chol = adjusted["glycolytic_median_z"], adjusted["cholesterogenic_median_z"]
    table["subtype_purity_adjusted"] = np.where(glyc.isna(), "", quadrant(glyc, chol))
    table["moffitt"] = info["moffitt"]
    table["purity"] = info["purity"]
    table["os_days"] = info["time"]
    table["os_event"] = info["event"]
    table = table.join(calls[["glycolytic_median_z", "cholesterogenic_median_z"]]).join(scores)
    table = table.join(adjusted.add_suffix("_purity_adj"))
    return table.reset_index(drop=True)


def _rank_patients(
    result: Cohort,
    kg: KnowledgeGraph,
    log: pd.DataFrame,
    node_ids: dict[str, str],
    spec: dict[str, Any],
    context: str | None,
    permutations: int | None,
    workers: int | None,
) -> None:
    """Top combinations per patient (columns ``combination_i``, ``moved_i``) and per-subtype movers."""
    from tmekg.queries.cohort_rank import baseline, patient_rankings, sample_factors, subtype_movers

    base = baseline(kg, context, permutations)
    rankings = patient_rankings(kg, base, sample_factors(kg, log, node_ids), int(spec["top"]), workers)
    result.rankings, result.permutations = rankings, base.permutations
    by_patient = {r.sample: r for r in rankings}
    for i in range(int(spec["top"])):
        rows = [by_patient[p].top[i] if i < len(by_patient[p].top) else None for p in result.table["patient"]]
        result.table[f"combination_{i + 1}"] = [_combination(r) for r in rows]
        result.table[f"moved_{i + 1}"] = [_moved(r) for r in rows]
    subtype = result.table.set_index("patient")["subtype"]
    result.movers = subtype_movers(
        base, rankings, subtype, int(spec["pool"]), int(spec["shown"]), int(spec["top"])
    )


def _combination(row: dict | None) -> str:
    return "" if row is None else f"{row['target_symbol']} + {row['immunotherapy_class']}"


def _moved(row: dict | None) -> str:
    """``default rank 12 -> 3 (+9); <why>``: where it was, where it is, the paths that moved it."""
    if row is None:
        return ""
    text = f"default rank {row['default_rank']} -> {row['rank']} ({row['delta_rank']:+d})"
    return f"{text}; {row['why']}" if row["why"] else text


def _notes(result: Cohort) -> list[str]:
    """Plain statements for the reader: power, what was counted out, what was not computed."""
    f, s = result.fisher, result.survival
    notes = [
        f"Low power: {len(result.table)} patients; the pre-specified Fisher test ({f.rows[0]} vs not x "
        f"{f.columns[0]} vs {f.columns[1]}) has {f.power:.0%} power to detect an odds ratio of "
        f"{load_config()['checks']['power_odds_ratio']:g} at alpha {load_config()['checks']['alpha']:g}; the "
        f"log-rank test has {s.events} deaths where about {s.events_needed} are needed for 80% power at "
        f"a hazard ratio of {load_config()['checks']['logrank_hazard_ratio']:g} between two equal groups. "
        "A non-significant result here is not evidence of no association.",
    ]
    if not result.rankings:
        notes.append("Combinations per patient not computed (no graph, or --no-ranking).")
    elif not result.permutations:
        notes.append("p-values not computed (0 permutations).")
    return notes


class _Clock:
    """Wall-clock seconds per step."""

    def __init__(self) -> None:
        self.start = self.last = time.perf_counter()
        self.laps: dict[str, float] = {}

    def lap(self, name: str) -> None:
        now = time.perf_counter()
        self.laps[name] = round(now - self.last, 2)
        self.last = now


def write_table(result: Cohort, out: str | Path) -> Path:
    """Write the per-patient table as TSV (temporary file + rename: never half-written)."""
    from tmekg.atomic import atomic_open

    with atomic_open(out) as handle:
        result.table.to_csv(handle, sep="\t", index=False, float_format="%.4g")
    return Path(out)


__all__ = ["Cohort", "CohortError", "cohort", "load_config", "normalise", "write_table"]
