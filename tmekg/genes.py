"""Gene identity from an authority: every Gene node is one NCBI gene with its approved symbol.

The authority (:class:`GeneAuthority`) is read from NCBI's ``gene_info`` and UniProt's ``idmapping.dat``
(source ``ncbi-gene``, parser :mod:`tmekg.loaders.ncbi_gene`). It answers "which NCBI gene does this
identifier name?" (:meth:`GeneAuthority.match`):

* ``NCBIGENE:<GeneID>``: that gene;
* ``HGNC.SYMBOL:<s>``: the gene whose approved symbol is ``s`` (case-insensitive); else the genes having
  ``s`` as an alias or previous symbol;
* ``ENSEMBL:<ENSG>`` (version dropped) and ``UNIPROT:<accession>`` (isoform dropped): the genes listing it.

A match naming several genes (an alias of several genes, an accession shared by read-through loci) is
*ambiguous* and never resolves. :class:`GeneCanon` rewrites the Gene records and gene endpoints of every
source before merging (rules in ``docs/identifiers.md``, section "Gene identity"):

1. A record whose own id names one gene through an identifier (GeneID, approved symbol, Ensembl,
   UniProt) is that gene. Otherwise its identifying cross-references decide when they name exactly one
   gene; an alias naming one gene decides last.
2. The resolved record gets the id ``HGNC.SYMBOL:<approved symbol>`` (``NCBIGENE:<GeneID>`` when NCBI
   gives the symbol to several genes) and the authority's NCBIGENE / ENSEMBL / UNIPROT ids as
   cross-references. Its identifiers that name another gene are dropped and reported.
3. A record naming several genes and no single one (a family or ambiguous symbol such as an alias of
   several genes, or cross-references naming different genes) is dropped with its edges, and reported.
4. A record the authority does not know keeps its source identity (reported count).

Examples
--------
>>> from tmekg.loaders.ncbi_gene import GeneRow
>>> rows = [GeneRow("3939", "LDHA", ("LDH1",), ("ENSG00000134333",), "", "protein-coding"),
...         GeneRow("3945", "LDHB", ("LDH1",), ("ENSG00000111716",), "", "protein-coding")]
>>> authority = GeneAuthority.from_rows(rows, [("P07195", "3945")])
>>> authority.match("UNIPROT:P07195").genes, authority.match("HGNC.SYMBOL:ldh1").genes
(('3945',), ('3939', '3945'))
"""

from __future__ import annotations

import gzip
import re
import time
from collections import defaultdict
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

from tmekg.errors import StoreError
from tmekg.model import Edge, LoadReport, Node, props

AUTHORITY = "ncbi-gene"
"""Name of the authority source in ``loaders/sources.yaml``."""
STORE_FILE = "gene_authority.tsv.gz"
"""The compact authority table written into a store built with it (read by ``tmekg profile``)."""
MERGE_ON = ("NCBIGENE",)
"""The only Gene merge key once records are resolved (the GeneID; ids of one gene are equal anyway)."""
STRONG = ("ncbigene", "symbol", "ensembl", "uniprot")
"""Kinds of match that identify a gene; ``alias`` does only when nothing stronger is there."""
_ENSEMBL = re.compile(r"^(ENS[A-Z]*G\d{11})(\.\d+)?$", re.IGNORECASE)
_PREFIX_KIND = {"NCBIGENE": "ncbigene", "ENSEMBL": "ensembl", "UNIPROT": "uniprot", "HGNC.SYMBOL": "symbol"}
_HEADER = "GeneID\tSymbol\tEnsembl\tUniProt\tAliases\tdescription\n"


@dataclass(frozen=True, slots=True)
class Gene:
    """One NCBI gene: GeneID, approved symbol, Ensembl genes, UniProt accessions, aliases."""

    gene_id: str
    symbol: str
    ensembl: tuple[str, ...] = ()
    uniprot: tuple[str, ...] = ()
    aliases: tuple[str, ...] = ()
    description: str = ""


