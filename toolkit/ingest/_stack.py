"""Several columns of one table parsed in one go, once per distinct value.

An export holds many columns of few distinct values each.  Parsing it column by column
pays pandas' fixed cost once per column (most of the time on a 100-row export), and
parsing every cell pays again for each repetition of a value (most of the time on a
165,000-row one).  A :class:`Stack` factorises the cells of several columns together;
the parsers of :mod:`toolkit.ingest._values` run once, on the distinct values, and each
column takes its results by code.  Every parser gives a cell's result from that cell's
value alone, so the results are those of parsing each column on its own.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd
from pandas.api.extensions import ExtensionArray
from pandas.arrays import ArrowStringArray

__all__ = ["Cells", "Stack", "factorize_text"]


def factorize_text(values: np.ndarray) -> tuple[np.ndarray, pd.Series]:
    """Codes and distinct values of cells (strings or missing; anything else keeps a
    code of its own: 1, 1.0 and True are equal as Python objects)."""
    codes, uniques = pd.factorize(values, use_na_sentinel=False)
    if pd.api.types.infer_dtype(uniques, skipna=True) not in ("string", "empty"):
        codes, uniques = np.arange(len(values)), values
    return np.asarray(codes, dtype=np.intp), pd.Series(uniques, dtype=object)


class Cells:
    """A table's cells as one object array, for stacking columns (made on first use).

    Parameters
    ----------
    frame : pandas.DataFrame
    """

    def __init__(self, frame: pd.DataFrame) -> None:
        self.frame = frame
        self.index = frame.index
        self._array: np.ndarray | None = None
        self._pos: dict[object, int] | None = None

    def block(self, headers: Sequence[str]) -> np.ndarray:
        """The cells of some columns, ``(rows, columns)``."""
        if self._array is None:
            self._array = self.frame.to_numpy(dtype=object)
            columns = self.frame.columns
            self._pos = {h: j for j, h in enumerate(columns)} if columns.is_unique else None
        if self._pos is None:
            return self.frame[list(headers)].to_numpy(dtype=object)
        return self._array[:, [self._pos[h] for h in headers]]


class Stack:
    """The cells of some columns of a table, factorised together.

    Parameters
    ----------
    frame : pandas.DataFrame or Cells
        The table (cells as read: strings, or missing).
    headers : sequence of str
        The columns to stack (distinct).

    Attributes
    ----------
    values : pandas.Series
        The distinct cell values (object dtype; missing cells are one of them).
    codes : numpy.ndarray
        ``(rows, columns)`` position of each cell's value in :attr:`values`.
    """

    def __init__(self, frame: pd.DataFrame | Cells, headers: Sequence[str]) -> None:
        cells = frame if isinstance(frame, Cells) else Cells(frame)
        self.headers = list(headers)
        self.index = cells.index
        self._pos = {h: j for j, h in enumerate(self.headers)}
        self._taken: dict[int, tuple[ExtensionArray, ExtensionArray]] = {}
        n, k = len(cells.index), len(self.headers)
        if k == 0 or n == 0:
            self.codes = np.zeros((n, k), dtype=np.intp)
            self.values = pd.Series([], dtype=object)
            return
        codes, self.values = factorize_text(cells.block(self.headers).ravel(order="F"))
        self.codes = codes.reshape((n, k), order="F")

    def __contains__(self, header: object) -> bool:
        return header in self._pos

    def codes_of(self, header: str) -> np.ndarray:
        """Codes of one column's cells."""
        return self.codes[:, self._pos[header]]

    def series(self, per_value: pd.Series | ExtensionArray, header: str) -> pd.Series:
        """One column of results, from the results per distinct value.

        Text results (``string`` arrays, which are immutable) are taken for every
        column at once, on first use, and each column is a slice of them: one
        ``take`` instead of one per column.
        """
        arr = per_value.array if isinstance(per_value, pd.Series) else per_value
        if not isinstance(arr, ArrowStringArray):
            return pd.Series(arr.take(self.codes_of(header)), index=self.index, copy=False)
        kept = self._taken.get(id(arr))
        if kept is None or kept[0] is not arr:
            kept = self._taken[id(arr)] = (arr, arr.take(self.codes.ravel(order="F")))
        n, j = len(self.index), self._pos[header]
        return pd.Series(kept[1][j * n : (j + 1) * n], index=self.index, copy=False)

    def array(self, per_value: np.ndarray, header: str) -> np.ndarray:
        """One column of results (numpy), from the results per distinct value."""
        return per_value[self.codes_of(header)]
