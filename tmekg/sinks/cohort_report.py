"""The cohort report: one self-contained, offline HTML page (inline SVG figures, no script or style from
the network) for a :class:`tmekg.queries.cohort.Cohort`.

The page writes what it drew into a hidden ``#tmekg-status`` element once loaded (the visible size of
each key element), so a headless browser can check it (tests/browser.py).

Examples
--------
>>> write_report(result, "cohort.html")     # doctest: +SKIP
"""

from __future__ import annotations

import html
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np

from tmekg.sinks import cohort_figures as figs

if TYPE_CHECKING:
    import pandas as pd

    from tmekg.queries.cohort import Cohort

KEY_ELEMENTS = ("fig-heatmap", "fig-quadrant", "fig-km", "contingency", "movers", "patients")
CSS = """
body{font-family:system-ui,-apple-system,Segoe UI,Helvetica,Arial,sans-serif;margin:24px auto;
max-width:1250px;color:#222;line-height:1.45;padding:0 16px}
h1{font-size:1.5em;margin-bottom:4px}h2{border-bottom:2px solid #ddd;padding-bottom:3px;margin-top:34px}
.sub{color:#555;margin-top:0}.cards{display:flex;gap:12px;flex-wrap:wrap}
.card{border:1px solid #ccc;border-radius:6px;padding:8px 14px;min-width:120px}
.card b{display:block;font-size:1.5em}.note{background:#fff6e0;border-left:4px solid #e0a000;padding:8px 12px}
table{border-collapse:collapse;margin:8px 0;font-size:.9em}th,td{border:1px solid #ccc;padding:3px 7px;
text-align:left;vertical-align:top}th{background:#f3f3f3}td.n{text-align:right;font-variant-numeric:tabular-nums}
.figs{display:flex;flex-wrap:wrap;gap:18px;align-items:flex-start}figure{margin:0}
figure svg{max-width:100%;height:auto}
figcaption{font-size:.85em;color:#444;max-width:640px}.swatch{display:inline-block;width:11px;height:11px;
margin-right:4px;border:1px solid #888}.small{font-size:.8em;color:#555}
.grid{display:flex;flex-wrap:wrap;gap:20px}
"""
STATUS_JS = """
window.addEventListener("load", function () {
  var s = document.getElementById("tmekg-status"), shown = [];
  KEYS.forEach(function (id) {
    var el = document.getElementById(id), r = el ? el.getBoundingClientRect() : null;
    if (r && r.width > 0 && r.height > 0) shown.push(id);
  });
  s.setAttribute("data-visible", shown.join(" "));
  s.setAttribute("data-svgs", String(document.querySelectorAll("figure svg").length));
  s.setAttribute("data-resources", String(performance.getEntriesByType("resource").length));
  s.setAttribute("data-state", "ready");
});
"""


def esc(value: Any) -> str:
    """HTML-escaped text of any value (NaN and None as an empty string)."""
    if value is None or (isinstance(value, float) and value != value):
        return ""
    return html.escape(str(value))


def _fmt(value: Any, digits: int = 3) -> str:
    if isinstance(value, float | np.floating):
        return "" if value != value else f"{value:.{digits}g}"
    return esc(value)


def html_table(frame: pd.DataFrame, element_id: str = "", numeric_digits: int = 3) -> str:
    """A plain HTML table of a DataFrame (index dropped; every cell escaped; numbers right-aligned)."""
    head = "".join(f"<th>{esc(c)}</th>" for c in frame.columns)
    body = []
    for row in frame.itertuples(index=False):
        cells = [
            f'<td class="n">{_fmt(v, numeric_digits)}</td>'
            if isinstance(v, int | float | np.integer | np.floating)
            else f"<td>{esc(v)}</td>"
            for v in row
        ]
        body.append(f"<tr>{''.join(cells)}</tr>")
    ident = f' id="{esc(element_id)}"' if element_id else ""
    return f"<table{ident}><thead><tr>{head}</tr></thead><tbody>{''.join(body)}</tbody></table>"


def _cards(result: Cohort) -> str:
    counts = result.table["subtype"].value_counts()
    cards = [("patients", len(result.table))]
    cards += [(name, int(counts.get(name, 0))) for name in figs.ORDER if counts.get(name, 0)]
    parts = []
    for label, value in cards:
        swatch = (
            f'<span class="swatch" style="background:{figs.COLOURS[label]}"></span>'
            if label in figs.COLOURS
            else ""
        )
        parts.append(f'<div class="card">{swatch}{esc(label)}<b>{value}</b></div>')
    return f'<div class="cards">{"".join(parts)}</div>'


