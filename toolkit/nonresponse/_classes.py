"""Weighting classes: class labels crossed from frame variables, and sparse classes
merged into neighbours."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np
import pandas as pd

from toolkit.errors import InputError, WeightingError
from toolkit.nonresponse._common import (
    as_list,
    check_columns,
    levels_of,
    resolve_responded,
)

__all__ = ["collapse_classes"]

#: Column of the class label (in the design's data and of collapse_classes' output).
CLASS_COLUMN = "nr_class"
_SEP = " / "


def _ordered_levels(s: pd.Series) -> list[Any]:
    if isinstance(s.dtype, pd.CategoricalDtype):
        return list(s.cat.categories)
    return levels_of(s)


def check_class_columns(frame: pd.DataFrame, cols: list[str]) -> None:
    """Raise :class:`InputError` if a class variable is absent or has missing values."""
    check_columns(frame, cols, "frame")
    for c in cols:
        if frame[c].isna().any():
            raise InputError(
                f"the class variable is missing for {int(frame[c].isna().sum())} frame unit(s).",
                column=c,
                hint="fill it in the frame, or choose class variables known for every unit.",
            )


def class_labels(frame: pd.DataFrame, classes: str | Sequence[str] | pd.Series) -> pd.Series:
    """Class label (str) per frame row from column names or a label Series."""
    if isinstance(classes, pd.Series):
        if not classes.index.equals(frame.index):
            raise InputError(
                "the classes Series is not indexed like the frame.",
                hint="build it from the frame (e.g. with collapse_classes).",
            )
        if classes.isna().any():
            raise InputError(
                "the classes Series has missing labels.",
                value=classes.index[classes.isna()][0],
            )
        return classes.astype(str)
    cols = as_list(classes)
    if not cols:
        raise InputError("no weighting classes given.", hint="e.g. classes=['zone'].")
    check_class_columns(frame, cols)
    parts = [frame[c].astype(str) for c in cols]
    lab = parts[0]
    for p in parts[1:]:
        lab = lab + _SEP + p
    return lab.rename(CLASS_COLUMN)


def collapse_classes(
    frame: pd.DataFrame,
    responded: str | pd.Series | Sequence[bool] | np.ndarray,
    classes: str | Sequence[str],
    *,
    min_respondents: int = 2,
) -> pd.Series:
    """Weighting classes with sparse cells merged into neighbours.

    The last class variable is collapsed within each combination of the others (e.g.
    income groups within each zone): repeatedly, the cell with the fewest
    respondents, if below ``min_respondents``, is merged with the adjacent level (in
    category order, or sorted order for text) that has fewer respondents.  Outer
    classes are never merged: an outer class with fewer than ``min_respondents``
    respondents in all becomes a single class, provided it has at least two (or
    all of its units responded).

    Parameters
    ----------
    frame : DataFrame
    responded : str, Series or array-like of bool
        As in :func:`toolkit.nonresponse.nonresponse_bias`.
    classes : str or list of str
        Class variables, outermost first (e.g. ``["zone", "income_group"]``).
    min_respondents : int, default 2
        Respondents every class must have (two are needed to estimate a variance).

    Returns
    -------
    Series of str
        Class label per frame row (``"europe / low+lower_middle"``), indexed like the
        frame; pass it as ``classes=`` to :func:`toolkit.nonresponse.nonresponse_design`.

    Raises
    ------
    WeightingError
        If an outer class has fewer than two respondents (and is not complete).
    """
    r = resolve_responded(frame, responded)
    cols = as_list(classes)
    if not cols:
        raise InputError(
            "no weighting classes given.", hint="e.g. classes=['zone', 'income_group']."
        )
    check_class_columns(frame, cols)
    inner = cols[-1]
    outer = cols[:-1]
    inner_levels = _ordered_levels(frame[inner])
    inner_vals = frame[inner].to_numpy(dtype=object)
    if outer:
        outer_lab = class_labels(frame, outer).to_numpy(dtype=object)
    else:
        outer_lab = np.full(len(frame), "", dtype=object)
    out = np.empty(len(frame), dtype=object)
    for o in pd.unique(outer_lab):
        mo = outer_lab == o
        # cells: list of lists of inner levels, in level order
        cells = [[lv] for lv in inner_levels if (mo & (inner_vals == lv)).any()]

        def resp(cell: list[Any], mo: np.ndarray = mo) -> int:
            return int((mo & np.isin(inner_vals, cell) & r).sum())

        while len(cells) > 1:
            counts = [resp(c) for c in cells]
            worst = int(np.argmin(counts))
            if counts[worst] >= min_respondents:
                break
            nb = [j for j in (worst - 1, worst + 1) if 0 <= j < len(cells)]
            j = min(nb, key=lambda k: counts[k])
            a, b = sorted((worst, j))
            cells[a] = cells[a] + cells[b]
            del cells[b]
        n_outer, N_outer = resp(cells[0]), int(mo.sum())
        if len(cells) == 1 and (n_outer == 0 or (n_outer == 1 and N_outer > 1)):
            # A single class is kept even below min_respondents, but it needs two
            # respondents (or to be complete) for a variance to exist.
            raise WeightingError(
                f"the outer class {o!r} has only {n_outer} respondent(s) among "
                f"{N_outer} units even with all levels of {inner!r} merged.",
                value=o,
                hint="use fewer class variables (e.g. drop "
                f"{outer[-1]!r}) or merge outer classes yourself."
                if outer
                else "too few respondents for any class adjustment; report unweighted results "
                "with bounds instead.",
            )
        for cell in cells:
            m = mo & np.isin(inner_vals, cell)
            lab_inner = "+".join(map(str, cell))
            out[m] = lab_inner if not outer else f"{o}{_SEP}{lab_inner}"
    return pd.Series(out, index=frame.index, name=CLASS_COLUMN, dtype="str")
