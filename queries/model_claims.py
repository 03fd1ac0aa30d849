"""Production / consumption claims the genome-scale model contradicts, left out of the ranking.

Resources state ``Gene -produces-> Metabolite`` and ``-degrades->`` directly (MEBOCOST, MetalinksDB,
CellPhoneDB); the genome-scale model (Human-GEM) states the same through reactions
(``Gene -catalyzes-> Reaction -has_input / has_output-> Metabolite``, a ``reversible`` flag). The
crosstalk inference already lets the model decide where it knows a pair
(:mod:`tmekg.queries.crosstalk_direction`); this module applies the same reading to the ranking's
matrices, so ``tmekg rank`` / ``explain`` and ``tmekg crosstalk`` agree. With rule ``gem``
(``scoring.yaml`` ``model_claims``) the edge rows left out are:

* a production claim on a (gene, metabolite) pair the model knows, where no reaction of the gene
  makes the metabolite (it only uses it: DHCR24 / desmosterol), or only moves it between compartments
  (a transport: MetalinksDB's HDLBP, NPC1, STARD3 "producing" cholesterol); consumption likewise;
* a model reaction's input / output edge to a metabolite on **both** of its sides: a transport does
  not make or use the metabolite it moves (compartments are merged on the Metabolite node).

Pairs the model does not know keep the resource's claim. Everything is computed on the edge arrays
(no edge records are parsed); only reactions whose node comes from the model's sources
(``crosstalk.yaml`` ``senders.direction.sources``) count.

>>> MODEL_CLAIM_RULES
('gem', 'off')
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import numpy as np

from tmekg.errors import TmekgError

if TYPE_CHECKING:
    from tmekg.graph import KnowledgeGraph

MODEL_CLAIM_RULES = ("gem", "off")


def check_rule(rule: str) -> str:
    """``rule`` if known, else :class:`TmekgError`."""
    if rule not in MODEL_CLAIM_RULES:
        raise TmekgError(f"unknown model-claims rule '{rule}' (use one of: {', '.join(MODEL_CLAIM_RULES)})")
    return rule


def claims_mask(kg: KnowledgeGraph, rule: str = "gem") -> np.ndarray | None:
    """Boolean mask over ``kg.edge_index`` rows (``False`` = left out), or ``None`` for rule ``off``."""
    if check_rule(rule) == "off":
        return None
    from tmekg.queries.crosstalk_direction import _predicates, settings
    from tmekg.queries.crosstalk_evidence import schema_roles
    from tmekg.schema import load_schema

    catalysis, inputs, outputs = _predicates()
    roles = schema_roles(load_schema())
    codes = {name: i for i, name in enumerate(kg.predicates)}
    pick = lambda names: [codes[n] for n in names if n in codes]  # noqa: E731
    edges, pred = np.asarray(kg.edge_index), np.asarray(kg.edge_index)[:, 2]
    conf = settings()
    model, rev = _model_reactions(kg, set(conf["sources"]), conf["reversible"])
    ins, outs = (np.isin(pred, pick(p)) & model[edges[:, 0]] for p in (inputs, outputs))
    moved = _both_sides(edges, ins, outs)
    keep = ~((ins | outs) & moved)
    sides = (ins & ~moved, outs & ~moved, moved)
    makes, uses, moves = _gene_bits(len(kg.nodes), edges, pred, pick(catalysis), sides, rev)
    for role, wanted in (("production", makes), ("consumption", uses)):
        rows = np.flatnonzero(np.isin(pred, pick(roles.get(role, []))))
        g, m = edges[rows, 0], edges[rows, 1]
        known = _at(makes, g, m) | _at(uses, g, m) | _at(moves, g, m)
        keep[rows[known & ~_at(wanted, g, m)]] = False
    return keep


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


def _gene_bits(
    n: int, edges: np.ndarray, pred: np.ndarray, catalysis: list[int], sides: tuple, rev: np.ndarray
) -> tuple[Any, Any, Any]:
    """Sparse (node x node) counts: a gene's model reactions that make / use / move a metabolite.

    ``sides`` are the edge-row masks of (inputs, outputs, transported) metabolites. A reversible
    reaction makes and uses both sides; an irreversible one makes its outputs and uses its inputs
    (read left to right, as :func:`tmekg.queries.crosstalk_direction.gem_directions`).
    """
    import scipy.sparse as sp

    def matrix(mask: np.ndarray) -> Any:
        r = np.flatnonzero(mask)
        return sp.csr_matrix((np.ones(len(r)), (edges[r, 0], edges[r, 1])), shape=(n, n))

    cat = matrix(np.isin(pred, catalysis))
    inputs, outputs, moving = (matrix(m) for m in sides)
    reversible = sp.diags(rev.astype(float))
    makes = cat @ (outputs + reversible @ inputs)
    uses = cat @ (inputs + reversible @ outputs)
    return makes.tocsr(), uses.tocsr(), (cat @ moving).tocsr()
