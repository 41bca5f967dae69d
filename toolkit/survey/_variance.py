"""Taylor-linearisation variance for single-stage stratified cluster designs.

The variance of an estimator is computed from its influence values (one column per
estimate): first residualised on any calibration that produced the weights
(:mod:`toolkit.survey._calsteps`), then summed to PSU totals, centred within stratum and
combined as in R's ``survey:::onestrat``::

    v = sum_h  f_h * n_h / (n_h - 1) * sum_{i in h} (t_hi - mean_h t)^2

with ``f_h = (N_h - n_h) / N_h`` (1 without fpc) and R's ``options(survey.lonely.psu)``
rules for strata with a single PSU.  All of it is vectorised over the columns.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd
from scipy import sparse

__all__ = ["Structure", "domain_variance", "group_sum", "psu_totals", "stratified_variance"]

LONELY_PSU = ("fail", "adjust", "average", "remove", "certainty")


def group_sum(values: np.ndarray, codes: np.ndarray, n_groups: int) -> np.ndarray:
    """Sum rows of ``values`` by integer group code (codes < 0 are skipped).

    Parameters
    ----------
    values : ndarray, shape (n,) or (n, m)
    codes : ndarray of int, shape (n,)
        Group of each row, in ``0 .. n_groups - 1`` (negative: dropped).
    n_groups : int

    Returns
    -------
    ndarray, shape (n_groups,) or (n_groups, m)
    """
    keep = codes >= 0
    if not keep.all():
        values = values[keep]
        codes = codes[keep]
    if values.ndim == 1:
        return np.bincount(codes, weights=values, minlength=n_groups)
    if values.shape[1] <= 8:
        out = np.empty((n_groups, values.shape[1]))
        for j in range(values.shape[1]):
            out[:, j] = np.bincount(codes, weights=values[:, j], minlength=n_groups)
        return out
    n = len(codes)
    ind = sparse.csr_matrix((np.ones(n), (codes, np.arange(n))), shape=(n_groups, n))
    return np.asarray(ind @ values)


@dataclass(frozen=True)
class Structure:
    """Sampling structure of a single-stage design.

    Attributes
    ----------
    strata : ndarray of int64, shape (n,)
        Stratum code of each row (all 0 when unstratified).
    strata_labels : Index
        Stratum labels in code order.
    psu : ndarray of int64, shape (n,) or None
        PSU code of each row (PSUs numbered across strata); None when every row is its
        own PSU.
    psu_stratum : ndarray of int64, shape (P,)
        Stratum code of each PSU.
    n_psu : ndarray of int64, shape (H,)
        Number of PSUs in each stratum.
    fpc_f : ndarray of float, shape (H,)
        ``(N_h - n_h) / N_h``: one minus the sampling fraction (1 without fpc).
    popsize : ndarray of float, shape (H,) or None
        Population number of PSUs ``N_h`` per stratum (None without fpc).
    lonely_psu : str
        R's ``survey.lonely.psu`` rule.
    has_strata : bool
        Whether strata were given.
    """

    strata: np.ndarray
    strata_labels: pd.Index
    psu: np.ndarray | None
    psu_stratum: np.ndarray
    n_psu: np.ndarray
    fpc_f: np.ndarray
    popsize: np.ndarray | None
    lonely_psu: str
    has_strata: bool

    @property
    def n_strata(self) -> int:
        """Number of strata."""
        return len(self.n_psu)

    @property
    def n_psus(self) -> int:
        """Number of PSUs."""
        return len(self.psu_stratum)

    @property
    def row_psu(self) -> np.ndarray:
        """PSU code of every row (``arange(n)`` for element sampling)."""
        return np.arange(len(self.strata)) if self.psu is None else self.psu

    def scale(self) -> np.ndarray:
        """Per-stratum factor ``f_h n_h / (n_h - 1)`` (``f_h`` for single-PSU strata)."""
        n = self.n_psu.astype(np.float64)
        with np.errstate(divide="ignore", invalid="ignore"):
            return np.where(n > 1, self.fpc_f * n / (n - 1.0), self.fpc_f)

    def certain(self) -> np.ndarray:
        """Strata sampled completely (``f_h < 1e-7``): they contribute no variance."""
        return self.fpc_f < 1e-7

    def lonely(self) -> np.ndarray:
        """Strata with a single PSU that are not sampled completely."""
        return (self.n_psu == 1) & ~self.certain()


def psu_totals(x: np.ndarray, structure: Structure) -> np.ndarray:
    """Sum influence values ``x`` (n, m) to PSU totals (P, m)."""
    if structure.psu is None:
        return x
    return group_sum(x, structure.psu, structure.n_psus)


def _combine_strata(
    contrib: np.ndarray, structure: Structure, present: np.ndarray | None = None
) -> np.ndarray:
    """Sum per-stratum contributions (H, ...) applying the lonely-PSU rule.

    ``present`` (same shape as ``contrib``) flags the strata that have rows in the
    domain; R's "average" rule counts only those (``svyby`` drops the other rows).
    """
    shape = (-1,) + (1,) * (contrib.ndim - 1)
    lonely = structure.lonely().reshape(shape)
    contrib = np.where(structure.certain().reshape(shape), 0.0, contrib)
    if structure.lonely_psu in ("remove", "certainty", "average"):
        contrib = np.where(lonely, 0.0, contrib)
    total = contrib.sum(axis=0)
    if structure.lonely_psu == "average" and structure.lonely().any():
        if present is None:
            present = np.ones(contrib.shape, dtype=bool)
        n_present = present.sum(axis=0)
        n_ok = (present & ~lonely).sum(axis=0)
        with np.errstate(divide="ignore", invalid="ignore"):
            total = total * n_present / n_ok
    return total


def stratified_variance(t: np.ndarray, structure: Structure) -> np.ndarray:
    """Variance of each column from its PSU totals.

    Parameters
    ----------
    t : ndarray, shape (P, m)
        PSU totals of the (residualised) influence values.
    structure : Structure

    Returns
    -------
    ndarray, shape (m,)
    """
    h = structure.psu_stratum
    n_h = structure.n_psu.astype(np.float64)
    tbar = group_sum(t, h, structure.n_strata) / n_h[:, None]
    if structure.lonely_psu == "adjust":
        # R does not centre a lonely PSU (it is compared with zero, the grand mean of
        # the influence values).
        tbar[structure.lonely()] = 0.0
    centred = t - tbar[h]
    ss = group_sum(centred * centred, h, structure.n_strata)
    return _combine_strata(ss * structure.scale()[:, None], structure)


def domain_variance(
    z: np.ndarray,
    dom: np.ndarray,
    n_domains: int,
    structure: Structure,
    mask: np.ndarray | None = None,
) -> np.ndarray:
    """Variances of domain estimators from own-domain influence values.

    Column ``(d, j)`` of the full influence matrix is ``z[:, j] * (dom == d)``.  Instead of
    forming it, PSU totals are taken per (PSU, domain) pair, and the centring within
    stratum accounts for the PSUs of the stratum that have no row in the domain (their
    total is zero).  This is exact, and costs O(n k) instead of O(n k D).

    Parameters
    ----------
    z : ndarray, shape (n, k)
        Influence value of each row for its own domain (zero outside every domain).
    dom : ndarray of int64, shape (n,)
        Domain code of each row, -1 for none.
    n_domains : int
    structure : Structure
    mask : ndarray of bool, shape (n, k), optional
        Observed values; only used by the "average" lonely-PSU rule, which counts the
        strata with observed rows in the domain, as R does on a ``svyby`` subset.

    Returns
    -------
    ndarray, shape (n_domains, k)
    """
    n_strata = structure.n_strata
    k = z.shape[1]
    keep = dom >= 0
    pair_group_rows = structure.strata[keep] * n_domains + dom[keep]
    if structure.psu is None:
        pair_stratum = structure.strata[keep]
        pair_dom = dom[keep]
        t = z[keep] if not keep.all() else z
    else:
        key = structure.psu[keep] * n_domains + dom[keep]
        uniq, inv = np.unique(key, return_inverse=True)
        t = group_sum(z[keep], inv, len(uniq))
        pair_psu = uniq // n_domains
        pair_dom = uniq % n_domains
        pair_stratum = structure.psu_stratum[pair_psu]
    group = pair_stratum * n_domains + pair_dom
    n_groups = n_strata * n_domains
    m = np.bincount(group, minlength=n_groups).astype(np.float64)
    n_h = np.repeat(structure.n_psu.astype(np.float64), n_domains)
    tbar = group_sum(t, group, n_groups) / n_h[:, None]
    if structure.lonely_psu == "adjust":
        lonely = np.repeat(structure.lonely(), n_domains)
        tbar[lonely] = 0.0
    centred = t - tbar[group]
    ss = group_sum(centred * centred, group, n_groups) + (n_h - m)[:, None] * tbar * tbar
    ss *= np.repeat(structure.scale(), n_domains)[:, None]
    present = None
    if structure.lonely_psu == "average" and structure.lonely().any():
        obs = np.ones((int(keep.sum()), k)) if mask is None else mask[keep].astype(np.float64)
        present = (group_sum(obs, pair_group_rows, n_groups) > 0).reshape(n_strata, n_domains, k)
    return _combine_strata(ss.reshape(n_strata, n_domains, k), structure, present)
