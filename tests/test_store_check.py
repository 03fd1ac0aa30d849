"""tmekg.store_check: a damaged store is one 'store damaged: <file>' error, never a parser traceback."""

from __future__ import annotations

import io
import re
import shutil
from pathlib import Path

import numpy as np
import pytest
from typer.testing import CliRunner

from tmekg.cli import app
from tmekg.errors import StoreError
from tmekg.graph import KnowledgeGraph
from tmekg.pipeline import build_store
from tmekg.store import snapshot_dir, verify

runner = CliRunner()


@pytest.fixture(scope="module")
def pristine(tmp_path_factory: pytest.TempPathFactory) -> Path:
    store = tmp_path_factory.mktemp("pristine") / "store"
    build_store(store=store, kb=Path(__file__).parent / "fixtures" / "kb_small")
    return store


@pytest.fixture()
def store(pristine: Path, tmp_path: Path) -> Path:
    copy = tmp_path / "store"
    shutil.copytree(pristine, copy)
    return copy


def _same_size_garbage(path: Path, data: bytes | None = None) -> None:
    size = path.stat().st_size
    data = data if data is not None else (b"{garbage\n" * size)[:size]
    assert len(data) == size
    path.write_bytes(data)


def _open_and_read(store: Path) -> None:
    with KnowledgeGraph.open(store) as kg:
        kg.edge(0)
        assert kg.edge_contexts is not None


def _pickled_array_of_size(size: int) -> bytes:
    buf = io.BytesIO()
    np.save(buf, np.array([{"a": 1}] * 3, dtype=object), allow_pickle=True)
    return (buf.getvalue() + b"\0" * size)[:size]


@pytest.mark.parametrize(
    "name", ["edges.jsonl", "nodes.jsonl", "edge_index.npy", "edge_offsets.npy", "edge_contexts.json"]
)
def test_same_size_garbage_is_store_damage(store: Path, name: str) -> None:
    _same_size_garbage(snapshot_dir(store) / name)
    with pytest.raises(StoreError, match=rf"^store damaged: .*{name}: .*run `tmekg build`"):
        _open_and_read(store)


def test_pickled_array_is_refused_not_unpickled(store: Path) -> None:
    path = snapshot_dir(store) / "edge_sign.npy"
    _same_size_garbage(path, _pickled_array_of_size(path.stat().st_size))
    with pytest.raises(StoreError, match=r"store damaged: .*edge_sign\.npy"):
        KnowledgeGraph.open(store)


def test_consistent_manifest_but_wrong_array_shape(store: Path) -> None:
    """Checksums can be rewritten; the dtype/shape check against the manifest's edge count still holds."""
    import hashlib
    import json

    snap = snapshot_dir(store)
    np.save(snap / "edge_sign.npy", np.zeros(2, dtype=np.int8), allow_pickle=False)
    manifest = json.loads((snap / "manifest.json").read_text())
    data = (snap / "edge_sign.npy").read_bytes()
    manifest["files"]["edge_sign.npy"] = {"bytes": len(data), "sha256": hashlib.sha256(data).hexdigest()}
    (snap / "manifest.json").write_text(json.dumps(manifest))
    with pytest.raises(StoreError, match=r"edge_sign.npy: int8 \(2,\), expected int8 \(5,\)"):
        KnowledgeGraph.open(store)
    with pytest.raises(StoreError, match="content hash does not match"):
        verify(snap)


@pytest.mark.parametrize(
    ("name", "data", "message"),
    [
        ("manifest.json", b"{not json", "not a JSON manifest"),
        ("manifest.json", b'{"format": "tmekg-store", "format_version": 1}', "malformed"),
        ("CURRENT", b"../../etc\n", "names no snapshot"),
        ("CURRENT", b"\xff\xfe\n", "cannot read the store"),
    ],
)
def test_damaged_manifest_or_current(store: Path, name: str, data: bytes, message: str) -> None:
    path = store / name if name == "CURRENT" else snapshot_dir(store) / name
    path.write_bytes(data)
    with pytest.raises(StoreError, match=message):
        KnowledgeGraph.open(store)


def test_stats_verify_passes_on_a_good_store_and_names_the_damaged_file(store: Path) -> None:
    (snapshot_dir(store) / "nulls").mkdir()  # a cache kept in the snapshot later (rank significance)
    (snapshot_dir(store) / "nulls" / "x.npz").write_bytes(b"cache")
    result = runner.invoke(app, ["stats", "--verify", "--store", str(store)])
    assert result.exit_code == 0, result.output
    assert "verified snap-" in result.output and "5 edges" in result.output
    snap = snapshot_dir(store)
    edges = snap / "edges.jsonl"
    data = bytearray(edges.read_bytes())
    data[10] ^= 0x01  # one flipped bit, same size
    edges.write_bytes(bytes(data))
    assert runner.invoke(app, ["stats", "--store", str(store)]).exit_code == 0  # counts only: not read
    result = runner.invoke(app, ["stats", "--verify", "--store", str(store)])
    assert result.exit_code == 1
    assert result.output.strip() == (
        f"error: store damaged: {edges}: content does not match its SHA-256 in the manifest; "
        "run `tmekg build` to rebuild the store"
    )


def test_cli_show_on_a_damaged_store_is_one_line(store: Path) -> None:
    _same_size_garbage(snapshot_dir(store) / "edges.jsonl")
    result = runner.invoke(app, ["show", "NT5E", "--store", str(store)])
    assert result.exit_code == 1
    assert result.output.startswith("error: store damaged:") and result.output.count("\n") == 1


def test_damaged_gene_authority_table_is_store_damage(tmp_path: Path, fixtures: Path) -> None:
    from tmekg.genes import STORE_FILE, stored_authority

    store = tmp_path / "genes"
    build_store(store=store, sources=["tmekg-curated", "ncbi-gene"], data=fixtures, kb=fixtures / "kb_small")
    snap = snapshot_dir(store)
    assert stored_authority(snap) is not None
    _same_size_garbage(snap / STORE_FILE)
    with pytest.raises(StoreError, match=rf"store damaged: .*{STORE_FILE}: content does not match"):
        stored_authority(snap)


def test_extra_snapshot_files_are_checked_on_open(store: Path) -> None:
    """Every file but edges.jsonl is checksummed on open (grades, conflicts, contexts...)."""
    snap = snapshot_dir(store)
    import json

    extra = sorted(set(json.loads((snap / "manifest.json").read_text())["files"]) - {"edges.jsonl"})
    assert "edge_contexts.json" in extra
    for name in extra:
        copy = store.parent / f"copy-{name}"
        shutil.copytree(store, copy)
        _same_size_garbage(snapshot_dir(copy) / name)
        with pytest.raises(StoreError, match=rf"store damaged: .*{re.escape(name)}"):
            KnowledgeGraph.open(copy)
