"""Integer codes of columns (toolkit.survey._codes) equal pandas.factorize(sort=True).

The fast paths (categorical codes, integer offsets, short pyarrow strings read as 64-bit
integers, pyarrow dictionary encoding, grouping Python objects by identity) must give the
codes and labels -- values, order, dtype and missing values -- of
``pandas.factorize(series, sort=True)`` restricted to observed values.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pyarrow as pa
import pytest

from toolkit.survey import _codes
from toolkit.survey._codes import (
    _arrow_chunks,
    _identity_groups,
    _packed_groups,
    codes_of,
    groups_of,
)

N = 5000
RNG = np.random.default_rng(7)
WORDS = np.array(["b", "a", "zeta", "Éa", "", "a b", "10", "9"], dtype=object)
SHARED = WORDS[RNG.integers(0, len(WORDS), N)]  # one object per distinct value
MISSING = SHARED.copy()
MISSING[RNG.random(N) < 0.1] = None
MISSING[RNG.random(N) < 0.05] = np.nan


def _fresh(values: np.ndarray) -> np.ndarray:
    """The same values, one new string object per row."""
    return np.array([v if not isinstance(v, str) else (v + ".")[:-1] for v in values], object)


def _some_fresh(values: np.ndarray) -> np.ndarray:
    """Equal values held by different objects in some rows."""
    out = values.copy()
    out[::7] = _fresh(values[::7])
    return out


def _mixed() -> np.ndarray:
    out = SHARED.copy()
    out[RNG.random(N) < 0.2] = 7
    out[RNG.random(N) < 0.1] = 7.0
    return out


def _chunked(values: np.ndarray = MISSING, dtype: object = "string[pyarrow]") -> pd.Series:
    parts = [pd.Series(values[:500]), pd.Series(values[500:2000]), pd.Series(values[2000:])]
    return pd.concat([p.astype(dtype) for p in parts], ignore_index=True)


# strings of at most 8 bytes (UTF-8) without missing values: read as 64-bit integers
SHORT = np.array(["b", "a", "zeta", "Éa", "", "a b", "10", "abcdefgh", "éééé"], dtype=object)
PACKED = SHORT[RNG.integers(0, len(SHORT), N)]
WIDE = np.array(["abcdefg", "abcdefgh", "Éabcde", "abcdef", "abcdefg."], dtype=object)
SHARED_IX = RNG.integers(0, 4, N)
ENDS_EMPTY = np.concatenate([PACKED[:100], ["é", "zz", "abcdefgh"], [""] * 50])


def _str(values: np.ndarray, dtype: object = str) -> pd.Series:
    return pd.Series(values, dtype=object).astype(dtype)


CASES = {
    "object": lambda: pd.Series(SHARED, dtype=object),
    "object with missing": lambda: pd.Series(MISSING, dtype=object),
    "object, an object per row": lambda: pd.Series(_fresh(MISSING), dtype=object),
    "object, equal values in other objects": lambda: pd.Series(_some_fresh(MISSING)),
    "object, mixed types": lambda: pd.Series(_mixed(), dtype=object),
    "object, all missing": lambda: pd.Series([None, np.nan] * 50, dtype=object),
    "object, one row": lambda: pd.Series(["x"], dtype=object),
    "object, empty": lambda: pd.Series([], dtype=object),
    "string[python]": lambda: pd.Series(MISSING, dtype=object).astype("string[python]"),
    "string[pyarrow]": lambda: pd.Series(MISSING, dtype=object).astype("string[pyarrow]"),
    "string[pyarrow], chunked": _chunked,
    "str, short strings": lambda: _str(PACKED),
    "str, short strings, chunked": lambda: _chunked(PACKED, str),
    "str, short strings, sliced": lambda: _str(PACKED).iloc[7:-5],
    "str, 6 to 8 bytes": lambda: _str(WIDE[RNG.integers(0, len(WIDE), N)]),
    "str, codes of one length": lambda: _str(np.array(["01", "10", "é", "99"], object)[SHARED_IX]),
    "str, empty strings at the end": lambda: _str(ENDS_EMPTY),
    "str, one row": lambda: _str(np.array(["x"], dtype=object)),
    "str, all empty": lambda: _str(np.array(["", ""], dtype=object)),
    "str, a NUL byte": lambda: _str(np.append(PACKED, np.array(["a\x00", "a"], dtype=object))),
    "str, a string of 9 bytes": lambda: _str(np.append(PACKED, np.array(["abcdefghi"], object))),
    "arrow string, short strings": lambda: _str(PACKED, pd.ArrowDtype(pa.string())),
    "string[pyarrow], all missing": lambda: pd.Series([None] * 9, dtype="string[pyarrow]"),
    "arrow string": lambda: pd.Series(MISSING).astype(pd.ArrowDtype(pa.string())),
    "arrow large_string": lambda: pd.Series(MISSING).astype(pd.ArrowDtype(pa.large_string())),
    "integers, small range": lambda: pd.Series(RNG.integers(-3, 200, N)),
    "integers, large range": lambda: pd.Series(RNG.integers(0, 10**9, N)),
    "booleans": lambda: pd.Series(RNG.random(N) < 0.3),
    "floats with missing": lambda: pd.Series(np.where(RNG.random(N) < 0.1, np.nan, 1.5)),
    "nullable integers": lambda: pd.Series([1, None, 3, 1] * 10, dtype="Int64"),
}


@pytest.mark.parametrize("case", list(CASES))
def test_codes_equal_pandas_factorize(case):
    series = CASES[case]()
    codes, labels = codes_of(series)
    expected_codes, uniques = pd.factorize(series, sort=True)
    expected = pd.Index(uniques)
    np.testing.assert_array_equal(codes, expected_codes)
    assert codes.dtype == np.int64
    pd.testing.assert_index_equal(labels, expected, exact=True)


@pytest.mark.parametrize("extra", [1, 100])  # few or many unused categories
def test_categorical_codes_keep_category_order_of_observed(extra):
    cats = [f"u{i}" for i in range(extra)] + ["zeta", "b", "a"]
    kept = np.where(np.isin(SHARED, ["zeta", "a"]), SHARED, None)  # 'b' and the u* unused
    series = pd.Series(pd.Categorical(kept, categories=cats))
    codes, labels = codes_of(series)
    assert list(labels) == ["zeta", "a"]
    np.testing.assert_array_equal(
        codes, np.select([series == "zeta", series == "a"], [0, 1], default=-1)
    )


def test_object_columns_are_grouped_by_identity_when_answers_share_objects():
    shared = pd.Series(SHARED, dtype=object)
    by_identity = _identity_groups(shared)
    assert by_identity is not None
    assert by_identity.size == len(set(SHARED))
    groups = groups_of(shared)
    labels = groups.labels[groups.label_positions(groups.codes)]
    np.testing.assert_array_equal(labels.to_numpy(), SHARED)
    # one object per row: grouping by identity would not pay; pandas hashes the values
    assert _identity_groups(pd.Series(_fresh(SHARED), dtype=object)) is None


@pytest.mark.parametrize(
    ("case", "packed"),
    [
        ("str, short strings", True),
        ("str, short strings, chunked", True),
        ("str, short strings, sliced", True),
        ("str, 6 to 8 bytes", True),
        ("str, codes of one length", True),
        ("str, empty strings at the end", True),
        ("arrow string, short strings", True),
        ("str, a NUL byte", False),  # "a" + NUL and "a" would be the same integer
        ("str, a string of 9 bytes", False),
        ("string[pyarrow]", False),  # missing values
    ],
)
def test_short_arrow_strings_are_grouped_as_integers(case, packed):
    series = CASES[case]()
    chunks = _arrow_chunks(series)
    assert chunks is not None
    if case.endswith("chunked"):
        assert len(chunks) == 3
    groups = _packed_groups(series, chunks)
    assert (groups is not None) == packed
    if groups is not None:  # every row's label is its own value
        labels = groups.labels[groups.label_positions(groups.codes)]
        np.testing.assert_array_equal(labels.to_numpy(dtype=object), series.to_numpy(dtype=object))


@pytest.mark.parametrize("short", [True, False])
def test_columns_read_by_pandas_group_like_factorize(tmp_path, short):
    # read_csv reads about 2**20 cells at a time: pandas 3's str columns come in chunks
    rows = 70_000
    answers = np.array(["yes", "no", "dk", "Éa", "refused to answer"], dtype=object)
    values = answers[RNG.integers(0, len(answers) - short, rows)]  # short: 8 bytes at most
    if not short:
        values[RNG.random(rows) < 0.01] = None
    path = tmp_path / "export.csv"  # 32 columns, all holding ``values``
    lines = [",".join([v if isinstance(v, str) else ""] * 32) for v in values]
    path.write_text("\n".join([",".join(f"q{j}" for j in range(32)), *lines, ""]))
    for dtype in (object, str):
        series = pd.read_csv(path, dtype=dtype, usecols=["q0", "q31"])["q0"]
        if dtype is str:
            chunks = _arrow_chunks(series)
            assert chunks is not None and len(chunks) > 1
            assert (_packed_groups(series, chunks) is not None) == short
        codes, labels = codes_of(series)
        expected_codes, uniques = pd.factorize(series, sort=True)
        np.testing.assert_array_equal(codes, expected_codes)
        pd.testing.assert_index_equal(labels, pd.Index(uniques), exact=True)


LONG = np.array(["agriculture", "fishing and aquaculture", "Été indien", "trade"], dtype=object)


def _long_strings(rows: int, seed: int) -> np.ndarray:
    """Long labels with missing values; 'trade' only in the last quarter of the rows."""
    rng = np.random.default_rng(seed)
    values = LONG[rng.integers(0, 3, rows)]
    values[3 * rows // 4 :: 5] = "trade"
    values[rng.random(rows) < 0.05] = None
    values[rows // 4 : rows // 4 + 100] = None  # some pieces hold missing values only
    return values


@pytest.mark.parametrize("dtype", ["string[pyarrow]", str, pd.ArrowDtype(pa.large_string())])
@pytest.mark.parametrize("chunked", [False, True])
def test_long_strings_encoded_in_pieces_equal_one_piece(monkeypatch, dtype, chunked):
    values = _long_strings(2003, seed=11)
    series = _chunked(values, dtype) if chunked else _str(values, dtype)
    one = codes_of(series)
    assert len(_codes._pieces(pa.chunked_array(_arrow_chunks(series)))) == 1
    monkeypatch.setattr(_codes, "_PIECE", 40)  # pieces of 40 rows, some without strings
    monkeypatch.setattr(_codes, "_cpus", lambda: 4)
    assert len(_codes._pieces(pa.chunked_array(_arrow_chunks(series)))) == 51
    pieces = codes_of(series)
    expected_codes, uniques = pd.factorize(series, sort=True)
    for codes, labels in (one, pieces):
        np.testing.assert_array_equal(codes, expected_codes)
        pd.testing.assert_index_equal(labels, pd.Index(uniques), exact=True)


def test_shared_map_keeps_the_order_and_raises_the_errors_of_its_threads(monkeypatch):
    items = list(range(200))
    assert _codes._map_shared(str, items, 3) == [str(i) for i in items]
    with pytest.raises(ZeroDivisionError):
        _codes._map_shared(lambda i: 1 / (i - 150), items, 3)

    def refuse(*args: object, **kwargs: object) -> None:
        raise RuntimeError("cannot schedule new futures after interpreter shutdown")

    monkeypatch.setattr(_codes.ThreadPoolExecutor, "submit", refuse)  # no threads
    assert _codes._map_shared(str, items, 3) == [str(i) for i in items]
