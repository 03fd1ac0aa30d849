"""Loader for the IUPHAR/BPS Guide to PHARMACOLOGY (GtoPdb) ligand–target interactions.

Files (the publisher's comma-separated downloads, ``.gz`` variants read transparently):

``interactions.csv``
    One row per ligand–target interaction: target (``target_gene_symbol``, ``target_uniprot``,
    ``target_ensembl_gene_id``, ``|``-joined for multi-subunit targets; or ``target_ligand_*`` when
    the target is itself a protein ligand such as a cytokine), ``target_species``, ``ligand_id``,
    ``type`` / ``action`` (Agonist / Full agonist, Antagonist, Inhibitor / Inhibition, Allosteric
    modulator / Positive ...), ``endogenous`` (``t``/``f``), affinity (``affinity_units`` pKi, pIC50,
    pEC50, pKd ...; ``affinity_median`` or a ``affinity_low``..``affinity_high`` range) and
    ``pubmed_id`` (``|``-joined PMIDs).
``ligands.csv``
    One row per ligand: ``Ligand id``, ``Name`` (with HTML markup such as ``PGE<sub>2</sub>``),
    ``Type`` (Metabolite, Synthetic organic, Natural product, Inorganic, Peptide, Antibody),
    ``Approved``, ``Withdrawn``, ``INN``, ``Synonyms``, ``PubChem CID``, ``InChIKey``.

Records (rules and the action table in ``docs/gtopdb.md``; the table itself is data,
``gtopdb_actions.yaml``). Only human targets are loaded.

* Endogenous, non-peptide ligands become Metabolite nodes (``CHEBI`` id when the ligand's name,
  a synonym or its IUPAC name is a ChEBI label, else a local ``TMEKG:metabolite.<slug>`` id that
  joins an existing metabolite with the same PubChem CID at build time, see
  :func:`tmekg.normalize.pubchem_links`) with ``activates`` / ``inhibits`` / ``binds`` edges to the
  target genes.
* Endogenous peptides and proteins (chemokines, cytokines, neuropeptides ...) are gene products, not
  metabolites: their human genes (``ligand_gene_symbol``) get ``ligand_activates`` /
  ``ligand_inhibits`` / ``ligand_binds`` edges (Gene -> Gene, the metabolite predicate mapped through
  ``gtopdb_actions.yaml`` ``ligand_predicates``) to the target genes, one per ligand gene x target gene
  (heterodimers such as IL-12 = IL12A + IL12B give one edge per subunit, as multi-subunit targets do).
  Rodent-only peptides and peptides without a gene symbol are skipped and counted.
* Non-endogenous ligands that are drugs (approved, withdrawn, or with an INN) become Drug nodes
  (``PUBCHEM.COMPOUND`` id, ``INCHIKEY`` xref: they merge with DrugCentral / Repurposing Hub / ChEMBL
  drugs; ``TMEKG:drug.<slug>`` by name for antibodies and other drugs without a CID) with
  ``targets`` edges carrying the ``action``. Research compounds are skipped and counted.
* Every edge carries the rows' PMIDs as evidence and, as provenance score, the median of the rows'
  pAffinity values divided by 10 (capped to 0..1, e.g. pKi 8.2 -> 0.82), so that it works as the
  confidence weight the path scores already read.
"""

from __future__ import annotations

import functools
import re
import statistics
from collections import Counter
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from pathlib import Path

from tmekg.errors import LoaderError
from tmekg.io import packaged_yaml, read_table, resolve
from tmekg.loaders.cellphonedb import slug
from tmekg.loaders.drugcentral import antibody_action, drug_slug
from tmekg.loaders.metalinksdb import gene_id
from tmekg.model import Edge, LoadReport, Node, Provenance, props
from tmekg.normalize import clean_text

