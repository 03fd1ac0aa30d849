"""Validation of crosstalk inference against the 14 literature axes of docs/validation-crosstalk.md.

The axes, their atlas states and the metabolite name patterns are the ones fixed in that document
before any run (the table's "Atlas states used" line); this script only encodes them. An axis is
*recovered* when a row with the expected mode (``mode`` column contains it), a sender and a receiver
among the listed states and the metabolite has that mode's p <= 0.05; *top 10 %* when its best such
row ranks within the top 10 % of all rows.

Usage::

    tmekg crosstalk --store STORE --top 0 --format json > rows.json
    python benchmarks/validation_crosstalk.py rows.json
"""

from __future__ import annotations

import json
import re
import sys
from dataclasses import dataclass

CANCER = ["Neoplastic"]
CAF = ["iCAF", "myCAF", "csCAF"]
PSC = ["qPSC", "smPSC"]
CD8 = ["Cytotoxic.CD8.T", "Dysfunctional.CD8", "Early.CD8"]
TAM = ["SPP1.TAM", "GRN.TAM", "FSIP2.TAM", "Resident.Mac"]
DC = ["mDC", "LAMP3.DC"]
TREG = ["T.Reg"]
T_CELLS = [*CD8, *TREG, "Naive.CD4.T.Cell"]
IMMUNE = [*T_CELLS, *TAM, *DC, "Classical.Mono", "Immature.B.Cell", "Mem.B.Cell", "Plasma"]
# atlas label -> cell type id (loaders/celltype_map.yaml, map oh2023)
IDS = {
    "Neoplastic": "CL:0001064",
    "iCAF": "TMEKG:celltype.iCAF",
    "myCAF": "TMEKG:celltype.myCAF",
    "csCAF": "TMEKG:celltype.csCAF",
    "qPSC": "CL:0002410",
    "smPSC": "TMEKG:celltype.smPSC",
    "Cytotoxic.CD8.T": "CL:0000794",
    "Dysfunctional.CD8": "CL:0020031",
    "Early.CD8": "TMEKG:celltype.early_CD8",
    "SPP1.TAM": "TMEKG:celltype.SPP1_TAM",
    "GRN.TAM": "TMEKG:celltype.GRN_TAM",
    "FSIP2.TAM": "TMEKG:celltype.FSIP2_TAM",
    "Resident.Mac": "CL:0000864",
    "mDC": "CL:0000990",
    "LAMP3.DC": "TMEKG:celltype.LAMP3_DC",
    "T.Reg": "CL:0000815",
    "Naive.CD4.T.Cell": "CL:0000895",
    "Classical.Mono": "CL:0000860",
    "Immature.B.Cell": "CL:0000816",
    "Mem.B.Cell": "CL:0000787",
    "Plasma": "CL:0000786",
}
LACTATE = r"^((\(S\)-|L-)?lact(ate|ic acid))$"


@dataclass(frozen=True)
class Axis:
    """One literature axis: senders, metabolite name pattern, receivers, mode."""

    key: str
    label: str
    senders: list[str]
    metabolite: str
    receivers: list[str]
    mode: str


