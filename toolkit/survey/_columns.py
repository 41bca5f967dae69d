"""Turning DataFrame columns into the arrays the estimators work on.

Everything here validates as it goes and raises :class:`toolkit.errors.DesignError`
naming the column and saying what to do, so the estimators themselves can assume clean
numpy input.
"""

from __future__ import annotations

import difflib
from collections.abc import Hashable, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, cast

import numpy as np
import pandas as pd

from ..errors import DesignError
from ._codes import codes_of  # re-exported: the codes of one column

if TYPE_CHECKING:
    from pandas._typing import SequenceNotStr

__all__ = [
    "Domains",
    "as_list",
    "categories_of",
    "check_columns",
    "codes_of",
    "compress_codes",
    "domains",
    "indicator_matrix",
    "numeric_matrix",
]


def as_list(var: str | Sequence[str] | None, role: str) -> list[str]:
    """Return ``var`` as a list of column names (``None`` gives an empty list).

    Parameters
    ----------
    var : str, sequence of str or None
        One column name or several.
    role : str
        What the columns are for, used in error messages.

    Returns
    -------
    list of str
    """
    if var is None:
        return []
    if isinstance(var, str):
        return [var]
    out = list(var)
    if not out:
        raise DesignError(
            f"no column given for {role}.", hint=f"Name at least one column as {role}."
        )
    dup = sorted({c for c in out if out.count(c) > 1}, key=str)
    if dup:
        raise DesignError(
            f"column {dup[0]!r} is named more than once for {role}.",
            column=str(dup[0]),
            hint="Name each column once.",
        )
    return out


def check_columns(data: pd.DataFrame, cols: Sequence[str], role: str) -> None:
    """Raise a :class:`DesignError` for the first name in ``cols`` not in ``data``.

    Parameters
    ----------
    data : DataFrame
        The survey data.
    cols : sequence of str
        Column names to look for.
    role : str
        What the column is used for ("weights", "strata", "the estimate", ...).
    """
    for col in cols:
        if col not in data.columns:
            close = difflib.get_close_matches(str(col), [str(c) for c in data.columns], n=3)
            hint = (
                f"Did you mean {', '.join(repr(c) for c in close)}?"
                if close
                else "Check the spelling against the data's column names."
            )
            raise DesignError(
                f"there is no column {col!r} (used as {role}) in the data.",
                column=str(col),
                hint=hint,
            )


def _row_examples(index: pd.Index, bad: np.ndarray, k: int = 5) -> str:
    labels = [repr(x) for x in index[bad][:k]]
    more = " ..." if int(bad.sum()) > k else ""
    return ", ".join(labels) + more


def _float_values(series: pd.Series, role: str) -> np.ndarray:
    """Values of a numeric or boolean column as float64 with NaN for missing."""
    dtype = series.dtype
    if pd.api.types.is_bool_dtype(dtype) or pd.api.types.is_numeric_dtype(dtype):
        return series.to_numpy(dtype=np.float64, na_value=np.nan)
    raise DesignError(
        f"column {series.name!r} holds {dtype} values, but {role} needs numbers.",
        column=str(series.name),
        hint="Use proportion() for categorical answers, or convert the column to numbers "
        "(e.g. yes/no to 1/0) first.",
    )


def numeric_matrix(
    data: pd.DataFrame, cols: Sequence[str], *, na_rm: bool, role: str
) -> tuple[np.ndarray, np.ndarray]:
    """Numeric columns as an ``(n, k)`` matrix with zeros at missing values, plus the mask.

    Parameters
    ----------
    data : DataFrame
        Survey data.
    cols : sequence of str
        Columns to extract.
    na_rm : bool
        If False, a missing value raises :class:`DesignError`; if True it is recorded as
        ``False`` in the mask (outside the domain for that column).
    role : str
        Used in error messages.

    Returns
    -------
    values : ndarray, shape (n, k)
        Float values, 0 where missing.
    mask : ndarray of bool, shape (n, k)
        True where the value is observed.
    """
    check_columns(data, cols, role)
    n = len(data)
    values = np.empty((n, len(cols)), dtype=np.float64)
    for j, col in enumerate(cols):
        values[:, j] = _float_values(data[col], role)
    mask = ~np.isnan(values)
    if not mask.all():
        bad_col = int(np.argmin(mask.all(axis=0)))
        if not na_rm:
            bad = ~mask[:, bad_col]
            raise DesignError(
                f"column {cols[bad_col]!r} has {int(bad.sum())} missing value(s) "
                f"(rows with index {_row_examples(data.index, bad)}).",
                column=str(cols[bad_col]),
                hint="Pass na_rm=True to estimate from the rows where it is answered (missing "
                "answers are then outside the domain, as R's na.rm=TRUE), or impute the "
                "missing answers first (toolkit.nonresponse).",
            )
        values[~mask] = 0.0
    if not np.isfinite(values).all():
        bad_col = int(np.argmin(np.isfinite(values).all(axis=0)))
        raise DesignError(
            f"column {cols[bad_col]!r} holds infinite values.",
            column=str(cols[bad_col]),
            hint="Replace infinite values by numbers or missing values.",
        )
    return values, mask


def categories_of(series: pd.Series) -> list[Hashable]:
    """The categories of a column: categorical categories in order, else sorted values.

    Parameters
    ----------
    series : Series

    Returns
    -------
    list
        All categories of a categorical column (unused ones too, as R's factor levels);
        otherwise the sorted distinct non-missing values.
    """
    if isinstance(series.dtype, pd.CategoricalDtype):
        return list(series.cat.categories)
    uniq = pd.unique(series.dropna())
    try:
        return sorted(uniq.tolist())
    except TypeError:
        return sorted(uniq.tolist(), key=str)


