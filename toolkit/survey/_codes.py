"""Integer codes of the values of a column: the first step of every grouping.

:func:`codes_of` is ``pandas.factorize(series, sort=True)`` restricted to observed
values.  It is built on :func:`groups_of`, which groups the rows by value as cheaply as
the column's dtype allows and labels the groups afterwards:

* categorical, small-range integer and boolean columns use their codes or values
  directly (no hashing);
* strings held by pyarrow (pandas 3's default ``str`` dtype, which ``read_csv`` gives,
  and ``string[pyarrow]``) are read straight from pyarrow's buffers: when no string
  is longer than 8 bytes (codes such as ``"f"``, ``"yes"``, ``"zone_3"``) the bytes of
  every string form one 64-bit integer and pandas hashes those integers, else pyarrow
  dictionary-encodes the strings in place (chunk by chunk, no copy), long columns in
  pieces on as many threads as pyarrow's thread pool holds;
* Python objects (``object`` columns, ``string[python]``) are grouped by the identity of
  the objects first: form data read by pandas (``read_csv``, ``read_excel``) holds one
  string object per distinct answer (per chunk read), so hashing the objects' addresses
  (integers) finds the few distinct answers far faster than hashing the strings.
  Columns with a new object in every row (Python's ``csv`` module and pyarrow's CSV
  reader build them) are hashed by value.

The labels of the groups are then sorted by pandas itself, so that they (their order,
dtype and missing values) are exactly those of ``pandas.factorize``.  Row codes are
``int64`` (numpy's ``intp``): numpy indexes and counts by them several times faster than
by narrower integers.
"""

from __future__ import annotations

import ctypes
import itertools
import threading
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from typing import Any, TypeVar

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

__all__ = ["Groups", "codes_of", "groups_of"]

_T = TypeVar("_T")
_R = TypeVar("_R")

_SMALL_RANGE = 1 << 16  # integer columns spanning fewer values are coded by offset
_COMPACT = 64  # coded columns with more possible values drop the unobserved ones
_SAMPLE = 4096  # rows looked at to decide whether grouping by identity pays
_WORD = 8  # strings of at most this many bytes are grouped as 64-bit integers
_BYTE_MASK = np.array([(1 << (8 * k)) - 1 for k in range(_WORD + 1)], dtype=np.uint64)
_TAKE_SPAN = 2  # strings of at most this many bytes on average are gathered by take
_PIECE = 1 << 16  # rows: longer string columns are encoded in pieces, on several threads


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


def _arrow_chunks(series: pd.Series) -> list[pa.Array] | None:
    """The chunks of pyarrow strings behind ``series``, or None if it holds others."""
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
        return [chunk for chunk in strings.chunks if len(chunk)]
    return [strings]


def _by_value(series: pd.Series, codes: np.ndarray, values: pd.Series) -> Groups:
    """Groups from ``codes`` (-1 missing) with ``values`` the value of every code.

    ``values`` may repeat a value or hold missing values; such groups are merged, their
    rows recoded in place in ``codes``.  The labels are those of
    ``pandas.factorize(values, sort=True)``, hence of ``series``.
    """
    levels, uniques = pd.factorize(values, sort=True)
    levels = levels.astype(np.int64)
    labels = pd.Index(uniques)
    if len(labels) < len(levels):  # equal values in different groups, or missing ones
        # numpy's take reads the i-th code before it writes the i-th result
        return Groups(np.append(levels, -1).take(codes, out=codes, mode="wrap"), labels)
    return Groups(codes, labels, levels)


def _distinct_groups(series: pd.Series, codes: np.ndarray, values: list[str]) -> Groups:
    """Groups from ``codes`` (-1 missing) with ``values`` the distinct strings of the codes.

    The labels are those of ``pandas.factorize(series, sort=True)``: the strings sorted
    (by code point, as pyarrow sorts them) in the column's dtype.
    """
    levels, uniques = pd.factorize(np.array(values, dtype=object), sort=True)
    labels = pd.Index(uniques, dtype=series.dtype)
    return Groups(codes, labels, levels.astype(np.int64, copy=False))


