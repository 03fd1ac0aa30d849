"""CLI for sample profiles: the ``profile`` command and the ``rank --sample FILE:SAMPLE`` helpers.

Registered in :mod:`tmekg.cli` with::

    from tmekg.cli.profile import profile
    app.command("profile")(profile)

and, inside ``rank``, ``--sample`` is handled by :func:`personal_rank_table` (see docs/profiles.md).
Each command parses options and calls one library function (:mod:`tmekg.queries.profile`,
:mod:`tmekg.queries.personalise`); domain errors become one line on stderr and exit code 1.
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
    import pandas as pd

    from tmekg.graph import KnowledgeGraph

FORMATS = ("table", "tsv", "json")
SHORT = {"glycolytic_median_z": "glyc_z", "cholesterogenic_median_z": "chol_z"}
SampleOpt = Annotated[
    str | None,
    typer.Option(
        "--sample",
        help="Personalise for one sample: EXPR_FILE:SAMPLE (genes x samples table, see `tmekg profile`).",
    ),
]


def _open_graph(store: Path | None) -> KnowledgeGraph | None:
    """The store's graph if one exists (needed to map Ensembl ids and metabolites), else ``None``."""
    from tmekg.config import store_path
    from tmekg.graph import KnowledgeGraph
    from tmekg.store import CURRENT

    return KnowledgeGraph.open(store) if (store_path(store) / CURRENT).exists() else None


@_errors
def profile(
    expr_file: Annotated[Path, typer.Argument(help="Expression table: genes x samples, TSV or CSV.")],
    sample: Annotated[str | None, typer.Option("--sample", help="Only this sample (column).")] = None,
    metabolites: Annotated[
        Path | None, typer.Option("--metabolites", help="Metabolite abundances: metabolites x samples.")
    ] = None,
    scale: Annotated[str, typer.Option("--scale", help="auto, counts, tpm or log.")] = "auto",
    figure: Annotated[
        Path | None, typer.Option("--figure", help="Write a heatmap of pathway activity (.png/.svg).")
    ] = None,
    store: StoreOpt = None,
    fmt: Annotated[str, typer.Option("--format", "-f", help="Output format: table, tsv or json.")] = "table",
) -> None:
    """Metabolic subtype (Karasinska et al. 2020) and pathway activity scores of expression samples.

    With 20 or more samples the Reactome glycolysis and cholesterol-biosynthesis genes are first reduced to
    their co-expressed cores; the genes kept per signature are printed on stderr (JSON: subtype_genes).

    Example: tmekg profile cohort.tsv --figure profile.png
    """
    from tmekg.config import data_dir
    from tmekg.queries.profile import gene_authority, plot_profile
    from tmekg.queries.profile import profile as run_profile
    from tmekg.render import emit

    if fmt not in FORMATS:
        raise TmekgError(f"unknown format '{fmt}' (use one of: {', '.join(FORMATS)})")
    kg = _open_graph(store)
    try:
        with spinner("scoring samples"):
            authority = gene_authority(kg, data_dir())
            result = run_profile(expr_file, kg, sample, metabolites, scale, authority)
    finally:
        if kg is not None:
            kg.close()
    _report_missing(result)
    if figure is not None:
        typer.echo(f"figure: {plot_profile(result, figure)}", err=True)
    if fmt == "json":
        typer.echo(json.dumps(profile_document(result), indent=2, default=_plain))
        return
    table = result.table
    if fmt == "table":  # the terminal view: short names, no singscore of the subtype signatures
        table = table.drop(columns=[c for c in table.columns if c.endswith("_singscore")])
        table = table.rename(columns=SHORT).round(3)
    title = f"profile of {expr_file.name} ({result.expression.scale})"
    emit(table.to_dict("records"), list(table.columns), fmt, title=title)


def _plain(value: Any) -> Any:
    return None if value != value else float(value)  # NaN -> null


