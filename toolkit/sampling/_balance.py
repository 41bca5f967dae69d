"""Covariate matrices, standardised differences and exact tests for :mod:`toolkit.sampling`.

Private helper module: import the public names from :mod:`toolkit.sampling`.

A *covariate matrix* turns frame covariates into numeric columns:

* categorical covariates (category, string, bool) -> one 0/1 indicator per level present
  in the population (a missing value is its own level ``"(missing)"``);
* multi-valued covariates (strings holding a ``;``-separated list, such as the frame's
  ``languages``) -> one 0/1 indicator per token;
* numeric covariates -> the value itself (missing values are an error).

The standardised difference of a column is ``(sample mean - population mean) /
population SD`` with the population SD taken with ``ddof=0`` (the population is the
whole stratum or zone, not a sample of it); for a 0/1 indicator with population share
``p`` the SD is ``sqrt(p (1 - p))``.  A column that is constant in the population has
difference 0 (a subset of it cannot differ).
"""

from __future__ import annotations

from collections.abc import Hashable, Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd
from scipy import special, stats

from toolkit.errors import InputError

__all__: list[str] = []

MISSING_LEVEL = "(missing)"

#: Largest number of tables the exact (Freeman-Halton) test enumerates before it falls
#: back to Pearson's chi-square test.
MAX_EXACT_TABLES = 2_000_000


@dataclass(frozen=True)
class CovariateMatrix:
    """Numeric columns for a set of covariates over the rows of a table.

    Attributes
    ----------
    X : ndarray, shape (N, d)
        Indicator or numeric columns.
    meta : DataFrame
        One row per column of ``X`` with ``covariate``, ``level`` (``None`` for numeric)
        and ``kind`` (``"categorical"``, ``"multilabel"`` or ``"numeric"``).
    """

    X: np.ndarray
    meta: pd.DataFrame


def _is_numeric(s: pd.Series) -> bool:
    return (
        pd.api.types.is_numeric_dtype(s.dtype)
        and not pd.api.types.is_bool_dtype(s.dtype)
        and not isinstance(s.dtype, pd.CategoricalDtype)
    )


def _is_multilabel(s: pd.Series) -> bool:
    if _is_numeric(s) or isinstance(s.dtype, pd.CategoricalDtype):
        return False
    txt = s.dropna().astype(str)
    return bool(txt.str.contains(";", regex=False).any())


def _levels(s: pd.Series) -> list[object]:
    """Levels present in ``s`` in a stable order (categories order for categoricals)."""
    present = set(s.dropna().tolist())
    if isinstance(s.dtype, pd.CategoricalDtype):
        out: list[object] = [c for c in s.cat.categories if c in present]
    else:
        out = sorted(present, key=lambda v: (str(type(v)), str(v)))
    if s.isna().any():
        out.append(MISSING_LEVEL)
    return out


def covariate_matrix(
    df: pd.DataFrame, covariates: Sequence[str], *, what: str = "frame"
) -> CovariateMatrix:
    """Build the numeric columns of ``covariates`` for the rows of ``df``.

    Parameters
    ----------
    df : DataFrame
        Population rows (must contain the covariates; ``iso3`` is used in messages).
    covariates : sequence of str
        Column names.
    what : str
        Name of the table for error messages.

    Returns
    -------
    CovariateMatrix
    """
    missing = [c for c in covariates if c not in df.columns]
    if missing:
        raise InputError(
            f"the {what} has no covariate column {missing[0]!r}.",
            column=missing[0],
            hint=f"choose covariates among: {', '.join(map(str, df.columns))}.",
        )
    cols: list[np.ndarray] = []
    rows: list[dict[str, object]] = []
    for cov in covariates:
        s = df[cov]
        if _is_numeric(s):
            x = s.to_numpy(dtype=float, na_value=np.nan)
            if np.isnan(x).any():
                bad = df["iso3"].iloc[int(np.flatnonzero(np.isnan(x))[0])] if "iso3" in df else None
                raise InputError(
                    f"numeric covariate {cov!r} is missing for {int(np.isnan(x).sum())} "
                    "Society(ies); balance cannot be computed.",
                    column=cov,
                    value=bad,
                    hint="fill the value in the frame or balance on a categorical version "
                    "of the covariate.",
                )
            cols.append(x)
            rows.append({"covariate": cov, "level": None, "kind": "numeric"})
        elif _is_multilabel(s):
            tokens = s.astype("string").fillna("").str.split(";")
            sets = [frozenset(t.strip() for t in lst if t.strip()) for lst in tokens]
            levels = sorted(set().union(*sets)) if sets else []
            for lev in levels:
                cols.append(np.array([lev in st for st in sets], dtype=float))
                rows.append({"covariate": cov, "level": lev, "kind": "multilabel"})
            if any(len(st) == 0 for st in sets):
                cols.append(np.array([len(st) == 0 for st in sets], dtype=float))
                rows.append({"covariate": cov, "level": MISSING_LEVEL, "kind": "multilabel"})
        else:
            obj = s.astype(object)
            for level in _levels(s):
                if level == MISSING_LEVEL:
                    x = s.isna().to_numpy()
                else:
                    x = (obj == level).fillna(False).to_numpy(dtype=bool)
                cols.append(x.astype(float))
                rows.append({"covariate": cov, "level": str(level), "kind": "categorical"})
    X = np.column_stack(cols) if cols else np.zeros((len(df), 0))
    meta = pd.DataFrame(rows, columns=["covariate", "level", "kind"])
    return CovariateMatrix(X=X, meta=meta)


