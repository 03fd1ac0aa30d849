"""The ``tmekg`` command line: thin typer commands, each calling one library function.

Domain errors (:class:`tmekg.errors.TmekgError`) become one line on stderr and exit code 1;
anything else keeps its traceback. Heavy libraries are imported inside commands.
"""

import json
import sys
from pathlib import Path
from typing import Annotated, Any

import typer
from typer.core import TyperCommand

from tmekg import __version__
from tmekg.cli_common import FormatOpt, StoreOpt
from tmekg.cli_common import check_format as _check_format
from tmekg.cli_common import domain_errors as _domain_errors
from tmekg.cli_profile import SampleOpt
from tmekg.errors import TmekgError

app = typer.Typer(
    name="tmekg",
    help=(
        "A knowledge graph of metabolic crosstalk in the tumour microenvironment (PDAC first).\n\n"
        "Example: tmekg build && tmekg stats && tmekg show NT5E"
    ),
    no_args_is_help=True,
    pretty_exceptions_show_locals=False,
    add_completion=True,
    rich_markup_mode=None,  # plain click help: typer's rich help imports rich (~0.1 s) before printing
)


def _version(value: bool) -> None:
    if value:
        typer.echo(f"tmekg {__version__}")
        raise typer.Exit()


@app.callback()
def _root(
    version: Annotated[
        bool, typer.Option("--version", callback=_version, is_eager=True, help="Show the version and exit.")
    ] = False,
) -> None:
    """A knowledge graph of metabolic crosstalk in the tumour microenvironment (PDAC first)."""


@app.command()
@_domain_errors
def build(
    store: StoreOpt = None,
    sources: Annotated[
        list[str] | None,
        typer.Option("--sources", "-s", help="Sources to include (repeat or comma-separate; 'all')."),
    ] = None,
    data_dir: Annotated[
        Path | None,
        typer.Option("--data-dir", help="Folder with one sub-folder per source ($TMEKG_DATA_DIR)."),
    ] = None,
    kb: Annotated[
        Path | None, typer.Option("--kb", help="Curated KB folder (default: the shipped one).")
    ] = None,
    config: Annotated[
        Path | None, typer.Option("--config", help="YAML config: {sources: [...], paths: {source: folder}}.")
    ] = None,
    report: Annotated[
        Path | None, typer.Option("--report", help="Write the per-source build report (JSON) here.")
    ] = None,
    quiet: Annotated[bool, typer.Option("--quiet", "-q", help="No progress output.")] = False,
) -> None:
    """Build the graph into the embedded store (curated PDAC KB plus cached sources).

    Example: tmekg build --data-dir ../shared/data --sources all --report build-report.json
    """
    from tmekg.pipeline import build_store
    from tmekg.render import console
    from tmekg.studies import registered_extras

    names, paths = _sources_from(sources, config)
    con = console(quiet=quiet)
    with con.status("building") as status:
        result = build_store(
            store=store,
            sources=names,
            data=data_dir,
            kb=kb,
            paths=paths,
            progress=lambda msg: status.update(msg),
            extra=registered_extras(store),  # study outputs loaded earlier with `tmekg study load`
        )
    if report:
        from tmekg.pipeline import coverage_rows
        from tmekg.render import emit

        doc = {"counts": result.counts, "sources": result.sources, "skipped": result.skipped}
        report.write_text(json.dumps(doc, indent=2, sort_keys=True) + "\n", encoding="utf-8")
        if not quiet:
            columns = ["source", "rows", "nodes_in", "edges_in", "merged", "unmapped", "examples"]
            emit(coverage_rows(result), columns, "table", title=f"coverage (full report: {report})")
    con.print(
        f"built {result.counts['nodes']} nodes, {result.counts['edges']} edges "
        f"from {len(result.sources)} source(s) in {result.seconds:.1f} s -> {result.store}"
    )
    if names:  # sources were asked for: say why each missing one was skipped
        for name, reason in result.skipped.items():
            con.print(f"  skipped {name}: {reason}")
    elif result.skipped:
        con.print(f"  {len(result.skipped)} source(s) not in the data directory (see `tmekg sources`)")


