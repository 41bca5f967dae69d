"""Post-stratification, trimming, population tables and weight diagnostics.

The weighting functions work on a weight *matrix* ``(n, c)``: column 0 holds the
full-sample weights and, for replicate designs, the other columns the replicate weights,
so that every adjustment is re-applied inside every replicate in one vectorised pass.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any, cast

import numpy as np
import pandas as pd

from ..errors import WeightingError
from ._columns import check_columns, codes_of, compress_codes
from ._variance import group_sum

__all__ = [
    "effective_sample_size",
    "kish_deff",
    "margin_table",
    "poststratify_weights",
    "require_values",
    "row_codes",
    "trim_weights",
]


def _fmt(values: Sequence[Any], k: int = 6) -> str:
    vals = [repr(v) for v in list(values)[:k]]
    return ", ".join(vals) + (f" ... ({len(values)} in all)" if len(values) > k else "")


def require_values(data: pd.DataFrame, col: str, codes: np.ndarray, role: str) -> None:
    """Raise a :class:`WeightingError` if ``codes`` (-1 = missing) of ``col`` has gaps."""
    if len(codes) and codes.min() < 0:
        bad = codes < 0
        raise WeightingError(
            f"the {role} column {col!r} has {int(bad.sum())} missing value(s) "
            f"(rows with index {_fmt(list(data.index[bad]))}).",
            column=col,
            hint=f"Every unit needs a value of {col!r} to be weighted; fill in the missing "
            "values (e.g. from the sampling frame) or add an explicit 'unknown' level.",
        )


def row_codes(data: pd.DataFrame, cols: Sequence[str], role: str) -> tuple[np.ndarray, pd.Index]:
    """Cell code of every row for the crossing of ``cols`` (observed cells only).

    Returns
    -------
    codes : ndarray of int64, shape (n,)
    labels : Index or MultiIndex
        Label of each cell, in code order.
    """
    check_columns(data, cols, role)
    codes_list, uniques_list = [], []
    for col in cols:
        codes, uniques = codes_of(data[col])
        require_values(data, col, codes, role)
        codes_list.append(codes)
        uniques_list.append(pd.Index(uniques, name=col))
    if len(cols) == 1:
        return codes_list[0], uniques_list[0]
    key = np.zeros(len(data), dtype=np.int64)
    for c, u in zip(codes_list, uniques_list, strict=True):
        key = key * len(u) + c
    present, codes = compress_codes(key)
    level_codes = []
    rest = present.copy()
    for u in reversed(uniques_list):
        level_codes.append(rest % len(u))
        rest //= len(u)
    level_codes.reverse()
    # pandas takes ndarray codes; pandas-stubs lists only sequences of int
    labels = pd.MultiIndex(
        levels=uniques_list, codes=cast("list[Sequence[int]]", level_codes), names=list(cols)
    )
    return codes, labels


def margin_table(population: Any, cols: Sequence[str], role: str) -> pd.Series:
    """Population counts as a float Series indexed by cell (MultiIndex for several columns).

    Parameters
    ----------
    population : dict, Series or DataFrame
        ``{level: count}`` (tuple keys for several columns), a Series indexed by the
        level(s), or a DataFrame with the ``cols`` and one numeric count column.
    cols : sequence of str
    role : str
        Used in messages (e.g. "margin 'zone'").

    Returns
    -------
    Series
    """
    name = role
    raw: list[Any] | np.ndarray
    if isinstance(population, pd.DataFrame):
        missing = [c for c in cols if c not in population.columns]
        others = [c for c in population.columns if c not in cols]
        if missing or len(others) != 1:
            raise WeightingError(
                f"the population table for {name} must hold the column(s) {list(cols)} and one "
                f"count column; it has {list(population.columns)}.",
                hint="Give a DataFrame with the cell column(s) and a single column of counts, "
                "or a dict {level: count}.",
            )
        series = population.set_index(list(cols))[others[0]]
        index, raw = series.index, series.to_numpy(dtype=object)
    elif isinstance(population, pd.Series):
        index, raw = population.index, population.to_numpy(dtype=object)
    elif isinstance(population, Mapping):
        keys = list(population.keys())
        if len(cols) > 1:
            if not all(isinstance(k, tuple) and len(k) == len(cols) for k in keys):
                raise WeightingError(
                    f"the population counts for {name} need tuple keys of {len(cols)} values "
                    f"({', '.join(cols)}).",
                    hint="Write the cells as tuples, e.g. {('africa', 'low'): 12, ...}.",
                )
            index = pd.MultiIndex.from_tuples(keys, names=list(cols))
        else:
            index = pd.Index(keys, name=cols[0], tupleize_cols=False)
        raw = list(population.values())
    else:
        raise WeightingError(
            f"the population counts for {name} must be a dict, Series or DataFrame, not "
            f"{type(population).__name__}.",
            hint="Give {level: population count}.",
        )
    values = np.empty(len(raw))
    for i, v in enumerate(raw):
        try:
            values[i] = float(v)
        except (TypeError, ValueError):
            values[i] = np.nan
    bad = ~(np.isfinite(values) & (values >= 0))
    if bad.any():
        i = int(np.argmax(bad))
        raise WeightingError(
            f"the population count of {name} level {index[i]!r} is {raw[i]!r}, not a "
            "non-negative number.",
            value=index[i],
            hint="Give every level a population count >= 0.",
        )
    if index.has_duplicates:
        dup = index[index.duplicated()][0]
        raise WeightingError(
            f"level {dup!r} appears more than once in the population counts of {name}.",
            value=dup,
            hint="Give each level once.",
        )
    return pd.Series(values, index=index)


def match_cells(
    labels: pd.Index, sample_n: np.ndarray, pop: pd.Series, role: str, *, partial: bool
) -> np.ndarray:
    """Population count of each sample cell, checking both directions.

    Raises :class:`WeightingError` for sample cells without population count (or with
    count 0) and, unless ``partial``, for populated cells without sample cases.
    """
    if isinstance(labels, pd.MultiIndex):
        pos = (
            pop.index.get_indexer(labels)
            if isinstance(pop.index, pd.MultiIndex)
            else np.full(len(labels), -1)
        )
    else:
        pos = pop.index.get_indexer(labels)
    counts = np.where(pos >= 0, pop.to_numpy()[np.maximum(pos, 0)], np.nan)
    absent = (pos < 0) | (counts == 0)
    if absent.any():
        cells = [labels[i] for i in np.flatnonzero(absent).tolist()]
        rows = int(sample_n[absent].sum())
        raise WeightingError(
            f"{role}: sample cell(s) {_fmt(cells)} ({rows} sampled units) have no population "
            f"count (population levels: {_fmt(list(pop.index))}).",
            value=cells[0],
            hint="Add the missing levels to the population counts (check spelling and type: "
            "'1' is not 1), or recode the sample values to the population's levels.",
        )
    used = np.zeros(len(pop), dtype=bool)
    used[pos] = True
    unmatched = (~used) & (pop.to_numpy() > 0)
    if unmatched.any() and not partial:
        cells = list(pop.index[unmatched])
        raise WeightingError(
            f"{role}: population cell(s) {_fmt(cells)} have no sampled unit, so their "
            "population cannot be represented.",
            value=cells[0],
            hint="Merge sparse cells with neighbours (toolkit.survey.suggest_collapse proposes "
            "merges), or pass partial=True to leave them out (estimates then exclude them).",
        )
    return counts


def poststratify_weights(
    data: pd.DataFrame,
    weights: np.ndarray,
    cols: Sequence[str],
    population: Any,
    *,
    partial: bool = False,
) -> tuple[np.ndarray, tuple[np.ndarray, int]]:
    """Post-stratified weight matrix and the cell codes.

    Parameters
    ----------
    data : DataFrame
    weights : ndarray, shape (n, c)
    cols : sequence of str
    population : dict, Series or DataFrame
    partial : bool

    Returns
    -------
    new_weights : ndarray, shape (n, c)
    info : (codes, n_cells)
    """
    role = f"post-stratification on {', '.join(repr(c) for c in cols)}"
    codes, labels = row_codes(data, cols, "post-stratification")
    n_cells = len(labels)
    pop = margin_table(population, cols, role)
    sample_n = np.bincount(codes, minlength=n_cells)
    counts = match_cells(labels, sample_n, pop, role, partial=partial)
    totals = group_sum(weights, codes, n_cells)
    with np.errstate(divide="ignore", invalid="ignore"):
        factor = np.where(totals > 0, counts[:, None] / totals, 0.0)
    return weights * factor[codes], (codes, n_cells)


def _trim_column(w: np.ndarray, lower: float, upper: float, strict: bool) -> np.ndarray:
    for _ in range(10_000):
        outside = (w < lower) | (w > upper)
        if not outside.any():
            return w
        if outside.all():
            raise WeightingError(
                f"every weight lies outside [{lower:g}, {upper:g}], so there is no unit to "
                "take up the trimmed weight.",
                hint="Widen the bounds.",
            )
        new = np.clip(w, lower, upper)
        new[~outside] += (w - new).sum() / (~outside).sum()
        w = new
        if not strict:
            return w
    raise WeightingError(
        f"strict trimming to [{lower:g}, {upper:g}] did not settle.",
        hint="Widen the bounds: the total weight cannot be shared within them.",
    )


def trim_weights(
    weights: np.ndarray, lower: float | None, upper: float | None, *, strict: bool
) -> np.ndarray:
    """Trim every column as R's ``trimWeights`` (equal sharing of the trimmed weight).

    Parameters
    ----------
    weights : ndarray, shape (n, c)
    lower, upper : float or None
    strict : bool

    Returns
    -------
    ndarray, shape (n, c)
    """
    lo = -np.inf if lower is None else float(lower)
    hi = np.inf if upper is None else float(upper)
    if not lo < hi:
        raise WeightingError(
            f"trim bounds lower={lower!r}, upper={upper!r} are not increasing.",
            hint="Give lower < upper.",
        )
    if strict:
        n = weights.shape[0]
        total = weights[:, 0].sum()
        if n * hi < total or n * lo > total:
            raise WeightingError(
                f"strict trimming to [{lo:g}, {hi:g}] is impossible: {n} weights summing to "
                f"{total:g} cannot all lie within the bounds.",
                hint=f"Use bounds that include the mean weight {total / n:g}.",
            )
    out = np.empty_like(weights)
    for j in range(weights.shape[1]):
        out[:, j] = _trim_column(weights[:, j].copy(), lo, hi, strict)
    return out


def _weight_array(weights: Any) -> np.ndarray:
    if hasattr(weights, "weights") and not isinstance(weights, (pd.Series, np.ndarray)):
        weights = weights.weights
    w = np.asarray(weights, dtype=np.float64).reshape(-1)
    if len(w) == 0 or not np.isfinite(w).all() or (w < 0).any() or w.sum() <= 0:
        raise WeightingError(
            "weights must be finite, non-negative and not all zero.",
            hint="Check the weights for missing or negative values.",
        )
    return w


def kish_deff(weights: Any) -> float:
    """Kish's design effect due to unequal weighting, ``n sum(w^2) / sum(w)^2``.

    Parameters
    ----------
    weights : array-like, Series or design
        Weights (a design's :attr:`weights` are used if a design is passed).

    Returns
    -------
    float
    """
    w = _weight_array(weights)
    return float(len(w) * np.sum(w * w) / np.sum(w) ** 2)


def effective_sample_size(weights: Any) -> float:
    """Kish's effective sample size, ``sum(w)^2 / sum(w^2)`` (= n / kish_deff).

    Parameters
    ----------
    weights : array-like, Series or design

    Returns
    -------
    float
    """
    w = _weight_array(weights)
    return float(np.sum(w) ** 2 / np.sum(w * w))