@dataclass(frozen=True, slots=True)
class Match:
    """The NCBI genes an identifier names, and how (``ncbigene``, ``symbol``, ``ensembl``, ``uniprot``,
    ``alias``; ``""`` when the authority does not know it)."""

    genes: tuple[str, ...] = ()
    how: str = ""

    @property
    def unique(self) -> str | None:
        """The GeneID when exactly one gene is named."""
        return self.genes[0] if len(self.genes) == 1 else None

    @property
    def ambiguous(self) -> bool:
        """Several genes are named."""
        return len(self.genes) > 1


class GeneAuthority:
    """Lookups of human genes by GeneID, approved symbol, Ensembl, UniProt and (unambiguous) alias."""

    def __init__(self, genes: Iterable[Gene]) -> None:
        self.genes: dict[str, Gene] = {g.gene_id: g for g in genes}
        self.parse_seconds = 0.0
        self._symbol: dict[str, list[str]] = defaultdict(list)
        self._alias: dict[str, list[str]] = defaultdict(list)
        self._ensembl: dict[str, list[str]] = defaultdict(list)
        self._uniprot: dict[str, list[str]] = defaultdict(list)
        for gene in self.genes.values():
            self._symbol[gene.symbol.upper()].append(gene.gene_id)
            for key, index in ((gene.aliases, self._alias), (gene.ensembl, self._ensembl)):
                for item in key:
                    index[item.upper()].append(gene.gene_id)
            for accession in gene.uniprot:
                self._uniprot[accession].append(gene.gene_id)
        self._symbol_owner = {s: self._symbol_gene(ids) for s, ids in self._symbol.items()}

    @classmethod
    def from_rows(cls, rows: Iterable[Any], uniprot: Iterable[tuple[str, str]] = ()) -> GeneAuthority:
        """From :class:`tmekg.loaders.ncbi_gene.GeneRow` rows and ``(accession, GeneID)`` pairs."""
        accessions: dict[str, list[str]] = defaultdict(list)
        for accession, gene_id in uniprot:
            accessions[gene_id].append(accession)
        return cls(
            Gene(
                r.gene_id,
                r.symbol,
                r.ensembl,
                tuple(sorted(set(accessions.get(r.gene_id, ())))),
                r.aliases,
                r.description,
            )
            for r in rows
        )

    def __len__(self) -> int:
        return len(self.genes)

    def _symbol_gene(self, ids: list[str]) -> str | None:
        """The gene owning an approved symbol: the only one, else the only one with an Ensembl gene."""
        if len(ids) == 1:
            return ids[0]
        with_ensembl = [i for i in ids if self.genes[i].ensembl]
        return with_ensembl[0] if len(with_ensembl) == 1 else None

    # -- lookups ---------------------------------------------------------------------------------
    def match(self, curie: str) -> Match:
        """The genes a gene CURIE names (see the module docstring); unknown prefixes match nothing."""
        prefix, _, local = curie.partition(":")
        kind = _PREFIX_KIND.get(prefix)
        if kind == "ncbigene":
            return Match((local,), kind) if local in self.genes else Match()
        if kind == "symbol":
            return self.match_symbol(local)
        if kind == "ensembl":
            return self._found(self._ensembl.get(_ENSEMBL.sub(r"\1", local).upper(), ()), kind)
        if kind == "uniprot":
            return self._found(self._uniprot.get(local.split("-", 1)[0].upper(), ()), kind)
        return Match()

    def match_symbol(self, text: str) -> Match:
        """Approved symbol first (case-insensitive), then aliases / previous symbols."""
        key = text.strip().upper()
        if key in self._symbol:
            owner = self._symbol_owner[key]
            return Match((owner,), "symbol") if owner else self._found(self._symbol[key], "symbol")
        return self._found(self._alias.get(key, ()), "alias")

    def match_name(self, text: str) -> Match:
        """A row name of an expression table: approved symbol, Ensembl gene (version dropped), GeneID,
        then alias."""
        text = text.strip()
        if _ENSEMBL.match(text):
            return self.match(f"ENSEMBL:{text}")
        if text.isdigit():
            return self.match(f"NCBIGENE:{text}")
        return self.match_symbol(text)

    @staticmethod
    def _found(ids: Iterable[str], how: str) -> Match:
        genes = tuple(sorted(set(ids), key=int))
        return Match(genes, how) if genes else Match()

    def node_id(self, gene_id: str) -> str:
        """Graph id of a gene: ``HGNC.SYMBOL:<approved symbol>`` unless NCBI gives that symbol to another
        gene too, then ``NCBIGENE:<GeneID>``."""
        symbol = self.genes[gene_id].symbol
        if self._symbol_owner.get(symbol.upper()) == gene_id and _valid_symbol(symbol):
            return f"HGNC.SYMBOL:{symbol}"
        return f"NCBIGENE:{gene_id}"

    def xrefs(self, gene_id: str) -> tuple[str, ...]:
        """The authority's identifiers of a gene as CURIEs (NCBIGENE, ENSEMBL, UNIPROT)."""
        gene = self.genes[gene_id]
        return (
            f"NCBIGENE:{gene_id}",
            *(f"ENSEMBL:{e}" for e in gene.ensembl),
            *(f"UNIPROT:{u}" for u in gene.uniprot),
        )

    # -- compact table (stored with the graph) ----------------------------------------------------
    def to_bytes(self) -> bytes:
        """A deterministic gzipped TSV of every gene (the store keeps it for ``tmekg profile``)."""
        lines = [_HEADER]
        for g in sorted(self.genes.values(), key=lambda g: int(g.gene_id)):
            cols = (g.gene_id, g.symbol, "|".join(g.ensembl), "|".join(g.uniprot), "|".join(g.aliases))
            lines.append("\t".join((*cols, g.description.replace("\t", " "))) + "\n")
        return gzip.compress("".join(lines).encode(), mtime=0)

    @classmethod
    def from_bytes(cls, data: bytes, where: str = STORE_FILE) -> GeneAuthority:
        """Inverse of :meth:`to_bytes`; a damaged table raises :class:`StoreError`."""
        try:
            text = gzip.decompress(data).decode()
        except (OSError, EOFError, UnicodeDecodeError) as exc:
            raise StoreError(f"{where}: unreadable gene table ({exc})") from None
        lines = text.splitlines()
        if not lines or lines[0] + "\n" != _HEADER:
            raise StoreError(f"{where}: not a tmekg gene table (bad header)")
        genes = []
        for n, line in enumerate(lines[1:], start=2):
            cols = line.split("\t")
            if len(cols) != 6:
                raise StoreError(f"{where}:{n}: {len(cols)} fields, expected 6")
            genes.append(Gene(cols[0], cols[1], *(_split(c) for c in cols[2:5]), cols[5]))
        return cls(genes)


