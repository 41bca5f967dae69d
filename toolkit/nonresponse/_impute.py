"""Item non-response: multiple imputation by chained equations, design-based analysis
of each completed data set, and pooling with Rubin's rules.

A Society that returned the questionnaire may still have skipped questions.  Dropping
such returns (complete-case analysis) discards information and biases estimates when
the skipping depends on what the Society does.  The three steps here are:

1. :func:`mice` — ``m`` completed copies of the respondents' data, drawn with
   statsmodels' chained-equations machinery (:class:`statsmodels.imputation.mice.MICEData`).
2. :func:`analyse` — build the survey design on each completed copy and run an
   estimator (``Design.mean``, ``.proportion``, ...).
3. :func:`rubin` — pool the ``m`` estimates and variances (Rubin 1987; Barnard and
   Rubin 1999 small-sample degrees of freedom).

References
----------
Rubin, D. B. (1987). *Multiple Imputation for Nonresponse in Surveys*. Wiley.

Barnard, J. and Rubin, D. B. (1999). Small-sample degrees of freedom with multiple
imputation. *Biometrika* 86, 948-955.

van Buuren, S. (2018). *Flexible Imputation of Missing Data*, 2nd ed. CRC Press.

Lumley, T. (2019). mitools: Tools for Multiple Imputation of Missing Data.
R package (``MIcombine``).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from typing import Any

import numpy as np
import pandas as pd
from scipy import stats

from toolkit.errors import InputError
from toolkit.nonresponse._mice import run_mice

__all__ = ["analyse", "mice", "rubin"]


def rubin(
    estimates: Any,
    variances: Any,
    df_complete: float | None = None,
    *,
    level: float = 0.95,
    mitools_df: bool = False,
) -> pd.DataFrame:
    """Pool estimates from ``m`` imputed data sets with Rubin's rules.

    Parameters
    ----------
    estimates : array-like, shape (m,) or (m, k), or DataFrame (m rows, k columns)
        One estimate per imputation (and per parameter).  A list of Series is also
        accepted (parameters named by the Series index).
    variances : array-like
        The matching within-imputation variances (squared standard errors), same
        shape as ``estimates``; or covariance matrices of shape (m, k, k), of which
        the diagonal is used.
    df_complete : float, optional
        Complete-data degrees of freedom (for a survey design: number of PSUs minus
        number of strata).  ``None`` (or ``inf``) gives Rubin's (1987) large-sample
        degrees of freedom; a finite value gives Barnard and Rubin's (1999)
        small-sample degrees of freedom.
    level : float, default 0.95
        Confidence level of the interval ``estimate +/- t_{df} * se``.
    mitools_df : bool, default False
        If True and ``df_complete`` is finite, compute the observed-data degrees of
        freedom exactly as ``mitools::MIcombine`` does, with W / (W + B) in place of
        Barnard and Rubin's 1 - gamma = W / T (see Notes).  Only for reproducing R
        output.

    Returns
    -------
    DataFrame
        One row per parameter with columns ``estimate`` (the mean of the estimates),
        ``variance`` (total variance T), ``se`` (sqrt T), ``df``, ``ci_low``,
        ``ci_high``, ``fmi`` (fraction of missing information), ``riv`` (relative
        increase in variance r), ``within`` (W), ``between`` (B), ``m``.

    Notes
    -----
    With Q_i, U_i the estimate and variance from imputation i:
    Qbar = mean(Q_i); W = mean(U_i); B = var(Q_i) (divisor m - 1);
    T = W + (1 + 1/m) B; r = (1 + 1/m) B / W; Rubin's degrees of freedom
    nu_m = (m - 1) (1 + 1/r)^2.  Barnard-Rubin: gamma = (1 + 1/m) B / T,
    nu_obs = (nu_com + 1) / (nu_com + 3) * nu_com * (1 - gamma),
    nu = 1 / (1/nu_m + 1/nu_obs).  The fraction of missing information is
    (r + 2 / (nu + 3)) / (r + 1), as ``mitools::MIcombine`` reports ``missinfo``.
    When B = 0 the imputations agree, r = 0, nu_m is infinite and fmi is 0 (or the
    Barnard-Rubin nu_obs with finite ``df_complete``).

    ``mitools::MIcombine`` (version 2.4) uses W / (W + B) instead of 1 - gamma in
    nu_obs; the difference is small for moderate m but exceeds 1e-6.  With
    ``df_complete=None`` this function agrees with ``MIcombine`` exactly.
    """
    Q, names = _as_matrix(estimates, "estimates")
    U, _ = _as_matrix(variances, "variances", expect=Q.shape)
    m = Q.shape[0]
    if m < 2:
        raise InputError(
            f"Rubin's rules need at least 2 imputations; got {m}.",
            hint="draw more imputations (m = 20 or more is usual).",
        )
    if not np.isfinite(Q).all() or not np.isfinite(U).all():
        raise InputError(
            "estimates and variances must be finite numbers.",
            hint="check the per-imputation results for missing or infinite values.",
        )
    if (U < 0).any():
        raise InputError("variances must be non-negative.", value=float(U[U < 0][0]))
    if not 0 < level < 1:
        raise InputError(f"level must lie in (0, 1); got {level}.", value=level)
    qbar = Q.mean(axis=0)
    W = U.mean(axis=0)
    B = Q.var(axis=0, ddof=1)
    T = W + (1 + 1 / m) * B
    with np.errstate(divide="ignore", invalid="ignore"):
        r = np.where(B > 0, (1 + 1 / m) * B / W, 0.0)
        df = np.where(B > 0, (m - 1) * (1 + 1 / r) ** 2, np.inf)
        if df_complete is not None and np.isfinite(df_complete):
            if df_complete <= 0:
                raise InputError(
                    f"df_complete must be positive; got {df_complete}.", value=df_complete
                )
            dfc = float(df_complete)
            one_minus_gamma = W / (W + B) if mitools_df else np.where(T > 0, W / T, 1.0)
            dfobs = (dfc + 1) / (dfc + 3) * dfc * one_minus_gamma
            df = 1 / (1 / dfobs + 1 / df)
        fmi = (r + 2 / (df + 3)) / (r + 1)
    se = np.sqrt(T)
    q = np.where(
        np.isfinite(df),
        stats.t.ppf(0.5 + level / 2, np.where(np.isfinite(df), df, 1)),
        stats.norm.ppf(0.5 + level / 2),
    )
    out = pd.DataFrame(
        {
            "estimate": qbar,
            "variance": T,
            "se": se,
            "df": df,
            "ci_low": qbar - q * se,
            "ci_high": qbar + q * se,
            "fmi": fmi,
            "riv": r,
            "within": W,
            "between": B,
            "m": m,
        },
        index=names,
    )
    return out


def _as_matrix(
    x: Any, what: str, expect: tuple[int, int] | None = None
) -> tuple[np.ndarray, pd.Index]:
    arr: np.ndarray
    names: pd.Index | None
    if isinstance(x, pd.DataFrame):
        arr = x.to_numpy(dtype=float)
        names = pd.Index(x.columns)
    elif isinstance(x, (list, tuple)) and x and all(isinstance(v, pd.Series) for v in x):
        first = x[0].index
        if any(not v.index.equals(first) for v in x):
            raise InputError(
                f"the {what} Series do not all have the same index.",
                hint="make every imputation report the same parameters in the same order.",
            )
        arr = np.vstack([v.to_numpy(dtype=float) for v in x])
        names = first
    else:
        arr = np.asarray(x, dtype=float)
        names = None
    if arr.ndim == 3:
        if arr.shape[1] != arr.shape[2]:
            raise InputError(f"{what} of shape {arr.shape} are not square matrices.")
        arr = np.diagonal(arr, axis1=1, axis2=2)
    if arr.ndim == 1:
        arr = arr[:, None]
    if arr.ndim != 2:
        raise InputError(f"{what} must be 1-, 2- or (variances) 3-dimensional; got {arr.ndim}.")
    if expect is not None and arr.shape != expect:
        raise InputError(
            f"{what} have shape {arr.shape} but the estimates have shape {expect}.",
            hint="pass one variance per imputation and parameter.",
        )
    if names is None:
        names = pd.RangeIndex(arr.shape[1])
    return arr, names


def mice(
    data: pd.DataFrame,
    columns: Sequence[str],
    m: int = 20,
    seed: int | None = None,
    *,
    predictors: Sequence[str] | None = None,
    n_burnin: int = 10,
    n_skip: int = 3,
    k_pmm: int = 5,
) -> list[pd.DataFrame]:
    """Multiple imputation by chained equations (statsmodels ``MICEData``).

    Parameters
    ----------
    data : DataFrame
        The respondents' data (one row per unit).  Rows are never dropped.
    columns : sequence of str
        Columns to impute.  Numeric columns are imputed with a linear model and
        predictive mean matching (PMM); binary columns (0/1, boolean, or text with two
        values such as yes/no) with a logistic model (statsmodels ``GLM``, binomial)
        and PMM on the fitted probabilities.  Each column serves as a predictor of
        the others.
    m : int, default 20
        Number of completed data sets.
    seed : int, optional
        Seed of the random generator (passed to ``MICEData(rng=...)``).
    predictors : sequence of str, optional
        Extra complete columns used only as predictors (e.g. ``zone``,
        ``income_group``); text/categorical ones are dummy coded.  Including the
        variables that drive non-response and the design (strata) is recommended.
    n_burnin : int, default 10
        Chained-equation cycles before the first data set is kept.
    n_skip : int, default 3
        Cycles discarded between kept data sets (one chain, as
        ``statsmodels.imputation.mice.MICE`` does).
    k_pmm : int, default 5
        Donors for predictive mean matching (R ``mice`` uses 5).

    Returns
    -------
    list of DataFrame
        ``m`` copies of ``data`` with the missing values of ``columns`` filled, dtypes
        preserved (imputed values are observed values of donors, so integer and 0/1
        columns stay integer and 0/1).  ``df.attrs["imputation"]`` holds 1..m.

    Raises
    ------
    InputError
        If a column is missing, has no observed value, is text with more than two
        values, or a predictor has missing values; or if a row has nothing observed
        to predict from.

    Notes
    -----
    Model parameters are drawn from the normal approximation to their posterior
    before each imputation ("gaussian" perturbation of statsmodels), which makes
    the imputations proper.  A column whose observed values are all equal is filled
    with that value (no model can say otherwise).  Select-multiple questions are
    imputed through their ``<q>__<option>`` 0/1 columns, not the space-separated text.
    """
    if m < 1:
        raise InputError(f"m must be at least 1; got {m}.", value=m)
    return run_mice(
        data,
        list(columns),
        m=m,
        seed=seed,
        predictors=list(predictors or []),
        n_burnin=n_burnin,
        n_skip=n_skip,
        k_pmm=k_pmm,
    )


def analyse(
    imputations: Sequence[pd.DataFrame],
    design_kwargs: Mapping[str, Any] | Callable[[pd.DataFrame], Any],
    estimator: str | Callable[[Any], pd.DataFrame],
    *,
    df_complete: float | None = None,
    level: float = 0.95,
    **estimator_kwargs: Any,
) -> pd.DataFrame:
    """Estimate on every completed data set with the survey design and pool.

    Parameters
    ----------
    imputations : sequence of DataFrame
        Completed data sets (from :func:`mice`).
    design_kwargs : mapping or callable
        Keyword arguments of :class:`toolkit.survey.Design` (``weights``, ``strata``,
        ``ids``, ``fpc``), or a function building the design from a completed data
        set (e.g. one calling :func:`toolkit.nonresponse.nonresponse_design`).
    estimator : str or callable
        A ``Design`` method name (``"mean"``, ``"total"``, ``"proportion"``,
        ``"ratio"``) called with ``**estimator_kwargs``, or a function of the design
        returning a DataFrame with columns ``estimate`` and ``se``.
    df_complete : float, optional
        Complete-data degrees of freedom for :func:`rubin` (Barnard-Rubin).
    level : float, default 0.95
    **estimator_kwargs
        Passed to the method named by ``estimator``.

    Returns
    -------
    DataFrame
        The estimator's index; columns of :func:`rubin` (estimate, variance, se, df,
        ci_low, ci_high, fmi, riv, within, between, m) plus ``n`` when the estimator
        reports it (taken from the first data set).  Intervals are
        ``estimate +/- t * se`` on the estimate's own scale.
    """
    if len(imputations) < 2:
        raise InputError(
            f"pooling needs at least 2 completed data sets; got {len(imputations)}.",
            hint="draw more imputations with mice(..., m=20).",
        )
    build: Callable[[pd.DataFrame], Any]
    if callable(design_kwargs):
        build = design_kwargs
    else:
        from toolkit.survey import Design

        kw = dict(design_kwargs)

        def build(d: pd.DataFrame) -> Design:
            return Design(d, **kw)

    run: Callable[[Any], pd.DataFrame]
    if isinstance(estimator, str):
        name = estimator

        def run(design: Any) -> pd.DataFrame:
            method = getattr(design, name, None)
            if method is None:
                raise InputError(
                    f"the design has no estimator {name!r}.",
                    hint="use 'mean', 'total', 'proportion' or 'ratio', or pass a function.",
                )
            return method(**estimator_kwargs)

    else:
        if estimator_kwargs:
            raise InputError(
                "extra keyword arguments are only used with an estimator given by name.",
                hint="put them inside your estimator function.",
            )
        run = estimator

    results: list[pd.DataFrame] = []
    for i, d in enumerate(imputations):
        res = run(build(d))
        if not isinstance(res, pd.DataFrame) or not {"estimate", "se"} <= set(res.columns):
            raise InputError(
                "the estimator must return a DataFrame with columns 'estimate' and 'se'.",
                hint="wrap your estimator so it returns such a table.",
            )
        if results and not res.index.equals(results[0].index):
            raise InputError(
                f"imputation {i + 1} gives estimates for different rows than imputation 1 "
                "(e.g. a category that occurs in one completed data set only).",
                hint="estimate 0/1 indicator columns with mean() instead of categories "
                "with proportion(), so every imputation reports the same rows.",
            )
        results.append(res)
    est = np.vstack([r["estimate"].to_numpy(dtype=float) for r in results])
    var = np.vstack([r["se"].to_numpy(dtype=float) ** 2 for r in results])
    pooled = rubin(est, var, df_complete, level=level)
    pooled.index = results[0].index
    if "n" in results[0].columns:
        pooled["n"] = results[0]["n"].to_numpy()
    return pooled
