"""Cell-cell metabolic crosstalk inferred from the graph (never from raw files), MEBOCOST-style.

Evidence read from a :class:`~tmekg.graph.KnowledgeGraph` (see ``docs/crosstalk.md``):

* expression: gene -> cell type edges (``expressed_in``) whose provenance names a study; the
  provenance score is the expression weight in [0, 1] the study loaders store;
* resources: gene -> metabolite edges with a fixed sign (``produces`` +1, ``degrades`` -1) or a
  direction (``transports``), and metabolite -> gene sensing edges (``binds``/``activates``/
  ``inhibits``). Predicates are found by their endpoints and signs in the schema.

Two modes per (sender, metabolite, receiver): **supply** (sender makes/exports minus degrades,
receiver senses or imports) and **depletion** (sender degrades/imports minus makes, receiver
imports: competition). Each row has a score, the genes behind it on both sides, the evidence rows
and a permutation p-value (:mod:`tmekg.queries.crosstalk_score`). Inferred rows become ``crosstalk``
edges with ``inferred=true`` and source ``tmekg-crosstalk``, apart from curated facts.

Examples
--------
>>> import tmekg
>>> kg = tmekg.open()                                               # doctest: +SKIP
>>> rows = infer_crosstalk(kg, CrosstalkParams(permutations=200))   # doctest: +SKIP
>>> rows[0].sender_name, rows[0].metabolite_name, rows[0].receiver_name   # doctest: +SKIP
"""

from __future__ import annotations

import weakref
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from tmekg.errors import TmekgError
from tmekg.model import Edge, Provenance, props
from tmekg.queries import crosstalk_score as cs
from tmekg.queries.crosstalk_evidence import collect, crosstalk_predicate, resource_roles, symbol  # noqa: F401

SOURCE = "tmekg-crosstalk"
METHOD = (
    "tmekg-crosstalk (MEBOCOST-like: sender production balance x receiver sensor confidence, combined "
    "study + reference expression, gene-wise label permutation)"
)
MODES = ("supply", "depletion")
COLUMNS = (
    "sender_id",
    "sender_name",
    "metabolite_id",
    "metabolite_name",
    "receiver_id",
    "receiver_name",
    "mode",
    "score",
    "p_value",
    "sender_genes",
    "receiver_genes",
)


@dataclass(frozen=True)
class CrosstalkParams:
    """Inference parameters (all written into the ``parameters`` property of inferred edges).

    ``study`` restricts the study evidence to one study; ``reference`` says how reference atlases
    (``hpa-blood``) join (``profiles``: inside study cell types only; ``all``: their other cell types
    too; ``none``; see :func:`tmekg.queries.crosstalk_expression.combined`); ``currency`` keeps
    currency metabolites and ions (``queries/crosstalk_currency.yaml``); ``colocalisation`` is a
    region x cell type count table whose co-occurrence prior weights the scores
    (:mod:`tmekg.queries.crosstalk_coloc`); ``receiver_location`` is the receiver-location rule
    (``extracellular``: receivers must have a receptor / channel / transporter function, GO classes on
    the Gene node; ``any``; :func:`tmekg.queries.crosstalk_evidence.receiver_location`);
    ``sender_direction`` is the sender-direction rule (``gem``: the genome-scale model's reactions
    decide the direction of the production / consumption claims they know; ``off``;
    :mod:`tmekg.queries.crosstalk_direction`); ``min_receiver_confidence`` keeps only receiver genes
    whose confidence (``queries/crosstalk.yaml`` ``receivers``) is at least this: 1.0 = sensors with a
    recorded action or a curated source, 0.8 adds importers and WikiPathways, 0 (default) everything;
    ``signalling_only`` leaves out metabolites without a sensing gene of confidence ``receivers.signal``
    (by-products that only meet transporters), keeping every receiver of the others.
    """

    study: str | None = None
    modes: tuple[str, ...] = MODES
    permutations: int = 1000
    seed: int = 0
    max_set: int = 250
    autocrine: bool = False
    reference: str = "profiles"
    currency: bool = False
    colocalisation: str | None = None
    receiver_location: str = "extracellular"
    sender_direction: str = "gem"
    min_receiver_confidence: float = 0.0
    signalling_only: bool = False

    def text(self) -> str:
        """``key=value;...`` form for edge properties."""
        modes = "|".join(self.modes)
        return (
            f"permutations={self.permutations};seed={self.seed};max_set={self.max_set};"
            f"autocrine={str(self.autocrine).lower()};modes={modes};reference={self.reference};"
            f"currency={str(self.currency).lower()};colocalisation={self.colocalisation or ''};"
            f"receiver_location={self.receiver_location};sender_direction={self.sender_direction};"
            f"min_receiver_confidence={self.min_receiver_confidence:g};"
            f"signalling_only={str(self.signalling_only).lower()}"
        )


