"""Genome-scale metabolic models: the shared record builder of ``human_gem`` and ``sbml``.

A model is first read into a small neutral form (:class:`GemModel`: metabolites without compartment,
genes, reactions with compartmented participants and a boolean gene rule); :func:`records` then turns
it into graph records. ``human_gem`` builds that form from the Human-GEM spreadsheet and ``sbml`` from
SBML files (via cobra), so both paths yield identical kinds of records:

- ``Metabolite`` nodes, one per compartment-free metabolite (``CHEBI:`` id when known, else
  ``METATLAS:MAM...``, else HMDB / KEGG / PubChem / MetaNetX / LIPID MAPS);
- ``Gene`` nodes (``HGNC.SYMBOL:`` when a symbol is known) with ``roles`` enzyme / transporter;
- ``Reaction`` nodes (``METATLAS:MAR...`` or ``TMEKG:reaction.<tag>.<id>``) with ``has_input`` /
  ``has_output`` (compartment, stoichiometry), ``catalyzes`` (rule_role from the parsed gene rule)
  and ``in_pathway`` edges to subsystem ``Pathway`` nodes (``TMEKG:pathway.<tag>.<slug>``);
- ``transports`` edges gene -> metabolite for reactions moving a metabolite between the
  extracellular (``e``) and cytosolic (``c``) compartments.

Gene rules are parsed by :mod:`tmekg.loaders.gene_rules`.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field

from tmekg.ids import is_valid
from tmekg.loaders.gene_rules import parse_rule, rule_roles
from tmekg.model import Edge, LoadReport, Node, Provenance, props
from tmekg.schema import load_schema

EXTRACELLULAR, CYTOSOL = "e", "c"
_MAM = re.compile(r"^MAM\d+$")
_MAR = re.compile(r"^MAR\d+$")
_ENSG = re.compile(r"^ENSG\d{11}$")

Participant = tuple[str, str, float]  # (metabolite key, compartment, stoichiometry)


@dataclass
class GemMetabolite:
    """A compartment-free metabolite: ``key`` is the model id without compartment suffix."""

    key: str
    name: str
    formula: str = ""
    xrefs: list[str] = field(default_factory=list)
    record: str = ""


@dataclass
class GemGene:
    """A gene as named in gene rules (``key``), with symbol, name and cross-references."""

    key: str
    symbol: str = ""
    full_name: str = ""
    xrefs: list[str] = field(default_factory=list)
    record: str = ""
    aliases: list[str] = field(default_factory=list)


@dataclass
class GemReaction:
    """A reaction with compartmented participants, read in the written direction."""

    key: str
    name: str
    equation: str
    reversible: bool
    inputs: list[Participant]
    outputs: list[Participant]
    rule: str = ""
    ec: tuple[str, ...] = ()
    subsystems: tuple[str, ...] = ()
    xrefs: tuple[str, ...] = ()
    evidence: tuple[str, ...] = ()
    record: str = ""


@dataclass
class GemModel:
    """A metabolic model in neutral form; ``tag`` names minted ids, ``database`` the pathways."""

    tag: str
    database: str
    metabolites: dict[str, GemMetabolite]
    genes: dict[str, GemGene]
    reactions: list[GemReaction]


# --- identifiers -------------------------------------------------------------------------------


def best_id(curies: Iterable[str], category: str) -> str | None:
    """The CURIE whose prefix ranks first among the schema's id prefixes for ``category``.

    >>> best_id(["PUBCHEM.COMPOUND:5793", "KEGG.COMPOUND:C00031", "HMDB:HMDB0000122"], "Metabolite")
    'HMDB:HMDB0000122'
    """
    order = load_schema().categories[category].id_prefixes
    ranked = [c for c in curies if c.split(":", 1)[0] in order]
    return min(ranked, key=lambda c: order.index(c.split(":", 1)[0]), default=None)


def metabolite_id(key: str, xrefs: Iterable[str]) -> str | None:
    """Node id of a metabolite: ChEBI, else Metabolic Atlas (``MAM...``), else the best other xref."""
    xrefs = list(xrefs)
    chebi = next((x for x in xrefs if x.startswith("CHEBI:")), None)
    if chebi is None and _MAM.match(key):
        return f"METATLAS:{key}"
    return chebi or best_id(xrefs, "Metabolite")


def gene_id(gene: GemGene) -> str | None:
    """Node id of a gene: ``HGNC.SYMBOL:`` if a symbol is known, else the best other xref."""
    candidates = list(gene.xrefs)
    if gene.symbol:
        candidates.insert(0, f"HGNC.SYMBOL:{gene.symbol}")
    if _ENSG.match(gene.key):
        candidates.append(f"ENSEMBL:{gene.key}")
    return best_id((x for x in candidates if is_valid(x)), "Gene")


def slug(text: str) -> str:
    """Lower-case identifier-safe form of a name.

    >>> slug("Glycolysis / Gluconeogenesis")
    'glycolysis_gluconeogenesis'
    """
    return re.sub(r"[^a-z0-9]+", "_", text.lower()).strip("_") or "unnamed"


# --- records -------------------------------------------------------------------------------------


def is_transport(rxn: GemReaction) -> bool:
    """True if some metabolite appears on both sides in different compartments."""
    left = {(k, c) for k, c, _ in rxn.inputs}
    return any(k == k2 and c != c2 for k, c, _ in rxn.outputs for k2, c2 in left)


def transport_directions(rxn: GemReaction) -> dict[str, str]:
    """Metabolite key -> import/export/bidirectional for metabolites moved between ``e`` and ``c``."""
    left = {(k, c) for k, c, _ in rxn.inputs}
    right = {(k, c) for k, c, _ in rxn.outputs}
    out: dict[str, str] = {}
    for key, comp in sorted(left):
        if comp == EXTRACELLULAR and (key, CYTOSOL) in right:
            out[key] = "import"
        elif comp == CYTOSOL and (key, EXTRACELLULAR) in right:
            out[key] = "export"
    if rxn.reversible:
        out = dict.fromkeys(out, "bidirectional")
    return out


def records(model: GemModel, source: str, version: str, report: LoadReport) -> Iterator[Node | Edge]:
    """Yield all nodes (metabolites, genes, pathways) and then each reaction with its edges.

    Parameters
    ----------
    model
        The model in neutral form.
    source, version
        Provenance of every record (a registry source name and its version).
    report
        Receives skip counts (unparseable gene rules, entities without a usable id).
    """
    yield from _Emitter(model, source, version, report).run()


class _Emitter:
    """Turns a :class:`GemModel` into records; keeps the id maps shared by the steps."""

    def __init__(self, model: GemModel, source: str, version: str, report: LoadReport) -> None:
        self.model, self.source, self.version, self.report = model, source, version, report
        self.met_ids: dict[str, str] = {}
        self.gene_ids: dict[str, str] = {}
        self.pathway_ids: dict[str, str] = {}
        self.rules: dict[str, dict[str, str]] = {}
        self.seen_transports: set[tuple[str, str, str]] = set()

    def prov(self, record: str, evidence: tuple[str, ...] = ()) -> tuple[Provenance, ...]:
        return (Provenance(self.source, self.version, evidence=evidence, record=record or None),)

    def run(self) -> Iterator[Node | Edge]:
        self._parse_rules()
        yield from self._metabolites()
        yield from self._genes()
        yield from self._pathways()
        for rxn in self.model.reactions:
            yield from self._reaction(rxn)

    def _parse_rules(self) -> None:
        for rxn in self.model.reactions:
            try:
                self.rules[rxn.key] = rule_roles(parse_rule(rxn.rule))
            except ValueError as exc:
                self.report.skip("unparseable gene rule", f"{rxn.key}: {rxn.rule!r} ({exc})")
                self.rules[rxn.key] = {}

    def _metabolites(self) -> Iterator[Node]:
        groups: dict[str, list[GemMetabolite]] = {}
        for met in self.model.metabolites.values():
            node_id = metabolite_id(met.key, met.xrefs)
            if node_id is None:
                self.report.skip("metabolite without usable identifier", met.key)
                continue
            self.met_ids[met.key] = node_id
            groups.setdefault(node_id, []).append(met)
        for node_id, mets in groups.items():
            yield self._metabolite_node(node_id, mets)

    def _metabolite_node(self, node_id: str, mets: list[GemMetabolite]) -> Node:
        xrefs = [f"METATLAS:{m.key}" for m in mets if _MAM.match(m.key)]
        xrefs += [x for m in mets for x in m.xrefs]
        names = list(dict.fromkeys(m.name for m in mets if m.name))
        return Node(
            id=node_id,
            category="Metabolite",
            name=names[0] if names else mets[0].key,
            synonyms=tuple(names[1:]),
            xrefs=tuple(x for x in dict.fromkeys(xrefs) if x != node_id),
            properties=props(formula=next((m.formula for m in mets if m.formula), None)),
            provenance=self.prov(mets[0].record),
        )

    def _gene_roles(self) -> dict[str, set[str]]:
        roles: dict[str, set[str]] = {}
        for rxn in self.model.reactions:
            role = "transporter" if is_transport(rxn) else "enzyme"
            for gene in self.rules[rxn.key]:
                roles.setdefault(gene, set()).add(role)
        return roles

    def _genes(self) -> Iterator[Node]:
        roles = self._gene_roles()
        genes = dict(self.model.genes)
        for key in roles:
            genes.setdefault(key, GemGene(key))
        for gene in genes.values():
            node_id = gene_id(gene)
            if node_id is None:
                self.report.skip("gene without usable identifier", gene.key)
                continue
            self.gene_ids[gene.key] = node_id
            yield self._gene_node(node_id, gene, roles.get(gene.key, set()))

    def _gene_node(self, node_id: str, gene: GemGene, roles: set[str]) -> Node:
        own = [f"ENSEMBL:{gene.key}"] if _ENSG.match(gene.key) else []
        return Node(
            id=node_id,
            category="Gene",
            name=gene.symbol or gene.key,
            synonyms=tuple(a for a in dict.fromkeys(gene.aliases) if a != gene.symbol),
            xrefs=tuple(x for x in dict.fromkeys(own + gene.xrefs) if x != node_id),
            properties=props(roles=sorted(roles), full_name=gene.full_name or None),
            provenance=self.prov(gene.record),
        )

    def _pathways(self) -> Iterator[Node]:
        """One node per subsystem slug (names differing only in case or punctuation are one)."""
        for rxn in self.model.reactions:
            for name in rxn.subsystems:
                if name in self.pathway_ids:
                    continue
                node_id = f"TMEKG:pathway.{self.model.tag}.{slug(name)}"
                new = node_id not in self.pathway_ids.values()
                self.pathway_ids[name] = node_id
                if not new:
                    continue
                yield Node(
                    node_id,
                    "Pathway",
                    name,
                    properties=props(database=self.model.database),
                    provenance=self.prov(rxn.record),
                )

    def reaction_id(self, key: str) -> str:
        if _MAR.match(key):
            return f"METATLAS:{key}"
        return f"TMEKG:reaction.{self.model.tag}.{re.sub(r'[^A-Za-z0-9_.+-]', '_', key)}"

    def _reaction(self, rxn: GemReaction) -> Iterator[Node | Edge]:
        rid = self.reaction_id(rxn.key)
        yield Node(
            id=rid,
            category="Reaction",
            name=rxn.name or rxn.key,
            xrefs=tuple(x for x in rxn.xrefs if x != rid),
            properties=props(equation=rxn.equation, ec=rxn.ec, gene_rule=rxn.rule, reversible=rxn.reversible),
            provenance=self.prov(rxn.record, rxn.evidence),
        )
        prov = self.prov(rxn.record)
        yield from self._participants(rid, "has_input", rxn.inputs, prov)
        yield from self._participants(rid, "has_output", rxn.outputs, prov)
        for gene, role in self.rules[rxn.key].items():
            if gene in self.gene_ids:
                yield Edge(
                    self.gene_ids[gene],
                    "catalyzes",
                    rid,
                    self.prov(rxn.record, rxn.evidence),
                    props(rule_role=role),
                )
        for name in rxn.subsystems:
            yield Edge(rid, "in_pathway", self.pathway_ids[name], prov)
        yield from self._transports(rxn, prov)

    def _participants(
        self, rid: str, predicate: str, items: list[Participant], prov: tuple[Provenance, ...]
    ) -> Iterator[Edge]:
        totals: dict[tuple[str, str], float] = {}
        for key, comp, coef in items:
            node_id = self.met_ids.get(key)
            if node_id is None:
                continue  # counted once as a metabolite without identifier
            totals[(node_id, comp)] = totals.get((node_id, comp), 0.0) + coef
        for (node_id, comp), coef in totals.items():
            yield Edge(rid, predicate, node_id, prov, props(compartment=comp, stoichiometry=coef))

    def _transports(self, rxn: GemReaction, prov: tuple[Provenance, ...]) -> Iterator[Edge]:
        for key, direction in transport_directions(rxn).items():
            met = self.met_ids.get(key)
            for gene in self.rules[rxn.key]:
                subject = self.gene_ids.get(gene)
                if met is None or subject is None or (subject, met, direction) in self.seen_transports:
                    continue
                self.seen_transports.add((subject, met, direction))
                yield Edge(subject, "transports", met, prov, props(direction=direction))
