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

from typing import TYPE_CHECKING

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
    from tmekg.queries.crosstalk_direction import settings
    from tmekg.queries.crosstalk_evidence import schema_roles
    from tmekg.queries.model_reactions import MAKES, USES, read
    from tmekg.schema import load_schema

    conf = settings()
    model = read(kg, set(conf["sources"]), conf["reversible"])
    roles = schema_roles(load_schema())
    edges = np.asarray(kg.edge_index)
    keep = ~model.transport_rows
    for role, wanted in (("production", MAKES), ("consumption", USES)):
        codes = [kg.predicates.index(p) for p in roles.get(role, []) if p in kg.predicates]
        rows = np.flatnonzero(np.isin(edges[:, 2], codes))
        bits = model.bits(edges[rows, 0], edges[rows, 1])
        keep[rows[(bits != 0) & (bits & wanted == 0)]] = False
    return keep
