"""Duplicate submissions: the latest submission of a unit wins.

The same rule resolves duplicates within one export and across several exports.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from toolkit.ingest._values import parse_datetime

__all__ = ["submission_times", "superseded_rows"]


def superseded_rows(units: pd.Series, times: pd.Series) -> tuple[pd.Series, pd.Series]:
    """Rows that a later submission of the same unit supersedes.

    The latest submission (by time; rows without a time count as earliest, ties go to
    the later row) is kept.

    Returns
    -------
    superseded : pandas.Series of bool
        Aligned with ``units``.
    kept : pandas.Series
        Unit -> index label of its kept row.
    """
    if pd.api.types.is_datetime64_dtype(times.dtype):
        # Only the order within each unit matters: units by code, then time (missing
        # first) and row, without sorting the units' texts.
        codes, distinct = pd.factorize(units.array)  # numbered by first appearance
        if len(distinct) == len(units):  # no unit twice: the codes are 0, 1, ... in order
            at = np.arange(len(units))
        else:
            stamp = times.to_numpy().view("int64")  # NaT is the smallest
            at = np.lexsort((np.arange(len(units)), stamp, codes))
        last = np.ones(len(at), dtype=bool)
        last[:-1] = codes[at][:-1] != codes[at][1:]
        superseded = np.zeros(len(units), dtype=bool)
        superseded[at[~last]] = True
        kept_at = at[last]
        return (
            pd.Series(superseded, index=units.index),
            pd.Series(units.index[kept_at], index=units.array.take(kept_at).to_numpy()),
        )
    order = pd.DataFrame(
        {"u": units.to_numpy(), "t": times.to_numpy(), "p": np.arange(len(units))},
        index=units.index,
    )
    order = order.sort_values(["u", "t", "p"], na_position="first")
    later = order.duplicated("u", keep="last")
    kept = order[~later]
    return later.reindex(units.index), pd.Series(kept.index, index=kept["u"].to_numpy())


def submission_times(
    table: pd.DataFrame, fields: dict[str, str], meta: dict[str, str]
) -> pd.Series:
    """Submission time of each row of an export.

    Taken from the ``_submission_time`` metadata column, else from the ``end`` or
    ``start`` question: the first of these that holds a readable date-time.

    Returns
    -------
    pandas.Series
        ``datetime64``, aligned with ``table``; all missing when the export has no times.
    """
    for source in (meta.get("_submission_time"), fields.get("end"), fields.get("start")):
        if source is not None:
            t, _ = parse_datetime(table[source], date_only=False)
            if t.notna().any():
                return t
    return pd.Series(pd.NaT, index=table.index, dtype="datetime64[ns]")
