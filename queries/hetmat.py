"""Typed sparse adjacency matrices of the graph, one per metaedge (a hetmat, as in hetmatpy).

Rows and columns are category-local node indices. For each metaedge we keep the binary adjacency
(degrees are counted on it, as in Himmelstein et al. 2017) and the weighted, signed adjacency whose
entries are ``sign x weight``. Reactions are indexed by reaction group
(:mod:`tmekg.queries.reaction_groups`: compartment copies and lipid-species variants of one step are
one node), and parallel edges between the same two nodes of one metaedge (e.g. a gene catalysing four
compartment copies of a step) count once: the strongest weight, with the sign of the sum of their
signs (0 when they cancel). Matrices are built straight from the store's memory-mapped edge arrays.

Examples
--------
>>> kg = tmekg.open()                                   # doctest: +SKIP
>>> hm = HetMat(kg, weights)                            # doctest: +SKIP
>>> binary, signed, unsigned = hm.matrices(MetaEdge("Gene", "produces", "Metabolite"))  # doctest: +SKIP
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import numpy as np

from tmekg.grades import grade_weight_array
from tmekg.graph import KnowledgeGraph
from tmekg.queries.metapaths import MetaEdge
from tmekg.queries.reaction_groups import GroupSpec, ReactionGroups, reaction_groups
from tmekg.schema import load_schema

if TYPE_CHECKING:
    import scipy.sparse as sp


@dataclass(frozen=True)
class EdgeWeights:
    """How edges enter the matrices: sign handling per predicate and confidence weights."""

    signed: frozenset[str]
    carrier: frozenset[str]
    unverified: float = 0.5
    per_predicate: Mapping[str, float] = field(default_factory=dict)
    default_score: float = 1.0
    reaction_groups: GroupSpec | None = field(default_factory=GroupSpec)
    grades: Mapping[str, float] | None = None  # grade -> weight (queries/grades.yaml); None: not used
    ungraded: float = 1.0

    @classmethod
    def from_config(cls, config: Mapping[str, Any]) -> EdgeWeights:
        """Read the ``propagation`` and ``edge_weights`` sections of the scoring config."""
        weights = dict(config.get("edge_weights", {}))
        unverified = float(weights.pop("unverified", 0.5))
        default = float(weights.pop("default_score", 1.0))
        return cls(
            signed=frozenset(config["propagation"]["signed"]),
            carrier=frozenset(config["propagation"]["carrier"]),
            unverified=unverified,
            per_predicate={k: float(v) for k, v in weights.items()},
            default_score=default,
            reaction_groups=GroupSpec.from_config(config),
            **_grade_weights(config.get("grade_weights")),
        )


def _grade_weights(spec: Mapping[str, Any] | None) -> dict[str, Any]:
    """The ``grade_weights`` config section ({grade: weight, ..., ungraded: weight}) as keywords."""
    if not spec:
        return {}
    weights = {str(k): float(v) for k, v in spec.items() if k != "ungraded"}
    return {"grades": weights, "ungraded": float(spec.get("ungraded", 1.0))}


class HetMat:
    """Per-category node indices and per-metaedge sparse matrices of a :class:`KnowledgeGraph`.

    ``edge_index`` may be replaced (same shape) to score a permuted graph with the same nodes;
    ``edge_mask`` (bool per edge row) leaves edges out, e.g. facts not valid in a context.
    ``node_factors`` ({node id: factor}) multiplies the weight of every edge touching that node, e.g.
    a tumour sample's relative expression of a gene (personalised ranking).
    """

    def __init__(
        self,
        kg: KnowledgeGraph,
        weights: EdgeWeights,
        edge_index: np.ndarray | None = None,
        edge_mask: np.ndarray | None = None,
        node_factors: Mapping[str, float] | None = None,
    ) -> None:
        self.kg = kg
        self.weights = weights
        self.schema = load_schema()
        categories = np.array([n.category for n in kg.nodes])
        self.ids: dict[str, list[str]] = {}
        self.local = np.zeros(len(kg.nodes), dtype=np.int64)
        self.reaction_groups: ReactionGroups | None = (
            reaction_groups(kg, weights.reaction_groups) if weights.reaction_groups else None
        )
        for cat in self.schema.categories:
            rows = np.flatnonzero(categories == cat)
            if self.reaction_groups is not None and cat == self.reaction_groups.category:
                self._index_groups(rows)
                continue
            self.ids[cat] = [kg.nodes[r].id for r in rows]
            self.local[rows] = np.arange(len(rows))
        self.category_of = categories
        codes = {cat: i for i, cat in enumerate(self.schema.categories)}
        self._cat_code = np.array([codes[c] for c in categories], dtype=np.int16)
        self._codes = codes
        self.edge_index = np.asarray(kg.edge_index if edge_index is None else edge_index)
        self.edge_mask = np.ones(len(self.edge_index), dtype=bool) if edge_mask is None else edge_mask
        self._sign = self._edge_signs()
        self._weight = self._edge_weights() * self._node_factor_weights(node_factors or {})
        self._cache: dict[MetaEdge, tuple[sp.csr_matrix, sp.csr_matrix, sp.csr_matrix]] = {}

    def _index_groups(self, rows: np.ndarray) -> None:
        """Index the reaction category by group: every member row maps to its group's index."""
        groups = self.reaction_groups
        assert groups is not None
        self.ids[groups.category] = [g.id for g in groups.groups]
        self.local[rows] = [groups.index[self.kg.nodes[r].id] for r in rows]

    def label(self, node_id: str) -> str:
        """Display name of a node of a path: the group label for a reaction."""
        if self.reaction_groups is None:
            return self.kg.node(node_id).name
        return self.reaction_groups.label(self.kg, node_id)

    def _edge_signs(self) -> np.ndarray:
        """Per-edge sign under the propagation rules: schema sign, +1 for carriers, 0 otherwise."""
        preds = self.kg.predicates
        pred = self.edge_index[:, 2]
        sign = np.zeros(len(pred))
        signed_codes = [preds.index(p) for p in self.weights.signed if p in preds]
        carrier_codes = [preds.index(p) for p in self.weights.carrier if p in preds]
        chosen = np.isin(pred, signed_codes)
        sign[chosen] = np.asarray(self.kg.edge_sign, dtype=np.float64)[chosen]
        sign[np.isin(pred, carrier_codes)] = 1.0
        return sign

    def _node_factor_weights(self, factors: Mapping[str, float]) -> np.ndarray:
        """Per-edge product of the factors of its two endpoints (1 where none is given)."""
        per_node = np.ones(len(self.kg.nodes))
        for node_id, factor in factors.items():
            if node_id in self.kg:
                per_node[self.kg.row(node_id)] = float(factor)
        return per_node[self.edge_index[:, 0]] * per_node[self.edge_index[:, 1]]

    def _edge_weights(self) -> np.ndarray:
        """Per-edge confidence weight (always positive)."""
        preds = self.kg.predicates
        pred = self.edge_index[:, 2]
        score = np.asarray(self.kg.edge_score, dtype=np.float64)
        weight = np.where(np.isnan(score), self.weights.default_score, score)
        weight = np.where(np.asarray(self.kg.edge_unverified), weight * self.weights.unverified, weight)
        for name, factor in self.weights.per_predicate.items():
            if name in preds:
                weight[pred == preds.index(name)] *= factor
        if self.weights.grades is not None:  # evidence grade of each edge (docs/evidence-grades.md)
            graded = grade_weight_array(self.kg, self.weights.grades, self.weights.ungraded)
            if graded is not None:
                weight = weight * graded
        return weight

    def _rows_of(self, code: int) -> np.ndarray:
        """Edge rows of one predicate (grouped once with a stable sort)."""
        if not hasattr(self, "_by_predicate"):
            order = np.argsort(self.edge_index[:, 2], kind="stable")
            bounds = np.searchsorted(self.edge_index[order, 2], np.arange(len(self.kg.predicates) + 1))
            self._by_predicate = (order, bounds)
        order, bounds = self._by_predicate
        return order[bounds[code] : bounds[code + 1]]

    def size(self, category: str) -> int:
        """Number of nodes of a category."""
        return len(self.ids[category])

    def index(self, node_id: str) -> int:
        """Category-local index of a node."""
        return int(self.local[self.kg.row(node_id)])

    def matrices(self, metaedge: MetaEdge) -> tuple[sp.csr_matrix, sp.csr_matrix, sp.csr_matrix]:
        """(binary, signed weighted, unsigned weighted) adjacency of a metaedge, source -> target."""
        if metaedge not in self._cache:
            self._cache[metaedge] = self._build(metaedge)
        return self._cache[metaedge]

    def scale_edges(self, factors: np.ndarray) -> None:
        """Multiply every edge's weight by a per-edge-row factor (e.g. cell-resolved receptor weights);
        matrices built before are dropped."""
        self._weight = self._weight * factors
        self._cache.clear()

    def select(self, metaedge: MetaEdge) -> np.ndarray:
        """Edge rows of a metaedge (in the edge direction, endpoint categories checked, mask applied)."""
        subj_cat, obj_cat = (
            (metaedge.source, metaedge.target) if metaedge.forward else (metaedge.target, metaedge.source)
        )
        rows = self._rows_of(self.kg.predicates.index(metaedge.predicate))
        s, o = self.edge_index[rows, 0], self.edge_index[rows, 1]
        keep = (self._cat_code[s] == self._codes[subj_cat]) & (self._cat_code[o] == self._codes[obj_cat])
        return rows[keep & self.edge_mask[rows]]

    def _build(self, metaedge: MetaEdge) -> tuple[sp.csr_matrix, sp.csr_matrix, sp.csr_matrix]:
        import scipy.sparse as sp

        subj_cat, obj_cat = (
            (metaedge.source, metaedge.target) if metaedge.forward else (metaedge.target, metaedge.source)
        )
        mask = self.select(metaedge)
        s, o = self.edge_index[mask, 0], self.edge_index[mask, 1]
        rows, cols = self.local[s], self.local[o]
        shape = (self.size(subj_cat), self.size(obj_cat))
        rows, cols, weight, sign = count_once(rows, cols, self._weight[mask], self._sign[mask], shape)
        signed = sp.csr_matrix((weight * sign, (rows, cols)), shape=shape)
        unsigned = sp.csr_matrix((weight, (rows, cols)), shape=shape)
        binary = sp.csr_matrix((np.ones(len(rows)), (rows, cols)), shape=shape)
        if not metaedge.forward:
            return binary.T.tocsr(), signed.T.tocsr(), unsigned.T.tocsr()
        return binary, signed, unsigned


def count_once(
    rows: np.ndarray, cols: np.ndarray, weight: np.ndarray, sign: np.ndarray, shape: tuple[int, int]
) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Parallel entries of one (row, col) cell as one: the largest weight and the net sign.

    The sign is the sign of the sum of the parallel edges' signs: +1 or -1 when they agree, 0 when
    they cancel (an import and an export of the same metabolite).

    Examples
    --------
    >>> r, c, w, s = count_once(np.array([0, 0, 1]), np.array([1, 1, 0]), np.array([0.5, 1.0, 1.0]),
    ...                         np.array([1.0, 1.0, -1.0]), (2, 2))
    >>> w.tolist(), s.tolist()
    ([1.0, 1.0], [1.0, -1.0])
    """
    cell = rows * shape[1] + cols
    unique, inverse = np.unique(cell, return_inverse=True)
    if len(unique) == len(cell):
        return rows, cols, weight, sign
    best = np.zeros(len(unique))
    np.maximum.at(best, inverse, weight)
    net = np.zeros(len(unique))
    np.add.at(net, inverse, sign)
    return unique // shape[1], unique % shape[1], best, np.sign(net)