@dataclass
class Crosstalk:
    """One inferred sender -> metabolite -> receiver row (both modes merged: ``mode`` names them)."""

    sender_id: str
    sender_name: str
    metabolite_id: str
    metabolite_name: str
    receiver_id: str
    receiver_name: str
    mode: str
    score: float
    p_value: float | None
    sender_genes: list[str]
    receiver_genes: list[str]
    study: str
    evidence: dict[str, list[dict[str, Any]]] = field(default_factory=dict)
    modes: dict[str, dict[str, Any]] = field(default_factory=dict)
    colocalisation: float | None = None

    def row(self) -> dict[str, Any]:
        """The TSV/table row (exactly :data:`COLUMNS`)."""
        return {c: getattr(self, c) for c in COLUMNS}

    def to_dict(self) -> dict[str, Any]:
        """JSON form: the row plus study, per-mode scores, co-localisation weight and evidence."""
        return {
            **self.row(),
            "study": self.study,
            "modes": self.modes,
            "colocalisation": self.colocalisation,
            "evidence": self.evidence,
        }


@dataclass
class _Inputs:
    """Everything one inference reads: roles, combined expression, excluded metabolites, weights."""

    roles: Any
    expression: Any
    matrix: tuple[np.ndarray, list[str], list[str]]
    excluded: set[str]
    coloc: Any | None


def infer_crosstalk(
    kg: Any,
    params: CrosstalkParams | None = None,
    sender: str | None = None,
    receiver: str | None = None,
    metabolite: str | None = None,
    top: int = 0,
    evidence: bool = True,
) -> list[Crosstalk]:
    """Infer crosstalk from the combined expression evidence, one row per (sender, metabolite, receiver).

    Filters take ids, names or synonyms (resolved with ``kg.resolve``). Every candidate is scored and
    tested; names, supporting genes and (unless ``evidence=False``) the evidence rows are assembled
    for the ``top`` rows only (0 = all).
    """
    params = params or CrosstalkParams()
    unknown = set(params.modes) - set(MODES)
    if unknown:
        raise TmekgError(f"unknown crosstalk mode(s) {sorted(unknown)} (use supply, depletion)")
    inputs = _inputs(kg, params)
    wanted = {k: kg.resolve(v).id for k, v in (("s", sender), ("r", receiver), ("m", metabolite)) if v}
    parts = [_infer(inputs, mode, params, wanted) for mode in params.modes]
    return [_row(kg, inputs, h, evidence) for h in _best(parts, top)]


