"""Confidence intervals as R's ``confint(svymean)`` and ``svyciprop`` compute them."""

from __future__ import annotations

import numpy as np
from scipy import special

__all__ = ["beta_interval", "logit_interval", "quantile", "wald_interval"]


def quantile(level: float, df: float | np.ndarray) -> np.ndarray:
    """Two-sided critical value: Student t with ``df`` degrees of freedom (normal if inf).

    Parameters
    ----------
    level : float
        Confidence level, e.g. 0.95.
    df : float or ndarray
        Degrees of freedom; ``numpy.inf`` for the normal distribution.

    Returns
    -------
    ndarray
    """
    p = 1.0 - (1.0 - level) / 2.0
    return _ppf(p, df)


def _ppf(p: float, df: float | np.ndarray) -> np.ndarray:
    """Student t quantile (normal for infinite df, NaN for df <= 0)."""
    df = np.asarray(df, dtype=np.float64)
    with np.errstate(invalid="ignore"):
        t = special.stdtrit(np.where(df > 0, df, np.nan), p)
    return np.where(np.isinf(df), special.ndtri(p), t)


def wald_interval(
    est: np.ndarray, se: np.ndarray, level: float, df: float | np.ndarray
) -> tuple[np.ndarray, np.ndarray]:
    """``est -/+ q * se`` (R's ``confint(..., df=)``, and ``svyciprop(method="mean")``)."""
    q = quantile(level, df)
    return est - q * se, est + q * se


def logit_interval(
    p: np.ndarray, se_logit: np.ndarray, level: float, df: float | np.ndarray
) -> tuple[np.ndarray, np.ndarray]:
    """Interval on the logit scale, transformed back (``svyciprop(method="logit")``).

    Parameters
    ----------
    p : ndarray
        Estimated proportions.
    se_logit : ndarray
        Standard error of ``logit(p)`` (for linearisation ``se(p) / (p (1 - p))``).
    level : float
    df : float or ndarray
        Degrees of freedom of the t quantile (inf for normal).

    Returns
    -------
    (low, high) : tuple of ndarray
    """
    q = quantile(level, df)
    with np.errstate(divide="ignore", invalid="ignore"):
        eta = special.logit(p)
        low = special.expit(eta - q * se_logit)
        high = special.expit(eta + q * se_logit)
    # all-or-nothing domains: the interval collapses on the estimate
    degenerate = (p <= 0) | (p >= 1)
    low = np.where(degenerate, p, low)
    high = np.where(degenerate, p, high)
    return low, high


def beta_interval(
    p: np.ndarray, var: np.ndarray, level: float, n_rows: np.ndarray, df: float | np.ndarray
) -> tuple[np.ndarray, np.ndarray]:
    """Korn-Graubard style Clopper-Pearson interval (``svyciprop(method="beta")``).

    The effective sample size ``p (1 - p) / var`` is multiplied by
    ``(t_{alpha/2, n - 1} / t_{alpha/2, df})^2`` as R does, with ``n`` the number of rows
    of the (domain) design and ``df`` its degrees of freedom.

    Parameters
    ----------
    p, var : ndarray
        Proportions and their variances.
    level : float
    n_rows : ndarray
        Rows of the design the estimate is computed on.
    df : float or ndarray
        Design degrees of freedom.

    Returns
    -------
    (low, high) : tuple of ndarray
    """
    alpha = 1.0 - level
    n_rows = np.asarray(n_rows, dtype=np.float64)
    df = np.asarray(df, dtype=np.float64)
    with np.errstate(divide="ignore", invalid="ignore"):
        n_eff = p * (1.0 - p) / var
        t_n = _ppf(alpha / 2.0, np.where(n_rows > 1, n_rows - 1.0, np.nan))
        t_df = _ppf(alpha / 2.0, df)
        n_eff = n_eff * (t_n / t_df) ** 2
        low = special.betaincinv(n_eff * p, n_eff * (1.0 - p) + 1.0, alpha / 2.0)
        high = special.betaincinv(n_eff * p + 1.0, n_eff * (1.0 - p), 1.0 - alpha / 2.0)
    low = np.where(p <= 0, 0.0, low)
    high = np.where(p >= 1, 1.0, high)
    return low, high
