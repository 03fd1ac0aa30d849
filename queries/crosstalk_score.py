"""The numeric core of crosstalk inference: gene sets -> sender/receiver terms -> scores -> p-values.

Inputs are plain arrays so the scoring can be tested and benchmarked without a graph:

``E``  (cell types x genes, values in [0, 1])  expression weights of one study.
``GeneSets``  per metabolite, three gene-index sets: *positive* sender genes, *negative* sender genes
(subtracted) and receiver genes.

Sender term ``S[c, m] = max(0, mean_{g in pos(m)} w_g E[c, g] - mean_{g in neg(m)} w_g E[c, g])`` (means
over the whole set, genes without evidence counting 0, ``w_g`` the gene's source confidence, 1 when
not given; the negative mean is 0 when the set is empty).
Receiver term ``R[c, m] = max_{g in recv(m)} E[c, g] * conf(g, m)`` (the best sensor / importer, each
weighted by its resource confidence; 1 when no confidences are given).
Score of sender ``s`` -> receiver ``r`` through ``m``: ``S[s, m] * R[r, m]``.

Permutation p-value: each gene's column of ``E`` is permuted independently across cell types (the
cell-type labels of the expression evidence are shuffled gene by gene; optionally within strata of
cell types with the same kind of evidence), the terms are recomputed,
and ``p = (1 + #{perm score >= observed}) / (1 + n)``. Vectorised in batches with numpy; seeded.

>>> import numpy as np
>>> E = np.array([[1.0, 0.0], [0.0, 1.0]])
>>> sets = GeneSets.build([[0]], [[]], [[1]], n_genes=2)
>>> cand = candidates(E, sets, autocrine=False)
>>> [(int(s), int(r), float(x)) for s, r, _, x in zip(*cand)]
[(0, 1, 1.0)]
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np


@dataclass(frozen=True)
class GeneSets:
    """Per-metabolite gene sets as sparse averaging matrices plus a segment layout for maxima."""

    pos: object  # scipy.sparse (genes x metabolites), columns average over pos(m)
    neg: object  # same for neg(m)
    recv_genes: np.ndarray  # concatenated receiver gene indices
    recv_start: np.ndarray  # segment start of each metabolite (len M + 1)
    recv_conf: np.ndarray | None = None  # confidence of each entry of recv_genes (None = all 1)

    @property
    def n_metabolites(self) -> int:
        """Number of metabolites."""
        return len(self.recv_start) - 1

    @classmethod
    def build(
        cls,
        pos: Sequence[Sequence[int]],
        neg: Sequence[Sequence[int]],
        recv: Sequence[Sequence[int]],
        n_genes: int,
        sizes: tuple[Sequence[int], Sequence[int]] | None = None,
        recv_conf: Sequence[Sequence[float]] | None = None,
        sender_conf: tuple[Sequence[Sequence[float]], Sequence[Sequence[float]]] | None = None,
    ) -> GeneSets:
        """Build from index lists; ``sizes`` gives the full set sizes when some members were dropped
        (genes without any evidence are not columns of ``E`` but still count in the means);
        ``recv_conf`` the receiver confidences, parallel to ``recv``; ``sender_conf`` the (positive,
        negative) sender gene confidences, multiplying each gene's share of the mean."""
        pos_sizes, neg_sizes = sizes or ([len(x) for x in pos], [len(x) for x in neg])
        lengths = np.array([len(x) for x in recv], dtype=np.int64)
        start = np.concatenate([[0], np.cumsum(lengths)])
        flat = np.array([g for x in recv for g in x], dtype=np.int64)
        conf = None if recv_conf is None else np.array([c for x in recv_conf for c in x], dtype=float)
        pos_c, neg_c = sender_conf or (None, None)
        pos_m, neg_m = _averaging(pos, pos_sizes, n_genes, pos_c), _averaging(neg, neg_sizes, n_genes, neg_c)
        return cls(pos_m, neg_m, flat, start, conf)

    def weighted(self, gathered: np.ndarray, axis: int) -> np.ndarray:
        """``gathered`` (receiver entries along ``axis``) times their confidences."""
        if self.recv_conf is None:
            return gathered
        shape = [1] * gathered.ndim
        shape[axis] = len(self.recv_conf)
        return gathered * self.recv_conf.reshape(shape).astype(gathered.dtype)