def _sources_from(
    sources: list[str] | None, config: Path | None
) -> tuple[list[str] | None, dict[str, str] | None]:
    names = [s.strip() for item in (sources or []) for s in item.split(",") if s.strip()] or None
    if config is None:
        return names, None
    import yaml

    try:
        doc = yaml.safe_load(config.read_text(encoding="utf-8")) or {}
    except (OSError, yaml.YAMLError) as exc:
        raise TmekgError(f"cannot read config {config}: {exc}") from None
    if not isinstance(doc, dict):
        raise TmekgError(f"{config}: the config must be a mapping with 'sources' and/or 'paths'")
    return names or doc.get("sources"), doc.get("paths")


@app.command()
@_domain_errors
def stats(
    store: StoreOpt = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print the JSON document.")] = False,
) -> None:
    """Counts of nodes per category, edges per predicate, and per source.

    Example: tmekg stats --json
    """
    from tmekg.explore import stats as get_stats
    from tmekg.render import emit

    doc = get_stats(store)
    if as_json:
        typer.echo(json.dumps(doc, indent=2, sort_keys=True))
        return
    typer.echo(f"{doc['total_nodes']} nodes, {doc['total_edges']} edges")
    emit([{"category": k, "nodes": v} for k, v in doc["nodes"].items()], ["category", "nodes"])
    emit([{"predicate": k, "edges": v} for k, v in doc["edges"].items()], ["predicate", "edges"])
    rows = [{"source": k, **v} for k, v in doc["sources"].items()]
    emit(rows, ["source", "version", "nodes", "edges"])


@app.command()
@_domain_errors
def show(
    node: Annotated[str, typer.Argument(help="Node id (CURIE), cross-reference, name or synonym.")],
    depth: Annotated[int, typer.Option("--depth", "-d", min=0, max=3, help="Neighbourhood depth.")] = 1,
    store: StoreOpt = None,
    fmt: FormatOpt = "table",
) -> None:
    """A node with its neighbourhood and the evidence of each edge.

    Example: tmekg show NT5E --depth 1
    """
    from tmekg.explore import show as get_show
    from tmekg.render import emit

    _check_format(fmt)
    doc = get_show(node, depth, store)
    if fmt == "json":
        typer.echo(json.dumps(doc, indent=2, ensure_ascii=False))
        return
    n = doc["node"]
    if fmt == "table":
        typer.echo(f"{n['id']}  {n['name']}  [{n['category']}]")
        for key in ("synonyms", "xrefs", "sources", "evidence"):
            if n[key]:
                typer.echo(f"  {key}: {', '.join(n[key])}")
        if doc["also_named"]:
            others = ", ".join(f"{o['id']} ({o['name']}, {o['category']})" for o in doc["also_named"])
            typer.echo(f"  also named '{node}': {others}")
        for key, value in n["properties"].items():
            typer.echo(f"  {key}: {value}")
    columns = ["subject_name", "predicate", "object_name", "sign", "evidence", "sources", "context"]
    emit(doc["edges"], columns, fmt, title=f"{len(doc['edges'])} edges within {depth} hop(s)")
    for direction, rows in doc.get("crosstalk", {}).items():
        cols = ["sender_name", "metabolite_name", "receiver_name", "mode", "score", "p_value", "source"]
        emit(rows, cols, fmt, title=f"{direction} metabolic crosstalk (strongest {len(rows)})")


@app.command()
@_domain_errors
def search(
    text: Annotated[str, typer.Argument(help="Text to find in ids, names, synonyms and cross-references.")],
    limit: Annotated[int, typer.Option("--limit", "-n", help="Maximum hits (0 = all).")] = 20,
    category: Annotated[str | None, typer.Option("--category", "-c", help="Only this category.")] = None,
    store: StoreOpt = None,
    fmt: FormatOpt = "table",
) -> None:
    """Find nodes by name, synonym or id.

    Example: tmekg search kynurenine --category Metabolite
    """
    from tmekg.explore import search as find
    from tmekg.render import emit

    _check_format(fmt)
    hits = find(text, limit, category, store)
    emit(hits, ["id", "category", "name", "synonyms"], fmt, title=f"{len(hits)} match(es) for '{text}'")


@app.command()
@_domain_errors
def validate(
    files: Annotated[list[Path], typer.Argument(help="Curated *.nodes.tsv / *.edges.tsv files.")],
) -> None:
    """Check curated records files against the schema; list every problem.

    Example: tmekg validate my_facts.edges.tsv
    """
    from tmekg.validate import validate_file

    failed = 0
    for path in files:
        result = validate_file(path)
        counts = ", ".join(f"{v} {k}" for k, v in sorted(result.records.items())) or "no records"
        for error in result.errors:
            typer.echo(f"error: {error}", err=True)
        status = "ok" if result.ok else f"{len(result.errors)} problem(s)"
        typer.echo(f"{path}: {counts}; {status}")
        failed += not result.ok
    if failed:
        raise typer.Exit(1)


