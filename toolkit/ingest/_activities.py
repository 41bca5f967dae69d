"""The activity table: one row per unit and selected activity.

Per-activity follow-up questions (stage, target groups, service type, people
reached) are gathered from the wide ``IngestResult.data`` into one long table.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc
from pandas.api.extensions import ExtensionArray
from pandas.arrays import ArrowStringArray

from toolkit.instrument import Instrument

__all__ = ["activity_table"]

_DETAIL_SUFFIXES = {"stage": "stage", "groups": "group", "service": "service"}


def activity_table(
    data: pd.DataFrame,
    instrument: Instrument,
    *,
    unit: str = "ns_iso3",
    activity_question: str = "activities",
    arrays: Mapping[str, object] | None = None,
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
    arrays : mapping of str to ExtensionArray or pandas.Series, optional
        Some columns of ``data`` as the caller already holds them (the same values),
        read from there rather than from ``data``.

    Returns
    -------
    pandas.DataFrame
        One row per unit and selected activity: ``unit`` (and ``ns_iso3``),
        ``_file`` (the export it came from), ``activity``, boolean ``stage__<s>``, ``group__<g>``, ``service__<t>`` columns
        (missing where not answered) and ``people_reached``.
    """
    list_of: dict[str, object] = {}  # question -> its list (the first of a name, as question())
    for name, lst in zip(instrument.questions["name"], instrument.questions["list_name"]):
        list_of.setdefault(name, lst)
    if activity_question not in list_of:
        return pd.DataFrame(columns=[unit, "activity"])
    codes = list(instrument.choice_names(str(list_of[activity_question])))
    detail_lists = {}
    for suffix, prefix in _DETAIL_SUFFIXES.items():
        for code in codes:
            if f"{code}_{suffix}" in list_of:
                detail_lists[prefix] = list_of[f"{code}_{suffix}"]
                break
    held = arrays or {}

    def column(name: str) -> ExtensionArray | None:
        if name in held:
            value = held[name]
            return value.array if isinstance(value, pd.Series) else value  # type: ignore[return-value]
        return data[name].array if name in data else None

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
    # one row per (unit, selected activity), sorted by the keys, then the activities in
    # form order: the units are ranked once (not the longer table's texts sorted)
    rows, which = _sorted_pairs(chosen, data, keys)
    carry = keys + [c for c in ("_file",) if c in data]
    out = data[carry].iloc[rows].reset_index(drop=True)
    columns: dict[str, object] = {c: out[c].array for c in carry}
    columns["activity"] = pd.Categorical.from_codes(which, categories=pd.Index(present))
    for suffix, prefix in _DETAIL_SUFFIXES.items():
        lst = detail_lists.get(prefix)
        if lst is None:
            continue
        for opt in instrument.choice_names(str(lst)):
            name = f"{prefix}__{opt}"
            sources = [f"{code}_{suffix}__{opt}" for code in present]
            columns[name] = _picked(column, sources, rows, which, "boolean", len(data))
    columns["people_reached"] = _picked(
        column, [f"{code}_reached" for code in present], rows, which, "Int64", len(data)
    )
    out = pd.DataFrame(columns, index=out.index, copy=False)
    out["activity"] = out["activity"].cat.set_categories(codes)
    return out


def _sorted_pairs(
    chosen: np.ndarray, data: pd.DataFrame, keys: list[str]
) -> tuple[np.ndarray, np.ndarray]:
    """The (row, activity) pairs of ``chosen`` in the order of
    :meth:`~pandas.DataFrame.sort_values` on the rows' ``keys`` (missing last) and the
    activity (a stable sort: equal keys keep the rows' order)."""
    rank = _dense_ranks(data[keys[0]].array)
    for k in keys[1:]:  # the rank of the rows by the keys so far, then by this one
        if int(rank.max(initial=-1)) + 1 == len(rank):
            break  # every row ranked apart already: the next keys change nothing
        r = _dense_ranks(data[k].array)
        rank = np.unique(rank * (int(r.max(initial=0)) + 1) + r, return_inverse=True)[1]
    at = np.argsort(rank, kind="stable")  # the rows in key order (stable)
    new = np.ones(len(at), dtype=bool)
    new[1:] = rank[at][1:] != rank[at][:-1]
    rows, which = np.nonzero(chosen)  # row after row, activities in form order
    if new.all():  # distinct keys (one row per unit): each row's pairs move together
        counts = np.count_nonzero(chosen, axis=1)
        starts = np.cumsum(counts) - counts
        size = counts[at]
        shift = np.repeat(starts[at] - (np.cumsum(size) - size), size)
        order = np.arange(len(rows)) + shift
    else:  # rows with equal keys: their pairs interleave by activity
        order = np.lexsort((which, rank[rows]))
    return rows[order], which[order]


def _dense_ranks(values: ExtensionArray) -> np.ndarray:
    """0-based rank of each value in sort order (missing last), equal values sharing
    a rank (pyarrow ranks its strings without making Python objects of them)."""
    if isinstance(values, ArrowStringArray):
        ranks = pc.rank(pa.array(values), sort_keys="ascending", tiebreaker="dense")
        return np.asarray(ranks, dtype=np.intp) - 1  # nulls are ranked last
    cat = pd.Categorical(values, ordered=True)  # as sort_values orders a column
    codes = np.asarray(cat.codes, dtype=np.intp)
    return np.where(codes < 0, len(cat.categories), codes)  # missing last


def _picked(
    column: Callable[[str], ExtensionArray | None],
    sources: list[str],
    rows: np.ndarray,
    which: np.ndarray,
    dtype: str,
    n: int,
) -> ExtensionArray:
    """For each (unit row, activity) pair, the value of the activity's own column
    (``sources[activity]``; missing where the form has no such column), as ``dtype``;
    ``n`` rows in all.  The columns are converted together (one array of all their cells)."""
    found: list[tuple[int, ExtensionArray]] = []
    for k, src in enumerate(sources):
        col: Any = column(src)
        if col is None:
            continue
        if col.dtype != dtype and not (dtype == "boolean" and col.dtype == "Int8"):
            col = col.astype(dtype)  # (an Int8 option column reads as boolean alike)
        found.append((k, col))
    values = np.zeros((n, len(sources)), dtype="bool" if dtype == "boolean" else "int64")
    missing = np.ones((n, len(sources)), dtype=bool)
    if found:
        at = [k for k, _ in found]
        cols = [c for _, c in found]
        if len({c.dtype for c in cols}) == 1:
            whole = type(cols[0])._concat_same_type(cols)  # type: ignore[attr-defined]
            missing[:, at] = np.asarray(whole.isna(), dtype=bool).reshape(len(cols), n).T
            values[:, at] = (
                whole.to_numpy(dtype=values.dtype, na_value=0).reshape(len(cols), n).T
            )  # Int8: 0 -> False
        else:
            for k, col in found:
                missing[:, k] = col.isna()
                values[:, k] = col.to_numpy(dtype=values.dtype, na_value=0)
    picked, mask = values[rows, which], missing[rows, which]
    if dtype == "boolean":
        return pd.arrays.BooleanArray(picked, mask)
    return pd.arrays.IntegerArray(picked, mask)
