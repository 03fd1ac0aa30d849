"""Turning library results into terminal output: tables (rich), TSV and JSON.

Kept apart from the CLI so that each command stays a thin call; imports rich lazily.

Text from the store or from input files (node names, synonyms, error messages quoting a file) may
hold control characters: ESC/CSI sequences that recolour or retitle the terminal, OSC 8 links, BEL,
carriage returns that overwrite a line, or bidirectional overrides that reorder what is shown. None of
them reaches the terminal: :func:`terminal_safe` writes them visibly escaped (``\\x1b``, ``\\u202e``)
in tables, TSV and messages; JSON keeps the data exactly (``\\u001b`` escapes, which JSON readers
decode back); rich markup in data (``[red]``) is printed literally.
"""

from __future__ import annotations

import json
import os
import re
import sys
from collections.abc import Iterable, Mapping, Sequence
from typing import Any, TextIO

FORMATS = ("table", "tsv", "json")
# C0 controls but tab and newline, DEL, C1 controls, bidirectional marks, embeddings and isolates
_UNSAFE = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069]")
_JSON_UNSAFE = re.compile("[\x7f-\x9f\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069]")  # json escapes C0


def terminal_safe(text: str) -> str:
    r"""``text`` with every control character written as a visible escape (tab and newline kept).

    >>> terminal_safe("lactate\x1b]0;owned\x07 \u202eevil")
    'lactate\\x1b]0;owned\\x07 \\u202eevil'
    """
    return _UNSAFE.sub(_escape, text)


def _escape(match: re.Match[str]) -> str:
    code = ord(match.group())
    return f"\\x{code:02x}" if code < 0x100 else f"\\u{code:04x}"


def dumps_json(doc: Any, **kwargs: Any) -> str:
    r"""JSON text that is safe on a terminal and decodes to exactly ``doc`` (UTF-8 kept).

    >>> dumps_json({"name": "a\x1b[31m\x9b"})
    '{"name": "a\\u001b[31m\\u009b"}'
    """
    text = json.dumps(doc, ensure_ascii=False, **kwargs)
    return _JSON_UNSAFE.sub(lambda m: f"\\u{ord(m.group()):04x}", text)


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
        out.write(dumps_json(list(rows), indent=2, default=str) + "\n")
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
    from rich.text import Text

    tab = Table(title=_plain(title), show_lines=False, header_style="bold")
    for column in columns:
        tab.add_column(_plain(column), overflow="fold")
    for row in rows:
        tab.add_row(*(Text(_cell(row.get(c))) for c in columns))
    _console(out).print(tab)


def _plain(text: str | None) -> Any:
    """Rich text shown literally (no markup), control characters escaped."""
    from rich.text import Text

    return None if text is None else Text(terminal_safe(text))


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
    tab = Table(title=_plain(title), header_style="bold", box=box.SIMPLE_HEAD, padding=0, show_edge=False)
    for name, limit in zip(names, limits, strict=True):
        tab.add_column(_plain(name), no_wrap=True, overflow="ellipsis", max_width=limit)
    for line in cells:
        tab.add_row(*map(_plain, line))
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
        return terminal_safe(";".join(str(v) for v in value).replace("\t", " ").replace("\n", " "))
    if isinstance(value, float):
        return f"{value:.6g}"
    return terminal_safe(str(value).replace("\t", " ").replace("\n", " "))


def console(err: bool = True, quiet: bool = False) -> Any:
    """A rich console on stderr (progress and messages never pollute stdout)."""
    from rich.console import Console

    return Console(stderr=err, quiet=quiet)