SOURCE = "gtopdb"
INTERACTIONS, LIGANDS = "interactions.csv", "ligands.csv"
INTERACTION_COLUMNS = (
    "target_gene_symbol",
    "target_uniprot",
    "target_ensembl_gene_id",
    "target_ligand_gene_symbol",
    "target_ligand_uniprot",
    "target_ligand_ensembl_gene_id",
    "target_species",
    "ligand_id",
    "ligand_gene_symbol",
    "type",
    "action",
    "endogenous",
    "affinity_high",
    "affinity_median",
    "affinity_low",
    "pubmed_id",
)
LIGAND_COLUMNS = (
    "Ligand id",
    "Name",
    "Type",
    "Approved",
    "Withdrawn",
    "PubChem CID",
    "IUPAC name",
    "INN",
    "Synonyms",
    "InChIKey",
)
HUMAN = "human"
FLAGS = {"t": True, "f": False}
GENE_PRODUCT_TYPES = {"peptide", "antibody"}  # ligand types that are gene products, not metabolites
TYPE_MODALITY = {"antibody": "antibody", "peptide": "protein"}
NO_VALUE = {"", "-"}
NO_WORDING = {"", "None"}  # the release writes "None" for an absent type or action
PUBCHEM = "PUBCHEM.COMPOUND:"
LIGAND_PREFIX = "IUPHAR.LIGAND:"
NON_HUMAN = "non-human target"
NO_LIGAND = "ligand id not in ligands.csv"
NO_GENE = "target without a valid gene symbol (complex or family)"
PEPTIDE_NO_GENE = "endogenous peptide/protein ligand without a human gene symbol (rodent-only or unnamed)"
PEPTIDE_UNMAPPED = "endogenous peptide/protein ligand whose predicate has no ligand_predicates entry"
RESEARCH = "research compound (not approved, no INN)"
CONFLICT = "drug–gene pair with conflicting actions (most frequent kept)"
UNMAPPED = "endogenous ligand without a ChEBI name match (local id; joins by PubChem CID at build)"
NO_CID = "drug without PubChem CID (joins other drugs by name)"
_ION = re.compile(r"^([A-Z][a-z]?)(\d*)([+-])$")
_INCHIKEY = re.compile(r"^[A-Z]{14}-[A-Z]{10}-[A-Z]$")
_PMID = re.compile(r"^\d+$")
_RODENT_CASE = re.compile(r"[a-z]")  # HGNC symbols are upper case (but C1orf112); MGI / RGD ones are not
_GREEK = {"α": "alpha", "β": "beta", "γ": "gamma", "δ": "delta", "ε": "epsilon", "ω": "omega", "Δ": "Delta"}


@dataclass(frozen=True)
class Ligand:
    """One ``ligands.csv`` row, cleaned."""

    id: str
    name: str
    kind: str
    approved: bool
    inn: str
    cid: str
    inchikey: str
    synonyms: tuple[str, ...]
    iupac: str

    @property
    def is_drug(self) -> bool:
        """Approved or withdrawn drugs, and substances with an INN (clinical development)."""
        return self.approved or bool(self.inn)

    @property
    def gene_product(self) -> bool:
        """Peptides and antibodies are encoded by genes: never metabolites."""
        return self.kind.lower() in GENE_PRODUCT_TYPES


@dataclass(frozen=True)
class _Row:
    """The evidence one interaction row gives: its line, PMIDs and pAffinity."""

    line: int
    pmids: tuple[str, ...]
    affinity: float | None


@dataclass
class _Evidence:
    """What the rows behind one edge say: lines, PMIDs, affinities and the source's wording."""

    lines: list[int] = field(default_factory=list)
    pmids: dict[str, None] = field(default_factory=dict)
    affinities: list[float] = field(default_factory=list)
    labels: Counter = field(default_factory=Counter)
    ligands: dict[str, None] = field(default_factory=dict)

    def add(self, row: _Row, label: str, ligand: str = "") -> None:
        self.ligands.update(dict.fromkeys([ligand] if ligand else []))
        self.lines.append(row.line)
        self.pmids.update(dict.fromkeys(row.pmids))
        self.affinities += [row.affinity] if row.affinity is not None else []
        self.labels[label] += 1

    def provenance(self, filename: str, version: str) -> Provenance:
        record = f"{filename}:{','.join(map(str, self.lines))}"
        kind = self.labels.most_common(1)[0][0].split(":", 1)[0].strip().lower() if self.labels else ""
        return Provenance(
            SOURCE,
            version,
            tuple(self.pmids),
            affinity_score(self.affinities),
            record=record,
            evidence_class=f"GtoPdb:{kind or 'interaction'}",  # the interaction type (grade, issue 16)
        )