@app.command("sources")
@_domain_errors
def list_sources(
    data_dir: Annotated[
        Path | None, typer.Option("--data-dir", help="Folder with one sub-folder per source.")
    ] = None,
    fmt: FormatOpt = "table",
) -> None:
    """List known sources with version, licence and whether their files are present.

    Example: tmekg sources --data-dir ../shared/data
    """
    from tmekg.pipeline import source_status
    from tmekg.render import emit

    _check_format(fmt)
    emit(source_status(data_dir), ["source", "version", "licence", "status", "folder"], fmt, title="sources")


@app.command()
@_domain_errors
def fetch(
    sources: Annotated[list[str], typer.Argument(help="Source names, or 'all'.")],
    data_dir: Annotated[
        Path | None, typer.Option("--data-dir", help="Cache folder, one sub-folder per source.")
    ] = None,
    base_url: Annotated[
        str | None, typer.Option("--base-url", help="Mirror to download from instead of the pinned URLs.")
    ] = None,
    retries: Annotated[int, typer.Option("--retries", min=0, help="Extra tries per file.")] = 3,
    quiet: Annotated[bool, typer.Option("--quiet", "-q", help="No progress output.")] = False,
) -> None:
    """Download sources' official files (pinned URLs, size and sha256 checked) into the local cache.

    Example: tmekg fetch human-gem metalinksdb
    """
    from tmekg.fetch import fetch as fetch_sources
    from tmekg.render import console

    con = console(quiet=quiet)
    with con.status("fetching") as status:
        result = fetch_sources(
            sources,
            cache=data_dir,
            base_url_override=base_url,
            retries=retries,
            progress=lambda label, done, total: status.update(f"{label}: {done}/{total or '?'} bytes"),
        )
    con.print(result.summary())
    for failed in result.failed:
        con.print(f"  warning: {failed.source}/{failed.name}: {failed.error}")


def _ensure_store(store: Path | None, quiet: bool) -> None:
    """Build the default graph first when the default store does not exist yet (the README's main job).

    A store named with ``--store`` or ``TMEKG_STORE`` is never built here: opening it then fails with
    an error naming the path.
    """
    from tmekg.config import store_is_default, store_path
    from tmekg.store import CURRENT

    root = store_path(store)
    if store_is_default(store) and not (root / CURRENT).exists():
        from tmekg.pipeline import build_store
        from tmekg.render import console

        console(quiet=quiet).print(f"no store at {root}: building the default graph first")
        build_store(store=root)


# The ranking's table view (TSV and JSON keep the column names and full cells).
RANK_HEADERS = {"target_symbol": "target", "immunotherapy_class": "immunotherapy"}
RANK_SHRINK = ("drugs", "top_path", "why")