def _split(text: str) -> tuple[str, ...]:
    return tuple(text.split("|")) if text else ()


def _valid_symbol(symbol: str) -> bool:
    from tmekg.ids import is_valid

    return is_valid(f"HGNC.SYMBOL:{symbol}", "Gene")


def load_authority(directory: Path, report: LoadReport | None = None) -> GeneAuthority:
    """Read the authority from a ``ncbi-gene`` folder; ``report`` gets the row count and parse time."""
    from tmekg.io import resolve
    from tmekg.loaders.ncbi_gene import GENE_INFO, read_genes, read_idmapping

    started = time.perf_counter()
    rows = read_genes(resolve(Path(directory) / GENE_INFO))
    authority = GeneAuthority.from_rows(rows, read_idmapping(Path(directory)))
    if report is not None:
        report.rows = len(rows)
    authority.parse_seconds = round(time.perf_counter() - started, 3)
    return authority


def stored_authority(snapshot: Path) -> GeneAuthority | None:
    """The authority table of a store snapshot, or ``None`` if the store was built without one."""
    from tmekg.store_check import checked_bytes, read_manifest

    path = Path(snapshot) / STORE_FILE
    if not path.exists():
        return None
    data = checked_bytes(path.parent, STORE_FILE, read_manifest(path.parent))  # damage -> StoreError
    return GeneAuthority.from_bytes(data, str(path))