def _inputs(kg: Any, params: CrosstalkParams) -> _Inputs:
    from tmekg.queries.crosstalk_currency import currency_ids
    from tmekg.queries.crosstalk_expression import combined

    if not 0.0 <= params.min_receiver_confidence <= 1.0:  # before any evidence is read
        raise TmekgError(f"min receiver confidence {params.min_receiver_confidence:g} is not within [0, 1]")
    expression = combined(kg, params.study, params.reference)
    studies = sorted({r.study for r in expression.rows if r.study})
    if params.study and params.study not in studies:
        known = sorted({r.study for r in combined(kg).rows if r.study})
        raise TmekgError(f"no expression evidence for study '{params.study}' (known: {', '.join(known)})")
    if not expression.best:
        raise TmekgError(
            "no expression evidence in the store: build with hpa-blood or load markers or a pseudobulk "
            "(tmekg study load FILE --format seurat|scanpy|pseudobulk|anndata --study-id ID)"
        )
    roles = resource_roles(kg, params.receiver_location, params.sender_direction)
    roles.min_receiver = params.min_receiver_confidence
    excluded = set() if params.currency else currency_ids(kg, roles.metabolites())
    if params.signalling_only:
        from tmekg.queries.crosstalk_expression import config

        excluded |= roles.metabolites() - roles.signals(float(config()["receivers"]["signal"]))
    coloc = None
    if params.colocalisation:
        from tmekg.queries.crosstalk_coloc import load

        coloc = load(params.colocalisation)
    genes = {g for g, _ in roles.edges}
    return _Inputs(roles, expression, expression.matrix(genes), excluded, coloc)


@dataclass(frozen=True)
class _Hit:
    """A scored candidate before names and evidence are looked up."""

    score: float
    p_value: float | None
    sender: str
    receiver: str
    metabolite: str
    mode: str
    members: tuple[list[str], list[str], list[str]]
    modes: dict[str, tuple[float, float | None]]
    weight: float | None


@dataclass
class _Scored:
    """All scored candidates of one mode: index arrays plus what they index."""

    mode: str
    celltypes: list[str]
    metabolites: list[str]
    members: list[tuple[list[str], list[str], list[str]]]
    cand: tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]
    p_values: np.ndarray
    weights: np.ndarray | None


def _infer(inputs: _Inputs, mode: str, params: CrosstalkParams, wanted: dict[str, str]) -> _Scored:
    matrix, celltypes, genes = inputs.matrix
    metabolites, sets, members, index_sets = _gene_sets(inputs, mode, genes, params.max_set, wanted.get("m"))
    cand = cs.candidates(matrix, sets, params.autocrine) if metabolites else _empty()
    keep = ~cs.same_gene_only(matrix, index_sets[0], index_sets[1], cand)
    index = {c: i for i, c in enumerate(celltypes)}
    for key, column in (("s", 0), ("r", 1)):
        if key in wanted:
            keep &= cand[column] == index.get(wanted[key], -1)
    cand = tuple(a[keep] for a in cand)
    strata = inputs.expression.strata()
    p_values = cs.permutation_pvalues(matrix, sets, cand, params.permutations, params.seed, strata=strata)
    weights = None
    if inputs.coloc is not None:
        weights = inputs.coloc.matrix(celltypes)[cand[0], cand[1]]
        cand = (*cand[:3], cand[3] * weights)
    return _Scored(mode, celltypes, metabolites, members, cand, p_values, weights)


def _empty() -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    none = np.zeros(0, dtype=np.int64)
    return none, none, none, np.zeros(0)