@app.command()
@_domain_errors
def rank(
    immunotherapy: Annotated[
        str | None, typer.Option("--immunotherapy", "-i", help="Only this class, e.g. anti-PD-1.")
    ] = None,
    context: Annotated[
        str | None, typer.Option("--context", help="Use facts valid in this context (e.g. PDAC).")
    ] = None,
    top: Annotated[int, typer.Option("--top", "-n", help="Rows to show (0 = all).")] = 20,
    permutations: Annotated[
        int | None,
        typer.Option(
            "--permutations",
            help="XSwap permutations for p-values (default: scoring.yaml, 20; 0 = none). Their null is "
            "built on first use and cached in the store (docs/scoring.md).",
        ),
    ] = None,
    seed: Annotated[int | None, typer.Option("--seed", help="Random seed of the permutations.")] = None,
    all_drugs: Annotated[
        bool, typer.Option("--all-drugs", help="List every therapeutic drug (default: the 5 most advanced).")
    ] = False,
    sample: SampleOpt = None,
    store: StoreOpt = None,
    fmt: FormatOpt = "table",
    quiet: Annotated[bool, typer.Option("--quiet", "-q", help="No progress output.")] = False,
) -> None:
    """Rank metabolic target x immunotherapy combinations by signed path analysis.

    The drugs column lists each target's therapeutic drugs, most advanced clinical phase first
    (endogenous metabolites, the target's substrates and products and imaging agents are left out).

    Example: tmekg rank --immunotherapy anti-PD-1 --top 10
    """
    from tmekg.graph import KnowledgeGraph
    from tmekg.queries.rank import COLUMNS
    from tmekg.queries.rank import rank as rank_candidates
    from tmekg.queries.significance import null_progress, p_value_note
    from tmekg.render import console, emit

    _check_format(fmt)
    _ensure_store(store, quiet)
    con = console(quiet=quiet)
    with KnowledgeGraph.open(store) as kg, con.status("scoring") as status:
        if sample:  # personalised: re-weighted by one sample's expression, with what moved and why
            from tmekg.cli_profile import personal_rank_table

            table, columns = personal_rank_table(kg, sample, immunotherapy, context, top, permutations, seed)
            if all_drugs:
                from tmekg.queries.scoring import drugs_by_gene

                table["drugs"] = [";".join(drugs_by_gene(kg).get(t, [])) for t in table["target_id"]]
        else:
            table = rank_candidates(
                kg,
                immunotherapy,
                context,
                top,
                permutations,
                seed,
                progress=lambda i, n: status.update(null_progress(i, n)),
                all_drugs=all_drugs,
            )
            columns = COLUMNS
    columns = columns if fmt != "json" else [*columns, "mechanism", "context", "harm"]
    if fmt == "table":  # for reading: the symbol says which target; one line per row at any width
        columns = [c for c in columns if c != "target_id"]
    emit(
        table.to_dict("records"),
        columns,
        fmt,
        title="metabolic target x immunotherapy ranking",
        headers=RANK_HEADERS,
        shrink=RANK_SHRINK,
    )
    note = p_value_note(table, sample, permutations)
    if note:
        con.print(note, style="dim")


class _WithMetapathGlossary(TyperCommand):
    """A command whose help ends with the metapath abbreviations, generated from the schema when shown."""

    @property
    def help(self) -> str | None:
        from tmekg.queries.metapaths import legend
        from tmekg.schema import load_schema

        return f"{self._help}\n\n{legend(load_schema())}" if self._help else self._help

    @help.setter
    def help(self, value: str | None) -> None:
        self._help = value


@app.command(
    cls=_WithMetapathGlossary,
    short_help="Why a combination scores as it does: components, metapaths, and top paths with evidence.",
)
@_domain_errors
def explain(
    target: Annotated[str, typer.Argument(help="Target gene (symbol, id or synonym).")],
    immunotherapy: Annotated[str, typer.Argument(help="Immunotherapy class, e.g. anti-PD-1.")],
    paths: Annotated[int, typer.Option("--paths", "-p", min=1, help="Top paths to show.")] = 10,
    context: Annotated[str | None, typer.Option("--context", help="Use facts valid in this context.")] = None,
    store: StoreOpt = None,
    fmt: FormatOpt = "table",
) -> None:
    """Why a combination scores as it does: components, metapaths, and top paths with evidence.

    Metapath codes are spelled out in words; "shares" splits the score into its parts (docs/scoring.md).

    Example: tmekg explain NT5E anti-PD-1 --paths 5
    """
    from tmekg.graph import KnowledgeGraph
    from tmekg.queries.rank import explain as explain_combination
    from tmekg.queries.rank import resolve_context
    from tmekg.render import emit

    _check_format(fmt)
    _ensure_store(store, quiet=True)
    with KnowledgeGraph.open(store) as kg:
        doc = explain_combination(kg, target, immunotherapy, paths, context)
        if context and resolve_context(kg, context) != resolve_context(kg, "PDAC"):
            from tmekg.queries.context_diff import context_diff

            diff = context_diff(kg, target, immunotherapy, context, "PDAC", inherit=True)
            diff["paths"] = diff["paths"].head(paths).to_dict("records")
            doc["context_diff"] = diff
    doc["metapaths"] = doc["metapaths"].to_dict("records")
    if fmt == "json":
        typer.echo(json.dumps(doc, indent=2, ensure_ascii=False, default=str))
        return
    comp = doc["components"]
    typer.echo(
        f"{doc['target_symbol']} ({doc['target']}) + {doc['immunotherapy_class']}: score {doc['score']:.4g}\n"
        f"  mechanism {comp['mechanism']:.4g}, context {comp['context']:.3g}, harm {comp['harm']:.4g}, "
        f"modulation {'inhibition' if comp['modulation'] < 0 else 'activation'}; "
        f"drugs: {', '.join(doc['drugs']) or 'none known'}"
    )
    typer.echo("  shares of the score: " + ", ".join(f"{k} {v:.0%}" for k, v in doc["shares"].items()))
    where = ", ".join(c["cell_type"] for c in doc["location"]) or "no PDAC tumour or stromal cell type"
    typer.echo(f"  expressed in (context, not mechanism): {where}")
    if doc["own_target"]:
        typer.echo(
            f"  note: {doc['target_symbol']} is a target of {doc['immunotherapy_class']}'s own drugs, "
            "so it is not ranked as a partner of that class"
        )
    columns = ["metapath", "meaning", "contribution", "share"]
    emit(doc["metapaths"], columns, fmt, title="contribution by metapath")
    rows = [{**p, "evidence": _path_evidence(p["steps"])} for p in doc["paths"]]
    emit(rows, ["path", "metapath", "contribution", "share", "evidence"], fmt, title="top paths")
    if "context_diff" in doc:  # what the contextual facts changed against the primary tumour
        diff = doc["context_diff"]
        typer.echo(
            f"vs primary tumour (PDAC): {diff['baseline_components']['score']:.4g} -> "
            f"{diff['context_components']['score']:.4g} (delta {diff['delta']:+.4g})"
        )
        changed = [
            {**r, "contextual_edges": [e["edge"] for e in r["contextual_edges"]]} for r in diff["paths"]
        ]
        emit(changed, ["path", "delta", "change", "cause", "contextual_edges"], fmt, title="changed paths")
        facts = diff["contextual_edges"]
        emit(facts, ["edge", "contexts", "in_context", "evidence", "status"], fmt, title="contextual facts")


