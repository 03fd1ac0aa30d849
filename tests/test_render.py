"""tmekg.render: the fitted table view (one line per row, long cells cut with an ellipsis)."""

from __future__ import annotations

import io

import pytest

from tmekg.render import emit, fit_widths


def test_fit_widths_gives_narrow_columns_their_width_and_the_rest_to_wide_ones() -> None:
    names = ["rank", "drugs", "top_path"]
    cells = [["1", "abc", "x" * 100]]
    # room = 40 - 2 separators - 4 (rank) = 34: drugs keeps its 5 ("drugs" header), top_path gets 29
    assert fit_widths(names, cells, [False, True, True], 40) == [None, None, 29]
    assert fit_widths(names, [["1", "d" * 50, "p" * 50]], [False, True, True], 40) == [None, 17, 17]
    assert fit_widths(names, cells, [False, True, True], 200) == [None, None, None]  # fits: no limit


def test_fitted_table_at_80_columns_cuts_cells_with_an_ellipsis(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("COLUMNS", "80")
    rows = [
        {
            "rank": 1,
            "target_symbol": "ARG1",
            "drugs": "numidargistat;" * 5,
            "top_path": "ARG1 -> T cell " * 9,
        },
        {"rank": 2, "target_symbol": "NT5E", "drugs": "oleclumab", "top_path": "NT5E -> adenosine"},
    ]
    out = io.StringIO()
    columns = ["rank", "target_symbol", "drugs", "top_path"]
    emit(rows, columns, "table", out=out, headers={"target_symbol": "target"}, shrink=("drugs", "top_path"))
    lines = out.getvalue().rstrip("\n").splitlines()
    assert len(lines) == 4  # header, rule, one line per row: nothing wraps
    assert lines[0].split() == ["rank", "target", "drugs", "top_path"]
    assert all(len(line) <= 80 for line in lines)
    # room 80 - 3 separators - 4 (rank) - 6 (target) = 67: drugs (70 wide) gets 33, top_path the other 34
    assert lines[2].split()[2] == "numidargistat;numidargistat;numi…"
    assert lines[2].endswith("ARG1 -> T cell ARG1 -> T cell ARG…") and len(lines[2]) == 80
    assert lines[3].split() == ["2", "NT5E", "oleclumab", "NT5E", "->", "adenosine"]
