"""The logistic response-propensity model: design matrix, fit, AUC and R-indicator.

References
----------
Schouten, B., Cobben, F. and Bethlehem, J. (2009). Indicators for the
representativeness of survey response. *Survey Methodology* 35(1), 101-113.
"""

from __future__ import annotations

import warnings
from typing import Any

import numpy as np
import pandas as pd
from scipy import stats

from toolkit.nonresponse._covariates import Covariate

__all__: list[str] = []


def design_matrix(covs: list[Covariate]) -> tuple[np.ndarray, list[str]]:
    """Intercept + treatment-coded dummies (first level as reference) + numerics."""
    cols = [np.ones(len(covs[0].values))]
    names = ["const"]
    for cv in covs:
        if cv.kind == "categorical":
            for j, lev in enumerate(cv.levels[1:], start=1):
                cols.append((cv.values == j).astype(float))
                names.append(f"{cv.name}[T.{lev}]")
        else:
            cols.append(cv.values)
            names.append(cv.name)
    return np.column_stack(cols), names


def fit_propensity(
    X: np.ndarray, y: np.ndarray, names: list[str]
) -> tuple[Any, np.ndarray, list[str]]:
    """Fit the logistic response-propensity model with statsmodels.

    Returns (statsmodels ``LogitResults``, fitted propensities, notes).
    """
    from statsmodels.discrete.discrete_model import Logit
    from statsmodels.tools.sm_exceptions import (
        ConvergenceWarning,
        PerfectSeparationWarning,
    )

    notes: list[str] = []
    model = Logit(y.astype(float), pd.DataFrame(X, columns=names))
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        res = model.fit(disp=0, maxiter=200, method="newton")
    for w in caught:
        if issubclass(w.category, PerfectSeparationWarning):
            notes.append(
                "the propensity model separates respondents perfectly for some covariate "
                "pattern (a level where everyone or no one answered); coefficients and "
                "their SEs for those levels are not meaningful — consider collapsing levels"
            )
        elif issubclass(w.category, ConvergenceWarning):
            notes.append("the propensity model did not converge in 200 Newton steps")
    notes = list(dict.fromkeys(notes))
    return res, np.asarray(res.predict(pd.DataFrame(X, columns=names))), notes


def _logit_irls(X: np.ndarray, y: np.ndarray, max_iter: int = 50) -> np.ndarray:
    """Plain Newton-Raphson logistic fit (used inside the bootstrap for speed).

    A tiny ridge keeps separated resamples finite; fitted propensities are what the
    R-indicator needs, and for separated patterns they tend to 0/1 either way.
    """
    beta = np.zeros(X.shape[1])
    ridge = 1e-6 * np.eye(X.shape[1])
    for _ in range(max_iter):
        eta = np.clip(X @ beta, -30, 30)
        p = 1 / (1 + np.exp(-eta))
        W = p * (1 - p)
        H = X.T @ (X * W[:, None]) + ridge
        g = X.T @ (y - p)
        step = np.linalg.solve(H, g)
        beta = beta + step
        if np.max(np.abs(step)) < 1e-10:
            break
    return 1 / (1 + np.exp(-np.clip(X @ beta, -30, 30)))


def auc(p: np.ndarray, y: np.ndarray) -> float:
    """Area under the ROC curve (Mann-Whitney form, ties count one half)."""
    n1 = int(y.sum())
    n0 = len(y) - n1
    if n1 == 0 or n0 == 0:
        return np.nan
    ranks = stats.rankdata(p)
    return float((ranks[y].sum() - n1 * (n1 + 1) / 2) / (n1 * n0))


def r_indicator(p: np.ndarray) -> float:
    """R(rho) = 1 - 2 S(rho), S the standard deviation with divisor N - 1."""
    return float(1 - 2 * np.std(p, ddof=1))


def bootstrap_r_indicator(
    X: np.ndarray, y: np.ndarray, n_boot: int, seed: int | None
) -> np.ndarray:
    """Non-parametric bootstrap of the R-indicator (frame units resampled)."""
    rng = np.random.default_rng(seed)
    n = len(y)
    out = np.empty(n_boot)
    for b in range(n_boot):
        idx = rng.integers(0, n, n)
        Xb, yb = X[idx], y[idx].astype(float)
        keep = np.ones(X.shape[1], dtype=bool)
        # Drop dummies that are constant in the resample (level not drawn).
        keep[1:] = np.ptp(Xb[:, 1:], axis=0) > 0
        out[b] = r_indicator(_logit_irls(Xb[:, keep], yb))
    return out