def load(directory: Path, report: LoadReport) -> Iterator[Node | Edge]:
    """Yield GtoPdb metabolites, drugs and genes, then metabolite, peptide-ligand and drug edges."""
    from tmekg.loaders import get_source

    ligands = read_ligands(resolve(directory / LIGANDS), report)
    path = resolve(directory / INTERACTIONS)
    graph = _Graph(get_source(SOURCE).version, path.name.removesuffix(".gz"))
    for line, row in read_table(path, ",", required=INTERACTION_COLUMNS):
        report.rows += 1
        graph.add_row(line, checked_interaction(row, path, line), ligands, report)
    yield from graph.records(report)


@functools.cache
def action_table() -> dict:
    """The ``type`` / ``action`` table (``gtopdb_actions.yaml``)."""
    return packaged_yaml("tmekg.loaders", "gtopdb_actions.yaml")


def classify(kind: str, action: str) -> tuple[str, str]:
    """(metabolite predicate, drug action) for an interaction's ``type`` and ``action``.

    >>> classify("Agonist", "Full agonist"), classify("Allosteric modulator", "Negative")
    (('activates', 'agonist'), ('inhibits', 'negative_modulator'))
    >>> classify("Inhibitor", "Binding"), classify("Antibody", "Binding")
    (('inhibits', 'inhibitor'), ('binds', 'binder'))
    """
    table = action_table()
    kind, action = kind.strip(), action.strip()
    entry = (
        table["pairs"].get(f"{kind}|{action}")
        or table["actions"].get(action)
        or table["types"].get(kind)
        or table["default"]
    )
    return entry[0], entry[1]


def spelled(text: str) -> str:
    """Greek letters spelled out as ChEBI labels write them.

    >>> spelled("5α-pregnan-3α-ol-20-one")
    '5alpha-pregnan-3alpha-ol-20-one'
    """
    return "".join(_GREEK.get(ch, ch) for ch in text)


def chebi_by_name(ligand: Ligand) -> str | None:
    """The ChEBI term whose label equals the ligand's name, a synonym or its IUPAC name (exact)."""
    from tmekg.loaders.ontologies import id_by_label

    for text in (*ion_labels(ligand), ligand.name, *ligand.synonyms, ligand.iupac):
        for variant in dict.fromkeys((text, spelled(text))):
            term = id_by_label(variant) if variant else None
            if term:
                return term
    return None


def ion_labels(ligand: Ligand) -> tuple[str, ...]:
    """ChEBI's label for a monoatomic ion named like ``Ca2+`` (the charged species, CHEBI:29108
    calcium(2+), not the class "calcium ion" CHEBI:39124 that the synonym would pick).

    >>> ion_labels(Ligand("1", "Ca2+", "Inorganic", False, "", "", "", ("calcium ion",), ""))
    ('calcium(2+)',)
    >>> ion_labels(Ligand("2", "H+", "Inorganic", False, "", "", "", ("hydrogen ion",), ""))
    ('hydron',)
    """
    match = _ION.match(ligand.name)
    if match is None:
        return ()
    if ligand.name == "H+":
        return ("hydron",)
    charge = f"{match.group(2) or 1}{match.group(3)}"
    elements = (s.removesuffix(" ion") for s in ligand.synonyms if s.endswith(" ion"))
    return tuple(f"{element}({charge})" for element in elements)


def affinity_score(values: list[float]) -> float | None:
    """Median pAffinity / 10, capped to 0..1 (``None`` without a value).

    >>> affinity_score([8.0, 9.0, 7.1]), affinity_score([12.0]), affinity_score([])
    (0.8, 1.0, None)
    """
    if not values:
        return None
    return round(min(max(statistics.median(values) / 10, 0.0), 1.0), 3)


def read_ligands(path: Path, report: LoadReport) -> dict[str, Ligand]:
    """``Ligand id`` -> :class:`Ligand`; a malformed ligand id raises :class:`LoaderError`, a malformed
    PubChem CID or InChIKey (the release has a few CAS numbers in the CID column) is dropped and counted."""
    out: dict[str, Ligand] = {}
    for line, row in read_table(path, ",", required=LIGAND_COLUMNS):
        report.rows += 1
        ligand = _ligand(row, path, line, report)
        if ligand.id in out:
            raise LoaderError(f"duplicate ligand id {ligand.id}", path=path, line=line, field="Ligand id")
        out[ligand.id] = ligand
    return out


