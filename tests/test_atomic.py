"""tmekg.atomic: exports are written whole or not at all; disk and permission failures are one line."""

from __future__ import annotations

import builtins
import errno
import os
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from tmekg.atomic import WriteError, atomic_open, write_text
from tmekg.cli import app
from tmekg.pipeline import build_store

runner = CliRunner()
EXPORTS = {  # command -> the file it writes inside the output folder ("" = the output itself)
    "html": ("export", "html", "out.html"),
    "kgx": ("export", "kgx", "kgx"),
    "neo4j-import": ("export", "neo4j-import", "import"),
}


class _FullDisk:
    """A file whose writes stop half-way with ENOSPC, as on a full disk."""

    def __init__(self, real: Any) -> None:
        self.real = real

    def write(self, data: Any) -> int:
        self.real.write(data[: len(data) // 2])
        raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))

    def __getattr__(self, name: str) -> Any:
        return getattr(self.real, name)

    def __enter__(self) -> _FullDisk:
        return self

    def __exit__(self, *exc: object) -> None:
        self.real.close()


def _full_disk(*args: Any, **kwargs: Any) -> _FullDisk:
    return _FullDisk(builtins.open(*args, **kwargs))


def _denied(file: Any, *args: Any, **kwargs: Any) -> Any:
    raise PermissionError(errno.EACCES, os.strerror(errno.EACCES), str(file))


@pytest.fixture(scope="module")
def store(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("atomic") / "store"
    build_store(store=root, kb=Path(__file__).parent / "fixtures" / "kb_small")
    return root


def _files(folder: Path) -> dict[str, bytes]:
    return {str(p.relative_to(folder)): p.read_bytes() for p in sorted(folder.rglob("*")) if p.is_file()}


@pytest.mark.parametrize("failure", [_full_disk, _denied], ids=["ENOSPC", "EACCES"])
@pytest.mark.parametrize("kind", list(EXPORTS))
def test_failed_export_leaves_previous_files_and_no_temp_file(
    store: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, kind: str, failure: Any
) -> None:
    group, command, name = EXPORTS[kind]
    out = tmp_path / "out" / name
    assert runner.invoke(app, [group, command, str(out), "--store", str(store)]).exit_code == 0
    before = _files(tmp_path / "out")
    monkeypatch.setattr("tmekg.atomic.open", failure, raising=False)
    result = runner.invoke(app, [group, command, str(out), "--store", str(store)])
    assert result.exit_code == 1, result.output
    reason = "No space left on device" if failure is _full_disk else "Permission denied"
    assert result.output.startswith("error: cannot write ") and reason in result.output
    assert result.output.count("\n") == 1 and "Traceback" not in result.output
    assert _files(tmp_path / "out") == before  # old files intact, no .tmp left


def test_output_that_is_a_folder_or_under_a_file(tmp_path: Path) -> None:
    (tmp_path / "dir.html").mkdir()
    with pytest.raises(WriteError, match=r"cannot write .*dir\.html: Is a directory"):
        write_text(tmp_path / "dir.html", "x")
    (tmp_path / "file").write_text("x")
    with pytest.raises(WriteError, match=r"file is a file, not a folder"):
        write_text(tmp_path / "file" / "out.html", "x")
    assert sorted(p.name for p in tmp_path.iterdir()) == ["dir.html", "file"]


def test_interrupt_keeps_the_old_file(tmp_path: Path) -> None:
    out = write_text(tmp_path / "a.tsv", "old\n")
    with pytest.raises(KeyboardInterrupt), atomic_open(out) as handle:
        handle.write("new, half")
        raise KeyboardInterrupt
    assert out.read_text() == "old\n" and [p.name for p in tmp_path.iterdir()] == ["a.tsv"]


def test_cli_turns_machine_errors_into_one_line(store: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """An OSError of the machine raised anywhere under a command (here: reading the store) is one line."""

    def unreadable(*args: Any, **kwargs: Any) -> Any:
        raise OSError(errno.EIO, os.strerror(errno.EIO), "/dev/broken")

    monkeypatch.setattr("tmekg.graph.KnowledgeGraph.open", unreadable)
    result = runner.invoke(app, ["stats", "--store", str(store)])
    assert result.exit_code == 1 and result.output == "error: Input/output error: /dev/broken\n"
