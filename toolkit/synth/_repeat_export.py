"""The programme repeat in KoboToolbox downloads: wide columns and repeat sheets.

:func:`_with_programmes` adds each submission's programmes to the export rows of
:func:`toolkit.synth._exports._kobo_rows` the way the form fills them: the repeat's
answers, the calculations ``programme_count`` and ``programme_activities``, and the
Society-level ``activities`` question left unanswered where the programmes give the
activity types (it is not relevant there).  The programmes travel as wide columns
``programmes/programme[<n>]/<question>`` (KoboToolbox legacy CSV and XLS); a
``select_multiple`` inside the repeat is one space-separated column.
:func:`_repeat_sheets` turns the wide columns of some rows into a KoboToolbox XLSX
workbook: the main sheet with ``_index`` and a ``programme`` sheet linked to it by
``_parent_index`` / ``_parent_table_name``.
"""

from __future__ import annotations

import re

import pandas as pd

REPEAT = "programme"
_GROUP = "programmes"
# repeat question -> truth column (empty: never answered in the synthetic data)
_FIELDS = {
    "prog_name": "name",
    "prog_status": "status",
    "prog_start_year": "start_year",
    "prog_activities": "activities",
    "prog_activities_other": "",
    "prog_stages": "stages",
    "prog_groups": "groups",
    "prog_country": "country",
    "prog_places": "places",
    "prog_partners": "partner_types",
    "prog_partner_ns": "partner_ns",
    "prog_funding": "funding",
    "prog_reached": "reached",
    "prog_reached_basis": "reached_basis",
    "prog_contact_role": "contact_role",
}
_WIDE = re.compile(rf"^{_GROUP}/{REPEAT}\[(\d+)\]/(.+)$")


def _cell(value: object) -> object:
    return "" if value is None or value is pd.NA or value != value else value


def _answers(listed: pd.DataFrame) -> dict[str, list[dict[str, object]]]:
    """Each Society's programme answers, in order of entry."""
    out: dict[str, list[dict[str, object]]] = {}
    for rec in listed.to_dict("records"):
        answers: dict[str, object] = {
            q: _cell(rec[col]) if col else "" for q, col in _FIELDS.items()
        }
        if answers["prog_status"] == "planned":
            answers["prog_reached"] = answers["prog_reached_basis"] = ""
        answers["prog_partner_ns"] = (
            answers["prog_partner_ns"] if "ns" in str(answers["prog_partners"]).split() else ""
        )
        answers["prog_activities_run"] = (
            "" if answers["prog_status"] == "planned" else answers["prog_activities"]
        )
        out.setdefault(str(rec["ns_iso3"]), []).append(answers)
    return out


def _with_programmes(export: pd.DataFrame, listed: pd.DataFrame) -> pd.DataFrame:
    """Export rows with the programme repeat filled in (see the module docstring).

    Parameters
    ----------
    export : pandas.DataFrame
        Rows of ``_kobo_rows`` (XML names with group paths).
    listed : pandas.DataFrame
        The programmes the round's questionnaires list
        (:meth:`~toolkit.synth._programmes.SyntheticProgrammes.listed`).

    Returns
    -------
    pandas.DataFrame
    """
    by_society = _answers(listed)
    iso = export["society/ns_iso3"].astype(str)
    yes = export[f"{_GROUP}/has_migration_programme"].astype(str) == "yes"
    entries = [by_society.get(s, []) if ok else [] for s, ok in zip(iso, yes, strict=True)]
    wide: dict[str, list[object]] = {}
    for k in range(max((len(e) for e in entries), default=0)):
        for q in [*_FIELDS, "prog_activities_run"]:
            wide[f"{_GROUP}/{REPEAT}[{k + 1}]/{q}"] = [
                e[k][q] if k < len(e) else "" for e in entries
            ]
    run = [" ".join(" ".join(str(p["prog_activities_run"]) for p in e).split()) for e in entries]
    calc = {
        f"{_GROUP}/programme_count": [len(e) for e in entries],
        f"{_GROUP}/programme_activities": run,
    }
    out = export.copy()
    from_programmes = pd.Series([r != "" for r in run], index=out.index)
    asked = [
        c
        for c in out.columns
        if c == f"{_GROUP}/activities" or c.startswith(f"{_GROUP}/activities/")
    ]
    for col in asked:
        out[col] = out[col].astype(object).where(~from_programmes, "")
    at = list(out.columns).index(f"{_GROUP}/activities")
    extra = pd.DataFrame({**wide, **calc}, index=out.index)
    return pd.concat([out.iloc[:, :at], extra, out.iloc[:, at:]], axis=1)


def _drop_empty_slots(export: pd.DataFrame) -> pd.DataFrame:
    """Leave out the wide columns of repeat positions no row uses."""
    used: dict[str, bool] = {}
    for col in export.columns:
        m = _WIDE.match(str(col))
        if m:
            filled = bool((export[col].astype(str) != "").any())
            used[m.group(1)] = used.get(m.group(1), False) or filled
    drop = [c for c in export.columns if (m := _WIDE.match(str(c))) and not used[m.group(1)]]
    return export.drop(columns=drop)


def _repeat_sheets(export: pd.DataFrame, sheet: str) -> dict[str, pd.DataFrame]:
    """A KoboToolbox XLSX workbook of ``export``: main sheet and ``programme`` sheet."""
    main = export[[c for c in export.columns if not _WIDE.match(str(c))]].copy()
    main["_index"] = range(1, len(main) + 1)
    slots = sorted({int(m.group(1)) for c in export.columns if (m := _WIDE.match(str(c)))})
    rows: list[dict[str, object]] = []
    for i, (_, rec) in enumerate(export.iterrows(), start=1):
        for k in slots:
            cells = {
                q: rec.get(f"{_GROUP}/{REPEAT}[{k}]/{q}", "")
                for q in [*_FIELDS, "prog_activities_run"]
            }
            if not any(str(v) != "" for v in cells.values()):
                continue
            row = {f"{_GROUP}/{REPEAT}/{q}": v for q, v in cells.items()}
            row.update(
                {
                    "_index": len(rows) + 1,
                    "_parent_table_name": sheet,
                    "_parent_index": i,
                    "_submission__id": rec["_id"],
                    "_submission__uuid": rec["_uuid"],
                    "_submission__submission_time": rec["_submission_time"],
                }
            )
            rows.append(row)
    columns = [f"{_GROUP}/{REPEAT}/{q}" for q in [*_FIELDS, "prog_activities_run"]]
    columns += [
        "_index",
        "_parent_table_name",
        "_parent_index",
        "_submission__id",
        "_submission__uuid",
        "_submission__submission_time",
    ]
    return {sheet: main, REPEAT: pd.DataFrame(rows, columns=columns)}
