"""Combination scoring of (metabolic target, immunotherapy class) pairs by signed path analysis.

The formula and its rationale are in ``docs/scoring.md``; the weights in ``queries/scoring.yaml``.
In short, for target gene T, immunotherapy class I and immune effects E::

    benefit(T, E) = m(T) * polarity(E) * sum_mp signedDWPC_mp(T, E)
    mech(T, I)    = sum_E benefit(T, E) * (1 + w_comp * r_I(E))
    S(T, I)       = w_mech * mech(T, I) * (1 + w_ctx * ctx(T)) - w_harm * harm(T)

``m(T)`` is how drugs modulate T (-1 inhibition by default), ``polarity(E)`` is +1 for antitumour and
-1 for protumour effects, ``r_I(E)`` in [0, 1] is how strongly class I's drugs act on E (through
their targets and the cell types expressing them), ``ctx(T)`` in [0, 1] is T's presence in PDAC
tumour and stromal cell types, and ``harm(T)`` is T's expression in cell types where antitumour
effects occur.

Examples
--------
>>> scorer = Scorer(tmekg.open())                      # doctest: +SKIP
>>> scorer.rank(immunotherapy="anti-PD-1").head()      # doctest: +SKIP
"""

from __future__ import annotations

import functools
import sys
import weakref
from collections.abc import Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import numpy as np

from tmekg.errors import TmekgError
from tmekg.graph import KnowledgeGraph
from tmekg.io import packaged_yaml
from tmekg.queries.cell_weights import CellSpec, CellWeights
from tmekg.queries.dwpc import UnsupportedMetapath, dwpc
from tmekg.queries.hetmat import EdgeWeights, HetMat
from tmekg.queries.metapaths import Metapath, enumerate_metapaths, metaedges, parse, passes_through
from tmekg.schema import Schema, load_schema

if TYPE_CHECKING:
    import pandas as pd
    import scipy.sparse as sp

TARGET_ROLES = ("enzyme", "transporter", "receptor", "sensor", "nuclear_receptor")
POLARITY = {"antitumour": 1.0, "protumour": -1.0}


class ScoringError(TmekgError):
    """The graph or the configuration cannot be scored."""


@functools.cache
def default_config() -> dict[str, Any]:
    """The shipped ``queries/scoring.yaml``, with the grade weights of ``queries/grades.yaml``."""
    from tmekg.grades import grade_table

    table = grade_table()
    config = packaged_yaml("tmekg.queries", "scoring.yaml")
    config.setdefault("grade_weights", {**table.weights, "ungraded": table.ungraded_weight})
    return config


_CLAIMS: weakref.WeakKeyDictionary[Any, dict[str, np.ndarray | None]] = weakref.WeakKeyDictionary()


def model_claims_mask(kg: KnowledgeGraph, rule: str) -> np.ndarray | None:
    """:func:`tmekg.queries.model_claims.claims_mask` of ``kg``, computed once per graph and rule."""
    from tmekg.queries.model_claims import claims_mask

    cached = _CLAIMS.setdefault(kg, {})
    if rule not in cached:
        cached[rule] = claims_mask(kg, rule)
    return cached[rule]


def check_mechanism_config(config: Mapping[str, Any], schema: Schema) -> None:
    """The ``mechanism`` section names schema categories/predicates; every exclusion has a reason.

    Raises
    ------
    ScoringError
        Naming the offending field (``mechanism.exclude[0].categories``) and value.
    """
    mech = config["mechanism"]
    for key in ("source", "target"):
        if mech[key] not in schema.categories:
            raise ScoringError(f"scoring config: mechanism.{key}: unknown category '{mech[key]}'")
    _check_names(mech["last_predicates"], schema.predicates, "mechanism.last_predicates", "predicate")
    rules = mech.get("exclude") or []
    if not isinstance(rules, list):
        raise ScoringError("scoring config: mechanism.exclude: must be a list of rules")
    for i, rule in enumerate(rules):
        field = f"mechanism.exclude[{i}]"
        if not isinstance(rule, Mapping) or set(rule) - {"categories", "predicates", "reason"}:
            raise ScoringError(f"scoring config: {field}: keys are categories, predicates and reason")
        _check_names(rule.get("categories") or [], schema.categories, f"{field}.categories", "category")
        _check_names(rule.get("predicates") or [], schema.predicates, f"{field}.predicates", "predicate")
        if not str(rule.get("reason") or "").strip():
            raise ScoringError(f"scoring config: {field}.reason: say why these paths are not mechanism")
        if not (rule.get("categories") or rule.get("predicates")):
            raise ScoringError(f"scoring config: {field}: names no category and no predicate")
    _check_sender_classes(config, schema)
    prefix = (config.get("candidates") or {}).get("identified_by")
    if prefix is not None and prefix not in schema.prefixes:
        raise ScoringError(f"scoring config: candidates.identified_by: unknown id prefix '{prefix}'")


