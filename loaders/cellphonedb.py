"""Loader for CellPhoneDB v5 small-molecule ligand interactions.

CellPhoneDB codes every non-protein ligand as a "complex" named ``<metabolite>_by<ENZYME>`` or
``<metabolite>_by<ENZYME>_and_<TRANSPORTER>`` (``complex_input.csv``, subunits in ``uniprot_1..n``)
whose members are the biosynthetic enzymes (and the transporter releasing the metabolite) used as
proxies of ligand abundance. ``interaction_input.csv`` pairs such a proxy (``partner_a``) with a
receptor (``partner_b``: a UniProt accession or a receptor complex); ``gene_input.csv`` maps UniProt
accessions to gene names and Ensembl ids.

Records: one Metabolite per ligand name, with the ChEBI id CellPhoneDB gives in the proxy's
``secreted_desc`` column (``CHEBI:15355``; ``;``-joined ids pair with the names of two-ligand proxies
such as ``AldosteroneCorticosterone``; extra ids are ignored) used for every proxy of that name, else a
local id ``TMEKG:metabolite.<slug>``. The readable name, the CellPhoneDB token and the proxy complex
names are kept as name/synonyms so that a later name-based mapping can merge the local ones;
Gene nodes (``HGNC.SYMBOL``, xrefs UNIPROT/ENSEMBL, roles enzyme/transporter/receptor);
``produces`` (enzyme → metabolite), ``transports`` (transporter → metabolite, bidirectional: the
source does not say which way) and ``binds`` (metabolite → each receptor subunit gene) edges.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path

from tmekg.io import read_table, resolve
from tmekg.loaders.metalinksdb import gene_id
from tmekg.model import Edge, LoadReport, Node, Provenance, props

SOURCE = "cellphonedb"
INTERACTIONS, COMPLEXES, GENES = "interaction_input.csv", "complex_input.csv", "gene_input.csv"
INTERACTION_COLUMNS = ("partner_a", "partner_b", "source")
COMPLEX_COLUMNS = ("complex_name", "uniprot_1")
GENE_COLUMNS = ("gene_name", "uniprot", "ensembl")
PROXY = re.compile(r"^(?P<ligand>.+?)_by(?P<enzyme>[A-Za-z0-9]+)(?:_and_(?P<transporter>[A-Za-z0-9]+))?$")
# CellPhoneDB ligand tokens whose readable name cannot be derived by splitting CamelCase.
NAMES: dict[str, tuple[str, ...]] = {
    "12oxoLeukotrieneB4": ("12-oxo-Leukotriene B4",),
    "2arachidonoylglycerol": ("2-Arachidonoylglycerol",),
    "5-HT": ("Serotonin",),
    "5SHpETE": ("5(S)-HpETE",),
    "5alphaDihydroprogesterone": ("5alpha-Dihydroprogesterone",),
    "Adrenaline": ("Epinephrine",),
    "AldosteroneCorticosterone": ("Aldosterone", "Corticosterone"),
    "DHEAsulfate": ("Dehydroepiandrosterone sulfate",),
    "LTC4": ("Leukotriene C4",),
    "LTD4": ("Leukotriene D4",),
    "Ldopa": ("L-DOPA",),
    "Lthyroxine": ("L-Thyroxine",),
    "Noradrenaline": ("Norepinephrine",),
    "PGD2": ("Prostaglandin D2",),
    "ProstaglandinF2a": ("Prostaglandin F2alpha",),
    "SerotoninDopamin": ("Serotonin", "Dopamine"),
    "atRetinoicAcid": ("all-trans-Retinoic acid",),
    "b-Endorphin": ("beta-Endorphin",),
    "b-PEA": ("Phenethylamine",),
}
# Extra synonyms (by readable name) that make a later name-based match with ChEBI/HMDB likelier.
SYNONYMS: dict[str, tuple[str, ...]] = {
    "GABA": ("gamma-Aminobutyric acid", "4-Aminobutanoic acid"),
    "Glutamate": ("L-Glutamic acid", "L-Glutamate"),
    "Triiodothyronine": ("3,3',5-Triiodo-L-thyronine",),
    "Prostacyclin": ("Prostaglandin I2",),
    "Dihydrotestosterone": ("5alpha-Dihydrotestosterone",),
    "Desoxycorticosterone": ("11-Deoxycorticosterone",),
    "Androstenedione": ("Androst-4-ene-3,17-dione",),
    "Phenethylamine": ("2-Phenylethylamine", "beta-Phenylethylamine"),
}
_CHEBI = re.compile(r"CHEBI:(\d+)")
_PMID = re.compile(r"PMID:\s*(\d+)", re.IGNORECASE)


def load(directory: Path, report: LoadReport) -> Iterator[Node | Edge]:
    """Yield ligand metabolites, genes, then produces/transports/binds edges."""
    from tmekg.loaders import get_source

    graph = _Graph(get_source(SOURCE).version)
    genes = read_genes(resolve(directory / GENES), report)
    complexes, proxies = _read_complexes(resolve(directory / COMPLEXES), genes, graph, report)
    _read_interactions(resolve(directory / INTERACTIONS), proxies, complexes, genes, graph, report)
    yield from graph.records()


def ligand_names(token: str) -> tuple[str, ...]:
    """Readable metabolite name(s) for a CellPhoneDB ligand token.

    >>> ligand_names("ProstaglandinE2"), ligand_names("22Hydroxycholesterol"), ligand_names("5-HT")
    (('Prostaglandin E2',), ('22-Hydroxycholesterol',), ('Serotonin',))
    """
    if token in NAMES:
        return NAMES[token]
    name = re.sub(r"(?<=[a-z])(?=[A-Z]\d)", " ", token)
    return (re.sub(r"^(\d+)(?=[A-Za-z])", r"\1-", name),)


def slug(name: str) -> str:
    """Lower-case local-id slug (the convention of curated ``TMEKG:`` ids).

    >>> slug("Prostaglandin E2"), slug("5(S)-HpETE")
    ('prostaglandin_e2', '5_s-hpete')
    """
    text = re.sub(r"[^a-z0-9.+\-]+", "_", name.lower())
    return re.sub(r"_*-_*", "-", text).strip("_.-")


def read_genes(path: Path, report: LoadReport) -> dict[str, tuple[str, list[str]]]:
    """UniProt accession -> (gene CURIE, xrefs UNIPROT/ENSEMBL)."""
    from tmekg.ids import normalize

    out: dict[str, tuple[str, list[str]]] = {}
    for line, row in read_table(path, ",", required=GENE_COLUMNS):
        report.rows += 1
        accession, gene = row["uniprot"].strip(), gene_id(row["gene_name"].strip())
        if not accession or gene is None:
            report.skip("gene table: missing UniProt accession or gene name", f"line {line}")
            continue
        _, xrefs = out.setdefault(accession, (gene, [f"UNIPROT:{accession}"]))
        ensembl = normalize(row["ensembl"], default_prefix="ENSEMBL")
        if ensembl and ensembl not in xrefs:
            xrefs.append(ensembl)
    return out


class _Graph:
    """Nodes and edges in first-seen order (edges merged on subject–predicate–object)."""

    def __init__(self, version: str) -> None:
        self.version = version
        self.metabolites: dict[str, list[str]] = {}
        self.genes: dict[str, tuple[list[str], list[str]]] = {}
        self.edges: dict[tuple[str, str, str], tuple[Provenance, tuple]] = {}

    def metabolite(self, names: list[str], chebi: str | None) -> str:
        curie = chebi or f"TMEKG:metabolite.{slug(names[0])}"
        known = self.metabolites.setdefault(curie, [])
        known += [n for n in dict.fromkeys([*names, *SYNONYMS.get(names[0], ())]) if n not in known]
        return curie

    def gene(self, curie: str, xrefs: list[str], role: str) -> None:
        roles, known = self.genes.setdefault(curie, ([], []))
        roles += [role] if role not in roles else []
        known += [x for x in xrefs if x not in known]

    def edge(self, key: tuple[str, str, str], prov: Provenance, **prop: str) -> None:
        """Add an edge; a repeated one keeps its first record and gains the new PMIDs."""
        if key not in self.edges:
            self.edges[key] = (prov, props(prop))
            return
        first, properties = self.edges[key]
        evidence = tuple(dict.fromkeys((*first.evidence, *prov.evidence)))
        self.edges[key] = (
            Provenance(SOURCE, self.version, evidence=evidence, record=first.record),
            properties,
        )

    def records(self) -> Iterator[Node | Edge]:
        prov = (Provenance(SOURCE, self.version),)
        for curie, names in self.metabolites.items():
            yield Node(curie, "Metabolite", names[0], synonyms=tuple(names[1:]), provenance=prov)
        for curie, (roles, xrefs) in self.genes.items():
            symbol = curie.split(":", 1)[1]
            roles_prop = props(roles=sorted(roles))
            yield Node(curie, "Gene", symbol, xrefs=tuple(xrefs), properties=roles_prop, provenance=prov)
        for (subject, predicate, obj), (p, properties) in self.edges.items():
            yield Edge(subject, predicate, obj, (p,), properties)


def _read_complexes(
    path: Path, genes: dict, graph: _Graph, report: LoadReport
) -> tuple[dict[str, list[str]], dict[str, list[str]]]:
    """Complex name -> member accessions; proxy complex name -> metabolite ids (with their edges)."""
    complexes: dict[str, list[str]] = {}
    found: list[tuple[int, str, re.Match[str], list[str]]] = []
    chebi: dict[str, str] = {}
    for line, row in read_table(path, ",", required=COMPLEX_COLUMNS):
        report.rows += 1
        name = row["complex_name"].strip()
        complexes[name] = [v.strip() for k, v in row.items() if k.startswith("uniprot_") and v.strip()]
        match = PROXY.match(name)
        if match is not None:
            found.append((line, name, match, complexes[name]))
            names = ligand_names(match.group("ligand"))
            for ligand, curie in zip(names, _CHEBI.findall(row.get("secreted_desc", "")), strict=False):
                chebi.setdefault(ligand, f"CHEBI:{curie}")
    proxies: dict[str, list[str]] = {}
    for line, name, match, members in found:
        token = match.group("ligand")
        proxies[name] = [graph.metabolite([n, token, name], chebi.get(n)) for n in ligand_names(token)]
        if not _consistent(match.group("enzyme"), members, genes):
            report.skip("proxy complex whose named enzyme is not among its members", f"{name} (line {line})")
            continue
        prov = Provenance(SOURCE, graph.version, record=f"{path.name}:{line}")
        for accession in members:
            _member_edges(accession, match.group("transporter"), proxies[name], genes, graph, prov, report)
    return complexes, proxies


def _consistent(enzyme: str, members: list[str], genes: dict) -> bool:
    """True if a member's gene symbol starts with the enzyme named in the proxy complex.

    CellPhoneDB v5 has two proxies whose accession is another protein (``Dehydroepiandrosterone_bySTS``
    -> Q8TF42, UBASH3B alias STS-1; ``DHEAsulfate_bySULT2B`` -> P50225, SULT1A1): their enzyme edges
    are not emitted (the ligand and its receptors still are).
    """
    symbols = [genes[a][0].split(":", 1)[1].upper() for a in members if a in genes]
    return any(s.startswith(enzyme.upper()) for s in symbols)


def _member_edges(
    accession: str,
    transporter: str | None,
    mets: list[str],
    genes: dict,
    graph: _Graph,
    prov: Provenance,
    report: LoadReport,
) -> None:
    if accession not in genes:
        report.skip("complex member without a gene name", accession)
        return
    gene, xrefs = genes[accession]
    is_transporter = transporter is not None and gene == f"HGNC.SYMBOL:{transporter}"
    graph.gene(gene, xrefs, "transporter" if is_transporter else "enzyme")
    for met in mets:
        if is_transporter:
            graph.edge((gene, "transports", met), prov, direction="bidirectional")
        else:
            graph.edge((gene, "produces", met), prov)


def _read_interactions(
    path: Path, proxies: dict, complexes: dict, genes: dict, graph: _Graph, report: LoadReport
) -> None:
    for line, row in read_table(path, ",", required=INTERACTION_COLUMNS):
        report.rows += 1
        a, b = row["partner_a"].strip(), row["partner_b"].strip()
        ligand, receptor = (a, b) if a in proxies else (b, a) if b in proxies else (None, None)
        if ligand is None or receptor in proxies:
            report.skip("not a small-molecule ligand interaction", f"{a} - {b} (line {line})")
            continue
        members = [m for m in complexes.get(receptor, [receptor]) if m in genes]
        if not members:
            report.skip("receptor without a gene name", f"{receptor} (line {line})")
            continue
        evidence = tuple(dict.fromkeys(f"PMID:{p}" for p in _PMID.findall(row["source"])))
        prov = Provenance(SOURCE, graph.version, evidence=evidence, record=f"{path.name}:{line}")
        for accession in members:
            gene, xrefs = genes[accession]
            graph.gene(gene, xrefs, "receptor")
            for met in proxies[ligand]:
                graph.edge((met, "binds", gene), prov)