def _checks(result: Cohort) -> str:
    """Contingency table, Fisher test, log-rank test and bootstrap agreement, in words and numbers."""
    f, s, b = result.fisher, result.survival, result.stability
    table = result.contingency.reset_index().rename(columns={"subtype": "metabolic subtype"})
    table.loc[len(table)] = ["total", int(table["basal"].sum()), int(table["classical"].sum())]
    fisher = (
        f"<p><b>Pre-specified test</b> ({esc(f.rows[0])} vs other subtypes x Moffitt {esc(f.columns[0])} vs "
        f"{esc(f.columns[1])}): 2x2 table {esc(f.table)}, odds ratio <b>{_fmt(f.odds_ratio)}</b>, "
        "Fisher's exact "
        f"two-sided p = <b>{_fmt(f.p_value)}</b>; power at odds ratio 3: {f.power:.0%}.</p>"
    )
    km = "".join(
        f"<li>{esc(n)}: {g['n']} patients, {g['events']} deaths, median "
        f"{_fmt(g['median_days'] / 30.44)} months</li>"
        for n, g in s.groups.items()
    )
    return (
        f'<div class="grid"><div>{html_table(table, "contingency")}</div><div>{fisher}'
        f"<p><b>Overall survival</b>: {s.n} patients with follow-up, {s.events} deaths; log-rank across "
        f"{len(s.groups)} subtypes ({s.dof} df): chi2 = {_fmt(s.statistic)}, "
        f"p = <b>{_fmt(s.p_value)}</b>.</p>"
        f"<ul>{km}</ul><p><b>Stability</b>: {b.draws} re-calls resampling each signature's genes with "
        f"replacement agree with the call for <b>{b.agreement:.0%}</b> of patients on average "
        "(95% of re-calls "
        f"between {b.low:.0%} and {b.high:.0%}).</p></div></div>"
    )


def _figures(result: Cohort) -> str:
    """Heatmap, quadrant plot and Kaplan-Meier curves as inline SVG."""
    log = result.log
    assert log is not None
    z = log.sub(log.mean(axis=1), axis=0).div(log.std(axis=1, ddof=1).replace(0, np.nan), axis=0).fillna(0.0)
    table = result.table
    censored = {
        name: part.loc[part["os_event"] == 0, "os_days"].dropna().tolist()
        for name, part in table.groupby("subtype")
    }
    items = [
        (
            "fig-heatmap",
            figs.heatmap_svg(z, result.core.kept, table),
            "Kept genes' cohort z-scores; patients "
            "grouped by subtype; top strips: subtype and Moffitt call "
            "(red basal, blue classical, grey none).",
        ),
        (
            "fig-quadrant",
            figs.quadrant_svg(table),
            "Each patient's median z over the kept glycolytic and "
            "cholesterogenic genes; the subtype is the quadrant (split at 0, Karasinska et al. 2020).",
        ),
        (
            "fig-km",
            figs.km_svg(result.survival.groups, result.survival.p_value, censored),
            "Kaplan-Meier estimates (lifelines); ticks mark censored patients.",
        ),
    ]
    return (
        '<div class="figs">'
        + "".join(f'<figure id="{i}">{svg}<figcaption>{esc(c)}</figcaption></figure>' for i, svg, c in items)
        + "</div>"
    )


def _movers(result: Cohort) -> str:
    if not result.movers:
        return '<p id="movers">Combinations per patient were not computed.</p>'
    blocks = []
    for name in figs.ORDER:
        moves = result.movers.get(name)
        if not moves:
            continue
        for way in ("rise", "fall"):
            rows = moves[way]
            import pandas as pd

            frame = pd.DataFrame(rows)
            blocks.append(
                f"<div><h3>{esc(name)}: {'rise' if way == 'rise' else 'fall'}</h3>{html_table(frame)}</div>"
            )
    return f'<div class="grid" id="movers">{"".join(blocks)}</div>'


def _patients(result: Cohort) -> str:
    keep = [
        "patient",
        "subtype",
        "stability",
        "subtype_purity_adjusted",
        "moffitt",
        "purity",
        "os_days",
        "os_event",
    ]
    keep += [c for c in result.table.columns if c.startswith("combination_")][:3]
    return html_table(result.table[[c for c in keep if c in result.table.columns]], "patients")


