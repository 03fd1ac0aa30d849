"""CLI for study outputs and crosstalk: the ``crosstalk`` command and the ``study`` sub-app.

Registered in :mod:`tmekg.cli` with::

    from tmekg.cli.crosstalk import crosstalk, study_app
    app.command("crosstalk")(crosstalk)
    app.add_typer(study_app, name="study")

Each command parses options and calls one library function (:mod:`tmekg.studies`,
:mod:`tmekg.queries.crosstalk`); domain errors become one line on stderr and exit code 1.
"""

import json
from pathlib import Path
from typing import Annotated, Any

import typer

from tmekg.cli.common import KbOpt, StoreOpt, spinner
from tmekg.cli.common import domain_errors as _errors
from tmekg.cli.common import echo as _echo
from tmekg.cli.common import echo_json as _echo_json
from tmekg.errors import TmekgError

FORMATS = ("table", "tsv", "json")
STUDY_FORMATS = (
    "seurat",
    "scanpy",
    "pseudobulk",
    "anndata",
    "bulk-purity",
    "mebocost",
    "liana",
    "cellphonedb",
    "compass",
    "scfea",
)
REFERENCE_MODES = ("profiles", "all", "none")
RECEIVER_LOCATIONS = ("extracellular", "any")  # tmekg.queries.crosstalk_evidence.RECEIVER_LOCATIONS
SENDER_DIRECTIONS = ("gem", "off")  # tmekg.queries.crosstalk_direction.SENDER_DIRECTIONS

study_app = typer.Typer(
    help="Study outputs (markers, pseudobulk, MEBOCOST, LIANA+, CellPhoneDB, Compass, scFEA) into a store.",
    no_args_is_help=True,
)


def _choice(value: str, allowed: tuple[str, ...], what: str) -> str:
    if value not in allowed:
        raise TmekgError(f"unknown {what} '{value}' (use one of: {', '.join(allowed)})")
    return value


