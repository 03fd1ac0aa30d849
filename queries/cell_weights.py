"""Cell-resolved mechanism weights: a path counts where its genes are expressed (issue 15, item 4).

Without this, a target's mechanism is scaled by one global factor, ``1 + w_ctx ctx(T)``: "expressed
somewhere in PDAC tumour or stroma", whichever cell the immune effect happens in. With
``cell_resolved.enabled`` in ``queries/scoring.yaml`` two weights replace it (docs/scoring.md,
"Cell-resolved weights"):

* **receiver**: every ``Gene -> ImmuneEffect`` edge (a receptor or sensor acting on the effect) is
  weighted by the gene's expression in the immune cell types where the effect occurs,
  ``rho(R, E) = f + (1 - f) * a(R, E)``; an effect whose cell types have no expression data at all keeps
  weight 1 (unknown is not absent);
* **target**: the whole benefit ``T -> E`` is weighted by where the target is,
  ``W(T, E) = f + (1 - f) * max(s(T), a(T, E))``: ``s(T)`` its expression in a cell type of the tumour
  (a sender that can make the metabolite: tumour/stromal compartments, cell types observed in a tumour
  context such as MDSCs and TAMs, and their subtypes), ``a(T, E)`` its expression in the effect's own
  cell types (a target on the immune cell itself, e.g. a receptor).

``a(G, E) = max over cell types c where E occurs (or a Cell Ontology subtype of one) of x(G, c)`` and
``x(G, c)`` in [0, 1] is the ``expressed_in`` level of the edge (its provenance score: HPA
``log2(1 + nTPM) / log2(101)``, a study's pseudobulk or marker weight; curated facts without a score: 1).
``f`` is the floor (config, default 0.25): genes without expression evidence count at a quarter.

Everything is computed from the (possibly permuted) matrices of the scorer, so the permutation null
sees the same rule. Levels and ``a(G, E)`` are kept sparse, and ``W`` and ``rho`` are computed only at
the entries the scorer needs (the benefit's nonzeros, the Gene -> ImmuneEffect edges): ``W`` is never
below the floor, so a genes x effects array of it would be dense (docs/scaling.md).

>>> import numpy as np
>>> round(float(weight(np.array([0.0, 0.6]), 0.25)[1]), 2)
0.7
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cached_property
from typing import TYPE_CHECKING, Any

import numpy as np

from tmekg.queries.metapaths import parse

if TYPE_CHECKING:
    import scipy.sparse as sp

    from tmekg.queries.hetmat import HetMat


CHUNK = 1 << 20  # stored levels read at once by CellWeights.acting_at (bounds its temporary arrays)


def weight(level: np.ndarray, floor: float) -> np.ndarray:
    """``f + (1 - f) * level`` (levels clipped to [0, 1])."""
    return floor + (1.0 - floor) * np.clip(level, 0.0, 1.0)


@dataclass(frozen=True)
class CellSpec:
    """The ``cell_resolved`` section of the scoring config."""

    floor: float
    expression: str  # metapath Gene -> CellType (levels)
    occurs: str  # metapath ImmuneEffect -> CellType (where an effect occurs)
    subclass: str  # metapath CellType -> CellType (subtype -> parent)
    observed: str  # metapath CellType -> Context (cell types present in the tumour)
    compartments: tuple[str, ...]  # sender compartments (tumour, stroma)
    sender_classes: tuple[str, ...] = ()  # compartments that must all be measured for s(T) to count

    @classmethod
    def from_config(cls, config: dict[str, Any]) -> CellSpec | None:
        """None when the section is absent or disabled."""
        spec = config.get("cell_resolved") or {}
        if not spec.get("enabled"):
            return None
        return cls(
            floor=float(spec.get("floor", 0.25)),
            expression=str(spec["expression"]),
            occurs=str(spec["occurs"]),
            subclass=str(spec["subclass"]),
            observed=str(spec["observed"]),
            compartments=tuple(config["context"]["compartments"]),
            sender_classes=tuple(spec.get("sender_classes") or ()),
        )


class CellWeights:
    """Expression levels per gene and cell type, and the weights derived from them, on one HetMat."""

    def __init__(self, hm: HetMat, spec: CellSpec) -> None:
        self.hm = hm
        self.spec = spec

    def _levels(self, text: str, binary: bool = False) -> sp.csr_matrix:
        """Adjacency of a one-step metapath with raw levels (edge score, NaN -> 1) or 1s; max over
        parallel edges. Empty when the graph lacks the predicate."""
        import scipy.sparse as sp

        mp = parse(text, self.hm.schema)
        (edge,) = mp.edges
        shape = (self.hm.size(mp.categories[0]), self.hm.size(mp.categories[-1]))
        if edge.predicate not in self.hm.kg.predicates:
            return sp.csr_matrix(shape)
        rows = self.hm.select(edge)
        s, o = self.hm.edge_index[rows, 0], self.hm.edge_index[rows, 1]
        if not edge.forward:
            s, o = o, s
        score = np.asarray(self.hm.kg.edge_score, dtype=np.float64)[rows]
        value = np.ones(len(rows)) if binary else np.clip(np.nan_to_num(score, nan=1.0), 0.0, 1.0)
        coo = sp.coo_matrix((value, (self.hm.local[s], self.hm.local[o])), shape=shape)
        return _max_duplicates(coo, shape)  # parallel edges: the largest level

    @cached_property
    def levels(self) -> sp.csr_matrix:
        """x(G, c): genes x cell types (sparse: most genes have no level in most cell types)."""
        return self._levels(self.spec.expression)

    @cached_property
    def effect_cells(self) -> np.ndarray:
        """Effects x cell types, True where the effect occurs in the cell type or a subtype of one."""
        occurs = self._levels(self.spec.occurs, binary=True).toarray() > 0
        return np.array([_with_subtypes(row, self.parents) for row in occurs], dtype=bool).reshape(
            occurs.shape
        )

    @cached_property
    def acting(self) -> sp.csr_matrix:
        """a(G, E): genes x effects (sparse), the gene's highest level in the effect's cell types.

        The whole matrix, for inspection; scoring reads only the entries it needs (:meth:`acting_at`).
        """
        import scipy.sparse as sp

        genes, effects = self.levels.shape[0], self.effect_cells.shape[0]
        columns = [
            self.levels[:, np.flatnonzero(cells)].max(axis=1) if cells.any() else sp.csr_matrix((genes, 1))
            for cells in self.effect_cells
        ]
        return sp.hstack(columns, format="csr") if columns else sp.csr_matrix((genes, effects))

    def acting_at(self, genes: np.ndarray, effects: np.ndarray) -> np.ndarray:
        """a(G, E) of the pairs ``(genes[i], effects[i])``: each gene's highest level among the cell
        types of the effect paired with it, read from the gene's sparse row of levels (0 where none)."""
        genes, effects = np.asarray(genes, dtype=np.int64), np.asarray(effects, dtype=np.int64)
        out = np.zeros(len(genes))
        counts = np.diff(self.levels.indptr)[genes]  # stored levels of each pair's gene
        bounds = np.searchsorted(np.cumsum(counts), np.arange(1, counts.sum() // CHUNK + 1) * CHUNK)
        for part in np.split(np.arange(len(genes)), np.unique(bounds)):
            out[part] = self._acting_pairs(genes[part], effects[part], counts[part])
        return out

    def _acting_pairs(self, genes: np.ndarray, effects: np.ndarray, counts: np.ndarray) -> np.ndarray:
        """:meth:`acting_at` on one chunk of pairs (``counts``: stored levels of each pair's gene)."""
        levels, out = self.levels, np.zeros(len(genes))
        pair = np.repeat(np.arange(len(genes)), counts)
        if not len(pair):
            return out
        starts = np.cumsum(counts) - counts  # where each pair's levels begin in ``pair``
        entry = np.arange(len(pair)) + np.repeat(levels.indptr[genes] - starts, counts)  # in levels.data
        inside = self.effect_cells[effects[pair], levels.indices[entry]]
        values = np.where(inside, levels.data[entry], 0.0)
        some = counts > 0
        out[some] = np.maximum.reduceat(values, starts[some])
        return out

    @cached_property
    def measured(self) -> np.ndarray:
        """Per effect: True when some gene has an expression level in one of its cell types."""
        levels = self.levels
        has_data = np.zeros(levels.shape[1], dtype=bool)
        has_data[levels.indices[levels.data > 0]] = True
        return (self.effect_cells & has_data[None, :]).any(axis=1)

    @cached_property
    def senders(self) -> np.ndarray:
        """Per cell type: True for cell types of the tumour: tumour/stromal compartments, cell types
        observed in a tumour context (MDSCs, TAMs, Tregs ...) and Cell Ontology subtypes of those."""
        tumour = np.isin(self.compartments, self.spec.compartments)
        observed = np.asarray(self._levels(self.spec.observed, binary=True).sum(axis=1)).ravel() > 0
        return tumour | _with_subtypes(observed, self.parents)

    @cached_property
    def compartments(self) -> np.ndarray:
        """Per cell type: its ``compartment`` property (None when unset)."""
        return np.array(
            [self.hm.kg.node(c).prop("compartment") for c in self.hm.ids["CellType"]], dtype=object
        )

    @cached_property
    def parents(self) -> np.ndarray:
        """Cell types x cell types, True where the row is a direct subtype of the column."""
        return self._levels(self.spec.subclass, binary=True).toarray() > 0

    @cached_property
    def supply(self) -> np.ndarray:
        """s(T): per gene, the highest level in a sender cell type; 1 for every gene when the tumour's
        cell types are not all measured (unknown is not absent): no sender has expression data, or a
        compartment of ``sender_classes`` (neoplastic, stromal, immune) has no sender with data. A
        malignant-cell profile alone (e.g. TCGA purity regression) cannot tell that a gene is absent
        from the tumour: TAMs, MDSCs or CAFs may make it."""
        genes = self.levels.shape[0]
        if not self.senders.any():
            return np.ones(genes)
        columns = np.flatnonzero(self.senders)
        sent = self.levels[:, columns]
        measured = set(self.compartments[columns[sent.getnnz(axis=0) > 0]])
        if not measured or not set(self.spec.sender_classes) <= measured:
            return np.ones(genes)
        return sent.max(axis=1).toarray().ravel()

    @cached_property
    def target_weight(self) -> TargetWeight:
        """W(T, E), read per gene (``target_weight[T]``: over all effects) or per entry
        (``target_weight[T, E]``); never stored as a genes x effects array (:class:`TargetWeight`)."""
        return TargetWeight(self)

    def target_weight_at(self, genes: np.ndarray, effects: np.ndarray) -> np.ndarray:
        """W(T, E) of the pairs ``(genes[i], effects[i])``."""
        return weight(np.maximum(self.supply[genes], self.acting_at(genes, effects)), self.spec.floor)

    def receptor_factors(self) -> np.ndarray:
        """Per edge row: rho(R, E) on Gene -> ImmuneEffect edges of measured effects, else 1."""
        hm = self.hm
        factors = np.ones(len(hm.edge_index))
        s, o = hm.edge_index[:, 0], hm.edge_index[:, 1]
        rows = np.flatnonzero((hm.category_of[s] == "Gene") & (hm.category_of[o] == "ImmuneEffect"))
        genes, effects = hm.local[s[rows]], hm.local[o[rows]]
        measured = self.measured[effects]
        factors[rows[measured]] = weight(self.acting_at(genes[measured], effects[measured]), self.spec.floor)
        return factors

    def sender_cell(self, gene: int) -> str | None:
        """The tumour/stromal cell type where a gene's level is highest (None without evidence)."""
        return self._best_cell(gene, self.senders)

    def receiver_cell(self, gene: int, effect: int) -> str | None:
        """The effect's cell type (or subtype) where a gene's level is highest (None without evidence)."""
        return self._best_cell(gene, self.effect_cells[effect])

    def _best_cell(self, gene: int, allowed: np.ndarray) -> str | None:
        values = np.where(allowed, self.levels[gene].toarray().ravel(), 0.0)
        best = int(values.argmax()) if len(values) else 0
        return self.hm.ids["CellType"][best] if len(values) and values[best] > 0 else None


class TargetWeight:
    """W(T, E) on demand: ``[T]`` gives one gene's weights over all effects, ``[T, E]`` one entry.

    A genes x effects array would hold a weight for every pair (never 0: at least the floor), and the
    scorer needs it only where the benefit has paths (:meth:`CellWeights.target_weight_at`).
    """

    def __init__(self, cells: CellWeights) -> None:
        self.cells = cells

    def __getitem__(self, key: int | tuple[int, int]) -> Any:
        if isinstance(key, tuple):
            gene, effect = key
            return self.cells.target_weight_at(np.array([gene]), np.array([effect]))[0]
        effects = self.cells.effect_cells.shape[0]
        return self.cells.target_weight_at(np.full(effects, int(key)), np.arange(effects))


def _with_subtypes(cells: np.ndarray, parents: np.ndarray) -> np.ndarray:
    """A cell-type set grown by the subtypes of its members, transitively (``parents``: child x parent)."""
    closure = cells.copy()
    for _ in range(len(cells)):
        grown = closure | parents[:, closure].any(axis=1)
        if (grown == closure).all():
            break
        closure = grown
    return closure


def _max_duplicates(coo: Any, shape: tuple[int, int]) -> sp.csr_matrix:
    """A COO matrix with parallel entries reduced to their maximum, as CSR."""
    import scipy.sparse as sp

    cell = coo.row.astype(np.int64) * shape[1] + coo.col
    unique, inverse = np.unique(cell, return_inverse=True)
    best = np.zeros(len(unique))
    np.maximum.at(best, inverse, coo.data)
    return sp.csr_matrix((best, (unique // shape[1], unique % shape[1])), shape=shape)
