"""CLI for plasma biomarkers and context differences: the ``biomarkers`` and ``context-diff`` commands.

Registered in :mod:`tmekg.cli` with::

    from tmekg.cli.biomarkers import biomarkers, context_diff
    app.command("biomarkers")(biomarkers)
    app.command("context-diff")(context_diff)

Each command parses options and calls one library function (:mod:`tmekg.queries.biomarkers`,
:mod:`tmekg.queries.context_diff`); domain errors become one line on stderr and exit code 1.
"""

from pathlib import Path
from typing import Annotated, Any

import typer

from tmekg.cli.common import FormatOpt, StoreOpt
from tmekg.cli.common import domain_errors as _errors
from tmekg.cli.common import echo as _echo
from tmekg.cli.common import echo_json as _echo_json
from tmekg.errors import TmekgError

FORMATS = ("table", "tsv", "json")


def _check_format(fmt: str) -> None:
    if fmt not in FORMATS:
        raise TmekgError(f"unknown format '{fmt}' (use one of: {', '.join(FORMATS)})")


def _open(store: Path | None) -> Any:
    from tmekg.config import store_path
    from tmekg.graph import KnowledgeGraph
    from tmekg.store import CURRENT

    if not (store_path(store) / CURRENT).exists():
        raise TmekgError(f"no store at {store_path(store)} (run `tmekg build` first)")
    return KnowledgeGraph.open(store)


@_errors
def biomarkers(
    target: Annotated[str | None, typer.Option("--target", "-t", help="Target gene (symbol or id).")] = None,
    subtype: Annotated[
        str | None, typer.Option("--subtype", "-s", help="Metabolic subtype, e.g. glycolytic.")
    ] = None,
    blood_table: Annotated[
        Path | None,
        typer.Option(
            "--blood-table", help="Blood concentration TSV (default: the data dir's mebocost folder)."
        ),
    ] = None,
    plasma_only: Annotated[
        bool, typer.Option("--plasma-only", help="Only metabolites measurable in blood.")
    ] = False,
    max_degree: Annotated[
        int, typer.Option("--max-degree", min=1, help="Skip metabolites with more edges (H+, ATP ...).")
    ] = 500,  # queries.biomarkers.MAX_DEGREE (not imported: the CLI module loads fast)
    store: StoreOpt = None,
    fmt: FormatOpt = "table",
) -> None:
    """Plasma metabolites that could monitor a target's inhibition or a subtype, with connecting paths.

    Example: tmekg biomarkers --target IDO1 --blood-table hmdb_blood_metabolite_concentration.tsv
    """
    from tmekg.queries.biomarkers import COLUMNS
    from tmekg.queries.biomarkers import biomarkers as find
    from tmekg.render import emit

    _check_format(fmt)
    with _open(store) as kg:
        table = find(kg, target, subtype, blood_table, max_degree=max_degree, plasma_only=plasma_only)
    rows = [{k: (None if v != v else v) for k, v in r.items()} for r in table.to_dict("records")]
    title = f"candidate plasma biomarkers for {target or subtype}"
    emit(rows, COLUMNS, fmt, title=title)


@_errors
def context_diff(
    target: Annotated[str, typer.Argument(help="Target gene (symbol, id or synonym).")],
    immunotherapy: Annotated[str, typer.Argument(help="Immunotherapy class, e.g. anti-PD-1.")],
    context: Annotated[str, typer.Argument(help="Context, e.g. liver-metastasis or hypoxic-core.")],
    baseline: Annotated[str, typer.Option("--baseline", help="Context to compare with.")] = "PDAC",
    inherit: Annotated[
        bool,
        typer.Option(
            "--inherit/--no-inherit",
            help="Score the context on the baseline's facts plus its own (as rank does).",
        ),
    ] = True,
    paths: Annotated[int, typer.Option("--paths", "-p", min=1, help="Changed paths to show.")] = 10,
    store: StoreOpt = None,
    fmt: FormatOpt = "table",
) -> None:
    """Which contextual facts make a combination score differently in a context than in the baseline.

    Example: tmekg context-diff HAS2 anti-PD-1 desmoplastic-stroma --inherit
    """
    from tmekg.queries.context_diff import context_diff as diff
    from tmekg.render import emit

    _check_format(fmt)
    with _open(store) as kg:
        doc = diff(kg, target, immunotherapy, context, baseline, inherit)
    doc["paths"] = doc["paths"].head(paths).to_dict("records")
    if fmt == "json":
        _echo_json(doc, indent=2, default=str)
        return
    b, c = doc["baseline_components"], doc["context_components"]
    _echo(
        f"{doc['target_symbol']} + {doc['immunotherapy_class']}: {b['score']:.4g} in {doc['baseline']} -> "
        f"{c['score']:.4g} in {doc['context']} (delta {doc['delta']:+.4g}"
        f"{', context inherits baseline facts' if doc['inherit'] else ''})"
    )
    rows = [{**r, "contextual_edges": [e["edge"] for e in r["contextual_edges"]]} for r in doc["paths"]]
    emit(rows, ["path", "delta", "change", "cause", "contextual_edges"], fmt, title="changed paths")
    facts = [{**e, "evidence": e["evidence"], "contexts": e["contexts"]} for e in doc["contextual_edges"]]
    emit(facts, ["edge", "contexts", "in_context", "evidence", "status"], fmt, title="contextual facts")
