"""Integer codes of the values of a column: the first step of every grouping.

:func:`codes_of` is ``pandas.factorize(series, sort=True)`` restricted to observed
values.  It is built on :func:`groups_of`, which groups the rows by value as cheaply as
the column's dtype allows and labels the groups afterwards:

* categorical, small-range integer and boolean columns use their codes or values
  directly (no hashing);
* strings held by pyarrow (pandas' default ``str`` dtype, ``string[pyarrow]``) are
  dictionary-encoded by pyarrow, without Python objects;
* Python objects (``object`` columns, ``string[python]``) are grouped by the identity of
  the objects first: form data read by pandas (``read_csv``, ``read_excel``) holds one
  string object per distinct answer, so hashing the objects' addresses (integers) finds
  the few distinct answers far faster than hashing the strings.  Columns with a new
  object in every row (Python's ``csv`` module builds them) are hashed by value.

The string and object paths then factorise one value of every group with pandas itself,
so the labels (their order, dtype and missing values) are exactly those of
``pandas.factorize``.  Row codes are ``int64`` (numpy's ``intp``): numpy indexes and
counts by them several times faster than by narrower integers.
"""

from __future__ import annotations

import ctypes
from dataclasses import dataclass

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

__all__ = ["Groups", "codes_of", "groups_of"]

_SMALL_RANGE = 1 << 16  # integer columns spanning fewer values are coded by offset
_COMPACT = 64  # coded columns with more possible values drop the unobserved ones
_SAMPLE = 4096  # rows looked at to decide whether grouping by identity pays
_HEAD = 1 << 16  # rows searched first for the first row of every group


@dataclass(frozen=True)
class Groups:
    """The rows of a column grouped by value.

    Attributes
    ----------
    codes : ndarray of int64, shape (n,)
        Group of every row, ``-1`` where the value is missing.
    labels : Index
        The values in sorted order (category order for categoricals).
    levels : ndarray of int64, shape (k,), or None
        Position in ``labels`` of every group (distinct groups have distinct labels);
        None when group ``i`` is ``labels[i]``.
    observed : bool
        Whether every group holds a row.  Categorical and integer columns may list
        values no row holds; their groups are then empty.
    """

    codes: np.ndarray
    labels: pd.Index
    levels: np.ndarray | None = None
    observed: bool = True

    @property
    def size(self) -> int:
        """Number of groups."""
        return len(self.labels) if self.levels is None else len(self.levels)

    def label_positions(self, groups: np.ndarray) -> np.ndarray:
        """Position in :attr:`labels` of the value of each group in ``groups``."""
        return groups if self.levels is None else self.levels[groups]


def _coded(codes: np.ndarray, labels: pd.Index) -> Groups:
    """Groups of a column coded as positions in ``labels`` (-1 missing)."""
    codes = codes.astype(np.int64, copy=False)
    if len(labels) <= _COMPACT:
        return Groups(codes, labels, observed=False)
    present = np.bincount(codes + 1, minlength=len(labels) + 1)[1:] > 0
    if present.all():
        return Groups(codes, labels)
    lut = np.append(np.cumsum(present) - 1, -1)  # code -1 picks the last: missing
    return Groups(lut[codes], labels[present])


def _arrow_strings(series: pd.Series) -> pa.Array | None:
    """The pyarrow strings behind ``series`` as one array, or None if it holds others."""
    dtype = series.dtype
    arrow_backed = isinstance(dtype, pd.StringDtype) and dtype.storage != "python"
    if isinstance(dtype, pd.ArrowDtype):
        arrow_backed = pa.types.is_string(dtype.pyarrow_dtype) or pa.types.is_large_string(
            dtype.pyarrow_dtype
        )
    if not arrow_backed:
        return None
    strings = series.array.__arrow_array__()  # pandas' arrow protocol: no copy
    if isinstance(strings, pa.ChunkedArray):
        return strings.combine_chunks() if strings.num_chunks != 1 else strings.chunk(0)
    return strings


def _by_value(series: pd.Series, codes: np.ndarray, values: pd.Series) -> Groups:
    """Groups from ``codes`` (-1 missing) with ``values`` the value of every code.

    ``values`` may repeat a value or hold missing values; such groups are merged.  The
    labels are those of ``pandas.factorize(values, sort=True)``, hence of ``series``.
    """
    levels, uniques = pd.factorize(values, sort=True)
    levels = levels.astype(np.int64)
    labels = pd.Index(uniques)
    if len(labels) < len(levels):  # equal values in different groups, or missing ones
        return Groups(np.append(levels, -1)[codes], labels)
    return Groups(codes, labels, levels)


