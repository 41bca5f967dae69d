"""The programme register as published: per zone, as a workbook sheet and an HTML table.

What the register may show about a Society is decided by the publication policy
(:class:`~toolkit.publish.Publication`: the item sensitivity of the questionnaire and
the tier), here applied to the ``programmes`` table of the analytical database:

public tier
    a column whose question is ``aggregate`` is left out (the programme's contact role
    and the description of "other" activities in the bundled questionnaire); the
    ``aggregate`` options of a multiple choice (detention visits, advocacy, search and
    rescue; irregular migrants as a target group) are removed from the answers shown;
    a programme that runs an ``aggregate`` activity type is not listed at all, since
    its name and details would tell what it does (its activity types are counted only
    by zone, under the run's suppression pattern, :mod:`toolkit.publish._change`);
internal tier
    every column and every programme, marked not for publication.

Ingestion's provenance (``_key``, ``_file``, ``_row``) is never published.
:func:`tier_programmes` gives the programmes a tier may use per Society (for recorded
cooperation in route coverage and cooperation pairs); :func:`publish_register` the
table to publish; :func:`register_html` a sortable, filterable HTML table that works
offline (plain HTML with a small inline script, no external file); and
:func:`style_register_sheet` makes the register's sheet of the zone workbook
filterable.
"""

from __future__ import annotations

import hashlib
import html
import json
from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np
import pandas as pd

from toolkit.instrument import Instrument
from toolkit.mapping import PROGRAMME_QUESTIONS
from toolkit.publish._policy import Publication
from toolkit.publish._sensitivity import AGGREGATE, Sensitivity

__all__ = [
    "REGISTER_CODE_COLUMNS",
    "REGISTER_COLUMNS",
    "REGISTER_TABLE",
    "is_register_table",
    "publish_register",
    "register_html",
    "register_labels",
    "style_register_sheet",
    "tier_programmes",
]

#: Name (suffix) of the published register's table, e.g. ``06_programme_register``.
REGISTER_TABLE = "programme_register"
#: Columns of the published register, in order (those a tier withholds are left out).
REGISTER_COLUMNS = (
    "programme_id",
    "ns_iso3",
    "society_name",
    "zone",
    "year",
    "name",
    "status",
    "start_year",
    "activities",
    "activities_other",
    "stages",
    "target_groups",
    "country",
    "places",
    "partner_types",
    "partner_societies",
    "funding",
    "people_reached",
    "reached_basis",
    "contact_role",
)
#: Register columns holding space-separated choice codes -> prefix of their 0/1 columns.
REGISTER_CODE_COLUMNS: dict[str, str] = {
    "activities": "activity",
    "stages": "stage",
    "target_groups": "group",
    "partner_types": "partner",
    "funding": "funding",
    "status": "",
    "reached_basis": "",
}
_PROVENANCE = ("_key", "_file", "_row")
_HEADERS = {
    "programme_id": "Programme id",
    "ns_iso3": "Society",
    "society_name": "National Society",
    "zone": "Zone",
    "year": "Round",
    "name": "Programme",
    "status": "Status",
    "start_year": "Since",
    "activities": "Activity types",
    "activities_other": "Other activity",
    "stages": "Stages",
    "target_groups": "Target groups",
    "country": "Country",
    "places": "Places",
    "partner_types": "Partners",
    "partner_societies": "Partner Societies",
    "funding": "Funding",
    "people_reached": "People reached (12 months)",
    "reached_basis": "Basis",
    "contact_role": "Contact role",
}
_FILTERS = ("zone", "status", "activities", "target_groups", "reached_basis")


def is_register_table(name: str) -> bool:
    """Whether a published table (by file stem) is the programme register."""
    return str(name).endswith(REGISTER_TABLE)


def _list_of(sens: Sensitivity, column: str) -> str | None:
    question = PROGRAMME_QUESTIONS.get(column)
    return sens.lists.get(question) if question else None


def _aggregate_codes(sens: Sensitivity, column: str) -> set[str]:
    lst = _list_of(sens, column)
    if lst is None:
        return set()
    prefix = f"{lst}__"
    return {i[len(prefix) :] for i in sens.aggregate_items if i.startswith(prefix)}


