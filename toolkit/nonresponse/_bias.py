"""Private implementation of non-response bias diagnostics.

Standardised differences, tests, the response-propensity model, AUC and the
R-indicator.  See :func:`toolkit.nonresponse.nonresponse_bias`.
"""

from __future__ import annotations

import warnings
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd
from scipy import stats

from toolkit.errors import InputError
from toolkit.nonresponse._common import (
    check_columns,
    is_categorical,
    levels_of,
    resolve_responded,
    to_float,
)

__all__: list[str] = []


# ----------------------------------------------------------------- covariate coding


@dataclass(frozen=True)
class Covariate:
    """A frame covariate prepared for diagnostics."""

    name: str
    kind: str  # "categorical" | "numeric"
    levels: tuple = ()
    values: np.ndarray = field(default_factory=lambda: np.empty(0))  # codes or floats


def prepare_covariates(frame: pd.DataFrame, covariates: Sequence[str]) -> list[Covariate]:
    covs = list(covariates)
    if not covs:
        raise InputError("no covariates given.", hint="name at least one frame column.")
    check_columns(frame, covs, "frame")
    out = []
    for c in covs:
        s = frame[c]
        if is_categorical(s):
            if s.isna().any():
                # Missing is a level of its own: nothing is dropped.
                s = s.astype(object).where(s.notna(), "(missing)")
            lev = levels_of(s)
            if len(lev) < 2:
                raise InputError(
                    "the covariate has a single level in the frame, so it cannot "
                    "distinguish respondents from non-respondents.",
                    column=c,
                    value=lev[0] if lev else None,
                    hint="drop it from the covariates.",
                )
            codes = pd.Categorical(s, categories=lev).codes.astype(np.intp)
            out.append(Covariate(c, "categorical", tuple(lev), codes))
        else:
            try:
                x = to_float(s)
            except (TypeError, ValueError) as exc:
                raise InputError(
                    "the covariate is neither categorical nor numeric.",
                    column=c,
                    hint="convert it to numbers or to text categories.",
                ) from exc
            if np.isnan(x).any():
                raise InputError(
                    f"the numeric covariate is missing for {int(np.isnan(x).sum())} frame unit(s).",
                    column=c,
                    hint="fill the frame value, or cut the covariate into categories "
                    "(missing then becomes its own category).",
                )
            if np.ptp(x) == 0:
                raise InputError(
                    "the numeric covariate is constant over the frame.",
                    column=c,
                    hint="drop it from the covariates.",
                )
            out.append(Covariate(c, "numeric", (), x))
    return out


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


# -------------------------------------------------------------- standardised diffs


def _wmean_var(x: np.ndarray, w: np.ndarray) -> tuple[float, float]:
    sw = w.sum()
    m = float((w * x).sum() / sw)
    # Unbiased-for-SRS variance when w == 1; weighted analogue otherwise.
    n = len(x)
    v = float((w * (x - m) ** 2).sum() / sw * (n / (n - 1))) if n > 1 else np.nan
    return m, v


def _smd(m1: float, m0: float, sd: float) -> float:
    d = m1 - m0
    if sd > 0:
        return d / sd
    return 0.0 if d == 0 else float(np.sign(d) * np.inf)


def standardised_differences(
    covs: list[Covariate], responded: np.ndarray, weights: np.ndarray | None
) -> pd.DataFrame:
    """Per covariate level: means/proportions and standardised differences.

    ``smd_nonrespondents`` = (respondent - non-respondent) / pooled SD,
    pooled SD = sqrt((s1^2 + s0^2)/2) (Austin 2009); ``smd_frame`` = (respondent -
    frame) / frame SD (as ``balance``'s ASMD against a target).  Respondent means use
    ``weights`` when given (to show balance after weighting); non-respondent and frame
    figures are always unweighted (the frame is a census).
    """
    r = responded
    wr = np.ones(int(r.sum())) if weights is None else weights
    records = []
    for cv in covs:
        if cv.kind == "categorical":
            for j, lev in enumerate(cv.levels):
                x = (cv.values == j).astype(float)
                records.append(_diff_record(cv.name, str(lev), "categorical", x, r, wr, True))
        else:
            records.append(_diff_record(cv.name, "", "numeric", cv.values, r, wr, False))
    df = pd.DataFrame.from_records(records)
    return df.set_index(["covariate", "level"])


def _diff_record(name, level, kind, x, r, wr, is_prop) -> dict:
    x1, x0 = x[r], x[~r]
    m1, v1 = _wmean_var(x1, wr) if len(x1) else (np.nan, np.nan)
    m0, v0 = _wmean_var(x0, np.ones(len(x0))) if len(x0) else (np.nan, np.nan)
    mf, vf = _wmean_var(x, np.ones(len(x)))
    if is_prop:
        # Proportions: use p(1-p) so the SMD does not depend on group size.
        v1 = m1 * (1 - m1)
        v0 = m0 * (1 - m0) if len(x0) else np.nan
        vf = mf * (1 - mf)
    pooled = np.sqrt((v1 + v0) / 2) if len(x0) else np.nan
    return {
        "covariate": name,
        "level": level,
        "kind": kind,
        "respondents": m1,
        "nonrespondents": m0,
        "frame": mf,
        "smd_nonrespondents": _smd(m1, m0, pooled) if len(x0) else np.nan,
        "smd_frame": _smd(m1, mf, np.sqrt(vf)),
    }


