"""docs/scoring.md lists every enumerated mechanism metapath (kept or excluded) and the glossary."""

from __future__ import annotations

from pathlib import Path

from tmekg.queries.metapath_audit import audit_markdown, updated
from tmekg.queries.scoring import default_config, mechanism_metapaths
from tmekg.schema import load_schema

DOC = Path(__file__).resolve().parents[1] / "docs" / "scoring.md"


def test_scoring_doc_sections_are_up_to_date() -> None:
    text = DOC.read_text(encoding="utf-8")
    assert text == updated(text), "run: python -m tmekg.queries.metapath_audit --write docs/scoring.md"


def test_audit_lists_every_metapath_once() -> None:
    kept, excluded = mechanism_metapaths(default_config(), load_schema())
    text = audit_markdown()
    for mp in [*kept, *(m for m, _reason in excluded.values())]:
        assert text.count(f"| `{mp.abbrev}` |") == 1, mp.abbrev
    assert f"{len(kept)} are kept as mechanism and {len(excluded)} excluded" in text
    assert len(kept) == 96 and len(excluded) == 16  # every metapath through a CellType is location
