"""The activity table: one row per unit and selected activity.

Per-activity follow-up questions (stage, target groups, service type, people
reached) are gathered from the wide ``IngestResult.data`` into one long table.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from toolkit.instrument import Instrument

__all__ = ["activity_table"]

_DETAIL_SUFFIXES = {"stage": "stage", "groups": "group", "service": "service"}


def activity_table(
    data: pd.DataFrame,
    instrument: Instrument,
    *,
    unit: str = "ns_iso3",
    activity_question: str = "activities",
) -> pd.DataFrame:
    """Long table of selected activities with their stage, target groups and service types.

    Parameters
    ----------
    data : pandas.DataFrame
        ``IngestResult.data``.
    instrument : Instrument
        The form (per-activity questions ``<code>_stage``, ``<code>_groups``,
        ``<code>_service`` and ``<code>_reached`` are used where the form has them).
    unit : str, default "ns_iso3"
        Unit key column.
    activity_question : str, default "activities"
        The select_multiple question of activities.

    Returns
    -------
    pandas.DataFrame
        One row per unit and selected activity: ``unit`` (and ``ns_iso3``),
        ``_file`` (the export it came from), ``activity``, boolean ``stage__<s>``, ``group__<g>``, ``service__<t>`` columns
        (missing where not answered) and ``people_reached``.
    """
    try:
        act_q = instrument.question(activity_question)
    except KeyError:
        return pd.DataFrame(columns=[unit, "activity"])
    codes = list(instrument.choice_names(act_q["list_name"]))
    detail_lists = {}
    for suffix, prefix in _DETAIL_SUFFIXES.items():
        for code in codes:
            try:
                detail_lists[prefix] = instrument.question(f"{code}_{suffix}")["list_name"]
                break
            except KeyError:
                continue
    keys = [unit] + (["ns_iso3"] if unit != "ns_iso3" and "ns_iso3" in data else [])
    present = [c for c in codes if f"{activity_question}__{c}" in data]
    if not present or data.empty:
        return pd.DataFrame(columns=[*keys, "activity"])
    chosen = (
        data[[f"{activity_question}__{c}" for c in present]]
        .fillna(0)
        .to_numpy(dtype="int8")
        .astype(bool)
    )
    # one row per (unit, selected activity), units in data order, activities in form order
    rows, which = np.nonzero(chosen)
    carry = keys + [c for c in ("_file",) if c in data]
    out = data[carry].iloc[rows].reset_index(drop=True)
    out["activity"] = pd.Categorical.from_codes(which, categories=pd.Index(present))
    for suffix, prefix in _DETAIL_SUFFIXES.items():
        lst = detail_lists.get(prefix)
        if lst is None:
            continue
        for opt in instrument.choice_names(lst):
            col = pd.array(np.full(len(out), pd.NA), dtype="boolean")
            for k, code in enumerate(present):
                src = f"{code}_{suffix}__{opt}"
                if src in data:
                    hit = which == k
                    col[hit] = data[src].astype("boolean").array[rows[hit]]
            out[f"{prefix}__{opt}"] = col
    reached = pd.array(np.full(len(out), pd.NA), dtype="Int64")
    for k, code in enumerate(present):
        src = f"{code}_reached"
        if src in data:
            hit = which == k
            reached[hit] = data[src].astype("Int64").array[rows[hit]]
    out["people_reached"] = reached
    out["activity"] = out["activity"].cat.set_categories(codes)
    return out.sort_values([*keys, "activity"], ignore_index=True)