def _pack(strings: pa.Array, key: np.ndarray) -> bool:
    """Write every string of at most 8 bytes into ``key`` as a 64-bit integer.

    The integer holds the string's bytes, zero-padded.  Returns False, leaving ``key``
    unfinished, for missing values, longer strings and NUL bytes (``"a"`` and
    ``"a" + chr(0)`` would give the same integer).
    """
    n = len(strings)
    _, offset_buffer, data_buffer = strings.buffers()
    if strings.null_count or data_buffer is None or data_buffer.size < _WORD:
        return False
    width = np.dtype(np.int64 if pa.types.is_large_string(strings.type) else np.int32)
    offsets = np.frombuffer(
        offset_buffer, dtype=width, count=n + 1, offset=strings.offset * width.itemsize
    )
    first, end = int(offsets[0]), int(offsets[-1])
    if end - first > _WORD * n:  # longer on average
        return False
    lengths = np.diff(offsets)
    longest = int(lengths.max())
    data = np.frombuffer(data_buffer, dtype=np.uint8)
    if longest > _WORD or data[first:end].min(initial=1) == 0:
        return False
    # the 8 bytes from every position of the buffer on, as opaque (unaligned) items
    last = len(data) - _WORD
    windows = np.ndarray((last + 1,), dtype=f"V{_WORD}", buffer=data, strides=(1,))
    starts = offsets[:-1]
    # numpy's take copies the overlapping windows first (8 bytes per byte of the
    # buffer), indexing reads them in place: take pays for short strings only
    if end - first <= _TAKE_SPAN * n:
        windows.take(starts, out=key.view(windows.dtype), mode="clip")
    else:
        key.view(windows.dtype)[:] = windows[np.minimum(starts, last)]
    tail = int(np.searchsorted(starts, last, side="right"))  # these rows read too early
    for i in (tail + np.flatnonzero(lengths[tail:])).tolist():  # at most 7 rows
        key[i] = int.from_bytes(data[starts[i] : starts[i] + lengths[i]].tobytes(), "little")
    # keep the string's own bytes
    if end - first == longest * n:  # all of the same length (codes such as "01", "a7")
        key &= _BYTE_MASK[longest]
    else:  # the masks overwrite the lengths when they are int64
        mask = lengths.view(np.uint64) if lengths.dtype == np.int64 else np.empty(n, np.uint64)
        key &= _BYTE_MASK.take(lengths, out=mask, mode="clip")
    return True


def _packed_groups(series: pd.Series, chunks: list[pa.Array]) -> Groups | None:
    """Groups of strings of at most 8 bytes, each read as one 64-bit integer (or None).

    Hashing the integers is faster than hashing the strings.
    """
    key = np.empty(sum(len(chunk) for chunk in chunks), dtype=np.uint64)
    start = 0
    for chunk in chunks:
        if not _pack(chunk, key[start : start + len(chunk)]):
            return None
        start += len(chunk)
    codes, distinct = pd.factorize(key.view(np.int64))
    words = distinct.view(np.uint64).tolist()
    values = [v.to_bytes(_WORD, "little").rstrip(b"\0").decode() for v in words]
    return _distinct_groups(series, codes.astype(np.int64, copy=False), values)


def _pooled_int64(n: int) -> np.ndarray:
    """An uninitialised writable int64 array of ``n`` items in pyarrow's memory pool.

    The pool keeps the pages it frees for the next arrays, where fresh pages from the
    system allocator cost a page fault each: in repeated raking of a million rows, the
    faults took a tenth of the time.
    """
    return np.frombuffer(pa.allocate_buffer(8 * n), dtype=np.int64)


def _cpus() -> int:
    """Number of threads to encode with: the size of pyarrow's CPU thread pool."""
    return pa.cpu_count()


def _pieces(strings: pa.ChunkedArray) -> list[pa.ChunkedArray]:
    """``strings`` cut into pieces of ``_PIECE`` rows if several threads can encode them."""
    n = len(strings)
    if _cpus() < 2 or n < 2 * _PIECE:
        return [strings]
    return [strings.slice(start, _PIECE) for start in range(0, n, _PIECE)]


