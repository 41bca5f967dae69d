"""Agreement coefficients on reliability data: Krippendorff's alpha (with a bootstrap
interval over units) and Cohen's kappa.

Private helper module of :mod:`toolkit.interviews`.

Krippendorff's alpha (Krippendorff, "Computing Krippendorff's Alpha-Reliability",
2011) from the coincidence matrix: for every unit ``u`` with ``m_u >= 2`` values
(*pairable* values), ``o_ck = sum_u n_uc (n_uk - [c == k]) / (m_u - 1)``; with
``n_c = sum_k o_ck`` and ``n = sum_c n_c``::

    alpha = 1 - (n - 1) * sum_ck o_ck d2(c, k) / sum_ck n_c n_k d2(c, k)

with the squared differences

* nominal:  ``d2 = [c != k]``
* ordinal:  ``d2 = (sum_{g=c..k} n_g - (n_c + n_k) / 2) ** 2`` (values in rank order)
* interval: ``d2 = (c - k) ** 2``
* ratio:    ``d2 = ((c - k) / (c + k)) ** 2``

Alpha is undefined (NaN) when fewer than two distinct values are pairable (no
expected disagreement).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, SupportsFloat, SupportsIndex, cast

import numpy as np
import pandas as pd

from toolkit.errors import InputError

__all__: list[str] = []

LEVELS = ("nominal", "ordinal", "interval", "ratio")


def _is_missing(v: object) -> bool:
    if v is None or v is pd.NA:
        return True
    try:
        # pandas.isna takes any object; pandas-stubs only scalars and array-likes
        return bool(pd.isna(cast(Any, v)))
    except (TypeError, ValueError):
        return False


def _to_float(v: object) -> float:
    """``float(v)``, raising TypeError for a value ``float`` does not take."""
    if isinstance(v, (str, bytes, bytearray, memoryview, SupportsFloat, SupportsIndex)):
        return float(v)
    raise TypeError(f"{type(v).__name__} value {v!r} is not a number")


def _value_domain(
    values: list[object], level: str, domain: Sequence[object] | None
) -> tuple[list[object], np.ndarray | None]:
    """The ordered value domain and numeric values (for interval/ratio)."""
    if domain is not None:
        dom = list(domain)
        unknown = [v for v in values if v not in set(dom)]
        if unknown:
            raise InputError(
                f"value {unknown[0]!r} is not in the given value domain.",
                value=unknown[0],
                hint="add it to values= or correct the data.",
            )
    else:
        uniq = list(dict.fromkeys(values))
        try:
            # values of any type: a TypeError (unorderable values) falls back to str order
            dom = sorted(uniq)  # type: ignore[type-var]
        except TypeError:
            dom = sorted(uniq, key=str)
        if level in ("ordinal", "interval", "ratio") and not all(
            isinstance(v, (int, float, np.integer, np.floating)) and not isinstance(v, bool)
            for v in dom
        ):
            raise InputError(
                f"{level} alpha needs numeric values or an ordered value domain.",
                value=next(
                    v for v in dom if not isinstance(v, (int, float, np.integer, np.floating))
                ),
                hint="pass values=[...] in their order, or use level='nominal'.",
            )
    num = None
    if level in ("interval", "ratio"):
        try:
            num = np.array([_to_float(v) for v in dom])
        except (TypeError, ValueError):
            num = np.arange(len(dom), dtype=float)  # ranks of an ordered domain
    return dom, num


def value_counts(
    data: pd.DataFrame | np.ndarray | Sequence[Sequence[object]],
    level: str,
    values: Sequence[object] | None = None,
) -> tuple[np.ndarray, list[object], np.ndarray | None]:
    """Units x values count matrix of a coders x units reliability table."""
    arr = (
        data.to_numpy(dtype=object)
        if isinstance(data, pd.DataFrame)
        else np.asarray(data, dtype=object)
    )
    if arr.ndim != 2:
        raise InputError(
            "reliability data must be a 2-D table of coders x units.",
            hint="one row per coder, one column per unit; NaN for missing.",
        )
    flat = [v for v in arr.ravel() if not _is_missing(v)]
    flat = [v.item() if isinstance(v, np.generic) else v for v in flat]
    dom, num = _value_domain(flat, level, values)
    index = {v: i for i, v in enumerate(dom)}
    counts = np.zeros((arr.shape[1], len(dom)))
    for j in range(arr.shape[1]):
        for v in arr[:, j]:
            if not _is_missing(v):
                counts[j, index[v.item() if isinstance(v, np.generic) else v]] += 1
    return counts, dom, num


def coincidence_contributions(counts: np.ndarray) -> np.ndarray:
    """Per-unit coincidence matrices (units x V x V); units with < 2 values give 0."""
    m = counts.sum(axis=1)
    pair = m >= 2
    c = counts[pair]
    outer = c[:, :, None] * c[:, None, :]
    idx = np.arange(counts.shape[1])
    outer[:, idx, idx] -= c
    out = np.zeros((counts.shape[0], counts.shape[1], counts.shape[1]))
    out[pair] = outer / (m[pair] - 1)[:, None, None]
    return out


def _delta(level: str, n_c: np.ndarray, num: np.ndarray | None) -> np.ndarray:
    V = n_c.size
    if level == "nominal":
        return 1.0 - np.eye(V)
    if level == "ordinal":
        cum = np.concatenate([[0.0], np.cumsum(n_c)])
        i, k = np.meshgrid(np.arange(V), np.arange(V), indexing="ij")
        lo, hi = np.minimum(i, k), np.maximum(i, k)
        s = cum[hi + 1] - cum[lo] - (n_c[i] + n_c[k]) / 2.0
        return s**2
    assert num is not None
    diff = num[:, None] - num[None, :]
    if level == "interval":
        return diff**2
    tot = num[:, None] + num[None, :]
    with np.errstate(divide="ignore", invalid="ignore"):
        r = np.where(tot != 0, diff / np.where(tot != 0, tot, 1.0), 0.0)
    return r**2


def alpha_from_coincidence(o: np.ndarray, level: str, num: np.ndarray | None) -> float:
    """Krippendorff's alpha from a coincidence matrix."""
    n_c = o.sum(axis=1)
    n = n_c.sum()
    if n <= 1:
        return float("nan")
    d = _delta(level, n_c, num)
    expected = float((np.outer(n_c, n_c) * d).sum())
    if expected <= 1e-15:
        return float("nan")
    return float(1.0 - (n - 1) * (o * d).sum() / expected)