# -- build-time canonicalisation -------------------------------------------------------------------
@dataclass
class IdentityReport:
    """What gene canonicalisation did with one source's records (counts and a few examples)."""

    resolved: int = 0
    unknown: int = 0
    ambiguous_dropped: int = 0
    xrefs_dropped: int = 0
    edges_dropped: int = 0
    examples: dict[str, list[str]] = field(default_factory=dict)
    refused_aliases: set[str] = field(default_factory=set)

    def note(self, kind: str, example: str) -> None:
        """Keep up to five examples per kind."""
        shown = self.examples.setdefault(kind, [])
        if len(shown) < 5 and example not in shown:
            shown.append(example)

    def to_dict(self) -> dict[str, Any]:
        """Plain-dict form for the build report."""
        out: dict[str, Any] = {
            "genes_resolved": self.resolved,
            "genes_unknown_kept": self.unknown,
            "genes_ambiguous_dropped": self.ambiguous_dropped,
            "ambiguous_aliases_refused": len(self.refused_aliases),
            "contradicting_xrefs_dropped": self.xrefs_dropped,
            "edges_to_ambiguous_genes_dropped": self.edges_dropped,
        }
        out["examples"] = {k: v for k, v in sorted(self.examples.items())}
        return out


@dataclass(frozen=True)
class _Decision:
    """A Gene record's fate: its new node (``None`` = dropped as ambiguous) and why."""

    node: Node | None
    gene_id: str | None = None


