"""Cache-friendly means and totals by domain for element-sampled designs.

The common case of a mapping study -- many indicators, a few domains, a stratified
sample of units, no calibration -- is computed block by block: rows are ordered by
(stratum, domain) once, the variables are gathered into that order, and each block is
processed while it sits in cache (one pass for the totals, one for the centred sums of
squares).  The result is identical to the general path in :mod:`._variance` (exact
two-pass centring, no expansion of squares); the general path is used whenever this one
does not apply (calibration, clusters, missing values, many tiny blocks).
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd

from ._columns import Domains
from ._variance import Structure, _combine_strata

__all__ = ["blocked_linear"]

_MIN_BLOCK = 256  # average rows per block below which the general path is faster


def _gather(series: pd.Series, perm: np.ndarray) -> np.ndarray | None:
    """The column in ``perm`` order, or None if it needs the general path."""
    dtype = series.dtype
    if not isinstance(dtype, np.dtype) or dtype.kind not in "biuf":
        return None
    values = series.to_numpy()[perm]
    if dtype.kind == "f" and not np.isfinite(values).all():
        return None
    return values


def blocked_linear(
    kind: str,
    data: pd.DataFrame,
    cols: Sequence[str],
    w: np.ndarray,
    doms: Domains,
    structure: Structure,
    *,
    deff: bool,
) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray | None] | None:
    """Means or totals by domain with their variances, or None if not applicable.

    Parameters
    ----------
    kind : {"mean", "total"}
    data : DataFrame
    cols : sequence of str
        Numeric columns (plain numpy dtypes without missing values, else None is
        returned).
    w : ndarray, shape (n,)
    doms : Domains
    structure : Structure
        Must be element sampling (no clusters).
    deff : bool

    Returns
    -------
    (est, var, n, deff) with arrays shaped (D, k), or None.
    """
    if structure.psu is not None or kind not in ("mean", "total"):
        return None
    n_dom, n_strata, k = doms.count, structure.n_strata, len(cols)
    inside = doms.codes >= 0
    n_groups = n_strata * n_dom
    group = structure.strata * n_dom + doms.codes
    counts = np.bincount(group[inside], minlength=n_groups)
    nonempty = np.flatnonzero(counts)
    if len(data) < _MIN_BLOCK * len(nonempty):
        return None
    sort_key = np.where(inside, group, n_groups)
    if n_groups < 32767:
        sort_key = sort_key.astype(np.int16)  # radix sort
    perm = np.argsort(sort_key, kind="stable")[: int(counts.sum())]
    y = np.empty((len(perm), k), order="F")
    for j, col in enumerate(cols):
        values = _gather(data[col], perm)
        if values is None:
            return None
        y[:, j] = values
    ws = w[perm]
    bounds = np.concatenate([[0], np.cumsum(counts)])

    # pass 1: weighted totals by block
    swy = np.zeros((n_groups, k))
    sw = np.zeros(n_groups)
    for g in nonempty:
        sl = slice(bounds[g], bounds[g + 1])
        swy[g] = ws[sl] @ y[sl]
        sw[g] = ws[sl].sum()
    tot = swy.reshape(n_strata, n_dom, k).sum(axis=0)
    psum = sw.reshape(n_strata, n_dom).sum(axis=0)
    m = counts.reshape(n_strata, n_dom).sum(axis=0).astype(np.float64)
    with np.errstate(divide="ignore", invalid="ignore"):
        est = tot / psum[:, None] if kind == "mean" else tot
        centre = tot / psum[:, None]

    # pass 2: centred sums of squares of PSU (= row) totals within stratum
    n_h = structure.n_psu.astype(np.float64)
    adjust = (
        structure.lonely() if structure.lonely_psu == "adjust" else np.zeros(n_strata, dtype=bool)
    )
    ss = np.zeros((n_strata, n_dom, k))
    svy = np.zeros((n_dom, k)) if deff else None
    buf = np.empty((int(counts.max()), k), order="F")
    for g in nonempty:
        h, d = divmod(int(g), n_dom)
        sl = slice(bounds[g], bounds[g + 1])
        yg, wg = y[sl], ws[sl]
        t = buf[: len(wg)]
        if kind == "mean" or svy is not None:
            np.subtract(yg, est[d] if kind == "mean" else centre[d], out=t)
            if svy is not None:
                svy[d] += np.einsum("i,ij,ij->j", wg, t, t)
        if kind == "mean":
            np.multiply(t, (wg / psum[d])[:, None], out=t)
        else:
            np.multiply(yg, wg[:, None], out=t)
        tbar = np.zeros(k) if adjust[h] else t.sum(axis=0) / n_h[h]
        np.subtract(t, tbar, out=t)
        ss[h, d] = np.einsum("ij,ij->j", t, t) + (n_h[h] - counts[g]) * tbar * tbar
    ss *= structure.scale()[:, None, None]
    present = np.broadcast_to((counts.reshape(n_strata, n_dom) > 0)[:, :, None], ss.shape)
    var = _combine_strata(ss, structure, present)
    n = np.repeat(m[:, None], k, axis=1)
    d_eff = None
    if svy is not None:
        with np.errstate(divide="ignore", invalid="ignore"):
            svyvar = svy / psum[:, None] * (m / (m - 1.0))[:, None]
            fpc = ((psum - m) / (psum * m))[:, None]
            vsrs = svyvar * fpc if kind == "mean" else svyvar * (psum * psum)[:, None] * fpc
            d_eff = var / vsrs
    return est, var, n, d_eff