def _check_sender_classes(config: Mapping[str, Any], schema: Schema) -> None:
    """``cell_resolved.sender_classes`` must be values of the CellType ``compartment`` enum."""
    classes = (config.get("cell_resolved") or {}).get("sender_classes") or []
    known = dict.fromkeys(schema.categories["CellType"].properties["compartment"].values or ())
    _check_names(classes, known, "cell_resolved.sender_classes", "compartment")


def _check_names(names: Any, known: Mapping[str, Any], field: str, kind: str) -> None:
    if not isinstance(names, list):
        raise ScoringError(f"scoring config: {field}: must be a list")
    for name in names:
        if name not in known:
            raise ScoringError(f"scoring config: {field}: unknown {kind} '{name}'")


def mechanism_metapaths(
    config: Mapping[str, Any], schema: Schema
) -> tuple[list[Metapath], dict[str, tuple[Metapath, str]]]:
    """Mechanism metapaths enumerated from the schema, split by the ``mechanism.exclude`` rules.

    Returns the kept metapaths and {code: (metapath, reason)} for the excluded ones (first matching
    rule), both sorted by length then code.
    """
    check_mechanism_config(config, schema)
    prop, mech = config["propagation"], config["mechanism"]
    allowed = metaedges(schema, [*prop["signed"], *prop["carrier"]])
    found = enumerate_metapaths(
        schema, mech["source"], mech["target"], int(config["max_length"]), allowed, mech["last_predicates"]
    )
    kept, excluded = [], {}
    for mp in found:
        rule = next((r for r in mech.get("exclude") or [] if _matches(mp, r)), None)
        if rule is None:
            kept.append(mp)
        else:
            excluded[mp.abbrev] = (mp, " ".join(str(rule["reason"]).split()))
    return kept, excluded


def _matches(metapath: Metapath, rule: Mapping[str, Any]) -> bool:
    return bool(passes_through(metapath, rule.get("categories") or (), rule.get("predicates") or ()))


@dataclass
class Components:
    """Per-candidate score components (arrays over targets x classes, or over targets)."""

    mech: np.ndarray
    ctx: np.ndarray
    harm: np.ndarray
    score: np.ndarray


