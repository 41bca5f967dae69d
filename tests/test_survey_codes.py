"""Integer codes of columns (toolkit.survey._codes) equal pandas.factorize(sort=True).

The fast paths (categorical codes, integer offsets, pyarrow dictionary encoding, grouping
Python objects by identity) must give the codes and labels -- values, order, dtype and
missing values -- of ``pandas.factorize(series, sort=True)`` restricted to observed values.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pyarrow as pa
import pytest

from toolkit.survey._codes import _identity_groups, codes_of, groups_of

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


def _chunked() -> pd.Series:
    parts = [pd.Series(MISSING[:500]), pd.Series(MISSING[500:])]
    return pd.concat([p.astype("string[pyarrow]") for p in parts], ignore_index=True)


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
