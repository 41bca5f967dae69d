"""select_multiple answers: the space-separated answer column and the option columns.

KoboToolbox and ODK write a select_multiple answer as one column of space-separated
choice names, as one column per option (``1``/``0``, ``True``/``False``, ``1.0`` or the
option's label), or both.  Both are read; where they disagree the option columns win
and an issue is recorded.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from toolkit.ingest._issues import IssueLog
from toolkit.ingest._values import parse_option_block, parse_select_multiple

__all__ = ["select_multiple_columns"]

_YES_NO_WORDS = frozenset({"0", "1", "0.0", "1.0", "true", "false", "yes", "no"})


def select_multiple_columns(
    name: str,
    raw: pd.Series | None,
    names: list[str],
    lookup: dict[str, str],
    option_headers: dict[str, str],
    acc: pd.DataFrame,
    issues: IssueLog,
    list_name: str,
) -> dict[str, pd.Series]:
    """The answer column and one nullable 0/1 column per option of one question.

    Parameters
    ----------
    name : str
        The question.
    raw : pandas.Series, optional
        Its answer column (space-separated choice names or labels), if the export has one.
    names : list of str
        Choice names of its list, in form order.
    lookup : dict of str to str
        Case-folded choice name or label -> choice name.
    option_headers : dict of str to str
        Option -> header of its column.
    acc : pandas.DataFrame
        The rows, as strings.
    issues : IssueLog
    list_name : str
        For messages.

    Returns
    -------
    dict of str to pandas.Series
        ``name`` (choice names, space-separated) and ``<name>__<option>`` (``Int8``,
        missing where the question was not answered).
    """
    idx = acc.index
    summary = pd.Series(pd.NA, index=idx, dtype="string")
    answered = pd.Series(False, index=idx)
    if raw is not None:
        summary, bad, unknown = parse_select_multiple(raw, names, lookup)
        issues.block(
            idx[bad],
            unknown[bad],
            column=name,
            problem=f"option(s) not in list '{list_name}'",
            action="unknown option(s) removed from the answer",
            rule="invalid_choice",
        )
        answered = raw.astype("string").str.strip().fillna("") != ""
    padded = " " + summary.fillna("") + " "
    from_summary = np.zeros((len(idx), len(names)), dtype="int8")
    if raw is not None:
        for k, opt in enumerate(names):
            from_summary[:, k] = padded.str.contains(f" {opt} ", regex=False).to_numpy(bool)
    out: dict[str, pd.Series] = {}
    disagree = np.zeros(len(idx), dtype=bool)
    not_answered = ~answered.to_numpy()
    present = [o for o in names if o in option_headers]
    if present:
        headers = [option_headers[o] for o in present]
        # A label export writes the option's label (or name) where it was chosen.
        label_tokens = [{k for k, v in lookup.items() if v == o} - _YES_NO_WORDS for o in present]
        block_vals, block_known, block_bad = parse_option_block(acc[headers], label_tokens)
        for j, header in enumerate(headers):
            cell_bad = block_bad[:, j]
            if cell_bad.any():
                issues.block(
                    idx[cell_bad],
                    acc[header][cell_bad],
                    column=header,
                    problem="option column holds neither 0/1, true/false, the option's "
                    "label nor empty",
                    action="cell set to missing",
                    rule="invalid_choice",
                )
    for k, opt in enumerate(names):
        values = from_summary[:, k]
        mask = not_answered.copy()
        if opt in option_headers:
            j = present.index(opt)
            col_known, col_vals = block_known[:, j], block_vals[:, j]
            if raw is not None:
                disagree |= col_known & ~mask & (col_vals != values)
            values = np.where(col_known, col_vals, values).astype("int8")
            mask = mask & ~col_known
        out[f"{name}__{opt}"] = pd.Series(pd.arrays.IntegerArray(values, mask), index=idx)
    conflicts = pd.Series(disagree, index=idx, dtype=bool)
    if option_headers:
        # Where the summary is missing or disagrees, rebuild it from the option columns
        # (they are unambiguous).
        redo = conflicts | (summary.isna() & ~pd.Series(not_answered, index=idx))
        if raw is None:
            redo[:] = True
        if redo.any():
            chosen = pd.DataFrame({o: out[f"{name}__{o}"][redo] for o in names})
            any_known = chosen.notna().any(axis=1)
            rebuilt = (
                _join_selected(chosen, names).astype("string").replace({"": pd.NA}).where(any_known)
            )
            summary = summary.copy()
            summary[redo] = rebuilt
    if conflicts.any():
        issues.block(
            idx[conflicts],
            summary[conflicts].fillna(""),
            column=name,
            problem="the answer column and its option columns disagree",
            action="option columns used",
            rule="select_multiple_conflict",
        )
    return {name: summary, **out}


def _join_selected(chosen: pd.DataFrame, names: list[str]) -> pd.Series:
    arr = chosen.fillna(0).to_numpy(dtype=bool)
    text = np.full(len(chosen), "", dtype=object)
    for j, opt in enumerate(names):
        text = np.where(arr[:, j], np.where(text == "", opt, text + " " + opt), text)
    return pd.Series(text, index=chosen.index)