def _best(parts: list[_Scored], top: int) -> list[_Hit]:
    """The ``top`` (sender, metabolite, receiver) rows over all modes (0 = all), modes merged.

    Order: score desc, p asc, then sender and receiver ids; a triple found in both modes is one row
    with the better mode's score and p-value and ``mode`` naming both (``supply+depletion``).
    """
    part = np.concatenate([np.full(len(x.cand[0]), i) for i, x in enumerate(parts)] or [np.zeros(0, int)])
    row = np.concatenate([np.arange(len(x.cand[0])) for x in parts] or [np.zeros(0, int)])
    score = np.round(np.concatenate([x.cand[3] for x in parts] or [np.zeros(0)]), 6)
    p = np.concatenate([x.p_values for x in parts] or [np.zeros(0)])
    sender = np.array(
        [parts[i].celltypes[parts[i].cand[0][j]] for i, j in zip(part, row, strict=True)] or [""]
    )
    receiver = np.array(
        [parts[i].celltypes[parts[i].cand[1][j]] for i, j in zip(part, row, strict=True)] or [""]
    )
    order = np.lexsort((receiver[: len(p)], sender[: len(p)], np.nan_to_num(p, nan=2.0), -score))
    merged: dict[tuple[str, str, str], dict[str, tuple[float, float | None]]] = {}
    first: dict[tuple[str, str, str], int] = {}
    for k in order:
        x, j = parts[part[k]], row[k]
        key = (str(sender[k]), x.metabolites[x.cand[2][j]], str(receiver[k]))
        p_value = None if np.isnan(p[k]) else round(float(p[k]), 6)
        merged.setdefault(key, {})[x.mode] = (float(score[k]), p_value)
        first.setdefault(key, int(k))
    keys = list(first)[:top] if top else list(first)
    return [_hit(parts, part, row, first[key], key, merged[key]) for key in keys]


def _hit(parts: list[_Scored], part: np.ndarray, row: np.ndarray, k: int, key: tuple, modes: dict) -> _Hit:
    x, j = parts[part[k]], row[k]
    score, p_value = modes[x.mode]
    name = "+".join(m for m in MODES if m in modes)
    weight = None if x.weights is None else round(float(x.weights[j]), 6)
    return _Hit(score, p_value, key[0], key[2], key[1], name, x.members[x.cand[2][j]], modes, weight)


def _gene_sets(
    inputs: _Inputs, mode: str, genes: list[str], max_set: int, only: str | None
) -> tuple[list[str], cs.GeneSets, list[tuple[list[str], list[str], list[str]]], tuple[list, list]]:
    """Per metabolite: (positive, negative, receiver) gene lists for ``mode``; oversized sets and
    currency metabolites skipped. Also returns the (positive, receiver) column-index lists."""
    column = {g: j for j, g in enumerate(genes)}
    roles = inputs.roles
    metabolites, pos, neg, recv, conf, sizes_p, sizes_n, members = [], [], [], [], [], [], [], []
    pos_conf, neg_conf = [], []
    for m in sorted(roles.metabolites() - inputs.excluded):
        if only and m != only:
            continue
        p_set, n_set, r_set = roles.sets(m, mode)
        if not p_set or not r_set or max(len(p_set), len(n_set), len(r_set)) > max_set:
            continue
        metabolites.append(m)
        members.append((sorted(p_set), sorted(n_set), sorted(r_set)))
        p_genes = [g for g in sorted(p_set) if g in column]
        n_genes = [g for g in sorted(n_set) if g in column]
        pos.append([column[g] for g in p_genes])
        neg.append([column[g] for g in n_genes])
        pos_conf.append([roles.producer_confidence(g, m) for g in p_genes])
        neg_conf.append([roles.producer_confidence(g, m) for g in n_genes])
        r_genes = [g for g in sorted(r_set) if g in column]
        recv.append([column[g] for g in r_genes])
        conf.append([roles.receiver_confidence(g, m) for g in r_genes])
        sizes_p.append(len(p_set))
        sizes_n.append(len(n_set))
    sets = cs.GeneSets.build(pos, neg, recv, len(genes), (sizes_p, sizes_n), conf, (pos_conf, neg_conf))
    return metabolites, sets, members, (pos, recv)