def _ligand(row: dict[str, str], path: Path, line: int, report: LoadReport) -> Ligand:
    values = {k: (row.get(k) or "").strip() for k in LIGAND_COLUMNS}
    _require(values["Ligand id"], _PMID, "a numeric ligand id", path, line, "Ligand id")
    for column, pattern in (("PubChem CID", _PMID), ("InChIKey", _INCHIKEY)):
        if values[column] and not pattern.match(values[column]):
            report.skip(f"ligands.csv: malformed {column} (dropped)", f"{values[column]} (line {line})")
            values[column] = ""
    synonyms = (clean_text(s) for s in "|".join((values["INN"], values["Synonyms"])).split("|"))
    return Ligand(
        id=values["Ligand id"],
        name=clean_text(values["Name"]) or values["Ligand id"],
        kind=values["Type"],
        approved="yes" in (values["Approved"].lower(), values["Withdrawn"].lower()),
        inn=clean_text(values["INN"].split("|")[0]),
        cid=values["PubChem CID"],
        inchikey=values["InChIKey"],
        synonyms=tuple(s for s in dict.fromkeys(synonyms) if s),
        iupac=clean_text(values["IUPAC name"]),
    )


def _require(
    value: str, pattern: re.Pattern[str], what: str, path: Path, line: int, column: str, empty: bool = False
) -> None:
    if (empty and not value) or pattern.match(value):
        return
    raise LoaderError(f"expected {what}, found {value!r}", path=path, line=line, field=column)


def checked_interaction(row: dict[str, str], path: Path, line: int) -> dict[str, str]:
    """The row with stripped values; bad flags, ligand ids, PMIDs or affinities raise LoaderError."""
    values = {k: (v or "").strip() for k, v in row.items()}
    _require(values["ligand_id"], _PMID, "a numeric ligand id", path, line, "ligand_id")
    if values["endogenous"] not in FLAGS:
        raise LoaderError(
            f"expected t or f, found {values['endogenous']!r}", path=path, line=line, field="endogenous"
        )
    for pmid in filter(None, values["pubmed_id"].split("|")):
        _require(pmid.strip(), _PMID, "numeric PubMed ids joined by |", path, line, "pubmed_id")
    for column in ("affinity_high", "affinity_median", "affinity_low"):
        if values[column] not in NO_VALUE and _number(values[column]) is None:
            raise LoaderError(
                f"expected a number, found {values[column]!r}", path=path, line=line, field=column
            )
    return values


def _number(text: str) -> float | None:
    try:
        return float(text)
    except ValueError:
        return None


def row_affinity(row: dict[str, str]) -> float | None:
    """The row's median pAffinity, else the middle of its low..high range, else ``None``.

    >>> row_affinity({"affinity_median": "7.5", "affinity_high": "", "affinity_low": ""})
    7.5
    >>> row_affinity({"affinity_median": "", "affinity_high": "9.4", "affinity_low": "8.4"})
    8.9
    """
    median = row["affinity_median"]
    if median not in NO_VALUE:
        return float(median)
    ends = [float(row[c]) for c in ("affinity_low", "affinity_high") if row[c] not in NO_VALUE]
    return round(sum(ends) / len(ends), 3) if ends else None