AXES = [
    Axis("A1", "lactate: cancer -> CAF", CANCER, LACTATE, CAF, "supply"),
    Axis("A2", "lactate: stroma -> cancer", CAF + PSC, LACTATE, CANCER, "supply"),
    Axis("A3", "alanine: PSC -> cancer", PSC, r"^(L-)?alanine$", CANCER, "supply"),
    Axis("A4", "adenosine: cancer/stroma -> CD8", CANCER + CAF + PSC, r"^adenosine$", CD8, "supply"),
    Axis(
        "A5",
        "LPA: CAF/PSC -> cancer",
        CAF + PSC,
        r"lysophosphatidic acid|^LPA|1-acyl-sn-glycerol 3-phosphate",
        CANCER,
        "supply",
    ),
    Axis("A6", "arginine depletion: TAM vs CD8", TAM, r"^(L-)?arginine$", CD8, "depletion"),
    Axis("A7", "lactate: cancer -> Treg", CANCER, LACTATE, TREG, "supply"),
    Axis(
        "A8", "kynurenine: DC/myeloid -> T cells/TAM", DC + TAM, r"^(L-)?kynurenine$", T_CELLS + TAM, "supply"
    ),
    Axis("A9", "glutamine depletion: cancer vs T", CANCER, r"^(L-)?glutamine$", CD8, "depletion"),
    Axis("A10", "lactate: cancer -> TAM", CANCER, LACTATE, TAM, "supply"),
    Axis(
        "A11",
        "BCKA: CAF -> cancer",
        CAF,
        r"methyl-2-oxo(pentanoate|butanoate|pentanoic|butanoic)|ketoleucine|ketoisovaler|ketoisoleucine",
        CANCER,
        "supply",
    ),
    Axis("A12", "acetate: CAF -> cancer", CAF, r"^(acetate|acetic acid)$", CANCER, "supply"),
    Axis("A13", "PGE2: cancer/CAF -> immune", CANCER + CAF, r"prostaglandin E2|^PGE2$", IMMUNE, "supply"),
    Axis("A14", "serine: neurons -> cancer", [], r"^(L-)?serine$", CANCER, "supply"),
]


def evaluate(rows: list[dict]) -> list[dict]:
    """Per axis: best matching row (rank, p), recovered (p <= 0.05) and top-10 % flags."""
    cutoff = 0.1 * len(rows)
    out = []
    for axis in AXES:
        senders = {IDS[s] for s in axis.senders}
        receivers = {IDS[r] for r in axis.receivers}
        pattern = re.compile(axis.metabolite, re.IGNORECASE)
        best = None
        for rank, row in enumerate(rows, start=1):
            result = (row.get("modes") or {}).get(axis.mode)
            if result is None and row["mode"] == axis.mode:
                result = {"p_value": row["p_value"]}
            if result is None or row["sender_id"] not in senders or row["receiver_id"] not in receivers:
                continue
            if not pattern.search(row["metabolite_name"]):
                continue
            p = result["p_value"]
            if p is not None and p <= 0.05:
                best = (rank, p, row)
                break
            best = best or (rank, p, row)
        out.append(_verdict(axis, best, cutoff))
    return out


def _verdict(axis: Axis, best: tuple | None, cutoff: float) -> dict:
    if best is None:
        return {"axis": axis.key, "label": axis.label, "recovered": False, "top10": False, "row": None}
    rank, p, row = best
    recovered = p is not None and p <= 0.05
    return {
        "axis": axis.key,
        "label": axis.label,
        "recovered": recovered,
        "top10": recovered and rank <= cutoff,
        "rank": rank,
        "p_value": p,
        "row": f"{row['sender_name']} -> {row['metabolite_name']} -> {row['receiver_name']} "
        f"({';'.join(row['sender_genes'][:4])} -> {';'.join(row['receiver_genes'][:4])})",
    }


def main(path: str) -> None:
    with open(path, encoding="utf-8") as handle:
        rows = json.load(handle)
    results = evaluate(rows)
    for r in results:
        where = f"rank {r['rank']:,}/{len(rows):,}, p = {r['p_value']}" if r["row"] else "no row"
        flag = "RECOVERED" if r["recovered"] else "missed"
        print(f"{r['axis']:>4} {flag:9} top10%={r['top10']!s:5} {r['label']:40} {where}  {r['row'] or ''}")
    n_rec = sum(r["recovered"] for r in results)
    n_top = sum(r["top10"] for r in results)
    print(f"recovered at p <= 0.05: {n_rec}/14; within the top 10 % of {len(rows):,} rows: {n_top}/14")


if __name__ == "__main__":
    main(sys.argv[1])