def _withheld_columns(sens: Sensitivity, columns: Sequence[str]) -> list[str]:
    """Register columns of aggregate items: questions, and 0/1 option columns."""
    out = []
    flags = {p: c for c, p in REGISTER_CODE_COLUMNS.items() if p}
    for col in columns:
        question = PROGRAMME_QUESTIONS.get(col)
        if question is not None and sens.level(question) == AGGREGATE:
            out.append(col)
            continue
        prefix, _, code = str(col).partition("__")
        if code and prefix in flags and code in _aggregate_codes(sens, flags[prefix]):
            out.append(col)
    return out


def _strip(values: pd.Series, drop: set[str]) -> pd.Series:
    def keep(v: object) -> object:
        if not isinstance(v, str):
            return v
        return " ".join(c for c in v.split() if c not in drop)

    return values.astype(object).map(keep).astype("string")


def tier_programmes(programmes: pd.DataFrame, publication: Publication) -> pd.DataFrame:
    """The programmes a tier may use per Society (see the module notes).

    In the public tier: the columns of aggregate items left out, aggregate options
    removed from the multiple-choice answers, and a programme whose activity types
    were all aggregate left out (what remains of it would tell what it does).  The
    internal tier gets the table unchanged.

    Parameters
    ----------
    programmes : pandas.DataFrame
        The ``programmes`` table (:func:`toolkit.mapping.programme_register`).
    publication : Publication

    Returns
    -------
    pandas.DataFrame
        ``attrs["disclosure_dropped"]`` lists the columns left out.
    """
    if publication.internal:
        return programmes
    sens: Sensitivity = publication.sensitivity
    drop = _withheld_columns(sens, list(programmes.columns))
    out = programmes.drop(columns=drop)
    for col in REGISTER_CODE_COLUMNS:
        if col in out:
            agg = _aggregate_codes(sens, col)
            if agg:
                out[col] = _strip(out[col], agg)
    if "activities" in out and "activities" in programmes:
        had = programmes["activities"].fillna("").astype(str).str.strip() != ""
        left = out["activities"].fillna("").astype(str).str.strip() != ""
        out = out[(left | ~had).to_numpy()].reset_index(drop=True)
    out.attrs["disclosure_dropped"] = drop
    return out


def publish_register(
    programmes: pd.DataFrame,
    publication: Publication,
    *,
    frame: pd.DataFrame | None = None,
    zone: str | None = None,
) -> pd.DataFrame:
    """The register of one zone (or all) as this tier may publish it.

    Parameters
    ----------
    programmes : pandas.DataFrame
        The ``programmes`` table.
    publication : Publication
    frame : pandas.DataFrame, optional
        Membership frame, for the Societies' names (``society_name``).
    zone : str, optional
        Keep this zone's programmes (``None`` or ``"all"``: every zone).

    Returns
    -------
    pandas.DataFrame
        :data:`REGISTER_COLUMNS` this tier shows, one row per programme, sorted by zone,
        Society and programme id; in the public tier without the programmes that run
        an aggregate activity type.  ``attrs``: ``disclosure_rule`` and
        ``disclosure_dropped`` (for :meth:`Publication.record`), ``withheld_programmes``
        (how many were not listed; for the run's records, not for publication).
    """
    rows = programmes
    if zone not in (None, "all"):
        rows = rows[rows["zone"].astype(str) == zone]
    rows = rows.reset_index(drop=True)
    shown = tier_programmes(rows, publication)
    withheld = 0
    if not publication.internal and "activities" in rows:
        agg = _aggregate_codes(publication.sensitivity, "activities")
        runs = rows["activities"].fillna("").astype(str).str.split()
        bad = set(rows.loc[runs.map(lambda c: bool(agg & set(c))), "programme_id"].astype(str))
        withheld = len(bad)
        shown = shown[~shown["programme_id"].astype(str).isin(bad)]
    if frame is not None:
        names = frame.assign(iso3=frame["iso3"].astype(str).str.upper()).set_index("iso3")
        shown = shown.assign(
            society_name=shown["ns_iso3"].astype(str).map(names["society_name"]).astype("string")
        )
    cols = [c for c in REGISTER_COLUMNS if c in shown.columns and c not in _PROVENANCE]
    out = shown.sort_values(["zone", "ns_iso3", "programme_id"], kind="stable")[cols]
    out = out.reset_index(drop=True)
    out.attrs["disclosure_rule"] = (
        "programme register: aggregate items left out; programmes running an aggregate "
        "activity type not listed (public tier)"
        if not publication.internal
        else "programme register: every item (internal tier)"
    )
    out.attrs["disclosure_dropped"] = [
        c for c in REGISTER_COLUMNS if c in programmes.columns and c not in out.columns
    ]
    out.attrs["withheld_programmes"] = withheld
    return out