def target_genes(row: dict[str, str]) -> list[tuple[str, tuple[str, ...]]]:
    """(gene CURIE, xrefs UNIPROT/ENSEMBL) per target component; protein-ligand targets use
    the ``target_ligand_*`` columns. Multi-subunit targets get no xrefs: GtoPdb lists their accessions
    in an order that need not follow the symbols (HTR3B|HTR3A with P46098|O95264, P46098 being HTR3A),
    and a wrong UniProt xref would merge two genes.

    >>> target_genes({"target_gene_symbol": "ADORA2A", "target_uniprot": "P29274",
    ...               "target_ensembl_gene_id": "ENSG00000128271"})
    [('HGNC.SYMBOL:ADORA2A', ('UNIPROT:P29274', 'ENSEMBL:ENSG00000128271'))]
    >>> target_genes({"target_gene_symbol": "HTR3B|HTR3A", "target_uniprot": "P46098|O95264"})
    [('HGNC.SYMBOL:HTR3B', ()), ('HGNC.SYMBOL:HTR3A', ())]
    """
    prefix = "target_" if row.get("target_gene_symbol") else "target_ligand_"
    symbols = [s.strip() for s in row.get(prefix + "gene_symbol", "").split("|")]
    columns = {"UNIPROT": prefix + "uniprot", "ENSEMBL": prefix + "ensembl_gene_id"}
    xrefs = {p: [x.strip() for x in row.get(c, "").split("|")] for p, c in columns.items()}
    genes = [g for g in (gene_id(s) for s in symbols if s) if g]
    if len(symbols) > 1:  # the accession order need not follow the symbol order (5-HT3AB): no xrefs
        return [(gene, ()) for gene in genes]
    ids = (f"{p}:{v[0]}" for p, v in xrefs.items() if len(v) == 1 and v[0])
    return [(gene, tuple(_valid_xrefs(ids))) for gene in genes]


def ligand_genes(row: dict[str, str]) -> list[str]:
    """Gene CURIEs of the human genes that encode a peptide ligand (``ligand_gene_symbol``).

    GtoPdb joins the human, mouse and rat genes of a peptide in one column, in no fixed order
    (``Pdyn|Pdyn|PDYN``), and lists every gene of a heterodimer or of paralogues (``IL12B|IL12A``,
    ``CALM2|CALM3|CALM1``). Human symbols are the HGNC-case ones (no lower-case letter outside
    ``orf``); a ligand with only rodent genes (``Cort|Cort``) has none.

    >>> ligand_genes({"ligand_gene_symbol": "Pdyn|Pdyn|PDYN"}), ligand_genes({"ligand_gene_symbol": "Cort"})
    (['HGNC.SYMBOL:PDYN'], [])
    >>> ligand_genes({"ligand_gene_symbol": "IL12B|IL12A"})
    ['HGNC.SYMBOL:IL12B', 'HGNC.SYMBOL:IL12A']
    """
    symbols = (s.strip() for s in row.get("ligand_gene_symbol", "").split("|"))
    human = (s for s in symbols if s and not _RODENT_CASE.search(s.replace("orf", "")))
    return [g for g in dict.fromkeys(gene_id(s) for s in human) if g]


def _valid_xrefs(curies: Iterator[str]) -> Iterator[str]:
    from tmekg.ids import is_valid

    return (c for c in curies if is_valid(c))


def _unusable(row: dict[str, str], ligand: Ligand | None, genes: list) -> str | None:
    """Why a row cannot be loaded at all (non-human target, unknown ligand, no gene), else None."""
    if row["target_species"].lower() != HUMAN:
        return NON_HUMAN
    if ligand is None:
        return NO_LIGAND
    return None if genes else NO_GENE