def profile_document(result: Any) -> dict[str, Any]:
    """The JSON document of a profile: scale, samples, subtype genes, missing genes, unmapped ids,
    metabolites."""
    core = result.subtype_genes
    doc = {
        "file": str(result.expression.path),
        "scale": result.expression.scale,
        "samples": result.table.astype(object).where(result.table.notna(), None).to_dict("records"),
        "subtype_genes": None if core is None else _core_document(core),
        "missing_genes": {k: v for k, v in result.missing.items() if v},
        "gene_mapping": result.expression.mapping,
        "unmapped_ids": result.expression.unmapped,
        "ambiguous_ids": result.expression.ambiguous,
        "collapsed_rows": result.expression.collapsed,
    }
    if result.metabolites is not None:
        doc["metabolites_log2"] = result.metabolites.to_dict()
        doc["unmapped_metabolites"] = result.unmapped_metabolites
    return doc


def _core_document(core: Any) -> dict[str, Any]:
    """The genes each subtype signature kept (``SignatureCore``) as a JSON-ready dict."""
    return {"refined": core.refined, "note": core.note, "kept": core.kept, "dropped": core.dropped}


def _report_core(core: Any) -> None:
    """Say on stderr which genes each subtype signature kept (co-expressed core or full list)."""
    if core is None:
        return
    typer.echo(f"subtype genes: {core.note}", err=True)
    for name, genes in core.kept.items():
        dropped = f"; dropped: {', '.join(core.dropped[name])}" if core.dropped[name] else ""
        typer.echo(f"{name} genes kept ({len(genes)}): {', '.join(genes)}{dropped}", err=True)


def _report_missing(result: Any) -> None:
    expr = result.expression
    typer.echo(f"scale: {expr.scale}; {expr.log.shape[0]} genes x {expr.log.shape[1]} samples", err=True)
    _report_core(result.subtype_genes)
    for name, genes in result.missing.items():
        if genes:
            typer.echo(f"missing from {name}: {', '.join(genes)}", err=True)
    if result.unmapped_metabolites:
        typer.echo(f"metabolites not in the graph: {', '.join(result.unmapped_metabolites)}", err=True)
    for line in mapping_notes(expr):
        typer.echo(line, err=True)


def mapping_notes(expr: Any) -> list[str]:
    """What the gene-name mapping could not do: unmapped, ambiguous and collapsed rows (a few examples)."""
    notes = []
    if expr.unmapped:
        where = "the NCBI gene authority" if expr.mapping != "graph" else "the graph"
        notes.append(
            f"{len(expr.unmapped)} row(s) name no gene known to {where}, e.g. {', '.join(expr.unmapped[:5])}"
        )
    if expr.ambiguous:
        shown = "; ".join(f"{k} ({'/'.join(v[:4])})" for k, v in list(expr.ambiguous.items())[:5])
        notes.append(
            f"{len(expr.ambiguous)} row(s) are aliases of several genes (not used as genes): {shown}"
        )
    if expr.collapsed:
        rows = sum(len(v) for v in expr.collapsed.values())
        shown = "; ".join(f"{', '.join(v)} -> {k}" for k, v in list(expr.collapsed.items())[:5])
        notes.append(f"{rows} row(s) dropped: another row names the same gene ({shown})")
    return notes


def parse_sample_spec(spec: str) -> tuple[Path, str]:
    """``FILE:SAMPLE`` -> (path, sample); the last colon separates them."""
    path, sep, sample = spec.rpartition(":")
    if not sep or not path or not sample:
        raise TmekgError(f"--sample '{spec}' is not FILE:SAMPLE (e.g. cohort.tsv:S4)")
    return Path(path), sample


def personal_rank_table(
    kg: KnowledgeGraph,
    spec: str,
    immunotherapy: str | None = None,
    context: str | None = None,
    top: int = 0,
    permutations: int | None = None,
    seed: int | None = None,
) -> tuple[pd.DataFrame, list[str]]:
    """The personalised ranking for ``--sample FILE:SAMPLE`` and the columns to show.

    Example (inside ``tmekg rank``)::

        table, columns = personal_rank_table(kg, sample, immunotherapy, context, top, permutations, seed)
    """
    from tmekg.queries.personalise import PERSONAL_COLUMNS, personalised_rank
    from tmekg.queries.rank import COLUMNS

    path, sample = parse_sample_spec(spec)
    table = personalised_rank(
        kg, path, sample, None, immunotherapy, context, top, permutations=permutations or 0, seed=seed
    )
    return table, [*COLUMNS, *PERSONAL_COLUMNS]