def indicator_matrix(
    data: pd.DataFrame, col: str, *, na_rm: bool
) -> tuple[np.ndarray, np.ndarray, list[Hashable]]:
    """0/1 indicator columns for each category of ``col``.

    Parameters
    ----------
    data : DataFrame
    col : str
    na_rm : bool
        Whether missing values are allowed (then outside the domain).

    Returns
    -------
    indicators : ndarray, shape (n, L)
    mask : ndarray of bool, shape (n, L)
        Observed rows (the same for every category).
    labels : list
        The categories.
    """
    check_columns(data, [col], "the variable of proportion()")
    series = data[col]
    missing = series.isna().to_numpy()
    if missing.any() and not na_rm:
        raise DesignError(
            f"column {col!r} has {int(missing.sum())} missing value(s) "
            f"(rows with index {_row_examples(data.index, missing)}).",
            column=str(col),
            hint="Pass na_rm=True to estimate from the rows where it is answered (missing "
            "answers are then outside the domain, as R's na.rm=TRUE), or impute them first.",
        )
    labels = categories_of(series)
    if not labels:
        raise DesignError(
            f"column {col!r} has no observed values.",
            column=str(col),
            hint="Choose another column.",
        )
    codes = pd.Index(labels).get_indexer(pd.Index(series))
    n = len(series)
    ind = np.zeros((n, len(labels)), dtype=np.float64)
    obs = codes >= 0
    ind[np.flatnonzero(obs), codes[obs]] = 1.0
    mask = np.repeat(obs[:, None], len(labels), axis=1)
    return ind, mask, labels


def compress_codes(key: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """``numpy.unique(key, return_inverse=True)`` for non-negative integer keys.

    Uses a counting lookup table (no sort) when the key range is small.
    """
    if len(key) == 0:
        return np.zeros(0, dtype=np.int64), np.zeros(0, dtype=np.int64)
    top = int(key.max()) + 1
    if top <= max(1 << 22, 4 * len(key)):
        present = np.bincount(key, minlength=top) > 0
        lut = np.cumsum(present) - 1
        return np.flatnonzero(present), lut[key]
    uniq, inv = np.unique(key, return_inverse=True)
    return uniq, inv.reshape(-1).astype(np.int64)


@dataclass(frozen=True)
class Domains:
    """Domain membership of every row.

    Attributes
    ----------
    codes : ndarray of int64, shape (n,)
        Domain number of each row, ``-1`` for rows in no domain (missing ``by`` value
        with ``na_rm=True``).
    index : Index or None
        Labels of the domains (a MultiIndex for several ``by`` columns); None when
        there is no ``by`` (one domain, the whole population).
    """

    codes: np.ndarray
    index: pd.Index | None

    @property
    def count(self) -> int:
        """Number of domains."""
        return 1 if self.index is None else len(self.index)


def domains(data: pd.DataFrame, by: str | Sequence[str] | None, *, na_rm: bool) -> Domains:
    """Domain codes for the ``by`` column(s).

    Parameters
    ----------
    data : DataFrame
    by : str, sequence of str or None
    na_rm : bool
        If False, a missing ``by`` value raises; if True the row belongs to no domain.

    Returns
    -------
    Domains
    """
    cols = as_list(by, "by")
    n = len(data)
    if not cols:
        return Domains(np.zeros(n, dtype=np.int64), None)
    check_columns(data, cols, "by")
    codes_list: list[np.ndarray] = []
    uniques_list: list[pd.Index] = []
    missing = np.zeros(n, dtype=bool)
    for col in cols:
        codes, uniques = codes_of(data[col])
        missing |= codes < 0
        codes_list.append(codes)
        uniques_list.append(uniques)
    if missing.any() and not na_rm:
        bad_col = next(c for c, k in zip(cols, codes_list, strict=True) if (k < 0).any())
        bad = data[bad_col].isna().to_numpy()
        raise DesignError(
            f"the domain column {bad_col!r} has {int(bad.sum())} missing value(s) "
            f"(rows with index {_row_examples(data.index, bad)}).",
            column=str(bad_col),
            hint="Fill in the missing domain values, or pass na_rm=True to leave those rows "
            "out of every domain.",
        )
    if len(cols) == 1 and not missing.any():
        return Domains(codes_list[0], pd.Index(uniques_list[0], name=cols[0]))
    combined = np.zeros(n, dtype=np.int64)
    for codes, uniques in zip(codes_list, uniques_list, strict=True):
        combined = combined * len(uniques) + np.where(codes < 0, 0, codes)
    present, dom = compress_codes(combined[~missing])
    out = np.full(n, -1, dtype=np.int64)
    out[~missing] = dom
    if len(cols) == 1:
        index = pd.Index(uniques_list[0].take(present), name=cols[0])
    else:
        level_codes = []
        rest = present.copy()
        for uniques in reversed(uniques_list):
            level_codes.append(rest % len(uniques))
            rest //= len(uniques)
        level_codes.reverse()
        # pandas takes Index levels and ndarray codes; pandas-stubs lists only sequences
        index = pd.MultiIndex(
            levels=cast("list[SequenceNotStr[Hashable]]", uniques_list),
            codes=cast("list[Sequence[int]]", level_codes),
            names=cols,
        )
    return Domains(out, index)
