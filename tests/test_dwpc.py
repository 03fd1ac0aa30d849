"""DWPC walk-to-path correction against brute-force path enumeration on random typed graphs."""

from __future__ import annotations

import itertools

import numpy as np
import pytest
import scipy.sparse as sp

from tmekg.queries import dwpc as D
from tmekg.queries.metapaths import enumerate_metapaths, metaedges, parse
from tmekg.schema import load_schema

SIZES = {"A": 5, "B": 4, "C": 3}


def brute_paths(mats: list[sp.csr_matrix], cats: list[str]) -> np.ndarray:
    """Sum of edge-weight products over node-distinct paths, by explicit enumeration."""
    dense = [m.toarray() for m in mats]
    out = np.zeros((dense[0].shape[0], dense[-1].shape[1]))

    def walk(pos: int, node: int, seen: set, weight: float, start: int) -> None:
        if pos == len(dense):
            out[start, node] += weight
            return
        for nxt in np.flatnonzero(dense[pos][node]):
            if (cats[pos + 1], nxt) not in seen:
                walk(pos + 1, nxt, seen | {(cats[pos + 1], nxt)}, weight * dense[pos][node, nxt], start)

    for s in range(dense[0].shape[0]):
        walk(0, s, {(cats[0], s)}, 1.0, s)
    return out


def matrix_paths(mats: list[sp.csr_matrix], cats: list[str]) -> np.ndarray:
    total = 0
    for partition in D._partitions_of_groups(D.repeated_positions(cats)):
        blocks = [b for b in partition if len(b) > 1]
        total = total + D.constrained_chain(mats, blocks) * D._moebius(blocks)
    return total.toarray()


def test_matches_brute_force_on_random_signed_graphs() -> None:
    rng = np.random.default_rng(0)
    checked = repeated = 0
    for _ in range(400):
        length = int(rng.integers(1, 6))
        cats = [str(rng.choice(list(SIZES))) for _ in range(length + 1)]
        mats = [
            sp.csr_matrix(
                rng.integers(-2, 3, (SIZES[a], SIZES[b])) * (rng.random((SIZES[a], SIZES[b])) < 0.6),
                dtype=float,
            )
            for a, b in itertools.pairwise(cats)
        ]
        try:
            got = matrix_paths(mats, cats)
        except D.UnsupportedMetapath:
            continue
        assert np.allclose(got, brute_paths(mats, cats)), cats
        checked += 1
        repeated += bool(D.repeated_positions(cats))
    assert checked > 300 and repeated > 200  # most random metapaths repeat a category


def test_crossing_abab_pattern_is_exact() -> None:
    rng = np.random.default_rng(1)
    cats = ["A", "B", "A", "B", "C"]
    mats = [
        sp.csr_matrix(rng.random((SIZES[a], SIZES[b])) < 0.7, dtype=float)
        for a, b in itertools.pairwise(cats)
    ]
    assert np.allclose(matrix_paths(mats, cats), brute_paths(mats, cats))


def test_unsupported_crossing_pattern_raises() -> None:
    mats = [sp.csr_matrix(np.ones((SIZES[a], SIZES[b]))) for a, b in itertools.pairwise("BACACA")]
    with pytest.raises(D.UnsupportedMetapath):
        D.constrained_chain(mats, [(1, 3, 5), (2, 4)])


def test_metapaths_enumerated_from_schema() -> None:
    schema = load_schema()
    allowed = metaedges(schema, ["produces", "decreases", "increases", "activates"])
    found = [m.abbrev for m in enumerate_metapaths(schema, "Gene", "ImmuneEffect", 3, allowed, ["decreases"])]
    assert found == ["GdnE", "GpMdnE", "GpMaGdnE"]
    assert parse("GpMaGdnE", schema).categories == ("Gene", "Metabolite", "Gene", "ImmuneEffect")
    with pytest.raises(D.TmekgError, match="does not link"):
        parse("GdnMpE", schema)
