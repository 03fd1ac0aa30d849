"""Permutation null by degree-preserving edge swaps (XSwap, Hanhijärvi et al. 2009; as in hetnetpy).

Each edge type (predicate with subject and object categories) used by the mechanism metapaths is
permuted separately: two edges (a, b) and (c, d) become (a, d) and (c, b) unless that creates a
duplicate. Every node keeps its degree in every edge type, so the null keeps the graph's degree
structure and tests whether the *specific* connections make a candidate score high.

P-values pool the null scores of candidates in the same degree group (log-binned degree of the
target over the mechanism's first-hop edge types), so a few permutations give many null samples per
candidate, as hetmatpy does for DWPC.
"""

from __future__ import annotations

from collections.abc import Iterable

import numpy as np


def xswap(pairs: np.ndarray, attempts: int, rng: np.random.Generator) -> np.ndarray:
    """Return a degree-preserving rewiring of ``pairs`` (n x 2 array of subject, object rows).

    Vectorised: each round pairs every edge with another at random (disjoint pairs, ``n // 2`` swap
    attempts at once) and accepts the swaps that create no duplicate edge, neither with the current
    edges nor with another accepted swap of the round, nor a no-op (shared subject or object). Disjoint
    non-conflicting swaps commute, so a round equals that many sequential XSwap steps; rounds run until
    ``attempts`` swaps were attempted.
    """
    out = np.array(pairs, dtype=np.int64, copy=True)
    n = len(out)
    if n < 2 or attempts <= 0:
        return out.astype(pairs.dtype, copy=False)
    base = int(out.max()) + 1
    half = n // 2
    for _ in range(-(-attempts // half)):
        order = rng.permutation(n)
        i, j = order[:half], order[half : 2 * half]
        accept = _acceptable_swaps(out, i, j, base)
        i, j = i[accept], j[accept]
        out[i, 1], out[j, 1] = out[j, 1], out[i, 1].copy()
    return out.astype(pairs.dtype, copy=False)


def _acceptable_swaps(out: np.ndarray, i: np.ndarray, j: np.ndarray, base: int) -> np.ndarray:
    """Which disjoint swaps (i, j) -> (a, d), (c, b) keep the edge set simple and change it."""
    a, b, c, d = out[i, 0], out[i, 1], out[j, 0], out[j, 1]
    new_1, new_2 = a * base + d, c * base + b
    present = np.sort(out[:, 0] * base + out[:, 1])
    ok = (a != c) & (b != d) & ~_member(new_1, present) & ~_member(new_2, present)
    proposed = np.concatenate([new_1[ok], new_2[ok]])
    keys, counts = np.unique(proposed, return_counts=True)
    clash = keys[counts > 1]
    if len(clash):
        ok &= ~(np.isin(new_1, clash) | np.isin(new_2, clash))
    return ok


def _member(values: np.ndarray, sorted_keys: np.ndarray) -> np.ndarray:
    """``values`` found in the sorted array ``sorted_keys``."""
    pos = np.minimum(np.searchsorted(sorted_keys, values), len(sorted_keys) - 1)
    return sorted_keys[pos] == values


def permute_edges(
    edge_index: np.ndarray,
    groups: Iterable[np.ndarray],
    swaps_per_edge: float,
    rng: np.random.Generator,
) -> np.ndarray:
    """A copy of ``edge_index`` with each group of edge rows rewired by :func:`xswap`."""
    out = np.array(edge_index, copy=True)
    for rows in groups:
        attempts = int(swaps_per_edge * len(rows))
        out[rows, :2] = xswap(out[rows, :2], attempts, rng)
    return out


def edge_type_groups(
    edge_index: np.ndarray, categories: np.ndarray, predicate_codes: Iterable[int]
) -> list[np.ndarray]:
    """Row indices of each (predicate, subject category, object category) edge type."""
    groups = []
    pred = edge_index[:, 2]
    for code in sorted(set(predicate_codes)):
        rows = np.flatnonzero(pred == code)
        if not len(rows):
            continue
        keys = np.char.add(categories[edge_index[rows, 0]], "|" + categories[edge_index[rows, 1]])
        for key in sorted(set(keys.tolist())):
            groups.append(rows[keys == key])
    return groups


def degree_groups(degrees: np.ndarray, base: float) -> np.ndarray:
    """Log-binned degree group of each candidate (0 for degree 0)."""
    safe = np.maximum(degrees, 1)
    return np.where(degrees > 0, 1 + np.floor(np.log(safe) / np.log(base)).astype(int), 0)


def pooled_p_values(observed: np.ndarray, null: np.ndarray, groups: np.ndarray) -> np.ndarray:
    """One-sided p = (1 + #null >= observed) / (1 + #null) with nulls pooled within degree groups.

    ``observed``: candidates x classes; ``null``: permutations x candidates x classes;
    ``groups``: group label per candidate.
    """
    p = np.ones_like(observed, dtype=float)
    for group in np.unique(groups):
        members = groups == group
        pool = null[:, members, :]  # perms x members x classes
        for k in range(observed.shape[1]):
            sample = np.sort(pool[:, :, k].ravel())
            greater = len(sample) - np.searchsorted(sample, observed[members, k] - 1e-12, side="left")
            p[members, k] = (1 + greater) / (1 + len(sample))
    return p
