"""Non-response bias diagnostics: do the respondents differ from the non-respondents?

:func:`nonresponse_bias` compares respondents with non-respondents and with the frame on
frame covariates: standardised differences, tests, a response-propensity model, its
AUC, the R-indicator and the coefficient of variation of the propensities.

References
----------
Austin, P. C. (2009). Balance diagnostics for comparing the distribution of baseline
covariates between treatment groups in propensity-score matched samples. *Statistics
in Medicine* 28, 3083-3107.

Schouten, B., Cobben, F. and Bethlehem, J. (2009). Indicators for the
representativeness of survey response. *Survey Methodology* 35(1), 101-113.

Shlomo, N., Skinner, C. and Schouten, B. (2012). Estimation of an indicator of the
representativeness of survey response. *Journal of Statistical Planning and
Inference* 142, 201-211.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

import numpy as np
import pandas as pd
from scipy import stats

from toolkit.errors import InputError
from toolkit.nonresponse._balance import difference_table
from toolkit.nonresponse._common import resolve_responded
from toolkit.nonresponse._covariates import Covariate, prepare_covariates
from toolkit.nonresponse._propensity import (
    auc,
    bootstrap_r_indicator,
    design_matrix,
    fit_propensity,
    r_indicator,
)

__all__ = ["NonresponseBias", "nonresponse_bias"]


def covariate_tests(covs: list[Covariate], responded: np.ndarray) -> pd.DataFrame:
    """Chi-square test of independence (categorical) or Welch t test (numeric)."""
    stat: float
    p: float
    dof: float
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


@dataclass(frozen=True)
class NonresponseBias:
    """Non-response bias diagnostics (see :func:`nonresponse_bias`).

    Attributes
    ----------
    differences : DataFrame
        Index (covariate, level); columns kind, respondents, nonrespondents, frame
        (means or level shares), smd_nonrespondents, smd_frame.
    tests : DataFrame
        Index covariate; columns test ("chi-square" or "Welch t"), statistic, df,
        p_value, min_expected (smallest expected cell count of the chi-square table).
    coefficients : DataFrame
        The logistic response-propensity model: index term; columns coef, se, z,
        p_value, odds_ratio.
    propensities : Series
        Fitted response propensities, indexed like the frame.
    auc : float
        Area under the ROC curve of the propensity model.
    r_indicator : float
        R(rho) = 1 - 2 S(rho_hat).
    r_indicator_se : float
        Bootstrap standard error of the R-indicator (NaN if ``n_boot == 0``).
    r_indicator_ci : tuple of float
        Bootstrap percentile interval at ``level``.
    cv : float
        Coefficient of variation of the propensities, S(rho_hat) / mean(rho_hat); this
        equals the maximal absolute standardised bias (1 - R) / (2 mean(rho)).
    n_frame, n_respondents : int
    level : float
    notes : tuple of str
        Warnings worth reporting (separation, sparse tables).
    """

    differences: pd.DataFrame
    tests: pd.DataFrame
    coefficients: pd.DataFrame
    propensities: pd.Series
    auc: float
    r_indicator: float
    r_indicator_se: float
    r_indicator_ci: tuple[float, float]
    cv: float
    n_frame: int
    n_respondents: int
    level: float = 0.95
    notes: tuple[str, ...] = field(default_factory=tuple)

    def summary(self, smd_threshold: float = 0.1) -> pd.DataFrame:
        """A tidy one-column summary (index ``metric``, column ``value``).

        Parameters
        ----------
        smd_threshold : float, default 0.1
            Absolute standardised difference counted as an imbalance.
        """
        smd = self.differences["smd_nonrespondents"].abs()
        smdf = self.differences["smd_frame"].abs()
        lo, hi = self.r_indicator_ci
        rows = {
            "n_frame": float(self.n_frame),
            "n_respondents": float(self.n_respondents),
            "response_rate": self.n_respondents / self.n_frame,
            "max_abs_smd_nonrespondents": float(smd.max()),
            "max_abs_smd_frame": float(smdf.max()),
            "n_levels_abs_smd_frame_above_threshold": float((smdf > smd_threshold).sum()),
            "n_covariates_p_below_0.05": float((self.tests["p_value"] < 0.05).sum()),
            "propensity_auc": self.auc,
            "r_indicator": self.r_indicator,
            "r_indicator_se": self.r_indicator_se,
            "r_indicator_ci_low": lo,
            "r_indicator_ci_high": hi,
            "propensity_cv": self.cv,
            "mean_propensity": float(self.propensities.mean()),
        }
        return pd.DataFrame({"value": pd.Series(rows, dtype=float)}).rename_axis("metric")


def nonresponse_bias(
    frame: pd.DataFrame,
    responded: str | pd.Series | Sequence[bool] | np.ndarray,
    covariates: Sequence[str],
    *,
    propensity_covariates: Sequence[str] | None = None,
    n_boot: int = 200,
    seed: int | None = None,
    level: float = 0.95,
) -> NonresponseBias:
    """Compare respondents with non-respondents and with the frame.

    Parameters
    ----------
    frame : DataFrame
        The frame (one row per eligible unit; drop NE units first).
    responded : str, Series or array-like of bool
        A frame column, a Series indexed like the frame, or one boolean per frame row.
    covariates : sequence of str
        Frame columns to compare.  Text, categorical and boolean columns are
        categorical (missing becomes its own level ``"(missing)"``); numeric columns
        are compared by means and must be complete.
    propensity_covariates : sequence of str, optional
        Covariates of the propensity model (default: ``covariates``).
    n_boot : int, default 200
        Bootstrap replicates for the R-indicator's SE and interval (0 to skip).
    seed : int, optional
        Seed of the bootstrap.
    level : float, default 0.95
        Level of the bootstrap interval.

    Returns
    -------
    NonresponseBias

    Notes
    -----
    *Standardised differences* (Austin 2009): for numeric covariates
    (m1 - m0) / sqrt((s1^2 + s0^2)/2); for each level of a categorical covariate
    (p1 - p0) / sqrt((p1(1-p1) + p0(1-p0))/2).  Against the frame the denominator is
    the frame SD (sqrt(pF(1-pF)) for a level).  |SMD| > 0.1 is a common flag.

    *Tests* compare respondents with non-respondents: Pearson chi-square without
    continuity correction for categorical covariates, Welch's t test for numeric
    ones.  Respondents are part of the frame, so no separate test against the frame is
    given (it would test the same contrast).

    *Propensity model*: logistic regression of ``responded`` on the covariates
    (treatment coding, first level as reference) fitted by maximum likelihood with
    statsmodels; AUC by the Mann-Whitney formula.

    *R-indicator* (Schouten, Cobben and Bethlehem 2009): R = 1 - 2 S(rho_hat), with S
    the standard deviation (divisor N - 1) of fitted propensities over the frame
    (design weights are 1: the frame is a census).  R = 1 is fully representative
    response with respect to the covariates.  The SE and interval come from a
    non-parametric bootstrap over frame units, refitting the logistic model by
    Newton-Raphson in every replicate (Shlomo, Skinner and Schouten 2012 discuss
    analytic alternatives).  Estimated propensities overfit, so R
    is biased downwards when the model has many parameters relative to N.
    """
    r = resolve_responded(frame, responded)
    n = len(frame)
    if r.sum() == 0 or r.sum() == n:
        raise InputError(
            f"{'no' if r.sum() == 0 else 'every'} frame unit responded, so respondents "
            "cannot be compared with non-respondents.",
            hint="check the responded indicator.",
        )
    covs = prepare_covariates(frame, covariates)
    differences = difference_table(covs, r, None)
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
    return NonresponseBias(
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