class _Graph:
    """Collects nodes and merged edges from interaction rows."""

    def __init__(self, version: str, filename: str) -> None:
        self.version, self.filename = version, filename
        self.metabolites: dict[str, Node] = {}
        self.drugs: dict[str, Node] = {}
        self.genes: dict[str, dict[str, None]] = {}
        self.met_edges: dict[tuple[str, str, str], _Evidence] = {}
        self.drug_edges: dict[tuple[str, str], _Evidence] = {}
        self.gene_edges: dict[tuple[str, str, str], _Evidence] = {}
        self.ligand_genes: set[str] = set()
        self.unmapped: dict[str, Ligand] = {}

    def add_row(self, line: int, row: dict[str, str], ligands: dict[str, Ligand], report: LoadReport) -> None:
        ligand, genes = ligands.get(row["ligand_id"]), target_genes(row)
        reason = _unusable(row, ligand, genes)
        if reason or ligand is None:
            report.skip(reason, f"{row['ligand_id']} -> {row.get('target') or '?'} (line {line})")
            return
        predicate, drug_action = classify(row["type"], row["action"])
        pmids = tuple(f"PMID:{p.strip()}" for p in row["pubmed_id"].split("|") if p.strip())
        evidence = _Row(line, pmids, row_affinity(row))
        mode = ": ".join(v for v in (row["type"], row["action"]) if v not in NO_WORDING)
        if FLAGS[row["endogenous"]] and ligand.gene_product:
            reason = self._peptide(ligand, ligand_genes(row), genes, (predicate, mode), evidence)
            if reason:
                report.skip(reason, f"{ligand.name} -> {genes[0][0]} (line {line})")
        elif FLAGS[row["endogenous"]]:
            self._endogenous(ligand, genes, predicate, mode, evidence)
        elif ligand.is_drug:
            self._drug_row(ligand, genes, drug_action, evidence)
        else:
            report.skip(RESEARCH, f"{ligand.name} -> {genes[0][0]} (line {line})")

    def _endogenous(
        self, ligand: Ligand, genes: list[tuple[str, tuple[str, ...]]], predicate: str, mode: str, row: _Row
    ) -> None:
        met = self._metabolite(ligand).id
        for gene, xrefs in genes:
            self._gene(gene, xrefs)
            self.met_edges.setdefault((met, predicate, gene), _Evidence()).add(row, mode)

    def _peptide(
        self,
        ligand: Ligand,
        sources: list[str],
        genes: list[tuple[str, tuple[str, ...]]],
        action: tuple[str, str],
        row: _Row,
    ) -> str | None:
        """Gene -> gene edges of an endogenous peptide ligand; the skip reason when there are none."""
        predicate = action_table()["ligand_predicates"].get(action[0])
        if not sources:
            return PEPTIDE_NO_GENE
        if predicate is None:
            return PEPTIDE_UNMAPPED
        for source in sources:
            self._gene(source, ())
            self.ligand_genes.add(source)
            for gene, xrefs in genes:
                self._gene(gene, xrefs)
                self.gene_edges.setdefault((source, predicate, gene), _Evidence()).add(
                    row, action[1], ligand.name
                )
        return None

    def _drug_row(
        self, ligand: Ligand, genes: list[tuple[str, tuple[str, ...]]], action: str, row: _Row
    ) -> None:
        drug = self._drug(ligand)
        action = antibody_action(action, drug.prop("modality"))
        for gene, xrefs in genes:
            self._gene(gene, xrefs)
            self.drug_edges.setdefault((drug.id, gene), _Evidence()).add(row, action)

    def _metabolite(self, ligand: Ligand) -> Node:
        if ligand.id not in self.metabolites:
            chebi = chebi_by_name(ligand)
            if chebi is None:
                self.unmapped[ligand.id] = ligand
            node_id = chebi or f"TMEKG:metabolite.{slug(ligand.name)}"
            self.metabolites[ligand.id] = self._node(ligand, node_id, "Metabolite", ligand.name)
        return self.metabolites[ligand.id]

    def _drug(self, ligand: Ligand) -> Node:
        if ligand.id not in self.drugs:
            name = ligand.inn or ligand.name
            node_id = f"PUBCHEM.COMPOUND:{ligand.cid}" if ligand.cid else drug_slug(name)
            modality = TYPE_MODALITY.get(ligand.kind.lower(), "small_molecule")
            properties = props(modality=modality, max_phase=4 if ligand.approved else None)
            self.drugs[ligand.id] = self._node(ligand, node_id, "Drug", name, properties)
        return self.drugs[ligand.id]

    def _node(self, ligand: Ligand, node_id: str, category: str, name: str, properties=()) -> Node:
        xrefs = [
            f"PUBCHEM.COMPOUND:{ligand.cid}" if ligand.cid else "",
            f"INCHIKEY:{ligand.inchikey}" if ligand.inchikey else "",
            f"{LIGAND_PREFIX}{ligand.id}",
        ]
        synonyms = (s for s in (ligand.name, ligand.inn, *ligand.synonyms) if s and s != name)
        return Node(
            id=node_id,
            category=category,
            name=name,
            synonyms=tuple(dict.fromkeys(synonyms)),
            xrefs=tuple(x for x in xrefs if x and x != node_id),
            properties=properties,
            provenance=(Provenance(SOURCE, self.version, record=f"{LIGANDS} Ligand id {ligand.id}"),),
        )

    def _gene(self, gene: str, xrefs: tuple[str, ...]) -> None:
        self.genes.setdefault(gene, {}).update(dict.fromkeys(xrefs))

    def records(self, report: LoadReport) -> Iterator[Node | Edge]:
        self._report_mapping(report)
        yield from self.metabolites.values()
        yield from self.drugs.values()
        prov = (Provenance(SOURCE, self.version),)
        role = action_table()["ligand_role"]
        for gene, xrefs in self.genes.items():
            roles = props(roles=[role] if gene in self.ligand_genes else None)
            yield Node(
                gene, "Gene", gene.split(":", 1)[1], xrefs=tuple(xrefs), properties=roles, provenance=prov
            )
        for (met, predicate, gene), ev in self.met_edges.items():
            mode = ev.labels.most_common(1)[0][0]
            yield Edge(met, predicate, gene, (ev.provenance(self.filename, self.version),), props(mode=mode))
        for (source, predicate, gene), ev in self.gene_edges.items():
            properties = props(mode=ev.labels.most_common(1)[0][0], ligands=list(ev.ligands))
            yield Edge(source, predicate, gene, (ev.provenance(self.filename, self.version),), properties)
        yield from self._drug_edges(report)

    def _drug_edges(self, report: LoadReport) -> Iterator[Edge]:
        predicate = action_table()["drug_predicate"]
        for (drug, gene), ev in self.drug_edges.items():
            action = ev.labels.most_common(1)[0][0]
            if len(ev.labels) > 1:
                report.skip(CONFLICT, f"{drug} {gene}")
            yield Edge(
                drug, predicate, gene, (ev.provenance(self.filename, self.version),), props(action=action)
            )

    def _report_mapping(self, report: LoadReport) -> None:
        for ligand in self.unmapped.values():
            report.skip(UNMAPPED, f"{ligand.name} (ligand {ligand.id}, CID {ligand.cid or '-'})")
        for ligand_id, node in self.drugs.items():
            if node.id.startswith("TMEKG:"):
                report.skip(NO_CID, f"{node.name} (ligand {ligand_id})")