def register_labels(
    instrument: Instrument, language: str | None = None
) -> dict[str, dict[str, str]]:
    """Labels of the register's coded columns: column -> code -> label."""
    out: dict[str, dict[str, str]] = {}
    for col in REGISTER_CODE_COLUMNS:
        question = PROGRAMME_QUESTIONS.get(col)
        if question is None:
            continue
        try:
            lst = str(instrument.question(question)["list_name"])
            out[col] = {
                str(k): str(v)
                for k, v in (
                    instrument.choice_labels(lst, language)
                    if language
                    else instrument.choice_labels(lst)
                ).items()
            }
        except KeyError:
            continue
    return out


def _cell(value: object) -> str:
    if value is None or value is pd.NA or (isinstance(value, float) and np.isnan(value)):
        return ""
    return str(value)


_STYLE = """
#{id} .nsmap-register-controls{{display:flex;flex-wrap:wrap;gap:.4em 1em;margin:.4em 0;
font:13px system-ui,sans-serif}}
#{id} table{{border-collapse:collapse;font:12px/1.35 system-ui,sans-serif;width:100%}}
#{id} th,#{id} td{{border-bottom:1px solid #ddd;padding:3px 6px;text-align:left;
vertical-align:top}}
#{id} th button{{all:unset;cursor:pointer;font-weight:600}}
#{id} th[aria-sort=ascending] button::after{{content:" \\25B2"}}
#{id} th[aria-sort=descending] button::after{{content:" \\25BC"}}
#{id} td.num{{text-align:right;font-variant-numeric:tabular-nums}}
#{id} tr[hidden]{{display:none}}
#{id} .nsmap-register-scroll{{max-height:75vh;overflow:auto}}
#{id} thead th{{position:sticky;top:0;background:#fff}}
""".strip()

_SCRIPT = """
(function(){var root=document.getElementById(%s);if(!root)return;
var body=root.querySelector("tbody"),rows=Array.prototype.slice.call(body.rows),
count=root.querySelector(".nsmap-register-count"),controls=root.querySelectorAll("[data-filter]");
function apply(){var shown=0;rows.forEach(function(r){var ok=true;
controls.forEach(function(c){var v=c.value.trim().toLowerCase();if(!v)return;
var key=c.getAttribute("data-filter");if(key==="text"){ok=ok&&r.textContent.toLowerCase().indexOf(v)>=0;}
else{ok=ok&&(" "+(r.getAttribute("data-"+key)||"")+" ").indexOf(" "+v+" ")>=0;}});
r.hidden=!ok;if(ok)shown++;});count.textContent=shown+" of "+rows.length+" programmes shown";}
controls.forEach(function(c){c.addEventListener("input",apply);c.addEventListener("change",apply);});
root.querySelectorAll("th").forEach(function(th,i){var b=th.querySelector("button");if(!b)return;
b.addEventListener("click",function(){var asc=th.getAttribute("aria-sort")!=="ascending";
root.querySelectorAll("th").forEach(function(o){o.setAttribute("aria-sort","none");});
th.setAttribute("aria-sort",asc?"ascending":"descending");var num=th.getAttribute("data-type")==="number";
rows.sort(function(x,y){var a=x.cells[i].getAttribute("data-value")||x.cells[i].textContent,
c=y.cells[i].getAttribute("data-value")||y.cells[i].textContent;
if(num){a=a===""?-Infinity:+a;c=c===""?-Infinity:+c;return asc?a-c:c-a;}
return asc?a.localeCompare(c):c.localeCompare(a);});
rows.forEach(function(r){body.appendChild(r);});});});apply();})();
""".strip()


