"""Disclosure control of published tables: small-cell and complementary suppression.

A share computed from one or two responding Societies tells the reader what those
Societies answered.  Every cell of a published table based on fewer than ``min_cell``
responding Societies (default :data:`MIN_CELL` = 3) is therefore *suppressed*: its
value is blanked and the table says so ("fewer than 3") — never silently dropped.

**Primary suppression** blanks the cells whose count is below ``min_cell``.

**Secondary (complementary) suppression.**  When a table also publishes totals (an
"all zones" row, a total column), a single suppressed cell on a line that adds up to a
published total can be recovered by subtraction.  The rule applied here is the
classical one for additive tables (Hundepool et al., *Statistical Disclosure Control*,
Wiley, 2012, ch. 4-5, "cell suppression"): on every line of cells that sums to a
published margin — the margin cell included — the number of suppressed cells must be
zero or at least two.  Lines with exactly one are repaired by also suppressing the
unsuppressed cell of that line with the **smallest count** (ties: a member cell before
the total, then the first in table order), and the check is repeated over all lines
until no line has exactly one, since a new suppression can break another line.
Cells with a count of 0 contribute nothing that could be hidden (their value is known
to add nothing), so they neither count as protection nor are chosen as complements.

Limits
    This is a deterministic greedy heuristic, not the optimal (fewest cells / least
    information lost) suppression of linear-programming methods such as the ones in
    tau-ARGUS (Hundepool et al. 2012, ch. 4).  It guarantees that no suppressed cell
    can be recovered *exactly* from one line and its total; it does not enforce
    protection intervals (two suppressed cells on a line reveal their sum, and bounds
    on each), and it protects only the margins passed in ``margins`` (tables published
    elsewhere, or weighted shares combined with their counts, can still narrow a
    suppressed value).  Weighted shares are not exactly additive, so recovering a
    cell from them is approximate; treating them as additive is conservative.  Run
    the suppression once on the complete table (every zone and the total) and then
    select the rows for each zone's report, so that the reports agree.
"""

from __future__ import annotations

from collections.abc import Callable, Hashable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from toolkit.errors import InputError

__all__ = [
    "MIN_CELL",
    "SUPPRESSION_KINDS",
    "WideSuppression",
    "primary_label",
    "secondary_label",
    "suppress",
    "suppress_wide",
    "suppression_note",
]

#: Default minimum number of responding Societies behind a published cell.
MIN_CELL = 3

#: Values of the ``suppression`` column: not suppressed, small cell, complement.
SUPPRESSION_KINDS: tuple[str, ...] = ("", "primary", "secondary")

_ADDED = ("suppression", "secondary")


def primary_label(min_cell: int = MIN_CELL) -> str:
    """Text shown in place of a cell based on fewer than ``min_cell`` Societies."""
    return f"fewer than {min_cell}"


def secondary_label(min_cell: int = MIN_CELL) -> str:
    """Text shown in place of a cell suppressed to protect a small cell."""
    return f"suppressed to protect a cell of fewer than {min_cell}"


def _check_min_cell(min_cell: Any) -> int:
    if isinstance(min_cell, bool) or not isinstance(min_cell, (int, np.integer)) or min_cell < 1:
        raise InputError(
            "min_cell must be a whole number >= 1.",
            value=min_cell,
            hint="use e.g. 3 (responding Societies); set it in study.yaml "
            "under disclosure.min_cell.",
        )
    return int(min_cell)


def _counts(table: pd.DataFrame, count: str) -> np.ndarray:
    if count not in table.columns:
        raise InputError(
            f"the table has no count column '{count}'.",
            column=count,
            hint="pass count= the column holding the number of responding "
            "Societies behind each cell.",
        )
    c = (
        pd.to_numeric(table[count], errors="coerce")
        .astype("Float64")
        .to_numpy(dtype=float, na_value=np.nan)
    )
    bad = ~np.isfinite(c) | (c < 0)
    if bad.any():
        i = int(np.flatnonzero(bad)[0])
        raise InputError(
            "every cell needs a count of responding Societies >= 0.",
            column=count,
            row=i + 2,
            value=table[count].iloc[i],
            hint="fill the count (0 when no Society is behind the cell); "
            "a cell with an unknown count cannot be checked.",
        )
    return c


