"""Covariate balance: standardised differences of respondents against non-respondents
and the frame, before and after non-response weighting.

References
----------
Austin, P. C. (2009). Balance diagnostics for comparing the distribution of baseline
covariates between treatment groups in propensity-score matched samples. *Statistics
in Medicine* 28, 3083-3107.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np
import pandas as pd

from toolkit.errors import InputError
from toolkit.nonresponse._common import resolve_responded
from toolkit.nonresponse._covariates import Covariate, prepare_covariates

__all__ = ["standardised_differences", "weighting_balance"]


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


def difference_table(
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


def _diff_record(
    name: str,
    level: str,
    kind: str,
    x: np.ndarray,
    r: np.ndarray,
    wr: np.ndarray,
    is_prop: bool,
) -> dict[str, str | float]:
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
        As in :func:`toolkit.nonresponse.nonresponse_bias`.
    weights : array-like or Series, optional
        Respondent weights.

    Returns
    -------
    DataFrame
        As :attr:`toolkit.nonresponse.NonresponseBias.differences`.
    """
    r = resolve_responded(frame, responded)
    covs = prepare_covariates(frame, covariates)
    w = None if weights is None else respondent_weights(frame, r, weights)
    return difference_table(covs, r, w)


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
        The respondents' design (e.g. from :func:`toolkit.nonresponse.nonresponse_design`); its data must
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