def _row(kg: Any, inputs: _Inputs, hit: _Hit, evidence: bool = True) -> Crosstalk:
    pos, _, recv = hit.members
    best = inputs.expression.best
    sender_genes = _supporting(best, hit.sender, pos)
    receiver_genes = _supporting(best, hit.receiver, recv, inputs.roles, hit.metabolite)
    support = [best[(g, hit.sender)] for g in sender_genes] + [
        best[(g, hit.receiver)] for g in receiver_genes
    ]
    return Crosstalk(
        sender_id=hit.sender,
        sender_name=kg.node(hit.sender).name,
        metabolite_id=hit.metabolite,
        metabolite_name=kg.node(hit.metabolite).name,
        receiver_id=hit.receiver,
        receiver_name=kg.node(hit.receiver).name,
        mode=hit.mode,
        score=hit.score,
        p_value=hit.p_value,
        sender_genes=[symbol(kg, g) for g in sender_genes],
        receiver_genes=[symbol(kg, g) for g in receiver_genes],
        study=";".join(sorted({(r.study or r.source) for r in support})),
        evidence=_evidence(inputs, hit, sender_genes, receiver_genes) if evidence else {},
        modes={m: {"score": s, "p_value": p} for m, (s, p) in hit.modes.items()},
        colocalisation=hit.weight,
    )


def _supporting(best: dict, celltype: str, genes: list[str], roles: Any = None, m: str = "") -> list[str]:
    """Genes of ``genes`` with evidence in ``celltype``, strongest (x receiver confidence) first."""
    hits = []
    for g in genes:
        row = best.get((g, celltype))
        if row is not None:
            conf = roles.receiver_confidence(g, m) if roles is not None else 1.0
            hits.append((row.level * conf, g))
    return [g for w, g in sorted(hits, key=lambda t: (-t[0], t[1])) if w > 0]


def _evidence(inputs: _Inputs, hit: _Hit, s_genes: list[str], r_genes: list[str]) -> dict[str, list]:
    best, edges = inputs.expression.best, inputs.roles.edges
    return {
        "sender": [best[(g, hit.sender)].as_dict() for g in s_genes],
        "receiver": [
            {
                **best[(g, hit.receiver)].as_dict(),
                "confidence": inputs.roles.receiver_confidence(g, hit.metabolite),
                "location": inputs.roles.location.get(g),  # kept (GO function class) or unknown
            }
            for g in r_genes
        ],
        "resources": [
            e for g in dict.fromkeys(s_genes + r_genes) for e in edges.get((g, hit.metabolite), [])
        ],
    }


def to_edges(rows: Iterable[Crosstalk], params: CrosstalkParams | None = None) -> list[Edge]:
    """Inferred rows as ``crosstalk`` edges (``inferred=true``, source ``tmekg-crosstalk``), one per mode."""
    from tmekg import __version__

    params = params or CrosstalkParams()
    out = []
    for row in rows:
        pmids = sorted({e for item in row.evidence.get("resources", []) for e in item.get("evidence", [])})
        modes = row.modes or {row.mode: {"score": row.score, "p_value": row.p_value}}
        for mode, result in modes.items():
            prov = Provenance(SOURCE, __version__, tuple(pmids), result["score"], study=_study_of(row))
            values = {
                "metabolite": row.metabolite_id,
                "mode": mode,
                "p_value": result["p_value"],
                "sender_genes": tuple(row.sender_genes),
                "receiver_genes": tuple(row.receiver_genes),
                "method": METHOD,
                "parameters": params.text(),
                "inferred": True,
            }
            out.append(Edge(row.sender_id, crosstalk_predicate(), row.receiver_id, (prov,), props(values)))
    return out


def _study_of(row: Crosstalk) -> str | None:
    """The first study id behind a row (provenance.study must be a Study id), else None."""
    ids = [s for s in row.study.split(";") if ":" in s]
    return ids[0] if ids else None


def crosstalk_table(
    store: str | Path | None = None,
    sender: str | None = None,
    receiver: str | None = None,
    metabolite: str | None = None,
    top: int = 20,
    params: CrosstalkParams | None = None,
    evidence: bool = True,
) -> list[Crosstalk]:
    """``tmekg crosstalk``: open the store, infer, keep the ``top`` rows (0 = all)."""
    from tmekg.graph import KnowledgeGraph

    with KnowledgeGraph.open(store) as kg:
        return infer_crosstalk(kg, params, sender, receiver, metabolite, top, evidence)


