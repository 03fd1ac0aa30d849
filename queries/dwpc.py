"""Degree-weighted path counts (DWPC) with sparse matrix chains, walks corrected to paths.

For a metapath with metaedges ``A_1 .. A_k`` the degree-weighted walk matrix is
``prod_i D_out(A_i)^-w . A_i . D_in(A_i)^-w`` (Himmelstein et al. 2017), with degrees counted on
the binary adjacency of each metaedge. Walks that visit a node twice are removed exactly: when a
category repeats along the metapath, the path count is the Moebius inversion over the partitions of
the repeated positions,

    paths = sum over partitions P of mu(P) * walks(positions in each block of P are equal),
    mu(P) = prod over blocks B of (-1)^(|B|-1) (|B|-1)!

Constrained walk counts are computed with diagonal extractions for nested (laminar) constraints, and
with an element-wise product for the crossing pattern A-B-A-B on consecutive positions; any other
crossing pattern raises :class:`UnsupportedMetapath` (hetmatpy makes the same kind of choice).
With ``signed=True`` the signed adjacency is used, so each path contributes the product of its
edge signs and weights.

Examples
--------
>>> dwpc(hetmat, parse("GpMdnE", schema), damping=0.4)   # doctest: +SKIP
"""

from __future__ import annotations

import itertools
from collections.abc import Iterator, Sequence
from functools import reduce
from math import factorial
from typing import TYPE_CHECKING

import numpy as np

from tmekg.errors import TmekgError
from tmekg.queries.metapaths import Metapath

if TYPE_CHECKING:
    import scipy.sparse as sp

    from tmekg.queries.hetmat import HetMat

Block = tuple[int, ...]


class UnsupportedMetapath(TmekgError):
    """The repeated-category pattern of a metapath has no exact matrix formula here."""


def degree_weighted(binary: sp.csr_matrix, weighted: sp.csr_matrix, damping: float) -> sp.csr_matrix:
    """``D_out^-w . W . D_in^-w`` with degrees from the binary adjacency (zero degree -> 0)."""
    import scipy.sparse as sp

    out_deg = np.asarray(binary.sum(axis=1)).ravel()
    in_deg = np.asarray(binary.sum(axis=0)).ravel()
    with np.errstate(divide="ignore"):
        left = np.where(out_deg > 0, out_deg ** (-damping), 0.0)
        right = np.where(in_deg > 0, in_deg ** (-damping), 0.0)
    return (sp.diags(left) @ weighted @ sp.diags(right)).tocsr()


def segment_matrices(hetmat: HetMat, metapath: Metapath, damping: float, signed: bool) -> list[sp.csr_matrix]:
    """Degree-weighted matrices of each metaedge of a metapath (cached on the hetmat)."""
    cache = hetmat.__dict__.setdefault("_degree_weighted", {})
    out = []
    for edge in metapath.edges:
        key = (edge, damping, signed)
        if key not in cache:
            binary, signed_w, unsigned_w = hetmat.matrices(edge)
            cache[key] = degree_weighted(binary, signed_w if signed else unsigned_w, damping)
        out.append(cache[key])
    return out


def dwpc(hetmat: HetMat, metapath: Metapath, damping: float = 0.4, signed: bool = True) -> sp.csr_matrix:
    """DWPC matrix (source category x target category) of a metapath: paths, not walks."""
    mats = segment_matrices(hetmat, metapath, damping, signed)
    groups = repeated_positions(metapath.categories)
    total = None
    for partition in _partitions_of_groups(groups):
        blocks = [b for b in partition if len(b) > 1]
        coefficient = _moebius(blocks)
        term = constrained_chain(mats, blocks) * coefficient
        total = term if total is None else total + term
    assert total is not None
    total.eliminate_zeros()
    return total.tocsr()


def repeated_positions(categories: Sequence[str]) -> list[list[int]]:
    """Positions of every category that occurs more than once along the path."""
    seen: dict[str, list[int]] = {}
    for i, cat in enumerate(categories):
        seen.setdefault(cat, []).append(i)
    return [positions for positions in seen.values() if len(positions) > 1]


def _moebius(blocks: list[Block]) -> int:
    return reduce(lambda acc, b: acc * (-1) ** (len(b) - 1) * factorial(len(b) - 1), blocks, 1)


