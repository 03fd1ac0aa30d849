"""Turning library results into terminal output: tables (rich), TSV and JSON.

Kept apart from the CLI so that each command stays a thin call; imports rich lazily.
"""

from __future__ import annotations

import json
import sys
from collections.abc import Iterable, Sequence
from typing import Any, TextIO

FORMATS = ("table", "tsv", "json")


def emit(
    rows: Sequence[dict[str, Any]],
    columns: Sequence[str],
    fmt: str = "table",
    title: str | None = None,
    out: TextIO | None = None,
) -> None:
    """Write ``rows`` as a rich table, TSV (header + rows) or a JSON list."""
    out = out or sys.stdout
    if fmt == "json":
        out.write(json.dumps(list(rows), indent=2, ensure_ascii=False, default=str) + "\n")
    elif fmt == "tsv":
        out.write("\t".join(columns) + "\n")
        for row in rows:
            out.write("\t".join(_cell(row.get(c)) for c in columns) + "\n")
    else:
        table(rows, columns, title, out)


def table(rows: Iterable[dict[str, Any]], columns: Sequence[str], title: str | None, out: TextIO) -> None:
    """Print a rich table."""
    from rich.console import Console
    from rich.table import Table

    tab = Table(title=title, show_lines=False, header_style="bold")
    for column in columns:
        tab.add_column(column, overflow="fold")
    for row in rows:
        tab.add_row(*(_cell(row.get(c)) for c in columns))
    Console(file=out, width=160 if not out.isatty() else None).print(tab)


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