@_errors
def crosstalk(
    sender: Annotated[
        str | None, typer.Option("--sender", help="Sender cell type (id, name or synonym).")
    ] = None,
    receiver: Annotated[str | None, typer.Option("--receiver", help="Receiver cell type.")] = None,
    metabolite: Annotated[
        str | None, typer.Option("--metabolite", help="Metabolite (id, name or synonym).")
    ] = None,
    top: Annotated[int, typer.Option("--top", min=0, help="Rows to show, best first (0 = all).")] = 20,
    fmt: Annotated[str, typer.Option("--format", "-f", help="Output format: table, tsv or json.")] = "table",
    mode: Annotated[str, typer.Option("--mode", help="supply, depletion or both.")] = "both",
    study: Annotated[
        str | None, typer.Option("--study", help="Only this study's expression evidence.")
    ] = None,
    permutations: Annotated[
        int, typer.Option("--permutations", min=0, help="Label permutations (0 = none).")
    ] = 1000,
    seed: Annotated[int, typer.Option("--seed", help="Random seed of the permutations.")] = 0,
    reference: Annotated[
        str,
        typer.Option(
            "--reference",
            help="Reference atlases (hpa-blood): profiles (fill study cell types), all (list their "
            "cell types too) or none.",
        ),
    ] = "profiles",
    include_currency: Annotated[
        bool,
        typer.Option(
            "--include-currency", help="Keep currency metabolites and ions (queries/crosstalk_currency.yaml)."
        ),
    ] = False,
    colocalisation: Annotated[
        Path | None,
        typer.Option(
            "--colocalisation", help="Region x cell type count table (CSV/TSV): co-occurrence weight."
        ),
    ] = None,
    receiver_location: Annotated[
        str,
        typer.Option(
            "--receiver-location",
            help="extracellular: a receiver gene must be a receptor, channel, transporter or "
            "ligand-activated TF (GO molecular function; genes without GO data kept); any: every "
            "sensor/importer.",
        ),
    ] = "extracellular",
    sender_direction: Annotated[
        str,
        typer.Option(
            "--sender-direction",
            help="gem: where Human-GEM's reactions know a gene-metabolite pair, their direction decides "
            "whether the gene is a producer or a consumer; off: resource claims as listed.",
        ),
    ] = "gem",
    min_receiver_confidence: Annotated[
        float,
        typer.Option(
            "--min-receiver-confidence",
            help="Receiver genes count only from this confidence (queries/crosstalk.yaml receivers): "
            "1.0 = sensors with a recorded action / curated, 0.8 adds importers, 0 = all.",
        ),
    ] = 0.0,
    signalling_only: Annotated[
        bool,
        typer.Option(
            "--signalling-only",
            help="Only metabolites with a receptor of confidence >= receivers.signal "
            "(queries/crosstalk.yaml): leaves out by-products that only meet transporters.",
        ),
    ] = False,
    figure: Annotated[
        Path | None,
        typer.Option("--figure", help="Also draw a sender x receiver heatmap and a dot plot (.png/.svg)."),
    ] = None,
    store: StoreOpt = None,
) -> None:
    """Infer metabolic crosstalk (sender -> metabolite -> receiver), one row per triple, modes merged.

    Example: tmekg crosstalk --sender iCAF --metabolite lactate --top 10 --format tsv
    """
    from tmekg.queries.crosstalk import COLUMNS, MODES, CrosstalkParams, crosstalk_table
    from tmekg.render import emit

    _choice(fmt, FORMATS, "format")
    modes = MODES if _choice(mode, (*MODES, "both"), "mode") == "both" else (mode,)
    params = CrosstalkParams(
        study=study,
        modes=modes,
        permutations=permutations,
        seed=seed,
        reference=_choice(reference, REFERENCE_MODES, "reference mode"),
        currency=include_currency,
        colocalisation=str(colocalisation) if colocalisation else None,
        receiver_location=_choice(receiver_location, RECEIVER_LOCATIONS, "receiver location"),
        sender_direction=_choice(sender_direction, SENDER_DIRECTIONS, "sender direction"),
        min_receiver_confidence=min_receiver_confidence,
        signalling_only=signalling_only,
    )
    with spinner("inferring crosstalk"):
        rows = crosstalk_table(store, sender, receiver, metabolite, top, params, evidence=fmt == "json")
    if figure:
        from tmekg.queries.crosstalk_figure import draw

        draw(rows, figure)
        typer.echo(f"figure written to {figure}", err=True)
    if fmt == "json":
        _echo_json([r.to_dict() for r in rows], indent=2)
        return
    emit([r.row() for r in rows], COLUMNS, fmt, title=f"{len(rows)} crosstalk row(s)")


def _options(items: list[str] | None) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for item in items or []:
        key, sep, value = item.partition("=")
        if not sep or not key.strip():
            raise TmekgError(f"option '{item}' is not key=value")
        out[key.strip()] = _typed(value.strip())
    return out


def _typed(value: str) -> Any:
    if value.lower() in ("true", "false"):
        return value.lower() == "true"
    for cast in (int, float):
        try:
            return cast(value)
        except ValueError:
            continue
    return value