_CACHE: weakref.WeakKeyDictionary = weakref.WeakKeyDictionary()


def crosstalk_for(kg: Any, celltype_id: str, params: CrosstalkParams | None = None) -> dict[str, list[dict]]:
    """Incoming and outgoing crosstalk of a cell type, for ``tmekg show``.

    Returns ``{"outgoing": [...], "incoming": [...]}``; each item is a row of :data:`COLUMNS` plus
    ``source`` (``tmekg-crosstalk`` for inferred rows, else the sources of a stored edge),
    ``inferred`` and ``study``. Stored ``crosstalk`` edges (curated or reported by MEBOCOST, LIANA+,
    CellPhoneDB...) come first, then inferred rows (computed once per graph and cached).
    """
    node = kg.resolve(celltype_id)
    out: dict[str, list[dict]] = {"outgoing": [], "incoming": []}
    for nb in kg.neighbours(node.id):
        if nb.edge.predicate == crosstalk_predicate():
            out["outgoing" if nb.outgoing else "incoming"].append(_stored_row(kg, nb.edge))
    key = params or CrosstalkParams()
    cached = _CACHE.setdefault(kg, {})
    if key not in cached:
        try:
            cached[key] = infer_crosstalk(kg, key)
        except TmekgError:
            cached[key] = []
    for row in cached[key]:
        for side, end in (("outgoing", row.sender_id), ("incoming", row.receiver_id)):
            if end == node.id:
                out[side].append({**row.row(), "source": SOURCE, "inferred": True, "study": row.study})
    return out


def _stored_row(kg: Any, edge: Edge) -> dict[str, Any]:
    metabolite = edge.prop("metabolite")
    try:
        met_name = kg.node(metabolite).name
    except TmekgError:
        met_name = metabolite
    scores = [p.score for p in edge.provenance if p.score is not None]
    return {
        "sender_id": edge.subject,
        "sender_name": kg.node(edge.subject).name,
        "metabolite_id": metabolite,
        "metabolite_name": met_name,
        "receiver_id": edge.object,
        "receiver_name": kg.node(edge.object).name,
        "mode": edge.prop("mode"),
        "score": max(scores) if scores else None,
        "p_value": edge.prop("p_value"),
        "sender_genes": list(edge.prop("sender_genes", ())),
        "receiver_genes": list(edge.prop("receiver_genes", ())),
        "source": ";".join(sorted({p.source for p in edge.provenance})),
        "inferred": bool(edge.prop("inferred", False)),
        "study": ";".join(sorted({p.study for p in edge.provenance if p.study})),
    }


def roles_summary(
    kg: Any, receiver_location: str | None = None, sender_direction: str | None = None
) -> dict[str, Any]:
    """How many metabolites / genes each resource role has (diagnostics for docs and tests).

    ``receivers_kept`` / ``receivers_dropped`` / ``receivers_unknown`` count the receiver genes (sensors
    and importers) by their receiver-location status. With the sender-direction rule ``gem`` the
    counts of :func:`tmekg.queries.crosstalk_direction.apply_directions` follow (``producers_demoted``,
    ``consumers_demoted``, ``producers_promoted``, ``consumers_promoted``, ``producers_transport``,
    ``consumers_transport``, ``senders_confirmed``, ``senders_reversed``, ``senders_transport``,
    ``senders_unknown``: (gene, metabolite) pairs).
    """
    roles = resource_roles(kg, receiver_location, sender_direction)
    counts: dict[str, int] = defaultdict(int)
    for m in roles.metabolites():
        for mode in MODES:
            p_set, _, r_set = roles.sets(m, mode)
            counts[f"{mode}_evaluable"] += bool(p_set and r_set)
    for status in roles.location.values():
        counts[f"receivers_{status}"] += 1
    return {"metabolites": len(roles.metabolites()), **counts, **roles.direction_counts}
