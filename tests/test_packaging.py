"""Packaging: the wheel ships loaders/queries/schema/KB under tmekg.*, and nothing at the top level.

(.ci/run also installs the wheel into a fresh venv outside the repo and runs `tmekg --help` and a build.)
"""

from __future__ import annotations

import os
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]


@pytest.fixture(scope="module")
def wheel(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("dist")
    cmd = [sys.executable, "-m", "pip", "wheel", "--no-deps", "-q", "-w", str(out), str(REPO)]
    proc = subprocess.run(cmd, capture_output=True, text=True, check=False)
    if proc.returncode != 0:
        pytest.fail(f"wheel build failed:\n{proc.stderr[-2000:]}")
    return next(out.glob("tmekg-*.whl"))


def test_wheel_layout(wheel: Path) -> None:
    names = zipfile.ZipFile(wheel).namelist()
    top = {n.split("/", 1)[0] for n in names}
    assert {t for t in top if not t.endswith(".dist-info")} == {"tmekg"}
    assert "tmekg/loaders/__init__.py" in names and "tmekg/loaders/curated.py" in names
    assert "tmekg/loaders/sources.yaml" in names
    assert "tmekg/queries/__init__.py" in names
    assert "tmekg/_schema/tmekg.yaml" in names
    assert sum(n.startswith("tmekg/kb/pdac/") and n.endswith(".tsv") for n in names) >= 4


def test_wheel_runs_outside_the_repo(wheel: Path, tmp_path: Path) -> None:
    target = tmp_path / "site"
    subprocess.run(
        [sys.executable, "-m", "pip", "install", "-q", "--no-deps", "--target", str(target), str(wheel)],
        check=True,
    )
    env = {**os.environ, "PYTHONPATH": str(target), "TMEKG_STORE": str(tmp_path / "store")}
    run = lambda *args: subprocess.run(  # noqa: E731
        [sys.executable, *args], cwd=tmp_path, env=env, capture_output=True, text=True, check=False
    )
    probe = run("-c", "import tmekg, tmekg.loaders; print(tmekg.__file__)")
    assert probe.returncode == 0 and probe.stdout.startswith(str(target)), probe.stderr
    assert run("-c", "import loaders").returncode != 0
    assert run("-m", "tmekg", "--help").returncode == 0
    built = run("-m", "tmekg", "build", "--quiet")
    assert built.returncode == 0, built.stderr
    stats = run("-m", "tmekg", "stats", "--json")
    assert '"total_edges"' in stats.stdout