@study_app.command("load")
@_errors
def study_load(
    path: Annotated[Path, typer.Argument(help="Study output file or folder (Compass, scFEA, CellPhoneDB).")],
    fmt: Annotated[str, typer.Option("--format", "-f", help=f"One of: {', '.join(STUDY_FORMATS)}.")],
    study_id: Annotated[
        str, typer.Option("--study-id", help="DOI:/PMID: of the study, else TMEKG:study.<slug>.")
    ],
    map_name: Annotated[
        str | None, typer.Option("--map-name", help="Map in the shipped celltype_map.yaml.")
    ] = None,
    map_file: Annotated[
        Path | None, typer.Option("--map", help="Your cluster -> cell type map (YAML/TSV).")
    ] = None,
    name: Annotated[str | None, typer.Option("--name", help="Study name for a new Study node.")] = None,
    alpha: Annotated[float, typer.Option("--alpha", help="Threshold on adjusted p-values / FDRs.")] = 0.05,
    option: Annotated[
        list[str] | None, typer.Option("--option", "-o", help="Loader option key=value (repeatable).")
    ] = None,
    groupby: Annotated[
        str | None,
        typer.Option("--groupby", help="anndata/pseudobulk .h5ad: obs column with cell-type labels."),
    ] = None,
    sources: Annotated[
        list[str] | None,
        typer.Option("--sources", "-s", help="Sources to rebuild with (default: the store's)."),
    ] = None,
    data_dir: Annotated[Path | None, typer.Option("--data-dir", help="Source data folder.")] = None,
    kb: KbOpt = None,
    report: Annotated[
        Path | None, typer.Option("--report", help="Write the load reports (JSON) here.")
    ] = None,
    store: StoreOpt = None,
) -> None:
    """Register a study output with the store and rebuild the store with it.

    Example: tmekg study load m.csv -f seurat --study-id DOI:10.1038/s41467-023-40895-6 --map-name oh2023
    """
    from tmekg.studies import StudySpec, load_study

    spec = StudySpec(
        path=str(path),
        format=_choice(fmt, STUDY_FORMATS, "study format"),
        study_id=study_id,
        map_name=map_name,
        map_file=str(map_file) if map_file else None,
        name=name,
        alpha=alpha,
        options={**_options(option), **({"groupby": groupby} if groupby else {})},
    )
    names = [s.strip() for item in (sources or []) for s in item.split(",") if s.strip()] or None
    with spinner(f"loading {spec.path} and rebuilding the store"):
        result = load_study(spec, store, names, data_dir, kb)
    if report:
        from tmekg.atomic import write_text

        write_text(report, json.dumps(result.reports, indent=2, sort_keys=True) + "\n")
    _print_reports(result.reports)
    counts = result.build.counts
    _echo(
        f"store rebuilt with {len(result.studies)} study file(s): {counts['nodes']} nodes, "
        f"{counts['edges']} edges -> {result.build.store}"
    )


def _print_reports(reports: dict[str, dict[str, Any]]) -> None:
    for label, doc in reports.items():
        skipped, warned = sum(doc["skipped"].values()), sum(doc.get("warnings", {}).values())
        _echo(f"{label}: {doc['rows']} rows read, {skipped} not loaded, {warned} kept with a warning")
        for kind in ("skipped", "warnings"):
            for reason, n in doc.get(kind, {}).items():
                _echo(f"  {'skipped' if kind == 'skipped' else 'warning'}: {n} x {reason}")


@study_app.command("list")
@_errors
def study_list(
    store: StoreOpt = None,
    fmt: Annotated[str, typer.Option("--format", "-f", help="Output format: table, tsv or json.")] = "table",
) -> None:
    """List the study files registered in the store.

    Example: tmekg study list --format tsv
    """
    from dataclasses import asdict

    from tmekg.render import emit
    from tmekg.studies import list_studies

    _choice(fmt, FORMATS, "format")
    rows = [asdict(s) for s in list_studies(store)]
    emit(
        rows,
        ["study_id", "format", "path", "map_name", "map_file", "alpha"],
        fmt,
        title=f"{len(rows)} study file(s)",
    )


@study_app.command("remove")
@_errors
def study_remove(
    study_id: Annotated[str, typer.Argument(help="Study id whose files to remove.")],
    data_dir: Annotated[Path | None, typer.Option("--data-dir", help="Source data folder.")] = None,
    kb: KbOpt = None,
    store: StoreOpt = None,
) -> None:
    """Remove a study's files from the store and rebuild without them.

    Example: tmekg study remove DOI:10.1038/s41467-023-40895-6
    """
    from tmekg.studies import remove_study

    with spinner("rebuilding the store"):
        result = remove_study(study_id, store, data_dir, kb)
    _echo(f"removed {study_id}; {len(result.studies)} study file(s) left -> {result.build.store}")
