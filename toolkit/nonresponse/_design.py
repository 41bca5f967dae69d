"""Non-response adjusted designs: the respondents as a survey design whose weights
correct for non-response (weighting classes, propensity classes or raking).

References
----------
Little, R. J. A. (1986). Survey nonresponse adjustments for estimates of means.
*International Statistical Review* 54, 139-157.

Eltinge, J. L. and Yansaneh, I. S. (1997). Diagnostics for formation of nonresponse
adjustment cells. *Survey Methodology* 23, 33-40.

Kalton, G. and Flores-Cervantes, I. (2003). Weighting methods. *Journal of Official
Statistics* 19, 81-97.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

from toolkit.errors import InputError, WeightingError
from toolkit.nonresponse._classes import (
    CLASS_COLUMN,
    check_class_columns,
    class_labels,
    collapse_classes,
)
from toolkit.nonresponse._common import (
    as_list,
    frame_units,
    resolve_responded,
    returned_units,
)
from toolkit.nonresponse._covariates import prepare_covariates
from toolkit.nonresponse._propensity import design_matrix, fit_propensity

if TYPE_CHECKING:
    from toolkit.survey import Design

__all__ = ["nonresponse_design"]

SIZE_COLUMN = "nr_class_size"
WEIGHT_COLUMN = "nr_weight"
PROPENSITY_COLUMN = "nr_propensity"


def _respondent_table(
    frame: pd.DataFrame,
    r: np.ndarray,
    data: pd.DataFrame | None,
    unit: str,
    frame_unit: str,
) -> pd.DataFrame:
    """The frame rows of the respondents, with their rows of ``data`` when given."""
    resp = frame.loc[r].copy()
    if data is None:
        return resp
    returned = returned_units(frame, data, unit=unit, frame_unit=frame_unit)
    missing = r & ~returned
    if missing.any():
        raise InputError(
            f"{int(missing.sum())} respondent(s) have no row in the data.",
            value=frame[frame_unit].to_numpy()[np.flatnonzero(missing)[0]],
            hint="check the responded indicator against the data.",
        )
    extra = [c for c in data.columns if c != unit]
    clash = [c for c in extra if c in resp.columns]
    # every respondent has a row: take them in frame order, keeping the data's dtypes
    add = data.set_index(unit).loc[frame[frame_unit].to_numpy()[r], extra]
    add.index = resp.index
    if clash:
        add = add.rename(columns={c: f"{c}_data" for c in clash})
    return pd.concat([resp, add], axis=1)


def _class_weights(
    labels: pd.Series, r: np.ndarray, min_respondents: int, what: str
) -> tuple[pd.Series, pd.Series]:
    """Frame (N_c) and respondent (n_c) counts per class; raise if a class is too sparse."""
    N = labels.value_counts()
    n = labels[r].value_counts().reindex(N.index, fill_value=0)
    bad = n[(n == 0) | ((n < min_respondents) & (n < N))]
    if len(bad):
        lab = bad.index[0]
        listing = ", ".join(
            f"{k!r} ({int(n[k])} respondent(s) of {int(N[k])})" for k in bad.index[:8]
        )
        raise WeightingError(
            f"{len(bad)} {what} class(es) have fewer than {min_respondents} respondents: "
            f"{listing}{' ...' if len(bad) > 8 else ''}.",
            value=lab,
            hint="collapse sparse classes with a neighbouring class: pass collapse=True, "
            "build classes with toolkit.nonresponse.collapse_classes, or use fewer class "
            "variables (e.g. classes=['zone']).",
        )
    return N, n


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
) -> Design:
    """The respondents as a survey design with non-response adjusted weights.

    Parameters
    ----------
    frame : DataFrame
        The population frame (eligible units only).
    responded : str, Series or array-like of bool, optional
        Who responded (see :func:`toolkit.nonresponse.nonresponse_bias`); default: units with a row in
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
    from toolkit.survey import Design

    if method not in ("class", "propensity", "rake"):
        raise InputError(
            f"method must be 'class', 'propensity' or 'rake'; got {method!r}.", value=method
        )
    frame_units(frame, frame_unit)
    if responded is None:
        if data is None:
            raise InputError(
                "give responded=... or data=... (the returns) to know who responded.",
            )
        r = returned_units(frame, data, unit=unit, frame_unit=frame_unit)
    else:
        r = resolve_responded(frame, responded)
    if r.sum() == 0:
        raise WeightingError("no frame unit responded; there is nothing to weight.")
    for c in (CLASS_COLUMN, SIZE_COLUMN, WEIGHT_COLUMN, PROPENSITY_COLUMN):
        if c in frame.columns or (data is not None and c in data.columns):
            raise InputError(
                f"the column name {c!r} is reserved for the non-response adjustment.",
                column=c,
                hint="rename that column before calling nonresponse_design.",
            )
    resp = _respondent_table(frame, r, data, unit, frame_unit)

    if method == "rake":
        cols = [] if isinstance(classes, pd.Series) else as_list(classes)
        if not cols:
            raise InputError(
                "raking needs class variables given as frame column names.",
                hint="e.g. classes=['zone', 'income_group', 'population_band'].",
            )
        check_class_columns(frame, cols)
        margins = {}
        for c in cols:
            counts = frame[c].value_counts(sort=False)
            counts = counts[counts > 0]
            have = set(resp[c].tolist())
            empty = [lv for lv in counts.index if lv not in have]
            if empty:
                raise WeightingError(
                    f"the frame has {int(counts[empty[0]])} unit(s) with {c} = "
                    f"{empty[0]!r} but none of them responded, so that margin cannot be met.",
                    column=c,
                    value=empty[0],
                    hint="merge that level with a neighbouring one in the frame and the data, "
                    "or leave the variable out of the margins.",
                )
            margins[c] = {lv: float(k) for lv, k in counts.items()}
        # Start from weighting classes of the first variable (e.g. zone): stratified
        # with fpc N_h and weights N_h / n_h, then rake to every margin.
        first = frame[cols[0]].to_numpy(dtype=object)
        Nh = pd.Series(first).value_counts()
        nh = pd.Series(first[r]).value_counts().reindex(Nh.index, fill_value=0)
        lab_r = first[r]
        resp[CLASS_COLUMN] = pd.array([str(v) for v in lab_r], dtype="str")
        resp[SIZE_COLUMN] = Nh.reindex(lab_r).to_numpy(dtype=float)
        resp[WEIGHT_COLUMN] = (Nh / nh).reindex(lab_r).to_numpy(dtype=float)
        _class_weights(pd.Series(first.astype(str)), r, min_respondents, "first-margin")
        base = Design(
            resp, weights=WEIGHT_COLUMN, strata=CLASS_COLUMN, fpc=SIZE_COLUMN, lonely_psu=lonely_psu
        )
        return base.rake(margins)

    if method == "propensity":
        pcov = as_list(covariates) or ([] if isinstance(classes, pd.Series) else as_list(classes))
        if not pcov:
            raise InputError(
                "the propensity model needs covariates.",
                hint="pass covariates=['zone', 'income_group', ...].",
            )
        covs = prepare_covariates(frame, pcov)
        X, names = design_matrix(covs)
        _, p, _ = fit_propensity(X, r, names)
        q = pd.qcut(pd.Series(p, index=frame.index), n_classes, labels=False, duplicates="drop")
        labels = ("q" + (q.astype(int) + 1).astype(str)).rename(CLASS_COLUMN)
        if collapse:
            tmp = frame.assign(
                **{
                    CLASS_COLUMN: pd.Categorical(
                        labels,
                        categories=sorted(pd.unique(labels), key=lambda s: int(s[1:])),
                        ordered=True,
                    )
                }
            )
            labels = collapse_classes(tmp, r, [CLASS_COLUMN], min_respondents=min_respondents)
            min_respondents = min(min_respondents, 2)  # the target was met where it could be
        resp[PROPENSITY_COLUMN] = p[r]
        what = "propensity"
    else:
        if collapse:
            if isinstance(classes, pd.Series):
                raise InputError(
                    "collapse=True needs class variables given as column names.",
                    hint="collapse the label Series yourself or pass column names.",
                )
            labels = collapse_classes(frame, r, classes, min_respondents=min_respondents)
            min_respondents = min(min_respondents, 2)  # the target was met where it could be
        else:
            labels = class_labels(frame, classes)
        what = "weighting"
    N, n = _class_weights(labels, r, min_respondents, what)
    lab_r = labels[r].to_numpy()
    resp[CLASS_COLUMN] = pd.array(lab_r, dtype="str")
    resp[SIZE_COLUMN] = N.reindex(lab_r).to_numpy(dtype=float)
    resp[WEIGHT_COLUMN] = (N / n).reindex(lab_r).to_numpy(dtype=float)
    return Design(
        resp,
        weights=WEIGHT_COLUMN,
        strata=CLASS_COLUMN,
        fpc=SIZE_COLUMN,
        lonely_psu=lonely_psu,
    )
