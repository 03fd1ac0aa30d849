"""`tmekg rank`, `explain`, `paths`: the combination ranking and why it ranks as it does."""

from pathlib import Path
from typing import Annotated, Any

import typer
from typer.core import TyperCommand

from tmekg.cli.common import FormatOpt, StoreOpt
from tmekg.cli.common import check_format as _check_format
from tmekg.cli.common import domain_errors as _domain_errors
from tmekg.cli.common import echo as _echo
from tmekg.cli.common import echo_json as _echo_json
from tmekg.cli.conflicts import MinGradeOpt
from tmekg.cli.profile import SampleOpt


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


RANK_HEADERS = {"target_symbol": "target", "immunotherapy_class": "immunotherapy"}


RANK_SHRINK = ("drugs", "top_path", "why")


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
    min_grade: MinGradeOpt = None,
    store: StoreOpt = None,
    fmt: FormatOpt = "table",
    quiet: Annotated[bool, typer.Option("--quiet", "-q", help="No progress output.")] = False,
) -> None:
    """Rank metabolic target x immunotherapy combinations by signed path analysis.

    The contested column is the share of a row's mechanism carried by paths over a contested edge
    (a fact stated with both signs: tmekg conflicts).

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
        if sample and min_grade:
            from tmekg.errors import TmekgError

            raise TmekgError("--min-grade cannot be combined with --sample")
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
                min_grade=min_grade,
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


class WithMetapathGlossary(TyperCommand):
    """A command whose help ends with the metapath abbreviations, generated from the schema when shown."""

    @property
    def help(self) -> str | None:
        from tmekg.queries.metapaths import legend
        from tmekg.schema import load_schema

        return f"{self._help}\n\n{legend(load_schema())}" if self._help else self._help

    @help.setter
    def help(self, value: str | None) -> None:
        self._help = value


@_domain_errors
def explain(
    target: Annotated[str, typer.Argument(help="Target gene (symbol, id or synonym).")],
    immunotherapy: Annotated[str, typer.Argument(help="Immunotherapy class, e.g. anti-PD-1.")],
    paths: Annotated[int, typer.Option("--paths", "-p", min=1, help="Top paths to show.")] = 10,
    context: Annotated[str | None, typer.Option("--context", help="Use facts valid in this context.")] = None,
    min_grade: MinGradeOpt = None,
    store: StoreOpt = None,
    fmt: FormatOpt = "table",
) -> None:
    """Why a combination scores as it does: components, metapaths, and top paths with evidence.

    Each path lists the evidence grade of its steps (A best ... E); 'contested' marks a path over a
    fact stated with both signs (tmekg conflicts).

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
        doc = explain_combination(kg, target, immunotherapy, paths, context, min_grade=min_grade)
        if context and resolve_context(kg, context) != resolve_context(kg, "PDAC"):
            from tmekg.queries.context_diff import context_diff

            diff = context_diff(kg, target, immunotherapy, context, "PDAC", inherit=True)
            diff["paths"] = diff["paths"].head(paths).to_dict("records")
            doc["context_diff"] = diff
    doc["metapaths"] = doc["metapaths"].to_dict("records")
    if fmt == "json":
        _echo_json(doc, indent=2, default=str)
        return
    comp = doc["components"]
    _echo(
        f"{doc['target_symbol']} ({doc['target']}) + {doc['immunotherapy_class']}: score {doc['score']:.4g}\n"
        f"  mechanism {comp['mechanism']:.4g}, context {comp['context']:.3g}, harm {comp['harm']:.4g}, "
        f"modulation {'inhibition' if comp['modulation'] < 0 else 'activation'}; "
        f"drugs: {', '.join(doc['drugs']) or 'none known'}"
    )
    _echo("  shares of the score: " + ", ".join(f"{k} {v:.0%}" for k, v in doc["shares"].items()))
    where = ", ".join(c["cell_type"] for c in doc["location"]) or "no PDAC tumour or stromal cell type"
    _echo(f"  expressed in (context, not mechanism): {where}")
    if doc["own_target"]:
        _echo(
            f"  note: {doc['target_symbol']} is a target of {doc['immunotherapy_class']}'s own drugs, "
            "so it is not ranked as a partner of that class"
        )
    columns = ["metapath", "meaning", "contribution", "share"]
    emit(doc["metapaths"], columns, fmt, title="contribution by metapath")
    if doc["contested"]:
        _echo(f"  contested: {doc['contested']:.0%} of the mechanism rests on paths over a contested edge")
    rows = [{**p, **_path_flags(p), "evidence": _path_evidence(p["steps"])} for p in doc["paths"]]
    columns = [
        "path",
        "metapath",
        "contribution",
        "share",
        "sender",
        "receiver",
        "grades",
        "contested",
        "evidence",
    ]
    emit(rows, columns, fmt, title="top paths")
    if "context_diff" in doc:  # what the contextual facts changed against the primary tumour
        diff = doc["context_diff"]
        _echo(
            f"vs primary tumour (PDAC): {diff['baseline_components']['score']:.4g} -> "
            f"{diff['context_components']['score']:.4g} (delta {diff['delta']:+.4g})"
        )
        changed = [
            {**r, "contextual_edges": [e["edge"] for e in r["contextual_edges"]]} for r in diff["paths"]
        ]
        emit(changed, ["path", "delta", "change", "cause", "contextual_edges"], fmt, title="changed paths")
        facts = diff["contextual_edges"]
        emit(facts, ["edge", "contexts", "in_context", "evidence", "status"], fmt, title="contextual facts")


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


def _path_flags(path: dict[str, Any]) -> dict[str, str]:
    """Each path step's grade (``C>D``: the best of the step's edges, ``-`` ungraded) and whether the
    path is contested."""
    grades = ">".join(grade or "-" for grade in path.get("grades", ()))
    return {"grades": grades, "contested": "contested" if path.get("contested") else ""}


def _path_evidence(steps: list[dict[str, Any]]) -> list[str]:
    """A path's citations and GO annotations (``GO:... (code)``), over all of its steps."""
    return sorted({e for s in steps for e in (*s["evidence"], *s.get("annotations", ()))})
