"""Evidence for crosstalk inference, read from the graph: resource roles and per-study expression.

Predicates are chosen by their schema endpoints and signs, not by name:

* expression: ``Gene -> CellType``;
* production / consumption: ``Gene -> Metabolite`` with a fixed sign +1 / -1;
* transport: ``Gene -> Metabolite`` whose sign comes from a property (+1 export, -1 import,
  0 bidirectional);
* sensing: ``Metabolite -> Gene`` (any sign: binds, activates, inhibits);
* crosstalk: ``CellType -> CellType`` with a required ``metabolite`` property.

>>> from tmekg.schema import load_schema
>>> sorted(schema_roles(load_schema())["sensing"])
['activates', 'binds', 'inhibits']
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from functools import cache
from typing import Any

import numpy as np

from tmekg.schema import Schema, load_schema

GENE, METABOLITE, CELLTYPE = (load_schema().category(c).name for c in ("Gene", "Metabolite", "CellType"))


def schema_roles(schema: Schema) -> dict[str, list[str]]:
    """Predicate names per evidence role (see module docstring)."""
    roles: dict[str, list[str]] = defaultdict(list)
    for name, p in schema.predicates.items():
        ends = (p.subject, p.object)
        if ends == ((GENE,), (CELLTYPE,)):
            roles["expression"].append(name)
        elif ends == ((GENE,), (METABOLITE,)):
            role = "transport" if p.sign_from else {1: "production", -1: "consumption"}.get(p.sign)
            if role:
                roles[role].append(name)
        elif ends == ((METABOLITE,), (GENE,)):
            roles["sensing"].append(name)
        elif ends == ((CELLTYPE,), (CELLTYPE,)) and any(s.required for s in p.properties.values()):
            roles["crosstalk"].append(name)
    return dict(roles)


@dataclass
class Roles:
    """Gene sets per metabolite, receiver confidences and the resource edges behind them.

    Transporters are split by direction: ``export`` (export only), ``imports`` (import only) and
    ``bidirectional`` (annotated bidirectional, or annotated both ways by different edges). Supply
    senders never use ``imports`` or ``bidirectional``; they are receivers.
    """

    production: dict[str, set[str]] = field(default_factory=lambda: defaultdict(set))
    consumption: dict[str, set[str]] = field(default_factory=lambda: defaultdict(set))
    export: dict[str, set[str]] = field(default_factory=lambda: defaultdict(set))
    imports: dict[str, set[str]] = field(default_factory=lambda: defaultdict(set))
    bidirectional: dict[str, set[str]] = field(default_factory=lambda: defaultdict(set))
    sensing: dict[str, set[str]] = field(default_factory=lambda: defaultdict(set))
    confidence: dict[tuple[str, str], float] = field(default_factory=dict)
    sender_confidence: dict[tuple[str, str], float] = field(default_factory=dict)
    edges: dict[tuple[str, str], list[dict[str, Any]]] = field(default_factory=lambda: defaultdict(list))
    location: dict[str, str] = field(default_factory=dict)  # receiver gene -> kept / dropped / unknown
    not_receiving: set[str] = field(default_factory=set)  # genes the receiver-location rule drops
    # sender-direction rule (queries/crosstalk_direction.py): (gene, metabolite) production / consumption
    # claim -> confirmed / reversed / unknown by the genome-scale model, and what the rule changed
    direction: dict[tuple[str, str], str] = field(default_factory=dict)
    direction_counts: dict[str, int] = field(default_factory=dict)
    # receiver genes count only with a receiver confidence of at least this (``--min-receiver-confidence``)
    min_receiver: float = 0.0

    def metabolites(self) -> set[str]:
        """Metabolites with any resource gene."""
        tables = (
            self.production,
            self.consumption,
            self.export,
            self.imports,
            self.bidirectional,
            self.sensing,
        )
        return {m for table in tables for m in table}

    def exporters(self, m: str) -> set[str]:
        """Export-only transporters of ``m`` (not also annotated as importing or bidirectional)."""
        return self.export.get(m, set()) - self.imports.get(m, set()) - self.bidirectional.get(m, set())

    def importers(self, m: str) -> set[str]:
        """Transporters that can take ``m`` up (import or bidirectional)."""
        return self.imports.get(m, set()) | self.bidirectional.get(m, set())

    def sets(self, m: str, mode: str) -> tuple[set[str], set[str], set[str]]:
        """(positive sender, negative sender, receiver) genes of ``m`` for ``mode``.

        supply: producers + export-only transporters, minus consumers; receivers = sensors + importers.
        depletion: consumers + import-only transporters, minus producers; receivers = importers.
        Receivers never include genes the receiver-location rule dropped (``not_receiving``, see
        :func:`receiver_location`; the sender sides are not affected), nor genes whose receiver
        confidence for ``m`` is below ``min_receiver``. A transporter that can take ``m``
        up (import or bidirectional) is never supply evidence, even when a resource lists it as
        "producing" (MetalinksDB lists MCTs so); a reversible enzyme (listed as both producing and
        degrading ``m``) counts for the side the mode asks about and is not subtracted.
        """
        made, used = self.production.get(m, set()), self.consumption.get(m, set())
        reversible = made & used
        dropped = self.not_receiving | self.weak_receivers(m)
        if mode == "supply":
            return (
                (made | self.exporters(m)) - self.importers(m),
                used - reversible,
                (self.sensing.get(m, set()) | self.importers(m)) - dropped,
            )
        return (
            used | (self.imports.get(m, set()) - self.export.get(m, set())),
            made - reversible - self.importers(m),
            self.importers(m) - dropped,
        )

    def weak_receivers(self, m: str) -> set[str]:
        """Sensors / importers of ``m`` whose receiver confidence is below ``min_receiver``."""
        if self.min_receiver <= 0:
            return set()
        genes = self.sensing.get(m, set()) | self.importers(m)
        return {g for g in genes if self.receiver_confidence(g, m) < self.min_receiver}

    def signals(self, threshold: float) -> set[str]:
        """Metabolites with a sensing gene (not an importer, not dropped by the receiver-location rule)
        whose receiver confidence is at least ``threshold``."""
        return {
            m
            for m, genes in self.sensing.items()
            if any(self.receiver_confidence(g, m) >= threshold for g in genes - self.not_receiving)
        }

    def producer_confidence(self, gene: str, m: str) -> float:
        """Confidence of ``gene`` as a producer / consumer / transporter of ``m`` (``senders``)."""
        return self.sender_confidence.get((gene, m), 1.0)

    def receiver_confidence(self, gene: str, m: str) -> float:
        """Confidence of ``gene`` as a receiver of ``m`` (``queries/crosstalk.yaml`` ``receivers``)."""
        return self.confidence.get((gene, m), 0.0)


def _receiver_weights() -> dict[str, Any]:
    from tmekg.queries.crosstalk_expression import config

    return config()["receivers"]


def _sender_weights() -> dict[str, Any]:
    from tmekg.queries.crosstalk_expression import config

    return config()["senders"]


def _source_confidence(edge: Any, weights: dict[str, Any]) -> float:
    """Best source confidence of a production / consumption / transport edge."""
    return max(float(weights["sources"].get(p.source, weights["default"])) for p in edge.provenance)


def _sensing_confidence(edge: Any, weights: dict[str, Any]) -> float:
    """Best of the edge's source confidences, ``with_action`` for a recorded action, else ``default``."""
    best = float(weights["default"])
    mode = str(edge.prop("mode") or "")
    if mode and mode.split(":")[0].strip() in set(weights["action_words"]):
        best = max(best, float(weights["with_action"]))
    for prov in edge.provenance:
        best = max(best, float(weights["sources"].get(prov.source, 0.0)))
    return best