def _averaging(
    sets: Sequence[Sequence[int]],
    sizes: Sequence[int],
    n_genes: int,
    conf: Sequence[Sequence[float]] | None = None,
) -> object:
    import scipy.sparse as sp

    rows = [g for x in sets for g in x]
    cols = [m for m, x in enumerate(sets) for _ in x]
    weights = [c for x in conf for c in x] if conf is not None else [1.0] * len(rows)
    vals = [w / max(sizes[m], 1) for w, m in zip(weights, cols, strict=True)]
    return sp.csr_matrix((vals, (rows, cols)), shape=(n_genes, len(sets)))


def sender_term(E: np.ndarray, sets: GeneSets) -> np.ndarray:
    """``S`` for ``E`` of shape (..., C, G): returns (..., C, M)."""
    flat = E.reshape(-1, E.shape[-1])
    pos = np.asarray((sets.pos.T @ flat.T).T)
    neg = np.asarray((sets.neg.T @ flat.T).T)
    return np.maximum(pos - neg, 0.0).reshape(*E.shape[:-1], -1)


def receiver_term(E: np.ndarray, sets: GeneSets) -> np.ndarray:
    """``R`` for ``E`` of shape (..., C, G): returns (..., C, M); 0 for empty receiver sets."""
    out = np.zeros((*E.shape[:-1], sets.n_metabolites))
    lengths = np.diff(sets.recv_start)
    nonempty = np.flatnonzero(lengths > 0)
    if len(nonempty):
        gathered = sets.weighted(E[..., sets.recv_genes], axis=-1)
        out[..., nonempty] = np.maximum.reduceat(gathered, sets.recv_start[nonempty], axis=-1)
    return out


def candidates(
    E: np.ndarray, sets: GeneSets, autocrine: bool = False
) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """All (sender, receiver, metabolite) with a positive score: index arrays and scores, unsorted."""
    S, R = sender_term(E, sets), receiver_term(E, sets)
    out_s, out_r, out_m, out_x = [], [], [], []
    for m in np.flatnonzero((S > 0).any(axis=0) & (R > 0).any(axis=0)):
        senders, receivers = np.flatnonzero(S[:, m] > 0), np.flatnonzero(R[:, m] > 0)
        s, r = np.repeat(senders, len(receivers)), np.tile(receivers, len(senders))
        if not autocrine:
            keep = s != r
            s, r = s[keep], r[keep]
        out_s.append(s)
        out_r.append(r)
        out_m.append(np.full(len(s), m))
        out_x.append(S[s, m] * R[r, m])
    if not out_s:
        empty = np.zeros(0, dtype=np.int64)
        return empty, empty, empty, np.zeros(0)
    return np.concatenate(out_s), np.concatenate(out_r), np.concatenate(out_m), np.concatenate(out_x)


