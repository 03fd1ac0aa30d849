"""Individual paths along a metapath, with their degree-weighted contribution.

For one source node, :func:`enumerate_paths` walks the degree-weighted segment matrices of a
metapath, never revisiting a node, pruning branches that cannot reach a target; the weights of the
paths from s to t add up exactly to DWPC(s, t) (a test checks this). Used by explanations and
``tmekg paths``.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np

from tmekg.queries.dwpc import segment_matrices
from tmekg.queries.metapaths import Metapath

if TYPE_CHECKING:
    import scipy.sparse as sp

    from tmekg.queries.hetmat import HetMat


@dataclass(frozen=True)
class Path:
    """One path: node ids along it, its degree-weighted (signed) weight and each step's direction.

    ``forward[k]`` says whether step k runs from subject to object of its edge (``True``) or against
    it (``False``, a metaedge written with ``<``); empty means every step is forward.
    """

    metapath: str
    nodes: tuple[str, ...]
    weight: float
    forward: tuple[bool, ...] = ()

    def text(self, label: Callable[[str], str]) -> str:
        """The path in words: ``A -> B`` along an edge's direction, ``A <- B`` against it.

        >>> Path("x", ("CD8", "IFNG", "IDO1"), 1.0, (True, False)).text(str)
        'CD8 -> IFNG <- IDO1'
        """
        forward = self.forward or (True,) * (len(self.nodes) - 1)
        out = [label(self.nodes[0])]
        for node, ahead in zip(self.nodes[1:], forward, strict=True):
            out.append(f"{'->' if ahead else '<-'} {label(node)}")
        return " ".join(out)


def enumerate_paths(
    hetmat: HetMat,
    metapath: Metapath,
    source: str,
    target: str | None = None,
    damping: float = 0.4,
    signed: bool = True,
    limit: int = 100_000,
) -> list[Path]:
    """All node-distinct paths from ``source`` (to ``target`` if given) along ``metapath``."""
    mats = segment_matrices(hetmat, metapath, damping, signed)
    alive = _alive(hetmat, metapath, mats, damping, signed, hetmat.index(target) if target else None)
    cats = metapath.categories
    start = hetmat.index(source)
    if not alive[0][start]:
        return []
    out = []
    forward = tuple(edge.forward for edge in metapath.edges)
    for positions, weight in _walk(mats, alive, cats, [start], 1.0):
        ids = tuple(hetmat.ids[c][p] for c, p in zip(cats, positions, strict=True))
        out.append(Path(metapath.abbrev, ids, weight, forward))
        if len(out) >= limit:
            break
    return out


def _alive(
    hetmat: HetMat,
    metapath: Metapath,
    mats: list[sp.csr_matrix],
    damping: float,
    signed: bool,
    target: int | None,
) -> list[np.ndarray]:
    """:func:`_reachable`, cached on the hetmat for the any-target case."""
    if target is not None:
        return _reachable(mats, target)
    cache = hetmat.__dict__.setdefault("_alive", {})
    key = (metapath.abbrev, damping, signed)
    if key not in cache:
        cache[key] = _reachable(mats, None)
    return cache[key]


def _reachable(mats: list[sp.csr_matrix], target: int | None) -> list[np.ndarray]:
    """alive[k][i]: node i at position k can still reach a target (any, or ``target``)."""
    last = np.zeros(mats[-1].shape[1], dtype=bool)
    if target is None:
        last[:] = True
    else:
        last[target] = True
    alive = [last]
    for m in reversed(mats):
        nxt = alive[0]
        alive.insert(0, np.asarray((abs(m) @ nxt.astype(float)) > 0).ravel())
    return alive


def _walk(
    mats: list[sp.csr_matrix], alive: list[np.ndarray], cats: tuple[str, ...], nodes: list[int], weight: float
) -> Iterator[tuple[list[int], float]]:
    k = len(nodes) - 1
    if k == len(mats):
        yield list(nodes), weight
        return
    matrix, here = mats[k], nodes[-1]
    start, stop = matrix.indptr[here], matrix.indptr[here + 1]
    for col, value in zip(matrix.indices[start:stop].tolist(), matrix.data[start:stop].tolist(), strict=True):
        if not alive[k + 1][col] or value == 0:
            continue
        if any(cats[j] == cats[k + 1] and nodes[j] == col for j in range(k + 1)):
            continue  # a path never revisits a node
        nodes.append(int(col))
        yield from _walk(mats, alive, cats, nodes, weight * float(value))
        nodes.pop()