def resource_roles(kg: Any, location: str | None = None, direction: str | None = None) -> Roles:
    """Read every resource edge of the graph into :class:`Roles`.

    ``location`` is the receiver-location rule (``extracellular`` or ``any``; default from
    ``queries/crosstalk.yaml`` ``receivers.location.rule``): see :func:`receiver_location`.
    ``direction`` is the sender-direction rule (``gem`` or ``off``; default ``senders.direction.rule``):
    with ``gem`` the genome-scale model's reactions decide the direction of the production /
    consumption claims they know (:mod:`tmekg.queries.crosstalk_direction`).
    """
    from tmekg.queries import crosstalk_direction as cd

    direction = cd.check_rule(direction)
    schema = load_schema()
    names = schema_roles(schema)
    weights = _receiver_weights()
    senders = _sender_weights()
    roles = Roles()
    for role in ("production", "consumption", "transport", "sensing"):
        for predicate in names.get(role, []):
            for edge in kg.edges(predicate):
                gene, met = (edge.object, edge.subject) if role == "sensing" else (edge.subject, edge.object)
                sign = schema.edge_sign(edge)
                conf = 0.0
                if role == "transport":
                    table = {1: roles.export, -1: roles.imports, 0: roles.bidirectional}[sign]
                    table[met].add(gene)
                    conf = float(weights["importer"]) if sign <= 0 else 0.0
                elif role == "sensing":
                    roles.sensing[met].add(gene)
                    conf = _sensing_confidence(edge, weights)
                else:
                    getattr(roles, role)[met].add(gene)
                if conf > roles.confidence.get((gene, met), 0.0):
                    roles.confidence[(gene, met)] = conf
                if role != "sensing":
                    best = _source_confidence(edge, senders)
                    roles.sender_confidence[(gene, met)] = max(
                        best, roles.sender_confidence.get((gene, met), 0.0)
                    )
                roles.edges[(gene, met)].append(_resource_summary(edge))
    receivers = {g for genes in roles.sensing.values() for g in genes}
    for table in (roles.imports, roles.bidirectional):
        receivers |= {g for genes in table.values() for g in genes}
    roles.location = receiver_location(kg, receivers, location)
    roles.not_receiving = {g for g, status in roles.location.items() if status == DROPPED}
    if direction == "gem":
        claimed = {g for table in (roles.production, roles.consumption) for gs in table.values() for g in gs}
        roles.direction_counts = cd.apply_directions(roles, cd.gem_directions(kg, claimed))
    return roles


