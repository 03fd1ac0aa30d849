"""Profile tables: non-finite and out-of-range values are errors before they can decide the scale;
bad bytes and truncation are located errors (tmekg.io.read_frame)."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from tmekg.queries.profile import ProfileError, detect_scale, read_expression

COHORT = Path(__file__).resolve().parent / "fixtures" / "profile" / "cohort.tsv"


def _with(tmp_path: Path, row: str, column: str, value: str) -> Path:
    frame = pd.read_csv(COHORT, sep="\t", index_col=0, dtype=str)
    frame.loc[row, column] = value
    path = tmp_path / "expr.tsv"
    frame.to_csv(path, sep="\t")
    return path


def test_fixture_is_log_scaled() -> None:
    assert read_expression(COHORT).scale == "log"


@pytest.mark.parametrize("value", ["inf", "-inf", "1e308", "Infinity"])
def test_one_bad_value_is_an_error_not_a_scale_switch(tmp_path: Path, value: str) -> None:
    frame = pd.read_csv(COHORT, sep="\t", index_col=0)
    row, column = frame.index[3], frame.columns[1]
    with pytest.raises(ProfileError) as info:
        read_expression(_with(tmp_path, row, column, value))
    # data row 4 is physical line 5; row and column are named
    assert f"expr.tsv:5: row '{row}', column '{column}'" in str(info.value)
    assert ("not finite" in str(info.value)) == ("e308" not in value)


def test_detect_scale_refuses_non_finite_values() -> None:
    with pytest.raises(ProfileError, match="finite"):
        detect_scale(np.array([[1.0, np.inf], [2.0, 3.0]]))


def test_latin1_byte_in_a_sample_name(tmp_path: Path) -> None:
    data = COHORT.read_bytes().split(b"\n")
    data[7] = data[7].replace(b"\t", b"\xe9\t", 1)
    path = tmp_path / "expr.tsv"
    path.write_bytes(b"\n".join(data))
    with pytest.raises(ProfileError, match=r"expr\.tsv:8: not valid UTF-8: byte 0xe9"):
        read_expression(path)


def test_table_cut_mid_line(tmp_path: Path) -> None:
    text = COHORT.read_text(encoding="utf-8").rstrip("\n")
    path = tmp_path / "expr.tsv"
    path.write_text(text.rsplit("\t", 3)[0], encoding="utf-8")  # last line loses its last three values
    with pytest.raises(ProfileError, match=r"the file ends mid-line"):
        read_expression(path)


def test_a_directory_named_like_the_table(tmp_path: Path) -> None:
    (tmp_path / "expr.tsv").mkdir()
    with pytest.raises(ProfileError, match=r"expr\.tsv: is a directory"):
        read_expression(tmp_path / "expr.tsv")
