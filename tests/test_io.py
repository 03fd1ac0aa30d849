"""tmekg.io: located decoding errors, bounded lines, truncation, unreadable paths, the rows ledger."""

from __future__ import annotations

import gzip
import os
import tracemalloc
from pathlib import Path

import pytest

from tmekg import io as tio
from tmekg.errors import LoaderError


def rows(path: Path, **kwargs) -> list[tuple[int, dict[str, str]]]:
    return list(tio.read_table(path, **kwargs))


def test_latin1_byte_reports_its_real_line_and_column(tmp_path: Path) -> None:
    # 3000 lines of 8 bytes = 24 KB: the bad byte sits far past the first 8 KiB decoding chunk
    body = b"".join(b"g%05d\t1\n" % i for i in range(2998))
    path = tmp_path / "t.tsv"
    path.write_bytes(b"name\tvalue\n" + body + b"caf\xe9\t2\n")
    with pytest.raises(LoaderError) as info:
        rows(path)
    assert info.value.line == 3000 and "byte 0xe9 at column 4" in str(info.value)
    assert str(info.value).startswith(f"{path}:3000: not valid UTF-8")


def test_latin1_byte_in_a_gzipped_file(tmp_path: Path) -> None:
    path = tmp_path / "t.tsv.gz"
    path.write_bytes(gzip.compress(b"a\tb\n1\t2\n3\t\xff\n"))
    with pytest.raises(LoaderError, match=r"t\.tsv\.gz:3: not valid UTF-8: byte 0xff at column 3"):
        rows(tmp_path / "t.tsv")


@pytest.mark.parametrize("encoding", ["utf-16", "utf-16-be"])
def test_utf16_file_is_named_as_such(tmp_path: Path, encoding: str) -> None:
    path = tmp_path / "t.csv"
    path.write_bytes("a,b\n1,2\n".encode(encoding))  # "utf-16" writes a BOM, "utf-16-be" does not
    with pytest.raises(LoaderError, match=r"t\.csv:1: (UTF-16 little-endian text|NUL byte at column 1)"):
        rows(path, delimiter=",")


def test_utf8_bom_is_stripped(tmp_path: Path) -> None:
    path = tmp_path / "t.csv"
    path.write_bytes(b"\xef\xbb\xbfid,name\nX,y\n")
    assert rows(path, delimiter=",", required=("id",)) == [(2, {"id": "X", "name": "y"})]


def test_field_over_128_kib_is_read(tmp_path: Path) -> None:
    path = tmp_path / "t.csv"
    big = "x" * 300_000
    path.write_text(f'id,text\n1,"{big}"\n2,{big}\n', encoding="utf-8")
    assert [len(r["text"]) for _, r in rows(path, delimiter=",")] == [300_000, 300_000]


def test_over_long_line_is_an_error_read_in_bounded_memory(tmp_path: Path, monkeypatch) -> None:
    monkeypatch.setattr(tio, "MAX_LINE_BYTES", 1 << 20)
    path = tmp_path / "t.tsv"
    with path.open("wb") as handle:
        handle.write(b"a\tb\n1\t2\n")
        for _ in range(32):  # one 32 MiB line
            handle.write(b"y" * (1 << 20))
    tracemalloc.start()
    try:
        with pytest.raises(LoaderError, match=r"t\.tsv:3: line longer than 1 MiB"):
            rows(path)
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert peak < 8 << 20  # at most a few copies of the 1 MiB limit, never the 32 MiB line


def test_multi_line_quoted_field_over_the_limit(tmp_path: Path, monkeypatch) -> None:
    monkeypatch.setattr(tio, "MAX_LINE_BYTES", 1 << 20)
    path = tmp_path / "t.csv"
    line = "z" * 1000 + "\n"
    path.write_text('a,b\n1,"' + line * 1100 + '"\n', encoding="utf-8")
    with pytest.raises(LoaderError, match=r"field longer than 1 MiB"):
        rows(path, delimiter=",")