KEPT, DROPPED, UNKNOWN = "kept", "dropped", "unknown"
RECEIVER_LOCATIONS = ("extracellular", "any")


def receiver_location(kg: Any, genes: set[str], rule: str | None = None) -> dict[str, str]:
    """Receiver-location status of each gene: ``kept``, ``dropped`` or ``unknown``.

    With rule ``extracellular`` a receiver must be able to meet a metabolite another cell released:
    its Gene node's molecular-function classes (the property ``receivers.location.property``,
    ``function_class``, written by the gene-ontology loader from GO) must include one of
    ``receivers.location.classes`` (receptor, channel, transmembrane transporter, cargo receptor,
    ligand-activated transcription factor). A gene whose classes are all others (an enzyme such as
    PKM read as the "receiver" of its allosteric activator) is ``dropped``; a gene without the
    property is ``unknown`` and kept (unknown is not absent). With rule ``any`` every gene is
    ``kept``.

    Raises
    ------
    TmekgError
        For a rule other than ``extracellular`` / ``any``.
    """
    from tmekg.errors import TmekgError

    settings = _receiver_weights()["location"]
    rule = rule or settings["rule"]
    if rule not in RECEIVER_LOCATIONS:
        raise TmekgError(f"unknown receiver location '{rule}' (use one of: {', '.join(RECEIVER_LOCATIONS)})")
    if rule == "any":
        return dict.fromkeys(genes, KEPT)
    wanted = set(settings["classes"])
    out = {}
    for gene in genes:
        classes = kg.node(gene).prop(settings["property"]) if gene in kg else None
        out[gene] = UNKNOWN if not classes else (KEPT if wanted & set(classes) else DROPPED)
    return out


def _resource_summary(edge: Any) -> dict[str, Any]:
    return {
        "subject": edge.subject,
        "predicate": edge.predicate,
        "object": edge.object,
        "direction": edge.prop("direction"),
        "sources": sorted({p.source for p in edge.provenance}),
        "evidence": sorted({e for p in edge.provenance for e in p.evidence}),
    }


@dataclass
class Expression:
    """One study's expression evidence: ``(gene, cell type) -> (weight, details)``."""

    weights: dict[tuple[str, str], float] = field(default_factory=dict)
    details: dict[tuple[str, str], dict[str, Any]] = field(default_factory=dict)