class Scorer:
    """Scores every candidate target x immunotherapy class on one graph.

    Parameters
    ----------
    kg
        The knowledge graph.
    config
        Scoring configuration (default: the shipped ``scoring.yaml``).
    edge_index
        Optional replacement edge array (a permuted graph with the same nodes and edge rows).
    edge_mask
        Optional boolean mask of the edge rows to use (e.g. facts valid in one context).
    node_factors
        Optional {node id: factor} scaling the weights of edges touching a node (personalised ranking:
        a sample's relative expression of genes, activity of pathways).
    """

    def __init__(
        self,
        kg: KnowledgeGraph,
        config: Mapping[str, Any] | None = None,
        edge_index: np.ndarray | None = None,
        edge_mask: np.ndarray | None = None,
        node_factors: Mapping[str, float] | None = None,
    ) -> None:
        self.kg = kg
        self.config = dict(config or default_config())
        self.schema = load_schema()
        self.damping = float(self.config["damping"])
        self.node_factors = dict(node_factors or {})
        claims = model_claims_mask(kg, str(self.config.get("model_claims", "off")))
        if claims is not None:  # claims the genome-scale model contradicts (queries/model_claims.py)
            edge_mask = claims if edge_mask is None else edge_mask & claims
        self.hetmat = HetMat(kg, EdgeWeights.from_config(self.config), edge_index, edge_mask, node_factors)
        spec = CellSpec.from_config(self.config)  # cell-resolved weights (queries/cell_weights.py)
        self.cells = CellWeights(self.hetmat, spec) if spec else None
        if self.cells is not None:
            self.hetmat.scale_edges(self.cells.receptor_factors())
        self.metapaths, self.skipped = self._mechanism_metapaths()
        self.targets = self._candidate_targets()
        self.classes = self._classes()
        if not self.targets or not self.classes:
            raise ScoringError("the graph has no candidate targets or no immunotherapy classes to score")

    # -- set-up --------------------------------------------------------------------------------
    def _mechanism_metapaths(self) -> tuple[list[Metapath], dict[str, str]]:
        """Kept mechanism metapaths (``self.excluded``: {code: reason} of those the rules leave out)."""
        kept, excluded = mechanism_metapaths(self.config, self.schema)
        self.excluded = {code: reason for code, (_mp, reason) in excluded.items()}
        return kept, {}

    def _candidate_targets(self) -> list[int]:
        """Category-local indices of genes with an enzyme/transporter/receptor/sensor role.

        When the graph was built with the gene authority (some gene carries an id of the prefix
        ``candidates.identified_by`` in the config, NCBIGENE), only genes it identified are candidates:
        microbial enzymes that WikiPathways draws in human pathways (fldB, porB) are not human targets.
        """
        genes = [self.kg.node(node_id) for node_id in self.hetmat.ids["Gene"]]
        prefix = str(self.config.get("candidates", {}).get("identified_by", "")) + ":"
        identified = [prefix != ":" and any(x.startswith(prefix) for x in (g.id, *g.xrefs)) for g in genes]
        need_id = any(identified)
        return [
            i
            for i, gene in enumerate(genes)
            if any(r in TARGET_ROLES for r in gene.prop("roles", ())) and (identified[i] or not need_id)
        ]

    def _classes(self) -> list[str]:
        allowed = self.schema.categories["Drug"].properties["immunotherapy_class"].values
        present = {n.prop("immunotherapy_class") for n in self.kg.nodes if n.category == "Drug"}
        return [c for c in allowed if c in present]

    # -- components ----------------------------------------------------------------------------
    @functools.cached_property
    def mechanism_matrices(self) -> dict[str, sp.csr_matrix]:
        """Signed DWPC (genes x effects) of every supported mechanism metapath."""
        out = {}
        for mp in self.metapaths:
            try:
                matrix = dwpc(self.hetmat, mp, self.damping, signed=True)
            except UnsupportedMetapath as exc:
                self.skipped[mp.abbrev] = str(exc)
                continue
            if matrix.nnz:
                out[mp.abbrev] = matrix
        return out

    @functools.cached_property
    def polarity(self) -> np.ndarray:
        """+1 antitumour, -1 protumour, 0 unknown, per immune effect."""
        ids = self.hetmat.ids["ImmuneEffect"]
        return np.array([POLARITY.get(self.kg.node(i).prop("polarity"), 0.0) for i in ids])

    @functools.cached_property
    def modulation(self) -> np.ndarray:
        """How drugs act on each gene: -1 inhibit, +1 activate; default from the config.

        Only therapeutic ``targets`` edges vote (:func:`therapeutic_mask`).
        """
        hm = self.hetmat
        m = np.full(hm.size("Gene"), float(self.config["default_modulation"]))
        votes = np.zeros_like(m)
        rows = np.flatnonzero(hm.edge_index[:, 2] == self.kg.predicates.index("targets"))
        rows = rows[hm.category_of[hm.edge_index[rows, 1]] == "Gene"]
        rows = rows[therapeutic_mask(self.kg)[rows]]  # substrates, metabolites, imaging agents: no vote
        np.add.at(votes, hm.local[hm.edge_index[rows, 1]], np.asarray(self.kg.edge_sign)[rows])
        m[votes > 0] = 1.0
        m[votes < 0] = -1.0
        return m

    @functools.cached_property
    def class_drugs(self) -> list[list[int]]:
        """Per class (in ``self.classes`` order), the Drug rows of that immunotherapy class."""
        classes = [self.kg.node(d).prop("immunotherapy_class") for d in self.hetmat.ids["Drug"]]
        return [[i for i, c in enumerate(classes) if c == cls] for cls in self.classes]

    @functools.cached_property
    def own_targets(self) -> np.ndarray:
        """Genes x classes, True where the class's own drugs act on the gene (``own_targets`` metapath,
        e.g. PDCD1 for anti-PD-1): the immunotherapy itself, not a metabolic partner of it."""
        out = np.zeros((self.hetmat.size("Gene"), len(self.classes)), dtype=bool)
        text = self.config.get("own_targets")
        if not text:
            return out
        mp = parse(text, self.schema)
        if mp.categories[0] != "Drug" or mp.categories[-1] != "Gene":
            raise ScoringError(f"scoring config: own_targets: '{text}' must lead from a Drug to a Gene")
        matrix = abs(dwpc(self.hetmat, mp, self.damping, signed=False))
        for k, rows in enumerate(self.class_drugs):
            out[:, k] = np.asarray(matrix[rows].sum(axis=0)).ravel() > 0
        return out

    @functools.cached_property
    def sphere(self) -> np.ndarray:
        """r_I(E) in [0, 1]: classes x effects."""
        total = np.zeros((len(self.classes), self.hetmat.size("ImmuneEffect")))
        for text in self.config["sphere_metapaths"]:
            matrix = dwpc(self.hetmat, parse(text, self.schema), self.damping, signed=False)
            for k, rows in enumerate(self.class_drugs):
                total[k] += np.asarray(matrix[rows].sum(axis=0)).ravel()
        peak = total.max(axis=1, keepdims=True)
        return np.divide(total, peak, out=np.zeros_like(total), where=peak > 0)

    @functools.cached_property
    def context_matrix(self) -> sp.csr_matrix:
        """DWPC of the context metapath: genes x the tumour/stromal cell types (other columns zero)."""
        spec = self.config["context"]
        matrix = dwpc(self.hetmat, parse(spec["metapath"], self.schema), self.damping, signed=False).tocsr()
        cells = self.hetmat.ids["CellType"]
        keep = [self.kg.node(c).prop("compartment") in spec["compartments"] for c in cells]
        import scipy.sparse as sparse

        return (matrix @ sparse.diags(np.asarray(keep, dtype=float))).tocsr()

    @functools.cached_property
    def context(self) -> np.ndarray:
        """ctx(T) in [0, 1]: DWPC of the context metapath into tumour/stromal cell types."""
        raw = np.asarray(self.context_matrix.sum(axis=1)).ravel()
        return raw / raw.max() if raw.max() > 0 else raw

    def context_cells(self, row: int) -> list[tuple[str, float]]:
        """The tumour/stromal cell types behind ctx(T) of one gene with their DWPC, largest first:
        where the gene is (location), which scales its mechanism but is not a mechanism itself."""
        matrix = self.context_matrix
        start, stop = matrix.indptr[row], matrix.indptr[row + 1]
        cells = self.hetmat.ids["CellType"]
        pairs = zip(matrix.indices[start:stop].tolist(), matrix.data[start:stop].tolist(), strict=True)
        found = [(cells[c], float(v)) for c, v in pairs if v]
        return sorted(found, key=lambda cv: (-cv[1], cv[0]))

    @functools.cached_property
    def harm(self) -> np.ndarray:
        """harm(T): DWPC to effects of the configured polarity through the cells expressing T (summed
        over the ``harm.metapaths``; a single ``harm.metapath`` is still read)."""
        spec = self.config["harm"]
        texts = spec.get("metapaths") or [spec["metapath"]]
        mats = [dwpc(self.hetmat, parse(text, self.schema), self.damping, signed=False) for text in texts]
        matrix = functools.reduce(lambda a, b: a + b, mats)
        cols = self.polarity == POLARITY[spec["polarity"]]
        return np.asarray(matrix[:, cols].sum(axis=1)).ravel()

    def benefit(self) -> sp.csr_matrix:
        """benefit(T, E) summed over metapaths: genes x effects, sparse (nonzero only where T has a
        mechanism path to E; the cell-resolved weight is read at those entries only)."""
        import scipy.sparse as sparse

        shape = (self.hetmat.size("Gene"), self.hetmat.size("ImmuneEffect"))
        empty = sparse.csr_matrix(shape)
        total = functools.reduce(lambda a, b: a + b, self.mechanism_matrices.values(), empty).tocsr()
        total.sum_duplicates()
        genes = np.repeat(np.arange(shape[0]), np.diff(total.indptr))
        values = total.data
        if self.cells is not None:  # where the target is, per effect (replaces the context factor)
            values = values * self.cells.target_weight_at(genes, total.indices)
        values = values * self.modulation[genes] * self.polarity[total.indices]
        return sparse.csr_matrix((values, total.indices, total.indptr), shape=shape)

    @functools.cached_property
    def context_factor(self) -> np.ndarray:
        """Per gene, the multiplier of its mechanism: ``1 + w_ctx ctx(T)``, or 1 with cell-resolved
        weights (the target's location is then in :attr:`CellWeights.target_weight`)."""
        if self.cells is not None:
            return np.ones(self.hetmat.size("Gene"))
        return 1.0 + float(self.config["weights"]["context"]) * self.context

    def components(self) -> Components:
        """All score components for every gene x class (rows: all genes)."""
        w = self.config["weights"]
        focus = 1.0 + float(w["complementarity"]) * self.sphere  # classes x effects
        mech = dense_rows_product(self.benefit(), focus.T)  # genes x classes
        ctx, harm = self.context, self.harm
        score = float(w["mechanism"]) * mech * self.context_factor[:, None]
        score = score - float(w["harm"]) * harm[:, None]
        return Components(mech=mech, ctx=ctx, harm=harm, score=score)

    # -- output --------------------------------------------------------------------------------
    def table(self, components: Components | None = None) -> pd.DataFrame:
        """Every candidate x class with its components (unranked), less each class's own targets."""
        import pandas as pd

        comp = components or self.components()
        genes = self.hetmat.ids["Gene"]
        own = self.own_targets
        rows = []
        for t in self.targets:
            for k, cls in enumerate(self.classes):
                if own[t, k]:
                    continue
                rows.append(
                    {
                        "target_id": genes[t],
                        "target_symbol": self.kg.node(genes[t]).name,
                        "immunotherapy_class": cls,
                        "score": float(comp.score[t, k]),
                        "mechanism": float(comp.mech[t, k]),
                        "context": float(comp.ctx[t]),
                        "harm": float(comp.harm[t]),
                        "_row": t,
                        "_class": k,
                    }
                )
        return pd.DataFrame(rows)

    def drugs_of(self, gene_id: str, all_drugs: bool = False) -> list[str]:
        """Names of the drugs that therapeutically modulate a gene in the scored direction.

        The score assumes the modulation ``m(T)`` (:attr:`modulation`: inhibition unless the gene's
        drugs say otherwise), so drugs acting that way come first, then drugs of unstated direction,
        each most advanced clinical phase first; drugs acting the opposite way (e.g. AHR agonists when
        the score is for AHR inhibition) are listed only with ``all_drugs``, last. At most
        ``drugs_shown`` (config) unless ``all_drugs``. Drugs whose ``targets`` edge the build classified
        non-therapeutic (endogenous metabolites, the target's substrates and products, imaging agents,
        no stated action: :mod:`tmekg.loaders.drug_kinds`) are left out.
        """
        found = drugs_by_gene(self.kg).get(gene_id, {})
        wanted = self.modulation[self.hetmat.index(gene_id)] if gene_id in self.kg else 0.0
        agree = {name: sign * wanted for name, sign in found.items()}
        names = sorted(found, key=lambda n: -agree[n])  # stable: keeps phase order within each group
        if all_drugs:
            return names
        return [n for n in names if agree[n] >= 0][: int(self.config.get("drugs_shown", 5))]


