"""Loader for KEGG KGML pathway files (user-supplied, ``*.xml`` / ``*.xml.gz``), human (``hsa``) only.

Per file:

- a ``Pathway`` node ``KEGG.PATHWAY:hsa00010`` (title, database KEGG);
- ``gene`` entries (``name="hsa:3098 hsa:3099"``) -> ``Gene`` nodes ``NCBIGENE:<id>`` (KEGG human
  gene ids are NCBI Gene ids); ``compound`` entries (``cpd:``, ``gl:``, ``dr:``) -> ``Metabolite``
  nodes ``KEGG.COMPOUND:<id>``; both with ``in_pathway`` edges;
- ``reaction`` elements -> ``Reaction`` nodes ``KEGG.REACTION:Rxxxxx`` (one per ``rn:`` id) with
  ``has_input`` (substrates), ``has_output`` (products), ``in_pathway`` and ``catalyzes`` edges from
  the genes of the entry whose id the reaction carries (one gene -> ``sole``, several -> ``isozyme``).

``map``/``ortholog``/``group`` entries and ``relation`` elements (no gene -> gene predicate in the
schema) are counted in the report, not loaded.

Examples
--------
>>> from tmekg.model import LoadReport
>>> records = list(load(Path("kegg"), LoadReport("kegg")))  # doctest: +SKIP
"""

from __future__ import annotations

import xml.etree.ElementTree as ET
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

from tmekg.errors import LoaderError
from tmekg.io import files_with_suffix, read_bytes
from tmekg.loaders.sbml import to_curie
from tmekg.model import Edge, LoadReport, Node, Provenance, props

SOURCE = "kegg"
ORGANISM = "hsa"
COMPOUND_PREFIXES = ("cpd:", "gl:", "dr:")


@dataclass
class _Reaction:
    rid: str
    reversible: bool
    inputs: dict[str, str] = field(default_factory=dict)  # node id -> name
    outputs: dict[str, str] = field(default_factory=dict)
    genes: list[str] = field(default_factory=list)
    line: str = ""


