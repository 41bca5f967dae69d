"""Response and non-response: dispositions, AAPOR outcome rates, non-response bias
diagnostics and non-response adjusted survey designs.

The membership table is a census frame: every Society is asked, so "non-response" is
the only thing that stands between the returned questionnaires and the population.
This module answers three questions in order:

1. *Who answered?*  :func:`dispositions` codes every frame unit with an AAPOR final
   disposition (I, P, R, NC, O, UH, UO, NE) and :func:`response_rates` turns those into
   the AAPOR response, cooperation, refusal and contact rates.
2. *Do those who answered differ?*  :func:`nonresponse_bias` compares respondents
   with non-respondents and with the frame on frame covariates (standardised
   differences, tests, a response-propensity model, its AUC, the R-indicator and the
   coefficient of variation of the propensities).
3. *Adjust.*  :func:`nonresponse_design` returns the respondents as a
   :class:`toolkit.survey.Design` whose weights correct for non-response (weighting
   classes with finite population corrections, propensity classes, or raking to frame
   margins).

References
----------
AAPOR (2023). *Standard Definitions: Final Dispositions of Case Codes and Outcome
Rates for Surveys*, 10th edition. American Association for Public Opinion Research.

Austin, P. C. (2009). Balance diagnostics for comparing the distribution of baseline
covariates between treatment groups in propensity-score matched samples. *Statistics
in Medicine* 28, 3083-3107.

Schouten, B., Cobben, F. and Bethlehem, J. (2009). Indicators for the
representativeness of survey response. *Survey Methodology* 35(1), 101-113.

Little, R. J. A. (1986). Survey nonresponse adjustments for estimates of means.
*International Statistical Review* 54, 139-157.

Eltinge, J. L. and Yansaneh, I. S. (1997). Diagnostics for formation of nonresponse
adjustment cells. *Survey Methodology* 23, 33-40.

Kalton, G. and Flores-Cervantes, I. (2003). Weighting methods. *Journal of Official
Statistics* 19, 81-97.

Shlomo, N., Skinner, C. and Schouten, B. (2012). Estimation of an indicator of the
representativeness of survey response. *Journal of Statistical Planning and
Inference* 142, 201-211.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from toolkit.nonresponse._bias import (
    compute_nonresponse_bias,
    prepare_covariates,
    respondent_weights,
)
from toolkit.nonresponse._bias import standardised_differences as _std_diffs
from toolkit.nonresponse._common import resolve_responded
from toolkit.nonresponse._design import build_nonresponse_design
from toolkit.nonresponse._design import collapse_classes as _collapse
from toolkit.nonresponse._dispositions import (
    DISPOSITION_CODES,
    DISPOSITION_LABELS,
    RATE_COLUMNS,
    compute_dispositions,
    compute_rates,
)

__all__ = [
    "DISPOSITION_CODES",
    "DISPOSITION_LABELS",
    "RATE_COLUMNS",
    "NonresponseBias",
    "collapse_classes",
    "dispositions",
    "nonresponse_bias",
    "nonresponse_design",
    "response_rates",
    "standardised_differences",
    "weighting_balance",
]


def dispositions(
    frame: pd.DataFrame,
    data: pd.DataFrame,
    *,
    unit: str = "ns_iso3",
    frame_unit: str = "iso3",
    contact_log: pd.DataFrame | None = None,
    eligibility: str | pd.Series | pd.DataFrame | None = None,
    key_items: Sequence[str] | None = None,
    complete: float = 0.8,
    partial: float = 0.5,
) -> pd.DataFrame:
    """Assign an AAPOR final disposition code to every unit of the frame.

    Parameters
    ----------
    frame : DataFrame
        The sampling frame (membership table), one row per unit; every row is
        eligible unless ``eligibility`` or the contact log says otherwise.
    data : DataFrame
        Ingested returns, one row per unit (``toolkit.ingest`` ``.data``).
    unit : str, default "ns_iso3"
        Unit column of ``data`` (and of ``contact_log``).
    frame_unit : str, default "iso3"
        Unit column of ``frame``.
    contact_log : DataFrame, optional
        Field outcomes for units, with columns ``unit`` (or the ``unit`` / ``frame_unit``
        name), ``outcome`` and optionally ``date``.  Outcomes: ``refusal``,
        ``break_off``, ``non_contact``, ``other``, ``unknown`` (UO),
        ``unknown_household`` (UH), ``ineligible`` (NE) or the AAPOR codes themselves.
        With several rows per unit the last one (by ``date`` if present, else by row
        order) is the final outcome.
    eligibility : str, Series or DataFrame, optional
        Known eligibility: a boolean frame column, a Series indexed by unit, or a table
        (unit, ``eligible``).  ``False`` gives NE; a missing value means unknown
        eligibility; units absent from a Series or table are eligible.  When omitted,
        every frame unit is eligible (all member Societies are in scope).
    key_items : sequence of str, optional
        Questions whose answers decide complete vs partial; all of them apply to every
        return.  Default: the standard instrument's key items (see Notes).
    complete, partial : float, default 0.8 and 0.5
        Share of applicable key items answered at or above which a return is complete
        (I) or partial (P).  Below ``partial`` a return is a break-off, coded R.

    Returns
    -------
    DataFrame
        The frame's columns plus ``disposition`` (categorical, categories
        :data:`DISPOSITION_CODES`), ``responded`` (I or P), ``key_items_applicable``,
        ``key_items_answered``, ``answered_share`` (missing for non-returns) and
        ``disposition_source`` (``return``, ``contact_log``, ``eligibility`` or
        ``no_return``).  Same index and row order as ``frame``.

    Raises
    ------
    InputError
        If ``data`` repeats a unit or holds units not in the frame, a logged outcome is
        unknown, or the log claims a return that is not in the data.

    Notes
    -----
    Rules, applied in this order (AAPOR 2023, codes for mail/internet surveys of
    specifically named units):

    1. ``eligibility`` False, or a logged ``ineligible``: **NE**.
    2. A returned row: share of applicable key items answered ``>= complete`` -> **I**;
       ``>= partial`` -> **P**; otherwise a break-off, coded **R** ("refusal and
       break-off") as AAPOR prescribes for break-offs below the partial threshold.
    3. No return, a logged outcome: that outcome (R, NC, O, UH, UO).
    4. No return, no log entry, eligibility unknown (missing): **UO**.
    5. No return, no log entry, eligible: **NC**.  This is an explicit choice: for a
       questionnaire sent to a named focal point, silence without a recorded refusal is
       treated as "never reached" (non-contact).  Pass a contact log to record
       refusals and other outcomes.

    Default key items: ``activities``, ``people_reached``, ``branches_total``,
    ``branches_migration``, ``staff_migration``, ``volunteers_migration``,
    ``coop_any``, ``coop_interest``, ``work_languages`` (those present in ``data``),
    plus for each selected activity *a* its ``a_stage``, ``a_groups``, ``a_service``,
    ``a_reached``, plus ``coop_partners`` and ``coop_activities`` when ``coop_any`` is
    "yes".  An item counts as answered when it is not missing and not blank.
    """
    return compute_dispositions(
        frame,
        data,
        unit=unit,
        frame_unit=frame_unit,
        contact_log=contact_log,
        eligibility=eligibility,
        key_items=key_items,
        complete=complete,
        partial=partial,
    )


def response_rates(
    dispositions: pd.DataFrame | pd.Series,
    by: str | Sequence[str] | None = None,
    e: float | Mapping[Any, float] | None = None,
    weights: str | Sequence[float] | np.ndarray | pd.Series | None = None,
    *,
    column: str = "disposition",
) -> pd.DataFrame:
    """AAPOR response, cooperation, refusal and contact rates.

    Parameters
    ----------
    dispositions : DataFrame or Series
        A table with a column of AAPOR codes (as returned by :func:`dispositions`) or a
        Series of codes.
    by : str or list of str, optional
        Grouping column(s); rates are given per group and overall.
    e : float or mapping, optional
        Estimated share of unknown-eligibility cases (UH + UO) that are eligible, used
        by RR3, RR4, REF2 and CON2.  Default (None): the proportional estimate
        ``(I+P+R+NC+O) / (I+P+R+NC+O+NE)``, computed within each group.  A mapping
        gives one value per group label (the overall row uses ``e["All"]`` if present,
        else the proportional estimate).
    weights : str or array-like, optional
        A weight column (or one weight per row); rates are then ratios of weighted
        sums (AAPOR's weighted response rates).
    column : str, default "disposition"
        Column holding the codes.

    Returns
    -------
    DataFrame
        One row per group plus a row ``"All"`` (just ``"All"`` when ``by`` is None);
        index named after ``by``.  Columns: the counts (or weighted sums) I, P, R, NC,
        O, UH, UO, NE; ``e``; and RR1-RR6, COOP1-COOP4, REF1-REF3, CON1-CON3.  A rate
        whose denominator is zero is NaN.

    Notes
    -----
    With U = UH + UO (AAPOR 2023):

    - RR1 = I / ((I+P) + (R+NC+O) + U), RR2 = (I+P) / (same),
      RR3 = I / ((I+P) + (R+NC+O) + eU), RR4 = (I+P) / (same),
      RR5 = I / ((I+P) + (R+NC+O)), RR6 = (I+P) / (same);
    - COOP1 = I / ((I+P) + R + O), COOP2 = (I+P) / (same),
      COOP3 = I / ((I+P) + R), COOP4 = (I+P) / (same);
    - REF1 = R / ((I+P) + (R+NC+O) + U), REF2 = R / (... + eU), REF3 = R / ((I+P) + (R+NC+O));
    - CON1 = ((I+P)+R+O) / ((I+P)+R+O+NC+U), CON2 = (... + eU), CON3 = (... + NC).

    NE cases are excluded from every denominator.
    """
    return compute_rates(dispositions, by, e, weights, column)


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
    fields = compute_nonresponse_bias(
        frame,
        responded,
        covariates,
        propensity_covariates=propensity_covariates,
        n_boot=n_boot,
        seed=seed,
        level=level,
    )
    return NonresponseBias(**fields)


def standardised_differences(
    frame: pd.DataFrame,
    responded: str | pd.Series | Sequence[bool] | np.ndarray,
    covariates: Sequence[str],
    weights: Sequence[float] | np.ndarray | pd.Series | None = None,
) -> pd.DataFrame:
    """Standardised differences of respondents against non-respondents and the frame.

    With ``weights`` (one per respondent, in frame order of the respondents, or a Series
    indexed by frame labels of respondents) the respondent side is weighted, which
    shows the balance reached by non-response weighting (the "after" half of a love
    plot).

    Parameters
    ----------
    frame, responded, covariates
        As in :func:`nonresponse_bias`.
    weights : array-like or Series, optional
        Respondent weights.

    Returns
    -------
    DataFrame
        As :attr:`NonresponseBias.differences`.
    """
    r = resolve_responded(frame, responded)
    covs = prepare_covariates(frame, covariates)
    w = None if weights is None else respondent_weights(frame, r, weights)
    return _std_diffs(covs, r, w)


def weighting_balance(
    frame: pd.DataFrame,
    design: Any,
    covariates: Sequence[str],
    *,
    frame_unit: str = "iso3",
    unit: str = "ns_iso3",
) -> pd.DataFrame:
    """Respondents against the frame on every covariate, before and after weighting.

    The tidy input of a love plot (:func:`toolkit.figures.love_plot`): did the
    non-response weights bring the respondents closer to the population?

    Parameters
    ----------
    frame : DataFrame
        The population frame.
    design : toolkit.survey.Design
        The respondents' design (e.g. from :func:`nonresponse_design`); its data must
        hold the unit column (``unit`` or ``frame_unit``).
    covariates : sequence of str
        Frame covariates.

    Returns
    -------
    DataFrame
        Columns ``covariate``, ``level``, ``adjustment`` (``"unweighted"`` /
        ``"weighted"``) and ``smd`` (respondents minus frame, standardised).
    """
    data = design.data
    key = unit if unit in data else frame_unit
    codes = data[key].astype(str).to_numpy()
    weights = pd.Series(np.asarray(design.weights, dtype=float), index=codes)
    frame_codes = frame[frame_unit].astype(str)
    responded = frame_codes.isin(set(codes)).to_numpy()
    by_frame = pd.Series(
        weights.reindex(frame_codes[responded]).to_numpy(), index=frame.index[responded]
    )
    parts = []
    for label, w in (("unweighted", None), ("weighted", by_frame)):
        d = standardised_differences(frame, responded, covariates, weights=w)
        parts.append(
            pd.DataFrame(
                {
                    "covariate": d.index.get_level_values(0).astype(str),
                    "level": d.index.get_level_values(1).astype(str),
                    "adjustment": label,
                    "smd": d["smd_frame"].to_numpy(),
                }
            )
        )
    return pd.concat(parts, ignore_index=True)


def collapse_classes(
    frame: pd.DataFrame,
    responded: str | pd.Series | Sequence[bool] | np.ndarray,
    classes: str | Sequence[str],
    *,
    min_respondents: int = 2,
) -> pd.Series:
    """Weighting classes with sparse cells merged into neighbours.

    The last class variable is collapsed within each combination of the others (e.g.
    income groups within each zone): repeatedly, the cell with the fewest
    respondents, if below ``min_respondents``, is merged with the adjacent level (in
    category order, or sorted order for text) that has fewer respondents.  Outer
    classes are never merged: an outer class with fewer than ``min_respondents``
    respondents in all becomes a single class, provided it has at least two (or
    all of its units responded).

    Parameters
    ----------
    frame : DataFrame
    responded : str, Series or array-like of bool
        As in :func:`nonresponse_bias`.
    classes : str or list of str
        Class variables, outermost first (e.g. ``["zone", "income_group"]``).
    min_respondents : int, default 2
        Respondents every class must have (two are needed to estimate a variance).

    Returns
    -------
    Series of str
        Class label per frame row (``"europe / low+lower_middle"``), indexed like the
        frame; pass it as ``classes=`` to :func:`nonresponse_design`.

    Raises
    ------
    WeightingError
        If an outer class has fewer than two respondents (and is not complete).
    """
    return _collapse(frame, responded, classes, min_respondents=min_respondents)


def nonresponse_design(
    frame: pd.DataFrame,
    responded: str | pd.Series | Sequence[bool] | np.ndarray | None = None,
    classes: str | Sequence[str] | pd.Series = ("zone",),
    method: str = "class",
    *,
    data: pd.DataFrame | None = None,
    covariates: Sequence[str] | None = None,
    n_classes: int = 5,
    collapse: bool = False,
    min_respondents: int = 2,
    unit: str = "ns_iso3",
    frame_unit: str = "iso3",
    lonely_psu: str = "fail",
):
    """The respondents as a survey design with non-response adjusted weights.

    Parameters
    ----------
    frame : DataFrame
        The population frame (eligible units only).
    responded : str, Series or array-like of bool, optional
        Who responded (see :func:`nonresponse_bias`); default: units with a row in
        ``data``.
    classes : str, list of str or Series, default ("zone",)
        Class variables (frame columns), crossed into weighting classes; or a Series of
        class labels indexed like the frame (e.g. from :func:`collapse_classes`).
        For ``method="rake"``: the margin variables.  For ``method="propensity"``: the
        default propensity covariates.
    method : {"class", "propensity", "rake"}, default "class"
        ``"class"``: weighting classes.  ``"propensity"``: classes are the
        ``n_classes`` quantile groups of the fitted response propensity.
        ``"rake"``: rake to the frame counts of each class variable.
    data : DataFrame, optional
        The returns (one row per unit); the rows of respondents are added to the
        design's data (a name clash with a frame column gets the suffix ``_data``).
        Rows of units not counted as respondents by ``responded`` (e.g. break-offs)
        are not part of the design.  Without ``data`` the design holds the frame
        columns only.
    covariates : sequence of str, optional
        Covariates of the propensity model (default: ``classes``).
    n_classes : int, default 5
        Number of propensity classes (quintiles).
    collapse : bool, default False
        Merge classes with fewer than ``min_respondents`` respondents into neighbours
        (:func:`collapse_classes`) instead of raising.
    min_respondents : int, default 2
        Minimum respondents per class (a class fully observed, n = N, may have one).
        With ``collapse=True`` it is the target of the merging (e.g. 5 for more
        stable variance estimates); a class left below it must still have two.
    unit, frame_unit : str
        Unit columns of ``data`` and ``frame``.
    lonely_psu : str, default "fail"
        Passed to :class:`toolkit.survey.Design`.

    Returns
    -------
    toolkit.survey.Design
        The respondents, with columns ``nr_class`` (class label), ``nr_class_size``
        (N_c; for raking the frame size N), ``nr_weight`` (starting weight) and, for
        the propensity method, ``nr_propensity``.  Final weights are
        ``design.weights``.

    Raises
    ------
    WeightingError
        A class without respondents (or with one, when it has more units): the message
        names the classes and suggests collapsing; a margin level without respondents
        when raking.

    Notes
    -----
    *Weighting classes* (Little 1986; Kalton and Flores-Cervantes 2003): within class
    c with N_c frame units and n_c respondents, each respondent gets weight
    N_c / n_c.  The design is stratified by class with ``fpc = N_c``: conditional on
    the n_c, respondents missing at random within classes are a simple random sample
    of their class, so the census with ~50% response is analysed as stratified SRS
    without replacement and the finite population correction 1 - n_c / N_c applies.
    *Propensity classes* (Little 1986; Eltinge and Yansaneh 1997): a logistic model
    of response on the covariates (statsmodels) gives propensities; units are
    grouped into quantile classes of the propensity and weighted as above (the
    estimation of the propensities is not reflected in the SEs).  *Raking*: starting
    weights N / n (SRS without replacement of n from N, ``fpc = N``), raked to each
    class variable's frame counts with ``Design.rake``, whose standard errors account
    for the raking.
    """
    return build_nonresponse_design(
        frame,
        responded,
        data=data,
        classes=classes,
        method=method,
        covariates=covariates,
        n_classes=n_classes,
        collapse=collapse,
        min_respondents=min_respondents,
        unit=unit,
        frame_unit=frame_unit,
        lonely_psu=lonely_psu,
    )