def _set_partitions(items: list[int]) -> Iterator[list[Block]]:
    if not items:
        yield []
        return
    first, rest = items[0], items[1:]
    for partition in _set_partitions(rest):
        yield [(first,), *partition]
        for i, block in enumerate(partition):
            yield [*partition[:i], tuple(sorted((first, *block))), *partition[i + 1 :]]


def _partitions_of_groups(groups: list[list[int]]) -> Iterator[list[Block]]:
    for combo in itertools.product(*(list(_set_partitions(g)) for g in groups)):
        yield [block for part in combo for block in part]


def constrained_chain(mats: list[sp.csr_matrix], blocks: list[Block]) -> sp.csr_matrix:
    """Walk matrix over all positions where the positions of each block hold the same node."""
    return _chain(mats, 0, len(mats), sorted(blocks))


def _chain(mats: list[sp.csr_matrix], a: int, b: int, blocks: list[Block]) -> sp.csr_matrix:
    """Constrained product of ``mats[a:b]`` (positions a..b); blocks lie within [a, b]."""
    import scipy.sparse as sp

    inside = [blk for blk in blocks if a <= blk[0] and blk[-1] <= b]
    if _crossing(inside):
        return _crossing_chain(mats, a, b, inside)
    outer = sorted(blk for blk in inside if not any(o != blk and _nests(blk, o) for o in inside))
    result: sp.csr_matrix | None = None
    position = a
    for blk in outer:
        pieces = []
        if blk[0] > position:
            pieces.append(_plain(mats, position, blk[0], inside))
        pieces.append(_loop(mats, blk, inside))
        for piece in pieces:
            result = piece if result is None else result @ piece
        position = blk[-1]
    if position < b:
        tail = _plain(mats, position, b, inside)
        result = tail if result is None else result @ tail
    if result is None:  # a == b: identity over the category
        result = sp.identity(mats[a].shape[0] if a < len(mats) else mats[a - 1].shape[1], format="csr")
    return result.tocsr()


def _plain(mats: list[sp.csr_matrix], a: int, b: int, blocks: list[Block]) -> sp.csr_matrix:
    """Product over [a, b] honouring blocks nested strictly inside it."""
    nested = [blk for blk in blocks if a <= blk[0] and blk[-1] <= b and not (blk[0] == a and blk[-1] == b)]
    if nested:
        return _chain(mats, a, b, nested)
    return reduce(lambda x, y: x @ y, mats[a:b]).tocsr()


def _loop(mats: list[sp.csr_matrix], blk: Block, blocks: list[Block]) -> sp.csr_matrix:
    """Diagonal matrix: walks that return to the same node at every position of ``blk``."""
    import scipy.sparse as sp

    inner = [o for o in blocks if o is not blk and _nests(o, blk)]
    diag = None
    for start, stop in itertools.pairwise(blk):
        segment = _plain(mats, start, stop, [o for o in inner if start <= o[0] and o[-1] <= stop])
        values = segment.diagonal()
        diag = values if diag is None else diag * values
    return sp.diags(diag).tocsr()


def _nests(inner: Block, outer: Block) -> bool:
    """``inner`` lies within one gap between consecutive positions of ``outer``."""
    return inner != outer and any(lo <= inner[0] and inner[-1] <= hi for lo, hi in itertools.pairwise(outer))


def _crossing(blocks: list[Block]) -> bool:
    """Some two blocks neither lie apart nor nest within a gap of each other."""
    for x, y in itertools.combinations(blocks, 2):
        apart = x[-1] < y[0] or y[-1] < x[0]
        if not (apart or _nests(x, y) or _nests(y, x)):
            return True
    return False


def _crossing_chain(mats: list[sp.csr_matrix], a: int, b: int, blocks: list[Block]) -> sp.csr_matrix:
    """The A-B-A-B pattern ``{i, i+2}, {i+1, i+3}``: element-wise product of the three segments."""
    x, y = sorted(blocks)[:2]
    i = x[0]
    if len(blocks) != 2 or x != (i, i + 2) or y != (i + 1, i + 3):
        raise UnsupportedMetapath(f"crossing repeat pattern {sorted(blocks)} is not supported")
    core = mats[i].multiply(mats[i + 1].T).multiply(mats[i + 2]).tocsr()
    pieces = [reduce(lambda p, q: p @ q, mats[a:i])] if i > a else []
    pieces.append(core)
    if i + 3 < b:
        pieces.append(reduce(lambda p, q: p @ q, mats[i + 3 : b]))
    return reduce(lambda p, q: p @ q, pieces).tocsr()