def covariate_tests(covs: list[Covariate], responded: np.ndarray) -> pd.DataFrame:
    """Chi-square test of independence (categorical) or Welch t test (numeric)."""
    records = []
    for cv in covs:
        if cv.kind == "categorical":
            k = len(cv.levels)
            tab = np.zeros((2, k))
            np.add.at(tab, (responded.astype(np.intp), cv.values), 1)
            if (tab.sum(axis=1) == 0).any():
                stat, p, dof = np.nan, np.nan, k - 1
            else:
                res = stats.chi2_contingency(tab, correction=False)
                stat, p, dof = float(res.statistic), float(res.pvalue), int(res.dof)
                min_expected = float(res.expected_freq.min())
            records.append(
                {
                    "covariate": cv.name,
                    "test": "chi-square",
                    "statistic": stat,
                    "df": float(dof),
                    "p_value": p,
                    "min_expected": min_expected if np.isfinite(stat) else np.nan,
                }
            )
        else:
            x1, x0 = cv.values[responded], cv.values[~responded]
            if len(x1) < 2 or len(x0) < 2:
                stat = p = dof = np.nan
            else:
                res = stats.ttest_ind(x1, x0, equal_var=False)
                stat, p = float(res.statistic), float(res.pvalue)
                dof = float(res.df)
            records.append(
                {
                    "covariate": cv.name,
                    "test": "Welch t",
                    "statistic": stat,
                    "df": dof,
                    "p_value": p,
                    "min_expected": np.nan,
                }
            )
    return pd.DataFrame.from_records(records).set_index("covariate")


# --------------------------------------------------------------- propensity model


def fit_propensity(X: np.ndarray, y: np.ndarray, names: list[str]):
    """Fit the logistic response-propensity model with statsmodels.

    Returns (result, fitted propensities, notes).
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


def compute_nonresponse_bias(
    frame: pd.DataFrame,
    responded: Any,
    covariates: Sequence[str],
    *,
    propensity_covariates: Sequence[str] | None,
    n_boot: int,
    seed: int | None,
    level: float,
) -> dict[str, Any]:
    """Fields of :class:`toolkit.nonresponse.NonresponseBias`."""
    r = resolve_responded(frame, responded)
    n = len(frame)
    if r.sum() == 0 or r.sum() == n:
        raise InputError(
            f"{'no' if r.sum() == 0 else 'every'} frame unit responded, so respondents "
            "cannot be compared with non-respondents.",
            hint="check the responded indicator.",
        )
    covs = prepare_covariates(frame, covariates)
    differences = standardised_differences(covs, r, None)
    tests = covariate_tests(covs, r)
    notes: list[str] = []
    sparse = tests.index[tests["min_expected"] < 5].tolist()
    if sparse:
        notes.append(
            "chi-square tables with expected counts below 5 (p-values approximate): "
            + ", ".join(map(str, sparse))
        )
    pcovs = (
        covs if propensity_covariates is None else prepare_covariates(frame, propensity_covariates)
    )
    X, names = design_matrix(pcovs)
    res, p, fit_notes = fit_propensity(X, r, names)
    notes.extend(fit_notes)
    with np.errstate(divide="ignore", invalid="ignore", over="ignore"):
        coef = pd.DataFrame(
            {
                "coef": np.asarray(res.params),
                "se": np.asarray(res.bse),
                "z": np.asarray(res.tvalues),
                "p_value": np.asarray(res.pvalues),
                "odds_ratio": np.exp(np.asarray(res.params)),
            },
            index=pd.Index(names, name="term"),
        )
    R = r_indicator(p)
    if n_boot > 0:
        boot = bootstrap_r_indicator(X, r, n_boot, seed)
        alpha = (1 - level) / 2
        se = float(np.std(boot, ddof=1))
        ci = (float(np.quantile(boot, alpha)), float(np.quantile(boot, 1 - alpha)))
    else:
        se, ci = np.nan, (np.nan, np.nan)
    return dict(  # noqa: C408
        differences=differences,
        tests=tests,
        coefficients=coef,
        propensities=pd.Series(p, index=frame.index, name="propensity"),
        auc=auc(p, r),
        r_indicator=R,
        r_indicator_se=se,
        r_indicator_ci=ci,
        cv=float(np.std(p, ddof=1) / np.mean(p)),
        n_frame=n,
        n_respondents=int(r.sum()),
        level=level,
        notes=tuple(notes),
    )


def respondent_weights(frame: pd.DataFrame, r: np.ndarray, weights: Any) -> np.ndarray:
    """Respondent weights as an array in frame order of the respondents."""
    if isinstance(weights, pd.Series):
        idx = frame.index[r]
        missing = idx.difference(weights.index)
        if len(missing):
            raise InputError(
                "weights has no value for a respondent.",
                value=missing[0],
                hint="index the weights like the frame rows of the respondents.",
            )
        w = weights.reindex(idx).to_numpy(dtype=float)
    else:
        w = np.asarray(weights, dtype=float)
    if w.shape != (int(r.sum()),):
        raise InputError(
            f"weights has {w.size} values for {int(r.sum())} respondents.",
            hint="pass one weight per respondent, in frame order.",
        )
    if np.isnan(w).any() or (w < 0).any() or w.sum() <= 0:
        raise InputError("weights must be non-negative, not missing and not all zero.")
    return w
