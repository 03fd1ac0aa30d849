"""CLI for ``tmekg cohort``: metabolic stratification of a patient cohort with clinical checks.

Registered in :mod:`tmekg.cli.root`; parses options and calls :func:`tmekg.queries.cohort.cohort`, then
writes the per-patient table (``--out``) and the HTML report (``--report``). Domain errors become one line
on stderr and exit code 1.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer

from tmekg.cli.common import StoreOpt, spinner
from tmekg.cli.common import domain_errors as _errors
from tmekg.errors import TmekgError

if TYPE_CHECKING:
    from tmekg.queries.cohort import Cohort

FORMATS = ("table", "tsv", "json")
MISSING = ("moffitt", "purity", "os_days", "os_event")  # clinical fields counted when empty
SHOWN = ["patient", "subtype", "stability", "moffitt", "purity", "os_days", "os_event", "combination_1"]


def _column(role: str) -> Any:
    return typer.Option(
        f"--{role}-column", help=f"Clinical column holding the {role} (default: cohort.yaml)."
    )


@_errors
def cohort(
    expression: Annotated[
        Path, typer.Argument(help="Expression table: genes x samples (counts, TPM or log).")
    ],
    clinical: Annotated[Path, typer.Option("--clinical", help="Clinical table: one row per patient/sample.")],
    report: Annotated[Path | None, typer.Option("--report", help="Write the HTML report here.")] = None,
    out: Annotated[Path | None, typer.Option("--out", help="Write the per-patient table (TSV) here.")] = None,
    scale: Annotated[str, typer.Option("--scale", help="auto, counts, tpm or log.")] = "auto",
    context: Annotated[
        str | None, typer.Option("--context", help="Rank with the facts of one context.")
    ] = None,
    permutations: Annotated[
        int | None, typer.Option("--permutations", help="Size of the shared null (default: config; 0: none).")
    ] = None,
    no_ranking: Annotated[
        bool, typer.Option("--no-ranking", help="Skip the combinations per patient.")
    ] = False,
    id_column: Annotated[str | None, _column("id")] = None,
    moffitt_column: Annotated[str | None, _column("moffitt")] = None,
    purity_column: Annotated[str | None, _column("purity")] = None,
    time_column: Annotated[str | None, _column("time")] = None,
    status_column: Annotated[str | None, _column("status")] = None,
    store: StoreOpt = None,
    fmt: Annotated[str, typer.Option("--format", "-f", help="Output format: table, tsv or json.")] = "table",
) -> None:
    """Metabolic subtypes, axis scores and top combinations per patient, checked against Moffitt and survival.

    Example: tmekg cohort counts.tsv.gz --clinical clinical.tsv --report cohort.html --out cohort.tsv
    """
    from tmekg.cli.profile import _open_graph
    from tmekg.config import data_dir
    from tmekg.queries.cohort import cohort as run_cohort
    from tmekg.queries.profile import gene_authority

    if fmt not in FORMATS:
        raise TmekgError(f"unknown format '{fmt}' (use one of: {', '.join(FORMATS)})")
    columns = {"id": id_column, "moffitt": moffitt_column, "purity": purity_column}
    columns |= {"time": time_column, "status": status_column}
    kg = _open_graph(store)
    try:
        with spinner("stratifying the cohort"):
            authority = gene_authority(kg, data_dir())
            result = run_cohort(
                expression, clinical, kg, scale, authority, columns, not no_ranking, context, permutations
            )
    finally:
        if kg is not None:
            kg.close()
    _summary(result)
    _write(result, out, report)
    _print(result, fmt)


def _write(result: Cohort, out: Path | None, report: Path | None) -> None:
    from tmekg.queries.cohort import load_config, write_table

    if out is not None:
        typer.echo(f"table: {write_table(result, out)}", err=True)
    if report is not None:
        from tmekg.sinks.cohort_report import write_report

        params = report_parameters(load_config())
        typer.echo(f"report: {write_report(result, report, params)}", err=True)


def report_parameters(config: dict[str, Any]) -> dict[str, Any]:
    """The fixed parameters the report lists (flattened from cohort.yaml)."""
    norm, subtypes, checks, ranking = (config[k] for k in ("normalisation", "subtypes", "checks", "ranking"))
    return {
        "TMM trims (M, A)": f"{norm['trim_log_ratio']}, {norm['trim_abundance']}",
        "prior count": norm["prior_count"],
        "bootstrap re-calls": subtypes["bootstrap"],
        "seed": subtypes["seed"],
        "Fisher test": f"{checks['fisher']['subtype']} x {checks['fisher']['moffitt']}",
        "alpha": checks["alpha"],
        "top combinations": ranking["top"],
        "pool": ranking["pool"],
    }


def _summary(result: Cohort) -> None:
    """What was detected, matched and found, on stderr (numbers first)."""
    from tmekg.cli.profile import mapping_notes

    e, m, f, s, b = result.expression, result.matching, result.fisher, result.survival, result.stability
    counts = result.table["subtype"].value_counts().to_dict()
    lines = [
        f"scale: {e.scale} (detected); normalisation: {result.normalisation}",
        *mapping_notes(e),
        f"patients: {len(result.table)} (expression ids {m.expression_depth}, clinical ids "
        f"{m.clinical_depth}, matched by patient); without clinical row: {len(m.expression_only)}; clinical "
        f"without expression: {len(m.clinical_only)}; normal samples set aside: {len(m.non_tumour)}",
        "missing: " + ", ".join(f"{int(result.table[c].isna().sum())} without {c}" for c in MISSING),
        f"subtypes: {counts}; bootstrap agreement {b.agreement:.0%} ({b.draws} re-calls)",
        f"{f.rows[0]} x {f.columns[0]}: table {f.table}, odds ratio {f.odds_ratio:.3g}, "
        f"Fisher p {f.p_value:.3g}",
        f"log-rank p {s.p_value:.3g} ({s.n} patients, {s.events} deaths)",
        *result.notes,
        f"seconds: {result.seconds}",
    ]
    for line in lines:
        typer.echo(line, err=True)


def _print(result: Cohort, fmt: str) -> None:
    from tmekg.render import emit

    table = result.table
    if fmt == "json":
        typer.echo(json.dumps(cohort_document(result), indent=2, default=_plain))
        return
    columns = [c for c in SHOWN if c in table.columns] if fmt == "table" else list(table.columns)
    view = table[columns].round(3).astype(object).where(table[columns].notna(), None)
    emit(view.to_dict("records"), columns, fmt, title=f"cohort: {len(table)} patients")


def _plain(value: Any) -> Any:
    try:
        return None if value != value else float(value)
    except (TypeError, ValueError):
        return str(value)


def cohort_document(result: Cohort) -> dict[str, Any]:
    """The JSON document: patients, checks, per-patient combinations, per-subtype movers, inputs."""
    f, s, b, m = result.fisher, result.survival, result.stability, result.matching
    table = result.table.astype(object).where(result.table.notna(), None)
    return {
        "scale": result.expression.scale,
        "normalisation": result.normalisation,
        "patients": table.to_dict("records"),
        "subtype_genes": result.core.kept,
        "contingency": result.contingency.to_dict(),
        "fisher": {
            "table": f.table,
            "rows": f.rows,
            "columns": f.columns,
            "odds_ratio": f.odds_ratio,
            "p_value": f.p_value,
            "power": f.power,
        },
        "logrank": {
            "p_value": s.p_value,
            "statistic": s.statistic,
            "dof": s.dof,
            "patients": s.n,
            "events": s.events,
            "median_days": {k: g["median_days"] for k, g in s.groups.items()},
        },
        "bootstrap": {"agreement": b.agreement, "low": b.low, "high": b.high, "draws": b.draws},
        "purity_fit": result.purity_fit.reset_index().to_dict("records"),
        "combinations": {r.sample: r.top for r in result.rankings},
        "movers": result.movers,
        "matching": {
            "expression_depth": m.expression_depth,
            "clinical_depth": m.clinical_depth,
            "non_tumour": m.non_tumour,
            "repeated": m.repeated,
            "expression_only": m.expression_only,
            "clinical_only": m.clinical_only,
        },
        "notes": result.notes,
        "seconds": result.seconds,
    }
