"""The genome-scale model's reading of genes and metabolites, shared by crosstalk and the ranking.

The graph holds a genome-scale model's reactions (Human-GEM) as ``Gene -catalyzes-> Reaction
-has_input / has_output-> Metabolite`` with the Reaction's ``reversible`` flag. Per (gene, metabolite):

* the gene **makes** the metabolite if one of its reactions has it as output, or is reversible with it
  on either side; it **uses** it if one has it as input, or is reversible (a reaction without the flag
  is read as irreversible, left to right);
* a reaction with the metabolite on **both** sides (a transport between compartments; the metabolite
  node is compartment-free) neither makes nor uses it: the gene **moves** it.

Only reaction nodes from the model's sources count. Everything is computed on the edge arrays (no
edge records are parsed): :mod:`tmekg.queries.crosstalk_direction` turns it into sender directions,
:mod:`tmekg.queries.model_claims` into the ranking's edge mask. Predicates are found by their schema
endpoints and signs (``Gene -> Reaction``; ``Reaction -> Metabolite`` with sign -1 input, +1 output).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import numpy as np

from tmekg.schema import load_schema

if TYPE_CHECKING:
    from tmekg.graph import KnowledgeGraph

MAKES, USES, MOVES = 1, 2, 4


def predicates() -> tuple[list[str], list[str], list[str]]:
    """(Gene -> Reaction, Reaction -> Metabolite input, Reaction -> Metabolite output) predicate names."""
    schema = load_schema()
    gene, rxn, met = (schema.category(c).name for c in ("Gene", "Reaction", "Metabolite"))
    catalysis, inputs, outputs = [], [], []
    for name, p in schema.predicates.items():
        if (p.subject, p.object) == ((gene,), (rxn,)):
            catalysis.append(name)
        elif (p.subject, p.object) == ((rxn,), (met,)) and not p.sign_from:
            {-1: inputs, 1: outputs}.get(p.sign, []).append(name)
    return catalysis, inputs, outputs


@dataclass(frozen=True)
class ModelReactions:
    """Node x node sparse counts of a gene's model reactions that make / use / move a metabolite, and
    the edge rows that link a model reaction to a metabolite on both of its sides (``transport_rows``)."""

    makes: Any
    uses: Any
    moves: Any
    transport_rows: np.ndarray

    def bits(self, rows: np.ndarray, cols: np.ndarray) -> np.ndarray:
        """``MAKES | USES | MOVES`` per (gene row, metabolite row) pair; 0: the model does not know it."""
        out = np.zeros(len(rows), dtype=np.int8)
        for matrix, bit in ((self.makes, MAKES), (self.uses, USES), (self.moves, MOVES)):
            out |= np.where(_at(matrix, rows, cols), bit, 0).astype(np.int8)
        return out

    def pairs(self) -> dict[tuple[int, int], int]:
        """Every (gene row, metabolite row) pair the model knows, with its bits."""
        out: dict[tuple[int, int], int] = {}
        for matrix, bit in ((self.makes, MAKES), (self.uses, USES), (self.moves, MOVES)):
            coo = matrix.tocoo()
            for g, m in zip(coo.row[coo.data > 0].tolist(), coo.col[coo.data > 0].tolist(), strict=True):
                out[(g, m)] = out.get((g, m), 0) | bit
        return out


def read(kg: KnowledgeGraph, sources: set[str], reversible: str) -> ModelReactions:
    """The model's reading of ``kg``: reactions whose node comes from ``sources``, property
    ``reversible`` as the reversibility flag."""
    import scipy.sparse as sp

    catalysis, inputs, outputs = predicates()
    codes = {name: i for i, name in enumerate(kg.predicates)}
    edges = np.asarray(kg.edge_index)
    pred = edges[:, 2]
    model, rev = _model_reactions(kg, sources, reversible)
    ins, outs = (
        np.isin(pred, [codes[n] for n in p if n in codes]) & model[edges[:, 0]] for p in (inputs, outputs)
    )
    moved = _both_sides(edges, ins, outs)
    n = len(kg.nodes)

    def matrix(mask: np.ndarray) -> Any:
        r = np.flatnonzero(mask)
        return sp.csr_matrix((np.ones(len(r)), (edges[r, 0], edges[r, 1])), shape=(n, n))

    cat = matrix(np.isin(pred, [codes[n] for n in catalysis if n in codes]))
    i, o = matrix(ins & ~moved), matrix(outs & ~moved)
    flag = sp.diags(rev.astype(float))
    return ModelReactions(
        (cat @ (o + flag @ i)).tocsr(), (cat @ (i + flag @ o)).tocsr(), (cat @ matrix(moved)).tocsr(), moved
    )


def _at(matrix: Any, rows: np.ndarray, cols: np.ndarray) -> np.ndarray:
    """``matrix[rows[k], cols[k]] > 0`` as a flat bool array (empty for no pairs)."""
    if not len(rows):
        return np.zeros(0, dtype=bool)
    return np.asarray(matrix[rows, cols]).reshape(-1) > 0


def _model_reactions(kg: KnowledgeGraph, sources: set[str], flag: str) -> tuple[np.ndarray, np.ndarray]:
    """Per node row: a reaction node from the model's sources; a reversible one (property ``flag``)."""
    model = np.zeros(len(kg.nodes), dtype=bool)
    rev = np.zeros(len(kg.nodes), dtype=bool)
    for i, node in enumerate(kg.nodes):
        if node.category == "Reaction" and any(p.source in sources for p in node.provenance):
            model[i], rev[i] = True, bool(node.prop(flag))
    return model, rev


def _both_sides(edges: np.ndarray, ins: np.ndarray, outs: np.ndarray) -> np.ndarray:
    """Per edge row: an input or output edge whose (reaction, metabolite) is on both sides."""
    width = int(edges[:, :2].max()) + 1 if len(edges) else 1
    key = edges[:, 0].astype(np.int64) * width + edges[:, 1]
    both = np.intersect1d(key[ins], key[outs])
    return (ins | outs) & np.isin(key, both)
