"""Loader for WikiPathways GPML files (``WPnnn.gpml`` with optional ``WPnnn-info.json``).

Both GPML dialects are read: 2013a (``GraphId``, ``TextLabel``, ``Xref@Database/ID``, points in
``Graphics``) and 2021 (``elementId``, ``textLabel``, ``Xref@dataSource/identifier``, ``Waypoints``).
Per pathway (``Homo sapiens`` only):

- a ``Pathway`` node ``WP:WPnnn`` (database WikiPathways);
- Metabolite / Gene nodes from DataNode cross-references, each with an ``in_pathway`` edge. Gene
  nodes get ``HGNC.SYMBOL:<label>`` ids when the label looks like a gene symbol, keeping the
  Ensembl / Entrez / UniProt ids as xrefs (the builder merges on those);
- conversions (``mim-conversion``, or a plain ``Arrow`` from metabolite to metabolite) become
  ``Reaction`` nodes ``TMEKG:reaction.wp.<WPid>.<GraphId>`` with ``has_input`` / ``has_output``
  (side metabolites drawn onto the conversion's anchor included) and ``catalyzes`` edges from the
  genes of ``mim-catalysis`` interactions pointing at the anchor (complex groups ->
  ``complex_subunit``, one catalyst -> ``sole``, several -> ``isozyme``);
- metabolite -> gene ``mim-stimulation`` / ``mim-inhibition`` (or ``TBar``) / ``mim-binding``
  interactions become ``activates`` / ``inhibits`` / ``binds`` edges.

PubMed citations attached to an element become evidence of the edges derived from it.

Examples
--------
>>> from tmekg.model import LoadReport
>>> records = list(load(Path("../shared/data/wikipathways"), LoadReport("wikipathways")))  # doctest: +SKIP
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

from tmekg.io import files_with_suffix
from tmekg.loaders.gem import best_id
from tmekg.loaders.gpml import Element, Interaction, Pathway, parse_gpml
from tmekg.loaders.sbml import to_curie
from tmekg.model import Edge, LoadReport, Node, Provenance, props

SOURCE = "wikipathways"
HUMAN = "Homo sapiens"
GENE_TYPES = ("GeneProduct", "Protein", "Rna")
CONVERSIONS = ("mim-conversion", "Arrow")
REGULATION = {
    "mim-stimulation": "activates",
    "mim-inhibition": "inhibits",
    "TBar": "inhibits",
    "mim-binding": "binds",
}
DATABASES = {
    "chebi": "chebi",
    "hmdb": "hmdb",
    "kegg compound": "kegg.compound",
    "kegg.compound": "kegg.compound",
    "pubchem-compound": "pubchem.compound",
    "pubchem.compound": "pubchem.compound",
    "lipid maps": "lipidmaps",
    "lipidmaps": "lipidmaps",
    "ensembl": "ensembl",
    "entrez gene": "ncbigene",
    "ncbigene": "ncbigene",
    "hgnc": "hgnc.symbol",
    "hgnc.symbol": "hgnc.symbol",
    "hgnc accession number": "hgnc",
    "uniprot-trembl": "uniprot",
    "uniprot-swissprot": "uniprot",
    "uniprot": "uniprot",
    "uniprotkb": "uniprot",
    "rhea": "rhea",
    "reactome": "reactome",
    "kegg reaction": "kegg.reaction",
}
_SYMBOL = re.compile(r"^[A-Z][A-Z0-9]*(?:orf\d+[A-Z0-9]*)?(?:-[A-Z0-9]+)*$")


def load(directory: Path, report: LoadReport) -> Iterator[Node | Edge]:
    """Yield all nodes, then all edges, of every GPML file of ``directory`` (sorted by name).

    Parameters
    ----------
    directory
        The source folder (same layout as ``shared/data/wikipathways``).
    report
        Receives the row count and the skipped rows with their reasons.

    Yields
    ------
    Node | Edge
        Schema-valid records, in a deterministic order.

    Raises
    ------
    LoaderError
        For missing or malformed files, naming the file, line and field.
    """
    from tmekg.loaders import get_source

    files = files_with_suffix(directory, ".gpml")
    graph = _Graph(get_source(SOURCE).version, report)
    for path in files:
        pathway = parse_gpml(path, report)
        if pathway.organism and pathway.organism != HUMAN:
            report.skip("non-human pathway", f"{pathway.wpid} ({pathway.organism})")
            continue
        graph.add_pathway(pathway)
    yield from graph.nodes.values()
    yield from graph.edges.values()


@dataclass
class _Reaction:
    """A conversion being assembled: participants and catalysts (gene id, from a complex?)."""

    node_id: str
    interaction: Interaction
    inputs: dict[str, str] = field(default_factory=dict)  # node id -> name
    outputs: dict[str, str] = field(default_factory=dict)
    catalysts: list[tuple[str, bool, Interaction]] = field(default_factory=list)


class _Graph:
    """Accumulates nodes (merging repeats of one id) and de-duplicated edges over all pathways."""

    def __init__(self, version: str, report: LoadReport) -> None:
        self.version, self.report = version, report
        self.nodes: dict[str, Node] = {}
        self.edges: dict[tuple, Edge] = {}
        self.pathway: Pathway | None = None
        self.entities: dict[str, tuple[str, str, str]] = {}  # DataNode id -> (node id, category, name)

    def prov(self, gid: str, cites: tuple[str, ...] = ()) -> tuple[Provenance, ...]:
        assert self.pathway is not None
        return (Provenance(SOURCE, self.version, evidence=cites, record=f"{self.pathway.file}:{gid}"),)

    def node(self, node: Node) -> None:
        old = self.nodes.get(node.id)
        if old is None:
            self.nodes[node.id] = node
            return
        xrefs = tuple(dict.fromkeys(old.xrefs + node.xrefs))
        merged = dict(old.properties)
        if node.prop("roles"):
            merged["roles"] = tuple(sorted(set(old.prop("roles", ())) | set(node.prop("roles"))))
        self.nodes[node.id] = Node(
            old.id, old.category, old.name, old.synonyms, xrefs, props(merged), old.provenance
        )

    def edge(self, edge: Edge) -> None:
        self.edges.setdefault((edge.subject, edge.predicate, edge.object, edge.properties), edge)

    def add_pathway(self, pathway: Pathway) -> None:
        self.pathway, self.entities = pathway, {}
        pid = f"WP:{pathway.wpid}"
        self.node(
            Node(
                pid,
                "Pathway",
                pathway.name,
                properties=props(database="WikiPathways"),
                provenance=self.prov(pathway.wpid),
            )
        )
        for gid, element in pathway.elements.items():
            entity = self.entity(gid, element)
            if entity is not None:
                self.entities[gid] = entity
                self.edge(Edge(entity[0], "in_pathway", pid, self.prov(gid, element.cites)))
        reactions = self.conversions(pathway)
        for interaction in pathway.interactions:
            if interaction.gid not in reactions:
                self.attach(interaction, reactions)
        for reaction in reactions.values():
            self.emit_reaction(reaction, pid)

    def entity(self, gid: str, element: Element) -> tuple[str, str, str] | None:
        """Node for a DataNode (``None`` for groups and unusable DataNodes, the latter counted)."""
        if element.kind.startswith("Group:"):
            return None
        where = f"{self.pathway.file}:{gid} {element.label!r}" if self.pathway else gid
        if element.kind == "Metabolite":
            category = "Metabolite"
        elif element.kind in GENE_TYPES:
            category = "Gene"
        else:
            reason = "pathway-link DataNode" if element.kind == "Pathway" else "DataNode of unsupported type"
            self.report.skip(reason, where)
            return None
        curies = self.curies(element, where)
        if category == "Gene" and curies and _looks_like_symbol(element.label):
            curies.insert(0, f"HGNC.SYMBOL:{element.label}")
        node_id = best_id(curies, category)
        if node_id is None:
            if curies:  # e.g. a metabolite known only by a PubChem CID (not a Metabolite id prefix)
                self.report.skip(f"no id usable for a {category} node", f"{where} {curies[0]}")
            return None
        name = node_id.split(":", 1)[1] if node_id.startswith("HGNC.SYMBOL:") else element.label or node_id
        self.node(
            Node(
                node_id,
                category,
                name,
                xrefs=tuple(c for c in dict.fromkeys(curies) if c != node_id),
                provenance=self.prov(gid, element.cites),
            )
        )
        return node_id, category, name

    def curies(self, element: Element, where: str) -> list[str]:
        if not element.xrefs or not any(v for _, v in element.xrefs):
            self.report.skip("DataNode without cross-reference", where)
            return []
        out = []
        for db, value in element.xrefs:
            curie = to_curie(DATABASES.get(db.lower(), "-"), value, self.report)
            if curie is None:
                self.report.skip(f"unmappable cross-reference ({db or 'no database'})", where)
            else:
                out.append(curie)
        return out

    def members(self, ref: str, category: str) -> list[tuple[str, str, bool]]:
        """(node id, name, in a complex?) of the entities behind a DataNode or (nested) group."""
        assert self.pathway is not None
        if ref in self.entities:
            node_id, cat, name = self.entities[ref]
            return [(node_id, name, False)] if cat == category else []
        element = self.pathway.elements.get(ref)
        if element is None or not element.kind.startswith("Group:"):
            return []
        complex_ = element.kind == "Group:Complex"
        kids = [k for k, e in self.pathway.elements.items() if e.group == ref and k != ref]
        return [(i, n, c or complex_) for k in kids for i, n, c in self.members(k, category)]

    def conversions(self, pathway: Pathway) -> dict[str, _Reaction]:
        out = {}
        for it in pathway.interactions:
            if it.head not in CONVERSIONS:
                continue
            ins, outs = self.members(it.source, "Metabolite"), self.members(it.target, "Metabolite")
            if ins and outs:
                rid = f"TMEKG:reaction.wp.{pathway.wpid}.{it.gid}"
                reaction = _Reaction(rid, it, {i: n for i, n, _ in ins}, {i: n for i, n, _ in outs})
                out[it.gid] = reaction
        return out

    def attach(self, it: Interaction, reactions: dict[str, _Reaction]) -> None:
        """Side metabolites, catalysts and regulation; anything else is counted as not represented."""
        anchors = {a: r for r in reactions.values() for a in r.interaction.anchors}
        at_target, at_source = anchors.get(it.target), anchors.get(it.source)
        reaction, other = (at_target, it.source) if at_target else (at_source, it.target)
        if reaction and it.head in CONVERSIONS:
            mets = self.members(other, "Metabolite")
            side = reaction.inputs if at_target else reaction.outputs
            side.update({i: n for i, n, _ in mets})
            if mets:
                return
        if reaction and it.head == "mim-catalysis":
            genes = self.members(other, "Gene")
            reaction.catalysts += [(i, c, it) for i, _, c in genes]
            if genes:
                return
        if it.head in REGULATION and self.regulate(it):
            return
        where = f"{self.pathway.file}:{it.gid}" if self.pathway else it.gid
        self.report.skip(self.why(it, reaction), where)

    def why(self, it: Interaction, reaction: _Reaction | None) -> str:
        """Skip reason for an interaction that produced no record."""
        assert self.pathway is not None
        if it.head == "mim-catalysis":
            return "catalysis by an unmapped gene" if reaction else "catalysis of an unmapped conversion"
        kinds = {self.pathway.elements[r].kind for r in (it.source, it.target) if r in self.pathway.elements}
        if it.head in CONVERSIONS and kinds == {"Metabolite"}:
            return "conversion with an unmapped metabolite"
        return f"interaction not represented ({it.head or 'no arrow'})"

    def regulate(self, it: Interaction) -> bool:
        mets, genes = self.members(it.source, "Metabolite"), self.members(it.target, "Gene")
        for met, _, _ in mets:
            for gene, _, _ in genes:
                self.edge(Edge(met, REGULATION[it.head], gene, self.prov(it.gid, it.cites)))
        return bool(mets and genes)

    def emit_reaction(self, reaction: _Reaction, pid: str) -> None:
        it = reaction.interaction
        arrow = "<=>" if it.reversible else "=>"
        text = f"{' + '.join(reaction.inputs.values())} {arrow} {' + '.join(reaction.outputs.values())}"
        xrefs = [c for db, v in it.xrefs if v and (c := to_curie(DATABASES.get(db.lower(), "-"), v))]
        prov = self.prov(it.gid, it.cites)
        self.node(
            Node(
                reaction.node_id,
                "Reaction",
                text,
                xrefs=tuple(xrefs),
                properties=props(equation=text, reversible=it.reversible),
                provenance=prov,
            )
        )
        for met in reaction.inputs:
            self.edge(Edge(reaction.node_id, "has_input", met, prov))
        for met in reaction.outputs:
            self.edge(Edge(reaction.node_id, "has_output", met, prov))
        self.edge(Edge(reaction.node_id, "in_pathway", pid, prov))
        units = {gene if not c else f"complex:{cat.gid}" for gene, c, cat in reaction.catalysts}
        for gene, in_complex, cat in reaction.catalysts:
            role = "complex_subunit" if in_complex else ("sole" if len(units) == 1 else "isozyme")
            self.edge(
                Edge(
                    gene, "catalyzes", reaction.node_id, self.prov(cat.gid, cat.cites), props(rule_role=role)
                )
            )
            self.node(Node(gene, "Gene", self.nodes[gene].name, properties=props(roles=["enzyme"])))


def _looks_like_symbol(label: str) -> bool:
    """True for labels shaped like an HGNC symbol (``SLC2A1``, ``C1orf112``, ``HLA-A``)."""
    return 2 <= len(label) <= 15 and bool(_SYMBOL.match(label))