def _purity(result: Cohort) -> str:
    fit = result.purity_fit.reset_index().rename(columns={"column": "score"})
    have = result.table["subtype_purity_adjusted"] != ""
    same = (result.table.loc[have, "subtype"] == result.table.loc[have, "subtype_purity_adjusted"]).mean()
    return (
        f"<p>{int(have.sum())} of {len(result.table)} patients have a purity; their purity-adjusted call "
        "equals the "
        f"unadjusted one for {same:.0%}. Linear fit of each score on purity "
        "(adjusted score = score - slope x "
        f"(purity - mean purity)):</p>{html_table(fit)}"
    )


def _inputs(result: Cohort) -> str:
    """What was read, detected, mapped and matched; every count of rows or samples set aside."""
    from tmekg.cli.profile import mapping_notes

    m, c, e = result.matching, result.clinical, result.expression
    items = [
        f"Expression: {esc(e.path.name)}; detected scale <b>{esc(e.scale)}</b>; normalisation: "
        f"{esc(result.normalisation)}; {e.log.shape[0]} genes after mapping ({esc(e.mapping)}).",
        *[esc(n) for n in mapping_notes(e)],
        f"Clinical: {esc(c.path.name)}; ids from column '{esc(c.id_column)}' ({esc(c.depth)}); expression "
        f"columns {esc(m.expression_depth)}; matched at the patient level.",
        f"Columns used: {esc({k: v for k, v in c.columns.items()})}.",
        f"{len(m.non_tumour)} normal/control sample(s) set aside; "
        f"{sum(map(len, m.repeated.values()))} further "
        f"tumour sample(s) of a patient set aside; {len(m.expression_only)} patient(s) without a "
        "clinical row; "
        f"{len(m.clinical_only)} clinical patient(s) without expression; {len(c.duplicates)} duplicated "
        "clinical patient(s) (first row kept).",
        _missing(result),
        f"{len(c.status_disagrees)} patient(s) whose cross-check vital status differs from the status used"
        + (f": {esc(', '.join(c.status_disagrees[:10]))}" if c.status_disagrees else "")
        + ".",
        f"Subtype genes: {esc(result.core.note)}.",
    ]
    return "<ul>" + "".join(f"<li>{i}</li>" for i in items if i) + "</ul>"


def _missing(result: Cohort) -> str:
    t = result.table
    parts = [
        f"{int(t[col].isna().sum())} without {label}"
        for col, label in (
            ("moffitt", "a Moffitt call"),
            ("purity", "purity"),
            ("os_days", "follow-up time"),
            ("os_event", "vital status"),
        )
    ]
    return "Missing: " + ", ".join(parts) + "."


def render(result: Cohort, parameters: dict[str, Any], title: str = "Metabolic stratification") -> str:
    """The whole page as a string."""
    notes = "".join(f'<p class="note">{esc(n)}</p>' for n in result.notes)
    fixed = esc(", ".join(f"{k}: {v}" for k, v in parameters.items()))
    sections = [
        f"<h1>{esc(title)}</h1><p class='sub'>{len(result.table)} patients; metabolic subtypes after "
        "Karasinska "
        "et al. 2020 (Clin Cancer Res 26:135-146, PMID:31481506); Moffitt calls from the clinical table.</p>",
        _cards(result),
        notes,
        "<h2>Checks against what is known</h2>",
        _checks(result),
        "<h2>Subtypes</h2>",
        _figures(result),
        "<h2>Purity</h2>",
        _purity(result),
        "<h2>Combinations that rise or fall, by subtype</h2><p class='small'>Mean change of rank (default "
        "ranking minus the patient's) over the subtype's patients; combinations in the top "
        f"{parameters.get('pool', 50)} of the default ranking or of one of those patients.</p>",
        _movers(result),
        "<h2>Patients</h2>",
        _patients(result),
        "<h2>Inputs and parameters</h2>",
        _inputs(result),
        f"<p class='small'>Parameters fixed before the clinical associations were computed: {fixed}.</p>",
    ]
    return (
        '<!DOCTYPE html><html lang="en"><head><meta charset="utf-8">'
        '<meta http-equiv="Content-Security-Policy" content="default-src \'none\'; '
        "style-src 'unsafe-inline'; "
        "script-src 'unsafe-inline'; img-src data:\">"
        f"<title>{esc(title)}</title><style>{CSS}</style></head><body>{''.join(sections)}"
        '<div id="tmekg-status" hidden data-state="loading"></div>'
        f"<script>var KEYS = {list(KEY_ELEMENTS)!r};{STATUS_JS}</script></body></html>"
    )


def write_report(result: Cohort, out: str | Path, parameters: dict[str, Any] | None = None) -> Path:
    """Write the report atomically (temporary file + rename) and return its path."""
    from tmekg.atomic import write_text

    write_text(out, render(result, parameters or {}))
    return Path(out)