def test_open_quote_at_end_of_file(tmp_path: Path) -> None:
    path = tmp_path / "markers.csv"
    path.write_text('gene,cluster\nA,"iCAF\nB,myCAF\n', encoding="utf-8")
    with pytest.raises(
        LoaderError, match=r"markers\.csv:3: the file ends inside a quoted field opened on line 2"
    ):
        rows(path, delimiter=",")


def test_short_rows_padded_only_when_the_line_is_complete(tmp_path: Path) -> None:
    path = tmp_path / "metabolites.tsv"
    path.write_text("id\tname\txref\nm1\tATP\nm2\tADP\tx\n", encoding="utf-8")
    assert [r["xref"] for _, r in rows(path, pad_short=True)] == ["", "x"]
    path.write_text("id\tname\txref\nm1\tATP\t\nm2\tAD", encoding="utf-8")  # cut mid-line
    with pytest.raises(
        LoaderError, match=r"metabolites\.tsv:3: expected 3 fields, found 2 \(the file ends mid"
    ):
        rows(path, pad_short=True)


def test_complete_last_line_without_newline_is_fine(tmp_path: Path) -> None:
    path = tmp_path / "t.tsv"
    path.write_text("a\tb\n1\t2", encoding="utf-8")
    assert rows(path) == [(2, {"a": "1", "b": "2"})]


def test_directory_where_a_file_is_expected(tmp_path: Path) -> None:
    (tmp_path / "t.tsv").mkdir()
    with pytest.raises(LoaderError, match=r"t\.tsv: is a directory, expected a file"):
        rows(tmp_path / "t.tsv")
    with pytest.raises(LoaderError, match="is a directory"):
        tio.read_bytes(tmp_path / "t.tsv")


@pytest.mark.skipif(hasattr(os, "geteuid") and os.geteuid() == 0, reason="root reads chmod-000 files")
def test_unreadable_file(tmp_path: Path) -> None:
    path = tmp_path / "t.tsv"
    path.write_text("a\n1\n", encoding="utf-8")
    path.chmod(0)
    try:
        with pytest.raises(LoaderError, match=r"t\.tsv: permission denied"):
            rows(path)
    finally:
        path.chmod(0o644)


def test_truncated_gzip(tmp_path: Path) -> None:
    data = gzip.compress(b"a\tb\n" + b"1\t2\n" * 5000)
    (tmp_path / "t.tsv.gz").write_bytes(data[: len(data) // 2])
    with pytest.raises(LoaderError, match=r"t\.tsv\.gz:\d+: truncated or corrupt gzip file"):
        rows(tmp_path / "t.tsv")


def test_not_gzip_at_all(tmp_path: Path) -> None:
    (tmp_path / "t.tsv.gz").write_bytes(b"plain text, not gzip\n")
    with pytest.raises(LoaderError, match=r"t\.tsv\.gz:1: truncated or corrupt gzip file"):
        rows(tmp_path / "t.tsv")


def test_nul_byte_names_line_and_column(tmp_path: Path) -> None:
    path = tmp_path / "t.tsv"
    path.write_bytes(b"a\tb\n1\t2\n3\tx\x00y\n")
    with pytest.raises(LoaderError, match=r"t\.tsv:3: NUL byte at column 4"):
        rows(path)


def test_ledger_counts_data_rows_of_files_read_to_the_end(tmp_path: Path) -> None:
    table, lines = tmp_path / "t.tsv", tmp_path / "l.txt"
    table.write_text("# comment\na\tb\n1\t2\n\n3\t4\n", encoding="utf-8")
    lines.write_text("!header\nx\ny\n", encoding="utf-8")
    with tio.file_ledger() as ledger:
        rows(table, comment="#")
        with tio.open_text(lines) as handle:
            handle.readline()  # a peek does not count: the file was not read to its end
        with tio.open_text(lines) as handle:
            assert handle.read() == "!header\nx\ny\n"
    assert ledger == {str(table): 2, str(lines): 2}