def _lines(
    table: pd.DataFrame, margins: Mapping[str, Hashable], by: Sequence[str]
) -> list[tuple[np.ndarray, int]]:
    """Lines of member cells (positions) and the position of their published total."""
    keys = list(margins) + [b for b in by if b not in margins]
    for k in keys:
        if k not in table.columns:
            raise InputError(
                f"the table has no column '{k}'.",
                column=k,
                hint="margins and by must name columns of the table.",
            )
    lines: list[tuple[np.ndarray, int]] = []
    for col, total in margins.items():
        others = [k for k in keys if k != col]
        if others:
            groups = table.groupby(others, sort=False, dropna=False).indices
            parts = list(groups.values())
        else:
            parts = [np.arange(len(table))]
        values = table[col].to_numpy(dtype=object)
        for idx in parts:
            idx = np.sort(np.asarray(idx))
            vals = values[idx]
            dup = pd.Series(vals).duplicated().to_numpy()
            if dup.any():
                i = int(idx[np.flatnonzero(dup)[0]])
                raise InputError(
                    f"two cells of the table have the same '{col}' and the same "
                    f"{', '.join(repr(o) for o in others) or 'key'}.",
                    column=col,
                    row=i + 2,
                    value=values[i],
                    hint="add the column that tells them apart to by=, or aggregate them first.",
                )
            is_total = np.array([v == total for v in vals], dtype=bool)
            if not is_total.any():
                continue  # this margin is not published for the group
            lines.append((idx[~is_total], int(idx[is_total][0])))
    return lines


def _complement(
    counts: np.ndarray, primary: np.ndarray, lines: list[tuple[np.ndarray, int]]
) -> np.ndarray:
    """Greedy complementary suppression; returns the mask of secondary cells."""
    suppressed = primary.copy()
    positive = counts > 0
    changed = True
    while changed:
        changed = False
        for members, total in lines:
            cells = np.append(members, total)
            hidden = suppressed[cells] & positive[cells]
            if hidden.sum() != 1:
                continue
            cand = cells[~suppressed[cells] & positive[cells]]
            if cand.size == 0:
                j = int(cells[hidden][0])
                raise InputError(
                    "a suppressed cell cannot be protected: every other cell of its line "
                    "has a count of 0 although the total is published.",
                    row=j + 2,
                    value=float(counts[j]),
                    hint="check that the counts of the line add up to its total.",
                )
            order = np.lexsort((cand, cand == total, counts[cand]))
            suppressed[cand[order[0]]] = True
            changed = True
    return suppressed & ~primary


