"""Sensitivity of findings to non-response.

Weighting assumes that, within weighting classes, non-respondents resemble
respondents (missing at random).  Nothing in the returned questionnaires can confirm
that, so a credible report also says what happens if it is false:

- :func:`bounds` — worst- and best-case (Manski) bounds for every proportion: the
  population share if *no* non-respondent ran the activity, and if *all* did.  For a
  census frame these bounds are exact statements about the population, with no
  assumption at all about non-respondents.
- :func:`tipping_point` — for one finding (a share above a threshold, or one zone ahead
  of another), how different non-respondents would have to be from respondents for
  the finding to be overturned.
- :func:`two_phase` — the repair: interview a random subsample of non-respondents
  (phase 2) and combine with the returns by the Hansen-Hurwitz double-sampling
  estimator, which is unbiased without any assumption about non-respondents.

References
----------
Manski, C. F. (1990). Nonparametric bounds on treatment effects. *American Economic
Review* 80, 319-323.

Hansen, M. H. and Hurwitz, W. N. (1946). The problem of non-response in sample
surveys. *Journal of the American Statistical Association* 41, 517-529.

Cochran, W. G. (1977). *Sampling Techniques*, 3rd ed., Wiley: §12.2 (double sampling
for stratification) and §13.2 (the Hansen-Hurwitz subsample of non-respondents).

Särndal, C.-E., Swensson, B. and Wretman, J. (1992). *Model Assisted Survey
Sampling*, Springer: §9.3 (two-phase sampling, variance and its estimator) and
§15.4 (subsampling of non-respondents).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from toolkit.errors import InputError
from toolkit.nonresponse._bounds import (
    counts,
    group_codes,
    indicators,
    tipping_difference,
    tipping_share,
)
from toolkit.nonresponse._common import (
    ALL_LABEL,
)
from toolkit.nonresponse._two_phase import compute_two_phase

__all__ = ["TippingPoint", "bounds", "tipping_point", "two_phase"]


def bounds(
    frame: pd.DataFrame,
    data: pd.DataFrame,
    var: str | Sequence[str],
    by: str | Sequence[str] | None = None,
    *,
    unit: str = "ns_iso3",
    frame_unit: str = "iso3",
    responded: str | pd.Series | Sequence[bool] | np.ndarray | None = None,
) -> pd.DataFrame:
    """Worst- and best-case (Manski) bounds for every proportion.

    Parameters
    ----------
    frame : DataFrame
        The population (eligible units only; drop NE units first).
    data : DataFrame
        Returns, one row per responding unit.
    var : str or list of str
        0/1 or boolean columns (one proportion each) and/or categorical columns (one
        proportion per observed level).
    by : str or list of str, optional
        Frame column(s) defining domains (e.g. ``"zone"``); a row ``"All"`` is added.
    unit, frame_unit : str
        Unit columns of ``data`` and ``frame``.
    responded : optional
        Which frame units count as respondents (default: those with a row in
        ``data``), e.g. ``dispositions(...)["responded"]`` to exclude break-offs.

    Returns
    -------
    DataFrame
        Index (by..., ``variable``, ``category``); columns ``n_frame`` (N),
        ``n_observed`` (n: respondents who answered the item), ``n_missing``
        (N - n: non-respondents and item non-response), ``observed`` (share among
        the n), ``lower`` (all N - n are 0), ``upper`` (all are 1) and ``width``
        ((N - n) / N).

    Notes
    -----
    lower = S / N, upper = (S + N - n) / N with S the number of observed 1s.  The
    frame is the population, so these are bounds on the population share itself,
    not confidence limits; they hold whatever the non-respondents do.
    """
    inds = indicators(frame, data, var, unit=unit, frame_unit=frame_unit, responded=responded)
    by_l, keys, codes = group_codes(frame, by)
    groups = [(k, codes == g) for g, k in enumerate(keys)]
    if by_l:
        groups.append((tuple([ALL_LABEL] * len(by_l)), np.ones(len(frame), dtype=bool)))
    records, idx = [], []
    for key, mask in groups:
        for ind in inds:
            N, n, S = counts(ind.y[mask])
            records.append(
                {
                    "n_frame": N,
                    "n_observed": n,
                    "n_missing": N - n,
                    "observed": S / n if n else np.nan,
                    "lower": S / N if N else np.nan,
                    "upper": (S + N - n) / N if N else np.nan,
                    "width": (N - n) / N if N else np.nan,
                }
            )
            idx.append((*tuple(key), ind.variable, ind.level))
    out = pd.DataFrame.from_records(records)
    out.index = pd.MultiIndex.from_tuples(idx, names=[*by_l, "variable", "category"])
    return out


@dataclass(frozen=True)
class TippingPoint:
    """Result of :func:`tipping_point`.

    Attributes
    ----------
    table : DataFrame
        The tipping points (see :func:`tipping_point`).
    grid : DataFrame
        Population values over a grid of non-respondent rates (long format), for
        plotting the tipping curve or surface.
    threshold : float
        The threshold that defines the finding.
    kind : str
        ``"threshold"`` (a share against a threshold) or ``"difference"`` (a
        difference between two domains against a threshold).
    """

    table: pd.DataFrame
    grid: pd.DataFrame
    threshold: float
    kind: str


def tipping_point(
    frame: pd.DataFrame,
    data: pd.DataFrame,
    var: str,
    *,
    threshold: float | None = None,
    by: str | None = None,
    compare: tuple[Any, Any] | None = None,
    level: Any = None,
    unit: str = "ns_iso3",
    frame_unit: str = "iso3",
    responded: str | pd.Series | Sequence[bool] | np.ndarray | None = None,
    grid: int = 21,
) -> TippingPoint:
    """How different non-respondents would have to be to overturn a finding.

    Two kinds of finding are supported.

    *A share against a threshold* (``threshold`` given, ``compare`` not): e.g. "more
    than half of the Societies in each zone run RFL".  With N units in a domain, n of
    them observed with S ones and N - n unobserved, the population share if the
    unobserved had rate q is P(q) = (S + q (N - n)) / N.  Respondents alone suggest
    P = S / n (missing at random).  The tipping rate is q* = (t N - S) / (N - n),
    the non-respondent rate at which P crosses t.

    *A difference between two domains* (``by`` and ``compare=(a, b)``; ``threshold``
    defaults to 0): e.g. "Europe runs RFL more often than Africa".  The difference is
    D = P_a(q_a) - P_b(q_b).  Three departures from missing-at-random are solved for
    the smallest shift delta that brings D to the threshold: non-respondents of a
    differ from a's respondents by delta and those of b from b's by delta in the
    opposite direction (``"both"``); only a's non-respondents differ (``"first"``);
    only b's do (``"second"``).  Rates are clipped to [0, 1].

    Parameters
    ----------
    frame, data : DataFrame
        Population and returns, as in :func:`bounds`.
    var : str
        A 0/1 column or a categorical column (then give ``level``).
    threshold : float, optional
        The threshold of the finding (required for a share; default 0 for a
        difference).
    by : str, optional
        Frame column of domains.  For a share, a tipping point is computed per domain
        and overall.
    compare : tuple, optional
        Two levels of ``by`` whose difference is the finding.
    level : optional
        Level of a categorical ``var`` (default: 1 for 0/1 columns).
    unit, frame_unit, responded
        As in :func:`bounds`.
    grid : int, default 21
        Points per axis of the grid of non-respondent rates in [0, 1].

    Returns
    -------
    TippingPoint
        For a share, ``table`` has one row per domain (and ``"All"``): n_frame,
        n_observed, observed (S / n), lower, upper, finding (``"above"``, ``"below"`` or
        ``"at"`` the threshold, judged at q = observed), tipping_rate (q*),
        tipping_difference (q* - observed), tipping_odds_ratio
        (odds(q*) / odds(observed)) and robust (True when no q in [0, 1] can overturn
        the finding; tipping values are then NaN).  For a difference, one row per
        scenario: delta, rate_first, rate_second (the non-respondent rates at the
        tipping point), difference_observed and robust.
    """
    inds = indicators(frame, data, var, unit=unit, frame_unit=frame_unit, responded=responded)
    if isinstance(var, (list, tuple)):
        raise InputError("tipping_point takes one variable.", hint="call it once per finding.")
    if level is None:
        if len(inds) != 1:
            raise InputError(
                f"the column has {len(inds)} levels; say which one the finding is about.",
                column=var,
                hint=f"pass level=... (one of {', '.join(str(i.level) for i in inds)}).",
            )
        ind = inds[0]
    else:
        match = [i for i in inds if i.level == level]
        if not match:
            raise InputError(
                "the level does not occur among the returns.",
                column=var,
                value=level,
                hint=f"use one of {', '.join(str(i.level) for i in inds)}.",
            )
        ind = match[0]
    qs = np.linspace(0, 1, grid)
    if compare is None:
        if threshold is None:
            raise InputError(
                "give threshold=... (the share the finding is about) or compare=(a, b).",
            )
        table, grid_df = tipping_share(frame, ind, float(threshold), by, qs)
        return TippingPoint(table, grid_df, float(threshold), "threshold")
    if by is None:
        raise InputError("compare=(a, b) needs by=... naming the domain column.")
    t = 0.0 if threshold is None else float(threshold)
    table, grid_df = tipping_difference(frame, ind, t, by, compare, qs)
    return TippingPoint(table, grid_df, t, "difference")


# --------------------------------------------------------------------- two-phase


def two_phase(
    frame: pd.DataFrame,
    data: pd.DataFrame,
    followup: pd.DataFrame,
    var: str | Sequence[str],
    *,
    selected: Sequence[Any] | None = None,
    strata: str | None = None,
    population_size: int | Mapping[Any, int] | None = None,
    statistic: str = "mean",
    unit: str = "ns_iso3",
    frame_unit: str = "iso3",
    responded: str | pd.Series | Sequence[bool] | np.ndarray | None = None,
    allow_followup_nonresponse: bool = False,
    level: float = 0.95,
) -> pd.DataFrame:
    """Hansen-Hurwitz double-sampling estimator for a follow-up of non-respondents.

    Phase 1 is the questionnaire sent to every unit of ``frame`` (or to a simple
    random sample of a larger population, see ``population_size``); n1 units
    returned it, n2 did not.  Phase 2 is a simple random subsample of m of the n2
    non-respondents, followed up until they answer (e.g. by interview).

    Parameters
    ----------
    frame : DataFrame
        The phase-1 units (for the membership census: the frame).
    data : DataFrame
        Phase-1 returns (unit column and ``var``).
    followup : DataFrame
        Answers of the followed-up non-respondents (unit column and ``var``).
    var : str or list of str
        Numeric or 0/1 variables (a mean of a 0/1 variable is a proportion).
    selected : sequence, optional
        Units drawn into the follow-up subsample (default: the units of
        ``followup``).  All must be phase-1 non-respondents.
    strata : str, optional
        Frame column within which phase 1 and the follow-up subsample were drawn
        (each stratum may have its own subsampling rate).  Per-stratum rows and a
        combined ``"All"`` row are returned.
    population_size : int or mapping, optional
        If phase 1 was itself a simple random sample (per stratum), the population
        size (per stratum).  Default: phase 1 is a census of ``frame`` (no phase-1
        sampling variance).
    statistic : {"mean", "total"}
    unit, frame_unit : str
        Unit columns of the data tables and of ``frame``.
    responded : optional
        Phase-1 respondents (default: units with a row in ``data``).
    allow_followup_nonresponse : bool, default False
        Selected units without an answer normally raise an error, because the
        estimator assumes the subsample is fully interviewed.  If True, answering
        selected units are treated as the subsample (valid only if follow-up
        non-response is unrelated to the variable).
    level : float, default 0.95

    Returns
    -------
    DataFrame
        Index (strata level or ``"All"``, ``variable``); columns ``estimate``, ``se``,
        ``ci_low``, ``ci_high`` (normal), ``n_frame`` (phase-1 n), ``n_respondents``
        (n1), ``n_nonrespondents`` (n2), ``n_followup`` (m), ``n_population``.

    Notes
    -----
    Within a stratum, with y1bar the phase-1 respondents' mean and y2m the mean of
    the m followed-up units,

        ybar = (n1 y1bar + n2 y2m) / n                    (Hansen and Hurwitz 1946)

    is unbiased for the population mean.  Its variance has a phase-1 term and a
    subsampling term (Cochran 1977, eq. 13.3):
    V = (1 - n/N) S^2 / n + (n2/n)^2 (1 - m/n2) S2^2 / m (given n2).  It is estimated
    without bias by v = v1 + v2 with
    v2 = (n2/n)^2 (1 - m/n2) s2m^2 / m and v1 = (1 - n/N) s_hat^2 / n, where
    s_hat^2 = (sum_hat y^2 - n (ybar^2 - v2)) / (n - 1) and
    sum_hat y^2 = sum_{resp} y^2 + (n2/m) sum_{followup} y^2 are unbiased for the
    phase-1 sample variance (Särndal, Swensson and Wretman 1992, §9.3).  For a
    census phase 1, n = N and v = v2.  Strata combine as ybar = sum W_h ybar_h,
    v = sum W_h^2 v_h with W_h = N_h / N; totals are N ybar and N^2 v.
    """
    return compute_two_phase(
        frame,
        data,
        followup,
        var,
        selected=selected,
        strata=strata,
        population_size=population_size,
        statistic=statistic,
        unit=unit,
        frame_unit=frame_unit,
        responded=responded,
        allow_followup_nonresponse=allow_followup_nonresponse,
        level=level,
    )
