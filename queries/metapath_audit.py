"""The mechanism-metapath audit and the metapath glossary of ``docs/scoring.md``, generated from the code.

Every metapath the scorer enumerates is listed, grouped by the node categories it passes through, as
kept (mechanism) or excluded (with the ``mechanism.exclude`` rule's reason), each spelled out in words
(:func:`tmekg.queries.metapaths.describe`). A test checks that the checked-in docs match::

    python -m tmekg.queries.metapath_audit                        # prints both sections
    python -m tmekg.queries.metapath_audit --write docs/scoring.md  # rewrites them in place
"""

from __future__ import annotations

import sys
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Any

from tmekg.queries.metapaths import Metapath, Wording, describe, legend, wording
from tmekg.queries.scoring import default_config, mechanism_metapaths
from tmekg.schema import Schema, load_schema

AUDIT_START, AUDIT_END = "<!-- metapath-audit:start -->", "<!-- metapath-audit:end -->"
GLOSSARY_START, GLOSSARY_END = "<!-- metapath-glossary:start -->", "<!-- metapath-glossary:end -->"

# What each kept group says biologically (keyed by the categories between the gene and the effect).
GROUP_NOTES = {
    (): "the gene product itself promotes or suppresses the effect (curated)",
    ("Metabolite",): "the gene makes, breaks down or moves a metabolite that acts on the effect",
    ("Reaction", "Metabolite"): "the same through a reaction the gene catalyses (Human-GEM, WikiPathways)",
    ("Metabolite", "Gene"): "the metabolite acts on a receptor, sensor or enzyme that acts on the effect",
    ("Reaction", "Metabolite", "Gene"): "the same, the metabolite made or used by a catalysed reaction",
    ("Metabolite", "Gene", "Metabolite"): (
        "the metabolite regulates a second enzyme or transporter whose metabolite acts on the effect"
    ),
}


def _groups(metapaths: Iterable[Metapath]) -> dict[tuple[str, ...], list[Metapath]]:
    out: dict[tuple[str, ...], list[Metapath]] = {}
    for mp in metapaths:
        out.setdefault(mp.categories[1:-1], []).append(mp)
    return out


def _table(metapaths: list[Metapath], schema: Schema, words: Wording) -> list[str]:
    rows = ["| code | in words |", "|---|---|"]
    return rows + [f"| `{mp.abbrev}` | {describe(mp, schema, words)} |" for mp in metapaths]


def _path_name(cats: tuple[str, ...], source: str, target: str) -> str:
    return " -> ".join([source, *cats, target])


def audit_markdown(config: Mapping[str, Any] | None = None, schema: Schema | None = None) -> str:
    """The audit section body: kept and excluded mechanism metapaths, grouped, with reasons."""
    config = config or default_config()
    schema = schema or load_schema()
    words = wording(schema)
    kept, excluded = mechanism_metapaths(config, schema)
    source, target = config["mechanism"]["source"], config["mechanism"]["target"]
    total = len(kept) + len(excluded)
    lines = [
        f"The schema gives {total} candidate metapaths; {len(kept)} are kept as mechanism and "
        f"{len(excluded)} excluded.",
        "",
        f"### Kept as mechanism ({len(kept)})",
        "",
        "Every step is a causal step read along the edge, from what the gene product does to the effect:",
        "",
    ]
    for cats, group in _groups(kept).items():
        note = GROUP_NOTES.get(cats, "a signed causal chain from the gene product to the effect")
        lines += [f"**{_path_name(cats, source, target)}** ({len(group)}): {note}.", ""]
        lines += [*_table(group, schema, words), ""]
    lines += [f"### Excluded ({len(excluded)})", ""]
    by_reason: dict[str, list[Metapath]] = {}
    for mp, reason in excluded.values():
        by_reason.setdefault(reason, []).append(mp)
    for reason, group in by_reason.items():
        for cats, members in _groups(group).items():
            lines += [f"**{_path_name(cats, source, target)}** ({len(members)}): {reason}.", ""]
            lines += [*_table(members, schema, words), ""]
    return "\n".join(lines).rstrip() + "\n"


def glossary_markdown(schema: Schema | None = None) -> str:
    """The glossary section body: the abbreviation legend (as in ``tmekg explain --help``) and the rule."""
    schema = schema or load_schema()
    words = wording(schema)
    cats = sorted((c.abbrev, name, words.noun(name)) for name, c in schema.categories.items())
    preds = sorted((p.abbrev, name, p) for name, p in schema.predicates.items())
    lines = [legend(schema, words), "", "| code | category | in words |", "|---|---|---|"]
    lines += [f"| `{a}` | {name} | {noun} |" for a, name, noun in cats]
    lines += ["", "| code | predicate | read forward | read backward (`<`) |", "|---|---|---|---|"]
    for a, name, _pred in preds:
        fwd = words.forward.get(name, name.replace("_", " "))
        back = words.backward.get(name, f"is the object of '{name.replace('_', ' ')}' from")
        lines.append(f"| `{a}` | {name} | {fwd} | {back} |")
    return "\n".join(lines) + "\n"


def replace_section(text: str, start: str, end: str, body: str) -> str:
    """``text`` with the lines between the ``start`` and ``end`` markers replaced by ``body``."""
    head, _, rest = text.partition(start)
    _, _, tail = rest.partition(end)
    return f"{head}{start}\n{body}{end}{tail}"


def updated(text: str) -> str:
    """A ``docs/scoring.md`` text with both generated sections replaced by the code's current ones."""
    text = replace_section(text, AUDIT_START, AUDIT_END, audit_markdown())
    return replace_section(text, GLOSSARY_START, GLOSSARY_END, glossary_markdown())


def main(argv: list[str]) -> None:
    """Print the sections, or with ``--write FILE`` rewrite them in FILE."""
    if argv[:1] == ["--write"] and len(argv) == 2:
        path = Path(argv[1])
        path.write_text(updated(path.read_text(encoding="utf-8")), encoding="utf-8")
    else:
        sys.stdout.write(audit_markdown() + "\n" + glossary_markdown())


if __name__ == "__main__":
    main(sys.argv[1:])