@app.command("paths")
@_domain_errors
def find_paths(
    source: Annotated[str, typer.Argument(help="From node (id, name or synonym).")],
    target: Annotated[str, typer.Argument(help="To node (id, name or synonym).")],
    max_length: Annotated[int, typer.Option("--max-length", "-k", min=1, max=4, help="Longest path.")] = 3,
    limit: Annotated[int, typer.Option("--limit", "-n", help="Rows to show.")] = 50,
    store: StoreOpt = None,
    fmt: FormatOpt = "table",
) -> None:
    """Paths between two nodes with their metapath and DWPC.

    Gene to immune effect: the scored (mechanism) paths first by contribution, then the rest by weight.

    Example: tmekg paths NT5E "CD8 T cell effector function" --max-length 3
    """
    from tmekg.graph import KnowledgeGraph
    from tmekg.queries.rank import paths as find

    _check_format(fmt)
    from tmekg.render import emit

    with KnowledgeGraph.open(store) as kg:
        table = find(kg, source, target, max_length, limit=limit)
    columns = ["kind", "metapath", "contribution", "dwpc", "path", "path_weight"]
    emit(table.to_dict("records"), columns, fmt, title="paths")


def _path_evidence(steps: list[dict[str, Any]]) -> list[str]:
    """A path's citations and GO annotations (``GO:... (code)``), over all of its steps."""
    return sorted({e for s in steps for e in (*s["evidence"], *s.get("annotations", ()))})


def _register_sub_apps() -> None:
    """Sub-commands that live in their own modules (each imports only typer at start-up)."""
    from tmekg.cli_crosstalk import crosstalk, study_app
    from tmekg.cli_export import export_app, sparql
    from tmekg.cli_neo4j import cypher, export_neo4j_import, neo4j_app

    export_app.command("neo4j-import")(export_neo4j_import)
    app.add_typer(export_app, name="export")
    app.add_typer(neo4j_app, name="neo4j")
    app.command("cypher")(cypher)
    from tmekg.cli_biomarkers import biomarkers, context_diff
    from tmekg.cli_profile import profile

    # short help spelled out: click cuts a docstring's first line at its first ". " ("et al. 2020")
    app.command("profile", short_help="Metabolic subtype and pathway activity scores of expression samples.")(
        profile
    )
    app.command("biomarkers")(biomarkers)
    app.command("context-diff")(context_diff)
    app.command("sparql")(sparql)
    app.command("crosstalk")(crosstalk)
    app.add_typer(study_app, name="study")


_register_sub_apps()


def main() -> None:
    """Entry point of the ``tmekg`` console script."""
    try:
        app()
    except TmekgError as exc:  # raised outside a command body (e.g. in a callback)
        print(f"error: {exc}", file=sys.stderr)
        raise SystemExit(1) from None


if __name__ == "__main__":
    main()