def load(directory: Path, report: LoadReport) -> Iterator[Node | Edge]:
    """Yield the records of every KGML file of ``directory``, files sorted by name.

    Parameters
    ----------
    directory
        The source folder (same layout as ``shared/data/kegg``).
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

    version = get_source(SOURCE).version
    nodes: dict[str, Node] = {}
    edges: dict[tuple[str, str, str], Edge] = {}
    for path in files_with_suffix(directory, ".xml", "KGML"):
        for record in _File(path, version, report).records():
            if isinstance(record, Edge):
                edges.setdefault((record.subject, record.predicate, record.object), record)
            elif record.id not in nodes or not record.prop("roles"):
                nodes.setdefault(record.id, record)
            else:  # a gene seen before as a non-catalyst: keep its enzyme role
                nodes[record.id] = record
    yield from nodes.values()
    yield from edges.values()


class _File:
    """One KGML file: parsed entries and reactions, turned into records."""

    def __init__(self, path: Path, version: str, report: LoadReport) -> None:
        self.path, self.version, self.report = path, version, report
        self.name = path.name.removesuffix(".gz")
        try:
            self.root = ET.fromstring(read_bytes(path))
        except ET.ParseError as exc:
            raise LoaderError(f"malformed KGML ({exc})", path=path, line=exc.position[0]) from None
        if self.root.tag != "pathway":
            raise LoaderError(f"root element is <{self.root.tag}>, not <pathway>", path=path, line=1)
        self.genes: dict[str, list[str]] = {}  # entry id -> gene node ids
        self.compounds: dict[str, str] = {}  # KEGG compound id (cpd:C00031) -> node id
        self.names: dict[str, str] = {}  # node id -> name

    def prov(self, where: str) -> tuple[Provenance, ...]:
        return (Provenance(SOURCE, self.version, record=f"{self.name}:{where}"),)

    def records(self) -> Iterator[Node | Edge]:
        pid = self.pathway_id()
        if pid is None:
            return
        title = self.root.get("title", "").strip() or pid
        yield Node(pid, "Pathway", title, properties=props(database="KEGG"), provenance=self.prov("pathway"))
        entries = list(self.root.iter("entry"))
        for entry in entries:
            yield from self.entry(entry, pid)
        reactions = self.reactions()
        catalysts = {g for r in reactions.values() for g in r.genes}
        for entry in entries:
            yield from self.gene_nodes(entry, catalysts, pid)
        for reaction in reactions.values():
            yield from self.reaction_records(reaction, pid)
        for relation in self.root.iter("relation"):
            self.report.rows += 1
            kind = relation.get("type", "?")
            self.report.skip(f"relation not representable ({kind})", f"{self.name}:{relation.get('entry1')}")

    def pathway_id(self) -> str | None:
        name, org = self.root.get("name", ""), self.root.get("org", "")
        if not name.startswith("path:"):
            raise LoaderError("pathway without name='path:...'", path=self.path, line=1, field="name")
        if org != ORGANISM:
            self.report.skip("non-human KGML pathway", f"{self.name} (org={org})")
            return None
        return to_curie("kegg.pathway", name.removeprefix("path:"), self.report)

    def entry(self, entry: ET.Element, pid: str) -> Iterator[Node | Edge]:
        """Compound nodes and their in_pathway edges; gene entries are only remembered here (their
        nodes need the catalyst roles known after the reactions are read)."""
        self.report.rows += 1
        eid, kind, names = entry.get("id", ""), entry.get("type", ""), entry.get("name", "").split()
        label = (entry.find("graphics").get("name", "") if entry.find("graphics") is not None else "").strip()
        if kind == "gene":
            genes = [g for g in (self.gene_id(n) for n in names) if g]
            self.genes[eid] = genes
            symbol = label.split(",")[0].strip().rstrip(".")
            for i, gene in enumerate(genes):
                self.names.setdefault(
                    gene, symbol if i == 0 and symbol else gene.replace("NCBIGENE:", "hsa:")
                )
        elif kind == "compound":
            yield from self.compound_entry(eid, names, label, pid)
        else:
            self.report.skip(
                f"entry type not represented ({kind})", f"{self.name}:entry {eid} {' '.join(names)}"
            )

    def gene_id(self, name: str) -> str | None:
        org, _, local = name.partition(":")
        curie = to_curie("ncbigene", local, self.report) if org == ORGANISM else None
        if curie is None:
            self.report.skip("gene id not an hsa NCBI Gene id", f"{self.name}:{name}")
        return curie

    def compound_entry(self, eid: str, names: list[str], label: str, pid: str) -> Iterator[Node | Edge]:
        for name in names:
            node_id = self.compound_id(name)
            if node_id is None:
                continue
            local = node_id.split(":", 1)[1]
            yield Node(
                node_id,
                "Metabolite",
                label if label and len(names) == 1 else local,
                provenance=self.prov(f"entry {eid}"),
            )
            self.names[node_id] = label if label and len(names) == 1 else local
            yield Edge(node_id, "in_pathway", pid, self.prov(f"entry {eid}"))

    def compound_id(self, name: str) -> str | None:
        if name in self.compounds:
            return self.compounds[name]
        curie = (
            to_curie("kegg.compound", name.split(":", 1)[1], self.report)
            if name.startswith(COMPOUND_PREFIXES)
            else None
        )
        if curie is None:
            self.report.skip("unusable compound id", f"{self.name}:{name}")
        else:
            self.compounds[name] = curie
        return curie

    def gene_nodes(self, entry: ET.Element, catalysts: set[str], pid: str) -> Iterator[Node | Edge]:
        prov = self.prov(f"entry {entry.get('id')}")
        for gene in self.genes.get(entry.get("id", ""), []):
            roles = ("enzyme",) if gene in catalysts else ()
            yield Node(gene, "Gene", self.names[gene], properties=props(roles=roles), provenance=prov)
            yield Edge(gene, "in_pathway", pid, prov)

    def reactions(self) -> dict[str, _Reaction]:
        out: dict[str, _Reaction] = {}
        for el in self.root.iter("reaction"):
            self.report.rows += 1
            for name in el.get("name", "").split():
                rid = to_curie("kegg.reaction", name.removeprefix("rn:"), self.report)
                if rid is None:
                    self.report.skip("unusable reaction id", f"{self.name}:{name}")
                    continue
                rxn = out.setdefault(
                    rid, _Reaction(rid, el.get("type") == "reversible", line=el.get("id", ""))
                )
                rxn.inputs.update(self.participants(el, "substrate"))
                rxn.outputs.update(self.participants(el, "product"))
                rxn.genes += [g for g in self.genes.get(el.get("id", ""), []) if g not in rxn.genes]
        return out

    def participants(self, el: ET.Element, tag: str) -> dict[str, str]:
        ids = [self.compound_id(p.get("name", "")) for p in el.findall(tag)]
        return {i: self.names.get(i, i.split(":", 1)[1]) for i in ids if i}

    def reaction_records(self, rxn: _Reaction, pid: str) -> Iterator[Node | Edge]:
        prov = self.prov(f"reaction {rxn.line}")
        arrow = "<=>" if rxn.reversible else "=>"
        equation = f"{' + '.join(rxn.inputs.values())} {arrow} {' + '.join(rxn.outputs.values())}"
        yield Node(
            rxn.rid,
            "Reaction",
            rxn.rid.split(":", 1)[1],
            provenance=prov,
            properties=props(equation=equation, reversible=rxn.reversible),
        )
        for met in rxn.inputs:
            yield Edge(rxn.rid, "has_input", met, prov)
        for met in rxn.outputs:
            yield Edge(rxn.rid, "has_output", met, prov)
        yield Edge(rxn.rid, "in_pathway", pid, prov)
        role = "sole" if len(rxn.genes) == 1 else "isozyme"
        for gene in rxn.genes:
            yield Edge(gene, "catalyzes", rxn.rid, prov, props(rule_role=role))