@dataclass
class Evidence:
    """Resource roles plus expression evidence per study, with matrix views."""

    roles: Roles
    expression: dict[str, Expression]
    _matrices: dict[str, tuple[np.ndarray, list[str], list[str]]] = field(default_factory=dict)

    def matrix(self, study: str) -> tuple[np.ndarray, list[str], list[str]]:
        """``(E, cell types, genes)`` of a study; genes = resource genes with evidence."""
        if study not in self._matrices:
            expr = self.expression[study]
            resource_genes = {g for g, _ in self.roles.edges}
            celltypes = sorted({c for _, c in expr.weights})
            genes = sorted({g for g, _ in expr.weights if g in resource_genes})
            rows, cols = {c: i for i, c in enumerate(celltypes)}, {g: j for j, g in enumerate(genes)}
            E = np.zeros((len(celltypes), len(genes)))
            for (g, c), w in expr.weights.items():
                if g in cols:
                    E[rows[c], cols[g]] = w
            self._matrices[study] = (E, celltypes, genes)
        return self._matrices[study]

    def supporting(self, study: str, celltype: str, genes: list[str]) -> list[str]:
        """Genes of ``genes`` with evidence in ``celltype``, strongest first."""
        weights = self.expression[study].weights
        hits = [(weights.get((g, celltype), 0.0), g) for g in genes]
        return [g for w, g in sorted(hits, key=lambda t: (-t[0], t[1])) if w > 0]

    def rows(
        self, study: str, sender: str, receiver: str, metabolite: str, s_genes: list, r_genes: list
    ) -> dict[str, list[dict[str, Any]]]:
        """The expression rows and resource edges behind one inferred row."""
        details = self.expression[study].details
        return {
            "sender": [details[(g, sender)] for g in s_genes],
            "receiver": [details[(g, receiver)] for g in r_genes],
            "resources": [
                e for g in dict.fromkeys(s_genes + r_genes) for e in self.roles.edges.get((g, metabolite), [])
            ],
        }


def collect(kg: Any) -> Evidence:
    """Read resource roles and every study's expression evidence from the graph."""
    expression: dict[str, Expression] = defaultdict(Expression)
    for predicate in schema_roles(load_schema()).get("expression", []):
        for edge in kg.edges(predicate):
            for prov in edge.provenance:
                if not prov.study:
                    continue
                weight = 1.0 if prov.score is None else float(prov.score)
                key = (edge.subject, edge.object)
                expr = expression[prov.study]
                if weight > expr.weights.get(key, 0.0):
                    expr.weights[key] = weight
                    expr.details[key] = {
                        "gene": edge.subject,
                        "celltype": edge.object,
                        "weight": weight,
                        "statistic": edge.prop("statistic"),
                        "value": edge.prop("value"),
                        "record": prov.record,
                        "study": prov.study,
                    }
    return Evidence(resource_roles(kg), dict(expression))


def expression_evidence(
    kg: Any, study: str | None = None, reference: str | bool = "all", min_detection: float | None = None
) -> Any:
    """Per-cell-type expression evidence combined across studies and reference atlases (a DataFrame).

    One row per (cell type, gene) that counts as expressed, the strongest evidence winning, with
    columns ``cell_type`` (CellType id), ``gene`` (Gene id), ``level`` (in [0, 1]: pseudobulk mean /
    gene maximum, marker detection fraction, or HPA ``log2(1 + nTPM) / log2(101)``), ``detection``
    (fraction of cells, 1.0 where the source's own detection rule stands in), ``source``
    (``study:<id>`` or a reference source such as ``hpa-blood``), ``study``, ``statistic``, ``value``,
    ``record`` and ``via`` (the reference cell type whose profile a study cell type took, else None).
    Rows below ``min_detection`` (``queries/crosstalk.yaml``, 0.1) do not count. Reference cell types
    whose profile was copied into a study cell type are not listed separately.

    Parameters
    ----------
    kg
        An open :class:`~tmekg.graph.KnowledgeGraph`.
    study
        Only this study's evidence (plus the reference atlases).
    reference
        ``"all"`` (default): reference atlases (``hpa-blood``) too, their cell types listed unless a
        study cell type took their profile; ``"profiles"``: reference rows only inside study cell
        types (reference types listed only when no study is loaded); ``"none"``: studies only.
    min_detection
        Override the detection threshold.

    Examples
    --------
    >>> table = expression_evidence(kg)                                     # doctest: +SKIP
    >>> table[(table.cell_type == "CL:0000794") & (table.gene == "HGNC.SYMBOL:ADORA2A")]  # doctest: +SKIP
    """
    import pandas as pd

    from tmekg.queries.crosstalk_expression import COLUMNS, combined

    evidence = combined(kg, study, reference, min_detection)
    listed = set(evidence.celltypes)
    rows = [r.as_dict() for r in evidence.best.values() if r.cell_type in listed]
    frame = pd.DataFrame(rows, columns=list(COLUMNS))
    return frame.sort_values(["cell_type", "gene"], kind="stable").reset_index(drop=True)


def symbol(kg: Any, gene_id: str) -> str:
    """HGNC symbol of a gene id (the node name for other id kinds)."""
    if gene_id.startswith("HGNC.SYMBOL:"):
        return gene_id.split(":", 1)[1]
    return kg.node(gene_id).name


@cache
def crosstalk_predicate() -> str:
    """Name of the crosstalk predicate."""
    return schema_roles(load_schema())["crosstalk"][0]