def permutation_pvalues(
    E: np.ndarray,
    sets: GeneSets,
    cand: tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray],
    n: int = 1000,
    seed: int = 0,
    budget: int = 10_000_000,
    strata: np.ndarray | None = None,
) -> np.ndarray:
    """Permutation p-values of the candidates (NaN when ``n == 0`` or fewer than 3 cell types).

    ``strata`` (one label per cell type) restricts the shuffle to cell types of the same stratum, so
    evidence of one kind (e.g. reference-profiled immune states) never lands on cell types whose
    evidence is of another kind (marker-only tumour states); None = one stratum.

    Works gene-first: a batch of ``b`` permutations is one ``(genes, cell types, b)`` array whose
    cell-type axis is shuffled independently for every (gene, permutation); the sparse averaging
    matrices then act on contiguous memory and each candidate's ``b`` permuted scores are one row.
    """
    s_idx, r_idx, m_idx, observed = cand
    if n <= 0 or E.shape[0] < 3 or len(observed) == 0:
        return np.full(len(observed), np.nan)
    rng = np.random.default_rng(seed)
    n_types = E.shape[0]
    genes_first = np.ascontiguousarray(E.T, dtype=np.float32)[:, :, None]
    pos_t, neg_t = sets.pos.T.tocsr().astype(np.float32), sets.neg.T.tocsr().astype(np.float32)
    per_perm = max(E.size, n_types * sets.n_metabolites, len(observed), 1)
    batch = int(max(1, min(n, budget // per_perm)))
    # float32 batches: a permuted score within 1e-5 (relative) of the observed one counts as >= (ties)
    threshold = (observed * (1.0 - 1e-5)).astype(np.float32)[:, None]
    sender_rows, receiver_rows = m_idx * n_types + s_idx, m_idx * n_types + r_idx
    exceed = np.zeros(len(observed), dtype=np.int64)
    done = 0
    while done < n:
        b = min(batch, n - done)
        permuted = _shuffle(rng, np.broadcast_to(genes_first, (*genes_first.shape[:2], b)), strata)
        S, R = _batch_terms(permuted, sets, pos_t, neg_t)
        scores = S.reshape(-1, b)[sender_rows]
        scores *= R.reshape(-1, b)[receiver_rows]
        exceed += (scores >= threshold).sum(axis=1)
        done += b
    return (1.0 + exceed) / (1.0 + n)


def _shuffle(rng: np.random.Generator, batch: np.ndarray, strata: np.ndarray | None) -> np.ndarray:
    """Shuffle the cell-type axis (1) independently per (gene, permutation), within each stratum."""
    if strata is None or len(np.unique(strata)) == 1:
        return rng.permuted(batch, axis=1)
    out = np.empty(batch.shape, dtype=batch.dtype)
    for label in np.unique(strata):
        idx = np.flatnonzero(strata == label)
        out[:, idx, :] = rng.permuted(batch[:, idx, :], axis=1)
    return out


def _batch_terms(
    permuted: np.ndarray, sets: GeneSets, pos_t: object, neg_t: object
) -> tuple[np.ndarray, np.ndarray]:
    """Sender and receiver terms of a ``(genes, types, b)`` batch, each ``(metabolites, types, b)``."""
    n_genes, n_types, b = permuted.shape
    flat = permuted.reshape(n_genes, n_types * b)
    S = np.maximum(pos_t @ flat - neg_t @ flat, 0.0).reshape(-1, n_types, b)
    R = np.zeros_like(S)
    lengths = np.diff(sets.recv_start)
    nonempty = np.flatnonzero(lengths > 0)
    if len(nonempty):
        gathered = sets.weighted(permuted[sets.recv_genes], axis=0)
        R[nonempty] = np.maximum.reduceat(gathered, sets.recv_start[nonempty], axis=0)
    return S, R


def same_gene_only(
    E: np.ndarray,
    pos: Sequence[Sequence[int]],
    recv: Sequence[Sequence[int]],
    cand: tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray],
) -> np.ndarray:
    """Mask of candidates supported only by the same gene(s) on both sides.

    Sender support = positive genes of ``m`` expressed in the sender; receiver support = receiver
    genes expressed in the receiver. A row is *same-gene only* when the two sets are equal (e.g. a
    transporter counted as the sender's release and the receiver's uptake, or the same importers as
    both the competitor's use and the receiver's need). Sets are compared by their size and two
    seeded random-weight sums (a false match needs two float64 sums to collide).
    """
    s_idx, r_idx, m_idx, _ = cand
    if len(s_idx) == 0:
        return np.zeros(0, dtype=bool)
    present = (E > 0).astype(float)
    weights = np.random.default_rng(12345).random((2, E.shape[1])) + 1.0
    same = np.ones(len(s_idx), dtype=bool)
    for w in (np.ones(E.shape[1]), *weights):
        sender, receiver = _support(present, pos, w), _support(present, recv, w)
        same &= np.isclose(sender[s_idx, m_idx], receiver[r_idx, m_idx], rtol=0, atol=1e-9)
    return same & (_support(present, pos, np.ones(E.shape[1]))[s_idx, m_idx] > 0)


def _support(present: np.ndarray, sets: Sequence[Sequence[int]], weights: np.ndarray) -> np.ndarray:
    """Per (cell type, metabolite): sum of ``weights`` over the set's genes expressed in the cell type."""
    import scipy.sparse as sp

    rows = [g for x in sets for g in x]
    cols = [m for m, x in enumerate(sets) for _ in x]
    shape = (present.shape[1], len(sets))
    matrix = sp.csr_matrix((weights[rows] if rows else np.zeros(0), (rows, cols)), shape=shape)
    return np.asarray(matrix.T @ present.T).T


def naive_scores(E: np.ndarray, pos: list, neg: list, recv: list, pos_sizes: list, neg_sizes: list) -> dict:
    """Reference implementation: one Python loop per (metabolite, sender, receiver) (benchmarks, tests)."""
    out = {}
    n_types = E.shape[0]
    for m in range(len(pos)):
        for s in range(n_types):
            plus = sum(E[s, g] for g in pos[m]) / max(pos_sizes[m], 1)
            minus = sum(E[s, g] for g in neg[m]) / max(neg_sizes[m], 1) if neg[m] else 0.0
            sender = max(plus - minus, 0.0)
            if sender <= 0:
                continue
            for r in range(n_types):
                receiver = max((E[r, g] for g in recv[m]), default=0.0)
                if r != s and receiver > 0:
                    out[(s, r, m)] = sender * receiver
    return out
