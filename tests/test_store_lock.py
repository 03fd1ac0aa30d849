"""tmekg.store_lock: one writer per store, refused before any work, with real concurrent processes."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import textwrap
from collections.abc import Iterator
from pathlib import Path

import pytest

from tmekg.errors import StoreError
from tmekg.graph import KnowledgeGraph
from tmekg.pipeline import build_store
from tmekg.store_lock import store_lock

HOLD = textwrap.dedent(
    """
    import sys
    from tmekg.store_lock import store_lock
    with store_lock(sys.argv[1], "tmekg study load held-by-test"):
        print("locked", flush=True)
        sys.stdin.read()  # hold the lock until the test closes stdin
    """
)


def _env(tmp_path: Path) -> dict[str, str]:
    """The caller's environment without TMEKG_* and with a private user data dir."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("TMEKG_")}
    env["XDG_DATA_HOME"] = str(tmp_path / "xdg")
    return env


def _tmekg(tmp_path: Path, *args: str) -> subprocess.Popen:
    cmd = [sys.executable, "-m", "tmekg", *args]
    # cwd outside the repo: from the repo root `-m tmekg` would import the source folder tmekg/, which
    # lacks tmekg.loaders (mapped from loaders/ only by the installed package)
    return subprocess.Popen(
        cmd, env=_env(tmp_path), cwd=tmp_path, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True
    )


def _tree(root: Path) -> dict[str, bytes]:
    return {str(p.relative_to(root)): p.read_bytes() for p in sorted(root.rglob("*")) if p.is_file()}


@pytest.fixture()
def held(tmp_path: Path) -> Iterator[Path]:
    """A tiny store whose write lock another process holds for the duration of the test."""
    store = tmp_path / "store"
    build_store(store=store, kb=Path(__file__).parent / "fixtures" / "kb_small")
    holder = subprocess.Popen(
        [sys.executable, "-c", HOLD, str(store)],
        env=_env(tmp_path),
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
    )
    assert holder.stdout.readline().strip() == "locked"
    try:
        yield store
    finally:
        holder.stdin.close()
        holder.wait(timeout=60)


def test_build_is_refused_before_it_loads_anything(held: Path, tmp_path: Path) -> None:
    before = _tree(held)
    said: list[str] = []
    with pytest.raises(StoreError, match=r"another tmekg process .*pid \d+, tmekg study load held-by-test"):
        build_store(store=held, kb=Path(__file__).parent / "fixtures" / "kb_small", progress=said.append)
    assert said == []  # refused before "loading tmekg-curated"
    assert _tree(held) == before


def test_cli_build_and_study_commands_are_refused_in_one_line(
    held: Path, tmp_path: Path, fixtures: Path
) -> None:
    before = _tree(held)
    study = fixtures / "study" / "crosstalk_pseudobulk.csv"
    mapping = ["--map", str(fixtures / "study" / "celltype_map.yaml"), "--map-name", "demo"]
    commands = [
        ["build", "--store", str(held), "--kb", str(fixtures / "kb_small")],
        ["study", "load", str(study), "-f", "pseudobulk", "--study-id", "TMEKG:study.a", *mapping],
        ["study", "remove", "TMEKG:study.a", "--store", str(held)],
    ]
    commands[1] += ["--store", str(held)]
    for args in commands:
        proc = _tmekg(tmp_path, *args)
        out, err = proc.communicate(timeout=120)
        assert proc.returncode == 1, (args, out, err)
        assert err.count("\n") == 1 and err.startswith("error: another tmekg process"), err
        assert "Traceback" not in err
    assert _tree(held) == before


def test_lock_is_reentrant_in_one_process_and_released(tmp_path: Path) -> None:
    with store_lock(tmp_path / "s", "outer"), store_lock(tmp_path / "s", "inner"):
        assert "outer" in (tmp_path / "s" / ".lock").read_text()
    assert (tmp_path / "s" / ".lock").read_text() == ""  # idle lock file: empty
    with store_lock(tmp_path / "s", "again"):  # released: can be taken again
        pass


def test_unwritable_store_is_one_error(tmp_path: Path) -> None:
    blocker = tmp_path / "file"
    blocker.write_text("not a folder")
    with pytest.raises(StoreError, match="cannot write the store at"), store_lock(blocker / "store"):
        pass


def test_two_concurrent_study_loads_lose_nothing(tmp_path: Path, fixtures: Path) -> None:
    """Each `study load` either ends registered and in the store, or is refused with exit 1: never lost."""
    store = tmp_path / "store"
    build_store(store=store, kb=fixtures / "study" / "kb_crosstalk")
    files = {
        "TMEKG:study.one": (fixtures / "study" / "crosstalk_pseudobulk.csv", "pseudobulk"),
        "TMEKG:study.two": (fixtures / "study" / "pseudobulk.csv", "pseudobulk"),
    }
    procs = {}
    for study_id, (path, fmt) in files.items():
        args = ["study", "load", str(path), "-f", fmt, "--study-id", study_id, "--store", str(store)]
        args += ["--map", str(fixtures / "study" / "celltype_map.yaml"), "--map-name", "demo"]
        procs[study_id] = _tmekg(tmp_path, *args)
    results = {sid: (p.wait(timeout=300), p.stderr.read()) for sid, p in procs.items()}
    registry = json.loads((store / "studies.json").read_text())
    registered = {s["study_id"] for s in registry["studies"]}
    with KnowledgeGraph.open(store) as kg:
        in_store = {
            name.removeprefix("study:") for name in kg.manifest["sources"] if name.startswith("study:")
        }
    for study_id, (code, err) in results.items():
        if code == 0:
            assert study_id in registered and study_id in in_store, (study_id, registered, in_store)
        else:
            assert code == 1 and "another tmekg process is writing the store" in err, err
            assert study_id not in registered
    assert any(code == 0 for code, _ in results.values())
    assert registered == in_store


def test_a_killed_writer_leaves_no_stale_lock(tmp_path: Path) -> None:
    store = tmp_path / "store"
    holder = subprocess.Popen(
        [sys.executable, "-c", HOLD, str(store)],
        env=_env(tmp_path),
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
    )
    assert holder.stdout.readline().strip() == b"locked"
    with pytest.raises(StoreError, match="another tmekg process"), store_lock(store):
        pass
    holder.kill()  # SIGKILL: no cleanup code runs
    holder.wait(timeout=60)
    with store_lock(store, "after kill -9"):
        pass
