"""`tmekg conflicts`: contradictions in the graph (opposite signs for one fact); the --min-grade option."""

from pathlib import Path
from typing import Annotated

import typer

from tmekg.cli.common import FormatOpt, StoreOpt
from tmekg.cli.common import check_format as _check_format
from tmekg.cli.common import domain_errors as _domain_errors

MinGradeOpt = Annotated[
    str | None,
    typer.Option(
        "--min-grade",
        help="Use only edges of this evidence grade or better: A (human PDAC clinical / ex vivo) ... "
        "E (computational prediction); docs/evidence-grades.md. Its null is cached separately.",
    ),
]

CONFLICT_HEADERS = {"positive_grade": "grade+", "negative_grade": "grade-"}
CONFLICT_SHRINK = ("family", "positive", "negative", "sources", "targets")


@_domain_errors
def conflicts(
    source: Annotated[
        str | None,
        typer.Option("--source", help="Only contradictions one of whose sides this source states."),
    ] = None,
    impact: Annotated[
        str | None,
        typer.Option(
            "--impact",
            help="Order by how much this immunotherapy class's scores rest on each contradiction "
            "(adds the 'moves' column and the targets most affected; slower).",
        ),
    ] = None,
    top: Annotated[int, typer.Option("--top", "-n", help="Rows to show (0 = all).")] = 0,
    store: StoreOpt = None,
    fmt: FormatOpt = "table",
) -> None:
    """Contradictions: the same fact stated with opposite signs, both sides with their grades.

    A contradiction is one subject, predicate family and object stated with opposite signs
    (increases / decreases, activates / inhibits, agonist / inhibitor) by different rows or sources.
    Both edges stay in the graph; a pair scores as the grade-weighted signed sum of its sides ('net').

    Example: tmekg conflicts --source tmekg-curated
    """
    _conflicts(source, impact, top, store, fmt)


def _conflicts(source: str | None, impact: str | None, top: int, store: Path | None, fmt: str) -> None:
    from tmekg.graph import KnowledgeGraph
    from tmekg.queries.conflicts import CONFLICT_COLUMNS, conflict_rows
    from tmekg.render import emit

    _check_format(fmt)
    with KnowledgeGraph.open(store) as kg:
        rows = conflict_rows(kg, source)
        columns = list(CONFLICT_COLUMNS)
        if impact:
            rows = _with_impact(kg, rows, impact)
            columns = [*columns, "moves", "targets"]
    if fmt != "json":
        rows = [{k: v for k, v in r.items() if k != "sides"} for r in rows]
    shown = rows[:top] if top else rows
    emit(shown, columns, fmt, title="contradictions", headers=CONFLICT_HEADERS, shrink=CONFLICT_SHRINK)


def _with_impact(kg, rows: list[dict], immunotherapy: str) -> list[dict]:
    from tmekg.errors import TmekgError
    from tmekg.queries.conflicts import conflict_moves
    from tmekg.queries.rank import make_scorer

    scorer = make_scorer(kg)
    if immunotherapy not in scorer.classes:
        raise TmekgError(
            f"unknown immunotherapy class '{immunotherapy}' (present: {', '.join(scorer.classes)})"
        )
    moves = conflict_moves(scorer, scorer.classes.index(immunotherapy))
    by_key = {(m["conflict"]["subject"], m["conflict"]["family"], m["conflict"]["object"]): m for m in moves}
    out = []
    for row in rows:
        found = by_key.get((row["subject_id"], row["family"], row["object_id"]))
        targets = "; ".join(f"{name} {value:+.3g}" for name, value in found["targets"]) if found else ""
        out.append({**row, "moves": round(found["moves"], 6) if found else 0.0, "targets": targets})
    return sorted(out, key=lambda r: -r["moves"])
