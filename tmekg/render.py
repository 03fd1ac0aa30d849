"""Turning library results into terminal output: tables (rich), TSV and JSON.

Kept apart from the CLI so that each command stays a thin call; imports rich lazily.
"""

from __future__ import annotations

import json
import os
import sys
from collections.abc import Iterable, Mapping, Sequence
from typing import Any, TextIO

FORMATS = ("table", "tsv", "json")


def emit(
    rows: Sequence[dict[str, Any]],
    columns: Sequence[str],
    fmt: str = "table",
    title: str | None = None,
    out: TextIO | None = None,
    headers: Mapping[str, str] | None = None,
    shrink: Sequence[str] = (),
) -> None:
    """Write ``rows`` as a rich table, TSV (header + rows) or a JSON list.

    ``headers`` renames columns in the table view only; ``shrink`` names the columns whose cells are
    cut with an ellipsis so that the table fits the terminal (a compact layout, one line per row)
    instead of wrapping. TSV and JSON always keep every column and full values.
    """
    out = out or sys.stdout
    if fmt == "json":
        out.write(json.dumps(list(rows), indent=2, ensure_ascii=False, default=str) + "\n")
    elif fmt == "tsv":
        out.write("\t".join(columns) + "\n")
        for row in rows:
            out.write("\t".join(_cell(row.get(c)) for c in columns) + "\n")
    elif shrink:
        fitted_table(rows, columns, title, out, headers or {}, shrink)
    else:
        table(rows, columns, title, out)


def _console(out: TextIO) -> Any:
    """A console on ``out``: the terminal's width (or ``$COLUMNS``), else 160 columns for files and pipes."""
    from rich.console import Console

    return Console(file=out, width=None if out.isatty() or os.environ.get("COLUMNS") else 160)


def table(rows: Iterable[dict[str, Any]], columns: Sequence[str], title: str | None, out: TextIO) -> None:
    """Print a rich table."""
    from rich.table import Table

    tab = Table(title=title, show_lines=False, header_style="bold")
    for column in columns:
        tab.add_column(column, overflow="fold")
    for row in rows:
        tab.add_row(*(_cell(row.get(c)) for c in columns))
    _console(out).print(tab)


def fitted_table(
    rows: Iterable[dict[str, Any]],
    columns: Sequence[str],
    title: str | None,
    out: TextIO,
    headers: Mapping[str, str],
    shrink: Sequence[str],
) -> None:
    """Print a compact one-line-per-row table that fits the console, cutting ``shrink`` cells with "…"."""
    from rich import box
    from rich.table import Table

    cells = [[_cell(row.get(c)) for c in columns] for row in rows]
    names = [headers.get(c, c) for c in columns]
    con = _console(out)
    limits = fit_widths(names, cells, [c in shrink for c in columns], con.width)
    tab = Table(title=title, header_style="bold", box=box.SIMPLE_HEAD, padding=0, show_edge=False)
    for name, limit in zip(names, limits, strict=True):
        tab.add_column(name, no_wrap=True, overflow="ellipsis", max_width=limit)
    for line in cells:
        tab.add_row(*line)
    con.print(tab)


def fit_widths(
    names: Sequence[str], cells: Sequence[Sequence[str]], shrink: Sequence[bool], width: int
) -> list:
    """Widest allowed cell per column so that the row fits ``width`` (``None`` = as wide as needed).

    Columns not in ``shrink`` keep their natural width; the room left (one space between columns) is
    shared fairly by the ``shrink`` columns: a narrow one keeps its natural width and what it does
    not need goes to the wider ones (at least 8 each).
    """
    natural = [max([len(n), *(len(line[i]) for line in cells)]) for i, n in enumerate(names)]
    room = width - (len(names) - 1) - sum(w for w, s in zip(natural, shrink, strict=True) if not s)
    limits: list[int | None] = [None] * len(names)
    todo = sorted((natural[i], i) for i, s in enumerate(shrink) if s)
    for k, (wanted, i) in enumerate(todo):
        share = max(8, room // (len(todo) - k))
        if wanted > share:
            limits[i] = share
        room -= min(wanted, share)
    return limits


def _cell(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, (list, tuple)):
        return ";".join(str(v) for v in value)
    if isinstance(value, float):
        return f"{value:.6g}"
    return str(value).replace("\t", " ").replace("\n", " ")


def console(err: bool = True, quiet: bool = False) -> Any:
    """A rich console on stderr (progress and messages never pollute stdout)."""
    from rich.console import Console

    return Console(stderr=err, quiet=quiet)