def dense_rows_product(matrix: sp.csr_matrix, right: np.ndarray, block: int = 4096) -> np.ndarray:
    """``matrix @ right`` for a sparse ``matrix``: its nonzero rows multiplied as dense blocks.

    Every block is ``block`` rows (the last one padded with zero rows), so each row goes through the
    same BLAS call whatever the number of nonzero rows: the BLAS sums a row over all columns in its
    own order, a sparse product adds the same terms in another order, and either may change the last
    bit of a score; on OpenBLAS a block this tall takes the path of the dense genes x effects product
    the scorer used before (bit-identical scores). At most ``block`` dense rows are held at a time;
    rows without entries are 0.
    """
    out = np.zeros((matrix.shape[0], right.shape[1]))
    rows = np.flatnonzero(np.diff(matrix.indptr))
    dense = np.zeros((block, matrix.shape[1]))
    for start in range(0, len(rows), block):
        chunk = rows[start : start + block]
        dense[:] = 0.0
        dense[: len(chunk)] = matrix[chunk].toarray()
        out[chunk] = (dense @ right)[: len(chunk)]
    return out


def drugs_by_gene(kg: KnowledgeGraph) -> dict[str, dict[str, int]]:
    """Gene id -> {drug name: action sign (+1 activates, -1 inhibits, 0 unstated)} of its therapeutic
    drugs, ordered most advanced clinical phase first, then by the drug -> gene fact stated by the most
    sources (DrugCentral, Repurposing Hub, GtoPdb...), then by name.

    Cached on the graph and in the store (:mod:`tmekg.queries.derived`).
    """
    cache = kg.__dict__
    if "_drugs_by_gene" not in cache:
        from tmekg.queries.derived import cached_table

        here = sys.modules[__name__]
        cache["_drugs_by_gene"] = cached_table(kg, "drugs_by_gene", {}, [here], lambda: _drugs_by_gene(kg))
    return cache["_drugs_by_gene"]


