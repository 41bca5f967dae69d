"""Point estimates and linearised influence values of means, totals and ratios.

All three estimators are handled as one family over a matrix of ``k`` variables and
``D`` domains at once.  For domain ``d`` and variable ``j`` (``1_d`` the domain
indicator, ``m_ij`` whether ``y_ij`` is observed)::

    total  T_dj = sum_i w_i 1_d m_ij y_ij              influence  w_i 1_d y_ij
    ratio  R_dj = T_dj(y) / T_dj(x)                    influence  w_i 1_d (y_ij - R_dj x_ij) / T_dj(x)
    mean   = ratio with x_ij = m_ij

which is what ``svytotal``, ``svyratio`` and ``svymean`` (with ``svyby`` for domains) use.
Influence values are returned for the row's *own* domain only (an ``(n, k)`` matrix);
:func:`toolkit.survey._variance.domain_variance` expands them implicitly.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from ._variance import group_sum

__all__ = ["Point", "influence", "point_estimates", "srs_variance"]


@dataclass(frozen=True)
class Point:
    """Point estimates and the sums behind them, all shaped ``(D, k)``.

    Attributes
    ----------
    est : ndarray
        The estimates.
    num : ndarray
        Weighted totals of the numerator variables.
    den : ndarray or None
        Weighted totals of the denominators (None for totals).
    n : ndarray
        Number of observed rows in the domain.
    psum : ndarray
        Sum of weights of the observed rows in the domain.
    """

    est: np.ndarray
    num: np.ndarray
    den: np.ndarray | None
    n: np.ndarray
    psum: np.ndarray


def point_estimates(
    w: np.ndarray,
    num: np.ndarray,
    den: np.ndarray | None,
    mask: np.ndarray,
    dom: np.ndarray,
    n_domains: int,
) -> Point:
    """Weighted totals, ratios or means by domain.

    Parameters
    ----------
    w : ndarray, shape (n,)
        Weights.
    num : ndarray, shape (n, k)
        Numerator values, zero where not observed.
    den : ndarray, shape (n, k) or None
        Denominator values (the mask as float for a mean), zero where not observed;
        None for totals.
    mask : ndarray of bool, shape (n, k)
    dom : ndarray of int64, shape (n,)
        Domain codes (-1: no domain).
    n_domains : int

    Returns
    -------
    Point
    """
    maskf = mask.astype(np.float64)
    wcol = w[:, None]
    tot_num = group_sum(wcol * num, dom, n_domains)
    n = group_sum(maskf, dom, n_domains)
    psum = group_sum(wcol * maskf, dom, n_domains)
    if den is None:
        return Point(tot_num, tot_num, None, n, psum)
    tot_den = group_sum(wcol * den, dom, n_domains)
    with np.errstate(divide="ignore", invalid="ignore"):
        est = tot_num / tot_den
    return Point(est, tot_num, tot_den, n, psum)


def influence(
    point: Point, w: np.ndarray, num: np.ndarray, den: np.ndarray | None, dom: np.ndarray
) -> np.ndarray:
    """Weighted influence values of each row for its own domain, shape (n, k)."""
    inside = dom >= 0
    safe = np.where(inside, dom, 0)
    if den is None:
        z = w[:, None] * num
    else:
        assert point.den is not None  # point_estimates gives den totals when den is given
        with np.errstate(divide="ignore", invalid="ignore"):
            z = w[:, None] * (num - point.est[safe] * den) / point.den[safe]
    if not inside.all():
        z[~inside] = 0.0
    return z


def srs_variance(
    kind: str,
    point: Point,
    w: np.ndarray,
    num: np.ndarray,
    den: np.ndarray | None,
    mask: np.ndarray,
    dom: np.ndarray,
    n_domains: int,
) -> np.ndarray:
    """Variance under simple random sampling without replacement, as R's ``deff=TRUE``.

    ``svymean``: ``svyvar(y) (N - n) / (N n)``; ``svytotal`` and ``svyratio``:
    ``svyvar(u) N^2 (N - n) / (N n)`` with ``u = y`` for totals and
    ``u = (y - R x) / X`` for ratios.  ``svyvar`` is the weighted variance with divisor
    ``n - 1``, ``N`` the sum of weights and ``n`` the number of rows in the domain.

    Returns
    -------
    ndarray, shape (D, k)
    """
    inside = dom >= 0
    safe = np.where(inside, dom, 0)
    n, psum = point.n, point.psum
    with np.errstate(divide="ignore", invalid="ignore"):
        if kind == "total":
            centre = (point.num / psum)[safe]
            dev = num - centre
        elif kind == "mean":
            dev = num - point.est[safe]
        else:
            assert den is not None and point.den is not None  # ratios have denominators
            dev = (num - point.est[safe] * den) / point.den[safe]
        dev = np.where(mask & inside[:, None], dev, 0.0)
        svyvar = group_sum(w[:, None] * dev * dev, dom, n_domains) / psum * n / (n - 1.0)
        fpc = (psum - n) / (psum * n)
        if kind == "mean":
            return svyvar * fpc
        return svyvar * psum * psum * fpc