def suppress(
    table: pd.DataFrame,
    *,
    count: str,
    min_cell: int = MIN_CELL,
    margins: Mapping[str, Hashable] | None = None,
    by: str | Sequence[str] | None = None,
    blank: Sequence[str] = (),
    value: str | None = None,
    fmt: str | Callable[[Any], str] | None = None,
    display: str = "display",
) -> pd.DataFrame:
    """Suppress small cells of a long (tidy) table, and their complements.

    Parameters
    ----------
    table : pandas.DataFrame
        One row per published cell, e.g. zone x activity with the shares and ``n``.
    count : str
        Column with the number of responding Societies behind each cell.
    min_cell : int, default 3
        Cells with ``count < min_cell`` are suppressed (primary suppression).
    margins : mapping of column -> label, optional
        The published totals: ``{"zone": "all"}`` says that, within each group of
        equal values of the other key columns (the other margin columns and ``by``),
        the rows whose ``zone`` is not ``"all"`` add up to the row whose ``zone`` is
        ``"all"``.  Several entries describe a table with several margins (e.g.
        ``{"zone": "all", "activity": "any"}``).  Without margins only primary
        suppression is done: with no published total there is nothing to subtract
        from.  A group with no total row publishes no total and needs no complement.
    by : str or sequence of str, optional
        Further columns that identify a cell (e.g. ``"activity"`` for a zone x
        activity table with only a zone margin); lines never cross them.
    blank : sequence of str
        Published columns set to missing in suppressed rows (e.g. ``estimate``,
        ``ci_low``, ``ci_high``).
    value : str, optional
        Column shown in ``display`` for the cells that are not suppressed.
    fmt : str or callable, optional
        Format of ``value`` in ``display``: a format string such as ``"{:.0%}"`` or a
        function; default ``str``.  Missing values show as "".
    display : str, default "display"
        Name of the text column added: the formatted value, or for a suppressed cell
        :func:`primary_label` ("fewer than 3") or :func:`secondary_label`.

    Returns
    -------
    pandas.DataFrame
        The same rows in the same order (nothing is dropped) with the ``blank``
        columns missing where suppressed, plus ``suppressed`` (bool),
        ``suppression`` (one of :data:`SUPPRESSION_KINDS`), ``secondary`` (bool; read
        by :func:`toolkit.figures.activity_heatmap`) and ``display``.

        An existing ``suppressed`` column (e.g. the primary flag of
        :func:`toolkit.mapping.activity_shares`) is replaced by the one computed here.

    Raises
    ------
    InputError
        Missing or negative counts, unknown columns, duplicate cells on a line, a
        table that already went through :func:`suppress` (it has a ``suppression``
        column), or ``min_cell`` < 1.

    Examples
    --------
    >>> t = pd.DataFrame({"zone": ["a", "b", "c", "all"], "n": [2, 5, 9, 16],
    ...                   "share": [0.5, 0.2, 0.3, 0.3]})
    >>> suppress(t, count="n", margins={"zone": "all"}, blank=["share"])[
    ...     ["zone", "suppression"]].to_numpy().tolist()
    [['a', 'primary'], ['b', 'secondary'], ['c', ''], ['all', '']]
    """
    min_cell = _check_min_cell(min_cell)
    clash = [c for c in (*_ADDED, display) if c in table.columns]
    if clash:
        raise InputError(
            f"the table already has a column '{clash[0]}'.",
            column=clash[0],
            hint="suppress the table before any earlier suppression (drop "
            "its columns first), or pass display= another name.",
        )
    missing = [c for c in [*blank, *([value] if value else [])] if c not in table.columns]
    if missing:
        raise InputError(f"the table has no column '{missing[0]}'.", column=missing[0])
    by_cols = [by] if isinstance(by, str) else list(by or [])
    counts = _counts(table, count)
    primary = counts < min_cell
    secondary = np.zeros(len(table), bool)
    if margins:
        lines = _lines(table.reset_index(drop=True), dict(margins), by_cols)
        secondary = _complement(counts, primary, lines)
    sup = primary | secondary
    out = table.copy()
    mask = pd.Series(sup, index=out.index)
    for col in blank:
        out[col] = out[col].mask(mask)
    out["suppressed"] = sup
    out["suppression"] = np.where(primary, "primary", np.where(secondary, "secondary", ""))
    out["secondary"] = secondary
    if value is not None:
        shown = [_format(v, fmt) for v in table[value].to_numpy(dtype=object)]
    else:
        shown = [""] * len(table)
    out[display] = np.where(
        primary,
        primary_label(min_cell),
        np.where(secondary, secondary_label(min_cell), np.asarray(shown, dtype=object)),
    )
    out[display] = out[display].astype(str)
    return out


def _format(v: Any, fmt: str | Callable[[Any], str] | None) -> str:
    if v is None or v is pd.NA or (isinstance(v, float) and np.isnan(v)):
        return ""
    if fmt is None:
        return str(v)
    if callable(fmt):
        return str(fmt(v))
    return fmt.format(v)


@dataclass(frozen=True)
class WideSuppression:
    """Result of :func:`suppress_wide`: three tables shaped like the input.

    Attributes
    ----------
    status : pandas.DataFrame
        "" / "primary" / "secondary" per cell.
    values : pandas.DataFrame or None
        The values with suppressed cells missing (None when no values were given).
    display : pandas.DataFrame
        Text per cell: the formatted value, or the suppression label.
    """

    status: pd.DataFrame
    values: pd.DataFrame | None
    display: pd.DataFrame