def _drugs_by_gene(kg: KnowledgeGraph) -> dict[str, dict[str, int]]:
    """:func:`drugs_by_gene` computed from the full ``targets`` edge records (the uncached path)."""
    rank: dict[str, dict[str, tuple[int, int]]] = {}
    signs: dict[str, dict[str, set[int]]] = {}
    targets = np.asarray(kg.edge_index[:, 2]) == kg.predicates.index("targets")
    for row in np.flatnonzero(targets & therapeutic_mask(kg)).tolist():
        edge = kg.edge_record(row)  # the raw record (no provenance objects); the sign is stored per row
        drug = kg.node(edge["subject"])
        known = rank.setdefault(edge["object"], {})
        mine = (drug.prop("max_phase", -1), len({p["source"] for p in edge["provenance"]}))
        known[drug.name] = max(known.get(drug.name, mine), mine)
        signs.setdefault(edge["object"], {}).setdefault(drug.name, set()).add(int(kg.edge_sign[row]))
    return {
        g: {n: _one_sign(signs[g][n]) for n in sorted(d, key=lambda n: (-d[n][0], -d[n][1], n.lower(), n))}
        for g, d in rank.items()
    }


def _one_sign(signs: set[int]) -> int:
    """The action sign of a drug on a gene over all its edges: 0 when unstated or contradictory."""
    stated = {s for s in signs if s}
    return stated.pop() if len(stated) == 1 else 0


