"""The cached permutation null (queries/significance.py) and the vectorised XSwap, on the hand-scored
fixture graph (tests/fixtures/scoring_kb)."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import numpy as np
import pytest
from typer.testing import CliRunner

from tmekg.cli import app
from tmekg.graph import KnowledgeGraph
from tmekg.pipeline import build_store
from tmekg.queries.permutation import xswap
from tmekg.queries.rank import rank
from tmekg.queries.scoring import Scorer, default_config
from tmekg.queries.significance import (
    NullSpec,
    cache_dirs,
    cached_null,
    compute_null,
    null_key,
    null_p_values,
    save_null,
)

SPEC = NullSpec(count=6, seed=3)


@pytest.fixture()
def store(tmp_path: Path, fixtures: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    for var in ("TMEKG_STORE", "TMEKG_CACHE_DIR", "TMEKG_DATA_DIR"):
        monkeypatch.delenv(var, raising=False)
    monkeypatch.setenv("HOME", str(tmp_path / "home"))  # the fallback cache stays inside the test
    build_store(store=tmp_path / "store", kb=fixtures / "scoring_kb")
    return tmp_path / "store"


@pytest.fixture()
def kg(store: Path):
    with KnowledgeGraph.open(store) as graph:
        yield graph


def _nulls(kg: KnowledgeGraph) -> list[Path]:
    return sorted((kg.path / "nulls").glob("*.npz"))


def test_xswap_swaps_the_only_pair_by_hand() -> None:
    # (0, 1) and (2, 3) can only become (0, 3) and (2, 1); degrees are kept
    out = xswap(np.array([[0, 1], [2, 3]]), attempts=1, rng=np.random.default_rng(0))
    assert sorted(map(tuple, out.tolist())) == [(0, 3), (2, 1)]


def test_xswap_never_creates_a_duplicate_or_a_no_op() -> None:
    # (0, 1) (0, 2): same subject, a swap would change nothing; (1, 1) (2, 2) + (1, 2) present blocks
    # (1, 2) (2, 1)? no: (1, 2) exists, so swapping (1, 1) with (2, 2) into (1, 2) (2, 1) is refused
    same_subject = np.array([[0, 1], [0, 2]])
    assert xswap(same_subject, 10, np.random.default_rng(0)).tolist() == same_subject.tolist()
    blocked = np.array([[1, 1], [2, 2], [1, 2]])
    out = xswap(blocked, 30, np.random.default_rng(0))
    assert len({tuple(r) for r in out.tolist()}) == 3
    assert sorted(np.bincount(out[:, 0]).tolist()) == sorted(np.bincount(blocked[:, 0]).tolist())
    assert sorted(np.bincount(out[:, 1]).tolist()) == sorted(np.bincount(blocked[:, 1]).tolist())


def test_cached_and_uncached_nulls_and_p_values_are_identical(kg) -> None:
    scorer = Scorer(kg)
    fresh = compute_null(scorer, SPEC)
    assert not _nulls(kg)
    first = cached_null(scorer, SPEC)  # computes and writes
    assert len(_nulls(kg)) == 1
    second = cached_null(scorer, SPEC)  # reads
    assert np.array_equal(fresh, first) and np.array_equal(first, second)
    observed = scorer.components().score
    assert np.array_equal(null_p_values(scorer, observed, fresh), null_p_values(scorer, observed, second))
    table = scorer.table(scorer.components())
    expected = null_p_values(scorer, observed, fresh)
    want = {
        (t, c): expected[scorer.targets.index(r), k]
        for t, c, r, k in zip(
            table["target_id"], table["immunotherapy_class"], table["_row"], table["_class"], strict=True
        )
    }
    ranked = rank(kg, permutations=SPEC.count, seed=SPEC.seed)
    got = {
        (t, c): p
        for t, c, p in zip(ranked["target_id"], ranked["immunotherapy_class"], ranked["p_value"], strict=True)
    }
    assert got == want and len(got) == 3  # 3 targets x the fixture's one class


def test_rank_reuses_one_null_for_every_class_and_top(kg) -> None:
    everything = rank(kg, permutations=4, seed=1)
    assert len(_nulls(kg)) == 1
    one_class = rank(kg, "anti-PD-1", permutations=4, seed=1, top=1)
    assert len(_nulls(kg)) == 1  # -i and --top read the same null
    row = everything[everything["immunotherapy_class"] == "anti-PD-1"].iloc[0]
    assert one_class.iloc[0]["p_value"] == row["p_value"]


def test_key_changes_with_config_mask_factors_and_settings(kg) -> None:
    config = default_config()
    base = null_key(Scorer(kg, dict(config)), SPEC)
    assert null_key(Scorer(kg, json.loads(json.dumps(config))), SPEC) == base  # same content, same key
    mask = np.ones(kg.edge_count, dtype=bool)
    assert null_key(Scorer(kg, config, edge_mask=mask), SPEC) == base  # a context keeping every edge
    mask[0] = False
    assert null_key(Scorer(kg, config, edge_mask=mask), SPEC) != base  # a context dropping one: its own
    swaps = {**config, "permutations": {**config["permutations"], "swaps_per_edge": 5}}
    changed = [
        null_key(Scorer(kg, {**config, "damping": 0.5}), SPEC),
        null_key(Scorer(kg, swaps), SPEC),
        null_key(Scorer(kg, config, node_factors={"HGNC.SYMBOL:T1": 2.0}), SPEC),
        null_key(Scorer(kg, config), NullSpec(count=7, seed=3)),
        null_key(Scorer(kg, config), NullSpec(count=6, seed=4)),
    ]
    assert base not in changed and len(set(changed)) == len(changed)


def test_a_null_is_never_used_for_another_graph(kg, tmp_path: Path, fixtures: Path) -> None:
    kb = tmp_path / "kb2"
    shutil.copytree(fixtures / "scoring_kb", kb)
    edges = kb / "g.edges.tsv"
    edges.write_text(
        edges.read_text() + "HGNC.SYMBOL:T2\tdecreases\tTMEKG:effect.e2\t\tPMID:2\t\tverified\t\n"
    )
    build_store(store=tmp_path / "other", kb=kb)
    scorer = Scorer(kg)
    mine = cached_null(scorer, SPEC)
    with KnowledgeGraph.open(tmp_path / "other") as other:
        other_scorer = Scorer(other)
        key = null_key(other_scorer, SPEC)
        assert key != null_key(scorer, SPEC)  # another snapshot, another key
        # even a file planted under the other graph's name is refused: its stored key differs
        save_null(other.path / "nulls", null_key(scorer, SPEC), mine)
        (other.path / "nulls" / f"{null_key(scorer, SPEC)}.npz").rename(other.path / "nulls" / f"{key}.npz")
        assert np.array_equal(cached_null(other_scorer, SPEC), compute_null(other_scorer, SPEC))
        assert not np.array_equal(compute_null(other_scorer, SPEC), mine)


@pytest.mark.parametrize("damage", ["truncated", "garbage", "wrong_shape"])
def test_a_damaged_cache_file_is_ignored_and_rebuilt(kg, damage: str) -> None:
    scorer = Scorer(kg)
    expected = cached_null(scorer, SPEC)
    path = _nulls(kg)[0]
    if damage == "truncated":
        path.write_bytes(path.read_bytes()[: path.stat().st_size // 2])
    elif damage == "garbage":
        path.write_bytes(b"not a zip file")
    else:
        save_null(path.parent, null_key(scorer, SPEC), expected[:2])
    assert np.array_equal(cached_null(scorer, SPEC), expected)
    assert np.array_equal(cached_null(scorer, SPEC), expected)  # and the rewritten file is whole again
    assert not list(path.parent.glob(".tmp-*"))


def test_read_only_snapshot_falls_back_to_the_user_cache(
    kg, monkeypatch: pytest.MonkeyPatch, tmp_path
) -> None:
    scorer = Scorer(kg)
    (kg.path / "nulls").write_text("a file where the folder would be")  # the snapshot cannot take nulls
    monkeypatch.setenv("TMEKG_CACHE_DIR", str(tmp_path / "cache"))
    first = cached_null(scorer, SPEC)
    saved = list((tmp_path / "cache" / "nulls" / kg.path.name).glob("*.npz"))
    assert len(saved) == 1 and cache_dirs(scorer)[1] == saved[0].parent
    assert np.array_equal(cached_null(scorer, SPEC), first)


def test_p_value_not_computed_without_permutations(kg, store: Path) -> None:
    table = rank(kg, permutations=0)
    assert set(table["p_value"]) == {"not computed"}
    assert "0 permutations" in table.attrs["p_value_note"]
    runner = CliRunner()
    for fmt in ("tsv", "json"):
        result = runner.invoke(app, ["rank", "--store", str(store), "--permutations", "0", "--format", fmt])
        assert result.exit_code == 0, result.output
        assert "not computed" in result.stdout and "nan" not in result.stdout.lower().split()
    rows = json.loads(
        runner.invoke(app, ["rank", "--store", str(store), "--permutations", "0", "-f", "json"]).stdout
    )
    assert {r["p_value"] for r in rows} == {"not computed"}
    assert (
        "--permutations 0"
        in runner.invoke(app, ["rank", "--store", str(store), "--permutations", "0"]).stderr
    )


def test_the_null_does_not_depend_on_the_number_of_worker_processes(kg) -> None:
    scorer = Scorer(kg)
    assert np.array_equal(compute_null(scorer, SPEC, workers=1), compute_null(scorer, SPEC, workers=2))


def test_the_note_says_why_p_values_are_missing() -> None:
    import pandas as pd

    from tmekg.queries.significance import p_value_note

    missing = pd.DataFrame({"p_value": ["not computed", "not computed"]})
    assert "--permutations 0" in p_value_note(missing, None, 0)
    assert "--sample" in p_value_note(missing, "cohort.tsv:S1", None)
    assert p_value_note(pd.DataFrame({"p_value": [0.01, 0.5]}), None, None) == ""
