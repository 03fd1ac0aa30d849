"""Loader for the Broad Drug Repurposing Hub (2020-03-24 release). Non-commercial data: never bundled.

Files (tab-separated; ``!``-prefixed comment lines precede the header; some names are quoted):

``repurposing_drugs_20200324.txt``
    ``pert_iname, clinical_phase, moa, target, disease_area, indication``; ``moa`` and ``target``
    are ``|``-joined (mechanisms, gene symbols). Phases: Launched, Withdrawn, Phase 1..3,
    Phase 1/Phase 2, Phase 2/Phase 3, Preclinical.
``repurposing_samples_20200324.txt`` (optional)
    One row per physical sample: ``pert_iname``, ``InChIKey`` (sometimes a full InChI string instead,
    which is ignored), ``pubchem_cid``.

Records: Drug nodes (id ``PUBCHEM.COMPOUND`` from the samples, else ``TMEKG:drug.<slug>``; xrefs
``INCHIKEY`` so they merge with other sources that carry InChIKeys; ``max_phase``; ``mechanism`` =
moa; ``kind`` ``imaging_agent`` for contrast / diagnostic agents, see :mod:`tmekg.loaders.drug_kinds`),
Gene nodes (``HGNC.SYMBOL``) and ``targets`` edges whose ``action`` comes from the moa wording (one
action when all of a drug's mechanisms that name one agree, else ``other``). Drugs without targets are
counted as skipped.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

from tmekg.io import optional, read_table, resolve
from tmekg.loaders.drug_kinds import imaging_properties
from tmekg.loaders.drugcentral import drug_action, drug_slug, modality_of
from tmekg.loaders.metalinksdb import gene_id
from tmekg.model import Edge, LoadReport, Node, Provenance, props

SOURCE = "repurposing-hub"
DRUGS = "repurposing_drugs_20200324.txt"
SAMPLES = "repurposing_samples_20200324.txt"
DRUG_COLUMNS = ("pert_iname", "clinical_phase", "moa", "target")
SAMPLE_COLUMNS = ("pert_iname", "InChIKey", "pubchem_cid")
PHASES = {
    "launched": 4,
    "withdrawn": 4,
    "phase 3": 3,
    "phase 2/phase 3": 3,
    "phase 2": 2,
    "phase 1/phase 2": 2,
    "phase 1": 1,
    "early phase 1": 1,
    "preclinical": 0,
}


def load(directory: Path, report: LoadReport) -> Iterator[Node | Edge]:
    """Yield Hub drugs, their target genes, then ``targets`` edges."""
    from tmekg.loaders import get_source

    version = get_source(SOURCE).version
    samples_file = optional(directory / SAMPLES)
    samples = read_samples(samples_file, report) if samples_file else {}
    drugs: list[Node] = []
    genes: dict[str, None] = {}
    edges: list[Edge] = []
    path = resolve(directory / DRUGS)
    for line, row in read_table(path, "\t", required=DRUG_COLUMNS, comment="!"):
        report.rows += 1
        targets = _targets(row, line, report)
        if not targets:
            continue
        drug = _drug(row, samples.get(row["pert_iname"].strip(), ([], [])), version)
        drugs.append(drug)
        prov = Provenance(SOURCE, version, record=f"{path.name}:{line}")
        action = moa_action(row["moa"])
        for gene in targets:
            genes.setdefault(gene)
            edges.append(Edge(drug.id, "targets", gene, (prov,), props(action=action)))
    yield from drugs
    gene_prov = (Provenance(SOURCE, version),)
    yield from (Node(g, "Gene", g.split(":", 1)[1], provenance=gene_prov) for g in genes)
    yield from edges


def moa_action(moa: str) -> str:
    """One action for all of a drug's mechanisms, or ``other`` when they disagree.

    Mechanisms that name no action (``antioxidant``, ``insulin sensitizer``) do not disagree.

    >>> moa_action("dopamine receptor agonist"), moa_action("EGFR inhibitor|HER2 inhibitor")
    ('agonist', 'inhibitor')
    >>> moa_action("adrenergic receptor agonist|adrenergic receptor antagonist")
    'other'
    >>> moa_action("insulin sensitizer|PPAR receptor agonist"), moa_action("antioxidant")
    ('agonist', 'other')
    """
    actions = {drug_action(m) for m in moa.split("|") if m.strip()} - {"other"}
    return actions.pop() if len(actions) == 1 else "other"


def read_samples(path: Path, report: LoadReport) -> dict[str, tuple[list[str], list[str]]]:
    """pert_iname -> (InChIKey CURIEs, PubChem CIDs), distinct, in file order."""
    from tmekg.ids import is_valid

    out: dict[str, tuple[list[str], list[str]]] = {}
    for line, row in read_table(path, "\t", required=SAMPLE_COLUMNS, comment="!"):
        report.rows += 1
        keys, cids = out.setdefault(row["pert_iname"].strip(), ([], []))
        key, cid = row["InChIKey"].strip(), row["pubchem_cid"].strip()
        if key and not is_valid(f"INCHIKEY:{key}"):
            report.skip("samples: InChIKey column holds no valid InChIKey", f"{key[:30]}… (line {line})")
        elif key and f"INCHIKEY:{key}" not in keys:
            keys.append(f"INCHIKEY:{key}")
        if cid.isdigit() and cid not in cids:
            cids.append(cid)
    return out


def _targets(row: dict[str, str], line: int, report: LoadReport) -> list[str]:
    symbols = [s.strip() for s in row["target"].split("|") if s.strip()]
    if not symbols:
        report.skip("drug without annotated targets", f"{row['pert_iname']} (line {line})")
        return []
    genes = [g for g in map(gene_id, symbols) if g]
    if len(genes) < len(symbols):
        report.skip("invalid target gene symbol", f"{row['target']} (line {line})")
    return list(dict.fromkeys(genes))


def _drug(row: dict[str, str], sample: tuple[list[str], list[str]], version: str) -> Node:
    name = row["pert_iname"].strip()
    keys, cids = sample
    node_id = f"PUBCHEM.COMPOUND:{cids[0]}" if cids else drug_slug(name)
    xrefs = [*keys, *(f"PUBCHEM.COMPOUND:{c}" for c in cids[1:])]
    moa = "; ".join(m.strip() for m in row["moa"].split("|") if m.strip())
    return Node(
        id=node_id,
        category="Drug",
        name=name,
        xrefs=tuple(xrefs),
        properties=props(
            modality="small_molecule" if keys else modality_of(name),
            max_phase=PHASES.get(row["clinical_phase"].strip().lower()),
            mechanism=moa or None,
            **imaging_properties("repurposing_hub_moa", row["moa"].split("|"), "Repurposing Hub moa"),
        ),
        provenance=(Provenance(SOURCE, version),),
    )