def population_moments(X: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Population mean and SD (``ddof=0``) of each column."""
    mu = X.mean(axis=0)
    sd = X.std(axis=0)
    return mu, sd


def smd_from_means(means: np.ndarray, mu: np.ndarray, sd: np.ndarray) -> np.ndarray:
    """Standardised differences; columns with zero population SD get 0."""
    safe = np.where(sd > 1e-12, sd, 1.0)
    out = (means - mu) / safe
    return np.where(sd > 1e-12, out, 0.0)


def max_abs_smd_of_sets(X: np.ndarray, sets: np.ndarray) -> np.ndarray:
    """Largest absolute standardised difference of many equal-size samples.

    Parameters
    ----------
    X : ndarray (N, d)
        Population columns.
    sets : ndarray (B, n) of int
        Row indices of B samples.

    Returns
    -------
    ndarray (B,)
    """
    if X.shape[1] == 0:
        return np.zeros(sets.shape[0])
    mu, sd = population_moments(X)
    means = X[sets].mean(axis=1)
    return np.abs(smd_from_means(means, mu, sd)).max(axis=1)


def freeman_halton_p(x: np.ndarray, K: np.ndarray) -> tuple[float, str]:
    """Exact p-value of drawing level counts ``x`` in a sample from a population with ``K``.

    Under simple random sampling without replacement the sample counts are multivariate
    hypergeometric; the p-value sums the probabilities of every table no more likely
    than the observed one (Freeman & Halton 1951, the r x c Fisher test of the 2 x L
    table sample / not sampled).  Falls back to Pearson's chi-square when there are
    more than :data:`MAX_EXACT_TABLES` tables.

    Returns
    -------
    p : float
    test : str
        ``"exact"`` or ``"chi2"``.
    """
    x = np.asarray(x, dtype=np.int64)
    K = np.asarray(K, dtype=np.int64)
    keep = K > 0
    x, K = x[keep], K[keep]
    if len(K) < 2:
        return float("nan"), "none"
    n, N = int(x.sum()), int(K.sum())
    if n == 0 or n == N:
        return 1.0, "exact"
    suffix = np.concatenate([np.cumsum(K[::-1])[::-1][1:], [0]])
    partial = np.zeros(1, dtype=np.int64)
    logp = np.zeros(1)
    for k_l, rest in zip(K, suffix, strict=True):
        lo = np.maximum(0, n - partial - rest)
        hi = np.minimum(k_l, n - partial)
        counts = hi - lo + 1
        total = int(counts.sum())
        if total > MAX_EXACT_TABLES:
            return _chi2_p(x, K), "chi2"
        starts = np.repeat(np.cumsum(counts) - counts, counts)
        xs = np.arange(total) - starts + np.repeat(lo, counts)
        logp = np.repeat(logp, counts) + _logcomb(k_l, xs)
        partial = np.repeat(partial, counts) + xs
    log_obs = float(_logcomb(K, x).sum())
    log_all = float(_logcomb(N, n))
    mask = logp <= log_obs + 1e-7 * max(1.0, abs(log_obs))
    p = float(np.exp(logp[mask] - log_all).sum())
    return min(1.0, p), "exact"


def _logcomb(n: np.ndarray | int, k: np.ndarray | int) -> np.ndarray:
    n = np.asarray(n, dtype=float)
    k = np.asarray(k, dtype=float)
    return special.gammaln(n + 1) - special.gammaln(k + 1) - special.gammaln(n - k + 1)


def _chi2_p(x: np.ndarray, K: np.ndarray) -> float:
    table = np.vstack([x, K - x])
    table = table[:, table.sum(axis=0) > 0]
    if table.shape[1] < 2 or (table.sum(axis=1) == 0).any():
        return float("nan")
    return float(stats.chi2_contingency(table, correction=False).pvalue)


def welch_p(x_sample: np.ndarray, x_rest: np.ndarray) -> float:
    """Welch two-sample t-test p-value of sampled vs not sampled (NaN if undefined)."""
    if len(x_sample) < 2 or len(x_rest) < 2:
        return float("nan")
    if np.ptp(np.concatenate([x_sample, x_rest])) == 0:
        return 1.0
    res = stats.ttest_ind(x_sample, x_rest, equal_var=False)
    return float(res.pvalue) if np.isfinite(res.pvalue) else float("nan")


def balance_table(
    pop: pd.DataFrame,
    in_sample: np.ndarray,
    covariates: Sequence[str],
    weights: np.ndarray | None = None,
) -> pd.DataFrame:
    """Per-level comparison of a sample with its population (one group).

    Parameters
    ----------
    pop : DataFrame
        The population rows (one group).
    in_sample : ndarray of bool
        Which population rows are in the sample.
    covariates : sequence of str
    weights : ndarray, optional
        Design weights of the population rows (used for the sampled ones).

    Returns
    -------
    DataFrame
        Columns ``covariate, level, kind, n_sample, n_population, count_sample,
        count_population, sample_value, population_value, population_sd, smd, abs_smd,
        test, p_value``.
    """
    cm = covariate_matrix(pop, covariates)
    X = cm.X
    mu, sd = population_moments(X) if len(pop) else (np.zeros(X.shape[1]),) * 2
    n_s = int(in_sample.sum())
    if n_s:
        if weights is not None:
            w = weights[in_sample]
            means = (X[in_sample] * w[:, None]).sum(axis=0) / w.sum()
        else:
            means = X[in_sample].mean(axis=0)
        smd = smd_from_means(means, mu, sd)
    else:
        means = np.full(X.shape[1], np.nan)
        smd = np.full(X.shape[1], np.nan)
    out = cm.meta.copy()
    out["n_sample"] = n_s
    out["n_population"] = len(pop)
    is_num = (out["kind"] == "numeric").to_numpy()
    cnt_s = X[in_sample].sum(axis=0)
    cnt_p = X.sum(axis=0)
    out["count_sample"] = pd.array(np.where(is_num, 0, cnt_s).round().astype(int), dtype="Int64")
    out["count_population"] = pd.array(
        np.where(is_num, 0, cnt_p).round().astype(int), dtype="Int64"
    )
    out.loc[is_num, ["count_sample", "count_population"]] = pd.NA
    out["sample_value"] = means
    out["population_value"] = mu
    out["population_sd"] = sd
    out["smd"] = smd
    out["abs_smd"] = np.abs(smd)
    tests: list[str] = []
    pvals: list[float] = []
    p_by_cov: dict[Hashable, tuple[str, float]] = {}
    for j, row in enumerate(cm.meta.itertuples(index=False)):
        if n_s == 0:
            tests.append("none")
            pvals.append(float("nan"))
            continue
        if row.kind == "numeric":
            tests.append("welch_t")
            pvals.append(welch_p(X[in_sample, j], X[~in_sample, j]))
        elif row.kind == "multilabel":
            xs = round(float(cnt_s[j]))
            kp = round(float(cnt_p[j]))
            p, t = freeman_halton_p(np.array([xs, n_s - xs]), np.array([kp, len(pop) - kp]))
            tests.append("fisher_exact" if t == "exact" else t)
            pvals.append(p)
        else:
            if row.covariate not in p_by_cov:
                cols = np.flatnonzero((cm.meta["covariate"] == row.covariate).to_numpy())
                p, t = freeman_halton_p(
                    np.round(cnt_s[cols]).astype(int), np.round(cnt_p[cols]).astype(int)
                )
                p_by_cov[row.covariate] = ("freeman_halton" if t == "exact" else t, p)
            t, p = p_by_cov[row.covariate]
            tests.append(t)
            pvals.append(p)
    out["test"] = tests
    out["p_value"] = pvals
    return out
