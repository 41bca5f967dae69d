"""Calibration to population totals: GREG (linear), raking ratio, bounded (R's ``calibrate``).

The calibration weights are ``w_i g_i`` with ``g_i = 1 + F(x_i' eta)``; ``eta`` solves
``sum_i w_i g_i x_i = totals`` by R's ``grake`` Newton iteration (generalised inverse of
the Jacobian, step halving on overflow, R's rescaling of very small weights), with R's
calibration functions:

* linear: ``F(u) = clip(1 + u, L, U) - 1``
* raking: ``F(u) = clip(exp(u), L, U) - 1``

``x_i`` holds an intercept (the population size), dummies for the levels of categorical
margins (the first level dropped, as R's treatment contrasts) and numeric columns.  Since
``g`` depends on a row only through ``x_i``, the iteration runs on the distinct rows of
the model matrix with summed weights.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import numpy as np
import pandas as pd

from ..errors import WeightingError
from ._columns import check_columns
from ._variance import group_sum
from ._weighting import margin_table, match_cells, row_codes

__all__ = ["calibrate_weights", "model_matrix"]

_GINV_TOL = 256 * np.finfo(float).eps
_RESCALE_THRESHOLD = 20.0  # R's SOMETHRESHOLD in grake


def model_matrix(
    data: pd.DataFrame,
    margins: Mapping[str, Any] | None,
    totals: Mapping[str, float] | None,
    population_size: float | None,
) -> tuple[np.ndarray, np.ndarray, list[str]]:
    """Calibration model matrix, population totals and column names.

    Raises
    ------
    WeightingError
        No totals, inconsistent margins, levels without sample cases, missing values.
    """
    margins = dict(margins or {})
    totals = dict(totals or {})
    if not margins and not totals and population_size is None:
        raise WeightingError(
            "calibrate() got no population information.",
            hint="Give margins={column: {level: count}}, totals={column: total} and/or population_size.",
        )
    cols: list[np.ndarray] = []
    pop: list[float] = []
    names: list[str] = []
    blocks = []
    for name, counts in margins.items():
        role = f"margin {name!r}"
        codes, labels = row_codes(data, [name], "calibration margin")
        table = margin_table(counts, [name], role)
        target = match_cells(
            labels, np.bincount(codes, minlength=len(labels)), table, role, partial=False
        )
        blocks.append((str(name), codes, labels, target))
    size = population_size
    if size is None and blocks:
        size = float(blocks[0][3].sum())
    if size is not None:
        size = float(size)
        if not (np.isfinite(size) and size > 0):
            raise WeightingError(
                f"population_size must be a positive number, not {population_size!r}."
            )
        for name, _, _, target in blocks:
            if abs(target.sum() - size) > 1e-8 * size:
                raise WeightingError(
                    f"margin {name!r} adds up to {target.sum():.10g}, but the population size is "
                    f"{size:.10g}.",
                    column=name,
                    hint="All margins must describe the same population: check the counts "
                    "(and population_size) come from the same source and date.",
                )
        cols.append(np.ones(len(data)))
        pop.append(size)
        names.append("(intercept)")
    for name, codes, labels, target in blocks:
        for j in range(1, len(labels)):
            cols.append((codes == j).astype(np.float64))
            pop.append(float(target[j]))
            names.append(f"{name}={labels[j]!r}")
    for name, total in totals.items():
        check_columns(data, [name], "calibration total")
        series = data[name]
        if not pd.api.types.is_numeric_dtype(series.dtype):
            raise WeightingError(
                f"column {name!r} is not numeric, so it cannot be calibrated to a total.",
                column=name,
            )
        values = series.to_numpy(dtype=np.float64, na_value=np.nan)
        if np.isnan(values).any():
            raise WeightingError(
                f"column {name!r} has {int(np.isnan(values).sum())} missing value(s); calibration "
                "needs it for every unit.",
                column=name,
                hint="Impute or fill the missing values first.",
            )
        total = float(total)
        if not np.isfinite(total):
            raise WeightingError(
                f"the population total of {name!r} is not a finite number.", column=name
            )
        cols.append(values)
        pop.append(total)
        names.append(str(name))
    return np.column_stack(cols), np.asarray(pop), names


def _calfun(method: str, lower: float, upper: float) -> tuple[Any, Any]:
    if method == "linear":

        def fm1(u: np.ndarray) -> np.ndarray:
            return np.clip(u + 1.0, lower, upper) - 1.0

        def df(u: np.ndarray) -> np.ndarray:
            return ((u < upper - 1.0) & (u > lower - 1.0)).astype(np.float64)

    else:

        def fm1(u: np.ndarray) -> np.ndarray:
            return np.clip(np.exp(u), lower, upper) - 1.0

        def df(u: np.ndarray) -> np.ndarray:
            # R's cal.raking tests u against the bounds minus one, as reproduced here
            return np.where((u < upper - 1.0) & (u > lower - 1.0), np.exp(u), 0.0)

    return fm1, df


def _grake(
    mm: np.ndarray,
    ww: np.ndarray,
    pop: np.ndarray,
    method: str,
    lower: float,
    upper: float,
    max_iter: int,
    tol: float,
) -> tuple[np.ndarray, float]:
    """g-weights for one weight column (R's ``grake``); returns (g, achieved misfit)."""
    fm1, df = _calfun(method, lower, upper)
    sample_total = mm.T @ ww
    with np.errstate(divide="ignore", invalid="ignore"):
        scales = pop / sample_total
    scale = 1.0
    if np.min(scales) > _RESCALE_THRESHOLD:
        scale = float(np.mean(scales))
        ww = ww * scale
        sample_total = sample_total * scale
    eta = np.zeros(mm.shape[1])
    xeta = mm @ eta
    deriv = df(xeta)
    it = 1
    with np.errstate(over="ignore", invalid="ignore"):
        while True:
            tmat = (mm * (ww * deriv)[:, None]).T @ mm
            misfit = pop - sample_total - mm.T @ (ww * fm1(xeta))
            deta = np.linalg.pinv(tmat, rtol=_GINV_TOL) @ misfit
            eta = eta + deta
            xeta = mm @ eta
            g = 1.0 + fm1(xeta)
            deriv = df(xeta)
            while it < max_iter and not (np.isfinite(g).all() and np.isfinite(deriv).all()):
                it += 1
                deta = deta / 2.0
                eta = eta - deta
                xeta = mm @ eta
                g = 1.0 + fm1(xeta)
                deriv = df(xeta)
            misfit = pop - sample_total - mm.T @ (ww * fm1(xeta))
            achieved = float(np.max(np.abs(misfit) / (1.0 + np.abs(pop))))
            if achieved < tol:
                return g * scale, achieved
            it += 1
            if it > max_iter or not np.isfinite(achieved):
                return g * scale, achieved


def calibrate_weights(
    data: pd.DataFrame,
    weights: np.ndarray,
    *,
    margins: Mapping[str, Any] | None,
    totals: Mapping[str, float] | None,
    population_size: float | None,
    method: str,
    bounds: tuple[float, float] | None,
    max_iter: int,
    tol: float,
) -> tuple[np.ndarray, np.ndarray]:
    """Calibrate every column of ``weights`` (n, c).

    Returns
    -------
    new_weights : ndarray, shape (n, c)
    model : ndarray, shape (n, p)
        The calibration model matrix (for calibration-aware variances).
    """
    if method not in ("linear", "raking"):
        raise WeightingError(f"method={method!r} is not 'linear' or 'raking'.", value=method)
    if bounds is None:
        lower, upper = -np.inf, np.inf
    else:
        try:
            lower, upper = (float(b) for b in bounds)
        except (TypeError, ValueError):
            raise WeightingError(f"bounds must be a pair (lower, upper), not {bounds!r}.") from None
        if not lower < 1.0 < upper:
            raise WeightingError(
                f"bounds {bounds!r} must satisfy lower < 1 < upper (they bound the ratio of new "
                "to old weights).",
                hint="e.g. bounds=(0.5, 2).",
            )
    if not (tol > 0 and max_iter >= 1):
        raise WeightingError(
            f"calibrate() needs tol > 0 and max_iter >= 1, got {tol!r} and {max_iter!r}."
        )
    mm, pop, _ = model_matrix(data, margins, totals, population_size)
    uniq, inv = np.unique(mm, axis=0, return_inverse=True)
    inv = inv.reshape(-1)
    wsum = group_sum(weights, inv, len(uniq))
    g = np.empty_like(wsum)
    for j in range(weights.shape[1]):
        g[:, j], achieved = _grake(uniq, wsum[:, j], pop, method, lower, upper, max_iter, tol)
        if not achieved < tol:
            which = "the full-sample weights" if j == 0 else f"replicate {j}"
            raise WeightingError(
                f"calibration of {which} did not converge in {max_iter} iterations (largest "
                f"relative misfit {achieved:.3g}).",
                hint="The totals may be unreachable within the bounds: widen bounds, merge "
                "sparse levels (toolkit.survey.suggest_collapse), drop a total, or raise max_iter.",
            )
    return weights * g[inv], mm