def therapeutic_mask(kg: KnowledgeGraph) -> np.ndarray:
    """Per edge row: False for ``targets`` edges classified non-therapeutic at build time, else True.

    Edges without the ``therapeutic`` property (stores built before it existed) count as therapeutic.
    Cached on the graph (permutation null scorers reuse it) and in the store, as the rows of the
    non-therapeutic edges (:mod:`tmekg.queries.derived`).
    """
    cache = kg.__dict__
    if "_therapeutic_mask" not in cache:
        from tmekg.queries.derived import cached_table

        here = sys.modules[__name__]
        off = cached_table(kg, "non_therapeutic_rows", {}, [here], lambda: _non_therapeutic_rows(kg))
        mask = np.ones(kg.edge_count, dtype=bool)
        mask[np.asarray(off, dtype=np.int64)] = False
        cache["_therapeutic_mask"] = mask
    return cache["_therapeutic_mask"]


def _non_therapeutic_rows(kg: KnowledgeGraph) -> list[int]:
    """Rows of the ``targets`` edges whose record says ``therapeutic: false`` (the uncached path)."""
    code = kg.predicates.index("targets")
    rows = np.flatnonzero(np.asarray(kg.edge_index[:, 2]) == code).tolist()
    # the raw records: no provenance objects
    return [r for r in rows if kg.edge_record(r).get("properties", {}).get("therapeutic", True) is False]