def suppress_wide(
    counts: pd.DataFrame,
    *,
    values: pd.DataFrame | None = None,
    min_cell: int = MIN_CELL,
    total_row: Hashable | None = None,
    total_column: Hashable | None = None,
    fmt: str | Callable[[Any], str] | None = None,
) -> WideSuppression:
    """Suppress small cells of a rows x columns table (e.g. activity x zone).

    Parameters
    ----------
    counts : pandas.DataFrame
        Number of responding Societies behind each cell; unique row and column labels.
    values : pandas.DataFrame, optional
        The published values, same shape and labels as ``counts``.
    min_cell : int, default 3
    total_row : label, optional
        Label of the row that holds the column totals (the other rows add up to it).
    total_column : label, optional
        Label of the column that holds the row totals (e.g. ``"all"`` zones).
    fmt : str or callable, optional
        Format of the values in ``display`` (see :func:`suppress`).

    Returns
    -------
    WideSuppression
        ``status``, ``values`` (suppressed cells missing) and ``display``.
    """
    if counts.index.has_duplicates or counts.columns.has_duplicates:
        raise InputError(
            "the count table needs unique row and column labels.",
            hint="aggregate duplicate rows or columns first.",
        )
    if values is not None and (
        not values.index.equals(counts.index) or not values.columns.equals(counts.columns)
    ):
        raise InputError(
            "values and counts must have the same rows and columns.",
            hint="reindex values like counts.",
        )
    margins: dict[str, int] = {}
    for key, lab, axis, name in (
        ("_row", total_row, counts.index, "total_row"),
        ("_col", total_column, counts.columns, "total_column"),
    ):
        if lab is None:
            continue
        pos = axis.get_loc(lab) if lab in axis else None
        if not isinstance(pos, int):  # not a label, or a partial key of a MultiIndex
            raise InputError(f"{name} {lab!r} is not a label of the count table.", value=lab)
        margins[key] = pos
    nr, nc = counts.shape
    long = pd.DataFrame(
        {
            "_row": np.repeat(np.arange(nr), nc),
            "_col": np.tile(np.arange(nc), nr),
            "_n": counts.to_numpy(dtype=object).ravel(),
        }
    )
    if values is not None:
        long["_v"] = values.to_numpy(dtype=object).ravel()
    try:
        res = suppress(
            long,
            count="_n",
            min_cell=min_cell,
            margins=margins,
            blank=["_v"] if values is not None else [],
            value="_v" if values is not None else None,
            fmt=fmt,
        )
    except InputError as exc:
        if exc.row is not None:  # translate the long-table row to the wide cell
            i = exc.row - 2
            raise InputError(
                exc.problem,
                row=int(i // nc) + 2,
                column=str(counts.columns[i % nc]),
                value=exc.value,
                hint=exc.hint,
            ) from exc
        raise

    def shape(col: str) -> pd.DataFrame:
        return pd.DataFrame(
            res[col].to_numpy(dtype=object).reshape(nr, nc),
            index=counts.index,
            columns=counts.columns,
        )

    blanked = None
    if values is not None:
        blanked = values.copy()
        blanked = blanked.mask(
            pd.DataFrame(
                res["suppressed"].to_numpy().reshape(nr, nc),
                index=counts.index,
                columns=counts.columns,
            )
        )
    return WideSuppression(status=shape("suppression"), values=blanked, display=shape("display"))


def suppression_note(
    table: pd.DataFrame, *, min_cell: int = MIN_CELL, unit: str = "responding Societies"
) -> str:
    """One sentence for a caption or table note saying what was suppressed.

    Parameters
    ----------
    table : pandas.DataFrame
        Output of :func:`suppress` (column ``suppression``).
    min_cell : int, default 3
    unit : str
        What the counts count.

    Returns
    -------
    str
        E.g. "3 cells suppressed: 2 based on fewer than 3 responding Societies, 1 more
        so that totals cannot reveal them." or "" when nothing was suppressed.
    """
    if "suppression" not in table.columns:
        raise InputError(
            "the table has no column 'suppression'.",
            column="suppression",
            hint="pass the output of toolkit.publish.suppress().",
        )
    kinds = table["suppression"].astype(str)
    n1, n2 = int((kinds == "primary").sum()), int((kinds == "secondary").sum())
    if n1 + n2 == 0:
        return ""
    text = (
        f"{n1 + n2} cell{'s' if n1 + n2 != 1 else ''} suppressed: {n1} based on fewer "
        f"than {min_cell} {unit}"
    )
    if n2:
        text += f", {n2} more so that totals cannot reveal {'them' if n1 != 1 else 'it'}"
    return text + "."