def pubchem_links(
    identifiers: Mapping[str, Iterable[str]], known: Iterable[tuple[str, str]] = ()
) -> list[tuple[str, str]]:
    """Build-time merge links: a GtoPdb metabolite that met no other node joins the one with its CID.

    GtoPdb names no ChEBI or HMDB id. An endogenous ligand whose name is not a ChEBI label keeps a
    local ``TMEKG:`` id; one whose name is a ChEBI label may still pick a ChEBI term that no other
    source uses (``(-)-noradrenaline`` -> (R)-noradrenaline while the graph has noradrenaline under its
    HMDB id). PubChem is not a metabolite merge key (``docs/identifiers.md``), but such an isolated
    node (a local id or an ``IUPHAR.LIGAND`` cross-reference, and no merge key shared with another
    node) joins the other node anchored by a merge key (ChEBI / HMDB) that carries the same PubChem
    CID, when all such nodes are one entity (they share merge keys); otherwise it stays apart.

    ``identifiers`` maps each Metabolite node id to its ids and cross-references
    (:meth:`tmekg.build.GraphBuilder.identifiers`); ``known`` are pairs of node ids already known to be
    one metabolite (the acid/base and species links of :mod:`tmekg.normalize`).

    >>> pubchem_links({"HMDB:HMDB0000068": {"HMDB:HMDB0000068", "PUBCHEM.COMPOUND:5816"},
    ...                "TMEKG:metabolite.adrenaline": {"PUBCHEM.COMPOUND:5816"}})
    [('HMDB:HMDB0000068', 'TMEKG:metabolite.adrenaline')]
    """
    keys = _merge_keys(identifiers, "Metabolite")
    entity = _entities(keys, known)
    sizes = Counter(entity.values())
    anchored: dict[str, set[str]] = {}
    for node_id, ids in identifiers.items():
        for cid in (i for i in ids if i.startswith(PUBCHEM) and keys[node_id]):
            anchored.setdefault(cid, set()).add(node_id)
    links = []
    for node_id, ids in sorted(identifiers.items()):
        if not _isolated_gtopdb(node_id, ids, sizes, entity):
            continue
        matches = set().union(*(anchored.get(i, set()) for i in ids if i.startswith(PUBCHEM))) - {node_id}
        links += _one_entity_link(node_id, matches, entity)
    return links