def alphas_from_coincidences(o: np.ndarray, level: str, num: np.ndarray | None) -> np.ndarray:
    """Krippendorff's alpha of each of a stack of coincidence matrices (``o[b]``, as
    :func:`alpha_from_coincidence` of each, computed at once: bootstrap replicates)."""
    if level == "ordinal":  # the differences depend on each matrix's margins
        return np.array([alpha_from_coincidence(m, level, num) for m in o])
    n_c = o.sum(axis=2)
    n = n_c.sum(axis=1)
    v = o.shape[1]
    d = _delta(level, np.ones(v), num)
    observed = (o * d).sum(axis=(1, 2))
    expected = np.einsum("bi,bj,ij->b", n_c, n_c, d)
    with np.errstate(divide="ignore", invalid="ignore"):
        alpha = 1.0 - (n - 1) * observed / expected
    alpha[(n <= 1) | (expected <= 1e-15)] = np.nan
    return alpha


def krippendorff_alpha(
    data: pd.DataFrame | np.ndarray | Sequence[Sequence[object]],
    level: str = "nominal",
    *,
    values: Sequence[object] | None = None,
) -> float:
    """Krippendorff's alpha reliability coefficient.

    Parameters
    ----------
    data : DataFrame or 2-D array
        Reliability data, one row per coder and one column per unit; missing values
        (NaN, None, NA) allowed.
    level : {"nominal", "ordinal", "interval", "ratio"}, default "nominal"
        Level of measurement (difference function).
    values : sequence, optional
        The value domain in order (needed for ordinal data that are not numbers, e.g.
        ``["low", "mid", "high"]``; interval/ratio then use the ranks).

    Returns
    -------
    float
        Alpha; NaN when no unit has two values or all pairable values are equal.

    Examples
    --------
    Krippendorff (2011), section C (4 coders x 12 units, missing data):

    >>> import numpy as np
    >>> nan = np.nan
    >>> d = [[1, 2, 3, 3, 2, 1, 4, 1, 2, nan, nan, nan],
    ...      [1, 2, 3, 3, 2, 2, 4, 1, 2, 5, nan, 3],
    ...      [nan, 3, 3, 3, 2, 3, 4, 2, 2, 5, 1, nan],
    ...      [1, 2, 3, 3, 2, 4, 4, 1, 2, 5, 1, nan]]
    >>> round(krippendorff_alpha(d, "nominal"), 3)
    0.743
    """
    if level not in LEVELS:
        raise InputError(
            f"unknown level of measurement {level!r}.",
            value=level,
            hint=f"use one of {', '.join(LEVELS)}.",
        )
    counts, _, num = value_counts(data, level, values)
    o = coincidence_contributions(counts).sum(axis=0)
    return alpha_from_coincidence(o, level, num)