def register_html(
    register: pd.DataFrame,
    *,
    labels: Mapping[str, Mapping[str, str]] | None = None,
    caption: str = "",
    mark: str = "",
) -> str:
    """A sortable, filterable HTML table of a published register.

    Plain HTML: the table is readable as it is (no script needed, nothing loaded from
    elsewhere); a small inline script sorts by a column when its header is clicked
    and filters by a search text, zone, status, activity type, target group and basis
    of the people reached.  Every row carries the codes of its coded columns
    (``data-activities="rfl health"`` ...) for the filters and for the disclosure
    audit.

    Parameters
    ----------
    register : pandas.DataFrame
        :func:`publish_register` (nothing else is shown: what it leaves out is not in
        the HTML either).
    labels : mapping, optional
        Column -> code -> label (:func:`register_labels`); codes are shown otherwise.
    caption : str
        Shown above the table (source, what is left out).
    mark : str
        The internal tier's marking, shown first.

    Returns
    -------
    str
        An HTML fragment (a ``<div>`` with its style, controls, table and script).
    """
    labels = labels or {}
    cols = list(register.columns)
    digest = hashlib.sha256(
        (",".join(cols) + register.to_csv(index=False)).encode("utf-8")
    ).hexdigest()[:10]
    rid = f"nsmap-register-{digest}"
    esc = html.escape
    parts = [f'<div class="nsmap-register" id="{rid}">', f"<style>{_STYLE.format(id=rid)}</style>"]
    if mark:
        parts.append(f"<p><strong>{esc(mark)}</strong></p>")
    if caption:
        parts.append(f'<p class="nsmap-register-caption">{esc(caption)}</p>')
    controls = ['<label>Search <input type="search" data-filter="text"></label>']
    for col in _FILTERS:
        if col not in register:
            continue
        codes = sorted({c for v in register[col].dropna().astype(str) for c in v.split()})
        if len(codes) < 2:
            continue
        opts = "".join(
            f'<option value="{esc(c.lower())}">{esc(labels.get(col, {}).get(c, c))}</option>'
            for c in codes
        )
        controls.append(
            f'<label>{esc(_HEADERS.get(col, col))} <select data-filter="{esc(col)}">'
            f'<option value="">all</option>{opts}</select></label>'
        )
    controls.append(
        f'<span class="nsmap-register-count" aria-live="polite">{len(register)} programmes</span>'
    )
    parts.append('<div class="nsmap-register-controls">' + "".join(controls) + "</div>")
    numeric = {
        c
        for c in cols
        if pd.api.types.is_numeric_dtype(register[c])
        and not pd.api.types.is_bool_dtype(register[c])
    }
    head = "".join(
        f'<th scope="col" data-col="{esc(c)}" data-type="{"number" if c in numeric else "text"}"'
        f' aria-sort="none"><button type="button">{esc(_HEADERS.get(c, c))}</button></th>'
        for c in cols
    )
    parts.append(
        '<div class="nsmap-register-scroll">'
        f'<table class="nsmap-register" data-columns="{esc(" ".join(cols))}">'
        f"<thead><tr>{head}</tr></thead><tbody>"
    )
    coded = [c for c in cols if c in REGISTER_CODE_COLUMNS or c == "zone"]
    for rec in register.to_dict("records"):
        attrs = "".join(f' data-{c}="{esc(_cell(rec[c]).lower())}"' for c in coded)
        cells = []
        for c in cols:
            text = _cell(rec[c])
            if c in numeric and text:
                number = int(float(text))
                shown = f"{number:,}" if c == "people_reached" else str(number)
                cells.append(f'<td class="num" data-value="{number}">{shown}</td>')
                continue
            if c in labels and text:
                text = ", ".join(labels[c].get(v, v) for v in text.split())
            cells.append(f"<td>{esc(text)}</td>")
        parts.append(f"<tr{attrs}>{''.join(cells)}</tr>")
    parts.append("</tbody></table></div>")
    parts.append(f"<script>{_SCRIPT % json.dumps(rid)}</script></div>")
    return "\n".join(parts)


def style_register_sheet(sheet: Any) -> None:
    """Make the register's worksheet (openpyxl) easy to use: bold header, frozen
    header rows (the column names and the HXL hashtags) and first columns, an
    autofilter over the table and column widths fitted to the contents (at most 50)."""
    from openpyxl.styles import Font
    from openpyxl.utils import get_column_letter

    if sheet.max_row < 1:
        return
    for cell in sheet[1]:
        cell.font = Font(bold=True)
    sheet.freeze_panes = "C3" if sheet.max_row >= 2 else "C2"
    sheet.auto_filter.ref = sheet.dimensions
    for k, column in enumerate(sheet.iter_cols(min_row=1, max_row=min(sheet.max_row, 200)), 1):
        width = max((len(str(c.value)) for c in column if c.value is not None), default=8)
        sheet.column_dimensions[get_column_letter(k)].width = min(50, max(8, width + 2))