def _map_shared(func: Callable[[_T], _R], items: list[_T], helpers: int) -> list[_R]:
    """``[func(item) for item in items]``, on this thread and up to ``helpers`` others.

    The threads take the items one at a time, so that a thread the system does not
    schedule (on a busy machine) delays the result by one item at most: this thread
    waits for the items other threads took, not for the threads to start.
    """
    results: list[Any] = [None] * len(items)
    errors: list[BaseException] = []
    progress = threading.Condition()
    taken, done = itertools.count(), [0]

    def work() -> None:
        for i in taken:  # next() on itertools.count is atomic
            if i >= len(items):
                return
            try:
                results[i] = func(items[i])
            except BaseException as error:  # raised again by the calling thread
                errors.append(error)
            with progress:
                done[0] += 1
                progress.notify()

    pool = ThreadPoolExecutor(helpers)
    try:
        for _ in range(helpers):
            pool.submit(work)
    except RuntimeError:  # no new threads (the interpreter is exiting): work alone
        pass
    finally:
        pool.shutdown(wait=False)
    work()
    with progress:
        progress.wait_for(lambda: done[0] == len(items))
    if errors:
        raise errors[0]
    return results


def _encode(strings: pa.ChunkedArray) -> tuple[list[pa.Array], pa.Array]:
    """Dictionary-encode ``strings``: the indices of every chunk and their dictionary."""
    encoded = pc.dictionary_encode(strings)
    dictionary = encoded.chunk(0).dictionary
    if not all(chunk.dictionary.equals(dictionary) for chunk in encoded.chunks[1:]):
        encoded = encoded.unify_dictionaries()
        dictionary = encoded.chunk(0).dictionary
    return [chunk.indices for chunk in encoded.chunks], dictionary


def _arrow_groups(series: pd.Series, chunks: list[pa.Array]) -> Groups:
    """Groups of strings held by pyarrow, dictionary-encoded by pyarrow.

    Long columns are cut into pieces encoded on several threads (pyarrow releases the
    GIL); the pieces' dictionaries (a few strings each) are then merged into one.
    """
    packed = _packed_groups(series, chunks)
    if packed is not None:
        return packed
    pieces = _pieces(pa.chunked_array(chunks))
    if len(pieces) == 1:
        encoded = [_encode(pieces[0])]
    else:
        encoded = _map_shared(_encode, pieces, min(_cpus(), len(pieces)) - 1)
    dictionaries = [dictionary for _, dictionary in encoded]
    if len(dictionaries) == 1:
        distinct = dictionaries[0]
        ids = np.arange(len(distinct), dtype=np.int64)
    else:  # the pieces' dictionaries share strings: encode them once more
        merged = pc.dictionary_encode(pa.concat_arrays(dictionaries))
        distinct = merged.dictionary
        ids = merged.indices.to_numpy().astype(np.int64)
    codes = _pooled_int64(len(series))
    start, first_id = 0, 0
    for indices_of_chunks, dictionary in encoded:
        size = len(dictionary)
        # every index is the position of its string in ``distinct``; index ``size``
        # (missing) the last entry, -1
        lut = np.append(ids[first_id : first_id + size], -1)
        same = bool((lut[:-1] == np.arange(size)).all())
        first_id += size
        for indices in indices_of_chunks:
            stop = start + len(indices)
            out = codes[start:stop]
            filled = pc.fill_null(indices, size) if indices.null_count else indices
            out[:] = filled.to_numpy(zero_copy_only=False)
            if indices.null_count or not same:
                # numpy's take reads the i-th index before it writes the i-th result
                lut.take(out, out=out, mode="clip")
            start = stop
    return _distinct_groups(series, codes, distinct.to_pylist())


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
    codes, distinct = pd.factorize(addresses)
    # a row holding each distinct object: the last write to a slot wins, so scattering
    # the row numbers backwards leaves every group's first row
    first = np.empty(len(distinct), dtype=np.intp)
    first[codes[::-1]] = np.arange(n - 1, -1, -1, dtype=np.intp)
    values = pd.Series(objects[first], dtype=series.dtype)
    return _by_value(series, codes.astype(np.int64, copy=False), values)


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
        chunks = _arrow_chunks(series)
        if chunks:
            return _arrow_groups(series, chunks)
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
