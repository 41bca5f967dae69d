"""Assembling the tables of an ingest result from column arrays.

The quarantine of a 100-row export has hundreds of text columns; converting them to
the ``string`` dtype one by one costs pandas' fixed overhead each time.  Here every
text column of a table is converted in one go (one conversion of all their cells,
then a slice per column), and row blocks with different columns are stacked without
reindexing each block.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import numpy as np
import pandas as pd
from pandas.api.extensions import ExtensionArray

from toolkit.ingest import _privacy as privacy
from toolkit.ingest._rows import RowRules
from toolkit.ingest._typed import column_arrays

__all__ = [
    "QUARANTINE_HEAD",
    "RowBlock",
    "data_table",
    "main_quarantine",
    "stack_rows",
    "string_columns",
]

#: Rows of a table: their number and, by column, their cells (1-D arrays).
RowBlock = tuple[int, Mapping[str, object]]

#: The quarantine's own columns, before the cells as written.  An export column of one
#: of these names is left out of the quarantine (it would stand for the quarantine's).
QUARANTINE_HEAD = ("_file", "_row", "ns_iso3", "_repeat", "reason", "rule")


def string_columns(columns: Mapping[str, object]) -> dict[str, ExtensionArray]:
    """Columns (arrays of str and missing values) as ``string`` arrays, in one go.

    Each value is converted as ``Series.astype("string")`` converts it: strings as
    they are, missing values (``None``, ``NaN``, ``NA``) to ``<NA>``, anything else
    by ``str()``.
    """
    arrays = [np.asarray(v, dtype=object) for v in columns.values()]
    if not arrays:
        return {}
    whole = pd.array(np.concatenate(arrays), dtype="string")
    out: dict[str, ExtensionArray] = {}
    start = 0
    for name, arr in zip(columns, arrays):
        out[name] = whole[start : start + len(arr)]
        start += len(arr)
    return out


def stack_rows(blocks: Sequence[RowBlock], ints: Sequence[str] = ("_row",)) -> pd.DataFrame:
    """Row blocks one under the other, as ``pd.concat(..., ignore_index=True)`` would
    stack them: the columns in order of first appearance, cells a block lacks missing.

    Every column is of the ``string`` dtype except those of ``ints`` (``int64``).
    """
    columns = list(dict.fromkeys(c for _, block in blocks for c in block))
    text: dict[str, np.ndarray] = {}
    numbers: dict[str, np.ndarray] = {}
    for col in columns:
        if col in ints:
            numbers[col] = np.concatenate(
                [np.asarray(b[col], dtype="int64") for _, b in blocks]
            ).astype("int64")
            continue
        parts = [
            np.asarray(b[col], dtype=object) if col in b else np.full(n, None, dtype=object)
            for n, b in blocks
        ]
        text[col] = np.concatenate(parts) if parts else np.zeros(0, dtype=object)
    converted = string_columns(text)
    data = {c: numbers[c] if c in numbers else converted[c] for c in columns}
    n = sum(size for size, _ in blocks)
    return pd.DataFrame(data, index=pd.RangeIndex(n), columns=pd.Index(columns), copy=False)


def main_quarantine(
    cells: pd.DataFrame,
    ragged: pd.DataFrame,
    rows: RowRules,
    label: str,
    society: pd.Series,
    text: set[str],
    names: Sequence[str],
    resp_id: pd.Series | None,
) -> RowBlock:
    """The quarantined submissions: ragged rows, then the rows the rules quarantined.

    Parameters
    ----------
    cells : pandas.DataFrame
        The quarantined rows as written (personal columns left out), by row number.
    ragged : pandas.DataFrame
        ``_row``, ``reason`` and ``rule`` of the ragged rows.
    rows : RowRules
        The quarantine decisions (reason and rule of each row).
    label : str
        The submissions table's file.
    society : pandas.Series
        The Society of each row (by row number), as issues name it.
    text : set of str
        Free-text columns, whose emails, phone numbers and ``names`` are masked.
    names : sequence of str
        Respondents' names.
    resp_id : pandas.Series, optional
        Respondent pseudonyms of the quarantined rows (a ``resp_id`` column).

    Returns
    -------
    RowBlock
    """
    n_ragged, n = len(ragged), len(ragged) + len(cells)
    row = np.concatenate(
        [ragged["_row"].to_numpy(dtype="int64"), cells.index.to_numpy(dtype="int64")]
    )
    bad = rows.reason.notna().to_numpy(bool)
    out: dict[str, object] = {
        "_file": np.full(n, label, dtype=object),
        "_row": row,
        "ns_iso3": pd.Series(row).map(society).to_numpy(dtype=object),
        "_repeat": np.full(n, None, dtype=object),
        "reason": np.concatenate(
            [ragged["reason"].to_numpy(object), rows.reason.to_numpy(object)[bad]]
        ),
        "rule": np.concatenate([ragged["rule"].to_numpy(object), rows.rule.to_numpy(object)[bad]]),
    }
    block = np.concatenate(
        [np.full((n_ragged, cells.shape[1]), None, dtype=object), cells.to_numpy(dtype=object)]
    )
    masked = [j for j, h in enumerate(cells.columns) if h in text]
    if masked:
        block[n_ragged:, masked] = privacy.mask_block(block[n_ragged:, masked], names=names, na="")
    for j, h in enumerate(cells.columns):
        if h not in QUARANTINE_HEAD:
            out[h] = block[:, j]
    if resp_id is not None:
        blank = np.full(n_ragged, None, dtype=object)
        out["resp_id"] = np.concatenate([blank, resp_id.to_numpy(dtype=object)])
    return n, out


def data_table(
    head: Mapping[str, pd.Series],
    data: Mapping[str, pd.Series | ExtensionArray],
    label: str,
    rows: pd.Index,
) -> pd.DataFrame:
    """The accepted submissions: the key and metadata columns ``head``, the answers
    ``data`` (both aligned with ``rows``, the row numbers in the file), then ``_file``
    and ``_row``; indexed 0, 1, ... (the columns of ``pd.concat([head, data], axis=1)``
    and the two), made in one go."""
    arrays = column_arrays(data)
    columns = [*head, *arrays]
    if len(set(columns)) < len(columns) or {"_file", "_row"} & set(columns):
        answers = pd.DataFrame(arrays, index=rows, copy=False)
        out = pd.concat([pd.DataFrame(head, index=rows), answers], axis=1)
        out["_file"] = label
        out["_row"] = rows.astype("int64")
        return out.reset_index(drop=True)
    index = pd.RangeIndex(len(rows))
    whole: dict[str, object] = {k: v.array for k, v in head.items()}
    whole.update(arrays)
    whole["_file"] = pd.Series(label, index=index).array
    whole["_row"] = rows.to_numpy(dtype="int64")
    return pd.DataFrame(whole, index=index, copy=False)