class GeneCanon:
    """Rewrites Gene records and gene edge endpoints of each source through a :class:`GeneAuthority`.

    Examples
    --------
    >>> canon = GeneCanon(authority)                                        # doctest: +SKIP
    >>> builder.add_all(canon.records(records, "drugcentral"), "drugcentral")   # doctest: +SKIP
    """

    def __init__(
        self, authority: GeneAuthority, category: str = "Gene", prefixes: Iterable[str] = ()
    ) -> None:
        from tmekg.schema import load_schema

        schema = load_schema()
        self.authority = authority
        self.category = category
        others = {p for name, c in schema.categories.items() if name != category for p in c.id_prefixes}
        self.prefixes = tuple(prefixes) or tuple(
            p for p in schema.categories[category].id_prefixes if p not in others
        )
        self.reports: dict[str, IdentityReport] = {}
        self.merge_on = {category: MERGE_ON}
        """For :class:`tmekg.build.GraphBuilder`: resolved genes merge only on their NCBI GeneID."""

    def records(self, records: Iterable[Node | Edge], source: str) -> Iterator[Node | Edge]:
        """The source's records with Gene nodes resolved, ambiguous ones dropped, edges re-pointed."""
        report = self.reports.setdefault(source, IdentityReport())
        items = list(records)
        ids: dict[str, str | None] = {}
        for record in items:
            if isinstance(record, Node) and record.category == self.category:
                decision = self.decide(record, report)
                ids.setdefault(record.id, decision.node.id if decision.node else None)
                if decision.node is not None:
                    yield decision.node
            elif isinstance(record, Node):
                yield record
        for record in items:
            if isinstance(record, Edge):
                edge = self._edge(record, ids, report)
                if edge is not None:
                    yield edge

    def totals(self) -> dict[str, Any]:
        """All sources' reports summed (examples: first five over all sources)."""
        total = IdentityReport()
        for report in self.reports.values():
            for name in ("resolved", "unknown", "ambiguous_dropped", "xrefs_dropped", "edges_dropped"):
                setattr(total, name, getattr(total, name) + getattr(report, name))
            total.refused_aliases |= report.refused_aliases
            for kind, shown in report.examples.items():
                for example in shown:
                    total.note(kind, example)
        return total.to_dict()

    # -- nodes -----------------------------------------------------------------------------------
    def decide(self, node: Node, report: IdentityReport) -> _Decision:
        """Resolve one Gene record (rules 1-4 of the module docstring)."""
        own = self.authority.match(node.id)
        xrefs = {x: self.authority.match(x) for x in node.xrefs}
        gene_id = self._choose(own, xrefs)
        if gene_id is None:
            return self._unresolved(node, own, xrefs, report)
        report.resolved += 1
        return _Decision(self._resolved(node, gene_id, own, xrefs, report), gene_id)

    @staticmethod
    def _choose(own: Match, xrefs: dict[str, Match]) -> str | None:
        if own.unique and own.how in STRONG:
            return own.unique
        named = {m.unique for m in xrefs.values() if m.unique and m.how in STRONG}
        if named:
            return named.pop() if len(named) == 1 else None
        if any(m.ambiguous and m.how in STRONG for m in (own, *xrefs.values())):
            return None
        weak = {m.unique for m in (own, *xrefs.values()) if m.unique}
        return weak.pop() if len(weak) == 1 else None

    def _unresolved(
        self, node: Node, own: Match, xrefs: dict[str, Match], report: IdentityReport
    ) -> _Decision:
        named = [m for m in (own, *xrefs.values()) if m.genes]
        if not named:
            report.unknown += 1
            report.note("unknown gene (kept)", node.id)
            return _Decision(node)
        report.ambiguous_dropped += 1
        genes = sorted({g for m in named for g in m.genes}, key=int)
        symbols = ", ".join(self.authority.genes[g].symbol for g in genes[:6])
        if own.ambiguous and own.how == "alias":
            report.refused_aliases.add(node.id)
            report.note("ambiguous alias refused", f"{node.id} (alias of {symbols})")
        else:
            report.note("record naming several genes dropped", f"{node.id} ({symbols})")
        return _Decision(None)

    def _resolved(
        self, node: Node, gene_id: str, own: Match, xrefs: dict[str, Match], report: IdentityReport
    ) -> Node:
        gene = self.authority.genes[gene_id]
        new_id = self.authority.node_id(gene_id)
        kept, names = [], [node.name, *node.synonyms]
        for curie, match in ((node.id, own), *xrefs.items()):
            if (match.genes and gene_id not in match.genes) or self._other_gene_id(curie, gene_id):
                report.xrefs_dropped += 1
                report.note(
                    "contradicting id dropped", f"{curie} on {node.id} (names {self._symbols(match)})"
                )
            elif curie.startswith("HGNC.SYMBOL:"):
                names.append(curie.split(":", 1)[1])
            elif curie != new_id:
                kept.append(curie)
        xrefs_out = sorted({*self.authority.xrefs(gene_id), *kept} - {new_id})
        properties = node.properties
        if gene.description and node.prop("full_name") is None:
            properties = props(dict(node.properties), full_name=gene.description)
        synonyms = tuple(dict.fromkeys(n for n in names if n and n != gene.symbol))
        return replace(
            node,
            id=new_id,
            name=gene.symbol,
            synonyms=synonyms,
            xrefs=tuple(xrefs_out),
            properties=properties,
        )

    def _symbols(self, match: Match) -> str:
        return (
            ", ".join(self.authority.genes[g].symbol for g in match.genes[:4])
            or "a GeneID NCBI does not list"
        )

    @staticmethod
    def _other_gene_id(curie: str, gene_id: str) -> bool:
        """A GeneID other than the resolved one (unknown to the authority: withdrawn or not human)."""
        return curie.startswith("NCBIGENE:") and curie != f"NCBIGENE:{gene_id}"

    # -- edges -----------------------------------------------------------------------------------
    def _edge(self, edge: Edge, ids: dict[str, str | None], report: IdentityReport) -> Edge | None:
        ends = [self._endpoint(end, ids) for end in (edge.subject, edge.object)]
        if None in ends:
            report.edges_dropped += 1
            report.note(
                "edge to an ambiguous gene dropped", f"{edge.subject} -{edge.predicate}-> {edge.object}"
            )
            return None
        subject, obj = ends
        if (subject, obj) == (edge.subject, edge.object):
            return edge
        return replace(edge, subject=subject, object=obj)

    def _endpoint(self, curie: str, ids: dict[str, str | None]) -> str | None:
        if curie in ids:
            return ids[curie]
        if curie.split(":", 1)[0] not in self.prefixes:
            return curie
        match = self.authority.match(curie)
        if match.unique:
            return self.authority.node_id(match.unique)
        return None if match.ambiguous else curie