def _arrow_groups(series: pd.Series, strings: pa.Array) -> Groups:
    encoded = pc.dictionary_encode(strings)
    indices = encoded.indices
    if indices.null_count:
        indices = pc.fill_null(indices, -1)
    codes = indices.to_numpy(zero_copy_only=False).astype(np.int64)
    values = pd.Series(encoded.dictionary.to_pylist(), dtype=series.dtype)
    return _by_value(series, codes, values)


def _first_rows(codes: np.ndarray, k: int) -> np.ndarray:
    """First row of every code, for codes numbered in order of first appearance."""
    head = codes[:_HEAD]  # the first row of every group is nearly always near the top
    reached = np.maximum.accumulate(head if k and head.max() == k - 1 else codes)
    first = np.searchsorted(reached, np.arange(k, dtype=reached.dtype))
    if not np.array_equal(codes[first], np.arange(k)):  # not in order of appearance
        first = np.unique(codes, return_index=True)[1]
    return first


def _identity_groups(series: pd.Series) -> Groups | None:
    """Groups of an object column by object identity, or None if nearly all differ."""
    objects = np.ascontiguousarray(series.to_numpy(dtype=object))
    n = len(objects)
    # the addresses of the objects, read from the array's buffer of object pointers
    slots = (ctypes.c_ssize_t * n).from_address(objects.ctypes.data)
    addresses = np.frombuffer(memoryview(slots), dtype=np.intp)
    sample = addresses[:: max(1, n // _SAMPLE)]
    if 4 * len(pd.unique(sample)) > len(sample):
        return None  # one object per row: hashing the addresses would only add work
    codes, distinct = pd.factorize(addresses)  # numbered in order of appearance
    codes = codes.astype(np.int64)
    return _by_value(series, codes, series.iloc[_first_rows(codes, len(distinct))])


def groups_of(series: pd.Series) -> Groups:
    """Group the rows of a column by value, by the fastest means its dtype allows.

    Parameters
    ----------
    series : Series

    Returns
    -------
    Groups
        Row codes, the label of every group and the labels, such that sorting the
        groups by label gives ``pandas.factorize(series, sort=True)`` (see
        :func:`codes_of`).
    """
    dtype = series.dtype
    if isinstance(dtype, pd.CategoricalDtype):
        return _coded(series.cat.codes.to_numpy(), pd.Index(series.cat.categories))
    if isinstance(dtype, np.dtype) and dtype.kind in "iu" and len(series):
        values = series.to_numpy()
        lo, hi = int(values.min()), int(values.max())
        if hi - lo < _SMALL_RANGE:
            offset = values.astype(np.int64) - lo
            return _coded(offset, pd.Index(np.arange(lo, hi + 1, dtype=values.dtype)))
    if isinstance(dtype, np.dtype) and dtype.kind == "b":
        return _coded(series.to_numpy(), pd.Index([False, True]))
    if len(series):
        strings = _arrow_strings(series)
        if strings is not None:
            return _arrow_groups(series, strings)
        python_strings = isinstance(dtype, pd.StringDtype) and dtype.storage == "python"
        if python_strings or (isinstance(dtype, np.dtype) and dtype.kind == "O"):
            found = _identity_groups(series)
            if found is not None:
                return found
    codes, uniques = pd.factorize(series, sort=True)
    return Groups(codes.astype(np.int64, copy=False), pd.Index(uniques))


def codes_of(series: pd.Series) -> tuple[np.ndarray, pd.Index]:
    """Integer codes of the observed values of a column, in sorted (or category) order.

    Equivalent to ``pandas.factorize(series, sort=True)`` restricted to observed values,
    with fast paths for categorical, small-range integer, boolean, string and object
    columns (see :func:`groups_of`).

    Parameters
    ----------
    series : Series

    Returns
    -------
    codes : ndarray of int64
        Code of each row, -1 where missing.
    labels : Index
        The observed values in code order.
    """
    groups = groups_of(series)
    codes, labels = groups.codes, groups.labels
    if not groups.observed:  # drop the values no row holds
        present = np.bincount(codes + 1, minlength=len(labels) + 1)[1:] > 0
        if present.all():
            return codes, labels
        lut = np.append(np.cumsum(present) - 1, -1)  # code -1 picks the last: missing
        return lut[codes], labels[present]
    if groups.levels is None:
        return codes, labels
    return np.append(groups.levels, -1)[codes], labels