def bootstrap_alpha(
    data: pd.DataFrame | np.ndarray | Sequence[Sequence[object]],
    level: str = "nominal",
    *,
    values: Sequence[object] | None = None,
    n_boot: int = 1000,
    ci: float = 0.95,
    seed: int | None = None,
) -> pd.Series:
    """Alpha with a percentile bootstrap interval from resampling units.

    Units (columns) are drawn with replacement ``n_boot`` times and alpha recomputed
    (replicates where alpha is undefined are dropped).  This is a units bootstrap, not
    Krippendorff's (2004) resampling of pairable values; it respects the dependence of
    values within a unit and is the usual choice with few units.

    Returns
    -------
    Series
        ``alpha``, ``ci_low``, ``ci_high``, ``n_units`` (pairable units), ``n_boot``
        (valid replicates).
    """
    if level not in LEVELS:
        raise InputError(
            f"unknown level of measurement {level!r}.",
            value=level,
            hint=f"use one of {', '.join(LEVELS)}.",
        )
    counts, _, num = value_counts(data, level, values)
    contrib = coincidence_contributions(counts)
    return _boot(contrib, level, num, n_boot, ci, seed)


def _boot(
    contrib: np.ndarray,
    level: str,
    num: np.ndarray | None,
    n_boot: int,
    ci: float,
    seed: int | None,
) -> pd.Series:
    est = alpha_from_coincidence(contrib.sum(axis=0), level, num)
    pairable = contrib.reshape(contrib.shape[0], -1).sum(axis=1) > 0
    U = contrib.shape[0]
    lo = hi = float("nan")
    valid = 0
    if U > 0 and n_boot > 0:
        rng = np.random.default_rng(seed)
        w = rng.multinomial(U, np.full(U, 1.0 / U), size=n_boot).astype(float)
        o = np.tensordot(w, contrib, axes=(1, 0))
        reps = alphas_from_coincidences(o, level, num)
        reps = reps[np.isfinite(reps)]
        valid = reps.size
        if valid:
            a = (1 - ci) / 2
            lo, hi = (float(q) for q in np.quantile(reps, [a, 1 - a]))
    return pd.Series(
        {"alpha": est, "ci_low": lo, "ci_high": hi, "n_units": int(pairable.sum()), "n_boot": valid}
    )


def cohen_kappa(
    a: Sequence[object] | pd.Series,
    b: Sequence[object] | pd.Series,
    *,
    weights: str | None = None,
    labels: Sequence[object] | None = None,
) -> float:
    """Cohen's kappa for two coders.

    ``kappa = (p_o - p_e) / (1 - p_e)`` with ``p_o`` the observed agreement and ``p_e``
    the agreement expected from the two coders' own marginal distributions (Cohen
    1960); with ``weights`` the linear or quadratic disagreement weights of Cohen
    (1968), as in scikit-learn's ``cohen_kappa_score``.  Units where either value is
    missing are left out.

    Parameters
    ----------
    a, b : sequences of equal length
        The two coders' values for the same units.
    weights : {None, "linear", "quadratic"}
    labels : sequence, optional
        Category order (needed for weighted kappa of non-numeric categories).

    Returns
    -------
    float
        Kappa; NaN when ``p_e == 1`` (both coders used a single identical category).
    """
    a_l, b_l = list(a), list(b)
    if len(a_l) != len(b_l):
        raise InputError(
            f"the two coders have {len(a_l)} and {len(b_l)} values.",
            hint="give both coders' values for the same units, in order.",
        )
    pairs = [
        (x, y) for x, y in zip(a_l, b_l, strict=True) if not _is_missing(x) and not _is_missing(y)
    ]
    if not pairs:
        return float("nan")
    if labels is None:
        seen = list(dict.fromkeys([p[0] for p in pairs] + [p[1] for p in pairs]))
        try:
            labels = sorted(seen)
        except TypeError:
            labels = sorted(seen, key=str)
    index = {v: i for i, v in enumerate(labels)}
    K = len(index)
    m = np.zeros((K, K))
    for x, y in pairs:
        if x not in index or y not in index:
            raise InputError(
                f"value {x if x not in index else y!r} is not in labels.",
                hint="add it to labels= or correct the data.",
            )
        m[index[x], index[y]] += 1
    expected = np.outer(m.sum(axis=1), m.sum(axis=0)) / m.sum()
    if weights is None:
        w = 1.0 - np.eye(K)
    elif weights in ("linear", "quadratic"):
        g = np.arange(K, dtype=float)
        w = np.abs(g[:, None] - g[None, :])
        if weights == "quadratic":
            w = w**2
    else:
        raise InputError(
            f"unknown kappa weights {weights!r}.",
            value=weights,
            hint="use None, 'linear' or 'quadratic'.",
        )
    denom = float((w * expected).sum())
    if denom <= 1e-15:
        return float("nan")
    return float(1.0 - (w * m).sum() / denom)