def name_links(
    identifiers: Mapping[str, Iterable[str]], names: Mapping[str, Iterable[str]]
) -> list[tuple[str, str]]:
    """Build-time merge links: a GtoPdb drug without a CID joins the one drug of the same name.

    Antibodies and most peptides have no PubChem CID; GtoPdb gives them a ``TMEKG:drug.<INN>`` id,
    which joins the curated KB's and the Repurposing Hub's name ids but not DrugCentral's ChEMBL-keyed
    node of the same antibody. Such a node (with an ``IUPHAR.LIGAND`` cross-reference and no Drug merge
    key) joins the Drug node anchored by a merge key whose name or synonym equals its name
    (case-insensitive), when all such nodes are one entity.

    >>> name_links({"CHEMBL.COMPOUND:CHEMBL2108738": {"CHEMBL.COMPOUND:CHEMBL2108738"},
    ...             "TMEKG:drug.nivolumab": {"TMEKG:drug.nivolumab", "IUPHAR.LIGAND:7335"}},
    ...            {"CHEMBL.COMPOUND:CHEMBL2108738": ("nivolumab", "Opdivo"),
    ...             "TMEKG:drug.nivolumab": ("nivolumab",)})
    [('CHEMBL.COMPOUND:CHEMBL2108738', 'TMEKG:drug.nivolumab')]
    """
    keys = _merge_keys(identifiers, "Drug")
    entity = _entities(keys)
    sizes = Counter(entity.values())
    by_name: dict[str, set[str]] = {}
    for node_id, texts in names.items():
        for text in texts if keys.get(node_id) else ():
            by_name.setdefault(text.strip().lower(), set()).add(node_id)
    links = []
    for node_id, ids in sorted(identifiers.items()):
        if not _isolated_gtopdb(node_id, ids, sizes, entity):
            continue
        matches = set().union(*(by_name.get(t.strip().lower(), set()) for t in names.get(node_id, ())))
        links += _one_entity_link(node_id, matches - {node_id}, entity)
    return links


def _merge_keys(identifiers: Mapping[str, Iterable[str]], category: str) -> dict[str, set[str]]:
    """Each node's ids and cross-references whose prefix is a merge key of ``category``."""
    from tmekg.schema import load_schema

    anchors = set(load_schema().categories[category].merge_on)
    return {n: {i for i in (n, *ids) if i.split(":", 1)[0] in anchors} for n, ids in identifiers.items()}


def _entities(keys: Mapping[str, set[str]], known: Iterable[tuple[str, str]] = ()) -> dict[str, str]:
    """Node -> representative of the nodes it shares merge keys with (transitively), as the build merges.

    >>> found = _entities({"a": {"K:1"}, "b": {"K:1", "K:2"}, "c": {"K:2"}, "d": set()})
    >>> found["a"] == found["c"] != found["d"]
    True
    """
    parent: dict[str, str] = {}

    def find(item: str) -> str:
        parent.setdefault(item, item)
        while parent[item] != item:
            parent[item] = parent[parent[item]]
            item = parent[item]
        return item

    for node_id in sorted(keys):
        for key in keys[node_id]:
            parent[find(key)] = find(node_id)
    for a, b in known:
        parent[find(a)] = find(b)
    return {node_id: find(node_id) for node_id in sorted(keys)}


def _isolated_gtopdb(node_id: str, ids: Iterable[str], sizes: Counter, entity: Mapping[str, str]) -> bool:
    """A GtoPdb node (local id or IUPHAR.LIGAND xref) whose merge keys meet no other node."""
    from_gtopdb = node_id.startswith("TMEKG:") or any(i.startswith(LIGAND_PREFIX) for i in ids)
    return from_gtopdb and sizes[entity[node_id]] == 1


def _one_entity_link(node_id: str, matches: set[str], entity: Mapping[str, str]) -> list[tuple[str, str]]:
    groups = {entity[m] for m in matches}
    return [(min(matches), node_id)] if len(groups) == 1 else []
